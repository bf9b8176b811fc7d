"""The rule machinery without a framework: distances, outcomes, and a family as a case."""

import math

import numpy as np
import pytest

from harness.case import CaseDeclarationError, KnownFailure, Unsupported, Variant
from harness.contract.settings import Settings
from harness.rules import Rule, evaluate, family, measurement
from harness.run.checking import judge_case
from harness.run.planning import plan
from harness.run.run_result import RunResult


def _evaluate(rules):
    return evaluate(None, rules, clear=lambda: None)


def test_distance_is_relative_to_the_expected_scale_and_counts_the_numbers():
    found = measurement({"small": (np.array([0.1, 0.2]), np.array([0.1, 0.2 + 1e-6])),
                         "large": (np.array([100.0]), np.array([100.5]))})
    assert found["details"]["small"] == pytest.approx(1e-6)
    assert found["details"]["large"] == pytest.approx(0.5 / 100.5)
    assert found["value"] == found["details"]["large"] and found["evidence"] == 3


def test_a_shape_mismatch_or_an_unexpected_nan_is_infinitely_far():
    assert measurement((np.zeros((2, 3)), np.zeros((3, 2))))["value"] == 0.0  # same numbers, another layout
    assert math.isinf(measurement((np.zeros(4), np.zeros(5)))["value"])
    assert math.isinf(measurement((np.array([np.nan, 1.0]), np.array([0.0, 1.0])))["value"])
    assert measurement((np.array([np.nan]), np.array([np.nan])))["value"] == 0.0


def test_evaluate_tells_skipped_refused_raised_and_measured_apart():
    def missing(fw, rng):
        raise Unsupported("no such layer")

    def refuses(fw, rng):
        raise ValueError("Argument `class_weight` is not supported for Python generator inputs.")

    def breaks(fw, rng):
        raise ValueError("Unknown variable: kernel")

    def crashes(fw, rng):  # a documented call failing inside is no refusal, whatever the exception's type
        raise NotImplementedError("numpy() is only available when eager execution is enabled.")

    results = _evaluate([Rule("missing", "g", missing), Rule("refuses", "g", refuses), Rule("breaks", "g", breaks),
                         Rule("crashes", "g", crashes),
                         Rule("holds", "g", lambda fw, rng: (rng.uniform(size=3), rng.uniform(size=3)))])
    assert results["missing"]["skipped"] == "no such layer"
    assert results["refuses"]["skipped"].startswith("this version refuses it: ValueError")
    assert results["breaks"]["error"] == "ValueError: Unknown variable: kernel"
    assert results["crashes"]["error"].startswith("NotImplementedError: numpy() is only available")
    assert results["holds"]["value"] > 0 and all("seconds" in r for r in results.values())


def test_each_rule_draws_the_same_numbers_whatever_runs_before_it():
    drawn = lambda fw, rng: (rng.uniform(size=2), np.zeros(2))  # noqa: E731
    alone = _evaluate([Rule("b", "g", drawn)])["b"]["value"]
    after = _evaluate([Rule("a", "g", drawn), Rule("b", "g", drawn)])["b"]["value"]
    assert alone == after


def _judged(rules, versions=None):
    case = family("rules_demo", "demo", "demo", rules)
    results = _evaluate(rules)
    entry = {"variant": "rules", "init_mode": "pinned", "repeat": 0, "replica": 0,
             "seeds": {"numpy": 1, "python": 2, "framework": 3}, "status": "ok", "error": None, "history": {},
             "final": {}, "non_finite": None, "data": {}, "weights": {"initial": [], "final": []}, "timing": {}}
    checks = judge_case(case, [RunResult(entry, {"rules": results})], versions or {"keras_flavour": "tf.keras"})
    return {check["id"]: check for check in checks}


def test_a_family_is_a_case_whose_checks_are_its_rules():
    exact = lambda fw, rng: (np.ones(3), np.ones(3))  # noqa: E731
    off = lambda fw, rng: (np.ones(3), np.ones(3) + 1e-3)  # noqa: E731

    def raises(fw, rng):
        raise RuntimeError("save failed")

    def missing(fw, rng):
        raise Unsupported("no .keras format")

    checks = _judged([Rule("exact", "g", exact), Rule("off", "g", off), Rule("raises", "g", raises),
                      Rule("missing", "g", missing)])
    assert checks["exact"]["verdict"] == "pass"
    assert checks["off"]["verdict"] == "fail"  # the broken input: a rule that can fail does
    assert checks["raises"]["verdict"] == "fail"
    assert checks["raises"]["groups"][0]["details"]["raised"] == "RuntimeError: save failed"
    assert checks["missing"]["verdict"] == "skipped" and checks["missing"]["groups"][0]["reason"] == "no .keras format"


def test_a_known_failure_of_a_rule_is_known_where_it_applies_and_fixed_where_it_passes():
    off = lambda fw, rng: (np.ones(3), np.zeros(3))  # noqa: E731
    known = KnownFailure("tensorflow<2.0", "resize semantics", "https://example.org/issue")
    old = _judged([Rule("off", "g", off, known_failures=[known])], {"tensorflow": "1.14.0", "keras_flavour": "tf.keras"})
    new = _judged([Rule("off", "g", off, known_failures=[known])], {"tensorflow": "2.15.1", "keras_flavour": "tf.keras"})
    assert old["off"]["verdict"] == "known_failure" and new["off"]["verdict"] == "fail"
    held = _judged([Rule("on", "g", lambda fw, rng: (np.ones(1), np.ones(1)), known_failures=[known])],
                   {"tensorflow": "1.14.0", "keras_flavour": "tf.keras"})
    assert held["on"]["verdict"] == "fixed"


def test_a_family_runs_once_whatever_the_seeds_and_init_modes():
    case = family("rules_demo", "demo", "demo", [Rule("a", "g", lambda fw, rng: (1.0, 1.0))])
    keys = plan([case], Settings(repeats=5))
    assert [(k.variant, k.init_mode, k.repeat, k.replica) for k in keys] == [("rules", "pinned", 0, 0)]


def test_family_declarations_refuse_mistakes():
    with pytest.raises(CaseDeclarationError, match="check ids repeat"):  # the case owns the uniqueness of ids
        family("rules_demo", "demo", "demo", [Rule("a", "g", None), Rule("a", "g", None)])
    with pytest.raises(CaseDeclarationError, match="exactly one of them"):
        Variant("v", build=lambda fw, data: None, compute=lambda fw: {})
    with pytest.raises(CaseDeclarationError, match="exactly one of them"):
        Variant("v")
