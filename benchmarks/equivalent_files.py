"""Pick the same-shaped model file in two trees, so that a 1-file commit does the same work.

The shape: what the tool reports in the file (from a whole-tree `--check` of each tree: the
codes, e.g. two FR101 of which one adds an import), how many classes it maps, its name
(`models.py`, `models/history.py`, ...), its column style and spelling of `relationship`; then
its size. Without reports (a tool that prints none), the dotted targets are counted instead.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from make_tree import TreeInfo

DOTTED = re.compile(r"""relationship\(\s*["']acme\.""")
CLASS = re.compile(r"^class \w+\(Base\):", re.M)
REPORT = re.compile(r"^(\S+\.py):\d+:\d+: (FR\d+)\b(.*)$", re.M)

Findings = dict[str, Counter[str]]  # path -> how often each kind of report occurs in it


@dataclass(frozen=True)
class Shape:
    reports: Counter[str]
    classes: int
    name: str
    mapped: bool  # Mapped[...] annotations rather than Column()
    spelling: str  # "sa", "orm" or "name"
    size: int

    def distance(self, other: Shape) -> tuple[int, ...]:
        differing = (self.reports - other.reports) + (other.reports - self.reports)
        return (
            sum(differing.values()),
            abs(self.classes - other.classes),
            self.name != other.name,
            self.mapped != other.mapped,
            self.spelling != other.spelling,
            abs(self.size - other.size),
        )

    def __str__(self) -> str:
        reports = ", ".join(f"{n}× {kind}" for kind, n in sorted(self.reports.items()))
        return (
            f"`{self.name}`, {self.classes} classes, reports: {reports or 'none'}, "
            f"`{self.spelling}` spelling, {self.size / 1024:.1f} KB"
        )


def findings_of(output: str) -> Findings:
    """Parse `path:line:col: FRnnn message` lines; a rewrite that adds an import is its own kind."""
    found: Findings = {}
    for path, code, message in REPORT.findall(output):
        kind = code + (" + import" if "registered by an import" in message else "")
        found.setdefault(path, Counter())[kind] += 1
    return found


def shape_of(root: Path, path: str, findings: Findings) -> Shape:
    text = (root / path).read_text()
    reports = findings.get(path) if findings else Counter(dotted=len(DOTTED.findall(text)))
    spelling = (
        "sa" if "sa.orm.relationship(" in text else "orm" if "orm.relationship(" in text else "name"
    )
    return Shape(
        reports or Counter(),
        len(CLASS.findall(text)),
        Path(path).name,
        "Mapped[" in text,
        spelling,
        len(text.encode()),
    )


def equivalent_files(
    small: TreeInfo, small_findings: Findings, large: TreeInfo, large_findings: Findings
) -> tuple[str, str]:
    """The small tree's median-sized reported file, and the large tree's closest in shape."""
    small_paths = _candidates(small, small_findings)
    large_paths = _candidates(large, large_findings)
    if not small_paths or not large_paths:
        raise ValueError("both trees need a file with a dotted relationship target")
    sizes = sorted((shape_of(small.root, p, small_findings).size, p) for p in small_paths)
    small_path = sizes[len(sizes) // 2][1]
    wanted = shape_of(small.root, small_path, small_findings)
    large_path = min(
        large_paths, key=lambda p: shape_of(large.root, p, large_findings).distance(wanted)
    )
    return small_path, large_path


def _candidates(tree: TreeInfo, findings: Findings) -> list[str]:
    """Dotted files the tool reports a rewrite in (exit code 1), or all of them without reports."""
    if not findings:
        return sorted(tree.dotted_files)
    rewrites = {path for path, kinds in findings.items() if any(k.startswith("FR1") for k in kinds)}
    return sorted(rewrites & set(tree.dotted_files))
