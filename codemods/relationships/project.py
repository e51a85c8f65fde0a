"""The project as data: its files, their module names, their facts (parsed lazily) and imports.

A file's *full name* is the longest dotted suffix of its path that is made of identifiers:
`backend/ecommerce/models.py` -> `backend.ecommerce.models`. SQLAlchemy registers a class under
every suffix of its module's name, so a dotted path `ecommerce.models.C` matches every module
whose full name ends with `ecommerce.models`.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .fileio import read_bytes
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


class Project:
    """Every `*.py` file of the project, by path relative to the root (posix separators)."""

    def __init__(self, root: Path, files: Iterable[str], src: Sequence[str] = ()) -> None:
        self.root = root
        self.files = sorted(set(files))
        self.file_set = frozenset(self.files)
        self.src = tuple(src)
        self._infos: dict[str, Optional[ModuleInfo]] = {}
        self._by_last: Optional[dict[str, list[str]]] = None
        self._class_files: dict[str, list[str]] = {}
        self._imperative: set[str] = set()

    # -- names ---------------------------------------------------------------------------
    def full_name(self, relpath: str) -> tuple[str, ...]:
        parts = module_parts(relpath)
        start = len(parts)
        while start > 0 and is_identifier(parts[start - 1]):
            start -= 1
        return tuple(parts[start:])

    def name_under(self, relpath: str, root: str) -> Optional[tuple[str, ...]]:
        """The module name of `relpath` when `root` is on sys.path, if it is importable so."""
        prefix = f"{root}/" if root else ""
        if not relpath.startswith(prefix):
            return None
        parts = module_parts(relpath[len(prefix) :])
        if not parts or not all(is_identifier(p) for p in parts):
            return None
        return tuple(parts)

    def modules_ending_with(self, suffix: Sequence[str]) -> list[str]:
        if self._by_last is None:
            self._by_last = {}
            for relpath in self.files:
                name = self.full_name(relpath)
                if name:
                    self._by_last.setdefault(name[-1], []).append(relpath)
        n = len(suffix)
        return [
            f for f in self._by_last.get(suffix[-1], []) if self.full_name(f)[-n:] == tuple(suffix)
        ]

    # -- facts -----------------------------------------------------------------------------
    def read(self, relpath: str) -> bytes:
        return read_bytes(self.root / relpath)

    def info(self, relpath: str) -> Optional[ModuleInfo]:
        """The module's facts, or None if it cannot be read or parsed."""
        if relpath not in self._infos:
            self._infos[relpath] = self._parse(relpath)
        return self._infos[relpath]

    def _parse(self, relpath: str) -> Optional[ModuleInfo]:
        try:
            tree = parse_python(self.read(relpath))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        return scan_module(tree)

    def set_info(self, relpath: str, info: Optional[ModuleInfo]) -> None:
        self._infos[relpath] = info

    # -- classes by name ------------------------------------------------------------------
    def scan_class_names(self, names: Iterable[str]) -> None:
        """One pass over every file's bytes for `class <name>` and imperative mappings of it."""
        wanted = sorted({n for n in names if n not in self._class_files})
        if not wanted:
            return
        alternation = b"|".join(re.escape(n.encode()) for n in wanted)
        class_re = re.compile(rb"^[ \t]*class[ \t]+(" + alternation + rb")\b", re.M)
        mapped_re = re.compile(
            rb"(?:map_imperatively|\bmapper)\s*\(\s*(?:[\w.]+\.)?(" + alternation + rb")\b"
        )
        for name in wanted:
            self._class_files[name] = []
        for relpath in self.files:
            try:
                data = self.read(relpath)
            except OSError:
                continue
            for found in {m.group(1).decode() for m in class_re.finditer(data)}:
                self._class_files[found].append(relpath)
            self._imperative.update(m.group(1).decode() for m in mapped_re.finditer(data))

    def files_defining(self, name: str) -> list[str]:
        self.scan_class_names([name])
        return self._class_files[name]

    def mapped_imperatively(self, name: str) -> bool:
        self.scan_class_names([name])
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
        info = self.info(relpath)
        if info is None:
            return []
        edges: list[str] = []
        for stmt in info.imports:
            edges.extend(e for e in self.import_edges(relpath, stmt) if e not in edges)
        return edges
