"""What a run does with a report already at its output path: start again, or keep its finished cases.

Why the choice is explicit: an interrupted report can hold an hour of finished runs, so silently
overwriting it loses them, while silently resuming could mix runs from different settings or a
different framework. A finished report is simply replaced (re-running an env is routine); an
unfinished one is replaced only with ``--overwrite`` and resumed only with ``--resume``.

Resuming keeps whole cases: a case's checks need the weights and outputs of all its runs, which
live in memory only, so a case cut in the middle is run again from its start.
"""

import os
from typing import Any, Dict, List, Optional, Tuple

from harness.contract import report
from harness.contract.settings import NUMBER_KEYS
from harness.errors import ReportError, UserError


def _mismatches(previous: Dict[str, Any], settings: Dict[str, Any], environment: Dict[str, Any]) -> List[str]:
    found = ["{} {!r} (now {!r})".format(key, previous["settings"].get(key), settings[key])
             for key in NUMBER_KEYS if previous["settings"].get(key) != settings[key]]
    before, now = previous["environment"], environment
    if before["python"]["version"] != now["python"]["version"]:
        found.append("Python {} (now {})".format(before["python"]["version"], now["python"]["version"]))
    if before["packages"] != now["packages"]:
        changed = sorted(name for name in set(before["packages"]) | set(now["packages"])
                         if before["packages"].get(name) != now["packages"].get(name))
        found.append("other packages: {}".format(", ".join(changed[:5])))
    for key in ("keras_flavour", "backend"):
        if before["framework"].get(key) != now["framework"].get(key):
            found.append("{} {} (now {})".format(key, before["framework"].get(key), now["framework"].get(key)))
    return found


def reusable_cases(path: str, mode: Optional[str], settings: Dict[str, Any],
                   environment: Dict[str, Any]) -> Tuple[Optional[str], Dict[str, Dict[str, Any]]]:
    """The previous report's creation time and its finished case entries by id ({} to start afresh).

    Raises :class:`UserError` when the report at ``path`` cannot be replaced or resumed as asked.
    """
    if mode == "overwrite" or not os.path.exists(path):
        return None, {}
    try:
        previous = report.load(path)
    except ReportError as error:
        if mode == "resume":
            raise UserError("cannot resume: {}".format(error))
        raise UserError("{}; it is left as it is: pass --overwrite to replace it".format(error))
    if mode is None:
        if previous["complete"]:
            return None, {}
        finished = sum(1 for case in previous["cases"] if case["complete"])
        raise UserError("{}: holds an unfinished run ({} of {} case(s) finished, interrupted by {}); pass --resume "
                        "to keep them and run the rest, or --overwrite to start again".format(
                            path, finished, len(previous["cases"]), previous["interrupted"] or "a crash"))
    differences = _mismatches(previous, settings, environment)
    if differences:
        raise UserError("{}: cannot resume, it was made with {}; pass --overwrite to start again".format(
            path, "; ".join(differences)))
    return previous["created"], {case["id"]: case for case in previous["cases"] if case["complete"]}


def keep_finished(cases: List[Dict[str, Any]], kept: Dict[str, Dict[str, Any]]) -> List[int]:
    """Put each kept case whose file is unchanged in place of its fresh entry in ``cases``;
    return the positions of the cases that need no run."""
    done = []
    for index, entry in enumerate(cases):
        previous = kept.get(entry["id"])
        if previous is not None and previous["source_hash"] == entry["source_hash"]:
            cases[index] = previous
            done.append(index)
    return done
