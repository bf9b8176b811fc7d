"""Where two runs with the same seeds part, from their traces, without a framework.

The trajectories here are NumPy's: plain gradient descent on a least-squares problem in float32,
traced with the runner's own summaries (:func:`harness.run.trace.point`). Each deliberately broken
environment changes one thing — one variable's update from step 2, one initial weight, the
arithmetic of every step within rounding, nothing at all — and the localisation must name it.
"""

import copy

import numpy as np
import pytest

from builders import report_with, run_result
from harness.contract import comparison as comparison_document
from harness.host import compare, localisation, wording
from harness.host.lineup import EnvironmentRuns
from harness.run.trace import STEPS, point

KEY = ("toy", "a", "pinned")


def trained(bias_factor=1.0, from_step=1, kernel_start=None, rounding=False, loss_factor=1.0, output_factor=1.0,
            gradient_factor=1.0, epochs=4, steps_per_epoch=5):
    """Initial weights, the weights after each step of epoch 1 that is traced, and each epoch's."""
    rng = np.random.RandomState(0)
    x = rng.normal(size=(20, 2)).astype("float32")
    y = (x @ np.array([[1.5], [-2.0]], "float32") + 0.5).astype("float32")
    kernel = np.array([[0.1], [0.2]], "float32") if kernel_start is None else kernel_start
    bias = np.zeros(1, "float32")
    initial = [("dense/kernel", kernel.copy()), ("dense/bias", bias.copy())]
    # The forward pass at the initial weights, layer by layer: a Dense, then an activation whose output
    # the broken environment scales.
    dense = x @ kernel + bias
    activation = (np.tanh(dense) * np.float32(output_factor)).astype("float32")
    layers = [dict(point([("dense", dense)])[0], name="dense"), dict(point([("activation", activation)])[0], name="activation")]
    # The loss and its gradients there (the broken environment's backward pass scales the kernel's).
    error = (dense - y) * np.float32(loss_factor)
    probed = [("dense/kernel", (x.T @ error / len(x) * np.float32(gradient_factor)).astype("float32")),
              ("dense/bias", error.mean(axis=0))]
    gradients = {"loss": float((error * error).mean()), "reason": None, "error": None,
                 "variables": [dict(point([entry])[0], name=entry[0]) for entry in probed]}
    steps, losses, ends, step, before = [], [], [], 0, [kernel, bias]
    for _ in range(epochs):
        for batch in range(steps_per_epoch):
            step += 1
            part = slice(4 * batch, 4 * batch + 4)
            error = (x[part] @ kernel + bias - y[part]) * np.float32(loss_factor)
            kernel_gradient = (x[part].T @ error / 4 * np.float32(gradient_factor)).astype("float32")
            if rounding:  # the same computation in another order: a difference in the last bits
                kernel_gradient = (kernel_gradient * np.float32(3.0) / np.float32(3.0)).astype("float32")
                kernel_gradient = np.nextafter(kernel_gradient, np.float32(np.inf))
            kernel = (kernel - np.float32(0.1) * kernel_gradient).astype("float32")
            update = np.float32(0.1) * error.mean(axis=0)
            bias = (bias - update * (np.float32(bias_factor) if step >= from_step else 1)).astype("float32")
            if len(steps) < STEPS and not ends:
                steps.append(point([("dense/kernel", kernel), ("dense/bias", bias)], before))
                losses.append(float((error * error).mean()))
                before = [kernel, bias]
        ends.append(point([("dense/kernel", kernel), ("dense/bias", bias)]))
    return initial, {"steps": steps, "losses": losses, "epochs": ends, "forward": {"layers": layers, "reason": None, "error": None},
                     "gradients": gradients}


