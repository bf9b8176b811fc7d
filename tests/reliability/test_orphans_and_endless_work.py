"""Class 7: nothing a run does outlives the harness, even a harness killed by SIGKILL; work that
never ends is named.

SIGKILL runs none of the parent's cleanup: its running children used to go on (training, or
here sleeping) for up to their timeout, or for ever without one. An endless input pipeline without
``steps_per_epoch`` waited out the timeout in every run, with nothing to say why."""

import json
import signal
import subprocess
import time

import pytest

from harness_process import harness_command, harness_env, process_alive

pytestmark = pytest.mark.framework

SLEEPER = '''
import os
import time

from harness.case import Case, Variant


def make_data(rng):
    with open(PIDS, "a") as stream:
        stream.write("{}\\n".format(os.getpid()))
    time.sleep(3600)


CASE = Case(id="sleeper", title="A run that takes an hour", make_data=make_data,
            variants=(Variant("one", lambda fw, data: None), Variant("two", lambda fw, data: None)))
'''


def test_the_runs_of_a_harness_killed_by_sigkill_die_with_it(tmp_path):
    pids = tmp_path / "pids.txt"
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "sleeper.py").write_text(SLEEPER.replace("PIDS", repr(str(pids))))
    harness = subprocess.Popen(harness_command("run", "--cases", str(tmp_path / "cases"), "--output",
                                               str(tmp_path / "r.json"), "--jobs", "2", "--init-mode", "pinned",
                                               "--repeats", "1", "--no-determinism-rerun", "--timeout", "3000"),
                               env=harness_env(), cwd=str(tmp_path), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and len(pids.read_text().split() if pids.exists() else []) < 2:
            time.sleep(0.2)
        runs = [int(pid) for pid in pids.read_text().split()]
        assert len(runs) == 2 and all(process_alive(pid) for pid in runs)
        harness.send_signal(signal.SIGKILL)
        harness.wait(30)
        deadline = time.time() + 10
        while time.time() < deadline and any(process_alive(pid) for pid in runs):
            time.sleep(0.1)
        alive = [pid for pid in runs if process_alive(pid)]
    finally:
        harness.kill()
        for pid in [int(pid) for pid in pids.read_text().split()] if pids.exists() else []:
            if process_alive(pid):  # do not leave them behind even when the test fails
                subprocess.call(["kill", "-9", str(pid)])
    assert alive == []


ENDLESS = '''
from harness.case import Case, Variant


def make_data(rng):
    x = rng.normal(0, 1, (40, 4)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data):
    model = fw.Sequential([fw.Input((4,)), fw.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


def repeated(fw, data):
    return {"x": fw.tf.data.Dataset.from_tensor_slices((data["x"], data["y"])).batch(20).repeat()}


def repeated_validation(fw, data):
    pairs = fw.tf.data.Dataset.from_tensor_slices((data["x"], data["y"])).batch(20)
    return {"x": pairs, "validation_data": pairs.repeat()}


def generator(fw, data):
    def batches():
        while True:
            yield data["x"][:20], data["y"][:20]
    return {"x": batches()}


def counted(fw, data):
    return {"x": repeated(fw, data)["x"], "steps_per_epoch": 2}


CASE = Case(id="endless", title="Input pipelines that never end an epoch", make_data=make_data,
            fit_options={"epochs": 2}, variants=(
                Variant("dataset", build, fit_data=repeated), Variant("validation", build, fit_data=repeated_validation),
                Variant("generator", build, fit_data=generator), Variant("counted", build, fit_data=counted)))
'''


def test_an_endless_pipeline_is_refused_or_its_timeout_says_why(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "endless.py").write_text(ENDLESS)
    output = tmp_path / "r.json"
    started = time.time()
    completed = subprocess.run(harness_command("run", "--cases", str(tmp_path / "cases"), "--output", str(output),
                                               "--init-mode", "pinned", "--repeats", "1", "--no-determinism-rerun",
                                               "--no-controlled-runs", "--timeout", "20"),
                               env=harness_env(), cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=600)
    assert completed.returncode == 1 and "Traceback" not in completed.stdout, completed.stdout[-3000:]
    runs = {run["variant"]: run for run in json.loads(output.read_text())["cases"][0]["runs"]}
    # A dataset says it is endless: refused at once, one line naming the fix.
    for variant, data, steps in (("dataset", "x", "steps_per_epoch"), ("validation", "validation_data", "validation_steps")):
        assert runs[variant]["status"] == "error" and runs[variant]["error"]["type"] == "CaseMistake"
        assert runs[variant]["timing"]["wall_s"] < 20
        assert ("fit_data's '{}' is a dataset that repeats for ever (Dataset.repeat() without a count) and no {} is "
                "given: no epoch would end; return {{'{}': dataset, '{}': N}}").format(data, steps, data, steps) \
            in runs[variant]["error"]["message"]
    # A generator cannot say: its timeout says what to look at.
    assert runs["generator"]["status"] == "timeout"
    assert runs["generator"]["error"]["message"] == (
        "the run exceeded its 20 s timeout and was killed; the case feeds fit itself (fit_data): an endless generator, "
        "or Dataset.repeat(), without steps_per_epoch never ends an epoch: give steps_per_epoch")
    assert runs["counted"]["status"] == "ok" and len(runs["counted"]["history"]["loss"]) == 2
    assert time.time() - started < 200
