"""The order the workers analyse the candidates in: the decisions run in file order, and a
decision asks for the summaries of other candidates (its targets' modules, what they import),
which a worker sends with their analyses. Handed out first, they arrive before they are asked
for; otherwise this process parses them itself while the workers analyse them again."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from .project import Project

PULLED = 16  # jobs handed out early, at most, for the summaries one job's decision will read
# What follows `relationship(` or `Mapped[`: a quoted dotted path or name, maybe a target.
_QUOTED = re.compile(r"""[^"']{0,80}["']([^\W\d]\w*(?:\.[^\W\d]\w*)*)["']""")
_OPENERS = ("relationship(", "Mapped[")
_FROM_IMPORT = re.compile(r"from[ \t]+([\w.]+)[ \t]+import[ \t]+([\w, \t(]+)")


def needed_first(jobs: Sequence[tuple[str, str]], project: Project) -> Iterator[int]:
    """The (file, text) jobs' indices in the order to analyse them: each after a few of the
    later jobs its decision will likely read the summaries of (what the modules its quoted
    names point to import, those modules, what it imports), so that the workers send them
    before they are asked for. A guess from the text and the scans' imports: a wrong one costs
    a parse here, never a different answer. Each job takes at most `PULLED` later ones ahead
    of it."""
    position = {file: index for index, (file, _) in enumerate(jobs)}
    texts = dict(jobs)
    handed: set[int] = set()
    imported: dict[str, list[str]] = {}  # `_imported`'s answers: many jobs name one module
    for index, (file, text) in enumerate(jobs):
        pulled = 0
        for needed in _needed(file, text, project, texts, imported):
            at = position.get(needed)
            if at is not None and at > index and at not in handed:
                handed.add(at)
                yield at
                pulled += 1
                if pulled == PULLED:
                    break
        if index not in handed:
            handed.add(index)
            yield index


def _needed(
    file: str, text: str, project: Project, texts: dict[str, str], imported: dict[str, list[str]]
) -> Iterator[str]:
    for named in _named(text, project):
        yield from _imports_of(named, project, texts, imported)
        yield named
    yield from _imports_of(file, project, texts, imported)


def _imports_of(
    file: str, project: Project, texts: dict[str, str], imported: dict[str, list[str]]
) -> list[str]:
    found = imported.get(file)
    if found is None:
        found = imported[file] = list(_imported(file, project, texts))
    return found


def _named(text: str, project: Project) -> Iterator[str]:
    """The project files that a text's quoted names may point to: a dotted path's module, a
    bare name's classes."""
    for quoted in dict.fromkeys(_after_openers(text)):
        module, _, name = quoted.rpartition(".")
        if module:
            files = project.modules_ending_with(module.split("."))
        else:
            files = project.files_defining(name)
        if len(files) <= 2:  # a name defined all over the project says little
            yield from files


def _after_openers(text: str) -> Iterator[str]:
    for opener in _OPENERS:
        at = text.find(opener)
        while at != -1:
            at += len(opener)
            quoted = _QUOTED.match(text, at)
            if quoted:
                yield quoted.group(1)
            at = text.find(opener, at)


def _from_imports(text: str) -> Iterator[tuple[str, str]]:
    """`from package import names` statements that start a line: (package, names)."""
    at = 0
    while at != -1:
        statement = _FROM_IMPORT.match(text, at)
        if statement:
            yield statement.group(1), statement.group(2)
        at = text.find("\nfrom", at)
        at += at != -1


def _imported(file: str, project: Project, texts: dict[str, str]) -> Iterator[str]:
    """The project files a module's imports run: from its summary if it is read already, else
    from its scan, and from the text of a job, the submodules `from package import name` may
    name (a scan holds only the package)."""
    info = project.known_info(file)
    if info is not None:
        for stmt in info.imports:
            yield from project.import_edges(file, stmt)
        return
    facts = project.facts_of(file)
    for module in facts.imports if facts else ():
        ref = project.resolve_module(module, 0, file)
        if ref is not None:
            yield ref.file
    for package, names in _from_imports(texts.get(file, "")):
        for name in names.replace("(", " ").replace(",", " ").split():
            ref = project.resolve_module(f"{package}.{name}", 0, file)
            if ref is not None:
                yield ref.file
