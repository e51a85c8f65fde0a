"""Find the dotted class paths of one module's `relationship()` calls and `Mapped[...]` annotations.

    subscription: Mapped["ecommerce.models.Subscription"] = relationship(
        "ecommerce.models.Subscription",
        primaryjoin="UsageEvent.subscription_id == ecommerce.models.Subscription.id",
    )

yields three references, one group: the target (first positional argument or `argument=`),
a chain inside an expression argument (`primaryjoin`, `secondaryjoin`, `order_by`,
`foreign_keys`, `remote_side`, also inside `backref(...)`), and the annotation. The callee counts
when it means SQLAlchemy's `relationship`, `dynamic_loader` or `relation` however it was
imported, re-exported or aliased, or Flask-SQLAlchemy's `db.relationship` / `db.dynamic_loader`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional, Union

from .chains import chain_parts, expression_chains, maximal_chains
from .ignore_comments import EVERYTHING, ignored_codes
from .project import is_identifier
from .qualify import External, Resolver, Scopes
from .scan import Bound, Defined, ImportedName, child_nodes, function_bindings, scope_bindings
from .sources import SourceText, holds_a_line

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


TARGET = "target"
ANNOTATION = "annotation"
EXPRESSION_ARGUMENTS = ("primaryjoin", "secondaryjoin", "order_by", "foreign_keys", "remote_side")
# Not statements, but holders of statement blocks (`match_case` exists from Python 3.10 on).
_BLOCK_HOLDERS = tuple(
    getattr(ast, name) for name in ("ExceptHandler", "match_case") if hasattr(ast, name)
)
_BACKREF = frozenset(f"{owner}.backref" for owner in _ORM_MODULES + _FLASK_SQLALCHEMY)
_MAPPED = frozenset({"sqlalchemy.orm.Mapped", "sqlalchemy.orm.base.Mapped"})


@dataclass(frozen=True)
class Reference:
    """A dotted path to resolve: a whole target string, or a chain inside an expression string
    or an annotation. `node` is what gets rewritten: the string literal (the path stands at
    `start` in its value), or for an unquoted annotation the chain itself."""

    value: str
    node: ast.expr
    scopes: Scopes  # innermost first; from a worker, all but the module's hold names only
    role: str = TARGET
    start: int = 0
    group: int = 0  # the references of one relationship are rewritten all together or not at all
    names_target: bool = False  # an annotation's name that is the relationship's only target

    @property
    def bare(self) -> bool:
        return "." not in self.value

    @property
    def is_target(self) -> bool:
        """The relationship's target itself (a typo here fails), not a name in an expression."""
        return self.role == TARGET or self.names_target


@dataclass(frozen=True)
class Skipped:
    """A relationship target left alone on purpose, listed with `-v`."""

    node: ast.expr
    reason: str
    code: str = "FR304"


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


