"""The project as data: its files, their module names, their facts (parsed lazily) and imports.

A file's *full name* is the longest dotted suffix of its path that is made of identifiers:
`backend/ecommerce/models.py` -> `backend.ecommerce.models`. SQLAlchemy registers a class under
every suffix of its module's name, so a dotted path `ecommerce.models.C` matches every module
whose full name ends with `ecommerce.models`.
"""

from __future__ import annotations

import ast
import keyword
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .cache import FactCache
from .fileio import read_bytes
from .filescan import ClassFacts, scan_files
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


def parse_file(path: Path) -> Optional[ast.Module]:
    """The file's syntax tree, or None if it cannot be read or parsed."""
    try:
        return parse_python(read_bytes(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def summary(path: str) -> Optional[ModuleInfo]:
    """A module's summary (here, or in a worker); None if the file cannot be read or parsed."""
    tree = parse_file(Path(path))
    return None if tree is None else scan_module(tree, keep_tree=False)


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
        self.files = sorted(set(files))
        self.file_set = frozenset(self.files)
        self.src = tuple(src)
        self._infos: dict[str, Optional[ModuleInfo]] = {}
        self._by_last: Optional[dict[tuple[str, ...], list[str]]] = None
        self._class_index: Optional[dict[str, list[str]]] = None
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
        if self._from_package is None:
            self._from_package = {}
            for relpath in self.files:
                full = self.full_name(relpath)
                for index, part in enumerate(full[:-1]):
                    self._from_package.setdefault(part, set()).add(".".join(full[index:]))
        return frozenset(self._from_package.get(package, ()))

    def modules_ending_with(self, suffix: Sequence[str]) -> list[str]:
        """Files whose full name ends with `suffix`, in file order (indexed by up to their last
        three parts: a monorepo has thousands of `models.py` and `models/core.py`)."""
        if self._by_last is None:
            self._by_last = {}
            for relpath in self.files:
                name = self.full_name(relpath)
                for size in range(1, min(len(name), _INDEXED) + 1):
                    self._by_last.setdefault(name[-size:], []).append(relpath)
        wanted = tuple(suffix)
        n = len(wanted)
        indexed = self._by_last.get(wanted[-_INDEXED:], [])
        if n <= _INDEXED:
            return list(indexed)  # a copy: the index stays as it is
        return [f for f in indexed if self.full_name(f)[-n:] == wanted]

    # -- facts -----------------------------------------------------------------------------
    def read(self, relpath: str) -> bytes:
        return read_bytes(self.root / relpath)

    def known_info(self, relpath: str) -> Optional[ModuleInfo]:
        """The module's facts if they were already read (never reads the disk)."""
        return self._infos.get(relpath)

    def info(self, relpath: str) -> Optional[ModuleInfo]:
        """The module's facts, or None if it cannot be read or parsed."""
        if relpath not in self._infos and not (self.lookahead and self.lookahead(relpath)):
            self._infos[relpath] = self._parse(relpath)
        return self._infos[relpath]

    def parse(self, relpath: str) -> Optional[ast.Module]:
        return parse_file(self.root / relpath)

    def _parse(self, relpath: str) -> Optional[ModuleInfo]:
        return summary(str(self.root / relpath))

    def prefetch(self, seeds: Sequence[str], skip: frozenset[str], minimum: int) -> None:
        """Read ahead, on every core, the summaries of the modules that importing the seeds may
        run: followed through the import statements in their bytes and their packages'
        `__init__.py`. An over-estimate costs a few parses; whatever it misses is read when
        asked for. `skip`: files whose summaries come another way."""
        wanted = self._reachable(seeds)
        missing = [f for f in wanted if f not in skip and f not in self._infos]
        paths = [str(self.root / f) for f in missing]
        for relpath, info in zip(missing, self.workers.map(summary, paths, minimum=minimum)):
            self._infos[relpath] = info

    def _reachable(self, seeds: Sequence[str]) -> list[str]:
        self._index_classes()
        seen = dict.fromkeys(seeds)
        queue = list(seen)
        while queue:
            relpath = queue.pop()
            facts = self._facts.get(relpath)
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

    # -- classes by name ------------------------------------------------------------------
    def _index_classes(self) -> dict[str, list[str]]:
        """Which files have a `class <Name>` statement, and which names are passed to
        `map_imperatively(...)` or `mapper(...)`: one pass over every file's bytes (reusing the
        facts of the files this run already read)."""
        if self._class_index is None:
            self._class_index = {}
            self.cache.use()
            base = os.path.join(str(self.root), "")
            missing = [(f, base + f) for f in self.files if f not in self._facts]
            scans = scan_files(missing, self.workers, self.cache, text=False)
            self._facts.update((f, scan.facts) for (f, _), scan in zip(missing, scans))
            for relpath in self.files:
                facts = self._facts.get(relpath)
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
        return self._class_index

    def files_with_table(self, table: str) -> list[str]:
        """Files that name a table `table` (`__tablename__` or `Table(...)`), by their bytes."""
        self._index_classes()
        return self._tables.get(table, [])

    def tables_of(self, relpath: str) -> tuple[str, ...]:
        self._index_classes()
        facts = self._facts.get(relpath)
        return facts.tables if facts else ()

    def import_names(self, relpath: str) -> list[str]:
        """The absolute module names under which project files import `relpath`."""
        self._index_classes()
        full = self.full_name(relpath)
        names = []
        for size in range(1, len(full) + 1):
            module = ".".join(full[-size:])
            importers = self._importers.get(module, ())
            if any(self._lands_on(module, importer, relpath) for importer in importers):
                names.append(module)
        return names

    def _lands_on(self, module: str, importer: str, relpath: str) -> bool:
        ref = self.resolve_module(module, 0, importer)
        return ref is not None and ref.file == relpath

    def class_names(self) -> list[str]:
        return sorted(self._index_classes())

    def files_defining(self, name: str) -> list[str]:
        return self._index_classes().get(name, [])

    def may_nest(self, name: str, relpath: str) -> bool:
        """Whether a `class <name>` statement of the file is indented (maybe in a def or class)."""
        self._index_classes()
        return (name, relpath) in self._indented

    def files_mentioning(self, word: str) -> list[str]:
        """Files whose bytes hold `word`, one of filescan.WORDS."""
        self._index_classes()
        return [f for f in self.files if word in getattr(self._facts.get(f), "words", ())]

    def mapped_imperatively(self, name: str) -> bool:
        self._index_classes()
        return name in self._imperative

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
