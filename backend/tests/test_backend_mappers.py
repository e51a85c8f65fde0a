"""The models configure, in this process and in fresh ones that import each model module alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import configure_mappers

from ecommerce.models import Subscription
from saas.models import UsageEvent

BACKEND_DIR = Path(__file__).resolve().parent.parent

CONFIGURE_SAAS_MODELS_ALONE = """\
import saas.models
from sqlalchemy.orm import configure_mappers
configure_mappers()
target = saas.models.UsageEvent.subscription.property.mapper.class_
print(target.__module__, target.__name__)
"""


def test_mappers_configure_in_process() -> None:
    configure_mappers()

    assert inspect(UsageEvent).relationships["subscription"].mapper.class_ is Subscription
    assert inspect(Subscription).relationships["usage_events"].mapper.class_ is UsageEvent


def test_saas_models_alone_configures_in_fresh_interpreter(run_fresh_python) -> None:
    proc = run_fresh_python(CONFIGURE_SAAS_MODELS_ALONE, BACKEND_DIR)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ecommerce.models", "Subscription"]


def test_broken_fixture_fails_to_configure_in_fresh_interpreter(
    run_fresh_python, broken_backend: Path
) -> None:
    proc = run_fresh_python(CONFIGURE_SAAS_MODELS_ALONE, broken_backend)

    assert proc.returncode == 1, proc.stderr
    last_line = proc.stderr.strip().splitlines()[-1]
    assert last_line.startswith("sqlalchemy.exc.InvalidRequestError: "), proc.stderr
    assert "expression 'ecommerce.models.Subscription' failed to locate a name" in last_line


CONFIGURE_ALONE = """\
import importlib, sys
from sqlalchemy.orm import configure_mappers
importlib.import_module(sys.argv[1])
configure_mappers()
print("ok")
"""
MODEL_MODULES = ["ecommerce.models", "saas.models", "saas.invoices", "saas.alerts"]


def _configure_alone(backend_dir: Path, module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CONFIGURE_ALONE, module],
        cwd=backend_dir,
        env={**os.environ, "PYTHONPATH": str(backend_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_every_model_module_configures_alone(module: str) -> None:
    proc = _configure_alone(BACKEND_DIR, module)
    assert (proc.returncode, proc.stdout) == (0, "ok\n"), proc.stderr


# (the module as first written, kept as a fixture; the module imported alone; SQLAlchemy's error)
BEFORE_THE_CODEMOD = [
    pytest.param(
        "ecommerce/models.py",
        "ecommerce_models_broken.py.txt",
        "ecommerce.models",
        "expression 'Invoice.period_start' failed to locate a name",
        id="two-way-relationship",
    ),
    pytest.param(
        "saas/alerts.py",
        "saas_alerts_broken.py.txt",
        "saas.alerts",
        "expression 'Customer' failed to locate a name ('Customer')",
        id="bare-name",
    ),
]


@pytest.mark.parametrize(("path", "fixture", "module", "error"), BEFORE_THE_CODEMOD)
def test_each_module_as_first_written_failed_alone(
    backend_copy: Path, path: str, fixture: str, module: str, error: str
) -> None:
    shutil.copyfile(BACKEND_DIR / "tests" / "fixtures" / fixture, backend_copy / path)
    proc = _configure_alone(backend_copy, module)
    assert proc.returncode == 1
    assert error in proc.stderr.strip().splitlines()[-1]
