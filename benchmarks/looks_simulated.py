"""What counting looks buys: the decide procedure on simulated A/A comparisons, looks counted or not.

    python benchmarks/looks_simulated.py [--draws 4000]

The procedure is the one ``tests/host/test_decided_verdicts.py`` checks (3 seeds, then the seeds the
comparison asks for, capped at 40, one quantity, normal seed-to-seed draws), run here on more draws
and printed: with every look at alpha (optional stopping), with look k at alpha / (k (k + 1)), and
with that and the look that reaches the cap spending the rest (alpha / k: what harness decide does),
for the paired and the independent design.
"""

import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "host")]

from harness.host import materiality, statistics  # noqa: E402
from test_decided_verdicts import decided  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=4000)
    options = parser.parse_args()
    counted = statistics.look_alpha
    procedures = (("looks counted, last spends the rest", counted, True),
                  ("looks counted (alpha/(k(k+1)))", counted, False),
                  ("every look at alpha", lambda alpha, k, last=False: alpha, False))
    for label, spending, last_look in procedures:
        statistics.look_alpha = spending
        for paired in (False, True):
            rng = np.random.RandomState(21 if paired else 22)
            verdicts = [decided(0.0, paired, rng, last_look=last_look) for _ in range(options.draws)]
            share = {name: sum(verdict == name for verdict, _ in verdicts) / float(len(verdicts))
                     for name in ("material", "within_seed_noise", "undetermined")}
            print("{:<36} {:<11} A/A material {:5.1%} (alpha {:.0%}), same {:5.1%}, undecided at the cap {:5.1%}; "
                  "seeds median {:.0f}".format(label, "paired" if paired else "independent", share["material"],
                                               materiality.ALPHA, share["within_seed_noise"], share["undetermined"],
                                               np.median([n for _, n in verdicts])))
    statistics.look_alpha = counted


if __name__ == "__main__":
    main()
