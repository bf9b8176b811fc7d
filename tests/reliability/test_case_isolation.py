"""Class 2: one case file's side effects cannot reach other cases or outlive its runs.

A case file that runs a framework operation at import used to make every run of every case in
the folder hang (TF 2.x: the runtime started in the parent the runs fork from) or silently shift
the other cases' framework-seeded figures (TF 1.x: the operation landed in the default graph).
Such a file is now refused with one line, and the others run as if it were not there; whatever a
run starts (a subprocess, a fork) ends with the run.
"""

import json
import os
import shutil
import signal
import time

import pytest

from harness.contract.strict_json import decode_float
from harness_process import FIXTURES, ROOT, process_alive, run_harness
from tox_envs import tox_env

pytestmark = pytest.mark.framework
TINY = os.path.join(FIXTURES, "faulty_cases", "tiny.py")
SIDE_EFFECTS = os.path.join(FIXTURES, "side_effects")


def _source(name):
    with open(os.path.join(SIDE_EFFECTS, name)) as stream:
        return stream.read()
QUICK = ("--repeats", "1", "--no-determinism-rerun", "--no-controlled-runs", "--timeout", "60")

LEAKY = '''
import os
import subprocess
from harness.case import Case, Variant


def make_data(rng, profile):
    x = rng.normal(0, 1, (20, 4)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data, profile):
    # Neither holds any of the run's pipes open (close_fds, closerange): left alone, both would
    # simply outlive the run by an hour.
    started = [subprocess.Popen(["sleep", "3600"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).pid]
    child = os.fork()
    if child == 0:
        os.closerange(3, 4096)
        import time
        time.sleep(3600)
        os._exit(0)
    started.append(child)
    with open(PIDS, "a") as stream:
        stream.write(" ".join(str(pid) for pid in started) + "\\n")
    model = fw.Sequential()
    model.add(fw.layers.Dense(1, input_shape=(4,)))
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


CASE = Case(id="leaky", title="Starts processes in its runs", sources=("tests",), checks=(), make_data=make_data,
            fit_options={"epochs": 1}, variants=(Variant("only", build),))
'''


@pytest.mark.parametrize("name, problem", [
    ("op_at_import.py", "TensorFlow runtime started: False before, True after"),
    ("process_at_import.py", "it started a process"),
])
def test_a_case_file_that_changes_the_fork_parent_is_refused_and_the_others_run(make_cases, tmp_path, name, problem):
    folder = make_cases({name: _source(name), "tiny.py": open(TINY).read()})
    output = tmp_path / "report.json"
    started = time.time()
    completed = run_harness("run", "--cases", folder, "--output", str(output), "-k", "tiny", *QUICK)
    assert time.time() - started < 300, "runs hung"
    assert completed.returncode == 1, completed.stdout[-3000:]  # a file that cannot load fails the env
    refused = [line for line in completed.stdout.splitlines() if line.startswith("error: " + os.path.join(folder, name))]
    assert len(refused) == 1 and problem in refused[0] and "do that in make_data or build" in refused[0]
    document = json.loads(output.read_text())
    assert [run["status"] for run in document["cases"][0]["runs"]] == ["ok"] * 4
    assert document["load_errors"][0]["file"].endswith(name)


def test_processes_a_run_starts_do_not_outlive_it(make_cases, tmp_path):
    pids = tmp_path / "pids.txt"
    folder = make_cases({"leaky.py": LEAKY.replace("PIDS", repr(str(pids)))})
    completed = run_harness("run", "--cases", folder, "--output", str(tmp_path / "r.json"), "--init-mode", "pinned",
                            *QUICK)
    assert completed.returncode == 0, completed.stdout[-3000:]
    started = [int(pid) for line in pids.read_text().split("\n") if line for pid in line.split()]
    assert len(started) == 2
    time.sleep(0.5)
    alive = [pid for pid in started if process_alive(pid)]
    for pid in alive:  # do not leave them behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert alive == []


