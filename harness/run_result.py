"""The result of one run as the parent holds it: the report's record plus in-memory arrays."""

import math
from typing import Any, Dict

from harness.case import Seeds


class RunResult(object):
    """One run of one variant, in one init mode, with one repeat's seeds.

    ``record`` is what the report stores (JSON-able); ``arrays`` holds the weights and probe
    outputs that only the case's checks need, and that are never written out.
    """

    def __init__(self, variant: str, init_mode: str, repeat: int, seeds: Seeds, record: Dict[str, Any],
                 arrays: Dict[str, Any], replica: int = 0) -> None:
        self.variant = variant
        self.init_mode = init_mode
        self.repeat = repeat
        self.seeds = seeds
        self.record = record
        self.arrays = arrays
        self.replica = replica

    @property
    def status(self) -> str:
        return str(self.record["status"])

    def final(self, metric: str) -> float:
        """The last epoch's ``metric``; NaN when it was never recorded."""
        value = self.record.get("final", {}).get(metric)
        return math.nan if value is None else float(value)
