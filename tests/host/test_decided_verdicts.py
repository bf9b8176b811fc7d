"""Decided verdicts keep their error rates when seeds are added while undecided.

The procedure ``harness decide`` runs: look at 3 seeds; while undetermined, add the seeds the
comparison asks for (capped) and look again, each look k at level alpha / (k (k + 1)). Simulated here
on normal seed-to-seed draws, as many looks as it takes: with nothing changed, the share of
comparisons ever called material stays at or below alpha; with a change of 1.5 seed SDs (beyond the
default margin of one SD), the share ever called the same stays at or below alpha too. A single
look at alpha (the method before looks were counted) is shown to break the first bound.
"""

import numpy as np
import pytest

from harness.host import materiality, statistics

CAP = 40
TOLERANCE = {"atol": 0.0, "rtol": 0.0}


def decided(shift, paired, rng, cap=CAP, last_look=True):
    """Run the procedure on one simulated comparison: its last verdict and the seeds it used. The look
    that reaches the cap is the last (as harness decide passes --last-look), unless ``last_look`` is off."""
    population_a = rng.normal(0, 1, cap) + shift
    shared = rng.normal(0, 1, cap) if paired else np.zeros(cap)
    population_b = rng.normal(0, 1, cap)
    n, look = 3, 1
    while True:
        a = list(shared[:n] + population_a[:n])
        b = list(shared[:n] + population_b[:n])
        entry, = materiality.decide([materiality.measure_quantity(("final", "q"), "loss", a, b, paired, TOLERANCE)],
                                    paired, look, last_look and n >= cap)
        if entry["materiality"] != "undetermined" or n >= cap:
            return entry["materiality"], n
        n, look = min(cap, max(n + 1, entry["needed_seeds"] or cap)), look + 1


@pytest.mark.parametrize("paired", [True, False])
def test_adding_seeds_while_undecided_keeps_false_alarms_and_false_sames_within_alpha(paired):
    rng = np.random.RandomState(11 if paired else 12)
    nothing = [decided(0.0, paired, rng) for _ in range(800)]
    changed = [decided(1.5, paired, rng) for _ in range(800)]
    false_alarms = sum(verdict == "material" for verdict, _ in nothing) / len(nothing)
    false_sames = sum(verdict == "within_seed_noise" for verdict, _ in changed) / len(changed)
    assert false_alarms <= materiality.ALPHA + 0.015 and false_sames <= materiality.ALPHA + 0.015
    # And it decides: most A/A comparisons end shown the same, most changes material, before the cap.
    assert sum(verdict == "within_seed_noise" for verdict, _ in nothing) / len(nothing) >= 0.8
    assert sum(verdict == "material" for verdict, _ in changed) / len(changed) >= 0.8


def test_looking_again_at_the_full_level_every_time_would_raise_false_alarms(monkeypatch):
    """The broken procedure: every look at alpha. Optional stopping then inflates false alarms."""
    monkeypatch.setattr(statistics, "look_alpha", lambda alpha, look, last=False: alpha)
    rng = np.random.RandomState(13)
    broken = [decided(0.0, False, rng) for _ in range(800)]
    assert sum(verdict == "material" for verdict, _ in broken) / len(broken) > materiality.ALPHA + 0.015


@pytest.mark.parametrize("paired", [True, False])
def test_the_last_look_spending_the_rest_decides_what_the_cap_left_undecided_within_alpha(paired):
    """At the cap the comparison may never be looked at again: judged at alpha / (k (k + 1)) it leaves
    alpha / (k + 1) unspent and more comparisons undecided than it need. Spending the rest there
    leaves fewer undecided (with a cap of 10 seeds, where many reach it), false alarms still within
    alpha; and the same draws without the last look are the broken implementation it is measured
    against."""
    rng_closing, rng_open = np.random.RandomState(14 if paired else 15), np.random.RandomState(14 if paired else 15)
    closing = [decided(0.0, paired, rng_closing, cap=10) for _ in range(1500)]
    open_ended = [decided(0.0, paired, rng_open, cap=10, last_look=False) for _ in range(1500)]
    undecided = {name: sum(verdict == "undetermined" for verdict, _ in runs) / len(runs)
                 for name, runs in (("closing", closing), ("open", open_ended))}
    print("undecided at a cap of 10 seeds, {}: {:.1%} with the last look, {:.1%} without".format(
        "paired" if paired else "independent", undecided["closing"], undecided["open"]))
    assert undecided["closing"] < undecided["open"] - 0.02, undecided
    assert sum(verdict == "material" for verdict, _ in closing) / len(closing) <= materiality.ALPHA + 0.015


def test_the_levels_of_every_look_sum_to_alpha():
    levels = [statistics.look_alpha(materiality.ALPHA, look) for look in range(1, 10000)]
    assert levels[0] == pytest.approx(materiality.ALPHA / 2) and sum(levels) == pytest.approx(materiality.ALPHA, rel=1e-3)
    assert all(later < earlier for earlier, later in zip(levels, levels[1:]))
    for last in range(1, 8):  # a last look at k spends exactly what looks 1..k-1 left
        spent = sum(statistics.look_alpha(materiality.ALPHA, look) for look in range(1, last))
        assert spent + statistics.look_alpha(materiality.ALPHA, last, last=True) == pytest.approx(materiality.ALPHA)


def test_equivalence_is_two_one_sided_tests_against_the_margin():
    test = statistics.TestResult(0.1, 0.05, 10)
    lower, upper = test.equivalence(0.3)
    scipy_t = pytest.importorskip("scipy.stats").t
    assert lower == pytest.approx(scipy_t.sf((0.1 + 0.3) / 0.05, 10)) and upper == pytest.approx(scipy_t.cdf(-4.0, 10))
    assert max(statistics.TestResult(0.1, 0.05, 10).equivalence(0.12)) > 0.3  # too close to the margin: not shown
    assert statistics.TestResult(0.0, 0.0, 3).equivalence(0.1) == (0.0, 0.0)
    assert statistics.TestResult(0.2, 0.0, 3).equivalence(0.1) == (0.0, 1.0)


def test_a_spread_from_a_few_seeds_is_not_trusted_below_the_quantity_s_resolution():
    """The image model's artefact: 3 seeds of val_accuracy spread 0.0068, finer than one of 120
    validation samples (0.0083); an effect of -5.3 such SDs. Floored at the resolution, the
    difference is within one validation sample of what a seed does, and no verdict is made of it."""
    a, b = [0.7417, 0.7500, 0.7583], [0.7750, 0.7833, 0.7750]
    raw, _ = materiality.measure_quantity(("final", "val_accuracy"), "val_accuracy", a, b, False, TOLERANCE)
    floored, _ = materiality.measure_quantity(("final", "val_accuracy"), "val_accuracy", a, b, False, TOLERANCE,
                                              floor=1.0 / 120)
    assert floored["seed_sd"] == pytest.approx(1.0 / 120) and raw["seed_sd"] < floored["seed_sd"]
    assert abs(floored["effect"]) < abs(raw["effect"]) and floored["resolution"] == pytest.approx(1.0 / 120)
