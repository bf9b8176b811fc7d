"""One writer per report path: a second run aimed at the same report is refused, not interleaved.

Each write is atomic, so two runs writing one path never leave half a file, but the last writer
would silently replace the other's finished runs. ``flock`` is released by the kernel when the
holder dies, so a crashed or killed run never leaves a stale lock behind. The lock file is
removed when the run ends; since another process may have opened it just before, a lock counts
only if it is held on the file that the path names *now* (its inode is checked after locking).
"""

import errno
import fcntl
import os
import platform
import stat
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
            stream = self._open()
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
        self._stream = stream
        try:
            stream.seek(0)
            stream.truncate()
            # Unbuffered: a write that fails leaves nothing for close() to fail on again.
            os.write(stream.fileno(), "pid {} on {}\n".format(os.getpid(), platform.node()).encode("utf-8"))
        except OSError as error:  # a full disk before anything ran: nothing was written but the lock
            self.__exit__()
            raise UserError("{}: cannot write the lock: {}; nothing was written".format(self.path, error.strerror or error))
        return self

    def _open(self) -> Any:
        """The lock file, opened without following a link: a ``<report>.lock`` that is a symbolic link
        (or not a plain file) is refused, never truncated through to what it points at."""
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UserError("{}: is a symbolic link, not a lock the harness made; remove it".format(self.path))
            raise UserError("{}: cannot create the lock: {}".format(self.path, error.strerror or error))
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise UserError("{}: is not a regular file, not a lock the harness made; remove it".format(self.path))
        return os.fdopen(descriptor, "r+")

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
