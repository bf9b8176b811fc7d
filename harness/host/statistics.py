"""The statistics behind a materiality verdict, in the standard library (no SciPy on the host).

Student's t distribution (through the regularised incomplete beta function), the paired and the
Welch t-test with their confidence intervals, Holm's step-down correction, and the number of
seeds a test needs to detect a given effect. Checked against SciPy's values in the unit tests.
"""

import functools
import math
from typing import List, Optional, Sequence, Tuple


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (Lentz's method)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 0.0
    return incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


@functools.lru_cache(maxsize=4096)
def t_quantile(probability: float, df: float) -> float:
    """The t value below which ``probability`` of the distribution lies (probability > 0.5)."""
    target = 2.0 * (1.0 - probability)  # two-sided tail of |T| >= q
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > target:
        high *= 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if t_two_sided_p(middle, df) > target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def sd(values: Sequence[float]) -> float:
    """Sample standard deviation (n - 1); 0 for a single value."""
    if len(values) < 2:
        return 0.0
    centre = mean(values)
    return math.sqrt(math.fsum((v - centre) ** 2 for v in values) / (len(values) - 1))


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


def paired(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Paired t-test on a_i - b_i: the design when seed i of both environments started alike."""
    differences = [x - y for x, y in zip(a, b)]
    return TestResult(mean(differences), sd(differences) / math.sqrt(len(differences)), len(differences) - 1)


def welch(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Welch's t-test: two independent samples of seeds, variances not assumed equal."""
    va, vb = sd(a) ** 2 / len(a), sd(b) ** 2 / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return TestResult(mean(a) - mean(b), 0.0, len(a) + len(b) - 2)
    df = (va + vb) ** 2 / ((va ** 2 / (len(a) - 1) if va else 0.0) + (vb ** 2 / (len(b) - 1) if vb else 0.0))
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


def seeds_needed(effect: float, spread: float, is_paired: bool, alpha: float, power: float,
                 limit: int = 1000) -> Optional[int]:
    """Seeds per environment for a two-sided t-test at ``alpha`` to detect ``effect`` with
    ``power``, given the per-seed ``spread`` (SD of the paired differences, or of one
    environment's values): the smallest n with (t_{1-alpha/2} + t_{power}) * SE(n) <= |effect|.
    None when even ``limit`` seeds would not do."""
    if effect == 0 or spread <= 0:
        return None
    low, high = 2, limit  # the detectable effect shrinks as n grows: bisect for the first n that reaches it
    if detectable_effect(high, is_paired, alpha, power) * spread > abs(effect):
        return None
    while low < high:
        middle = (low + high) // 2
        if detectable_effect(middle, is_paired, alpha, power) * spread <= abs(effect):
            high = middle
        else:
            low = middle + 1
    return low


@functools.lru_cache(maxsize=4096)
def detectable_effect(n: int, is_paired: bool, alpha: float, power: float) -> Optional[float]:
    """The smallest difference of means a test at ``alpha`` detects with ``power`` from ``n``
    seeds per environment, in units of the per-seed spread (None below 2 seeds)."""
    if n < 2:
        return None
    df = n - 1 if is_paired else 2 * n - 2
    return (t_quantile(1 - alpha / 2, df) + t_quantile(power, df)) * math.sqrt((1.0 if is_paired else 2.0) / n)
