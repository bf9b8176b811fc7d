"""Which runs an environment makes, in which order, with which seeds.

Every variant runs in every selected init mode once per repeat; repeat 0 uses the case's own
seeds (the document's script exactly) and, with determinism re-runs on, runs twice, so the
report can say whether the environment is bitwise deterministic. With controlled runs on, pinned
repeat 0 runs once more with the training randomness switched off (``controlled``): one run per
variant is enough for compare to tell a changed RNG from changed arithmetic, since the two
environments then run the same computation from the same weights. Runs are planned case by case,
repeat 0 first, so a case's checks can be judged as soon as its last run is in. A family of rules
(:mod:`harness.rules`) draws nothing from the seeds or the framework's initialisers, so it runs
once, as pinned repeat 0, whatever the settings.
"""

from typing import Any, List, Mapping, Optional, Sequence

from harness.case import Seeds
from harness.contract.settings import Settings
from harness.contract.vocabulary import CASE_KINDS, CONTROLLED
from harness.rules import RUN_INIT_MODE, RUN_VARIANT

# Repeat k runs with the document's seeds plus k * REPEAT_SEED_STRIDE: far enough apart that no
# two repeats share a seed, and the first repeat is exactly what the document's script does.
REPEAT_SEED_STRIDE = 1000


class RunKey(object):
    """Which run: case (by position), variant, init mode, repeat and replica."""

    __slots__ = ("case", "variant", "init_mode", "repeat", "replica")

    def __init__(self, case: int, variant: str, init_mode: str, repeat: int, replica: int) -> None:
        self.case, self.variant, self.init_mode, self.repeat, self.replica = case, variant, init_mode, repeat, replica


def seeds_for(base: Seeds, repeat: int, offset: int = 0) -> Seeds:
    """The seeds of ``repeat``: the case's own for repeat 0, shifted by the stride after that,
    all shifted by ``offset`` (another seed set for the same environment: A/A measurements)."""
    return base.shifted(repeat * REPEAT_SEED_STRIDE + offset)


def plan(cases: Sequence[Any], settings: Settings, extend: Optional[Mapping[int, int]] = None) -> List[RunKey]:
    """Every run, case by case, repeat 0 (and its determinism re-run) first. ``extend`` maps a case
    (by position) to the repeats it already has: only the repeats after them are planned (more seeds
    for a finished case; its repeat 0 re-run and controlled run are already there)."""
    keys = []
    for index, case in enumerate(cases):
        if case.kind == CASE_KINDS[1]:
            keys.append(RunKey(index, RUN_VARIANT, RUN_INIT_MODE, 0, 0))
            continue
        for repeat in range((extend or {}).get(index, 0), settings.repeats):
            replicas = 2 if (repeat == 0 and settings.determinism_reruns) else 1
            for replica in range(replicas):
                for init_mode in settings.init_modes:
                    for variant in case.variants:
                        keys.append(RunKey(index, variant.name, init_mode, repeat, replica))
            if repeat == 0 and settings.controlled_runs and "pinned" in settings.init_modes:
                keys.extend(RunKey(index, variant.name, CONTROLLED, 0, 0) for variant in case.variants)
    return keys
