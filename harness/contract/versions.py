"""Version requirements such as ``tensorflow<2.0`` evaluated against what is being tested.

The in-environment runner has only the standard library and NumPy (``packaging`` is not
guaranteed on Python 3.7 with TF 1.14), so this is a small, strict implementation: release
numbers compare as integer tuples, and anything after them (``rc1``, ``-tf``, ``+cpu``) is
ignored, which is what "fixed in 2.0" means to a user.
"""

import re
from typing import Mapping, Optional, Tuple

_CLAUSE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.\-]*)?\s*(<=|>=|==|!=|<|>)\s*([0-9][0-9.]*)\s*$")
_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def release(version: str) -> Tuple[int, ...]:
    """The leading release numbers of a version string: ``"2.2.4-tf"`` → ``(2, 2, 4)``."""
    match = re.match(r"^\s*(\d+(?:\.\d+)*)", version)
    if not match:
        raise ValueError("not a version: {!r}".format(version))
    return tuple(int(part) for part in match.group(1).split("."))


def _padded(a: Tuple[int, ...], b: Tuple[int, ...]) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def parse(requirement: str) -> list:
    """``"tensorflow>=1.0,<2.0"`` → ``[("tensorflow", ">=", (1, 0)), ("tensorflow", "<", (2, 0))]``.

    As in a pip requirement, clauses after the first may leave the name out.
    """
    clauses = []
    name = None
    for text in requirement.split(","):
        match = _CLAUSE.match(text)
        if not match or not (match.group(1) or name):
            raise ValueError("cannot read requirement {!r}: expected e.g. 'tensorflow<2.0'".format(text.strip()))
        name = (match.group(1) or name).lower()
        clauses.append((name, match.group(2), release(match.group(3))))
    return clauses


def satisfied(requirement: str, versions: Mapping[str, Optional[str]]) -> bool:
    """Whether every clause holds; a package that is not present satisfies no clause."""
    for name, operator, wanted in parse(requirement):
        present = versions.get(name)
        if not present:
            return False
        have, want = _padded(release(present), wanted)
        if not _COMPARE[operator](have, want):
            return False
    return True
