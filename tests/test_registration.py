"""Every model module imports alone: bare and dotted targets get what registers their class.

Tables of before/after and no-op cases (each rewrite checked for idempotence), then real
SQLAlchemy in fresh interpreters: each model module imported alone and in both orders, then
`configure_mappers()` and a row written and read on SQLite.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

import pytest
from project_helpers import (
    BASE_PROJECT,
    DATABASE,
    dedent,
    fix_again,
    fix_in_project,
    run_cli,
    run_python,
    write_project,
)
from test_rewrites import HEADER, USAGE_EVENT

from codemods.relationships.findings import REWRITE

CONFIGURE = """\
import importlib

from sqlalchemy.orm import configure_mappers

for name in {modules!r}:
    importlib.import_module(name)
configure_mappers()
print("ok")
"""


def configures(root: Path, *modules: str) -> tuple[bool, str]:
    result = run_python(root, CONFIGURE.format(modules=list(modules)))
    return result.returncode == 0 and result.stdout == "ok\n", result.stderr


# -- a two-way relationship in SQLAlchemy 2.x style: the most common import cycle ---------------

USER = """\
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base

if TYPE_CHECKING:
    from app.models.order import Order


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list[Order]] = relationship(back_populates="user")
"""
ORDER = """\
from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.user import User


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(back_populates="orders")
"""
TWO_WAY = {
    "app/__init__.py": "",
    "app/models/__init__.py": "",
    "app/models/base.py": DATABASE,
    "app/models/user.py": USER,
    "app/models/order.py": ORDER,
}
LATE_ORDER = "\n\nimport app.models.order as _order  # noqa: E402, F401\n"

ROUND_TRIP = """\
import {first}
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.models.base import Base
from app.models.order import Order
from app.models.user import User

engine = create_engine("sqlite://")
Base.metadata.create_all(engine)
with Session(engine) as session:
    session.add(Order(user=User()))
    session.commit()
with Session(engine) as session:
    user = session.scalars(select(User)).one()
    assert [o.user is user for o in user.orders] == [True]
