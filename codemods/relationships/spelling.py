"""How one project file spells an import of another, the way it already imports the project.

backend/saas/models.py importing backend/ecommerce/models.py
    file already does `from core.database import Base`  ->  "ecommerce.models"
app/models/order.py importing app/models/user.py
    file already uses relative imports                   ->  ".user"
"""

from __future__ import annotations

import weakref
from typing import Optional

from .project import Project, parent_dir

# Each project's answers of `_evidence_roots`, by file: a monorepo's decisions ask them of one
# file thousands of times (its imports do not change during a run).
_ROOTS: weakref.WeakKeyDictionary[Project, dict[str, tuple[str, ...]]] = weakref.WeakKeyDictionary()


def _evidence_roots(project: Project, file: str) -> tuple[str, ...]:
    """Roots under which the file's own absolute imports of project modules resolve."""
    known = _ROOTS.setdefault(project, {})
    roots = known.get(file)
    if roots is None:
        roots = known[file] = tuple(_roots_of(project, file))
    return roots


def _roots_of(project: Project, file: str) -> list[str]:
    info = project.info(file)
    roots: list[str] = []
    for bound_list in info.bindings.values() if info else ():
        for bound in bound_list:
            module = getattr(bound.binding, "module", None)
            if module and not getattr(bound.binding, "level", 0):
                ref = project.resolve_module(module, 0, file)
                if ref is not None and ref.root not in roots:
                    roots.append(ref.root)
    return roots


def package_root(project: Project, file: str) -> str:
    """The first directory above the file's packages (those with an `__init__.py`)."""
    directory = parent_dir(file)
    while directory and f"{directory}/__init__.py" in project.file_set:
        directory = parent_dir(directory)
    return directory


def import_root(project: Project, file: str, target: str) -> Optional[str]:
    candidates = [*_evidence_roots(project, file), *project.src, package_root(project, file), ""]
    for root in candidates:
        if project.name_under(target, root) is not None:
            return root
    return None


def _relative(project: Project, file: str, target: str, root: str) -> Optional[str]:
    own = project.name_under(file, root)
    other = project.name_under(target, root)
    if own is None or other is None:
        return None
    package = own if file.endswith("__init__.py") else own[:-1]
    common = 0
    while common < min(len(package), len(other)) and package[common] == other[common]:
        common += 1
    if common == 0:
        return None
    return "." * (len(package) - common + 1) + ".".join(other[common:])


def spell_import(project: Project, file: str, target: str) -> Optional[str]:
    """The module to write after `from`, or None if no import root reaches the target."""
    root = import_root(project, file, target)
    if root is None:
        return None
    info = project.info(file)
    if info is not None and info.uses_relative_imports:
        relative = _relative(project, file, target, root)
        if relative:
            return relative
    name = project.name_under(target, root)
    return ".".join(name) if name else None


def display_name(project: Project, file: str, root: Optional[str]) -> str:
    name = project.name_under(file, root) if root is not None else None
    return ".".join(name or project.full_name(file) or (file,))
