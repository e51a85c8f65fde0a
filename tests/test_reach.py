"""The registration's reach sets are kept up to date as the run adds imports, and what reaches a
file is found by the reversed edges, not by testing every set: after any sequence of closures
asked for and imports added, each kept set must be what a fresh walk of the graph finds, and a
late import's cycle the modules a fresh walk says are in it, and named within them as by a walk
of all the import reaches."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from project_helpers import write_project

from codemods.relationships.discover import project_files
from codemods.relationships.project import Project
from codemods.relationships.registration import TOP, Registration


def _walk(start: int, edges: dict[int, set[int]]) -> set[int]:
    seen = {start}
    queue = [start]
    while queue:
        for nxt in edges[queue.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _name(index: int) -> str:
    return f"m{index}.py"


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["closure", "add", "cycle"]), st.integers(0, 6), st.integers(0, 6)),
    max_size=14,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 6), max_size=3), min_size=7, max_size=7),
    OPERATIONS,
)
def test_every_reach_set_is_what_a_fresh_walk_finds(
    imports: list[set[int]], operations: list[tuple[str, int, int]]
) -> None:
    edges = {i: set(imported) for i, imported in enumerate(imports)}
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        files = {"pyproject.toml": ""}
        for i, imported in edges.items():
            files[_name(i)] = "".join(f"import m{j}\n" for j in sorted(imported))
        write_project(root, files)
        registration = Registration(Project(root, project_files(root)))
        for operation, file, target in operations:
            if operation == "closure":
                assert registration.closure(_name(file)) == {_name(i) for i in _walk(file, edges)}
            elif operation == "add":
                registration.add(_name(file), _name(target), TOP)
                edges[file].add(target)
            else:
                reached = _walk(file, edges) | _walk(target, edges)
                cycle = {m for m in reached if file in _walk(m, edges)} | {file}
                got = registration._strongly_connected(_name(file), _name(target))
                assert got == {_name(i) for i in cycle}
                _same_cycle_named_within(registration, _name(file), _name(target))
            for owner, bits in registration._reaches.items():
                expected = _walk(int(owner[1:-3]), edges)
                assert registration.members(bits) == {_name(i) for i in expected}, owner


def _same_cycle_named_within(registration: Registration, file: str, target: str) -> None:
    """A cycle named within the one a proof of the import found is the one named walking
    every module the import reaches."""
    registration._proven = ("", "", None)
    whole = registration.cycle(file, target)
    registration._proven = (file, target, registration._strongly_connected(file, target))
    assert registration.cycle(file, target) == whole
    registration._proven = ("", "", None)


def _in_package(index: int) -> str:
    return f"p{index % 2}/m{index}.py"


def _runs(importer: int, imported: int) -> set[str]:
    """What `import p<k>.m<j>` runs in module `importer`: the package's `__init__.py` too, unless
    the importer is in that package (then it ran already)."""
    module = _in_package(imported)
    if importer % 2 == imported % 2:
        return {module}
    return {f"p{imported % 2}/__init__.py", module}


def _walk_files(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    queue = [start]
    while queue:
        for nxt in edges.get(queue.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 5), max_size=3), min_size=6, max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from(["closure", "add", "cycle"]), st.integers(0, 5), st.integers(0, 5)
        )
    ),
)
def test_reach_sets_stay_whole_when_an_import_runs_a_package_too(
    imports: list[set[int]], operations: list[tuple[str, int, int]]
) -> None:
    """An import from another package runs that package's `__init__.py` first: a set that
    holds the `__init__.py` (another module of the package ran it) but not the module must
    still take what the module reaches. What a kept set may lack, the module's own packages
    (its entry chain runs them), no closure misses: after any sequence of closures asked for
    and imports added, every module's closure is what a fresh walk finds."""
    edges: dict[str, set[str]] = {
        _in_package(i): set().union(*(_runs(i, j) for j in imported)) if imported else set()
        for i, imported in enumerate(imports)
    }

    def fresh(module: int) -> set[str]:
        chain = [f"p{module % 2}/__init__.py", _in_package(module)]
        return set().union(*(_walk_files(start, edges) for start in chain))

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        files = {"pyproject.toml": "", "p0/__init__.py": "", "p1/__init__.py": ""}
        for i, imported in enumerate(imports):
            files[_in_package(i)] = "".join(f"import p{j % 2}.m{j}\n" for j in sorted(imported))
        write_project(root, files)
        registration = Registration(Project(root, project_files(root)))
        for operation, file, target in operations:
            if operation == "closure":
                assert registration.closure(_in_package(file)) == fresh(file)
            elif operation == "cycle":
                _same_cycle_named_within(registration, _in_package(file), _in_package(target))
            else:
                registration.add(_in_package(file), _in_package(target), TOP)
                edges.setdefault(_in_package(file), set()).update(_runs(file, target))
        for module in range(len(imports)):
            assert registration.closure(_in_package(module)) == fresh(module), module
