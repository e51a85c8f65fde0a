"""After measurement 4's last round: did both tools rewrite alike, and do the models configure?"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from results_md import Outcome
from scenario_codemod import CodemodCopies
from scenarios import Setup
from timing import Series, environment

HERE = Path(__file__).resolve().parent


def codemod_checks(setup: Setup, copies: CodemodCopies, outcome: Outcome) -> list[str]:
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
