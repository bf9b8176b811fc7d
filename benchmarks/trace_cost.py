"""What the localisation trace costs: wall time of an environment's run and its report's size, with and without.

    python benchmarks/trace_cost.py [--env tf2] [--rounds 2] [--cases linear_autoencoder rescaled_conv symmetric_init]

Runs ``tox -e ENV -- -k CASE ...`` (the default settings: 3 seeds, both init modes, determinism
re-runs, controlled runs) once to warm up, then with the trace and with ``--no-trace``, alternating
which goes first in each round so that a machine busy with other work slows both alike, and prints each wall time, the
ratio traced / untraced of the medians (goal: at most 1.1 for the default ``tox -e tf2``) and the
report sizes. Only the training cases are traced (the rule families never are), so the ratio over
the seed cases alone is an upper bound of the ratio over the whole default run.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = ("linear_autoencoder", "rescaled_conv", "symmetric_init")


def timed(env, cases, output, traced):
    """Seconds one ``tox -e ENV`` run of ``cases`` takes, its report at ``output``."""
    command = ["tox", "-e", env, "--", "--env", env, "--output", output, "--overwrite"]
    command += [argument for case in cases for argument in ("-k", case)] + ([] if traced else ["--no-trace"])
    started = time.time()
    completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if completed.returncode not in (0, 1):  # 1: an unexpected check verdict, which the report keeps
        sys.exit("{} exited {}".format(" ".join(command), completed.returncode))
    return time.time() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="tf2")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="trace-cost-")
    walls = {True: [], False: []}
    # A first run, not counted: the first run after a change pays for what later ones find ready (compiled
    # bytecode, the page cache), which would be charged to whichever went first.
    print("warm-up:  {:6.1f} s (not counted)".format(timed(options.env, options.cases, os.path.join(
        folder, "warm-up.json"), False)), flush=True)
    for round_number in range(options.rounds):
        for traced in ((True, False) if round_number % 2 == 0 else (False, True)):
            output = os.path.join(folder, "{}-{}.json".format(options.env, "traced" if traced else "untraced"))
            walls[traced].append(timed(options.env, options.cases, output, traced))
            print("round {}: {:<9} {:6.1f} s".format(round_number + 1, "traced" if traced else "untraced",
                                                    walls[traced][-1]), flush=True)
    sizes = {traced: os.path.getsize(os.path.join(folder, "{}-{}.json".format(options.env, "traced" if traced else "untraced")))
             for traced in (True, False)}
    ratio = statistics.median(walls[True]) / statistics.median(walls[False])
    print("{} on {}: wall time traced / untraced {:.3f} (medians {:.1f} s / {:.1f} s over {} round(s); goal <= 1.1) "
          "-> {}".format(" ".join(options.cases), options.env, ratio, statistics.median(walls[True]),
                         statistics.median(walls[False]), options.rounds, "OK" if ratio <= 1.1 else "ABOVE"))
    print("report size: {:.0f} KiB traced, {:.0f} KiB untraced ({:.2f}x)".format(
        sizes[True] / 1024.0, sizes[False] / 1024.0, sizes[True] / float(sizes[False])))
    return 0 if ratio <= 1.1 else 1


if __name__ == "__main__":
    sys.exit(main())
