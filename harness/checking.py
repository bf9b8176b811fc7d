"""Judging a case's checks on its finished runs, known framework bugs included.

Verdicts, per init mode and seed and then for the check as a whole:

- ``pass`` / ``fail``: the measured value against the check's limit;
- ``known_failure``: it fails where a declared :class:`harness.case.KnownFailure` applies
  (a documented framework bug: does not fail the environment);
- ``fixed``: a known failure that now passes (the bug was fixed, or the case broke: loud);
- ``noise``: it fails, but by no more than ``NOISE_MARGIN`` times the environment's own
  run-to-run noise (see ``Check.compares_variants``): this environment cannot tell;
- ``error``: a run it needs did not finish (crashed, timed out), so nothing can be judged;
- ``skipped``: a run it needs was skipped (the feature does not exist in this version).
"""

import math
import traceback
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from harness.case import Check, KnownFailure, Measurement
from harness.run_result import RunResult
from harness.versions import satisfied

# A run in one of these states has numbers a check can look at (a NaN loss is a result too).
JUDGEABLE = ("ok", "nan")
# How the groups' verdicts combine into the check's: the first present in this order wins.
SEVERITY = ("error", "fail", "fixed", "known_failure", "noise", "skipped", "pass")
# The noise is estimated from one pair of same-seed runs, so a real difference must stand well
# clear of it: the TF 1.14 seed-order bug is about 1e3 times the noise of non-deterministic envs.
NOISE_MARGIN = 10.0

Replicas = Mapping[str, Mapping[str, Tuple[RunResult, RunResult]]]


def applicable_known_failure(check: Check, init_mode: str, versions: Mapping[str, Optional[str]]) -> Optional[KnownFailure]:
    for known in check.known_failures:
        if (init_mode in known.init_modes and versions.get("keras_flavour") in known.keras_flavours
                and satisfied(known.when, versions)):
            return known
    return None


def run_to_run_noise(check: Check, replicas: Replicas) -> Optional[float]:
    """The check's measure between two same-seed runs of any variant of the case (the largest).

    Pooled over every variant and init mode of the case: non-determinism belongs to the
    environment, and one pair of re-runs can agree by chance (standalone Keras 2 re-ran ``plain``
    bitwise while its repeat 1 differed from ``linear_activation`` by 7.7e-4 under load).
    None when the check does not compare variants or no finished pair of runs exists.
    """
    if not check.compares_variants:
        return None
    first, second = check.variants
    values = []
    for pairs in replicas.values():
        for pair in pairs.values():
            if all(run.status in JUDGEABLE for run in pair):
                measured = check.measure({first: pair[0], second: pair[1]})
                value = measured.value if isinstance(measured, Measurement) else float(measured)
                if not math.isnan(value):
                    values.append(value)
    return max(values) if values else None


def judge_group(check: Check, init_mode: str, runs: Mapping[str, RunResult],
                versions: Mapping[str, Optional[str]], noise: Optional[float] = None) -> Dict[str, Any]:
    """The verdict of ``check`` on the runs of one init mode and seed."""
    known = applicable_known_failure(check, init_mode, versions)
    result = {"measured": None, "details": {}, "verdict": None, "reason": None,
              "known_failure": known.as_dict() if known else None}  # type: Dict[str, Any]
    missing = [name for name in check.variants if name not in runs]
    if missing:
        result.update(verdict="error", reason="no run of {}".format(", ".join(missing)))
        return result
    skipped = [name for name in check.variants if runs[name].status == "skipped"]
    if skipped:
        result.update(verdict="skipped", reason="run skipped: {}".format(", ".join(skipped)))
        return result
    unfinished = [name for name in check.variants if runs[name].status not in JUDGEABLE]
    if unfinished:
        result.update(verdict="error", reason="run did not finish: {}".format(
            ", ".join("{} ({})".format(name, runs[name].status) for name in unfinished)))
        return result
    try:
        measurement = check.measure({name: runs[name] for name in check.variants})
    except Exception:  # a bug in a case's measure is ours to show, but must not lose the report
        result.update(verdict="error", reason="measure raised: " + traceback.format_exc().strip().splitlines()[-1])
        return result
    if not isinstance(measurement, Measurement):
        measurement = Measurement(float(measurement))
    holds = check.limit.holds(measurement.value) and not math.isnan(measurement.value)
    details = dict(measurement.details)
    if noise is not None:
        details["run_to_run_noise"] = noise
    if not holds and noise is not None and noise > 0 and measurement.value <= NOISE_MARGIN * noise:
        verdict = "noise"
        result["reason"] = ("differs by {:.3g}, within {:g}x the {:.3g} by which one variant differs from itself "
                            "re-run with the same seeds: this environment is not deterministic enough to tell".format(
                                measurement.value, NOISE_MARGIN, noise))
    elif known is not None:
        verdict = "fixed" if holds else "known_failure"
    else:
        verdict = "pass" if holds else "fail"
    result.update(measured=measurement.value, details=details, verdict=verdict)
    return result


def overall(verdicts: Sequence[str]) -> str:
    """The check's verdict from its groups': the most severe one."""
    for verdict in SEVERITY:
        if verdict in verdicts:
            return verdict
    return "skipped"


def judge(check: Check, groups: Mapping[tuple, Mapping[str, RunResult]],
          versions: Mapping[str, Optional[str]], replicas: Optional[Replicas] = None) -> Dict[str, Any]:
    """Judge ``check`` on every (init mode, repeat) group it applies to.

    ``replicas`` maps an init mode to each variant's two same-seed runs (repeat 0); their
    largest distance is the environment's run-to-run noise, used for every group.
    """
    results = []  # type: List[Dict[str, Any]]
    noise = run_to_run_noise(check, replicas or {})
    for (init_mode, repeat), runs in sorted(groups.items()):
        if init_mode not in check.init_modes:
            continue
        result = judge_group(check, init_mode, runs, versions, noise)
        result.update(init_mode=init_mode, repeat=repeat)
        results.append(result)
    return {
        "id": check.id,
        "kind": check.kind,
        "description": check.description,
        "variants": list(check.variants),
        "limit": check.limit.as_dict(),
        "known_failures": [known.as_dict() for known in check.known_failures],
        "groups": results,
        "by_init_mode": {mode: overall([r["verdict"] for r in results if r["init_mode"] == mode])
                         for mode in sorted(set(r["init_mode"] for r in results))},
        "verdict": overall([result["verdict"] for result in results]),
    }
