"""Class 1: a finished report is never destroyed before something holding as much replaces it.

Each test makes a complete report first (real TensorFlow), then tries what destroyed it before:
a selection that matches nothing, an empty cases folder, a run of less work, a disk that fails
mid-run. The report on disk is compared byte for byte before and after.
"""

import json
import os
import resource
import shutil
import subprocess

import pytest

from harness_process import FIXTURES, ROOT, harness_command, harness_env, run_harness

pytestmark = pytest.mark.framework
TINY = os.path.join(FIXTURES, "faulty_cases", "tiny.py")
QUICK = ("--repeats", "1", "--no-determinism-rerun", "--no-controlled-runs", "--init-mode", "pinned")


@pytest.fixture(scope="module")
def made_once(tmp_path_factory):
    """A folder with the tiny case and a twin of it, and a complete report of both (made once)."""
    folder = tmp_path_factory.mktemp("finished")
    cases = folder / "cases"
    cases.mkdir()
    shutil.copy(TINY, str(cases / "tiny.py"))
    (cases / "twin.py").write_text(open(TINY).read().replace('id="tiny"', 'id="twin"'))
    output = folder / "env.json"
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), *QUICK)
    assert completed.returncode == 0, completed.stdout[-3000:]
    return cases, output


@pytest.fixture
def finished(made_once, tmp_path):
    """This test's own copy of the cases and the complete report, and the report's bytes."""
    cases, output = made_once
    shutil.copytree(str(cases), str(tmp_path / "cases"))
    shutil.copy(str(output), str(tmp_path / "env.json"))
    return tmp_path / "cases", tmp_path / "env.json", output.read_bytes()


@pytest.mark.parametrize("selection", [("-k", "no_such_case"), ("--cases", "EMPTY")])
def test_a_selection_of_nothing_is_refused_before_the_report_is_touched(finished, tmp_path, selection):
    cases, output, before = finished
    arguments = list(selection)
    if arguments[-1] == "EMPTY":
        (tmp_path / "empty").mkdir()
        arguments[-1] = str(tmp_path / "empty")
    else:
        arguments += ["--cases", str(cases)]
    completed = run_harness("run", "--output", str(output), *(arguments + list(QUICK)))
    assert completed.returncode == 2, completed.stdout[-3000:]
    assert completed.stdout.strip().splitlines()[-1].startswith("error: no case matches")
    assert "Traceback" not in completed.stdout
    assert output.read_bytes() == before and not os.path.exists(str(output) + ".new")


def test_a_run_of_less_work_leaves_the_report_and_says_where_its_own_is(finished):
    cases, output, before = finished
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "-k", "tiny", *QUICK)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert output.read_bytes() == before
    pending = str(output) + ".new"
    assert ("note: {} still holds the earlier report: this run lacks 2 of its 4 finished runs or has them only failed "
            "(the first: twin/").format(output) in completed.stdout
    assert "this run's report is {}; move it there".format(pending) in completed.stdout
    assert "report: " + pending in completed.stdout
    # As much work replaces it, and the pending file goes.
    again = run_harness("run", "--cases", str(cases), "--output", str(output), *QUICK)
    assert again.returncode == 0 and output.read_bytes() != before and not os.path.exists(pending)


def test_overwrite_replaces_it_with_less(finished):
    cases, output, before = finished
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "-k", "tiny", "--overwrite", *QUICK)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert output.read_bytes() != before and b'"id": "twin"' not in output.read_bytes()


def test_a_disk_that_fills_up_mid_run_is_one_line_and_the_report_survives(finished):
    """Files larger than a limit cannot be written (RLIMIT_FSIZE; Python ignores SIGXFSZ, so the
    write fails with EFBIG as on a full disk): the new report's first saves fit, a later one does not."""
    cases, output, before = finished
    limit = len(before) // 2

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    completed = subprocess.run(harness_command("run", "--cases", str(cases), "--output", str(output), *QUICK), cwd=ROOT,
                               env=harness_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=600, preexec_fn=small_disk)
    assert completed.returncode == 2, completed.stdout[-3000:]
    assert "Traceback" not in completed.stdout
    assert "] tiny" in completed.stdout  # it failed mid-run, after a run had finished
    assert completed.stdout.strip().splitlines()[-1] == (
        "error: {}.new: cannot write the report: File too large; {} is unchanged".format(output, output))
    assert output.read_bytes() == before


