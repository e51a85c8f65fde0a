"""One record for everything a run reports, and the exit code they add up to.

backend/saas/models.py:31:33: FR101 "ecommerce.models.Subscription" -> "Subscription" (...)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

REWRITE = "rewrite"  # a target was (or would be) rewritten
WARNING = "warning"  # said alongside a rewrite: the import went under TYPE_CHECKING
BROKEN = "broken"  # a reference that provably cannot resolve
SKIPPED = "skipped"  # left alone on purpose; listed with -v
ERROR = "error"  # the file could not be read, parsed or written
VERIFY = "verify"  # --verify: importing the project or configuring its mappers failed


class Finding(NamedTuple):
    path: str
    line: int
    col: int
    kind: str
    message: str
    code: str  # from codes.py: FR101, FR201, ...

    def format(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}" if self.line else self.path
        label = {
            WARNING: "warning: ",
            BROKEN: "broken: ",
            ERROR: "error: ",
            SKIPPED: "left alone: ",
            VERIFY: "verify: ",
        }
        return f"{where}: {self.code} {label.get(self.kind, '')}{self.message}"


def exit_code(findings: Iterable[Finding]) -> int:
    """2 if anything failed, else 1 if anything changed, is broken or failed to verify, else 0."""
    kinds = {f.kind for f in findings}
    if ERROR in kinds:
        return 2
    return 1 if kinds & {REWRITE, BROKEN, VERIFY} else 0
