import json
import math
import os

import numpy as np
import pytest

from harness.contract import strict_json


def test_non_finite_floats_are_spelled_out_and_come_back():
    text = strict_json.dumps({"loss": [1.5, float("nan"), float("inf"), float("-inf")]})
    assert "NaN" in text and "Infinity" in text
    json.loads(text, parse_constant=lambda name: pytest.fail("bare " + name))  # strict JSON
    values = strict_json.loads(text)["loss"]
    decoded = [strict_json.decode_float(v) for v in values]
    assert decoded[0] == 1.5 and math.isnan(decoded[1]) and decoded[2] == math.inf and decoded[3] == -math.inf


def test_numpy_values_become_plain_json():
    plain = strict_json.to_plain({"a": np.float32(0.5), "b": np.arange(3), "c": (np.int64(2), np.float64("nan"))})
    assert plain == {"a": 0.5, "b": [0, 1, 2], "c": [2, "NaN"]}


def test_unknown_objects_are_refused():
    with pytest.raises(TypeError, match="cannot store"):
        strict_json.to_plain({"x": object()})


def test_bare_nan_is_rejected_when_reading():
    with pytest.raises(ValueError, match="bare NaN"):
        strict_json.loads('{"loss": NaN}')


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    path = str(tmp_path / "sub" / "report.json")
    strict_json.write_atomically(path, "first")
    strict_json.write_atomically(path, "second")
    assert open(path).read() == "second"
    assert os.listdir(str(tmp_path / "sub")) == ["report.json"]
