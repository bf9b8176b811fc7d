"""What a run does with the report already at its output path: keep it safe until something at
least as good replaces it, start again, or keep its finished cases.

Why: a report can hold an hour of finished runs, so nothing may destroy it before something at
least as complete is ready. Every path problem is found before any file is touched
(:func:`check_output`). Finished work is weighed, not counted: while the new report lacks a run
the one at ``--output`` holds (by case and run key), or holds it only as a failure where the old
one has a result, it is written beside it, to ``<output>.new``; it takes the report's place as soon
as it holds everything, or at once with ``--overwrite``. A run that selects less or other cases
(``-k``), or whose runs all time out, therefore leaves the report in place and says where its own is.

An unfinished report is replaced only with ``--overwrite`` and resumed only with ``--resume``
(silently resuming could mix runs from different settings or a different framework). Resuming
keeps whole cases: a case's checks need the weights and outputs of all its runs, which live in
memory only, so a case cut in the middle is run again from its start.
"""

import os
from typing import Any, Dict, List, Optional, Tuple

from harness.contract import report, vocabulary
from harness.contract.settings import NUMBER_KEYS
from harness.contract.strict_json import write_problem
from harness.errors import ReportError, UserError

PENDING_SUFFIX = ".new"
LOCK_SUFFIX = ".lock"


def check_output(path: str) -> None:
    """Refuse, with one line and before anything runs, an output this run could not write (the
    report, its lock file and its pending file)."""
    for candidate in (path, path + LOCK_SUFFIX, path + PENDING_SUFFIX):
        problem = write_problem(candidate)
        if problem is not None:
            raise UserError("{}: {}; give --output the path of a report file you can write".format(
                candidate if len(candidate) <= 120 else candidate[:117] + "...", problem))


class Previous(object):
    """The report already at the output path, as far as this run is concerned: when it was made
    (set when resuming), its finished cases by id (kept when resuming), and how many finished runs
    it holds, weighed, that the new report must hold as well before it may take its place."""

    def __init__(self, created: Optional[str] = None, kept: Optional[Dict[str, Dict[str, Any]]] = None,
                 protected: Optional[Dict[report.RunId, int]] = None) -> None:
        self.created = created
        self.kept = kept or {}
        self.protected = protected or {}


def _mismatches(previous: Dict[str, Any], settings: Dict[str, Any], environment: Dict[str, Any]) -> List[str]:
    # More seeds may be asked for: each case records the seeds it was looked at with (its looks).
    found = ["{} {!r} (now {!r})".format(key, previous["settings"].get(key), settings[key])
             for key in NUMBER_KEYS if key != "repeats" and previous["settings"].get(key) != settings[key]]
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


def previous_report(path: str, mode: Optional[str], settings: Dict[str, Any], environment: Dict[str, Any]) -> Previous:
    """What the report at ``path`` means for this run (``mode``: None, ``resume`` or ``overwrite``).

    Raises :class:`UserError` when it cannot be replaced or resumed as asked.
    """
    if mode == "overwrite" or not os.path.exists(path):
        return Previous()
    try:
        previous = report.load(path)
    except ReportError as error:
        if mode == "resume":
            raise UserError("cannot resume: {}".format(error))
        raise UserError("{}; it is left as it is: pass --overwrite to replace it".format(error))
    if mode is None:
        if previous["complete"]:
            return Previous(protected=report.finished_work(previous))
        finished = sum(1 for case in previous["cases"] if case["complete"])
        raise UserError("{}: holds an unfinished run ({} of {} case(s) finished, interrupted by {}); pass --resume "
                        "to keep them and run the rest, or --overwrite to start again".format(
                            path, finished, len(previous["cases"]), previous["interrupted"] or "a crash"))
    differences = _mismatches(previous, settings, environment)
    if differences:
        raise UserError("{}: cannot resume, it was made with {}; pass --overwrite to start again".format(
            path, "; ".join(differences)))
    kept = {case["id"]: case for case in previous["cases"] if case["complete"]}
    return Previous(previous["created"], kept, report.finished_work({"cases": list(kept.values())}))


