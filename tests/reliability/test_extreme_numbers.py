"""Class 2 (reliability III): every host command reads what a valid report can hold.

A diverged run (a NaN or infinite loss, "NaN" in the file), finite values near the largest float,
and names that matplotlib would read as mathtext (``$\\frac{$``) go through ``compare`` (terminal,
Markdown, comparison.json) and ``html`` end to end, as the CI job runs them right after an
environment diverged: a verdict and a page, never a traceback. Before this, main raised a TypeError
in ``html`` on the NaN, an OverflowError in ``compare`` on 1.7e308, and a ValueError (mathtext) in
``html`` on the name.
"""

import math

import pytest

from builders import report_with, run_result
from harness.contract import comparison as comparison_document, report
from harness.contract.strict_json import to_plain
from harness.host import html_page, statistics
from harness_process import run_harness

TF2 = {"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}
MATHTEXT = "$\\frac{$"


def write(path, losses, name=None, key=None):
    """A report whose seed r of variants a and b (both init modes) trained to ``losses(r)``."""
    results = [run_result(v, m, r, loss=losses(r), status="ok" if all(map(math.isfinite, losses(r))) else "nan")
               for r in range(3) for v in ("a", "b") for m in ("framework", "pinned")]
    document = to_plain(report_with(results, versions=TF2))
    document["environment"]["name"] = name or path.stem
    if key:
        for run in document["cases"][0]["runs"]:
            run["history"][key] = run["history"]["loss"]
    report.write(str(path), document)
    return str(path)


def compare_and_draw(tmp_path, new, old, baseline="old"):
    """``harness compare`` then ``harness html`` on its comparison.json, as .ci/run does."""
    compared = run_harness("compare", new, old, "--baseline", baseline, "--output", str(tmp_path / "c.json"),
                           "--markdown", str(tmp_path / "c.md"), timeout=120)
    assert compared.returncode in (0, 1) and "Traceback" not in compared.stdout, compared.stdout[-3000:]
    drawn = run_harness("html", str(tmp_path / "c.json"), "--output", str(tmp_path / "c.html"), timeout=120)
    assert drawn.returncode == 0 and "Traceback" not in drawn.stdout, drawn.stdout[-3000:]
    return comparison_document.load(str(tmp_path / "c.json")), (tmp_path / "c.html").read_text(), compared.stdout


def pinned(comparison, variant="a"):
    return next(item for item in comparison["comparisons"] if item["variant"] == variant)["by_init_mode"]["pinned"]


def normal(r):
    return (1.0, 0.5 + 0.01 * r)


@pytest.mark.parametrize("diverged", [float("nan"), float("inf")])
def test_a_diverged_environment_is_a_material_change_on_a_page_with_a_gap(tmp_path, diverged):
    new = write(tmp_path / "new.json", lambda r: (1.0, diverged))
    comparison, page, out = compare_and_draw(tmp_path, new, write(tmp_path / "old.json", normal))
    assert pinned(comparison)["materiality"] == "material", out
    assert "gate: FAILED" in out and "<svg" in page


@pytest.mark.parametrize("losses", [lambda r: (1e308, 1.7e308 - r * 1e307),
                                    lambda r: (1.7e308 * (-1) ** r, -1.7e308 * (-1) ** r),
                                    lambda r: (1e300 * (1 + r), 1e300 * (1 + r))],
                         ids=["near the largest float", "both signs", "1e300"])
def test_values_near_the_largest_float_are_compared_and_drawn(tmp_path, losses):
    comparison, page, _ = compare_and_draw(tmp_path, write(tmp_path / "new.json", losses),
                                           write(tmp_path / "old.json", normal))
    assert pinned(comparison)["materiality"] in ("material", "undetermined") and "<svg" in page
    same, _, _ = compare_and_draw(tmp_path, write(tmp_path / "new.json", losses), write(tmp_path / "old.json", losses))
    assert pinned(same)["materiality"] == "identical"


def test_names_are_text_not_mathtext(tmp_path):
    new = write(tmp_path / "new.json", normal, name="$\\sqrt{$", key=MATHTEXT)
    _, page, _ = compare_and_draw(tmp_path, new, write(tmp_path / "old.json", normal, key=MATHTEXT))
    assert page.count("<svg") >= 1 and "sqrt{" in page


def test_the_mean_and_spread_of_extreme_values_are_numbers_not_errors():
    assert statistics.mean([1e308, 1.7e308]) == pytest.approx(1.35e308)
    assert statistics.sd([1.7e308, -1.7e308]) == math.inf  # the spread itself is beyond the largest float
    assert statistics.sd([1e300, 3e300]) == pytest.approx(math.sqrt(2) * 1e300)
    assert math.isnan(statistics.mean([math.inf, -math.inf])) and math.isnan(statistics.sd([1.0, math.nan]))
    assert statistics.mean([0.1, 0.2, 0.3]) == math.fsum([0.1, 0.2, 0.3]) / 3  # ordinary values: as before, exact


def test_a_curve_is_drawn_with_gaps_where_it_cannot_be_drawn():
    assert [html_page.drawable(v) for v in (0.5, "NaN", "Infinity", -2e300)][:1] == [0.5]
    assert all(math.isnan(html_page.drawable(v)) for v in ("NaN", "Infinity", "-Infinity", 2e300, -2e300))
    epochs, mean, low, high = html_page._band([[1.0, math.nan, 3.0], [2.0, math.nan, 5.0]])
    assert epochs == [1, 2, 3] and mean[0] == 1.5 and math.isnan(mean[1]) and high[2] == 5.0
