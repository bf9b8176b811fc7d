"""Running a family of rules in one environment, and judging what it measured.

The family's one run (a forked child, like any run) evaluates every rule in turn, each from a
cleared session and a NumPy generator seeded from its id: a rule whose requirements the environment
lacks is skipped before it is called, with the capabilities named; any other rule is called, and
what it returns is measured (each pair's distance, the numbers compared) or what it raised is kept.
The parent then turns each rule's result into the report's rule entry and the rule's check, judged
with the rule's findings as known failures, as every check is (:mod:`harness.run.checking`).
"""

import inspect
import math
import time
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from harness.contract import report
from harness.measures import max_abs_difference
from harness.rules import RUN_INIT_MODE, Comparison, Family, Rule, rule_rng
from harness.run.checking import applicable, settle

INVARIANT = "invariant"
# The one check of a generated family whose run ended before it said what it generated.
GENERATION = "generation"


def _distance(actual: Any, expected: Any) -> float:
    """Largest element-wise difference (NaN-aware, infinite on a shape mismatch) relative to the
    expected values' scale: ``|a - e| / max(1, max|e|)``."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape and a.size == e.size:  # (n, 1) against (n,): the same numbers in another layout
        a = a.reshape(e.shape)
    finite = np.abs(e[np.isfinite(e)])
    return max_abs_difference(a, e) / max([1.0] + ([float(finite.max())] if finite.size else []))


def measurement(comparison: Comparison) -> Dict[str, Any]:
    """What a rule's pairs measure: the worst distance, each pair's, and how many numbers were
    compared (a rule that compared nothing measured nothing)."""
    pairs = dict(comparison) if isinstance(comparison, Mapping) else {"value": comparison}
    distances = {}  # type: Dict[str, float]
    values = {}  # type: Dict[str, Dict[str, Any]]
    evidence = 0
    for name, pair in pairs.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError("a rule's compute must return (actual, expected) or a dict of them; {!r} is {}".format(
                name, type(pair).__name__))
        distances[str(name)] = _distance(*pair)
        values[str(name)] = fingerprint(pair[0])
        evidence += int(np.asarray(pair[1]).size)
    return {"distance": max(distances.values()) if distances else float("nan"), "pairs": distances,
            "evidence": evidence, "values": values}


def fingerprint(actual: Any, head: int = 4) -> Dict[str, Any]:
    """What a pair's actual side computed, small enough to keep in every report: how many numbers,
    their sum and the first ``head`` (compare sets environments of one rule against each other)."""
    flat = np.asarray(actual, dtype=np.float64).ravel()
    return {"n": int(flat.size), "sum": float(flat.sum()), "head": [float(value) for value in flat[:head]]}


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:500] if text else ""


def evaluate_rule(fw: Any, rule: Rule, present: Sequence[str]) -> Dict[str, Any]:
    """One rule's result: skipped for a missing capability (decided before it is called), else
    measured, or raised (whatever it raised, a harness.case.Unsupported included)."""
    missing = [name for name in rule.requires if name not in present]
    if missing:
        return {"outcome": "skipped", "skip": {"code": "missing_capability", "missing": missing}}
    try:
        return dict(measurement(rule.compute(fw, rule_rng(rule.id))), outcome="measured")
    except Exception as error:  # the documented call raised: the guarantee does not hold, and this is why
        return {"outcome": "raised", "raised": {"type": type(error).__name__, "message": _first_line(error)}}


def evaluate(fw: Any, rules: Sequence[Rule], present: Sequence[str],
             clear: Optional[Callable[[], None]] = None) -> Dict[str, Dict[str, Any]]:
    """Every rule's result, in one process, each from a cleared session (TF 1.x graphs would
    otherwise grow with every model), with its seconds."""
    results = {}  # type: Dict[str, Dict[str, Any]]
    clear = clear or _clearer(fw)
    for rule in rules:
        started = time.perf_counter()
        clear()
        result = evaluate_rule(fw, rule, present)
        result["seconds"] = time.perf_counter() - started
        results[rule.id] = result
    return results


def _clearer(fw: Any) -> Callable[[], None]:
    """Clearing the session between rules, without the garbage collection Keras 3 adds to it
    (``free_memory``): a full collection per rule costs more than most rules (0.4 s each)."""
    clear = fw.keras.backend.clear_session
    try:
        takes = "free_memory" in inspect.signature(clear).parameters
    except (TypeError, ValueError):
        takes = False
    return (lambda: clear(free_memory=False)) if takes else clear


def execute(fw: Any, family: Family, profile: str = "default") -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The family's run, inside its child: the record the report keeps, and the results (in the
    arrays the parent judges from). A generated family's rules are made here, from what this
    version exports, and described to the parent with the surface they cover."""
    started = time.perf_counter()
    record = report.run_record()
    rules, surface = family.rules_in(fw, profile)
    with fw.compilations_shared():
        arrays = {"rules": evaluate(fw, rules, sorted(fw.capabilities))}  # type: Dict[str, Any]
    if family.generated:
        arrays["generated"] = [{"id": rule.id, "guarantee": rule.guarantee, "tolerance": rule.tolerance,
                                "requires": list(rule.requires)} for rule in rules]
        arrays["surface"] = surface
    record["timing"]["run_s"] = time.perf_counter() - started
    return record, arrays


