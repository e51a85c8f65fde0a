"""Render a benchmark run as Markdown (benchmarks/RESULTS.md)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scenarios import Measurement
from timing import Series, paired_ratios

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Outcome:
    measurement: Measurement
    ours: Series
    baselines: list[Series]
    checks: list[str] = field(default_factory=list)  # extra findings, one line each


@dataclass(frozen=True)
class Memory:
    scale: str  # the tree, e.g. "5k"
    ours: dict[str, int] | None  # peak_memory.py's JSON, or None if it could not run
    reference: dict[str, int] | None  # the same for ruff UP
    limit_mb: float

    @property
    def ours_mb(self) -> float | None:
        """The judged figure: the peak of the process tree's summed proportional set sizes."""
        if self.ours is None:
            return None
        return self.ours["tree_pss_kb"] * 1024 / 1e6


@dataclass(frozen=True)
class Run:
    title: str
    date: str
    command: str
    machine: dict[str, str]
    load: tuple[str, str]  # load average before and after
    trees: list[str]  # one line per tree, its scale first
    rounds: str
    outcomes: list[Outcome]
    memory: list[Memory]
    notes: list[str]


def render(run: Run) -> str:
    lines = [f"# {run.title}", "", f"Measured {run.date}, with:", "", f"    {run.command}", ""]
    lines += [f"- **{key}**: {value}" for key, value in run.machine.items()]
    lines += [f"- **load average** (1/5/15 min): {run.load[0]} before, {run.load[1]} after"]
    lines += [f"- **tree, {tree.replace(': ', '**: ', 1)}" for tree in run.trees]
    lines += [f"- **rounds**: {run.rounds}", ""]
    for note in run.notes:
        lines += [note, ""]
    lines += _summary(run)
    for outcome in run.outcomes:
        lines += _details(outcome)
    lines += _memory(run.memory) if run.memory else []
    return "\n".join(lines).rstrip() + "\n"


def ratio_verdict(outcome: Outcome, baseline: Series) -> tuple[str, str]:
    """(ratio text, met text) for ours against one baseline."""
    limit = _limit(outcome, baseline)
    if not outcome.ours.ok or not baseline.ok:
        return "n/a", "no (not measured)" if limit is not None else "—"
    ratio = statistics.median(paired_ratios(outcome.ours, baseline))
    if limit is None:
        return f"{ratio:.2f}", "—"
    return f"{ratio:.2f}", "**yes**" if ratio <= limit else "**NO**"


