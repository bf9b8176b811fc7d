"""The per-environment report: the product's contract between runner, compare and present.

This module is the one place that knows the report's shape: it builds every section from plain
values (the runner, the checks and the tests call these builders, nobody writes the dicts by
hand), validates against ``schemas/report.schema.json`` on every write and every read, and writes
atomically. :mod:`harness.contract.reading` is the one place that reads it back.

A report is rewritten after every finished run with ``complete: false`` until the end, so an
interrupted run keeps everything it finished.
"""

import collections
import datetime
from typing import Any, Dict, Mapping, NamedTuple, Optional, Sequence, Tuple

from harness import __version__
from harness.contract import versions, vocabulary
from harness.contract.schema import REPORT_SCHEMA_PATH, load_schema, validation_errors
from harness.contract.strict_json import dumps, loads, not_a_regular_file, to_plain, write_atomically
from harness.errors import ReportError

# 2: a family of rules is a case of its own kind with its rules' measurements (kind, rules); skips
# say why as a code (skip); the environment records its capabilities; training randomness names its
# layers as data; runs no longer carry rule_seconds.
SCHEMA_VERSION = 2
# A report is data from elsewhere (CI artifacts, other machines): refuse what no run can produce.
MAX_REPORT_BYTES = 256 * 1024 * 1024


def schema() -> Dict[str, Any]:
    return load_schema(REPORT_SCHEMA_PATH)


# -- building ------------------------------------------------------------------------------
def new_report(settings: Dict[str, Any], environment: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "harness_version": __version__,
        "created": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
        "complete": False,
        "interrupted": None,
        "resumed": None,
        "settings": settings,
        "environment": environment,
        "load_errors": [],
        "cases": [],
        "summary": {"runs": {}, "checks": {}, "unexpected": [], "flags": [], "exit_status": 0},
    }


def load_error(path: str, problem: str) -> Dict[str, Any]:
    return {"file": path, "problem": problem}


def case_entry(case_id: str, title: str, description: str, sources: Sequence[str], file: str, source_hash: str,
               profile: str, tolerance: Mapping[str, float], variants: Sequence[Mapping[str, str]],
               expected_changes: Sequence[Mapping[str, Any]] = (), judge: Sequence[Mapping[str, Any]] = ()) -> Dict[str, Any]:
    """A case that trains, before any of its runs finished; ``judge``: the quantities it is judged on."""
    entry = _common_case_entry(vocabulary.CASE_KINDS[0], case_id, title, description, sources, file, source_hash,
                               profile)
    entry.update(tolerance=dict(tolerance), variants=[{"name": v["name"], "description": v["description"]}
                                                      for v in variants],
                 expected_changes=[dict(change) for change in expected_changes], judge=[dict(j) for j in judge],
                 determinism=[])
    return entry


def family_entry(family_id: str, title: str, description: str, file: str, source_hash: str,
                 profile: str) -> Dict[str, Any]:
    """A family of rules, before its run finished: its rules' measurements come with it."""
    entry = _common_case_entry(vocabulary.CASE_KINDS[1], family_id, title, description, (), file, source_hash, profile)
    entry["rules"] = []
    return entry


def _common_case_entry(kind: str, case_id: str, title: str, description: str, sources: Sequence[str], file: str,
                       source_hash: str, profile: str) -> Dict[str, Any]:
    return {"id": case_id, "kind": kind, "title": title, "description": description.strip(), "sources": list(sources),
            "file": file, "source_hash": source_hash, "profile": profile, "runs": [], "checks": [], "complete": False}


def rule_entry(rule_id: str, guarantee: str, tolerance: float, requires: Sequence[str],
               result: Mapping[str, Any]) -> Dict[str, Any]:
    """What one rule of a family measured: each pair's distance and the numbers compared, or why it
    was skipped (the capabilities missing), or what its call raised; and its seconds."""
    return {"id": rule_id, "guarantee": guarantee, "tolerance": tolerance, "requires": list(requires),
            "outcome": result["outcome"], "distance": result.get("distance"), "pairs": dict(result.get("pairs", {})),
            "evidence": result.get("evidence"), "skip": result.get("skip"), "raised": result.get("raised"),
            "seconds": result.get("seconds"), "values": dict(result.get("values", {}))}


