"""Ready-made ``measure`` functions for checks, so that case files stay declarative.

Each function here takes variant names and returns ``measure(runs) -> Measurement``, where
``runs`` maps a variant name to its :class:`harness.run_result.RunResult` for one init mode and
seed. Differences are NaN-aware: two NaNs in the same place are equal (the same divergence),
a NaN facing a number is an infinite difference.
"""

import math
from typing import Any, Callable, Dict, Mapping, Sequence

import numpy as np

from harness.case import Measurement
from harness.run.run_result import RunResult

Measure = Callable[[Mapping[str, RunResult]], Measurement]

# The order in which a training run's quantities come into being: the first one that differs
# tells where two runs parted (before training, during it, or only at the end).
TRAJECTORY = ("initial_weights", "loss", "val_loss", "final_weights")


def max_abs_difference(a: Any, b: Any) -> float:
    """Largest |a - b| over all elements, NaN-aware; infinite when the shapes differ."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        difference = np.where(both_nan, 0.0, np.abs(a - b))
    difference = np.where(np.isnan(difference), np.inf, difference)
    return float(difference.max())


def _weights_difference(a: Sequence[Any], b: Sequence[Any]) -> float:
    if len(a) != len(b):
        return float("inf")
    return max([max_abs_difference(x, y) for x, y in zip(a, b)] or [0.0])


def _component(run: RunResult, name: str) -> Any:
    if name in ("loss", "val_loss"):
        return run.history.get(name, [])
    return run.arrays.get(name, [])


def trajectory_difference(first: str, second: str, tolerance: float = 0.0) -> Measure:
    """How far two variants' training runs are apart, component by component.

    The value is the largest difference over initial weights, per-epoch ``loss`` and
    ``val_loss``, and final weights; ``details`` gives each component and names the
    ``first_divergence``: the first component, in the order they come into being, whose
    difference exceeds ``tolerance``.
    """
    def measure(runs: Mapping[str, RunResult]) -> Measurement:
        details = {}  # type: Dict[str, Any]
        for name in TRAJECTORY:
            a, b = _component(runs[first], name), _component(runs[second], name)
            if name.endswith("weights"):
                details[name] = _weights_difference(a, b)
            else:
                details[name] = max_abs_difference(a, b)
        parted = [name for name in TRAJECTORY if not details[name] <= tolerance]
        details["first_divergence"] = parted[0] if parted else None
        # A trajectory is its epochs: with none trained on either side there is nothing to compare.
        epochs = max(len(_component(runs[variant], "loss")) for variant in (first, second))
        return Measurement(max(details[name] for name in TRAJECTORY), details, evidence=epochs)
    return measure


def output_difference(first: str, second: str, when: str = "initial") -> Measure:
    """Max |Δ| between two variants' predictions on the case's probe inputs."""
    key = "probe_" + when

    def measure(runs: Mapping[str, RunResult]) -> Measurement:
        a, b = runs[first].arrays[key], runs[second].arrays[key]
        return Measurement(max_abs_difference(a, b), evidence=int(np.size(a)))
    return measure


def final_metric(variant: str, metric: str) -> Measure:
    """The last epoch's value of ``metric`` (a key of the Keras history) for one variant."""
    def measure(runs: Mapping[str, RunResult]) -> Measurement:
        value = runs[variant].final_value(metric)
        return Measurement(value, evidence=0 if metric not in runs[variant].final else 1)
    return measure


def final_metric_gap(metric: str, larger: str, smaller: str) -> Measure:
    """``larger``'s final ``metric`` minus ``smaller``'s: positive when the ordering holds."""
    def measure(runs: Mapping[str, RunResult]) -> Measurement:
        a, b = runs[larger].final_value(metric), runs[smaller].final_value(metric)
        present = all(metric in runs[variant].final for variant in (larger, smaller))
        return Measurement(a - b, {larger: a, smaller: b}, evidence=1 if present else 0)
    return measure


def unit_spread(variant: str, layer_weights: Sequence[int]) -> Measure:
    """How different the units of some layers are after training: 0 means all identical.

    For each listed weight index (a Dense kernel, shape ``(inputs, units)``, or its bias),
    the largest |w[..., j] - w[..., 0]| over units ``j``: units that received identical
    gradients from identical starting weights stay exactly equal.
    """
    def measure(runs: Mapping[str, RunResult]) -> Measurement:
        weights = runs[variant].arrays["final_weights"]
        details = {}
        compared = 0
        for index in layer_weights:
            value = np.asarray(weights[index], dtype=np.float64)
            details["weight_{}".format(index)] = max_abs_difference(value, np.broadcast_to(value[..., :1], value.shape))
            compared += int(value.size)
        return Measurement(max(details.values()) if details else math.nan, details, evidence=compared)
    return measure
