"""The command line on temporary project trees: modes, exit codes, output, bytes, config, errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, FIXED, REPO, SEED, dedent, run_cli, write_project


@pytest.fixture
def tree(project_dir: Path) -> Path:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    return project_dir


def test_rewrites_in_place_and_reports(tree: Path) -> None:
    result = run_cli(tree, "saas/models.py")
    assert result.returncode == 1
    assert (tree / "saas/models.py").read_text() == FIXED
    assert result.stdout.splitlines() == [
        'saas/models.py:11:33: FR101 "ecommerce.models.Subscription" -> "Subscription" '
        "(import added: from ecommerce.models import Subscription)"
    ]
    assert "Rewriting saas/models.py" in result.stderr.splitlines()
    assert result.stderr.splitlines()[-1].startswith(
        "fix-relationships: 1 relationship target(s) in 1 file(s) rewritten"
    )
    again = run_cli(tree, "saas/models.py")
    assert (again.returncode, again.stdout) == (0, "")


def test_default_path_is_the_project(tree: Path) -> None:
    assert run_cli(tree).returncode == 1
    assert (tree / "saas/models.py").read_text() == FIXED


def test_check_writes_nothing(tree: Path) -> None:
    result = run_cli(tree, "--check", ".")
    assert result.returncode == 1
    assert "Would rewrite saas/models.py" in result.stderr
    assert (tree / "saas/models.py").read_text() == SEED


def test_diff_prints_a_unified_diff_and_writes_nothing(tree: Path) -> None:
    result = run_cli(tree, "--diff", "saas/models.py")
    assert result.returncode == 1
    assert result.stdout.startswith("--- ./saas/models.py\n+++ ./saas/models.py\n@@")
    assert "+from ecommerce.models import Subscription  # noqa: F401\n" in result.stdout
    assert '-    subscription = relationship("ecommerce.models.Subscription"' in result.stdout
    assert (tree / "saas/models.py").read_text() == SEED


def test_check_and_diff_together_is_bad_usage(tree: Path) -> None:
    result = run_cli(tree, "--check", "--diff")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "not allowed with argument" in result.stderr


def test_nothing_to_do_exits_zero_and_changes_nothing(tree: Path) -> None:
    result = run_cli(tree, "core", "ecommerce")
    assert (result.returncode, result.stdout) == (0, "")


def test_broken_reference_exits_one_and_is_left(tree: Path) -> None:
    (tree / "saas/models.py").write_text(SEED.replace("models.Subscription", "models.Subscriptoin"))
    result = run_cli(tree, "saas/models.py")
    assert result.returncode == 1
    assert "saas/models.py:11:33: FR201 broken: " in result.stdout
    assert "models.Subscriptoin" in (tree / "saas/models.py").read_text()


def test_verbose_lists_what_is_left_alone(tree: Path) -> None:
    (tree / "saas/models.py").write_text(SEED.replace("ecommerce.models", "vendor.models"))
    quiet = run_cli(tree, "saas/models.py")
    assert (quiet.returncode, quiet.stdout) == (0, "")
    assert "1 left alone (-v lists them)" in quiet.stderr
    loud = run_cli(tree, "-v", "saas/models.py")
    assert loud.returncode == 0
    assert (
        'saas/models.py:11:33: FR303 left alone: "vendor.models.Subscription": no project module ends with vendor.models'
        in loud.stdout
    )


BAD_FILES = [
    pytest.param(
        b"def broken(:\n    relationship('ecommerce.models.Subscription')\n",
        "cannot parse",
        id="syntax-error",
    ),
    pytest.param(
        b"x = 'caf\xe9'  # relationship('ecommerce.models.Subscription')\n",
        "not valid utf-8 (byte 0xe9 at offset 8) and no coding cookie",
        id="not-utf8",
    ),
    pytest.param(b"x = relationship\x00\n", "NUL bytes", id="nul-bytes"),
    pytest.param(
        b"# -*- coding: klingon -*-\nx = dynamic_loader\n",
        "cannot decode",
        id="unknown-coding-cookie",
    ),
]


@pytest.mark.parametrize(("content", "reason"), BAD_FILES)
def test_bad_file_is_named_left_alone_and_the_rest_still_fixed(
    tree: Path, content: bytes, reason: str
) -> None:
    (tree / "saas/broken.py").write_bytes(content)
    result = run_cli(tree, "saas")
    assert result.returncode == 2
    [line] = [ln for ln in result.stdout.splitlines() if ln.startswith("saas/broken.py")]
    assert "error: " in line and reason in line
    assert "Traceback" not in result.stderr + result.stdout
    assert (tree / "saas/broken.py").read_bytes() == content
    assert (tree / "saas/models.py").read_text() == FIXED


def test_missing_path_is_an_error_and_the_rest_goes_on(tree: Path) -> None:
    result = run_cli(tree, "nope.py", "saas/models.py")
    assert result.returncode == 2
    assert "nope.py: FR901 error: no such file or directory" in result.stdout
    assert (tree / "saas/models.py").read_text() == FIXED


@pytest.mark.parametrize(
    ("encode", "name"),
    [
        (lambda text: text.replace("\n", "\r\n").encode(), "crlf"),
        (lambda text: b"\xef\xbb\xbf" + text.encode(), "bom"),
        (
            lambda text: ("# -*- coding: latin-1 -*-\n# Caf\xe9\n" + text).encode("latin-1"),
            "latin-1-cookie",
        ),
    ],
)
def test_bytes_are_kept(tree: Path, encode: object, name: str) -> None:
    assert callable(encode)
    (tree / "saas/models.py").write_bytes(encode(SEED))
    assert run_cli(tree, "saas/models.py").returncode == 1
    assert (tree / "saas/models.py").read_bytes() == encode(FIXED)


def test_file_mode_is_kept(tree: Path) -> None:
    os.chmod(tree / "saas/models.py", 0o640)
    run_cli(tree, "saas/models.py")
    assert (tree / "saas/models.py").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in (tree / "saas").iterdir()) == ["__init__.py", "models.py"]


def test_walk_skips_hidden_virtualenv_and_build_dirs(tree: Path) -> None:
    for skipped in [".hidden", "venv", "build", "node_modules", "lib/site-packages"]:
        write_project(tree, {f"{skipped}/saas_copy.py": SEED})
    (tree / "venv/pyvenv.cfg").write_text("home = /usr\n")
    result = run_cli(tree, "--check", ".")
    assert result.returncode == 1
    assert [ln.split(":")[0] for ln in result.stdout.splitlines()] == ["saas/models.py"]


def test_files_are_decided_in_sorted_order_whatever_the_argument_order(project_dir: Path) -> None:
    files = {
        **BASE_PROJECT,
        "ecommerce/models.py": BASE_PROJECT["ecommerce/models.py"]
        + '    events = relationship("saas.models.UsageEvent", back_populates="subscription")\n',
        "saas/models.py": SEED.replace('backref="usage_events"', 'back_populates="events"'),
    }
    write_project(project_dir, files)
    result = run_cli(project_dir, "saas/models.py", "ecommerce/models.py")
    assert result.returncode == 1
    ecommerce = (project_dir / "ecommerce/models.py").read_text()
    saas = (project_dir / "saas/models.py").read_text()
    assert "from saas.models import UsageEvent  # noqa: F401\n" in ecommerce
    assert saas.endswith("\n\nimport ecommerce.models as _models  # noqa: E402, F401\n")
    assert (
        'saas/models.py:11:33: FR101 "ecommerce.models.Subscription" -> "Subscription" (registered '
        "by an import after the class definitions: import ecommerce.models as _models)"
    ) in result.stdout
    assert run_cli(project_dir, ".").returncode == 0


def test_file_with_an_invalid_module_name_is_still_fixed(project_dir: Path) -> None:
    revision = "migrations/versions/1bf7abd00725_add-usage.py"
    write_project(
        project_dir, {**BASE_PROJECT, revision: SEED.replace("UsageEvent", "UsageEventV2")}
    )
    assert run_cli(project_dir, revision).returncode == 1
    assert (
        "from ecommerce.models import Subscription  # noqa: F401\n"
        in (project_dir / revision).read_text()
    )


def test_config_src_exclude_and_placement(project_dir: Path) -> None:
    backend = {f"backend/{k}": v for k, v in {**BASE_PROJECT, "saas/models.py": SEED}.items()}
    write_project(project_dir, {**backend, "backend/legacy/old.py": SEED})
    (project_dir / "pyproject.toml").write_text(
        '[tool.fix-relationships]\nsrc = ["backend"]\nexclude = ["legacy"]\nimport-placement = "type-checking"\n'
    )
    result = run_cli(project_dir, "backend")
    assert result.returncode == 1
    assert (
        "if TYPE_CHECKING:\n    from ecommerce.models import Subscription  # noqa: F401\n"
        in (project_dir / "backend/saas/models.py").read_text()
    )
    assert (project_dir / "backend/legacy/old.py").read_text() == SEED


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.fix-relationships]\nsorc = ["x"]\n', "unknown option 'sorc'"),
        (
            '[tool.fix-relationships]\nimport-placement = "top"\n',
            "`import-placement` must be one of auto, type-checking",
        ),
        ('[tool.fix-relationships]\nsrc = "backend"\n', "`src` must be a list of strings"),
        ("[tool.fix-relationships\n", "invalid TOML"),
    ],
)
def test_bad_configuration_is_one_line_exit_two(tree: Path, table: str, message: str) -> None:
    (tree / "pyproject.toml").write_text(table)
    result = run_cli(tree, "saas/models.py")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "pyproject.toml" in line and message in line
    assert (tree / "saas/models.py").read_text() == SEED


@pytest.mark.parametrize(
    ("cwd", "path", "settings"),
    [
        pytest.param(".", "saas/models.py", "", id="from-the-root"),
        # From a subdirectory the project root is still found; a registration that
        # package-init placement would put in saas/__init__.py goes into the module instead,
        # since a LibCST command edits only the file it is given.
        pytest.param(
            "saas",
            "models.py",
            '[tool.fix-relationships]\nimport-placement = "package-init"\n',
            id="from-a-subdirectory-package-init",
        ),
    ],
)
def test_libcst_tool_runs_the_command_class(tree: Path, cwd: str, path: str, settings: str) -> None:
    (tree / "pyproject.toml").write_text(settings)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "-x",
            "codemods.fix_relationships.FixRelationshipsCommand",
            "--no-format",
            "-j",
            "1",
            "--hide-progress",
            path,
        ],
        cwd=tree / cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tree / "saas/models.py").read_text() == FIXED
    assert (tree / "saas/__init__.py").read_text() == ""


# What a commit with nothing to do never imports: each costs a part of its start (LibCST a
# multiple of it; inspect, which dataclasses imports, a tenth).
NOT_IMPORTED = ("libcst", "sqlite3", "ast", "dataclasses", "inspect", "difflib", "json")


def test_no_heavy_import_when_nothing_to_do(tree: Path) -> None:
    code = (
        "import sys\nfrom codemods.fix_relationships import main\n"
        "code = main(['core/database.py', 'ecommerce/__init__.py'])\n"
        f"imported = [m for m in {NOT_IMPORTED!r} if m in sys.modules]\n"
        "assert not imported, f'imported: {imported}'\nraise SystemExit(code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_a_commit_of_one_model_file_imports_no_process_pool(tree: Path) -> None:
    """Deciding one file needs no worker: a commit never imports multiprocessing (a tenth of
    its time)."""
    code = (
        "import sys\nfrom codemods.fix_relationships import main\n"
        "code = main(['--check', 'saas/models.py'])\n"
        "imported = [m for m in ('multiprocessing', 'concurrent.futures') if m in sys.modules]\n"
        "print('imported:', imported)\nraise SystemExit(code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("saas/models.py:11:33: FR101 ") and lines[-1] == "imported: []"


def test_main_is_callable_in_process(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from codemods.fix_relationships import main

    monkeypatch.chdir(tree)
    assert main(["--check", "saas/models.py"]) == 1
    assert capsys.readouterr().out.startswith("saas/models.py:11:33: ")
    assert main(["--help"]) == 0
    assert dedent(SEED) == (tree / "saas/models.py").read_text()
