"""What the numbers were measured on: CPU, cores, memory, load, interpreter and tool versions."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def machine(python: str, ruff: str, repo_root: Path) -> dict[str, str]:
    return {
        "CPU": _cpuinfo("model name") or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "OS": platform.platform(),
        "Python": _output([python, "-c", "import sys; print(sys.version.split()[0])"]),
        "ruff": _output([ruff, "--version"]),
        "libcst": _output(
            [python, "-c", "import importlib.metadata as m; print(m.version('libcst'))"]
        ),
        "SQLAlchemy": _output(
            [python, "-c", "import importlib.metadata as m; print(m.version('sqlalchemy'))"]
        ),
        "tool commit": _tool_commit(repo_root),
    }


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _cpuinfo(key: str) -> str | None:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _tool_commit(repo_root: Path) -> str:
    git = ["git", "-C", str(repo_root)]
    commit = (
        _output([*git, "log", "-1", "--format=%h, %cd", "--date=short", "--", "codemods"]) or "?"
    )
    dirty = _output([*git, "status", "--porcelain", "--", "codemods"])
    return commit + (" (codemods/ has uncommitted changes)" if dirty else "")


def _output(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    if result.returncode != 0:
        return "unavailable"
    return result.stdout.strip()
