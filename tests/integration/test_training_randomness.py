"""Training randomness on real frameworks: the controlled run really switches it off, and compare
names it as the cause between Keras 2 (``tox -e tf215``) and this env's Keras 3, not arithmetic."""

import json

from harness.contract.strict_json import decode_float
from harness_process import run_harness
from tox_envs import tox_env


def runs_of(document, case="tabular_dropout"):
    entry = next(c for c in document["cases"] if c["id"] == case)
    return {(r["variant"], r["init_mode"], r["repeat"], r["replica"]): r for r in entry["runs"]}


def test_a_controlled_run_trains_the_model_without_its_dropout_and_shuffling(tmp_path):
    output = tmp_path / "current.json"
    completed = run_harness("run", "-k", "tabular_dropout", "--repeats", "1", "--no-determinism-rerun",
                            "--output", str(output))
    assert completed.returncode == 0, completed.stdout[-3000:]
    runs = runs_of(json.loads(output.read_text()))
    controlled, pinned = runs[("dropout", "controlled", 0, 0)], runs[("dropout", "pinned", 0, 0)]
    dropout = {"layer": "dropout", "class": "Dropout", "attribute": "rate", "value": 0.2}
    assert controlled["training_randomness"] == {"layers": [dropout], "shuffle": True, "controllable": True,
                                                 "switched_off": True, "pipeline": False}
    assert pinned["training_randomness"] == {"layers": [dropout], "shuffle": True, "controllable": True,
                                             "switched_off": False, "pipeline": False}
    # The same pinned weights without Dropout and in order: the plain model's run, bit for bit.
    plain = runs[("plain", "pinned", 0, 0)]
    assert controlled["history"] == plain["history"]
    assert controlled["history"] != pinned["history"]  # the uncontrolled run did draw masks and shuffle
    skipped = runs[("plain", "controlled", 0, 0)]
    assert skipped["status"] == "skipped" and skipped["skip"] == {"code": "nothing_to_control", "missing": []}


def test_keras_2_to_3_dropout_change_is_training_randomness_not_arithmetic(tmp_path):
    old = tmp_path / "tf215.json"
    completed = tox_env("tf215", old, "-k", "tabular_dropout", "--no-determinism-rerun")
    assert completed.returncode == 0, completed.stdout[-4000:]
    new = tmp_path / "current.json"
    completed = run_harness("run", "-k", "tabular_dropout", "--no-determinism-rerun", "--env", "current",
                            "--output", str(new))
    assert completed.returncode == 0, completed.stdout[-3000:]
    output = tmp_path / "comparison.json"
    compared = run_harness("compare", str(new), str(old), "--baseline", "tf215", "--output", str(output),
                           "--markdown", str(tmp_path / "c.md"))
    comparison = json.loads(output.read_text())
    dropout = next(c for c in comparison["comparisons"] if c["variant"] == "dropout")
    pinned = dropout["by_init_mode"]["pinned"]
    assert pinned["same_start"] and pinned["design"] == "paired"
    assert pinned["cause"] == "training_randomness", pinned["cause_evidence"]
    assert pinned["cause_evidence"]["code"] == "controlled_runs_agree"
    assert dropout["controlled"]["materiality"] in ("identical", "within_tolerance")
    headline = next(e for e in pinned["quantities"]
                    if {"measure": e["measure"], "of": e["of"]} == pinned["headline"])
    assert len(headline["env_values"]) == 3 and decode_float(headline["seed_sd"]) > 0  # decided with numbers
    assert pinned["materiality"] in ("within_seed_noise", "undetermined", "material")
    assert "training RNG" in compared.stdout and compared.returncode == (1 if pinned["materiality"] == "material" else 0)
