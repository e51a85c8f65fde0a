"""Which project files run when one module is imported alone, and whether an added import is safe.

SQLAlchemy registers a class when the module defining it *runs*. Importing `app.models.user`
runs `app/__init__.py`, `app/models/__init__.py`, `app/models/user.py` and, transitively, every
module their module-level runtime imports reach: that set is the module's closure. A target whose
file is in the closure is registered whenever the referring module is imported.

A late import (`import app.models.order as _order` after the class definitions) closes an
import cycle safely only if no `from X import name` in the cycle meets a partially initialised
`X` without `name`, whichever module is imported first. `prove_late` decides that by running
Python's import machinery over the modules' facts: their module-level imports and bindings, in
order.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional

from .project import Project, ancestor_dirs
from .scan import ImportStmt
from .spelling import display_name, import_root

TOP, LATE = "top", "late"


@dataclass(frozen=True)
class AddedImport:
    """An import this run adds to a file: of which project file, at the top or at the end."""

    target: str
    where: str


@dataclass
class Additions:
    """Every import this run has decided to add, by importing file."""

    by_file: dict[str, list[AddedImport]] = field(default_factory=dict)

    def add(self, file: str, target: str, where: str) -> None:
        self.by_file.setdefault(file, []).append(AddedImport(target, where))

    def of(self, file: str) -> list[AddedImport]:
        return self.by_file.get(file, [])


class _ImportFailed(Exception):
    pass


@dataclass(frozen=True)
class _Event:
    """One step of a module's execution: an import (of project files), then the names it binds."""

    line: float
    order: int
    chain: tuple[str, ...] = ()  # files an import runs, outermost package first
    module: Optional[str] = None  # for `from X import names`: the file of X
    names: tuple[str, ...] = ()  # for `from X import names`, or the names a binding adds
    star: bool = False


