"""Class 5 (reliability III): the lock that keeps one writer per report.

``open(lock, "a+")`` followed a ``<report>.lock`` that is a symbolic link and truncated what it
pointed at, and a disk on which nothing could be written at the start was a traceback. Both are one
line now, naming the lock, with nothing touched and no lock left behind.
"""

import os
import subprocess
import sys

import pytest

from harness.errors import UserError
from harness.run.output_lock import OutputLock
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
