"""A dotted relationship target -> the class SQLAlchemy would find, or why there is none.

"ecommerce.models.Subscription"  ->  Target("backend/ecommerce/models.py", "Subscription")
"ecommerce.modles.Subscription"  ->  Unresolved("outside", ...)   no module ends with that
"ecommerce.models.Subscriptoin"  ->  Unresolved("broken", ...)    the module has no such class
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Optional, Union

from .mapped import MappedCheck
from .project import Project
from .scan import ClassInfo
from .spelling import display_name, import_root


@dataclass(frozen=True)
class Target:
    file: str
    name: str
    cls: ClassInfo
    path: str  # the dotted path that names it


@dataclass(frozen=True)
class Unresolved:
    kind: str  # "outside" | "broken" | "stale" | "missing" | "ambiguous" | "unknown"
    reason: str


def resolve_target(
    project: Project, dotted: str, explain: bool = True
) -> Union[Target, Unresolved]:
    """The class a dotted path names; `explain=False`: without telling a stale path from one
    outside the project (which means reading every module name of its leading package)."""
    *module, name = dotted.split(".")
    modules = project.modules_ending_with(module)
    module_name = ".".join(module)
    if not modules:
        stale = _stale(project, module) if explain else None
        if stale is not None:
            return Unresolved("stale", stale)
        return Unresolved("outside", f"no project module ends with {module_name}")
    defining: list[Target] = []
    for file in modules:
        info = project.info(file)
        if info is None:
            return Unresolved("unknown", f"cannot parse {file}, which may define {name}")
        cls = info.toplevel_class(name)
        if cls is not None:
            defining.append(Target(file, name, cls, dotted))
    if len(defining) == 1:
        return defining[0]
    if defining:
        where = ", ".join(t.file for t in defining)
        return Unresolved("ambiguous", f"{module_name}.{name} matches classes in {where}")
    return Unresolved("broken", _why_broken(project, modules, name))


def resolve_chain(project: Project, chain: str) -> Union[Target, Unresolved]:
    """The class a chain inside an expression starts with: `a.b.C.attr` -> `C` of `a.b`.

    Chains that name no project class (`UsageEvent.id`, `subscriptions.c.id`) are "outside"."""
    parts = chain.split(".")
    for end in range(2, len(parts) + 1):
        found = resolve_target(project, ".".join(parts[:end]), explain=False)
        if isinstance(found, Target) or found.kind in ("ambiguous", "unknown"):
            return found
    return Unresolved("outside", "names no project class")


def _why_broken(project: Project, modules: list[str], name: str) -> str:
    file = modules[0]
    info = project.info(file)
    if info is not None and name in info.bindings:
        return (
            f"{file} only imports {name}; SQLAlchemy registers a class under the module that "
            "defines it"
        )
    listed = ", ".join(modules)
    return f"no class {name} is defined in {listed}"


def resolve_bare(project: Project, mapped: MappedCheck, name: str) -> Union[Target, Unresolved]:
    """A bare class name -> the one top-level class of that name that may be mapped."""
    found: list[Target] = []
    unsure = project.mapped_imperatively(name)
    for file in project.files_defining(name):
        info = project.info(file)
        if info is None:
            return Unresolved("unknown", f"cannot parse {file}, which defines a class named {name}")
        unsure = unsure or project.may_nest(name, file)
        for cls in info.toplevel_classes.get(name, []):
            if not mapped.provably_unmapped(file, cls):
                found.append(Target(file, name, cls, name))
    if len(found) == 1 and not unsure:
        return found[0]
    if len(found) > 1:
        where = ", ".join(qualified_path(project, t) for t in found)
        return Unresolved("ambiguous", f"several classes named {name} may be mapped: {where}")
    if found or unsure or project.files_defining(name):
        return Unresolved("unknown", f"cannot tell which class {name} is")
    close = difflib.get_close_matches(name, project.class_names(), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return Unresolved("missing", f"no class named {name} is defined in the project{hint}")


def qualified_path(project: Project, target: Target) -> str:
    """The module-qualified path SQLAlchemy accepts for the class: `ecommerce.models.C`."""
    module = display_name(project, target.file, import_root(project, target.file, target.file))
    return f"{module}.{target.name}"


def _stale(project: Project, module: list[str]) -> Optional[str]:
    """Why a dotted path whose leading package is the project's names no module of it."""
    head = module[0]
    names = project.module_names_from(head)
    if not names:
        return None
    wanted = ".".join(module)
    close = difflib.get_close_matches(wanted, sorted(names), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{head} is a project package, but no module of it is named {wanted}{hint}"
