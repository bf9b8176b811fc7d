"""Every generated relation catches faults injected into the real framework: a relation that cannot
fail is a defect. tests/fixtures/generated_faults.py breaks Keras one way at a time in a forked child
and runs one relation's generated rules, on a sample of objects, against it: a **silent** fault per
relation (a rebuilt layer 0.1% off, a reload that shifts a weight or loses the optimizer's state, a
loss that ignores sample weights, a metric that forgets a batch, an Embedding silently frozen...) and a
**loud** one (the documented call raises). Each must fail every rule of its relation that passes on
the intact framework, but those that cannot show it, named here with why; a loud fault's rules must
read ``raised``, never skipped. The caught fraction per relation (rules failed by its fault over rules
that pass intact) is printed in the test summary."""

import pytest

from fixtures.generated_faults import FAULTS
from harness.relations import RELATIONS
from harness_process import fault_script_outcome

pytestmark = pytest.mark.framework

# Rules that cannot show a fault, and why: nothing for it to change.
CANNOT_SHOW = {
    "layer_save_h5_add": "Add has no weights for a reload to shift",
    "layer_save_keras_add": "Add has no weights for a reload to shift",
    "optimizer_restart_sgd": "plain SGD keeps no state for a reload to lose",
}


@pytest.fixture(scope="module")
def outcome():
    return fault_script_outcome("generated_faults.py")


def test_every_relation_has_a_silent_and_a_loud_fault():
    for relation in RELATIONS:
        kinds = sorted(fault[4] for fault in FAULTS if (fault[0], fault[1]) == (relation.id, relation.kind))
        assert kinds == ["loud", "silent"], (relation.kind, relation.id)


@pytest.mark.parametrize("index", range(len(FAULTS)), ids=["{}:{}:{}".format(f[4], f[1], f[0]) for f in FAULTS])
def test_fault_fails_every_rule_of_its_relation_that_can_show_it(outcome, index, caught_summary):
    found = outcome["faults"][index]
    assert found["index"] == index
    rules = outcome["relations"][found["relation"]]
    assert len(rules) >= 2, "{} was sampled on {} rule(s): too few to say it catches anything".format(
        found["relation"], len(rules))
    intact = [rule for rule in rules if rule not in outcome["clean"]["failing"]]
    shown = [rule for rule in intact if rule in found["failing"]]
    missed = sorted(set(intact) - set(shown) - set(CANNOT_SHOW))
    caught_summary.extend((found["kind"], "generated " + found["relation"], rule in shown) for rule in intact)
    assert not missed, "{} ({}) was not caught by {}".format(found["fault"], found["kind"], missed)
    if found["kind"] == "loud":
        assert all(found["outcomes"][rule] == "raised" for rule in shown)  # judged a failure, never a skip