class _Finder:
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
        # Only the statements whose lines name a relationship function (or an alias of one) or
        # hold `Mapped[` are visited.
        self.target_lines = source.lines_naming(self.aliases, "Mapped[")
        self.future_annotations = any(
            isinstance(b.binding, ImportedName) and b.binding.module == "__future__"
            for b in module_scope.get("annotations", ())
        )

    def walk_body(self, body: Sequence[ast.stmt]) -> None:
        """Visit the statements that may hold a target, tracking function and class scopes."""
        for stmt in body:
            if not self._may_hold_target(stmt):
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for outside in _evaluated_outside(stmt):  # in the enclosing scope
                    self._walk_expression(outside)
                self.stack.append(stmt)
                self.walk_body(stmt.body)
                self.stack.pop()
                continue
            if isinstance(stmt, ast.AnnAssign):
                group = id(stmt.value) if isinstance(stmt.value, ast.Call) else id(stmt)
                self._annotation(stmt.lineno, stmt.annotation, group, self._untargeted(stmt.value))
            for _, value in ast.iter_fields(stmt):
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.stmt):
                        self.walk_body([child])
                    elif isinstance(child, _BLOCK_HOLDERS):
                        self.walk_body(child.body)
                    elif isinstance(child, ast.AST):
                        self._walk_expression(child)

    def _walk_expression(self, node: ast.AST) -> None:
        todo = [node]
        while todo:
            current = todo.pop()
            if isinstance(current, ast.Lambda):
                todo.extend(current.args.defaults)  # evaluated where the lambda stands
                todo.extend(d for d in current.args.kw_defaults if d is not None)
                self.stack.append(current)
                self._walk_expression(current.body)
                self.stack.pop()
                continue
            todo.extend(child_nodes(current))
            if isinstance(current, ast.Call):
                self._call(current)

    def _may_hold_target(self, stmt: ast.stmt) -> bool:
        """Whether a line of the statement names a relationship function or holds `Mapped[`."""
        return holds_a_line(stmt, self.target_lines)

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

    def _call(self, node: ast.Call) -> None:
        argument = target_argument(node)
        stringlike = isinstance(argument, (ast.Constant, ast.JoinedStr, ast.BinOp))
        if not stringlike and not any(k.arg for k in node.keywords):
            return
        if not self._may_be_relationship(node.func) or not self._is_relationship(node):
            return
        group = id(node)
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            self._literal(node.lineno, argument, group)
        elif isinstance(argument, ast.JoinedStr):
            self.found.append(Skipped(argument, "f-string target"))
        elif isinstance(argument, ast.BinOp) and _has_string(argument):
            self.found.append(Skipped(argument, "target built by an expression"))
        for keyword in node.keywords:
            if keyword.arg in EXPRESSION_ARGUMENTS:
                self._expression(node.lineno, keyword.value, keyword.arg or "", group)
            elif keyword.arg == "backref" and self._is_backref(keyword.value):
                assert isinstance(keyword.value, ast.Call)
                for inner in keyword.value.keywords:
                    if inner.arg in EXPRESSION_ARGUMENTS:
                        self._expression(node.lineno, inner.value, f"backref {inner.arg}", group)

    def _untargeted(self, value: Optional[ast.expr]) -> bool:
        """A `relationship()` with no target argument: its annotation names the target."""
        return (
            isinstance(value, ast.Call)
            and target_argument(value) is None
            and self._may_be_relationship(value.func)
            and self._is_relationship(value)
        )

    def _annotation(
        self, line: int, annotation: ast.expr, group: int, untargeted: bool = False
    ) -> None:
        """`Mapped[...]`: its strings are expressions; its bare chains count when annotations
        are not evaluated (`from __future__ import annotations`), SQLAlchemy then reads text."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                inner = ast.parse(f"({annotation.value}\n)", mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return
            if self._is_mapped(inner):
                self._expression(line, annotation, ANNOTATION, group)
            return
        if not self._is_mapped(annotation):
            return
        assert isinstance(annotation, ast.Subscript)
        for node in ast.walk(annotation.slice):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if untargeted and is_identifier(node.value) and not self._ignored(line, node):
                    if single_literal(self.source, node):
                        ref = Reference(node.value, node, self.scopes(), ANNOTATION, 0, group, True)
                        self.found.append(ref)
                    continue
                self._expression(line, node, ANNOTATION, group)
        if self.future_annotations:
            for chain in maximal_chains(annotation.slice):
                self._code_chain(line, chain, group)
            if untargeted:
                self._annotation_names(line, annotation.slice, group)

    def _annotation_names(self, line: int, node: ast.expr, group: int) -> None:
        """`Mapped[list[Order]]` under `from __future__ import annotations`: SQLAlchemy reads
        the text, so `Order` is looked up in the registry like a string target."""
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Name) or self._ignored(line, sub):
                continue
            meaning = self.resolver.name(self.file, self.scopes(), sub.id)
            if isinstance(meaning, External):
                continue  # `list`, `Optional`, `Set`: not a class of the registry
            self.found.append(Reference(sub.id, sub, self.scopes(), ANNOTATION, 0, group, True))

    def _is_mapped(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Subscript):
            return False
        meaning = self.resolver.expr(self.file, self.scopes(), node.value)
        return isinstance(meaning, External) and meaning.qname in _MAPPED

    def _is_backref(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Call):
            return False
        meaning = self.resolver.expr(self.file, self.scopes(), node.func)
        return isinstance(meaning, External) and meaning.qname in _BACKREF

    def _may_be_relationship(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Attribute):
            return func.attr in _FUNCTIONS
        return isinstance(func, ast.Name) and func.id in self.aliases

    def _literal(self, line: int, node: ast.Constant, group: int) -> None:
        value = node.value
        assert isinstance(value, str)
        if not (is_dotted_path(value) or is_identifier(value)):
            return
        if self._ignored(line, node):
            self.found.append(
                Skipped(node, "ignored by a `# fix-relationships: ignore` comment", "FR305")
            )
        elif not single_literal(self.source, node):
            self.found.append(Skipped(node, "target is not one plain string literal"))
        else:
            self.found.append(Reference(value, node, self.scopes(), TARGET, 0, group))

    def _expression(self, line: int, node: ast.expr, role: str, group: int) -> None:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return
        chains = [c for c in expression_chains(node.value) if len(c.parts) > 1]
        if not chains or self._ignored(line, node):
            return
        if not single_literal(self.source, node):
            self.found.append(Skipped(node, f"{role} is not one plain string literal"))
            return
        for chain in chains:
            self.found.append(Reference(chain.text, node, self.scopes(), role, chain.start, group))

    def _code_chain(self, line: int, node: ast.Attribute, group: int) -> None:
        parts = chain_parts(node)
        if (
            parts is None
            or self._ignored(line, node)
            or self.source.segment(node) != ".".join(parts)
        ):
            return
        self.found.append(Reference(".".join(parts), node, self.scopes(), ANNOTATION, 0, group))

    def _ignored(self, line: int, node: ast.expr) -> bool:
        last = node.end_lineno or node.lineno
        lines = {line, *range(node.lineno, last + 1)}
        # Only a bare comment; `ignore[FR101]` is applied to the decisions (transform.py).
        return any(ignored_codes(self.source.line(n)) == EVERYTHING for n in lines)

    def _is_relationship(self, call: ast.Call) -> bool:
        meaning = self.resolver.expr(self.file, self.scopes(), call.func)
        if isinstance(meaning, External):
            return meaning.qname in RELATIONSHIP_FUNCTIONS
        if meaning is None and isinstance(call.func, ast.Name) and call.func.id in _FUNCTIONS:
            stars = self.resolver.external_star_modules(self.file)
            return any(f"{m}.{call.func.id}" in RELATIONSHIP_FUNCTIONS for m in stars)
        return False


def _evaluated_outside(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
) -> list[ast.expr]:
    """Decorators, defaults, bases and keywords: evaluated where the def or class stands."""
    found: list[ast.expr] = list(node.decorator_list)
    if isinstance(node, ast.ClassDef):
        found += [*node.bases, *(k.value for k in node.keywords)]
    else:
        found += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
    return found


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
    finder.walk_body(tree.body)
    return sorted(finder.found, key=lambda f: (f.node.lineno, f.node.col_offset))
