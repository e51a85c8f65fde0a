"""The command line's ecosystem flags: --version, -q/--quiet, --exit-zero."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, FIXED, REPO, SEED, run_cli, write_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def tree(project_dir: Path) -> Path:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    return project_dir


def test_version_is_the_distribution_version(tree: Path) -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    result = run_cli(tree, "--version")
    assert (result.returncode, result.stdout) == (
        0,
        f"fix-relationships {pyproject['project']['version']}\n",
    )
    assert (tree / "saas/models.py").read_text() == SEED


QUIET_CASES = [
    pytest.param(("-q",), FIXED, id="write"),
    pytest.param(("--quiet", "--check"), SEED, id="check"),
]


@pytest.mark.parametrize(("args", "after"), QUIET_CASES)
def test_quiet_prints_only_the_findings(tree: Path, args: tuple[str, ...], after: str) -> None:
    loud = run_cli(tree, *args[1:], "saas/models.py")
    (tree / "saas/models.py").write_text(SEED)
    quiet = run_cli(tree, *args, "saas/models.py")
    assert quiet.returncode == loud.returncode == 1
    assert quiet.stdout == loud.stdout != ""
    assert loud.stderr != "" and quiet.stderr == ""
    assert (tree / "saas/models.py").read_text() == after


def test_quiet_diff_prints_the_diff_and_the_findings_only(tree: Path) -> None:
    result = run_cli(tree, "-q", "--diff", "saas/models.py")
    assert result.returncode == 1
    assert result.stdout.startswith("--- ./saas/models.py\n")
    [line] = result.stderr.splitlines()
    assert line.startswith("saas/models.py:11:33: ")


EXIT_ZERO_CASES = [
    pytest.param({"saas/models.py": SEED}, 0, FIXED, id="rewrite"),
    pytest.param(
        {"saas/models.py": SEED.replace("models.Subscription", "models.Subscriptoin")},
        0,
        None,
        id="broken",
    ),
    pytest.param(
        {"saas/models.py": SEED, "saas/bad.py": "x = relationship('ecommerce.models.Plan'\n"},
        2,
        FIXED,
        id="error",
    ),
]


@pytest.mark.parametrize(("files", "code", "after"), EXIT_ZERO_CASES)
def test_exit_zero_turns_findings_into_success_but_not_errors(
    project_dir: Path, files: dict[str, str], code: int, after: str
) -> None:
    write_project(project_dir, {**BASE_PROJECT, **files})
    without = run_cli(project_dir, "--check", "saas")
    assert without.returncode == (2 if code == 2 else 1)
    result = run_cli(project_dir, "--exit-zero", "saas")
    assert result.returncode == code
    assert result.stdout == without.stdout
    if after is not None:
        assert (project_dir / "saas/models.py").read_text() == after
