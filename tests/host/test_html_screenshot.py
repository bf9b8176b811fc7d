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
