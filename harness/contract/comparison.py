"""The comparison document (``reports/comparison.json``): versioned, validated, written and read here.

``harness compare`` builds it (:mod:`harness.host.compare`) and ``harness html`` renders it; like
the report, it carries a ``schema_version``, is validated against
``schemas/comparison.schema.json`` when written and when read, and is written atomically. A
comparison of another version is refused with the command that makes a readable one.
"""

from typing import Any, Dict

from harness.contract.report import check_version, read_document, write_document
from harness.contract.schema import COMPARISON_SCHEMA_PATH, load_schema, validation_errors
from harness.errors import ReportError

# 3: codes and facts only (quantities, evidence, gaps, flags and gate reasons as data), check marks
# against the baseline, the rules of each family rule by rule, the environments' capabilities.
# 4: decided verdicts (judged quantities, margins and equivalence tests, looks and their levels).
SCHEMA_VERSION = 4


def schema() -> Dict[str, Any]:
    return load_schema(COMPARISON_SCHEMA_PATH)


def write(path: str, comparison: Dict[str, Any]) -> None:
    write_document(path, comparison, schema(), "comparison")


def load(path: str) -> Dict[str, Any]:
    """Read ``comparison.json``, refusing anything that is not one (one line naming the file)."""
    document = read_document(path)
    check_version(path, document, SCHEMA_VERSION, "comparison", "run harness compare again to regenerate it")
    found = validation_errors(document, schema())
    if found:
        raise ReportError(path, "not a comparison written by harness compare: {}".format(found[0]))
    return document
