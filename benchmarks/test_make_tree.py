from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from make_tree import QUICK, ensure_tree, generate
from tree_layout import TreeSpec

HERE = Path(__file__).resolve().parent
TINY = TreeSpec(modules=120, model_modules=14, module_kb=4.0, seed=7)
DOTTED_CALL = re.compile(r'\brelationship\(\s*"acme\.[\w.]+"')


@pytest.fixture(scope="module")
def quick_sources() -> dict[str, str]:
    return dict(generate(QUICK))


@pytest.mark.parametrize("seed", [pytest.param(7, id="seed-7"), pytest.param(8, id="seed-8")])
def test_every_module_compiles(seed: int) -> None:
    spec = TreeSpec(modules=TINY.modules, model_modules=TINY.model_modules, seed=seed)
    sources = dict(generate(spec))
    assert sum(path.endswith(".py") for path in sources) == spec.modules
    for path, text in sources.items():
        if path.endswith(".py"):
            compile(text, path, "exec")


def test_same_seed_same_bytes() -> None:
    assert list(generate(TINY)) == list(generate(TINY))


def test_other_seed_other_bytes() -> None:
    other = TreeSpec(modules=TINY.modules, model_modules=TINY.model_modules, seed=TINY.seed + 1)
    assert dict(generate(TINY)) != dict(generate(other))


def test_models_configure_and_round_trip(tmp_path: Path) -> None:
    info = ensure_tree(TINY, tmp_path / "tree")
    result = subprocess.run(
        [sys.executable, "-W", "error", str(HERE / "check_models.py"), str(info.root)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"{TINY.model_modules} model modules" in result.stdout


def test_stamp_reuses_a_tree(tmp_path: Path) -> None:
    first = ensure_tree(TINY, tmp_path / "tree")
    marker = first.root / "src" / "marker.txt"
    marker.write_text("kept")
    second = ensure_tree(TINY, tmp_path / "tree")
    assert second == first
    assert marker.exists()


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
