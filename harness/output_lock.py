"""One writer per report path: a second run aimed at the same report is refused, not interleaved.

Each write is atomic, so two runs writing one path never leave half a file, but the last writer
would silently replace the other's finished runs. ``flock`` is released by the kernel when the
holder dies, so a crashed or killed run never leaves a stale lock behind.
"""

import fcntl
import os
import platform
from typing import Any, Optional

from harness.errors import UserError


class OutputLock(object):
    """An exclusive, non-blocking lock on ``<report>.lock``, held for the whole run."""

    def __init__(self, report_path: str) -> None:
        self.report_path = report_path
        self.path = report_path + ".lock"
        self._stream = None  # type: Optional[Any]

    def __enter__(self) -> "OutputLock":
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        stream = open(self.path, "a+")
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            stream.seek(0)
            holder = stream.read().strip() or "a process"
            stream.close()
            raise UserError("{}: another run is writing this report ({}); wait for it to end or give this run "
                            "another --output".format(self.report_path, holder))
        stream.seek(0)
        stream.truncate()
        stream.write("pid {} on {}\n".format(os.getpid(), platform.node()))
        stream.flush()
        self._stream = stream
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._stream is not None:
            fcntl.flock(self._stream.fileno(), fcntl.LOCK_UN)
            self._stream.close()
            self._stream = None
