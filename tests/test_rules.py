"""The rule machinery without a framework: distances, outcomes, judging, and a family as a kind of case."""

import math

import numpy as np
import pytest

from harness.case import CaseDeclarationError, Unsupported
from harness.contract import report
from harness.contract.settings import Settings
from harness.rules import Family, Finding, Rule
from harness.run.planning import plan
from harness.run.rule_evaluation import evaluate, judge, measurement
from harness.run.run_result import RunResult

TF1 = {"tensorflow": "1.14.0", "keras_flavour": "tf.keras"}
TF2 = {"tensorflow": "2.15.1", "keras_flavour": "tf.keras"}


def _evaluate(rules, present=("tf_data",)):
    return evaluate(None, rules, present, clear=lambda: None)


def test_distance_is_relative_to_the_expected_scale_and_counts_the_numbers():
    found = measurement({"small": (np.array([0.1, 0.2]), np.array([0.1, 0.2 + 1e-6])),
                         "large": (np.array([100.0]), np.array([100.5]))})
    assert found["pairs"]["small"] == pytest.approx(1e-6)
    assert found["pairs"]["large"] == pytest.approx(0.5 / 100.5)
    assert found["distance"] == found["pairs"]["large"] and found["evidence"] == 3


def test_a_shape_mismatch_or_an_unexpected_nan_is_infinitely_far():
    assert measurement((np.zeros((2, 3)), np.zeros((3, 2))))["distance"] == 0.0  # same numbers, another layout
    assert math.isinf(measurement((np.zeros(4), np.zeros(5)))["distance"])
    assert math.isinf(measurement((np.array([np.nan, 1.0]), np.array([0.0, 1.0])))["distance"])
    assert measurement((np.array([np.nan]), np.array([np.nan])))["distance"] == 0.0


def test_absence_is_decided_before_the_call_and_anything_raised_inside_is_raised():
    called = []

    def needs_data(fw, rng):
        called.append("needs_data")
        return 1.0, 1.0

    def refuses(fw, rng):  # what used to read as a skip: a message saying "not supported"
        raise ValueError("Argument `class_weight` is not supported for Python generator inputs.")

    def declares_inside(fw, rng):  # a rule cannot declare absence from inside its call
        raise Unsupported("no such layer")

    def crashes(fw, rng):
        raise NotImplementedError("numpy() is only available when eager execution is enabled.")

    results = _evaluate([Rule("needs_data", "g", needs_data, requires=["tf_data", "h5py"]),
                         Rule("refuses", "g", refuses), Rule("declares_inside", "g", declares_inside),
                         Rule("crashes", "g", crashes),
                         Rule("holds", "g", lambda fw, rng: (rng.uniform(size=3), rng.uniform(size=3)))])
    assert results["needs_data"]["outcome"] == "skipped" and called == []
    assert results["needs_data"]["skip"] == {"code": "missing_capability", "missing": ["h5py"]}
    assert results["refuses"] == dict(results["refuses"], outcome="raised", raised={
        "type": "ValueError", "message": "Argument `class_weight` is not supported for Python generator inputs."})
    assert results["declares_inside"]["outcome"] == "raised" and results["declares_inside"]["raised"]["type"] == "Unsupported"
    assert results["crashes"]["raised"]["type"] == "NotImplementedError"
    assert results["holds"]["outcome"] == "measured" and results["holds"]["distance"] > 0
    assert all("seconds" in r for r in results.values())


def test_each_rule_draws_the_same_numbers_whatever_runs_before_it():
    drawn = lambda fw, rng: (rng.uniform(size=2), np.zeros(2))  # noqa: E731
    alone = _evaluate([Rule("b", "g", drawn)])["b"]["distance"]
    after = _evaluate([Rule("a", "g", drawn), Rule("b", "g", drawn)])["b"]["distance"]
    assert alone == after


def _run(results, status="ok"):
    record = report.run_record(status)
    return RunResult(report.run_entry("rules", "pinned", 0, 0, {"numpy": 1, "python": 2, "framework": 3}, record),
                     {"rules": results} if status == "ok" else {})


def _judged(rules, versions=TF2, present=("tf_data",), status="ok"):
    family = Family("rules_demo", "demo", "demo", rules)
    judged = judge(family, _run(_evaluate(rules, present), status), versions)
    return {check["id"]: check for check in judged["checks"]}, {rule["id"]: rule for rule in judged["rules"]}


