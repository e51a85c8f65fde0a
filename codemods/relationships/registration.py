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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from .project import Project, ancestor_dirs
from .scan import ImportStmt
from .spelling import display_name, import_root

TOP, LATE = "top", "late"
# Proving a late import runs one simulated import per module of its cycle, each over the whole
# cycle; past this size the tool does not try (a warning says so).
MAX_CYCLE = 60


class AddedImport(NamedTuple):
    """An import this run adds to a file: of which project file, at the top or at the end."""

    target: str
    where: str
    name: Optional[str] = None  # `from <target> import <name>`; None: the module is imported


@dataclass
class Additions:
    """Every import this run has decided to add, by importing file."""

    by_file: dict[str, list[AddedImport]] = field(default_factory=dict)

    def add(self, file: str, target: str, where: str, name: Optional[str] = None) -> None:
        self.by_file.setdefault(file, []).append(AddedImport(target, where, name))

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


class _Step(NamedTuple):
    """One step of running a module of the cycle: run these modules of it (outermost package
    first), then bind these names, or take them `from <module>` (one of the cycle)."""

    runs: tuple[str, ...]
    names: tuple[str, ...]
    module: Optional[str] = None
    subs: tuple[Optional[str], ...] = ()  # the submodule each name is, if it is one
    star: bool = False
    line: float = 0


@dataclass
class _State:
    """One simulated import: which modules of the cycle have run, which are running, what each
    has bound (the cycle is the modules with steps)."""

    done: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)
    names: dict[str, set[str]] = field(default_factory=dict)


