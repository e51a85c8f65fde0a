"""Benchmark fix-relationships against its baselines, side by side, and write RESULTS.md.

    python benchmarks/run.py            # ~5,000-module tree, 5 rounds -> benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # small tree, 1 round -> benchmarks/.work/RESULTS-quick.md

Every measurement interleaves our command with its baselines in the same run and reports the
median of the per-round ratios ours / baseline, so load from elsewhere on the machine cancels.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import machine_info
import make_tree
from results_md import Memory, Outcome, Run, ratio_verdict, render
from scenarios import (
    CodemodCopies,
    Measurement,
    Setup,
    codemod_against_libcst,
    commit_of_one_dotted_file,
    commit_of_ordinary_files,
    whole_tree,
)
from timing import Series, environment, interleave

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
DEFAULTS = Setup.__dataclass_fields__


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup = _setup(args)
    started = time.perf_counter()
    stand_in = _is_stand_in(setup)
    load_before = machine_info.load_average()
    outcomes = _measure(setup, args.rounds, set(args.only))
    tool_ran = all(o.ours.ok for o in outcomes if o.measurement.key == "1")
    memory = _memory(setup, tool_ran) if "5" in args.only else Memory(None, None)
    run = Run(
        title="fix-relationships benchmarks"
        + (" (STAND-IN TOOL, not the real one)" if stand_in else ""),
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=_command_line(argv),
        machine=machine_info.machine(setup.python, setup.ruff, setup.repo_root),
        load=(load_before, machine_info.load_average()),
        tree=make_tree.describe(setup.tree).split(": ", 1)[1],
        rounds=args.rounds,
        outcomes=outcomes,
        memory=memory,
        notes=_notes(setup),
    )
    output = args.output or _default_output(args.quick, stand_in, outcomes)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(run))
    _print_summary(run, output, time.perf_counter() - started)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small tree, 1 round")
    parser.add_argument("--rounds", type=int, help="timed rounds per measurement (default 5)")
    parser.add_argument("--tree", type=Path, help="where the tree is (built if missing)")
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
    parser.add_argument(
        "--only", default="12345", help="which measurements, e.g. 13 (default: all)"
    )
    parser.add_argument("--output", type=Path, help="where to write the Markdown report")
    return parser


def _setup(args: argparse.Namespace) -> Setup:
    spec = make_tree.QUICK if args.quick else make_tree.FULL
    root = args.tree or WORK / ("tree-quick" if args.quick else "tree")
    started = time.perf_counter()
    tree = make_tree.ensure_tree(spec, root.resolve())
    print(f"tree: {make_tree.describe(tree)} ({time.perf_counter() - started:.1f} s)")
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    codemod_files = args.codemod_files
    if codemod_files is None:
        codemod_files = 150 if args.quick else 500
    return Setup(
        python=args.python,
        ruff=args.ruff,
        repo_root=args.repo_root.resolve(),
        tree=tree,
        work=WORK / ("scratch-quick" if args.quick else "scratch"),
        tool_module=args.tool_module,
        command_class=args.command_class,
        codemod_files=codemod_files,
    )


def _measure(setup: Setup, rounds: int, only: set[str]) -> list[Outcome]:
    origin = tool_origin(setup)
    print(f"tool: {setup.tool_module} imports from {origin}")
    if not origin.startswith(str(setup.repo_root)):
        print(f"warning: that is not under {setup.repo_root}")
    outcomes = []
    for build in (whole_tree, commit_of_ordinary_files, commit_of_one_dotted_file):
        measurement = build(setup)
        if measurement.key in only:
            outcomes.append(_interleaved(measurement, rounds))
    if "4" in only:
        measurement, copies = codemod_against_libcst(setup)
        outcome = _interleaved(measurement, rounds)
        if outcome.ours.ok:
            outcome.checks.extend(_codemod_checks(setup, copies, outcome))
        outcomes.append(outcome)
    return outcomes


def _interleaved(measurement: Measurement, rounds: int) -> Outcome:
    print(f"[{measurement.key}] {measurement.title} ...", flush=True)
    commands = [measurement.ours, *(baseline.command for baseline in measurement.baselines)]
    ours, *baselines = interleave(commands, rounds)
    outcome = Outcome(measurement, ours, baselines)
    for series in (ours, *baselines):
        median = f"{series.median():.3f} s" if series.samples else f"not timed: {series.failure}"
        print(f"    {series.command.label:<16} {median}")
    return outcome


def _codemod_checks(setup: Setup, copies: CodemodCopies, outcome: Outcome) -> list[str]:
    """After the last round: did both rewrite alike, and do the rewritten models configure?"""
    checks = []
    changed = _differing(copies.source, copies.ours)
    checks.append(f"ours rewrote {len(changed)} of {copies.files} files")
    if outcome.baselines[0].ok:
        differing = _differing(copies.ours, copies.libcst)
        same = "identical" if not differing else f"different in {len(differing)} files"
        checks.append(
            f"the outputs of ours and libcst.tool are {same}"
            + (f" (e.g. `{differing[0]}`)" if differing else "")
        )
        stderr = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", outcome.baselines[0].samples[-1].stderr)
        tail = stderr.strip().splitlines()[-5:]
        checks.append("libcst.tool said: " + "; ".join(line.strip(" -") for line in tail))
        checks += _libcst_failures(outcome.baselines[0])
    ours = _configure(setup, copies.ours)
    checks.append(f"ours' rewritten models, imported with real SQLAlchemy: {ours}")
    if outcome.baselines[0].ok:
        libcst = _configure(setup, copies.libcst)
        checks.append(f"libcst.tool's rewritten models, imported the same way: {libcst}")
    return checks


def _libcst_failures(series: Series) -> list[str]:
    """libcst.tool goes on after a file fails; say which rounds had failures, and why."""
    found = []
    for number, sample in enumerate(series.samples, 1):
        count = re.search(r"Failed to codemod (\d+) files", sample.stderr)
        if count and int(count.group(1)):
            reasons = re.findall(r"^(\w*(?:Error|Exception)\b.*)$", sample.stderr, re.M)
            why = f": {reasons[0]}" if reasons else ""
            found.append(f"libcst.tool failed on {count.group(1)} files in round {number}{why}")
    return found


def _configure(setup: Setup, tree: Path) -> str:
    """check_models.py's verdict on a rewritten copy: do its models import and configure?"""
    result = subprocess.run(
        [setup.python, str(HERE / "check_models.py"), str(tree)],
        capture_output=True,
        text=True,
        env=environment(setup.repo_root),
    )
    if result.returncode == 0:
        return result.stdout.strip()
    return "FAILED: " + (result.stderr.strip().splitlines() or ["(no output)"])[-1]


