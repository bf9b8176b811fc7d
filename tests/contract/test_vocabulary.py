"""The words of the contract: the schemas spell them as the vocabulary does, and the one rule holds."""

import json

import pytest

from harness.contract import vocabulary
from harness.contract.schema import COMPARISON_SCHEMA_PATH, REPORT_SCHEMA_PATH


def _schema(path):
    with open(path) as stream:
        return json.load(stream)


def test_the_schemas_enums_are_the_vocabulary():
    report, comparison = _schema(REPORT_SCHEMA_PATH), _schema(COMPARISON_SCHEMA_PATH)
    definitions = report["definitions"]
    found = {
        "status": definitions["run"]["properties"]["status"]["enum"],
        "verdict": definitions["verdict"]["enum"],
        "kind": definitions["check"]["properties"]["kind"]["enum"],
        "init_mode": definitions["init_mode"]["enum"],
        "run_mode": definitions["run"]["properties"]["init_mode"]["enum"],
        "keras_flavour": definitions["environment"]["properties"]["framework"]["properties"]["keras_flavour"]["enum"],
        "materiality": comparison["definitions"]["materiality"]["enum"],
        "cause": [cause for cause in comparison["definitions"]["cause"]["enum"] if cause is not None],
        "case_kind": definitions["case"]["properties"]["kind"]["enum"],
        "skip_code": definitions["skip"]["properties"]["code"]["enum"],
        "rule_outcome": definitions["rule"]["properties"]["outcome"]["enum"],
        "mark": [mark for mark in comparison["properties"]["checks"]["items"]["properties"]["verdicts"][
            "additionalProperties"]["properties"]["mark"]["enum"] if mark is not None],
    }
    assert comparison["definitions"]["skip"]["properties"]["code"]["enum"] == list(vocabulary.SKIP_CODES)
    assert {name: tuple(values) for name, values in found.items()} == vocabulary.schema_enums()


def test_every_verdict_has_a_severity_and_a_mark():
    assert sorted(vocabulary.SEVERITY) == sorted(vocabulary.CHECK_VERDICTS)
    assert sorted(vocabulary.MARKS) == sorted(vocabulary.CHECK_VERDICTS)


@pytest.mark.parametrize("kind, verdict, fails", [
    ("invariant", "fail", True), ("characterisation", "fail", False), ("invariant", "fixed", True),
    ("characterisation", "error", True), ("invariant", "known_failure", False), ("invariant", "noise", False),
    ("invariant", "skipped", False), ("invariant", "pass", False),
])
def test_what_fails_an_environment(kind, verdict, fails):
    assert vocabulary.check_fails_environment(kind, verdict) is fails
    assert vocabulary.check_is_flag(kind, verdict) is (verdict == "fail" and kind == "characterisation")


def test_broken_runs_fail_the_environment_and_finished_ones_do_not():
    assert [s for s in vocabulary.RUN_STATUSES if vocabulary.run_fails_environment(s)] == ["error", "timeout"]
    assert not set(vocabulary.FINISHED) & set(vocabulary.BROKEN)


@pytest.mark.parametrize("before, after, mark", [
    ("pass", "fail", "broke"), ("pass", "known_failure", "broke"), ("skipped", "fail", "broke"), (None, "fail", "broke"),
    ("pass", "skipped", "lost"), ("pass", "error", "lost"), ("pass", "noise", "lost"), ("pass", None, "lost"),
    ("known_failure", "skipped", "lost"), ("fail", "pass", "fixed"), ("known_failure", "fixed", "fixed"),
    ("skipped", "pass", "regained"), (None, "pass", "regained"),
    ("pass", "pass", None), ("pass", "fixed", None), ("fail", "known_failure", None), ("skipped", "error", None),
])
def test_a_change_of_verdict_is_a_mark(before, after, mark):
    assert vocabulary.verdict_change(before, after) == mark


def test_the_worst_materiality_wins():
    assert vocabulary.worst_materiality(["identical", None, "undetermined", "within_seed_noise"]) == "undetermined"
    assert vocabulary.worst_materiality(["material", "undetermined"]) == "material"
    assert vocabulary.worst_materiality([]) == "identical"
