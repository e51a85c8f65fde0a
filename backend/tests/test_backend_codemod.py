"""The codemod turns the broken fixture into the committed ``backend/saas/models.py``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BACKEND_DIR.parent
SAAS_MODELS = Path("backend", "saas", "models.py")
BROKEN_SAAS_MODELS = BACKEND_DIR / "tests" / "fixtures" / "saas_models_broken.py"


def _run_codemod(repo_copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codemods.fix_relationships", *args, str(SAAS_MODELS)],
        cwd=repo_copy,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_repo_with_broken_models(dest: Path) -> Path:
    shutil.copytree(
        BACKEND_DIR,
        dest / "backend",
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.sqlite3"),
    )
    # The codemod may read its settings from the project's pyproject.toml.
    shutil.copyfile(REPO_ROOT / "pyproject.toml", dest / "pyproject.toml")
    shutil.copyfile(BROKEN_SAAS_MODELS, dest / SAAS_MODELS)
    return dest


def test_codemod_turns_broken_fixture_into_committed_models(tmp_path: Path) -> None:
    broken = BROKEN_SAAS_MODELS.read_bytes()
    committed = (REPO_ROOT / SAAS_MODELS).read_bytes()
    # Otherwise a codemod that changes nothing (or is missing: `python -m` also exits 1) passes.
    assert committed != broken, "backend/saas/models.py is still the broken fixture"
    repo_copy = _copy_repo_with_broken_models(tmp_path)

    first = _run_codemod(repo_copy)

    assert first.returncode == 1, first.stderr
    assert (repo_copy / SAAS_MODELS).read_bytes() == committed, first.stderr

    second = _run_codemod(repo_copy)

    assert second.returncode == 0, second.stderr
    assert (repo_copy / SAAS_MODELS).read_bytes() == committed, first.stderr
