"""``harness watch`` without a framework: tonight's report of an environment against the night before's.

Reports are written by the test's builders: a floating environment whose packages moved between two
nights (Keras 3.15.1 -> 3.16.0) and whose identity check broke, one where nothing moved, one seen for
the first time. The comparison is compare's; what is checked here is that a changed verdict fails the
night, names what moved, and gives the bisect command with the ends the right way round.
"""

import os

import pytest

from builders import TF2, report_with, run_result
from harness.cli import main
from harness.contract import comparison as comparison_document
from harness.contract import report
from harness.errors import UserError
from harness.host import present, watch, wording


def night(folder, name, keras, broken, fixed_factor=0.5):
    """A report of ``name`` whose check ``identity`` holds (b trains as a does) or not."""
    results = [run_result("a", "framework", loss=(1.0, 0.5)),
               run_result("b", "framework", loss=(1.0, 0.7 if broken else fixed_factor))]
    document = report_with(results, versions=TF2)
    document["environment"]["name"] = name
    document["environment"]["packages"] = {"keras": keras, "numpy": "2.4.6", "tensorflow-cpu": "2.21.0"}
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".json")
    report.write(path, document)
    return path


def test_a_release_that_breaks_a_check_fails_the_night_names_what_moved_and_how_to_bisect(tmp_path, capsys):
    night(str(tmp_path / "previous"), "tf2", "3.15.1", broken=False)
    tonight = night(str(tmp_path / "tonight"), "tf2", "3.16.0", broken=True)
    markdown = str(tmp_path / "watch.md")
    code = main(["watch", tonight, "--previous", str(tmp_path / "previous"), "--output-folder",
                 str(tmp_path / "watch"), "--markdown", markdown])
    out = capsys.readouterr().out
    assert code == 1
    assert "tf2: packages moved: keras 3.15.1 -> 3.16.0; gate FAILED" in out
    assert "BROKE toy/identity on tf2: pass -> fail (undeclared)" in out
    assert "python -m harness bisect toy --check identity --package keras --good 3.15.1 --bad 3.16.0" in out
    saved = comparison_document.load(str(tmp_path / "watch" / "tf2.comparison.json"))
    assert saved["baseline"] == "tf2@previous" and saved["gate"]["failed"]
    text = open(markdown).read()
    assert "**Changed: tf2**" in text and "keras 3.15.1 -&gt; 3.16.0" in text
    assert "  - `python -m harness bisect toy --check identity --package keras --good 3.15.1 --bad 3.16.0`" in text


def test_a_fix_is_bisected_with_the_ends_the_other_way_round(tmp_path):
    previous = {"tf2": (None, report.load(night(str(tmp_path / "p"), "tf2", "3.15.1", broken=True)))}
    tonight = report.load(night(str(tmp_path / "t"), "tf2", "3.16.0", broken=False))
    (name, comparison), = watch.watch(previous, [("tf2", tonight)])
    assert [change for change in wording.package_changes(comparison)] == [("keras", "3.15.1", "3.16.0")]
    commands = wording.bisect_commands(comparison)
    assert commands == ["python -m harness bisect toy --check identity --package keras --good 3.16.0 --bad 3.15.1"]


def test_a_night_where_nothing_moved_passes_and_a_first_night_compares_nothing(tmp_path, capsys):
    night(str(tmp_path / "previous"), "tf2", "3.15.1", broken=False)
    tonight = [night(str(tmp_path / "tonight"), "tf2", "3.15.1", broken=False),
               night(str(tmp_path / "tonight"), "keras3-jax", "3.15.1", broken=False)]
    code = main(["watch"] + tonight + ["--previous", str(tmp_path / "previous"), "--output-folder",
                                       str(tmp_path / "watch")])
    out = capsys.readouterr().out
    assert code == 0
    assert "tf2: no package moved; gate passed" in out
    assert "keras3-jax: no report of the previous run: nothing to compare (its first night)" in out
    assert "to find the release" not in out


def test_a_verdict_changed_with_no_release_moved_says_so_and_still_fails(tmp_path):
    previous = {"tf2": (None, report.load(night(str(tmp_path / "p"), "tf2", "3.15.1", broken=False)))}
    tonight = report.load(night(str(tmp_path / "t"), "tf2", "3.15.1", broken=True))
    results = watch.watch(previous, [("tf2", tonight)])
    text = present.watch_terminal(results)
    assert "gate FAILED" in text and "no package moved: the change is not a release's" in text
    assert wording.bisect_commands(results[0][1]) == []


def test_a_previous_folder_that_is_not_one_is_one_line(tmp_path, capsys):
    tonight = night(str(tmp_path / "tonight"), "tf2", "3.15.1", broken=False)
    assert main(["watch", tonight, "--previous", str(tmp_path / "nowhere")]) == 2
    error = capsys.readouterr().err
    assert "--previous {}: not a folder of reports".format(tmp_path / "nowhere") in error
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "tf2.json").write_text("{")
    with pytest.raises(UserError, match="tf2.json: not valid JSON"):
        watch.previous_reports(str(tmp_path / "broken"))
