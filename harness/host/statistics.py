"""The statistics behind a materiality verdict: t-tests, their two one-sided tests of equivalence,
Holm's correction, the false-alarm level of each look, and the seeds a decision needs.

The t distribution comes from SciPy, a host-side dependency (``pip install scipy``, like matplotlib
for the HTML page); the environments never need it. A test returns a record (estimate, standard
error, degrees of freedom, p); what it means is decided by :mod:`harness.host.materiality`.
"""

import functools
import math
from typing import Any, List, Optional, Sequence, Tuple

from harness.errors import UserError


@functools.lru_cache(maxsize=1)
def _t() -> Any:
    try:
        from scipy import stats
    except ImportError:
        raise UserError("comparing reports needs SciPy on this (host) Python, for Student's t distribution: "
                        "pip install scipy")
    return stats.t


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom."""
    return float(2.0 * _t().sf(abs(t), df))


@functools.lru_cache(maxsize=4096)
def t_quantile(probability: float, df: float) -> float:
    """The t value below which ``probability`` of the distribution lies."""
    return float(_t().ppf(probability, df))


def _exponent(values: Sequence[float]) -> int:
    """The binary exponent of the largest magnitude: scaling by 2 ** -e (``math.ldexp``) is exact and
    brings every value under 1, so no sum or square overflows."""
    return math.frexp(max(abs(v) for v in values))[1]


def mean(values: Sequence[float]) -> float:
    """The exact mean (``math.fsum``); a non-finite value gives a non-finite mean, and finite values
    whose sum would overflow (a report may hold 1e308) are summed scaled down."""
    if not all(math.isfinite(v) for v in values):
        return sum(values) / len(values)  # float addition: inf stays inf, inf - inf is nan, never an error
    try:
        return math.fsum(values) / len(values)
    except OverflowError:
        exponent = _exponent(values)
        return math.ldexp(math.fsum(math.ldexp(v, -exponent) for v in values) / len(values), exponent)


def sd(values: Sequence[float]) -> float:
    """Sample standard deviation (n - 1); 0 for a single value; nan if a value is not finite; scaled
    like :func:`mean` where the squares would overflow."""
    if len(values) < 2:
        return 0.0
    if not all(math.isfinite(v) for v in values):
        return float("nan")
    exponent = _exponent(values) if max(abs(v) for v in values) > 1e150 else 0
    scaled = [math.ldexp(v, -exponent) for v in values]
    centre = mean(scaled)
    spread = math.sqrt(math.fsum((v - centre) * (v - centre) for v in scaled) / (len(values) - 1))
    try:
        return math.ldexp(spread, exponent)
    except OverflowError:  # a spread beyond the largest float: as large as a float says
        return float("inf")


class TestResult(object):
    """A t-test's estimate of the difference of means, its standard error, degrees of freedom and p."""

    def __init__(self, difference: float, standard_error: float, df: float) -> None:
        self.difference = difference
        self.standard_error = standard_error
        self.df = df
        if standard_error > 0:
            self.p = t_two_sided_p(difference / standard_error, df)
        else:  # every seed moved by exactly the same amount: certain, if it moved at all
            self.p = 1.0 if difference == 0 else 0.0

    def interval(self, confidence: float) -> Tuple[float, float]:
        half = t_quantile(0.5 + confidence / 2.0, self.df) * self.standard_error
        return self.difference - half, self.difference + half

    def equivalence(self, margin: float) -> Tuple[float, float]:
        """The two one-sided tests (TOST) of ``-margin < difference < margin``: the p of "difference <=
        -margin" and of "difference >= margin". Both below alpha show the difference smaller than
        the margin (Schuirmann 1987)."""
        if self.standard_error <= 0:
            return (0.0 if self.difference > -margin else 1.0), (0.0 if self.difference < margin else 1.0)
        lower = float(_t().sf((self.difference + margin) / self.standard_error, self.df))
        upper = float(_t().cdf((self.difference - margin) / self.standard_error, self.df))
        return lower, upper


