"""Real SQLAlchemy: the fixed module works when imported alone, and each refusal guards real breakage.

Every check runs in a fresh interpreter, so nothing imported by one case registers classes for another.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, SEED, dedent, run_cli, run_python, write_project

ROUND_TRIP = """\
import importlib

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, configure_mappers

module = importlib.import_module("{module}")
configure_mappers()
UsageEvent = module.UsageEvent
Subscription = UsageEvent.subscription.property.mapper.class_
Plan = Subscription.plan.property.mapper.class_
engine = create_engine("sqlite://")
UsageEvent.metadata.create_all(engine)
with Session(engine) as session:
    subscription = Subscription(plan=Plan())
    session.add(UsageEvent(subscription=subscription))
    session.commit()
with Session(engine) as session:
    event = session.scalars(select(UsageEvent)).one()
    assert event.subscription.id == 1
    assert [e.id for e in event.subscription.usage_events] == [event.id]
print("ok")
"""

RELATIVE_PROJECT = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/database.py": BASE_PROJECT["core/database.py"],
    "app/ecommerce/__init__.py": "",
    "app/ecommerce/models.py": BASE_PROJECT["ecommerce/models.py"].replace(
        "from core.database", "from ..core.database"
    ),
    "app/saas/__init__.py": "",
    "app/saas/models.py": SEED.replace("from core.database", "from ..core.database").replace(
        "ecommerce.models.Subscription", "app.ecommerce.models.Subscription"
    ),
}

FORMS = [
    pytest.param(
        {**BASE_PROJECT, "saas/models.py": SEED}, "saas/models.py", "saas.models", id="absolute"
    ),
    pytest.param(RELATIVE_PROJECT, "app/saas/models.py", "app.saas.models", id="relative"),
    pytest.param(
        {
            **BASE_PROJECT,
            "saas/models.py": SEED.replace(
                '"ecommerce.models.Subscription"', '"models.Subscription"'
            ),
        },
        "saas/models.py",
        "saas.models",
        id="suffix-path",
    ),
    pytest.param(
        {
            **BASE_PROJECT,
            "saas/models.py": SEED.replace(
                "from sqlalchemy.orm import Mapped, mapped_column, relationship",
                "from sqlalchemy import orm\nfrom sqlalchemy.orm import Mapped, mapped_column",
            ).replace("= relationship(", "= orm.relationship(argument="),
        },
        "saas/models.py",
        "saas.models",
        id="orm-attribute-keyword",
    ),
]


@pytest.mark.parametrize(("files", "path", "module"), FORMS)
def test_fixed_module_works_alone_and_original_does_not(
    project_dir: Path, files: dict[str, str], path: str, module: str
) -> None:
    write_project(project_dir, files)
    before = run_python(project_dir, ROUND_TRIP.format(module=module))
    assert before.returncode != 0
    assert "InvalidRequestError" in before.stderr and "failed to locate a name" in before.stderr

    assert run_cli(project_dir, path).returncode == 1
    after = run_python(project_dir, ROUND_TRIP.format(module=module))
    assert after.returncode == 0, after.stderr
    assert after.stdout == "ok\n"


def test_ambiguous_name_dotted_works_bare_would_not(project_dir: Path) -> None:
    legacy = (
        BASE_PROJECT["ecommerce/models.py"]
        .replace('"plans"', '"legacy_plans"')
        .replace('"subscriptions"', '"legacy_subscriptions"')
        .replace('ForeignKey("plans.id")', 'ForeignKey("legacy_plans.id")')
    )
    write_project(
        project_dir,
        {
            **BASE_PROJECT,
            "legacy/__init__.py": "",
            "legacy/models.py": legacy,
            "saas/models.py": SEED,
        },
    )
    result = run_cli(project_dir, "-v", "saas/models.py")
    assert result.returncode == 0
    assert "may be mapped: legacy/models.py" in result.stdout
    assert (project_dir / "saas/models.py").read_text() == SEED

    configure = "import ecommerce.models, legacy.models, saas.models\nfrom sqlalchemy.orm import configure_mappers\nconfigure_mappers()\n"
    assert run_python(project_dir, configure).returncode == 0
    (project_dir / "saas/models.py").write_text(
        SEED.replace('"ecommerce.models.Subscription"', '"Subscription"')
    )
    bare = run_python(project_dir, configure)
    assert bare.returncode != 0
    assert "Multiple classes found for path" in bare.stderr


CONFIGURE = "import {modules}\nfrom sqlalchemy.orm import configure_mappers\nconfigure_mappers()\n"


def test_cycle_gets_a_late_import_that_works_in_every_order(project_dir: Path) -> None:
    ecommerce = (
        BASE_PROJECT["ecommerce/models.py"]
        + "\n\nfrom saas.models import UsageEvent  # noqa: E402\n"
    )
    write_project(
        project_dir, {**BASE_PROJECT, "ecommerce/models.py": ecommerce, "saas/models.py": SEED}
    )
    alone = run_python(project_dir, CONFIGURE.format(modules="saas.models"))
    assert "failed to locate a name ('ecommerce.models.Subscription')" in alone.stderr
    result = run_cli(project_dir, "saas/models.py")
    assert result.returncode == 1
    fixed = (project_dir / "saas/models.py").read_text()
    late = "import ecommerce.models as _models  # noqa: E402, F401\n"
    assert fixed.endswith("\n\n" + late)

    for modules in ("saas.models", "ecommerce.models", "saas.models, ecommerce.models"):
        for order in (modules, ", ".join(reversed(modules.split(", ")))):
            configured = run_python(project_dir, CONFIGURE.format(modules=order))
            assert configured.returncode == 0, (order, configured.stderr)

    # The placements the late import replaces: a top-level import crashes on a cycle, and one
    # under TYPE_CHECKING registers nothing.
    top = fixed.replace(late, "").replace(
        "from core.database import Base\n",
        "from core.database import Base\nfrom ecommerce.models import Subscription\n",
    )
    (project_dir / "saas/models.py").write_text(top)
    crash = run_python(project_dir, "import saas.models\n")
    assert "partially initialized module" in crash.stderr
    type_checking = fixed.replace(late, "").replace(
        "from core.database import Base\n",
        "from core.database import Base\nfrom typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n    from ecommerce.models import Subscription\n",
    )
    (project_dir / "saas/models.py").write_text(type_checking)
    unregistered = run_python(project_dir, CONFIGURE.format(modules="saas.models"))
    assert "failed to locate a name ('Subscription')" in unregistered.stderr


def test_alias_in_the_string_does_not_resolve(project_dir: Path) -> None:
    aliased = SEED.replace(
        "from core.database import Base\n",
        "from core.database import Base\nfrom ecommerce.models import Subscription as Sub\n",
    ).replace('"ecommerce.models.Subscription"', '"Sub"')
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": aliased})
    result = run_python(
        project_dir,
        "import saas.models\nfrom sqlalchemy.orm import configure_mappers\nconfigure_mappers()\n",
    )
    assert result.returncode != 0
    assert "failed to locate a name ('Sub')" in result.stderr
    assert dedent(aliased) == (project_dir / "saas/models.py").read_text()
