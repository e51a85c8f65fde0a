"""Before/after cases: every spelling and rule that leads to a rewrite, each checked for idempotence."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from project_helpers import DATABASE, ECOMMERCE, dedent, fix_again, fix_in_project

HEADER = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base
"""

USAGE_EVENT = """\


class UsageEvent(Base):
    __tablename__ = "usage_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
"""


def _model(header: str, *body: str) -> str:
    return header + USAGE_EVENT + "".join(f"    {line}\n" for line in body)


SEED = _model(
    HEADER, 'subscription = relationship("ecommerce.models.Subscription", backref="usage_events")'
)
SEED_FIXED = _model(
    HEADER + "from ecommerce.models import Subscription  # noqa: F401\n",
    'subscription = relationship("Subscription", backref="usage_events")',
)

# (extra project files, path of the file fixed, source, expected, import placement)
REWRITES = [
    pytest.param({}, "saas/models.py", SEED, SEED_FIXED, "auto", id="seed-backref"),
    pytest.param(
        {},
        "saas/models.py",
        SEED.replace("ecommerce.models.Subscription", "Subscription"),
        SEED_FIXED,
        "auto",
        id="bare-target-gets-the-import-that-registers-it",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER.replace("relationship", "relationship as rel"),
            "subscription = rel('ecommerce.models.Subscription', back_populates='events')",
        ),
        _model(
            HEADER.replace("relationship", "relationship as rel")
            + "from ecommerce.models import Subscription  # noqa: F401\n",
            "subscription = rel('Subscription', back_populates='events')",
        ),
        "auto",
        id="aliased-import-single-quotes",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            "from sqlalchemy import ForeignKey, orm\nfrom sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n",
            'subscription = orm.relationship(argument="ecommerce.models.Subscription")',
        ),
        _model(
            "from sqlalchemy import ForeignKey, orm\nfrom sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n"
            "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = orm.relationship(argument="Subscription")',
        ),
        "auto",
        id="orm-attribute-argument-keyword",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            "import sqlalchemy as sa\nfrom sqlalchemy import ForeignKey\nfrom sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n",
            'subscription = sa.orm.relationship(r"ecommerce.models.Subscription")  # the plan',
        ),
        _model(
            "import sqlalchemy as sa\nfrom sqlalchemy import ForeignKey\nfrom sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n"
            "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = sa.orm.relationship(r"Subscription")  # the plan',
        ),
        "auto",
        id="sa-orm-attribute-raw-string-comment-kept",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER.replace("relationship", "dynamic_loader, relationship"),
            'subscription = dynamic_loader(\n        "ecommerce.models.Subscription",\n        uselist=True,\n    )',
        ),
        _model(
            HEADER.replace("relationship", "dynamic_loader, relationship")
            + "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = dynamic_loader(\n        "Subscription",\n        uselist=True,\n    )',
        ),
        "auto",
        id="dynamic-loader-multiline-call",
    ),
    pytest.param(
        {
            "core/database.py": "from sqlalchemy.orm import DeclarativeBase, relationship\n\n__all__ = ['Base', 'relationship']\n\n\nclass Base(DeclarativeBase):\n    pass\n"
        },
        "saas/models.py",
        _model(
            "from sqlalchemy import ForeignKey\nfrom sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base, relationship\n",
            'subscription = relationship("ecommerce.models.Subscription")',
        ),
        _model(
            "from sqlalchemy import ForeignKey\nfrom sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base, relationship\n"
            "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = relationship("Subscription")',
        ),
        "auto",
        id="project-reexport-of-relationship",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER + "from ecommerce.models import Plan\n",
            'subscription = relationship("ecommerce.models.Subscription")',
            "plan = relationship(Plan)",
        ),
        _model(
            HEADER + "from ecommerce.models import Plan\n",
            'subscription = relationship("Subscription")',
            "plan = relationship(Plan)",
        ),
        "auto",
        id="module-already-imported-no-import-added",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER + "from ecommerce.models import (\n    Plan,\n)\n",
            'subscription = relationship("ecommerce.models.Subscription")',
            "plan = relationship(Plan)",
        ),
        _model(
            HEADER + "from ecommerce.models import (\n    Plan,\n)\n",
            'subscription = relationship("Subscription")',
            "plan = relationship(Plan)",
        ),
        "auto",
        id="module-already-imported-parenthesized",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER + "from ecommerce.models import Subscription\n",
            'subscription = relationship("ecommerce.models.Subscription")',
        ),
        _model(
            HEADER + "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = relationship("Subscription")',
        ),
        "auto",
        id="already-imported-gets-protected",
    ),
    pytest.param(
        {"ecommerce/__init__.py": "from .models import Subscription\n"},
        "saas/models.py",
        _model(
            HEADER + "from ecommerce import Subscription\n",
            'subscription = relationship("ecommerce.models.Subscription")',
            "",
            "def latest() -> Subscription: ...",
        ),
        _model(
            HEADER + "from ecommerce import Subscription\n",
            'subscription = relationship("Subscription")',
            "",
            "def latest() -> Subscription: ...",
        ),
        "auto",
        id="already-imported-through-reexport-and-used",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            "from typing import TYPE_CHECKING\n\n"
            + HEADER
            + "\nif TYPE_CHECKING:\n    from ecommerce.models import Subscription\n",
            'subscription = relationship("ecommerce.models.Subscription")',
        ),
        _model(
            "\n" + HEADER + "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = relationship("Subscription")',
        ).lstrip("\n"),
        "auto",
        id="type-checking-import-replaced-by-runtime-import",
    ),
    pytest.param(
        {
            "ecommerce/models.py": ECOMMERCE
            + "\n\nfrom saas.models import UsageEvent  # noqa: E402\n"
        },
        "saas/models.py",
        _model(
            "from typing import TYPE_CHECKING\n\n"
            + HEADER
            + "\nif TYPE_CHECKING:\n    from ecommerce.models import Plan\n",
            'subscription = relationship("ecommerce.models.Subscription")',
            "",
            "def plan(self) -> Plan: ...",
        ),
        _model(
            "from typing import TYPE_CHECKING\n\n"
            + HEADER
            + "\nif TYPE_CHECKING:\n    from ecommerce.models import Plan\n",
            'subscription = relationship("Subscription")',
            "",
            "def plan(self) -> Plan: ...",
        )
        + "\n\nimport ecommerce.models as _models  # noqa: E402, F401\n",
        "auto",
        id="cycle-late-registration-reuses-existing-type-checking-block",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER + "from ecommerce.models import Subscription  # noqa: E501\n",
            'subscription = relationship("ecommerce.models.Subscription")',
        ),
        _model(
            HEADER + "from ecommerce.models import Subscription  # noqa: E501, F401\n",
            'subscription = relationship("Subscription")',
        ),
        "auto",
        id="existing-noqa-code-is-extended",
    ),
    pytest.param(
        {},
        "saas/models.py",
        '"""Usage metering."""\n\nfrom __future__ import annotations\n\n' + SEED,
        '"""Usage metering."""\n\nfrom __future__ import annotations\n\n' + SEED_FIXED,
        "auto",
        id="docstring-and-future-import",
    ),
    pytest.param(
        {},
        "saas/models.py",
        SEED,
        _model(
            "from typing import TYPE_CHECKING\n\n"
            + HEADER
            + "\nif TYPE_CHECKING:\n    from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = relationship("Subscription", backref="usage_events")',
        ),
        "type-checking",
        id="placement-type-checking",
    ),
    pytest.param(
        {},
        "saas/models.py",
        "from typing import Optional\n" + SEED,
        "from typing import Optional, TYPE_CHECKING\n"
        + SEED.replace(
            "from core.database import Base\n",
            "from core.database import Base\n\nif TYPE_CHECKING:\n"
            "    from ecommerce.models import Subscription  # noqa: F401\n",
        ).replace('"ecommerce.models.Subscription"', '"Subscription"'),
        "type-checking",
        id="type-checking-merged-into-first-import-adds-no-blank-line",
    ),
    pytest.param(
        {},
        "saas/models.py",
        SEED.replace(
            "from sqlalchemy.orm import", "from typing import Optional\nfrom sqlalchemy.orm import"
        ),
        SEED.replace(
            "from sqlalchemy.orm import",
            "from typing import Optional, TYPE_CHECKING\nfrom sqlalchemy.orm import",
        )
        .replace(
            "from core.database import Base\n",
            "from core.database import Base\n\nif TYPE_CHECKING:\n"
            "    from ecommerce.models import Subscription  # noqa: F401\n",
        )
        .replace('"ecommerce.models.Subscription"', '"Subscription"'),
        "type-checking",
        id="type-checking-merged-into-a-later-import-adds-no-blank-line",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(HEADER, 'subscription = relationship("models.Subscription")'),
        _model(
            HEADER + "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = relationship("Subscription")',
        ),
        "auto",
        id="suffix-path-imports-the-real-module",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER,
            'subscription = relationship("ecommerce.models.Subscription")',
            'plan = relationship("ecommerce.models.Plan", secondary="subscriptions", viewonly=True)',
        ),
        _model(
            HEADER + "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = relationship("Subscription")',
            'plan = relationship("Plan", secondary="subscriptions", viewonly=True)',
        ),
        "auto",
        id="two-targets-one-import-registers-both-secondary-untouched",
    ),
    pytest.param(
        {
            "billing/__init__.py": "",
            "billing/models.py": "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n\n\nclass Invoice(Base):\n    __tablename__ = 'invoices'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
        },
        "saas/models.py",
        _model(
            HEADER,
            'subscription = relationship("ecommerce.models.Subscription")',
            'invoice = relationship("billing.models.Invoice")',
            'renewal = relationship("ecommerce.models.Subscription", viewonly=True)',
        ),
        _model(
            HEADER
            + "from billing.models import Invoice  # noqa: F401\n"
            + "from ecommerce.models import Subscription  # noqa: F401\n",
            'subscription = relationship("Subscription")',
            'invoice = relationship("Invoice")',
            'renewal = relationship("Subscription", viewonly=True)',
        ),
        "auto",
        id="same-target-twice-one-import-modules-sorted",
    ),
    pytest.param(
        {},
        "saas/models.py",
        HEADER
        + '\n\ntry:\n    import ujson as json\nexcept ImportError:\n    class Meter(Base):\n        __tablename__ = "meters"\n        id: Mapped[int] = mapped_column(primary_key=True)\n        subscription = relationship("ecommerce.models.Subscription")\n',
        HEADER
        + "from ecommerce.models import Subscription  # noqa: F401\n"
        + '\n\ntry:\n    import ujson as json\nexcept ImportError:\n    class Meter(Base):\n        __tablename__ = "meters"\n        id: Mapped[int] = mapped_column(primary_key=True)\n        subscription = relationship("Subscription")\n',
        "auto",
        id="model-inside-an-except-handler",
    ),
    pytest.param(
        {},
        "saas/models.py",
        _model(
            HEADER,
            'parent_id: Mapped[int] = mapped_column(ForeignKey("usage_events.id"))',
            'parent = relationship("saas.models.UsageEvent", remote_side="UsageEvent.id")',
        ),
        _model(
            HEADER,
            'parent_id: Mapped[int] = mapped_column(ForeignKey("usage_events.id"))',
            'parent = relationship("UsageEvent", remote_side="UsageEvent.id")',
        ),
        "auto",
        id="same-module-target-needs-no-import",
    ),
    pytest.param(
        {
            "schemas/__init__.py": "",
            "schemas/billing.py": "from pydantic import BaseModel\n\n\nclass Subscription(BaseModel):\n    id: int\n",
        },
        "saas/models.py",
        SEED,
        SEED_FIXED,
        "auto",
        id="same-name-pydantic-schema-is-not-a-clash",
    ),
    pytest.param(
        {},
        "saas/models.py",
        HEADER.replace(
            "from sqlalchemy.orm", "from sqlalchemy.orm import declared_attr\nfrom sqlalchemy.orm"
        )
        + '\n\nclass Subscribed:\n    @declared_attr\n    def subscription(cls):\n        return relationship("ecommerce.models.Subscription")\n',
        HEADER.replace(
            "from sqlalchemy.orm", "from sqlalchemy.orm import declared_attr\nfrom sqlalchemy.orm"
        )
        + "from ecommerce.models import Subscription  # noqa: F401\n"
        + '\n\nclass Subscribed:\n    @declared_attr\n    def subscription(cls):\n        return relationship("Subscription")\n',
        "auto",
        id="declared-attr-mixin-in-function",
    ),
    pytest.param(
        {
            "app/__init__.py": "",
            "app/core.py": DATABASE,
            "app/billing/__init__.py": "",
            "app/billing/models.py": "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom ..core import Base\n\n\nclass Invoice(Base):\n    __tablename__ = 'invoices'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
            "app/usage/__init__.py": "",
        },
        "app/usage/models.py",
        "from sqlalchemy.orm import relationship\n\nfrom ..core import Base\n\n\nclass Meter(Base):\n    __tablename__ = 'meters'\n    invoice = relationship('app.billing.models.Invoice')\n",
        "from sqlalchemy.orm import relationship\n\nfrom ..core import Base\nfrom ..billing.models import Invoice  # noqa: F401\n\n\nclass Meter(Base):\n    __tablename__ = 'meters'\n    invoice = relationship('Invoice')\n",
        "auto",
        id="relative-imports-spelled-relative",
    ),
    pytest.param(
        {
            "backend/core/__init__.py": "",
            "backend/core/database.py": DATABASE,
            "backend/ecommerce/__init__.py": "",
            "backend/ecommerce/models.py": ECOMMERCE,
            "backend/saas/__init__.py": "",
            "core/database.py": None,
            "core/__init__.py": None,
            "ecommerce/models.py": None,
            "ecommerce/__init__.py": None,
        },
        "backend/saas/models.py",
        SEED,
        SEED_FIXED,
        "auto",
        id="sub-root-import-spelled-as-the-file-imports",
    ),
    pytest.param(
        {},
        "saas/models.py",
        "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\nclass UsageEvent(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    subscription = db.relationship('ecommerce.models.Subscription', lazy='dynamic')\n",
        "from flask_sqlalchemy import SQLAlchemy\nfrom ecommerce.models import Subscription  # noqa: F401\n\ndb = SQLAlchemy()\n\n\nclass UsageEvent(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    subscription = db.relationship('Subscription', lazy='dynamic')\n",
        "auto",
        id="flask-sqlalchemy-db-relationship",
    ),
]


