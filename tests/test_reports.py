"""What the tool reports or refuses about registration, each proven at runtime with SQLAlchemy.

A report (exit 1, the file byte-identical) is a failure `configure_mappers()` really raises; a
refusal (the target left as it is, said with -v) guards an import that would really break code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, DATABASE, SEED, dedent, run_cli, run_python, write_project

CONFIGURE = """\
import importlib

from sqlalchemy.orm import configure_mappers

for name in {modules!r}:
    importlib.import_module(name)
configure_mappers()
"""

LEGACY_SUBSCRIPTION = """\
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base


class Subscription(Base):
    __tablename__ = "legacy_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
"""

# (extra files, saas/models.py, the report, the modules imported to prove it, SQLAlchemy's error)
REPORTS = [
    pytest.param(
        {},
        SEED.replace('"ecommerce.models.Subscription"', '"Subscriptoin"'),
        'saas/models.py:11:33: FR202 broken: "Subscriptoin": no class named Subscriptoin is defined in '
        "the project; did you mean Subscription?",
        ["ecommerce.models", "saas.models"],
        "expression 'Subscriptoin' failed to locate a name",
        id="bare-typo",
    ),
    pytest.param(
        {"legacy/__init__.py": "", "legacy/models.py": LEGACY_SUBSCRIPTION},
        SEED.replace('"ecommerce.models.Subscription"', '"Subscription"'),
        'saas/models.py:11:33: FR203 broken: "Subscription": several mapped classes are named '
        'Subscription in one registry (SQLAlchemy raises "Multiple classes found for path"); '
        'name one by its module-qualified path: "ecommerce.models.Subscription" or '
        '"legacy.models.Subscription"',
        ["ecommerce.models", "legacy.models", "saas.models"],
        'Multiple classes found for path "Subscription"',
        id="bare-name-of-two-mapped-classes",
    ),
    pytest.param(
        {},
        SEED.replace("ecommerce.models.Subscription", "ecommerce.model.Subscription"),
        'saas/models.py:11:33: FR204 broken: "ecommerce.model.Subscription": ecommerce is a project '
        "package, but no module of it is named ecommerce.model; did you mean ecommerce.models?",
        ["ecommerce.models", "saas.models"],
        "expression 'ecommerce.model.Subscription' failed to locate a name",
        id="stale-dotted-path",
    ),
]


@pytest.mark.parametrize(("extra", "src", "report", "modules", "error"), REPORTS)
def test_report_is_a_configure_failure_and_changes_nothing(
    project_dir: Path, extra: dict[str, str], src: str, report: str, modules: list[str], error: str
) -> None:
    write_project(project_dir, {**BASE_PROJECT, **extra, "saas/models.py": src})
    before = (project_dir / "saas/models.py").read_bytes()
    result = run_cli(project_dir, ".")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [report]
    assert (project_dir / "saas/models.py").read_bytes() == before
    configured = run_python(project_dir, CONFIGURE.format(modules=modules))
    assert configured.returncode != 0
    assert error in configured.stderr


# A -> C -> B -> A: pkg/a.py needs pkg/c.py registered; pkg/b.py starts with `from pkg.a import X`
# and pkg/c.py with `from pkg.b import Y`. A late import of pkg.c in pkg/a.py breaks importing
# pkg.b first: b runs a, whose late import runs c while b has not yet defined Y.
UNSAFE_CYCLE = {
    "pkg/__init__.py": "",
    "pkg/base.py": DATABASE,
    "pkg/a.py": """\
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        from pkg.base import Base


        class X(Base):
            __tablename__ = "xs"
            id: Mapped[int] = mapped_column(primary_key=True)
            zs = relationship("Z")
        """,
    "pkg/b.py": """\
        from sqlalchemy.orm import Mapped, mapped_column

        from pkg.a import X
        from pkg.base import Base


        class Y(Base):
            __tablename__ = "ys"
            id: Mapped[int] = mapped_column(primary_key=True)


        assert X
        """,
    "pkg/c.py": """\
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import Mapped, mapped_column

        from pkg.b import Y
        from pkg.base import Base


        class Z(Base):
            __tablename__ = "zs"
            id: Mapped[int] = mapped_column(primary_key=True)
            x_id: Mapped[int] = mapped_column(ForeignKey("xs.id"))


        assert Y
        """,
}


UNSAFE_CYCLE_WARNING = (
    "pkg/a.py:9:23: FR401 warning: Z stays unregistered when this module is imported alone: "
    "a runtime import would close the import cycle pkg.a -> pkg.c -> pkg.b -> pkg.a, and no placement is safe "
    "in every import order (importing pkg.b first: pkg.c line 4: cannot import name 'Y' "
    "from partially initialized module pkg.b); import both modules in one place (such as "
    "the models package `__init__`) so that the class is registered before the mappers are "
    "configured"
)


def test_cycle_without_a_safe_placement_changes_nothing_and_warns(project_dir: Path) -> None:
    write_project(project_dir, UNSAFE_CYCLE)
    result = run_cli(project_dir, ".")
    assert result.returncode == 0
    assert list((project_dir / "pkg").glob("*.py")) and all(
        p.read_text() == dedent(UNSAFE_CYCLE[f"pkg/{p.name}"])
        for p in (project_dir / "pkg").glob("*.py")
    )
    assert result.stdout.splitlines() == [UNSAFE_CYCLE_WARNING]
    for first in ("pkg.a", "pkg.b", "pkg.c"):
        imported = run_python(project_dir, f"import {first}\n")
        assert imported.returncode == 0, imported.stderr
    # The late import the tool refused really breaks importing pkg.b first.
    a = project_dir / "pkg/a.py"
    a.write_text(a.read_text() + "\n\nimport pkg.c as _c  # noqa: E402, F401\n")
    broken = run_python(project_dir, "import pkg.b\n")
    assert "cannot import name 'Y' from partially initialized module 'pkg.b'" in broken.stderr


PROGRESS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class Student(Base):
    __tablename__ = "students"
    id: Mapped[int] = mapped_column(primary_key=True)
    progress = relationship("Progress")


class Progress(Base):
    __tablename__ = "progress"
    __table_args__ = {"extend_existing": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
"""
# A second mapping of the same table, without the foreign key: whichever loads last wins.
PROGRESS_VIEW = """\
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base


class ProgressView(Base):
    __tablename__ = "progress"
    __table_args__ = {"extend_existing": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column()
"""
ENROLMENT = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class Enrolment(Base):
    __tablename__ = "enrolments"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    student = relationship("school.progress.Student")
