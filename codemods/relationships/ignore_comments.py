"""`# fix-relationships: ignore` comments: bare (everything on the line) or with codes.

legacy = relationship("ecommerce.models.Subscription")  # fix-relationships: ignore[FR101]
"""

from __future__ import annotations

import re
from typing import Optional

IGNORE_COMMENT = re.compile(r"#\s*fix-relationships:\s*ignore(?:\[([^\]]*)\])?")
EVERYTHING = ("FR",)


def ignored_codes(line: str) -> Optional[tuple[str, ...]]:
    """The code prefixes a line's comment ignores (all of them when bare), or None."""
    found = IGNORE_COMMENT.search(line)
    if found is None:
        return None
    if found.group(1) is None:
        return EVERYTHING
    return tuple(c.strip().upper() for c in found.group(1).split(",") if c.strip())


def suppresses(prefixes: Optional[tuple[str, ...]], code: str) -> bool:
    return prefixes is not None and any(code.startswith(p) for p in prefixes)
