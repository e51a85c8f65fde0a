from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import make_tree
import pytest
from make_tree import MONOREPO, QUICK, ensure_tree, generate, scaled, stamped_spec
from tree_layout import TreeSpec, plan_layout
from tree_models import plan_models

HERE = Path(__file__).resolve().parent
TINY = TreeSpec(modules=120, model_modules=14, module_kb=4.0, seed=7)
# Shaped like the monorepo (model modules scaled, parents mostly in the child's app), but small.
TINY_MONOREPO = dataclasses.replace(scaled(400, app_locality=0.8), module_kb=4.0)
DOTTED_CALL = re.compile(r'\brelationship\(\s*"acme\.[\w.]+"')


@pytest.fixture(scope="module")
def quick_sources() -> dict[str, str]:
    return dict(generate(QUICK))


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(dataclasses.replace(TINY, module_kb=14.7), id="seed-7"),
        pytest.param(dataclasses.replace(TINY, module_kb=14.7, seed=8), id="seed-8"),
        pytest.param(TINY_MONOREPO, id="monorepo-shaped"),
    ],
)
def test_every_module_compiles(spec: TreeSpec) -> None:
    sources = dict(generate(spec))
    assert sum(path.endswith(".py") for path in sources) == spec.modules
    for path, text in sources.items():
        if path.endswith(".py"):
            compile(text, path, "exec")


@pytest.mark.parametrize(
    "spec", [pytest.param(TINY, id="tiny"), pytest.param(TINY_MONOREPO, id="monorepo-shaped")]
)
def test_same_seed_same_bytes(spec: TreeSpec) -> None:
    assert list(generate(spec)) == list(generate(spec))


def test_written_in_parallel_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(make_tree, "PARALLEL_FROM", 0)
    info = ensure_tree(TINY, tmp_path / "tree")
    written = {
        path.relative_to(info.root).as_posix(): path.read_text()
        for path in info.root.rglob("*")
        if path.is_file() and path.name != make_tree.STAMP
    }
    assert written == dict(generate(TINY))


def test_other_seed_other_bytes() -> None:
    other = TreeSpec(modules=TINY.modules, model_modules=TINY.model_modules, seed=TINY.seed + 1)
    assert dict(generate(TINY)) != dict(generate(other))


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec", [pytest.param(TINY, id="tiny"), pytest.param(TINY_MONOREPO, id="monorepo-shaped")]
)
def test_models_configure_and_round_trip(tmp_path: Path, spec: TreeSpec) -> None:
    info = ensure_tree(spec, tmp_path / "tree")
    result = subprocess.run(
        [sys.executable, "-W", "error", str(HERE / "check_models.py"), str(info.root)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"{spec.model_modules} model modules" in result.stdout


def test_stamp_reuses_a_tree(tmp_path: Path) -> None:
    first = ensure_tree(TINY, tmp_path / "tree")
    marker = first.root / "src" / "marker.txt"
    marker.write_text("kept")
    second = ensure_tree(TINY, tmp_path / "tree")
    assert second == first
    assert marker.exists()


def test_another_spec_rebuilds_the_tree(tmp_path: Path) -> None:
    ensure_tree(TINY, tmp_path / "tree")
    other = dataclasses.replace(TINY, app_locality=0.8)
    assert stamped_spec(tmp_path / "tree") == TINY
    ensure_tree(other, tmp_path / "tree")
    assert stamped_spec(tmp_path / "tree") == other


@pytest.fixture(scope="module")
def monorepo_plan() -> tuple[list[str], list[tuple[str, str, bool]]]:
    """The 50,000-module layout and its relationships, planned (not generated: that takes a minute).

    Returns the apps, and per relationship (source module, target module, two-way).
    """
    layout = plan_layout(MONOREPO)
    plans = plan_models(layout, MONOREPO.seed, MONOREPO.app_locality)
    apps = sorted({domain.app for domain in layout.domains})
    relationships = [
        (cls.module, rel.target.module, rel.back_populates is not None)
        for plan in plans
        for cls in plan.classes
        for rel in cls.relationships
    ]
    return apps, relationships


def test_monorepo_has_many_apps_with_their_models(
    monorepo_plan: tuple[list[str], list[tuple[str, str, bool]]],
) -> None:
    apps, _ = monorepo_plan
    layout = plan_layout(MONOREPO)
    assert len(layout.modules) == 50_000
    assert len(layout.of_kind("model")) == 2600
    assert len(apps) > 100
    with_models = {m.name.split(".")[1] for m in layout.of_kind("model")}
    assert len(with_models) > 0.9 * len(apps)


def test_monorepo_relationships_mostly_within_an_app(
    monorepo_plan: tuple[list[str], list[tuple[str, str, bool]]],
) -> None:
    _, relationships = monorepo_plan
    cross_module = [r for r in relationships if r[0] != r[1]]
    cross_app = [r for r in cross_module if r[0].split(".")[1] != r[1].split(".")[1]]
    two_way = [r for r in cross_module if r[2]]
    assert len(relationships) > 8000
    assert 0.5 < len(two_way) / len(cross_module)
    assert 0.05 < len(cross_app) / len(relationships) < 0.4


def test_spelling_variants(quick_sources: dict[str, str]) -> None:
    text = "".join(quick_sources.values())
    for call in (
        r"(?<![.\w])relationship",
        r"(?<![.\w])orm\.relationship",
        r"\bsa\.orm\.relationship",
    ):
        assert re.search(call + r'\(\s*"acme\.', text), call


def test_some_names_are_mapped_twice(quick_sources: dict[str, str]) -> None:
    classes = Counter(
        name
        for path, text in quick_sources.items()
        if "/models" in path
        for name in re.findall(r"^class (\w+)\(Base\):", text, re.M)
    )
    assert [name for name, count in classes.items() if count > 1]


def test_some_parents_import_the_child_module(quick_sources: dict[str, str]) -> None:
    """So that the reverse import, in the child's module, would be a cycle."""
    pairs = 0
    for path, text in quick_sources.items():
        parent = path[len("src/") : -len(".py")].replace("/", ".")
        for module in re.findall(r"^from (acme\.[\w.]*models[\w.]*) import \w+$", text, re.M):
            child = quick_sources.get("src/" + module.replace(".", "/") + ".py", "")
            pairs += bool(re.search(rf'relationship\(\s*"{re.escape(parent)}\.', child))
    assert pairs


def test_dotted_targets_are_rare(quick_sources: dict[str, str]) -> None:
    dotted = [path for path, text in quick_sources.items() if DOTTED_CALL.search(text)]
    assert 0.02 < len(dotted) / QUICK.modules < 0.08
