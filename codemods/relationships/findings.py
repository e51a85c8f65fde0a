"""One record for everything a run reports, and the exit code they add up to.

backend/saas/models.py:31:33: FR101 "ecommerce.models.Subscription" -> "Subscription" (...)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Optional

REWRITE = "rewrite"  # a target was (or would be) rewritten
WARNING = "warning"  # said alongside a rewrite: the import went under TYPE_CHECKING
BROKEN = "broken"  # a reference that provably cannot resolve
SKIPPED = "skipped"  # left alone on purpose; listed with -v
ERROR = "error"  # the file could not be read, parsed or written
VERIFY = "verify"  # --verify: importing the project or configuring its mappers failed


class Fix(NamedTuple):
    """What a rewrite changes: the dotted text, its replacement, and the import it adds."""

    old: str
    new: str
    added_import: Optional[str] = None  # "from ecommerce.models import Subscription"
    type_checking: bool = False  # the import goes under `if TYPE_CHECKING:`


class Finding(NamedTuple):
    path: str
    line: int
    col: int
    kind: str
    message: str
    code: str  # from codes.py: FR101, FR201, ...
    fix: Optional[Fix] = None

    def format(self) -> str:
        return f"{self.where()}: {self.code} {_LABELS.get(self.kind, '')}{self.message}"

    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path


_LABELS = {
    WARNING: "warning: ",
    BROKEN: "broken: ",
    ERROR: "error: ",
    SKIPPED: "left alone: ",
    VERIFY: "verify: ",
}


def exit_code(findings: Iterable[Finding]) -> int:
    """2 if anything failed, else 1 if anything changed, is broken or failed to verify, else 0."""
    kinds = {f.kind for f in findings}
    if ERROR in kinds:
        return 2
    return 1 if kinds & {REWRITE, BROKEN, VERIFY} else 0
