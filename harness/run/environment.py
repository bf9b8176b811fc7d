"""The environment fingerprint: everything needed to know what a report was measured on.

Reports are merged from many machines and compared across versions, so each one says exactly
which interpreter, platform, CPU, packages (every installed distribution with its version),
framework flavour, backend, devices and determinism-relevant settings produced it.
Standard library only: ``importlib.metadata`` does not exist on Python 3.7, so installed
distributions are read from the ``*.dist-info``/``*.egg-info`` folders on ``sys.path``. The
capabilities the environment has (:mod:`harness.capabilities`) are derived from these versions here.
"""

import os
import platform
import re
import sys
from typing import Any, Dict, Optional

from harness import capabilities
from harness.contract.versions import environment_versions, normalise

# Variables that change numerics, threading or determinism: recorded whether set or not.
DETERMINISM_VARIABLES = (
    "PYTHONHASHSEED", "TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC", "TF_ENABLE_ONEDNN_OPTS",
    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES", "KERAS_BACKEND", "HARNESS_KERAS", "TF_USE_LEGACY_KERAS", "XLA_FLAGS",
    "JAX_ENABLE_X64", "TF_XLA_FLAGS",
)
_DIST_FOLDER = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[0-9][^-]*?)(?:-py[0-9.]+)?\.(?:dist|egg)-info$")


def installed_distributions() -> Dict[str, str]:
    """Every installed distribution on ``sys.path`` and its version (the env's exact pins)."""
    found = {}  # type: Dict[str, str]
    for folder in sys.path:
        if not folder or not os.path.isdir(folder):
            continue
        for entry in os.listdir(folder):
            match = _DIST_FOLDER.match(entry)
            if match:
                found.setdefault(normalise(match.group("name")), match.group("version"))
    return dict(sorted(found.items()))


def cpu_model() -> Optional[str]:
    try:
        with open("/proc/cpuinfo") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def describe(framework_facts: Dict[str, Any], env_name: str) -> Dict[str, Any]:
    """The environment section of a report; ``framework_facts`` come from the framework itself. What
    the environment can do (its capabilities) is derived here, once, from the versions it records."""
    distributions = installed_distributions()
    environment = {
        "name": env_name,
        "tox_env": os.environ.get("TOX_ENV_NAME"),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "node": platform.node(),
        },
        "cpu": {"model": cpu_model(), "count": os.cpu_count()},
        "framework": framework_facts,
        "numpy": distributions.get("numpy"),
        "determinism": {name: os.environ.get(name) for name in DETERMINISM_VARIABLES},
        "packages": distributions,
    }  # type: Dict[str, Any]
    environment["capabilities"] = capabilities.detect(environment_versions(environment))
    return environment
