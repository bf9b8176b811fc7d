"""Does a difference between two environments matter? Materiality, judged against the seeds.

For every **user-facing quantity** of a run — the final value of every history key (``loss``,
``val_loss``, each compiled metric), each curve's mean over its epochs, the number of epochs trained
(early stopping) and, where the case has callbacks, the best epoch of the watched quantity and the
final learning rate — the two environments' values over the seeds are compared, and each
comparison gets a **materiality**:

- ``identical``: every history and weight hash is bit for bit the same;
- ``within_tolerance``: bits differ, but every seed's difference is within the case's tolerance
  (``atol + rtol * |baseline|``);
- ``material``: a t-test rejects "the environments give the same mean" at ``ALPHA`` after Holm's
  correction over the comparison's quantities, so at most ``ALPHA`` of comparisons of an
  environment with itself (A/A) are called material;
- ``undetermined``: the test does not reject, but the difference is larger than one seed-to-seed
  standard deviation (``RELEVANT``), or there is one seed only: more seeds would decide it, and the
  entry says how many;
- ``within_seed_noise``: the test does not reject and the difference is smaller than one
  seed-to-seed standard deviation: as different as re-running with another seed.

The design is **paired** when both environments ran the same seeds from the same initial weights
and data (pinned init; framework init when the RNG did not change): the test is then on the
per-seed differences, which removes the seed-to-seed spread both share. Otherwise the seeds are two
**independent** samples (Welch's test). The effect size is the difference of means in seed-to-seed
standard deviations (pooled over both environments), with a confidence interval.
"""

import math
from typing import Any, Dict, List, Optional, Tuple

from harness.contract import vocabulary
from harness.contract.reading import Run
from harness.host import statistics
from harness.host.lineup import EnvironmentRuns, Key

ALPHA = 0.05
CONFIDENCE = 0.95
POWER = 0.8
# A difference larger than this many seed-to-seed standard deviations that the test cannot
# confirm is undetermined rather than within seed noise: a change of that size would matter.
RELEVANT = 1.0
METHOD = {"paired_test": "paired_t", "independent_test": "welch_t", "correction": "holm", "alpha": ALPHA,
          "confidence": CONFIDENCE, "power": POWER, "relevant_effect_sd": RELEVANT}
# What a user looks at, as codes: the last epoch's value of a history key, a curve's mean over its
# epochs, the epochs trained, and what a callback decided (the best epoch of the quantity it
# watches, the learning rate training ended with).
MEASURES = ("final", "curve_mean", "epochs_trained", "best_epoch", "final_learning_rate")
CALLBACK_MEASURES = ("best_epoch", "final_learning_rate")
# A quantity: (measure, of what: a history key, the watched quantity, or None).
Quantity = Tuple[str, Optional[str]]
# The key an expected change names for what is not a history key: epochs (trained, best) and the rate.
KEYS = ("epochs", "learning_rate")


def user_quantities(run: Run) -> Dict[Quantity, Tuple[str, float]]:
    """What a user looks at: (measure, of) → (the key an expected change names, value)."""
    values = {}  # type: Dict[Quantity, Tuple[str, float]]
    history = run.history
    for key, series in sorted(history.items()):
        if series:
            values[("final", key)] = (key, series[-1])
            values[("curve_mean", key)] = (key, statistics.mean(series))
    if history:
        values[("epochs_trained", None)] = (KEYS[0], float(max(len(series) for series in history.values())))
    training = run.entry.get("training") or {}
    if training.get("callbacks"):  # what a callback decided: where training peaked, the rate it ended at
        if training["best_epoch"] is not None:
            values[("best_epoch", training["monitor"])] = (KEYS[0], float(training["best_epoch"]))
        rates = training["learning_rate"]
        if rates and isinstance(rates[-1], (int, float)):
            values[("final_learning_rate", None)] = (KEYS[1], float(rates[-1]))
    return values


