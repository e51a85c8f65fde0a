"""Source text of an ordinary (non-model) module: functions, classes, docstrings, comments.

Some strings contain dots without being relationship targets (logger names, settings keys,
mock targets, URLs, paths of mapped classes), and a few modules define a `relationship()` of
their own.
"""

from __future__ import annotations

import functools
import math
import random
import re
import textwrap

import vocabulary as words
from source_templates import CLASSES, FUNCTIONS, LEGACY, LOOKALIKE, USES_MODEL, USES_SIBLING

# Nouns that never collide with the fixed parameter and local names of the templates.
ARGUMENTS = tuple(noun for noun in words.NOUNS if noun not in ("message", "row", "page"))

# (a word the pattern needs, so most modules skip the slow regex; pattern, import)
STDLIB = (
    ("datetime.", r"\bdatetime\.", "import datetime"),
    ("logging.", r"\blogging\.", "import logging"),
    ("@dataclass", r"@dataclass\b", "from dataclasses import dataclass"),
    ("Decimal", r"\bDecimal\(|[:>] Decimal\b", "from decimal import Decimal"),
)
TYPING = ("Any", "List", "Optional")


def ordinary_source(
    name: str, siblings: tuple[str, ...], models: list[str], rng: random.Random, mean_kb: float
) -> str:
    """`models` are dotted paths of mapped classes the module may import."""
    values = _fill(rng, name)
    imported = rng.sample(models, min(len(models), rng.randint(0, 2)))
    siblings = tuple({s.rpartition(".")[2]: s for s in siblings}.values())
    body = [f'\n\nlogger = logging.getLogger("{name}")\nSETTINGS_PREFIX = "{name}.settings"\n']
    # Dotted strings that name mapped classes without being relationship targets.
    body += [f'{_constant(path)} = "{path}"\n' for path in imported if rng.random() < 0.4]
    if models and rng.random() < 0.02:
        body.append(LOOKALIKE.substitute(values, mock_target=models[0]))
    for sibling in siblings:
        body.append(USES_SIBLING.substitute(_fill(rng, name), sibling=sibling.rpartition(".")[2]))
    for path in imported:
        body.append(USES_MODEL.substitute(_fill(rng, name), model=path.rpartition(".")[2]))
    text = fill_to_size(body, rng, name, target_size(rng, mean_kb))
    project = [_from_import(path) for path in (*siblings, *imported)]
    docstring = f'"""{values["title"]}\n\n{values["paragraph"]}\n"""\n'
    return docstring + import_block(text, [], project) + text


def import_block(body: str, third_party: list[str], project: list[str]) -> str:
    """The imports a module body needs, grouped stdlib / third party / project."""
    stdlib = [line for word, pattern, line in STDLIB if word in body and re.search(pattern, body)]
    typing = [name for name in TYPING if name in body and re.search(rf"\b{name}\b", body)]
    if typing:
        stdlib.append(f"from typing import {', '.join(typing)}")
    groups = [["from __future__ import annotations"], stdlib, third_party, project]
    return "\n" + "\n\n".join("\n".join(group) for group in groups if group) + "\n"


def fill_to_size(parts: list[str], rng: random.Random, name: str, size: int) -> str:
    """Append functions and classes to `parts` until they are about `size` bytes long."""
    used: set[str] = set()
    length = sum(map(len, parts))
    while length < size:
        draw = rng.random()
        templates = LEGACY if draw < 0.01 else CLASSES if draw < 0.2 else FUNCTIONS
        values = _fill(rng, name)
        while values["Class"] in used or values["func"] in used:
            values["Class"] += "V2"
            values["func"] += "_"
        used.update((values["Class"], values["func"]))
        part = rng.choice(templates).substitute(values)
        parts.append(part)
        length += len(part)
    return "".join(parts)


def target_size(rng: random.Random, mean_kb: float) -> int:
    """A skewed module size: mostly near the mean, a few large ones."""
    sigma = 0.6
    size = rng.lognormvariate(math.log(mean_kb * 1024) - sigma * sigma / 2, sigma)
    return int(min(max(size, 1500), 120_000))


def _constant(dotted_class: str) -> str:
    return dotted_class.rpartition(".")[2].upper() + "_MODEL_PATH"


def _from_import(dotted: str) -> str:
    module, _, name = dotted.rpartition(".")
    return f"from {module} import {name}"


def _participle(verb: str) -> str:
    irregular = {"build": "built", "split": "split", "open": "opened", "close": "closed"}
    return irregular.get(verb, verb + "d" if verb.endswith("e") else verb + "ed")


@functools.cache
def _paragraph(sentences: tuple[str, ...]) -> str:
    """Wrapped once per choice of sentences: `_fill` runs for every function of every module."""
    return textwrap.fill(" ".join(sentences), 88)


def _fill(rng: random.Random, name: str) -> dict[str, str]:
    package, _, last = name.rpartition(".")
    verb, noun, noun2 = rng.choice(words.VERBS), rng.choice(words.NOUNS), rng.choice(words.NOUNS)
    arg, arg2 = rng.sample(ARGUMENTS, 2)
    return {
        "title": f"{last.replace('_', ' ').capitalize()} for {package}.",
        "paragraph": _paragraph(tuple(rng.sample(words.SENTENCES, 3))),
        "func": f"{verb}_{noun}_{noun2}",
        "Verb": verb.capitalize(),
        "done": _participle(verb),
        "noun": noun,
        "noun2": noun2,
        "arg": arg,
        "arg2": arg2,
        "Class": noun.capitalize() + noun2.capitalize() + rng.choice(("Reader", "Error", "State")),
        "num": str(rng.randint(2, 500)),
        "dec": f"0.{rng.randint(1, 99):02d}",
        "sentence": rng.choice(words.SENTENCES),
        "sentence2": rng.choice(words.SENTENCES),
        "url": f"https://docs.example.com/v{rng.randint(1, 4)}.{rng.randint(0, 9)}/{noun}.html",
        "setting": f"{package}.{noun}",
        "version": f"{rng.randint(1, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        "mock_target": f"{package}.{last}.{noun.capitalize()}Reader.pages",
        "package": package,
    }
