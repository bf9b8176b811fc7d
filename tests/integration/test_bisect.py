"""``harness bisect`` on real environments: a fake index of local wheels over a real TensorFlow.

The package bisected is one the test writes as wheels, ``harness-bisectee`` 1.0 to 1.6, whose only
content is the factor a case multiplies a model's output by (1.0: an identity, which the case's check
holds; otherwise it fails). 1.3 depends on a package that exists nowhere (it cannot be installed:
skipped, with uv's reason), 1.5's factor is not a number (the case raises: a crash, which is data). The
framework is the real TensorFlow of this environment, held fixed (``--hold tensorflow-cpu==X``) while
the package moves; every probe is an environment uv builds, the harness's runner running the case
there. Two changes (1.1 -> 1.2 breaks the identity, 1.4 -> 1.5 crashes) are both found; run again
into another file with every release asked for, every environment comes from the cache and each
probe's time is printed.
"""

import base64
import hashlib
import json
import os
import time
import zipfile

import pytest

from harness.contract import bisection
from harness_process import run_harness

pytestmark = pytest.mark.framework

FACTORS = {"1.0": "1.0", "1.1": "1.0", "1.2": "1.001", "1.3": "1.001", "1.4": "1.001", "1.5": "'a crash'",
           "1.6": "'a crash'"}
CASE = '''
import harness_bisectee
from harness.case import Case, Check, Limit, Variant
from harness.measures import trajectory_difference


def make_data(rng, profile):
    x = rng.normal(0, 1, (32, 4)).astype("float32")
    return {"x": x, "y": x[:, :2]}


def build(fw, data, profile, scaled=False):
    inputs = fw.Input((4,))
    outputs = fw.layers.Dense(2)(inputs)
    if scaled:  # a factor of 1.0 is an identity: the two variants must train alike
        outputs = fw.layers.Rescaling(float(harness_bisectee.FACTOR))(outputs)
    model = fw.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    return model


CASE = Case(
    id="scaled_identity", title="Scaling by the package's factor of 1 changes nothing", sources=("tests",),
    make_data=make_data, fit_options={"epochs": 2, "batch_size": 8, "shuffle": False},
    variants=(Variant("plain", build), Variant("scaled", build, options={"scaled": True})),
    checks=(Check(id="identity", kind="invariant", description="plain and scaled train alike",
                  variants=("plain", "scaled"), measure=trajectory_difference("plain", "scaled"),
                  limit=Limit("<=", 1e-6), compares_variants=True),),
)
'''


def wheel(folder, version, factor, requires=()):
    """A minimal valid wheel of ``harness-bisectee`` ``version``: its module says ``FACTOR = factor``."""
    info = "harness_bisectee-{}.dist-info".format(version)
    files = {"harness_bisectee/__init__.py": "FACTOR = {}\n".format(factor),
             info + "/METADATA": "Metadata-Version: 2.1\nName: harness-bisectee\nVersion: {}\n{}".format(
                 version, "".join("Requires-Dist: {}\n".format(r) for r in requires)),
             info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = ["{},sha256={},{}".format(name, base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
                                       .rstrip(b"=").decode(), len(text.encode())) for name, text in files.items()]
    files[info + "/RECORD"] = "\n".join(record + [info + "/RECORD,,"]) + "\n"
    path = os.path.join(folder, "harness_bisectee-{}-py3-none-any.whl".format(version))
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)


