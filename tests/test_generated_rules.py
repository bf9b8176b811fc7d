"""A family whose rules are generated in each environment: declared, judged and reported like any
family, without a framework (the rules themselves run in tests/integration/test_generated_faults.py
and test_generated_library.py). What only the run knows (which rules it generated, the surface they
cover) reaches the report; a run that generated nothing, or ended before saying what it generated,
fails its environment instead of reading as a family with nothing to fail."""

import json
import math
import subprocess

import pytest

from builders import family_report
from harness_process import ROOT, harness_command, harness_env
from harness.case import CaseDeclarationError
from harness.contract import comparison as comparison_document
from harness.contract import report
from harness.contract.schema import validation_errors
from harness.contract.strict_json import to_plain
from harness.relations import RELATIONS
from harness.rules import Family, Finding, Rule
from harness.run.report_text import render
from harness.run.rule_evaluation import fingerprint, measurement
from harness.surface import Recipe, snake

SPARSE = Finding("keras>=3,tensorflow>=2", "sparse updates square each repeated row")


def _generate(fw, profile):
    raise AssertionError("generated in the run, never here")


def _family(**options):
    return Family("rules_gen", "generated", "rules made per environment", generate=_generate,
                  findings={"optimizer_sparse_dense_adam*": [SPARSE]}, **options)


def _description(rule_id, tolerance=1e-5):
    return {"id": rule_id, "guarantee": "holds for " + rule_id, "tolerance": tolerance, "requires": []}


def _measured(distance):
    return dict(measurement(([1.0 + distance], [1.0])), outcome="measured", seconds=0.01)


SURFACE = {"layers": {"exported": 4, "covered": ["Conv2D", "Dense", "Embedding"], "declared": {"Layer": "a base"},
                      "coverage": 0.75, "not_applicable": {}},
           "optimizers": {"exported": 2, "covered": ["Adam", "SGD"], "declared": {}, "coverage": 1.0,
                          "not_applicable": {"optimizer_sparse_dense_muon": "two rules by design"}}}
KERAS3_TF = {"keras": "3.15.1", "keras_generation": 3, "tensorflow": "2.21.0"}


def _generated_report(results, framework=KERAS3_TF):
    described = [_description(rule_id) for rule_id in sorted(results)]
    return family_report("tf2", _family(), results, framework, generated={"generated": described, "surface": SURFACE})


def test_a_generated_family_is_declared_with_generate_and_patterns_not_rules():
    family = _family()
    assert family.generated and family.rules == () and sorted(family.profiles) == ["default", "full"]
    assert family.findings_for("optimizer_sparse_dense_adam_w") == [SPARSE] and family.findings_for("optimizer_sparse_dense_sgd") == []
    assert family.runs_at("full") == "full" and family.runs_at("long") == "default"
    with pytest.raises(CaseDeclarationError, match="rules or generate, not both"):
        Family("rules_gen", "t", "d", rules=[Rule("one", "g", lambda fw, rng: (1, 1))], generate=_generate)
    with pytest.raises(CaseDeclarationError, match="generate"):
        Family("rules_gen", "t", "d", generate=lambda fw: None)  # not generate(fw, profile)
    with pytest.raises(CaseDeclarationError, match="findings must map"):
        Family("rules_gen", "t", "d", generate=_generate, findings={"*": ["not a finding"]})
    with pytest.raises(CaseDeclarationError, match="non-empty list of Rule"):
        Family("rules_gen", "t", "d")


def test_generated_rules_are_judged_from_what_the_run_described_with_their_findings():
    document = _generated_report({"layer_config_dense": _measured(0.0), "optimizer_sparse_dense_adam": _measured(0.1),
                                  "optimizer_sparse_dense_sgd": _measured(0.0)})
    entry = document["cases"][0]
    verdicts = {check["id"]: check["verdict"] for check in entry["checks"]}
    assert verdicts == {"layer_config_dense": "pass", "optimizer_sparse_dense_adam": "known_failure", "optimizer_sparse_dense_sgd": "pass"}
    assert entry["surface"] == SURFACE and document["summary"]["exit_status"] == 0
    adam = next(rule for rule in entry["rules"] if rule["id"] == "optimizer_sparse_dense_adam")
    assert adam["guarantee"] == "holds for optimizer_sparse_dense_adam" and adam["values"]["value"]["head"] == [1.1]
    assert validation_errors(to_plain(document), report.schema()) == []


def test_a_declared_failure_that_holds_elsewhere_passes_and_an_undeclared_one_fails():
    on_jax = _generated_report({"optimizer_sparse_dense_adam": _measured(0.0)}, {"keras": "3.15.1", "keras_generation": 3,
                                                                       "tensorflow": None, "backend": "jax"})
    assert on_jax["cases"][0]["checks"][0]["verdict"] == "pass"
    broken = _generated_report({"layer_config_dense": _measured(0.01)})
    assert broken["summary"]["unexpected"] == ["rules_gen/layer_config_dense: fail"]


def test_a_generated_family_that_ended_early_or_generated_nothing_fails_its_environment():
    crashed = family_report("tf2", _family(), None, KERAS3_TF)
    checks = crashed["cases"][0]["checks"]
    assert [(check["id"], check["verdict"]) for check in checks] == [("generation", "error")]
    assert crashed["summary"]["exit_status"] == 1
    empty = _generated_report({})
    assert empty["cases"][0]["checks"] == []
    assert empty["summary"]["unexpected"] == ["rules_gen: judged nothing: no rule was generated or every rule was skipped"]


