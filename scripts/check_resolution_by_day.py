"""Does "resolve every dependency as of the release's upload day" give the pins found by hand?

    python scripts/check_resolution_by_day.py [--pins ../shared/PINS.md] [--today]

``harness bisect`` installs a release no tox env pins without hand-written pins: uv resolves its
dependencies as they were a minute after the newest pinned release was uploaded
(:func:`harness.host.probe_environments.resolution_date`). ``../shared/PINS.md`` holds recipes
verified by hand on these machines: an ``==`` pin of each framework package plus the constraints
that were needed beyond it (``numpy<1.17``, ``h5py<3``, ``protobuf<3.20``, ``numpy<2``). For every
recipe this resolves its ``==`` pins alone, for its Python, as of that day (``uv pip compile``, which
installs nothing), and checks that every hand-found constraint holds in the answer. ``--today``
resolves without the date: the deliberately broken rule, which must fail where old releases need
an old NumPy. Exit 1 when a recipe's constraint does not hold.
"""

import argparse
import functools
import os
import re
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from packaging.requirements import Requirement  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402

from harness.host import releases  # noqa: E402
from harness.host.probe_environments import interpreter, resolution_date  # noqa: E402

ROW = re.compile(r"^\| (?P<env>[\w-]+) \| (?P<python>3\.\d+)\.\d+ \| `(?P<pins>[^`]+)`")


def recipes(path: str) -> List[Tuple[str, str, List[Requirement]]]:
    found = []
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            match = ROW.match(line)
            if match:
                found.append((match.group("env"), match.group("python"),
                              [Requirement(text) for text in match.group("pins").split()]))
    return found


@functools.lru_cache(maxsize=None)
def published(package: str) -> List[releases.Release]:
    return releases.from_index(package)


def upload_day(requirement: Requirement) -> Optional[str]:
    version = releases.version(next(spec.version for spec in requirement.specifier), requirement.name)
    return next(release.uploaded for release in published(requirement.name) if release.version == version)


def resolve(python: str, pinned: List[Requirement], date: Optional[str]) -> Tuple[Dict[str, str], str]:
    # The interpreter itself where there is one: an old release's dependencies may be source archives whose
    # metadata only that Python can build.
    executable = interpreter(python)
    command = ["uv", "pip", "compile", "-", "--quiet", "--no-header", "--no-annotate"] \
        + (["--python", executable] if executable else ["--python-version", python]) \
        + (["--exclude-newer", date] if date else [])
    answer = subprocess.run(command, input="\n".join(str(r) for r in pinned).encode(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    text = answer.stdout.decode("utf-8", "replace")
    if answer.returncode != 0:
        return {}, text.strip().splitlines()[-1] if text.strip() else "uv failed"
    return {canonicalize_name(name): version for name, version in re.findall(r"^([\w.-]+)==(\S+)", text, re.M)}, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pins", default=os.path.join(ROOT, "..", "shared", "PINS.md"))
    parser.add_argument("--today", action="store_true", help="resolve as of today: the broken rule, which must fail")
    options = parser.parse_args()
    checked, failed = 0, 0
    for env, python, requirements in recipes(options.pins):
        pinned = [r for r in requirements if any(spec.operator == "==" for spec in r.specifier)]
        constraints = [r for r in requirements if r not in pinned]
        if not pinned or any("+" in str(r) for r in pinned):
            print("{:14} skipped: {}".format(env, "nothing pinned" if not pinned else "a local wheel (+cpu)"))
            continue
        date = None if options.today else resolution_date([upload_day(r) for r in pinned])
        resolved, problem = resolve(python, pinned, date)
        held = [(r, resolved.get(canonicalize_name(r.name))) for r in constraints]
        broken = [r for r, version in held if version is not None and not r.specifier.contains(version)]
        checked += 1
        failed += bool(broken or problem)
        print("{:14} python {:5} as of {}: {}".format(
            env, python, date or "today", problem or ", ".join("{} {} ({})".format(
                r.name, version, "holds" if r not in broken else "BREAKS " + str(r.specifier)) for r, version in held)
            or "no hand-found constraint"))
    print("{} recipes resolved as of {}; {} break a hand-found pin".format(checked, "today" if options.today else
                                                                            "their day", failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
