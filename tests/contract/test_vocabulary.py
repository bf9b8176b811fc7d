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
        "keras_flavour": definitions["environment"]["properties"]["framework"]["properties"]["keras_flavour"]["enum"],
        "comparison_verdict": comparison["definitions"]["result"]["properties"]["verdict"]["enum"],
    }
    assert {name: tuple(values) for name, values in found.items()} == vocabulary.schema_enums()
    noise_kinds = comparison["definitions"]["result"]["properties"]["noise_kind"]["enum"]
    assert tuple(kind for kind in noise_kinds if kind is not None) == vocabulary.NOISE_KINDS


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


def test_divergence_label_reads_sizes_from_memory_and_from_files():
    assert vocabulary.divergence_label(None) == "-"
    assert vocabulary.divergence_label({"verdict": "within noise"}) == "within noise"
    assert vocabulary.divergence_label({"verdict": "diverged", "size": 12.0, "difference": 0.5}) == "DIVERGED x12"
    assert vocabulary.divergence_label({"verdict": "diverged", "size": "Infinity", "difference": 1e-4}) == "DIVERGED Δ0.0001"
