"""Whatever the input, no file is broken, lost or half-written, and the run says why in one line.

Each bad file sits next to a fixable one: it is named with its reason, left byte-identical, the good
file is still fixed, the run exits 2, and nothing prints a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, FIXED, SEED, run_cli, write_project

from codemods.relationships import run as run_module
from codemods.relationships.config import Config
from codemods.relationships.run import Options, run

TARGET = (
    b'from sqlalchemy.orm import relationship\nx = relationship("ecommerce.models.Subscription")\n'
)

BAD_INPUTS = [
    pytest.param(b"def f(:\n" + TARGET, "cannot parse", id="syntax-error"),
    pytest.param(b"# caf\xe9\n" + TARGET, "not valid utf-8", id="non-utf8-without-cookie"),
    pytest.param(TARGET + b"x = '\x00'\n", "NUL bytes", id="nul-bytes"),
    # Binary data holding a relationship call (without one, it is only a warning: FR402).
    pytest.param(bytes(range(256)) * 64 + TARGET, "NUL bytes", id="binary-garbage"),
    pytest.param(
        b"\xff\xfe\xfd relation ''a.b'' " * 100, "not valid utf-8", id="binary-without-nul"
    ),
    pytest.param(TARGET + b'print "usage recorded"\n', "cannot parse", id="python-2-print"),
    pytest.param(
        b"if True:\n        x = 1\n\ty = 2\n" + TARGET, "cannot parse", id="tabs-and-spaces"
    ),
    pytest.param(TARGET + b"y = 'unterminated\n", "cannot parse", id="unterminated-string"),
    pytest.param(
        TARGET + b"y = " + b"(" * 5000 + b")" * 5000 + b"\n", "cannot parse", id="deep-brackets"
    ),
    pytest.param(
        TARGET + b"y = " + b"-" * 100000 + b"1\n", "cannot parse", id="deep-unary-nesting"
    ),
]


@pytest.fixture
def tree(project_dir: Path) -> Path:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    return project_dir


def _assert_one_error_line(stdout: str, name: str, reason: str) -> None:
    lines = [line for line in stdout.splitlines() if line.startswith(name)]
    assert len(lines) == 1, stdout
    assert "error: " in lines[0] and reason in lines[0], lines[0]


@pytest.mark.parametrize(("content", "reason"), BAD_INPUTS)
def test_bad_input_beside_a_fixable_file(tree: Path, content: bytes, reason: str) -> None:
    (tree / "saas/bad.py").write_bytes(content)
    result = run_cli(tree, "saas")
    assert result.returncode == 2, result.stdout + result.stderr
    _assert_one_error_line(result.stdout, "saas/bad.py", reason)
    assert "Traceback" not in result.stdout + result.stderr
    assert (tree / "saas/bad.py").read_bytes() == content
    assert (tree / "saas/models.py").read_text() == FIXED


def test_directory_named_like_a_module(tree: Path) -> None:
    (tree / "saas/x.py").mkdir()
    result = run_cli(tree, "saas/x.py", "saas/models.py")
    assert result.returncode == 2
    _assert_one_error_line(result.stdout, "saas/x.py", "is a directory")
    assert (tree / "saas/models.py").read_text() == FIXED
    walked = run_cli(tree, "--check", "saas")
    assert walked.returncode == 0 and "x.py" not in walked.stdout


def test_named_pipe_is_not_read(tree: Path) -> None:
    os.mkfifo(tree / "saas/pipe.py")
    result = run_cli(tree, "saas/pipe.py", "saas/models.py")
    assert result.returncode == 2
    _assert_one_error_line(result.stdout, "saas/pipe.py", "not a regular file")
    assert (tree / "saas/models.py").read_text() == FIXED


def test_file_gone_before_reading(tree: Path) -> None:
    (tree / "saas/gone.py").symlink_to(tree / "saas/deleted.py")
    result = run_cli(tree, "saas/gone.py", "saas/models.py")
    assert result.returncode == 2
    _assert_one_error_line(result.stdout, "saas/gone.py", "cannot read")
    assert (tree / "saas/models.py").read_text() == FIXED


def test_file_gone_before_writing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = run_module.write_atomic

    def delete_then_write(path: Path, data: bytes) -> None:
        path.unlink()  # another process removed the file while the run was deciding
        real_write(path, data)

    monkeypatch.setattr(run_module, "write_atomic", delete_then_write)
    monkeypatch.chdir(tree)
    report = run(
        ["saas/models.py"],
        Options(tree, Config()),
        out=open(os.devnull, "w"),
        err=open(os.devnull, "w"),
    )
    assert report.exit_code == 2
    [error] = [f for f in report.findings if f.kind == "error"]
    assert error.path == "saas/models.py" and "cannot write" in error.message
    assert sorted(p.name for p in (tree / "saas").iterdir()) == ["__init__.py"]


def test_symlink_inside_the_project_is_written_through(tree: Path) -> None:
    (tree / "saas/link.py").symlink_to("models.py")
    result = run_cli(tree, "saas/link.py")
    assert result.returncode == 1
    assert (tree / "saas/link.py").is_symlink()
    assert (tree / "saas/models.py").read_text() == FIXED


def test_symlink_outside_the_project_is_left_alone(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text(SEED)
    (tree / "saas/link.py").symlink_to(outside)
    result = run_cli(tree, "saas/link.py", "saas/models.py")
    assert result.returncode == 1
    assert (
        "saas/link.py: FR402 warning: a symlink to a file outside the project; left alone"
        in result.stdout
    )
    assert outside.read_text() == SEED
    assert (tree / "saas/models.py").read_text() == FIXED


def test_empty_file_is_unchanged(tree: Path) -> None:
    (tree / "saas/models.py").write_bytes(b"")
    result = run_cli(tree, "saas/models.py")
    assert (result.returncode, result.stdout) == (0, "")
    assert (tree / "saas/models.py").read_bytes() == b""


@pytest.mark.slow
def test_ten_megabyte_module_is_fixed(tree: Path) -> None:
    filler = "".join(
        f"\n\ndef report_{i}(rows, limit=None):\n"
        f'    """Totals for report {i}."""\n'
        "    kept = [row for row in rows if row.quantity > 0][:limit]\n"
        f'    return {{"report": {i}, "rows": len(kept), "total": sum(r.quantity for r in kept)}}\n'
        for i in range(58000)
    )
    source = SEED + filler
    assert len(source) > 10_000_000
    (tree / "saas/models.py").write_text(source)
    result = run_cli(tree, "saas/models.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (tree / "saas/models.py").read_text() == FIXED + filler
