"""Run commands side by side: each round runs every command once, in a rotating order.

Wall and CPU time are taken per run; ratios are formed within a round, so that load from
other work on the machine hits ours and the baseline alike.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Unset for every command, so that each tool's cache is where the harness warms and clears it:
# `<tree>/.fix_relationships_cache` and `<tree>/.ruff_cache`.
# `PYTHONDONTWRITEBYTECODE` too: an installed tool runs from its compiled bytecode (pip writes
# it), so ours must not compile its own source on every run (the warm-up run writes it).
CACHE_VARIABLES = (
    "FIX_RELATIONSHIPS_CACHE_DIR",
    "RUFF_CACHE_DIR",
    "RUFF_NO_CACHE",
    "PYTHONDONTWRITEBYTECODE",
)


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str]
    ok_codes: frozenset[int] = frozenset({0, 1})
    prepare: Callable[[], None] | None = None  # runs before every run, untimed
    # Python exits 1 on an uncaught exception, as the tool does when it would rewrite.
    crash_markers: tuple[str, ...] = ()
    finished_marker: str | None = None  # stderr of a run that got to the end contains this

    @property
    def shell(self) -> str:
        return " ".join(self.argv)


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    returncode: int
    stderr: str


@dataclass
class Series:
    command: Command
    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None  # why the command was not timed

    @property
    def ok(self) -> bool:
        return self.failure is None and bool(self.samples)

    def median(self, attribute: str = "wall") -> float:
        return float(statistics.median(getattr(s, attribute) for s in self.samples))


def run_once(command: Command) -> Sample:
    if command.prepare is not None:
        command.prepare()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command.argv,
        cwd=command.cwd,
        env=dict(command.env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu, result.returncode, result.stderr)


def interleave(commands: Sequence[Command], rounds: int) -> list[Series]:
    """One untimed warm-up run each, then `rounds` timed rounds in rotating order.

    A command whose warm-up fails (exit code outside `ok_codes`, or it cannot start) is
    reported, not timed; the others still run.
    """
    series = [Series(command) for command in commands]
    for entry in series:
        entry.failure = _failure(entry.command)
    for index in range(rounds):
        live = [entry for entry in series if entry.failure is None]
        shift = index % len(live) if live else 0
        for entry in live[shift:] + live[:shift]:
            sample = run_once(entry.command)
            entry.failure = _verdict(entry.command, sample)
            entry.samples.append(sample)
    return series


def paired_ratios(ours: Series, baseline: Series, attribute: str = "wall") -> list[float]:
    """ours / baseline within each round."""
    return [
        getattr(a, attribute) / getattr(b, attribute)
        for a, b in zip(ours.samples, baseline.samples)
        if getattr(b, attribute) > 0
    ]


def _failure(command: Command) -> str | None:
    """Why the command cannot be timed, judged from an untimed warm-up run."""
    try:
        sample = run_once(command)
    except OSError as exc:
        return f"cannot start `{command.argv[0]}`: {exc.strerror}"
    return _verdict(command, sample)


def _verdict(command: Command, sample: Sample) -> str | None:
    crashed = any(marker in sample.stderr for marker in command.crash_markers)
    if command.finished_marker is not None:
        crashed = crashed or command.finished_marker not in sample.stderr
    if sample.returncode in command.ok_codes and not crashed:
        return None
    lines = sample.stderr.strip().splitlines()
    tail = lines[-2:]
    errors = [line for line in lines[:-2] if "error" in line.lower()][:2]
    shown = " | ".join([*errors, *tail])
    return f"exit code {sample.returncode}: {shown or '(no output on stderr)'}"


def environment(repo_root: Path) -> dict[str, str]:
    """The environment every command runs in: ours must be importable from the repo root."""
    env = {name: value for name, value in os.environ.items() if name not in CACHE_VARIABLES}
    env["PYTHONPATH"] = str(repo_root)
    return env
