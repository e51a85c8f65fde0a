"""Make ``backend/`` the import root of its own tests, from here or from the repository root."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

BACKEND_DIR = Path(__file__).resolve().parent

if str(BACKEND_DIR) not in sys.path:
    sys.path.insert(0, str(BACKEND_DIR))


def pytest_report_header() -> str:
    url = os.environ.get("DATABASE_URL")
    shown = make_url(url).render_as_string(hide_password=True) if url else "SQLite (temporary file)"
    return f"backend database: {shown}"
