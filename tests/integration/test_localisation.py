"""compare localises a change where it starts, on runs of the real framework (this env's).

One small case runs four times here, each in its own child processes as every run does, with one
thing changed through the environment (``HARNESS_TEST_FAULT``) in the children: nothing (the same
environment again: A/A), one variable's update (the last layer's bias multiplied by 1 + 1e-3 after
each step, as a constraint does), one initial weight (one float32 step in one element of the pinned
first kernel), the loss (its reduction scaled by 1 + 1e-3), one layer's output (scaled by 1 + 1e-3), the
backward pass (the gradient through one layer scaled by 1 + 1e-3, its output untouched). Each change
must be localised to its stage and variable; the A/A pair to nothing. One more child breaks loudly:
its layer raises on the probe batch, and the run stands with the framework's error as data.
"""

import json

import pytest

from harness.host import compare, wording
from harness_process import run_harness

CASE = '''
import os

import numpy as np

from harness.case import Case, Variant
from harness.run.execution import default_pinned_weights

FAULT = os.environ.get("HARNESS_TEST_FAULT", "")


def make_data(rng, profile):
    x = rng.normal(0, 1, (96, 4)).astype("float32")
    return {"x": x, "y": x[:, :1] - 0.5 * x[:, 1:2] + 0.5}


def scaled_backward(fw):
    """The identity whose gradient is scaled by 1 + 1e-3: the backward pass changed, nothing else."""
    @fw.keras.ops.custom_gradient
    def identity(t):
        def gradient(*arguments, upstream=None):
            return (arguments[0] if upstream is None else upstream) * 1.001
        return t, gradient
    return identity


def scale(fw, factor):
    def scaled(t):
        if FAULT == "probe_raises" and fw.tf.executing_eagerly():  # the probe runs eagerly, fit in a graph
            raise ValueError("this layer refuses the probe batch")
        return scaled_backward(fw)(t) if FAULT == "gradients" else t * factor
    return scaled


def build(fw, data, profile):
    constraint = (lambda w: w * 1.001) if FAULT == "update" else None
    model = fw.Sequential()
    factor = 1.001 if FAULT == "forward" else 1.0  # one layer's output scaled: exact identity unbroken
    model.add(fw.layers.Dense(3, input_shape=(4,), activation="tanh"))
    model.add(fw.layers.Lambda(scale(fw, factor), name="scale"))
    model.add(fw.layers.Dense(1, bias_constraint=constraint))
    loss = "mean_squared_error"
    if FAULT == "loss":  # the loss's reduction changed by a factor: every step's loss and gradient with it
        mean_squared_error = fw.keras.losses.MeanSquaredError()
        loss = lambda y_true, y_pred: mean_squared_error(y_true, y_pred) * 1.001
    model.compile(optimizer=fw.optimizer("SGD", 0.05), loss=loss)
    return model


def pinned(rng, initial):
    weights = default_pinned_weights(rng, initial)
    if FAULT == "initial":
        weights[0][0, 0] = np.nextafter(weights[0][0, 0], np.float32(np.inf))
    return weights


CASE = Case(id="traced", title="Traced", sources=("tests",), make_data=make_data,
            fit_options={"epochs": 3, "batch_size": 32, "shuffle": False},
            variants=(Variant("only", build, pinned_weights=pinned),), checks=())
'''


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("localisation")
    (folder / "cases").mkdir()
    (folder / "cases" / "traced.py").write_text(CASE)
    made = {}
    for fault in ("", "again", "update", "initial", "loss", "forward", "gradients", "probe_raises"):
        output = folder / "{}.json".format(fault or "base")
        completed = run_harness("run", "--cases", str(folder / "cases"), "--env", fault or "base", "--output", str(output),
                                "--repeats", "1", "--init-mode", "pinned", environment={"HARNESS_TEST_FAULT": fault})
        assert completed.returncode == 0, completed.stdout[-3000:]
        made[fault or "base"] = json.loads(output.read_text())
    return made


def localised(reports, name):
    comparison = compare.compare([(name, reports[name]), ("base", reports["base"])], "base")
    return comparison["comparisons"][0]["by_init_mode"]["pinned"]


