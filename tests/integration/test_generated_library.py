"""The generated rule library on the real framework of this environment (TF 2.21 / Keras 3.15.1 in
``tox -e test``), through the runner as users run it: the quick subset with the other cases
(``-k rules_generated``), the whole library with ``--profile full``. Every kind is covered at 80 % or
more of what the version exports, at least 1 000 rules pass or are declared, every failure is a
declared finding (nothing fails the environment), and the sparse-gradient rule fails exactly where
its finding says: under Adam on Keras 3's TensorFlow backend, never under SGD."""

import json

import pytest

from harness_process import run_harness

pytestmark = pytest.mark.framework


def _run(tmp_path, *arguments):
    output = str(tmp_path / "generated.json")
    done = run_harness("run", "--cases", "cases", "-k", "rules_generated", "--output", output, *arguments,
                       timeout=1200)
    with open(output) as stream:
        return done, json.load(stream)


def _verdicts(document):
    family = next(case for case in document["cases"] if case["id"] == "rules_generated")
    return family, {check["id"]: check["verdict"] for check in family["checks"]}


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("full"), "--profile", "full")


def test_the_quick_subset_runs_by_default_and_shows_the_sparse_gradient_finding(tmp_path):
    done, document = _run(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    family, verdicts = _verdicts(document)
    assert family["profile"] == "default" and all(rule.startswith("optimizer_sparse_dense_") for rule in verdicts)
    assert verdicts["optimizer_sparse_dense_adam"] == "known_failure"
    assert verdicts["optimizer_sparse_dense_sgd"] == "pass"
    assert "optimizer_sparse_dense_muon" in family["surface"]["optimizers"]["not_applicable"]
    adam = next(rule for rule in family["rules"] if rule["id"] == "optimizer_sparse_dense_adam")
    assert adam["distance"] > 0.01 and adam["values"]["table"]["n"] == 30  # the 10 x 3 table, fingerprinted


def test_the_full_library_covers_every_kind_and_declares_every_failure(full):
    done, document = full
    assert done.returncode == 0, done.stdout[-3000:]
    family, verdicts = _verdicts(document)
    assert family["profile"] == "full"
    for kind, part in family["surface"].items():
        assert part["coverage"] >= 0.8, (kind, part["declared"])
        assert part["exported"] == len(part["covered"]) + len(part["declared"])
    counts = {verdict: list(verdicts.values()).count(verdict) for verdict in set(verdicts.values())}
    assert counts.get("pass", 0) + counts.get("known_failure", 0) >= 1000 and set(counts) <= {"pass", "known_failure"}
    assert "generated over: layers" in done.stdout and "more rules pass (see the report)" in done.stdout


def test_every_generated_rule_measured_numbers_and_kept_a_fingerprint_of_them(full):
    family, _ = _verdicts(full[1])
    measured = [rule for rule in family["rules"] if rule["outcome"] == "measured"]
    assert len(measured) >= 1000 and all(rule["evidence"] > 0 and rule["values"] for rule in measured)
