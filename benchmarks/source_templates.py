"""Templates of the functions and classes that fill the synthetic modules.

They are written the way a maintained Python 3.9+ codebase is (lint-clean, modern annotations);
LEGACY holds the rare old spellings that give `ruff --select UP` something to report.
"""

from __future__ import annotations

from string import Template

FUNCTIONS = tuple(
    Template(text)
    for text in (
        '''

def $func($arg: dict[str, Any], *, $arg2: int | None = None) -> list[dict[str, Any]]:
    """$Verb the $noun entries of one $noun2 payload.

    $sentence
    """
    results: list[dict[str, Any]] = []
    for key, value in sorted($arg.items()):
        if value is None:
            # $sentence2
            continue
        if $arg2 is not None and len(results) >= $arg2:
            break
        results.append({"key": key, "$noun": value, "position": len(results)})
    logger.debug("$func produced %d rows", len(results))
    return results
''',
        '''

def $func($arg: Decimal, $arg2: Decimal = Decimal("$dec")) -> Decimal:
    """Return $arg adjusted by $arg2, never below zero."""
    if $arg < 0:
        raise ValueError(f"$noun must not be negative, got {$arg}")
    adjusted = ($arg * (1 - $arg2)).quantize(Decimal("0.01"))
    return max(adjusted, Decimal("0"))
''',
        '''

def $func(rows: list[dict[str, Any]], field: str = "$noun") -> dict[str, list[dict[str, Any]]]:
    """Group rows by `field`, keeping the original order inside each group."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        key = str(row.get(field, "$noun2"))
        groups.setdefault(key, []).append(row)
    # $sentence
    return groups
''',
        '''

def $func($arg: datetime.datetime, days: int = $num) -> datetime.datetime:
    """Return the end of the $noun period that starts at `$arg`."""
    if $arg.tzinfo is None:
        $arg = $arg.replace(tzinfo=datetime.timezone.utc)
    return $arg + datetime.timedelta(days=days, seconds=-1)
''',
        '''

def $func($arg: str) -> str:
    """Normalise a $noun label for display and search."""
    cleaned = " ".join($arg.split()).strip()
    if not cleaned:
        return "$noun2"
    return f"{cleaned.lower()}-{len(cleaned)}"
''',
        '''

def $func(payload: dict[str, Any]) -> bool:
    """Whether the $noun payload is complete enough to be $done."""
    required = ("$noun", "$noun2", "created_at")
    missing = [name for name in required if name not in payload]
    if missing:
        logger.info("skipping payload without %s", ", ".join(missing))
        return False
    try:
        return int(payload["$noun"]) >= $num
    except (TypeError, ValueError):
        logger.warning("bad $noun value %r", payload["$noun"])
        return False
''',
        '''

def $func(values: list[float]) -> dict[str, float]:
    """Summary statistics of the $noun values; see $url for the definitions."""
    if not values:
        return {"count": 0.0, "mean": 0.0, "max": 0.0}
    total = sum(values)
    return {"count": float(len(values)), "mean": total / len(values), "max": max(values)}
''',
        '''

def $func($arg: str | None = None) -> dict[str, str]:
    """Settings used by the $noun job; the keys are dotted like $setting."""
    config = {
        "$setting": $arg or "$noun2",
        "$setting.timeout": "$num",
        "$setting.version": "$version",
    }
    return config
''',
    )
)

CLASSES = tuple(
    Template(text)
    for text in (
        '''

class $Class:
    """Keeps the $noun state of one $noun2 while it is being $done.

    $sentence
    """

    def __init__(self, $arg: str, $arg2: int = $num) -> None:
        self.$arg = $arg
        self.$arg2 = $arg2
        self._seen: list[str] = []

    def add(self, value: str) -> None:
        if value in self._seen:
            return
        self._seen.append(value)

    def __len__(self) -> int:
        return len(self._seen)

    def __repr__(self) -> str:
        return f"$Class({self.$arg!r}, {self.$arg2!r})"
''',
        '''

class $Class(Exception):
    """Raised when a $noun cannot be $done."""

    def __init__(self, message: str, $arg: str | None = None) -> None:
        super().__init__(message)
        self.$arg = $arg
''',
        '''

@dataclass(frozen=True)
class $Class:
    """One $noun row of the export at $url."""

    $arg: str
    $arg2: int = $num
    patch_target: str = "$mock_target"

    def as_key(self) -> str:
        # $sentence
        return f"{self.$arg}:{self.$arg2}"
''',
    )
)

LEGACY = tuple(
    Template(text)
    for text in (
        '''

class $Class(object):
    """Kept in the old style because $noun pickles from before the migration refer to it."""

    def __init__(self, $arg: str) -> None:
        super($Class, self).__init__()
        self.$arg = $arg

    def describe(self) -> str:
        return "{}: {}".format(type(self).__name__, self.$arg)
''',
        '''

def $func($arg: Optional[str] = None) -> List[str]:
    """$Verb the $noun names (old signature, still used by the $noun2 importer)."""
    return [part for part in ($arg or "").split(",") if part]
''',
    )
)

USES_SIBLING = Template('''

def $func(payload: dict[str, Any]) -> Any:
    """Hand the $noun step over to `$sibling`."""
    return $sibling.handle_$noun(payload)
''')

USES_MODEL = Template('''

def $func(session: Any, limit: int = $num) -> list[Any]:
    """The most recent `$model` rows, newest first."""
    return session.query($model).order_by($model.id.desc()).limit(limit).all()
''')

LOOKALIKE = Template('''

def relationship(source: str, target: str, kind: str = "partner") -> dict[str, str]:
    """A business relationship between two parties (not an ORM relationship)."""
    return {"source": source, "target": target, "kind": kind}


PARTNER_LINK = relationship("$package.partners.Vendor", "$mock_target")
''')
