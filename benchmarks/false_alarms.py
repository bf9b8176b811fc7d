"""How often does compare call a difference material when nothing changed (A/A), and does it see a
change of known size (power)? Run: ``python benchmarks/false_alarms.py`` (about 10 min on 2 cores).

A/A: the same environment run on several seed sets (``--seed-offset``); every pair of them is
compared, and every case × variant × init mode is one A/A comparison. The share called
``material`` must stay at or below the method's alpha (its stated false-alarm rate).
Power: the same environment with every learning rate 20 % higher (``--learning-rate-scale 1.2``)
stands in for a changed framework, compared with offset 0 at the default seeds.
Also printed: the minimum detectable effect per quantity at the default seeds (80 % power).
Reports go to ``reports/aa/``; ``--reuse`` keeps those already there.
"""

import argparse
import collections
import itertools
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness.contract import report  # noqa: E402
from harness.host import compare, materiality, wording  # noqa: E402
from harness.host import statistics as harness_statistics  # noqa: E402


def produce(env: str, name: str, folder: str, reuse: bool, *arguments: str) -> str:
    path = os.path.join(folder, name + ".json")
    if not (reuse and os.path.exists(path)):
        command = ["tox", "-e", env, "--", "--env", name, "--output", path, "--overwrite"] + list(arguments)
        print("$ " + " ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    report.load(path)  # a missing or broken report stops here with its one-line error
    return path


def results(comparison):
    for item in comparison["comparisons"]:
        for mode, result in sorted(item["by_init_mode"].items()):
            if result is not None:
                yield item, mode, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="tf2")
    parser.add_argument("--offsets", type=int, nargs="+", default=[0, 100, 200])
    parser.add_argument("--scale", type=float, default=1.2)
    parser.add_argument("--folder", default=os.path.join(ROOT, "reports", "aa"))
    parser.add_argument("--reuse", action="store_true")
    options = parser.parse_args()
    os.makedirs(options.folder, exist_ok=True)
    seeded = {offset: produce(options.env, "{}-aa{}".format(options.env, offset), options.folder, options.reuse,
                              "--seed-offset", str(offset)) for offset in options.offsets}
    changed = produce(options.env, "{}-lr{:g}".format(options.env, options.scale), options.folder, options.reuse,
                      "--learning-rate-scale", str(options.scale))
    documents = {path: report.load(path) for path in list(seeded.values()) + [changed]}

    def pair(env_path, baseline_path):
        return compare.compare([(documents[env_path]["environment"]["name"], documents[env_path]),
                                (documents[baseline_path]["environment"]["name"], documents[baseline_path])],
                               baseline=documents[baseline_path]["environment"]["name"])

    verdicts = collections.Counter()
    for first, second in itertools.combinations(options.offsets, 2):
        for _, _, result in results(pair(seeded[second], seeded[first])):
            verdicts[result["materiality"]] += 1
    total = sum(verdicts.values())
    print("\nA/A: {} comparisons (case x variant x init mode, {} pairs of seed sets)".format(
        total, len(list(itertools.combinations(options.offsets, 2)))))
    for name in ("identical", "within_tolerance", "within_seed_noise", "undetermined", "material"):
        print("  {:<18} {:>4}  {:5.1f} %".format(name, verdicts[name], 100.0 * verdicts[name] / max(total, 1)))
    alarm = verdicts["material"] / max(total, 1)
    print("false-alarm rate (material): {:.1f} % (stated: at most {:.0f} %) -> {}".format(
        100 * alarm, 100 * materiality.ALPHA, "OK" if alarm <= materiality.ALPHA else "ABOVE THE STATED RATE"))

    power = pair(changed, seeded[options.offsets[0]])
    hits = collections.Counter()
    detectable = collections.defaultdict(list)
    for item, mode, result in results(power):
        hits[result["materiality"] == "material"] += 1
        print("  lr x{:g}: {}/{} {:<9} {}".format(options.scale, item["case"], item["variant"], mode, result["materiality"]))
        for entry in result["quantities"]:
            if entry["detectable"] is not None and entry["seed_sd"]:
                detectable[wording.quantity_name(entry)].append(entry["detectable"] / entry["seed_sd"])
    print("power: learning rate x{:g} called material in {}/{} comparisons ({:.0f} %)".format(
        options.scale, hits[True], sum(hits.values()), 100.0 * hits[True] / max(sum(hits.values()), 1)))
    print("minimum detectable effect at the default seeds (paired design, 80 % power), in seed SDs (median over comparisons):")
    for name, values in sorted(detectable.items()):
        print("  {:<28} {:.2f}".format(name, statistics.median(values)))
    repeats = documents[changed]["settings"]["repeats"]
    print("independent design (different initial weights; Welch, {} seeds per side): {:.2f} seed SDs".format(
        repeats, harness_statistics.detectable_effect(repeats, False, materiality.ALPHA, materiality.POWER)))
    return 0 if alarm <= materiality.ALPHA else 1


if __name__ == "__main__":
    sys.exit(main())
