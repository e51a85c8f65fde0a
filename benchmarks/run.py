"""Benchmark fix-relationships against its baselines, side by side, and write RESULTS.md.

    python benchmarks/run.py                 # 5k, 50k and 1k trees -> benchmarks/RESULTS.md
    python benchmarks/run.py --no-monorepo   # the 5k tree only -> benchmarks/.work/RESULTS-partial.md
    python benchmarks/run.py --quick         # small trees, 1 round -> benchmarks/.work/RESULTS-quick.md

Every measurement interleaves our command with its baselines in the same run and reports the
median of the per-round ratios ours / baseline, so load from elsewhere on the machine cancels.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import estimate
import machine_info
import make_tree
import run_plan
from codemod_checks import codemod_checks
from memory_runs import whole_tree_memory
from results_md import Memory, Outcome, Run, ratio_verdict, render
from scenario_codemod import codemod_against_libcst
from scenarios import (
    Measurement,
    Setup,
    commit_across_scales,
    commit_of_one_dotted_file,
    commit_of_ordinary_files,
    scale_label,
    whole_tree_after_an_edit,
    whole_tree_cold,
    whole_tree_warm,
)
from timing import Command, environment, interleave

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
DEFAULTS = Setup.__dataclass_fields__
ALL = "12345"
MEMORY_LIMITS_MB = (250.0, 400.0)  # the standard tree, the monorepo


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    only = set(args.only)
    plan = run_plan.tree_plan(args, only)
    expected, how = run_plan.duration(args, plan, only)
    print(f"estimated duration: {estimate.describe(expected)} ({how})", flush=True)
    scales = run_plan.build_scales(args, plan)
    stand_in = _is_stand_in(scales.standard)
    load_before = machine_info.load_average()
    outcomes, memory = _measure(scales, only)
    setup = scales.standard
    run = Run(
        title="fix-relationships benchmarks"
        + (" (STAND-IN TOOL, not the real one)" if stand_in else ""),
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=_command_line(argv),
        machine=machine_info.machine(setup.python, setup.ruff, setup.repo_root),
        load=(load_before, machine_info.load_average()),
        trees=[_tree_line(s) for s in (scales.standard, scales.large, scales.small) if s],
        rounds=run_plan.rounds_line(scales),
        outcomes=outcomes,
        memory=memory,
        notes=_notes(setup),
    )
    complete = only == set(ALL) and scales.large is not None
    output = args.output or _default_output(args.quick, stand_in, complete, outcomes)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(run))
    _print_summary(run, output, time.perf_counter() - started, expected)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small trees (600, 3,000 and 300 modules), 1 round"
    )
    parser.add_argument("--rounds", type=int, help="timed rounds at 5k (default 5)")
    parser.add_argument(
        "--monorepo-rounds", type=int, help="timed rounds at 50k, in the monorepo (default 3)"
    )
    parser.add_argument(
        "--no-monorepo", action="store_true", help="skip the 50k tree (and the 1k tree)"
    )
    parser.add_argument("--tree", type=Path, help="where the 5k tree is (built if missing)")
    parser.add_argument("--monorepo-tree", type=Path, help="where the 50k tree is")
    parser.add_argument("--small-tree", type=Path, help="where the 1k tree is")
    parser.add_argument(
        "--repo-root",
        type=Path,
        default=HERE.parent,
        help="put on PYTHONPATH so that the tool imports (default: %(default)s)",
    )
    parser.add_argument("--python", default=sys.executable, help="default: %(default)s")
    parser.add_argument("--ruff", default=_default_ruff(), help="default: %(default)s")
    parser.add_argument(
        "--tool-module",
        default=DEFAULTS["tool_module"].default,
        help="run as `python -m MODULE` (a stand-in for development)",
    )
    parser.add_argument(
        "--command-class",
        default=DEFAULTS["command_class"].default,
        help="the LibCST command class for libcst.tool",
    )
    parser.add_argument(
        "--codemod-files",
        type=int,
        help="files in the libcst.tool comparison; 0 = whole tree (default: 500, 150 with --quick)",
    )
    parser.add_argument("--only", default=ALL, help="which measurements, e.g. 13 (default: all)")
    parser.add_argument("--output", type=Path, help="where to write the Markdown report")
    return parser


def _measure(scales: run_plan.Scales, only: set[str]) -> tuple[list[Outcome], list[Memory]]:
    setup = scales.standard
    origin = tool_origin(setup)
    print(f"tool: {setup.tool_module} imports from {origin}")
    if not origin.startswith(str(setup.repo_root)):
        print(f"warning: that is not under {setup.repo_root}")
    outcomes: list[Outcome] = []
    memory: list[Memory] = []
    steps = [(setup, scales.rounds, MEMORY_LIMITS_MB[0])]
    if scales.large:
        steps.append((scales.large, scales.large_rounds, MEMORY_LIMITS_MB[1]))
    for index, (at, rounds, limit) in enumerate(steps):
        builds: list[Callable[[], Measurement]] = []  # each built just before it runs
        if "1" in only:
            builds += [
                partial(whole_tree_cold, at),
                partial(whole_tree_warm, at),
                partial(whole_tree_after_an_edit, at),
                partial(whole_tree_after_an_edit, at, model=True),
            ]
        if "2" in only and index == 0:
            builds.append(partial(commit_of_ordinary_files, at))
        if "3" in only and index == 0:
            builds.append(partial(commit_of_one_dotted_file, at))
        if "3" in only and index == 1 and scales.small is not None:
            builds.append(partial(commit_across_scales, at, scales.small))
        found = [_interleaved(build(), rounds) for build in builds]
        outcomes += found
        if "4" in only and index == 0:
            outcomes.append(_codemod(at, rounds))
        if "5" in only:
            cold = [o for o in found if o.measurement.title.endswith(", cold")]
            memory.append(whole_tree_memory(at, limit, all(o.ours.ok for o in cold)))
    return sorted(outcomes, key=lambda o: o.measurement.key), memory


def _interleaved(measurement: Measurement, rounds: int) -> Outcome:
    print(f"[{measurement.key}] {measurement.title}, {measurement.scale} ...", flush=True)
    before = [_fingerprint(tree) for tree in measurement.trees]
    for command in measurement.warm_up:
        run_prepared(command)
    commands = [measurement.ours, *(baseline.command for baseline in measurement.baselines)]
    ours, *baselines = interleave(commands, rounds)
    outcome = Outcome(measurement, ours, baselines)
    changed = [t for t, old in zip(measurement.trees, before) if _fingerprint(t) != old]
    if changed:
        outcome.checks.append(
            "**the tree changed while it was measured**: " + ", ".join(f"`{t}`" for t in changed)
        )
    for series in (ours, *baselines):
        median = f"{series.median():.3f} s" if series.samples else f"not timed: {series.failure}"
        print(f"    {series.command.label:<20} {median}")
    return outcome


def run_prepared(command: Command) -> None:
    """A warm-up that fills a cache; its outcome shows in the measurement's own runs."""
    subprocess.run(
        command.argv, cwd=command.cwd, env=dict(command.env),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _fingerprint(root: Path) -> list[tuple[str, int, int]]:
    """Every file's path, size and mtime, outside the caches (dot-directories)."""
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(name for name in subdirs if not name.startswith("."))
        for name in sorted(files):
            stat = os.stat(os.path.join(directory, name))
            found.append((os.path.join(directory, name), stat.st_size, stat.st_mtime_ns))
    return found


def _codemod(setup: Setup, rounds: int) -> Outcome:
    measurement, copies = codemod_against_libcst(setup)
    outcome = _interleaved(measurement, rounds)
    if outcome.ours.ok:
        outcome.checks.extend(codemod_checks(setup, copies, outcome))
    return outcome


def _tree_line(setup: Setup) -> str:
    info = setup.tree
    text = make_tree.describe(info).split(": ", 1)[1]
    built = f"; generated in {info.build_seconds:.0f} s" if info.build_seconds else ""
    return f"{scale_label(info)}: {text} in `{_short(info.root)}`{built}"


def _short(path: Path) -> str:
    try:
        return path.relative_to(HERE.parent).as_posix()
    except ValueError:
        return path.as_posix()


def _notes(setup: Setup) -> list[str]:
    return [
        f"The tool, `{setup.tool_module}`, imports from `{tool_origin(setup)}`.",
        "Ratios are ours / baseline, formed within each round (the commands of a round run "
        "back to back, in an order that rotates from round to round) and then the median is "
        "taken. Every command had one untimed warm-up run first. Wall time is what the targets "
        "are about; CPU time (user + sys, children included) is given for reference.",
        f"Commands run with `PYTHONPATH={setup.repo_root}`. Cold runs are cold: ours with "
        "`--no-cache` and its cache directory removed before each run, ruff with `--no-cache`. "
        "Warm runs find the cache their warm-up runs left (a whole-tree `--check` first where "
        "a commit is measured), and every tree is checked to be unchanged after the "
        "measurement; stdout of every command goes to /dev/null.",
    ]


def _print_summary(run: Run, output: Path, seconds: float, expected: float) -> None:
    print()
    for outcome in run.outcomes:
        for series in outcome.baselines:
            ratio, met = ratio_verdict(outcome, series)
            print(
                f"[{outcome.measurement.key}] {outcome.measurement.scale:>4} "
                f"vs {series.command.label:<16} ratio {ratio:<6} met: {met.strip('*')}"
            )
    for memory in run.memory:
        if memory.ours_mb is not None:
            print(
                f"[5] {memory.scale:>4} peak memory (tree PSS) {memory.ours_mb:.0f} MB "
                f"(limit {memory.limit_mb:.0f} MB)"
            )
    print(f"\nwrote {output} in {seconds:.0f} s (estimated: {expected:.0f} s)")


def _default_output(quick: bool, stand_in: bool, complete: bool, outcomes: list[Outcome]) -> Path:
    """Only a complete run of the real tool writes benchmarks/RESULTS.md."""
    if stand_in:
        return WORK / "RESULTS-standin.md"
    if quick:
        return WORK / "RESULTS-quick.md"
    if not any(outcome.ours.ok for outcome in outcomes):
        return WORK / "RESULTS-no-tool.md"
    if not complete:
        return WORK / "RESULTS-partial.md"
    return HERE / "RESULTS.md"


def _is_stand_in(setup: Setup) -> bool:
    return (
        setup.tool_module != DEFAULTS["tool_module"].default
        or setup.command_class != DEFAULTS["command_class"].default
        or setup.repo_root != HERE.parent
    )


def tool_origin(setup: Setup) -> str:
    """Where the tool is imported from (an installed copy could shadow a missing one)."""
    probe = f"import importlib.util as u; print(u.find_spec({setup.tool_module!r}).origin)"
    result = subprocess.run(
        [setup.python, "-c", probe],
        cwd=setup.tree.root, env=environment(setup.repo_root), capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip() if result.returncode == 0 else "nowhere (it does not import)"


def _default_ruff() -> str:
    beside = Path(sys.executable).with_name("ruff")
    return str(beside) if beside.exists() else shutil.which("ruff") or "ruff"


def _command_line(argv: Sequence[str] | None) -> str:
    args = sys.argv[1:] if argv is None else list(argv)
    return shlex.join([sys.executable, "benchmarks/run.py", *args])


if __name__ == "__main__":
    raise SystemExit(main())