def environment(name, replica_trace=None, **change):
    initial, trace = trained(**change)
    weights = [value for _, value in initial]
    run = run_result("a", "pinned", 0, weights=weights)
    run.entry["weights"]["initial"][0]["name"], run.entry["weights"]["initial"][1]["name"] = "dense/kernel", "dense/bias"
    run.entry["trace"] = trace
    runs = [run]
    rerun = run_result("a", "pinned", 0, weights=weights, replica=1)
    rerun.entry["weights"]["initial"] = copy.deepcopy(run.entry["weights"]["initial"])
    rerun.entry["trace"] = replica_trace if replica_trace is not None else copy.deepcopy(trace)
    runs.append(rerun)
    return EnvironmentRuns(name, report_with(runs))


def without(env, name, reason):
    """``env`` as if its Keras could not record ``name`` on the probe batch."""
    for run in list(env.runs.values()) + list(env.reruns.values()):
        entries = "layers" if name == "forward" else "variables"
        run.entry["trace"][name] = dict(run.entry["trace"][name], reason=reason, **{entries: None})
    return env


def test_the_same_environment_against_itself_parts_nowhere():
    assert localisation.localise(environment("again"), environment("base"), KEY, 0) is None


def test_one_variables_update_changed_from_step_2_is_found_there_in_that_variable():
    place = localisation.localise(environment("new", bias_factor=1.001, from_step=2), environment("base"), KEY, 0)
    assert (place["stage"], place["step"], place["variable"], place["differing"]) == (
        "step", 2, {"env": "dense/bias", "baseline": "dense/bias"}, 1), place  # a later step's loss is not compared
    first = localisation.localise(environment("new", bias_factor=1.001), environment("base"), KEY, 0)
    assert (first["stage"], first["step"], first["variable"]["baseline"]) == ("update", 1, "dense/bias")
    assert first["env_loss"] == first["baseline_loss"]
    assert place["traced"] and place["noise"] == {"measured": True, "within": False}
    assert place["of"] == "update" and place["relative"] == pytest.approx(1e-3, rel=1e-2) and place["ulps"] > 10
    assert first["probed"] == {"forward": True, "gradients": True}
    assert wording.localisation_text(first).startswith(
        "parts at the update of step 1 of epoch 1 (its loss and the probe batch's gradients the same: the optimizer's "
        "step differs) in dense/bias")
    # Without gradients on one side, the same part cannot tell the gradient from the optimizer.
    first = localisation.localise(without(environment("new", bias_factor=1.001), "gradients", "no_compiled_loss"),
                                  environment("base"), KEY, 0)
    assert first["probed"] == {"forward": True, "gradients": False}
    assert wording.localisation_text(first).startswith(
        "parts at the update of step 1 of epoch 1 (its loss the same: the gradient or the optimizer's step differ)")


def test_a_different_initial_weight_is_found_before_any_step():
    start = np.array([[0.1], [np.nextafter(np.float32(0.2), np.float32(1))]], "float32")
    place = localisation.localise(environment("new", kernel_start=start), environment("base"), KEY, 0)
    assert (place["stage"], place["variable"]["baseline"], place["differing"]) == ("initial_weights", "dense/kernel", 1)
    assert 0.5 <= place["ulps"] <= 2, place  # one float32 step in one element: about an ulp of the norm


def test_a_rounding_difference_is_found_at_step_1_and_measured_in_ulps():
    place = localisation.localise(environment("new", rounding=True), environment("base"), KEY, 0)
    assert (place["stage"], place["step"], place["variable"]["baseline"]) == ("update", 1, "dense/kernel")
    assert place["ulps"] < 100, place


def test_a_layer_whose_output_changed_is_found_in_the_forward_pass_the_layers_before_it_agreeing():
    place = localisation.localise(environment("new", output_factor=1.001), environment("base"), KEY, 0)
    assert (place["stage"], place["layer"], place["variable"], place["of"]) == (
        "forward", {"env": "activation", "baseline": "activation"}, None, "output"), place
    assert place["relative"] == pytest.approx(1e-3, rel=1e-2)
    assert wording.localisation_text(place).startswith(
        "parts at the forward pass at the same initial weights (probe batch) in layer activation (its output's L2 ")
    # Without a forward pass on one side (a subclassed model), the same change is not looked for there.
    new = without(environment("new", output_factor=1.001), "forward", "no_layer_graph")
    assert localisation.localise(new, environment("base"), KEY, 0) is None


