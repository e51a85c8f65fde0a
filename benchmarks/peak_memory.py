"""Run a command and report its peak memory, children included, as JSON.

    python benchmarks/peak_memory.py -- python -m codemods.fix_relationships --check .

`max_rss_kb` is the kernel's figure for the largest single process of the command's tree
(getrusage RUSAGE_CHILDREN, taken in this fresh process so nothing else is counted).
`tree_rss_kb` is the largest sum of the resident sizes of all the tree's processes seen by
polling /proc every few milliseconds: what worker pools add up to (shared pages count twice).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence

POLL_SECONDS = 0.005


def tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGESIZE") // 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(argv: Sequence[str]) -> dict[str, int]:
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(POLL_SECONDS)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"returncode": process.returncode, "max_rss_kb": usage.ru_maxrss, "tree_rss_kb": peak}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("usage: peak_memory.py -- COMMAND [ARG ...]", file=sys.stderr)
        return 2
    print(json.dumps(measure(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
