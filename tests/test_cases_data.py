"""The data the seed cases make: identical bytes everywhere, and the vendored digits are scikit-learn's."""

import os

import numpy as np
import pytest

from harness.run.discovery import discover
from harness.run.fingerprint import data_fingerprint

CASES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cases")


def loaded_cases():
    loaded, errors = discover(CASES, every=True)
    assert errors == []
    return {item.case.id: item.case for item in loaded}


def test_vendored_digits_are_scikit_learns():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    case = loaded_cases()["symmetric_init"]
    data = case.data(np.random.RandomState(1), case.profile_options("default"))
    x = np.concatenate([data["x"], data["x_val"]]) * 16.0
    y = np.concatenate([data["y"], data["y_val"]])
    order = np.random.RandomState(1).permutation(len(digits.target))
    np.testing.assert_array_equal(x, digits.data[order].astype("float32"))
    np.testing.assert_array_equal(y, digits.target[order])


def test_linear_autoencoder_data_is_the_documents_draw():
    case = loaded_cases()["linear_autoencoder"]
    np.random.seed(1)
    expected = np.random.normal(0, 1, (100, 12))
    np.testing.assert_array_equal(case.data(np.random.RandomState(1), {})["x"], expected)


def test_data_is_a_pure_function_of_the_seed():
    for case in loaded_cases().values():
        if case.kind == "rules":  # a family of rules draws its numbers per rule (harness.rules.rule_rng), not here
            continue
        profile = case.profile_options("default")
        first = data_fingerprint(case.data(np.random.RandomState(7), profile))
        again = data_fingerprint(case.data(np.random.RandomState(7), profile))
        other = data_fingerprint(case.data(np.random.RandomState(8), profile))
        assert first == again and first != other, case.id


def test_every_case_has_the_documents_seeds_and_a_full_profile_where_it_shrinks_the_document():
    cases = loaded_cases()
    assert all(case.seeds.as_dict() == {"numpy": 1, "python": 2, "framework": 3} for case in cases.values()
               if case.kind == "training")
    full = cases["rescaled_conv"].profile_options("full")
    assert (full["samples"], full["height"], full["width"], full["filters"]) == (5088, 64, 96, 200)


def test_harness_list_shows_every_case_and_every_family_s_rules():
    from harness_process import harness_command, harness_env, ROOT
    import subprocess
    listed = subprocess.run(harness_command("list"), cwd=ROOT, env=harness_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    assert listed.returncode == 0, listed.stdout[-2000:]
    assert "linear_autoencoder (linear_autoencoder.py)" in listed.stdout and "  variants: plain, linear_activation" in listed.stdout
    assert "  rule keras_predictions (requires keras_archive): a model saved as the .keras archive" in listed.stdout
    assert listed.stdout.count("\n  rule ") == sum(len(case.rules) for case in loaded_cases().values()
                                                 if case.kind == "rules")
