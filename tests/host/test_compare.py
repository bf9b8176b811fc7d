"""The comparison engine on hand-built reports: statistics, verdicts, attribution, gate, CLI errors."""

import json
import math
import subprocess
import sys

import jsonschema
import numpy as np
import pytest

from builders import report_with, run_result
from harness_process import ROOT
from harness.host import compare, present
from harness.contract.schema import COMPARISON_SCHEMA_PATH, load_schema
from harness.contract.strict_json import to_plain

W = [np.array([[1, 2], [3, 4]], "float32"), np.zeros(2, "float32")]
# Another random draw: different bits (hashes), the same norm and sum.
OTHER_W = [np.array([[4, 3], [2, 1]], "float32"), np.zeros(2, "float32")]
TF2 = {"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}


def env(losses, weights=W, framework_weights=None, replica_loss=None):
    """A report: variants a and b, both init modes, one repeat per entry of ``losses[mode]``."""
    results = []
    for mode, series in losses.items():
        for repeat, final in enumerate(series):
            start = framework_weights if (mode == "framework" and framework_weights is not None) else weights
            for variant in ("a", "b"):
                results.append(run_result(variant, mode, repeat, loss=(1.0, final), weights=start))
        if replica_loss is not None:
            for variant in ("a", "b"):
                results.append(run_result(variant, mode, 0, loss=(1.0, replica_loss), weights=weights, replica=1))
    return report_with(results, versions=TF2)


def by(comparison, variant="a"):
    return next(item for item in comparison["comparisons"] if item["variant"] == variant)


def test_mad_is_robust_to_one_wild_seed():
    assert compare.mad([1.0, 1.1, 0.9]) == pytest.approx(1.4826 * 0.1)
    assert compare.mad([1.0, 1.1, 100.0]) == pytest.approx(1.4826 * 0.1)
    assert compare.mad([1.0]) is None and compare.mad([1.0, math.nan]) is None


def test_bitwise_equal_reports_are_identical_and_pass_the_gate():
    same = {"framework": [0.5, 0.6, 0.7], "pinned": [0.4, 0.45, 0.5]}
    result = compare.compare([("x", env(same)), ("y", env(same))], baseline="y")
    assert {r["verdict"] for item in result["comparisons"] for r in item["by_init_mode"].values()} == {"identical"}
    assert result["gate"] == {"failed": False, "reasons": []}


def test_same_start_in_a_deterministic_env_makes_any_change_beyond_tolerance_a_divergence():
    base = {"framework": [0.5, 0.6, 0.7], "pinned": [0.4, 0.45, 0.5]}
    moved = {"framework": [0.5, 0.6, 0.7], "pinned": [0.4001, 0.45, 0.5]}
    result = compare.compare([("new", env(moved)), ("old", env(base))], baseline="old")
    pinned = by(result)["by_init_mode"]["pinned"]
    assert pinned["verdict"] == "diverged" and pinned["same_start"] and pinned["noise_kind"] == "same-seed re-run"
    assert pinned["first_diverged"] == "loss[2]" and math.isinf(pinned["size"])
    assert by(result)["attribution"] == "arithmetic changed"
    assert result["gate"]["failed"] and "new vs old: toy/a pinned diverged (loss[2])" in result["gate"]["reasons"]


def test_changes_below_tolerance_are_within_noise():
    base = {"framework": [0.5], "pinned": [0.4]}
    nudged = {"framework": [0.5], "pinned": [0.4 + 1e-7]}
    result = compare.compare([("new", env(nudged)), ("old", env(base))], baseline="old")
    assert by(result)["by_init_mode"]["pinned"]["verdict"] == "within noise"


def test_a_non_deterministic_env_raises_the_floor_to_its_own_same_seed_spread():
    base = {"framework": [0.5], "pinned": [0.4]}
    moved = {"framework": [0.5], "pinned": [0.401]}
    noisy = compare.compare([("new", env(moved)), ("old", env(base, replica_loss=0.4005))], baseline="old")
    assert by(noisy)["by_init_mode"]["pinned"]["verdict"] == "within noise"  # 0.001 <= 3 x 0.0005


def test_new_framework_rng_is_judged_against_the_seed_to_seed_spread_and_attributed_to_initialisation():
    base = {"framework": [0.50, 0.60, 0.70], "pinned": [0.4, 0.45, 0.5]}
    rng_changed = {"framework": [0.55, 0.62, 0.66], "pinned": [0.4, 0.45, 0.5]}
    within = compare.compare([("new", env(rng_changed, framework_weights=OTHER_W)), ("old", env(base))], baseline="old")
    framework = by(within)["by_init_mode"]["framework"]
    assert framework["verdict"] == "within noise" and not framework["same_start"]
    assert framework["noise_kind"] == "seed-to-seed MAD"
    far = {"framework": [5.0, 6.0, 7.0], "pinned": [0.4, 0.45, 0.5]}
    beyond = compare.compare([("new", env(far, framework_weights=OTHER_W)), ("old", env(base))], baseline="old")
    assert by(beyond)["by_init_mode"]["framework"]["verdict"] == "diverged"
    assert by(beyond)["attribution"] == "initialisation changed"


def test_check_matrix_says_initialisation_changed_when_only_framework_init_fails():
    results = [run_result("a", weights=W), run_result("b", weights=OTHER_W), run_result("a", "pinned"), run_result("b", "pinned")]
    tf1 = report_with(results)
    tf2 = report_with([run_result("a"), run_result("b"), run_result("a", "pinned"), run_result("b", "pinned")],
                      versions=TF2)
    result = compare.compare([("tf114", tf1), ("tf2", tf2)])
    row = result["checks"][0]
    assert row["verdicts"]["tf114"]["by_init_mode"] == {"framework": "known_failure", "pinned": "pass"}
    assert row["verdicts"]["tf114"]["attribution"] == "initialisation changed"
    assert row["verdicts"]["tf2"]["verdict"] == "pass" and row["verdicts"]["tf2"]["attribution"] is None
    assert not result["gate"]["failed"]  # a known failure is expected


def test_comparison_is_schema_valid_and_readable():
    base = {"framework": [0.5, 0.6, 0.7], "pinned": [0.4, 0.45, 0.5]}
    moved = {"framework": [0.5, 0.6, 0.7], "pinned": [0.41, 0.45, 0.5]}
    result = compare.compare([("new", env(moved)), ("old", env(base))], baseline="old")
    jsonschema.validate(to_plain(result), load_schema(COMPARISON_SCHEMA_PATH))
    table = present.terminal(result)
    assert max(len(line) for line in table.splitlines()) <= 100
    assert "toy/a" in table and "arithmetic changed" in table and "gate: FAILED" in table
    assert "| new vs old | toy / a |" in present.markdown(result)


def test_markdown_escapes_text_from_reports():
    assert present.escape_markdown("<script>alert(1)</script> | [x](y)") == \
        "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\[x\\](y)"


def cli(*arguments, cwd):
    return subprocess.run([sys.executable, "-m", "harness", "compare"] + list(arguments), cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=dict(__import__("os").environ, PYTHONPATH=ROOT))


@pytest.mark.parametrize("damage, problem", [
    (lambda text: text[: len(text) // 3], "not valid JSON (truncated or corrupted?)"),
    (lambda text: text.replace('"schema_version": 1', '"schema_version": 0'), "schema_version 0 is not supported"),
    (lambda text: '{"name": "package.json", "version": "1.0.0"}', "not a harness report"),
])
def test_bad_report_is_one_line_naming_the_file_and_exit_2(tmp_path, damage, problem):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(to_plain(env({"framework": [0.5], "pinned": [0.4]}))))
    bad = tmp_path / "bad.json"
    bad.write_text(damage(good.read_text()))
    completed = cli(str(good), str(bad), "--output", str(tmp_path / "c.json"), "--markdown", str(tmp_path / "c.md"),
                    cwd=str(tmp_path))
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: {}: ".format(bad)) and problem in completed.stderr
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr


def test_cli_writes_json_and_markdown_and_gates(tmp_path):
    for name, final in (("old", 0.4), ("new", 0.41)):
        document = to_plain(env({"framework": [0.5], "pinned": [final]}))
        document["environment"]["name"] = name
        (tmp_path / (name + ".json")).write_text(json.dumps(document))
    completed = cli(str(tmp_path / "new.json"), str(tmp_path / "old.json"), "--baseline", "old",
                    "--output", str(tmp_path / "c.json"), "--markdown", str(tmp_path / "c.md"), cwd=str(tmp_path))
    assert completed.returncode == 1, completed.stderr
    assert json.loads((tmp_path / "c.json").read_text())["gate"]["failed"] is True
    assert "Gate: FAILED" in (tmp_path / "c.md").read_text()
    unknown = cli(str(tmp_path / "new.json"), str(tmp_path / "old.json"), "--baseline", "tf9", cwd=str(tmp_path))
    assert unknown.returncode == 2 and "no such environment among new, old" in unknown.stderr


def test_terminal_table_stays_within_100_columns_for_many_environments():
    same = {"framework": [0.5], "pinned": [0.4]}
    documents = [("environment_{}".format(i), env(same)) for i in range(7)]
    table = present.terminal(compare.compare(documents, baseline="environment_0"))
    assert max(len(line) for line in table.splitlines()) <= 100
    assert table.count("environment_6") >= 2  # listed, and a column of the check matrix
