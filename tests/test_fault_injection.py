"""Killing the command with SIGKILL at any moment leaves every file either exactly as it was or
completely rewritten, and the next run finishes the job.

A project of 300 model files, each needing a rewrite, is fixed once to learn the expected bytes
and how long a run takes. Then the command is started on fresh copies and killed: at moments
spread across that duration, and at moments picked by watching its progress on disk (just after
its first file is replaced; while a temporary file is being written; near the end). Temporary
files (`.<name>.py.<random>.tmp`) that a kill leaves behind are counted and printed, not failed on.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, REPO, write_project

pytestmark = pytest.mark.slow

MODELS = 300
AREAS = 6  # packages the models are spread over; the command fixes files in sorted order

MODEL = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base


class UsageEvent{n}(Base):
    __tablename__ = "usage_events_{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    subscription = relationship("ecommerce.models.Subscription", backref="usage_events_{n}")
    plan = relationship("ecommerce.models.Plan")
"""

FIXED_MODEL = (
    MODEL.replace(
        "from core.database import Base\n",
        "from core.database import Base\nfrom ecommerce.models import Subscription  # noqa: F401\n",
    )
    .replace('"ecommerce.models.Subscription"', '"Subscription"')
    .replace('"ecommerce.models.Plan"', '"Plan"')
)


# Every third model also names a bare Partner class whose module imports the model back: an
# import cycle, fixed with a late import at the end of the model.
PARTNER_LINE = '    partner = relationship("Partner{n}")\n'
PARTNER = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base
from area{area}.model_{n:03d} import UsageEvent{n}


class Partner{n}(Base):
    __tablename__ = "partners_{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("usage_events_{n}.id"))


assert UsageEvent{n}
"""
LATE_PARTNER = "\n\nimport area{area}.partner_{n:03d} as _partner_{n:03d}  # noqa: E402, F401\n"


def _model_path(n: int) -> str:
    return f"area{n % AREAS}/model_{n:03d}.py"


def _project_files() -> dict[str, str]:
    files = dict(BASE_PROJECT)
    for area in range(AREAS):
        files[f"area{area}/__init__.py"] = ""
    for n in range(MODELS):
        model = MODEL.format(n=n)
        if n % 3 == 1:
            model += PARTNER_LINE.format(n=n)
            files[f"area{n % AREAS}/partner_{n:03d}.py"] = PARTNER.format(n=n, area=n % AREAS)
        files[_model_path(n)] = model
    return files


def _start(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "codemods.fix_relationships"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # a pipe nobody reads could fill up and stall the run
        stderr=subprocess.DEVNULL,
    )


def _python_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.py")}


def _temporary_files(root: Path) -> list[Path]:
    return sorted(root.rglob(".*.py.*.tmp"))


@dataclass(frozen=True)
class Fixed:
    pristine: Path
    original: dict[str, bytes]
    expected: dict[str, bytes]
    order: list[str]  # the model files in the order the command rewrites them
    duration: float


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> Fixed:
    """The pristine project, the bytes of every file before and after a full run, and its time."""
    base = tmp_path_factory.mktemp("fault-injection")
    pristine = base / "pristine"
    write_project(pristine, _project_files())
    reference = base / "reference"
    shutil.copytree(pristine, reference)
    started = time.monotonic()
    exit_code = _start(reference).wait(timeout=300)
    duration = time.monotonic() - started
    assert exit_code == 1
    original, expected = _python_files(pristine), _python_files(reference)
    changed = sorted(k for k in original if original[k] != expected[k])
    assert changed == sorted(_model_path(n) for n in range(MODELS))
    assert expected[_model_path(0)].decode() == FIXED_MODEL.format(n=0)
    late = FIXED_MODEL.format(n=1) + PARTNER_LINE.format(n=1) + LATE_PARTNER.format(n=1, area=1)
    assert expected[_model_path(1)].decode() == late
    return Fixed(pristine, original, expected, changed, duration)


# Waits for the moment to kill the command; True if it saw on disk that the run was mid-way.
Trigger = Callable[[Path, Fixed, "subprocess.Popen[bytes]"], bool]


def _after(fraction: float) -> Trigger:
    def wait(root: Path, fixed: Fixed, process: subprocess.Popen[bytes]) -> bool:
        time.sleep(fraction * fixed.duration)
        return False

    return wait


def _poll(process: subprocess.Popen[bytes], moment: Callable[[], bool]) -> bool:
    while process.poll() is None:
        if moment():
            return True
        time.sleep(0.0005)
    return False


def _when_replaced(index: int) -> Trigger:
    """Just after the command has replaced the `index`-th file it rewrites (a new inode)."""

    def wait(root: Path, fixed: Fixed, process: subprocess.Popen[bytes]) -> bool:
        path = root / fixed.order[index]
        inode = path.stat().st_ino
        return _poll(process, lambda: path.stat().st_ino != inode)

    return wait


def _while_writing(index: int) -> Trigger:
    """While a temporary file sits beside the `index`-th file it rewrites, or a later one."""

    def wait(root: Path, fixed: Fixed, process: subprocess.Popen[bytes]) -> bool:
        directories = sorted({(root / k).parent for k in fixed.order[index:]})
        return _poll(
            process,
            lambda: any(n.endswith(".tmp") for d in directories for n in os.listdir(d)),
        )

    return wait


KILLS = [
    pytest.param(_after(0.2), id="at-20%-of-a-run"),
    pytest.param(_after(0.5), id="at-50%-of-a-run"),
    pytest.param(_after(0.8), id="at-80%-of-a-run"),
    pytest.param(_when_replaced(0), id="after-the-first-file-is-replaced"),
    pytest.param(_while_writing(MODELS // 2), id="while-writing-a-temporary-file"),
    pytest.param(_when_replaced(MODELS - 10), id="ten-files-before-the-end"),
]


def _assert_whole(root: Path, fixed: Fixed) -> int:
    """Every file is byte-identical to its original or to its fixed version; how many are fixed."""
    now = _python_files(root)
    assert now.keys() == fixed.original.keys()
    damaged = [k for k, data in now.items() if data not in (fixed.original[k], fixed.expected[k])]
    assert not damaged, f"files neither original nor fixed: {damaged}"
    return sum(1 for k in fixed.order if now[k] == fixed.expected[k])


@pytest.mark.parametrize("trigger", KILLS)
def test_killed_run_leaves_every_file_whole(
    fixed: Fixed, tmp_path: Path, trigger: Trigger, request: pytest.FixtureRequest
) -> None:
    root = tmp_path / "project"
    shutil.copytree(fixed.pristine, root)
    process = _start(root)
    mid_run = False
    try:
        mid_run = trigger(root, fixed, process)
    finally:
        if process.poll() is None:  # not yet reaped, so the pid is still this process's
            os.kill(process.pid, signal.SIGKILL)
        exit_code = process.wait(timeout=60)
    rewritten = _assert_whole(root, fixed)
    leftovers = _temporary_files(root)
    killed = "killed" if exit_code == -signal.SIGKILL else f"had already exited with {exit_code}"
    print(
        f"\n{request.node.callspec.id}: {killed}, {rewritten}/{MODELS} files rewritten, "
        f"{len(leftovers)} temporary file(s) left: {[p.name for p in leftovers]}"
    )
    if mid_run:
        assert exit_code == -signal.SIGKILL and 0 < rewritten < MODELS

    follow_up = _start(root).wait(timeout=300)
    assert follow_up == (0 if rewritten == MODELS else 1)
    assert _python_files(root) == fixed.expected
    assert _temporary_files(root) == leftovers  # the next run neither trips on them nor adds any
