"""An API a version lacks is ``skipped`` with the reason, reachable from a case and from the
compatibility layer, on the real framework: the rule library depends on this path."""

import json

import pytest

from harness_process import run_harness

pytestmark = pytest.mark.framework

CASE = '''
from harness.case import Case, Check, Limit, Unsupported, Variant
from harness.measures import trajectory_difference


def make_data(rng, profile):
    x = rng.normal(0, 1, (20, 3)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data, profile, optimizer="SGD", needs=None):
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
              Variant("by_the_layer", build, options={"optimizer": "NoSuchOptimizer"})),
    checks=(Check(id="case_says", kind="invariant", description="d", variants=("plain", "by_the_case"),
                  measure=trajectory_difference("plain", "by_the_case"), limit=Limit("<=", 0.0)),
            Check(id="layer_says", kind="invariant", description="d", variants=("plain", "by_the_layer"),
                  measure=trajectory_difference("plain", "by_the_layer"), limit=Limit("<=", 0.0))),
)
'''


def test_unsupported_runs_and_their_checks_are_skipped_with_the_reason(make_cases, tmp_path):
    folder = make_cases({"absent.py": CASE})
    output = tmp_path / "absent.json"
    completed = run_harness("run", "--cases", folder, "--repeats", "1", "--no-determinism-rerun",
                            "--init-mode", "pinned", "--output", str(output))
    assert completed.returncode == 0, completed.stdout[-3000:]
    document = json.loads(output.read_text())
    runs = {run["variant"]: run for run in document["cases"][0]["runs"]}
    assert runs["plain"]["status"] == "ok"
    assert runs["by_the_case"]["status"] == "skipped"
    assert runs["by_the_case"]["error"]["message"] == "this case needs a time machine"
    assert runs["by_the_layer"]["status"] == "skipped"
    assert runs["by_the_layer"]["error"]["message"].startswith("keras.optimizers has no NoSuchOptimizer in Keras ")
    checks = {check["id"]: check for check in document["cases"][0]["checks"]}
    assert checks["case_says"]["verdict"] == "skipped"
    assert "by_the_case (this case needs a time machine)" in checks["case_says"]["groups"][0]["reason"]
    assert checks["layer_says"]["verdict"] == "skipped"
    assert document["summary"]["unexpected"] == [] and document["summary"]["checks"] == {"skipped": 2}
