"""What each part of an environment's run costs, read from its report: where a matrix profile can save.

    python benchmarks/run_parts.py reports/tf2.json [reports/tf114.json ...]

A run's report records every run's wall time (from fork to end, on one of ``--jobs`` slots). This
sums them by the part of the run they belong to and prints seconds and shares, per report:

- ``first seed``: repeat 0 of each variant in each init mode (framework and pinned) — every check
  verdict and the matrix's table need these;
- ``more seeds``: repeats 1 and on — what materiality is decided with (compare's seed-to-seed spread);
- ``determinism re-runs``, per init mode: repeat 0 run again — a check's ``noise`` verdict (the run-to-run
  noise is pooled over both modes: one pair can agree by chance) and the bitwise-determinism line;
- ``controlled runs``: pinned repeat 0 with training randomness switched off — compare's cause
  (training randomness or arithmetic);
- ``rule families``: the hand-written families and the generated library, one run each.

The sum divided by the jobs is the time the runs occupied; the rest of a ``tox -e ENV`` wall time is
creating the environment and importing the framework once.
"""

import argparse
import collections
import json
import os
import sys
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness.contract.vocabulary import worst_verdict  # noqa: E402

PARTS = ("first seed", "more seeds", "determinism re-runs, framework init", "determinism re-runs, pinned init",
         "controlled runs", "rule families (hand-written)", "rule families (generated)")


def part_of(case: Dict, run: Dict) -> str:
    if case["kind"] == "rules":
        return PARTS[6] if case["id"] == "rules_generated" else PARTS[5]
    if run["init_mode"] == "controlled":
        return PARTS[4]
    if run["replica"] > 0:
        return PARTS[2] if run["init_mode"] == "framework" else PARTS[3]
    return PARTS[0] if run["repeat"] == 0 else PARTS[1]


def parts(document: Dict) -> Tuple[Dict[str, float], Dict[str, int]]:
    """A report's run-seconds and run counts by part."""
    seconds = collections.Counter()  # type: Dict[str, float]
    counts = collections.Counter()  # type: Dict[str, int]
    for case in document["cases"]:
        for run in case["runs"]:
            part = part_of(case, run)
            seconds[part] += float(run["timing"].get("wall_s") or 0.0)
            counts[part] += 1
    return seconds, counts


def print_parts(seconds: Dict[str, float], counts: Dict[str, int]) -> None:
    total = sum(seconds.values())
    for part in PARTS:
        if counts[part]:
            print("  {:36} {:5d} runs {:9.1f} s  {:5.1f} %".format(part, counts[part], seconds[part],
                                                                   100.0 * seconds[part] / total if total else 0.0))


def repeat_zero_agrees(document: Dict) -> Tuple[int, List[str]]:
    """How many checks were judged on more than one seed, and those whose verdict repeat 0's groups alone
    would not have given: what a plan of one seed per variant would lose of the checks."""
    judged, differ = 0, []
    for case in document["cases"]:
        for check in case["checks"]:
            first = [group["verdict"] for group in check["groups"] if group.get("repeat", 0) == 0]
            if len(first) == len(check["groups"]):
                continue
            judged += 1
            if worst_verdict(first) != check["verdict"]:
                differ.append("{}/{}: {} on repeat 0, {} on every seed".format(
                    case["id"], check["id"], worst_verdict(first), check["verdict"]))
    return judged, differ


def print_agreement(judged: int, differ: List[str], indent: str = "") -> None:
    """What :func:`repeat_zero_agrees` found; nothing where no check was judged on more than one seed."""
    if judged:
        print("{}checks judged on more than one seed: {}; whose verdict repeat 0 alone would not give: {}".format(
            indent, judged, len(differ)))
        for line in differ:
            print(indent + "  " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+")
    options = parser.parse_args()
    for path in options.reports:
        with open(path) as stream:
            document = json.load(stream)
        seconds, counts = parts(document)
        total = sum(seconds.values())
        settings = document["settings"]
        print("{} ({}, {} seed(s), {} job(s)): {:.0f} run-seconds in {} runs = {:.0f} s of wall time on {} slots".format(
            document["environment"]["name"], os.path.basename(path), settings["repeats"], settings["jobs"], total,
            sum(counts.values()), total / max(settings["jobs"], 1), settings["jobs"]))
        print_parts(seconds, counts)
        print_agreement(*repeat_zero_agrees(document), indent="  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
