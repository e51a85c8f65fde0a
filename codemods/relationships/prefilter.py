"""Cheap test on raw bytes: can this file hold a relationship target at all?

Only files that call something like `relationship` and hold a string or a `Mapped[` annotation
are parsed; the rest never are, and LibCST is never imported for them.
"""

from __future__ import annotations

import re

_TARGET_START = re.compile(rb"['\"][A-Za-z_\x80-\xff]|Mapped\[")


def may_hold_target(data: bytes) -> bool:
    """False if the file cannot hold a relationship target (so it need not be parsed)."""
    if b"relation" not in data and b"dynamic_loader" not in data:
        return False
    return _TARGET_START.search(data) is not None