def paired(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Paired t-test on a_i - b_i: the design when seed i of both environments started alike."""
    differences = [x - y for x, y in zip(a, b)]
    return TestResult(mean(differences), sd(differences) / math.sqrt(len(differences)), len(differences) - 1)


def welch(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Welch's t-test: two independent samples of seeds, variances not assumed equal."""
    va, vb = sd(a) * sd(a) / len(a), sd(b) * sd(b) / len(b)  # products overflow to inf; ** would raise
    se = math.sqrt(va + vb)
    if se == 0:
        return TestResult(mean(a) - mean(b), 0.0, len(a) + len(b) - 2)
    df = (va + vb) * (va + vb) / ((va * va / (len(a) - 1) if va else 0.0) + (vb * vb / (len(b) - 1) if vb else 0.0))
    return TestResult(mean(a) - mean(b), se, df)


def holm(p_values: Sequence[float]) -> List[float]:
    """Holm's step-down adjusted p-values: the family-wise false-alarm rate stays at the level
    used, whatever the correlation between the quantities (finals and curves of one run are)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def look_alpha(alpha: float, look: int, last: bool = False) -> float:
    """The false-alarm level of look ``look`` (1, 2, ...) of a comparison to which seeds are added while
    it is undecided: alpha / (look (look + 1)). The levels of every possible look sum to alpha, so
    looking again after each added seed never raises the chance of a false verdict above it (an
    alpha-spending sequence fixed in advance; Lan and DeMets 1983), whatever is decided when.
    The ``last`` look (no seeds will be added after it: harness decide's cap) spends what the looks
    before it left, alpha / look: the levels of looks 1..k then sum to alpha exactly. That bound is
    exact when the last look is fixed in advance; the look at which the cap is reached depends on the
    seeds the earlier looks asked for, so there the error rates are measured (the simulated looks in
    tests/host/test_decided_verdicts.py, benchmarks/decided_verdicts.py's real A/A pairs). Without it,
    a comparison that reaches the cap undecided is judged at a level the procedure can never use again
    (alpha / 6 at look 2), and 15 % of real A/A comparisons stayed undecided at the cap."""
    return alpha / look if last else alpha / (look * (look + 1))


def _smallest_n(reached: Any, limit: int) -> Optional[int]:
    """The smallest n in [2, limit] for which ``reached(n)``, assumed to stay true once it is."""
    if not reached(limit):
        return None
    low, high = 2, limit
    while low < high:
        middle = (low + high) // 2
        if reached(middle):
            high = middle
        else:
            low = middle + 1
    return low


def seeds_needed(effect: float, spread: float, is_paired: bool, alpha: float, power: float,
                 limit: int = 1000) -> Optional[int]:
    """Seeds per environment for a two-sided t-test at ``alpha`` to detect ``effect`` with ``power``,
    given the per-seed ``spread`` (SD of the paired differences, or of one environment's values):
    the smallest n with (t_{1-alpha/2} + t_{power}) * SE(n) <= |effect|. None when even ``limit`` seeds
    would not do."""
    if effect == 0 or spread <= 0:
        return None
    return _smallest_n(lambda n: detectable_effect(n, is_paired, alpha, power) * spread <= abs(effect), limit)


def seeds_to_show_equivalence(difference: float, margin: float, spread: float, is_paired: bool, alpha: float,
                              power: float, limit: int = 1000) -> Optional[int]:
    """Seeds per environment for the two one-sided tests at ``alpha`` to show |difference| < ``margin``
    with ``power``, if the true difference is ``difference``: the smallest n with
    |difference| + (t_{1-alpha} + t_{power}) * SE(n) <= margin. None when that cannot happen."""
    if abs(difference) >= margin:
        return None
    if spread <= 0:
        return 2

    def reached(n: int) -> bool:
        df = n - 1 if is_paired else 2 * n - 2
        error = spread * math.sqrt((1.0 if is_paired else 2.0) / n)
        return abs(difference) + (t_quantile(1 - alpha, df) + t_quantile(power, df)) * error <= margin
    return _smallest_n(reached, limit)


@functools.lru_cache(maxsize=4096)
def detectable_effect(n: int, is_paired: bool, alpha: float, power: float) -> Optional[float]:
    """The smallest difference of means a test at ``alpha`` detects with ``power`` from ``n``
    seeds per environment, in units of the per-seed spread (None below 2 seeds)."""
    if n < 2:
        return None
    df = n - 1 if is_paired else 2 * n - 2
    return (t_quantile(1 - alpha / 2, df) + t_quantile(power, df)) * math.sqrt((1.0 if is_paired else 2.0) / n)
