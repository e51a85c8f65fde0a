"""`--verify`: real SQLAlchemy in real fresh interpreters, on temporary project trees."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import pytest
from project_helpers import BASE_PROJECT, FIXED, REPO, SEED, run_cli, write_project

pytestmark = pytest.mark.slow

# With every added import under TYPE_CHECKING, the fixed SEED registers nothing: saas.models
# alone fails to configure.
TYPE_CHECKING_PLACEMENT = {
    "pyproject.toml": '[tool.fix-relationships]\nimport-placement = "type-checking"\n'
}
BOOM = (
    BASE_PROJECT["ecommerce/models.py"]
    + '\nprint("noise from the project")\nraise RuntimeError("boom")\n'
)
EXITS = BASE_PROJECT["ecommerce/models.py"] + "\nimport os  # noqa: E402\n\nos._exit(3)\n"


def _verify_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": FR903 verify: " in line]


def _summary(stderr: str) -> str:
    return stderr.splitlines()[-1]


LAYOUTS = [
    pytest.param({}, "", id="flat"),
    pytest.param(
        {"pyproject.toml": '[tool.fix-relationships]\nsrc = ["backend"]\n'}, "backend/", id="src"
    ),
    pytest.param({}, "backend/", id="derived-root"),
]


@pytest.mark.parametrize(("extra", "prefix"), LAYOUTS)
def test_fixed_seed_verifies_alone_and_together(
    project_dir: Path, extra: dict[str, str], prefix: str
) -> None:
    files = {f"{prefix}{k}": v for k, v in {**BASE_PROJECT, "saas/models.py": SEED}.items()}
    write_project(project_dir, {**files, **extra})
    result = run_cli(project_dir, "--verify", "-v")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f'{prefix}saas/models.py:11:33: FR101 "ecommerce.models.Subscription" -> "Subscription"'
        in (result.stdout)
    )
    assert _verify_lines(result.stdout) == []
    assert "Verifying saas.models alone: ok" in result.stderr.splitlines()
    assert (
        "Verifying the 2 model module(s) together (ecommerce.models, saas.models): ok"
        in result.stderr.splitlines()
    )
    assert _summary(result.stderr) == (
        "fix-relationships: verified 2 module(s) alone and 2 model module(s) together, "
        "0 failure(s), 0 caused by the rewrite"
    )
    assert not list(project_dir.rglob("__pycache__"))

    again = run_cli(project_dir, "--verify")
    assert (again.returncode, again.stdout) == (0, "")
    assert _summary(again.stderr) == (
        "fix-relationships: verified 2 module(s) alone and 2 model module(s) together, 0 failure(s)"
    )


def test_model_modules_leave_out_tests_and_excluded_files(project_dir: Path) -> None:
    never = '__tablename__ = "x"\nraise RuntimeError("must not be imported")\n'
    write_project(
        project_dir,
        {
            **BASE_PROJECT,
            "saas/models.py": FIXED,
            "tests/test_models.py": never,
            "saas/conftest.py": never,
            "fixtures/old_models.py": never,
            "pyproject.toml": '[tool.fix-relationships]\nexclude = ["fixtures"]\n',
        },
    )
    result = run_cli(project_dir, "--verify", "-v")
    assert result.returncode == 0, result.stdout
    assert _summary(result.stderr).startswith(
        "fix-relationships: verified 2 module(s) alone and 2 model module(s) together, 0 failure(s)"
    )


ALONE = "configure_mappers() after importing saas.models alone: InvalidRequestError: "
TOGETHER = "configure_mappers() after importing the 2 model module(s) together: "
BEFORE, CAUSED = " (the tree had it before the rewrite)", " (caused by the rewrite)"

# (files, failures the rewrite caused, or None when nothing was rewritten: then there is
# nothing to compare; the expected lines, each as its start, a part, and its end)
FAILURES = [
    pytest.param(
        {**TYPE_CHECKING_PLACEMENT, "saas/models.py": SEED},
        0,
        [
            (
                "saas/models.py:16:1: FR903 verify: " + ALONE,
                "expression 'Subscription' failed to locate a name ('Subscription')",
                BEFORE,
            )
        ],
        id="type-checking-placement-alone",
    ),
    pytest.param(
        {"saas/models.py": SEED.replace("ecommerce.models", "vendor.models")},
        None,
        [
            (
                "saas/models.py:11:1: FR903 verify: " + ALONE,
                "expression 'vendor.models.Subscription' failed to locate a name",
                "",
            ),
            (
                "saas/models.py:11:1: FR903 verify: " + TOGETHER + "InvalidRequestError: ",
                "expression 'vendor.models.Subscription' failed to locate a name",
                "",
            ),
        ],
        id="points-outside-the-project",
    ),
    pytest.param(
        {"saas/models.py": SEED.replace("models.Subscription", "models.Subscriptoin")},
        None,
        [
            (
                "saas/models.py:11:1: FR903 verify: " + ALONE,
                "expression 'ecommerce.models.Subscriptoin' failed to locate a name",
                "",
            ),
            (
                "saas/models.py:11:1: FR903 verify: " + TOGETHER + "InvalidRequestError: ",
                "no mapped classes registered under the name 'Subscriptoin'",
                "",
            ),
        ],
        id="broken-typo",
    ),
    pytest.param(
        {"ecommerce/models.py": BOOM, "saas/models.py": SEED},
        1,
        [
            (
                "ecommerce/models.py:19:1: FR903 verify: importing ecommerce.models alone: ",
                "RuntimeError: boom",
                BEFORE,
            ),
            (
                "ecommerce/models.py:19:1: FR903 verify: importing saas.models alone: ",
                "RuntimeError: boom",
                CAUSED,
            ),
            (
                "ecommerce/models.py:19:1: FR903 verify: importing ecommerce.models with the other "
                "model modules: ",
                "RuntimeError: boom",
                BEFORE,
            ),
        ],
        id="import-raises",
    ),
    pytest.param(
        {"ecommerce/models.py": EXITS, "saas/models.py": SEED},
        1,
        [
            (
                "ecommerce/models.py: FR903 verify: importing ecommerce.models alone and "
                "configuring: ",
                "the interpreter exited with code 3 before answering",
                BEFORE,
            ),
            (
                "saas/models.py: FR903 verify: importing saas.models alone and configuring: ",
                "the interpreter exited with code 3 before answering",
                CAUSED,
            ),
            (
                ".: FR903 verify: importing the 2 model module(s) together and configuring: ",
                "the interpreter exited with code 3 before answering",
                BEFORE,
            ),
        ],
        id="import-ends-the-interpreter",
    ),
]


@pytest.mark.parametrize(("files", "caused", "expected"), FAILURES)
def test_every_failure_is_one_line_and_says_whether_the_rewrite_caused_it(
    project_dir: Path,
    files: dict[str, str],
    caused: Optional[int],
    expected: list[tuple[str, str, str]],
) -> None:
    write_project(project_dir, {**BASE_PROJECT, **files})
    result = run_cli(project_dir, "--verify")
    assert result.returncode == 1
    lines = _verify_lines(result.stdout)
    assert len(lines) == len(expected), result.stdout
    for line, (start, message, end) in zip(lines, expected):
        assert line.startswith(start), line
        assert message in line
        assert line.endswith(end) and not line.endswith((BEFORE, CAUSED)[end == BEFORE]), line
    assert "Traceback" not in result.stdout + result.stderr
    assert "noise from the project" not in result.stdout
    tail = "" if caused is None else f", {caused} caused by the rewrite"
    assert _summary(result.stderr) == (
        "fix-relationships: verified 2 module(s) alone and 2 model module(s) together, "
        f"{len(expected)} failure(s){tail}"
    )


@pytest.mark.parametrize("mode", ["--check", "--diff"])
def test_verify_with_check_or_diff_is_bad_usage(project_dir: Path, mode: str) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    result = run_cli(project_dir, "--verify", mode)
    assert (result.returncode, result.stdout) == (2, "")
    [line] = result.stderr.splitlines()
    assert line.startswith("fix-relationships: error: --verify ")
    assert (project_dir / "saas/models.py").read_text() == SEED


def test_without_sqlalchemy_is_one_line_exit_two(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from codemods.fix_relationships import main

    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    monkeypatch.chdir(project_dir)
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    assert main(["--verify"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert "cannot import sqlalchemy" in line
    assert (project_dir / "saas/models.py").read_text() == SEED


def test_a_check_that_hangs_is_stopped_and_reported(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from codemods.relationships import verify
    from codemods.relationships.config import Config

    slow = BASE_PROJECT["ecommerce/models.py"] + "\nimport time\n\ntime.sleep(60)\n"
    write_project(project_dir, {**BASE_PROJECT, "ecommerce/models.py": slow})
    monkeypatch.setattr(verify, "TIMEOUT", 1)
    result = verify.verify(project_dir, Config())
    assert result.exit_code == 1
    assert [f.format() for f in result.findings] == [
        "ecommerce/models.py: FR903 verify: importing ecommerce.models alone and configuring: "
        "did not finish within 1 s",
        ".: FR903 verify: importing the 1 model module(s) together and configuring: "
        "did not finish within 1 s",
    ]
    assert capsys.readouterr().out.splitlines() == [f.format() for f in result.findings]


def test_readme_shows_the_output_of_the_type_checking_case(project_dir: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `--verify`\n", 1)[1]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    write_project(
        project_dir,
        {**BASE_PROJECT, **TYPE_CHECKING_PLACEMENT, "saas/models.py": SEED},
    )
    result = run_cli(project_dir, "--verify")
    assert shown.splitlines() == [*_verify_lines(result.stdout), _summary(result.stderr)]


def test_modules_are_named_the_way_the_project_imports_them(project_dir: Path) -> None:
    """server/ has no __init__.py and its models import their sibling `database` absolutely, so
    `models` would import too; the application says `server.models`, and so does the check."""
    write_project(
        project_dir,
        {
            "server/database.py": BASE_PROJECT["core/database.py"],
            "server/models.py": BASE_PROJECT["ecommerce/models.py"].replace(
                "from core.database import Base", "from database import Base"
            ),
            "app.py": "from server.models import Plan\n\nassert Plan\n",
        },
    )
    result = run_cli(project_dir, "--verify", "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verifying server.models alone: ok" in result.stderr.splitlines()
