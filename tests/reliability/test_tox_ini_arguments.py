"""Class 8 (reliability III): ``harness tox-ini`` writes no argument verbatim into the file.

A line break in ``--harness``, ``--deps`` or ``--cases`` started a key of its own (a ``commands_pre``
that tox would run); a cases folder with a space was split into two arguments of the command; an
empty ``--envs`` was accepted. Each is now one line naming the argument, exit 2, nothing written —
or, for the space, a command tox itself reads as one argument (checked with tox's own parser).
"""

import configparser
import os
import shlex
import shutil
import subprocess
import sys

import pytest

from harness_process import ROOT, run_harness

INJECTED = "pandas\ncommands_pre = touch pwned"


@pytest.mark.parametrize("arguments, named", [
    (["--deps", INJECTED], "--deps"),
    (["--harness", "keras-regression-harness\r\n[testenv:evil]"], "--harness"),
    (["--cases", "cases\ncommands_pre = touch pwned"], "--cases"),
    (["--deps", "pandas\x1b[2J"], "--deps"),
    (["--cases", "{env_name}"], "--cases"),
    (["--envs", ""], "--envs"),
    (["--envs", " , "], "--envs"),
], ids=["deps newline", "harness CRLF", "cases newline", "deps escape", "cases braces", "envs empty", "envs commas"])
def test_an_argument_that_would_change_the_file_is_one_line(tmp_path, arguments, named):
    output = tmp_path / "tox.ini"
    completed = run_harness("tox-ini", "--output", str(output), *arguments, timeout=120)
    lines = completed.stdout.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: " + named), completed.stdout
    assert "Traceback" not in completed.stdout and not output.exists()


def test_a_cases_folder_with_a_space_is_one_argument_to_tox(tmp_path):
    output = tmp_path / "tox.ini"
    completed = run_harness("tox-ini", "--output", str(output), "--cases", "my cases", timeout=120)
    assert completed.returncode == 0, completed.stdout
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(output))
    assert shlex.split(parser["testenv"]["commands"])[6:8] == ["--cases", "my cases"]
    if shutil.which("tox") is None:
        pytest.skip("tox is not on PATH to read the generated file")
    shown = subprocess.run(["tox", "config", "-c", str(output), "-e", "tf2", "-k", "commands"], cwd=str(tmp_path),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    assert "--cases 'my cases'" in shown.stdout, shown.stdout[-2000:]


def test_a_checkout_in_a_folder_with_a_space_is_installed_by_a_url(tmp_path):
    """The requirement of a checkout is a file URL: a space is %20, so pip reads one URL."""
    checkout = tmp_path / "my projects" / "harness"
    shutil.copytree(os.path.join(ROOT, "harness"), str(checkout / "harness"))
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), str(checkout))
    shown = subprocess.run([sys.executable, "-c", "from harness.host import project; print(project.harness_requirement())"],
                           cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=str(checkout)), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    assert shown.stdout.strip() == "keras-regression-harness @ file://{}".format(str(checkout).replace(" ", "%20")), \
        shown.stdout
