"""Where two runs from the same start part: the first moment of training at which their weights differ.

compare says *that* two environments differ and why; this says *where it starts*. Each traced run
(:mod:`harness.run.trace`) holds every variable's summary at its initial weights, after each of the
first training steps (with the loss ``fit`` reported for each) and at the end of every epoch.
Walking those moments in order, the first at which any variable's exact bytes (or a loss) differ
between the two environments is where they part: the ``initial_weights`` (an initialiser or a
pinned weight set differently); on a probe batch at those weights, the ``forward`` pass (the first
layer, in the model's order, whose output differs while every layer it reads agrees: Muffin's
criterion, without its fixed thresholds), the ``loss`` computed from outputs that agree, the
``gradients`` of a loss that agrees (the backward pass); at step 1, its ``loss`` (the batch, drawn
or masked differently, when the cause is training randomness) or else its ``update`` (the same
loss and gradients, different weights after it: the optimizer's step); a later ``step`` k of epoch 1
(its loss is not compared: TF 1.x reports a batch's, later versions the mean so far); or ``epoch`` e
(something the first steps do not do: a callback, a later schedule, an epoch-end update). The layer
or variable named is the one that moved most there, named as each environment names it, with the
size of the difference relative and in float32 units in the last place (ulps) at the scale of its
L2 norm — of the output, the gradient, the update the step made to it (which variable's update
differs most), elsewhere of the weight: one ulp is a rounding, 10^6 a different computation.

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

# Where two runs part, in the order training meets them: the initial weights; on the probe batch at those
# weights a layer's output (forward), the loss, a variable's gradient; at step k of epoch 1 its loss
# (computed on the same weights: the forward pass or the loss differ, or the batch does), else its update
# (the optimizer's step; "step" where the loss was not recorded); the end of an epoch.
STAGES = ("initial_weights", "forward", "loss", "gradients", "update", "step", "epoch")
# A moment that holds a loss and what is computed from it: where the loss agrees, the part is in the latter.
FROM_LOSS = {"gradients": "gradients", "step": "update"}
# A difference within this many float32 units in the last place of the value it is in is what doing the same
# operations in another order leaves (measured here: 1 to 99 ulps between TF 1.14, 2.15 and 2.21 where
# nothing but the order changed); a changed computation leaves 10^4 and more (an update x(1 + 1e-3): 1.2e4).
ROUNDING_ULPS = 1024
# (stage, step or epoch, every variable's summary, the loss computed there)
Moment = Tuple[str, Optional[int], List[Dict[str, Any]], Optional[float]]


def _probed(run: Run, name: str, entries: str) -> Optional[List[Dict[str, Any]]]:
    """What the run recorded on the probe batch at its initial weights (``forward``: every layer's
    output, ``gradients``: every trainable variable's gradient), where it did."""
    return ((run.trace or {}).get(name) or {}).get(entries)


def moments(run: Run, forward: bool, gradients: bool) -> List[Moment]:
    """The run's moments in training order, the ``forward`` pass and the loss and ``gradients`` on the
    probe batch among them where both runs compared recorded them alike. A run that was not traced
    (framework init, later repeats) has its initial weights only."""
    initial = [{"sum": weight.sum, "l2": weight.l2, "hash": weight.hash} for weight in run.weights("initial")]
    trace = run.trace or {"steps": [], "epochs": []}
    loss = _probed(run, "gradients", "loss")
    probe = ([("forward", None, _decoded(_probed(run, "forward", "layers") or []), None)] if forward else []) + (
        [("gradients", None, _decoded(_probed(run, "gradients", "variables") or []),
          None if loss is None else decode_float(loss))] if gradients else [])
    # Step 1's loss only: fit reports a batch's loss in TF 1.x and the mean over the epoch's batches so far
    # later, which agree at the first step alone; after it, a step says where, not which half.
    losses = [decode_float(loss) if loss is not None else None for loss in trace.get("losses", [])[:1]]
    return ([("initial_weights", None, initial, None)] + probe
            + [("step", step, _decoded(point), losses[step - 1] if step <= len(losses) else None)
               for step, point in enumerate(trace["steps"], 1)]
            + [("epoch", epoch, _decoded(point), None) for epoch, point in enumerate(trace["epochs"], 1)])


def _decoded(point: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A trace point's numbers as floats (a diverged run writes "NaN" and "Infinity" into the file)."""
    return [{key: value if key in ("hash", "name") else decode_float(value) for key, value in entry.items()}
            for entry in point]


def _same_number(x: Optional[float], y: Optional[float]) -> bool:
    return x is None or y is None or x == y or (math.isnan(x) and math.isnan(y))


def ulps(difference: float, scale: float) -> float:
    """``difference`` in float32 units in the last place at the magnitude of ``scale``."""
    return abs(difference) / float(np.spacing(np.float32(max(abs(scale), np.finfo(np.float32).tiny))))


def _alike(run_a: Run, run_b: Run) -> Dict[str, bool]:
    """Which of the probe batch's records (``forward``: the layers' outputs, ``gradients``) both runs
    hold with as many entries: only those compare entry by entry (a Keras without a way to compute
    one, a subclassed model, leave it out)."""
    alike = {}
    for name, entries in (("forward", "layers"), ("gradients", "variables")):
        ours, theirs = _probed(run_a, name, entries), _probed(run_b, name, entries)
        alike[name] = ours is not None and theirs is not None and len(ours) == len(theirs)
    return alike


def _differences(run_a: Run, run_b: Run, alike: Dict[str, bool]) -> Iterator[Tuple[int, Moment, Moment]]:
    """Every moment both runs recorded at which a variable's bytes (or the loss there) differ, in
    training order, with its index and both moments (the probe's where ``alike`` says so)."""
    ours, theirs = (moments(run, alike["forward"], alike["gradients"]) for run in (run_a, run_b))
    for index, (moment_a, moment_b) in enumerate(zip(ours, theirs)):
        if moment_a[0] != moment_b[0]:  # one run trained fewer steps in epoch 1 than the other traced
            yield index, moment_a, moment_b
            return
        if [entry["hash"] for entry in moment_a[2]] != [entry["hash"] for entry in moment_b[2]] or not _same_number(
                moment_a[3], moment_b[3]):
            yield index, moment_a, moment_b


def _beyond_rounding(place: Dict[str, Any], moment: Moment) -> Optional[Dict[str, Any]]:
    """``place`` if its difference is more than rounding: beyond :data:`ROUNDING_ULPS` at the scale of
    the largest value of its kind at that moment (every layer's output, every gradient, every
    update, every weight): rounding is relative to the terms a result is computed from, not to the
    result, and a result far smaller than its terms — a gradient that is zero in exact arithmetic,
    a BatchNormalization's input bias — is their float32 residue, as far apart in two environments
    as it is large. A loss that differs by rounding while what is computed from it (the gradients,
    the update) differs by more is a part there."""
    if place["stage"] == "loss" and ulps(place["env_loss"] - place["baseline_loss"],
                                         place["baseline_loss"]) > ROUNDING_ULPS:
        return place
    if place["ulps"] is None:
        return None
    if not math.isfinite(place["env_l2"] - place["baseline_l2"]):  # one side diverged: no rounding does that
        return None if _same_number(place["env_l2"], place["baseline_l2"]) else place
    norm = "update_l2" if place["of"] == "update" else "l2"
    scale = max([abs(entry[norm]) for entry in moment[2] if math.isfinite(entry.get(norm, math.nan))]
                + [abs(place["baseline_l2"])])
    if ulps(place["env_l2"] - place["baseline_l2"], scale) > ROUNDING_ULPS:
        return dict(place, stage=FROM_LOSS[moment[0]]) if place["stage"] == "loss" else place
    return None


def _at(moment_a: Moment, moment_b: Moment) -> Dict[str, Any]:
    """The stage two first-differing moments name, with the step or epoch and the losses there."""
    stage, number, _, loss = moment_b
    if stage in FROM_LOSS and loss is not None and moment_a[3] is not None:
        stage = "loss" if not _same_number(moment_a[3], loss) else FROM_LOSS[stage]
    with_loss = moment_b[0] in FROM_LOSS
    return {"stage": stage, "step": number if moment_b[0] == "step" else None,
            "epoch": number if stage == "epoch" else None,
            "env_loss": moment_a[3] if with_loss else None, "baseline_loss": loss if with_loss else None}


def _sized(place: Dict[str, Any], x: float, y: float) -> Dict[str, Any]:
    """``place`` with the two L2 norms that differ and the difference relative and in ulps."""
    return dict(place, env_l2=x, baseline_l2=y, relative=abs(x - y) / max(abs(y), 1e-30), ulps=ulps(x - y, y))


def _unsized(place: Dict[str, Any], of: str, differing: Optional[int]) -> Dict[str, Any]:
    return dict(place, variable=None, layer=None, differing=differing, of=of, env_l2=None, baseline_l2=None,
                relative=None, ulps=None)


def _described(found: Tuple[int, Moment, Moment], run_a: Run, run_b: Run) -> Dict[str, Any]:
    """The first differing moment as data: its stage and step or epoch, the layer or variable that
    moved most there (named as each environment names it), how many differ, and the size."""
    _, moment_a, moment_b = found
    place = _at(moment_a, moment_b)
    differing = [index for index, (x, y) in enumerate(zip(moment_a[2], moment_b[2])) if x["hash"] != y["hash"]]
    if moment_b[0] == "forward":
        # The first layer, in the model's order, whose output differs: every layer it reads comes before it and agrees.
        x, y = moment_a[2][differing[0]], moment_b[2][differing[0]]
        return _sized(dict(place, variable=None, layer={"env": x["name"], "baseline": y["name"]},
                           differing=len(differing), of="output"), x["l2"], y["l2"])
    if moment_b[0] == "gradients":
        names_a, names_b = [x["name"] for x in moment_a[2]], [y["name"] for y in moment_b[2]]
        of, norm = "gradient", "l2"
    else:
        names_a = [weight.name for weight in run_a.weights("initial")]
        names_b = [weight.name for weight in run_b.weights("initial")]
        if len(moment_a[2]) != len(moment_b[2]) or len(names_a) != len(names_b):
            return _unsized(place, "weights", None)
        # At a step, everything before it agreed: what differs is the update the step made, and its norm
        # says which variable's update differs most (a weight's norm would favour a bias near zero).
        of = "update" if all("update_l2" in x and "update_l2" in y for x, y in zip(moment_a[2], moment_b[2])) else "weights"
        norm = "update_l2" if of == "update" else "l2"

    def size(index: int) -> float:
        x, y = moment_a[2][index][norm], moment_b[2][index][norm]
        return abs(x - y) / max(abs(y), 1e-30)

    if not differing:  # only the loss differs, or one run's epoch 1 had fewer steps than were traced
        return _unsized(place, of, 0)
    largest = max(differing, key=size)
    return _sized(dict(place, variable={"env": names_a[largest], "baseline": names_b[largest]}, layer=None,
                       differing=len(differing), of=of), moment_a[2][largest][norm], moment_b[2][largest][norm])


def _noise_from(env: EnvironmentRuns, key: Key, repeat: int) -> Tuple[bool, Optional[int]]:
    """Whether the environment's own re-run of ``key``'s ``repeat`` was traced, and the index of the
    first moment at which the two part (None: they agree throughout)."""
    run, rerun = env.runs.get(key + (repeat,)), env.reruns.get(key + (repeat,))
    if run is None or rerun is None or run.trace is None or rerun.trace is None or not rerun.finished:
        return False, None
    found = next(_differences(rerun, run, _alike(rerun, run)), None)
    return True, None if found is None else found[0]


def localise(a: EnvironmentRuns, b: EnvironmentRuns, key: Key, repeat: int) -> Optional[Dict[str, Any]]:
    """Where environment ``a`` parts from baseline ``b`` on ``key``'s ``repeat`` (``traced``: whether
    both runs were traced; untraced runs show only whether their initial weights part), the first
    moment where that is more than rounding (``beyond_rounding``), and whether it is beyond both
    environments' run-to-run noise (``noise``: ``measured`` when both re-runs were traced, ``within``
    when the part is at or after where a re-run parts from its run). None when they agree at every
    moment both recorded. One walk through the moments: the first that differs, then on to the first
    beyond rounding."""
    run_a, run_b = a.repeats(key).get(repeat), b.repeats(key).get(repeat)
    if run_a is None or run_b is None:
        return None
    alike = _alike(run_a, run_b)
    first = None  # type: Optional[Tuple[int, Dict[str, Any]]]
    beyond = None  # type: Optional[Dict[str, Any]]
    for found in _differences(run_a, run_b, alike):
        place = _described(found, run_a, run_b)
        first = first or (found[0], place)
        beyond = _beyond_rounding(place, found[2])
        if beyond is not None:
            break
    if first is None:
        return None
    index, part = first
    part["traced"] = run_a.trace is not None and run_b.trace is not None
    part["probed"] = alike
    part["beyond_rounding"] = None if beyond is None else {key: beyond[key] for key in (
        "stage", "step", "epoch", "env_loss", "baseline_loss", "variable", "layer", "of", "env_l2", "baseline_l2",
        "relative", "ulps")}
    noise = [_noise_from(env, key, repeat) for env in (a, b)]
    earliest = min((found for _, found in noise if found is not None), default=None)
    part["noise"] = {"measured": all(measured for measured, _ in noise),
                     "within": earliest is not None and index >= earliest}
    return part
