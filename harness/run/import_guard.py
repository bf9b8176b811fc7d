"""Case files are imported first in a throw-away child: a file whose import changes the state that
every run forks from is refused with one line, before the parent imports it.

Why: each run is a child forked from a parent that has imported the framework and run nothing
(:mod:`harness.run.isolation`), which is what makes a run see what a user's fresh script sees. A
case file that runs a framework operation at import breaks that for every case in the folder,
selected or not: on TF 2.x the runtime's thread pools start in the parent and the forked children
hang until their timeout; on TF 1.x the operation lands in the default graph and silently shifts
the framework-seeded figures of every other case. A process started at import would likewise
outlive every run. The check compares the framework's runtime state
(:meth:`harness.run.framework.Framework.runtime_state`) before and after the import, in a child,
so the parent stays clean whatever the file does.
"""

import os
from typing import Any, Callable, Dict, List, Optional

from harness.errors import CaseFileError
from harness.run.discovery import load_case_file
from harness.run.isolation import Outcome, run_isolated

ADVICE = ("a case file must not run framework operations or start processes when it is imported, since every "
          "run forks from the state it leaves; do that in make_data or build")


def _started_processes() -> bool:
    """Whether this process has, or had, a child process."""
    try:
        os.waitpid(-1, os.WNOHANG)  # (0, 0): one is running; (pid, status): one has ended
    except ChildProcessError:
        return False
    return True


def side_effects(path: str, folder: str, runtime_state: Callable[[], Dict[str, Any]]) -> List[str]:
    """Import ``path`` (in the calling child) and say what the import changed. A file that fails to
    load is judged on what it did before failing: if that was harmless, the parent's own load
    reports its error; if not, the parent never imports it."""
    before = runtime_state()
    try:
        load_case_file(path, folder)
    except CaseFileError:
        pass
    after = runtime_state()
    found = ["{}: {} before, {} after".format(name, before.get(name), value)
             for name, value in sorted(after.items()) if before.get(name) != value]
    if _started_processes():
        found.append("it started a process")
    return found


def guard(runtime_state: Callable[[], Dict[str, Any]], timeout: float) -> Callable[[str, str], Optional[str]]:
    """A check for :func:`harness.run.discovery.discover`: the problem with importing a case file, or None."""
    def check(path: str, folder: str) -> Optional[str]:
        ended = {}  # type: Dict[str, Outcome]

        def keep(key: Any, outcome: Outcome) -> None:
            ended["outcome"] = outcome
        run_isolated([(path, lambda: side_effects(path, folder, runtime_state))], 1, timeout, keep)
        outcome = ended["outcome"]
        if outcome.ending != "returned":
            lines = outcome.detail.strip().splitlines()
            return "importing it in a test process failed ({}: {})".format(outcome.ending, lines[-1] if lines else "")
        if outcome.value:
            return "importing it changed what every run starts from ({}): {}".format("; ".join(outcome.value), ADVICE)
        return None
    return check
