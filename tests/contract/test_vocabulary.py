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
    }
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


def test_materiality_label_names_the_cause_only_of_a_change():
    assert vocabulary.materiality_label(None) == "-"
    assert vocabulary.materiality_label({"materiality": "within_tolerance", "cause": "arithmetic"}) == "within tolerance"
    assert vocabulary.materiality_label({"materiality": "material", "cause": "training_randomness"}) == \
        "MATERIAL (training RNG)"
    assert vocabulary.materiality_label({"materiality": "material", "cause": "initialisation",
                                         "expected": {"reason": "r"}}) == "MATERIAL (init) expected"


def test_the_worst_materiality_wins():
    assert vocabulary.worst_materiality(["identical", None, "undetermined", "within_seed_noise"]) == "undetermined"
    assert vocabulary.worst_materiality(["material", "undetermined"]) == "material"
    assert vocabulary.worst_materiality([]) == "identical"