class Registration:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.additions = Additions()
        self._base_events: dict[str, tuple[tuple[_Event, ...], float]] = {}
        self._reaches: dict[str, int] = {}
        # The reversed edges of the files walked so far (and of the imports added): who runs
        # whom, to find what reaches a file without testing every set of `_reaches`.
        self._importers: dict[str, list[str]] = {}
        self._walked: set[str] = set()
        self._indices: dict[str, int] = {}
        self._files: list[str] = []
        self._names: dict[str, set[str]] = {}
        self._merged: dict[tuple[str, tuple[AddedImport, ...]], list[_Event]] = {}
        self._chains: dict[str, list[str]] = {}
        self._executed: dict[tuple[str, str], list[str]] = {}
        # the import the last late import proven was, and its cycle (`cycle` walks within it)
        self._proven: tuple[str, str, Optional[set[str]]] = ("", "", None)

    # -- the closure ----------------------------------------------------------------------
    def entry_chain(self, file: str) -> list[str]:
        """What importing `file` from outside its packages runs, outermost package first."""
        if file not in self._chains:
            self._chains[file] = self._entry_chain(file)
        return self._chains[file]

    def _entry_chain(self, file: str) -> list[str]:
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

    def edges(self, file: str) -> Sequence[str]:
        """Project files a module runs when imported, this run's added imports included (do
        not change the list)."""
        runtime = self.project.runtime_imports(file)
        added = self.additions.by_file.get(file)
        if not added:
            return runtime
        return [*runtime, *(f for a in added for f in self._runs(file, a.target))]

    def _runs(self, importer: str, target: str) -> list[str]:
        key = (importer, target)
        if key not in self._executed:
            self._executed[key] = list(self.project.executed_by_import(importer, target))
        return self._executed[key]

    # Reachability as bit sets (Python ints), one bit per file: a monorepo's closures overlap
    # in thousands of files, and a union or a membership test on an int is one C operation.
    def _bit(self, file: str) -> int:
        index = self._indices.get(file)
        if index is None:
            index = self._indices[file] = len(self._files)
            self._files.append(file)
        return index

    def _reach(self, file: str) -> int:
        """The files `file` itself runs (its imports, transitively), as a bit set; kept up to
        date as this run adds imports. What a module reaches holds all that anything it
        reaches does, so a known set is taken whole instead of being walked again."""
        found = self._reaches.get(file)
        if found is not None:
            return found
        seen = 0
        queue = deque([file])
        while queue:
            current = queue.popleft()
            bit = 1 << self._bit(current)
            if seen & bit:
                continue
            known = self._reaches.get(current)
            if known is not None:
                seen |= known
                continue
            seen |= bit
            if current not in self._walked:
                self._walked.add(current)
                for runs in self.project.runtime_imports(current):
                    self._importers.setdefault(runs, []).append(current)
            queue.extend(self.edges(current))
        self._reaches[file] = seen
        return seen

    def _reaching(self, file: str, among: int) -> set[str]:
        """The files that reach `file` (itself included), of those in `among`, a bit set that
        holds every file its files reach: a path to `file` from one of them runs through
        files it reaches, every one walked, so the reversed edges hold it."""
        found = {file}
        queue = [file]
        importers, indices = self._importers, self._indices
        # bit i of `among` is the character i places from the end of its binary digits
        digits = bin(among)
        last = len(digits) - 1
        while queue:
            for importer in importers.get(queue.pop(), ()):
                index = indices.get(importer, last)  # a file with no bit is in no set
                if importer not in found and index < last - 1 and digits[last - index] == "1":
                    found.add(importer)
                    queue.append(importer)
        return found

    def _closure(self, file: str) -> int:
        """What importing `file` alone runs: its packages' `__init__.py` files and itself, and
        all they reach."""
        seen = 0
        for start in self.entry_chain(file):
            seen |= self._reach(start)
        return seen

    def closure(self, file: str) -> set[str]:
        """Every project file that runs when `file` is imported alone."""
        return self.members(self._closure(file))

    def loaded_by(self, file: str, target: str) -> int:
        """The files that importing `target` from `file` runs that `file` did not run already,
        as a bit set (`members` names them; `bit` is one file's)."""
        return self._closure(target) & ~self._closure(file)

    def bit(self, file: str) -> int:
        return 1 << self._bit(file)

    def members(self, bits: int) -> set[str]:
        found = set()
        text = bin(bits)
        top = len(text) - 1
        index = text.find("1", 2)
        while index != -1:
            found.add(self._files[top - index])
            index = text.find("1", index + 1)
        return found

    def add(self, file: str, target: str, where: str, name: Optional[str] = None) -> None:
        """Record an import this run adds. Whatever ran `file` now also runs all that importing
        `target` runs (and `target`'s own closure cannot change: if it reaches `file`, it
        already holds `target`)."""
        self.additions.add(file, target, where, name)
        runs_bits = 0
        for runs in self._runs(file, target):
            self._importers.setdefault(runs, []).append(file)
            runs_bits |= self.bit(runs)
        owners = self._owners_missing(file, runs_bits)
        if not owners:
            return
        extra = 0
        for runs in self._runs(file, target):
            extra |= self._reach(runs)
        for owner in owners:
            self._reaches[owner] |= extra

    def _owners_missing(self, file: str, runs: int) -> list[str]:
        """The files with a reach set that reach `file` and miss one of the files `runs` (a bit
        set). One that holds them all holds all they reach (each set is kept whole), and
        so does every file that reaches it: the files beyond it are not looked at."""
        reaches, importers = self._reaches, self._importers
        owners: list[str] = []
        found = {file}
        queue = [file]
        while queue:
            current = queue.pop()
            known = reaches.get(current)
            if known is not None:
                if known & runs == runs:
                    continue
                owners.append(current)
            for importer in importers.get(current, ()):
                if importer not in found:
                    found.add(importer)
                    queue.append(importer)
        return owners

    def registered(self, file: str, target: str) -> bool:
        return bool(self._closure(file) >> self._bit(target) & 1)

    def closes_cycle(self, file: str, target: str) -> bool:
        """Whether a runtime import of `target` in `file` would close an import cycle (known
        from the closures: `cycle` walks them again to name the modules)."""
        bit = self.bit(file)
        return any(self._reach(start) & bit for start in self._runs(file, target))

    def cycle(self, file: str, target: str) -> Optional[str]:
        """The cycle `file -> target -> ... -> file` a runtime import would close, described."""
        if not self.closes_cycle(file, target):
            return None
        # Every module of a path to `file` is in the cycle the last proof found, if it was
        # of this import: the walk keeps to it (none outside leads into it, so the path is
        # the one the whole walk finds).
        proven_file, proven_target, within = self._proven
        if (proven_file, proven_target) != (file, target):
            within = None
        starts = self._runs(file, target)
        parents: dict[str, Optional[str]] = {}
        queue: deque[str] = deque()
        for start in starts:
            if start not in parents and (within is None or start in within):
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
                if nxt not in parents and (within is None or nxt in within):
                    parents[nxt] = current
                    queue.append(nxt)
        return None

    # -- proving a late import --------------------------------------------------------------
    def prove_late(self, file: str, target: str) -> Optional[str]:
        """None if `file` importing `target` at its end works whichever module of the resulting
        cycle is imported first; otherwise the first failure, described."""
        cycle = self._strongly_connected(file, target)
        self._proven = (file, target, cycle)
        self.additions.add(file, target, LATE)
        try:
            if not self._may_fail(cycle):
                return None
            if len(cycle) > MAX_CYCLE:
                return (
                    f"a cycle of {len(cycle)} modules is more than the {MAX_CYCLE} the tool proves"
                )
            steps = _only_names_asked({module: self._steps(module, cycle) for module in cycle})
            for entry in sorted(cycle):
                failure = self._simulate(entry, steps)
                if failure is not None:
                    return f"importing {self._name(entry)} first: {failure}"
            return None
        finally:
            self.additions.by_file[file].pop()

    def _may_fail(self, cycle: set[str]) -> bool:
        """Only a `from X import name` with `X` in the cycle (and `name` not a submodule) can meet
        a partially initialised module: without one, every import order works."""
        for file in cycle:
            for event in self._events(file):
                module = event.module
                if module in cycle and (
                    event.star
                    or any(self.project.submodule(module, n) is None for n in event.names)
                ):
                    return True
        return False

    def _strongly_connected(self, file: str, target: str) -> set[str]:
        """The modules that `file` reaches once it imports `target`, and that reach `file`
        back (a path back to `file` never needs the new import, which starts there)."""
        forward = self._reach(file)
        for runs in self._runs(file, target):
            forward |= self._reach(runs)
        return self._reaching(file, among=forward)

    def _steps(self, file: str, cycle: set[str]) -> list[_Step]:
        """The module's events as an import of the cycle meets them, worked out once for every
        simulation of the cycle. An import runs only the modules of the cycle it reaches: one
        outside it runs whole at once (it cannot import one inside), so it is not followed, and
        `from` it takes names it has bound all along or runs the submodules it names. The
        bindings between two imports are one step."""
        steps: list[_Step] = []
        for event in self._events(file):
            runs = tuple(r for r in event.chain if r in cycle)
            module, names = event.module, event.names
            if module is not None and module not in cycle:
                have = self._all_names(module)
                if event.star:
                    names = tuple(n for n in have if not n.startswith("_"))
                else:
                    wanted = (self.project.submodule(module, n) for n in names if n not in have)
                    runs += tuple(sub for sub in wanted if sub is not None and sub in cycle)
                    names = ()
                module = None
            if module is None:
                last = steps[-1] if steps else None
                if last is not None and not runs and last.module is None:
                    steps[-1] = last._replace(names=last.names + names)
                else:
                    steps.append(_Step(runs, names))
                continue
            subs = tuple(self.project.submodule(module, n) for n in names)
            steps.append(_Step(runs, names, module, subs, event.star, event.line))
        return steps

    def _name(self, file: str) -> str:
        return display_name(self.project, file, import_root(self.project, file, file))

    def _simulate(self, entry: str, steps: dict[str, list[_Step]]) -> Optional[str]:
        """Run the import of `entry` over the steps of the cycle's modules (`_steps`). A module
        outside the cycle cannot import one inside it, so it runs whole at once: all its names
        bound."""
        state = _State()
        try:
            for file in self.entry_chain(entry):
                self._run(file, state, steps)
        except _ImportFailed as failed:
            return str(failed)
        except RecursionError:
            return "imports nested too deeply to follow"
        return None

    def _run(self, file: str, state: _State, steps: dict[str, list[_Step]]) -> None:
        """Run a module of the cycle (one outside it runs whole at once: all its names bound
        whenever it is asked for, so it is not followed)."""
        done, running = state.done, state.running
        if file in done or file in running or file not in steps:
            return
        running.add(file)
        bound = state.names.setdefault(file, set())
        for step in steps[file]:
            for runs in step.runs:
                if runs not in done and runs not in running:
                    self._run(runs, state, steps)
            if step.module is None:
                bound.update(step.names)
            else:
                self._from_import(file, step, state, steps)
        running.discard(file)
        done.add(file)

    def _from_import(
        self, file: str, step: _Step, state: _State, steps: dict[str, list[_Step]]
    ) -> None:
        module = step.module
        assert module is not None
        # The module of the cycle has run (the step's runs end with it), or is running.
        have = state.names.get(module, set())
        if step.star:
            state.names[file].update(n for n in have if not n.startswith("_"))
            return
        for name, sub in zip(step.names, step.subs):
            if name in have:
                continue
            if sub is not None:
                self._run(sub, state, steps)
            elif module in state.running:
                raise _ImportFailed(
                    f"{self._name(file)} line {int(step.line)}: cannot import name {name!r} "
                    f"from partially initialized module {self._name(module)}"
                )

    def _all_names(self, file: str) -> set[str]:
        """What a module outside the cycle binds (never changed: it ran whole)."""
        if file not in self._names:
            info = self.project.info(file)
            self._names[file] = set(info.bindings) if info else set()
        return self._names[file]

    def _events(self, file: str) -> Sequence[_Event]:
        """The module's imports and bindings in execution order, this run's additions included."""
        if file not in self._base_events:
            self._base_events[file] = self._module_events(file)
        base, first_class = self._base_events[file]
        added = self.additions.of(file)
        if not added:
            return base
        key = (file, tuple(added))
        if key in self._merged:
            return self._merged[key]
        extra = [
            _Event(
                math.inf if a.where == LATE else first_class - 0.5,
                -1,
                self._chain(file, a.target),
                a.target if a.name else None,
                (a.name,) if a.name else (),
            )
            for a in added
        ]
        self._merged[key] = sorted([*base, *extra], key=lambda e: (e.line, e.order))
        return self._merged[key]

    def _module_events(self, file: str) -> tuple[tuple[_Event, ...], float]:
        info = self.project.info(file)
        if info is None:
            return (), 1
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
        ordered = sorted(events, key=lambda e: (e.line, e.order))
        return _merged_bindings(ordered, first_class - 0.5), first_class

    def _import_event(self, file: str, stmt: ImportStmt, order: int) -> _Event:
        ref = self.project.resolve_module(stmt.module, stmt.level, file)
        if ref is None:
            return _Event(stmt.lineno, order)
        chain = self._chain(file, ref.file)
        if stmt.level == 0 and not stmt.names:
            return _Event(stmt.lineno, order, chain)
        star = stmt.names == ("*",)
        return _Event(stmt.lineno, order, chain, ref.file, () if star else stmt.names, star)

    def _chain(self, importer: str, target: str) -> tuple[str, ...]:
        """`executed_by_import` in execution order: outermost package first, the module last."""
        runs = list(self.project.executed_by_import(importer, target))
        return (*reversed(runs[1:]), runs[0])


