"""Generate the synthetic project the benchmarks run on (deterministic for a given spec).

    python benchmarks/make_tree.py                    # ~5,000 modules, ~70 MB in benchmarks/.work/tree
    python benchmarks/make_tree.py --scale monorepo   # 50,000 modules in benchmarks/.work/tree-50k
    python benchmarks/make_tree.py --quick /tmp/t     # a small one

A stamp file records the spec and a hash of the generator; a tree whose stamp matches is reused.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import shutil
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from source_models import model_source
from source_ordinary import ordinary_source
from tree_layout import Domain, Layout, Module, TreeSpec, plan_layout
from tree_models import ModelModule, ambiguous_names, plan_models

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
STAMP = ".make_tree.json"
GENERATOR_FILES = (
    "make_tree.py", "tree_layout.py", "tree_models.py", "source_models.py",
    "source_ordinary.py", "vocabulary.py",
)  # fmt: skip

PARALLEL_FROM = 2000  # modules; smaller trees are written in this process

MODEL_SHARE = 260 / 5000  # of the modules, in the 5,000-module tree


def scaled(modules: int, app_locality: float = 0.0) -> TreeSpec:
    """A tree of `modules` modules with as large a share of model modules as the 5k tree."""
    return TreeSpec(modules, round(modules * MODEL_SHARE), app_locality=app_locality)


FULL = TreeSpec()
QUICK = TreeSpec(modules=600, model_modules=40)
# A monorepo: 142 apps, their relationships mostly within the app, some across apps.
MONOREPO = scaled(50_000, app_locality=0.8)
SMALL = scaled(1_000)  # the 1-file commit's reference
QUICK_MONOREPO = scaled(3_000, app_locality=0.8)
QUICK_SMALL = scaled(300)

# name -> (spec, directory under benchmarks/.work)
SCALES = {
    "full": (FULL, "tree"),
    "monorepo": (MONOREPO, "tree-50k"),
    "small": (SMALL, "tree-1k"),
    "quick": (QUICK, "tree-quick"),
    "quick-monorepo": (QUICK_MONOREPO, "tree-quick-3k"),
    "quick-small": (QUICK_SMALL, "tree-quick-300"),
}

PYPROJECT = """\
[project]
name = "acme"
version = "0.0.0"
requires-python = ">=3.9"