def test_a_part_by_rounding_is_followed_to_where_the_difference_is_more_than_rounding():
    """The first bits that differ may be a reordered sum; the change a user is after comes where the
    difference outgrows rounding: here the loss of step 1 parts by one ulp (a sum in another order)
    and the same step's update by 1e-3 in one variable (an optimizer changed)."""
    new, base = environment("new", bias_factor=1.001), environment("base")
    for run in list(new.runs.values()) + list(new.reruns.values()):
        losses = run.entry["trace"]["losses"]
        losses[0] = float(np.nextafter(np.float32(losses[0]), np.float32(np.inf)))
    place = localisation.localise(new, base, KEY, 0)
    assert place["stage"] == "loss" and place["beyond_rounding"]["stage"] == "update"
    assert place["beyond_rounding"]["variable"]["baseline"] == "dense/bias" and place["beyond_rounding"]["ulps"] > 1024
    assert "; beyond rounding first the update of step 1 of epoch 1 in dense/bias (its update's L2" in \
        wording.localisation_text(place)
    broken = localisation.localise(environment("new", rounding=True), environment("base"), KEY, 0)
    assert broken["beyond_rounding"] is None and "never beyond rounding" in wording.localisation_text(broken)


def test_a_changed_loss_is_found_at_the_probe_batch_s_loss_before_any_gradient_else_at_step_1():
    place = localisation.localise(environment("new", loss_factor=1.001), environment("base"), KEY, 0)
    assert (place["stage"], place["step"]) == ("loss", None) and place["env_loss"] > place["baseline_loss"]
    assert wording.localisation_text(place).startswith("parts at the loss of the probe batch (")
    assert ", every layer's output the same: the loss differs)" in wording.localisation_text(place)
    # Where one side has no probe loss (tf.keras before 2.2), the same change is found at step 1's.
    new = without(environment("new", loss_factor=1.001), "gradients", "no_compiled_loss")
    place = localisation.localise(new, environment("base"), KEY, 0)
    assert (place["stage"], place["step"]) == ("loss", 1) and place["env_loss"] > place["baseline_loss"]
    assert wording.localisation_text(place).startswith("parts at the loss of step 1 of epoch 1 (")


def test_a_changed_backward_pass_is_found_at_the_gradients_its_loss_agreeing():
    place = localisation.localise(environment("new", gradient_factor=1.001), environment("base"), KEY, 0)
    assert (place["stage"], place["step"], place["variable"], place["of"], place["differing"]) == (
        "gradients", None, {"env": "dense/kernel", "baseline": "dense/kernel"}, "gradient", 1), place
    assert place["relative"] == pytest.approx(1e-3, rel=1e-2) and place["beyond_rounding"]["stage"] == "gradients"
    assert wording.localisation_text(place).startswith(
        "parts at the gradients at the same initial weights (probe batch), their loss the same: the backward pass "
        "differs in dense/kernel (its gradient's L2 ")
    # A probe loss that differs by rounding while a gradient differs by more: a part in the gradients.
    new = environment("new", gradient_factor=1.001)
    for run in list(new.runs.values()) + list(new.reruns.values()):
        run.entry["trace"]["gradients"]["loss"] = float(np.nextafter(
            np.float32(run.entry["trace"]["gradients"]["loss"]), np.float32(np.inf)))
    place = localisation.localise(new, environment("base"), KEY, 0)
    assert (place["stage"], place["beyond_rounding"]["stage"]) == ("loss", "gradients"), place
    # Without gradients on one side the same change is found where it shows next: step 1's update.
    new = without(environment("new", gradient_factor=1.001), "gradients", "framework_error")
    assert localisation.localise(new, environment("base"), KEY, 0)["stage"] == "update"


