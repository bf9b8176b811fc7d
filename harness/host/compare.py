"""Comparing reports across environments: does a difference matter, and what caused it?

Runs are lined up by case, variant, init mode and repeat. For every **user-facing quantity** —
the final value of every history key (``loss``, ``val_loss``, each compiled metric), each
curve's mean over its epochs, and the number of epochs trained (early stopping) — the two
environments' values over the seeds are compared, and each comparison gets a **materiality**:

- ``identical``: every history and weight hash is bit for bit the same;
- ``within_tolerance``: bits differ, but every seed's difference is within the case's tolerance
  (``atol + rtol * |baseline|``);
- ``material``: a t-test rejects "the environments give the same mean" at ``ALPHA`` after
  Holm's correction over the comparison's quantities, so at most ``ALPHA`` of comparisons of an
  environment with itself (A/A) are called material;
- ``undetermined``: the test does not reject, but the difference is larger than one seed-to-seed
  standard deviation (``RELEVANT``), or there is one seed only: more seeds would decide it, and
  the result says how many (and a flag says which case to re-run with how many seeds);
- ``within_seed_noise``: the test does not reject and the difference is smaller than one
  seed-to-seed standard deviation: as different as re-running with another seed.

The design is **paired** when both environments ran the same seeds from the same initial
weights and data (pinned init; framework init when the RNG did not change): the test is then on
the per-seed differences, which removes the seed-to-seed spread both share. Otherwise the seeds
are two **independent** samples (Welch's test). The effect size is the difference of means in
seed-to-seed standard deviations (pooled over both environments), with a confidence interval.

The **cause** of a difference between runs with the same seeds: different initial weights are
``initialisation``; from the same weights, a run with nothing random in training (no Dropout-like
layer, no shuffling) changed its ``arithmetic``; a run with training randomness is told apart by
its ``controlled`` run (the same, with that randomness switched off): if those agree within
tolerance the cause is ``training_randomness``, if not ``arithmetic``, and where it could not be
switched off (a TF 1.x graph), ``unknown`` — never ``arithmetic`` by default.
"""

import fnmatch
import itertools
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.contract import comparison as comparison_document
from harness.contract import vocabulary
from harness.contract.reading import Report, Run
from harness.errors import UserError
from harness.host import statistics
from harness.contract.strict_json import decode_float
from harness.contract.versions import satisfied

ALPHA = 0.05
CONFIDENCE = 0.95
POWER = 0.8
# A difference larger than this many seed-to-seed standard deviations that the test cannot
# confirm is undetermined rather than within seed noise: a change of that size would matter.
RELEVANT = 1.0
Key = Tuple[str, str, str]
CURVE_KEYS = ("loss", "val_loss")
METHOD = {
    "test": "paired t-test on per-seed differences when both environments started alike, Welch's t-test otherwise; "
            "Holm's correction over the quantities of one comparison",
    "alpha": ALPHA, "confidence": CONFIDENCE, "power": POWER, "relevant_effect_sd": RELEVANT,
}


# The quantities only a run's callbacks produce (see user_quantities).
CALLBACK_QUANTITIES = ("best epoch", "final learning rate")


def user_quantities(run: Run) -> Dict[str, Tuple[str, float]]:
    """What a user looks at, by name: (history key it comes from, value)."""
    values = {}  # type: Dict[str, Tuple[str, float]]
    history = run.history
    for key, series in sorted(history.items()):
        if series:
            values["final " + key] = (key, series[-1])
            values[key + " curve (mean over epochs)"] = (key, statistics.mean(series))
    if history:
        values["epochs trained"] = ("epochs", float(max(len(series) for series in history.values())))
    training = run.entry.get("training") or {}
    if training.get("callbacks"):  # what a callback decided: where training peaked, the rate it ended at
        if training["best_epoch"] is not None:
            values["best epoch ({})".format(training["monitor"])] = ("epochs", float(training["best_epoch"]))
        rates = training["learning_rate"]
        if rates and isinstance(rates[-1], (int, float)):
            values["final learning rate"] = ("learning_rate", float(rates[-1]))
    return values