def _differing(left: Path, right: Path) -> list[str]:
    names = sorted(
        {p.relative_to(left).as_posix() for p in left.rglob("*.py")}
        | {p.relative_to(right).as_posix() for p in right.rglob("*.py")}
    )
    return [n for n in names if _read(left / n) != _read(right / n)]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _memory(setup: Setup, tool_ran: bool) -> Memory:
    """Peak memory of ours (unless it failed in measurement 1) and of ruff UP, for scale."""
    print("[5] peak memory ...", flush=True)
    probe = [setup.python, str(HERE / "peak_memory.py"), "--"]
    ours = _peak(setup, [*probe, *setup.ours("--check", ".")]) if tool_ran else None
    reference = _peak(setup, [*probe, setup.ruff, "check", "--select", "UP", "--no-cache", "."])
    if ours is not None and ours["returncode"] not in (0, 1):
        ours = None
    return Memory(ours, reference)


def _peak(setup: Setup, argv: list[str]) -> dict[str, int] | None:
    result = subprocess.run(
        argv, cwd=setup.tree.root, env=environment(setup.repo_root), capture_output=True, text=True
    )
    try:
        data: dict[str, int] = json.loads(result.stdout)
    except ValueError:
        return None
    return data


def _notes(setup: Setup) -> list[str]:
    return [
        f"The tool, `{setup.tool_module}`, imports from `{tool_origin(setup)}`.",
        "Ratios are ours / baseline, formed within each round (the commands of a round run "
        "back to back, in an order that rotates from round to round) and then the median is "
        "taken. Every command had one untimed warm-up run first. Wall time is what the targets "
        "are about; CPU time (user + sys, children included) is given for reference.",
        f"Commands run with `PYTHONPATH={setup.repo_root}`. ruff runs with `--no-cache`, so it "
        "does the whole work every time; stdout of every command goes to /dev/null.",
    ]


def _print_summary(run: Run, output: Path, seconds: float) -> None:
    print()
    for outcome in run.outcomes:
        for series in outcome.baselines:
            ratio, met = ratio_verdict(outcome, series)
            print(
                f"[{outcome.measurement.key}] vs {series.command.label:<14} ratio {ratio:<6} "
                f"met: {met.strip('*')}"
            )
    if run.memory.ours_mb is not None:
        print(f"[5] peak memory {run.memory.ours_mb:.0f} MB (limit {run.memory.limit_mb:.0f} MB)")
    print(f"\nwrote {output} in {seconds:.0f} s")


def _default_output(quick: bool, stand_in: bool, outcomes: list[Outcome]) -> Path:
    if stand_in:
        return WORK / "RESULTS-standin.md"
    if quick:
        return WORK / "RESULTS-quick.md"
    if not any(outcome.ours.ok for outcome in outcomes):
        return WORK / "RESULTS-no-tool.md"
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
