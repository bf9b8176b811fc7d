"""The whole matrix from a fresh clone, timed, and what each part of it cost.

    python benchmarks/matrix.py [--label matrix] [--plan matrix] [--work DIR]
    python benchmarks/matrix.py --summarise DIR      # a finished run's folder: print its figures again

Clones this checkout's HEAD into a new folder with ``../shared`` beside it (as CI has it), runs
``tox -p auto -m LABEL -- --plan PLAN`` there (one env per core, each running its runs ``--jobs`` at a
time), with every Python pyenv has made discoverable (``PYENV_VERSION``), and times it. Then it prints each
env's outcome from tox's log and, summed over every report, the run-seconds of each part of a run
(``run_parts.py``: first seed, more seeds, determinism re-runs, controlled runs, rule families) and the
whole wall time. The envs are created from scratch; uv's download cache is whatever this machine has.
Each env's checks are also read for what the plan could lose: a report of more than one seed says how
many of its checks repeat 0 alone would have judged otherwise.
"""

import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run_parts  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
# tox's closing lines, one per env: "  tf114: OK (152.02=setup[3.80]+cmd[148.22] seconds)".
OUTCOME = re.compile(r"^\s*(\S+): (OK|FAIL|SKIP)\b")
SECONDS = re.compile(r"\(([\d.]+)(?:=setup\[([\d.]+)\])?")


def pyenv_versions() -> str:
    """Every Python pyenv has, 3.11 first (tox's own), as .ci/run makes them discoverable."""
    try:
        found = subprocess.run(["pyenv", "versions", "--bare"], stdout=subprocess.PIPE, universal_newlines=True,
                               check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return ":".join(sorted(found, key=lambda version: (not version.startswith("3.11."), version)))


def run(label: str, plan: str, work: str) -> None:
    """Clone, run the label's envs with tox, and keep the log and the wall time in ``work``."""
    clone = os.path.join(work, "x")
    subprocess.run(["git", "clone", "-q", ROOT, clone], check=True)
    if not os.path.exists(os.path.join(work, "shared")):
        os.symlink(SHARED, os.path.join(work, "shared"))
    environment = dict(os.environ)
    environment["PYENV_VERSION"] = pyenv_versions() or environment.get("PYENV_VERSION", "")
    command = ["tox", "-p", "auto", "-m", label, "--", "--plan", plan]
    print("in {}: {}  (PYENV_VERSION={})".format(clone, " ".join(command), environment["PYENV_VERSION"]), flush=True)
    started = time.monotonic()
    with open(os.path.join(work, "tox.log"), "w") as log:
        finished = subprocess.run(command, cwd=clone, env=environment, stdout=log, stderr=subprocess.STDOUT)
    wall = time.monotonic() - started
    with open(os.path.join(work, "timing.json"), "w") as stream:
        json.dump({"label": label, "plan": plan, "wall_s": wall, "tox_exit": finished.returncode,
                   "commit": subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, stdout=subprocess.PIPE,
                                            universal_newlines=True).stdout.strip()}, stream)


def seed_case_row(document: Dict) -> Optional[str]:
    """The README's row of the seed case for one env ("The seed case across the matrix"): what the
    matrix is read for, so a plan's rows can be set against the table the default settings gave.
    None where the report did not run the seed case."""
    framework = document["environment"]["framework"]
    case = next((c for c in document["cases"] if c["id"] == "linear_autoencoder"), None)
    if case is None:
        return None
    checks = {check["id"]: check["by_init_mode"] for check in case["checks"]}
    identity, bn = checks["linear_activation_is_identity"], checks["linear_activation_is_identity_with_bn"]
    final = {(run["variant"], run["init_mode"]): run["final"]["val_loss"] for run in case["runs"]
             if run["repeat"] == 0 and run["replica"] == 0 and run["status"] == "ok"}
    bitwise = [entry["bitwise_identical"] for entry in case["determinism"]]
    return "| {} | {} | {} | {} | {} / {} | {} | {:.4f} / {:.4f} | {:.4f} | {}/{} |".format(
        document["environment"]["name"], framework.get("tensorflow") or "-", framework.get("keras"), framework["backend"],
        identity.get("framework"), identity.get("pinned"), bn.get("framework"), final[("plain", "framework")],
        final[("linear_activation", "framework")], final[("plain", "pinned")], sum(bitwise), len(bitwise))


def summarise(work: str) -> int:
    """Print the envs' outcomes, the parts summed over every report, and the whole."""
    with open(os.path.join(work, "timing.json")) as stream:
        timing = json.load(stream)
    outcomes: Dict[str, List[str]] = collections.OrderedDict()
    with open(os.path.join(work, "tox.log")) as stream:
        for line in stream:
            matched, timed = OUTCOME.match(line), SECONDS.search(line)
            if matched:
                outcomes[matched.group(1)] = [matched.group(2)] + list(timed.groups("") if timed else ("", ""))
    seconds: Dict[str, float] = collections.Counter()
    counts: Dict[str, int] = collections.Counter()
    unread: List[str] = []
    rows: List[str] = []
    differ: List[str] = []
    runs = judged = 0
    for path in sorted(glob.glob(os.path.join(work, "x", "reports", "*.json"))):
        try:
            with open(path) as stream:
                document = json.load(stream)
            parts = run_parts.parts(document)
        except (ValueError, KeyError) as error:
            unread.append("{} ({})".format(os.path.basename(path), error))
            continue
        row = seed_case_row(document)
        if row is not None:
            rows.append(row)
        seconds.update(parts[0])
        counts.update(parts[1])
        runs += 1
        checked, lost = run_parts.repeat_zero_agrees(document)
        judged += checked
        differ += ["{}: {}".format(document["environment"]["name"], line) for line in lost]
    tally = collections.Counter(outcome[0] for outcome in outcomes.values())
    for env, (outcome, total, setup) in outcomes.items():
        print("  {:14} {:4} {:>8} s (setup {} s)".format(env, outcome, total, setup or "?"))
    print("the seed case in each env (README, \"The seed case across the matrix\"):")
    for row in rows:
        print(row)
    print("parts, summed over {} report(s):".format(runs))
    run_parts.print_parts(seconds, counts)
    run_parts.print_agreement(judged, differ)
    for line in unread:
        print("unreadable report: " + line)
    print("tox -p auto -m {} -- --plan {} at {}: {} env(s): {}; {:.0f} run-seconds; wall time {:.0f} s "
          "({:d} h {:02d} min) on {} core(s); tox exit {}".format(
              timing["label"], timing["plan"], timing["commit"][:7], len(outcomes),
              ", ".join("{} {}".format(count, outcome) for outcome, count in sorted(tally.items())),
              sum(seconds.values()), timing["wall_s"], int(timing["wall_s"] // 3600), int(timing["wall_s"] % 3600 // 60),
              os.cpu_count(), timing["tox_exit"]))
    return 0 if timing["tox_exit"] == 0 and not unread else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="matrix", help="the tox label to run (default: %(default)s)")
    parser.add_argument("--plan", default="matrix", help="harness run --plan (default: %(default)s)")
    parser.add_argument("--work", help="folder for the clone, the log and the timing (default: a new temporary one)")
    parser.add_argument("--summarise", metavar="DIR", help="print the figures of a finished run's folder; run nothing")
    options = parser.parse_args()
    if options.summarise:
        return summarise(options.summarise)
    work = options.work or tempfile.mkdtemp(prefix="matrix-")
    run(options.label, options.plan, work)
    return summarise(work)


if __name__ == "__main__":
    sys.exit(main())
