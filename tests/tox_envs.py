"""Nested tox environments for the tests that run another framework generation (``tox -e tf114``).

Whether such an environment can run is decided by asking for its interpreter, as tox-uv does
(``uv venv -p python3.7`` finds a ``python3.7`` that runs), never by matching what tox printed:
tox and its plugins word "not found" differently from one version to the next. A missing
interpreter skips the test with the reason, unless ``HARNESS_REQUIRE_GENERATIONS=1`` (set by
``.ci/run``) makes it a failure.
"""

import os
import re
import shutil
import subprocess
from typing import List, Optional

import pytest

from harness_process import ROOT


def unavailable(reason: str) -> None:
    if os.environ.get("HARNESS_REQUIRE_GENERATIONS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def outer_environment() -> dict:
    """This process's environment without the enclosing tox env's settings, which must not leak
    into a nested one."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith("TOX_") and key not in ("VIRTUAL_ENV", "PYTHONPATH")}


def base_python(env: str) -> str:
    """The interpreter tox uses for ``env`` (its ``base_python``), as tox itself reports it."""
    completed = subprocess.run(["tox", "config", "-e", env, "-k", "base_python"], cwd=ROOT, env=outer_environment(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    match = re.search(r"^base_python\s*=\s*(\S+)", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or not match:
        raise AssertionError("tox config -e {} did not name a base_python:\n{}".format(env, completed.stdout[-2000:]))
    return match.group(1)


def missing_interpreter(env: str) -> Optional[str]:
    """Why ``env`` cannot run here, or None: its interpreter is asked to run one statement."""
    spec = base_python(env)
    executable = shutil.which(spec, path=outer_environment().get("PATH"))
    if executable is not None:
        try:
            asked = subprocess.run([executable, "-c", "import sys"], env=outer_environment(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=60)
            if asked.returncode == 0:
                return None
        except (OSError, subprocess.TimeoutExpired):
            pass
    return "{} needs {}, which does not run here (on pyenv machines set PYENV_VERSION to include it)".format(env, spec)


def require(envs: List[str]) -> None:
    """Skip (or, in CI, fail) unless tox and every env's interpreter are available."""
    if shutil.which("tox") is None:
        unavailable("tox is not on PATH")
    for env in envs:
        reason = missing_interpreter(env)
        if reason:
            unavailable(reason)


def tox_env(name: str, output: str, *arguments: str) -> subprocess.CompletedProcess:
    """``tox -e NAME -- --output OUTPUT ARGS``, after making sure it can run here."""
    require([name])
    return subprocess.run(["tox", "-e", name, "--", "--output", str(output)] + list(arguments), cwd=ROOT,
                          env=outer_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=1200)
