"""Running ``python -m harness`` as a user does: a subprocess in the repository, real framework."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def harness_command(*arguments):
    return [sys.executable, "-m", "harness"] + list(arguments)


def harness_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def run_harness(*arguments, timeout=900, environment=None):
    """Run ``python -m harness ARGS`` in the repository, with ``environment``'s variables added, and
    return the completed process."""
    return subprocess.run(harness_command(*arguments), cwd=ROOT, env=dict(harness_env(), **(environment or {})),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout)


def process_alive(pid):
    """Whether a process is running (Linux /proc): a zombie has ended."""
    try:
        with open("/proc/{}/stat".format(pid)) as stream:
            return stream.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def fault_script_outcome(name):
    """What a fault fixture script (``tests/fixtures/NAME``) printed, as JSON: it breaks the real
    framework one way at a time in forked children and reports each family's or relation's results."""
    done = subprocess.run([sys.executable, os.path.join(FIXTURES, name)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
