"""Dotted paths beyond the first argument: expression strings of the same call and Mapped[...]
annotations. Before/after and no-op tables (each rewrite checked for idempotence), then real
SQLAlchemy: every rewritten form configures when its module is imported alone."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from project_helpers import (
    BASE_PROJECT,
    fix_again,
    fix_in_project,
    run_cli,
    run_python,
    write_project,
)

from codemods.relationships.findings import SKIPPED

IMPORTS = """\
from __future__ import annotations

from typing import List, Optional

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from core.database import Base
"""
ADDED = "from ecommerce.models import Subscription  # noqa: F401\n"
NO_FUTURE = IMPORTS.replace("from __future__ import annotations\n\n", "")


def _model(*lines: str, imports: str = IMPORTS) -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return (
        imports
        + "\n\nclass UsageEvent(Base):\n"
        + '    __tablename__ = "usage_events"\n'
        + "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        + '    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))\n'
        + body
    )


def _fixed(*lines: str) -> str:
    return _model(*lines, imports=IMPORTS + ADDED)


def _registered(imports: str) -> str:
    """The imports once an annotation names the class: the module is imported for registration
    (ruff would move a `from` import used only by annotations under TYPE_CHECKING), the class
    under TYPE_CHECKING for type checkers."""
    if "from typing import List, Optional\n" in imports:
        imports = imports.replace("List, Optional\n", "List, Optional, TYPE_CHECKING\n")
    else:
        imports = "from typing import TYPE_CHECKING\n\n" + imports
    return (
        imports
        + "import ecommerce.models as _models  # noqa: F401\n\n"
        + "if TYPE_CHECKING:\n    from ecommerce.models import Subscription  # noqa: F401\n"
    )


def _fixed_annotated(*lines: str, imports: str = IMPORTS) -> str:
    return _model(*lines, imports=_registered(imports))


# The README's example ("Beyond the first argument"), checked there by test_readme.py.
README_BEFORE = [
    'subscription: Mapped["ecommerce.models.Subscription"] = relationship(',
    '    "ecommerce.models.Subscription",',
    '    primaryjoin="UsageEvent.subscription_id == ecommerce.models.Subscription.id",',
    '    backref=backref("usage_events", order_by="desc(saas.models.UsageEvent.id)"),',
    ")",
]
README_AFTER = [
    'subscription: Mapped["Subscription"] = relationship(',
    '    "Subscription",',
    '    primaryjoin="UsageEvent.subscription_id == Subscription.id",',
    '    backref=backref("usage_events", order_by="desc(UsageEvent.id)"),',
    ")",
]

REWRITES = [
    pytest.param(_model(*README_BEFORE), _fixed_annotated(*README_AFTER), id="readme-example"),
    pytest.param(
        _model(
            "subscription = relationship(",
            '    "ecommerce.models.Subscription",',
            '    primaryjoin="UsageEvent.subscription_id == ecommerce.models.Subscription.id",',
            '    foreign_keys="[UsageEvent.subscription_id]",',
            '    order_by="desc(ecommerce.models.Subscription.id)",',
            '    backref="usage_events",',
            ")",
        ),
        _fixed(
            "subscription = relationship(",
            '    "Subscription",',
            '    primaryjoin="UsageEvent.subscription_id == Subscription.id",',
            '    foreign_keys="[UsageEvent.subscription_id]",',
            '    order_by="desc(Subscription.id)",',
            '    backref="usage_events",',
            ")",
        ),
        id="target-primaryjoin-order-by",
    ),
    pytest.param(
        _model(
            "subscription = relationship(",
            '    "ecommerce.models.Subscription",',
            '    backref=backref("usage_events", order_by="saas.models.UsageEvent.id"),',
            ")",
        ),
        _fixed(
            "subscription = relationship(",
            '    "Subscription",',
            '    backref=backref("usage_events", order_by="UsageEvent.id"),',
            ")",
        ),
        id="expression-inside-backref",
    ),
    pytest.param(
        _model(
            'subscription: Mapped["ecommerce.models.Subscription"] = relationship(backref="usage_events")'
        ),
        _fixed_annotated(
            'subscription: Mapped["Subscription"] = relationship(backref="usage_events")'
        ),
        id="quoted-annotation",
    ),
    pytest.param(
        _model(
            'subscription: Mapped[Optional["ecommerce.models.Subscription"]] = relationship(backref="usage_events")'
        ),
        _fixed_annotated(
            'subscription: Mapped[Optional["Subscription"]] = relationship(backref="usage_events")'
        ),
        id="optional-annotation",
    ),
    pytest.param(
        _model(
            'subscription: "Mapped[ecommerce.models.Subscription]" = relationship(backref="usage_events")',
            imports=NO_FUTURE,
        ),
        _fixed_annotated(
            'subscription: "Mapped[Subscription]" = relationship(backref="usage_events")',
            imports=NO_FUTURE,
        ),
        id="whole-annotation-quoted",
    ),
    pytest.param(
        _model(
            "subscription: Mapped[ecommerce.models.Subscription] = relationship(backref='usage_events')"
        ),
        _fixed_annotated(
            "subscription: Mapped[Subscription] = relationship(backref='usage_events')"
        ),
        id="unquoted-annotation-future-import",
    ),
    pytest.param(
        _model(
            'subscription: Mapped["ecommerce.models.Subscription"] = relationship(',
            '    "ecommerce.models.Subscription", backref="usage_events"',
            ")",
        ),
        _fixed_annotated(
            'subscription: Mapped["Subscription"] = relationship(',
            '    "Subscription", backref="usage_events"',
            ")",
        ),
        id="annotation-and-first-argument-together",
    ),
]


@pytest.mark.parametrize(("src", "expected"), REWRITES)
def test_rewrite(project_dir: Path, src: str, expected: str) -> None:
    outcome = fix_in_project(project_dir, {"saas/models.py": src})
    assert outcome.new_text == expected, "\n".join(f.format() for f in outcome.findings)
    (project_dir / "saas/models.py").write_text(expected)
    assert fix_again(project_dir, "saas/models.py").new_text is None


LEGACY = {
    "legacy/__init__.py": "",
    "legacy/models.py": "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n\n\nclass Subscription(Base):\n    __tablename__ = 'legacy_subscriptions'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
}

NOOPS = [
    pytest.param(
        LEGACY,
        _model(
            "subscription = relationship(",
            '    "ecommerce.models.Plan",',
            '    primaryjoin="UsageEvent.subscription_id == ecommerce.models.Subscription.id",',
            ")",
        ),
        "the bare name would be ambiguous",
        id="ambiguous-chain-keeps-the-whole-call-dotted",
    ),
    pytest.param(
        {},
        _fixed(
            "subscription = relationship(",
            '    "Subscription",',
            "    primaryjoin=\"and_(UsageEvent.subscription_id == foreign(usage_events.c.id), UsageEvent.metric != 'ecommerce.models.Subscription')\",",
            '    secondary="ecommerce.models",',
            ")",
        ),
        None,
        id="class-chains-tables-functions-and-inner-strings-untouched",
    ),
    pytest.param(
        {},
        _model(
            "subscription: Mapped[ecommerce.models.Subscription] = relationship(backref='usage_events')",
            imports=NO_FUTURE,
        ),
        None,
        id="unquoted-annotation-without-future-import-is-evaluated-not-looked-up",
    ),
    pytest.param(
        {},
        _model('note: Mapped[str] = mapped_column(default="ecommerce.models.Subscription")'),
        None,
        id="column-default-is-data",
    ),
]


@pytest.mark.parametrize(("extra", "src", "message"), NOOPS)
def test_noop(
    project_dir: Path, extra: dict[str, Optional[str]], src: str, message: Optional[str]
) -> None:
    outcome = fix_in_project(project_dir, {**extra, "saas/models.py": src})
    assert outcome.new_text is None
    if message is None:
        assert outcome.findings == []
    else:
        assert outcome.findings and all(f.kind == SKIPPED for f in outcome.findings)
        assert any(message in f.message for f in outcome.findings), [
            f.format() for f in outcome.findings
        ]


ROUND_TRIP = """\
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, configure_mappers

import saas.models as module

configure_mappers()
Subscription = module.UsageEvent.subscription.property.mapper.class_
engine = create_engine("sqlite://")
module.UsageEvent.metadata.create_all(engine)
with Session(engine) as session:
    subscription = Subscription(plan=Subscription.plan.property.mapper.class_())
    session.add(module.UsageEvent(subscription=subscription))
    session.commit()
with Session(engine) as session:
    event = session.scalars(select(module.UsageEvent)).one()
    assert event.subscription.id == 1
    assert [e.id for e in event.subscription.usage_events] == [event.id]
print("ok")
"""


@pytest.mark.parametrize("src", [p.values[0] for p in REWRITES])
def test_every_rewritten_form_configures_alone(project_dir: Path, src: str) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": src})
    before = run_python(project_dir, ROUND_TRIP)
    assert before.returncode != 0 and "ecommerce.models.Subscription" in before.stderr
    assert run_cli(project_dir, "saas/models.py").returncode == 1
    result = run_python(project_dir, ROUND_TRIP)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
