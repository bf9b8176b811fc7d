"""Comparing reports across environments: what changed, and is it beyond the measured noise?

Runs are lined up by case, variant, init mode and repeat (the same seeds). For every recorded
quantity (final metrics, each epoch of every history, each weight's final L2 norm and sum) the
difference between two environments is judged against two floors, and counts as a divergence
only when it exceeds both:

- the case's declared tolerance, ``atol + rtol * |baseline value|`` for each repeat (for a
  weight's sum, which can be near zero whatever the weight's size, the weight's L2 norm stands
  in for the value);
- ``NOISE_FACTOR`` times the noise that applies to the pair of runs:

  * when both environments started from the **same initial weights** (their hashes match:
    always in ``pinned`` mode, in ``framework`` mode when the RNG did not change), the runs are
    the same computation, so the noise is how much one run moves when re-run with the same
    seeds in a fresh process (the determinism re-run; 0 in a deterministic environment);
  * otherwise the two runs are different random draws, and the noise is the seed-to-seed
    spread inside each environment, as the median absolute deviation over repeats (scaled by
    1.4826 to estimate a standard deviation). The MAD ignores one wild seed, which a standard
    deviation over three repeats would not.

Bitwise equality of every history and weight hash is reported as ``identical``, the strongest
statement. A divergence in ``framework`` mode only means *initialisation changed*; one that also
shows with pinned weights means *arithmetic changed*.
"""

import itertools
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.contract import comparison as comparison_document
from harness.contract import vocabulary
from harness.contract.reading import Report, Run
from harness.errors import UserError

NOISE_FACTOR = 3.0
MAD_SCALE = 1.4826


def quantities(run: Run) -> Dict[str, float]:
    """Every comparable number of a run, by a name that is the same in every environment."""
    values = {}  # type: Dict[str, float]
    for key, series in sorted(run.history.items()):
        for epoch, value in enumerate(series):
            values["{}[{}]".format(key, epoch + 1)] = value
    for key, value in sorted(run.final.items()):
        values["final " + key] = value
    for weight in run.weights("final"):
        values["final weight {} l2".format(weight.index)] = weight.l2
        values["final weight {} sum".format(weight.index)] = weight.sum
    return values


def scale(run: Run, values: Dict[str, float], name: str) -> float:
    """The magnitude a relative tolerance applies to: the value itself, except for a weight's
    sum, which can be near zero whatever the weight's size, so its weight's L2 norm is used."""
    if name.startswith("final weight ") and name.endswith(" sum"):
        return abs(run.weights("final")[int(name.split()[2])].l2)
    return abs(values[name])


def difference(a: float, b: float) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    if math.isnan(a) or math.isnan(b):
        return math.inf
    if a == b:
        return 0.0
    return abs(a - b)


def mad(values: Sequence[float]) -> Optional[float]:
    """Scaled median absolute deviation of the finite values; None with fewer than two."""
    finite = sorted(v for v in values if math.isfinite(v))
    if len(finite) < 2:
        return None
    median = _median(finite)
    return MAD_SCALE * _median(sorted(abs(v - median) for v in finite))


def _median(ordered: Sequence[float]) -> float:
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])


class EnvironmentRuns(object):
    """One report's runs, indexed for comparison."""

    def __init__(self, name: str, document: Dict[str, Any]) -> None:
        self.name = name
        self.report = Report(document)
        self.cases = {case.id: case for case in self.report.cases}
        self.runs = {}  # type: Dict[Tuple[str, str, str, int], Run]
        self.replicas = {}  # type: Dict[Tuple[str, str, str], Run]
        self._values = {}  # type: Dict[int, Dict[str, float]]
        for case, run in self.report.runs():
            key = (case.id, run.variant, run.init_mode)
            if run.replica == 0:
                self.runs[key + (run.repeat,)] = run
            elif run.repeat == 0:
                self.replicas[key] = run

    def values(self, run: Run) -> Dict[str, float]:
        """:func:`quantities` of a run of this report, computed once."""
        if id(run) not in self._values:
            self._values[id(run)] = quantities(run)
        return self._values[id(run)]

    def repeats(self, key: Tuple[str, str, str]) -> Dict[int, Run]:
        return {k[3]: run for k, run in self.runs.items() if k[:3] == key and run.finished}

    def replica_noise(self, key: Tuple[str, str, str], name: str) -> float:
        """How much ``name`` moved when repeat 0 was re-run with the same seeds (0 if not re-run)."""
        first, again = self.runs.get(key + (0,)), self.replicas.get(key)
        if first is None or again is None or not again.finished:
            return 0.0
        return difference(self.values(first).get(name, math.nan), self.values(again).get(name, math.nan))

    def seed_spread(self, key: Tuple[str, str, str], name: str) -> Optional[float]:
        return mad([self.values(run).get(name, math.nan) for run in self.repeats(key).values()])


