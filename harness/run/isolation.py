"""A fresh process per run, forked from a parent that has only imported the framework.

Why fork: what a user's script sees depends on running in a fresh process. Re-running variants
in one TF 1.14 process, even with ``clear_session()`` and re-seeding, gives different numbers
(1.2091 instead of the 1.2729 a fresh script gets), because op-level seeds follow the graph's
history. A child forked from a parent that has imported TF but run nothing reproduces the fresh
script exactly while paying the 5-9 s import once. The child also isolates crashes, hangs and
memory blow-ups: the parent records them and goes on.

The parent must therefore never run a framework operation itself.

Each child leads a process group of its own, and the whole group is killed when the child ends:
whatever a case started (a subprocess, a worker pool, a fork) does not outlive its run; on Linux
a child also adopts and ends what left the group (through a shell, or a session of its own), and
dies with its parent, even one killed by SIGKILL.
"""

import ctypes
import multiprocessing
import os
import signal
import time
import traceback
from multiprocessing.connection import wait
from typing import Any, Callable, Hashable, Iterable, List, Optional, Tuple

Task = Tuple[Hashable, Callable[[], Any]]


# prctl's requests (linux/prctl.h): a signal when the parent dies; adopting orphaned descendants.
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
# How often a child's resident memory is read when a memory limit is set.
MEMORY_POLL_S = 0.1
# How often the run loop asks whether to stop, however long a child takes: a signal that reached
# another thread does not interrupt the main thread's wait.
STOP_POLL_S = 0.2


class Outcome(object):
    """How a child ended: ``returned`` (with its value), ``raised``, ``crashed``, ``timeout`` or
    ``memory`` (killed for passing its memory limit)."""

    def __init__(self, ending: str, value: Any = None, detail: str = "", seconds: float = 0.0) -> None:
        self.ending = ending
        self.value = value
        self.detail = detail
        self.seconds = seconds


