"""When an import that would register a target must not be added, because it breaks working code.

An import runs every module it reaches and registers every class in them:
- a module file the project imports under two names (two roots on `sys.path`) registers each of
  its classes twice, and then only its module-qualified path works;
- a dotted string that names the module under another root than the import would load it under
  brings that second name into the process;
- a newly loaded module that defines a mapped class name or a table that another module also
  defines makes that name ambiguous, or changes which definition of the table wins.
"""

from __future__ import annotations

import ast
from typing import Optional

from .discover import is_test_file
from .find import Reference
from .project import Project
from .registration import Registration
from .resolve import Target
from .scan import ClassInfo
from .spelling import display_name, import_root

Refusal = tuple[str, str]  # (kind, reason)


class Refusals:
    def __init__(self, project: Project, registration: Registration) -> None:
        self.project = project
        self.registration = registration
        self._duplicates: dict[str, Optional[tuple[str, str]]] = {}
        self._clashes: dict[str, Optional[tuple[str, str]]] = {}
        self._checked = 0  # the modules whose clash is known, as the registration's bits
        self._clashing = 0  # and those with one

    def refuse(self, file: str, ref: Reference, target: Target) -> Optional[Refusal]:
        return (
            self._two_names(target)
            or self._other_root(file, ref, target)
            or self._duplicate_definitions(file, target)
        )

    def _two_names(self, target: Target) -> Optional[Refusal]:
        names = self.project.import_names(target.file)
        if len(names) < 2:
            return None
        listed = " and ".join(sorted(names, key=len))
        return (
            "two-names",
            f"{target.file} is imported under two module names ({listed}), so each of its "
            "classes is registered twice; only a module-qualified path works, and no import of "
            "it is added",
        )

    def _other_root(self, file: str, ref: Reference, target: Target) -> Optional[Refusal]:
        if ref.bare:
            return None
        written = tuple(target.path.split(".")[:-1])
        root = import_root(self.project, file, target.file)
        loaded = self.project.name_under(target.file, root) if root is not None else None
        if loaded is None or loaded[-len(written) :] == written:
            return None
        return (
            "two-names",
            f"the string names the module {'.'.join(written)}, but the import would load it as "
            f"{'.'.join(loaded)}: a second module name for one file registers its classes twice",
        )

    def _duplicate_definitions(self, file: str, target: Target) -> Optional[Refusal]:
        registration = self.registration
        loaded = registration.loaded_by(file, target.file)
        unknown = loaded & ~self._checked
        if unknown:  # each module's clash is looked for once, and kept as a bit
            for module in registration.members(unknown):
                if self._clash(module) is not None:
                    self._clashing |= registration.bit(module)
            self._checked |= unknown
        clashing = registration.members(loaded & self._clashing)
        if not clashing:
            return None
        module = min(clashing)
        table, other = self._clash(module) or ("", "")
        if table:
            return (
                "duplicate",
                f"importing {self._name(target.file)} loads {module}, which defines the "
                f"table {table!r} that {other} defines too: the import could change "
                "which definition wins",
            )
        name, other = self._duplicate_class(module) or ("", "")
        return (
            "duplicate",
            f"importing {self._name(target.file)} loads {module}, which defines the "
            f"mapped class {name} that {other} defines too: the bare name {name} would "
            "become ambiguous",
        )

    def _clash(self, module: str) -> Optional[tuple[str, str]]:
        """What makes loading `module` unsafe: (a table it defines, the other file defining
        it), or ("", the other file) for a mapped class defined twice; None if nothing."""
        if module not in self._clashes:
            self._clashes[module] = self._find_clash(module)
        return self._clashes[module]

    def _find_clash(self, module: str) -> Optional[tuple[str, str]]:
        for table in self.project.tables_of(module):
            others = [
                f
                for f in self.project.files_with_table(table)
                if f != module and not is_test_file(f) and self._defines_table(f, table)
            ]
            if others and self._defines_table(module, table):
                return table, others[0]
        clash = self._duplicate_class(module)
        return None if clash is None else ("", clash[1])

    def _defines_table(self, file: str, table: str) -> bool:
        """A top-level class with `__tablename__ = table`, or a module-level `Table(table, ...)`
        (the bytes may only mention the name, in a string or a comment)."""
        info = self.project.info(file)
        if info is None:
            return True  # cannot tell: count it
        for classes in info.toplevel_classes.values():
            for cls in classes:
                value = dict(cls.assigns).get("__tablename__")
                if isinstance(value, ast.Constant) and value.value == table:
                    return True
        for bounds in info.bindings.values():
            for bound in bounds:
                value = getattr(bound.binding, "value", None)
                if _is_table_call(value, table):
                    return True
        return False

    def _duplicate_class(self, module: str) -> Optional[tuple[str, str]]:
        if module not in self._duplicates:
            self._duplicates[module] = self._find_duplicate_class(module)
        return self._duplicates[module]

    def _find_duplicate_class(self, module: str) -> Optional[tuple[str, str]]:
        info = self.project.info(module)
        for name, classes in info.toplevel_classes.items() if info else ():
            if not any(_has_table(c) for c in classes):
                continue
            for other in self.project.files_defining(name):
                if is_test_file(other):
                    continue
                other_info = self.project.info(other) if other != module else None
                if other_info and any(
                    _has_table(c) for c in other_info.toplevel_classes.get(name, [])
                ):
                    return name, other
        return None

    def _name(self, file: str) -> str:
        return display_name(self.project, file, import_root(self.project, file, file))


def _has_table(cls: ClassInfo) -> bool:
    return any(name in ("__tablename__", "__table__") for name, _ in cls.assigns)


def _is_table_call(value: Optional[ast.expr], table: str) -> bool:
    if not isinstance(value, ast.Call) or not value.args:
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    first = value.args[0]
    return name == "Table" and isinstance(first, ast.Constant) and first.value == table
