"""One module's facts for the relationship checks, read from its `ast`: its top-level classes with
their attributes and relationships, and the tables it defines.

class UsageEvent(Base):
    subscription = relationship("Subscription", back_populates="usage_event")
 -> ModelClass("UsageEvent", attrs={"subscription": Attr(RELATIONSHIP, Relationship(...))})
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from .find import RELATIONSHIP_FUNCTIONS, target_argument
from .qualify import External, Meaning, ProjectObject, Resolver, Scopes
from .scan import ClassInfo, all_nodes
from .sources import SourceText, holds_a_line

RELATIONSHIP = "relationship"
COLUMN = "column"  # a mapped property that is provably not a relationship
MAPPED = "mapped"  # `x: Mapped[...]` alone: a column, or a relationship inferred from the type
DECLARED = "declared"  # a `@declared_attr` function: its kind shows only at runtime
OTHER = "other"  # a method, a plain value, an unknown call: nothing the mapper provably has

_BACKREF = frozenset(f"{q.rpartition('.')[0]}.backref" for q in RELATIONSHIP_FUNCTIONS)
_COLUMNS = frozenset(
    {"Column", "mapped_column", "column_property", "composite", "synonym", "deferred"}
)
_COLUMN_OWNERS = ("sqlalchemy", "flask_sqlalchemy")
_MAPPED = frozenset({"sqlalchemy.orm.Mapped", "sqlalchemy.orm.base.Mapped"})
_COLLECTIONS = frozenset(
    {"Optional", "List", "list", "Set", "set", "FrozenSet", "frozenset", "Sequence", "Collection"}
)
_SAFE_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "sqlalchemy.orm.as_declarative()",
        "sqlalchemy.ext.declarative.as_declarative()",
        "sqlalchemy.orm.registry().mapped",
        "sqlalchemy.orm.registry().mapped_as_dataclass",
    }
)
_OPAQUE_METHODS = frozenset(
    {
        "__getattr__",
        "__getattribute__",
        "__init_subclass__",
        "__declare_first__",
        "__declare_last__",
        "__mapper_args__",
        "__table__",
    }
)
_OPAQUE_MAPPER_ARGS = frozenset(
    {"properties", "include_properties", "exclude_properties", "concrete"}
)


class Str(NamedTuple):
    """A string literal argument and where it stands (1-based line and character column)."""

    value: str
    line: int
    col: int


@dataclass(frozen=True)
class Relationship:
    file: str
    owner: str
    attr: str
    line: int
    col: int
    target: Optional[str]  # the class name as SQLAlchemy reads it: "Subscription", "a.b.C"
    target_class: Optional[ProjectObject]  # or the class itself, when named in code
    back_populates: Optional[Str]
    backref: Optional[Str]
    secondary: Optional[Str]


class Attr(NamedTuple):
    kind: str
    line: int
    relationship: Optional[Relationship] = None


@dataclass(frozen=True)
class ModelClass:
    file: str
    info: ClassInfo
    attrs: Mapping[str, Attr]
    opaque: Optional[str]  # why the tool cannot see every attribute of the class

    @property
    def name(self) -> str:
        return self.info.name

    def relationships(self) -> list[Relationship]:
        found = {id(a.relationship): a.relationship for a in self.attrs.values()}
        return [r for r in found.values() if r is not None]


@dataclass
class FileFacts:
    classes: dict[str, ModelClass] = field(default_factory=dict)  # top-level, defined once
    tables: set[str] = field(default_factory=set)  # bare table names
    any_table: bool = False  # a table whose name cannot be read, or reflection


def _literal(node: Optional[ast.expr]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Reader:
    def __init__(self, file: str, source: SourceText, resolver: Resolver) -> None:
        self.file = file
        self.source = source
        self.resolver = resolver
        self.scopes: Scopes = resolver.module_scopes(file)

    def meaning(self, node: ast.expr) -> Meaning:
        return self.resolver.expr(self.file, self.scopes, node)

    def qname(self, node: ast.expr) -> str:
        meaning = self.meaning(node)
        return meaning.qname if isinstance(meaning, External) else ""

    def str_at(self, node: ast.expr) -> Optional[Str]:
        value = _literal(node)
        if value is None:
            return None
        return Str(value, node.lineno, self.source.column(node.lineno, node.col_offset))

    def value_kind(self, value: Optional[ast.expr]) -> str:
        if not isinstance(value, ast.Call):
            return OTHER
        qname = self.qname(value.func)
        if qname in RELATIONSHIP_FUNCTIONS:
            return RELATIONSHIP
        owner, _, last = qname.rpartition(".")
        if last in _COLUMNS and owner.startswith(_COLUMN_OWNERS):
            return COLUMN
        return DECLARED if last == "declared_attr" else OTHER

    def is_mapped(self, annotation: ast.expr) -> bool:
        return isinstance(annotation, ast.Subscript) and self.qname(annotation.value) in _MAPPED

    def relationship(
        self, owner: str, target: ast.expr, call: ast.Call, annotation: Optional[ast.expr]
    ) -> Relationship:
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        unknown = any(k.arg is None for k in call.keywords)
        name, cls = self._target(target_argument(call), annotation)
        backref: Optional[Str] = None
        value = keywords.get("backref")
        if isinstance(value, ast.Call) and self.qname(value.func) in _BACKREF and value.args:
            backref = self.str_at(value.args[0])
        elif value is not None:
            backref = self.str_at(value)
        return Relationship(
            self.file,
            owner,
            target.id if isinstance(target, ast.Name) else "",
            target.lineno,
            self.source.column(target.lineno, target.col_offset),
            None if unknown else name,
            None if unknown else cls,
            self.str_at(keywords["back_populates"]) if "back_populates" in keywords else None,
            backref,
            self.str_at(keywords["secondary"]) if "secondary" in keywords else None,
        )

    def _target(
        self, first: Optional[ast.expr], annotation: Optional[ast.expr]
    ) -> tuple[Optional[str], Optional[ProjectObject]]:
        if first is None and annotation is not None and self.is_mapped(annotation):
            assert isinstance(annotation, ast.Subscript)
            return self._annotated(annotation.slice, in_string=False)
        value = _literal(first)
        if value is not None:
            return (value, None) if _is_path(value) else (None, None)
        if isinstance(first, (ast.Name, ast.Attribute)):
            meaning = self.meaning(first)
            if isinstance(meaning, ProjectObject) and meaning.kind == "class":
                return None, meaning
        return None, None

    def _annotated(
        self, node: ast.expr, in_string: bool
    ) -> tuple[Optional[str], Optional[ProjectObject]]:
        text = _literal(node)
        if text is not None:
            try:
                parsed = ast.parse(text, mode="eval").body
            except SyntaxError:
                return None, None
            return self._annotated(parsed, in_string=True)
        if isinstance(node, ast.Subscript) and _last_name(node.value) in _COLLECTIONS:
            return self._annotated(node.slice, in_string)
        path = _dotted(node)
        if path is None:
            return None, None
        meaning = self.meaning(node)
        if isinstance(meaning, ProjectObject) and meaning.kind == "class":
            return None, meaning
        # SQLAlchemy evaluates an annotation in the module first; only a name the module does
        # not bind falls back to the registry, like a string target.
        head = path.split(".")[0]
        info = self.resolver.project.info(self.file)
        unbound = not any(head in scope for scope in self.scopes) and not (
            info and info.star_imports
        )
        if in_string and unbound:
            return path, None
        return None, None


def _is_path(value: str) -> bool:
    return all(part.isidentifier() for part in value.split("."))


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _dotted(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def _class_opacity(reader: _Reader, node: ast.ClassDef) -> Optional[str]:
    for decorator in node.decorator_list:
        if reader.qname(decorator) not in _SAFE_DECORATORS:
            return "a class decorator may add attributes"
    if node.keywords:
        return "class keywords (a metaclass) may add attributes"
    return None


def _assigned(stmt: ast.stmt) -> list[tuple[str, Optional[ast.expr], Optional[ast.expr]]]:
    """(name, value, annotation) for each name a class-body statement binds; raises ValueError
    for a statement whose names cannot be read."""
    if isinstance(stmt, ast.Assign):
        found: list[tuple[str, Optional[ast.expr], Optional[ast.expr]]] = []
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                found.append((target.id, stmt.value, None))
            elif isinstance(target, (ast.Tuple, ast.List)) and all(
                isinstance(e, ast.Name) for e in target.elts
            ):
                found.extend((e.id, None, None) for e in target.elts if isinstance(e, ast.Name))
            else:
                raise ValueError("an assignment in the class body binds a computed name")
        return found
    if isinstance(stmt, ast.AnnAssign):
        if not isinstance(stmt.target, ast.Name):
            raise ValueError("an annotated assignment binds a computed name")
        return [(stmt.target.id, stmt.value, stmt.annotation)]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [((a.asname or a.name).split(".")[0], None, None) for a in stmt.names]
    if isinstance(stmt, ast.ClassDef):
        return [(stmt.name, None, None)]
    if isinstance(stmt, ast.Pass) or (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
    ):
        return []
    raise ValueError("the class body runs code that may bind computed names")


def _sets_class_attributes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A classmethod or `declared_attr` that assigns `cls.x = ...` or calls `setattr(cls, ...)`."""
    decorators = [ast.dump(d) for d in func.decorator_list]
    if not func.args.args or not any(
        "classmethod" in d or "declared_attr" in d for d in decorators
    ):
        return False
    first = func.args.args[0].arg
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id == first:
                return True
        elif isinstance(node, ast.Call) and _last_name(node.func) == "setattr" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Name) and arg.id == first:
                return True
    return False


