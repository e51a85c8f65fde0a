"""How long a run will take, from rates seen on a 2-core machine (printed before it starts).

The rates are per file of the tree; ours cold is taken at 1 ms a file (4.5 s for 5,000 files
before the cache existed; 20-60 s expected for 50,000), warm at 0.4 ms a file.
"""

from __future__ import annotations

from dataclasses import dataclass

SECONDS_PER_FILE = {
    "ours cold": 1.0e-3,
    "ours warm": 0.4e-3,
    "ours one file": 0.2e-3,  # a 1-file commit with a dotted target: the project is scanned
    "ruff UP": 0.2e-3,
    "ruff UP cached": 0.05e-3,
    "ruff F401": 0.15e-3,
    "regex floor": 0.035e-3,
    "build": 1.2e-3,  # make_tree, 2 processes
    "libcst.tool": 31e-3,  # per file of the codemod subset
    "ours rewrite": 8e-3,  # the same
}
SMALL_COMMIT = 0.2  # ours on 5 files, and python -c pass
LIBCST_START = 8.0  # libcst.tool's start-up and worker pool, per run
START = 0.3  # any other command's start-up (Python and its imports), per run
CODEMOD_CHECKS = 20.0  # copying, comparing and importing the two rewritten subsets


COMMANDS = {"1": 5, "2": 2, "3": 3, "4": 2, "5": 0}  # per round


@dataclass(frozen=True)
class Part:
    key: str  # the measurement: "1" ... "5"
    files: int  # of the tree it runs on
    rounds: int
    small_files: int = 0  # the small tree of the cross-scale commit; 0: none
    codemod_files: int = 0


def seconds(parts: list[Part], trees_to_build: list[int]) -> float:
    rate = SECONDS_PER_FILE
    total = sum(modules * rate["build"] for modules in trees_to_build)
    for part in parts:
        runs = part.rounds + 1  # the untimed warm-up
        n, small = part.files, part.small_files
        total += START * (runs * COMMANDS[part.key] + 2)  # the prepared runs too
        if part.key == "1":  # cold; then warm, after a prepared run that finds no cache
            total += runs * n * (rate["ours cold"] + rate["ruff UP"] + rate["regex floor"])
            total += n * rate["ours cold"] + runs * n * (rate["ours warm"] + rate["ruff UP cached"])
        elif part.key == "2":
            total += n * rate["ours warm"] + runs * SMALL_COMMIT
        elif part.key == "3":
            total += n * rate["ours warm"] + small * rate["ours cold"]
            total += runs * ((n + small) * rate["ours one file"] + n * rate["ruff F401"])
        elif part.key == "4":
            per_run = LIBCST_START + part.codemod_files * (
                rate["libcst.tool"] + rate["ours rewrite"]
            )
            total += runs * per_run + CODEMOD_CHECKS
        elif part.key == "5":
            total += n * (rate["ours cold"] + rate["ruff UP"])
    return total


def describe(total: float) -> str:
    return f"~{total / 60:.0f} min" if total >= 90 else f"~{total:.0f} s"
