"""The models configure, in this process and in a fresh one that imports ``saas.models`` alone."""

from __future__ import annotations

from pathlib import Path

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