def test_every_pinned_run_and_its_re_run_carry_a_trace(reports):
    runs = reports["base"]["cases"][0]["runs"]
    traced = [run for run in runs if run["init_mode"] == "pinned"]
    assert len(traced) == 2 and all(len(run["trace"]["steps"]) == 3 and len(run["trace"]["epochs"]) == 3 for run in traced)
    assert all(len(point) == 4 for run in traced for point in run["trace"]["steps"])  # every variable
    assert all([layer["name"] for layer in run["trace"]["forward"]["layers"]][1] == "scale" for run in traced)
    gradients = [run["trace"]["gradients"] for run in traced]
    names = [weight["name"] for weight in runs[0]["weights"]["initial"]]
    assert all([entry["name"] for entry in found["variables"]] == names for found in gradients)
    # The probe batch is fit's first (32 samples, not shuffled): its loss is the loss fit reported for step 1,
    # and plain SGD's first update is the learning rate times its gradients, as fit itself applied them.
    for run, found in zip(traced, gradients):
        assert found["loss"] == pytest.approx(run["trace"]["losses"][0], rel=1e-6)
        updates = [entry["update_l2"] for entry in run["trace"]["steps"][0]]
        assert updates == pytest.approx([0.05 * entry["l2"] for entry in found["variables"]], rel=1e-4)


def test_a_probe_the_framework_refuses_is_recorded_as_its_error_and_the_run_stands(reports):
    """Loud breakage: the layer raises on the probe batch. The forward pass and the gradients say why
    they are missing, with the framework's error, and the run's own numbers stand."""
    runs = [run for run in reports["probe_raises"]["cases"][0]["runs"] if run["init_mode"] == "pinned"]
    assert runs and all(run["status"] == "ok" for run in runs)
    for run in runs:
        for name, entries in (("forward", "layers"), ("gradients", "variables")):
            probed = run["trace"][name]
            assert (probed[entries], probed["reason"], probed["error"]["type"]) == (None, "framework_error", "ValueError")
            assert "refuses the probe batch" in probed["error"]["message"]
    base = [run for run in reports["base"]["cases"][0]["runs"] if run["init_mode"] == "pinned"]
    assert [run["history"] for run in runs] == [run["history"] for run in base]


def test_the_same_environment_again_parts_nowhere(reports, localised_summary):
    result = localised(reports, "again")
    assert result["materiality"] == "identical" and result["localisation"] is None
    localised_summary.append(("A/A", result["localisation"] is None))


def test_a_changed_update_of_one_variable_is_localised_to_the_update_of_step_1_and_that_variable(reports, localised_summary):
    result = localised(reports, "update")
    place = result["localisation"]
    bias = reports["base"]["cases"][0]["runs"][0]["weights"]["initial"][-1]["name"]
    found = place is not None and (place["stage"], place["step"], place["variable"]["baseline"], place["differing"]) == (
        "update", 1, bias, 1)
    localised_summary.append(("update", found))
    assert found, place
    assert place["noise"] == {"measured": True, "within": False}
    print(wording.localisation_text(place))


def test_a_changed_initial_weight_is_localised_to_the_initial_weights_and_that_kernel(reports, localised_summary):
    result = localised(reports, "initial")
    place = result["localisation"]
    kernel = reports["base"]["cases"][0]["runs"][0]["weights"]["initial"][0]["name"]
    found = place is not None and (place["stage"], place["variable"]["baseline"], place["differing"]) == (
        "initial_weights", kernel, 1)
    localised_summary.append(("initial", found))
    assert found, place
    assert place["ulps"] < 2
    print(wording.localisation_text(place))


def test_a_changed_loss_is_localised_to_the_loss_of_the_probe_batch(reports, localised_summary):
    place = localised(reports, "loss")["localisation"]
    found = place is not None and (place["stage"], place["step"]) == ("loss", None)
    localised_summary.append(("loss", found))
    assert found, place
    assert place["env_loss"] == pytest.approx(place["baseline_loss"] * 1.001, rel=1e-5)
    print(wording.localisation_text(place))


def test_a_layer_whose_output_changed_is_localised_to_the_forward_pass_at_that_layer(reports, localised_summary):
    place = localised(reports, "forward")["localisation"]
    found = place is not None and (place["stage"], place["layer"]) == ("forward", {"env": "scale", "baseline": "scale"})
    localised_summary.append(("forward", found))
    assert found, place
    assert place["relative"] == pytest.approx(1e-3, rel=1e-3)
    print(wording.localisation_text(place))


def test_a_changed_backward_pass_is_localised_to_the_gradients_of_the_layer_before_it(reports, localised_summary):
    place = localised(reports, "gradients")["localisation"]
    first_dense = [weight["name"] for weight in reports["base"]["cases"][0]["runs"][0]["weights"]["initial"]][:2]
    found = place is not None and (place["stage"], place["of"], place["differing"]) == ("gradients", "gradient", 2) and \
        place["variable"]["baseline"] in first_dense
    localised_summary.append(("gradients", found))
    assert found, place
    assert place["relative"] == pytest.approx(1e-3, rel=1e-2) and place["beyond_rounding"]["stage"] == "gradients"
    print(wording.localisation_text(place))
