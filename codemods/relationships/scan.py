"""One module's facts, read from its `ast`: what it binds, imports and defines.

from core.database import Base   ->  bindings["Base"] == [Bound(ImportedName("core.database", "Base", 0), ...)]
class Plan(Base): ...            ->  classes["Plan"] == [ClassInfo(name="Plan", toplevel=True, ...)]
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional, Union

# A project's summaries hold millions of these small records: without a `__dict__` each (where
# Python has slotted dataclasses) they take about half the memory.
SLOTS: dict[str, Any] = {"slots": True} if sys.version_info >= (3, 10) else {}


class _Record:
    """Pickled as a call of its class with its fields: a slotted dataclass's own pickling runs
    generated Python code per record, three times as slow, and every summary a worker makes
    crosses to the parent."""

    __slots__ = ()
    __dataclass_fields__: dict[str, Any]

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return type(self), tuple([getattr(self, name) for name in self.__dataclass_fields__])


@dataclass(frozen=True, **SLOTS)
class ImportedName(_Record):
    """`from <module> import <name>`; `level` counts the leading dots of a relative import."""

    module: str
    name: str
    level: int


@dataclass(frozen=True, **SLOTS)
class ImportedModule(_Record):
    """`import a.b` binds `a` to module `a`; `import a.b as x` binds `x` to module `a.b`."""

    module: str


@dataclass(frozen=True, **SLOTS)
class Defined(_Record):
    """A class, a function, an assignment (with its value, if simple) or any other binding."""

    kind: str
    value: Optional[ast.expr] = None


Binding = Union[ImportedName, ImportedModule, Defined]


@dataclass(frozen=True, **SLOTS)
class Bound(_Record):
    binding: Binding
    type_checking: bool
    lineno: int


@dataclass(frozen=True, **SLOTS)
class ImportStmt(_Record):
    """A module-level import that executes at runtime: `import a.b` or `from .a import b, c`."""

    module: str
    level: int
    names: tuple[str, ...]
    lineno: int = 0


@dataclass(frozen=True, **SLOTS)
class ClassInfo(_Record):
    """What a `class` statement says about mapping: its bases, keywords, decorators, and the
    values assigned in its body. The body itself is not kept: the index stays small."""

    name: str
    lineno: int
    col: int
    toplevel: bool
    bases: tuple[ast.expr, ...]
    keywords: tuple[ast.keyword, ...]
    decorators: tuple[ast.expr, ...]
    assigns: tuple[tuple[str, Optional[ast.expr]], ...]

    @classmethod
    def of(cls, node: ast.ClassDef, toplevel: bool) -> ClassInfo:
        assigns: list[tuple[str, Optional[ast.expr]]] = []
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                value = stmt.value if isinstance(stmt.value, ast.Constant) else None
                assigns.extend((t.id, value) for t in stmt.targets if isinstance(t, ast.Name))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                value = stmt.value if isinstance(stmt.value, ast.Constant) else None
                assigns.append((stmt.target.id, value))
        return cls(
            node.name,
            node.lineno,
            node.col_offset,
            toplevel,
            tuple(node.bases),
            tuple(node.keywords),
            tuple(node.decorator_list),
            tuple(assigns),
        )

    @property
    def position(self) -> tuple[int, int]:
        return (self.lineno, self.col)


_FORGOTTEN: frozenset[str] = frozenset({"<forgotten>"})
_UNREAD: frozenset[str] = frozenset({"<unread>"})


@dataclass
class ModuleInfo:
    tree: Optional[ast.Module]  # kept for the files being fixed only
    bindings: dict[str, list[Bound]] = field(default_factory=dict)
    imports: list[ImportStmt] = field(default_factory=list)
    star_imports: list[tuple[str, int]] = field(default_factory=list)
    toplevel_classes: dict[str, list[ClassInfo]] = field(default_factory=dict)
    uses_relative_imports: bool = False
    _all_classes: Optional[dict[str, list[ClassInfo]]] = None
    _loaded: Optional[frozenset[str]] = None
    _annotated: Optional[frozenset[str]] = None

    def toplevel_class(self, name: str) -> Optional[ClassInfo]:
        found = self.toplevel_classes.get(name)
        return found[0] if found else None

    def loaded_names(self) -> frozenset[str]:
        """Names the module reads anywhere (walked for the first ask only)."""
        if self._loaded is _FORGOTTEN:
            raise RuntimeError("loaded_names() asked after forget_own_names()")
        if self._loaded == _UNREAD:  # equal, not the same, once the summary is unpickled
            raise RuntimeError("loaded_names() asked of a module summarised without them")
        if self._loaded is None:
            assert self.tree is not None, "loaded_names() needs a module scanned with its tree"
            self._loaded = loaded_names(self.tree)
        return self._loaded

    def annotation_names(self) -> frozenset[str]:
        """Names the module's annotations use (walked for the first ask only); without the
        tree and never asked before, none."""
        if self._annotated is _FORGOTTEN:
            raise RuntimeError("annotation_names() asked after forget_own_names()")
        if self._annotated is None:
            if self.tree is None:
                return frozenset()
            self._annotated = annotation_names(self.tree)
        return self._annotated

    def forget_own_names(self) -> None:
        """Let go of the names only the module's own decisions ask about, once they are made
        (a monorepo's run holds thousands of summaries); asking again is an error."""
        self._loaded = self._annotated = _FORGOTTEN

    def summarise(self, loaded: bool = True) -> None:
        """Compute what the decisions ask of the tree, then drop the tree (so the summary is
        small and picklable). Nested classes are looked for only when asked (in a tree parsed
        again then): few files have any. Without `loaded`, the names the module reads are not
        walked (only a dotted reference's decision asks for them)."""
        if self.tree is not None:
            if loaded:
                self.loaded_names()
            else:
                self._loaded = _UNREAD
            self.annotation_names()
            self.tree = None

    def classes(self, name: str, load_tree: Callable[[], Optional[ast.Module]]) -> list[ClassInfo]:
        """Every `class <name>` statement, nested ones too (found on the first ask only, in the
        kept tree or in one loaded for the purpose)."""
        if self._all_classes is None:
            tree = self.tree or load_tree()
            if tree is None:
                return [
                    c for infos in self.toplevel_classes.values() for c in infos if c.name == name
                ]
            self._all_classes = {}
            toplevel = {c.position for infos in self.toplevel_classes.values() for c in infos}
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    at = (node.lineno, node.col_offset)
                    self._all_classes.setdefault(node.name, []).append(
                        ClassInfo.of(node, at in toplevel)
                    )
        return self._all_classes.get(name, [])


def is_type_checking_test(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:` (any module alias)."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _import_bindings(stmt: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, Binding]]:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                yield alias.asname, ImportedModule(alias.name)
            else:
                head = alias.name.split(".", 1)[0]
                yield head, ImportedModule(head)
        return
    for alias in stmt.names:
        if alias.name != "*":
            yield (
                alias.asname or alias.name,
                ImportedName(stmt.module or "", alias.name, stmt.level),
            )


def _target_names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _alias_value(value: Optional[ast.expr]) -> Optional[ast.expr]:
    """The assigned value when it can alias something (`rel = orm.relationship`, `db = X()`);
    other values are not kept, so that the index does not hold on to large expressions."""
    return value if isinstance(value, (ast.Name, ast.Attribute, ast.Call)) else None


def _statement_bindings(stmt: ast.stmt) -> Iterator[tuple[str, Binding]]:
    """Names a statement binds in its own scope (not those of nested blocks)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        yield from _import_bindings(stmt)
    elif isinstance(stmt, ast.ClassDef):
        yield stmt.name, Defined("class")
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield stmt.name, Defined("def")
    elif isinstance(stmt, ast.Assign):
        simple = len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        for target in stmt.targets:
            for name in _target_names(target):
                yield name, Defined("assign", _alias_value(stmt.value) if simple else None)
    elif isinstance(stmt, ast.AnnAssign):
        value = _alias_value(stmt.value)
        yield from ((n, Defined("assign", value)) for n in _target_names(stmt.target))
    elif isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor)):
        yield from ((n, Defined("other")) for n in _target_names(stmt.target))
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            if item.optional_vars is not None:
                yield from ((n, Defined("other")) for n in _target_names(item.optional_vars))
    elif isinstance(stmt, ast.Try):
        for handler in stmt.handlers:
            if handler.name:
                yield handler.name, Defined("other")


def _child_blocks(stmt: ast.stmt) -> Iterator[tuple[list[ast.stmt], bool]]:
    """Statement lists nested in control flow, each with whether it is a TYPE_CHECKING body."""
    if isinstance(stmt, ast.If):
        yield stmt.body, is_type_checking_test(stmt.test)
        yield stmt.orelse, False
    elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        yield stmt.body, False
        yield stmt.orelse, False
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        yield stmt.body, False
    elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        yield stmt.body, False  # type: ignore[attr-defined]
        for handler in stmt.handlers:  # type: ignore[attr-defined]
            yield handler.body, False
        yield stmt.orelse, False  # type: ignore[attr-defined]
        yield stmt.finalbody, False  # type: ignore[attr-defined]
    elif type(stmt).__name__ == "Match":
        for case in stmt.cases:  # type: ignore[attr-defined]
            yield case.body, False


def scope_statements(
    body: Iterable[ast.stmt], type_checking: bool = False
) -> Iterator[tuple[ast.stmt, bool]]:
    """Every statement of one scope, descending into control flow but not into defs or classes."""
    for stmt in body:
        yield stmt, type_checking
        for block, is_tc in _child_blocks(stmt):
            yield from scope_statements(block, type_checking or is_tc)


def _walrus_names(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
            yield sub.target.id


def scope_bindings(body: Iterable[ast.stmt]) -> dict[str, list[Bound]]:
    bindings: dict[str, list[Bound]] = {}
    for stmt, tc in scope_statements(body):
        for name, binding in _statement_bindings(stmt):
            bindings.setdefault(name, []).append(Bound(binding, tc, stmt.lineno))
    return bindings


def function_bindings(
    func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
) -> dict[str, list[Bound]]:
    """A function's local names: its parameters and what its body binds."""
    bindings: dict[str, list[Bound]] = {}
    args = func.args
    every_arg = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    for arg in every_arg:
        if arg is not None:
            bindings.setdefault(arg.arg, []).append(Bound(Defined("param"), False, func.lineno))
    if isinstance(func, ast.Lambda):
        return bindings
    for name, bound in scope_bindings(func.body).items():
        bindings.setdefault(name, []).extend(bound)
    for name in _walrus_names(func):
        bindings.setdefault(name, []).append(Bound(Defined("other"), False, func.lineno))
    return bindings


def scan_module(tree: ast.Module, keep_tree: bool = True) -> ModuleInfo:
    info = ModuleInfo(tree if keep_tree else None)
    for stmt, tc in scope_statements(tree.body):
        for name, binding in _statement_bindings(stmt):
            info.bindings.setdefault(name, []).append(Bound(binding, tc, stmt.lineno))
        if isinstance(stmt, ast.ImportFrom) and stmt.level:
            info.uses_relative_imports = True
        if not tc:
            _record_import(info, stmt)
        if isinstance(stmt, ast.ClassDef):
            info.toplevel_classes.setdefault(stmt.name, []).append(ClassInfo.of(stmt, True))
    return info


def _record_import(info: ModuleInfo, stmt: ast.stmt) -> None:
    if isinstance(stmt, ast.Import):
        info.imports.extend(ImportStmt(a.name, 0, (), stmt.lineno) for a in stmt.names)
    elif isinstance(stmt, ast.ImportFrom):
        names = tuple(a.name for a in stmt.names)
        if names == ("*",):
            info.star_imports.append((stmt.module or "", stmt.level))
        info.imports.append(ImportStmt(stmt.module or "", stmt.level, names, stmt.lineno))


_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def loaded_names(tree: ast.AST) -> frozenset[str]:
    """The names of every `ast.Name` read (`Load`) in the tree: what `ast.walk` would find,
    found faster (a candidate's whole tree is walked, and `ast.walk` builds an iterator of
    fields for every node). Below a `Name` is only its context, below a `Constant` nothing."""
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    pop, push = stack.pop, stack.append
    node_type, name, constant, load = ast.AST, ast.Name, ast.Constant, ast.Load
    while stack:
        node = pop()
        kind = type(node)
        if kind is name:
            if type(node.ctx) is load:  # type: ignore[attr-defined]
                found.add(node.id)  # type: ignore[attr-defined]
            continue
        if kind is constant:
            continue
        for attribute in node._fields:
            value = getattr(node, attribute, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    return frozenset(found)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """What `ast.iter_child_nodes` yields, in its order, as a list: faster (it makes two
    generators per node)."""
    children: list[ast.AST] = []
    node_type = ast.AST
    for attribute in node._fields:
        value = getattr(node, attribute, None)
        if isinstance(value, node_type):
            children.append(value)
        elif type(value) is list:
            children.extend(item for item in value if isinstance(item, node_type))
    return children


def all_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node `ast.walk` finds, in another order, faster."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    pop, push, add = stack.pop, stack.append, found.append
    node_type = ast.AST
    while stack:
        node = pop()
        add(node)
        for attribute in node._fields:
            value = getattr(node, attribute, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    return found


def annotation_names(tree: ast.Module) -> frozenset[str]:
    """Names that the module's annotations use, in code or inside strings: every `Name`,
    `Attribute` (its last part: `a.b.C` may become `C`) and string of an annotation of an
    `AnnAssign` or a function met through the statements' blocks. Walked as `loaded_names` is,
    faster than `ast.walk`."""
    annotations: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.AnnAssign:
            annotations.append(node.annotation)  # type: ignore[attr-defined]
            continue  # no blocks
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            args = node.args  # type: ignore[attr-defined]
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            annotations.extend(a.annotation for a in every if a is not None and a.annotation)
            if node.returns is not None:  # type: ignore[attr-defined]
                annotations.append(node.returns)  # type: ignore[attr-defined]
        blocks = _BLOCKS_OF.get(kind)
        if blocks is None:
            blocks = _BLOCKS_OF[kind] = tuple(b for b in _BLOCKS if b in kind._fields)
        for block in blocks:
            inner = getattr(node, block, None)
            if type(inner) is list:
                stack.extend(s for s in inner if isinstance(s, ast.AST))
    return _annotated(annotations)


_BLOCKS = ("body", "orelse", "finalbody", "handlers")
_BLOCKS_OF: dict[type, tuple[str, ...]] = {}  # which of them a kind of statement has


def _annotated(annotations: list[ast.AST]) -> frozenset[str]:
    found: set[str] = set()
    stack = annotations
    pop, push = stack.pop, stack.append
    node_type, name, attribute, constant = ast.AST, ast.Name, ast.Attribute, ast.Constant
    while stack:
        node = pop()
        kind = type(node)
        if kind is name:
            found.add(node.id)  # type: ignore[attr-defined]
            continue  # below it, only its context
        if kind is constant:
            if type(node.value) is str:  # type: ignore[attr-defined]
                found.update(_IDENTIFIER.findall(node.value))  # type: ignore[attr-defined]
            continue
        if kind is attribute:
            found.add(node.attr)  # type: ignore[attr-defined]
        for field_name in node._fields:
            value = getattr(node, field_name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    return frozenset(found)
