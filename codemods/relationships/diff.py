"""`--diff`: a unified diff of a file's bytes that `patch -p0` and `git apply` both apply, giving
exactly the bytes a real run writes.

    --- ./saas/models.py
    +++ ./saas/models.py
    @@ -1,4 +1,5 @@
    ...
    \\ No newline at end of file

Lines are split at `\\n` only, as patch and git do (a CRLF line keeps its `\\r`), in the file's
own encoding; a last line without a newline is followed by the `\\ No newline` marker. The `./`
prefix is a path component that `git apply` strips (its default is `-p1`) and `-p0` keeps.
"""

from __future__ import annotations

import difflib
import os

_NO_NEWLINE = b"\\ No newline at end of file\n"


def unified_diff(old: bytes, new: bytes, path: str) -> bytes:
    name = _header_path(path).encode("utf-8", "surrogateescape")
    lines = difflib.diff_bytes(
        difflib.unified_diff, _lines(old), _lines(new), fromfile=name, tofile=name
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(b"\n"):
            out += [b"\n", _NO_NEWLINE]
    return b"".join(out)


def _lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    last = lines.pop()
    return [line + b"\n" for line in lines] + ([last] if last else [])


def _header_path(path: str) -> str:
    posix = path.replace(os.sep, "/")
    if os.path.isabs(path) or posix.startswith(("./", "../")):
        return posix
    return "./" + posix
