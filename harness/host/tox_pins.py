"""What two tox environments of a matrix pin, read from tox itself: the ends of a bisection.

A finding reads "fails in tf24, passes in tf25"; ``harness bisect --good-env tf25 --bad-env tf24``
asks tox what each installs (``tox config -k deps set_env``), bisects the one package whose ``==`` pin
differs between the two, holds every requirement they share, and sets the environment variables
they share (``KERAS_BACKEND``, ``TF_USE_LEGACY_KERAS``, ``HARNESS_KERAS``), so that every probe is
made as those environments are.
"""

import subprocess
from typing import Dict, List, NamedTuple, Optional, Tuple

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


def parse(text: str) -> Dict[str, Tuple[List[str], Dict[str, str]]]:
    """``tox config -k deps set_env`` output: per environment, its requirements and variables."""
    found = {}  # type: Dict[str, Tuple[List[str], Dict[str, str]]]
    env, key = None, None
    for line in text.splitlines():
        if line.startswith("[testenv:") and line.rstrip().endswith("]"):
            env, key = line.strip()[len("[testenv:"):-1], None
            found[env] = ([], {})
        elif env is not None and not line.startswith(" ") and "=" in line:
            key = line.split("=", 1)[0].strip()
            rest = line.split("=", 1)[1].strip()
            if rest and key == "deps":
                found[env][0].append(rest)
        elif env is not None and line.startswith(" ") and line.strip():
            if key == "deps":
                found[env][0].append(line.strip())
            elif key == "set_env" and "=" in line:
                name, value = line.strip().split("=", 1)
                found[env][1][name] = value
    return found


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
        if env not in environments or not environments[env][0]:
            raise UserError("tox env {}: tox knows no requirements of it; give an environment of the tox.ini "
                            "(tox -l lists them)".format(env))
    good, bad = (_pins(environments[env][0], env) for env in (good_env, bad_env))
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
    variables = {name: value for name, value in environments[good_env][1].items()
                 if environments[bad_env][1].get(name) == value and not name.startswith("TOX_") and name not in TOX_OWN}
    return Ends(good[package].name, _pinned(good[package]), _pinned(bad[package]), held, variables,
                [name for name in moving if name != package])


def read(good_env: str, bad_env: str, tox_ini: str) -> Ends:
    """:func:`ends`, asking tox for the two environments' configuration."""
    try:
        answer = subprocess.run(["tox", "-c", tox_ini, "config", "-e", "{},{}".format(good_env, bad_env), "-k", "deps",
                                 "set_env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as error:
        raise UserError("cannot run tox to read {} ({}); pip install tox".format(tox_ini, error))
    if answer.returncode != 0:
        said = " ".join(line.strip() for line in answer.stdout.decode("utf-8", "replace").splitlines() if line.strip())
        raise UserError("{}: tox cannot read tox envs {} and {}: {}; tox -l lists them".format(
            tox_ini, good_env, bad_env, said.replace("ROOT: HandledError| ", "")[:300]))
    return ends(good_env, bad_env, answer.stdout.decode("utf-8", "replace"))
