"""A user's own project: the ``tox.ini`` that runs its cases in the harness's environments.

The environments (an interpreter, pins, a Keras flavour and a backend per factor of the env name)
have one owner: the harness's own ``tox.ini``, shipped in the package as ``environments.ini``
beside this module (in a checkout, a link to it). A project's ``tox.ini`` is generated from it,
so the project names ``tf215`` or ``k313`` without copying a line of pins, and regenerating after
an upgrade of the harness brings the new pins. What is the project's own stays the project's: its
extra dependencies, where its cases live, and the harness it installs (a path, a git URL, a
version).
"""

import configparser
import json
import os
import pathlib
import re
import shlex
import unicodedata
from typing import Dict, List, Optional, Sequence

import harness
from harness.errors import UserError

DISTRIBUTION = "keras-regression-harness"
MATRIX_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "environments.ini")
MARKER = "# Made by `python -m harness tox-ini`"
# Lines of the harness's tox.ini that concern only its own test and benchmark environments.
_OWN_FACTORS = {"test", "bench"}
_FACTOR_PREFIX = re.compile(r"^([A-Za-z0-9_{},!\-]+):\s*(.*)$")
_RANGE = re.compile(r"\{(\d+)-(\d+)\}|\{([^{}]*)\}")


class Matrix(object):
    """The harness's environment table, read from its ``tox.ini``."""

    def __init__(self, path: str = MATRIX_FILE) -> None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            with open(path, encoding="utf-8") as stream:
                parser.read_file(stream)
        except OSError as error:
            raise UserError("{}: cannot read the harness's environment table ({}); reinstall the harness".format(
                path, error.strerror))
        self.parser = parser
        self.envs = [env for item in _items(parser["tox"]["env_list"]) for env in expand(item)]

    def lines(self, section: str, key: str) -> List[str]:
        """A setting's lines, without those meant only for the harness's own test environments."""
        kept = []
        for line in self.parser[section][key].strip().splitlines():
            match = _FACTOR_PREFIX.match(line.strip())
            if match:
                factors = [f for f in match.group(1).split(",") if f not in _OWN_FACTORS]
                if not factors:
                    continue
                line = "{}: {}".format(",".join(factors), match.group(2))
            kept.append(line.strip())
        return kept


def _items(text: str) -> List[str]:
    """A tox list (commas outside braces, or lines) as its items."""
    items, depth, current = [], 0, ""
    for char in text.replace("\n", ","):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    return [item for item in items if item]


def expand(name: str) -> List[str]:
    """tox's generative names: ``tf2{1-3}`` is tf21, tf22, tf23; ``tf1{14,15}`` is tf114, tf115."""
    match = _RANGE.search(name)
    if match is None:
        return [name]
    if match.group(1) is not None:
        choices = [str(n) for n in range(int(match.group(1)), int(match.group(2)) + 1)]
    else:
        choices = [choice.strip() for choice in match.group(3).split(",")]
    return [expanded for choice in choices
            for expanded in expand(name[:match.start()] + choice + name[match.end():])]


def harness_requirement() -> str:
    """How each environment installs this harness: as it was installed here (a path or git URL,
    from pip's record of a direct install), from this checkout, or as this version from an index."""
    try:
        from importlib import metadata
        distribution = metadata.distribution(DISTRIBUTION)
        direct = distribution.read_text("direct_url.json")
    except Exception:  # not installed (a checkout on PYTHONPATH), or Python 3.7 without importlib.metadata
        direct = None
    if direct:
        record = json.loads(direct)
        url = record.get("url", "")
        vcs = record.get("vcs_info")
        if vcs:
            url = "{}+{}@{}".format(vcs.get("vcs", "git"), url, vcs.get("commit_id") or vcs.get("requested_revision"))
        if url:
            return "{} @ {}".format(DISTRIBUTION, url)
    root = os.path.dirname(os.path.dirname(os.path.abspath(harness.__file__)))
    if os.path.isfile(os.path.join(root, "pyproject.toml")):  # as_uri: a space in the folder is %20, not a split
        return "{} @ {}".format(DISTRIBUTION, pathlib.Path(root).as_uri())
    return "{}=={}".format(DISTRIBUTION, harness.__version__)


def tox_ini(envs: Sequence[str], requirement: str, extra_deps: Sequence[str] = (), cases: str = "cases",
            matrix: Optional[Matrix] = None) -> str:
    """A project's ``tox.ini``: every harness environment, ``envs`` as the default list."""
    matrix = matrix or Matrix()
    if not envs:
        raise UserError("--envs: no environment named; name the default ones, e.g. --envs tf215,tf2")
    for option, values in (("--harness", [requirement]), ("--deps", extra_deps), ("--cases", [cases])):
        for value in values:
            _one_line(option, value)
    if re.search(r"[{}]", cases):
        raise UserError("--cases {!r}: tox reads {{ and }} as a substitution; name a folder without them".format(cases))
    unknown = [env for env in envs if env not in matrix.envs]
    if unknown:
        raise UserError("--envs: unknown environment {}; the harness has: {}".format(
            ", ".join(repr(env) for env in unknown), ", ".join(matrix.envs)))

    def block(lines: Sequence[str]) -> str:
        return "".join("\n    " + line for line in lines)

    settings = {  # type: Dict[str, str]
        "requires": block(matrix.lines("tox", "requires")),
        "env_list": block(envs),
        "labels": block(matrix.lines("tox", "labels")),
        "base_python": block(matrix.lines("testenv", "base_python")),
        "deps": block([requirement] + list(extra_deps) + matrix.lines("testenv", "deps")),
        "pass_env": block(matrix.lines("testenv", "pass_env")),
        "set_env": block(matrix.lines("testenv", "set_env")),
    }
    return """{marker} (keras-regression-harness {version}).
# Every environment of the harness is here by name (tf114 ... tf221, tf2, tf2-legacy, keras3-jax,
# keras3-torch, k30 ... k315; labels everyday, ci, matrix), with the harness's pins: regenerate this
# file after upgrading the harness, and recreate the envs (tox -r). `tox -e ENV` runs this project's
# cases ({cases}/) there and writes reports/ENV.json; this project's folder is on PYTHONPATH, so a
# case imports the project's own modules.
[tox]
requires ={requires}
env_list ={env_list}
labels ={labels}
skip_missing_interpreters = true

[testenv]
description = run this project's cases with {{env_name}}'s framework and write reports/{{env_name}}.json
package = skip
base_python ={base_python}
deps ={deps}
pass_env ={pass_env}
set_env ={set_env}
commands = python -m harness run --env {{env_name}} --cases {quoted} {{posargs}}
""".format(marker=MARKER, version=harness.__version__, cases=cases, quoted=shlex.quote(cases), **settings)


def _one_line(option: str, value: str) -> None:
    """A value written into one line of the file: a line break would start a key of its own (a
    ``commands_pre`` tox would run), another control character would break the file."""
    if not value.strip() or any(unicodedata.category(char) == "Cc" for char in value):
        raise UserError("{} {!r}: must be one line of text (no line break or control character)".format(
            option, value[:80]))


def write(path: str, text: str, force: bool = False) -> None:
    """Write a project's tox.ini; one the user wrote themselves is kept unless ``force``."""
    from harness.contract.strict_json import write_atomically
    if os.path.exists(path) and not force:
        try:
            with open(path, encoding="utf-8") as stream:
                ours = stream.readline().startswith(MARKER)
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            raise UserError("{}: exists and was not made by `python -m harness tox-ini`; it is kept. Give --output "
                            "another file (or --output - to print), or --force to replace it".format(path))
    write_atomically(path, text)
