"""Shared fixtures: throw-away case folders built from a dict of files; framework tests' skipping.

Tests in ``integration/`` and those marked ``framework`` run the real TensorFlow/Keras of this
environment. They are skipped only where no framework is installed; the ``test`` tox env sets
``HARNESS_REQUIRE_FRAMEWORK=1`` so that a missing framework fails there instead of skipping.
"""

import os
import sys
import textwrap

import pytest
from hypothesis import settings

# Fuzz tests explore locally (examples kept in .hypothesis/ and replayed first) but are
# derandomised in CI, where a rare example must never decide whether a change lands; an example
# that ever failed is kept in the test as an explicit @example.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore")
settings.load_profile("ci" if os.environ.get("CI") else "explore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture
def make_cases(tmp_path):
    """Write ``{filename: source}`` into a fresh cases folder and return its path."""
    def make(files):
        folder = tmp_path / "cases"
        folder.mkdir(exist_ok=True)
        for name, source in files.items():
            (folder / name).write_text(textwrap.dedent(source))
        return str(folder)
    return make

# (kind, family, caught) of every injected fault, printed as the caught fractions once the tests ran.
CAUGHT = []
LOCALISED = []  # (injected change or "A/A", whether it was localised where it was made)


@pytest.fixture
def caught_summary():
    return CAUGHT


@pytest.fixture
def localised_summary():
    return LOCALISED


def pytest_terminal_summary(terminalreporter):
    if LOCALISED:
        terminalreporter.section("localisation: injected changes localised")
        changes = [found for name, found in LOCALISED if name != "A/A"]
        same = [found for name, found in LOCALISED if name == "A/A"]
        terminalreporter.write_line("injected changes localised to their stage and variable: {}/{} ({}); "
                                    "A/A pairs localising nothing: {}/{}".format(
                                        sum(changes), len(changes), ", ".join(
                                            "{} {}".format(name, "yes" if found else "NO") for name, found in LOCALISED
                                            if name != "A/A"), sum(same), len(same)))
    if not CAUGHT:
        return
    terminalreporter.section("rule library: injected faults caught")
    for family in sorted(set(name for _, name, _ in CAUGHT)):
        cells = []
        for kind in ("silent", "loud"):
            results = [caught for k, name, caught in CAUGHT if name == family and k == kind]
            cells.append("{} {}/{}".format(kind, sum(results), len(results)))
        terminalreporter.write_line("{:<34} {}".format(family, ", ".join(cells)))
    # Hand-written families count faults; generated relations count the rules each fault must fail.
    for group, generated in (("all families", False), ("all generated relations (rules)", True)):
        for kind in ("silent", "loud"):
            results = [caught for k, name, caught in CAUGHT if k == kind and name.startswith("generated") == generated]
            if results:
                terminalreporter.write_line("{:<34} {}/{} = {:.0%}".format("{}, {}".format(group, kind), sum(results),
                                                                         len(results), sum(results) / len(results)))


# Fixture case folders are inputs of the integration tests, not tests of this session.
collect_ignore_glob = ["fixtures/*"]


def framework_available():
    try:
        import tensorflow  # noqa: F401
        return True
    except ImportError:
        try:
            import keras  # noqa: F401
            return True
        except ImportError:
            return False


def pytest_collection_modifyitems(config, items):
    if framework_available():
        return
    if os.environ.get("HARNESS_REQUIRE_FRAMEWORK") == "1":
        raise pytest.UsageError("HARNESS_REQUIRE_FRAMEWORK=1 but neither tensorflow nor keras can be imported")
    for item in items:
        if "integration" in str(item.fspath) or item.get_closest_marker("framework"):
            item.add_marker(pytest.mark.skip(reason="no TensorFlow/Keras in this environment"))
