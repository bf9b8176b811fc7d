"""Classes 3 and 6: a broken measure is that check's error, and a check that measured nothing is
never a pass; every other check and case goes on (real TensorFlow runs)."""

import json
import os

import pytest

from harness_process import FIXTURES, run_harness

pytestmark = pytest.mark.framework
TINY = os.path.join(FIXTURES, "faulty_cases", "tiny.py")

BROKEN_MEASURES = '''
from harness.case import Case, Check, Limit, Measurement, Variant
from harness.measures import trajectory_difference


def make_data(rng, profile):
    x = rng.normal(0, 1, (20, 4)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data, profile):
    model = fw.Sequential()
    model.add(fw.layers.Dense(1, input_shape=(4,)))
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


def check(id, measure, compares=False):
    return Check(id=id, kind="invariant", description="d", variants=("a", "b"), measure=measure,
                 limit=Limit("<=", 1e-6), compares_variants=compares)


CASE = Case(
    id="a_broken_measures", title="Measures that break", sources=("tests",), make_data=make_data,
    fit_options={"epochs": EPOCHS}, variants=(Variant("a", build), Variant("b", build)),
    checks=(check("raises", lambda runs: 1 / 0, compares=True),
            check("returns_none", lambda runs: None),
            check("returns_text", lambda runs: "small"),
            check("details_not_json", lambda runs: Measurement(0.0, {"model": object()})),
            check("nan_value", lambda runs: Measurement(float("nan"))),
            check("healthy", trajectory_difference("a", "b"), compares=True)),
)
'''


def _run(make_cases, tmp_path, epochs):
    folder = make_cases({"a_broken.py": BROKEN_MEASURES.replace("EPOCHS", str(epochs)), "tiny.py": open(TINY).read()})
    output = tmp_path / "report.json"
    completed = run_harness("run", "--cases", folder, "--output", str(output), "--repeats", "1", "--init-mode", "pinned")
    assert "Traceback" not in completed.stdout, completed.stdout[-3000:]
    return completed, json.loads(output.read_text())


def test_a_broken_measure_is_that_check_s_error_and_the_rest_goes_on(make_cases, tmp_path):
    completed, document = _run(make_cases, tmp_path, 2)
    assert completed.returncode == 1 and document["complete"] is True
    checks = {check["id"]: check for check in document["cases"][0]["checks"]}
    reasons = {name: checks[name]["groups"][0]["reason"] for name in checks}
    assert checks["raises"]["verdict"] == "error" and reasons["raises"] == "measure raised ZeroDivisionError: division by zero"
    assert checks["returns_none"]["verdict"] == "error"
    assert reasons["returns_none"] == "measure returned NoneType (None), expected a number or a Measurement"
    assert checks["returns_text"]["verdict"] == "error" and "returned str ('small')" in reasons["returns_text"]
    assert checks["details_not_json"]["verdict"] == "error"
    assert reasons["details_not_json"].startswith("measure returned details that a report cannot hold: cannot store")
    assert checks["nan_value"]["verdict"] == "fail"  # not knowing is not passing
    assert checks["healthy"]["verdict"] == "pass"
    assert [case["id"] for case in document["cases"]] == ["a_broken_measures", "tiny"]
    assert document["cases"][1]["checks"][0]["verdict"] == "pass"  # the later case ran and was judged
    assert "a_broken_measures/raises: error" in document["summary"]["unexpected"]


def test_a_check_on_runs_that_trained_no_epoch_is_an_error_not_a_pass(make_cases, tmp_path):
    completed, document = _run(make_cases, tmp_path, 0)
    assert completed.returncode == 1
    healthy = {check["id"]: check for check in document["cases"][0]["checks"]}["healthy"]
    assert healthy["verdict"] == "error" and healthy["groups"][0]["measured"] is None
    assert healthy["groups"][0]["reason"].startswith("measured nothing: the runs hold no data for this measure")
    assert "a_broken_measures/healthy: error" in document["summary"]["unexpected"]
