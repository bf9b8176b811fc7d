"""Class 4: a valid model is trained, not refused with advice that does not fit it.

A Sequential of Activation layers has an input and no weights: it used to be refused as "a
subclassed model ... call it once on a batch", and the check on it became an ``error``. A model
that really is not built yet (a Sequential without an Input) still gets the advice, in words
that name it."""

import json

import pytest

from harness_process import run_harness

pytestmark = pytest.mark.framework

CASE_FILE = '''
from harness.case import Case, Check, Limit, Variant
from harness.measures import trajectory_difference


def make_data(rng):
    x = rng.normal(0, 1, (40, 4)).astype("float32")
    return {"x": x, "y": 0.5 * x}


def weightless(fw, data):
    model = fw.Sequential([fw.Input((4,)), fw.layers.Activation("relu"), fw.layers.Activation("linear")])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


def no_input(fw, data):
    model = fw.Sequential([fw.layers.Dense(4)])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


CASE = Case(
    id="valid", title="Models with no weights", make_data=make_data, fit_options={"epochs": 2, "batch_size": 20},
    variants=(Variant("first", weightless), Variant("second", weightless), Variant("no_input", no_input)),
    checks=(Check(id="same_model_same_run", kind="invariant", description="two identical variants train identically",
                  variants=("first", "second"), measure=trajectory_difference("first", "second"), limit=Limit("<=", 0.0)),),
)
'''


def test_a_model_without_weights_trains_and_its_check_is_judged(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "valid.py").write_text(CASE_FILE)
    output = tmp_path / "report.json"
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "--repeats", "1",
                            "--no-determinism-rerun", "--no-controlled-runs", "--init-mode", "pinned")
    document = json.loads(output.read_text())
    runs = {run["variant"]: run for run in document["cases"][0]["runs"]}
    for variant in ("first", "second"):
        assert runs[variant]["status"] == "ok", (variant, runs[variant]["error"])
        assert runs[variant]["weights"]["initial"] == [] and len(runs[variant]["history"]["loss"]) == 2
        assert runs[variant]["history"]["loss"][-1] > 0.0
    assert [(check["id"], check["verdict"]) for check in document["cases"][0]["checks"]] == [("same_model_same_run", "pass")]
    # The model that is not built keeps the advice, which names it, as one line: the only error of the run.
    assert runs["no_input"]["status"] == "error" and runs["no_input"]["error"]["type"] == "CaseMistake"
    errors = [line for line in completed.stdout.splitlines() if line.startswith("error: ")]
    assert errors == ["error: {}: variant 'no_input': build returned a model that is not built yet (a subclassed model, "
                      "or a Sequential without an Input, is built by its first input): call it once on a batch, "
                      "model(data['x'][:1]), before returning it (README: \"Check your own model before upgrading\")"
                      .format(cases / "valid.py")], completed.stdout[-3000:]
    assert completed.returncode == 1 and "Traceback" not in completed.stdout
