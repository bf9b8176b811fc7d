"""Backends of one Keras set against each other: the free oracle of Keras 3.

One Keras 3 version runs on TensorFlow, JAX and PyTorch, and must compute the same numbers on all
three within float32 rounding. Every rule's report entry keeps a fingerprint of what its actual side
computed (:func:`harness.run.rule_evaluation.fingerprint`: how many numbers, their sum, the first
few), so that compare can put the environments of one Keras version and different backends side by
side, rule by rule: where two agree and one does not, the one is named. A rule that holds on every
backend can still compute something different on one (its two programs agreeing with each other
there); this is what catches it.
"""

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence

from harness.contract.strict_json import decode_float
from harness.host.lineup import EnvironmentRuns

# Float32 arithmetic of tiny models after a few steps, relative to the values' scale: backends
# differ by 1e-7..1e-5 where they compute the same thing; a different computation shows far above.
TOLERANCE = 1e-3


def _numbers(fingerprint: Mapping[str, Any]) -> List[float]:
    return [decode_float(fingerprint["sum"])] + [decode_float(value) for value in fingerprint["head"]]


def distance(a: Mapping[str, Mapping[str, Any]], b: Mapping[str, Mapping[str, Any]]) -> float:
    """How far two fingerprints of one rule are apart, relative to their scale: every pair's sum
    (over how many numbers it sums) and first values; infinite when they fingerprint other shapes."""
    if set(a) != set(b) or not a:
        return math.inf
    worst = 0.0
    for name in a:
        if a[name]["n"] != b[name]["n"]:
            return math.inf
        first, second = _numbers(a[name]), _numbers(b[name])
        first[0], second[0] = first[0] / max(1, a[name]["n"]), second[0] / max(1, b[name]["n"])
        if any(math.isnan(x) != math.isnan(y) for x, y in zip(first, second)):
            return math.inf
        scale = max([1.0] + [abs(x) for x in first + second if math.isfinite(x)])
        worst = max([worst] + [abs(x - y) / scale for x, y in zip(first, second) if math.isfinite(x - y)])
    return worst


def _fingerprints(env: EnvironmentRuns, case_id: str, rule_id: str) -> Optional[Dict[str, Any]]:
    case = env.cases.get(case_id)
    for rule in case.rules if case is not None else []:
        if rule.id == rule_id and rule.outcome == "measured":
            return rule.entry.get("values") or None
    return None


def odd_one_out(envs: Sequence[EnvironmentRuns], case_id: str, rule_id: str) -> Optional[Dict[str, Any]]:
    """For one rule, the Keras 3 version measured on three or more backends: which backends agree,
    and the one that disagrees with the others (None when all agree, or no one stands out)."""
    groups = {}  # type: Dict[str, List[EnvironmentRuns]]
    for env in envs:
        framework = env.report.framework
        if framework.get("keras_generation") == 3 and _fingerprints(env, case_id, rule_id):
            groups.setdefault(str(framework.get("keras")), []).append(env)
    for keras, members in sorted(groups.items()):
        if len(set(env.report.framework.get("backend") for env in members)) < 3:
            continue
        values = {env.name: _fingerprints(env, case_id, rule_id) for env in members}
        apart = {name: [other for other in values if other != name
                        and distance(values[name], values[other]) > TOLERANCE] for name in values}
        lonely = [name for name, others in apart.items() if len(others) == len(values) - 1]
        agreeing = [name for name in values if name not in lonely]
        if len(lonely) == 1 and all(not set(apart[name]) - set(lonely) for name in agreeing):
            odd = lonely[0]
            return {"keras": keras, "disagrees": odd, "backend": next(
                        env.report.framework.get("backend") for env in members if env.name == odd),
                    "agree": sorted(agreeing),
                    "distance": min(distance(values[odd], values[name]) for name in agreeing)}
    return None


def annotate(rows: List[Dict[str, Any]], envs: Sequence[EnvironmentRuns]) -> List[Dict[str, Any]]:
    """The rule rows of a comparison, each with the backend that computes otherwise, where one does."""
    for row in rows:
        found = odd_one_out(envs, row["case"], row["rule"])
        if found is not None:
            row["backends"] = found
    return rows
