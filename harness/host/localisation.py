"""Where two runs from the same start part: the first moment of training at which their weights differ.

compare says *that* two environments differ and why; this says *where it starts*. Each traced run
(:mod:`harness.run.trace`) holds every variable's summary at its initial weights, after each of the
first training steps (with the loss ``fit`` reported for each) and at the end of every epoch.
Walking those moments in order, the first at which any variable's exact bytes (or the first step's
loss) differ between the two environments is where they part: the ``initial_weights`` (an
initialiser or a pinned weight set differently); the ``forward`` pass at those initial weights on a
probe batch (the first layer, in the model's order, whose output differs while every layer it reads
agrees: Muffin's criterion, without its fixed thresholds); at step 1, its ``loss`` (computed on weights that
agree: the forward pass or the loss differ — or the batch, drawn or masked differently, when the
cause is training randomness) or else its ``update`` (the same loss, different weights after it: the
gradient or the optimizer's step); a later ``step`` k of epoch 1 (its loss is not compared: TF 1.x
reports a batch's, later versions the mean so far); or ``epoch`` e (something the first steps do not do: a callback, a
later schedule, an epoch-end update). The variable named is the one that moved most there, named as each environment names it,
with the size of the difference relative and in float32 units in the last place (ulps) at the
scale of its L2 norm — at a step, of the norm of the update the step made to it (which variable's
update differs most), elsewhere of the weight: one ulp is a rounding, 10^6 a different computation.

A part is only evidence if the runs do not part that early on their own: the determinism re-run of
the same run (replica 1) is traced the same way, and a part at or after the moment where an
environment's own re-runs part is marked as within its run-to-run noise. No fixed threshold: exact
bytes decide whether, the run-to-run noise decides whether it means anything.
"""

import math
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

from harness.contract.reading import Run
from harness.contract.strict_json import decode_float
from harness.host.lineup import EnvironmentRuns, Key

# Where two runs part: the initial weights; at step k of epoch 1 its loss (computed on the same weights:
# the forward pass or the loss differ, or the batch does), else its update (the gradient or the
# optimizer's step; "step" where the loss was not recorded); the end of an epoch.
STAGES = ("initial_weights", "forward", "loss", "update", "step", "epoch")
# A difference within this many float32 units in the last place of the value it is in is what doing the same
# operations in another order leaves (measured here: 1 to 99 ulps between TF 1.14, 2.15 and 2.21 where
# nothing but the order changed); a changed computation leaves 10^4 and more (an update x(1 + 1e-3): 1.2e4).
ROUNDING_ULPS = 1024
# (stage, step or epoch, every variable's summary, the loss reported as a step ended)
Moment = Tuple[str, Optional[int], List[Dict[str, Any]], Optional[float]]


def _forward(run: Run) -> Optional[List[Dict[str, Any]]]:
    """Every layer's output at the initial weights on the probe batch, where the run recorded it."""
    return ((run.trace or {}).get("forward") or {}).get("layers")


def moments(run: Run, forward: bool) -> List[Moment]:
    """The run's moments in training order, the ``forward`` pass at the initial weights among them
    where both runs compared recorded one. A run that was not traced (framework init, later
    repeats) has its initial weights only."""
    initial = [{"sum": weight.sum, "l2": weight.l2, "hash": weight.hash} for weight in run.weights("initial")]
    trace = run.trace or {"steps": [], "epochs": []}
    layers = [(STAGES[1], None, _decoded(_forward(run) or []), None)] if forward else []
    # Step 1's loss only: fit reports a batch's loss in TF 1.x and the mean over the epoch's batches so far
    # later, which agree at the first step alone; after it, a step says where, not which half.
    losses = [decode_float(loss) if loss is not None else None for loss in trace.get("losses", [])[:1]]
    return ([(STAGES[0], None, initial, None)] + layers
            + [("step", step, _decoded(point), losses[step - 1] if step <= len(losses) else None)
               for step, point in enumerate(trace["steps"], 1)]
            + [(STAGES[5], epoch, _decoded(point), None) for epoch, point in enumerate(trace["epochs"], 1)])


