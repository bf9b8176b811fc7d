"""Strict JSON for reports: no bare NaN/Infinity, numbers that survive every JSON parser.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON; a report that
records a diverged loss must still load in a browser, in ``jq`` and in a CI tool. Non-finite
floats are therefore written as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``;
the schema's ``number`` definition admits exactly these three strings besides numbers.
"""

import json
import math
import os
import stat
import tempfile
from typing import Any, Optional, Union

NON_FINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def encode_float(value: float) -> Union[float, str]:
    """A float as strict JSON allows it: itself if finite, else its spelled-out name."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def decode_float(value: Union[float, int, str, None]) -> float:
    """The inverse of :func:`encode_float`; ``None`` (not measured) becomes NaN."""
    if value is None:
        return float("nan")
    if isinstance(value, str):
        return NON_FINITE[value]
    return float(value)


def to_plain(obj: Any) -> Any:
    """Recursively turn NumPy scalars/arrays, tuples and non-finite floats into strict JSON data."""
    if isinstance(obj, dict):
        return {str(key): to_plain(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(value) for value in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return encode_float(obj)
    if hasattr(obj, "tolist"):  # NumPy scalar or array, without importing NumPy here
        return to_plain(obj.tolist())
    raise TypeError("cannot store {!r} of type {} in a report".format(obj, type(obj).__name__))


def dumps(obj: Any) -> str:
    """Serialise ``obj`` as strict JSON (``allow_nan=False`` proves nothing slipped through)."""
    return json.dumps(to_plain(obj), indent=1, sort_keys=False, allow_nan=False)


def _reject_constant(name: str) -> None:
    raise ValueError("bare {} is not JSON (reports spell it as a string)".format(name))


def loads(text: str) -> Any:
    """Parse strict JSON, refusing the bare ``NaN``/``Infinity`` that Python would accept."""
    return json.loads(text, parse_constant=_reject_constant)


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half.

    The temporary file lives in the same directory (``os.replace`` is atomic only within one
    file system) and is flushed to disk before the rename, so a crash or a concurrent writer
    can never leave a truncated report behind.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=directory)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(handle, 0o666 & ~umask)  # mkstemp's 0600 would hide reports from CI artifact readers
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def not_a_regular_file(path: str) -> Optional[str]:
    """What ``path`` is when it exists and is not a regular file ("a FIFO"), else None.

    Documents are read and written only as regular files: a device or a FIFO has no size to bound
    a read by, and opening a FIFO blocks until someone writes to it.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


# The longest file name most file systems take (ext4, XFS, APFS, NTFS: 255 bytes).
MAX_NAME_BYTES = 255


def write_problem(path: str) -> Optional[str]:
    """Why a document could not be written to ``path`` (checked before any work), or None."""
    kind = not_a_regular_file(path)
    if kind is not None:
        return "is {}, not a file".format(kind)
    if len(os.path.basename(path).encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return "the file name is longer than file systems allow ({} bytes)".format(MAX_NAME_BYTES)
    existing = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return "cannot create its folder: {} is not a folder".format(existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        return "no permission to write in {}".format(existing)
    return None
