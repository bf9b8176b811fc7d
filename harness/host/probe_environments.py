"""Environments a bisection probes in: one per set of requirements, built with uv, cached and reused.

A probe's environment is a virtual environment of NumPy and the framework at one release, as a tox
env of the matrix is, but made for a release no tox env pins: uv builds it (seconds from its cache)
on the newest Python here that the release has wheels for, with every dependency resolved as it
was the day the newest pinned release was uploaded (``--exclude-newer``), which is how TF 1.14
gets the NumPy < 1.17, h5py < 3 and protobuf < 3.20 that ``../shared/PINS.md`` found by hand. Each
is kept under the cache folder, keyed by what went into it, so that a bisection run again (or
another over the same releases) builds nothing.
"""

import datetime
import functools
import hashlib
import json
import os
import shutil
import subprocess
import time
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from harness.errors import UserError
from harness.host.releases import PYTHONS

_READY = "harness-probe.json"


def default_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "keras-harness", "probe-envs")


@functools.lru_cache(maxsize=None)
def interpreter(python: str) -> Optional[str]:
    """The executable of CPython ``python`` (``3.7``) on this machine, None when there is none that runs
    (a pyenv shim of a version not selected by ``PYENV_VERSION`` is there but does not run)."""
    found = shutil.which("python" + python)
    if found is None:
        return None
    try:
        answer = subprocess.run([found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found if answer.returncode == 0 and answer.stdout.decode().strip() == python else None


def interpreters(wanted: Sequence[str]) -> List[Tuple[str, str]]:
    """(version, executable) of the Pythons in ``wanted`` that run here, newest first."""
    return [(python, interpreter(python)) for python in reversed(PYTHONS)  # type: ignore[misc]
            if python in wanted and interpreter(python) is not None]


def resolution_date(uploads: Sequence[Optional[str]]) -> Optional[str]:
    """The day to resolve dependencies as of: a minute after the newest of the pinned releases' uploads
    (None when no upload time is known: resolve as of today)."""
    known = [upload for upload in uploads if upload]
    if not known:
        return None
    newest = max(datetime.datetime.strptime(upload[:19], "%Y-%m-%dT%H:%M:%S") for upload in known)
    return (newest + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Built(NamedTuple("Built", [("folder", Optional[str]), ("python", Optional[str]), ("packages", Dict[str, str]),
                                   ("seconds", float), ("cached", bool), ("problem", Optional[Dict[str, str]])])):
    """An environment ready to run the harness in, or why there is none: ``problem``, a code (``no_python``,
    ``install_failed``) and the detail (the Pythons wanted; uv's own words)."""

    @property
    def executable(self) -> str:
        return os.path.join(str(self.folder), "bin", "python")


def _key(python: str, requirements: Sequence[str], date: Optional[str], find_links: Optional[str],
         index_url: Optional[str]) -> str:
    text = json.dumps([python, sorted(requirements), date, find_links and os.path.abspath(find_links), index_url])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def failure_reason(text: str) -> str:
    """Why a tool failed, in one line: its ``error:`` paragraph (uv's error and its causes, the runner's
    one-line user error), else the last line it printed that is not progress."""
    lines = [line.strip() for line in text.splitlines()]
    start = next((index for index, line in enumerate(lines) if line.startswith("error:")), None)
    if start is not None:
        paragraph = []
        for line in lines[start:]:
            if not line or line.startswith("hint:"):
                break
            paragraph.append(line)
        return " ".join(paragraph)[:500]
    said = [line for line in lines if line and not line.startswith(("Using ", "Resolved ", "Prepared ", "Installed ",
                                                                     "Audited ", "Creating "))]
    return (said or ["(no message)"])[-1][:500]


def _uv(arguments: List[str]) -> subprocess.CompletedProcess:
    uv = shutil.which("uv")
    if uv is None:
        raise UserError("uv is not on PATH: harness bisect builds its environments with uv; pip install uv")
    return subprocess.run([uv] + arguments, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=dict(os.environ, UV_NO_PROGRESS="1"))


def build(requirements: Sequence[str], pythons: Sequence[str], date: Optional[str], cache: str,
          find_links: Optional[str] = None, index_url: Optional[str] = None) -> Built:
    """An environment of ``requirements`` on the newest of ``pythons`` that resolves (the next older one
    when uv cannot install them on it), reused from ``cache`` when it was built before."""
    started = time.time()
    here = interpreters(pythons)
    if not here:
        return Built(None, None, {}, 0.0, False, {"code": "no_python", "detail": " or ".join(pythons)})
    problem = ""
    for python, executable in here:
        folder = os.path.join(cache, _key(python, requirements, date, find_links, index_url))
        ready = os.path.join(folder, _READY)
        if os.path.exists(ready):
            with open(ready) as stream:
                return Built(folder, python, json.load(stream)["packages"], time.time() - started, True, None)
        partial = folder + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        made = _uv(["venv", "--quiet", "--python", executable, partial])
        if made.returncode != 0:
            problem = "python {}: {}".format(python, failure_reason(made.stdout.decode("utf-8", "replace")))
            shutil.rmtree(partial, ignore_errors=True)
            continue
        options = (["--exclude-newer", date] if date else []) + (["--find-links", find_links] if find_links else []) \
            + (["--index-url", index_url] if index_url else [])
        installed = _uv(["pip", "install", "--python", os.path.join(partial, "bin", "python")] + options
                        + list(requirements))
        if installed.returncode != 0:
            problem = "python {}: {}".format(python, failure_reason(installed.stdout.decode("utf-8", "replace")))
            shutil.rmtree(partial, ignore_errors=True)
            continue
        frozen = _uv(["pip", "freeze", "--python", os.path.join(partial, "bin", "python")])
        packages = dict(line.split("==", 1) for line in frozen.stdout.decode("utf-8", "replace").splitlines()
                        if "==" in line)
        with open(os.path.join(partial, _READY), "w") as stream:
            json.dump({"requirements": list(requirements), "python": python, "date": date, "packages": packages},
                      stream, indent=1, sort_keys=True)
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(partial, folder)
        return Built(folder, python, packages, time.time() - started, False, None)
    return Built(None, None, {}, time.time() - started, False, {"code": "install_failed", "detail": problem})