def _decoded(point: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A trace point's numbers as floats (a diverged run writes "NaN" and "Infinity" into the file)."""
    return [{key: value if key in ("hash", "name") else decode_float(value) for key, value in entry.items()}
            for entry in point]


def _same_number(x: Optional[float], y: Optional[float]) -> bool:
    return x is None or y is None or x == y or (math.isnan(x) and math.isnan(y))


def ulps(difference: float, scale: float) -> float:
    """``difference`` in float32 units in the last place at the magnitude of ``scale``."""
    return abs(difference) / float(np.spacing(np.float32(max(abs(scale), np.finfo(np.float32).tiny))))


def _differences(run_a: Run, run_b: Run) -> Iterator[Tuple[int, Moment, Moment]]:
    """Every moment both runs recorded at which a variable's bytes (or step 1's loss) differ, in
    training order, with its index and both moments."""
    layers_a, layers_b = _forward(run_a), _forward(run_b)
    forward = layers_a is not None and layers_b is not None and len(layers_a) == len(layers_b)
    ours, theirs = moments(run_a, forward), moments(run_b, forward)
    for index, (moment_a, moment_b) in enumerate(zip(ours, theirs)):
        if moment_a[0] != moment_b[0]:  # one run trained fewer steps in epoch 1 than the other traced
            yield index, moment_a, moment_b
            return
        if [entry["hash"] for entry in moment_a[2]] != [entry["hash"] for entry in moment_b[2]] or not _same_number(
                moment_a[3], moment_b[3]):
            yield index, moment_a, moment_b


def _first_difference(run_a: Run, run_b: Run) -> Optional[Tuple[int, Moment, Moment]]:
    """The first moment at which the two runs differ; None when they agree at every one."""
    return next(_differences(run_a, run_b), None)


def _beyond_rounding(run_a: Run, run_b: Run) -> Optional[Dict[str, Any]]:
    """The first moment at which the difference is more than rounding: beyond :data:`ROUNDING_ULPS` of
    the value it is in (a layer's output, a step's loss or update, a weight). A loss that differs by
    rounding while the same step's update differs by more is a part in the update."""
    for found in _differences(run_a, run_b):
        place = _described(found, run_a, run_b)
        if place["stage"] == STAGES[2] and ulps(place["env_loss"] - place["baseline_loss"],
                                                place["baseline_loss"]) > ROUNDING_ULPS:
            return place
        if place["ulps"] is not None and place["ulps"] > ROUNDING_ULPS:
            return dict(place, stage=STAGES[3]) if place["stage"] == STAGES[2] else place
    return None


def _at(moment_a: Moment, moment_b: Moment) -> Dict[str, Any]:
    """The stage two first-differing moments name, with the step or epoch and, at a step, both losses."""
    stage, number, _, loss = moment_b
    if stage == "step" and loss is not None and moment_a[3] is not None:
        stage = STAGES[2] if not _same_number(moment_a[3], loss) else STAGES[3]
    at_step = moment_b[0] == "step"
    return {"stage": stage, "step": number if at_step else None, "epoch": number if stage == STAGES[5] else None,
            "env_loss": moment_a[3] if at_step else None, "baseline_loss": loss if at_step else None}


def _described(found: Tuple[int, Moment, Moment], run_a: Run, run_b: Run) -> Dict[str, Any]:
    """The first differing moment as data: its stage and step or epoch, the variable that moved most
    there (named as each environment names it), how many differ, and the size."""
    _, moment_a, moment_b = found
    differing = [index for index, (x, y) in enumerate(zip(moment_a[2], moment_b[2])) if x["hash"] != y["hash"]]
    if moment_b[0] == STAGES[1]:
        # The first layer, in the model's order, whose output differs: every layer it reads comes before it and agrees.
        first = differing[0]
        x, y = moment_a[2][first], moment_b[2][first]
        return dict(_at(moment_a, moment_b), variable=None, layer={"env": x["name"], "baseline": y["name"]},
                    differing=len(differing), of="output", env_l2=x["l2"], baseline_l2=y["l2"],
                    relative=abs(x["l2"] - y["l2"]) / max(abs(y["l2"]), 1e-30), ulps=ulps(x["l2"] - y["l2"], y["l2"]))
    names_a = [weight.name for weight in run_a.weights("initial")]
    names_b = [weight.name for weight in run_b.weights("initial")]
    if len(moment_a[2]) != len(moment_b[2]) or len(names_a) != len(names_b):
        return dict(_at(moment_a, moment_b), variable=None, layer=None, differing=None, of="weights", env_l2=None,
                    baseline_l2=None, relative=None, ulps=None)
    # At a step, everything before it agreed: what differs is the update the step made, and its norm
    # says which variable's update differs most (a weight's norm would favour a bias near zero).
    of = "update" if all("update_l2" in x and "update_l2" in y for x, y in zip(moment_a[2], moment_b[2])) else "weights"
    norm = "update_l2" if of == "update" else "l2"

    def size(index: int) -> float:
        x, y = moment_a[2][index][norm], moment_b[2][index][norm]
        return abs(x - y) / max(abs(y), 1e-30)

    largest = max(differing, key=size) if differing else None
    if largest is None:  # the stages themselves differ: one run's epoch 1 had fewer steps than were traced
        return dict(_at(moment_a, moment_b), variable=None, layer=None, differing=0, of=of, env_l2=None,
                    baseline_l2=None, relative=None, ulps=None)
    x, y = moment_a[2][largest][norm], moment_b[2][largest][norm]
    return dict(_at(moment_a, moment_b), variable={"env": names_a[largest], "baseline": names_b[largest]}, layer=None,
                differing=len(differing), of=of, env_l2=x, baseline_l2=y, relative=size(largest), ulps=ulps(x - y, y))


def _noise_from(env: EnvironmentRuns, key: Key, repeat: int) -> Tuple[bool, Optional[int]]:
    """Whether the environment's own re-run of ``key``'s ``repeat`` was traced, and the index of the
    first moment at which the two part (None: they agree throughout)."""
    run, rerun = env.runs.get(key + (repeat,)), env.reruns.get(key + (repeat,))
    if run is None or rerun is None or run.trace is None or rerun.trace is None or not rerun.finished:
        return False, None
    found = _first_difference(rerun, run)
    return True, None if found is None else found[0]


def localise(a: EnvironmentRuns, b: EnvironmentRuns, key: Key, repeat: int) -> Optional[Dict[str, Any]]:
    """Where environment ``a`` parts from baseline ``b`` on ``key``'s ``repeat`` (``traced``: whether
    both runs were traced; untraced runs show only whether their initial weights part), and whether that
    is beyond both environments' run-to-run noise (``noise``: ``measured`` when both re-runs were
    traced, ``within`` when the part is at or after where a re-run parts from its run). None when
    they agree at every moment both recorded."""
    run_a, run_b = a.repeats(key).get(repeat), b.repeats(key).get(repeat)
    if run_a is None or run_b is None:
        return None
    found = _first_difference(run_a, run_b)
    if found is None:
        return None
    part = _described(found, run_a, run_b)
    part["traced"] = run_a.trace is not None and run_b.trace is not None
    beyond = _beyond_rounding(run_a, run_b)
    part["beyond_rounding"] = None if beyond is None else {key: beyond[key] for key in (
        "stage", "step", "epoch", "env_loss", "baseline_loss", "variable", "layer", "of", "env_l2", "baseline_l2",
        "relative", "ulps")}
    noise = [_noise_from(env, key, repeat) for env in (a, b)]
    earliest = min((index for _, index in noise if index is not None), default=None)
    part["noise"] = {"measured": all(measured for measured, _ in noise),
                     "within": earliest is not None and found[0] >= earliest}
    return part
