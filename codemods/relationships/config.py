"""`[tool.fix-relationships]` in pyproject.toml.

[tool.fix-relationships]
src = ["backend"]                 # import roots, like ruff's `src`; detected when absent
exclude = ["migrations/**"]       # never rewritten (still read to know the project)
import-placement = "auto"         # or "type-checking": every added import under TYPE_CHECKING,
                                  # or "package-init": register in the package's __init__.py
assume-registered = false         # true: the app imports every model first; add no imports
select = ["FR"]                   # codes (or prefixes) to report, like ruff's `select`
ignore = ["FR3"]                  # codes (or prefixes) not to report
cache-dir = ".fix_relationships_cache"  # where the cache of per-file facts goes (the default)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NamedTuple, Optional

from .selection import unknown_prefix

PLACEMENTS = ("auto", "type-checking", "package-init")


class ConfigError(Exception):
    pass


class Config(NamedTuple):
    src: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    placement: str = "auto"
    select: tuple[str, ...] = ("FR",)
    ignore: tuple[str, ...] = ()
    assume_registered: bool = False
    cache_dir: Optional[str] = None  # relative to the project root


def _strings(table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return tuple(value)


def _root_relative(root: Path, entries: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = []
    for entry in entries:
        path = (root / entry).resolve()
        try:
            relative = path.relative_to(root.resolve()).as_posix()
        except ValueError:
            raise ConfigError(f"`src` entry {entry!r} is outside the project") from None
        cleaned.append("" if relative == "." else relative)
    return tuple(cleaned)


def load_config(root: Path) -> Config:
    pyproject = root / "pyproject.toml"
    try:
        data = pyproject.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"{pyproject}: cannot read: {exc.strerror}") from None
    if b"fix-relationships" not in data:
        return Config()
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older interpreters only
        import tomli as tomllib
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    table = document.get("tool", {}).get("fix-relationships", {})
    try:
        return _config_from(root, table)
    except ConfigError as exc:
        raise ConfigError(f"{pyproject}: [tool.fix-relationships]: {exc}") from None


def _config_from(root: Path, table: Any) -> Config:
    if not isinstance(table, dict):
        raise ConfigError("must be a table")
    known = {
        "src",
        "exclude",
        "import-placement",
        "select",
        "ignore",
        "assume-registered",
        "cache-dir",
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]!r}")
    placement = table.get("import-placement", "auto")
    if placement not in PLACEMENTS:
        raise ConfigError(f"`import-placement` must be one of {', '.join(PLACEMENTS)}")
    codes = {key: _codes(table, key) for key in ("select", "ignore")}
    assume_registered = table.get("assume-registered", False)
    if not isinstance(assume_registered, bool):
        raise ConfigError("`assume-registered` must be true or false")
    cache_dir = table.get("cache-dir")
    if cache_dir is not None and (not isinstance(cache_dir, str) or not cache_dir):
        raise ConfigError("`cache-dir` must be a non-empty string")
    return Config(
        _root_relative(root, _strings(table, "src")),
        _strings(table, "exclude"),
        placement,
        codes["select"] if "select" in table else ("FR",),
        codes["ignore"],
        assume_registered,
        cache_dir,
    )


def _codes(table: dict[str, Any], key: str) -> tuple[str, ...]:
    codes = tuple(c.upper() for c in _strings(table, key))
    bad = unknown_prefix(codes)
    if bad is not None:
        raise ConfigError(f"`{key}`: {bad!r} is not a fix-relationships code or prefix")
    return codes
