"""Class 5 (reliability III): the lock that keeps one writer per report.

``open(lock, "a+")`` followed a ``<report>.lock`` that is a symbolic link and truncated what it
pointed at, and a disk on which nothing could be written at the start was a traceback. Both are one
line now, naming the lock, with nothing touched and no lock left behind. A lock removed while a run
held it let a second run in, and the first then replaced the second's complete report with its own
partial one: each save now checks that the report is still the one the run last wrote.
"""

import os
import subprocess
import sys

import pytest

from builders import report_with, run_result
from harness.contract import report
from harness.errors import UserError
from harness.run.output_lock import OutputLock
from harness.run.resumption import Destination
from harness_process import ROOT


def test_a_lock_that_is_a_link_or_no_plain_file_is_refused_and_nothing_is_truncated(tmp_path):
    """Reliability III, class 5: ``open(lock, "a+")`` followed a symbolic link and truncated its target."""
    target = tmp_path / "precious.json"
    target.write_text("a finished report\n")
    report = str(tmp_path / "tf2.json")
    os.symlink(str(target), report + ".lock")
    with pytest.raises(UserError, match=r"tf2.json.lock: is a symbolic link, not a lock the harness made; remove it"):
        with OutputLock(report):
            pass
    assert target.read_text() == "a finished report\n"
    os.unlink(report + ".lock")
    os.mkfifo(report + ".lock")  # would block a reader; refused at once
    with pytest.raises(UserError, match=r"tf2.json.lock: is not a regular file"):
        with OutputLock(report):
            pass


def test_a_full_disk_at_the_start_is_one_line_and_leaves_no_lock(tmp_path):
    """No byte can be written (RLIMIT_FSIZE 0; Python ignores SIGXFSZ, so a write fails with EFBIG as on
    a full disk): the lock cannot be written, which was a traceback."""
    report = str(tmp_path / "tf2.json")
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))\n"
            "from harness.errors import UserError\n"
            "from harness.run.output_lock import OutputLock\n"
            "try:\n"
            "    OutputLock(sys.argv[1]).__enter__()\n"
            "except UserError as error:\n"
            "    print(error)\n")
    completed = subprocess.run([sys.executable, "-c", code, report], cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert completed.stdout.strip() == "{}.lock: cannot write the lock: File too large; nothing was written".format(report)
    assert list(tmp_path.iterdir()) == []


def test_a_run_whose_lock_was_removed_never_writes_over_the_report_another_run_wrote_meanwhile(tmp_path):
    """Two runs on one report, as after ``rm <report>.lock``: the first has written a partial report, the
    second (``--overwrite``) writes its complete one; the first's next saves go to ``<report>.new``."""
    output = str(tmp_path / "tf2.json")
    first, second = Destination(output, {}), None
    partial = report_with([run_result("a"), run_result("b")])
    partial["complete"] = False
    assert first.save(partial) == output
    second = Destination(output, {})
    complete = report_with([run_result("a"), run_result("b"), run_result("a", repeat=1), run_result("b", repeat=1)])
    assert second.save(complete) == output
    written = open(output).read()
    assert first.save(partial) == output + ".new" and first.save(partial) == output + ".new"
    assert open(output).read() == written and report.load(output)["complete"] is True
    assert first.kept_message(partial) == (
        "{} was written by another run while this one ran (its lock was removed): it is left as that run wrote it; "
        "this run's report is {}.new; keep the one you want at {}".format(output, output, output))
    assert second.kept_message(complete) is None and second.save(complete) == output  # it still owns its own
    assert report.load(output + ".new")["complete"] is False  # and leaves the first's report where it is