def compare_runs(a: EnvironmentRuns, b: EnvironmentRuns, key: Tuple[str, str, str]) -> Optional[Dict[str, Any]]:
    """Verdict for one case × variant × init mode between environment ``a`` and baseline ``b``."""
    runs_a, runs_b = a.repeats(key), b.repeats(key)
    common = sorted(set(runs_a) & set(runs_b))
    if not common:
        return None
    tolerance = b.cases[key[0]].tolerance
    if all(not runs_a[r].bitwise_differences(runs_b[r]) for r in common):
        return {"verdict": "identical", "same_start": True, "repeats": common, "noise_kind": None,
                "quantity": None, "difference": 0.0, "noise": 0.0, "size": 0.0}
    same_start = all(runs_a[r].start() == runs_b[r].start() for r in common)
    worst = None  # type: Optional[Dict[str, Any]]
    first_diverged = None
    values_a = {r: a.values(runs_a[r]) for r in common}
    values_b = {r: b.values(runs_b[r]) for r in common}
    names = [name for name in values_b[common[0]] if all(name in values_a[r] and name in values_b[r] for r in common)]
    for name in names:
        diffs = [difference(values_a[r][name], values_b[r][name]) for r in common]
        allowed = [tolerance["atol"] + tolerance["rtol"] * scale(runs_b[r], values_b[r], name) for r in common]
        if same_start:
            noise = max(a.replica_noise(key, name), b.replica_noise(key, name))
        else:
            spreads = [s for s in (a.seed_spread(key, name), b.seed_spread(key, name)) if s is not None]
            noise = max(spreads) if spreads else 0.0
        largest = max(diffs)
        beyond_tolerance = any(d > limit for d, limit in zip(diffs, allowed))
        diverged = beyond_tolerance and any(d > limit and d > NOISE_FACTOR * noise for d, limit in zip(diffs, allowed))
        size = largest / noise if noise > 0 else (math.inf if beyond_tolerance else 0.0)
        entry = {"quantity": name, "difference": largest, "noise": noise, "size": size, "diverged": diverged}
        if diverged and first_diverged is None:
            first_diverged = name
        if worst is None or (diverged, size, largest) > (worst["diverged"], worst["size"], worst["difference"]):
            worst = entry
    verdict = "diverged" if worst and worst["diverged"] else "within noise"
    return {"verdict": verdict, "same_start": same_start, "repeats": common,
            "noise_kind": vocabulary.NOISE_KINDS[0] if same_start else vocabulary.NOISE_KINDS[1],
            "quantity": worst["quantity"] if worst else None, "first_diverged": first_diverged,
            "difference": worst["difference"] if worst else 0.0, "noise": worst["noise"] if worst else 0.0,
            "size": worst["size"] if worst else 0.0}


def attribution(by_mode: Dict[str, Optional[Dict[str, Any]]]) -> Optional[str]:
    """What a divergence means, from the two init modes side by side."""
    framework = (by_mode.get("framework") or {}).get("verdict")
    pinned = (by_mode.get("pinned") or {}).get("verdict")
    if pinned == "diverged":
        return "arithmetic changed"
    if framework == "diverged":
        return "initialisation changed" if pinned in ("identical", "within noise") else "diverged (no pinned run to tell why)"
    return None


def check_attribution(by_init_mode: Dict[str, str]) -> Optional[str]:
    failing = ("fail", "known_failure")
    if by_init_mode.get("pinned") in failing:
        return "arithmetic changed"
    if by_init_mode.get("framework") in failing and by_init_mode.get("pinned") == "pass":
        return "initialisation changed"
    return None


def _gap(kind: str, env: str, detail: str, case: Optional[str] = None, baseline: Optional[str] = None) -> Dict[str, Any]:
    return {"kind": kind, "env": env, "baseline": baseline, "case": case, "detail": detail}


def _has_runs(env: EnvironmentRuns, key: Tuple[str, str, str]) -> bool:
    return any(k[:3] == key for k in env.runs)


