"""What pre-commit runs for the `fix-relationships` hook: the command line, given the staged files.

    entry: fix-relationships-hook   ->   fix-relationships-hook [args ...] saas/models.py ...

pre-commit runs a hook from the repository root and appends the staged file names to its `args`.
That is already the manual command's `[--check | --diff] [-v] [PATH ...]`, read from the same root,
so this entry passes everything through unchanged: the hook and `fix-relationships` cannot drift
apart. Exit 1 (files rewritten, or a broken reference) fails the commit, as does exit 2 (a file that
cannot be read or parsed, named on its own line). With no file names at all (`pass_filenames: false`)
it looks at the whole project, as the manual command does.

It is a module of its own, not `fix-relationships` itself, so that `.pre-commit-hooks.yaml` names an
entry point which can take pre-commit-only arguments later without changing the manual command.
It lives in the `codemods` package so that the wheel installs no top-level package of a name as
generic as `hooks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn, Optional

from codemods import fix_relationships


def main(argv: Optional[Sequence[str]] = None, ending: bool = False) -> int:
    return fix_relationships.main(argv, ending)


def console() -> NoReturn:
    """The hook's entry (`fix-relationships-hook`, `python -m`)."""
    fix_relationships.finish(main(ending=True))


if __name__ == "__main__":
    console()
