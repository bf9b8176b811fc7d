"""Interruptions lose nothing: a partial report is valid, a re-run resumes or overwrites only when
asked, and a second run aimed at the same report is refused instead of replacing it."""

import json
import os
import shutil
import signal
import subprocess
import time

import jsonschema
import pytest

from harness.contract.schema import REPORT_SCHEMA_PATH, load_schema
from harness_process import FIXTURES, ROOT, harness_command, harness_env, run_harness

pytestmark = pytest.mark.framework
FAULTY = os.path.join(FIXTURES, "faulty_cases")
# A second case slow enough to be interrupted in: each build waits, then trains the tiny model.
SLOW = '''
import time
from harness.case import Case, Variant


def make_data(rng, profile):
    x = rng.normal(0, 1, (40, 4)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data, profile):
    time.sleep(1.5)
    model = fw.Sequential()
    model.add(fw.layers.Dense(1, input_shape=(4,)))
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


CASE = Case(id="zz_slow", title="Slow", sources=("tests",), make_data=make_data, fit_options={"epochs": 1},
            variants=(Variant("only", build),), checks=())
'''


def start(*arguments):
    return subprocess.Popen(harness_command(*arguments), cwd=ROOT, env=harness_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def wait_until(output, condition, seconds=300):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if output.exists() and condition(json.loads(output.read_text())):
                return
        except ValueError:  # never happens with atomic writes; a half-written file would fail the test
            raise AssertionError("{} was read half-written".format(output))
        time.sleep(0.2)
    raise AssertionError("condition not reached in {} s".format(seconds))


def test_sigterm_keeps_a_valid_partial_report_of_finished_runs(tmp_path):
    output = tmp_path / "partial.json"
    process = start("run", "--cases", FAULTY, "-k", "tiny", "--repeats", "20", "--jobs", "1", "--output", str(output))
    wait_until(output, lambda document: document["cases"][0]["runs"])
    process.send_signal(signal.SIGTERM)
    stdout = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 143, stdout[-2000:]
    document = json.loads(output.read_text())
    jsonschema.validate(document, load_schema(REPORT_SCHEMA_PATH))
    assert document["complete"] is False and document["interrupted"] == "SIGTERM"
    finished = document["cases"][0]["runs"]
    assert 1 <= len(finished) < 20 * 2 * 2 + 4
    assert all(run["status"] == "ok" for run in finished)
    assert "interrupted by SIGTERM" in stdout


def test_an_unfinished_report_is_resumed_or_overwritten_only_when_asked(tmp_path, make_cases):
    cases = make_cases({"zz_slow.py": SLOW})
    shutil.copy(os.path.join(FAULTY, "tiny.py"), cases)
    output = tmp_path / "resumable.json"
    common = ("run", "--cases", cases, "--repeats", "2", "--jobs", "1", "--output", str(output))
    process = start(*common)
    wait_until(output, lambda document: document["cases"][0]["complete"] and document["cases"][1]["runs"])
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    interrupted = output.read_bytes()
    tiny_before = json.loads(interrupted)["cases"][0]
    assert json.loads(interrupted)["cases"][1]["complete"] is False

    refused = run_harness(*common)
    assert refused.returncode == 2, refused.stdout[-2000:]
    assert "holds an unfinished run (1 of 2 case(s) finished, interrupted by SIGINT); pass --resume" in refused.stdout
    assert output.read_bytes() == interrupted  # left as it was

    resumed = run_harness(*(common + ("--resume",)))
    assert resumed.returncode == 0, resumed.stdout[-2000:]
    document = json.loads(output.read_text())
    jsonschema.validate(document, load_schema(REPORT_SCHEMA_PATH))
    assert document["complete"] is True and document["resumed"]["kept_cases"] == ["tiny"]
    assert document["cases"][0] == tiny_before  # kept as it was, not re-run
    # 2 init modes x 2 repeats, the determinism re-runs, and the controlled run (skipped: nothing to control)
    assert document["cases"][1]["complete"] and len(document["cases"][1]["runs"]) == 2 * 2 + 2 + 1

    output.write_text("{ this is not a report")
    kept = run_harness(*common)
    assert kept.returncode == 2 and "it is left as it is: pass --overwrite" in kept.stdout
    assert output.read_text() == "{ this is not a report"
    replaced = run_harness(*(common + ("-k", "tiny", "--overwrite")))
    assert replaced.returncode == 0, replaced.stdout[-2000:]
    assert json.loads(output.read_text())["complete"] is True


def test_a_second_run_on_the_same_report_is_refused_and_the_first_finishes(tmp_path, make_cases):
    cases = make_cases({"zz_slow.py": SLOW})
    output = tmp_path / "shared.json"
    first = start("run", "--cases", cases, "--repeats", "2", "--jobs", "1", "--output", str(output))
    wait_until(output, lambda document: document["cases"][0]["runs"])
    second = run_harness("run", "--cases", cases, "--repeats", "1", "--output", str(output))
    assert second.returncode == 2
    assert "{}: another run is writing this report (pid {} on".format(output, first.pid) in second.stdout
    stdout = first.communicate(timeout=300)[0].decode()
    assert first.returncode == 0, stdout[-2000:]
    document = json.loads(output.read_text())
    jsonschema.validate(document, load_schema(REPORT_SCHEMA_PATH))
    assert document["complete"] and document["settings"]["repeats"] == 2
