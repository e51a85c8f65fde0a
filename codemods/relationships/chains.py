"""Dotted name chains inside an expression string or an annotation.

    "UsageEvent.subscription_id == ecommerce.models.Subscription.id"
        -> Chain(start=31, parts=("ecommerce", "models", "Subscription", "id")), and
           Chain(start=0, parts=("UsageEvent", "subscription_id"))

Only maximal chains of plain names (`a.b.c`, not `f().b` or `a[0].b`) written without spaces.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from .sources import SourceText


@dataclass(frozen=True)
class Chain:
    start: int  # character offset in the text
    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        return ".".join(self.parts)


def chain_parts(node: ast.expr) -> Optional[tuple[str, ...]]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or not parts:
        return None
    return (node.id, *reversed(parts))


def maximal_chains(tree: ast.AST) -> list[ast.Attribute]:
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and id(n) not in inner and chain_parts(n) is not None
    ]


def expression_chains(text: str) -> list[Chain]:
    """The chains of a string that SQLAlchemy evaluates as an expression ([] if it is not one)."""
    wrapped = f"({text}\n)"  # parentheses: leading indentation and newlines are then allowed
    try:
        tree = ast.parse(wrapped, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    source = SourceText(wrapped)
    found = []
    for node in maximal_chains(tree):
        parts = chain_parts(node)
        assert parts is not None
        start = source.offset(node.lineno, node.col_offset) - 1
        if text[start : start + len(".".join(parts))] == ".".join(parts):
            found.append(Chain(start, parts))
    return sorted(found, key=lambda c: c.start)
