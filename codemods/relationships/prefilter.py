"""Cheap test on raw bytes: can this file hold a dotted relationship target at all?

About 3 % of real files can; the rest are never parsed, and LibCST is never imported for them.
"""

from __future__ import annotations

import re

_IDENT = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"
_DOTTED_STRING = re.compile(rb"['\"](" + _IDENT + rb"(?:\." + _IDENT + rb")+)['\"]")


def may_call_relationship(data: bytes) -> bool:
    """`relationship`, `relation` or `dynamic_loader` appears in the bytes."""
    return b"relation" in data or b"dynamic_loader" in data


def dotted_strings(data: bytes) -> list[str]:
    """Dotted strings in a file that calls something like `relationship`; [] if it cannot be one."""
    if not may_call_relationship(data):
        return []
    return [m.group(1).decode("utf-8", "replace") for m in _DOTTED_STRING.finditer(data)]
