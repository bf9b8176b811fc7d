"""The bisection document (``bisect.json``): versioned, validated, written after every probe and read here.

``harness bisect`` writes it after each probe, so an interrupted bisection resumes from the probes
it finished; like the report and the comparison it carries a ``schema_version``, is validated
against ``schemas/bisection.schema.json`` when written and when read, and is written atomically.
"""

from harness.contract.report import HostDocument
from harness.contract.schema import BISECTION_SCHEMA_PATH

SCHEMA_VERSION = 1
DOCUMENT = HostDocument(BISECTION_SCHEMA_PATH, SCHEMA_VERSION, "bisection", "harness bisect",
                        "give --output another file to start a new bisection")
schema, write, load = DOCUMENT.schema, DOCUMENT.write, DOCUMENT.load