def _check(
    root: Path, extra: dict[str, Optional[str]], path: str, src: str, expected: str, placement: str
) -> None:
    outcome = fix_in_project(root, {**extra, path: src}, path, placement)
    assert outcome.new_text == expected, "\n".join(f.format() for f in outcome.findings)
    (root / path).write_text(expected, encoding="utf-8")
    again = fix_again(root, path, placement)
    assert again.new_text is None, "a second run changed the fixed file"


@pytest.mark.parametrize(("extra", "path", "src", "expected", "placement"), REWRITES)
def test_rewrite(
    project_dir: Path,
    extra: dict[str, Optional[str]],
    path: str,
    src: str,
    expected: str,
    placement: str,
) -> None:
    _check(project_dir, extra, path, dedent(src), dedent(expected), placement)


def test_rewrite_reports_each_target(project_dir: Path) -> None:
    outcome = fix_in_project(project_dir, {"saas/models.py": SEED})
    [finding] = outcome.findings
    assert finding.format() == (
        'saas/models.py:11:33: FR101 "ecommerce.models.Subscription" -> "Subscription" '
        "(import added: from ecommerce.models import Subscription)"
    )


def test_the_table_seed_is_the_shared_seed() -> None:
    import project_helpers

    assert (SEED, SEED_FIXED) == (project_helpers.SEED, project_helpers.FIXED)


def test_a_run_picks_the_alias_from_the_text_it_decides_without_reading_it_again(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alias of a late registration is a name the module never mentions (here `_models`
    is in a comment, so it is `_ecommerce_models`), told from the text the run read for its
    decisions: the file is not read from disk a second time."""
    import io

    from project_helpers import BASE_PROJECT, write_project

    from codemods.relationships.project import Project
    from codemods.relationships.run import DIFF, Options, run

    cycle = {
        "ecommerce/models.py": ECOMMERCE + "\n\nfrom saas.models import UsageEvent  # noqa: E402\n"
    }
    src = _model(
        HEADER + "# _models\n", 'subscription = relationship("ecommerce.models.Subscription")'
    )
    write_project(project_dir, {**BASE_PROJECT, **cycle, "saas/models.py": src})
    reads: list[str] = []
    read = Project.read
    monkeypatch.setattr(Project, "read", lambda self, f: reads.append(f) or read(self, f))
    monkeypatch.chdir(project_dir)
    out = io.StringIO()
    run(["saas/models.py"], Options(project_dir, mode=DIFF), out, io.StringIO())
    assert "+import ecommerce.models as _ecommerce_models  # noqa: E402, F401" in out.getvalue()
    assert "saas/models.py" not in reads, reads
