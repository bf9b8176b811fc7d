"""ExpectedChange: validated where it is declared, carried by the report for compare to read."""

import pytest

from builders import report_with, run_result
from harness.case import ExpectedChange
from harness.contract import report
from harness.contract.schema import validation_errors
from harness.contract.strict_json import to_plain


@pytest.mark.parametrize("fields, problem", [
    ({"when": "", "reason": "r", "source": "s"}, "needs 'when'"),
    ({"when": "tensorflow>=2.10", "reason": " ", "source": "s"}, "needs a 'reason'"),
    ({"when": "tensorflow>=2.10", "reason": "r", "source": ""}, "needs a 'source'"),
    ({"when": "tensorflow>=2.10", "reason": "r", "source": "s", "quantities": ()}, "quantities must be names"),
    ({"when": "tensorflow>=2.10", "reason": "r", "source": "s", "init_modes": ("controlled",)}, "init mode must be"),
])
def test_a_mistaken_expected_change_is_refused_with_the_field(fields, problem):
    with pytest.raises(ValueError, match=problem):
        ExpectedChange(**fields)


def test_the_report_carries_the_expected_changes_and_stays_valid():
    change = ExpectedChange(when="tensorflow>=2.10", reason="initialiser RNG changed", source="TF 2.10 notes",
                            quantities=("val_loss",), variants=("a",))
    document = to_plain(report_with([run_result("a"), run_result("b")], expected_changes=(change,)))
    assert document["cases"][0]["expected_changes"] == [change.as_dict()]
    assert validation_errors(document, report.schema()) == []
