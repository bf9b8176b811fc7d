"""The same environment run twice gives the same bits for every variant it calls deterministic."""

import json
import os
import shutil

import pytest

from harness_process import FIXTURES, run_harness

pytestmark = pytest.mark.framework


def key(run):
    return run["variant"], run["init_mode"], run["repeat"], run["replica"]


def test_two_runs_of_one_env_agree_bitwise_on_every_deterministic_variant(tmp_path, make_cases):
    cases = make_cases({})
    shutil.copy(os.path.join(FIXTURES, "faulty_cases", "tiny.py"), cases)
    documents = []
    for name in ("first", "second"):
        output = str(tmp_path / (name + ".json"))
        completed = run_harness("run", "--cases", cases, "--repeats", "2", "--output", output)
        assert completed.returncode == 0, completed.stdout[-2000:]
        with open(output) as stream:
            documents.append(json.load(stream)["cases"][0])
    first, second = documents
    deterministic = {(entry["variant"], entry["init_mode"]) for entry in first["determinism"] if entry["bitwise_identical"]}
    assert deterministic, "the report must say which variants are deterministic"
    compared = 0
    # runs are recorded in the order they finish, which two jobs at a time may change
    for before, after in zip(sorted(first["runs"], key=key), sorted(second["runs"], key=key)):
        assert key(before) == key(after)
        # A controlled run is a pinned run with less randomness: deterministic where pinned runs are.
        mode = "pinned" if before["init_mode"] == "controlled" else before["init_mode"]
        if (before["variant"], mode) in deterministic:
            assert before["history"] == after["history"] and before["weights"] == after["weights"], key(before)
            compared += 1
    assert compared == len(first["runs"])  # the tiny case is deterministic on every TF this suite runs on
