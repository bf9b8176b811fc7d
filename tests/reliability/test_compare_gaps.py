"""Class 5: the compare gate never passes on evidence that is missing or partial.

A report whose case file changed, a case one report has and the other lacks, a partial report and
runs that did not finish on one side are gaps: named in the terminal table, the Markdown and the
HTML page, and failing the gate unless ``--allow-incomplete`` accepts them.
"""

import copy
import json
import subprocess

import pytest

from builders import report_with, run_result
from harness.contract import report
from harness_process import ROOT, harness_command, harness_env

BOTH_MODES = [run_result(v, mode) for mode in ("framework", "pinned") for v in ("a", "b")]


def _report(name, results=None, **changes):
    document = copy.deepcopy(report_with(results or BOTH_MODES, versions={"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}))
    document["environment"]["name"] = name
    for change in changes.values():
        change(document)
    return document


def _changed_case(document):
    document["cases"][0]["source_hash"] = "1"


def _extra_case(document):
    extra = copy.deepcopy(document["cases"][0])
    extra["id"] = "other"
    document["cases"].append(extra)


def _partial(document):
    document["complete"], document["interrupted"] = False, "SIGTERM"


GAPS = [
    ({"case": _changed_case}, "not comparable: new vs old toy: the case file changed between the two reports"),
    ({"case": _extra_case}, "missing case: old vs new other: new has this case, old does not"),
    ({"case": _partial}, "partial report: new: the report is partial (SIGTERM)"),
    ({}, "missing runs: new vs old toy: b / pinned init: no finished run with the same seeds on both sides"),
]


def _compare(tmp_path, new, *options):
    paths = []
    for document in (new, _report("old")):
        path = tmp_path / (document["environment"]["name"] + ".json")
        report.write(str(path), document)
        paths.append(str(path))
    out = {kind: str(tmp_path / ("comparison." + kind)) for kind in ("json", "md", "html")}
    compared = subprocess.run(harness_command("compare", *paths, "--output", out["json"], "--markdown", out["md"],
                                              *options), cwd=ROOT, env=harness_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert "Traceback" not in compared.stdout
    page = subprocess.run(harness_command("html", out["json"], "--output", out["html"]), cwd=ROOT, env=harness_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert page.returncode == 0, page.stdout
    texts = {kind: open(path).read() for kind, path in out.items()}
    texts["terminal"] = compared.stdout
    return compared.returncode, texts


@pytest.mark.parametrize("changes, gap", GAPS)
def test_a_gap_is_shown_everywhere_and_fails_the_gate(tmp_path, changes, gap):
    results = None if changes else [r for r in BOTH_MODES if not (r.variant == "b" and r.init_mode == "pinned")]
    new = _report("new", results, **changes)
    status, texts = _compare(tmp_path, new)
    assert status == 1
    assert gap in texts["terminal"] and "gate: FAILED" in texts["terminal"]
    comparison = json.loads(texts["json"])
    kind = gap.split(":")[0].replace(" ", "_")
    assert comparison["gate"]["failed"]
    assert [r["gap"]["kind"] for r in comparison["gate"]["reasons"] if r["code"] == "gap"] == [kind]
    assert [g["kind"] for g in comparison["gaps"]] == [kind]
    assert "### Not compared (1 gaps: they fail the gate)" in texts["md"]
    assert "Not compared (fails the gate)" in texts["html"]


@pytest.mark.parametrize("changes, gap", GAPS[:1])
def test_allow_incomplete_shows_the_gap_but_passes_the_gate(tmp_path, changes, gap):
    status, texts = _compare(tmp_path, _report("new", **changes), "--allow-incomplete")
    assert status == 0 and "gate: passed" in texts["terminal"] and gap in texts["terminal"]
    assert "accepted with --allow-incomplete" in texts["md"] and "accepted with --allow-incomplete" in texts["html"]


def test_no_gap_no_failure(tmp_path):
    status, texts = _compare(tmp_path, _report("new"))
    assert status == 0 and "Not compared" not in texts["md"] and json.loads(texts["json"])["gaps"] == []
