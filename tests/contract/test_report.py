import copy
import json

import jsonschema
import pytest

from builders import report_with, run_result
from harness.contract import report
from harness.errors import ReportError
from harness.contract.schema import REPORT_SCHEMA_PATH, load_schema, validation_errors
from harness.contract.strict_json import to_plain


@pytest.fixture
def document():
    return to_plain(report_with([run_result("a"), run_result("b", loss=(1.0, float("nan")), status="nan"),
                                 run_result("a", replica=1)]))


def test_schema_is_valid_draft7():
    jsonschema.Draft7Validator.check_schema(load_schema(REPORT_SCHEMA_PATH))


def test_a_built_report_is_valid_for_both_validators(document):
    assert validation_errors(document, load_schema(REPORT_SCHEMA_PATH)) == []
    jsonschema.validate(document, load_schema(REPORT_SCHEMA_PATH))


def mutations(document):
    """Ways to break a report, each of which both validators must reject."""
    def drop_summary(d): del d["summary"]
    def bad_status(d): d["cases"][0]["runs"][0]["status"] = "great"
    def bare_string_loss(d): d["cases"][0]["runs"][0]["history"]["loss"][0] = "1.0"
    def extra_field(d): d["cases"][0]["surprise"] = 1
    def negative_repeat(d): d["cases"][0]["runs"][0]["repeat"] = -1
    def bool_as_int(d): d["settings"]["repeats"] = True
    def wrong_verdict(d): d["cases"][0]["checks"][0]["verdict"] = "maybe"
    def null_known(d): d["cases"][0]["checks"][0]["groups"][0]["known_failure"] = {"when": "x"}
    for mutate in (drop_summary, bad_status, bare_string_loss, extra_field, negative_repeat, bool_as_int,
                   wrong_verdict, null_known):
        broken = copy.deepcopy(document)
        mutate(broken)
        yield mutate.__name__, broken


def test_stdlib_validator_agrees_with_jsonschema_on_broken_reports(document):
    validator = jsonschema.Draft7Validator(load_schema(REPORT_SCHEMA_PATH))
    for name, broken in mutations(document):
        ours = validation_errors(broken, load_schema(REPORT_SCHEMA_PATH))
        theirs = list(validator.iter_errors(broken))
        assert ours and theirs, name


def test_write_then_load_round_trip(tmp_path, document):
    path = str(tmp_path / "r.json")
    report.write(path, document)
    assert report.load(path) == document


def test_write_refuses_an_invalid_report(tmp_path, document):
    document["cases"][0]["runs"][0]["status"] = "great"
    with pytest.raises(AssertionError, match="refusing to write an invalid report"):
        report.write(str(tmp_path / "r.json"), document)
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("content, problem", [
    (lambda text: text[: len(text) // 2], "not valid JSON (truncated or corrupted?)"),
    (lambda text: '{"hello": "world"}', "not a harness report: no schema_version field"),
    (lambda text: "[1, 2, 3]", "not a harness report"),
    (lambda text: text.replace('"schema_version": 2', '"schema_version": 99'), "schema_version 99 is not supported"),
    (lambda text: text.replace('"status": "ok"', '"status": "great"', 1), "does not follow the report schema"),
    (lambda text: text.replace('"NaN"', "NaN"), "bare NaN is not JSON"),
    (lambda text: "[" * 100000 + "]" * 100000, "not valid JSON"),
])
def test_broken_reports_give_one_line_naming_the_file(tmp_path, document, content, problem):
    path = tmp_path / "broken.json"
    path.write_text(content(json.dumps(document, indent=1)))
    with pytest.raises(ReportError) as caught:
        report.load(str(path))
    message = str(caught.value)
    assert message.startswith(str(path) + ": ") and problem in message and "\n" not in message


def test_non_utf8_and_missing_files(tmp_path):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ReportError, match="not UTF-8"):
        report.load(str(binary))
    with pytest.raises(ReportError, match="cannot read"):
        report.load(str(tmp_path / "absent.json"))


def test_an_oversized_report_is_refused_before_it_is_read(tmp_path, document, monkeypatch):
    path = tmp_path / "huge.json"
    report.write(str(path), document)
    monkeypatch.setattr(report, "MAX_REPORT_BYTES", path.stat().st_size - 1)
    with pytest.raises(ReportError, match="is larger than any report"):
        report.load(str(path))
