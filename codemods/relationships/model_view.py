"""The project's mapped classes as the relationship checks see them, read lazily: each class's
lineage (mapped or not, its ancestors, the root of its mapped hierarchy, whether the tool can see
all of it), the backrefs of class bodies, and every table name written in the text.

class Base(DeclarativeBase): ...        declarative root: not mapped, ends the lineage
class Employee(Base): ...               mapped, root Employee
class Manager(Employee): ...            mapped, ancestors [Employee], root Employee
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from .mapped import MappedCheck
from .model_facts import FileFacts, ModelClass, Relationship, read_facts
from .model_text import ProjectText
from .project import Project
from .qualify import External, ProjectObject, Resolver
from .resolve import Target, resolve_target
from .scan import Defined, ImportedName, scan_module
from .sources import SourceError, SourceText, decode, parse_python

DECLARATIVE_ROOTS = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.declarative_base()",
        "sqlalchemy.orm.decl_api.declarative_base()",
        "sqlalchemy.ext.declarative.declarative_base()",
        "sqlalchemy.orm.registry().generate_base()",
        "flask_sqlalchemy.SQLAlchemy().Model",
        "flask_sqlalchemy.extension.SQLAlchemy().Model",
    }
)
_AS_DECLARATIVE = ("sqlalchemy.orm.as_declarative()", "sqlalchemy.ext.declarative.as_declarative()")
# Bases that give a model no attribute the checks could confuse with a mapped one.
_NEUTRAL_BASES = frozenset(
    {
        "builtins.object",
        "typing.Generic",
        "abc.ABC",
        "sqlalchemy.orm.MappedAsDataclass",
        "sqlalchemy.ext.asyncio.AsyncAttrs",
    }
)
# Arguments of a base factory that give every model attributes the tool cannot see.
_BASE_OPTIONS = frozenset({"cls", "metaclass", "model_class"})


@dataclass(frozen=True)
class Lineage:
    cls: ModelClass
    mapped: bool  # reaches a declarative root and is not abstract
    declarative: bool  # reaches a declarative root
    ancestors: tuple[tuple[ModelClass, bool], ...]  # project ancestors, each with mapped-ness
    root: Optional[tuple[str, str]]  # (file, name) of the topmost mapped class
    opaque: Optional[str]
    named_tables: bool = False  # the base names tables itself (Flask-SQLAlchemy's db.Model)


class ModelView:
    def __init__(self, project: Project, known: Optional[Mapping[str, FileFacts]] = None) -> None:
        self.project = project
        self.resolver = Resolver(project)
        self.mapped_check = MappedCheck(self.resolver)
        self._facts: dict[str, Optional[FileFacts]] = dict(known or {})
        self._lineages: dict[tuple[str, str], Optional[Lineage]] = {}
        self._tables: Optional[FileFacts] = None
        self.text = ProjectText(project)

    # -- facts --------------------------------------------------------------------------
    def facts(self, file: str) -> Optional[FileFacts]:
        if file not in self._facts:
            self._facts[file] = self._read(file)
        return self._facts[file]

    def _read(self, file: str) -> Optional[FileFacts]:
        try:
            text = decode(self.project.read(file)).text
            tree = parse_python(text)
        except (OSError, SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        if self.project.known_info(file) is None:
            self.project.set_info(file, scan_module(tree, keep_tree=False))
        return read_facts(file, tree, SourceText(text), self.resolver)

    def model(self, file: str, name: str) -> Optional[ModelClass]:
        facts = self.facts(file)
        return facts.classes.get(name) if facts else None

    # -- targets --------------------------------------------------------------------------
    def target_of(self, rel: Relationship) -> Optional[ModelClass]:
        """The one class a relationship targets, or None when it is not one provable class."""
        if rel.target_class is not None:
            return self.model(rel.target_class.file, rel.target_class.name)
        if rel.target is None:
            return None
        if "." in rel.target:
            found = resolve_target(self.project, rel.target)
            return self.model(found.file, found.name) if isinstance(found, Target) else None
        files = self.project.files_defining(rel.target)
        if len(files) != 1 or self.project.may_nest(rel.target, files[0]):
            return None
        return self.model(files[0], rel.target)

    # -- lineage --------------------------------------------------------------------------
    def lineage(self, cls: ModelClass) -> Optional[Lineage]:
        key = (cls.file, cls.name)
        if key not in self._lineages:
            self._lineages[key] = None  # a cycle through bases proves nothing
            self._lineages[key] = self._lineage(cls)
        return self._lineages[key]

    def _lineage(self, cls: ModelClass) -> Optional[Lineage]:
        opaque = cls.opaque
        declarative = _is_root_class(self, cls)
        ancestors: list[tuple[ModelClass, bool]] = []
        roots: list[tuple[str, str]] = []
        named_tables = False
        for base in cls.info.bases:
            kind, parent = self._base(cls.file, base)
            declarative |= kind in ("root", "flask")
            named_tables |= kind == "flask"
            if parent is None:
                if kind == "opaque":
                    opaque = opaque or f"a base ({ast.unparse(base)}) the tool cannot see into"
                continue
            line = self.lineage(parent)
            if line is None:
                return None
            opaque = opaque or line.opaque
            declarative |= line.declarative
            named_tables |= line.named_tables
            ancestors.append((parent, line.mapped))
            ancestors.extend(line.ancestors)
            if line.root is not None:
                roots.append(line.root)
        abstract = self.mapped_check.provably_unmapped(cls.file, cls.info)
        mapped = declarative and not abstract and not _is_root_class(self, cls)
        if len(set(roots)) > 1:
            opaque = opaque or "it has several mapped bases"
        root = roots[0] if roots else ((cls.file, cls.name) if mapped else None)
        return Lineage(cls, mapped, declarative, tuple(ancestors), root, opaque, named_tables)

    def _base(self, file: str, base: ast.expr) -> tuple[str, Optional[ModelClass]]:
        """("class", the project class), or ("root" | "flask" | "neutral" | "opaque", None)."""
        while isinstance(base, ast.Subscript):
            base = base.value
        meaning = self.resolver.expr(file, self.resolver.module_scopes(file), base)
        if isinstance(meaning, ProjectObject) and meaning.kind == "class":
            parent = self.model(meaning.file, meaning.name)
            return ("class", parent) if parent else ("opaque", None)
        if isinstance(meaning, External) and meaning.qname in DECLARATIVE_ROOTS:
            if self._customized(file, base):
                return ("opaque", None)
            return ("flask" if meaning.qname.startswith("flask") else "root", None)
        if isinstance(meaning, External) and meaning.qname in _NEUTRAL_BASES:
            return ("neutral", None)
        return ("opaque", None)

    def _customized(self, file: str, node: ast.expr) -> bool:
        """Whether the factory call behind a base (`declarative_base(cls=Mixin)`,
        `SQLAlchemy(model_class=...)`) passes options that give models unseen attributes."""
        for _ in range(16):
            while isinstance(node, ast.Attribute):
                node = node.value
            if isinstance(node, ast.Call):
                if any(k.arg in _BASE_OPTIONS or k.arg is None for k in node.keywords):
                    return True
                node = node.func
                continue
            if not isinstance(node, ast.Name):
                return False
            found = self._assigned_value(file, node.id)
            if found is None:
                return False
            file, node = found
        return True

    def _assigned_value(self, file: str, name: str) -> Optional[tuple[str, ast.expr]]:
        for _ in range(16):
            info = self.project.info(file)
            bounds = info.bindings.get(name) if info else None
            if not bounds:
                return None
            binding = bounds[-1].binding
            if isinstance(binding, Defined):
                return (file, binding.value) if binding.value is not None else None
            if not isinstance(binding, ImportedName):
                return None
            ref = self.project.resolve_module(binding.module, binding.level, file)
            if ref is None:
                return None
            file, name = ref.file, binding.name
        return None

    # -- the whole project ------------------------------------------------------------------
    def backrefs(self, name: str, target: str) -> list[Relationship]:
        """The class-body relationships of the project whose backref is `name`, among those
        that may target the class `target` (parsing only the files whose text names both)."""
        found: list[Relationship] = []
        for file in self.text.backref_files_naming(name, target):
            facts = self.facts(file)
            for cls in facts.classes.values() if facts else ():
                found.extend(
                    r for r in cls.relationships() if r.backref and r.backref.value == name
                )
        return found

    def tables(self) -> FileFacts:
        """Every table name of the project (`Table(...)`, `__tablename__`); `any_table` when one
        cannot be read."""
        if self._tables is None:
            found = FileFacts()
            files = set(self.project.files_mentioning("Table"))
            files.update(self.project.files_mentioning("__tablename__"))
            for file in sorted(files):
                facts = self.facts(file)
                if facts is None:
                    found.any_table = True
                    continue
                found.tables |= facts.tables
                found.any_table |= facts.any_table
            self._tables = found
        return self._tables


def _is_root_class(view: ModelView, cls: ModelClass) -> bool:
    """`class Base(DeclarativeBase)` or `@as_declarative() class Base`: the base, not a model."""
    scopes = view.resolver.module_scopes(cls.file)
    for node in (*cls.info.bases, *cls.info.decorators):
        meaning = view.resolver.expr(cls.file, scopes, node)
        if isinstance(meaning, External) and (
            meaning.qname in _AS_DECLARATIVE
            or meaning.qname.endswith(("DeclarativeBase", "DeclarativeBaseNoMeta"))
        ):
            return True
    return False