[tool.ruff]
target-version = "py39"
src = ["src"]
"""

DB = '''"""The declarative base every model of the project shares."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
'''


@dataclasses.dataclass(frozen=True)
class TreeInfo:
    root: Path
    spec: TreeSpec
    files: int
    size: int  # bytes of Python source
    model_files: list[str]
    dotted_files: list[str]  # model files with at least one dotted relationship target
    ordinary_files: list[str]
    package_files: list[str]
    build_seconds: float = 0.0  # how long writing it took

    def to_json(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        del data["root"]
        return data


def ensure_tree(spec: TreeSpec, root: Path, *, force: bool = False) -> TreeInfo:
    """Build the tree at `root` unless a tree built from the same spec and generator is there."""
    info = None if force else stamped(root)
    return info if info is not None and info.spec == spec else write_tree(spec, root)


def stamped(root: Path) -> TreeInfo | None:
    """The tree at `root` as its stamp describes it, if the current generator wrote it."""
    try:
        data = json.loads((root / STAMP).read_text())
    except (OSError, ValueError):
        return None
    if data.pop("generator", None) != generator_hash():
        return None
    try:
        data["spec"] = TreeSpec(**data["spec"])
        return TreeInfo(root=root, **data)
    except TypeError:  # a stamp of other fields
        return None


def stamped_spec(root: Path) -> TreeSpec | None:
    info = stamped(root)
    return info.spec if info is not None else None


def write_tree(spec: TreeSpec, root: Path) -> TreeInfo:
    building = root.with_name(f"{root.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    started = time.perf_counter()
    info = _write_files(spec, building)
    seconds = round(time.perf_counter() - started, 1)
    info = dataclasses.replace(info, root=root, build_seconds=seconds)
    stamp = {"generator": generator_hash(), **info.to_json()}
    stamp["spec"] = dataclasses.asdict(spec)
    (building / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    building.rename(root)
    return info


def generate(spec: TreeSpec) -> Iterator[tuple[str, str]]:
    """Yield (relative path, source) for every file of the tree."""
    layout = plan_layout(spec)
    return _sources(spec, layout, plan_models(layout, spec.seed, spec.app_locality))


def _sources(
    spec: TreeSpec, layout: Layout, plans: list[ModelModule], share: int = 0, shares: int = 1
) -> Iterator[tuple[str, str]]:
    """Every file, or one share of them: every module's text depends on the plan alone."""
    ambiguous = ambiguous_names(plans)
    by_name = {plan.module.name: plan for plan in plans}
    by_domain: dict[Domain | None, list[str]] = {}
    for plan in plans:
        by_domain.setdefault(plan.module.domain, []).extend(cls.dotted for cls in plan.classes)
    if share == 0:
        yield "pyproject.toml", PYPROJECT
    for module in layout.modules[share::shares]:
        rng = random.Random(f"{spec.seed}:{module.name}")
        if module.kind == "model":
            yield module.path, model_source(by_name[module.name], ambiguous, rng)
        else:
            models = by_domain.get(module.domain, [])
            yield module.path, _plain_source(module, models, rng, spec)


def generator_hash() -> str:
    digest = hashlib.sha256()
    for name in GENERATOR_FILES:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def _write_files(spec: TreeSpec, root: Path) -> TreeInfo:
    layout = plan_layout(spec)
    plans = plan_models(layout, spec.seed, spec.app_locality)
    shares = 1 if spec.modules < PARALLEL_FROM else max(1, min(4, os.cpu_count() or 1))
    if shares == 1:
        total = _write_share(spec, root, 0, 1)
    else:
        with ProcessPoolExecutor(shares) as pool:
            arguments = [(spec, root, share, shares) for share in range(shares)]
            total = sum(pool.map(_write_share, *zip(*arguments)))
    return TreeInfo(
        root=root,
        spec=spec,
        files=len(layout.modules),
        size=total,
        model_files=[m.path for m in layout.of_kind("model")],
        dotted_files=[p.module.path for p in plans if _has_dotted(p)],
        ordinary_files=[m.path for m in layout.of_kind("ordinary")],
        package_files=[m.path for m in layout.of_kind("package")],
    )


def _write_share(spec: TreeSpec, root: Path, share: int, shares: int) -> int:
    """Write one share of the files (in a worker process); return their bytes of Python."""
    layout = plan_layout(spec)
    plans = plan_models(layout, spec.seed, spec.app_locality)
    total = 0
    for path, text in _sources(spec, layout, plans, share, shares):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        target.write_bytes(data)
        total += len(data) if path.endswith(".py") else 0
    return total


def _has_dotted(plan: ModelModule) -> bool:
    return any(rel.dotted for cls in plan.classes for rel in cls.relationships)


def _plain_source(module: Module, models: list[str], rng: random.Random, spec: TreeSpec) -> str:
    """`models`: the dotted paths of the classes mapped in the module's domain."""
    if module.name == "acme.db":
        return DB
    if module.kind == "package":
        return (
            f'"""{module.name.rpartition(".")[2].capitalize()}."""\n' if rng.random() < 0.6 else ""
        )
    mean_kb = spec.module_kb if module.kind == "ordinary" else 3.0
    return ordinary_source(module.name, module.earlier, models, rng, mean_kb)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, help="default: benchmarks/.work/<scale's>")
    parser.add_argument("--scale", choices=SCALES, default="full", help="default: %(default)s")
    parser.add_argument("--quick", action="store_true", help="a small tree: --scale quick")
    parser.add_argument("--modules", type=int)
    parser.add_argument("--model-modules", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--force", action="store_true", help="rebuild even if the stamp matches")
    args = parser.parse_args(argv)
    spec, directory = SCALES["quick" if args.quick else args.scale]
    overrides = {"modules": args.modules, "model_modules": args.model_modules, "seed": args.seed}
    spec = dataclasses.replace(spec, **{k: v for k, v in overrides.items() if v is not None})
    root = args.root or WORK / directory
    started = time.perf_counter()
    info = ensure_tree(spec, root, force=args.force)
    print(describe(info), f"({time.perf_counter() - started:.1f} s)")
    return 0


def describe(info: TreeInfo) -> str:
    return (
        f"{info.root}: {info.files} modules, {info.size / 1e6:.1f} MB, "
        f"{len(info.model_files)} model modules "
        f"({len(info.dotted_files)} with a dotted relationship target)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
