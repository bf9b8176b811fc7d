"""The comparison document (``reports/comparison.json``): versioned, validated, written and read here.

``harness compare`` builds it (:mod:`harness.host.compare`) and ``harness html`` renders it; like
the report, it carries a ``schema_version``, is validated against
``schemas/comparison.schema.json`` when written and when read, and is written atomically. A
comparison of another version is refused with the command that makes a readable one.
"""

from harness.contract.report import HostDocument
from harness.contract.schema import COMPARISON_SCHEMA_PATH

# 3: codes and facts only (quantities, evidence, gaps, flags and gate reasons as data), check marks
# against the baseline, the rules of each family rule by rule, the environments' capabilities.
# 4: decided verdicts (judged quantities, margins and equivalence tests, looks and their levels).
# 5: each environment's installed packages (what moved between two nights of a floating environment).
# 6: the last look (harness decide's cap closed a case's seeds) spends the rest of alpha.
# 7: localisation's gradients stage (a variable's gradient on the probe batch) and the probe batch's loss.
SCHEMA_VERSION = 7
DOCUMENT = HostDocument(COMPARISON_SCHEMA_PATH, SCHEMA_VERSION, "comparison", "harness compare",
                        "run harness compare again to regenerate it")
schema, write, load = DOCUMENT.schema, DOCUMENT.write, DOCUMENT.load
