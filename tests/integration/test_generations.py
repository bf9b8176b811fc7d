"""The compatibility layer on another framework generation, through the command a user runs.

The rest of the integration suite runs on the test env's TensorFlow (Keras 3). This test runs
``tox -e tf114`` (Python 3.7, TF 1.14 graph mode, tf.keras 2.2.4) and checks that the harness, by
itself, finds the seed's bug with the seed's figures. Where Python 3.7 or tox cannot be found it is
skipped with the reason (decided by asking for the interpreter: :mod:`tox_envs`), unless
``HARNESS_REQUIRE_GENERATIONS=1`` (set by ``.ci/run``) makes that a failure.
"""

import json

from harness.contract.strict_json import decode_float
from harness_process import run_harness
from tox_envs import tox_env


def test_tf114_finds_the_seed_bug_with_the_seed_figures(tmp_path):
    output = tmp_path / "tf114.json"
    completed = tox_env("tf114", output, "-k", "linear_autoencoder", "-k", "text_lstm", "--repeats", "1")
    assert completed.returncode == 0, completed.stdout[-4000:]
    document = json.loads(output.read_text())
    # Every traced run has its gradients, an Embedding's sparse one (IndexedSlices in the graph) among them.
    probes = {case["id"]: [run["trace"]["gradients"] for run in case["runs"] if "trace" in run] for case in document["cases"]}
    assert sorted(probes) == ["linear_autoencoder", "text_lstm"] and all(probes.values()), probes.keys()
    assert all(probe["reason"] is None for found in probes.values() for probe in found), probes
    framework = document["environment"]["framework"]
    assert (framework["tensorflow"], framework["keras"], framework["graph_mode"]) == ("1.14.0", "2.2.4-tf", True)
    assert document["environment"]["python"]["version"].startswith("3.7.")
    case = next(case for case in document["cases"] if case["id"] == "linear_autoencoder")
    final = {(run["variant"], run["init_mode"]): round(decode_float(run["final"]["val_loss"]), 4)
             for run in case["runs"] if run["replica"] == 0 and run["init_mode"] != "controlled"}
    # The figures the seed document's own code gives on TF 1.14 in a fresh process.
    assert final[("plain", "framework")] == 1.2729
    assert final[("linear_activation", "framework")] == 0.7751
    assert final[("bn", "framework")] == 1.0680
    assert final[("bn_linear_activation", "framework")] == 1.1230
    # A TF 1.x graph is traced too: the first steps, every epoch, each layer's output in training mode.
    traced = [run for run in case["runs"] if run["init_mode"] == "pinned" and run["variant"] == "bn"]
    assert traced and all(len(run["trace"]["steps"]) == 3 and len(run["trace"]["epochs"]) == 20 for run in traced)
    assert [layer["name"] for layer in traced[0]["trace"]["forward"]["layers"]] == ["dense", "batch_normalization",
                                                                                   "dense_1"]
    # ... and the gradients of the compiled loss, through the graph's own gradients, trainable variables only.
    gradients = traced[0]["trace"]["gradients"]
    assert gradients["reason"] is None and decode_float(gradients["loss"]) > 0, gradients
    assert [entry["name"] for entry in gradients["variables"]] == [
        "dense/kernel", "dense/bias", "batch_normalization/gamma", "batch_normalization/beta", "dense_1/kernel",
        "dense_1/bias"]
    identity = {check["id"]: check for check in case["checks"]}["linear_activation_is_identity"]
    assert identity["by_init_mode"] == {"framework": "known_failure", "pinned": "pass"}
    framework_group = next(g for g in identity["groups"] if g["init_mode"] == "framework")
    assert framework_group["details"]["first_divergence"] == "initial_weights"
    assert framework_group["known_failure"]["source"].startswith("seeds/001_68287fb2e141d392.txt")
    assert document["summary"]["exit_status"] == 0


def test_compare_two_real_generations_attributes_the_seed_bug_to_initialisation(tmp_path):
    """Reports of TF 1.14 (tox env) and this env's TF 2.x, compared by the real command line."""
    old = tmp_path / "tf114.json"
    assert tox_env("tf114", old, "-k", "linear_autoencoder", "--repeats", "1").returncode == 0
    new = tmp_path / "current.json"
    completed = run_harness("run", "-k", "linear_autoencoder", "--repeats", "1", "--env", "current", "--output", str(new))
    assert completed.returncode == 0, completed.stdout[-3000:]
    output = tmp_path / "comparison.json"
    compared = run_harness("compare", str(old), str(new), "--output", str(output), "--markdown", str(tmp_path / "c.md"))
    assert compared.returncode == 0, compared.stdout[-3000:]  # no baseline: only unexpected check verdicts gate
    comparison = json.loads(output.read_text())
    identity = next(row for row in comparison["checks"] if row["check"] == "linear_activation_is_identity")
    assert identity["verdicts"]["tf114"]["cause"] == "initialisation"
    assert identity["verdicts"]["current"]["verdict"] == "pass"
    extra = next(c for c in comparison["comparisons"] if c["variant"] == "linear_activation")
    framework = extra["by_init_mode"]["framework"]
    assert framework["materiality"] != "identical" and framework["cause"] == "initialisation"  # 0.7751 vs today's
    assert not framework["same_start"]
    # Where the generations part: the framework's initial weights at once; with pinned weights, later.
    assert framework["localisation"]["stage"] == "initial_weights"
    pinned = extra["by_init_mode"]["pinned"]
    assert pinned["materiality"] == "identical" or pinned["localisation"]["stage"] in ("forward", "loss", "update", "step")
    assert "linear_activation_is_identity on tf114: known_failure (cause initialisation)" in compared.stdout


def test_standalone_keras_names_each_weight_in_the_order_of_its_values(tmp_path):
    """Standalone Keras 2 lists ``model.weights`` trainable first and ``get_weights`` layer by layer: a
    report must not give a BatchNormalization's moving mean the name of the kernel after it."""
    output = tmp_path / "tf114-keras.json"
    completed = tox_env("tf114-keras", output, "-k", "linear_autoencoder", "--repeats", "1", "--init-mode", "pinned",
                        "--no-controlled-runs")
    assert completed.returncode == 0, completed.stdout[-4000:]
    run = next(run for run in json.loads(output.read_text())["cases"][0]["runs"] if run["variant"] == "bn"
               and run["replica"] == 0)
    named = [(weight["name"].split("/")[-1], len(weight["shape"])) for weight in run["weights"]["initial"]]
    assert named == [("kernel", 2), ("bias", 1), ("gamma", 1), ("beta", 1), ("moving_mean", 1), ("moving_variance", 1),
                     ("kernel", 2), ("bias", 1)], named
    # Its gradients (standalone Keras's own graph) are of the trainable ones only, in their order.
    gradients = [entry["name"].split("/")[-1] for entry in run["trace"]["gradients"]["variables"]]
    assert gradients == ["kernel", "bias", "gamma", "beta", "kernel", "bias"], run["trace"]["gradients"]