def _only_names_asked(steps: dict[str, list[_Step]]) -> dict[str, list[_Step]]:
    """The steps with each module's bindings cut to the names a `from <module> import` of the
    cycle asks for (the simulation binds fewer names, one call per module and step; those
    are the only ones it looks up). With a star import of a module of the cycle, which takes
    every name, as they are."""
    asked: dict[str, set[str]] = {}
    for module_steps in steps.values():
        for step in module_steps:
            if step.module is not None:
                if step.star:
                    return steps
                asked.setdefault(step.module, set()).update(step.names)
    cut: dict[str, list[_Step]] = {}
    for module, module_steps in steps.items():
        wanted = asked.get(module, set())
        kept = cut[module] = []
        for step in module_steps:
            if step.module is None:
                names = tuple(n for n in step.names if n in wanted)
                if not (names or step.runs):
                    continue  # binds nothing asked for, and runs nothing
                step = step._replace(names=names)
            kept.append(step)
    return cut


def _merged_bindings(events: list[_Event], boundary: float) -> tuple[_Event, ...]:
    """Runs of bindings between two imports as one event, so that the simulation steps over
    less; never across `boundary`, where this run's top-level imports go."""
    merged: list[_Event] = []
    for event in events:
        binds_only = not event.chain and event.module is None
        last = merged[-1] if merged else None
        if (
            binds_only
            and last is not None
            and not last.chain
            and last.module is None
            and (last.line < boundary) == (event.line < boundary)
        ):
            merged[-1] = _Event(last.line, last.order, (), None, last.names + event.names)
        else:
            merged.append(event)
    return tuple(merged)
