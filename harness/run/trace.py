"""Where a run's weights go, step by step and epoch by epoch: what lets compare say where two
environments part, not only that they do.

Recorded in the runs that compare element by element across environments (pinned and controlled
init, repeat 0, and its determinism re-run, which measures the run-to-run noise the same way): a
summary of every variable (sum, L2 norm, exact-bytes hash, as the initial and final weights are
summarised) after each of the first :data:`STEPS` steps of training, with the L2 norm of the update
the step made (which variable's update differs most, where a bias's tiny norm would otherwise
dwarf a kernel's) and the loss ``fit`` reported for it (computed before the update: whether the
forward pass and loss or the update parted), at the end of every epoch (the seed answer's per-epoch
kernel sums, kept so that two environments' trajectories can be laid side by side), and on a probe
batch at the initial weights every layer's output (which layer's output parts while its inputs
agree), the loss and every trainable variable's gradient (whether the backward pass parts before
the optimizer makes an update of it). The variables are in the order of the run's ``weights.initial``
(the gradients in ``trainable_weights`` order, named). Its size is bounded: ((STEPS + epochs) x
variables + layers + trainable variables) x about 80 bytes per traced run. Standard library and
NumPy only: it runs inside every environment.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from harness.contract.report import error_entry
from harness.contract.vocabulary import CONTROLLED
from harness.run.fingerprint import array_fingerprint

# The runs that start from the same weights in every environment: only theirs compare step by step.
TRACED_MODES = ("pinned", CONTROLLED)
# The first steps are where a change in the arithmetic of one step shows before it mixes with others.
STEPS = 3
# Samples of the probe batch each layer's output is computed on: the first of the training data.
PROBE = 32


def point(named_weights: Sequence[Tuple[str, Any]], before: Optional[Sequence[Any]] = None) -> List[Dict[str, Any]]:
    """Every variable at one moment: its sum and L2 norm (how far apart) and hash (whether at all);
    with the values ``before`` a step, the L2 norm of the update the step made too."""
    summaries = []
    for index, (_, value) in enumerate(named_weights):
        whole = array_fingerprint(value)
        summary = {"sum": whole["sum"], "l2": whole["l2"], "hash": whole["hash"]}
        if before is not None:
            update = np.asarray(value, np.float64) - np.asarray(before[index], np.float64)
            summary["update_l2"] = float(np.sqrt((update * update).sum()))
        summaries.append(summary)
    return summaries


class Trace(object):
    """Collects the points as ``fit`` runs: hooks for the framework's batch-end and epoch-end
    callbacks (:meth:`harness.run.framework.Framework.at_batch_end`). ``initial`` are the weights
    training starts from: the first step's update is measured against them."""

    def __init__(self, weights: Callable[[Any], List[Tuple[str, Any]]], initial: Sequence[Tuple[str, Any]]) -> None:
        self._weights = weights  # model -> [(name, value)]: the framework's own reading of a model's weights
        self._before = [np.array(value) for _, value in initial]
        self.steps = []  # type: List[List[Dict[str, Any]]]
        self.losses = []  # type: List[Optional[float]]
        self.epochs = []  # type: List[List[Dict[str, Any]]]

    def after_batch(self, model: Any, logs: Any) -> None:
        if not self.epochs and len(self.steps) < STEPS:
            now = self._weights(model)
            self.steps.append(point(now, self._before))
            self._before = [np.array(value) for _, value in now]
            self.losses.append(_loss(logs))

    def after_epoch(self, model: Any) -> None:
        self.epochs.append(point(self._weights(model)))

    def as_record(self) -> Dict[str, Any]:
        return {"steps": self.steps, "losses": self.losses, "epochs": self.epochs}


def _loss(logs: Any) -> Optional[float]:
    """The loss ``fit`` reported as a step ended (TF 1.x: the batch's; later: the mean over the epoch's
    batches so far, equal in two runs exactly when every batch's loss so far was): computed on the
    weights before the step, so a difference there is in the forward pass or the loss, not the update."""
    value = (logs or {}).get("loss")
    try:
        return float(np.asarray(value))
    except (TypeError, ValueError):
        return None


def forward(fw: Any, model: Any, initial: Sequence[Tuple[str, Any]], inputs: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Every layer's output at the initial weights on the probe batch, in training mode, summarised:
    where the forward pass parts, layer by layer. ``layers`` is None, with the ``reason``, where it
    cannot be made (see :func:`_on_probe`; ``no_layer_graph``: a subclassed model)."""
    outputs, reason, error = _on_probe(fw, model, initial, inputs, lambda probe: fw.layer_outputs(model, probe["x"]),
                                       "no_layer_graph")
    layers = None if outputs is None else [_summary(name, value) for name, value in outputs]
    return {"layers": layers, "reason": reason, "error": error}


def gradients(fw: Any, model: Any, initial: Sequence[Tuple[str, Any]], inputs: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The compiled loss at the initial weights on the probe batch and its gradient with respect to
    every trainable variable, summarised: whether the loss or the backward pass parts before the
    optimizer makes anything of it. ``variables`` is None, with the ``reason``, where it cannot be
    made (see :func:`_on_probe`; ``no_compiled_loss``: a Keras that computes its loss only inside ``fit``)."""
    found, reason, error = _on_probe(fw, model, initial, inputs, lambda probe: fw.loss_and_gradients(
        model, probe["x"], probe.get("y"), probe.get("sample_weight")), "no_compiled_loss")
    loss, named = found if found is not None else (None, None)
    variables = None if named is None else [_summary(name, value) for name, value in named]
    return {"loss": loss, "variables": variables, "reason": reason, "error": error}


def _summary(name: str, value: Any) -> Dict[str, Any]:
    return dict(point([(name, value)])[0], name=name)


def _on_probe(fw: Any, model: Any, initial: Sequence[Tuple[str, Any]], inputs: Optional[Dict[str, Any]],
              compute: Callable[[Dict[str, Any]], Any], missing: str) -> Tuple[Any, Optional[str], Optional[Dict[str, Any]]]:
    """``compute`` on the probe batch (the first :data:`PROBE` training samples of ``fit``'s arrays
    ``inputs``: x, y and sample_weight; None for a pipeline) at the
    initial weights: what it found, else why not and the framework's error. Made after the run, once
    its numbers are recorded (the weights are set back to ``initial``, and a pass in training mode
    draws Dropout masks and moves BatchNormalization's statistics, which must not touch the training
    traced). Why not: ``input_pipeline`` (the case feeds ``fit`` a pipeline of its own: no probe batch),
    ``missing`` (``compute`` found nothing to compute here), ``framework_error``: the framework's
    failure, which is data like any other."""
    if inputs is None:
        return None, "input_pipeline", None
    try:
        fw.set_weights(model, [value for _, value in initial])
        found = compute({key: _first(inputs[key], PROBE) for key in ("x", "y", "sample_weight") if inputs.get(key) is not None})
    except Exception as error:  # the framework's failure to compute it: recorded, the run stands
        return None, "framework_error", error_entry(type(error).__name__, str(error))
    return found, None if found is not None else missing, None


def _first(x: Any, count: int) -> Any:
    """The first ``count`` samples of one input array, or of each of several (a list or dict)."""
    if isinstance(x, dict):
        return {key: value[:count] for key, value in x.items()}
    if isinstance(x, (list, tuple)):
        return [value[:count] for value in x]
    return x[:count]
