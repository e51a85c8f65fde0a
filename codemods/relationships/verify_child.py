"""What `--verify` runs in a fresh interpreter: import modules in order, then configure the mappers.

    python -c "<this file's text>" ecommerce.models saas.models
 -> {"stage": "configure", "module": null, "error": "InvalidRequestError: ...", "places": [...]}

The tool never imports this module: verify.py passes its text to `python -c`, so that the project
root (not this package's directory) is the first entry of `sys.path`. The one JSON record goes to
the original stdout; anything the project prints goes to stderr.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any, Optional


def describe(exc: BaseException) -> str:
    """`RuntimeError: boom`: the last line of a traceback, kept on one line."""
    try:
        message = str(exc)
    except Exception:
        message = "<the message could not be printed>"
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def raised_at(exc: BaseException) -> list[tuple[str, int]]:
    """The traceback as (file, line), innermost last; a SyntaxError adds the bad line itself."""
    places = [
        (frame.filename, frame.lineno or 0) for frame in traceback.extract_tb(exc.__traceback__)
    ]
    if isinstance(exc, SyntaxError) and exc.filename:
        places.append((exc.filename, exc.lineno or 0))
    return places


def failed_mappers() -> list[tuple[str, int]]:
    """Where the mappers that failed are defined (SQLAlchemy internals: best effort)."""
    try:
        orm: Any = importlib.import_module("sqlalchemy.orm")
        return [
            (inspect.getfile(mapper.class_), _failed_line(orm, mapper))
            for registry in orm.mapperlib._all_registries()
            for mapper in registry.mappers
            if mapper._configure_failed
        ]
    except Exception:
        return []


def _failed_line(orm: Any, mapper: Any) -> int:
    """The line of the class's relationship whose target does not resolve, else of the class."""
    lines, start = inspect.getsourcelines(mapper.class_)
    for prop in list(mapper._props.values()):
        if not isinstance(prop, orm.RelationshipProperty):
            continue
        try:
            prop.entity  # noqa: B018 - resolving the target is the test
        except Exception:
            assigned = re.compile(rf"\s*{re.escape(prop.key)}\s*[:=]")
            found = [i for i, text in enumerate(lines) if assigned.match(text)]
            return start + found[0] if found else start
    return start


def check(modules: Sequence[str]) -> dict[str, Any]:
    """Import the modules, stopping at the first that fails (a retry would only re-run it half-
    registered), then configure; the first failure, or stage "ok"."""
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt at import are failures too
            return _failure("import", name, exc, raised_at(exc))
    try:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
    except BaseException as exc:
        return _failure("configure", None, exc, failed_mappers())
    return {"stage": "ok"}


def _failure(
    stage: str, module: Optional[str], exc: BaseException, places: list[tuple[str, int]]
) -> dict[str, Any]:
    return {"stage": stage, "module": module, "error": describe(exc), "places": places}


def main() -> int:
    result = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    json.dump(check(sys.argv[1:]), result)
    result.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    # Neither wait for threads the project started nor run its exit hooks: the answer is given.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
