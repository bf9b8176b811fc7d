"""A run as the parent holds it: its report entry, plus the arrays only the case's checks need."""

from typing import Any, Dict, Mapping

from harness.contract.reading import Run


class RunResult(Run):
    """One run of one variant, in one init mode, with one repeat's seeds.

    It reads like any run of a report (:class:`harness.contract.reading.Run`: ``status``,
    ``history``, ``final_value(metric)``...), and also holds ``arrays``: the weights and probe
    outputs that checks compare between runs, which are never written out.
    """

    def __init__(self, entry: Mapping[str, Any], arrays: Dict[str, Any]) -> None:
        super().__init__(entry)
        self.arrays = arrays
