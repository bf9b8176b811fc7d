"""Which versions an environment has, and requirements such as ``tensorflow<2.0`` read against them.

One map serves every reader: the runner judges known failures with it, compare decides expected
changes with it, and the compatibility layer derives what the environment can do from it
(:mod:`harness.capabilities`). It holds every installed distribution (PEP 503 names), Python,
NumPy, the framework's own TensorFlow and Keras versions (``tf.keras`` reports the Keras bundled
with TensorFlow, ``tf2-legacy`` reports tf_keras's, not the Keras 3 also installed), and two facts
that are not versions: ``keras_flavour`` and ``backend``.

The in-environment runner has only the standard library and NumPy (``packaging`` is not
guaranteed on Python 3.7 with TF 1.14), so this is a small, strict implementation: release
numbers compare as integer tuples, and anything after them (``rc1``, ``-tf``, ``+cpu``) is
ignored, which is what "fixed in 2.0" means to a user. A requirement is parsed when it is
declared (:func:`parse` raises on anything it cannot read), never first when it is judged.
"""

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

_CLAUSE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.\-]*)?\s*(<=|>=|==|!=|<|>)\s*([0-9][0-9.]*)\s*$")
_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
# Facts of the map that are words, not versions: a requirement cannot name them.
NOT_VERSIONS = ("keras_flavour", "backend")
EXAMPLE = "e.g. 'tensorflow<2.0' or 'keras>=3,<3.7'"
Clause = Tuple[str, str, Tuple[int, ...]]


def normalise(name: str) -> str:
    """PEP 503 name: ``tensorflow_cpu`` and ``TensorFlow-CPU`` are both ``tensorflow-cpu``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def release(version: str) -> Tuple[int, ...]:
    """The leading release numbers of a version string: ``"2.2.4-tf"`` → ``(2, 2, 4)``."""
    match = re.match(r"^\s*(\d{1,9}(?:\.\d{1,9}){0,9})", version)
    if not match:
        raise ValueError("not a version: {!r}".format(version[:40]))
    return tuple(int(part) for part in match.group(1).split("."))


def _padded(a: Tuple[int, ...], b: Tuple[int, ...]) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def parse(requirement: str) -> List[Clause]:
    """``"tensorflow>=1.0,<2.0"`` → ``[("tensorflow", ">=", (1, 0)), ("tensorflow", "<", (2, 0))]``.

    As in a pip requirement, clauses after the first may leave the name out. Raises ValueError,
    naming the clause it cannot read and the form it expects.
    """
    if not isinstance(requirement, str):
        raise ValueError("a requirement is text, {}. Received: {!r}".format(EXAMPLE, requirement))
    clauses = []
    name = None
    for text in requirement.split(","):
        match = _CLAUSE.match(text)
        if not match or not (match.group(1) or name):
            raise ValueError("cannot read requirement {!r}: expected a package, an operator and a version, {}".format(
                text.strip()[:60], EXAMPLE))
        name = normalise(match.group(1) or name)
        if name in [normalise(fact) for fact in NOT_VERSIONS]:
            raise ValueError("cannot read requirement {!r}: {} is not a version (declare it with keras_flavours=...)"
                             .format(text.strip()[:60], name))
        clauses.append((name, match.group(2), release(match.group(3))))
    return clauses


def satisfied(requirement: str, versions: Mapping[str, Optional[str]]) -> bool:
    """Whether every clause holds; a package that is not present, or whose version is not a
    version (an untrusted report may say anything), satisfies no clause."""
    for name, operator, wanted in parse(requirement):
        present = versions.get(name)
        if not present:
            return False
        try:
            have = release(present)
        except ValueError:
            return False
        have, want = _padded(have, wanted)
        if not _COMPARE[operator](have, want):
            return False
    return True


def environment_versions(environment: Mapping[str, Any]) -> Dict[str, Optional[str]]:
    """The one map of what an environment has, from a report's ``environment`` section."""
    framework = environment["framework"]
    versions = {normalise(name): version for name, version in dict(environment["packages"]).items()}
    versions.update({
        "tensorflow": framework.get("tensorflow"),
        "keras": framework.get("keras"),
        "numpy": environment.get("numpy"),
        "python": environment["python"]["version"],
        "keras_flavour": framework.get("keras_flavour"),
        "backend": framework.get("backend"),
    })
    return versions
