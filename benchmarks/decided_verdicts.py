"""Do decided verdicts keep their error rates on real runs, and how many seeds do they take?

    python benchmarks/decided_verdicts.py [--env tf2] [--offsets 0 100 ...] [--cases ...] [--max-seeds 40]

A/A: the same environment on several seed sets (``--seed-offset``); every pair of them goes through
``harness decide`` (seeds added where undecided, up to ``--max-seeds``), and every case × variant
comparison of a pair is one A/A comparison: the share decided ``material`` must stay at or below the
method's alpha, the share still undetermined at the cap is printed, and so are the seeds each
comparison took (median, max). Power: the same environment with every learning rate 20 % higher
(``--learning-rate-scale 1.2``) against offset 0, through decide: how many come out material, with
how many seeds, against the seeds a fixed design of the same power would have run for the same
effect. Reports go to ``reports/decided/``; ``--reuse`` keeps them (decide resumes them).
Pinned init only: A/A pairs run different seeds, so both init modes are independent designs alike.
"""

import argparse
import collections
import itertools
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness.contract import report  # noqa: E402
from harness.host import decide, materiality  # noqa: E402
from harness.host import statistics as harness_statistics  # noqa: E402

CASES = ("tabular_dropout", "symmetric_init", "rescaled_conv")
RUN = ["--init-mode", "pinned", "--no-controlled-runs", "--no-determinism-rerun"]


def produce(env, name, folder, cases, reuse, *arguments):
    path = os.path.join(folder, name + ".json")
    if not (reuse and os.path.exists(path)):
        selection = [argument for case in cases for argument in ("-k", case)]
        command = ["tox", "-e", env, "--", "--env", name, "--output", path, "--overwrite"] + selection + RUN + list(arguments)
        print("$ " + " ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    report.load(path)  # a missing or broken report stops here with its one-line error
    return path


def results(comparison):
    for item in comparison["comparisons"]:
        result = item["by_init_mode"].get("pinned")
        if result is not None:
            yield item, result


def decided(paths, baseline, max_seeds, log):
    with open(log, "a") as stream:
        return decide.decide(paths, baseline, max_seeds, 24 * 60, os.path.join(ROOT, "tox.ini"), out=stream)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="tf2")
    parser.add_argument("--offsets", type=int, nargs="+", default=[0, 100, 200, 300, 400, 500, 600])
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--max-seeds", type=int, default=40)
    parser.add_argument("--folder", default=os.path.join(ROOT, "reports", "decided"))
    parser.add_argument("--reuse", action="store_true")
    options = parser.parse_args()
    os.makedirs(options.folder, exist_ok=True)
    log = os.path.join(options.folder, "decide.log")
    started = time.time()
    seeded = {offset: produce(options.env, "{}-aa{}".format(options.env, offset), options.folder, options.cases,
                              options.reuse, "--seed-offset", str(offset)) for offset in options.offsets}
    verdicts, seeds = collections.Counter(), []
    pairs = list(itertools.combinations(options.offsets, 2))
    for first, second in pairs:
        comparison = decided([seeded[second], seeded[first]], "{}-aa{}".format(options.env, first), options.max_seeds, log)
        for item, result in results(comparison):
            verdicts[result["materiality"]] += 1
            seeds.append(len(result["repeats"]))
            print("  aa{} vs aa{}: {}/{} {} with {} seeds (look {})".format(second, first, item["case"], item["variant"],
                                                                         result["materiality"], len(result["repeats"]),
                                                                         result["look"]), flush=True)
    total = sum(verdicts.values())
    print("\nA/A: {} comparisons ({} pairs of seed sets x case x variant, pinned init, cap {} seeds)".format(
        total, len(pairs), options.max_seeds))
    for name in ("identical", "within_tolerance", "within_seed_noise", "undetermined", "material"):
        print("  {:<18} {:>4}  {:5.1f} %".format(name, verdicts[name], 100.0 * verdicts[name] / max(total, 1)))
    alarm = verdicts["material"] / max(total, 1)
    print("false-alarm rate (material): {:.1f} % (stated: at most {:.0f} %) -> {}".format(
        100 * alarm, 100 * materiality.ALPHA, "OK" if alarm <= materiality.ALPHA else "ABOVE THE STATED RATE"))
    print("undecided at the cap: {:.1f} % (goal: at most 10 %)".format(100.0 * verdicts["undetermined"] / max(total, 1)))
    print("seeds per comparison: median {}, max {}".format(statistics.median(seeds), max(seeds)))

    changed = produce(options.env, "{}-lr1.2".format(options.env), options.folder, options.cases, options.reuse,
                      "--learning-rate-scale", "1.2")
    comparison = decided([changed, seeded[options.offsets[0]]], "{}-aa{}".format(options.env, options.offsets[0]),
                         options.max_seeds, log)
    hits, taken, fixed = 0, [], []
    for item, result in results(comparison):
        hits += result["materiality"] == "material"
        headline = materiality.headline(result)
        taken.append(len(result["repeats"]))
        if headline and headline["test_sd"]:
            fixed.append(harness_statistics.seeds_needed(headline["difference"], headline["test_sd"],
                                                         result["design"] == "paired", materiality.ALPHA,
                                                         materiality.POWER))
        print("  lr x1.2: {}/{} {} with {} seeds".format(item["case"], item["variant"], result["materiality"],
                                                       len(result["repeats"])), flush=True)
    print("power: learning rate x1.2 decided material in {}/{} comparisons; seeds taken median {} (max {}); a fixed "
          "design of 80 % power at alpha {:g} for the same effects: median {}".format(
              hits, len(taken), statistics.median(taken), max(taken), materiality.ALPHA,
              statistics.median([n for n in fixed if n]) if any(fixed) else "-"))
    print("took {:.0f} min".format((time.time() - started) / 60.0))
    return 0 if alarm <= materiality.ALPHA else 1


if __name__ == "__main__":
    sys.exit(main())