def _summary(run: Run) -> list[str]:
    lines = [
        "## Summary",
        "",
        "| # | scale | measurement | against | ratio (ours / baseline) | target | met? |",
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for outcome in run.outcomes:
        m = outcome.measurement
        for entry, series in zip(m.baselines, outcome.baselines):
            ratio, met = ratio_verdict(outcome, series)
            lines.append(
                f"| {m.key} | {m.scale} | {m.title} | {series.command.label} | {ratio} | "
                f"{entry.target} | {met} |"
            )
    for memory in run.memory:
        value = f"{memory.ours_mb:.0f} MB" if memory.ours_mb is not None else "n/a"
        met = (
            "no (not measured)"
            if memory.ours_mb is None
            else _met(memory.ours_mb <= memory.limit_mb)
        )
        lines.append(
            f"| 5 | {memory.scale} | peak memory (tree PSS) of the cold whole-tree `--check` | — | "
            f"{value} | "
            f"≤ {memory.limit_mb:.0f} MB | {met} |"
        )
    return [*lines, ""]


def _details(outcome: Outcome) -> list[str]:
    m = outcome.measurement
    lines = [f"## {m.key}. {m.title} ({m.scale})", ""]
    lines += [f"{m.note}", ""] if m.note else []
    lines += _commands(outcome)
    lines += ["| run | median wall (s) | median CPU (s) | exit codes |", "|---|---|---|---|"]
    for series in (outcome.ours, *outcome.baselines):
        lines.append(_series_row(series))
    lines += ["", "| against | ratio, wall | per round | ratio, CPU | target | met? |"]
    lines.append("|---|---|---|---|---|---|")
    for entry, series in zip(m.baselines, outcome.baselines):
        ratio, met = ratio_verdict(outcome, series)
        rounds = ", ".join(f"{r:.2f}" for r in paired_ratios(outcome.ours, series)) or "n/a"
        cpu = paired_ratios(outcome.ours, series, "cpu")
        cpu_text = f"{statistics.median(cpu):.2f}" if cpu else "n/a"
        lines.append(
            f"| {series.command.label} | {ratio} | {rounds} | {cpu_text} | {entry.target} | {met} |"
        )
    lines.append("")
    bullets = [
        f"- **{series.command.label} was not timed**: {series.failure}"
        for series in (outcome.ours, *outcome.baselines)
        if series.failure
    ]
    codes = Counter(s.returncode for s in outcome.ours.samples)
    if outcome.ours.ok and set(codes) != {m.expected_code}:
        bullets.append(f"- ours exited with {dict(codes)}; this work should exit {m.expected_code}")
    for entry, series in zip(m.baselines, outcome.baselines):
        codes = Counter(s.returncode for s in series.samples)
        if entry.expected_code is not None and series.ok and set(codes) != {entry.expected_code}:
            bullets.append(
                f"- {series.command.label} exited with {dict(codes)}; "
                f"this work should exit {entry.expected_code}"
            )
    bullets += [f"- {check}" for check in outcome.checks]
    return [*lines, *bullets, ""] if bullets else lines


def _commands(outcome: Outcome) -> list[str]:
    lines = []
    for series in (outcome.ours, *outcome.baselines):
        command = series.command
        lines.append(f"- {command.label}: `{command.shell}` (in `{_short(command.cwd)}`)")
    return [*lines, ""]


def _series_row(series: Series) -> str:
    if not series.samples:
        return f"| {series.command.label} | n/a | n/a | not timed |"
    codes = ", ".join(
        f"{code}×{n}" for code, n in sorted(Counter(s.returncode for s in series.samples).items())
    )
    return (
        f"| {series.command.label} | {series.median():.3f} | {series.median('cpu'):.3f} | {codes} |"
    )


def _memory(memories: list[Memory]) -> list[str]:
    lines = ["## 5. Peak memory of the cold whole-tree `--check`", ""]
    lines.append(
        "Ours runs with `--no-cache` and no cache directory. Judged: `tree PSS`, the largest sum "
        "over the process tree (the command and its forked workers) of each process's "
        "proportional set size (`Pss:` in `/proc/<pid>/smaps_rollup`), polled every 20 ms: a "
        "page that n processes share counts 1/n in each, so the sum is the memory the run "
        "really takes from the machine. For reference: `max RSS`, the largest single process "
        "(getrusage RUSAGE_CHILDREN), and `tree RSS`, the largest sum of resident sizes "
        "(polled every 5 ms), which counts a page shared copy-on-write with the workers once "
        "per process and so over-states a worker pool."
    )
    lines += [
        "",
        "| scale | run | tree PSS (MB), judged | max RSS (MB) | tree RSS (MB) | exit code | limit |",
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for memory in memories:
        limit = f"≤ {memory.limit_mb:.0f} MB"
        for label, data in (("ours", memory.ours), ("ruff UP (reference)", memory.reference)):
            if data is None:
                lines.append(
                    f"| {memory.scale} | {label} | n/a | n/a | n/a | not measured | {limit} |"
                )
            else:
                figures = (
                    data[k] * 1024 / 1e6 for k in ("tree_pss_kb", "max_rss_kb", "tree_rss_kb")
                )
                lines.append(
                    f"| {memory.scale} | {label} | "
                    + " | ".join(f"{mb:.0f}" for mb in figures)
                    + f" | {data['returncode']} | {limit} |"
                )
            limit = "—"
    return [*lines, ""]


def _limit(outcome: Outcome, baseline: Series) -> float | None:
    for entry, series in zip(outcome.measurement.baselines, outcome.baselines):
        if series is baseline:
            return entry.limit
    return None


def _short(path: Path) -> str:
    try:
        return path.relative_to(REPO).as_posix()
    except ValueError:
        return path.as_posix()


def _met(value: bool) -> str:
    return "**yes**" if value else "**NO**"
