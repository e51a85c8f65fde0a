"""The project root is found like ruff finds it: the nearest pyproject.toml or .git above the
current directory. Paths on the command line and in the output are relative to where the user
stands; a run that finds no root says which directory it took."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, FIXED, SEED, run_cli, write_project

REWRITE = (
    ':11:33: FR101 "ecommerce.models.Subscription" -> "Subscription" '
    "(import added: from ecommerce.models import Subscription)"
)


def _mark(root: Path, marker: str) -> None:
    if marker == ".git":
        (root / ".git").mkdir()
    else:
        (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")


# (the marker at the project root, where the user stands, what they pass, how output names it)
RUNS = [
    pytest.param("pyproject.toml", "saas", ".", "models.py", id="subdir-dot"),
    pytest.param(".git", "saas", ".", "models.py", id="subdir-git-marker"),
    pytest.param("pyproject.toml", "saas", "models.py", "models.py", id="subdir-file"),
    pytest.param("pyproject.toml", "core", "../saas", "../saas/models.py", id="sibling-dir"),
    pytest.param("pyproject.toml", ".", "saas/models.py", "saas/models.py", id="at-the-root"),
    pytest.param("pyproject.toml", "saas/deep", "..", "../models.py", id="two-levels-down"),
]


@pytest.mark.parametrize(("marker", "where", "given", "shown"), RUNS)
def test_run_from_anywhere_in_the_project_finds_the_root_and_fixes(
    project_dir: Path, marker: str, where: str, given: str, shown: str
) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    _mark(project_dir, marker)
    (project_dir / where).mkdir(parents=True, exist_ok=True)
    result = run_cli(project_dir / where, given)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [shown + REWRITE]
    assert f"Rewriting {shown}" in result.stderr.splitlines()
    assert "taking" not in result.stderr
    assert (project_dir / "saas/models.py").read_text() == FIXED
    again = run_cli(project_dir / where, given)
    assert (again.returncode, again.stdout) == (0, "")


def test_the_roots_configuration_applies_in_a_subdirectory(project_dir: Path) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    (project_dir / "pyproject.toml").write_text('[tool.fix-relationships]\nignore = ["FR1"]\n')
    result = run_cli(project_dir / "saas", ".")
    assert (result.returncode, result.stdout) == (0, "")
    assert (project_dir / "saas/models.py").read_text() == SEED


def test_no_root_found_says_which_directory_it_took(project_dir: Path) -> None:
    # No marker anywhere above the temporary directory: the run takes the current one and says so.
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    assert not any(
        (d / m).exists() for d in project_dir.parents for m in (".git", "pyproject.toml")
    )
    result = run_cli(project_dir, ".")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"fix-relationships: no pyproject.toml or .git in {project_dir} or above; "
        f"taking {project_dir} as the project root"
    )
    assert (project_dir / "saas/models.py").read_text() == FIXED
    quiet = run_cli(project_dir, "-q", ".")
    assert quiet.stderr == ""
