import math

import numpy as np

from builders import run_result
from harness.measures import max_abs_difference, trajectory_difference, unit_spread


def test_max_abs_difference_is_nan_aware():
    assert max_abs_difference([1.0, math.nan], [1.0, math.nan]) == 0.0
    assert max_abs_difference([1.0, math.nan], [1.0, 2.0]) == math.inf
    assert max_abs_difference([1.0, 2.0], [1.0, 2.5]) == 0.5
    assert max_abs_difference([1.0], [1.0, 2.0]) == math.inf
    assert max_abs_difference([], []) == 0.0


def test_trajectory_names_the_first_component_that_differs():
    a = run_result("a", loss=(1.0, 0.5))
    b = run_result("b", loss=(1.0, 0.75))
    measurement = trajectory_difference("a", "b")({"a": a, "b": b})
    assert measurement.value == 0.25
    assert measurement.details["first_divergence"] == "loss"
    assert measurement.details["initial_weights"] == 0.0


def test_unit_spread_is_zero_only_for_identical_units():
    same = run_result("c", weights=[np.ones((3, 4), "float32"), np.zeros(4, "float32")])
    assert unit_spread("c", (0, 1))({"c": same}).value == 0.0
    kernel = np.ones((3, 4), "float32")
    kernel[1, 2] = 1.5
    apart = run_result("c", weights=[kernel, np.zeros(4, "float32")])
    measurement = unit_spread("c", (0, 1))({"c": apart})
    assert measurement.value == 0.5 and measurement.details == {"weight_0": 0.5, "weight_1": 0.0}
