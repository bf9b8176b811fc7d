"""Class 6 (reliability III): schema-valid reports that say something no harness would write.

A report comes from another machine. What its schema cannot rule out — a case id twice (a reader
would use one copy silently), a declared ``when`` nobody can read (compare raised a ValueError
traceback on an expected change's), version strings that are words, 5 000 digits or empty — is
one line naming the file and the field (``validate`` and ``compare`` alike, exit 2), or a verdict.
Before this, main said "valid" to the first two and compare printed a traceback on the second.
"""

import copy
import subprocess

import pytest

from builders import report_with, run_result
from harness.contract import report
from harness.contract.strict_json import to_plain
from harness_process import ROOT, harness_command, harness_env

TF2 = {"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}


def harness(*arguments):
    return subprocess.run(harness_command(*arguments), cwd=ROOT, env=harness_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=120)


def document(name, shift=0.0):
    results = [run_result(v, m, r, loss=(1.0, 0.5 + shift + 0.01 * r)) for r in range(3) for v in ("a", "b")
               for m in ("framework", "pinned")]
    made = to_plain(report_with(results, versions=TF2))
    made["environment"]["name"] = name
    return made


def saved(tmp_path, made):
    path = str(tmp_path / (made["environment"]["name"] + ".json"))
    report.write(path, made)
    return path


def duplicated(made):
    made["cases"].append(copy.deepcopy(made["cases"][0]))


def unreadable_expected_change(made):
    made["cases"][0]["expected_changes"] = [{"when": "tensorflow === two", "reason": "r", "source": "s",
                                             "quantities": ["val_loss"], "init_modes": ["pinned"], "variants": None}]


def unreadable_known_failure(made):
    made["cases"][0]["checks"][0]["known_failures"][0]["when"] = "<2.0"


@pytest.mark.parametrize("spoil, expected", [
    (duplicated, "case 'toy' appears 2 times; a report holds each case once"),
    (unreadable_expected_change, "cases[0].expected_changes[0].when: cannot read requirement 'tensorflow === two'"),
    (unreadable_known_failure, "cases[0].checks[0].known_failures[0].when: cannot read requirement '<2.0'"),
], ids=["duplicate case id", "expected change", "known failure"])
def test_what_the_schema_cannot_rule_out_is_one_line_naming_the_file_and_field(tmp_path, spoil, expected):
    spoilt = document("baseline")
    spoil(spoilt)
    path = saved(tmp_path, spoilt)
    other = saved(tmp_path, document("new", shift=0.3))
    for completed in (harness("validate", path),
                      harness("compare", other, path, "--baseline", "baseline", "--output", str(tmp_path / "c.json"),
                              "--markdown", str(tmp_path / "c.md"))):
        lines = completed.stderr.strip().splitlines()
        assert completed.returncode == 2 and "Traceback" not in completed.stderr, completed.stderr[-2000:]
        assert len(lines) == 1 and lines[0].startswith("error: {}: {}".format(path, expected)), lines
    assert not (tmp_path / "c.json").exists()


@pytest.mark.parametrize("version", ["banana", "2." + "9" * 5000, "", "1e5", "9" * 5000])
def test_version_strings_that_are_no_versions_still_get_a_verdict(tmp_path, version):
    odd = document("odd", shift=0.3)
    odd["environment"]["framework"]["tensorflow"] = version
    odd["environment"]["packages"]["numpy"] = version
    odd["environment"]["python"]["version"] = version
    baseline = document("baseline")
    # An expected change the baseline declares is read against the odd environment's versions.
    baseline["cases"][0]["expected_changes"] = [{"when": "tensorflow>=2.16", "reason": "r", "source": "s",
                                                 "quantities": ["val_loss*"], "init_modes": ["pinned"], "variants": None}]
    compared = harness("compare", saved(tmp_path, odd), saved(tmp_path, baseline), "--baseline", "baseline",
                       "--output", str(tmp_path / "c.json"), "--markdown", str(tmp_path / "c.md"))
    assert compared.returncode == 1 and "Traceback" not in compared.stderr, compared.stderr[-2000:]
    assert "MATERIAL" in compared.stdout  # a version that is no version satisfies no requirement: not expected
    drawn = harness("html", str(tmp_path / "c.json"), "--output", str(tmp_path / "c.html"))
    assert drawn.returncode == 0, drawn.stderr[-2000:]
