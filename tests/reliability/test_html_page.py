import json

import pytest

from builders import report_with, run_result
from harness.contract import comparison as comparison_document
from harness.host import compare, html_page
from harness.errors import ReportError
from harness.contract.strict_json import dumps, to_plain


def comparison_with_hostile_text():
    document = to_plain(report_with([run_result("a"), run_result("b")], versions={"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}))
    document["cases"][0]["id"] = "<script>alert('case')</script>"
    document["cases"][0]["checks"][0]["id"] = "<img src=x onerror=alert(1)>"
    return compare.compare([("<b>env</b>", document), ("other", document)])


def test_every_string_from_a_report_is_escaped():
    page = html_page.render(comparison_with_hostile_text())
    assert "<script>" not in page and "<img" not in page and "<b>env</b>" not in page
    assert "&lt;script&gt;alert(&#x27;case&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_only_a_comparison_is_rendered(tmp_path):
    good = tmp_path / "comparison.json"
    good.write_text(dumps(comparison_with_hostile_text()))
    assert comparison_document.load(str(good))["gate"]["failed"] is False
    for name, text in (("report.json", json.dumps({"schema_version": 1})), ("cut.json", good.read_text()[:100])):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ReportError, match="^{}: ".format(path)):
            comparison_document.load(str(path))
