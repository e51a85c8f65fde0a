"""The codemod turns each module as first written (kept in ``tests/fixtures``) into the
committed one, byte for byte, and a second run changes nothing.

The fixtures of modules that define ``Customer`` or ``Subscription`` are kept as ``.py.txt``:
as Python files of the project, their second definitions would make those names ambiguous.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BACKEND_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BACKEND_DIR.parent
FIXTURES = BACKEND_DIR / "tests" / "fixtures"

# (the committed module, the fixture it was before the codemod ran, what the codemod did)
FIXED_BY_THE_CODEMOD = [
    pytest.param("saas/models.py", "saas_models_broken.py", id="seed-dotted-target"),
    pytest.param(
        "ecommerce/models.py", "ecommerce_models_broken.py.txt", id="two-way-relationship-cycle"
    ),
    pytest.param("saas/alerts.py", "saas_alerts_broken.py.txt", id="bare-name-target"),
]


def _run_codemod(repo_copy: Path, module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codemods.fix_relationships", str(Path("backend", module))],
        cwd=repo_copy,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("module", "fixture"), FIXED_BY_THE_CODEMOD)
def test_codemod_turns_the_fixture_into_the_committed_module(
    tmp_path: Path, module: str, fixture: str
) -> None:
    broken = (FIXTURES / fixture).read_bytes()
    committed = (BACKEND_DIR / module).read_bytes()
    # Otherwise a codemod that changes nothing (or is missing: `python -m` also exits 1) passes.
    assert committed != broken, f"backend/{module} is still its broken fixture"
    shutil.copytree(
        BACKEND_DIR,
        tmp_path / "backend",
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.sqlite3"),
    )
    # The codemod reads its settings from the project's pyproject.toml.
    shutil.copyfile(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "backend" / module).write_bytes(broken)

    first = _run_codemod(tmp_path, module)
    assert first.returncode == 1, first.stdout + first.stderr
    assert (tmp_path / "backend" / module).read_bytes() == committed, first.stdout

    second = _run_codemod(tmp_path, module)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (tmp_path / "backend" / module).read_bytes() == committed
