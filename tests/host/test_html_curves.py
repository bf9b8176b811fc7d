"""The page draws the curve of every history key a run recorded: the metric a user watches too."""

import pytest

from builders import report_with, run_result
from harness.host import compare, html_page

pytest.importorskip("matplotlib", reason="harness html needs matplotlib (tox -e test has it)")


def test_a_metric_sits_beside_its_validation_value_the_loss_first():
    assert html_page.panels(["accuracy", "auc", "loss", "val_auc", "val_loss"]) == [
        ["loss", "val_loss"], ["accuracy", ""], ["auc", "val_auc"]]
    assert html_page.panels(["loss", "mae"]) == [["loss"], ["mae"]]


def test_every_history_key_gets_its_curve_on_the_page():
    documents = []
    for name, rate in (("old", 0.8), ("new", 0.6)):
        runs = [run_result("a", mode, repeat, loss=(1.0, rate, rate ** 2)) for mode in ("framework", "pinned")
                for repeat in range(2)]
        for run in runs:
            run.entry["history"]["val_auc"] = [0.5, 0.6 + rate / 10, 0.7]
        documents.append((name, report_with(runs)))
    comparison = compare.compare(documents, baseline="old")
    assert {key for summary in comparison["summaries"] for key in summary["curves"]} == {"loss", "val_loss", "val_auc"}
    svg = html_page.curves_figure(comparison["summaries"], ["old", "new"])
    # matplotlib writes each title as a comment beside its glyphs: one panel per key.
    assert all("<!-- a: {} -->".format(key) in svg for key in ("loss", "val_loss", "val_auc"))
    assert "<!-- a: auc -->" not in svg
