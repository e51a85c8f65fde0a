"""Helpers for the tests: small real projects on disk, and the codemod run over them."""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

from fresh_python import run_fresh

from codemods.relationships.decide import Decider
from codemods.relationships.discover import project_files
from codemods.relationships.project import Project
from codemods.relationships.transform import Outcome, fix_source

REPO = Path(__file__).resolve().parents[1]

DATABASE = """\
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
"""

ECOMMERCE = """\
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
"""

# The seed bug: a model module naming its target as a dotted path, and its fix.
SEED = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class UsageEvent(Base):
    __tablename__ = "usage_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    subscription = relationship("ecommerce.models.Subscription", backref="usage_events")
"""
FIXED = SEED.replace(
    "from core.database import Base\n",
    "from core.database import Base\nfrom ecommerce.models import Subscription  # noqa: F401\n",
).replace('"ecommerce.models.Subscription"', '"Subscription"')

# A project shaped like the demo backend: three top-level packages, imported absolutely.
BASE_PROJECT: dict[str, str] = {
    "core/__init__.py": "",
    "core/database.py": DATABASE,
    "ecommerce/__init__.py": "",
    "ecommerce/models.py": ECOMMERCE,
    "saas/__init__.py": "",
}


# What git needs to run alone in a temporary repository: no user or system configuration, a
# fixed author (the caller's GIT_* variables are to be dropped first).
ISOLATED_GIT = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write_project(root: Path, files: Mapping[str, str]) -> None:
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text) if text else "", encoding="utf-8")


def fix_in_project(
    root: Path,
    files: Mapping[str, Optional[str]],
    path: str = "saas/models.py",
    placement: str = "auto",
    src: tuple[str, ...] = (),
) -> Outcome:
    """Lay out BASE_PROJECT + files (None removes one) under root and fix `path` in a new run."""
    merged = {**BASE_PROJECT, **files}
    write_project(root, {k: v for k, v in merged.items() if v is not None})
    return fix_again(root, path, placement, src)


def fix_again(root: Path, path: str, placement: str = "auto", src: tuple[str, ...] = ()) -> Outcome:
    project = Project(root, project_files(root), src)
    decider = Decider(project, placement)
    text = (root / path).read_text(encoding="utf-8")
    return fix_source(path, path, text, decider)


def run_cli(
    cwd: Path, *args: str, env: Optional[Mapping[str, str]] = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codemods.fix_relationships", *args],
        cwd=cwd,
        env=_cli_env(env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def start_cli(
    cwd: Path, *args: str, env: Optional[Mapping[str, str]] = None
) -> subprocess.Popen[str]:
    """run_cli without waiting: for runs at the same time (`.communicate()` collects it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "codemods.fix_relationships", *args],
        cwd=cwd,
        env=_cli_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _cli_env(env: Optional[Mapping[str, str]]) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}


def run_python(cwd: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter with `cwd` as the only project import root."""
    return run_fresh(cwd, dedent(code), {**os.environ, "PYTHONPATH": str(cwd)})


def plain(value: object) -> object:
    """The value as data that compares by content (syntax nodes by their dump)."""
    if isinstance(value, ast.AST):
        return ast.dump(value, include_attributes=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return type(value).__name__, fields
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [plain(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(value)
    return value