def test_an_output_that_is_not_a_regular_file_is_refused_before_anything_runs(finished, tmp_path):
    cases, output, before = finished
    (tmp_path / "env.json.new").mkdir()
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), *QUICK)
    assert completed.returncode == 2 and "Traceback" not in completed.stdout
    assert completed.stdout.strip().splitlines()[-1] == (
        "error: {}.new: is a folder, not a file; give --output the path of a report file you can write".format(output))
    assert output.read_bytes() == before


def test_a_run_whose_every_run_times_out_leaves_the_report_it_would_have_emptied(finished):
    """Weighed, not counted: as many runs as the report holds, every one a timeout, is less."""
    cases, output, before = finished
    for name in ("tiny.py", "twin.py"):
        source = (cases / name).read_text()
        (cases / name).write_text(source.replace("def make_data(rng, profile):\n",
                                                 "def make_data(rng, profile):\n    import time; time.sleep(60)\n"))
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "--timeout", "3", *QUICK)
    assert completed.returncode == 1, completed.stdout[-3000:]
    progress = [line for line in completed.stdout.splitlines() if line.startswith("[")]
    assert len(progress) == 4 and all(" timeout " in line for line in progress), completed.stdout[-3000:]
    assert output.read_bytes() == before
    assert ("note: {} still holds the earlier report: this run lacks 4 of its 4 finished runs or has them only "
            "failed (the first: tiny/").format(output) in completed.stdout


def test_a_run_of_other_cases_with_as_many_runs_leaves_the_report_of_these(finished):
    cases, output, before = finished
    (cases / "triplet.py").write_text((cases / "tiny.py").read_text().replace('id="tiny"', 'id="triplet"'))
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "-k", "twin", "-k", "triplet", *QUICK)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert output.read_bytes() == before  # 4 runs replaced 4 runs before: tiny's were lost
    assert "this run lacks 2 of its 4 finished runs or has them only failed (the first: tiny/" in completed.stdout
    assert [case["id"] for case in json.loads(open(str(output) + ".new").read())["cases"]] == ["triplet", "twin"]


def test_resuming_a_selection_keeps_the_finished_cases_it_did_not_select(finished):
    cases, output, before = finished
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "-k", "twin", "--resume",
                            "--repeats", "2", *QUICK[2:])
    assert completed.returncode == 0, completed.stdout[-3000:]
    earlier, now = json.loads(before), json.loads(output.read_text())
    assert now["cases"][1] == earlier["cases"][0]  # tiny, carried as it was
    assert now["resumed"]["extended_cases"] == ["twin"] and len(now["cases"][0]["runs"]) == 4


PROFILED = ('    fit_options={"epochs": 2, "batch_size": 20},\n',
            '    fit_options={"epochs": 2, "batch_size": 20}, profiles={"long": {"fit": {"epochs": 3}}},\n')


@pytest.mark.parametrize("profile", ["lnog", "full"])
def test_a_profile_no_selected_case_has_is_refused_before_anything_runs(finished, profile):
    cases, output, before = finished
    (cases / "tiny.py").write_text((cases / "tiny.py").read_text().replace(*PROFILED))
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "--profile", profile, *QUICK)
    assert completed.returncode == 2, completed.stdout[-3000:]
    assert completed.stdout.strip().splitlines()[-1] == (
        "error: --profile {!r}: no selected case has this profile (they have: default, long); give one of those"
        .format(profile))
    assert "Traceback" not in completed.stdout and "[1/" not in completed.stdout
    assert output.read_bytes() == before and not os.path.exists(str(output) + ".new")


def test_a_profile_runs_the_cases_that_have_it_and_the_others_at_their_one_size(finished):
    cases, output, before = finished
    (cases / "tiny.py").write_text((cases / "tiny.py").read_text().replace(*PROFILED))
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "--profile", "long", *QUICK)
    assert completed.returncode == 0, completed.stdout[-3000:]
    document = json.loads(output.read_text())
    assert [(case["id"], case["profile"]) for case in document["cases"]] == [("tiny", "long"), ("twin", "default")]
    epochs = {case["id"]: {len(run["history"]["loss"]) for run in case["runs"]} for case in document["cases"]}
    assert epochs == {"tiny": {3}, "twin": {2}} and all(run["status"] == "ok" for case in document["cases"]
                                                         for run in case["runs"])
