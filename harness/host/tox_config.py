"""What tox says about the environments of a tox.ini: one reader of ``tox config`` for every host command.

The CI workflow's job list is a label's environments and the Python each needs (``tox config -m LABEL
-k base_python``), so the list to edit is the one in ``tox.ini``. And a finding reads "fails in tf24, passes in tf25"; ``harness bisect --good-env tf25 --bad-env tf24``
asks tox what each installs (``tox config -k deps set_env``), bisects the one package whose ``==`` pin
differs between the two, holds every requirement they share, and sets the environment variables
they share (``KERAS_BACKEND``, ``TF_USE_LEGACY_KERAS``, ``HARNESS_KERAS``), so that every probe is
made as those environments are.
"""

import os
import re
import subprocess
from typing import Dict, List, NamedTuple, Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from harness.errors import UserError

# The pytest gate's requirements, not the runner's: a probe runs the harness alone.
NOT_FOR_THE_RUNNER = ("pytest", "scipy")
# Variables tox sets for its own bookkeeping, or that the probe sets itself.
TOX_OWN = ("PYTHONPATH", "PYTHONHASHSEED", "PYTHONIOENCODING", "UV_FIND_LINKS")

# ``by_day``: packages pinned in one of the two alone (TF 2.16's Keras): each probe installs them as they
# were the day its release was uploaded, which is how the matrix chose those pins.
Ends = NamedTuple("Ends", [("package", str), ("good", str), ("bad", str), ("held", List[str]),
                           ("variables", Dict[str, str]), ("by_day", List[str])])


def parse(text: str) -> Dict[str, Dict[str, List[str]]]:
    """``tox config -k KEY ...`` output: per environment, each key's value as its lines (a one-line value
    is a list of one, a multi-line one such as ``deps`` or ``set_env`` one item per line)."""
    found = {}  # type: Dict[str, Dict[str, List[str]]]
    env, key = None, None
    for line in text.splitlines():
        if line.startswith("[testenv:") and line.rstrip().endswith("]"):
            env, key = line.strip()[len("[testenv:"):-1], None
            found[env] = {}
        elif env is not None and not line.startswith(" ") and "=" in line:
            key, rest = (part.strip() for part in line.split("=", 1))
            found[env][key] = [rest] if rest else []
        elif env is not None and key is not None and line.startswith(" ") and line.strip():
            found[env][key].append(line.strip())
    return found


def _variables(lines: List[str]) -> Dict[str, str]:
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _pins(requirements: List[str], env: str) -> Dict[str, Requirement]:
    pins = {}
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            raise UserError("tox env {}: requirement {!r} is not one harness bisect can read".format(env, text))
        pins[canonicalize_name(requirement.name)] = requirement
    return pins


def _pinned(requirement: Optional[Requirement]) -> str:
    if requirement is None:
        return ""
    return next((spec.version for spec in requirement.specifier if spec.operator == "=="), "")


def ends(good_env: str, bad_env: str, config: str) -> Ends:
    """The package to bisect between two tox environments, its two versions, what they share."""
    environments = parse(config)
    for env in (good_env, bad_env):
        if not environments.get(env, {}).get("deps"):
            raise UserError("tox env {}: tox knows no requirements of it; give an environment of the tox.ini "
                            "(tox -l lists them)".format(env))
    good, bad = (_pins(environments[env]["deps"], env) for env in (good_env, bad_env))
    # What moves: the ``==`` pins that differ; a looser constraint in one of them alone (protobuf<3.20) is left
    # to the resolution as of each release's day, which reproduces it.
    moving = sorted(name for name in set(good) | set(bad) if (_pinned(good.get(name)) or _pinned(bad.get(name)))
                    and str(good.get(name)) != str(bad.get(name)))
    both = [name for name in moving if _pinned(good.get(name)) and _pinned(bad.get(name))]
    if len(both) != 1:
        raise UserError("tox envs {} and {} differ in {}, not in one pinned package: bisect one with --package, "
                        "--good, --bad and --hold".format(good_env, bad_env, ", ".join(moving) or "nothing"))
    package = both[0]
    held = [str(requirement) for name, requirement in sorted(good.items()) if name in bad
            and str(bad[name]) == str(requirement) and name not in NOT_FOR_THE_RUNNER]
    shared = _variables(environments[bad_env].get("set_env", []))
    variables = {name: value for name, value in _variables(environments[good_env].get("set_env", [])).items()
                 if shared.get(name) == value and not name.startswith("TOX_") and name not in TOX_OWN}
    return Ends(good[package].name, _pinned(good[package]), _pinned(bad[package]), held, variables,
                [name for name in moving if name != package])


def outside_tox() -> Dict[str, str]:
    """This process's environment without an enclosing tox env's own variables (``TOX_*``, ``VIRTUAL_ENV``):
    what a command it starts (tox, a probe's runner) must not inherit, or it would think itself inside
    that env."""
    return {key: value for key, value in os.environ.items() if not key.startswith("TOX_") and key != "VIRTUAL_ENV"}


def config(tox_ini: str, selection: List[str], keys: List[str]) -> str:
    """``tox config`` of the selected environments (``-e A,B`` or ``-m LABEL``): its text, or one line of why not."""
    try:
        answer = subprocess.run(["tox", "-c", tox_ini, "config"] + selection + ["-k"] + keys, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    except OSError as error:
        raise UserError("cannot run tox to read {} ({}); pip install tox".format(tox_ini, error))
    said = answer.stdout.decode("utf-8", "replace")
    if answer.returncode != 0:
        why = " ".join(line.strip() for line in said.splitlines() if line.strip())
        raise UserError("{}: tox cannot read {}: {}; tox -l lists the environments".format(
            tox_ini, " ".join(selection), why.replace("ROOT: HandledError| ", "")[:300]))
    return said


def read(good_env: str, bad_env: str, tox_ini: str) -> Ends:
    """:func:`ends`, asking tox for the two environments' configuration."""
    return ends(good_env, bad_env, config(tox_ini, ["-e", "{},{}".format(good_env, bad_env)], ["deps", "set_env"]))


def jobs(label: str, tox_ini: str) -> List[Dict[str, str]]:
    """The environments of ``label`` and the Python each runs on (``python3.7`` -> ``3.7``): the CI matrix."""
    environments = parse(config(tox_ini, ["-m", label], ["base_python"]))
    if not environments:
        raise UserError("{}: label {} has no environments; its labels are under [tox] labels".format(tox_ini, label))
    found = []
    for env, keys in environments.items():
        python = next(iter(keys.get("base_python", [])), "")
        match = re.match(r"^(?:python|py)?(3\.?\d+)$", python.split(",")[0].strip())
        if not match:
            raise UserError("{}: tox env {} runs on {!r}, not a pythonX.Y the workflow can set up".format(
                tox_ini, env, python))
        version = match.group(1)
        found.append({"env": env, "python": version if "." in version else version[0] + "." + version[1:]})
    return found