def _mapper_args_opacity(value: Optional[ast.expr]) -> Optional[str]:
    if not isinstance(value, ast.Dict) or any(
        _literal(k) in _OPAQUE_MAPPER_ARGS or _literal(k) is None for k in value.keys
    ):
        return "__mapper_args__ may add, remove or copy properties"
    return None


def read_class(reader: _Reader, node: ast.ClassDef) -> ModelClass:
    attrs: dict[str, Attr] = {}
    opaque = _class_opacity(reader, node)
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name in _OPAQUE_METHODS:
                opaque = opaque or f"it defines {stmt.name}"
            elif _sets_class_attributes(stmt):
                opaque = opaque or f"{stmt.name}() sets attributes on the class"
            declared = any("declared_attr" in ast.dump(d) for d in stmt.decorator_list)
            attrs[stmt.name] = Attr(DECLARED if declared else OTHER, stmt.lineno)
            continue
        try:
            bound = _assigned(stmt)
        except ValueError as exc:
            opaque = opaque or str(exc)
            continue
        for name, value, annotation in bound:
            attrs[name] = _attr(reader, node.name, stmt, name, value, annotation)
            if name == "__table__":
                opaque = opaque or "its columns come from __table__"
            elif name == "__mapper_args__":
                opaque = opaque or _mapper_args_opacity(value)
    return ModelClass(reader.file, ClassInfo.of(node, True), attrs, opaque)