class Registration:
    def __init__(self, project: Project, additions: Additions) -> None:
        self.project = project
        self.additions = additions

    # -- the closure ----------------------------------------------------------------------
    def entry_chain(self, file: str) -> list[str]:
        """What importing `file` from outside its packages runs, outermost package first."""
        root = import_root(self.project, file, file)
        inits = []
        for directory in ancestor_dirs(file):
            if not directory or directory == root:
                break
            init = f"{directory}/__init__.py"
            if init not in self.project.file_set:
                break
            inits.append(init)
        chain = [*reversed(inits)]
        if file not in chain:
            chain.append(file)
        return chain

    def edges(self, file: str) -> list[str]:
        """Project files a module runs when imported, this run's added imports included."""
        added = [f for a in self.additions.of(file) for f in self._runs(file, a.target)]
        return [*self.project.runtime_imports(file), *added]

    def _runs(self, importer: str, target: str) -> list[str]:
        return list(self.project.executed_by_import(importer, target))

    def closure(self, file: str) -> set[str]:
        seen = set(self.entry_chain(file))
        queue = deque(seen)
        while queue:
            for nxt in self.edges(queue.popleft()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def registered(self, file: str, target: str) -> bool:
        return target in self.closure(file)

    def cycle(self, file: str, target: str) -> Optional[str]:
        """The cycle `file -> target -> ... -> file` a runtime import would close, described."""
        parents: dict[str, Optional[str]] = {}
        queue: deque[str] = deque()
        for start in self.project.executed_by_import(file, target):
            if start not in parents:
                parents[start] = None
                queue.append(start)
        while queue:
            current = queue.popleft()
            if current == file:
                path = []
                node: Optional[str] = current
                while node is not None:
                    path.append(node)
                    node = parents[node]
                root = import_root(self.project, file, file)
                names = [display_name(self.project, f, root) for f in [file, *reversed(path)]]
                return " -> ".join(names)
            for nxt in self.edges(current):
                if nxt not in parents:
                    parents[nxt] = current
                    queue.append(nxt)
        return None

    # -- proving a late import --------------------------------------------------------------
    def prove_late(self, file: str, target: str) -> Optional[str]:
        """None if `file` importing `target` at its end works whichever module of the resulting
        cycle is imported first; otherwise the first failure, described."""
        self.additions.add(file, target, LATE)
        try:
            cycle = self._strongly_connected(file)
            for entry in sorted(cycle):
                failure = self._simulate(entry)
                if failure is not None:
                    return f"importing {self._name(entry)} first: {failure}"
            return None
        finally:
            self.additions.by_file[file].pop()

    def _strongly_connected(self, file: str) -> set[str]:
        forward = self._reachable([file])
        return {f for f in forward if file in self._reachable([f])}

    def _reachable(self, starts: Iterable[str]) -> set[str]:
        seen = set(starts)
        queue = deque(seen)
        while queue:
            for nxt in self.edges(queue.popleft()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def _name(self, file: str) -> str:
        return display_name(self.project, file, import_root(self.project, file, file))

    def _simulate(self, entry: str) -> Optional[str]:
        done: set[str] = set()
        running: set[str] = set()
        names: dict[str, set[str]] = {}
        try:
            for file in self.entry_chain(entry):
                self._run(file, done, running, names)
        except _ImportFailed as failed:
            return str(failed)
        except RecursionError:
            return "imports nested too deeply to follow"
        return None

    def _run(
        self, file: str, done: set[str], running: set[str], names: dict[str, set[str]]
    ) -> None:
        if file in done or file in running:
            return
        running.add(file)
        bound = names.setdefault(file, set())
        for event in self._events(file):
            for runs in event.chain:
                self._run(runs, done, running, names)
            if event.module is not None:
                self._from_import(file, event, done, running, names)
            else:
                bound.update(event.names)
        running.discard(file)
        done.add(file)

    def _from_import(
        self,
        file: str,
        event: _Event,
        done: set[str],
        running: set[str],
        names: dict[str, set[str]],
    ) -> None:
        module = event.module
        assert module is not None
        have = names.get(module, set())
        if event.star:
            names[file].update(n for n in have if not n.startswith("_"))
            return
        for name in event.names:
            if name in have:
                continue
            sub = self.project.submodule(module, name)
            if sub is not None:
                self._run(sub, done, running, names)
            elif module in running:
                raise _ImportFailed(
                    f"{self._name(file)} line {int(event.line)}: cannot import name {name!r} "
                    f"from partially initialized module {self._name(module)}"
                )

    def _events(self, file: str) -> list[_Event]:
        info = self.project.info(file)
        if info is None:
            return []
        events: list[_Event] = []
        for stmt in info.imports:
            events.append(self._import_event(file, stmt, len(events)))
        for name, bounds in info.bindings.items():
            for bound in bounds:
                if not bound.type_checking:
                    events.append(_Event(bound.lineno, len(events) + 1_000_000, names=(name,)))
        first_class = min(
            (c.lineno for infos in info.toplevel_classes.values() for c in infos), default=1
        )
        for added in self.additions.of(file):
            line = math.inf if added.where == LATE else first_class - 0.5
            events.append(_Event(line, len(events), tuple(self._chain(file, added.target))))
        return sorted(events, key=lambda e: (e.line, e.order))

    def _import_event(self, file: str, stmt: ImportStmt, order: int) -> _Event:
        ref = self.project.resolve_module(stmt.module, stmt.level, file)
        if ref is None:
            return _Event(stmt.lineno, order)
        chain = tuple(self._chain(file, ref.file))
        if stmt.level == 0 and not stmt.names:
            return _Event(stmt.lineno, order, chain)
        star = stmt.names == ("*",)
        return _Event(stmt.lineno, order, chain, ref.file, () if star else stmt.names, star)

    def _chain(self, importer: str, target: str) -> Sequence[str]:
        """`executed_by_import` in execution order: outermost package first, the module last."""
        runs = list(self.project.executed_by_import(importer, target))
        return [*reversed(runs[1:]), runs[0]]
