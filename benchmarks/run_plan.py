"""The trees a run needs, how many rounds each gets, and how long the run should take."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import estimate
import make_tree
from scenarios import Setup, scale_label
from tree_layout import TreeSpec

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
TreePlan = dict[str, tuple[TreeSpec, Path]]  # "standard", "large", "small" -> spec, directory


@dataclasses.dataclass(frozen=True)
class Scales:
    """The trees of one run: the standard one, and the monorepo with its small reference."""

    standard: Setup
    large: Setup | None  # None: --no-monorepo
    small: Setup | None
    rounds: int
    large_rounds: int


def tree_plan(args: argparse.Namespace, only: set[str]) -> TreePlan:
    """Which trees the run needs ("standard", "large", "small"): their spec and directory."""
    prefix = "quick-" if args.quick else ""
    wanted = {"standard": ("quick" if args.quick else "full", args.tree)}
    if not args.no_monorepo and only & {"1", "3", "5"}:
        wanted["large"] = (prefix + "monorepo", args.monorepo_tree)
        if "3" in only:
            wanted["small"] = (prefix + "small", args.small_tree)
    plan = {}
    for role, (scale, root) in wanted.items():
        spec, directory = make_tree.SCALES[scale]
        plan[role] = (spec, (root or WORK / directory).resolve())
    return plan


def rounds_of(args: argparse.Namespace) -> tuple[int, int]:
    """Timed rounds at the standard scale and in the monorepo."""
    if args.quick:
        return args.rounds or 1, args.monorepo_rounds or 1
    return args.rounds or 5, args.monorepo_rounds or 3


def duration(args: argparse.Namespace, plan: TreePlan, only: set[str]) -> tuple[float, str]:
    """Seconds, and what they assume."""
    rounds, large_rounds = rounds_of(args)
    to_build = [
        spec.modules for spec, root in plan.values() if make_tree.stamped_spec(root) != spec
    ]
    standard = plan["standard"][0].modules
    codemod = min(codemod_files(args) or standard, standard)
    parts = [estimate.Part(key, standard, rounds, codemod_files=codemod) for key in sorted(only)]
    if "large" in plan:
        small = plan["small"][0].modules if "small" in plan else 0
        parts += [
            estimate.Part(key, plan["large"][0].modules, large_rounds, small if key == "3" else 0)
            for key in sorted(only & {"1", "3", "5"})
        ]
    built = f"; {sum(to_build)} modules to generate first" if to_build else ""
    how = f"rounds: {rounds} at {plan['standard'][0].modules} modules"
    how += f", {large_rounds} at {plan['large'][0].modules}" if "large" in plan else ""
    return estimate.seconds(parts, to_build), how + built + "; from rates seen on 2 cores"


def build_scales(args: argparse.Namespace, plan: TreePlan) -> Scales:
    """Build (or reuse) the planned trees."""
    trees = {role: _tree(spec, root) for role, (spec, root) in plan.items()}
    standard = Setup(
        python=args.python,
        ruff=args.ruff,
        repo_root=args.repo_root.resolve(),
        tree=trees["standard"],
        work=WORK / ("scratch-quick" if args.quick else "scratch"),
        tool_module=args.tool_module,
        command_class=args.command_class,
        codemod_files=codemod_files(args),
    )
    large, small = (
        dataclasses.replace(standard, tree=trees[role]) if role in trees else None
        for role in ("large", "small")
    )
    return Scales(standard, large, small, *rounds_of(args))


def codemod_files(args: argparse.Namespace) -> int:
    """Files in the libcst.tool comparison; 0: the whole tree."""
    if args.codemod_files is not None:
        return int(args.codemod_files)
    return 150 if args.quick else 500


def _tree(spec: TreeSpec, root: Path) -> make_tree.TreeInfo:
    if make_tree.stamped_spec(root) != spec:
        seconds = spec.modules * estimate.SECONDS_PER_FILE["build"]
        print(
            f"building {root} ({spec.modules} modules, {estimate.describe(seconds)}) ...",
            flush=True,
        )
    info = make_tree.ensure_tree(spec, root)
    print(f"tree: {make_tree.describe(info)}")
    return info


def rounds_line(scales: Scales) -> str:
    text = f"{scales.rounds} at {scale_label(scales.standard.tree)}"
    if scales.large:
        text += f", {scales.large_rounds} at {scale_label(scales.large.tree)}"
    return text
