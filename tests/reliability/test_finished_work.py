"""Class 1: a finished report is never destroyed before something holding as much replaces it.

Each test makes a complete report first (real TensorFlow), then tries what destroyed it before:
a selection that matches nothing, an empty cases folder, a run of less work, a disk that fails
mid-run. The report on disk is compared byte for byte before and after.
"""

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
    assert "note: {} still holds the earlier report (4 finished runs, this run 2): this run's report is {}".format(
        output, pending) in completed.stdout
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
