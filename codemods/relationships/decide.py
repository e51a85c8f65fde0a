"""Decide, for one reference, what registers its class and whether the rewrite is provably safe.

relationship("ecommerce.models.Subscription")
    -> Rewrite("Subscription", ImportPlan("ecommerce.models", "Subscription", type_checking=False))
relationship("Order")              # in user.py; order.py imports user.py: a cycle
    -> Rewrite(register=ModuleImport("app.models.order", "_order", late=True))
relationship("billing.models.Invoice")       # two mapped classes named Invoice
    -> Leave("ambiguous", "another mapped class named Invoice: legacy/models.py:12")
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Optional, Union

from .decisions import Decision, ImportPlan, Leave, ModuleImport, Rewrite
from .find import ANNOTATION, TARGET, Reference
from .mapped import MappedCheck
from .project import Project, parent_dir
from .qualify import External, ProjectObject, Resolver, runtime_binding
from .refusals import Refusals
from .registration import LATE, TOP, Registration
from .resolve import (
    Target,
    Unresolved,
    qualified_path,
    resolve_bare,
    resolve_chain,
    resolve_target,
)
from .scan import Defined, ModuleInfo
from .sources import Decoded
from .spelling import spell_import

# What a bare name's leave means, where the kind alone says something else for dotted paths.
_BARE_CODES = {"unknown": "FR312", "ambiguous": "FR301"}


@dataclass
class _Binding:
    runtime_same: bool = False
    type_checking_same: bool = False
    clash: Optional[str] = None


def mentions(text: bytes, word: bytes) -> bool:
    """Whether `\\b<word>\\b` is found in the text. For a word of ASCII word characters (an
    alias), by a search for the word and a look at the byte on each side: a tenth of the time
    of the pattern (one per word, tried at every byte)."""
    if not _WORD.fullmatch(word):
        return re.search(rb"\b%s\b" % re.escape(word), text) is not None
    at = text.find(word)
    while at != -1:
        end = at + len(word)
        if not (_is_word_byte(text[max(at - 1, 0) : at]) or _is_word_byte(text[end : end + 1])):
            return True
        at = text.find(word, at + 1)
    return False


_WORD = re.compile(rb"\w+")  # in a bytes pattern, `\w` is an ASCII letter, digit or `_`


def _is_word_byte(byte: bytes) -> bool:
    return byte.isalnum() or byte == b"_"  # bytes.isalnum(): ASCII only, as `\w` here


class Decider:
    def __init__(
        self, project: Project, placement: str = "auto", assume_registered: bool = False
    ) -> None:
        self.project = project
        self.resolver = Resolver(project)
        self.mapped = MappedCheck(self.resolver)
        self.placement = placement
        self.assume_registered = assume_registered
        self.registration = Registration(project)
        self.refusals = Refusals(project, self.registration)
        self._annotated: dict[str, frozenset[str]] = {}
        self._texts: dict[str, bytes] = {}  # `_alias`'s, until the file is decided
        # the file being decided and its text, if given (one at a time: none is kept longer)
        self._in_hand: Optional[tuple[str, Decoded]] = None
        self._aliases: dict[str, list[ModuleImport]] = {}
        self.init_edits: dict[str, list[ModuleImport]] = {}  # package-init placement

    def deciding(self, file: str, decoded: Decoded) -> None:
        """The file's text as read (it decodes to its bytes and back), so that deciding it does
        not read it again (a monorepo's files are read back slowly once thousands were)."""
        self._in_hand = (file, decoded)

    def decided(self, file: str) -> None:
        """Every reference of `file` is decided: what only they asked of it is let go."""
        self._annotated.pop(file, None)
        self._texts.pop(file, None)
        self._in_hand = None
        info = self.project.known_info(file)
        if info is not None:
            info.forget_own_names()

    def decide(self, file: str, ref: Reference) -> Decision:
        if ref.bare:
            return self._decide_bare(file, ref, ref.value)
        if ref.role == TARGET:
            resolved = resolve_target(self.project, ref.value)
        else:
            resolved = resolve_chain(self.project, ref.value)
        if isinstance(resolved, Unresolved):
            if ref.role != TARGET and resolved.kind == "outside":
                # `Customer.id`: a bare class name that starts an expression chain
                return self._decide_bare(file, ref, ref.value.split(".", 1)[0])
            return Leave(ref, resolved.kind, resolved.reason)
        clash = self._other_mapped_class(resolved)
        if clash:
            return Leave(ref, "ambiguous", clash, code="FR301")
        binding = self._binding(file, ref, resolved)
        if binding.clash:
            return Leave(ref, "bound", binding.clash)
        if resolved.file == file:
            return Rewrite(ref, resolved)
        if binding.runtime_same:
            info = self.project.known_info(file)
            used = info is not None and resolved.name in info.loaded_names()
            return Rewrite(ref, resolved, protect=not used)
        if self._registered(file, resolved.file):
            return self._rewrite_registered(file, ref, resolved, binding)
        return self._with_import(file, ref, resolved, binding)

    # -- bare names -------------------------------------------------------------------------
    def _decide_bare(self, file: str, ref: Reference, name: str) -> Decision:
        """A bare class name: which class it is, and whether importing `file` registers it.
        Nothing is rewritten, so nothing it finds keeps the relationship's other strings dotted."""
        decision = self._decide_bare_name(file, ref, name)
        if isinstance(decision, Leave):
            code = decision.code or _BARE_CODES.get(decision.kind, "")
            return Leave(decision.ref, decision.kind, decision.reason, blocks=False, code=code)
        return decision

    def _decide_bare_name(self, file: str, ref: Reference, name: str) -> Decision:
        target_or_leave = self._bare_target(file, ref, name)
        if isinstance(target_or_leave, Leave):
            return target_or_leave
        target = target_or_leave
        if target.file == file or self._registered(file, target.file):
            return Leave(ref, "registered", f"{name} is registered whenever {file} is imported")
        clash = self._other_mapped_class(target)
        if clash:
            return Leave(ref, "ambiguous", clash, code="FR301")
        binding = self._binding(file, ref, target)
        return self._with_import(file, ref, target, binding)

    def _bare_target(self, file: str, ref: Reference, name: str) -> Union[Target, Leave]:
        module_scope = ref.scopes[-1] if ref.scopes else {}
        bounds = module_scope.get(name)
        if bounds:
            bound = runtime_binding(bounds) or bounds[-1]
            meaning = self.resolver.binding(file, [module_scope], name, bound, 0)
            if isinstance(meaning, External):
                return Leave(ref, "external", f"{name} is imported from {meaning.qname}")
            if isinstance(meaning, ProjectObject) and meaning.kind == "class":
                info = self.project.info(meaning.file)
                cls = info.toplevel_class(name) if info else None
                if cls is None:
                    return Leave(ref, "unknown", f"{name} here is not a class the tool can follow")
                return Target(meaning.file, name, cls, name)
            if not (isinstance(meaning, ProjectObject) and meaning.file == file):
                return Leave(ref, "unknown", f"{name} here is not a class the tool can follow")
            # A variable or function of this module: SQLAlchemy looks in the registry instead.
        elif self.resolver.name(file, [], name) is not None or self.resolver.external_star_modules(
            file
        ):
            return Leave(ref, "unknown", f"{name} may come from a star import")
        resolved = resolve_bare(self.project, self.mapped, name)
        if isinstance(resolved, Target):
            return resolved
        if resolved.kind == "missing" and not ref.is_target:
            return Leave(ref, "external", resolved.reason)  # a table, a column, a function
        if resolved.kind == "ambiguous" and ref.is_target and self._one_registry(name):
            return Leave(ref, "ambiguous-registry", self._ambiguity(name))
        return Leave(ref, resolved.kind, resolved.reason)

    def _one_registry(self, name: str) -> bool:
        """Whether two classes of this name are provably mapped in one registry."""
        keys = [key for _, key in self._registry_classes(name)]
        return len(keys) != len(set(keys))

    def _ambiguity(self, name: str) -> str:
        paths = " or ".join(
            f'"{qualified_path(self.project, target)}"'
            for target, _ in self._registry_classes(name)
        )
        return (
            f"several mapped classes are named {name} in one registry (SQLAlchemy raises "
            f'"Multiple classes found for path"); name one by its module-qualified path: {paths}'
        )

    def _registry_classes(self, name: str) -> list[tuple[Target, tuple[str, str]]]:
        """The top-level classes of this name whose registry is provable, with that registry."""
        found = []
        for file in self.project.files_defining(name):
            info = self.project.info(file)
            for cls in info.toplevel_classes.get(name, []) if info else ():
                key = self.mapped.registry(file, cls)
                if key is not None:
                    found.append((Target(file, name, cls, name), key))
        return found

    # -- registration -----------------------------------------------------------------------
    def _registered(self, file: str, target_file: str) -> bool:
        return self.assume_registered or self.registration.registered(file, target_file)

    def _rewrite_registered(
        self, file: str, ref: Reference, target: Target, binding: _Binding
    ) -> Decision:
        """No runtime import: the target's module already runs whenever this one is imported,
        and an import would only change the order modules load in. A bare annotation needs the
        name for type checkers, so it gets an import under TYPE_CHECKING."""
        if ref.role != ANNOTATION or binding.type_checking_same:
            return Rewrite(ref, target)
        module = spell_import(self.project, file, target.file)
        if module is None:
            return Rewrite(ref, target)
        return Rewrite(ref, target, ImportPlan(module, target.name, True))

    def _other_mapped_class(self, target: Target) -> Optional[str]:
        for file in self.project.files_defining(target.name):
            info = self.project.info(file)
            if info is None:
                return f"cannot parse {file}, which defines a class named {target.name}"
            if self.project.may_nest(target.name, file):
                candidates = info.classes(target.name, functools.partial(self.project.parse, file))
            else:
                candidates = info.toplevel_classes.get(target.name, [])
            for cls in candidates:
                if file == target.file and cls.position == target.cls.position:
                    continue
                if not self.mapped.provably_unmapped(file, cls):
                    return (
                        f"another class named {target.name} may be mapped: "
                        f"{file}:{cls.lineno}; the bare name would be ambiguous"
                    )
        return None

    def _binding(self, file: str, ref: Reference, target: Target) -> _Binding:
        name = target.name
        result = _Binding()
        module_scope = ref.scopes[-1] if ref.scopes else {}
        if not ref.bare:
            for scope in ref.scopes[:-1]:
                if name in scope:
                    result.clash = f"{name} is bound in an enclosing function or class here"
                    return result
        same = ProjectObject(target.file, name, "class")
        for bound in module_scope.get(name, ()):
            meaning = self.resolver.binding(file, [module_scope], name, bound, 0)
            if meaning != same:
                result.clash = f"{name} is already bound in this file (line {bound.lineno})"
                return result
            if bound.type_checking:
                result.type_checking_same = True
            else:
                result.runtime_same = True
        if name not in module_scope:
            via_star = self.resolver.name(file, [], name)
            if via_star is not None and not getattr(via_star, "qname", "").startswith("builtins."):
                if via_star != same:
                    result.clash = f"{name} comes from a star import in this file"
                else:
                    result.runtime_same = True
        return result

    def _annotation_names(self, file: str) -> frozenset[str]:
        """Names the module's annotations use, in code or in strings (so ruff sees them used)."""
        if file not in self._annotated:
            info = self.project.known_info(file)
            self._annotated[file] = info.annotation_names() if info is not None else frozenset()
        return self._annotated[file]

    def _alias(self, file: str, module: str) -> str:
        """`_models`, else `_schedules_models`, ...: a name the module neither binds nor
        mentions anywhere (not even in a string)."""
        text = self._texts.get(file)
        held = self._in_hand[1] if self._in_hand and self._in_hand[0] == file else None
        if text is None and held is not None:
            self.project.reads.add(file)  # as a read would tell
            text = self._texts[file] = held.text.encode(held.encoding)
        elif text is None:
            try:
                text = self._texts[file] = self.project.read(file)
            except OSError:
                text = b""
        taken = {a.alias for a in self._aliases.get(file, ())}
        parts = [p for p in module.lstrip(".").split(".") if p] or ["module"]
        candidates = ["_" + "_".join(parts[-n:]) for n in range(1, len(parts) + 1)]
        candidates += [f"{candidates[-1]}_{n}" for n in range(2, 100)]
        for candidate in candidates:
            if candidate not in taken and not mentions(text, candidate.encode()):
                return candidate
        raise AssertionError("no free alias")  # pragma: no cover

    def _module_import(self, file: str, target_file: str, late: bool) -> Optional[ModuleImport]:
        module = spell_import(self.project, file, target_file)
        if module is None:
            return None
        made = ModuleImport(module, self._alias(file, module), late)
        self._aliases.setdefault(file, []).append(made)
        return made

    def _package_init(self, file: str) -> Optional[str]:
        init = f"{parent_dir(file)}/__init__.py" if parent_dir(file) else "__init__.py"
        return init if init in self.project.file_set and init != file else None

    def _register_in_init(
        self,
        file: str,
        init: str,
        ref: Reference,
        target: Target,
        binding: _Binding,
        module: str,
    ) -> Decision:
        """`import-placement = "package-init"`: the import that registers the target goes at the
        end of the package's `__init__.py`, which runs before any module of the package."""
        type_checking = None
        if target.name in self._annotation_names(file) and not (
            binding.type_checking_same or binding.clash
        ):
            type_checking = ImportPlan(module, target.name, True)
        failure = self.registration.prove_late(init, target.file)
        if failure is not None:
            cycle = self.registration.cycle(init, target.file) or init
            why = (
                f"an import of it at the end of {init} would close the import cycle {cycle}, "
                f"and is not safe in every import order ({failure})"
            )
            if target.path == target.name:
                return Leave(ref, "cycle", f"{target.name} stays unregistered: {why}", code="FR401")
            return Rewrite(
                ref, target, type_checking, warning=f"{target.name} is not registered: {why}"
            )
        self.registration.add(init, target.file, LATE)
        spec = spell_import(self.project, init, target.file) or module
        info = self.project.info(init)
        needs_e402 = info is not None and bool(info.toplevel_classes or _assigns(info))
        made = ModuleImport(spec, self._alias(init, spec), needs_e402)
        self._aliases.setdefault(init, []).append(made)
        self.init_edits.setdefault(init, []).append(made)
        return Rewrite(ref, target, type_checking, init=(init, made))

    def _with_import(
        self, file: str, ref: Reference, target: Target, binding: _Binding
    ) -> Decision:
        module = spell_import(self.project, file, target.file)
        if module is None:
            return Leave(ref, "unimportable", f"no import root reaches {target.file} from {file}")
        refusal = self.refusals.refuse(file, ref, target)
        if refusal is not None:
            return Leave(ref, refusal[0], refusal[1])
        if self.placement == "type-checking":
            if ref.bare or target.path == target.name:
                reason = "import-placement is type-checking: the project registers its classes"
                return Leave(ref, "placement", reason)
            if binding.type_checking_same:
                return Rewrite(ref, target)  # already imported where it belongs
            return Rewrite(ref, target, ImportPlan(module, target.name, True))
        init = self._package_init(file) if self.placement == "package-init" else None
        if init is not None:
            return self._register_in_init(file, init, ref, target, binding, module)
        if not self.registration.closes_cycle(file, target.file):
            if binding.clash or target.name in self._annotation_names(file):
                # `from m import C` would shadow a name, or ruff would move it under
                # TYPE_CHECKING (TC001) since only annotations use it: register the module.
                self.registration.add(file, target.file, TOP)
                register = self._module_import(file, target.file, late=False)
                plan = (
                    None
                    if binding.clash or binding.type_checking_same
                    else ImportPlan(module, target.name, True)
                )
                return Rewrite(ref, target, plan, register=register)
            self.registration.add(file, target.file, TOP, target.name)
            plan = ImportPlan(module, target.name, False)
            return Rewrite(ref, target, plan, drop_type_checking=binding.type_checking_same)
        failure = self.registration.prove_late(file, target.file)
        type_checking = None
        if not (binding.type_checking_same or binding.clash):
            type_checking = ImportPlan(module, target.name, True)
        if failure is None:
            self.registration.add(file, target.file, LATE)
            register = self._module_import(file, target.file, late=True)
            if target.name not in self._annotation_names(file):
                type_checking = None  # no annotation needs the name
            return Rewrite(ref, target, type_checking, register=register)
        # named only now: most late imports are proven safe, and naming walks the closures
        cycle = self.registration.cycle(file, target.file) or file
        why = (
            f"a runtime import would close the import cycle {cycle}, and no placement is safe "
            f"in every import order ({failure}); import both modules in one place (such as the "
            "models package `__init__`) so that the class is registered before the mappers are "
            "configured"
        )
        # The same words whether or not the string is respelled (the rewrite's own line says
        # where its import went), so that a second run warns as the first did.
        warning = f"{target.name} stays unregistered when this module is imported alone: {why}"
        if target.path == target.name and (
            type_checking is None or target.name not in self._annotation_names(file)
        ):
            return Leave(ref, "cycle", warning, code="FR401")  # nothing to edit
        return Rewrite(ref, target, type_checking, warning=warning)


def _assigns(info: ModuleInfo) -> bool:
    """Whether the module binds anything but imports at its top level (then a late import
    there needs `# noqa: E402`)."""
    return any(
        isinstance(b.binding, Defined) and b.binding.kind != "import"
        for bounds in info.bindings.values()
        for b in bounds
    )
