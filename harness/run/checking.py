"""Judging a case's checks on its finished runs, known framework bugs included.

Verdicts, per init mode and seed and then for the check as a whole:

- ``pass`` / ``fail``: the measured value against the check's limit;
- ``known_failure``: it fails where a declared :class:`harness.case.KnownFailure` applies
  (a documented framework bug: does not fail the environment);
- ``fixed``: a known failure that now passes (the bug was fixed, or the case broke: loud); an
  ``intermittent`` one that did not show passes instead, with the reason;
- ``noise``: it fails, but by no more than ``NOISE_MARGIN`` times the environment's own
  run-to-run noise (see ``Check.compares_variants``): this environment cannot tell;
- ``error``: a run it needs did not finish (crashed, timed out), so nothing can be judged;
- ``skipped``: a run it needs was skipped (a capability the environment lacks, or the case's own
  declaration), or its measure raised :class:`harness.case.Unsupported` (the case's code says so).
"""

import collections
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from harness.case import Case, Check, KnownFailure, Measurement, Unsupported
from harness.contract import report
from harness.contract.strict_json import decode_float, to_plain
from harness.contract.vocabulary import INIT_MODES
from harness.run.run_result import RunResult
from harness.contract.versions import satisfied

# The noise is the largest same-seed re-run difference over a handful of pairs (the case's
# variants and init modes, repeat 0), an estimate from few samples, so a real difference must
# stand well clear of it: the TF 1.14 seed-order bug is about 1e3 times the noise of
# non-deterministic envs.
NOISE_MARGIN = 10.0

Replicas = Mapping[str, Mapping[str, Tuple[RunResult, RunResult]]]


def applicable(known_failures: Sequence[KnownFailure], init_mode: str,
               versions: Mapping[str, Optional[str]]) -> Optional[KnownFailure]:
    """The first declared known failure that applies to this init mode and environment."""
    for known in known_failures:
        if (init_mode in known.init_modes and versions.get("keras_flavour") in known.keras_flavours
                and satisfied(known.when, versions)):
            return known
    return None


def settle(holds: bool, known: Optional[KnownFailure]) -> Tuple[str, Optional[str]]:
    """A judged check's verdict, and its reason where the verdict alone would mislead: what held or
    failed, read against the known failure that applies (an intermittent one that did not show
    passes, since a pass then says nothing about the bug being gone)."""
    if known is not None and holds and known.intermittent:
        return "pass", "the declared intermittent failure did not show in this run"
    if known is not None:
        return ("fixed" if holds else "known_failure"), None
    return ("pass" if holds else "fail"), None


class MeasureError(Exception):
    """A check's measure that raised or returned what is not a measurement: that check's error."""


def measure(check: Check, runs: Mapping[str, RunResult]) -> Measurement:
    """``check.measure(runs)`` as a :class:`Measurement` whose details are JSON, or :class:`MeasureError`.

    A measure is case code: whatever it does wrong is reported as this check's ``error`` with the
    reason, and every other check and case goes on.
    """
    try:
        measured = check.measure(runs)
    except Unsupported:  # what it measures does not exist in this version: skipped, not an error
        raise
    except Exception as error:
        raise MeasureError("measure raised {}: {}".format(type(error).__name__, error))
    if isinstance(measured, Measurement):
        result = measured
    elif isinstance(measured, (int, float)) and not isinstance(measured, bool):
        result = Measurement(float(measured))
    else:
        raise MeasureError("measure returned {} ({!r:.60}), expected a number or a Measurement".format(
            type(measured).__name__, measured))
    try:
        result.details = to_plain(result.details)
    except (TypeError, ValueError, RecursionError) as error:
        raise MeasureError("measure returned details that a report cannot hold: {}".format(error))
    return result


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
            if all(run.finished for run in pair):
                try:
                    value = measure(check, {first: pair[0], second: pair[1]}).value
                except (MeasureError, Unsupported):
                    continue  # the check's own groups report the broken measure
                if not math.isnan(value):
                    values.append(value)
    return max(values) if values else None


