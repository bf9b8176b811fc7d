"""Reading a report: named views over its sections, so no reader indexes raw nested dicts.

The builders in :mod:`harness.contract.report` are the only writers of the report's shape; these
views are its only readers. The comparison, the text summary, the pytest plugin and the
runner's determinism check all see a run as a :class:`Run` (``run.weights("final")[i].l2``,
``run.bitwise_differences(other)``), whether it was read from a file or is still in memory.
Standard library only: the runner uses these views inside every environment.
"""

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from harness.contract.strict_json import decode_float
from harness.contract.vocabulary import CASE_KINDS, FINISHED


class Weight(object):
    """One weight's fingerprint: its name, sum and L2 norm (as floats) and content hash."""

    __slots__ = ("index", "name", "sum", "l2", "hash")

    def __init__(self, index: int, entry: Mapping[str, Any]) -> None:
        self.index = index
        self.name = str(entry.get("name", "weight {}".format(index)))
        self.sum = decode_float(entry["sum"])
        self.l2 = decode_float(entry["l2"])
        self.hash = str(entry["hash"])


class Run(object):
    """One run: a report's run entry, or the record a child returned (the same fields)."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        self.entry = entry

    @property
    def variant(self) -> str:
        return str(self.entry["variant"])

    @property
    def init_mode(self) -> str:
        return str(self.entry["init_mode"])

    @property
    def repeat(self) -> int:
        return int(self.entry["repeat"])

    @property
    def replica(self) -> int:
        return int(self.entry["replica"])

    @property
    def seeds(self) -> Dict[str, int]:
        return dict(self.entry["seeds"])

    @property
    def status(self) -> str:
        return str(self.entry["status"])

    @property
    def finished(self) -> bool:
        """Whether the run has numbers to look at (``ok`` or ``nan``)."""
        return self.status in FINISHED

    @property
    def error_message(self) -> str:
        error = self.entry.get("error")
        return str(error["message"]) if error else ""

    @property
    def skip(self) -> Optional[Dict[str, Any]]:
        """Why a skipped run was skipped (code, missing capabilities), or None."""
        skip = self.entry.get("skip")
        return dict(skip) if skip else None

    @property
    def history(self) -> Dict[str, List[float]]:
        """Per-epoch values by history key, decoded to floats."""
        return {key: [decode_float(value) for value in values] for key, values in self.entry["history"].items()}

    @property
    def final(self) -> Dict[str, float]:
        """The last epoch's value of every history key, decoded to floats."""
        return {key: decode_float(value) for key, value in self.entry["final"].items()}

    def final_value(self, metric: str) -> float:
        """The last epoch's ``metric``; NaN when it was never recorded."""
        return decode_float(self.entry.get("final", {}).get(metric))

    def weights(self, moment: str) -> List[Weight]:
        """The fingerprints of every weight at ``moment`` (``initial`` or ``final``), in model order."""
        return [Weight(index, entry) for index, entry in enumerate(self.entry["weights"][moment])]

    @property
    def trace(self) -> Optional[Dict[str, Any]]:
        """Every variable's summary after the first steps and each epoch (harness.run.trace); None
        for a run that was not traced (framework init, later repeats, older reports)."""
        return self.entry.get("trace")

    def data_hashes(self) -> Tuple[str, ...]:
        return tuple(entry["hash"] for _, entry in sorted(self.entry["data"].items()))

    def start(self) -> Tuple[str, ...]:
        """What a run started from: its initial weights and data, by content hash."""
        return tuple(weight.hash for weight in self.weights("initial")) + self.data_hashes()

    def bitwise_differences(self, other: "Run") -> List[str]:
        """What differs, bit for bit, between two runs: history keys, ``weights.initial``, ``weights.final``."""
        mine, theirs = self.entry["history"], other.entry["history"]
        differing = [key for key in sorted(set(mine) | set(theirs)) if repr(mine.get(key)) != repr(theirs.get(key))]
        for moment in ("initial", "final"):
            if [w.hash for w in self.weights(moment)] != [w.hash for w in other.weights(moment)]:
                differing.append("weights." + moment)
        return differing


