"""The published releases of a package: versions, when each was uploaded, which Pythons it installs on.

A bisection probes releases, not commits (as mozregression probes builds): it needs the versions
between two ends in order, the day each was uploaded (so that an old release installs with the
dependencies of its day: uv's ``--exclude-newer``) and which interpreters it has wheels for (TF 1.x
has ``cp37`` wheels and no others). They come from a package index's JSON simple API (PEP 691,
with PEP 700's ``upload-time``; PyPI by default) or from a folder of wheels (uv's ``--find-links``,
as a test's fake index is: no upload times there).
"""

import json
import os
import re
import urllib.error
import urllib.request
from typing import Dict, List, Optional, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from harness.errors import UserError

PYPI = "https://pypi.org/simple"
_JSON = "application/vnd.pypi.simple.v1+json"
# The interpreters a bisection may run a probe on: CPython 3.6 to 3.13.
PYTHONS = tuple("3.{}".format(minor) for minor in range(6, 14))
_SDIST = re.compile(r"^(?P<name>.+?)-(?P<version>[0-9][^-]*)\.(tar\.gz|zip)$")


class Release(object):
    """One version of a package: when its last file was uploaded (None where the index does not say)
    and the Pythons its files install on here (Linux x86-64 wheels, or any Python for a pure one)."""

    def __init__(self, version: Version, uploaded: Optional[str], pythons: Sequence[str]) -> None:
        self.version = version
        self.uploaded = uploaded
        self.pythons = tuple(pythons)

    def __repr__(self) -> str:
        return "Release({}, {}, {})".format(self.version, self.uploaded, ",".join(self.pythons))


def _wheel_pythons(filename: str, requires_python: Optional[str], package: str) -> Tuple[Optional[Version], List[str]]:
    """A wheel's version and the Pythons of ``PYTHONS`` it installs on, on Linux x86-64 (no version: another
    package's wheel, or not a wheel's name)."""
    try:
        name, version, _, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return None, []
    if name != canonicalize_name(package):
        return None, []
    allowed = _allowed(requires_python)
    pythons = set()
    for tag in tags:
        if tag.platform != "any" and not ("linux" in tag.platform and tag.platform.endswith("x86_64")):
            continue
        for python in PYTHONS:
            digits = python.replace(".", "")
            if tag.interpreter in ("py3", "py{}".format(digits)) or tag.interpreter == "cp" + digits:
                pythons.add(python)
            elif tag.abi == "abi3" and tag.interpreter.startswith("cp3") and int(digits) >= int(tag.interpreter[2:]):
                pythons.add(python)
    return version, [python for python in PYTHONS if python in pythons and python in allowed]


def _allowed(requires_python: Optional[str]) -> List[str]:
    try:
        specifier = SpecifierSet(requires_python or "")
    except InvalidSpecifier:
        specifier = SpecifierSet("")
    return [python for python in PYTHONS if specifier.contains(python + ".0", prereleases=True)]


def _collect(files: Sequence[Tuple[str, Optional[str], Optional[str], bool]], package: str) -> List[Release]:
    """Releases from an index's files: (filename, upload time, requires-python, yanked)."""
    found: Dict[Version, Tuple[Optional[str], set]] = {}
    for filename, uploaded, requires_python, yanked in files:
        if yanked:
            continue
        if filename.endswith(".whl"):
            version, pythons = _wheel_pythons(filename, requires_python, package)
        else:
            match = _SDIST.match(filename)
            if not match or canonicalize_name(match.group("name")) != canonicalize_name(package):
                continue
            try:
                version = Version(match.group("version"))
            except InvalidVersion:
                continue
            pythons = _allowed(requires_python)  # built here, if it builds: any Python it allows
        if version is None:
            continue
        last, known = found.get(version, (None, set()))
        if uploaded is not None and (last is None or uploaded > last):
            last = uploaded
        found[version] = (last, known | set(pythons))
    return [Release(version, uploaded, [python for python in PYTHONS if python in pythons])
            for version, (uploaded, pythons) in sorted(found.items())]


def from_index(package: str, index_url: str = PYPI) -> List[Release]:
    """Every release of ``package`` on a PEP 691 index, oldest first."""
    url = "{}/{}/".format(index_url.rstrip("/"), canonicalize_name(package))
    request = urllib.request.Request(url, headers={"Accept": _JSON})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            document = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        raise UserError("{}: the index answered {} {}; check the package name ({})".format(url, error.code, error.reason,
                                                                                             package))
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise UserError("{}: cannot read the package index ({}); check --index-url and the network".format(url, error))
    files = [(item["filename"], item.get("upload-time"), item.get("requires-python"), bool(item.get("yanked")))
             for item in document.get("files", [])]
    return _collect(files, package)


def from_folder(package: str, folder: str) -> List[Release]:
    """Every release of ``package`` among the wheels and source archives of ``folder``, oldest first."""
    try:
        names = os.listdir(folder)
    except OSError as error:
        raise UserError("{}: cannot list the folder of wheels ({}); give --find-links a folder".format(
            folder, error.strerror or error))
    return _collect([(name, None, None, False) for name in names], package)


def published(package: str, index_url: Optional[str] = None, find_links: Optional[str] = None) -> List[Release]:
    """The releases of ``package`` in the folder ``find_links`` where it has any there, else on the index."""
    if find_links is not None:
        local = from_folder(package, find_links)
        if local:
            return local
    return from_index(package, index_url or PYPI)


def between(releases: Sequence[Release], first: Version, last: Version, pre: bool = False) -> List[Release]:
    """The releases from ``first`` to ``last`` (in either order), both included, oldest first;
    pre-releases only on request (or where an end is one)."""
    low, high = min(first, last), max(first, last)
    chosen = [release for release in releases if low <= release.version <= high
              and (pre or not release.version.is_prerelease or release.version in (first, last))]
    present = set(release.version for release in chosen)
    for end in (first, last):
        if end not in present:
            nearest = ", ".join(str(release.version) for release in releases[-8:])
            raise UserError("version {} is not a release of the package here (the newest: {})".format(end, nearest))
    return chosen


def version(text: str, option: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise UserError("{} {}: not a version (e.g. 2.0.0)".format(option, text))
