"""The comparison engine on hand-built reports: materiality, cause, expected changes, gate, CLI errors.

Each verdict is shown on an input made to produce it and on one made to produce another, so no
verdict is a constant."""

import json
import subprocess
import sys

import jsonschema
import numpy as np
import pytest

from builders import report_with, run_result
from harness_process import ROOT
from harness.case import ExpectedChange, Judge
from harness.host import compare, decide, materiality, present, statistics, wording
from harness.contract import report, vocabulary
from harness.contract.reading import Run
from harness.contract.schema import COMPARISON_SCHEMA_PATH, load_schema
from harness.contract.strict_json import to_plain

W = [np.array([[1, 2], [3, 4]], "float32"), np.zeros(2, "float32")]
# Another random draw: different bits (hashes), the same norm and sum.
OTHER_W = [np.array([[4, 3], [2, 1]], "float32"), np.zeros(2, "float32")]
TF2 = {"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}
TF215 = {"tensorflow": "2.15.1", "keras_flavour": "tf.keras"}


def env(losses, weights=W, framework_weights=None, randomness=(), controlled=None, versions=TF2, expected=()):
    """A report: variants a and b, both init modes, one repeat per entry of ``losses[mode]``;
    ``controlled`` is the final loss of the controlled run (repeat 0), if any."""
    results = []
    for mode, series in losses.items():
        for repeat, final in enumerate(series):
            start = framework_weights if (mode == "framework" and framework_weights is not None) else weights
            for variant in ("a", "b"):
                results.append(run_result(variant, mode, repeat, loss=(1.0, final), weights=start, randomness=randomness))
    if controlled is not None:
        for variant in ("a", "b"):
            results.append(run_result(variant, vocabulary.CONTROLLED, 0, loss=(1.0, controlled), weights=weights))
    return report_with(results, versions=versions, expected_changes=expected)


def by(comparison, variant="a"):
    return next(item for item in comparison["comparisons"] if item["variant"] == variant)


def pinned(comparison):
    return by(comparison)["by_init_mode"]["pinned"]


def quantity(result, measure="final", of="val_loss"):
    return next(entry for entry in result["quantities"] if (entry["measure"], entry["of"]) == (measure, of))


BASE = {"framework": [0.50, 0.60, 0.70], "pinned": [0.40, 0.45, 0.50]}


def test_bitwise_equal_reports_are_identical_and_pass_the_gate():
    result = compare.compare([("x", env(BASE)), ("y", env(BASE))], baseline="y")
    assert {r["materiality"] for item in result["comparisons"] for r in item["by_init_mode"].values()} == {"identical"}
    assert {r["cause"] for item in result["comparisons"] for r in item["by_init_mode"].values()} == {None}
    assert result["gate"] == {"failed": False, "reasons": []}


def test_changes_below_the_case_tolerance_are_within_tolerance_and_above_it_are_not():
    nudged = {"framework": BASE["framework"], "pinned": [0.40 + 1e-7, 0.45, 0.50]}
    assert pinned(compare.compare([("new", env(nudged)), ("old", env(BASE))], baseline="old"))["materiality"] == \
        "within_tolerance"
    moved = {"framework": BASE["framework"], "pinned": [0.401, 0.45, 0.50]}
    assert pinned(compare.compare([("new", env(moved)), ("old", env(BASE))], baseline="old"))["materiality"] != \
        "within_tolerance"


def test_a_consistent_shift_from_the_same_start_is_material_paired_and_fails_the_gate():
    shifted = {"framework": BASE["framework"], "pinned": [0.43, 0.48, 0.53]}
    result = compare.compare([("new", env(shifted)), ("old", env(BASE))], baseline="old")
    found = pinned(result)
    assert found["design"] == "paired" and found["materiality"] == "material"
    entry = quantity(found)
    assert entry["difference"] == pytest.approx(0.03) and entry["p_adjusted"] < materiality.ALPHA
    assert entry["seed_sd"] == pytest.approx(0.05) and entry["effect"] == pytest.approx(0.6)
    assert found["cause"] == "arithmetic"  # same weights, same data, nothing random recorded
    assert found["cause_evidence"] == {"code": "no_training_randomness"}
    assert found["first_part"] == {"key": "loss", "epoch": 2, "env_value": 0.43, "baseline_value": 0.40}
    assert found["weight_change"] is None  # the fake runs keep their weights: no weight moved
    assert result["gate"]["failed"]
    assert {"code": "material_change", "env": "new", "baseline": "old", "case": "toy", "variant": "a",
            "init_mode": "pinned", "cause": "arithmetic"} in result["gate"]["reasons"]
    assert "toy/a pinned init: material change, cause arithmetic" in present.terminal(result)


def test_an_inconsistent_change_the_size_of_the_seed_spread_is_not_material_and_three_seeds_cannot_show_it_same():
    jumbled = {"framework": BASE["framework"], "pinned": [0.45, 0.40, 0.52]}
    found = pinned(compare.compare([("new", env(jumbled)), ("old", env(BASE))], baseline="old"))
    entry = quantity(found)
    assert found["materiality"] == "undetermined" and entry["p_adjusted"] >= found["alpha"]
    assert entry["p_equivalence"] >= found["alpha"] and entry["margin_from"] == "seed_sd"
    assert entry["needed_seeds"] > 3  # the seeds that would show it the same (its difference is below the margin)
    assert abs(entry["difference"]) < entry["margin"]


def test_many_seeds_show_a_difference_smaller_than_the_margin_the_same():
    rng = np.random.RandomState(3)
    base = list(0.5 + 0.05 * rng.normal(size=20))
    near = [value + 0.002 + 0.01 * rng.normal() for value in base]
    found = pinned(compare.compare([("new", env({"framework": base, "pinned": near})),
                                    ("old", env({"framework": base, "pinned": base}))], baseline="old"))
    assert found["materiality"] == "within_seed_noise" and quantity(found)["p_equivalence"] < found["alpha"]
    assert "same (" in present.terminal(compare.compare([("new", env({"framework": base, "pinned": near})),
                                                         ("old", env({"framework": base, "pinned": base}))],
                                                        baseline="old"))


def test_one_seed_is_undetermined_never_an_infinite_size():
    one, other = {"framework": [0.5], "pinned": [0.40]}, {"framework": [0.5], "pinned": [0.45]}
    result = compare.compare([("new", env(other)), ("old", env(one))], baseline="old")
    entry = quantity(pinned(result))
    assert pinned(result)["materiality"] == "undetermined" and entry["effect"] is None and entry["p"] is None
    assert entry["seed_sd"] is None and "one seed: no seed-to-seed spread" in " ".join(present.terminal(result).split())
    assert not result["gate"]["failed"]  # undetermined informs


def test_a_large_difference_the_seeds_cannot_confirm_is_undetermined_with_the_seeds_that_would():
    wide = {"framework": [0.50, 0.60, 0.70], "pinned": [0.40, 0.45, 0.50]}
    moved = {"framework": [0.85, 0.70, 0.95], "pinned": [0.40, 0.45, 0.50]}
    result = compare.compare([("new", env(moved, framework_weights=OTHER_W)), ("old", env(wide))], baseline="old")
    found = by(result)["by_init_mode"]["framework"]
    assert found["design"] == "independent" and found["materiality"] == "undetermined"
    entry = quantity(found)
    assert abs(entry["difference"]) > entry["margin"] and entry["needed_seeds"] > 3
    seeds = max(e["needed_seeds"] for item in result["comparisons"] for r in item["by_init_mode"].values() if r
                for e in r["quantities"] if e["materiality"] == "undetermined" and e["needed_seeds"])
    assert {"code": "undetermined", "case": "toy", "seeds": seeds, "limit": compare.SEEDS_LIMIT, "last_look": False} in result["flags"]
    assert "undetermined in toy: about {0} seeds per environment would decide it: harness decide runs them".format(
        seeds) in " ".join(present.terminal(result).split())
    assert "seeds would decide" not in present.terminal(result).split("flags:")[0]  # said once, in the flag
    assert found["cause"] == "initialisation" and found["cause_evidence"] == {"code": "different_initial_weights"}


def judged_on(document, *judges):
    document["cases"][0]["judge"] = [judge.as_dict() for judge in judges]
    return document


# Pinned, paired: the loss moves by 0.01 (0.005 to 0.015 per seed) against a seed-to-seed SD of 0.05.
SMALL_SHIFT = {"framework": [0.50, 0.60, 0.70], "pinned": [0.41, 0.455, 0.515]}


def test_a_case_is_decided_on_what_it_is_judged_on_against_the_margin_it_declares():
    by_default = pinned(compare.compare([("new", env(SMALL_SHIFT)), ("old", env(BASE))], baseline="old"))
    assert by_default["materiality"] == "within_seed_noise"  # smaller than one seed SD: the same
    assert {e["margin_from"] for e in by_default["quantities"] if e["judged"] and e["measure"] == "final"} == {"seed_sd"}
    documents = [judged_on(env(SMALL_SHIFT), Judge("loss", margin=0.005, measures=("final",))),
                 judged_on(env(BASE), Judge("loss", margin=0.005, measures=("final",)))]
    declared = pinned(compare.compare([("new", documents[0]), ("old", documents[1])], baseline="old"))
    assert [(e["measure"], e["of"]) for e in declared["quantities"] if e["judged"]] == [("final", "loss")]
    entry = quantity(declared, "final", "loss")
    assert (entry["margin"], entry["margin_from"]) == (0.005, "declared")
    # 0.01 is twice what matters to this case, which 3 seeds cannot call material: not the same.
    assert declared["materiality"] == "undetermined" and declared["headline"] == {"measure": "final", "of": "loss"}
    assert not quantity(declared, "final", "val_loss")["judged"]  # still measured and shown, not judged


def test_a_judged_quantity_no_run_recorded_is_a_gap_not_a_pass():
    documents = [judged_on(env(SMALL_SHIFT), Judge("val_auc")), judged_on(env(BASE), Judge("val_auc"))]
    result = compare.compare([("new", documents[0]), ("old", documents[1])], baseline="old")
    gaps = [gap for gap in result["gaps"] if gap["kind"] == "missing_quantity"]
    assert gaps and gaps[0]["facts"]["keys"] == ["val_auc"] and result["gate"]["failed"]
    assert "the case is judged on val_auc, which no run recorded" in " ".join(present.terminal(result).split())


def test_a_difference_about_at_its_margin_names_no_number_of_seeds_it_cannot_name():
    wide = {"framework": [0.50, 0.60, 0.70], "pinned": [0.40, 0.45, 0.50]}
    near = {"framework": [0.595, 0.695, 0.795], "pinned": [0.40, 0.45, 0.50]}  # 0.95 of a seed SD apart
    result = compare.compare([("new", env(near, framework_weights=OTHER_W)), ("old", env(wide))], baseline="old")
    found = by(result)["by_init_mode"]["framework"]
    assert found["materiality"] == "undetermined" and quantity(found)["needed_seeds"] is None
    flag = [f for f in result["flags"] if f["code"] == "undetermined"]
    assert flag == [{"code": "undetermined", "case": "toy", "seeds": None, "limit": compare.SEEDS_LIMIT, "last_look": False}]
    text = " ".join(present.terminal(result).split())
    assert "not even {} seeds per environment would decide".format(compare.SEEDS_LIMIT) in text
    assert "about {} seeds".format(compare.SEEDS_LIMIT) not in text
    assert decide.wanted(result, 40) == {"toy": 40}  # decide still spends up to its cap, and says what it found


def test_training_randomness_is_the_cause_only_when_the_controlled_runs_agree():
    shifted = {"framework": BASE["framework"], "pinned": [0.43, 0.48, 0.53]}
    old = env(BASE, randomness=["dropout"], controlled=0.42)
    agree = env(shifted, randomness=["dropout"], controlled=0.42)
    found = pinned(compare.compare([("new", agree), ("old", old)], baseline="old"))
    assert found["cause"] == "training_randomness" and found["cause_evidence"]["code"] == "controlled_runs_agree"
    assert found["cause_evidence"]["controlled"] == "identical"
    assert wording.evidence_text(found["cause_evidence"]) == \
        "with dropout (Dropout rate=0.2) switched off the runs agree (identical): only the RNG behind them changed"
    differ = env(shifted, randomness=["dropout"], controlled=0.47)
    found = pinned(compare.compare([("new", differ), ("old", old)], baseline="old"))
    assert found["cause"] == "arithmetic" and found["cause_evidence"]["code"] == "controlled_runs_differ"
    uncontrolled = env(shifted, randomness=["dropout"])
    found = pinned(compare.compare([("new", uncontrolled), ("old", old)], baseline="old"))
    assert found["cause"] == "unknown" and found["cause_evidence"]["code"] == "randomness_not_controlled"
    assert "could not be switched off" in wording.evidence_text(found["cause_evidence"])


def test_different_seed_sets_are_compared_as_independent_samples_with_no_cause():
    shifted = dict(BASE)
    other = env(shifted)
    for case in other["cases"]:
        for run in case["runs"]:
            run["seeds"] = {key: value + 100 for key, value in run["seeds"].items()}
    found = pinned(compare.compare([("aa100", other), ("aa0", env(BASE))], baseline="aa0"))
    assert found["design"] == "independent" and found["cause"] in (None, "unknown")


SHIFT = {"framework": BASE["framework"], "pinned": [0.43, 0.48, 0.53]}


def test_a_declared_expected_change_is_shown_and_does_not_fail_the_gate_only_across_its_boundary():
    change = ExpectedChange(when="tensorflow>=2.16", reason="Keras 3 changed the RNG", source="https://example/1",
                            quantities=("loss", "val_loss"), init_modes=("pinned",))
    old = env(BASE, versions=TF215, expected=(change,))
    result = compare.compare([("tf2", env(SHIFT, expected=(change,))), ("tf215", old)], baseline="tf215")
    assert pinned(result)["expected"]["reason"] == "Keras 3 changed the RNG"
    assert not result["gate"]["failed"] and "MATERIAL (arithmetic) expected" in present.terminal(result)
    same_side = compare.compare([("tf2", env(SHIFT, expected=(change,))), ("tf221", env(BASE, expected=(change,)))],
                                baseline="tf221")
    assert pinned(same_side)["expected"] is None and same_side["gate"]["failed"]


def test_an_expected_change_naming_other_quantities_does_not_cover_a_material_change():
    change = ExpectedChange(when="tensorflow>=2.16", reason="accuracy moved", source="s", quantities=("accuracy",))
    result = compare.compare([("tf2", env(SHIFT, expected=(change,))), ("tf215", env(BASE, versions=TF215,
                                                                                      expected=(change,)))],
                             baseline="tf215")
    assert pinned(result)["expected"] is None and result["gate"]["failed"]


def test_an_expected_change_that_stops_happening_is_flagged():
    change = ExpectedChange(when="tensorflow>=2.16", reason="Keras 3 changed the RNG", source="s")
    result = compare.compare([("tf2", env(BASE, expected=(change,))),
                              ("tf215", env(BASE, versions=TF215, expected=(change,)))], baseline="tf215")
    assert {(flag["code"], flag["init_mode"]) for flag in result["flags"]} == {
        ("expected_change_missing", "framework"), ("expected_change_missing", "pinned")}
    assert "the expected change (Keras 3 changed the RNG) did not happen" in present.terminal(result)
    assert not result["gate"]["failed"]


def test_check_matrix_says_initialisation_when_only_framework_init_fails():
    results = [run_result("a", weights=W), run_result("b", weights=OTHER_W), run_result("a", "pinned"), run_result("b", "pinned")]
    tf1 = report_with(results)
    tf2 = report_with([run_result("a"), run_result("b"), run_result("a", "pinned"), run_result("b", "pinned")],
                      versions=TF2)
    result = compare.compare([("tf114", tf1), ("tf2", tf2)])
    row = result["checks"][0]
    assert row["verdicts"]["tf114"]["by_init_mode"] == {"framework": "known_failure", "pinned": "pass"}
    assert row["verdicts"]["tf114"]["cause"] == "initialisation"
    assert row["verdicts"]["tf2"]["verdict"] == "pass" and row["verdicts"]["tf2"]["cause"] is None
    assert not result["gate"]["failed"]  # a known failure is expected


def test_comparison_is_schema_valid_and_readable():
    result = compare.compare([("new", env(SHIFT)), ("old", env(BASE))], baseline="old")
    jsonschema.validate(to_plain(result), load_schema(COMPARISON_SCHEMA_PATH))
    table = present.terminal(result)
    assert max(len(line) for line in table.splitlines()) <= 100
    assert "MATERIAL (arithmetic)" in table and "gate: FAILED" in table and "effect +0.60 SD" in table
    assert "materiality: identical (bit for bit)" in table  # the legend
    assert "| new vs old | toy / a |" in present.markdown(result)


def test_markdown_escapes_text_from_reports():
    assert present.escape_markdown("<script>alert(1)</script> | [x](y)") == \
        "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\[x\\](y)"


def simulated_comparisons(shift, n, trials, seed, paired):
    """``trials`` simulated comparisons of one quantity over ``n`` seeds, the second environment's
    mean moved by ``shift`` seed SDs: the share that the method calls material."""
    rng = np.random.RandomState(seed)
    material = 0
    for _ in range(trials):
        shared = rng.normal(0, 1, n) if paired else 0.0
        a = list(shared + rng.normal(0, 1, n) + shift)
        b = list(shared + rng.normal(0, 1, n))
        entry, = materiality.decide([materiality.measure_quantity(("final", "q"), "loss", a, b, paired,
                                                                  {"atol": 0.0, "rtol": 0.0})], paired)
        material += entry["materiality"] == "material"
    return material / trials


@pytest.mark.parametrize("paired", [True, False])
def test_the_method_keeps_its_stated_false_alarm_rate_on_simulated_a_a_pairs(paired):
    assert simulated_comparisons(0.0, 3, 2000, 0, paired) <= materiality.ALPHA + 0.01


def test_the_method_detects_a_shift_of_its_minimum_detectable_size_about_as_often_as_its_power():
    n = 3
    detectable = statistics.detectable_effect(n, False, statistics.look_alpha(materiality.ALPHA, 1), materiality.POWER)
    # Welch's df fall below the pooled test's, so its power at that size is a little below 80 %.
    assert 0.55 <= simulated_comparisons(detectable, n, 2000, 1, False) <= 0.9
    assert simulated_comparisons(0.0, n, 2000, 1, False) < simulated_comparisons(detectable, n, 2000, 1, False)


def test_statistics_agree_with_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    for t, df in ((2.0, 3), (0.3, 1), (8.0, 2.5), (1.96, 1000)):
        assert statistics.t_two_sided_p(t, df) == pytest.approx(2 * scipy_stats.t.sf(t, df), rel=1e-9)
    for q, df in ((0.975, 2), (0.8, 4), (0.995, 7.3)):
        assert statistics.t_quantile(q, df) == pytest.approx(scipy_stats.t.ppf(q, df), rel=1e-8)
    a, b = [0.43, 0.48, 0.53, 0.5], [0.40, 0.45, 0.50, 0.41]
    assert statistics.paired(a, b).p == pytest.approx(scipy_stats.ttest_rel(a, b).pvalue, rel=1e-9)
    assert statistics.welch(a, b).p == pytest.approx(scipy_stats.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-9)


def test_holm_adjusts_step_down():
    assert statistics.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def cli(*arguments, cwd):
    return subprocess.run([sys.executable, "-m", "harness", "compare"] + list(arguments), cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=dict(__import__("os").environ, PYTHONPATH=ROOT))


@pytest.mark.parametrize("damage, problem", [
    (lambda text: text[: len(text) // 3], "not valid JSON (truncated or corrupted?)"),
    (lambda text: text.replace('"schema_version": 2', '"schema_version": 0'), "schema_version 0 is not supported"),
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
    for name, losses in (("old", BASE), ("new", SHIFT)):
        document = to_plain(env(losses))
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


def test_seeds_needed_always_exceed_the_seeds_that_did_not_decide():
    """A difference significant alone but not after Holm over five quantities: more seeds, not as many."""
    a, b = [1.30, 1.42, 1.35], [1.0, 1.2, 1.05]
    measured = [materiality.measure_quantity(("final", "q{}".format(i)), "loss", a, b, False, {"atol": 0.0, "rtol": 0.0})
                for i in range(5)]
    assert measured[0][0]["p"] < materiality.ALPHA  # significant on its own
    entries = materiality.decide(measured, False)
    assert {e["materiality"] for e in entries} == {"undetermined"}
    assert all(e["needed_seeds"] > 3 for e in entries)


def _with_training(callbacks, best_epoch=2, rates=(0.01, 0.005)):
    result = run_result("a", loss=(1.0, 0.5))
    result.entry["training"] = report.training_record(5, 2, callbacks, "val_loss", best_epoch, list(rates), 2)
    return Run(result.entry)


def test_what_callbacks_decided_is_judged_only_where_a_case_has_callbacks():
    """The seed cases (no callbacks) keep their quantities; early stopping and schedules add theirs."""
    plain = materiality.user_quantities(_with_training([]))
    assert not {measure for measure, _ in plain} & {"best_epoch", "final_learning_rate"}
    judged = materiality.user_quantities(_with_training(["EarlyStopping", "ReduceLROnPlateau"]))
    assert judged[("best_epoch", "val_loss")] == ("epochs", 2.0)
    assert judged[("final_learning_rate", None)] == ("learning_rate", 0.005)
    assert judged[("epochs_trained", None)] == ("epochs", 2.0)
    unreadable = materiality.user_quantities(_with_training(["EarlyStopping"], best_epoch=None, rates=(None, None)))
    assert not {measure for measure, _ in unreadable} & {"best_epoch", "final_learning_rate"}