def compare(documents: Sequence[Tuple[str, Dict[str, Any]]], baseline: Optional[str] = None,
            allow_incomplete: bool = False) -> Dict[str, Any]:
    """The whole comparison of several reports, optionally against one baseline environment.

    What could not be compared is a **gap**, listed with the reason: a partial report, a case one
    report has and the other lacks, a case whose file changed between them, a variant whose runs
    did not finish on one side. A comparison with gaps is not a pass: gaps fail the gate unless
    ``allow_incomplete`` says the user accepts them.
    """
    envs = [EnvironmentRuns(name, document) for name, document in documents]
    by_name = {env.name: env for env in envs}
    if baseline is not None and baseline not in by_name:
        raise UserError("--baseline {}: no such environment among {}".format(baseline, ", ".join(by_name)))
    if baseline is None:
        pairs = list(itertools.combinations(envs, 2))
    else:
        pairs = [(env, by_name[baseline]) for env in envs if env.name != baseline]
    gaps = [_gap("partial_report", env.name, "the report is partial ({}): runs that never happened cannot be "
                 "compared".format(env.report.interrupted or "unfinished")) for env in envs if not env.report.complete]
    comparisons = []
    for a, b in pairs:
        for case_id in sorted(set(a.cases) ^ set(b.cases)):
            has, lacks = (a, b) if case_id in a.cases else (b, a)
            gaps.append(_gap("missing_case", lacks.name, "{} has this case, {} does not".format(has.name, lacks.name),
                             case_id, has.name))
        for case_id in sorted(set(a.cases) & set(b.cases)):
            if a.cases[case_id].source_hash != b.cases[case_id].source_hash:
                gaps.append(_gap("not_comparable", a.name, "the case file changed between the two reports (source "
                                 "hash {} vs {})".format(a.cases[case_id].source_hash, b.cases[case_id].source_hash),
                                 case_id, b.name))
                continue
            for variant in b.cases[case_id].variants:
                by_mode = {}
                for mode in vocabulary.INIT_MODES:
                    key = (case_id, variant, mode)
                    by_mode[mode] = compare_runs(a, b, key)
                    if by_mode[mode] is None and (_has_runs(a, key) or _has_runs(b, key)):
                        gaps.append(_gap("missing_runs", a.name, "{} / {} init: no finished run with the same seeds "
                                         "on both sides".format(variant, mode), case_id, b.name))
                if not any(by_mode.values()):
                    continue
                comparisons.append({"env": a.name, "baseline": b.name, "case": case_id, "variant": variant,
                                    "by_init_mode": by_mode, "attribution": attribution(by_mode)})
    checks = check_matrix(envs)
    return {
        "schema_version": comparison_document.SCHEMA_VERSION,
        "environments": [_describe(env) for env in envs],
        "baseline": baseline,
        "noise_factor": NOISE_FACTOR,
        "comparisons": comparisons,
        "checks": checks,
        "gaps": gaps,
        "allow_incomplete": allow_incomplete,
        "gate": gate(comparisons, checks, baseline, gaps, allow_incomplete),
    }


def _describe(env: EnvironmentRuns) -> Dict[str, Any]:
    framework = env.report.framework
    return {"name": env.name, "tensorflow": framework["tensorflow"], "keras": framework["keras"],
            "keras_flavour": framework["keras_flavour"], "backend": framework["backend"],
            "python": env.report.python, "complete": env.report.complete}


def check_matrix(envs: Sequence[EnvironmentRuns]) -> List[Dict[str, Any]]:
    rows = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
    for env in envs:
        for case in env.report.cases:
            for check in case.checks:
                row = rows.setdefault((case.id, check.id), {"case": case.id, "check": check.id,
                                                            "kind": check.kind, "verdicts": {}})
                row["verdicts"][env.name] = {"verdict": check.verdict, "by_init_mode": check.by_init_mode,
                                             "attribution": check_attribution(check.by_init_mode)}
    return [rows[key] for key in sorted(rows)]


def gate(comparisons: Sequence[Dict[str, Any]], checks: Sequence[Dict[str, Any]], baseline: Optional[str],
         gaps: Sequence[Dict[str, Any]] = (), allow_incomplete: bool = False) -> Dict[str, Any]:
    """Why CI should fail: divergences from the baseline, unexpected check verdicts anywhere, and
    evidence that is missing or partial (unless the user accepts it)."""
    reasons = []
    if baseline is not None:
        for item in comparisons:
            for mode, result in sorted(item["by_init_mode"].items()):
                if result and result["verdict"] == "diverged":
                    reasons.append("{} vs {}: {}/{} {} diverged ({})".format(
                        item["env"], item["baseline"], item["case"], item["variant"], mode, result["quantity"]))
    for row in checks:
        for env, verdict in sorted(row["verdicts"].items()):
            if vocabulary.check_fails_environment(row["kind"], verdict["verdict"]):
                reasons.append("{}: {}/{} {}".format(env, row["case"], row["check"], verdict["verdict"]))
    if not allow_incomplete:
        reasons.extend("{} (pass --allow-incomplete to accept)".format(gap_text(gap)) for gap in gaps)
    return {"failed": bool(reasons), "reasons": reasons}


def gap_text(gap: Dict[str, Any]) -> str:
    """A gap in one line: where, and why it could not be compared."""
    where = gap["env"] if gap["baseline"] is None else "{} vs {}".format(gap["env"], gap["baseline"])
    return "{}: {}{}: {}".format(gap["kind"].replace("_", " "), where, " " + gap["case"] if gap["case"] else "",
                                 gap["detail"])