"""


def test_import_that_would_change_which_table_definition_wins_is_refused(
    project_dir: Path,
) -> None:
    files = {
        "core/__init__.py": "",
        "core/database.py": DATABASE,
        "school/__init__.py": "",
        "school/progress.py": PROGRESS,
        "school/views.py": PROGRESS_VIEW,
        "school/enrolments.py": ENROLMENT,
    }
    write_project(project_dir, files)
    app = ["school.enrolments", "school.views", "school.progress"]
    assert run_python(project_dir, CONFIGURE.format(modules=app)).returncode == 0
    result = run_cli(project_dir, "-v", ".")
    assert result.returncode == 0
    assert result.stdout == (
        'school/enrolments.py:11:28: FR307 left alone: "school.progress.Student": importing '
        "school.progress loads school/progress.py, which defines the table 'progress' that "
        "school/views.py defines too: the import could change which definition wins\n"
    )
    assert (project_dir / "school/enrolments.py").read_text() == dedent(ENROLMENT)
    # The refused import: school.progress now loads before school.views, whose definition of
    # the table then wins and drops the foreign key.
    naive = dedent(ENROLMENT).replace(
        "from core.database import Base\n",
        "from core.database import Base\nfrom school.progress import Student  # noqa: F401\n",
    )
    (project_dir / "school/enrolments.py").write_text(naive)
    configured = run_python(project_dir, CONFIGURE.format(modules=app))
    assert configured.returncode != 0
    assert "NoForeignKeysError" in configured.stderr


def test_file_imported_under_two_names_keeps_its_dotted_strings(project_dir: Path) -> None:
    """`src.shop.models` and `shop.models` are one file (both roots on the path): its classes
    are registered twice, and only the module-qualified path resolves."""
    shop = BASE_PROJECT["ecommerce/models.py"]
    base = {k: v for k, v in BASE_PROJECT.items() if not k.startswith("ecommerce/")}
    write_project(
        project_dir,
        {
            **base,
            "src/__init__.py": "",
            "src/shop/__init__.py": "",
            "src/shop/models.py": shop,
            "src/shop/views.py": "from shop.models import Plan\n\nassert Plan\n",
            "scripts/report.py": "from src.shop.models import Plan\n\nassert Plan\n",
            "saas/models.py": SEED.replace("ecommerce.models", "src.shop.models"),
        },
    )
    result = run_cli(project_dir, "-v", "saas/models.py")
    assert result.returncode == 0
    assert result.stdout == (
        'saas/models.py:11:33: FR306 left alone: "src.shop.models.Subscription": src/shop/models.py '
        "is imported under two module names (shop.models and src.shop.models), so each of its "
        "classes is registered twice; only a module-qualified path works, and no import of it "
        "is added\n"
    )
    both = CONFIGURE.format(modules=["src.shop.models", "shop.models"])
    env_both = run_python(project_dir, "import sys; sys.path.insert(0, 'src')\n" + both)
    assert env_both.returncode != 0
    assert "is already defined for this MetaData instance" in env_both.stderr
