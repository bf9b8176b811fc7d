"""Do decided verdicts keep their error rates on real runs, and how many seeds do they take?

    python benchmarks/decided_verdicts.py [--env tf2] [--pairs 20] [--cases ...] [--max-seeds 40]

A/A: ``--pairs`` disjoint pairs of seed sets of one environment (``--seed-offset``). Repeat r runs the
case's seeds + 1000 r + offset, so offsets under 1000 that differ by more than the case's seeds span
never share a seed at any repeat: pairs 0-4 take offsets 0 and 100, 200 and 300, ... 800 and 900;
every next five are the same shifted by 20 (up to 25 pairs, seeds spanning under 20). Each
pair goes through ``harness decide`` (seeds added where undecided, up to ``--max-seeds``) from the
default 3 seeds, and every case × variant of it is one A/A comparison: the share decided
``material`` must stay at or below the method's alpha, the share still undetermined at the cap is
printed, and so are the seeds each comparison took (median, max). The pairs are disjoint so that
every comparison is its own sequential procedure, as a user's is.
Power: the same seeds with every learning rate 20 % higher (``--learning-rate-scale 1.2``) against
the unchanged environment, through decide: how many come out material, with how many seeds, against
the seeds a fixed design of the same power (one look at alpha, 80 %) would have run for the effect
measured. Pinned init only (A/A pairs of seed sets are independent designs in both init modes; the
power pair is paired, as an upgrade with pinned weights is).
Each finished pair is recorded in ``benchmarks/results/decided_verdicts/pair-I.json`` (its verdicts,
the seeds each took, the minutes, and the versions it ran on; kept in the repository, as asv keeps its
results, so that the figures in the README can be re-read and the pairs not yet run are run later):
a run that stops resumes where it was, several processes (``--first``, ``--count``) may share the
pairs, and the summary reads every record. The reports and decide's logs stay in ``--folder``.
"""

import argparse
import collections
import functools
import json
import os
import statistics
import subprocess
import sys
import time

import scipy.stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from false_alarms import produce  # noqa: E402
from harness import __version__  # noqa: E402
from harness.host import decide, materiality  # noqa: E402
from harness.host import statistics as harness_statistics  # noqa: E402
from harness.run.planning import REPEAT_SEED_STRIDE  # noqa: E402

