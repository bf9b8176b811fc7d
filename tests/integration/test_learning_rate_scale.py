"""--learning-rate-scale (the known change behind the power measurement) really scales the step,
on TF 2 / Keras 3 here and on a TF 1.x graph (where an unrun ``assign`` would change nothing)."""

import json

import pytest

from harness.contract.strict_json import decode_float
from harness_process import run_harness
from tox_envs import tox_env

# One SGD step from pinned weights: w1 - w0 = -lr * g, so scaling lr scales every weight's move.
ONE_STEP = '''
from harness.case import Case, Variant


def make_data(rng, profile):
    x = rng.normal(0, 1, (40, 4)).astype("float32")
    return {"x": x, "y": x[:, :1] + 0.5}


def build(fw, data, profile):
    model = fw.Sequential()
    model.add(fw.layers.Dense(1, input_shape=(4,)))
    model.compile(optimizer=fw.optimizer("SGD", 0.1), loss="mean_squared_error")
    return model


CASE = Case(id="one_step", title="One SGD step", sources=("tests",), make_data=make_data,
            fit_options={"epochs": 1, "batch_size": 40, "shuffle": False}, variants=(Variant("only", build),), checks=())
'''
ARGUMENTS = ("--repeats", "1", "--init-mode", "pinned", "--no-determinism-rerun", "--no-controlled-runs")


def moves(document):
    """How far each weight's sum moved in the one step."""
    run = document["cases"][0]["runs"][0]
    return [decode_float(after["sum"]) - decode_float(before["sum"])
            for before, after in zip(run["weights"]["initial"], run["weights"]["final"])]


@pytest.mark.parametrize("env", [None, "tf114"])
def test_the_scaled_step_is_the_step_times_the_scale(env, make_cases, tmp_path):
    cases = make_cases({"one_step.py": ONE_STEP})
    found = {}
    for scale in ("1", "1.5"):
        output = tmp_path / "scale{}.json".format(scale)
        arguments = ("--cases", cases, "--learning-rate-scale", scale) + ARGUMENTS
        if env is None:
            completed = run_harness("run", "--output", str(output), *arguments)
        else:
            completed = tox_env(env, output, *arguments)
        assert completed.returncode == 0, completed.stdout[-3000:]
        found[scale] = moves(json.loads(output.read_text()))
    assert all(abs(move) > 1e-3 for move in found["1"])  # the step moved every weight
    assert found["1.5"] == pytest.approx([1.5 * move for move in found["1"]], rel=1e-4)
