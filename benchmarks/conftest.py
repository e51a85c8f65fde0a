"""The benchmark scripts import each other as top-level modules, as `python benchmarks/run.py`
does; pytest's importlib import mode does not put their directory on sys.path by itself."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