def judge_group(check: Check, init_mode: str, repeat: int, runs: Mapping[str, RunResult],
                versions: Mapping[str, Optional[str]], noise: Optional[float] = None) -> Dict[str, Any]:
    """The verdict of ``check`` on the runs of one init mode and seed (a report's check group)."""
    known = applicable(check.known_failures, init_mode, versions)
    known_entry = known.as_dict() if known else None

    def unjudged(verdict: str, reason: str, skip: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return report.group_entry(init_mode, repeat, verdict, reason=reason, known_failure=known_entry, skip=skip)

    missing = [name for name in check.variants if name not in runs]
    if missing:
        return unjudged("error", "no run of {}".format(", ".join(missing)))
    skipped = [name for name in check.variants if runs[name].status == "skipped"]
    if skipped:
        return unjudged("skipped", "run skipped: {}".format("; ".join(
            "{} ({})".format(name, runs[name].error_message) for name in skipped)), runs[skipped[0]].skip)
    unfinished = [name for name in check.variants if not runs[name].finished]
    if unfinished:
        return unjudged("error", "run did not finish: {}".format(
            ", ".join("{} ({})".format(name, runs[name].status) for name in unfinished)))
    try:
        measurement = measure(check, {name: runs[name] for name in check.variants})
    except Unsupported as missing:
        return unjudged("skipped", str(missing), {"code": "declared_by_case", "missing": []})
    except MeasureError as error:
        return unjudged("error", str(error))
    if measurement.evidence == 0:
        return unjudged("error", "measured nothing: the runs hold no data for this measure (no epoch trained, "
                                 "an empty output or a metric never recorded), and nothing measured is no pass")
    holds = check.limit.holds(measurement.value) and not math.isnan(measurement.value)
    details = dict(measurement.details)
    if noise is not None:
        details["run_to_run_noise"] = noise
    reason = None
    if not holds and noise is not None and noise > 0 and measurement.value <= NOISE_MARGIN * noise:
        verdict = "noise"
        reason = ("differs by {:.3g}, within {:g}x the {:.3g} by which one variant differs from itself "
                  "re-run with the same seeds: this environment is not deterministic enough to tell".format(
                      measurement.value, NOISE_MARGIN, noise))
    else:
        verdict, reason = settle(holds, known)
    return report.group_entry(init_mode, repeat, verdict, measurement.value, details, reason, known_entry)


def judge(check: Check, groups: Mapping[tuple, Mapping[str, RunResult]],
          versions: Mapping[str, Optional[str]], replicas: Optional[Replicas] = None) -> Dict[str, Any]:
    """Judge ``check`` on every (init mode, repeat) group it applies to: the report's check entry.

    ``replicas`` maps an init mode to each variant's two same-seed runs (repeat 0); their
    largest distance is the environment's run-to-run noise, used for every group.
    """
    noise = run_to_run_noise(check, replicas or {})
    results = [judge_group(check, init_mode, repeat, runs, versions, noise)
               for (init_mode, repeat), runs in sorted(groups.items()) if init_mode in check.init_modes]
    return report.check_entry(check.id, check.kind, check.description, check.variants, check.limit.as_dict(),
                              [known.as_dict() for known in check.known_failures], results)


def judge_case(case: Case, results: Sequence[RunResult], versions: Mapping[str, Optional[str]]) -> List[Dict[str, Any]]:
    """Every check of ``case`` on its finished runs: runs grouped by init mode and seed (replica 0),
    and repeat 0's re-runs paired with their originals for the run-to-run noise."""
    groups = collections.defaultdict(dict)  # type: Dict[tuple, Dict[str, RunResult]]
    for result in results:
        if result.replica == 0:
            groups[(result.init_mode, result.repeat)][result.variant] = result
    replicas = collections.defaultdict(dict)  # type: Dict[str, Dict[str, Tuple[RunResult, RunResult]]]
    for result in results:
        if result.repeat == 0 and result.replica == 1 and result.variant in groups[(result.init_mode, 0)]:
            replicas[result.init_mode][result.variant] = (groups[(result.init_mode, 0)][result.variant], result)
    return [judge(check, groups, versions, replicas) for check in case.checks]


def recorded_noise(entry: Mapping[str, Any]) -> Optional[float]:
    """The run-to-run noise a check was first judged with (its groups record it): the re-runs it came
    from are repeat 0's, which a later judging of more seeds no longer holds in memory."""
    for group in entry["groups"]:
        noise = (group.get("details") or {}).get("run_to_run_noise")
        if noise is not None:
            return decode_float(noise)
    return None


def judge_more(case: Case, checks: Sequence[Mapping[str, Any]], results: Sequence[RunResult],
               versions: Mapping[str, Optional[str]]) -> List[Dict[str, Any]]:
    """A finished case's checks, judged on its new seeds too: each check keeps the groups it has and
    gains one per new (init mode, repeat), judged with the noise it was first judged with."""
    groups = collections.defaultdict(dict)  # type: Dict[tuple, Dict[str, RunResult]]
    for result in results:
        if result.replica == 0 and result.init_mode in INIT_MODES:
            groups[(result.init_mode, result.repeat)][result.variant] = result
    previous = {entry["id"]: entry for entry in checks}
    judged = []
    for check in case.checks:
        old = previous.get(check.id, {"groups": []})
        noise = recorded_noise(old) if check.compares_variants else None
        new = [judge_group(check, init_mode, repeat, runs, versions, noise)
               for (init_mode, repeat), runs in sorted(groups.items()) if init_mode in check.init_modes]
        judged.append(report.check_entry(check.id, check.kind, check.description, check.variants,
                                         check.limit.as_dict(), [known.as_dict() for known in check.known_failures],
                                         list(old["groups"]) + new))
    return judged