def test_tf1_figures_are_untouched_by_a_case_file_that_adds_graph_operations(tmp_path):
    """On TF 1.14 the operation would land in the default graph: the seed case keeps its figure."""
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(os.path.join(ROOT, "cases", "linear_autoencoder.py"), str(folder / "linear_autoencoder.py"))
    (folder / "a_op_at_import.py").write_text(_source("op_at_import.py"))
    output = tmp_path / "tf114.json"
    completed = tox_env("tf114", output, "--cases", str(folder), "-k", "linear", "--repeats", "1",
                        "--no-determinism-rerun", "--init-mode", "framework")
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert "TensorFlow 1.x graph operations: 0 before, 3 after" in completed.stdout
    document = json.loads(output.read_text())
    final = {run["variant"]: round(decode_float(run["final"]["val_loss"]), 4) for run in document["cases"][0]["runs"]}
    assert (final["plain"], final["linear_activation"]) == (1.2729, 0.7751)  # the seed's fresh-script figures


AT_IMPORT = '''
import os
import subprocess
import keras
from harness.case import Case, Variant

{}

CASE = Case(id="{}", title="Changes what runs start from", sources=("tests",), checks=(),
            make_data=lambda rng, profile: {{}}, variants=(Variant("only", lambda fw, data, profile: None),))
'''
GLOBAL_STATE = {
    "floatx": ('keras.backend.set_floatx("float64")', "Keras floatx: float32 before, float64 after"),
    "policy": ('keras.mixed_precision.set_global_policy("mixed_float16")',
               "Keras mixed-precision policy: float32 before, mixed_float16 after"),
    "seeds": ("keras.utils.set_random_seed(5)", "TensorFlow global seed: None before, 5 after"),
    "cwd": ('os.chdir("/")', "working directory: {cwd} before, / after"),
    "shell": ('os.system("sleep 300 & echo $! >> PIDS")', "it started a process"),
    "session": ('open(PIDS, "a").write("%d\\n" % subprocess.Popen(["sleep", "300"], start_new_session=True).pid)',
                "it started a process"),
}
DETACHING_RUN = '''
import subprocess
from harness.case import Case, Variant


def make_data(rng, profile):
    x = rng.normal(0, 1, (20, 4)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data, profile):
    with open(PIDS, "a") as stream:
        stream.write("%d\\n" % subprocess.Popen(["sleep", "300"], start_new_session=True).pid)
    model = fw.Sequential([fw.Input((4,)), fw.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


CASE = Case(id="detaching", title="A run that starts a process in a session of its own", sources=("tests",),
            checks=(), make_data=make_data, fit_options={"epochs": 1}, variants=(Variant("only", build),))
'''


def test_global_state_cwd_and_detached_processes_at_import_are_refused_and_nothing_outlives_a_run(make_cases, tmp_path):
    """Keras's global settings, the global seeds, the working directory and processes that leave through a
    shell or a session of their own were not seen by the import guard: the file was imported and every
    run forked from what it changed (float64 weights, another folder for the report), or its process
    outlived everything. A run's detached process outlived the run."""
    pids = tmp_path / "pids.txt"
    files = {name + ".py": AT_IMPORT.format(code.replace("PIDS", repr(str(pids))), name)
             for name, (code, _) in GLOBAL_STATE.items()}
    files["detaching.py"] = DETACHING_RUN.replace("PIDS", repr(str(pids)))
    files["tiny.py"] = open(TINY).read()
    folder = make_cases(files)
    output = tmp_path / "report.json"
    completed = run_harness("run", "--cases", folder, "--output", str(output), "--init-mode", "pinned", *QUICK)
    try:
        assert completed.returncode == 1, completed.stdout[-3000:]
        for name, (_, problem) in GLOBAL_STATE.items():
            refused = [line for line in completed.stdout.splitlines()
                       if line.startswith("error: " + os.path.join(folder, name + ".py"))]
            assert len(refused) == 1 and problem.format(cwd=ROOT) in refused[0], (name, completed.stdout[-3000:])
        document = json.loads(output.read_text())
        assert sorted(case["id"] for case in document["cases"]) == ["detaching", "tiny"]
        runs = [run for case in document["cases"] for run in case["runs"]]
        assert [run["status"] for run in runs] == ["ok"] * 3
        assert {weight["dtype"] for run in runs for weight in run["weights"]["final"]} == {"float32"}
        started = [int(pid) for pid in pids.read_text().split()]
        assert len(started) == 3  # the shell's and the session's (imported only in the guard), the run's
    finally:
        started = [int(pid) for pid in pids.read_text().split()] if pids.exists() else []
        alive = [pid for pid in started if process_alive(pid)]
        for pid in alive:
            os.kill(pid, signal.SIGKILL)
    assert alive == []
