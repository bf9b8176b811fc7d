"""Class 4: paths and numbers from the command line are checked before anything runs.

Only regular files are read or written, reads are bounded, and every problem is one line naming
the path or argument, exit 2, no traceback, nothing written. No framework is needed: every one of
these is refused before a framework would be imported.
"""

import os
import subprocess

import pytest

from builders import report_with, run_result
from harness.contract import report
from harness_process import ROOT, harness_command, harness_env


def harness(*arguments, cwd=ROOT):
    return subprocess.run(harness_command(*arguments), cwd=cwd, env=harness_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60)


def assert_one_line(completed, *expected):
    assert completed.returncode == 2, completed.stdout + completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in completed.stderr, completed.stderr
    for text in expected:
        assert text in lines[0]


@pytest.fixture
def fifo(tmp_path):
    """A FIFO where a report is expected: opening it would block until someone writes (the
    subprocess timeout turns such a hang into a failure)."""
    path = str(tmp_path / "report.json")
    os.mkfifo(path)
    return path


@pytest.fixture
def good_report(tmp_path):
    path = str(tmp_path / "good.json")
    report.write(path, report_with([run_result("a"), run_result("b")]))
    return path


def test_reading_a_fifo_or_a_device_is_refused_without_opening_it(fifo, good_report):
    for command in (("validate", fifo), ("validate", "/dev/zero"), ("compare", "/dev/zero", good_report),
                    ("html", fifo)):
        assert_one_line(harness(*command), "is a ", "not a report file")


@pytest.mark.parametrize("option, value, expected", [
    ("--timeout", "inf", "argument --timeout: expected a positive, finite number. Received: inf"),
    ("--timeout", "1e400", "argument --timeout: expected a positive, finite number"),
    ("--timeout", "nan", "argument --timeout: expected a positive, finite number"),
    ("--memory-limit", "-5", "argument --memory-limit: expected a positive, finite number"),
    ("--repeats", "0", "argument --repeats: expected a positive integer. Received: 0"),
    ("--repeats", "1000000000", "argument --repeats: expected at most 10000 seeds per variant"),
    ("--jobs", "many", "argument --jobs: expected a positive integer. Received: many"),
    ("--env", "../../escaped", "--env ../../escaped: an environment name is"),
    ("--env", "x" * 300, "an environment name is 1 to 100 letters"),
    ("--env", "two\nlines", "--env two\\nlines: an environment name is"),
])
def test_numbers_and_names_are_checked_before_anything_runs(tmp_path, option, value, expected):
    completed = harness("run", option, value, cwd=str(tmp_path))
    assert_one_line(completed, expected)
    assert os.listdir(str(tmp_path)) == []
    assert not os.path.exists(os.path.join(str(tmp_path), "..", "..", "escaped.json"))


def test_outputs_that_cannot_be_written_are_refused_before_anything_runs(tmp_path, fifo, good_report):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    cases = [
        (("run", "--output", str(folder), "--overwrite"), "a_folder: is a folder, not a file"),
        (("run", "--output", fifo), "report.json: is a FIFO, not a file"),
        (("run", "--output", "/dev/null"), "/dev/null: is a character device, not a file"),
        (("run", "--output", str(blocker / "r.json")), "cannot create its folder: {} is not a folder".format(blocker)),
        (("run", "--output", str(tmp_path / ("n" * 300 + ".json"))), "the file name is longer than file systems allow"),
        (("compare", good_report, good_report, "--output", str(folder)), "a_folder: is a folder, not a file"),
        (("compare", good_report, good_report, "--markdown", "/dev/null"), "is a character device"),
        (("html", good_report, "--output", str(folder)), "a_folder: is a folder, not a file"),
    ]
    for arguments, expected in cases:
        assert_one_line(harness(*arguments), expected)
    assert sorted(os.listdir(str(tmp_path))) == ["a_file", "a_folder", "good.json", "report.json"]
    assert os.listdir(str(folder)) == []
