"""One writer per report path: a second run aimed at the same report is refused, not interleaved.

Each write is atomic, so two runs writing one path never leave half a file, but the last writer
would silently replace the other's finished runs. ``flock`` is released by the kernel when the
holder dies, so a crashed or killed run never leaves a stale lock behind. The lock file is
removed when the run ends; since another process may have opened it just before, a lock counts
only if it is held on the file that the path names *now* (its inode is checked after locking).
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
        while True:
            stream = open(self.path, "a+")
            try:
                fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                stream.seek(0)
                holder = stream.read().strip() or "a process"
                stream.close()
                raise UserError("{}: another run is writing this report ({}); wait for it to end or give this run "
                                "another --output".format(self.report_path, holder))
            if self._names_this_file(stream):
                break
            stream.close()  # the holder removed this file as it finished: lock the new one
        stream.seek(0)
        stream.truncate()
        stream.write("pid {} on {}\n".format(os.getpid(), platform.node()))
        stream.flush()
        self._stream = stream
        return self

    def _names_this_file(self, stream: Any) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(stream.fileno()).st_ino
        except FileNotFoundError:
            return False

    def __exit__(self, *exc_info: Any) -> None:
        if self._stream is not None:
            # Removed while still locked, so no one can lock this file and believe it current.
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            fcntl.flock(self._stream.fileno(), fcntl.LOCK_UN)
            self._stream.close()
            self._stream = None
