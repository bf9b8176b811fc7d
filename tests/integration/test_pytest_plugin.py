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


def shifted(source, target, shift):
    """A baseline made from ``source`` with each run's history moved by ``shift(variant, repeat)``: a
    deliberately changed environment, decided against in the gate."""
    document = json.loads(source.read_text())
    document["environment"]["name"] = "base"
    for run in document["cases"][0]["runs"]:
        run["history"] = {key: [value + shift(run["variant"], run["repeat"]) for value in series]
                          for key, series in run["history"].items()}
        run["final"] = {key: series[-1] for key, series in run["history"].items()}
    target.write_text(json.dumps(document))
    return target


def test_the_upgrade_gate_decides_each_variant_against_the_baseline(tmp_path):
    """``--harness-baseline``: one test per variant and init mode, decided by the comparison with the
    baseline (the same seeds again: passed); a baseline moved far in one variant and by a seed-sized
    amount in the other: material fails, undetermined is skipped with its reason; a baseline that is
    not there fails every gate test with one line that names it."""
    shutil.copytree(os.path.join(FIXTURES, "plugin", "cases"), str(tmp_path / "cases"))
    made = subprocess.run([sys.executable, "-m", "harness", "run", "--cases", "cases", "--repeats", "2", "--env", "base",
                           "--output", "base.json"], cwd=str(tmp_path), env=harness_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=900)
    assert os.path.exists(str(tmp_path / "base.json")), made.stdout[-3000:]

    def gate(baseline):
        return pytest_run("cases", "-p", "harness.pytest_plugin", "--harness-repeats", "2", "--harness-baseline", baseline,
                          "--harness-env", "now", "--harness-report", "now-{}".format(os.path.basename(baseline)),
                          "-k", "decided or marks", cwd=str(tmp_path))

    same = gate("base.json")
    assert same.returncode == 0 and "5 passed" in same.stdout, same.stdout[-3000:]  # 2 variants x 2 init modes, marks

    moved = shifted(tmp_path / "base.json", tmp_path / "moved.json",
                    lambda variant, repeat: 5.0 if variant == "first" else (0.1 if repeat == 0 else -0.1))
    changed = gate(str(moved))
    out = changed.stdout
    assert changed.returncode == 1 and "2 failed, 1 passed, 2 skipped" in out, out[-3000:]
    assert "decided[first-pinned]" in out and "MATERIAL (" in out and "against base" in out
    assert "UNDETERMINED against base" in out and "harness decide runs them" in out

    missing = gate("nowhere.json")
    assert missing.returncode == 1 and "5 failed" in missing.stdout, missing.stdout[-3000:]
    assert "nowhere.json" in missing.stdout and "Traceback" not in missing.stdout


def test_a_case_on_request_is_collected_only_when_its_file_is_named(tmp_path):
    """Like ``harness run`` without -k: ``pytest cases`` leaves Case(on_request=True) out; naming the file runs it."""
    cases = tmp_path / "cases"
    shutil.copytree(os.path.join(FIXTURES, "plugin", "cases"), str(cases))
    source = (cases / "verdicts.py").read_text()
    (cases / "later.py").write_text(source.replace('id="verdicts"', 'id="later"').replace(
        'sources=("tests/fixtures",),', 'sources=("tests/fixtures",), on_request=True,'))
    everyday = pytest_run("cases", "-p", "harness.pytest_plugin", "--collect-only", "-q", cwd=str(tmp_path))
    named = pytest_run(os.path.join("cases", "later.py"), "-p", "harness.pytest_plugin", "--collect-only", "-q",
                       cwd=str(tmp_path))
    assert "cases/verdicts.py::first" in everyday.stdout and "later.py" not in everyday.stdout, everyday.stdout[-2000:]
    assert "cases/later.py::first" in named.stdout and "verdicts.py" not in named.stdout, named.stdout[-2000:]
