"""Which codes a run reports: `--select` / `--ignore` and the same keys in the config.

Prefixes, like ruff's: `--select FR2` is every broken reference; when a code matches both
lists, the longer prefix wins (`--ignore FR3 --select FR305`). Errors (FR9xx) are always on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Optional

from .codes import CODES

ALWAYS = "FR9"


class Selection(NamedTuple):
    select: tuple[str, ...] = ("FR",)
    ignore: tuple[str, ...] = ()

    def enabled(self, code: str) -> bool:
        if code.startswith(ALWAYS):
            return True
        selected = _longest(self.select, code)
        return selected > 0 and selected > _longest(self.ignore, code)


def _longest(prefixes: Iterable[str], code: str) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=0)


def unknown_prefix(prefixes: Iterable[str]) -> Optional[str]:
    """The first entry that is no code's prefix, if any."""
    for prefix in prefixes:
        if not any(c.code.startswith(prefix) for c in CODES) or not prefix.startswith("FR"):
            return prefix
    return None