def _equal(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _within_tolerance(a: float, b: float, tolerance: Dict[str, float]) -> bool:
    if _equal(a, b):
        return True
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tolerance["atol"] + tolerance["rtol"] * abs(b)


class EnvironmentRuns(object):
    """One report's runs, indexed for comparison."""

    def __init__(self, name: str, document: Dict[str, Any]) -> None:
        self.name = name
        self.report = Report(document)
        self.cases = {case.id: case for case in self.report.cases}
        self.runs = {}  # type: Dict[Tuple[str, str, str, int], Run]
        for case, run in self.report.runs():
            if run.replica == 0:
                self.runs[(case.id, run.variant, run.init_mode, run.repeat)] = run
        framework = self.report.framework
        self.versions = {"tensorflow": framework.get("tensorflow"), "keras": framework.get("keras"),
                         "keras_flavour": framework.get("keras_flavour"), "backend": framework.get("backend")}

    def repeats(self, key: Key) -> Dict[int, Run]:
        return {k[3]: run for k, run in self.runs.items() if k[:3] == key and run.finished}

    def has_runs(self, key: Key) -> bool:
        return any(k[:3] == key for k in self.runs)

    def skipped_reason(self, key: Key) -> Optional[str]:
        run = self.runs.get(key + (0,))
        return run.error_message if run is not None and run.status == "skipped" else None


def _quantity(name: str, key: str, a: List[float], b: List[float], is_paired: bool,
              tolerance: Dict[str, float]) -> Tuple[Dict[str, Any], Optional[float]]:
    """One quantity's comparison before the correction over quantities (``p`` raw), and the
    per-seed spread its test works with (of the differences when paired, of one environment's
    values otherwise; None when it was decided without a test)."""
    entry = {"quantity": name, "key": key, "env_values": a, "baseline_values": b,
             "env_mean": statistics.mean(a), "baseline_mean": statistics.mean(b), "seed_sd": None,
             "difference": statistics.mean(a) - statistics.mean(b), "interval": None, "effect": None,
             "effect_interval": None, "p": None, "p_adjusted": None, "detectable": None, "needed_seeds": None,
             "materiality": None}  # type: Dict[str, Any]
    if all(_equal(x, y) for x, y in zip(a, b)):
        entry["materiality"] = "identical"
        return entry, None
    if all(_within_tolerance(x, y, tolerance) for x, y in zip(a, b)):
        entry["materiality"] = "within_tolerance"
        return entry, None
    if not all(math.isfinite(v) for v in a + b):
        broken = (sum(not math.isfinite(v) for v in a), sum(not math.isfinite(v) for v in b))
        entry["materiality"] = "material" if broken[0] != broken[1] else "undetermined"
        entry["p"] = 0.0 if broken[0] != broken[1] else None
        return entry, None
    if len(a) < 2:  # no seed-to-seed spread to judge against: never a size from a zero spread
        entry["materiality"] = "undetermined"
        return entry, None
    spread = math.sqrt((statistics.sd(a) ** 2 + statistics.sd(b) ** 2) / 2.0)
    entry["seed_sd"] = spread
    test = statistics.paired(a, b) if is_paired else statistics.welch(a, b)
    entry["p"] = test.p
    if test.standard_error > 0:
        low, high = test.interval(CONFIDENCE)
        entry["interval"] = [low, high]
        if spread > 0:
            entry["effect"] = test.difference / spread
            entry["effect_interval"] = [low / spread, high / spread]
    test_sd = test.standard_error * math.sqrt(len(a) / (1.0 if is_paired else 2.0))
    detectable = statistics.detectable_effect(len(a), is_paired, ALPHA, POWER)
    entry["detectable"] = detectable * test_sd if detectable is not None else None
    return entry, test_sd


def _decide(measured: List[Tuple[Dict[str, Any], Optional[float]]], is_paired: bool) -> List[Dict[str, Any]]:
    """Holm's correction over the tested quantities, then each one's materiality: the entries."""
    tested = [(entry, test_sd) for entry, test_sd in measured if entry["materiality"] is None]
    for (entry, test_sd), adjusted in zip(tested, statistics.holm([entry["p"] for entry, _ in tested])):
        entry["p_adjusted"] = adjusted
        if adjusted < ALPHA:
            entry["materiality"] = "material"
        elif entry["seed_sd"] is not None and abs(entry["difference"]) > RELEVANT * entry["seed_sd"]:
            entry["materiality"] = "undetermined"
            # At the level this quantity was tested at (Bonferroni bounds Holm's), so that the count is
            # more than the seeds that just failed to decide it.
            needed = statistics.seeds_needed(entry["difference"], test_sd, is_paired, ALPHA / len(tested), POWER)
            entry["needed_seeds"] = None if needed is None else max(needed, len(entry["env_values"]) + 1)
        else:
            entry["materiality"] = "within_seed_noise"
    return [entry for entry, _ in measured]


def _first_part(run_a: Run, run_b: Run, tolerance: Dict[str, float]) -> Optional[Dict[str, Any]]:
    """Where two runs from the same start first part: the earliest epoch of any history key."""
    best = None  # type: Optional[Dict[str, Any]]
    history_a, history_b = run_a.history, run_b.history
    for key in sorted(set(history_a) & set(history_b), key=lambda k: (k not in CURVE_KEYS, k)):
        for epoch, (x, y) in enumerate(zip(history_a[key], history_b[key])):
            if not _within_tolerance(x, y, tolerance):
                if best is None or epoch + 1 < best["epoch"]:
                    best = {"quantity": key, "epoch": epoch + 1, "env_value": x, "baseline_value": y}
                break
    return best


def _largest_weight_change(run_a: Run, run_b: Run) -> Optional[Dict[str, Any]]:
    """The final weight whose L2 norm moved most (relative), by layer and variable name."""
    best = None  # type: Optional[Dict[str, Any]]
    for wa, wb in zip(run_a.weights("final"), run_b.weights("final")):
        if wa.hash == wb.hash:
            continue
        relative = abs(wa.l2 - wb.l2) / max(abs(wb.l2), 1e-12)
        if best is None or relative > best["relative"]:
            name = wb.name if wa.name == wb.name else "{} (here {})".format(wb.name, wa.name)
            best = {"name": name, "env_l2": wa.l2, "baseline_l2": wb.l2, "relative": relative}
    return best


def compare_runs(a: EnvironmentRuns, b: EnvironmentRuns, key: Key) -> Optional[Dict[str, Any]]:
    """Materiality of one case × variant × run mode between environment ``a`` and baseline ``b``."""
    runs_a, runs_b = a.repeats(key), b.repeats(key)
    common = sorted(set(runs_a) & set(runs_b))
    if not common:
        return None
    tolerance = b.cases[key[0]].tolerance
    same_seeds = all(runs_a[r].seeds == runs_b[r].seeds for r in common)
    same_data = all(runs_a[r].data_hashes() == runs_b[r].data_hashes() for r in common)
    same_start = same_seeds and all(runs_a[r].start() == runs_b[r].start() for r in common)
    result = {"materiality": "identical", "cause": None, "cause_evidence": "", "design": "paired" if same_start else
              "independent", "repeats": common, "same_seeds": same_seeds, "same_data": same_data, "same_start": same_start,
              "quantities": [], "headline": None, "first_part": None, "weight_change": None,
              "expected": None}  # type: Dict[str, Any]
    if all(not runs_a[r].bitwise_differences(runs_b[r]) for r in common):
        return result
    values_a = {r: user_quantities(runs_a[r]) for r in common}
    values_b = {r: user_quantities(runs_b[r]) for r in common}
    names = [name for name in values_b[common[0]] if all(name in values_a[r] and name in values_b[r] for r in common)]
    entries = _decide([_quantity(name, values_b[common[0]][name][0], [values_a[r][name][1] for r in common],
                                 [values_b[r][name][1] for r in common], same_start, tolerance) for name in names],
                      same_start)
    result["quantities"] = entries
    materiality = vocabulary.worst_materiality(entry["materiality"] for entry in entries)
    # Bits differ somewhere (weights), even where every user-facing number agrees exactly.
    result["materiality"] = "within_tolerance" if materiality == "identical" else materiality
    ranked = sorted(entries, key=lambda e: (vocabulary.MATERIALITY.index(e["materiality"]), abs(e["effect"] or 0.0)))
    result["headline"] = ranked[-1]["quantity"] if ranked else None
    if same_start:
        result["first_part"] = _first_part(runs_a[common[0]], runs_b[common[0]], tolerance)
        result["weight_change"] = _largest_weight_change(runs_a[common[0]], runs_b[common[0]])
    return result


def _randomness(a: EnvironmentRuns, b: EnvironmentRuns, key: Key) -> Optional[List[str]]:
    """What drew from the framework's RNG in training, in either environment (None: not recorded)."""
    found = set()  # type: set
    for env in (a, b):
        for run in env.repeats(key).values():
            record = run.entry.get("training_randomness")
            if record is None:
                return None
            found.update(record["layers"])
            if record["shuffle"]:
                found.add("shuffling")
            if record.get("pipeline"):
                found.add("the case's input pipeline (fit_data)")
    return sorted(found)


def cause(result: Dict[str, Any], a: EnvironmentRuns, b: EnvironmentRuns, key: Key,
          controlled: Optional[Dict[str, Any]]) -> Tuple[Optional[str], str]:
    """Why two runs differ, with the evidence in words (no cause for identical runs)."""
    if result["materiality"] == "identical":
        return None, "bit for bit the same"
    if not result["same_seeds"]:
        return "unknown", "the two reports ran different seeds: their runs are independent draws"
    if not result["same_data"]:
        return "unknown", "the data differ with the same seeds: the case's make_data drew different numbers"
    if not result["same_start"]:
        return "initialisation", "same seeds and data, different initial weights: the framework's initialisation changed"
    randomness = _randomness(a, b, key)
    if randomness is None:
        return "unknown", "the reports do not record training randomness (made by an older harness)"
    if not randomness:
        return "arithmetic", "same initial weights and data, nothing random while training: the computation changed"
    what = ", ".join(randomness)
    if controlled is None:
        why = a.skipped_reason(key[:2] + (vocabulary.CONTROLLED,)) or b.skipped_reason(key[:2] + (vocabulary.CONTROLLED,))
        return "unknown", "training randomness ({}) could not be switched off to rule out arithmetic{}".format(
            what, ": " + why if why else " (no controlled runs)")
    if controlled["materiality"] in ("identical", "within_tolerance"):
        return "training_randomness", "with {} switched off the runs agree ({}): only the RNG behind them " \
                                      "changed".format(what, vocabulary.MATERIALITY_LABELS[controlled["materiality"]])
    part = controlled["first_part"]
    return "arithmetic", "even with {} switched off the runs differ{}".format(
        what, " from {} epoch {} on".format(part["quantity"], part["epoch"]) if part else "")


def _expected_change(case_entry: Any, variant: str, mode: str, a: EnvironmentRuns, b: EnvironmentRuns) -> Optional[Dict[str, Any]]:
    """The declared expected change whose version boundary lies between ``a`` and ``b``, if any."""
    for change in case_entry.entry.get("expected_changes", []):
        if (mode in change["init_modes"] and (change["variants"] is None or variant in change["variants"])
                and satisfied(change["when"], a.versions) != satisfied(change["when"], b.versions)):
            return change
    return None


def _covers(change: Dict[str, Any], entries: Sequence[Dict[str, Any]]) -> bool:
    """Whether every material quantity is one the expected change names."""
    material = [entry for entry in entries if entry["materiality"] == "material"]
    return bool(material) and all(any(fnmatch.fnmatchcase(entry["key"], pattern) for pattern in change["quantities"])
                                  for entry in material)


def _gap(kind: str, env: str, detail: str, case: Optional[str] = None, baseline: Optional[str] = None) -> Dict[str, Any]:
    return {"kind": kind, "env": env, "baseline": baseline, "case": case, "detail": detail}


def compare_variant(a: EnvironmentRuns, b: EnvironmentRuns, case_id: str, variant: str,
                    gaps: List[Dict[str, Any]], flags: List[str]) -> Optional[Dict[str, Any]]:
    """Both init modes of one variant, each with materiality, cause and expected change."""
    controlled = compare_runs(a, b, (case_id, variant, vocabulary.CONTROLLED))
    by_mode = {}  # type: Dict[str, Optional[Dict[str, Any]]]
    for mode in vocabulary.INIT_MODES:
        key = (case_id, variant, mode)
        result = compare_runs(a, b, key)
        by_mode[mode] = result
        if result is None:
            if a.has_runs(key) or b.has_runs(key):
                gaps.append(_gap("missing_runs", a.name, "{} / {} init: no finished run with the same seeds on both "
                                 "sides".format(variant, mode), case_id, b.name))
            continue
        result["cause"], result["cause_evidence"] = cause(result, a, b, key, controlled)
        change = _expected_change(b.cases[case_id], variant, mode, a, b)
        if change is not None:
            if result["materiality"] == "material" and _covers(change, result["quantities"]):
                result["expected"] = change
            elif result["materiality"] in ("identical", "within_tolerance", "within_seed_noise"):
                flags.append("{} vs {}: {}/{} {} init: the expected change ({}) did not happen: {}".format(
                    a.name, b.name, case_id, variant, mode, change["reason"],
                    vocabulary.MATERIALITY_LABELS[result["materiality"]]))
    present = [result for result in by_mode.values() if result is not None]
    if not present:
        return None
    worst = vocabulary.worst_materiality(result["materiality"] for result in present)
    pinned = by_mode.get("pinned")
    # A change that shows from pinned weights is there whatever the initialisation: its cause comes first.
    explaining = pinned if pinned is not None and pinned["materiality"] not in ("identical", "within_tolerance") else \
        max(present, key=lambda r: vocabulary.MATERIALITY.index(r["materiality"]))
    return {"env": a.name, "baseline": b.name, "case": case_id, "variant": variant, "materiality": worst,
            "cause": explaining["cause"], "by_init_mode": by_mode, "controlled": controlled}


def _seeds_to_decide(comparisons: Sequence[Dict[str, Any]]) -> List[str]:
    """Where a verdict is undetermined, how to decide it: more seeds for that case only, not for all."""
    needed = {}  # type: Dict[str, int]
    for item in comparisons:
        for result in item["by_init_mode"].values():
            for entry in (result or {}).get("quantities", []):
                if entry["materiality"] == "undetermined" and entry["needed_seeds"]:
                    needed[item["case"]] = max(needed.get(item["case"], 0), entry["needed_seeds"])
    return ["undetermined in {}: about {} seeds per environment would decide it; re-run that case alone in each "
            "environment with -k {} --repeats {}".format(case, n, case, n) for case, n in sorted(needed.items())]


def summaries(env: EnvironmentRuns) -> List[Dict[str, Any]]:
    """Per case, variant and init mode: final values over the seeds and the loss curves, for the page."""
    found = []
    for case in env.report.cases:
        for variant in case.variants:
            for mode in vocabulary.INIT_MODES:
                runs = env.repeats((case.id, variant, mode))
                if not runs:
                    continue
                finals = {}  # type: Dict[str, Dict[str, Any]]
                for name in sorted(set.intersection(*[set(run.final) for run in runs.values()])):
                    values = [runs[r].final[name] for r in sorted(runs)]
                    finite = [v for v in values if math.isfinite(v)]
                    finals[name] = {"mean": statistics.mean(finite) if finite else math.nan,
                                    "sd": statistics.sd(finite) if finite else math.nan, "n": len(values)}
                curves = {key: [runs[r].history.get(key, []) for r in sorted(runs)] for key in CURVE_KEYS}
                found.append({"env": env.name, "case": case.id, "variant": variant, "init_mode": mode,
                              "finals": finals, "curves": {k: v for k, v in curves.items() if any(v)}})
    return found


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
    flags = []  # type: List[str]
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
                item = compare_variant(a, b, case_id, variant, gaps, flags)
                if item is not None:
                    comparisons.append(item)
    flags.extend(_seeds_to_decide(comparisons))
    checks = check_matrix(envs)
    return {
        "schema_version": comparison_document.SCHEMA_VERSION,
        "environments": [_describe(env) for env in envs],
        "baseline": baseline,
        "method": dict(METHOD),
        "comparisons": comparisons,
        "checks": checks,
        "summaries": [entry for env in envs for entry in summaries(env)],
        "gaps": gaps,
        "flags": flags,
        "allow_incomplete": allow_incomplete,
        "gate": gate(comparisons, checks, baseline, gaps, allow_incomplete),
    }


def _describe(env: EnvironmentRuns) -> Dict[str, Any]:
    framework = env.report.framework
    return {"name": env.name, "tensorflow": framework["tensorflow"], "keras": framework["keras"],
            "keras_flavour": framework["keras_flavour"], "backend": framework["backend"],
            "python": env.report.python, "complete": env.report.complete}


def check_cause(by_init_mode: Dict[str, str]) -> Optional[str]:
    """A check that fails with framework init only is caused by initialisation; with pinned too, by
    something after it (arithmetic or training randomness: a check alone cannot tell which)."""
    failing = ("fail", "known_failure")
    if by_init_mode.get("pinned") in failing:
        return "unknown"
    if by_init_mode.get("framework") in failing and by_init_mode.get("pinned") == "pass":
        return "initialisation"
    return None


def check_matrix(envs: Sequence[EnvironmentRuns]) -> List[Dict[str, Any]]:
    rows = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
    for env in envs:
        for case in env.report.cases:
            for check in case.checks:
                row = rows.setdefault((case.id, check.id), {"case": case.id, "check": check.id,
                                                            "kind": check.kind, "verdicts": {}})
                row["verdicts"][env.name] = {"verdict": check.verdict, "by_init_mode": check.by_init_mode,
                                             "cause": check_cause(check.by_init_mode)}
    return [rows[key] for key in sorted(rows)]


def quantity_text(entry: Dict[str, Any]) -> str:
    """One quantity's two values with the seed spread and the test, in words."""
    text = "{}: {} vs {} (difference {:+.2g})".format(entry["quantity"], _mean_text(entry["env_values"]),
                                                      _mean_text(entry["baseline_values"]), entry["difference"])
    if entry["seed_sd"] is not None:
        text += ", seed SD {:.3g}".format(entry["seed_sd"])
    elif entry["materiality"] == "undetermined" and len(entry["env_values"]) < 2:
        text += ", one seed: no seed-to-seed spread to judge against (run 3 or more: --repeats)"
    if entry["effect"] is not None:
        low, high = entry["effect_interval"]
        text += ", effect {:+.2f} SD [{:+.2f}, {:+.2f}]".format(entry["effect"], low, high)
    if entry["p_adjusted"] is not None:
        text += ", p {:.2g}".format(entry["p_adjusted"])
    if entry["materiality"] == "undetermined" and entry["needed_seeds"]:
        text += ", ~{} seeds would decide".format(entry["needed_seeds"])
    return text


def _mean_text(values: Sequence[float]) -> str:
    return "{:.4g}".format(statistics.mean(values)) + (" (n={})".format(len(values)) if len(values) > 1 else "")


def result_text(result: Dict[str, Any]) -> str:
    """Why a comparison got its materiality, in one line: the headline quantity and where runs part."""
    entry = next((e for e in result["quantities"] if e["quantity"] == result["headline"]), None)
    parts = [quantity_text(entry)] if entry else []
    if result["first_part"]:
        part = result["first_part"]
        parts.append("first part at {} epoch {} ({:.6g} vs {:.6g})".format(
            part["quantity"], part["epoch"], part["env_value"], part["baseline_value"]))
    if result["weight_change"]:
        change = result["weight_change"]
        parts.append("largest final-weight change {} (L2 {:.4g} vs {:.4g})".format(
            change["name"], change["env_l2"], change["baseline_l2"]))
    decided = [e for e in result["quantities"] if e["quantity"].startswith(CALLBACK_QUANTITIES)]
    if decided:  # what early stopping or a schedule did, which the headline alone would hide
        parts.append("what the callbacks did: " + ", ".join("{} {:.4g} vs {:.4g} ({})".format(
            e["quantity"], decode_float(e["env_mean"]), decode_float(e["baseline_mean"]),
            vocabulary.MATERIALITY_LABELS[e["materiality"]]) for e in result["quantities"]
            if e["quantity"] == "epochs trained" or e in decided))
    return "; ".join(parts)


def gate(comparisons: Sequence[Dict[str, Any]], checks: Sequence[Dict[str, Any]], baseline: Optional[str],
         gaps: Sequence[Dict[str, Any]] = (), allow_incomplete: bool = False) -> Dict[str, Any]:
    """Why CI should fail: a material change from the baseline that no case declared expected, an
    unexpected check verdict anywhere, and evidence that is missing or partial (unless the user
    accepts it). Everything else (undetermined, within seed noise, expected changes) informs."""
    reasons = []
    if baseline is not None:
        for item in comparisons:
            for mode, result in sorted(item["by_init_mode"].items()):
                if result and result["materiality"] == "material" and not result["expected"]:
                    reasons.append("{} vs {}: {}/{} {} init: material change, cause {} — {}".format(
                        item["env"], item["baseline"], item["case"], item["variant"], mode,
                        (result["cause"] or "unknown").replace("_", " "), result_text(result)))
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
