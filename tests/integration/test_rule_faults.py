"""Every family of rules catches faults injected into the real framework: a rule that cannot fail
is a defect. tests/fixtures/rule_faults.py breaks Keras one way at a time in a forked child
(clipvalue ignored, sample weights dropped, a trainable flag lost on reload, a conv output shifted
by a pixel...) and runs the family's rules; here each fault must fail the rule it names, which
passed on the intact framework, and only a few others. The caught fraction is printed in the
test summary."""

import json
import os
import subprocess
import sys

import pytest

from fixtures.rule_faults import FAULTS

pytestmark = pytest.mark.framework

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), "fixtures", "rule_faults.py")
# A fault breaks one thing; rules that use that thing too may fail with it (a clipvalue ignored fails
# SGD's and Adam's clipvalue rules), but a fault failing more than this many is a rule too coarse to
# say what broke.
MAX_OTHERS = 3
FAMILIES = sorted(set(family for family, _, _, _ in FAULTS))


@pytest.fixture(scope="module")
def outcome():
    done = subprocess.run([sys.executable, SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _newly_failing(outcome, index):
    found = next(fault for fault in outcome["faults"] if fault["index"] == index)
    clean = set(outcome["clean"][found["family"]]["failing"])
    return found, sorted(set(found["failing"]) - clean)


def test_every_family_has_faults():
    families = set(os.path.basename(name)[:-3] for name in os.listdir(os.path.join(os.path.dirname(HERE), "..", "cases"))
                   if name.startswith("rules_") and name.endswith(".py"))
    assert families == set(FAMILIES)
    assert all(sum(family == name for family, _, _, _ in FAULTS) >= 3 for name in FAMILIES)


@pytest.mark.parametrize("index", range(len(FAULTS)), ids=["{}:{}".format(f[0], f[1]) for f in FAULTS])
def test_fault_is_caught_by_its_rule(outcome, index, caught_summary):
    family, target, what, _ = FAULTS[index]
    assert target not in outcome["clean"][family]["failing"], "{} fails on the intact framework: it cannot " \
        "show this fault".format(target)
    found, new = _newly_failing(outcome, index)
    caught_summary.append((family, target in new))
    assert target in new, "{} ({}) was not caught by {}: {}".format(what, family, target, found["target_result"])
    others = [name for name in new if name != target]
    assert len(others) <= MAX_OTHERS, "{} also failed {}".format(what, others)
