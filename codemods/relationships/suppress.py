"""Apply `# fix-relationships: ignore[CODE]` comments to one file's decisions and findings.

   relationship("ecommerce.models.Subscription")  # fix-relationships: ignore[FR101]
-> left as it is (FR305, listed with -v)
"""

from __future__ import annotations

import ast
from typing import Optional, Union

from .decisions import Leave, Rewrite
from .find import Skipped
from .findings import Finding
from .ignore_comments import ignored_codes, suppresses
from .sources import SourceText


def _ignored_on(source: SourceText, node: ast.expr) -> list[Optional[tuple[str, ...]]]:
    lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
    return [ignored_codes(source.line(n)) for n in lines]


def unless_ignored(
    source: SourceText, decision: Union[Skipped, Rewrite, Leave]
) -> Union[Skipped, Rewrite, Leave]:
    """A rewrite on a line whose comment names FR101 (`ignore[FR101]`) is left as it is."""
    if isinstance(decision, Rewrite) and any(
        suppresses(i, "FR101") for i in _ignored_on(source, decision.ref.node)
    ):
        return Leave(
            decision.ref,
            "ignored",
            "ignored by a `# fix-relationships: ignore[...]` comment",
            code="FR305",
        )
    return decision


def unsuppressed(
    source: SourceText, decision: Union[Skipped, Rewrite, Leave], found: list[Finding]
) -> list[Finding]:
    """Less what a `# fix-relationships: ignore[CODE]` comment on the reference's lines hides."""
    node = decision.node if isinstance(decision, Skipped) else decision.ref.node
    ignored = _ignored_on(source, node)
    return [
        f for f in found if f.code == "FR305" or not any(suppresses(i, f.code) for i in ignored)
    ]
