"""Which finished cases a resumed run keeps, extends with more seeds, or must refuse to extend."""

import copy

import pytest

from builders import report_with, run_result
from harness.errors import UserError
from harness.run.resumption import keep_finished


def finished(last_look):
    document = report_with([run_result("a", "pinned", repeat) for repeat in range(3)])
    case = document["cases"][0]
    case["looks"] = [3]
    if last_look:
        case["last_look"] = True
    return case


def test_more_seeds_extend_an_open_case_and_are_refused_after_its_last_look():
    fresh = finished(False)
    kept = keep_finished([copy.deepcopy(fresh)], {fresh["id"]: fresh}, 5)
    assert kept.extend == {0: 3} and kept.done == []
    closed = finished(True)
    with pytest.raises(UserError, match=r"cannot add seeds to toy \(3 to 5\): its last look was taken"):
        keep_finished([copy.deepcopy(closed)], {closed["id"]: closed}, 5)
    # As many seeds as it has: kept as it is, its last look untouched.
    assert keep_finished([copy.deepcopy(closed)], {closed["id"]: closed}, 3).done == [0]
