"""The floor: read every Python file below PATH and search it with one regex, in Python.

    python benchmarks/floor_scan.py [PATH]

No tool that has to look at every file can be faster than this in Python.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence

DOTTED_TARGET = re.compile(rb"""relationship\(\s*["'][\w]+\.[\w.]+["']""")


def count_matching_files(top: str) -> int:
    matching = 0
    for directory, subdirs, files in os.walk(top):
        subdirs[:] = [name for name in subdirs if not name.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(directory, name), "rb") as file:
                    matching += DOTTED_TARGET.search(file.read()) is not None
    return matching


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(count_matching_files(args[0] if args else "."))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