def skip_entry(code: str, missing: Sequence[str] = ()) -> Dict[str, Any]:
    """Why something was skipped, as data: a code of vocabulary.SKIP_CODES and the missing capabilities."""
    return {"code": code, "missing": list(missing)}


def error_entry(kind: str, message: str, traceback: str = "") -> Dict[str, str]:
    return {"type": kind, "message": message, "traceback": traceback}


def run_record(status: str = "ok", error: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """What one run produced, before the harness says which run it was: the child fills it in."""
    return {"status": status, "error": error, "skip": None, "history": {}, "final": {}, "non_finite": None,
            "data": {}, "weights": {"initial": [], "final": []}, "timing": {}}


def stochastic_layer(layer: str, kind: str, attribute: Optional[str], value: Optional[float]) -> Dict[str, Any]:
    """A layer that draws random numbers while training: its name, class, the attribute that
    switches it off at 0 (None where nothing does, as for random augmentation) and its value."""
    return {"layer": layer, "class": kind, "attribute": attribute, "value": value}


def training_randomness(layers: Sequence[Mapping[str, Any]], shuffle: bool, controllable: bool,
                        switched_off: bool = False, pipeline: bool = False) -> Dict[str, Any]:
    """What in a run drew from the framework's RNG while training (``layers``: stochastic_layer
    entries), whether the harness switched it all off (a controlled run), and whether the case fed
    ``fit`` an input pipeline of its own."""
    return {"layers": [dict(layer) for layer in layers], "shuffle": bool(shuffle), "controllable": bool(controllable),
            "switched_off": bool(switched_off), "pipeline": bool(pipeline)}


def training_record(epochs_requested: Optional[int], epochs_trained: int, callbacks: Sequence[str],
                    monitor: Optional[str], best_epoch: Optional[int],
                    learning_rate: Sequence[Optional[float]], weights_epoch: Optional[int]) -> Dict[str, Any]:
    """What a run's callbacks did to its training: how long it trained, its best epoch, its rates,
    and the epoch its final weights are from (earlier than the last when a callback restored)."""
    return {"epochs_requested": epochs_requested, "epochs_trained": epochs_trained,
            "stopped_early": epochs_requested is not None and epochs_trained < epochs_requested,
            "callbacks": list(callbacks), "monitor": monitor, "best_epoch": best_epoch,
            "learning_rate": list(learning_rate), "weights_epoch": weights_epoch}


def failed_record(ending: str, detail: str) -> Dict[str, Any]:
    """The record of a run whose process returned none (crashed, timed out, killed for memory)."""
    status = "timeout" if ending == "timeout" else "error"
    lines = detail.strip().splitlines()
    return run_record(status, error_entry(ending, lines[-1] if lines else ending, detail))


def run_entry(variant: str, init_mode: str, repeat: int, replica: int, seeds: Mapping[str, int],
              record: Mapping[str, Any]) -> Dict[str, Any]:
    """A run as the report stores it: which run it was, then what it produced."""
    entry = {"variant": variant, "init_mode": init_mode, "repeat": repeat, "replica": replica, "seeds": dict(seeds)}
    entry.update(record)
    return entry


def determinism_entry(variant: str, init_mode: str, identical: Optional[bool], differing: Sequence[str]) -> Dict[str, Any]:
    return {"variant": variant, "init_mode": init_mode, "bitwise_identical": identical, "differing": list(differing)}


def group_entry(init_mode: str, repeat: int, verdict: str, measured: Optional[float] = None,
                details: Optional[Mapping[str, Any]] = None, reason: Optional[str] = None,
                known_failure: Optional[Mapping[str, Any]] = None,
                skip: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """A check's verdict on the runs of one init mode and seed; ``skip`` says, as data, why a
    skipped one was skipped."""
    return {"init_mode": init_mode, "repeat": repeat, "measured": measured, "details": dict(details or {}),
            "verdict": verdict, "reason": reason, "known_failure": dict(known_failure) if known_failure else None,
            "skip": dict(skip) if skip else None}


def check_entry(check_id: str, kind: str, description: str, variants: Sequence[str], limit: Mapping[str, Any],
                known_failures: Sequence[Mapping[str, Any]], groups: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """A check with its groups, and the verdicts they combine into (per init mode and overall)."""
    modes = sorted(set(group["init_mode"] for group in groups))
    return {"id": check_id, "kind": kind, "description": description, "variants": list(variants), "limit": dict(limit),
            "known_failures": [dict(known) for known in known_failures], "groups": list(groups),
            "by_init_mode": {mode: vocabulary.worst_verdict(g["verdict"] for g in groups if g["init_mode"] == mode)
                             for mode in modes},
            "verdict": vocabulary.worst_verdict(group["verdict"] for group in groups)}


def summary(document: Mapping[str, Any]) -> Dict[str, Any]:
    """Counts, and the list of what makes this environment fail (exit status 1)."""
    runs = collections.Counter()  # type: Dict[str, int]
    verdicts = collections.Counter()  # type: Dict[str, int]
    unexpected, flags = [], []  # type: List[str], List[str]
    for error in document["load_errors"]:
        unexpected.append("{}: cannot load: {}".format(error["file"], error["problem"]))
    for case in document["cases"]:
        for run in case["runs"]:
            runs[run["status"]] += 1
            if vocabulary.run_fails_environment(run["status"]):
                unexpected.append("{}: run {}/{}/repeat {} {}".format(case["id"], run["variant"], run["init_mode"],
                                                                       run["repeat"], run["status"]))
        for check in case["checks"]:
            verdicts[check["verdict"]] += 1
            label = "{}/{}: {}".format(case["id"], check["id"], check["verdict"])
            if vocabulary.check_fails_environment(check["kind"], check["verdict"]):
                unexpected.append(label)
            elif vocabulary.check_is_flag(check["kind"], check["verdict"]):
                flags.append(label)
        if judged_nothing(case):
            unexpected.append("{}: judged nothing: no rule was generated or every rule was skipped".format(case["id"]))
    return {"runs": dict(runs), "checks": dict(verdicts), "unexpected": unexpected, "flags": flags,
            "exit_status": 1 if unexpected else 0}


def case_repeats(case: Mapping[str, Any]) -> int:
    """How many seeds a training case's entry holds runs of (its repeats 0 .. n-1)."""
    repeats = [run["repeat"] for run in case["runs"] if run["init_mode"] in vocabulary.INIT_MODES]
    return max(repeats) + 1 if repeats else 0


def judged_nothing(case: Mapping[str, Any]) -> bool:
    """A finished family of rules whose every rule was skipped, or that generated none: it checked
    nothing, which is no pass."""
    return (case.get("kind") == vocabulary.CASE_KINDS[1] and case["complete"]
            and all(check["verdict"] == "skipped" for check in case["checks"]))


# A run's standing as finished work: a result (``nan`` is one: the framework diverged) outranks a
# recorded failure (an error, a timeout, a skip), which outranks no record at all.
RESULT_STATUSES = ("ok", "nan")
RunId = Tuple[str, str, str, int, int]


def run_id(case_id: str, run: Mapping[str, Any]) -> RunId:
    """A run by case and run key: what it is, whichever report and whichever position holds it."""
    return case_id, run["variant"], run["init_mode"], run["repeat"], run["replica"]


def finished_work(document: Mapping[str, Any]) -> Dict[RunId, int]:
    """The finished work a report holds, weighed: each run's standing by its id (2 a result, 1 a
    recorded failure). Counting runs instead let a run that only timed out, or ran another case,
    replace a report of successful ones."""
    return {run_id(case["id"], run): 2 if run["status"] in RESULT_STATUSES else 1
            for case in document["cases"] for run in case["runs"]}


# -- writing and reading -------------------------------------------------------------------
def write_document(path: str, document: Dict[str, Any], against: Dict[str, Any], what: str) -> None:
    """Validate ``document`` against the schema ``against``, then write it atomically. An invalid
    document is our bug, never the user's: it raises, loudly, and nothing is written."""
    found = validation_errors(to_plain(document), against)
    if found:
        raise AssertionError("refusing to write an invalid {} to {}: {}".format(what, path, "; ".join(found[:5])))
    write_atomically(path, dumps(document) + "\n")


def write(path: str, report: Dict[str, Any]) -> None:
    write_document(path, report, schema(), "report")


class HostDocument(NamedTuple):
    """A document the host writes from reports (the comparison, the bisection): its schema and version,
    validated when written (our bug if not) and when read (one line naming the file if not)."""

    schema_path: str
    version: int
    what: str  # the document's name in messages
    command: str  # the command that writes one
    regenerate: str  # what to do with one of another version

    def schema(self) -> Dict[str, Any]:
        return load_schema(self.schema_path)

    def write(self, path: str, document: Dict[str, Any]) -> None:
        write_document(path, document, self.schema(), self.what)

    def load(self, path: str) -> Dict[str, Any]:
        document = read_document(path)
        check_version(path, document, self.version, self.what, self.regenerate)
        found = validation_errors(document, self.schema())
        if found:
            raise ReportError(path, "not a {} written by {}: {}".format(self.what, self.command, found[0]))
        return document


def read_document(path: str) -> Any:
    """Strict JSON from a file that came from elsewhere; any problem is one :class:`ReportError`.

    Only a regular file is opened, and never more than ``MAX_REPORT_BYTES`` are read from it.
    """
    limit = MAX_REPORT_BYTES
    kind = not_a_regular_file(path)
    if kind is not None:
        raise ReportError(path, "is {}, not a report file".format(kind))
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise ReportError(path, "cannot read: {}".format(error.strerror or error))
    if len(data) > limit:
        raise ReportError(path, "is larger than any report ({} bytes at most)".format(limit))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReportError(path, "not a report: the file is not UTF-8 text")
    try:
        return loads(text)
    except (ValueError, RecursionError) as error:
        raise ReportError(path, "not valid JSON (truncated or corrupted?): {}".format(error))


def check_version(path: str, document: Any, version: int, what: str, regenerate: str) -> None:
    """Refuse a document of another kind or schema version, saying how to get a readable one."""
    if not isinstance(document, dict) or "schema_version" not in document:
        raise ReportError(path, "not a harness {}: no schema_version field".format(what))
    if document["schema_version"] != version:
        raise ReportError(path, "schema_version {!r} is not supported (this harness reads {}); {}".format(
            document["schema_version"], version, regenerate))


def load(path: str) -> Dict[str, Any]:
    """Read and validate a report; every problem is a one-line :class:`ReportError` naming the file."""
    document = read_document(path)
    check_version(path, document, SCHEMA_VERSION, "report",
                  "re-run the environment with this harness version to regenerate it")
    found = validation_errors(document, schema())
    if found:
        more = " (and {} more)".format(len(found) - 1) if len(found) > 1 else ""
        raise ReportError(path, "does not follow the report schema: {}{}".format(found[0], more))
    problem = _meaning_error(document)
    if problem:
        raise ReportError(path, problem)
    return document


def _meaning_error(document: Mapping[str, Any]) -> Optional[str]:
    """What a schema cannot say: one entry per case id (a reader would silently use one copy), and
    every declared ``when`` readable (compare reads an expected change's against both environments)."""
    ids = [case["id"] for case in document["cases"]]
    repeated = sorted(set(case_id for case_id in ids if ids.count(case_id) > 1))
    if repeated:
        return "case {!r} appears {} times; a report holds each case once".format(repeated[0], ids.count(repeated[0]))
    for index, case in enumerate(document["cases"]):
        declared = [("expected_changes[{}]".format(i), change) for i, change in enumerate(case.get("expected_changes", ()))]
        declared += [("checks[{}].known_failures[{}]".format(c, k), known) for c, check in enumerate(case.get("checks", ()))
                     for k, known in enumerate(check.get("known_failures", ()))]
        for where, declaration in declared:
            try:
                versions.parse(declaration["when"])
            except ValueError as error:
                return "cases[{}].{}.when: {}".format(index, where, error)
    return None
