"""The relationship checks: one module per finding family, each a pure function of a
relationship's facts and the project's model view."""

from __future__ import annotations

from typing import NamedTuple

from ..findings import Finding


class Candidate(NamedTuple):
    """A finding, the classes whose attributes it relies on, and whether it relies on knowing
    every table: it is made only if nothing in the project adds attributes to those classes
    from outside their class bodies (or reflects tables)."""

    finding: Finding
    classes: frozenset[str] = frozenset()
    tables: bool = False
