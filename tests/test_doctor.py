"""The relationship doctor: every back_populates, backref and secondary mistake, in one run.

Each defect is proven with real SQLAlchemy in a fresh interpreter: importing every model module
and calling configure_mappers() fails with SQLAlchemy's own message, the corrected project
configures, and the tool says nothing about it. Each correct project configures and the tool
stays silent.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Union

import pytest
from project_helpers import DATABASE, REPO, run_cli, run_python, write_project

from codemods.relationships.findings import BROKEN, SKIPPED, Finding
from codemods.relationships.run import CHECK, Options, run

CONFIGURE = """\
import importlib
import pathlib
import sys

from sqlalchemy.orm import configure_mappers

for path in sorted(pathlib.Path(".").rglob("*.py")):
    if path.name != "__init__.py":
        importlib.import_module(".".join(path.with_suffix("").parts))
try:
    configure_mappers()
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
print("configured")
"""

BILLING = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)


class Subscription(Base):
    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    plan = relationship(Plan)
    usage_events = relationship("UsageEvent", back_populates="subscription")
"""

USAGE = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class UsageEvent(Base):
    __tablename__ = "usage_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    subscription = relationship("Subscription", back_populates="usage_events")
"""

INVOICES = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    subscription = relationship("Subscription", backref="invoices")
"""

TAGS = """\
from sqlalchemy import Column, ForeignKey, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base

post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    tags = relationship("Tag", secondary="post_tags")
"""

CORE = {"core/__init__.py": "", "core/database.py": DATABASE}
PAIR = {
    **CORE,
    "ecommerce/__init__.py": "",
    "ecommerce/models.py": BILLING,
    "saas/__init__.py": "",
    "saas/models.py": USAGE,
}
BLOG = {**CORE, "blog/__init__.py": "", "blog/models.py": TAGS}


def _usage(old: str, new: str) -> dict[str, str]:
    assert old in USAGE
    return {**PAIR, "saas/models.py": USAGE.replace(old, new)}


SUBSCRIPTION = 'subscription = relationship("Subscription", back_populates="usage_events")'
NO_REVERSE = {
    **PAIR,
    "ecommerce/models.py": BILLING.replace(
        '    usage_events = relationship("UsageEvent", back_populates="subscription")\n', ""
    ),
}

FLASK = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class PostTag(db.Model):
    post_id = db.Column(db.ForeignKey("post.id"), primary_key=True)
    tag_id = db.Column(db.ForeignKey("tag.id"), primary_key=True)


class Tag(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    posts = db.relationship("Post", secondary="post_tag", back_populates="tags")


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    tags = db.relationship("Tag", secondary="post_tag", back_populates="posts")
"""

COMMENTS = """

class Comment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.ForeignKey("post.id"))
    post = db.relationship("Post", backref=db.backref("comments"))
