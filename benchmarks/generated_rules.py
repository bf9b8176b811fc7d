"""Does the generated rule library run within 5 minutes per environment, and its quick subset within
1.1x of the default run (issue 27)?

Run: ``python benchmarks/generated_rules.py [--envs tf2,tf215,keras3-jax,keras3-torch] [--default-run]``.
For each env it runs ``tox -e ENV -- -k rules_generated --profile full`` as a user would (the framework
imported once, the library in one forked process) and prints the wall time of the command, its ratio
to the 5-minute budget, the rules and their verdicts, and the split by relation (the rules' process
time summed per relation). ``--default-run`` also times the default ``tox -e tf2`` twice from fresh
clones of HEAD, once as is and once without ``cases/rules_generated.py``, and prints the ratio.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness.relations import RELATIONS, SINGULAR  # noqa: E402

BUDGET_S = 300.0
DEFAULT_RUN_GOAL = 1.1


def relation_of(rule_id: str) -> str:
    for relation in RELATIONS:
        if rule_id.startswith("{}_{}_".format(SINGULAR[relation.kind], relation.id)):
            return "{} {}".format(SINGULAR[relation.kind], relation.id)
    return "other"


def timed(env: str, folder: str) -> dict:
    output = os.path.join(folder, env + ".json")
    started = time.perf_counter()
    # The library is one run: past the default per-run timeout on a slow backend (JAX compiles every model).
    completed = subprocess.run(["tox", "-e", env, "--", "-k", "rules_generated", "--profile", "full", "--timeout",
                                "1800", "--output", output], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
    seconds = time.perf_counter() - started
    if not os.path.exists(output):
        sys.exit("tox -e {} wrote no report:\n{}".format(env, completed.stdout[-3000:]))
    with open(output) as stream:
        family = next(case for case in json.load(stream)["cases"] if case["id"] == "rules_generated")
    split = collections.Counter()  # type: collections.Counter
    for rule in family["rules"]:
        split[relation_of(rule["id"])] += rule["seconds"] or 0.0
    return {"env": env, "seconds": seconds, "rules": len(family["checks"]), "split": split,
            "verdicts": collections.Counter(check["verdict"] for check in family["checks"]),
            "failing": [check["id"] for check in family["checks"] if check["verdict"] not in ("pass", "known_failure")],
            "coverage": {kind: part["coverage"] for kind, part in family.get("surface", {}).items()}}


def default_run(folder: str, without: bool) -> float:
    clone = os.path.join(folder, "without" if without else "with")
    subprocess.run(["git", "clone", "--quiet", ROOT, clone], check=True)
    if without:
        os.remove(os.path.join(clone, "cases", "rules_generated.py"))
    env = dict(os.environ)
    env.pop("PYENV_VERSION", None)
    started = time.perf_counter()
    completed = subprocess.run(["tox", "-e", "tf2"], cwd=clone, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True)
    if completed.returncode != 0:
        sys.exit("tox -e tf2 failed ({}):\n{}".format(clone, completed.stdout[-3000:]))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", default="tf2", help="comma-separated tox envs (default: %(default)s)")
    parser.add_argument("--default-run", action="store_true", help="also time the default tox -e tf2 with and "
                        "without the quick subset")
    options = parser.parse_args()
    worst = 0.0
    folder = tempfile.mkdtemp(prefix="generated-rules-")
    try:
        for env in options.envs.split(","):
            row = timed(env, folder)
            worst = max(worst, row["seconds"] / BUDGET_S)
            print("{}: {:.1f} s = {:.2f} x the 5-minute budget; {} rules ({}); coverage {}".format(
                env, row["seconds"], row["seconds"] / BUDGET_S, row["rules"],
                ", ".join("{} {}".format(n, v) for v, n in sorted(row["verdicts"].items())),
                ", ".join("{} {:.0%}".format(kind, value) for kind, value in sorted(row["coverage"].items()))))
            if row["failing"]:
                print("  not passing nor declared: " + ", ".join(row["failing"]))
            print("  by relation (process s): " + ", ".join("{} {:.1f}".format(name, seconds) for name, seconds in
                                                            row["split"].most_common()))
        if options.default_run:
            with_subset, without_subset = default_run(folder, False), default_run(folder, True)
            ratio = with_subset / without_subset
            print("default tox -e tf2: {:.1f} s with the quick subset, {:.1f} s without: ratio {:.2f} (goal <= {})"
                  .format(with_subset, without_subset, ratio, DEFAULT_RUN_GOAL))
            worst = max(worst, ratio / DEFAULT_RUN_GOAL)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
