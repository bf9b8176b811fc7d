"""The bisection document (``bisect.json``): versioned, validated, written after every probe and read here.

``harness bisect`` writes it after each probe, so an interrupted bisection resumes from the probes
it finished; like the report and the comparison it carries a ``schema_version``, is validated
against ``schemas/bisection.schema.json`` when written and when read, and is written atomically.
"""

from typing import Any, Dict

from harness.contract.report import check_version, read_document, write_document
from harness.contract.schema import BISECTION_SCHEMA_PATH, load_schema, validation_errors
from harness.errors import ReportError

SCHEMA_VERSION = 1


def schema() -> Dict[str, Any]:
    return load_schema(BISECTION_SCHEMA_PATH)


def write(path: str, document: Dict[str, Any]) -> None:
    write_document(path, document, schema(), "bisection")


def load(path: str) -> Dict[str, Any]:
    """Read ``bisect.json``, refusing anything that is not one (one line naming the file)."""
    document = read_document(path)
    check_version(path, document, SCHEMA_VERSION, "bisection", "give --output another file to start a new bisection")
    found = validation_errors(document, schema())
    if found:
        raise ReportError(path, "not a bisection written by harness bisect: {}".format(found[0]))
    return document