class Group(object):
    """A check's verdict on the runs of one init mode and seed."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        self.entry = entry
        self.init_mode = str(entry["init_mode"])
        self.repeat = int(entry["repeat"])
        self.verdict = str(entry["verdict"])
        self.reason = entry["reason"]
        self.known_failure = entry["known_failure"]
        self.details = entry["details"] if isinstance(entry["details"], dict) else {}
        self.skip = entry.get("skip")

    @property
    def measured(self) -> Optional[float]:
        return None if self.entry["measured"] is None else decode_float(self.entry["measured"])

    @property
    def first_divergence(self) -> Optional[str]:
        value = self.details.get("first_divergence")
        return str(value) if value else None


class Check(object):
    """A judged check: its kind, limit, groups and verdicts."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        self.entry = entry
        self.id = str(entry["id"])
        self.kind = str(entry["kind"])
        self.verdict = str(entry["verdict"])
        self.by_init_mode = dict(entry["by_init_mode"])
        self.limit_operator = str(entry["limit"]["operator"])
        self.limit_bound = decode_float(entry["limit"]["bound"])
        self.groups = [Group(group) for group in entry["groups"]]


class RuleResult(object):
    """What one rule of a family measured (see the report schema's ``rule``)."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        self.entry = entry
        self.id = str(entry["id"])
        self.outcome = str(entry["outcome"])
        self.tolerance = decode_float(entry["tolerance"])
        self.pairs = {str(name): decode_float(value) for name, value in entry["pairs"].items()}
        self.evidence = entry["evidence"]
        self.skip = entry["skip"]
        self.raised = entry["raised"]

    @property
    def distance(self) -> Optional[float]:
        return None if self.entry["distance"] is None else decode_float(self.entry["distance"])


class Case(object):
    """One case of a report: what it is, its runs and checks; a training case's tolerance, variants
    and determinism, a family's rules."""

    def __init__(self, entry: Mapping[str, Any]) -> None:
        self.entry = entry
        self.id = str(entry["id"])
        self.kind = str(entry["kind"])
        self.title = str(entry["title"])
        self.source_hash = str(entry["source_hash"])
        self.tolerance = dict(entry.get("tolerance") or {"atol": 0.0, "rtol": 0.0})
        self.complete = bool(entry["complete"])
        self.variants = [str(v["name"]) for v in entry.get("variants", [])]
        self.runs = [Run(run) for run in entry["runs"]]
        self.checks = [Check(check) for check in entry["checks"]]
        self.determinism = list(entry.get("determinism", []))
        self.rules = [RuleResult(rule) for rule in entry.get("rules", [])]
        # A generated family's surface: per kind, what the version exports and what its rules cover.
        self.surface = dict(entry.get("surface") or {})
        self.expected_changes = list(entry.get("expected_changes", []))
        self.judge = [dict(item) for item in entry.get("judge", [])]
        self.looks = [int(seeds) for seeds in entry.get("looks", [])]
        self.last_look = bool(entry.get("last_look", False))

    @property
    def is_family(self) -> bool:
        return self.kind == CASE_KINDS[1]


class Report(object):
    """A whole report, read through views."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.environment = document["environment"]
        self.name = str(self.environment["name"])
        self.framework = dict(self.environment["framework"])
        self.python = str(self.environment["python"]["version"])
        self.complete = bool(document["complete"])
        self.interrupted = document["interrupted"]
        self.summary = document["summary"]
        self.load_errors = list(document["load_errors"])
        self.cases = [Case(case) for case in document["cases"]]
        self.capabilities = dict(self.environment["capabilities"])

    def runs(self) -> Iterator[Tuple[Case, Run]]:
        for case in self.cases:
            for run in case.runs:
                yield case, run


def pairs_of_replicas(runs: Sequence[Run]) -> Dict[Tuple[str, str], Tuple[Run, Run]]:
    """Repeat 0's run and its same-seed re-run, by (variant, init mode), where both exist."""
    by_key = {}  # type: Dict[Tuple[str, str], Dict[int, Run]]
    for run in runs:
        if run.repeat == 0:
            by_key.setdefault((run.variant, run.init_mode), {})[run.replica] = run
    return {key: (pair[0], pair[1]) for key, pair in sorted(by_key.items()) if 0 in pair and 1 in pair}
