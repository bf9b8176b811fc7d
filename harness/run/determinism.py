"""Is this environment bitwise deterministic? Repeat 0 of every variant and init mode, run twice.

The two runs use the same seeds in two fresh processes; anything that differs between them is
the environment's own run-to-run noise, which the checks and the comparison must not mistake for
a change. Bit equality is decided by :meth:`harness.contract.reading.Run.bitwise_differences`,
the same rule the comparison uses between environments.
"""

from typing import Any, Dict, List, Sequence

from harness.contract.reading import Run, pairs_of_replicas
from harness.contract.report import determinism_entry


def determinism(runs: Sequence[Run]) -> List[Dict[str, Any]]:
    """For each variant and init mode run twice: bitwise equal or not, and what differed."""
    entries = []
    for (variant, init_mode), (first, second) in pairs_of_replicas(runs).items():
        if not (first.finished and second.finished):
            entries.append(determinism_entry(variant, init_mode, None,
                                             ["status: {} / {}".format(first.status, second.status)]))
            continue
        differing = first.bitwise_differences(second)
        entries.append(determinism_entry(variant, init_mode, not differing, differing))
    return entries
