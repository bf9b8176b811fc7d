"""Does the default ``tox -e tf2`` stay within 1.3x of its wall time before verdicts (issue 12)?

Run: ``python benchmarks/default_run_budget.py`` (about 8 min on 2 cores). Both commits are cloned
fresh into a temporary folder and run with ``tox -e tf2`` exactly as the README says, environment
creation included (uv's cache makes that a few seconds for both); the script prints both wall times
and their ratio. The baseline is the last commit before controlled runs and the Dropout case.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = "0505f89"
GOAL = 1.3


def timed_run(ref: str, folder: str) -> dict:
    clone = os.path.join(folder, ref)
    subprocess.run(["git", "clone", "--quiet", ROOT, clone], check=True)
    subprocess.run(["git", "checkout", "--quiet", ref], cwd=clone, check=True)
    env = dict(os.environ)
    env.pop("PYENV_VERSION", None)  # tf2 needs Python 3.11 only, as on a new user's machine
    started = time.perf_counter()
    completed = subprocess.run(["tox", "-e", "tf2"], cwd=clone, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit("tox -e tf2 failed at {}:\n{}".format(ref, completed.stdout[-3000:]))
    with open(os.path.join(clone, "reports", "tf2.json")) as stream:
        document = json.load(stream)
    runs = sum(len(case["runs"]) for case in document["cases"])
    skipped = sum(run["status"] == "skipped" for case in document["cases"] for run in case["runs"])
    return {"ref": ref, "seconds": seconds, "runs": runs, "skipped": skipped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare with (default: %(default)s)")
    parser.add_argument("--ref", default="HEAD", help="commit to measure (default: HEAD)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        before = timed_run(options.baseline, folder)
        after = timed_run(subprocess.check_output(["git", "rev-parse", "--short", options.ref], cwd=ROOT,
                                                  universal_newlines=True).strip(), folder)
    for row in (before, after):
        print("{ref:>10}: {seconds:6.1f} s  ({runs} runs, {skipped} skipped at once)".format(**row))
    ratio = after["seconds"] / before["seconds"]
    print("ratio: {:.2f} (goal <= {}) -> {}".format(ratio, GOAL, "OK" if ratio <= GOAL else "OVER BUDGET"))
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
