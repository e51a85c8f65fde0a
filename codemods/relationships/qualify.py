"""What a name means where it is used: an external dotted name, or a project module or object.

Follows re-exports through the project's own modules, so that in

    # app/database.py                     # app/models.py
    from sqlalchemy.orm import relationship   from app.database import relationship

`relationship` in `app/models.py` means `External("sqlalchemy.orm.relationship")`.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional, Union

from .project import Project
from .scan import Bound, Defined, ImportedModule, ImportedName

_MAX_DEPTH = 16
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class External:
    """A name outside the project, such as `sqlalchemy.orm.relationship`; `()` marks a call result."""

    qname: str


@dataclass(frozen=True)
class ProjectModule:
    file: str


@dataclass(frozen=True)
class ProjectObject:
    file: str
    name: str
    kind: str


Meaning = Union[External, ProjectModule, ProjectObject, None]
Scopes = Sequence[Mapping[str, Sequence[Bound]]]


def runtime_binding(bounds: Sequence[Bound]) -> Optional[Bound]:
    """The binding that holds at runtime: the last one outside `if TYPE_CHECKING:`."""
    runtime = [b for b in bounds if not b.type_checking]
    return runtime[-1] if runtime else None


class Resolver:
    def __init__(self, project: Project) -> None:
        self.project = project

    def module_scopes(self, file: str) -> Scopes:
        info = self.project.info(file)
        return [info.bindings] if info else []

    def name(self, file: str, scopes: Scopes, name: str, depth: int = 0) -> Meaning:
        for scope in scopes:
            if name in scope:
                bound = runtime_binding(scope[name]) or scope[name][-1]
                return self.binding(file, scopes, name, bound, depth)
        via_star = self._via_star_import(file, name, depth)
        if via_star is not None:
            return via_star
        return External(f"builtins.{name}") if name in _BUILTINS else None

    def binding(self, file: str, scopes: Scopes, name: str, bound: Bound, depth: int) -> Meaning:
        if depth > _MAX_DEPTH:
            return None
        b = bound.binding
        if isinstance(b, ImportedModule):
            ref = self.project.resolve_module(b.module, 0, file)
            return ProjectModule(ref.file) if ref else External(b.module)
        if isinstance(b, ImportedName):
            return self._imported_name(file, b, depth)
        assert isinstance(b, Defined)
        if b.kind == "assign" and isinstance(b.value, (ast.Name, ast.Attribute, ast.Call)):
            value = self.expr(file, scopes, b.value, depth + 1)
            if value is not None:
                return value
        return ProjectObject(file, name, b.kind)

    def _imported_name(self, file: str, b: ImportedName, depth: int) -> Meaning:
        ref = self.project.resolve_module(b.module, b.level, file)
        if ref is None:
            if b.level:
                return None
            return External(f"{b.module}.{b.name}")
        return self.in_module(ref.file, b.name, depth + 1)

    def in_module(self, file: str, name: str, depth: int = 0) -> Meaning:
        """What `module.name` means, for a project module."""
        info = self.project.info(file)
        if info is not None and name in info.bindings:
            bound = runtime_binding(info.bindings[name])
            if bound is not None:
                return self.binding(file, [info.bindings], name, bound, depth)
        sub = self.project.submodule(file, name)
        if sub:
            return ProjectModule(sub)
        return self._via_star_import(file, name, depth)

    def _via_star_import(self, file: str, name: str, depth: int) -> Meaning:
        info = self.project.info(file)
        if info is None or depth > _MAX_DEPTH:
            return None
        for module, level in info.star_imports:
            ref = self.project.resolve_module(module, level, file)
            if ref is not None:
                found = self.in_module(ref.file, name, depth + 1)
                if found is not None:
                    return found
        return None

    def external_star_modules(self, file: str) -> list[str]:
        info = self.project.info(file)
        if info is None:
            return []
        return [
            m
            for m, level in info.star_imports
            if not level and self.project.resolve_module(m, 0, file) is None
        ]

    def expr(self, file: str, scopes: Scopes, node: ast.expr, depth: int = 0) -> Meaning:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Name):
            return self.name(file, scopes, node.id, depth)
        if isinstance(node, ast.Attribute):
            base = self.expr(file, scopes, node.value, depth + 1)
            if isinstance(base, External):
                return External(f"{base.qname}.{node.attr}")
            if isinstance(base, ProjectModule):
                return self.in_module(base.file, node.attr, depth + 1)
            return None
        if isinstance(node, ast.Call):
            func = self.expr(file, scopes, node.func, depth + 1)
            return External(f"{func.qname}()") if isinstance(func, External) else None
        return None
