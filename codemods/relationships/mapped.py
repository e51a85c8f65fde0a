"""Whether a class provably is *not* mapped by SQLAlchemy, so that sharing its name is harmless.

class Subscription(BaseModel): ...     # pydantic schema: provably unmapped
class Subscription(Base): ...          # mapped, or can't tell: a clash for the bare name
"""

from __future__ import annotations

import ast
from typing import Optional

from .qualify import External, ProjectObject, Resolver
from .scan import ClassInfo

_SAFE_BASE_PREFIXES = (
    "builtins.",
    "enum.",
    "typing.",
    "typing_extensions.",
    "abc.",
    "collections.",
    "numbers.",
    "pydantic.",
    "pydantic_settings.",
    "marshmallow.",
    "unittest.",
    "argparse.",
    "json.",
    "logging.",
    "threading.",
)
_SAFE_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "functools.total_ordering",
        "typing.final",
        "typing_extensions.final",
        "typing.runtime_checkable",
        "typing_extensions.runtime_checkable",
        "enum.unique",
        "pydantic.dataclasses.dataclass",
    }
)
_MAPPING_ATTRIBUTES = frozenset({"__tablename__", "__table__", "__mapper_args__"})
_SAFE_METACLASSES = frozenset({"abc.ABCMeta", "enum.EnumMeta", "enum.EnumType", "builtins.type"})


def _is_true(node: Optional[ast.expr]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


class MappedCheck:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._cache: dict[tuple[str, int, int], bool] = {}

    def provably_unmapped(self, file: str, cls: ClassInfo) -> bool:
        key = (file, *cls.position)
        if key not in self._cache:
            self._cache[key] = False  # a cycle through bases proves nothing
            self._cache[key] = self._check(file, cls)
        return self._cache[key]

    def _check(self, file: str, cls: ClassInfo) -> bool:
        if self.resolver.project.mapped_imperatively(cls.name):
            return False
        assigns = dict(cls.assigns)
        if _is_true(assigns.get("__abstract__")):
            return True
        if _MAPPING_ATTRIBUTES & assigns.keys():
            return False
        scopes = self.resolver.module_scopes(file)
        for decorator in cls.decorators:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            meaning = self.resolver.expr(file, scopes, target)
            if not (isinstance(meaning, External) and meaning.qname in _SAFE_DECORATORS):
                return False
        for keyword in cls.keywords:
            meaning = self.resolver.expr(file, scopes, keyword.value)
            if keyword.arg != "metaclass" or not (
                isinstance(meaning, External) and meaning.qname in _SAFE_METACLASSES
            ):
                return False
        return all(self._safe_base(file, base) for base in cls.bases)

    def _safe_base(self, file: str, base: ast.expr) -> bool:
        while isinstance(base, ast.Subscript):
            base = base.value
        meaning = self.resolver.expr(file, self.resolver.module_scopes(file), base)
        if isinstance(meaning, External):
            return meaning.qname.startswith(_SAFE_BASE_PREFIXES)
        if isinstance(meaning, ProjectObject) and meaning.kind == "class":
            info = self.resolver.project.info(meaning.file)
            cls = info.toplevel_class(meaning.name) if info else None
            return cls is not None and self.provably_unmapped(meaning.file, cls)
        return False

    def registry(self, file: str, cls: ClassInfo) -> Optional[tuple[str, str]]:
        """The project class at the root of a mapped class's bases (its declarative base, and so
        its registry), when that is provable: the class has a `__tablename__` or `__table__`,
        every class on the way is in the project, and the root's bases are all outside it."""
        if not _MAPPING_ATTRIBUTES & dict(cls.assigns).keys() - {"__mapper_args__"}:
            return None
        if _is_true(dict(cls.assigns).get("__abstract__")):
            return None
        seen: set[tuple[str, str]] = set()
        while True:
            parents = [self._project_class(file, base) for base in cls.bases]
            inside = [p for p in parents if p is not None]
            if not inside:
                return (file, cls.name)
            if len(inside) != len(parents) or len(inside) > 1:
                return None  # a mixin or a base from outside: cannot tell
            file, cls = inside[0]
            if (file, cls.name) in seen:
                return None
            seen.add((file, cls.name))

    def _project_class(self, file: str, base: ast.expr) -> Optional[tuple[str, ClassInfo]]:
        while isinstance(base, ast.Subscript):
            base = base.value
        meaning = self.resolver.expr(file, self.resolver.module_scopes(file), base)
        if isinstance(meaning, ProjectObject) and meaning.kind == "class":
            info = self.resolver.project.info(meaning.file)
            found = info.toplevel_class(meaning.name) if info else None
            if found is not None:
                return meaning.file, found
        return None
