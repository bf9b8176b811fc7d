"""Every family of rules catches faults injected into the real framework: a rule that cannot fail
is a defect. tests/fixtures/rule_faults.py breaks Keras one way at a time in a forked child and runs
the family's rules: **silent** faults (clipvalue ignored, sample weights dropped, a trainable flag
lost on reload, a conv output shifted by a pixel...) and **loud** ones (a supported call that now
raises: a loader that no longer knows Dense, an optimizer refusing clipvalue). Here each fault must
fail the rule it names, which passed on the intact framework, and only a few others; the faulted
family's report must fail its environment; and compare against the intact baseline must mark the
rule ``broke`` and fail the gate. The caught fraction of each kind is printed in the test summary."""

import os

import pytest

from builders import family_report
from fixtures.rule_faults import FAULTS
from harness.host import compare
from harness.run.discovery import discover
from harness_process import fault_script_outcome

pytestmark = pytest.mark.framework

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "cases")
# A fault breaks one thing; rules that use that thing too may fail with it (a clipvalue ignored fails
# SGD's and Adam's clipvalue rules), but a fault failing more than this many is a rule too coarse to
# say what broke.
MAX_OTHERS = 3
FAMILIES = sorted(set(fault[0] for fault in FAULTS))


@pytest.fixture(scope="module")
def outcome():
    return fault_script_outcome("rule_faults.py")


@pytest.fixture(scope="module")
def families():
    loaded, errors = discover(CASES, ["rules_"])
    assert not errors
    return {item.case.id: item for item in loaded}


def _newly_failing(outcome, index):
    found = next(fault for fault in outcome["faults"] if fault["index"] == index)
    clean = set(outcome["clean"][found["family"]]["failing"])
    return found, sorted(set(found["failing"]) - clean)


def test_every_family_has_silent_and_loud_faults(families):
    # A generated family's faults are per relation: tests/integration/test_generated_faults.py.
    assert set(name for name, item in families.items() if not item.case.generated) == set(FAMILIES)
    for name in FAMILIES:
        kinds = [fault[4] for fault in FAULTS if fault[0] == name]
        assert kinds.count("silent") >= 3 and kinds.count("loud") >= 1, name


@pytest.mark.parametrize("index", range(len(FAULTS)), ids=["{}:{}:{}".format(f[4], f[0], f[1]) for f in FAULTS])
def test_fault_is_caught_by_its_rule_fails_the_environment_and_is_marked(outcome, families, index, caught_summary):
    family, target, what, _, kind = FAULTS[index]
    assert target not in outcome["clean"][family]["failing"], "{} fails on the intact framework: it cannot " \
        "show this fault".format(target)
    found, new = _newly_failing(outcome, index)
    caught_summary.append((kind, family, target in new))
    assert target in new, "{} ({}) was not caught by {}: {}".format(what, family, target, found["target_result"])
    others = [name for name in new if name != target]
    assert len(others) <= MAX_OTHERS, "{} also failed {}".format(what, others)
    if kind == "loud":
        assert found["target_result"]["outcome"] == "raised"  # judged a failure, never a skip
    item, framework = families[family], dict(outcome["framework"], devices=["CPU:0"])
    intact = family_report("intact", item.case, outcome["clean"][family]["results"], framework, item.relative_path,
                           item.source_hash)
    broken = family_report("broken", item.case, found["results"], framework, item.relative_path, item.source_hash)
    assert intact["summary"]["exit_status"] == 0
    assert broken["summary"]["exit_status"] == 1 and "{}/{}: fail".format(family, target) in broken["summary"]["unexpected"]
    compared = compare.compare([("broken", broken), ("intact", intact)], baseline="intact")
    row = next(row for row in compared["checks"] if row["check"] == target)
    assert row["verdicts"]["broken"]["mark"] in ("broke", "lost") and not row["verdicts"]["broken"]["declared"]
    assert compared["gate"]["failed"]
    rule = next(row for row in compared["rules"] if row["rule"] == target)["by_env"]
    assert rule["intact"]["outcome"] == "measured" and rule["broken"]["outcome"] in ("measured", "raised")
