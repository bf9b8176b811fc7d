"""``pytest cases/`` runs the same code path as ``harness run`` and maps verdicts to outcomes."""

import json
import os
import shutil
import subprocess
import sys
from xml.etree import ElementTree

import jsonschema

from harness.contract.schema import REPORT_SCHEMA_PATH, load_schema
from harness_process import FIXTURES, ROOT, harness_env


def pytest_run(*arguments, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rxXs"] + list(arguments),
                          cwd=cwd, env=harness_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=900)


def test_verdicts_become_pytest_outcomes_and_the_report_is_written(tmp_path):
    """Outside this repository (no conftest): the plugin is named with -p, as a user's project would."""
    shutil.copytree(os.path.join(FIXTURES, "plugin", "cases"), str(tmp_path / "cases"))
    report = tmp_path / "plugin.json"
    junit = tmp_path / "junit.xml"
    completed = pytest_run("cases", "-p", "harness.pytest_plugin", "--harness-repeats", "1",
                           "--harness-report", str(report), "--junitxml", str(junit), cwd=str(tmp_path))
    out = completed.stdout
    assert completed.returncode == 1, out[-3000:]
    assert "2 failed, 3 passed, 1 xfailed" in out, out[-3000:]
    assert "XPASS(strict)" in out and "known_but_passing" in out
    assert "fails [invariant] fail" in out
    suite = ElementTree.parse(str(junit)).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "2", "1")  # xfail counts as skipped
    document = json.loads(report.read_text())
    jsonschema.validate(document, load_schema(REPORT_SCHEMA_PATH))
    verdicts = {check["id"]: check["verdict"] for check in document["cases"][0]["checks"]}
    assert verdicts == {"holds": "pass", "known_and_failing": "known_failure", "known_but_passing": "fixed", "fails": "fail"}


def test_selecting_with_k_runs_only_the_selected_case(tmp_path):
    report = tmp_path / "selected.json"
    completed = pytest_run("cases", "-k", "linear_autoencoder and bn", "--harness-repeats", "1", "--harness-report", str(report))
    assert completed.returncode == 0, completed.stdout[-3000:]
    # the variants bn, bn_linear_activation, bn_small_batch and the check on bn vs bn_linear_activation
    assert "4 passed" in completed.stdout, completed.stdout[-3000:]
    document = json.loads(report.read_text())
    assert [case["id"] for case in document["cases"]] == ["linear_autoencoder"]


def test_pytest_refuses_a_case_file_with_import_side_effects_before_importing_it(tmp_path):
    """Under pytest the collecting process is the one runs fork from: the same import guard applies."""
    cases = tmp_path / "cases"
    shutil.copytree(os.path.join(FIXTURES, "plugin", "cases"), str(cases))
    shutil.copy(os.path.join(FIXTURES, "side_effects", "op_at_import.py"), str(cases))
    completed = pytest_run("cases", "-p", "harness.pytest_plugin", "--harness-repeats", "1", "-k", "op_at_import or holds",
                           "--harness-report", str(tmp_path / "r.json"), cwd=str(tmp_path))
    out = completed.stdout
    assert completed.returncode == 1, out[-3000:]
    assert "1 failed, 1 passed" in out, out[-3000:]
    assert "op_at_import.py: importing it changed what every run starts from (TensorFlow runtime started" in out