"""

# (broken project, {path: (old, new)} that corrects it, the tool's findings, SQLAlchemy's error)
DEFECTS = [
    pytest.param(
        {
            **PAIR,
            # with a backref of another name in the same file
            "saas/models.py": USAGE.replace(
                'back_populates="usage_events"', 'back_populates="usage_event"'
            )
            + "\n\n"
            + INVOICES.split("\n\n\n", 1)[1],
        },
        {"saas/models.py": ('"usage_event"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR501 broken: UsageEvent.subscription: back_populates="usage_event": '
            "Subscription has no attribute usage_event; did you mean usage_events?"
        ],
        "Mapper 'Mapper[Subscription(subscriptions)]' has no property 'usage_event'",
        id="FR501-back-populates-typo",
    ),
    pytest.param(
        _usage(
            SUBSCRIPTION,
            'subscription: Mapped["Subscription"] = relationship(back_populates="events")',
        ),
        {"saas/models.py": ('"events"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR501 broken: UsageEvent.subscription: back_populates="events": '
            "Subscription has no attribute events; did you mean usage_events?"
        ],
        "has no property 'events'",
        id="FR501-target-from-the-annotation",
    ),
    pytest.param(
        _usage(
            '"Subscription", back_populates="usage_events"',
            '"ecommerce.models.Subscription", back_populates="usage"',
        ),
        {"saas/models.py": ('"usage"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR501 broken: UsageEvent.subscription: back_populates="usage": '
            "Subscription has no attribute usage"
        ],
        "has no property 'usage'",
        id="FR501-dotted-target",
    ),
    pytest.param(
        _usage('back_populates="usage_events"', 'back_populates="plan_id"'),
        {"saas/models.py": ('"plan_id"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR502 broken: UsageEvent.subscription: back_populates="plan_id": '
            "Subscription.plan_id is not a relationship"
        ],
        "back_populates on relationship 'UsageEvent.subscription' refers to attribute "
        "'Subscription.plan_id' that is not a relationship",
        id="FR502-a-column",
    ),
    pytest.param(
        {
            **_usage('back_populates="usage_events"', 'back_populates="plan_link"'),
            "ecommerce/models.py": BILLING.replace(
                "mapped_column, relationship", "mapped_column, relationship, synonym"
            ).replace(
                "    plan = relationship(Plan)\n",
                '    plan = relationship(Plan)\n    plan_link = synonym("plan")\n',
            ),
        },
        {"saas/models.py": ('"plan_link"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR502 broken: UsageEvent.subscription: back_populates="plan_link": '
            "Subscription.plan_link is not a relationship"
        ],
        "refers to attribute '<Synonym at",
        id="FR502-a-synonym",
    ),
    pytest.param(
        _usage('back_populates="usage_events"', 'back_populates="plan"'),
        {"saas/models.py": ('"plan"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR503 broken: UsageEvent.subscription: back_populates="plan": '
            "Subscription.plan is a relationship to Plan, not to UsageEvent"
        ],
        "reverse_property 'plan' on relationship UsageEvent.subscription references "
        "relationship Subscription.plan, which does not reference mapper",
        id="FR503-does-not-point-back",
    ),
    pytest.param(
        _usage('back_populates="usage_events"', 'backref="plan"'),
        {"saas/models.py": ('backref="plan"', 'back_populates="usage_events"')},
        [
            'saas/models.py:11:5: FR504 broken: UsageEvent.subscription: backref="plan": '
            "Subscription already has an attribute plan (ecommerce/models.py:16)"
        ],
        "Error creating backref 'plan' on relationship 'UsageEvent.subscription': property of "
        "that name exists on mapper 'Mapper[Subscription(subscriptions)]'",
        id="FR504-backref-name-taken",
    ),
    pytest.param(
        {
            **NO_REVERSE,
            "saas/invoices.py": INVOICES.replace('"invoices"', '"events"'),
            "saas/models.py": USAGE.replace('back_populates="usage_events"', 'backref="events"'),
        },
        {"saas/models.py": ('"events"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR504 broken: UsageEvent.subscription: backref="events": '
            "Subscription.events is already made by the backref of Invoice.subscription "
            "(saas/invoices.py:11)"
        ],
        "Error creating backref 'events' on relationship",
        id="FR504-two-backrefs-one-name",
    ),
    pytest.param(
        {
            **_usage('back_populates="usage_events"', 'back_populates="usage_event"'),
            "core/database.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        },
        {"saas/models.py": ('"usage_event"', '"usage_events"')},
        [
            'saas/models.py:11:5: FR501 broken: UsageEvent.subscription: back_populates="usage_event": '
            "Subscription has no attribute usage_event; did you mean usage_events?"
        ],
        "has no property 'usage_event'",
        id="FR501-declarative-base-function",
    ),
    pytest.param(
        {
            "app/__init__.py": "",
            "app/models.py": FLASK.replace('back_populates="posts"', 'back_populates="post"')
            + COMMENTS,
        },
        {"app/models.py": ('"post"', '"posts"')},
        [
            'app/models.py:18:5: FR501 broken: Post.tags: back_populates="post": '
            "Tag has no attribute post; did you mean posts?"
        ],
        "Mapper 'Mapper[Tag(tag)]' has no property 'post'",
        id="FR501-flask-sqlalchemy",
    ),
    pytest.param(
        {**BLOG, "blog/models.py": TAGS.replace('secondary="post_tags"', 'secondary="post_tag"')},
        {"blog/models.py": ('"post_tag"', '"post_tags"')},
        [
            'blog/models.py:22:5: FR505 broken: Post.tags: secondary="post_tag": '
            "no table post_tag in the project; did you mean post_tags?"
        ],
        "expression 'post_tag' failed to locate a name",
        id="FR505-secondary-typo",
    ),
    pytest.param(
        {
            **BLOG,
            "blog/models.py": TAGS.replace('secondary="post_tags"', 'secondary="blog.post_tag"')
            .replace(
                'Column("tag_id", ForeignKey("tags.id"), primary_key=True),\n',
                'Column("tag_id", ForeignKey("tags.id"), primary_key=True),\n    schema="blog",\n',
            )
            .replace('ForeignKey("posts.id")', 'ForeignKey("posts.id")'),
        },
        {"blog/models.py": ('"blog.post_tag"', '"blog.post_tags"')},
        [
            'blog/models.py:23:5: FR505 broken: Post.tags: secondary="blog.post_tag": '
            "no table post_tag in the project; did you mean post_tags?"
        ],
        # SQLAlchemy 2.1 names the expression; 2.0 (the newest for Python 3.9) the key.
        ("failed to locate a name ('blog.post_tag')", "KeyError: 'blog.post_tag'"),
        id="FR505-schema-qualified-typo",
    ),
]


def check(root: Path, paths: tuple[str, ...] = (".",)) -> list[Finding]:
    """One --check run of the tool over `paths` (relative to root), in this process."""
    out, err = io.StringIO(), io.StringIO()
    given = [str(root / p) for p in paths]
    report = run(given, Options(root, mode=CHECK, verbose=True, parallel=False), out, err)
    return [f for f in report.findings if f.code.startswith("FR5") or f.code == "FR314"]


def broken(findings: list[Finding]) -> list[str]:
    return [f.format() for f in findings if f.kind == BROKEN]


def configure(root: Path) -> str:
    return run_python(root, CONFIGURE).stdout.strip()


def _correct(files: Mapping[str, str], fix: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    fixed = dict(files)
    for path, (old, new) in fix.items():
        assert old in fixed[path]
        fixed[path] = fixed[path].replace(old, new)
    return fixed


@pytest.mark.parametrize(("files", "fix", "expected", "error"), DEFECTS)
def test_defect_is_reported_and_really_fails(
    tmp_path: Path,
    files: dict[str, str],
    fix: dict[str, tuple[str, str]],
    expected: list[str],
    error: Union[str, tuple[str, ...]],
) -> None:
    write_project(tmp_path, files)
    assert broken(check(tmp_path)) == expected
    failure = configure(tmp_path)
    assert any(e in failure for e in ((error,) if isinstance(error, str) else error)), failure
    write_project(tmp_path, _correct(files, fix))
    assert configure(tmp_path) == "configured"
    assert check(tmp_path) == []


MIXIN = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.database import Base


class BelongsToSubscription:
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))

    @declared_attr
    def subscription(cls):
        return relationship("Subscription", back_populates="usage_events")


class UsageEvent(BelongsToSubscription, Base):
    __tablename__ = "usage_events"
    id: Mapped[int] = mapped_column(primary_key=True)
"""

