"""Failures of the framework become data; a broken case file is one line; the run goes on."""

import json
import os
import shutil

import jsonschema
import pytest

from harness.contract.schema import REPORT_SCHEMA_PATH, load_schema
from harness_process import FIXTURES, run_harness

pytestmark = pytest.mark.framework
FAULTY = os.path.join(FIXTURES, "faulty_cases")


def test_crash_nan_hang_and_broken_file_are_recorded_and_the_rest_runs(tmp_path):
    output = str(tmp_path / "faulty.json")
    completed = run_harness("run", "--cases", FAULTY, "--repeats", "1", "--no-determinism-rerun",
                            "--init-mode", "framework", "--timeout", "60", "--output", output)
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert "error: {}: line 6: variant 'no_build' needs build=".format(os.path.join(FAULTY, "broken.py")) in completed.stdout
    with open(output) as stream:
        document = json.load(stream)
    jsonschema.validate(document, load_schema(REPORT_SCHEMA_PATH))
    runs = {run["variant"]: run for c in document["cases"] for run in c["runs"]}
    assert runs["first"]["status"] == "ok" and runs["second"]["status"] == "ok"
    assert runs["raises_in_fit"]["status"] == "error"
    assert "Traceback" in runs["raises_in_fit"]["error"]["traceback"]
    assert runs["diverges"]["status"] == "nan"
    assert runs["diverges"]["non_finite"]["metric"] == "loss" and runs["diverges"]["non_finite"]["epoch"] >= 1
    assert runs["hangs"]["status"] == "timeout"
    assert document["load_errors"][0]["file"].endswith("broken.py")
    unexpected = document["summary"]["unexpected"]
    assert any("broken.py" in item for item in unexpected)
    assert "faults/diverged_loss_is_small: fail" in unexpected
    assert "faults: run hangs/framework/repeat 0 timeout" in unexpected


HOG = '''
from harness.case import Case, Variant


def make_data(rng, profile):
    x = rng.normal(0, 1, (8, 16000)).astype("float32")
    return {"x": x, "y": x}


def build(fw, data, profile):
    model = fw.Sequential()
    model.add(fw.layers.Dense(16000, input_shape=(16000,)))  # 256 M weights: 1 GiB, before Adam's slots
    model.compile(optimizer="adam", loss="mean_squared_error")
    return model


CASE = Case(id="hog", title="Memory hog", sources=("tests",), make_data=make_data, fit_options={"epochs": 1},
            variants=(Variant("huge_dense", build),), checks=())
'''


def test_a_run_past_the_memory_limit_is_an_error_and_the_rest_runs(tmp_path, make_cases):
    cases = make_cases({"hog.py": HOG})
    shutil.copy(os.path.join(FAULTY, "tiny.py"), cases)
    output = str(tmp_path / "memory.json")
    completed = run_harness("run", "--cases", cases, "--repeats", "1", "--no-determinism-rerun", "--init-mode",
                            "framework", "--memory-limit", "1500", "--output", output)
    assert completed.returncode == 1, completed.stdout[-3000:]
    with open(output) as stream:
        document = json.load(stream)
    jsonschema.validate(document, load_schema(REPORT_SCHEMA_PATH))
    runs = {run["variant"]: run for case in document["cases"] for run in case["runs"]}
    assert runs["huge_dense"]["status"] == "error" and runs["huge_dense"]["error"]["type"] == "memory"
    assert "past its 1500 MiB limit" in runs["huge_dense"]["error"]["message"]
    assert runs["first"]["status"] == "ok" and runs["second"]["status"] == "ok"
    assert document["settings"]["memory_limit_mib"] == 1500
    assert "hog: run huge_dense/framework/repeat 0 error" in document["summary"]["unexpected"]
