"""What made two environments' runs with the same seeds differ, and where they first part.

The **cause**, with its evidence as facts: different initial weights are ``initialisation``;
from the same weights, a run with nothing random in training (no Dropout-like layer, no shuffling)
changed its ``arithmetic``; a run with training randomness is told apart by its ``controlled`` run
(the same, with that randomness switched off): if those agree within tolerance the cause is
``training_randomness``, if not ``arithmetic``, and where it could not be switched off (a capability
the environment lacks, the case's own input pipeline), ``unknown`` — never ``arithmetic`` by
default. Evidence is a code of :data:`EVIDENCE` and the facts behind it; the words are chosen by
:mod:`harness.host.wording`.
"""

from typing import Any, Dict, List, Optional, Tuple

from harness.contract import vocabulary
from harness.contract.reading import Run
from harness.host import localisation
from harness.host.lineup import EnvironmentRuns, Key
from harness.host.materiality import within_tolerance

# Why a comparison has the cause it has: the evidence codes.
EVIDENCE = ("bitwise_equal", "different_seeds", "different_data", "different_initial_weights",
            "randomness_not_recorded", "no_training_randomness", "randomness_not_controlled",
            "controlled_runs_agree", "controlled_runs_differ")
CURVE_KEYS = ("loss", "val_loss")


def first_part(run_a: Run, run_b: Run, tolerance: Dict[str, float]) -> Optional[Dict[str, Any]]:
    """Where two runs from the same start first part: the earliest epoch of any history key."""
    best = None  # type: Optional[Dict[str, Any]]
    history_a, history_b = run_a.history, run_b.history
    for key in sorted(set(history_a) & set(history_b), key=lambda k: (k not in CURVE_KEYS, k)):
        for epoch, (x, y) in enumerate(zip(history_a[key], history_b[key])):
            if not within_tolerance(x, y, tolerance):
                if best is None or epoch + 1 < best["epoch"]:
                    best = {"key": key, "epoch": epoch + 1, "env_value": x, "baseline_value": y}
                break
    return best


def largest_weight_change(run_a: Run, run_b: Run) -> Optional[Dict[str, Any]]:
    """The final weight whose L2 norm moved most (relative), named as each environment names it."""
    best = None  # type: Optional[Dict[str, Any]]
    for wa, wb in zip(run_a.weights("final"), run_b.weights("final")):
        if wa.hash == wb.hash:
            continue
        relative = abs(wa.l2 - wb.l2) / max(abs(wb.l2), 1e-12)
        if best is None or relative > best["relative"]:
            best = {"name": wb.name, "env_name": wa.name, "env_l2": wa.l2, "baseline_l2": wb.l2, "relative": relative}
    return best


def locate(result: Dict[str, Any], a: EnvironmentRuns, b: EnvironmentRuns, key: Key) -> None:
    """Where runs with the same seeds part (their traces: :mod:`harness.host.localisation`); for runs
    from the same start, the first history value that parts and the weight that moved most (repeat
    shown first)."""
    if result["materiality"] == "identical":
        return
    first = result["repeats"][0]
    if result["same_seeds"]:
        result["localisation"] = localisation.localise(a, b, key, first)
    if result["same_start"]:
        run_a, run_b = a.repeats(key)[first], b.repeats(key)[first]
        result["first_part"] = first_part(run_a, run_b, b.cases[key[0]].tolerance)
        result["weight_change"] = largest_weight_change(run_a, run_b)


def randomness(a: EnvironmentRuns, b: EnvironmentRuns, key: Key) -> Optional[Dict[str, Any]]:
    """What drew from the framework's RNG in training, in either environment (None: not recorded)."""
    layers = []  # type: List[Dict[str, Any]]
    shuffle = pipeline = False
    for env in (a, b):
        for run in env.repeats(key).values():
            record = run.entry.get("training_randomness")
            if record is None:
                return None
            layers.extend(layer for layer in record["layers"] if layer not in layers)
            shuffle = shuffle or record["shuffle"]
            pipeline = pipeline or bool(record.get("pipeline"))
    return {"layers": sorted(layers, key=lambda layer: (layer["layer"], layer["class"])), "shuffle": shuffle,
            "pipeline": pipeline}


def cause(result: Dict[str, Any], a: EnvironmentRuns, b: EnvironmentRuns, key: Key,
          controlled: Optional[Dict[str, Any]]) -> Tuple[Optional[str], Dict[str, Any]]:
    """Why two runs differ, with the evidence as facts (no cause for identical runs)."""
    if result["materiality"] == "identical":
        return None, {"code": "bitwise_equal"}
    if not result["same_seeds"]:
        return "unknown", {"code": "different_seeds"}
    if not result["same_data"]:
        return "unknown", {"code": "different_data"}
    if not result["same_start"]:
        return "initialisation", {"code": "different_initial_weights"}
    drawn = randomness(a, b, key)
    if drawn is None:
        return "unknown", {"code": "randomness_not_recorded"}
    if not (drawn["layers"] or drawn["shuffle"] or drawn["pipeline"]):
        return "arithmetic", {"code": "no_training_randomness"}
    if controlled is None:
        controlled_key = key[:2] + (vocabulary.CONTROLLED,)
        skipped = [{"env": env.name, "skip": env.skip(controlled_key)} for env in (a, b) if env.skip(controlled_key)]
        return "unknown", {"code": "randomness_not_controlled", "randomness": drawn,
                           "controlled": skipped[0] if skipped else None}
    if controlled["materiality"] in ("identical", "within_tolerance"):
        return "training_randomness", {"code": "controlled_runs_agree", "randomness": drawn,
                                       "controlled": controlled["materiality"]}
    return "arithmetic", {"code": "controlled_runs_differ", "randomness": drawn, "controlled": controlled["materiality"],
                          "first_part": controlled["first_part"]}


def check_cause(by_init_mode: Dict[str, str]) -> Optional[str]:
    """A check that fails with framework init only is caused by initialisation; with pinned too, by
    something after it (arithmetic or training randomness: a check alone cannot tell which)."""
    failing = ("fail", "known_failure")
    if by_init_mode.get("pinned") in failing:
        return "unknown"
    if by_init_mode.get("framework") in failing and by_init_mode.get("pinned") == "pass":
        return "initialisation"
    return None

