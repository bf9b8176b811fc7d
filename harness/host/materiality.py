"""Does a difference between two environments matter? Materiality, decided against the seeds.

For every **user-facing quantity** of a run — the final value of every history key (``loss``,
``val_loss``, each compiled metric), each curve's mean over its epochs, the number of epochs trained
(early stopping) and, where the case has callbacks, the best epoch of the watched quantity and the
final learning rate — the two environments' values over the seeds are compared. A case may say
which of them it is judged on, and the difference that matters in each (``Case(judge=[...])``); by
default it is judged on all of them. Each judged quantity gets a **materiality**:

- ``identical``: every history and weight hash is bit for bit the same;
- ``within_tolerance``: bits differ, but every seed's difference is within the case's tolerance
  (``atol + rtol * |baseline|``);
- ``material``: a t-test rejects "the environments give the same mean" after Holm's correction over
  the judged quantities, at the look's level (below);
- ``within_seed_noise``: **shown the same**: the two one-sided tests (TOST) show the difference
  smaller than the margin, at the look's level. The margin is the case's (``Judge(margin=...)``)
  or the seed-to-seed standard deviation (``MARGIN_SD`` of it); a spread estimated from a few seeds
  is never trusted below the quantity's resolution (one validation sample for an accuracy, one
  epoch for epochs);
- ``undetermined``: neither could be shown with the seeds there are; the entry says how many seeds
  per environment would decide it (to show it material if it is at least the margin, the same if it
  is smaller), which is what ``harness decide`` runs.

**Looks.** A comparison to which seeds are added while it is undecided is looked at again; each
look k (counted from the cases' ``looks`` in the reports) decides at level ``alpha / (k (k + 1))``,
levels that sum to ``ALPHA`` over every possible look, so adding seeds never makes a false
``material`` (or a false ``same``) likelier than ``ALPHA``. The last look (both reports' case says
``last_look``: harness decide's cap was reached, no seeds may follow) spends what is left,
``alpha / k``.

The design is **paired** when both environments ran the same seeds from the same initial weights
and data (pinned init; framework init when the RNG did not change): the test is then on the
per-seed differences, which removes the seed-to-seed spread both share. Otherwise the seeds are two
**independent** samples (Welch's test). The effect size is the difference of means in seed-to-seed
standard deviations (pooled over both environments), with a confidence interval.
"""

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.contract import vocabulary
from harness.contract.reading import Run
from harness.host import statistics
from harness.host.lineup import EnvironmentRuns, Key

ALPHA = 0.05
CONFIDENCE = 0.95
POWER = 0.8
# The default margin of a quantity a case judged without one: this many seed-to-seed standard
# deviations. A change smaller than what re-running with another seed does is the same.
MARGIN_SD = 1.0
METHOD = {"paired_test": "paired_t", "independent_test": "welch_t", "correction": "holm", "equivalence": "tost",
          "spending": "alpha_over_look_times_look_plus_one_rest_at_last_look", "alpha": ALPHA, "confidence": CONFIDENCE, "power": POWER,
          "margin_sd": MARGIN_SD}
# A quantity: (measure, of what: a history key, the watched quantity, or None).
Quantity = Tuple[str, Optional[str]]
# The key an expected change names for what is not a history key: epochs (trained, best) and the rate.
KEYS = (vocabulary.EPOCHS_KEY, vocabulary.LEARNING_RATE_KEY)
CALLBACK_MEASURES = ("best_epoch", "final_learning_rate")


def user_quantities(run: Run) -> Dict[Quantity, Tuple[str, float]]:
    """What a user looks at: (measure, of) → (the key an expected change or a judge names, value)."""
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


def resolution(key: str, run: Run) -> float:
    """The smallest step a quantity of ``key`` takes: one sample of the set an accuracy is counted on,
    one epoch; 0 where the values are continuous."""
    if key == KEYS[0]:
        return 1.0
    samples = run.entry.get("samples") or {}
    counted = samples.get("validation" if key.startswith("val_") else "train")
    return 1.0 / counted if "acc" in key and counted else 0.0


def judged(quantity: Quantity, key: str, judge: Sequence[Dict[str, Any]]) -> Tuple[bool, Optional[float]]:
    """Whether the case is judged on ``quantity``, and the margin it declared for it (None: the default)."""
    if not judge:
        return True, None
    for item in judge:
        if item["key"] == key and quantity[0] in item["measures"]:
            return True, item["margin"]
    return False, None


