"""Run the steps of .github/workflows/matrix.yml on this machine, in order.

    python scripts/matrix_dry_run.py [--label everyday | --envs tf114,tf2] [--plan auto] [--previous DIR]
                                     [--work DIR] [-- harness run arguments]

The jobs are the label's environments, as the workflow's first job lists them
(``scripts/matrix_jobs.py``; ``--envs`` names others). For each it runs ``tox -e ENV`` writing the
report into an artifact folder, as the job would upload it; then, as the final job, it gathers every
artifact into one reports folder, runs ``harness compare`` and ``harness html`` and prints the
Markdown job summary. With ``--previous`` (the nightly run: the previous night's reports) it also
runs ``harness watch`` against them and prints its summary. It exits 1 when compare's gate or the
nightly comparison failed. Reports from other machines can be merged the same way: put each
``<env>.json`` in the folder and run the last steps.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness.host import tox_config  # noqa: E402


def failed(step, why):
    """A failed step, as the workflow's log would show it: one line, then the exit status."""
    print("dry run: {} failed: {}".format(step, why), flush=True)
    return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="everyday", help="the tox label whose envs are the jobs (default: %(default)s, "
                                                            "the workflow's on a push)")
    parser.add_argument("--envs", help="comma-separated tox envs instead of a label's")
    parser.add_argument("--plan", default="auto", choices=("auto", "default", "matrix"),
                        help="harness run --plan, as the workflow's input: auto is matrix for the label matrix, "
                             "default otherwise (default: %(default)s)")
    parser.add_argument("--previous", help="the previous night's reports: run the nightly comparison against them")
    parser.add_argument("--work", default=None, help="folder for artifacts and reports (default: a new temporary one)")
    arguments, harness_arguments = parser.parse_known_args()
    harness_arguments = [a for a in harness_arguments if a != "--"]
    work = arguments.work or tempfile.mkdtemp(prefix="matrix-dry-run-")
    envs = arguments.envs.split(",") if arguments.envs else [job["env"] for job in
                                                              tox_config.jobs(arguments.label, os.path.join(ROOT, "tox.ini"))]
    plan = arguments.plan if arguments.plan != "auto" else ("matrix" if arguments.label == "matrix" and
                                                             not arguments.envs else "default")
    harness_arguments = ["--plan", plan] + harness_arguments
    print("== job plan: {} (--plan {})".format(",".join(envs), plan), flush=True)
    environment = tox_config.outside_tox()
    missing = []
    for env in envs:
        artifact = os.path.join(work, "artifacts", "report-" + env)
        os.makedirs(artifact, exist_ok=True)
        print("== job {}".format(env), flush=True)
        report = os.path.join(artifact, env + ".json")
        job = subprocess.run(["tox", "-e", env, "--", "--output", report] + harness_arguments, cwd=ROOT, env=environment)
        if not os.path.isfile(report):  # a failed env still uploads its report; no report is a broken job
            missing.append("{} (tox exit {})".format(env, job.returncode))
    if missing:
        return failed("job(s) " + ", ".join(missing), "no report written; see the job's output above")
    reports = os.path.join(work, "reports")
    os.makedirs(reports, exist_ok=True)
    for path in glob.glob(os.path.join(work, "artifacts", "report-*", "*.json")):
        shutil.copy(path, reports)
    harness = [sys.executable, "-m", "harness"]
    found = sorted(glob.glob(os.path.join(reports, "*.json")))
    compared = 0
    if len(found) < 2:  # one env (a nightly run of one): nothing to compare across environments
        print("== job compare: one report, nothing to compare across environments", flush=True)
    else:
        print("== job compare", flush=True)
        comparison = os.path.join(reports, "comparison.json")
        compared = subprocess.run(harness + ["compare"] + found + ["--output", comparison, "--markdown",
                                                                   os.path.join(reports, "comparison.md")],
                                  cwd=ROOT).returncode
        if not os.path.isfile(comparison):
            return failed("compare", "no comparison written (exit {})".format(compared))
        page = subprocess.run(harness + ["html", comparison, "--output", os.path.join(reports, "comparison.html")],
                              cwd=ROOT)
        if page.returncode != 0:
            return failed("html", "exit {}".format(page.returncode))
        with open(os.path.join(reports, "comparison.md")) as stream:
            print(stream.read())
    watched = 0
    if arguments.previous:
        print("== nightly: tonight against {}".format(arguments.previous), flush=True)
        summary = os.path.join(reports, "watch.md")
        watched = subprocess.run(harness + ["watch"] + sorted(glob.glob(os.path.join(reports, "*.json")))
                                 + ["--previous", arguments.previous, "--output-folder", os.path.join(reports, "watch"),
                                    "--markdown", summary], cwd=ROOT).returncode
        if not os.path.isfile(summary):
            return failed("nightly comparison", "no summary written (exit {})".format(watched))
        with open(summary) as stream:
            print(stream.read())
    print("artifacts and reports: {}".format(work))
    return 1 if compared or watched else 0


if __name__ == "__main__":
    sys.exit(main())
