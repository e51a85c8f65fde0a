"""The relationship checks: one module per finding family, each a pure function of a
relationship's facts and the project's model view."""

from __future__ import annotations

from typing import NamedTuple

from ..findings import Finding


class Candidate(NamedTuple):
    """A finding, and the classes whose attributes it relies on: it is made only if nothing in
    the project adds attributes to them from outside their class bodies."""

    finding: Finding
    classes: frozenset[str] = frozenset()