def test_the_report_text_counts_passing_generated_rules_and_shows_the_others_and_the_coverage():
    text = render(_generated_report({"layer_config_dense": _measured(0.0), "layer_config_conv2d": _measured(0.0),
                                     "optimizer_sparse_dense_adam": _measured(0.1)}))
    assert "generated over: layers 3/4 (75%), optimizers 2/2 (100%)" in text
    assert "optimizer_sparse_dense_adam" in text and "layer_config_dense" not in text and "2 more rules pass" in text


def test_fingerprints_keep_a_few_numbers_and_their_sum_whatever_the_shape():
    assert fingerprint([[1.0, 2.0], [3.0, 4.0]], head=3) == {"n": 4, "sum": 10.0, "head": [1.0, 2.0, 3.0]}
    assert fingerprint(2.5) == {"n": 1, "sum": 2.5, "head": [2.5]}
    nan = fingerprint([float("nan"), 1.0])
    assert math.isnan(nan["sum"]) and nan["n"] == 2


@pytest.mark.parametrize("name, expected", [("Conv2D", "conv2d"), ("ConvLSTM1D", "conv_lstm1d"), ("AUC", "auc"),
                                            ("MultiHeadAttention", "multi_head_attention"), ("AdamW", "adam_w"),
                                            ("GlobalMaxPooling3D", "global_max_pooling3d"), ("SGD", "sgd")])
def test_rule_ids_spell_class_names_in_snake_case(name, expected):
    assert snake(name) == expected


def test_every_relation_is_over_a_kind_the_surface_enumerates_with_one_id_per_kind():
    keys = [(relation.kind, relation.id) for relation in RELATIONS]
    assert len(keys) == len(set(keys))
    assert set(relation.kind for relation in RELATIONS) == {"layers", "losses", "metrics", "optimizers"}
    assert [relation.id for relation in RELATIONS if relation.quick] == ["sparse_dense"]
    # a loss and a metric share names: their rules must not
    mse = {relation.rule_id(Recipe(relation.kind, "MeanSquaredError", None, "")) for relation in RELATIONS
           if relation.id == "config"}
    assert mse == {"layer_config_mean_squared_error", "loss_config_mean_squared_error",
                   "metric_config_mean_squared_error", "optimizer_config_mean_squared_error"}


def _backend_reports(tensorflow, jax, torch):
    """Three reports of one Keras 3.15.1 on three backends, where one rule's actual side computed the
    given values (each rule holding within its own environment)."""
    family = Family("rules_demo", "demo", "one rule", [Rule("demo_rule", "holds", lambda fw, rng: (1, 1))])
    documents = []
    for backend, values in (("tensorflow", tensorflow), ("jax", jax), ("torch", torch)):
        result = dict(measurement({"out": (values, values)}), outcome="measured", seconds=0.01)
        documents.append(("k3-" + backend, family_report("k3-" + backend, family, {"demo_rule": result},
                                                          {"keras": "3.15.1", "keras_generation": 3,
                                                           "backend": backend})))
    return documents


def test_compare_names_the_backend_that_computes_otherwise_than_the_other_two():
    from harness.host import compare, present
    same = [0.5, -0.25, 1.0]
    compared = compare.compare(_backend_reports(same, [0.5, -0.25, 1.0 + 1e-7], [0.5, -0.2, 1.0]))
    row = next(row for row in compared["rules"] if row["rule"] == "demo_rule")
    assert row["backends"]["disagrees"] == "k3-torch" and row["backends"]["backend"] == "torch"
    assert row["backends"]["agree"] == ["k3-jax", "k3-tensorflow"] and row["backends"]["distance"] > 0.01
    assert validation_errors(to_plain(compared), comparison_document.schema()) == []
    assert "demo_rule: on Keras 3.15.1, torch (k3-torch) computes otherwise than k3-jax, k3-tensorflow" in \
        present.terminal(compared)
    assert "### One backend computes otherwise" in present.markdown(compared)
    agreeing = compare.compare(_backend_reports(same, same, [0.5, -0.25, 1.0 + 1e-6]))
    assert "backends" not in next(row for row in agreeing["rules"] if row["rule"] == "demo_rule")
    scattered = compare.compare(_backend_reports(same, [0.6, -0.25, 1.0], [0.5, -0.2, 1.0]))
    assert "backends" not in next(row for row in scattered["rules"] if row["rule"] == "demo_rule")


@pytest.mark.parametrize("spoil", [lambda values: values.pop("n"), lambda values: values.update(head="1.0"),
                                   lambda values: values.update(n=-1)], ids=["no count", "head not a list",
                                                                              "negative count"])
def test_compare_refuses_a_report_whose_fingerprint_is_malformed_in_one_line_naming_the_file(tmp_path, spoil):
    """The loud break of the backend comparison: a fingerprint no run writes (edited, or from another
    tool) stops compare with the file named, never a traceback nor a backend named on broken numbers."""
    paths = []
    for name, document in _backend_reports([0.5, -0.25, 1.0], [0.5, -0.25, 1.0], [0.5, -0.2, 1.0]):
        made = to_plain(document)
        made["environment"]["name"] = name
        paths.append(str(tmp_path / (name + ".json")))
        with open(paths[-1], "w") as stream:
            json.dump(made, stream)

    def compared():
        return subprocess.run(harness_command("compare", *paths), cwd=ROOT, env=harness_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    intact = compared()
    assert intact.returncode in (0, 1) and "torch (k3-torch) computes otherwise" in intact.stdout, intact.stderr
    with open(paths[2]) as stream:
        made = json.load(stream)
    spoil(made["cases"][0]["rules"][0]["values"]["out"])
    with open(paths[2], "w") as stream:
        json.dump(made, stream)
    done = compared()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and paths[2] in done.stderr and "values" in done.stderr
