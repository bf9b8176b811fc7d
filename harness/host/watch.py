"""``harness watch``: tonight's floating environments against the same environments the night before.

The floating environments (``tox -m floating``: ``tf2``, ``tf2-legacy``, ``keras3-jax``,
``keras3-torch``) install whatever is newest when they are built; that is the point of them for
people who guard the framework, and nothing else notices a release that changes a verdict. Each
report of tonight is compared, by the same pipeline as ``harness compare``, with the report of the same
environment from the previous run (kept by CI; named ``ENV@previous`` as the baseline): the marks
(broke, lost, fixed, regained), material changes and the gate are compare's. What moved between the
two nights is read from the reports' installed packages; the words, and the ``harness bisect``
command that would find the release, are chosen at the edge (:mod:`harness.host.wording`).
"""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.contract import report
from harness.errors import UserError
from harness.host import compare

PREVIOUS = "{}@previous"


def reports(paths: Sequence[str]) -> Dict[str, Tuple[str, Dict[str, Any]]]:
    """The reports among ``paths``, by environment name: ``reports/*.json`` also matches the comparison
    files written beside them, which are not reports and are left alone."""
    found = {}  # type: Dict[str, Tuple[str, Dict[str, Any]]]
    for path in paths:
        name = os.path.basename(path)
        if not name.startswith("comparison"):
            document = report.load(path)
            found[document["environment"]["name"]] = (path, document)
    return found


def previous_reports(folder: str) -> Dict[str, Tuple[str, Dict[str, Any]]]:
    """The reports of the previous run in ``folder``, by environment name."""
    if not os.path.isdir(folder):
        raise UserError("--previous {}: not a folder of reports; give the folder the previous run's reports "
                        "were restored to".format(folder))
    return reports([os.path.join(folder, name) for name in sorted(os.listdir(folder))
                    if name.endswith(".json") and os.path.isfile(os.path.join(folder, name))])


def watch(previous: Dict[str, Tuple[str, Dict[str, Any]]],
          current: Sequence[Tuple[str, Dict[str, Any]]]) -> List[Tuple[str, Optional[Dict[str, Any]]]]:
    """Each environment of tonight with its comparison against the night before (None: no report of it
    the night before, so nothing to compare: its first night)."""
    results = []  # type: List[Tuple[str, Optional[Dict[str, Any]]]]
    for name, document in current:
        before = previous.get(name)
        if before is None:
            results.append((name, None))
            continue
        baseline = PREVIOUS.format(name)
        results.append((name, compare.compare([(baseline, before[1]), (name, document)], baseline)))
    return results
