"""What the decisions are: a rewrite (with the imports it adds) or a reason to leave a reference.

Rewrite(ref, Target("ecommerce/models.py", "Subscription", ...),
        add=ImportPlan("ecommerce.models", "Subscription", type_checking=False))
Leave(ref, "ambiguous", "another class named Invoice may be mapped: legacy/models.py:12")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from .find import Reference
from .resolve import Target


@dataclass(frozen=True)
class ImportPlan:
    module: str
    name: str
    type_checking: bool


@dataclass(frozen=True)
class ModuleImport:
    """`import app.models.order as _order` (or `from . import order as _order`): registers every
    class of the module and binds only the alias. `late`: placed after the class definitions."""

    module: str  # as written after `import`, or a relative module (`.order`)
    alias: str
    late: bool

    def _from_parts(self) -> tuple[str, str]:
        """A relative module as `from <package> import <name>`: `..ecommerce.models` ->
        (`..ecommerce`, `models`); `.order` -> (`.`, `order`)."""
        rest = self.module.lstrip(".")
        dots = self.module[: len(self.module) - len(rest)]
        package, _, name = rest.rpartition(".")
        return dots + package, name

    @property
    def statement(self) -> str:
        noqa = "# noqa: E402, F401" if self.late else "# noqa: F401"
        if self.module.startswith("."):
            package, name = self._from_parts()
            return f"from {package} import {name} as {self.alias}  {noqa}"
        return f"import {self.module} as {self.alias}  {noqa}"

    @property
    def key(self) -> tuple[str, str, int, str, Optional[str], bool]:
        """The import as the safety check sees it (see safety.ImportKey)."""
        if self.module.startswith("."):
            package, name = self._from_parts()
            level = len(package) - len(package.lstrip("."))
            return ("from", package.lstrip("."), level, name, self.alias, False)
        return ("import", self.module, 0, "", self.alias, False)


@dataclass
class ImportEdits:
    runtime: dict[str, list[str]] = field(default_factory=dict)
    type_checking: dict[str, list[str]] = field(default_factory=dict)
    drop_type_checking: set[str] = field(default_factory=set)
    protect: set[str] = field(default_factory=set)
    modules: list[ModuleImport] = field(default_factory=list)  # at the top

    def __bool__(self) -> bool:
        return bool(
            self.runtime
            or self.type_checking
            or self.drop_type_checking
            or self.protect
            or self.modules
        )


@dataclass(frozen=True)
class Rewrite:
    """A reference rewritten to the bare name, or (`registers_only`) a bare one given the import
    that registers its class."""

    ref: Reference
    target: Target
    add: Optional[ImportPlan] = None
    drop_type_checking: bool = False  # the name's import under TYPE_CHECKING becomes redundant
    protect: bool = False  # the existing runtime import now needs protecting from F401 fixes
    warning: Optional[str] = None
    register: Optional[ModuleImport] = None
    init: Optional[tuple[str, ModuleImport]] = None  # registered in this package __init__.py

    @property
    def new_value(self) -> str:
        return self.target.name

    @property
    def path(self) -> str:
        """The dotted text that `new_value` replaces."""
        return self.target.path

    @property
    def registers_only(self) -> bool:
        return self.path == self.new_value

    @property
    def idle(self) -> bool:
        """Nothing to change in this file (the registration, if any, is in another one)."""
        return self.registers_only and self.add is None and self.register is None


@dataclass(frozen=True)
class Leave:
    ref: Reference
    kind: str  # "broken", "stale", "missing" and "ambiguous-registry" are reported; the others
    reason: str  # are listed with -v (or, for names outside the project, not at all)
    blocks: bool = True  # keeps the rest of its relationship dotted (see transform)
    code: str = ""  # when the kind alone does not settle it (transform.py maps the kinds)


Decision = Union[Rewrite, Leave]
