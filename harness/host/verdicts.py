"""Check verdicts across environments, how each changed from the baseline, and the rules rule by rule.

A check's verdict in each environment comes from its report; against a baseline each check gets a
**mark** when its verdict changed (:func:`harness.contract.vocabulary.verdict_change`): ``broke``
(it held, now fails), ``lost`` (it was judged, now is skipped, errs, drowns in noise or is missing),
``fixed``, ``regained``. A mark is **declared** when a declaration explains it: a broken check that
is a declared known failure here, a lost one skipped for a capability this environment lacks (or by
the case's own declaration). A family of rules is compared rule by rule: each rule's outcome and
distance side by side across environments, so that no family reads the same from nothing recorded.
"""

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from harness.contract import report, vocabulary
from harness.host.attribution import check_cause
from harness.host.lineup import EnvironmentRuns


def _declared(mark: Optional[str], verdict: Optional[str], skip: Optional[Dict[str, Any]]) -> Optional[bool]:
    if mark == "broke":
        return verdict == "known_failure"
    if mark == "lost":
        return verdict == "skipped" and bool(skip) and skip["code"] in vocabulary.DECLARED_SKIPS
    return None


def _skip(check: Any) -> Optional[Dict[str, Any]]:
    """Why a skipped check was skipped: its first skipped group's code and missing capabilities."""
    return next((group.skip for group in check.groups if group.verdict == "skipped" and group.skip), None)


def check_matrix(envs: Sequence[EnvironmentRuns], baseline: Optional[str],
                 compared: Set[Tuple[str, str]]) -> List[Dict[str, Any]]:
    """Every check of every case, its verdict per environment and, against ``baseline``, its mark in
    each environment whose case was compared with the baseline's (``compared``: (env, case) pairs)."""
    rows = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
    for env in envs:
        for case in env.report.cases:
            for check in case.checks:
                row = rows.setdefault((case.id, check.id), {"case": case.id, "check": check.id, "kind": check.kind,
                                                            "verdicts": {}})
                # A cause tells initialisation from what follows it, which a family's one pinned run cannot.
                cause = None if case.is_family else check_cause(check.by_init_mode)
                row["verdicts"][env.name] = {"verdict": check.verdict, "by_init_mode": check.by_init_mode,
                                             "cause": cause, "skip": _skip(check), "mark": None, "declared": None}
    if baseline is not None:
        for (case_id, _), row in rows.items():
            before = row["verdicts"].get(baseline, {}).get("verdict")
            for env in envs:
                if env.name == baseline or (env.name, case_id) not in compared:
                    continue
                found = row["verdicts"].setdefault(env.name, {"verdict": None, "by_init_mode": {}, "cause": None,
                                                               "skip": None, "mark": None, "declared": None})
                found["mark"] = vocabulary.verdict_change(before, found["verdict"])
                found["declared"] = _declared(found["mark"], found["verdict"], found["skip"])
    return [rows[key] for key in sorted(rows)]


def rule_rows(envs: Sequence[EnvironmentRuns]) -> List[Dict[str, Any]]:
    """Every rule of every family, what it measured in each environment: the outcome, the distance
    (relative to the expected values' scale), the numbers compared, the capabilities it lacked or
    the type of what it raised."""
    rows = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
    for env in envs:
        for case in env.report.cases:
            for rule in case.rules:
                row = rows.setdefault((case.id, rule.id), {"case": case.id, "rule": rule.id, "tolerance": rule.tolerance,
                                                           "by_env": {}})
                row["by_env"][env.name] = {"outcome": rule.outcome, "distance": rule.distance, "evidence": rule.evidence,
                                           "missing": list(rule.skip["missing"]) if rule.skip else [],
                                           "raised": rule.raised["type"] if rule.raised else None}
    return [rows[key] for key in sorted(rows)]


def judged_nothing(envs: Sequence[EnvironmentRuns]) -> List[Dict[str, str]]:
    """Families of rules that judged nothing in an environment (every rule skipped): no pass."""
    return [{"env": env.name, "case": case["id"]} for env in envs for case in env.report.document["cases"]
            if report.judged_nothing(case)]
