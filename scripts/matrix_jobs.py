"""The CI matrix's jobs: a tox label's environments and the Python each runs on, from tox.ini.

    python scripts/matrix_jobs.py --label everyday            # include=[{"env": "tf114", "python": "3.7"}, ...]
    python scripts/matrix_jobs.py --label matrix --json       # the list alone

The workflow's first job runs this and hands the list to the matrix (``fromJSON``), so the one list
to edit is the label in ``tox.ini``; ``scripts/matrix_dry_run.py --label`` drives the same list here.
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness.errors import UserError  # noqa: E402
from harness.host import tox_config  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="everyday", help="a label of tox.ini's [tox] labels (default: %(default)s)")
    parser.add_argument("--tox-ini", default=os.path.join(ROOT, "tox.ini"))
    parser.add_argument("--json", action="store_true", help="print the list alone, not a GITHUB_OUTPUT line")
    options = parser.parse_args()
    try:
        found = tox_config.jobs(options.label, options.tox_ini)
    except UserError as error:
        sys.stderr.write("error: {}\n".format(error))
        return 2
    text = json.dumps(found, separators=(",", ":"))
    print(text if options.json else "include=" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
