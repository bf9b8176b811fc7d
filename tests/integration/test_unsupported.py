"""Absence is declared, never inferred, on the real framework of this env: a variant that requires a
capability the environment lacks is skipped before anything is called, with the capability named; a
case's own code may declare it cannot run (``Unsupported``); and an API the case did not declare
absent that turns out missing is an error that fails the environment, never a skip."""

import json

import pytest

from harness_process import run_harness

pytestmark = pytest.mark.framework

CASE = '''
from harness.case import Case, Check, Limit, Unsupported, Variant
from harness.measures import trajectory_difference


def make_data(rng):
    x = rng.normal(0, 1, (20, 3)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data, optimizer="SGD", needs=None, never=False):
    if never:
        raise AssertionError("called although its requirement is absent: absence must be decided before the call")
    if needs is not None:
        raise Unsupported("this case needs {}".format(needs))
    model = fw.Sequential()
    model.add(fw.layers.Dense(1, input_shape=(3,)))
    model.compile(optimizer=fw.optimizer(optimizer, 0.1), loss="mean_squared_error")
    return model


CASE = Case(
    id="absent_apis", title="APIs this version lacks", sources=("tests",), make_data=make_data,
    fit_options={"epochs": 1, "batch_size": 20},
    variants=(Variant("plain", build), Variant("by_the_case", build, options={"needs": "a time machine"}),
              Variant("declared", build, options={"never": True}, requires=["{absent}"]),
              Variant("undeclared", build, options={"optimizer": "NoSuchOptimizer"})),
    checks=(Check(id="case_says", kind="invariant", description="d", variants=("plain", "by_the_case"),
                  measure=trajectory_difference("plain", "by_the_case"), limit=Limit("<=", 0.0)),
            Check(id="capability_says", kind="invariant", description="d", variants=("plain", "declared"),
                  measure=trajectory_difference("plain", "declared"), limit=Limit("<=", 0.0)),
            Check(id="nothing_says", kind="invariant", description="d", variants=("plain", "undeclared"),
                  measure=trajectory_difference("plain", "undeclared"), limit=Limit("<=", 0.0))),
)
'''


def test_declared_absence_skips_before_the_call_and_an_undeclared_one_is_an_error(make_cases, tmp_path):
    from harness.run.framework import load
    absent = sorted(name for name in __import__("harness.capabilities").capabilities.NAMES
                    if name not in load().capabilities)[0]
    folder = make_cases({"absent.py": CASE.replace("{absent}", absent)})
    output = tmp_path / "absent.json"
    completed = run_harness("run", "--cases", folder, "--repeats", "1", "--no-determinism-rerun",
                            "--init-mode", "pinned", "--no-controlled-runs", "--output", str(output))
    assert completed.returncode == 1, completed.stdout[-3000:]  # the undeclared missing optimizer
    document = json.loads(output.read_text())
    assert document["environment"]["capabilities"][absent] is False
    runs = {run["variant"]: run for run in document["cases"][0]["runs"]}
    assert runs["plain"]["status"] == "ok"
    assert runs["by_the_case"]["status"] == "skipped"
    assert runs["by_the_case"]["skip"] == {"code": "declared_by_case", "missing": []}
    assert runs["by_the_case"]["error"]["message"] == "this case needs a time machine"
    assert runs["declared"]["status"] == "skipped" and runs["declared"]["skip"] == {"code": "missing_capability",
                                                                                   "missing": [absent]}
    assert runs["undeclared"]["status"] == "error"
    assert runs["undeclared"]["error"]["message"].startswith("keras.optimizers has no NoSuchOptimizer in Keras ")
    checks = {check["id"]: check for check in document["cases"][0]["checks"]}
    assert checks["case_says"]["verdict"] == "skipped"
    assert checks["capability_says"]["verdict"] == "skipped"
    assert checks["capability_says"]["groups"][0]["skip"] == {"code": "missing_capability", "missing": [absent]}
    assert checks["nothing_says"]["verdict"] == "error"
    assert document["summary"]["unexpected"] == ["absent_apis: run undeclared/pinned/repeat 0 error",
                                                 "absent_apis/nothing_says: error"]