def equal(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def within_tolerance(a: float, b: float, tolerance: Dict[str, float]) -> bool:
    if equal(a, b):
        return True
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tolerance["atol"] + tolerance["rtol"] * abs(b)


def measure_quantity(quantity: Quantity, key: str, a: List[float], b: List[float], is_paired: bool,
                     tolerance: Dict[str, float]) -> Tuple[Dict[str, Any], Optional[float]]:
    """One quantity's comparison before the correction over quantities (``p`` raw), and the per-seed
    spread its test works with (of the differences when paired, of one environment's values
    otherwise; None when it was decided without a test)."""
    entry = {"measure": quantity[0], "of": quantity[1], "key": key, "env_values": a, "baseline_values": b,
             "env_mean": statistics.mean(a), "baseline_mean": statistics.mean(b), "seed_sd": None,
             "difference": statistics.mean(a) - statistics.mean(b), "interval": None, "effect": None,
             "effect_interval": None, "p": None, "p_adjusted": None, "detectable": None, "needed_seeds": None,
             "materiality": None}  # type: Dict[str, Any]
    if all(equal(x, y) for x, y in zip(a, b)):
        entry["materiality"] = "identical"
        return entry, None
    if all(within_tolerance(x, y, tolerance) for x, y in zip(a, b)):
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


def decide(measured: List[Tuple[Dict[str, Any], Optional[float]]], is_paired: bool) -> List[Dict[str, Any]]:
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


def compare_runs(a: EnvironmentRuns, b: EnvironmentRuns, key: Key) -> Optional[Dict[str, Any]]:
    """Materiality of one case × variant × run mode between environment ``a`` and baseline ``b``
    (None when no repeat finished on both sides). Attribution (cause, where runs part) comes after."""
    runs_a, runs_b = a.repeats(key), b.repeats(key)
    common = sorted(set(runs_a) & set(runs_b))
    if not common:
        return None
    tolerance = b.cases[key[0]].tolerance
    same_seeds = all(runs_a[r].seeds == runs_b[r].seeds for r in common)
    same_data = all(runs_a[r].data_hashes() == runs_b[r].data_hashes() for r in common)
    same_start = same_seeds and all(runs_a[r].start() == runs_b[r].start() for r in common)
    result = {"materiality": "identical", "cause": None, "cause_evidence": {"code": "bitwise_equal"},
              "design": "paired" if same_start else "independent", "repeats": common, "same_seeds": same_seeds,
              "same_data": same_data, "same_start": same_start, "quantities": [], "headline": None,
              "first_part": None, "weight_change": None, "expected": None}  # type: Dict[str, Any]
    if all(not runs_a[r].bitwise_differences(runs_b[r]) for r in common):
        return result
    values_a = {r: user_quantities(runs_a[r]) for r in common}
    values_b = {r: user_quantities(runs_b[r]) for r in common}
    names = [name for name in values_b[common[0]] if all(name in values_a[r] and name in values_b[r] for r in common)]
    entries = decide([measure_quantity(name, values_b[common[0]][name][0], [values_a[r][name][1] for r in common],
                                       [values_b[r][name][1] for r in common], same_start, tolerance)
                      for name in names], same_start)
    result["quantities"] = entries
    materiality = vocabulary.worst_materiality(entry["materiality"] for entry in entries)
    # Bits differ somewhere (weights), even where every user-facing number agrees exactly.
    result["materiality"] = "within_tolerance" if materiality == "identical" else materiality
    ranked = sorted(entries, key=lambda e: (vocabulary.MATERIALITY.index(e["materiality"]), abs(e["effect"] or 0.0)))
    result["headline"] = {"measure": ranked[-1]["measure"], "of": ranked[-1]["of"]} if ranked else None
    return result


def headline(result: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The quantity entry that decided a result's materiality."""
    if not result["headline"]:
        return None
    return next((entry for entry in result["quantities"] if entry["measure"] == result["headline"]["measure"]
                 and entry["of"] == result["headline"]["of"]), None)
