"""Find the `relationship()` calls of one module whose target is a dotted string literal.

    subscription = relationship("ecommerce.models.Subscription", backref="usage_events")
                                ^ Reference(value="ecommerce.models.Subscription", ...)

Only the target (first positional argument or `argument=`) is looked at. The callee counts when it
means SQLAlchemy's `relationship`, `dynamic_loader` or `relation` however it was imported,
re-exported or aliased, or Flask-SQLAlchemy's `db.relationship` / `db.dynamic_loader`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional, Union

from .project import is_identifier
from .qualify import External, Resolver, Scopes
from .scan import Bound, Defined, ImportedName, function_bindings, scope_bindings
from .sources import SourceText

_FUNCTIONS = ("relationship", "dynamic_loader", "relation")
_ORM_MODULES = (
    "sqlalchemy.orm",
    "sqlalchemy.orm.relationships",
    "sqlalchemy.orm._orm_constructors",
)
_FLASK_SQLALCHEMY = ("flask_sqlalchemy.SQLAlchemy()", "flask_sqlalchemy.extension.SQLAlchemy()")
RELATIONSHIP_FUNCTIONS = frozenset(
    f"{owner}.{function}" for owner in _ORM_MODULES + _FLASK_SQLALCHEMY for function in _FUNCTIONS
)
_STRING_LITERAL = re.compile(r"(?is)([rbuf]*)('''|\"\"\"|'|\")(.*)\2")
IGNORE_COMMENT = re.compile(r"#\s*fix-relationships:\s*ignore\b")


@dataclass(frozen=True)
class Reference:
    """A dotted target string literal: `prefix` and `quote` are kept when it is rewritten."""

    value: str
    node: ast.Constant
    call: ast.Call
    scopes: Scopes


@dataclass(frozen=True)
class Skipped:
    """A relationship target left alone on purpose, listed with `-v`."""

    node: ast.expr
    reason: str


Found = Union[Reference, Skipped]


def is_dotted_path(value: str) -> bool:
    parts = value.split(".")
    return len(parts) > 1 and all(is_identifier(p) for p in parts)


def target_argument(call: ast.Call) -> Optional[ast.expr]:
    if call.args:
        first = call.args[0]
        return None if isinstance(first, ast.Starred) else first
    for keyword in call.keywords:
        if keyword.arg == "argument":
            return keyword.value
    return None


def single_literal(source: SourceText, node: ast.Constant) -> bool:
    """True if the node is one plain literal whose text is its value (no concatenation, escapes)."""
    match = _STRING_LITERAL.fullmatch(source.segment(node))
    return match is not None and match.group(3) == node.value and "b" not in match.group(1).lower()


_ScopeNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef]


def _callee_aliases(module_scope: Mapping[str, Sequence[Bound]]) -> set[str]:
    """Module-level names that may stand for a relationship function (`rel`, `relationship`)."""
    aliases = set(_FUNCTIONS)
    for name, bounds in module_scope.items():
        for bound in bounds:
            b = bound.binding
            if isinstance(b, ImportedName) and b.name in _FUNCTIONS:
                aliases.add(name)
            elif isinstance(b, Defined) and isinstance(b.value, (ast.Name, ast.Attribute)):
                last = b.value.id if isinstance(b.value, ast.Name) else b.value.attr
                if last in _FUNCTIONS:
                    aliases.add(name)
    return aliases


class _Finder(ast.NodeVisitor):
    def __init__(
        self,
        file: str,
        resolver: Resolver,
        source: SourceText,
        module_scope: Mapping[str, Sequence[Bound]],
    ) -> None:
        self.file = file
        self.resolver = resolver
        self.source = source
        self.module_scope = module_scope
        self.aliases = _callee_aliases(module_scope)
        # enclosing functions and classes, outermost first; their bindings computed when needed
        self.stack: list[_ScopeNode] = []
        self._bindings: dict[int, Mapping[str, Sequence[Bound]]] = {}
        self.found: list[Found] = []

    def _scope_bindings(self, node: _ScopeNode) -> Mapping[str, Sequence[Bound]]:
        if id(node) not in self._bindings:
            if isinstance(node, ast.ClassDef):
                self._bindings[id(node)] = scope_bindings(node.body)
            else:
                self._bindings[id(node)] = function_bindings(node)
        return self._bindings[id(node)]

    def scopes(self) -> Scopes:
        """Visible scopes, innermost first: enclosing classes only when directly inside one."""
        last = len(self.stack) - 1
        visible = [
            self._scope_bindings(node)
            for depth, node in enumerate(self.stack)
            if not isinstance(node, ast.ClassDef) or depth == last
        ]
        return [*reversed(visible), self.module_scope]

    def _in_scope(self, node: _ScopeNode) -> None:
        self.stack.append(node)
        self.generic_visit(node)
        self.stack.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._in_scope(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._in_scope(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._in_scope(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._in_scope(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        argument = target_argument(node)
        if not isinstance(argument, (ast.Constant, ast.JoinedStr, ast.BinOp)):
            return
        if not self._may_be_relationship(node.func) or not self._is_relationship(node):
            return
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            self._literal(node, argument)
        elif isinstance(argument, ast.JoinedStr):
            self.found.append(Skipped(argument, "f-string target"))
        elif isinstance(argument, ast.BinOp) and _has_string(argument):
            self.found.append(Skipped(argument, "target built by an expression"))

    def _may_be_relationship(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Attribute):
            return func.attr in _FUNCTIONS
        return isinstance(func, ast.Name) and func.id in self.aliases

    def _literal(self, call: ast.Call, node: ast.Constant) -> None:
        value = node.value
        assert isinstance(value, str)
        if not is_dotted_path(value):
            return
        if self._ignored(call, node):
            self.found.append(Skipped(node, "ignored by a `# fix-relationships: ignore` comment"))
        elif not single_literal(self.source, node):
            self.found.append(Skipped(node, "target is not one plain string literal"))
        else:
            self.found.append(Reference(value, node, call, self.scopes()))

    def _ignored(self, call: ast.Call, node: ast.Constant) -> bool:
        last = node.end_lineno or node.lineno
        lines = {call.lineno, *range(node.lineno, last + 1)}
        return any(IGNORE_COMMENT.search(self.source.line(n)) for n in lines)

    def _is_relationship(self, call: ast.Call) -> bool:
        meaning = self.resolver.expr(self.file, self.scopes(), call.func)
        if isinstance(meaning, External):
            return meaning.qname in RELATIONSHIP_FUNCTIONS
        if meaning is None and isinstance(call.func, ast.Name) and call.func.id in _FUNCTIONS:
            stars = self.resolver.external_star_modules(self.file)
            return any(f"{m}.{call.func.id}" in RELATIONSHIP_FUNCTIONS for m in stars)
        return False


def _has_string(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(n.value, str))
        for n in ast.walk(node)
    )


def find_references(
    file: str, tree: ast.Module, source: SourceText, resolver: Resolver
) -> list[Found]:
    scopes = resolver.module_scopes(file)
    finder = _Finder(file, resolver, source, scopes[0] if scopes else {})
    finder.visit(tree)
    return sorted(finder.found, key=lambda f: (f.node.lineno, f.node.col_offset))
