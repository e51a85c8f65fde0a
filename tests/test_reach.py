"""The registration's reach sets are kept up to date as the run adds imports, and what reaches a
file is found by the reversed edges, not by testing every set: after any sequence of closures
asked for and imports added, each kept set must be what a fresh walk of the graph finds, and a
late import's cycle the modules a fresh walk says are in it."""

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
            for owner, bits in registration._reaches.items():
                expected = _walk(int(owner[1:-3]), edges)
                assert registration.members(bits) == {_name(i) for i in expected}, owner
