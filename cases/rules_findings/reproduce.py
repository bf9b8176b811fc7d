"""Reproduce one rule of the library with this environment's framework, outside the harness's runner.

    tox exec -e tf20 -- python cases/rules_findings/reproduce.py rules_optimizers sgd_clipvalue
    tox exec -e tf2 -- python cases/rules_findings/reproduce.py rules_generated optimizer_sparse_dense_adam

prints, for each (actual, expected) pair the rule compares, the first numbers of both and their
distance against the rule's tolerance. The rule's own code (its family's case file) is the minimal
program: a few lines of Keras on pinned weights and a NumPy reference. This is the reproduction a
finding without an upstream issue cites; paste its output into a report upstream.
"""

import os
import sys

import numpy as np


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from harness.rules import rule_rng  # noqa: E402
from harness.run.discovery import load_case_file  # noqa: E402
from harness.run.framework import load  # noqa: E402
from harness.run.rule_evaluation import measurement  # noqa: E402


def main(family: str, rule_id: str) -> int:
    fw = load()
    case = load_case_file(os.path.join(ROOT, "cases", family + ".py"), os.path.join(ROOT, "cases")).case
    rules = {rule.id: rule for rule in case.rules_in(fw, "full")[0]}  # a generated family: all it generates here
    if rule_id not in rules:
        sys.exit("{} has no rule {!r}; its rules: {}".format(family, rule_id, ", ".join(sorted(rules))))
    rule = rules[rule_id]
    print("{} / {}: {}".format(family, rule_id, rule.guarantee))
    print("python {}, numpy {}".format(sys.version.split()[0], np.__version__))
    print("framework: {}".format(fw.describe()))
    missing = [name for name in rule.requires if name not in fw.capabilities]
    if missing:
        sys.exit("this environment lacks {}, which the rule requires (harness/capabilities.py)".format(", ".join(missing)))
    fw.keras.backend.clear_session()
    comparison = rule.compute(fw, rule_rng(rule_id))
    pairs = dict(comparison) if isinstance(comparison, dict) else {"value": comparison}
    worst = measurement(comparison)["distance"]
    for name, (actual, expected) in sorted(pairs.items()):
        distance = measurement((actual, expected))["distance"]
        print("  {}: distance {:.4g} ({})".format(name, distance, "holds" if distance <= rule.tolerance else "BROKEN"))
        print("    actual   {}".format(np.round(np.asarray(actual, dtype=np.float64).ravel()[:6], 6)))
        print("    expected {}".format(np.round(np.asarray(expected, dtype=np.float64).ravel()[:6], 6)))
    print("rule {} (worst distance {:.4g}, tolerance {:g})".format(
        "holds" if worst <= rule.tolerance else "FAILS", worst, rule.tolerance))
    return 0 if worst <= rule.tolerance else 1

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python cases/rules_findings/reproduce.py FAMILY RULE, e.g. rules_optimizers sgd_clipvalue")
    sys.exit(main(sys.argv[1], sys.argv[2]))
