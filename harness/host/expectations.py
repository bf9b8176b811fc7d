"""Changes a case declares as expected between versions: shown as expected, and flagged when they
stop happening.

A case lists ``ExpectedChange(when="tensorflow>=2.16", quantities=("val_loss",), ...)``: a material
change between two environments on either side of ``when`` (exactly one of them satisfies it), in
those quantities, is ``expected`` and does not fail the gate; one that no longer happens is a flag,
as ``fixed`` is for a known failure. ``when`` is read against each environment's one map of versions
(every installed package, Python, the framework's own): ``numpy>=2`` works as ``tensorflow>=2.16`` does.
"""

import fnmatch
from typing import Any, Dict, List, Optional, Sequence

from harness.contract.versions import satisfied
from harness.host.lineup import EnvironmentRuns

QUIET = ("identical", "within_tolerance", "within_seed_noise")


def expected_change(a: EnvironmentRuns, b: EnvironmentRuns, case_id: str, variant: str,
                    mode: str) -> Optional[Dict[str, Any]]:
    """The declared expected change whose version boundary lies between ``a`` and ``b``, if any."""
    for change in b.cases[case_id].expected_changes:
        if (mode in change["init_modes"] and (change["variants"] is None or variant in change["variants"])
                and satisfied(change["when"], a.versions) != satisfied(change["when"], b.versions)):
            return change
    return None


def covers(change: Dict[str, Any], entries: Sequence[Dict[str, Any]]) -> bool:
    """Whether every material quantity is one the expected change names."""
    material = [entry for entry in entries if entry["materiality"] == "material"]
    return bool(material) and all(any(fnmatch.fnmatchcase(entry["key"], pattern) for pattern in change["quantities"])
                                  for entry in material)


def apply(result: Dict[str, Any], a: EnvironmentRuns, b: EnvironmentRuns, case_id: str, variant: str, mode: str,
          flags: List[Dict[str, Any]]) -> None:
    """Mark ``result`` expected where a declared change covers it; flag a declared change that did not
    happen."""
    change = expected_change(a, b, case_id, variant, mode)
    if change is None:
        return
    if result["materiality"] == "material" and covers(change, result["quantities"]):
        result["expected"] = change
    elif result["materiality"] in QUIET:
        flags.append({"code": "expected_change_missing", "env": a.name, "baseline": b.name, "case": case_id,
                      "variant": variant, "init_mode": mode, "materiality": result["materiality"], "expected": change})