def test_each_rule_is_a_check_and_its_measurement_is_reported_beside_it():
    exact = lambda fw, rng: {"a": (np.ones(3), np.ones(3)), "b": (np.ones(2), np.ones(2))}  # noqa: E731
    off = lambda fw, rng: (np.ones(3), np.ones(3) + 1e-3)  # noqa: E731

    def raises(fw, rng):
        raise ValueError("Unknown layer: Dense")

    checks, rules = _judged([Rule("exact", "g", exact), Rule("off", "g", off), Rule("raises", "g", raises),
                             Rule("absent", "g", exact, requires=["keras_archive"])])
    assert checks["exact"]["verdict"] == "pass" and rules["exact"]["pairs"] == {"a": 0.0, "b": 0.0}
    assert rules["exact"]["evidence"] == 5 and rules["exact"]["outcome"] == "measured"
    assert checks["off"]["verdict"] == "fail" and rules["off"]["distance"] == pytest.approx(1e-3 / 1.001)
    assert checks["raises"]["verdict"] == "fail"  # a supported call that raises fails: never a skip
    assert checks["raises"]["groups"][0]["details"]["raised"] == "ValueError: Unknown layer: Dense"
    assert rules["raises"]["raised"] == {"type": "ValueError", "message": "Unknown layer: Dense"}
    assert checks["absent"]["verdict"] == "skipped"
    assert checks["absent"]["groups"][0]["skip"] == {"code": "missing_capability", "missing": ["keras_archive"]}
    assert "keras_archive" in checks["absent"]["groups"][0]["reason"]


def test_a_crashed_family_run_is_an_error_for_every_rule_never_a_pass():
    checks, rules = _judged([Rule("a", "g", lambda fw, rng: (1.0, 1.0))], status="error")
    assert checks["a"]["verdict"] == "error" and rules == {}


def test_a_rule_that_compares_nothing_is_an_error():
    checks, _ = _judged([Rule("empty", "g", lambda fw, rng: {})])
    assert checks["empty"]["verdict"] == "error" and "measured nothing" in checks["empty"]["groups"][0]["reason"]


def test_a_finding_is_known_where_it_applies_and_fixed_where_it_passes():
    off = lambda fw, rng: (np.ones(3), np.zeros(3))  # noqa: E731
    finding = Finding("tensorflow<2.0", "resize semantics", "https://example.org/issue")
    old, _ = _judged([Rule("off", "g", off, findings=[finding])], TF1)
    new, _ = _judged([Rule("off", "g", off, findings=[finding])], TF2)
    assert old["off"]["verdict"] == "known_failure" and new["off"]["verdict"] == "fail"
    assert old["off"]["known_failures"][0]["source"] == "https://example.org/issue"
    held, _ = _judged([Rule("on", "g", lambda fw, rng: (np.ones(1), np.ones(1)), findings=[finding])], TF1)
    assert held["on"]["verdict"] == "fixed"
    raising, _ = _judged([Rule("loud", "g", lambda fw, rng: 1 / 0, findings=[finding])], TF1)
    assert raising["loud"]["verdict"] == "known_failure"  # a declared bug may be a raise as well as a number


def test_a_finding_without_an_upstream_issue_cites_the_reproduction():
    family = Family("rules_demo", "demo", "demo", [Rule("r", "g", lambda fw, rng: (1.0, 1.0),
                                                        findings=[Finding("keras>=3", "it breaks")])])
    source = family.known_failures(family.rules[0])[0].source
    assert source == "no upstream issue found; reproduce with: python cases/rules_findings/reproduce.py rules_demo r"


def test_a_family_runs_once_whatever_the_seeds_and_init_modes():
    family = Family("rules_demo", "demo", "demo", [Rule("a", "g", lambda fw, rng: (1.0, 1.0))])
    keys = plan([family], Settings(repeats=5))
    assert [(k.variant, k.init_mode, k.repeat, k.replica) for k in keys] == [("rules", "pinned", 0, 0)]


@pytest.mark.parametrize("declare, expected", [
    (lambda: Family("rules_demo", "d", "d", [Rule("a", "g", max), Rule("a", "g", max)]), "rule ids repeat: a"),
    (lambda: Rule("Bad-Id", "g", max), "a rule's id must be a lower-case identifier"),
    (lambda: Rule("r", "g", max, tolerance=-1), "tolerance must be a non-negative number"),
    (lambda: Rule("r", "g", max, requires=["tf_dat"]), "requires names no capability 'tf_dat' (did you mean 'tf_data'?)"),
    (lambda: Rule("r", "g", lambda fw: None), "rule 'r': compute must take compute(fw, rng)"),
    (lambda: Finding("tensorflow < 2.x", "r"), "a finding: 'when' cannot read requirement 'tensorflow < 2.x'"),
    (lambda: Finding("keras>=3", "r", "github.com/keras-team/keras/issues/1"), "the https:// link of the issue"),
    (lambda: Family("rules_demo", "d", "d", []), "rules must be a non-empty list of Rule"),
])
def test_family_declarations_refuse_mistakes_when_declared(declare, expected):
    with pytest.raises(CaseDeclarationError) as raised:
        declare()
    assert expected in str(raised.value)