CASES = ("rescaled_conv", "symmetric_init")
RUN = ["--init-mode", "pinned", "--no-controlled-runs", "--no-determinism-rerun"]
SPACING = 100
SHIFT = 20
PER_STRIDE = REPEAT_SEED_STRIDE // (2 * SPACING)
MAX_PAIRS = PER_STRIDE * (SPACING // SHIFT)
POWER_OFFSET = 10000
RECORDS = os.path.join(ROOT, "benchmarks", "results", "decided_verdicts")


def pinned(comparison):
    for item in comparison["comparisons"]:
        result = item["by_init_mode"].get("pinned")
        if result is not None:
            yield item, result


def decided(options, paths, baseline, log):
    """``harness decide`` on ``paths``, its progress in ``log``; the last comparison and the minutes it took."""
    started = time.time()
    with open(log, "a") as stream:
        comparison = decide.decide(paths, baseline, options.max_seeds, 24 * 60, os.path.join(ROOT, "tox.ini"), out=stream,
                                   run=functools.partial(decide.run_tox, output=stream))
    return comparison, (time.time() - started) / 60.0


def seeded(options, name, *arguments):
    selection = [argument for case in options.cases for argument in ("-k", case)]
    return produce(options.env, name, options.folder, True, *(selection + RUN + list(arguments)))


def offset(index, side):
    """The seed offset of one side of pair ``index``: distinct from every other modulo the repeat stride."""
    return 2 * SPACING * (index % PER_STRIDE) + SPACING * side + SHIFT * (index // PER_STRIDE)


def record(index, comparison, minutes, environment):
    """What the summary reads of one decided pair, and what it ran on."""
    framework = environment["framework"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
    return {"pair": index, "spending": comparison["method"]["spending"], "offsets": [offset(index, side) for side in (0, 1)],
            "minutes": round(minutes, 2),
            "harness": "{} ({})".format(__version__, commit or "no git"), "tensorflow": framework["tensorflow"],
            "keras": framework["keras"],
            "verdicts": [{"case": item["case"], "variant": item["variant"], "materiality": result["materiality"],
                          "seeds": len(result["repeats"]), "look": result["look"]}
                         for item, result in pinned(comparison)]}


def record_path(index):
    return os.path.join(RECORDS, "pair-{}.json".format(index))


def recorded(index):
    """Pair ``index``'s record if it was decided by the procedure compare uses now, else None. A record of
    another procedure (its alpha spending; the first records name none) is kept for the history in
    git, not counted and not resumed from: the pair is decided again."""
    if not os.path.exists(record_path(index)):
        return None
    with open(record_path(index)) as stream:
        kept = json.load(stream)
    return kept if kept.get("spending") == materiality.METHOD["spending"] else None


def run_pair(options, index):
    """Pair ``index``: two seed sets made at 3 seeds, then decided; recorded in ``pair-I.json``."""
    kept = record_path(index)
    if recorded(index) is not None:
        return
    for side in (0, 1):  # reports decided by another procedure: their looks are not this one's
        stale = os.path.join(options.folder, "{}-aa{}.json".format(options.env, offset(index, side)))
        if os.path.exists(stale):
            os.remove(stale)
    names = ["{}-aa{}".format(options.env, offset(index, side)) for side in (0, 1)]
    paths = [seeded(options, name, "--seed-offset", name.rsplit("aa", 1)[1]) for name in names]
    comparison, minutes = decided(options, paths[::-1], names[0], os.path.join(options.folder, "pair-{}.log".format(index)))
    with open(paths[0]) as stream:
        made = record(index, comparison, minutes, json.load(stream)["environment"])
    with open(kept + ".new", "w") as stream:
        json.dump(made, stream, indent=1)
    os.replace(kept + ".new", kept)
    for verdict in made["verdicts"]:
        print("  pair {}: {case}/{variant} {materiality} with {seeds} seeds (look {look})".format(index, **verdict),
              flush=True)


def summarise_aa(options):
    verdicts, seeds, minutes, pairs, alarmed, ran_on = collections.Counter(), [], [], 0, set(), set()
    for index in range(options.pairs):
        kept = recorded(index)
        if kept is None:
            continue
        pairs += 1
        minutes.append(kept["minutes"])
        ran_on.add("TF {tensorflow}, Keras {keras}, harness {harness}".format(**kept))
        for verdict in kept["verdicts"]:
            verdicts[verdict["materiality"]] += 1
            seeds.append(verdict["seeds"])
            if verdict["materiality"] == "material":
                alarmed.add((index, verdict["case"]))
    total = sum(verdicts.values())
    print("\nA/A: {} comparisons ({} disjoint pairs of seed sets x case x variant, {} on {}, pinned init, from 3 seeds, "
          "cap {} seeds; spending {})".format(total, pairs, "+".join(options.cases), options.env, options.max_seeds,
                                             materiality.METHOD["spending"]))
    print("  pairs recorded: {} of {}{}; ran on {}".format(
        pairs, options.pairs, "" if pairs == options.pairs else " (the same command runs the others)",
        "; ".join(sorted(ran_on)) or "-"))
    for name in ("identical", "within_tolerance", "within_seed_noise", "undetermined", "material"):
        print("  {:<18} {:>4}  {:5.1f} %".format(name, verdicts[name], 100.0 * verdicts[name] / max(total, 1)))
    alarm = verdicts["material"] / max(total, 1)
    undecided = verdicts["undetermined"] / max(total, 1)
    # How far the share measured from this many comparisons may lie from the true rate (exact binomial).
    interval = scipy.stats.binomtest(verdicts["material"], max(total, 1)).proportion_ci(0.95)
    print("false-alarm rate (material): {:.1f} % [95 % interval {:.1f}, {:.1f}] (stated: at most {:.0f} %) -> {}".format(
        100 * alarm, 100 * interval.low, 100 * interval.high, 100 * materiality.ALPHA,
        "OK" if alarm <= materiality.ALPHA else "ABOVE THE STATED RATE"))
    # A case's variants share their seeds, so their verdicts move together: count the cases too.
    print("  pair x case with a material verdict: {} of {} ({})".format(
        len(alarmed), pairs * len(options.cases), ", ".join("pair {} {}".format(*key) for key in sorted(alarmed)) or "-"))
    print("undecided at the cap: {:.1f} % (goal: at most 10 %) -> {}".format(100 * undecided,
                                                                           "OK" if undecided <= 0.1 else "ABOVE"))
    if seeds:
        print("seeds per comparison and environment: median {}, max {}; decide took median {:.1f} min per pair "
              "(max {:.1f})".format(statistics.median(seeds), max(seeds), statistics.median(minutes), max(minutes)))
    return pairs == options.pairs and alarm <= materiality.ALPHA and undecided <= 0.1


def power(options):
    base = seeded(options, "{}-power".format(options.env), "--seed-offset", str(POWER_OFFSET))
    changed = seeded(options, "{}-lr1.2".format(options.env), "--seed-offset", str(POWER_OFFSET),
                     "--learning-rate-scale", "1.2")
    comparison, minutes = decided(options, [changed, base], "{}-power".format(options.env),
                                  os.path.join(options.folder, "power.log"))
    hits, taken, fixed, unmoved = 0, [], [], []
    for item, result in pinned(comparison):
        if result["materiality"] in ("identical", "within_tolerance"):
            # Nothing the case is judged on moved beyond its tolerance in any seed: there was no change to find.
            unmoved.append("{}/{}".format(item["case"], item["variant"]))
            print("  lr x1.2: {}/{} {}: the judged quantities do not move".format(item["case"], item["variant"],
                                                                             result["materiality"]), flush=True)
            continue
        hits += result["materiality"] == "material"
        taken.append(len(result["repeats"]))
        deciding = [entry for entry in result["quantities"] if entry["judged"] and entry["test_sd"]]
        # The fixed design for the clearest judged effect: the seeds one look at alpha needs for 80 % power.
        needs = [harness_statistics.seeds_needed(entry["difference"], entry["test_sd"], result["design"] == "paired",
                                                 materiality.ALPHA, materiality.POWER) for entry in deciding]
        fixed.append(min([n for n in needs if n] or [None], key=lambda n: n or 10 ** 9))
        print("  lr x1.2: {}/{} {} ({} design) with {} seeds; a fixed design of 80 % power: {}".format(
            item["case"], item["variant"], result["materiality"], result["design"], len(result["repeats"]),
            fixed[-1] or "-"), flush=True)
    known = [n for n in fixed if n]
    print("power: learning rate x1.2 decided material in {}/{} comparisons where it moves a judged quantity ({} where "
          "it moves none: {}) in {:.1f} min; seeds taken median {} (max {}); a fixed design of 80 % power at alpha "
          "{:g}: median {} (max {})".format(hits, len(taken), len(unmoved), ", ".join(unmoved) or "-", minutes,
                                           statistics.median(taken), max(taken), materiality.ALPHA,
                                           statistics.median(known) if known else "-", max(known) if known else "-"))
    return bool(taken) and hits == len(taken)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="tf2")
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--first", type=int, default=0, help="the first pair this process runs")
    parser.add_argument("--count", type=int, default=None, help="how many pairs this process runs (default: all)")
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--max-seeds", type=int, default=40)
    parser.add_argument("--folder", default=os.path.join(ROOT, "reports", "decided"))
    parser.add_argument("--no-power", action="store_true")
    options = parser.parse_args()
    if options.pairs > MAX_PAIRS:
        parser.error("--pairs must stay at or under {}: more pairs would share seeds".format(MAX_PAIRS))
    os.makedirs(options.folder, exist_ok=True)
    os.makedirs(RECORDS, exist_ok=True)
    started = time.time()
    last = options.pairs if options.count is None else min(options.pairs, options.first + options.count)
    for index in range(options.first, last):
        run_pair(options, index)
    good = summarise_aa(options)
    if not options.no_power:
        good = power(options) and good
    print("took {:.0f} min".format((time.time() - started) / 60.0))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
