"""The gate: whether CI should fail on a comparison, and every reason why, as facts.

It fails on a material change from the baseline that no case declared expected; on a check verdict
that fails an environment anywhere (an invariant's ``fail``, ``fixed``, ``error``); on an invariant's
undeclared ``broke`` or ``lost`` against the baseline (a check that held and now does not, or was
judged and now is not, with no declaration to explain it); on a family of rules that judged nothing;
and on missing or partial evidence (gaps), unless the user accepts it. Everything else (undetermined,
within seed noise, expected changes, characterisations' marks) informs.
"""

from typing import Any, Dict, List, Optional, Sequence

from harness.contract import vocabulary


def _changed(row: Dict[str, Any], found: Dict[str, Any]) -> bool:
    """An invariant's undeclared broke or lost mark that its verdict alone does not already fail."""
    return (found["mark"] in ("broke", "lost") and not found["declared"] and row["kind"] == "invariant"
            and not vocabulary.check_fails_environment(row["kind"], found["verdict"] or ""))


def gate(comparisons: Sequence[Dict[str, Any]], checks: Sequence[Dict[str, Any]],
         judged_nothing: Sequence[Dict[str, str]], baseline: Optional[str], gaps: Sequence[Dict[str, Any]] = (),
         allow_incomplete: bool = False) -> Dict[str, Any]:
    reasons = []  # type: List[Dict[str, Any]]
    if baseline is not None:
        for item in comparisons:
            for mode, result in sorted(item["by_init_mode"].items()):
                if result and result["materiality"] == "material" and not result["expected"]:
                    reasons.append({"code": "material_change", "env": item["env"], "baseline": item["baseline"],
                                    "case": item["case"], "variant": item["variant"], "init_mode": mode,
                                    "cause": result["cause"]})
    for row in checks:
        for env, found in sorted(row["verdicts"].items()):
            if found["verdict"] and vocabulary.check_fails_environment(row["kind"], found["verdict"]):
                reasons.append({"code": "check_fails_environment", "env": env, "case": row["case"],
                                "check": row["check"], "verdict": found["verdict"]})
            elif _changed(row, found):
                reasons.append({"code": "verdict_changed", "env": env, "baseline": baseline, "case": row["case"],
                                "check": row["check"], "mark": found["mark"], "verdict": found["verdict"]})
    reasons.extend(dict(entry, code="family_judged_nothing") for entry in judged_nothing)
    if not allow_incomplete:
        reasons.extend({"code": "gap", "gap": dict(item)} for item in gaps)
    return {"failed": bool(reasons), "reasons": reasons}
