"""The HTML page in a real browser: headless Chromium draws the curves (pixels, not DOM text)."""

import os
import shutil
import subprocess

import numpy as np
import pytest

from builders import report_with, run_result
from harness.host import compare, html_page

matplotlib_image = pytest.importorskip("matplotlib.image", reason="harness html needs matplotlib (tox -e test has it)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("HARNESS_REQUIRE_CHROMIUM"),
                                reason="no chromium (Debian: apt-get install -y chromium)")
# matplotlib's first two colours (C0, C1): one per environment, lines and bands.
COLOURS = np.array([[31, 119, 180], [255, 127, 14]], dtype=float)


def comparison():
    """Two environments whose loss curves fall differently over five epochs, three seeds each."""
    documents = []
    for name, rate in (("old", 0.8), ("new", 0.6)):
        runs = []
        for repeat in range(3):
            losses = tuple(1.0 * (rate + 0.02 * repeat) ** epoch for epoch in range(5))
            runs += [run_result(variant, mode, repeat, loss=losses) for variant in ("a", "b")
                     for mode in ("framework", "pinned")]
        documents.append((name, report_with(runs, versions={"tensorflow": "2.21.0", "keras_flavour": "tf.keras"})))
    return compare.compare(documents, baseline="old")


def coloured_pixels(page, tmp_path):
    """Render ``page`` in headless Chromium and count pixels of the two environments' colours."""
    path = tmp_path / "page.html"
    path.write_text(page)
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--screenshot={}".format(shot),
                    "--window-size=1400,2600", path.as_uri()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=120, check=True)
    pixels = matplotlib_image.imread(str(shot))[..., :3] * 255.0
    distances = np.linalg.norm(pixels[:, :, None, :] - COLOURS[None, None], axis=-1)
    return (distances < 40).sum(axis=(0, 1))


def test_chromium_draws_the_curves_of_both_environments(tmp_path):
    drawn = coloured_pixels(html_page.render(comparison()), tmp_path)
    assert (drawn > 500).all(), drawn  # lines and bands in each environment's colour


def test_the_pixel_check_fails_on_a_page_without_curves(tmp_path):
    broken = comparison()
    broken["summaries"] = []  # a page that lost its curves must not pass the check above
    drawn = coloured_pixels(html_page.render(broken), tmp_path)
    assert (drawn < 50).all(), drawn


def trajectories_only(traced):
    """The page's curves removed; each environment's pinned runs given a trajectory of every variable
    (``traced``), and the new environment a localisation: what is drawn is the trajectories alone."""
    document = comparison()
    for summary in document["summaries"]:
        summary["curves"] = {}
        if traced and summary["init_mode"] == "pinned":
            rate = 0.5 if summary["env"] == "old" else 0.9
            summary["trajectories"] = [{"name": "dense/kernel", "shape": [2, 2], "sums": [4.0 * rate ** e for e in range(6)]},
                                       {"name": "dense/bias", "shape": [2], "sums": [0.1 * e * rate for e in range(6)]}]
    for item in document["comparisons"]:
        item["by_init_mode"]["pinned"]["localisation"] = {
            "stage": "update", "step": 1, "epoch": None, "env_loss": 1.0, "baseline_loss": 1.0,
            "variable": {"env": "dense/kernel", "baseline": "dense/kernel"}, "layer": None, "differing": 1,
            "of": "update", "env_l2": 1.0, "baseline_l2": 1.1, "relative": 0.1, "ulps": 1e6, "traced": True,
            "probed": {"forward": True, "gradients": True},
            "noise": {"measured": True, "within": False}, "beyond_rounding": None}
    return document


def test_chromium_draws_each_environments_trajectories_and_where_they_part(tmp_path):
    drawn = coloured_pixels(html_page.render(trajectories_only(True)), tmp_path)
    assert (drawn > 300).all(), drawn


def test_the_pixel_check_fails_on_a_page_without_trajectories(tmp_path):
    drawn = coloured_pixels(html_page.render(trajectories_only(False)), tmp_path)
    assert (drawn < 50).all(), drawn
