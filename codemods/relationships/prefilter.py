"""Cheap test on raw bytes: can this file hold a relationship target at all?

Only files that call something like `relationship` and hold a string or a `Mapped[` annotation
are parsed; the rest never are, and LibCST is never imported for them.
"""

from __future__ import annotations

import re

_TARGET_START = re.compile(rb"['\"][A-Za-z_\x80-\xff]|Mapped\[")


def may_call_relationship(data: bytes) -> bool:
    """`relationship`, `relation` or `dynamic_loader` appears in the bytes."""
    return b"relation" in data or b"dynamic_loader" in data


def may_hold_target(data: bytes) -> bool:
    """False if the file cannot hold a relationship target (so it need not be parsed)."""
    return may_call_relationship(data) and _TARGET_START.search(data) is not None