print("ok")
"""


def test_two_way_relationship_fails_alone_and_the_late_import_fixes_every_order(
    project_dir: Path,
) -> None:
    write_project(project_dir, TWO_WAY)
    ok, error = configures(project_dir, "app.models.user")
    assert not ok and "expression 'Order' failed to locate a name" in error

    result = run_cli(project_dir, "app")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == (
        'app/models/user.py:16:25: FR103 annotation: "Order": registered by an import after the class '
        "definitions: import app.models.order as _order\n"
    )
    assert (project_dir / "app/models/user.py").read_text() == USER + LATE_ORDER
    assert (project_dir / "app/models/order.py").read_text() == ORDER

    for modules in itertools.permutations(["app.models.user", "app.models.order"]):
        assert configures(project_dir, modules[0]) == (True, "")
        assert configures(project_dir, *modules) == (True, "")
        trip = run_python(project_dir, ROUND_TRIP.format(first=modules[0]))
        assert (trip.returncode, trip.stdout) == (0, "ok\n"), trip.stderr
    assert run_cli(project_dir, "app").returncode == 0


RUFF_RULES = "TC,RUF100,F401,E402,I"


def test_ruff_fixes_keep_every_registration(project_dir: Path) -> None:
    """ruff's own fixes, unsafe ones too, over the files the tool changed: each module still
    imports alone. (TC001 would move a `from` import used only by annotations under TYPE_CHECKING;
    RUF100 would drop a `# noqa` that no rule needs.)"""
    subscriber = dedent(
        """
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from core.database import Base


        class UsageEvent(Base):
            __tablename__ = "usage_events"
            id: Mapped[int] = mapped_column(primary_key=True)
            subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
            subscription: Mapped["ecommerce.models.Subscription"] = relationship()
        """
    )
    write_project(
        project_dir,
        {**TWO_WAY, **BASE_PROJECT, "saas/models.py": subscriber, "pyproject.toml": ""},
    )
    assert run_cli(project_dir, ".").returncode == 1
    ruff = [
        str(Path(sys.executable).with_name("ruff")),
        "check",
        "--fix",
        "--unsafe-fixes",
        "--select",
        RUFF_RULES,
        "--isolated",
        "saas/models.py",  # the files the tool changed (ruff would also move order.py's own
        "app/models/user.py",  # `from app.models.user import User` under TYPE_CHECKING)
    ]
    fixed = subprocess.run(ruff, cwd=project_dir, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    for module in ("saas.models", "app.models.user", "app.models.order"):
        assert configures(project_dir, module) == (True, ""), module
    assert run_cli(project_dir, ".").returncode == 0


# -- before/after and no-op tables --------------------------------------------------------------

# The same model shapes as the rewrite table's: a header and the UsageEvent class.
ADDED = "from ecommerce.models import Subscription  # noqa: F401\n"


def _event(*lines: str, header: str = HEADER) -> str:
    return header + USAGE_EVENT + "".join(f"    {line}\n" for line in lines)


TYPING = "from typing import TYPE_CHECKING, Optional\n\n"
TC_IMPORT = "\nif TYPE_CHECKING:\n    from ecommerce.models import Subscription\n"

# (extra project files, source of saas/models.py, expected)
REWRITES = [
    pytest.param(
        {},
        _event('subscription = relationship("Subscription")'),
        _event('subscription = relationship("Subscription")', header=HEADER + ADDED),
        id="bare-first-argument",
    ),
    pytest.param(
        {},
        _event('subscription = relationship(argument="Subscription", lazy="joined")'),
        _event(
            'subscription = relationship(argument="Subscription", lazy="joined")',
            header=HEADER + ADDED,
        ),
        id="bare-argument-keyword",
    ),
    pytest.param(
        {},
        _event(
            "subscription = relationship(",
            '    "Subscription", primaryjoin="UsageEvent.subscription_id == Subscription.id"',
            ")",
        ),
        _event(
            "subscription = relationship(",
            '    "Subscription", primaryjoin="UsageEvent.subscription_id == Subscription.id"',
            ")",
            header=HEADER + ADDED,
        ),
        id="bare-target-and-expression-one-import",
    ),
    pytest.param(
        {},
        _event(
            'subscription = relationship("Subscription")',
            header=TYPING + HEADER + TC_IMPORT,
        ),
        _event(
            'subscription = relationship("Subscription")',
            header="from typing import Optional\n\n" + HEADER + ADDED,
        ),
        id="type-checking-only-import-is-no-registration",
    ),
    pytest.param(
        {},
        _event(
            'subscription: Mapped[Optional["Subscription"]] = relationship()',
            header=TYPING + HEADER + TC_IMPORT,
        ),
        _event(
            'subscription: Mapped[Optional["Subscription"]] = relationship()',
            header=TYPING
            + HEADER
            + "import ecommerce.models as _models  # noqa: F401\n"
            + TC_IMPORT,
        ),
        id="annotation-target-registers-the-module-keeps-type-checking-import",
    ),
    pytest.param(
        {},
        _event(
            'subscription: Mapped["Subscription"] = relationship()',
            header="from typing import TYPE_CHECKING\n\n" + HEADER,
        ),
        _event(
            'subscription: Mapped["Subscription"] = relationship()',
            header="from typing import TYPE_CHECKING\n\n"
            + HEADER
            + "import ecommerce.models as _models  # noqa: F401\n\n"
            + "if TYPE_CHECKING:\n    from ecommerce.models import Subscription  # noqa: F401\n",
        ),
        id="annotation-target-gets-a-type-checking-import-for-type-checkers",
    ),
    pytest.param(
        {"saas/__init__.py": "import ecommerce.models\n"},
        _event('subscription = relationship("ecommerce.models.Subscription")'),
        _event('subscription = relationship("Subscription")'),
        id="dotted-registered-by-the-package-init-gets-no-import",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("Subscription")').replace(
            "from core.database import Base\n",
            "from core.database import Base\n\nSubscription = 'a plan name'\n_models = 'taken'\n",
        ),
        _event('subscription = relationship("Subscription")').replace(
            "from core.database import Base\n",
            "from core.database import Base\n"
            "import ecommerce.models as _ecommerce_models  # noqa: F401\n\n"
            "Subscription = 'a plan name'\n_models = 'taken'\n",
        ),
        id="name-bound-here-registers-the-module-under-a-longer-alias",
    ),
]


@pytest.mark.parametrize(("extra", "src", "expected"), REWRITES)
def test_rewrite(
    project_dir: Path, extra: Mapping[str, Optional[str]], src: str, expected: str
) -> None:
    outcome = fix_in_project(project_dir, {**extra, "saas/models.py": src})
    assert outcome.new_text == expected, "\n".join(f.format() for f in outcome.findings)
    assert {f.kind for f in outcome.findings} == {REWRITE}
    (project_dir / "saas/models.py").write_text(expected)
    assert fix_again(project_dir, "saas/models.py").new_text is None
    assert configures(project_dir, "saas.models") == (True, "")


AGGREGATOR = {
    "shop/__init__.py": "from shop import customers, orders  # noqa: F401\n",
    "shop/customers.py": HEADER.replace("ForeignKey\n", "ForeignKey  # noqa: F401\n")
    + '\n\nclass Customer(Base):\n    __tablename__ = "customers"\n'
    + "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    + '    orders = relationship("Order", back_populates="customer")\n',
    "shop/orders.py": HEADER
    + '\n\nclass Order(Base):\n    __tablename__ = "orders"\n'
    + "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    + '    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))\n'
    + '    customer = relationship("Customer", back_populates="orders")\n',
}
LIBRARY = {
    "saas/models.py": _event(
        'account = relationship("Account")',
        header=HEADER + "from billing_vendor.models import Account  # noqa: F401\n",
    ).replace('relationship("Account")', 'relationship("Account", viewonly=True)'),
}

# (files, the modules each to import alone) -- the project already works, so nothing changes
NOOPS = [
    pytest.param(AGGREGATOR, ["shop.customers"], id="package-init-imports-every-model"),
    pytest.param(
        {
            "saas/models.py": _event('subscription = relationship("Subscription")').replace(
                "from core.database import Base\n",
                "import ecommerce.models\nfrom core.database import Base\n",
            )
        },
        ["saas.models"],
        id="plain-import-of-the-module",
    ),
    pytest.param(
        {
            "saas/__init__.py": BASE_PROJECT["ecommerce/models.py"],
            "saas/models.py": _event('subscription = relationship("Subscription")')
            .replace("from core.database import Base\n", "")
            .replace("(Base)", "(Subscription.__base__)")
            .replace(
                "from sqlalchemy import ForeignKey\n",
                "from sqlalchemy import ForeignKey\n\nfrom saas import Subscription\n",
            ),
        },
        ["saas.models"],
        id="class-defined-in-the-package-init",
    ),
    pytest.param(
        {
            "saas/models.py": _event(
                'parent_id: Mapped[int] = mapped_column(ForeignKey("usage_events.id"), nullable=True)',
                'parent = relationship("UsageEvent", remote_side="UsageEvent.id")',
            )
        },
        ["saas.models"],
        id="self-reference",
    ),
]


@pytest.mark.parametrize(("files", "alone"), NOOPS)
def test_noop(project_dir: Path, files: Mapping[str, str], alone: list[str]) -> None:
    write_project(project_dir, {**BASE_PROJECT, **files})
    for module in alone:
        assert configures(project_dir, module) == (True, ""), module
    before = {p: p.read_bytes() for p in project_dir.rglob("*.py")}
    result = run_cli(project_dir, "-v", ".")
    assert (result.returncode, result.stdout) == (0, ""), result.stdout
    assert {p: p.read_bytes() for p in project_dir.rglob("*.py")} == before


def test_bare_name_imported_from_a_library_is_left_to_the_library(project_dir: Path) -> None:
    outcome = fix_in_project(project_dir, LIBRARY)
    assert (outcome.new_text, outcome.findings) == (None, [])


def test_assume_registered_adds_no_import(project_dir: Path) -> None:
    """A project whose app factory imports every model first says so; strings still get their
    bare spelling and typos are still reported, but nothing is imported for registration."""
    settings = "[tool.fix-relationships]\nassume-registered = true\n"
    bare = _event('subscription = relationship("Subscription")')
    write_project(
        project_dir,
        {
            **BASE_PROJECT,
            "pyproject.toml": settings,
            "saas/models.py": _event(
                'subscription = relationship("ecommerce.models.Subscription")'
            ),
            "saas/usage.py": bare.replace("UsageEvent", "UsageRecord").replace("usage_", "record_"),
        },
    )
    result = run_cli(project_dir, ".")
    assert result.returncode == 1
    assert result.stdout == (
        'saas/models.py:11:33: FR101 "ecommerce.models.Subscription" -> "Subscription"\n'
    )
    assert (project_dir / "saas/models.py").read_text() == bare
    assert configures(project_dir, "ecommerce.models", "saas.models", "saas.usage") == (True, "")

    (project_dir / "pyproject.toml").write_text(settings.replace("true", '"yes"'))
    wrong = run_cli(project_dir, ".")
    assert wrong.returncode == 2
    assert "`assume-registered` must be true or false" in wrong.stderr


PACKAGE_INIT = '[tool.fix-relationships]\nimport-placement = "package-init"\n'


def test_package_init_placement_registers_in_the_package(project_dir: Path) -> None:
    """Teams that register every model in the models package `__init__` (SQLAlchemy's
    recommended aggregator) get the import there; the model modules stay as they are."""
    base = dedent(BASE_PROJECT["ecommerce/models.py"])
    write_project(
        project_dir,
        {
            **TWO_WAY,
            **BASE_PROJECT,
            "app/models/__init__.py": '"""The models."""\n\nVERSION = 2\n',
            "saas/models.py": _event('subscription = relationship("Subscription")'),
            "pyproject.toml": PACKAGE_INIT,
        },
    )
    result = run_cli(project_dir, ".")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        'app/models/user.py:16:25: FR102 annotation: "Order": registered by an import added to '
        "app/models/__init__.py: import app.models.order as _order",
        'saas/models.py:11:33: FR102 "Subscription": registered by an import added to '
        "saas/__init__.py: import ecommerce.models as _models",
    ]
    assert (project_dir / "app/models/__init__.py").read_text() == (
        '"""The models."""\n\nVERSION = 2\n\nimport app.models.order as _order  # noqa: E402, F401\n'
    )
    assert (project_dir / "saas/__init__.py").read_text() == (
        "import ecommerce.models as _models  # noqa: F401\n"
    )
    assert (project_dir / "app/models/user.py").read_text() == USER
    assert (project_dir / "ecommerce/models.py").read_text() == base
    for modules in itertools.permutations(["app.models.user", "app.models.order", "saas.models"]):
        assert configures(project_dir, modules[0]) == (True, ""), modules[0]
        assert configures(project_dir, *modules) == (True, ""), modules
    assert run_cli(project_dir, ".").returncode == 0