def _attr(
    reader: _Reader,
    owner: str,
    stmt: ast.stmt,
    name: str,
    value: Optional[ast.expr],
    annotation: Optional[ast.expr],
) -> Attr:
    kind = reader.value_kind(value)
    if kind == RELATIONSHIP:
        assert isinstance(value, ast.Call)
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target  # type: ignore[attr-defined]
        rel = reader.relationship(owner, target, value, annotation)
        return Attr(kind, stmt.lineno, rel)
    if kind == OTHER and value is None and annotation is not None and reader.is_mapped(annotation):
        kind = MAPPED
    return Attr(kind, stmt.lineno)


def _table_names(tree: ast.Module, facts: FileFacts, source: SourceText) -> None:
    """`Table("name", ...)` calls and `__tablename__` values anywhere in the module; a name
    that is not a literal (or a `__tablename__` function) sets `any_table`. Walked only in the
    statements whose lines show there is something to find (as the text does for the module: a
    word spelled with escapes, or in another Unicode form, is not looked for)."""
    text = source.text
    quoted = "'__tablename__'" in text or '"__tablename__"' in text
    if "Table" in text or quoted:
        lines = source.lines_holding("Table", *(["__tablename__"] if quoted else []))
        for node in (n for stmt in _spanning(tree.body, lines) for n in all_nodes(stmt)):
            if isinstance(node, ast.Call) and _last_name(node.func) == "Table":
                name = _literal(node.args[0]) if node.args else None
                facts.any_table |= name is None
                facts.tables.update([name] if name else [])
            elif quoted and _literal(node) == "__tablename__":  # type: ignore[arg-type]
                facts.any_table = True  # setattr(cls, "__tablename__", ...)
    if "__tablename__" not in text:
        return
    for node in _statements(tree.body, source.lines_holding("__tablename__")):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.any_table |= node.name == "__tablename__"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_last_name(t) == "__tablename__" for t in targets):
                name = _literal(node.value)
                facts.any_table |= name is None
                facts.tables.update([name] if name else [])


def _statements(body: list[ast.stmt], lines: list[int]) -> Iterator[ast.AST]:
    """Every statement, nested ones too, whose lines hold one of `lines` (sorted), without
    walking into expressions."""
    stack = list(reversed(_spanning(body, lines)))
    while stack:
        stmt = stack.pop()
        yield stmt
        for block in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(stmt, block, None)
            if isinstance(inner, list):
                nested = [s for s in inner if isinstance(s, ast.AST)]
                stack.extend(reversed(_spanning(nested, lines)))


def _spanning(body: Sequence[ast.AST], lines: list[int]) -> list[ast.AST]:
    """The statements whose lines (their decorators' too) hold one of `lines` (sorted)."""
    return [stmt for stmt in body if holds_a_line(stmt, lines)]


def read_facts(file: str, tree: ast.Module, source: SourceText, resolver: Resolver) -> FileFacts:
    reader = _Reader(file, source, resolver)
    facts = FileFacts()
    seen: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            seen[stmt.name] = seen.get(stmt.name, 0) + 1
            facts.classes[stmt.name] = read_class(reader, stmt)
    for name, count in seen.items():
        if count > 1:
            del facts.classes[name]  # which definition wins is for another check to say
    _table_names(tree, facts, source)
    return facts