def _prctl(option: int, value: int) -> bool:
    """Linux's prctl; False where there is none (then nothing is asked)."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value) == 0
    except (OSError, AttributeError):
        return False


def _die_with(parent: int) -> None:
    """Ask Linux to kill this child when the process that forked it dies, even by SIGKILL, which
    runs none of the parent's cleanup: an orphan would go on training for up to its timeout, or for
    ever."""
    if _prctl(PR_SET_PDEATHSIG, signal.SIGKILL) and os.getppid() != parent:  # it died before the request
        os._exit(1)


def _children() -> List[int]:
    """This process's children, read from /proc (empty where there is none to read)."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not name.isdigit():
            continue
        try:
            with open("/proc/{}/stat".format(name)) as stream:
                fields = stream.read().rsplit(") ", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or no process
        if int(fields[1]) == me and fields[0] != "Z":
            found.append(int(name))
    return found


def _end_descendants() -> None:
    """Kill every process this child started, however detached: a process that left through a shell
    (``sleep 1000 &``) or a session of its own leaves the child's process group, but as the child
    is their subreaper, they become its children when their own parent ends."""
    for _ in range(100):
        found = _children()
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _child(function: Callable[[], Any], connection: Any, parent: int) -> None:
    _die_with(parent)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    # A group of its own, so that the parent can end everything the run started.
    os.setpgid(0, 0)
    # The parent decides what an interruption means; a child just dies with the default action.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        message = ("returned", function())
    except BaseException:  # the child must always answer, whatever happened
        message = ("raised", traceback.format_exc())
    _end_descendants()
    try:
        connection.send(message)
    except Exception:
        connection.send(("raised", traceback.format_exc()))
    connection.close()


class _Running(object):
    def __init__(self, key: Hashable, process: Any, connection: Any, timeout: Optional[float]) -> None:
        self.key = key
        self.process = process
        self.connection = connection
        self.started = time.perf_counter()
        self.deadline = None if timeout is None else self.started + timeout

    def finish(self, outcome: Outcome) -> Outcome:
        self.connection.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        _kill_group(self.process.pid)
        outcome.seconds = time.perf_counter() - self.started
        return outcome


def _kill_group(pid: int) -> None:
    """Kill what is left of a child's process group (what its run started); gone already is fine."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def resident_mib(pid: int) -> Optional[float]:
    """A process's resident memory (VmRSS) in MiB, from Linux's /proc; None once it is gone.

    Resident, not virtual, memory is what a limit must watch: TF and JAX reserve many GiB of
    address space they never touch, so an address-space rlimit would kill healthy runs.
    """
    try:
        with open("/proc/{}/status".format(pid)) as stream:
            for line in stream:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None


def _describe_exit(exitcode: Optional[int]) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "signal {}".format(-exitcode)
        return "the run's process was killed by {} (exit code {})".format(name, exitcode)
    return "the run's process ended without a result (exit code {})".format(exitcode)


def run_isolated(tasks: Iterable[Task], jobs: int, timeout: Optional[float],
                 on_outcome: Callable[[Hashable, Outcome], None], memory_limit_mib: Optional[float] = None,
                 stop: Optional[Callable[[], None]] = None) -> None:
    """Run each task in its own forked child, at most ``jobs`` at once, calling ``on_outcome``.

    A child past ``timeout`` seconds, or whose resident memory passes ``memory_limit_mib``, is
    killed and reported as ``timeout`` / ``memory``; the others go on.

    ``on_outcome`` is called in the parent as each child ends, in the order they end, so the
    caller can save results as they come. ``stop`` is called at least every ``STOP_POLL_S``
    seconds and may raise to end the run (the runner's check for SIGINT/SIGTERM). If the parent
    is interrupted, every child still running is killed before the exception propagates: no
    orphan keeps training.
    """
    context = multiprocessing.get_context("fork")
    pending = list(tasks)
    pending.reverse()
    running = []  # type: List[_Running]
    try:
        while pending or running:
            if stop is not None:
                stop()
            while pending and len(running) < max(1, jobs):
                key, function = pending.pop()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(function, writer, os.getpid()), daemon=True)
                process.start()
                writer.close()  # the parent keeps only the reading end, so a dead child reads as EOF
                running.append(_Running(key, process, reader, timeout))
            now = time.perf_counter()
            deadlines = [item.deadline for item in running if item.deadline is not None]
            wait_for = max(0.0, min(deadlines) - now) if deadlines else None
            for poll, wanted in ((MEMORY_POLL_S, memory_limit_mib is not None), (STOP_POLL_S, stop is not None)):
                if wanted:
                    wait_for = poll if wait_for is None else min(wait_for, poll)
            ready = wait([item.connection for item in running], timeout=wait_for)
            for item in list(running):
                outcome = None  # type: Optional[Outcome]
                if item.connection in ready:
                    try:
                        ending, value = item.connection.recv()
                        outcome = Outcome(ending, value) if ending == "returned" else Outcome(ending, detail=value)
                    except (EOFError, OSError):
                        item.process.join(5)
                        outcome = Outcome("crashed", detail=_describe_exit(item.process.exitcode))
                elif item.deadline is not None and time.perf_counter() >= item.deadline:
                    item.process.kill()
                    outcome = Outcome("timeout", detail="the run exceeded its {:g} s timeout and was killed".format(timeout))
                elif memory_limit_mib is not None:
                    used = resident_mib(item.process.pid)
                    if used is not None and used > memory_limit_mib:
                        item.process.kill()
                        outcome = Outcome("memory", detail="the run's resident memory reached {:.0f} MiB, past its "
                                                           "{:g} MiB limit, and it was killed".format(used, memory_limit_mib))
                if outcome is not None:
                    running.remove(item)
                    on_outcome(item.key, item.finish(outcome))
    finally:
        for item in running:
            if item.process.is_alive():
                os.kill(item.process.pid, signal.SIGKILL)
            item.process.join()
            _kill_group(item.process.pid)
