"""What the codemod refuses: every case leaves the file byte-identical and says why (or stays silent)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from project_helpers import dedent, fix_in_project

from codemods.relationships.findings import BROKEN, SKIPPED

HEADER = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class UsageEvent(Base):
    __tablename__ = "usage_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
"""

LEGACY_MAPPED = {
    "legacy/__init__.py": "",
    "legacy/models.py": "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n\n\nclass Subscription(Base):\n    __tablename__ = 'legacy_subscriptions'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
}
LEGACY_UNKNOWN = {
    "legacy/__init__.py": "",
    "legacy/models.py": "from vendor.orm import VendorModel\n\n\nclass Subscription(VendorModel):\n    pass\n",
}
LEGACY_IMPERATIVE = {
    "legacy/__init__.py": "",
    "legacy/models.py": "from sqlalchemy.orm import registry\n\nmapper_registry = registry()\n\n\nclass Subscription:\n    pass\n\n\nmapper_registry.map_imperatively(Subscription, subscriptions_table)\n",
}


def _event(*lines: str, before: str = "") -> str:
    return before + HEADER + "".join(f"    {line}\n" for line in lines)


# (extra project files, source of saas/models.py, kind of finding or None for silence, message part)
NOOPS = [
    pytest.param(
        LEGACY_MAPPED,
        _event('subscription = relationship("ecommerce.models.Subscription")'),
        SKIPPED,
        "another class named Subscription may be mapped: legacy/models.py:6",
        id="ambiguous-bare-name",
    ),
    pytest.param(
        LEGACY_UNKNOWN,
        _event('subscription = relationship("ecommerce.models.Subscription")'),
        SKIPPED,
        "may be mapped: legacy/models.py:4",
        id="same-name-class-of-unknown-mappedness",
    ),
    pytest.param(
        LEGACY_IMPERATIVE,
        _event('subscription = relationship("ecommerce.models.Subscription")'),
        SKIPPED,
        "may be mapped: legacy/models.py:6",
        id="same-name-class-mapped-imperatively",
    ),
    pytest.param(
        {**LEGACY_MAPPED, "legacy/__init__.py": ""},
        _event('subscription = relationship("models.Subscription")'),
        SKIPPED,
        "models.Subscription matches classes in ecommerce/models.py, legacy/models.py",
        id="ambiguous-suffix-path",
    ),
    pytest.param(
        {},
        _event(
            'subscription = relationship("ecommerce.models.Subscription")',
            before="from billing.schemas import Subscription\n",
        ),
        SKIPPED,
        "Subscription is already bound in this file (line 1)",
        id="name-bound-to-another-import",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("ecommerce.models.Subscription")')
        + "\n\nclass Subscription:\n    pass\n",
        SKIPPED,
        "Subscription is already bound in this file",
        id="name-bound-to-a-local-class",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("ecommerce.models.Subscription")')
        + "\n\nSubscription = None\n",
        SKIPPED,
        "already bound in this file",
        id="name-bound-to-an-assignment",
    ),
    pytest.param(
        {},
        HEADER.replace(
            "class UsageEvent(Base):",
            "def build(Subscription):\n    return relationship('ecommerce.models.Subscription')\n\n\nclass UsageEvent(Base):",
        ),
        SKIPPED,
        "bound in an enclosing function",
        id="name-bound-to-a-parameter",
    ),
    pytest.param(
        {},
        _event('subscription = relationship(f"ecommerce.models.{NAME}")'),
        SKIPPED,
        "f-string target",
        id="f-string",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("ecommerce.models." + "Subscription")'),
        SKIPPED,
        "built by an expression",
        id="concatenation",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("ecommerce.models." "Subscription")'),
        SKIPPED,
        "not one plain string literal",
        id="implicit-concatenation",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("ecommerce.models\\x2eSubscription")'),
        SKIPPED,
        "not one plain string literal",
        id="escape-in-literal",
    ),
    pytest.param(
        {},
        _event("TARGET = 'ecommerce.models.Subscription'", "subscription = relationship(TARGET)"),
        None,
        "",
        id="name-target",
    ),
    pytest.param(
        {},
        _event('subscription = relationship(lambda: "ecommerce.models.Subscription")'),
        None,
        "",
        id="lambda-target",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("thirdparty.models.Subscription")'),
        SKIPPED,
        "no project module ends with thirdparty.models",
        id="outside-the-project",
    ),
    pytest.param(
        {},
        _event('subscription = relationship("ecommerce.models.Subscriptoin")'),
        BROKEN,
        "no class Subscriptoin is defined in ecommerce/models.py",
        id="broken-typo",
    ),
    pytest.param(
        {"ecommerce/__init__.py": "from .models import Subscription\n"},
        _event('subscription = relationship("ecommerce.Subscription")'),
        BROKEN,
        "ecommerce/__init__.py only imports Subscription",
        id="broken-reexport-only",
    ),
    pytest.param(
        {},
        _event(
            'subscription = relationship("ecommerce.models.Subscription")  # fix-relationships: ignore'
        ),
        SKIPPED,
        "ignored by a",
        id="ignore-comment",
    ),
    pytest.param(
        {},
        HEADER.replace(
            "from sqlalchemy.orm import Mapped, mapped_column, relationship",
            "from sqlalchemy.orm import Mapped, mapped_column\n\n\ndef relationship(target):\n    return target",
        )
        + '    subscription = relationship("ecommerce.models.Subscription")\n',
        None,
        "",
        id="local-function-named-relationship",
    ),
    pytest.param(
        {},
        HEADER.replace(
            "class UsageEvent(Base):",
            "def make(relationship):\n    return relationship('ecommerce.models.Subscription')\n\n\nclass UsageEvent(Base):",
        ),
        None,
        "",
        id="relationship-shadowed-by-parameter",
    ),
    pytest.param(
        {},
        _event("make = lambda relationship: relationship('ecommerce.models.Subscription')"),
        None,
        "",
        id="relationship-shadowed-by-lambda-parameter",
    ),
    pytest.param(
        {},
        _event(
            "subscription = relationship(Subscription, secondary='ecommerce.subscriptions', back_populates='usage.events')"
        ),
        None,
        "",
        id="secondary-and-back-populates-untouched",
    ),
    pytest.param(
        {},
        '"""See ecommerce.models.Subscription."""\n'
        + _event(
            "# relationship('ecommerce.models.Subscription')",
            '__tablename__ = "ecommerce.models"',
            "__mapper_args__ = {'polymorphic_identity': 'ecommerce.models.Subscription'}",
            'plan_id = mapped_column(ForeignKey("ecommerce.plans"))',
        ),
        None,
        "",
        id="docstrings-comments-tables-identities",
    ),
    pytest.param(
        {},
        _event('subscription = relationship(b"ecommerce.models.Subscription")'),
        None,
        "",
        id="bytes-literal",
    ),
]


@pytest.mark.parametrize(("extra", "src", "kind", "message"), NOOPS)
def test_noop(
    project_dir: Path, extra: dict[str, Optional[str]], src: str, kind: Optional[str], message: str
) -> None:
    outcome = fix_in_project(project_dir, {**extra, "saas/models.py": src})
    assert outcome.new_text is None
    if kind is None:
        assert outcome.findings == []
    else:
        [finding] = outcome.findings
        assert finding.kind == kind
        assert message in finding.message, finding.format()
    assert (project_dir / "saas/models.py").read_text() == dedent(src)
