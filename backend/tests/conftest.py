from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import ecommerce.models  # noqa: F401  (create_all needs every table in Base.metadata)
import saas.alerts  # noqa: F401
import saas.invoices  # noqa: F401
import saas.models  # noqa: F401
from core.database import Base, make_engine, make_session_factory

BACKEND_DIR = Path(__file__).resolve().parent.parent
BROKEN_SAAS_MODELS = BACKEND_DIR / "tests" / "fixtures" / "saas_models_broken.py"

RunPython = Callable[[str, Path], "subprocess.CompletedProcess[str]"]


@pytest.fixture
def run_fresh_python() -> RunPython:
    """Run code in a new interpreter whose only project import root is ``backend_dir``."""

    def run(code: str, backend_dir: Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(backend_dir)}
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=backend_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def backend_copy(tmp_path: Path) -> Path:
    """A copy of ``backend/`` without its tests, for a test to swap a fixture into."""
    copy = tmp_path / "backend"
    shutil.copytree(
        BACKEND_DIR,
        copy,
        ignore=shutil.ignore_patterns("tests", "__pycache__", ".pytest_cache", "*.sqlite3"),
    )
    return copy


@pytest.fixture
def broken_backend(backend_copy: Path) -> Path:
    """A copy of ``backend/`` (without its tests) whose saas/models.py is the broken fixture."""
    shutil.copyfile(BROKEN_SAAS_MODELS, backend_copy / "saas" / "models.py")
    return backend_copy


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """The schema on ``DATABASE_URL`` if set, else on a temporary SQLite file; dropped after."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = make_engine(url)
    # A run killed half-way leaves tables behind on a shared PostgreSQL database.
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
