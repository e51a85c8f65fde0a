"""The project as data: its files, their module names, their facts (parsed lazily) and imports.

A file's *full name* is the longest dotted suffix of its path that is made of identifiers:
`backend/ecommerce/models.py` -> `backend.ecommerce.models`. SQLAlchemy registers a class under
every suffix of its module's name, so a dotted path `ecommerce.models.C` matches every module
whose full name ends with `ecommerce.models`.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .cache import CLASS, IMPERATIVE, IMPORT, TABLE, WORD, FactCache
from .discover import Walk
from .fileio import PathLike, read_bytes
from .filescan import ClassFacts, FileScan, scan_files
from .parallel import Workers
from .scan import ImportStmt, ModuleInfo, scan_module
from .sources import parse_python


@dataclass(frozen=True)
class ModuleRef:
    """A project module found by an import: its file and the directory the import was rooted at."""

    file: str
    root: str


def is_identifier(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


def parent_dir(relpath: str) -> str:
    return relpath.rpartition("/")[0]


def ancestor_dirs(relpath: str) -> list[str]:
    """`a/b/c.py` -> `["a/b", "a", ""]`, deepest first ("" is the project root)."""
    dirs = []
    current = parent_dir(relpath)
    while current:
        dirs.append(current)
        current = parent_dir(current)
    dirs.append("")
    return dirs


def _join(directory: str, parts: Sequence[str]) -> str:
    return "/".join([directory, *parts]) if directory else "/".join(parts)


def module_parts(relpath: str) -> list[str]:
    parts = relpath[: -len(".py")].split("/")
    return parts[:-1] if parts[-1] == "__init__" else parts


_INDEXED = 3  # name parts the module index is keyed by
_LOOKED_UP_ALONE = 32  # questions about module names answered without an index


def parse_file(path: PathLike) -> Optional[ast.Module]:
    """The file's syntax tree, or None if it cannot be read or parsed."""
    try:
        return parse_python(read_bytes(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def summary(path: str) -> Optional[ModuleInfo]:
    """A module's summary (here, or in a worker); None if the file cannot be read or parsed."""
    tree = parse_file(path)
    return None if tree is None else scan_module(tree, keep_tree=False)


def _entries_holding(joined: str, key: str) -> list[str]:
    """The entries of `joined` (each between two NULs) that hold `key`, each once (an entry may
    hold it twice), in the order they come."""
    starts: dict[int, None] = {}
    at = joined.find(key)
    while at != -1:
        starts[joined.rfind("\0", 0, at + 1) + 1] = None
        at = joined.find(key, at + 1)
    return [joined[start : joined.find("\0", start)] for start in starts]


class Project:
    """Every `*.py` file of the project, by path relative to the root (posix separators)."""

    def __init__(
        self,
        root: Path,
        files: Iterable[str],
        src: Sequence[str] = (),
        facts: Optional[dict[str, Optional[ClassFacts]]] = None,
        workers: Optional[Workers] = None,
        cache: Optional[FactCache] = None,
    ) -> None:
        self.root = root
        # a walk taken from the cache comes with its set and search string made already
        self._walk = files if isinstance(files, Walk) else Walk(files)
        self.files: list[str] = self._walk
        self.file_set = self._walk.file_set
        self.src = tuple(src)
        self._infos: dict[str, Optional[ModuleInfo]] = {}
        self._window: Optional[dict[str, None]] = None  # summaries that may be let go, oldest first
        self._window_size = 0
        self._by_last: Optional[dict[tuple[str, ...], list[str]]] = None
        self._by_longer: dict[tuple[str, ...], list[str]] = {}  # names of more parts, once asked
        self._held: dict[str, tuple[str, ...]] = {}  # `_holding`'s answers
        self._class_index: dict[str, list[str]] = {}
        self._indexed = False
        self._facts: dict[str, Optional[ClassFacts]] = dict(facts or {})
        self.workers = workers or Workers(enabled=False)
        self.cache = cache or FactCache(None, "")
        # Fills in a summary that an analysis already under way will deliver (analysis.py).
        self.lookahead: Optional[Callable[[str], bool]] = None
        self._indented: set[tuple[str, str]] = set()
        self._full_names: dict[str, tuple[str, ...]] = {}
        self._directory_names: dict[str, tuple[str, ...]] = {}
        self._resolved: dict[tuple[str, int, str], Optional[ModuleRef]] = {}
        self._edges: dict[str, list[str]] = {}
        self._imperative: set[str] = set()
        self._tables: dict[str, list[str]] = {}
        self._from_package: Optional[dict[str, set[str]]] = None
        self._importers: dict[str, list[str]] = {}
        self._words: dict[str, list[str]] = {}
        self._asked: dict[str, int] = {}
        # Whether the cache holds the facts of the files not read in this run (`_is_stored`).
        self._storing = False
        self._stored_facts: dict[str, Optional[ClassFacts]] = {}
        self._looked_up: dict[tuple[int, str], list[tuple[str, int]]] = {}
        # The files whose bytes this process read beyond their scan: a report depends on all of
        # their content, and only on the scans of the others (replay.py).
        self.reads: set[str] = set()

    # -- names ---------------------------------------------------------------------------
    def full_name(self, relpath: str) -> tuple[str, ...]:
        found = self._full_names.get(relpath)
        if found is None:
            directory, _, name = relpath.rpartition("/")
            stem = name[: -len(".py")]
            if stem == "__init__":
                found = self._directory_name(directory)
            elif is_identifier(stem):
                found = (*self._directory_name(directory), stem)
            else:
                found = ()
            self._full_names[relpath] = found
        return found

    def _directory_name(self, directory: str) -> tuple[str, ...]:
        """The longest dotted suffix of the directory's path made of identifiers (shared by
        the files of the directory: worked out once)."""
        found = self._directory_names.get(directory)
        if found is None:
            parent, _, name = directory.rpartition("/")
            if not directory or not is_identifier(name):
                found = ()
            else:
                found = (*self._directory_name(parent), name)
            self._directory_names[directory] = found
        return found

    def name_under(self, relpath: str, root: str) -> Optional[tuple[str, ...]]:
        """The module name of `relpath` when `root` is on sys.path, if it is importable so."""
        prefix = f"{root}/" if root else ""
        if not relpath.startswith(prefix):
            return None
        parts = module_parts(relpath[len(prefix) :])
        if not parts or not all(is_identifier(p) for p in parts):
            return None
        return tuple(parts)

    def module_names_from(self, package: str) -> frozenset[str]:
        """Dotted names of the modules under every package called `package`, from it on:
        `ecommerce` -> {"ecommerce.models", ...}."""
        if self._from_package is None and self._count("from") < _LOOKED_UP_ALONE:
            found: set[str] = set()
            for relpath in self._under(package):
                full = self.full_name(relpath)
                found.update(
                    ".".join(full[i:]) for i, part in enumerate(full[:-1]) if part == package
                )
            return frozenset(found)
        if self._from_package is None:
            self._from_package = {}
            for relpath in self.files:
                full = self.full_name(relpath)
                for index, part in enumerate(full[:-1]):
                    self._from_package.setdefault(part, set()).add(".".join(full[index:]))
        return frozenset(self._from_package.get(package, ()))

    def modules_ending_with(self, suffix: Sequence[str]) -> list[str]:
        """Files whose full name ends with `suffix`, in file order (indexed by up to their last
        three parts once asked often: a monorepo has thousands of `models.py`)."""
        wanted = tuple(suffix)
        n = len(wanted)
        if self._by_last is None and self._count("ending") < _LOOKED_UP_ALONE:
            if not wanted:
                return []
            # a file whose name ends so has a path that ends with those parts
            tail = "/".join(wanted)
            named = [*self._ending_with(f"{tail}.py"), *self._ending_with(f"{tail}/__init__.py")]
            return [f for f in sorted(named) if self.full_name(f)[-n:] == wanted]
        if self._by_last is None:
            self._by_last = {}
            for relpath in self.files:
                name = self.full_name(relpath)
                for size in range(1, min(len(name), _INDEXED) + 1):
                    self._by_last.setdefault(name[-size:], []).append(relpath)
        indexed = self._by_last.get(wanted[-_INDEXED:], [])
        if n <= _INDEXED:
            return list(indexed)  # a copy: the index stays as it is
        longer = self._by_longer.get(wanted)
        if longer is None:  # a monorepo's targets are named thousands of times
            longer = self._by_longer[wanted] = [
                f for f in indexed if self.full_name(f)[-n:] == wanted
            ]
        return list(longer)

    def _ending_with(self, tail: str) -> tuple[str, ...]:
        """The files whose path ends with `tail` (`models.py`, `models/__init__.py`) from a
        separator on, in file order."""
        directory, _, name = tail.rpartition("/")
        if directory and self._walk.directories_joined is not None:
            deeper = self._in_directories_ending(directory, name, f"/{tail}\0")
        else:
            deeper = self._holding(f"/{tail}\0")
        return tuple(sorted((tail, *deeper))) if tail in self.file_set else deeper

    def _in_directories_ending(self, directory: str, name: str, key: str) -> tuple[str, ...]:
        """`_holding(key)` for the key `/<directory>/<name>` and a NUL, from the walk's
        directories: the files `name` of those whose path ends with `/<directory>`."""
        found = self._held.get(key)
        if found is None:
            joined = self._walk.directories_joined
            assert joined is not None
            paths = (f"{d}/{name}" for d in _entries_holding(joined, f"/{directory}\0"))
            found = self._held[key] = tuple(sorted(p for p in paths if p in self.file_set))
        return found

    def _under(self, directory: str) -> tuple[str, ...]:
        """The files with a directory called `directory` on their path, in file order."""
        # those it starts are the sorted paths from "<directory>/" to "<directory>0" ("0"
        # follows "/")
        start = bisect.bisect_left(self.files, f"{directory}/")
        end = bisect.bisect_left(self.files, f"{directory}0", start)
        deeper = self._holding(f"/{directory}/")
        return tuple(sorted({*self.files[start:end], *deeper})) if end > start else deeper

    def _holding(self, key: str) -> tuple[str, ...]:
        """The paths in which `_every_path` holds the key, in file order (each search reads
        every path: a question asked again is answered from its first answer)."""
        found = self._held.get(key)
        if found is None:
            found = self._held[key] = tuple(sorted(_entries_holding(self._every_path(), key)))
        return found

    def _every_path(self) -> str:
        """Every path with a NUL (which no path holds) after each, and one before the first, in
        any order: searched, it answers a few questions of a large project sooner than an index
        of its file names could be built."""
        return self._walk.joined

    def _count(self, question: str) -> int:
        """How often the question was asked: a few are answered by searching the paths,
        more by an index built once."""
        self._asked[question] = self._asked.get(question, 0) + 1
        return self._asked[question]

    # -- facts -----------------------------------------------------------------------------
    def read(self, relpath: str) -> bytes:
        self.reads.add(relpath)
        return read_bytes(self.root / relpath)

    def known_info(self, relpath: str) -> Optional[ModuleInfo]:
        """The module's facts if they were already read (never reads the disk)."""
        return self._infos.get(relpath)

    def info(self, relpath: str) -> Optional[ModuleInfo]:
        """The module's facts, or None if it cannot be read or parsed."""
        if relpath not in self._infos and not (self.lookahead and self.lookahead(relpath)):
            self._infos[relpath] = info = self._parse(relpath)
            self._kept(relpath)
            return info
        return self._infos[relpath]

    def parse(self, relpath: str) -> Optional[ast.Module]:
        self.reads.add(relpath)
        return parse_file(self.root / relpath)

    def _parse(self, relpath: str) -> Optional[ModuleInfo]:
        self.reads.add(relpath)
        return summary(str(self.root / relpath))

    def prefetch(self, seeds: Sequence[str], skip: frozenset[str], minimum: int) -> None:
        """Read ahead, on every core, the summaries of the modules that importing the seeds may
        run: followed through the import statements in their bytes and their packages'
        `__init__.py`. An over-estimate costs a few parses; whatever it misses is read when
        asked for. `skip`: files whose summaries come another way."""
        wanted = self._reachable(seeds)
        missing = [f for f in wanted if f not in skip and f not in self._infos]
        self.reads.update(missing)
        paths = [str(self.root / f) for f in missing]
        for relpath, info in zip(missing, self.workers.map(summary, paths, minimum=minimum)):
            self._infos[relpath] = info

    def _reachable(self, seeds: Sequence[str]) -> list[str]:
        self._index_classes()
        seen = dict.fromkeys(seeds)
        queue = list(seen)
        while queue:
            relpath = queue.pop()
            facts = self.facts_of(relpath)
            reached = [f"{d}/__init__.py" for d in ancestor_dirs(relpath) if d]
            for module in facts.imports if facts else ():
                ref = self.resolve_module(module, 0, relpath)
                if ref is not None:
                    reached.extend(self.executed_by_import(relpath, ref.file))
            for found in reached:
                if found in self.file_set and found not in seen:
                    seen[found] = None
                    queue.append(found)
        return list(seen)

    def set_info(self, relpath: str, info: Optional[ModuleInfo]) -> None:
        self._infos[relpath] = info
        self._edges.pop(relpath, None)
        self._kept(relpath)

    def keep_at_most(self, size: int) -> None:
        """From now on, hold at most `size` of the summaries read after this call: the oldest
        are let go (and read again if asked for). A worker that analyses thousands of files
        keeps the summaries it was forked with, and a window of the rest."""
        self._window, self._window_size = {}, size

    def _kept(self, relpath: str) -> None:
        window = self._window
        if window is None:
            return
        window.pop(relpath, None)
        window[relpath] = None
        while len(window) > self._window_size:
            oldest = next(iter(window))
            del window[oldest]
            self._infos.pop(oldest, None)
            self._edges.pop(oldest, None)

    # -- classes by name ------------------------------------------------------------------
    def _index_classes(self) -> dict[str, list[str]]:
        """Which files have a `class <Name>` statement, and which names are passed to
        `map_imperatively(...)` or `mapper(...)`: from this run's scans (one pass over each
        file's bytes), and for the files the cache vouches for, from its rows, looked up by
        name when asked (a commit in a large project reads the few it needs)."""
        if not self._indexed:
            self._indexed = True
            self.cache.use()
            base = os.path.join(str(self.root), "")
            unvouched = self._unvouched(base)
            read = sum(1 for f in self._facts if f in self.file_set)
            self._storing = len(self.file_set) - read > len(unvouched)
            self._scan([(f, base + f) for f in sorted(unvouched)])
        return self._class_index

    def _unvouched(self, base: str) -> set[str]:
        """The files not read in this run whose cached facts do not hold as they are now (once
        they are read, every other file's facts are the cache's)."""
        if self.cache.enabled:
            found = self.cache.unvouched(self.file_set, self._facts.keys(), base)
            if found is not None:
                return found
        return set(self.file_set.difference(self._facts))

    def _is_stored(self, relpath: str) -> bool:
        """Whether the file's facts are the cache's."""
        return self._storing and relpath in self.file_set and relpath not in self._facts

    def _scan(self, files: list[tuple[str, str]]) -> None:
        """Scan the files and index the facts read in this run."""
        scans = scan_files(files, self.workers, self.cache, text=False)
        self._facts.update((f, scan.facts) for (f, _), scan in zip(files, scans))
        for index in (self._class_index, self._tables, self._importers, self._words):
            index.clear()
        self._indented.clear()
        self._imperative.clear()
        # the project's files of this run's facts, in file order (`files` is sorted): a commit
        # in a large project has a few, and the cache's rows for the rest
        for relpath in sorted(self.file_set.intersection(self._facts)):
            facts = self._facts[relpath]
            if facts is None:
                continue
            for name, indented in facts.classes:
                self._class_index.setdefault(name, []).append(relpath)
                if indented:
                    self._indented.add((name, relpath))
            self._imperative.update(facts.imperative)
            for table in facts.tables:
                self._tables.setdefault(table, []).append(relpath)
            for module in facts.imports:
                self._importers.setdefault(module, []).append(relpath)
            for word in facts.words:
                self._words.setdefault(word, []).append(relpath)

    def _rows(self, kind: int, name: str) -> list[tuple[str, int]]:
        """The cache's (path, flag) rows of a fact, for the files it vouches for. Ask for them
        before reading this run's indexes: if the cache fails under the run, the files it
        vouched for are read after all and indexed with the rest."""
        if not self._storing:
            return []
        found = self._looked_up.get((kind, name))
        if found is None:
            rows = self.cache.lookup(kind, name)
            if rows is None:
                self._unstore()
                return []
            found = [(p, flag) for p, flag in rows if self._is_stored(p)]
            self._looked_up[(kind, name)] = found
        return found

    def _unstore(self) -> None:
        base = os.path.join(str(self.root), "")
        stored = [f for f in self.files if self._is_stored(f)]
        self._storing = False
        self._looked_up.clear()
        self._scan([(f, base + f) for f in stored])

    def _with_rows(self, own: dict[str, list[str]], kind: int, name: str) -> list[str]:
        """This run's files with the fact and the cache's, in file order."""
        rows = self._rows(kind, name)
        found = own.get(name, [])
        if not rows:
            return found
        return sorted([*found, *(p for p, count in rows for _ in range(max(count, 1)))])

    def facts_of(self, relpath: str) -> Optional[ClassFacts]:
        """A file's scanned facts (None if it could not be read)."""
        self._index_classes()
        if not self._is_stored(relpath):
            return self._facts.get(relpath)
        if relpath not in self._stored_facts:
            scan = FileScan.from_record(self.cache.stored_scan(relpath))
            if scan is None:
                self._unstore()
                return self._facts.get(relpath)
            self._stored_facts[relpath] = scan.facts
        return self._stored_facts[relpath]

    def files_with_table(self, table: str) -> list[str]:
        """Files that name a table `table` (`__tablename__` or `Table(...)`), by their bytes."""
        self._index_classes()
        return self._with_rows(self._tables, TABLE, table)

    def tables_of(self, relpath: str) -> tuple[str, ...]:
        facts = self.facts_of(relpath)
        return facts.tables if facts else ()

    def import_names(self, relpath: str) -> list[str]:
        """The absolute module names under which project files import `relpath`."""
        self._index_classes()
        full = self.full_name(relpath)
        names = []
        for size in range(1, len(full) + 1):
            module = ".".join(full[-size:])
            importers = self._with_rows(self._importers, IMPORT, module)
            if any(self._lands_on(module, importer, relpath) for importer in importers):
                names.append(module)
        return names

    def _lands_on(self, module: str, importer: str, relpath: str) -> bool:
        ref = self.resolve_module(module, 0, importer)
        return ref is not None and ref.file == relpath

    def class_names(self) -> list[str]:
        self._index_classes()
        names = set(self._class_index)
        if self._storing:
            rows = self.cache.names(CLASS)
            if rows is None:
                self._unstore()
                return sorted(self._class_index)
            names.update(name for name, path in rows if self._is_stored(path))
        return sorted(names)

    def files_defining(self, name: str) -> list[str]:
        return self._with_rows(self._index_classes(), CLASS, name)

    def may_nest(self, name: str, relpath: str) -> bool:
        """Whether a `class <name>` statement of the file is indented (maybe in a def or class)."""
        self._index_classes()
        rows = self._rows(CLASS, name)
        if self._is_stored(relpath):
            return any(path == relpath and indented for path, indented in rows)
        return (name, relpath) in self._indented

    def files_mentioning(self, word: str) -> list[str]:
        """Files whose bytes hold `word`, one of filescan.WORDS."""
        self._index_classes()
        return self._with_rows(self._words, WORD, word)

    def mapped_imperatively(self, name: str) -> bool:
        self._index_classes()
        rows = self._rows(IMPERATIVE, name)
        return bool(rows) or name in self._imperative

    # -- imports ----------------------------------------------------------------------------
    def _module_file(self, directory: str, parts: Sequence[str]) -> Optional[str]:
        base = _join(directory, parts)
        if not parts:
            candidate = f"{directory}/__init__.py" if directory else "__init__.py"
            return candidate if candidate in self.file_set else None
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self.file_set:
                return candidate
        return None

    def import_roots(self, importer: str) -> list[str]:
        """Where an absolute import in `importer` may be rooted: `src` first, then its ancestors."""
        roots = list(self.src)
        roots.extend(d for d in ancestor_dirs(importer) if d not in roots)
        return roots

    def resolve_module(self, module: str, level: int, importer: str) -> Optional[ModuleRef]:
        # Only the importer's directory matters, so files of one package share the answers.
        key = (module, level, parent_dir(importer))
        if key not in self._resolved:
            self._resolved[key] = self._resolve_module(module, level, importer)
        return self._resolved[key]

    def _resolve_module(self, module: str, level: int, importer: str) -> Optional[ModuleRef]:
        parts = [p for p in module.split(".") if p]
        if level:
            directory = parent_dir(importer)
            for _ in range(level - 1):
                if not directory:
                    return None
                directory = parent_dir(directory)
            found = self._module_file(directory, parts)
            return ModuleRef(found, "") if found else None
        for root in self.import_roots(importer):
            found = self._module_file(root, parts)
            if found:
                return ModuleRef(found, root)
        return None

    def submodule(self, package_file: str, name: str) -> Optional[str]:
        if not package_file.endswith("__init__.py"):
            return None
        return self._module_file(parent_dir(package_file), [name])

    def import_edges(self, importer: str, stmt: ImportStmt) -> Iterator[str]:
        """Project files executed by `stmt` in `importer`, less packages already being imported."""
        ref = self.resolve_module(stmt.module, stmt.level, importer)
        if ref is None:
            return
        yield from self.executed_by_import(importer, ref.file)
        for name in stmt.names:
            sub = self.submodule(ref.file, name)
            if sub:
                yield sub

    def executed_by_import(self, importer: str, target: str) -> Iterator[str]:
        """Importing `target` also runs its enclosing packages, unless `importer` is inside them."""
        yield target
        shared = set(ancestor_dirs(importer))
        directory = parent_dir(target)
        if target.endswith("/__init__.py"):
            directory = parent_dir(directory)
        while directory and directory not in shared:
            init = f"{directory}/__init__.py"
            if init in self.file_set:
                yield init
            directory = parent_dir(directory)

    def runtime_imports(self, relpath: str) -> list[str]:
        """Project files a module executes when imported (its module-level runtime imports)."""
        if relpath not in self._edges:
            info = self.info(relpath)
            edges: dict[str, None] = {}
            for stmt in info.imports if info else ():
                edges.update(dict.fromkeys(self.import_edges(relpath, stmt)))
            self._edges[relpath] = list(edges)
        return self._edges[relpath]
