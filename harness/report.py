"""The per-environment report: the product's contract between runner, compare and present.

A report is validated against ``schemas/report.schema.json`` every time it is written and every
time it is read, written atomically (never half a file), and rewritten after every finished run
with ``complete: false`` until the end, so an interrupted run keeps everything it finished.
"""

import datetime
import os
from typing import Any, Dict, List

from harness import __version__
from harness.errors import ReportError
from harness.schema import load_schema, validation_errors
from harness.strict_json import dumps, loads, to_plain, write_atomically

SCHEMA_VERSION = 1
# A report is data from elsewhere (CI artifacts, other machines): refuse what no run can produce.
MAX_REPORT_BYTES = 256 * 1024 * 1024

_schema = None


def schema() -> Dict[str, Any]:
    global _schema
    if _schema is None:
        _schema = load_schema()
    return _schema


def new_report(settings: Dict[str, Any], environment: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "harness_version": __version__,
        "created": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
        "complete": False,
        "interrupted": None,
        "resumed": None,
        "settings": settings,
        "environment": environment,
        "load_errors": [],
        "cases": [],
        "summary": {"runs": {}, "checks": {}, "unexpected": [], "flags": [], "exit_status": 0},
    }


def problems(report: Dict[str, Any]) -> List[str]:
    """Schema violations of an in-memory report, after strict-JSON conversion."""
    return validation_errors(to_plain(report), schema())


def write(path: str, report: Dict[str, Any]) -> None:
    """Validate, then write atomically. An invalid report is our bug: it raises, loudly."""
    found = problems(report)
    if found:
        raise AssertionError("refusing to write an invalid report to {}: {}".format(path, "; ".join(found[:5])))
    write_atomically(path, dumps(report) + "\n")


def read_document(path: str) -> Any:
    """Strict JSON from a file that came from elsewhere; any problem is one :class:`ReportError`."""
    try:
        size = os.path.getsize(path)
        if size > MAX_REPORT_BYTES:
            raise ReportError(path, "{} bytes is larger than any report ({} at most)".format(size, MAX_REPORT_BYTES))
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except OSError as error:
        raise ReportError(path, "cannot read: {}".format(error.strerror or error))
    except UnicodeDecodeError:
        raise ReportError(path, "not a report: the file is not UTF-8 text")
    try:
        return loads(text)
    except (ValueError, RecursionError) as error:
        raise ReportError(path, "not valid JSON (truncated or corrupted?): {}".format(error))


def load(path: str) -> Dict[str, Any]:
    """Read and validate a report; every problem is a one-line :class:`ReportError` naming the file."""
    document = read_document(path)
    if not isinstance(document, dict) or "schema_version" not in document:
        raise ReportError(path, "not a harness report: no schema_version field")
    version = document["schema_version"]
    if version != SCHEMA_VERSION:
        raise ReportError(path, "schema_version {!r} is not supported (this harness reads {}); re-run the "
                                "environment with this harness version to regenerate it".format(version, SCHEMA_VERSION))
    found = validation_errors(document, schema())
    if found:
        more = " (and {} more)".format(len(found) - 1) if len(found) > 1 else ""
        raise ReportError(path, "does not follow the report schema: {}{}".format(found[0], more))
    return document