def test_a_trace_without_losses_parts_at_a_step_without_saying_which_half():
    new, base = environment("new", bias_factor=1.001), environment("base")
    assert localisation.localise(new, base, KEY, 0)["stage"] == "update"
    for env in (new, base):
        for run in list(env.runs.values()) + list(env.reruns.values()):
            run.entry["trace"].pop("losses")
    assert localisation.localise(new, base, KEY, 0)["stage"] == "step"


def test_a_part_where_an_environment_parts_from_its_own_re_run_is_noise():
    """An environment whose determinism re-run parts at step 1: a part at step 2 says nothing."""
    _, noisy = trained(rounding=True)
    place = localisation.localise(environment("new", bias_factor=1.001, from_step=2, replica_trace=noisy),
                                  environment("base"), KEY, 0)
    assert place["noise"] == {"measured": True, "within": True}
    assert "within run-to-run noise" in wording.localisation_text(place)


def test_runs_that_were_not_traced_part_only_at_their_initial_weights():
    new, base = environment("new", bias_factor=1.001), environment("base")
    for env in (new, base):
        for run in list(env.runs.values()) + list(env.reruns.values()):
            run.entry.pop("trace")
    assert localisation.localise(new, base, KEY, 0) is None  # nothing recorded parts: not "no difference"
    start = np.array([[0.3], [0.2]], "float32")
    new = environment("new", kernel_start=start)
    for run in new.runs.values():
        run.entry.pop("trace")
    place = localisation.localise(new, base, KEY, 0)
    assert place["stage"] == "initial_weights" and not place["traced"] and not place["noise"]["measured"]


def test_a_diverged_trace_is_localised_and_the_comparison_stays_valid(tmp_path):
    """Not-finite numbers are data: a run whose weights became NaN at step 2 is localised there, and
    the comparison holding it is written and read back against its schema."""
    new = environment("new")
    run = new.runs[KEY + (0,)]
    run.entry["trace"]["steps"][1][0].update(l2="NaN", sum="NaN", hash="0" * 16, update_l2="NaN")
    run.entry["weights"]["final"][0].update(l2="NaN", sum="NaN", hash="0" * 16)
    documents = [("new", new.report.document), ("base", environment("base").report.document)]
    comparison = compare.compare(documents, "base")
    place = comparison["comparisons"][0]["by_init_mode"]["pinned"]["localisation"]
    assert (place["stage"], place["step"], place["variable"]["baseline"]) == ("step", 2, "dense/kernel")
    assert place["beyond_rounding"]["stage"] == "step"  # NaN against a number is more than rounding
    comparison_document.write(str(tmp_path / "comparison.json"), comparison)
    assert comparison_document.load(str(tmp_path / "comparison.json"))["comparisons"][0]["by_init_mode"]["pinned"][
        "localisation"]["stage"] == "step"
    assert "parts at step 2 of epoch 1 in dense/kernel" in wording.localisation_text(place)


def test_a_difference_in_float32_residue_is_rounding_at_the_scale_of_its_step():
    """A variable whose update is residue (zero in exact arithmetic: the bias before a BatchNormalization)
    differs by 20 % of itself while the step's other updates agree: far beyond one ulp of itself, within
    rounding at the scale of the updates it was computed beside."""
    new, base = environment("new"), environment("base")
    for env, factor in ((new, 1.2), (base, 1.0)):
        for run in list(env.runs.values()) + list(env.reruns.values()):
            kernel, bias = run.entry["trace"]["steps"][0]
            bias["update_l2"] = kernel["update_l2"] * 1e-6 * factor
            bias["hash"] = "f" * 16 if factor != 1.0 else bias["hash"]
    place = localisation.localise(new, base, KEY, 0)
    assert (place["stage"], place["variable"]["baseline"]) == ("update", "dense/bias")
    assert place["relative"] == pytest.approx(0.2) and place["ulps"] > 1e6
    assert place["beyond_rounding"] is None, place