def equal(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def within_tolerance(a: float, b: float, tolerance: Dict[str, float]) -> bool:
    if equal(a, b):
        return True
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tolerance["atol"] + tolerance["rtol"] * abs(b)


def measure_quantity(quantity: Quantity, key: str, a: List[float], b: List[float], is_paired: bool,
                     tolerance: Dict[str, float], floor: float = 0.0, margin: Optional[float] = None,
                     judged_on: bool = True) -> Tuple[Dict[str, Any], Optional[float]]:
    """One quantity's comparison before the correction over quantities (``p`` raw), and the per-seed
    spread its test works with (of the differences when paired, of one environment's values
    otherwise; None when it was decided without a test). ``floor`` is the quantity's resolution,
    ``margin`` the case's declared margin."""
    entry = {"measure": quantity[0], "of": quantity[1], "key": key, "judged": judged_on, "env_values": a,
             "baseline_values": b, "env_mean": statistics.mean(a), "baseline_mean": statistics.mean(b),
             "seed_sd": None, "test_sd": None, "resolution": floor,
             "difference": statistics.mean(a) - statistics.mean(b),
             "interval": None, "effect": None, "effect_interval": None, "p": None, "p_adjusted": None,
             "margin": margin, "margin_from": "declared" if margin is not None else None, "p_equivalence": None,
             "detectable": None, "needed_seeds": None, "materiality": None}  # type: Dict[str, Any]
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
    if len(a) < 2 or len(b) < 2:  # no seed-to-seed spread to judge against: never a size from a zero spread
        entry["materiality"] = "undetermined"
        entry["needed_seeds"] = 3
        return entry, None
    # A spread from a few seeds is not trusted below what the quantity can resolve.
    spread = max(math.hypot(statistics.sd(a), statistics.sd(b)) / math.sqrt(2.0), floor)
    entry["seed_sd"] = spread
    if margin is None:
        entry["margin"], entry["margin_from"] = MARGIN_SD * spread, "seed_sd"
    test = statistics.paired(a, b) if is_paired else statistics.welch(a, b)
    lowest = floor * math.sqrt((1.0 if is_paired else 2.0) / len(a))  # the test's spread, floored alike
    if test.standard_error < lowest:
        test = statistics.TestResult(test.difference, lowest, test.df)
    entry["p"] = test.p
    entry["p_equivalence"] = max(test.equivalence(entry["margin"]))
    if test.standard_error > 0:
        low, high = test.interval(CONFIDENCE)
        entry["interval"] = [low, high]
        if spread > 0:
            entry["effect"] = test.difference / spread
            entry["effect_interval"] = [low / spread, high / spread]
    entry["test_sd"] = test.standard_error * math.sqrt(len(a) / (1.0 if is_paired else 2.0))
    return entry, entry["test_sd"]


def decide(measured: List[Tuple[Dict[str, Any], Optional[float]]], is_paired: bool,
           look: int = 1, last: bool = False) -> List[Dict[str, Any]]:
    """Holm's correction over the judged, tested quantities at the look's level; then each one is
    material, shown the same, or undetermined with the seeds that would decide it (at the next look's
    level; none after the ``last`` look, which no seeds may follow). A quantity the case is not judged
    on is decided alone, for the record."""
    alpha, following = statistics.look_alpha(ALPHA, look, last), statistics.look_alpha(ALPHA, look + 1)
    tested = [(entry, test_sd) for entry, test_sd in measured if entry["materiality"] is None]
    judged_on = [item for item in tested if item[0]["judged"]]
    adjusted = dict(zip([id(entry) for entry, _ in judged_on], statistics.holm([entry["p"] for entry, _ in judged_on])))
    for entry, test_sd in tested:
        entry["p_adjusted"] = adjusted.get(id(entry), entry["p"])
        detectable = statistics.detectable_effect(len(entry["env_values"]), is_paired, alpha, POWER)
        entry["detectable"] = detectable * test_sd if detectable is not None else None
        if entry["p_adjusted"] < alpha:
            entry["materiality"] = "material"
        elif entry["p_equivalence"] < alpha:
            entry["materiality"] = "within_seed_noise"
        else:
            entry["materiality"] = "undetermined"
            if last:
                continue  # needed_seeds stays None: no look follows the last
            if abs(entry["difference"]) >= entry["margin"]:
                # Bonferroni bounds Holm's level: the count exceeds the seeds that just failed to decide it.
                needed = statistics.seeds_needed(entry["difference"], test_sd, is_paired,
                                                 following / max(len(judged_on), 1), POWER)
            else:
                needed = statistics.seeds_to_show_equivalence(entry["difference"], entry["margin"], test_sd,
                                                              is_paired, following, POWER)
            entry["needed_seeds"] = None if needed is None else max(needed, len(entry["env_values"]) + 1)
    return [entry for entry, _ in measured]


def look(a: EnvironmentRuns, b: EnvironmentRuns, case_id: str) -> Tuple[int, bool]:
    """Which look at ``case_id`` this comparison is: how many times either report's seeds of it were
    looked at (each time seeds were added, they had been); and whether it is the last, which both
    reports must say (their seeds were closed: harness decide's cap), since the last look spends the
    rest of alpha."""
    case_a, case_b = a.cases[case_id], b.cases[case_id]
    return max(len(case_a.looks), len(case_b.looks), 1), case_a.last_look and case_b.last_look


def compare_runs(a: EnvironmentRuns, b: EnvironmentRuns, key: Key) -> Optional[Dict[str, Any]]:
    """Materiality of one case × variant × run mode between environment ``a`` and baseline ``b``
    (None when no repeat finished on both sides). Attribution (cause, where runs part) comes after."""
    runs_a, runs_b = a.repeats(key), b.repeats(key)
    common = sorted(set(runs_a) & set(runs_b))
    if not common:
        return None
    case = b.cases[key[0]]
    tolerance = case.tolerance
    same_seeds = all(runs_a[r].seeds == runs_b[r].seeds for r in common)
    same_data = all(runs_a[r].data_hashes() == runs_b[r].data_hashes() for r in common)
    same_start = same_seeds and all(runs_a[r].start() == runs_b[r].start() for r in common)
    at, last = look(a, b, key[0])
    result = {"materiality": "identical", "cause": None, "cause_evidence": {"code": "bitwise_equal"},
              "design": "paired" if same_start else "independent", "repeats": common, "look": at, "last_look": last,
              "alpha": statistics.look_alpha(ALPHA, at, last), "same_seeds": same_seeds, "same_data": same_data,
              "same_start": same_start, "quantities": [], "headline": None, "first_part": None,
              "localisation": None, "weight_change": None, "expected": None}  # type: Dict[str, Any]
    if all(not runs_a[r].bitwise_differences(runs_b[r]) for r in common):
        return result
    values_a = {r: user_quantities(runs_a[r]) for r in common}
    values_b = {r: user_quantities(runs_b[r]) for r in common}
    names = [name for name in values_b[common[0]] if all(name in values_a[r] and name in values_b[r] for r in common)]
    measured = []
    for name in names:
        quantity_key = values_b[common[0]][name][0]
        on, margin = judged(name, quantity_key, case.judge)
        measured.append(measure_quantity(name, quantity_key, [values_a[r][name][1] for r in common],
                                         [values_b[r][name][1] for r in common], same_start, tolerance,
                                         resolution(quantity_key, runs_b[common[0]]), margin, on))
    entries = decide(measured, same_start, at, last)
    result["quantities"] = entries
    deciding = [entry for entry in entries if entry["judged"]]
    materiality = vocabulary.worst_materiality(entry["materiality"] for entry in deciding)
    # Bits differ somewhere (weights), even where every user-facing number agrees exactly.
    result["materiality"] = "within_tolerance" if materiality == "identical" else materiality
    ranked = sorted(deciding, key=lambda e: (vocabulary.MATERIALITY.index(e["materiality"]), abs(e["effect"] or 0.0)))
    result["headline"] = {"measure": ranked[-1]["measure"], "of": ranked[-1]["of"]} if ranked else None
    return result


def missing_judged(a: EnvironmentRuns, b: EnvironmentRuns, key: Key, result: Dict[str, Any]) -> List[str]:
    """The keys a case is judged on that neither run of this comparison recorded (a misspelt metric
    name would otherwise judge nothing and read as a pass)."""
    present = set(entry["key"] for entry in result["quantities"])
    return [item["key"] for item in b.cases[key[0]].judge if item["key"] not in present] \
        if result["quantities"] else []
