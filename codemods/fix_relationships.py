"""Rewrite dotted `relationship()` targets to bare class names, importing the class safely.

    python -m codemods.fix_relationships [--check | --diff | --verify] [-v] [PATH ...]

    relationship("ecommerce.models.Subscription")
 -> from ecommerce.models import Subscription  # noqa: F401
    relationship("Subscription")

Exit 0: nothing to change. 1: files were (or would be) rewritten, a reference is broken, or
(--verify) importing the project or configuring its mappers failed. 2: a file could not be read
or parsed, or bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, Optional

from codemods.relationships.cache import DIRECTORY, ENVIRONMENT, cache_directory
from codemods.relationships.config import ConfigError, load_config
from codemods.relationships.output import DOCUMENTS, FORMATS, FULL
from codemods.relationships.root import find_root
from codemods.relationships.run import CHECK, DIFF, WRITE, Options, run
from codemods.relationships.selection import unknown_prefix


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fix-relationships",
        description=(
            "Rewrite dotted SQLAlchemy relationship() targets to bare class names and add the "
            "import that registers the class, wherever that is provably safe. The project root is "
            "the nearest directory above holding a pyproject.toml or a .git."
        ),
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if anything would change"
    )
    mode.add_argument("--diff", action="store_true", help="print a unified diff; write nothing")
    parser.add_argument(
        "--verify",
        action="store_true",
        help=(
            "after rewriting, import each rewritten module alone, then all model modules "
            "together, in fresh interpreters and configure the mappers (this imports and runs "
            "project code); exit 1 if that fails"
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also list what is left alone, and why"
    )
    parser.add_argument(
        "--select",
        type=_codes,
        metavar="CODES",
        help="report only these codes or prefixes, comma-separated (instead of the config's)",
    )
    parser.add_argument(
        "--ignore",
        type=_codes,
        default=(),
        metavar="CODES",
        help="do not report these codes or prefixes (added to the config's); FR101: rewrite nothing",
    )
    parser.add_argument(
        "--output-format",
        choices=FORMATS,
        default=FULL,
        help="how findings are printed (default: full)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the findings: no `Rewriting` lines, no summary",
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when files are rewritten or a reference is broken (errors still exit 2)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="read and write no cache (the output is the same)"
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help=f"where the cache goes (default: the `cache-dir` setting, ${ENVIRONMENT}, or "
        f"{DIRECTORY} at the project root)",
    )
    parser.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)"
    )
    return parser


def main(argv: Optional[Sequence[str]] = None, ending: bool = False) -> int:
    """The command line's run; `ending`: the process ends after it (`finish`), and need not
    free what the run built."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    problem = _verify_problem(args) if args.verify else None
    if problem:
        print(f"fix-relationships: error: {problem}", file=sys.stderr)
        return 2
    cwd = Path.cwd()
    root = find_root(cwd)
    if root is None:
        root = cwd
        if not args.quiet:
            print(
                f"fix-relationships: no pyproject.toml or .git in {cwd} or above; "
                f"taking {cwd} as the project root",
                file=sys.stderr,
            )
    try:
        config = load_config(root)
    except ConfigError as exc:
        print(f"fix-relationships: error: {exc}", file=sys.stderr)
        return 2
    config = config._replace(
        select=config.select if args.select is None else args.select,
        ignore=config.ignore + args.ignore,
    )
    mode = CHECK if args.check else DIFF if args.diff else WRITE
    options = Options(
        root,
        config,
        mode,
        args.verbose,
        quiet=args.quiet,
        output_format=args.output_format,
        cwd=cwd,
        cache_dir=None
        if args.no_cache
        else cache_directory(root, args.cache_dir, config.cache_dir, cwd),
    )
    if not args.verify:
        code = run(args.paths or ["."], options, ending=ending).exit_code
    else:
        code = _run_and_verify(args, options)
    return 0 if args.exit_zero and code == 1 else code


def _run_and_verify(args: argparse.Namespace, options: Options) -> int:
    """The run, then the checks on the rewritten tree and, for the failures, on the tree as it
    was before the run (so that each failure says whether the rewrite caused it)."""
    from codemods.relationships.verify import verify

    report = run(args.paths or ["."], options)
    verification = verify(
        options.root,
        options.config,
        args.verbose,
        quiet=args.quiet,
        output_format=args.output_format,
        cwd=options.cwd,
        originals=report.originals,
    )
    return max(report.exit_code, verification.exit_code)


def _codes(text: str) -> tuple[str, ...]:
    codes = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    bad = unknown_prefix(codes)
    if bad is not None:
        raise argparse.ArgumentTypeError(f"{bad!r} is not a fix-relationships code or prefix")
    return codes


def _version() -> str:
    from importlib import metadata  # 40 ms: only when asked

    try:
        return metadata.version("fix-relationships")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


class _Version(argparse.Action):
    """`--version`, looked up only when given (argparse's own action needs it up front)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _verify_problem(args: argparse.Namespace) -> Optional[str]:
    if args.check or args.diff:
        return "--verify imports the rewritten files; it cannot be combined with --check or --diff"
    if args.output_format in DOCUMENTS:
        return "--verify reports in a second list; use --output-format full, concise or github"
    from codemods.relationships.verify import sqlalchemy_missing

    return sqlalchemy_missing()


def __getattr__(name: str) -> Any:
    # The LibCST command imports LibCST; load it only when asked for (by libcst.tool).
    if name == "FixRelationshipsCommand":
        from codemods.relationships.command import FixRelationshipsCommand

        return FixRelationshipsCommand
    raise AttributeError(name)


def finish(code: int) -> NoReturn:
    """End the process with the exit code at once, its output written, as mypy does: the
    interpreter's own exit would free every object of the run one by one (15-30 ms, longer
    than a small commit's decisions)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the interpreter's exit reports it, as before
        raise SystemExit(code) from None
    os._exit(code)


def console() -> NoReturn:
    """The command line's entry (`fix-relationships`, `python -m`)."""
    finish(main(ending=True))


if __name__ == "__main__":
    console()
