"""Reports are untrusted input: whatever bytes or JSON arrive, loading and comparing either work
or fail with one ReportError naming the file — never another exception."""

import copy
import json

from hypothesis import HealthCheck, example, given, settings, strategies as st

from builders import report_with, run_result
from harness.contract import report
from harness.host import compare
from harness.errors import ReportError
from harness.contract.strict_json import to_plain

VALID = to_plain(report_with([run_result("a"), run_result("b"), run_result("a", "pinned"), run_result("b", "pinned")],
                             versions={"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}))
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=20)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def load_text(tmp_path, text):
    path = tmp_path / "fuzzed.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        return report.load(str(path))
    except ReportError as error:
        assert str(error).startswith(str(path) + ": ") and "\n" not in str(error)
        return None


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes(tmp_path, data):
    load_text(tmp_path, data)


@FUZZ
@given(JSON_VALUES)
def test_arbitrary_json(tmp_path, value):
    load_text(tmp_path, json.dumps(value))


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix + (index,)
            yield from _paths(value, prefix + (index,))


PATHS = list(_paths(VALID))


@FUZZ
@given(st.sampled_from(PATHS), JSON_VALUES)
# Found by this test: a key holding a newline made a two-line "one-line" error.
@example(path=("settings",), value={"\n": None})
@example(path=("cases", 0, "checks", 0, "by_init_mode"), value={"a\x1b[2J\r": "pass"})
def test_one_field_replaced_then_loaded_and_compared(tmp_path, path, value):
    damaged = copy.deepcopy(VALID)
    node = damaged
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    loaded = load_text(tmp_path, json.dumps(damaged))
    if loaded is not None:  # still schema-valid: comparing it with the original must work
        compare.compare([("original", VALID), ("damaged", loaded)])
