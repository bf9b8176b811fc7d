"""Does the whole rule library run on one environment within 3 minutes (issue 14)?

Run: ``python benchmarks/rule_library.py [--envs tf2,tf215]`` (about a minute per env on 2 cores,
after tox has created the env). For each env it runs ``tox -e ENV -- -k rules_`` as a user would
(the framework imported once, each family in one forked process, two at a time) and prints the
wall time of the command, its ratio to the 3-minute budget, and the per-family split: each
family's process time and its slowest rules. A failing rule does not stop the benchmark: its time
counts like any other.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUDGET_S = 180.0


def timed(env: str, folder: str) -> dict:
    output = os.path.join(folder, env + ".json")
    started = time.perf_counter()
    completed = subprocess.run(["tox", "-e", env, "--", "-k", "rules_", "--output", output], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    seconds = time.perf_counter() - started
    if not os.path.exists(output):
        sys.exit("tox -e {} wrote no report:\n{}".format(env, completed.stdout[-3000:]))
    with open(output) as stream:
        document = json.load(stream)
    if not document.get("complete"):
        sys.exit("tox -e {} did not finish the library:\n{}".format(env, completed.stdout[-3000:]))
    families = []
    for case in document["cases"]:
        run = case["runs"][0]
        rules = {rule["id"]: rule["seconds"] or 0.0 for rule in case.get("rules", [])}
        verdicts = [check["verdict"] for check in case["checks"]]
        families.append({"family": case["id"], "wall_s": run["timing"].get("wall_s", 0.0), "rules": len(rules),
                         "slowest": sorted(rules.items(), key=lambda item: -item[1])[:2],
                         "passing": verdicts.count("pass"), "skipped": verdicts.count("skipped")})
    return {"env": env, "seconds": seconds, "families": families}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", default="tf2,tf215", help="comma-separated tox envs (default: %(default)s)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as folder:
        results = [timed(env, folder) for env in arguments.envs.split(",")]
    for result in results:
        print("{}: whole library {:.1f} s (tox command, framework import included) = {:.2f} x the {:.0f} s budget".format(
            result["env"], result["seconds"], result["seconds"] / BUDGET_S, BUDGET_S))
        total = sum(family["wall_s"] for family in result["families"]) or 1.0
        for family in sorted(result["families"], key=lambda f: -f["wall_s"]):
            print("  {:<24} {:>5.1f} s ({:>4.0%} of family time)  {:>2} rules, {:>2} pass, {:>2} skipped; slowest: {}".format(
                family["family"], family["wall_s"], family["wall_s"] / total, family["rules"], family["passing"],
                family["skipped"], ", ".join("{} {:.1f} s".format(name, s) for name, s in family["slowest"])))
    print("goal: every env under {:.0f} s: {}".format(BUDGET_S, "met" if all(
        r["seconds"] < BUDGET_S for r in results) else "NOT met"))


if __name__ == "__main__":
    main()
