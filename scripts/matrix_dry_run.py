"""Run the steps of .github/workflows/matrix.yml on this machine, in order.

    python scripts/matrix_dry_run.py [--envs tf114,tf2] [--work DIR] [-- harness run arguments]

For each env (default: the workflow's matrix) it runs ``tox -e ENV`` writing the report into an
artifact folder, as the job would upload it; then, as the final job, it gathers every artifact
into one reports folder, runs ``harness compare`` and ``harness html``, prints the Markdown job
summary and exits with compare's status. Reports from other machines can be merged the same way:
put each ``<env>.json`` in the folder and run the last two steps.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "matrix.yml")


def workflow_envs():
    with open(WORKFLOW) as stream:
        return re.findall(r"-\s*\{env:\s*([A-Za-z0-9_.-]+),", stream.read())


def failed(step, why):
    """A failed step, as the workflow's log would show it: one line, then the exit status."""
    print("dry run: {} failed: {}".format(step, why), flush=True)
    return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", default=",".join(workflow_envs()), help="comma-separated tox envs (default: the workflow's)")
    parser.add_argument("--work", default=None, help="folder for artifacts and reports (default: a new temporary one)")
    arguments, harness_arguments = parser.parse_known_args()
    harness_arguments = [a for a in harness_arguments if a != "--"]
    work = arguments.work or tempfile.mkdtemp(prefix="matrix-dry-run-")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TOX_") and key != "VIRTUAL_ENV"}
    missing = []
    for env in arguments.envs.split(","):
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
    print("== job compare", flush=True)
    harness = [sys.executable, "-m", "harness"]
    comparison = os.path.join(reports, "comparison.json")
    compared = subprocess.run(harness + ["compare"] + sorted(glob.glob(os.path.join(reports, "*.json")))
                              + ["--output", comparison, "--markdown", os.path.join(reports, "comparison.md")], cwd=ROOT)
    if not os.path.isfile(comparison):
        return failed("compare", "no comparison written (exit {})".format(compared.returncode))
    page = subprocess.run(harness + ["html", comparison, "--output", os.path.join(reports, "comparison.html")], cwd=ROOT)
    if page.returncode != 0:
        return failed("html", "exit {}".format(page.returncode))
    with open(os.path.join(reports, "comparison.md")) as stream:
        print(stream.read())
    print("artifacts and reports: {}".format(work))
    return compared.returncode


if __name__ == "__main__":
    sys.exit(main())