def test_bisect_finds_both_changes_skips_what_cannot_install_and_records_a_crash(tmp_path):
    import tensorflow as tf
    wheels, cases = tmp_path / "wheels", tmp_path / "cases"
    wheels.mkdir()
    cases.mkdir()
    for version, factor in FACTORS.items():
        wheel(str(wheels), version, factor, ["harness-bisectee-nowhere==9.9"] if version == "1.3" else [])
    (cases / "scaled_identity.py").write_text(CASE)
    common = ["bisect", "scaled_identity", "--check", "identity", "--init-mode", "pinned", "--package",
              "harness-bisectee", "--good", "1.0", "--bad", "1.6", "--hold", "tensorflow-cpu=={}".format(tf.__version__),
              "--find-links", str(wheels), "--cases", str(cases), "--cache", str(tmp_path / "envs")]
    output = str(tmp_path / "bisect.json")
    finished = run_harness(*(common + ["--output", output]))
    print(finished.stdout)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    document = bisection.load(output)
    outcomes = {probe["version"]: probe for probe in document["probes"]}
    assert [(p["last_before"], p["first_after"], p["before"], p["after"]) for p in document["change_points"]] == [
        ("1.1", "1.2", "holds", "fails"), ("1.4", "1.5", "fails", "error")]
    assert document["state"] == "found"
    assert outcomes["1.3"]["outcome"] == "not_installed" and outcomes["1.3"]["reason"]["code"] == "install_failed"
    assert "harness-bisectee-nowhere" in outcomes["1.3"]["reason"]["detail"]
    assert outcomes["1.2"]["verdict"] == "fail" and outcomes["1.2"]["measured"][0] > 1e-6
    assert outcomes["1.1"]["verdict"] == "pass" and outcomes["1.1"]["measured"] == [0.0]
    assert outcomes["1.5"]["verdict"] == "error"
    assert "harness-bisectee 1.1 -> 1.2: holds -> FAILS" in finished.stdout
    assert "harness-bisectee 1.4 -> 1.5: FAILS -> CRASHES" in finished.stdout
    for probe in document["probes"]:
        assert probe["packages"].get("tensorflow-cpu", tf.__version__) == tf.__version__

    # The same question, asked again: nothing runs. Every release into another file: the cache builds nothing.
    started = time.time()
    again = run_harness(*(common + ["--output", output]))
    assert again.returncode == 0 and "resuming from {} finished probe(s)".format(len(outcomes)) in again.stdout
    assert "[probe" not in again.stdout
    resumed_s = time.time() - started
    every = run_harness(*(common + ["--output", str(tmp_path / "every.json"), "--every"]))
    assert every.returncode == 0, every.stdout + every.stderr
    probes = bisection.load(str(tmp_path / "every.json"))["probes"]
    warm = [probe for probe in probes if probe["version"] in outcomes and outcomes[probe["version"]]["python"]]
    assert warm and all(probe["cached"] for probe in warm)
    print("warm cache: resumed in {:.1f} s; probes of cached environments: {}".format(resumed_s, ", ".join(
        "{} {:.1f} s (build {:.1f} s)".format(p["version"], p["build_s"] + p["run_s"], p["build_s"]) for p in warm)))
    print(json.dumps([(p["version"], p["outcome"]) for p in probes]))


def test_a_quantity_is_bisected_by_its_materiality_against_the_good_release(tmp_path):
    """A factor of 1.5 from 2.2 on: ``loss`` is material against 2.0 there, decided from the seeds run (the
    pinned design is paired), and 2.1 (the same factor) is identical: the change point is 2.1 -> 2.2."""
    import tensorflow as tf
    wheels, cases = tmp_path / "wheels", tmp_path / "cases"
    wheels.mkdir()
    cases.mkdir()
    for version, factor in {"2.0": "1.0", "2.1": "1.0", "2.2": "1.5", "2.3": "1.5", "2.4": "1.5"}.items():
        wheel(str(wheels), version, factor)
    (cases / "scaled_identity.py").write_text(CASE)
    output = str(tmp_path / "bisect.json")
    finished = run_harness("bisect", "scaled_identity", "--quantity", "loss", "--variant", "scaled", "--init-mode",
                           "pinned", "--package", "harness-bisectee", "--good", "2.0", "--bad", "2.4", "--hold",
                           "tensorflow-cpu=={}".format(tf.__version__), "--find-links", str(wheels), "--cases",
                           str(cases), "--cache", str(tmp_path / "envs"), "--output", output)
    print(finished.stdout)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    document = bisection.load(output)
    probes = {probe["version"]: probe for probe in document["probes"]}
    assert [(p["last_before"], p["first_after"]) for p in document["change_points"]] == [("2.1", "2.2")]
    assert probes["2.0"]["outcome"] == "holds" and probes["2.0"]["quantity"] is None  # the reference
    assert (probes["2.4"]["verdict"], probes["2.1"]["verdict"]) == ("material", "identical")
    found = probes["2.4"]["quantity"]
    assert found["p"] < 0.05 and found["difference"] != 0 and probes["2.4"]["seeds"] >= 3
    assert "loss of scaled against 2.0" in finished.stdout and "MATERIAL" in finished.stdout
