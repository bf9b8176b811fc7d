"""Failures of the framework become data; a broken case file is one line; the run goes on."""

import json
import os
import signal
import subprocess
import time

import jsonschema

from harness.schema import load_schema
from integration.conftest import FIXTURES, ROOT, harness_command, harness_env, run_harness

FAULTY = os.path.join(FIXTURES, "faulty_cases")


def test_crash_nan_hang_and_broken_file_are_recorded_and_the_rest_runs(tmp_path):
    output = str(tmp_path / "faulty.json")
    completed = run_harness("run", "--cases", FAULTY, "--repeats", "1", "--no-determinism-rerun",
                            "--init-mode", "framework", "--timeout", "60", "--output", output)
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert "error: {}: line 6: TypeError".format(os.path.join(FAULTY, "broken.py")) in completed.stdout
    with open(output) as stream:
        document = json.load(stream)
    jsonschema.validate(document, load_schema())
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


def test_sigterm_keeps_a_valid_partial_report_of_finished_runs(tmp_path):
    output = tmp_path / "partial.json"
    process = subprocess.Popen(harness_command("run", "--cases", FAULTY, "-k", "tiny", "--repeats", "20", "--jobs", "1",
                                               "--output", str(output)),
                               cwd=ROOT, env=harness_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    while time.time() < deadline:
        if output.exists() and json.loads(output.read_text())["cases"][0]["runs"]:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    stdout = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 143, stdout[-2000:]
    document = json.loads(output.read_text())
    jsonschema.validate(document, load_schema())
    assert document["complete"] is False and document["interrupted"] == "SIGTERM"
    finished = document["cases"][0]["runs"]
    assert 1 <= len(finished) < 20 * 2 * 2 + 4
    assert all(run["status"] == "ok" for run in finished)
    assert "interrupted by SIGTERM" in stdout