STAFF = """\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class Employee(Base):
    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    reports = relationship("Report", back_populates="author")
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "employee"}


class Manager(Employee):
    __mapper_args__ = {"polymorphic_identity": "manager"}


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    author = relationship("Manager", back_populates="reports")
"""

JOINED = STAFF.replace(
    '    __mapper_args__ = {"polymorphic_identity": "manager"}',
    '    __tablename__ = "managers"\n'
    '    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)\n'
    '    __mapper_args__ = {"polymorphic_identity": "manager"}',
)

ABSTRACT = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class Model(Base):
    __abstract__ = True
    id: Mapped[int] = mapped_column(primary_key=True)


class Customer(Model):
    __tablename__ = "customers"
    orders = relationship("Order", back_populates="customer")


class Order(Model):
    __tablename__ = "orders"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer = relationship("Customer", back_populates="orders")
"""

ASSOCIATION = TAGS.replace(
    'post_tags = Table(\n    "post_tags",\n    Base.metadata,\n'
    '    Column("post_id", ForeignKey("posts.id"), primary_key=True),\n'
    '    Column("tag_id", ForeignKey("tags.id"), primary_key=True),\n)\n',
    "class PostTag(Base):\n"
    '    __tablename__ = "post_tags"\n'
    '    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)\n'
    '    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)\n',
).replace("Column, ForeignKey, Table", "ForeignKey")

# Correct projects: SQLAlchemy configures every one, and the tool says nothing.
CORRECT = [
    pytest.param(PAIR, id="two-sides-in-two-modules"),
    pytest.param(
        {
            **NO_REVERSE,
            "saas/models.py": MIXIN.replace(
                'back_populates="usage_events"', 'backref="usage_events"'
            )
            + "\n\nclass MeteredEvent(UsageEvent):\n"
            '    metered = relationship("Subscription", back_populates="usage_events", viewonly=True)\n',
        },
        id="attribute-made-by-a-backref-in-a-declared-attr",
    ),
    pytest.param({**PAIR, "saas/models.py": MIXIN}, id="declared-attr-on-a-mixin"),
    pytest.param(
        {**CORE, "staff/__init__.py": "", "staff/models.py": STAFF}, id="single-table-inheritance"
    ),
    pytest.param(
        {**CORE, "staff/__init__.py": "", "staff/models.py": JOINED}, id="joined-inheritance"
    ),
    pytest.param(
        {
            **NO_REVERSE,
            "saas/models.py": USAGE.replace(
                'back_populates="usage_events"', 'backref="usage_events"'
            )
            + "\n\nclass MeteredEvent(UsageEvent):\n"
            '    metered = relationship("Subscription", back_populates="usage_events", viewonly=True)\n',
        },
        id="attribute-made-by-a-backref-elsewhere",
    ),
    pytest.param(
        {
            **NO_REVERSE,
            "saas/invoices.py": INVOICES,
            "saas/models.py": USAGE.replace(
                'back_populates="usage_events"', 'backref="usage_events"'
            ),
        },
        id="two-backrefs-two-names",
    ),
    pytest.param({**CORE, "shop/__init__.py": "", "shop/models.py": ABSTRACT}, id="abstract-base"),
    pytest.param(
        {
            **PAIR,
            "ecommerce/models.py": BILLING
            + '    events_view = relationship("UsageEvent", viewonly=True)\n',
            "saas/models.py": USAGE.replace(
                'back_populates="usage_events"', 'back_populates="events_view"'
            ),
        },
        id="sides-naming-different-attributes-is-no-error",
    ),
    pytest.param(
        {
            **BLOG,
            "blog/tables.py": "from sqlalchemy import Column, ForeignKey, Table\n\n"
            "from core.database import Base\n\n"
            + TAGS.split("Base\n\n", 1)[1].split("\n\n\nclass Tag")[0]
            + "\n",
            "blog/models.py": "from blog import tables  # noqa: F401\n"
            + TAGS.replace(TAGS.split("Base\n\n", 1)[1].split("\n\n\nclass Tag")[0], "").replace(
                "Column, ForeignKey, Table", "ForeignKey"
            ),
        },
        id="table-in-another-module",
    ),
    pytest.param(
        {
            **BLOG,
            "blog/models.py": TAGS.replace(
                'secondary="post_tags"', 'secondary="blog.post_tags"'
            ).replace(
                'Column("tag_id", ForeignKey("tags.id"), primary_key=True),\n',
                'Column("tag_id", ForeignKey("tags.id"), primary_key=True),\n    schema="blog",\n',
            ),
        },
        id="schema-qualified-table",
    ),
    pytest.param({**BLOG, "blog/models.py": ASSOCIATION}, id="secondary-is-a-tablename"),
    pytest.param(
        {
            **BLOG,
            "blog/models.py": ASSOCIATION.replace(
                '    __tablename__ = "post_tags"\n',
                '    if True:\n        __tablename__ = "post_tags"\n',
            ),
        },
        id="tablename-set-in-a-block",
    ),
    pytest.param(
        {"app/__init__.py": "", "app/models.py": FLASK}, id="flask-sqlalchemy-names-the-table"
    ),
    pytest.param(
        {
            **BLOG,
            "blog/models.py": TAGS.replace('secondary="post_tags"', "secondary=lambda: post_tags"),
        },
        id="secondary-lambda",
    ),
    pytest.param(
        {
            **BLOG,
            "blog/models.py": TAGS.replace(
                'secondary="post_tags"', 'secondary="post_tags" if True else "x"'
            ),
        },
        id="secondary-expression",
    ),
    pytest.param(
        {
            **NO_REVERSE,
            "ecommerce/models.py": NO_REVERSE["ecommerce/models.py"]
            + '\n\nSubscription.usage_events = relationship("UsageEvent", back_populates="subscription")\n',
        },
        id="attribute-added-after-the-class",
    ),
    pytest.param(
        {
            **NO_REVERSE,
            "ecommerce/models.py": NO_REVERSE["ecommerce/models.py"]
            + '\n\nsetattr(Subscription, "usage_events", relationship("UsageEvent", back_populates="subscription"))\n',
        },
        id="setattr-on-the-class",
    ),
    pytest.param(
        {
            **NO_REVERSE,
            "ecommerce/models.py": NO_REVERSE["ecommerce/models.py"].replace(
                "import ForeignKey", "import ForeignKey, inspect"
            )
            + "\n\nmapper = inspect(Subscription)\n"
            'mapper.add_property("usage_events", relationship("UsageEvent", back_populates="subscription"))\n',
        },
        id="add-property-on-its-mapper",
    ),
]


@pytest.mark.parametrize("files", CORRECT)
def test_correct_project_configures_and_stays_silent(tmp_path: Path, files: dict[str, str]) -> None:
    write_project(tmp_path, files)
    assert configure(tmp_path) == "configured"
    assert broken(check(tmp_path)) == []


BROKEN_UNDER = 'back_populates="usage_events"'
# What the tool cannot see all of: it says nothing, even where the project is in fact broken.
UNSEEN = [
    pytest.param(
        "class Subscription(Base):",
        "class Subscription(Base):\n    def __getattr__(self, name):\n        return 1\n",
        "it defines __getattr__",
        id="getattr",
    ),
    pytest.param(
        "class Subscription(Base):",
        "class Subscription(Auditable, Base):",
        "a base (Auditable) the tool cannot see into",
        id="base-from-outside-the-project",
    ),
    pytest.param(
        "class Subscription(Base):",
        "@audited\nclass Subscription(Base):",
        "a class decorator may add attributes",
        id="class-decorator",
    ),
    pytest.param(
        "    plan = relationship(Plan)\n",
        "    plan = relationship(Plan)\n    for name in NAMES:\n        locals()[name] = declared_attr(make)\n",
        "the class body runs code that may bind computed names",
        id="declared-attr-with-a-computed-name",
    ),
    pytest.param(
        "    plan = relationship(Plan)\n",
        "    plan = relationship(Plan)\n\n    @classmethod\n    def extend(cls):\n"
        '        cls.usage = relationship("UsageEvent")\n',
        "extend() sets attributes on the class",
        id="classmethod-sets-attributes",
    ),
    pytest.param(
        '    __tablename__ = "subscriptions"\n',
        '    __table__ = Table("subscriptions", Base.metadata, autoload_with=engine)\n',
        "its columns come from __table__",
        id="reflected-table",
    ),
]


@pytest.mark.parametrize(("old", "new", "reason"), UNSEEN)
def test_what_it_cannot_see_it_does_not_judge(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    billing = BILLING.replace(
        "from core.database import Base\n",
        "from core.database import Base\nfrom audit import Auditable, audited\n",
    )
    files = {
        **PAIR,
        "ecommerce/models.py": billing.replace(old, new),
        "saas/models.py": USAGE.replace(BROKEN_UNDER, 'back_populates="usage"'),
    }
    write_project(tmp_path, files)
    findings = check(tmp_path)
    assert broken(findings) == []
    skipped = [f.message for f in findings if f.kind == SKIPPED]
    assert skipped == [
        f'UsageEvent.subscription: back_populates="usage" not checked: Subscription: {reason}'
    ]


def test_verbose_lists_the_checks_it_did_not_make(tmp_path: Path) -> None:
    added = '\n\nSubscription.usage_events = relationship("UsageEvent", back_populates="subscription")\n'
    write_project(
        tmp_path, {**NO_REVERSE, "ecommerce/models.py": NO_REVERSE["ecommerce/models.py"] + added}
    )
    assert [f.format() for f in check(tmp_path)] == [
        'saas/models.py:11:5: FR314 left alone: UsageEvent.subscription: back_populates="usage_events" '
        "not checked: Subscription gets attributes from outside its class body"
    ]


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        pytest.param(
            "from core.database import Base\n\n\ndef load(engine):\n    Base.metadata.reflect(engine)\n",
            'blog/models.py:22:5: FR314 left alone: Post.tags: secondary="legacy_links" not checked: '
            "the project reflects tables from the database",
            id="reflected",
        ),
        pytest.param(
            "",
            'blog/models.py:22:5: FR505 broken: Post.tags: secondary="legacy_links": '
            "no table legacy_links in the project",
            id="not-reflected",
        ),
    ],
)
def test_tables_reflected_anywhere_are_not_judged(
    tmp_path: Path, legacy: str, expected: str
) -> None:
    blog = TAGS.replace('secondary="post_tags"', 'secondary="legacy_links"')
    write_project(tmp_path, {**BLOG, "blog/models.py": blog, "blog/legacy.py": legacy})
    assert [f.format() for f in check(tmp_path)] == [expected]


def test_only_the_given_files_are_reported_but_the_project_decides(tmp_path: Path) -> None:
    files = {
        **PAIR,
        "ecommerce/models.py": BILLING.replace(
            'back_populates="subscription"', 'back_populates="subscriptions"'
        ),
        "saas/models.py": USAGE.replace(
            'back_populates="usage_events"', 'back_populates="usage_event"'
        ),
    }
    write_project(tmp_path, files)
    assert [f.path for f in check(tmp_path, ("saas/models.py",))] == ["saas/models.py"]
    assert [f.path for f in check(tmp_path)] == ["ecommerce/models.py", "saas/models.py"]


FOUR_DEFECTS = {
    **PAIR,
    **BLOG,
    "ecommerce/models.py": BILLING.replace(
        'back_populates="subscription"', 'back_populates="subscription_id"'
    ),
    "saas/models.py": USAGE.replace(
        'back_populates="usage_events"', 'back_populates="usage_event"'
    ),
    "saas/invoices.py": INVOICES.replace('backref="invoices"', 'backref="plan"'),
    "blog/models.py": TAGS.replace('secondary="post_tags"', 'secondary="post_tag"'),
}

# The README's example: one run over a project with four defects.
FOUR_DEFECTS_OUTPUT = """\
blog/models.py:22:5: FR505 broken: Post.tags: secondary="post_tag": no table post_tag in the project; did you mean post_tags?
ecommerce/models.py:17:5: FR502 broken: Subscription.usage_events: back_populates="subscription_id": UsageEvent.subscription_id is not a relationship
saas/invoices.py:11:5: FR504 broken: Invoice.subscription: backref="plan": Subscription already has an attribute plan (ecommerce/models.py:16)
saas/models.py:11:5: FR501 broken: UsageEvent.subscription: back_populates="usage_event": Subscription has no attribute usage_event; did you mean usage_events?
"""


def test_four_defects_in_one_run(tmp_path: Path) -> None:
    write_project(tmp_path, FOUR_DEFECTS)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    result = run_cli(tmp_path, "--select", "FR5")  # as the README shows it: these checks only
    assert (result.returncode, result.stdout) == (1, FOUR_DEFECTS_OUTPUT)
    assert "4 broken" in result.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == before


def test_the_repository_backend_is_silent() -> None:
    result = run_cli(REPO, "--check", "backend")
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_a_finding_names_the_file_from_where_the_user_stands(project_dir: Path) -> None:
    """Like every other finding: `cd saas && fix-relationships --check .` prints `models.py`."""
    write_project(project_dir, _usage('back_populates="usage_events"', 'back_populates="usage"'))
    (project_dir / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    result = run_cli(project_dir / "saas", "--check", ".")
    found = {line.split(" ", 2)[1]: line.split(": ")[0] for line in result.stdout.splitlines()}
    assert found["FR501"] == "models.py:11:5", result.stdout
    assert all(where.startswith("models.py:") for where in found.values()), result.stdout