def _check(family: Family, rule: Rule, result: Optional[Dict[str, Any]], run_status: str,
           versions: Mapping[str, Optional[str]]) -> Dict[str, Any]:
    """The rule's check: one group (the family's one run), judged like any check's group."""
    known = applicable(family.known_failures(rule), RUN_INIT_MODE, versions)
    known_entry = known.as_dict() if known else None

    def group(verdict: str, measured: Optional[float] = None, details: Optional[Dict[str, Any]] = None,
              reason: Optional[str] = None, skip: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return report.group_entry(RUN_INIT_MODE, 0, verdict, measured, details, reason, known_entry, skip)

    if result is None:
        entry = group("error", reason="the family's run did not finish ({})".format(run_status))
    elif result["outcome"] == "skipped":
        entry = group("skipped", reason="requires {}, which this environment lacks".format(
            ", ".join(result["skip"]["missing"])), skip=result["skip"])
    elif result["outcome"] == "raised":
        raised = "{}: {}".format(result["raised"]["type"], result["raised"]["message"])
        verdict, reason = settle(False, known)
        entry = group(verdict, math.inf, {"raised": raised}, reason)
    elif result["evidence"] == 0:
        entry = group("error", reason="measured nothing: the rule compared no numbers, and nothing measured is no pass")
    else:
        distance = result["distance"]
        verdict, reason = settle(distance <= rule.tolerance and not math.isnan(distance), known)
        entry = group(verdict, distance, dict(result["pairs"]), reason)
    return report.check_entry(rule.id, INVARIANT, rule.guarantee, [], {"operator": "<=", "bound": rule.tolerance},
                              [known.as_dict() for known in family.known_failures(rule)], [entry])


def judge(family: Family, run: Any, versions: Mapping[str, Optional[str]]) -> Dict[str, Any]:
    """The family's rule entries and checks, from its one run (``run``: a RunResult). A generated
    family whose run did not finish generated nothing the parent knows of: its one check is the
    generation itself, an error, so that it never reads as a family with nothing to fail."""
    results = run.arrays.get("rules", {}) if run.finished else {}
    if not family.generated:
        judged = family.rules  # type: Sequence[Rule]
    elif run.finished:
        judged = [family.described(description) for description in run.arrays["generated"]]
    else:
        generation = Rule(GENERATION, "the family's rules are generated from what this version exports",
                          lambda fw, rng: ({}, {}))
        return {"rules": [], "checks": [_check(family, generation, None, run.status, versions)]}
    rules = [report.rule_entry(rule.id, rule.guarantee, rule.tolerance, rule.requires, results[rule.id])
             for rule in judged if rule.id in results]
    checks = [_check(family, rule, results.get(rule.id), run.status, versions) for rule in judged]
    entry = {"rules": rules, "checks": checks}  # type: Dict[str, Any]
    if family.generated:
        entry["surface"] = run.arrays["surface"]
    return entry