class Kept(object):
    """What a resumed report keeps: the positions of the selected cases that need no run, those that
    get more seeds (position -> the repeats they have), and the finished cases this run did not
    select, carried over as they are."""

    def __init__(self, done: List[int], extend: Dict[int, int], carried: List[Dict[str, Any]]) -> None:
        self.done = done
        self.extend = extend
        self.carried = carried


def keep_finished(cases: List[Dict[str, Any]], kept: Dict[str, Dict[str, Any]], repeats: int) -> Kept:
    """Put each kept case whose file is unchanged in place of its fresh entry in ``cases``. A training
    case with fewer than ``repeats`` seeds is extended (only its new seeds run); a finished case that
    was not selected (``-k``) is carried over: resuming never drops finished work."""
    done, extend = [], {}  # type: List[int], Dict[int, int]
    for index, entry in enumerate(cases):
        previous = kept.get(entry["id"])
        if previous is None or previous["source_hash"] != entry["source_hash"]:
            continue
        cases[index] = previous
        have = report.case_repeats(previous)
        if previous["kind"] == vocabulary.CASE_KINDS[0] and have < repeats:
            if previous.get("last_look"):
                raise UserError("cannot add seeds to {} ({} to {}): its last look was taken (--last-look, harness "
                                "decide's cap), and a look after it would raise the false-alarm rate above alpha; "
                                "run it in a new report (--output) or --overwrite".format(entry["id"], have, repeats))
            extend[index] = have
            previous["complete"] = False  # until its new seeds are in
        else:
            done.append(index)
    selected = set(entry["id"] for entry in cases)
    return Kept(done, extend, [entry for case_id, entry in kept.items() if case_id not in selected])


def _signature(path: str) -> Optional[Tuple[int, int, int]]:
    """What tells one version of a file from another (each write is a new file, renamed into place)."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


class Destination(object):
    """Where the report is saved: at ``output`` once it holds every run of ``protected`` at least as
    finished (a result where there was one), at ``output + ".new"`` until then, and from the moment
    another process wrote ``output`` while this run held it (its lock was removed): the lock is
    advice a ``rm`` undoes, so each save also checks that the report is still the one it last saw."""

    def __init__(self, output: str, protected: Dict[report.RunId, int]) -> None:
        self.output = output
        self.pending = output + PENDING_SUFFIX
        self.protected = protected
        self._seen = _signature(output)
        # A pending report found at the start is an earlier run's, replaced once this one may take the
        # report's place; one another run writes meanwhile is left alone.
        self._pending_seen = _signature(self.pending)
        self.overtaken = False

    def _lacking(self, document: Dict[str, Any]) -> List[report.RunId]:
        held = report.finished_work(document)
        return [run for run, standing in self.protected.items() if held.get(run, 0) < standing]

    def save(self, document: Dict[str, Any]) -> str:
        """Write ``document`` where it belongs now and return that path; a failed write is one line."""
        self.overtaken = self.overtaken or _signature(self.output) != self._seen
        target = self.pending if self.overtaken or self._lacking(document) else self.output
        try:
            report.write(target, document)
            if target == self.pending:
                self._pending_seen = _signature(self.pending)
            else:
                self._seen = _signature(self.output)
                pending = _signature(self.pending)
                if pending is not None and pending == self._pending_seen:
                    os.unlink(self.pending)
                    self._pending_seen = None
        except OSError as error:
            kept = "" if target == self.output else "; {} is unchanged".format(self.output)
            raise UserError("{}: cannot write the report: {}{}".format(target, error.strerror or error, kept))
        return target

    def kept_message(self, document: Dict[str, Any]) -> Optional[str]:
        """Why the report at ``output`` was not replaced, when it was not."""
        if self.overtaken:
            return ("{} was written by another run while this one ran (its lock was removed): it is left as that run "
                    "wrote it; this run's report is {}; keep the one you want at {}".format(
                        self.output, self.pending, self.output))
        lacking = self._lacking(document)
        if not lacking:
            return None
        case_id, variant, init_mode, repeat, replica = lacking[0]
        return ("{} still holds the earlier report: this run lacks {} of its {} finished runs or has them only failed "
                "(the first: {}/{}, {}, repeat {}{}); this run's report is {}; move it there, or re-run with "
                "--overwrite to replace it".format(self.output, len(lacking), len(self.protected), case_id, variant,
                                                   init_mode, repeat, ", replica" if replica else "", self.pending))
