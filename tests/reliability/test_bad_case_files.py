"""A broken case file is one line naming the file and the problem; the other cases still run."""

import json
import os
import shutil

import pytest

from harness.run.discovery import discover
from harness.errors import CaseFileError
from harness_process import FIXTURES, run_harness

GOOD = '''
from harness.case import Case, Variant
CASE = Case(id="good", title="Good", sources=["tests"], variants=[Variant("only", lambda fw, data, profile: None)],
            make_data=lambda rng, profile: {}, checks=[])
'''


@pytest.mark.parametrize("source, problem", [
    ("CASE = Case(\n", "line 1: syntax error"),
    ("x = 1\n", "defines no CASE"),
    ("CASE = 3\n", "CASE must be a harness.case.Case (or a harness.rules.Family of rules). Received: int"),
    (GOOD.replace('id="good"', 'id="Bad Id"'), "a case's id must be a lower-case identifier"),
    (GOOD.replace("make_data=lambda rng, profile: {}, ", ""),
     "case 'good': make_data must be a function make_data(rng) returning {'x': ..., 'y': ...}. Received: None "
     "(README: \"Check your own model before upgrading\")"),
    (GOOD.replace('checks=[]', 'checks=[], colour="red"'), "unexpected keyword argument 'colour'"),
    (GOOD.replace('checks=[]', 'checks=[], callback=[]'),
     "line 3: Case got an unexpected keyword argument 'callback' (did you mean 'callbacks'?)"),
    (GOOD.replace('checks=[]', 'checks=[], fit_options={"callbacks": []}'),
     "fit_options cannot hold 'callbacks': callbacks are factories that receive the framework"),
    (GOOD.replace('checks=[]', 'checks=["not a check"]'), "checks must be a list of Check"),
    (GOOD.replace("from harness.case import Case, Variant",
                  "from harness.case import Case, Check, Limit, Variant\nC = Check(id='c', kind='folklore', description='d', "
                  "variants=['only'], measure=len, limit=Limit('<=', 1))"), "kind must be one of ('invariant', 'characterisation')"),
    ("import no_such_module\n", "ModuleNotFoundError: No module named 'no_such_module'"),
    (GOOD.replace("from harness.case import Case, Variant",
                  "from harness.case import Case, KnownFailure, Variant\nK = KnownFailure(when='tensorflow < 2.x', "
                  "reason='r', source='s')"),
     "line 3: a known failure: 'when' cannot read requirement 'tensorflow < 2.x': expected a package, an operator and "
     "a version, e.g. 'tensorflow<2.0' or 'keras>=3,<3.7' (README: \"Writing a case\")"),
    (GOOD.replace("lambda fw, data, profile: None", "lambda fw, data, augment: None"),
     "variant 'only': build: parameter 'augment' has no default and the harness cannot fill it"),
    (GOOD.replace("CASE = Case(", "CASE = Case(requires=['tfdata'], "), "requires names no capability 'tfdata'"),
    (GOOD.replace("checks=[]", "checks=[], on_request='yes'"), "on_request must be True or False. Received: 'yes'"),
    (GOOD.replace("checks=[]", "checks=[], judge=['val_auc']"),
     "case 'good': judge must be a list of Judge, e.g. judge=[Judge('val_auc', margin=0.005)]. Received: ['val_auc']"),
    (GOOD.replace("from harness.case import Case, Variant", "from harness.case import Case, Judge, Variant").replace(
        "checks=[]", "checks=[], judge=[Judge('val_auc', margin=-0.01)]"),
     "Judge('val_auc'): margin must be a positive number in the quantity's units"),
])
def test_a_broken_case_file_is_one_line_naming_file_and_problem(make_cases, source, problem):
    folder = make_cases({"good.py": GOOD, "broken.py": source})
    loaded, errors = discover(folder)
    assert [item.case.id for item in loaded] == ["good"]  # the other case still loads
    assert len(errors) == 1
    message = str(errors[0])
    assert message.startswith(folder + "/broken.py: ") and problem in message and "\n" not in message


def test_duplicate_case_ids_name_both_files(make_cases):
    folder = make_cases({"a.py": GOOD, "b.py": GOOD})
    loaded, errors = discover(folder)
    assert len(loaded) == 1
    assert str(errors[0]) == "{0}/b.py: case id 'good' is already used by {0}/a.py".format(folder)


def test_selection_by_glob_or_substring(make_cases):
    folder = make_cases({"a.py": GOOD, "b.py": GOOD.replace('id="good"', 'id="other_case"')})
    assert [i.case.id for i in discover(folder, ["oth*"])[0]] == ["other_case"]
    assert [i.case.id for i in discover(folder, ["goo"])[0]] == ["good"]
    assert discover(folder, ["nothing"])[0] == []


def test_a_case_on_request_runs_only_when_named(make_cases):
    """Case(on_request=True) is left out of a run that selects nothing, run when -k names it, listed."""
    folder = make_cases({"a.py": GOOD, "b.py": GOOD.replace('id="good"', 'id="workflow"').replace(
        "checks=[]", "checks=[], on_request=True")})
    assert [i.case.id for i in discover(folder)[0]] == ["good"]
    assert [i.case.id for i in discover(folder, ["work"])[0]] == ["workflow"]
    assert [i.case.id for i in discover(folder, every=True)[0]] == ["good", "workflow"]
    listed = run_harness("list", "--cases", folder)
    assert listed.returncode == 0 and "workflow (b.py): Good [on request: -k workflow]" in listed.stdout


def test_private_files_are_not_cases(make_cases):
    folder = make_cases({"_shared.py": "x = 1\n", "a.py": GOOD})
    loaded, errors = discover(folder)
    assert len(loaded) == 1 and errors == []


def test_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(CaseFileError, match="no such cases folder"):
        discover(str(tmp_path / "nope"))


WRONG_SHAPE = '''
from harness.case import Case, Variant


def make_data(rng, profile):
    x = rng.normal(0, 1, (40, 4)).astype("float32")
    return {"x": x, "y": x[:, :1]}


def build(fw, data, profile):
    model = fw.Sequential()
    model.add(fw.layers.Dense(2, input_shape=(4,)))  # y has one column: MSE would broadcast silently
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model


CASE = Case(id="wrong_shape", title="Wrong output shape", sources=("tests",), make_data=make_data,
            variants=(Variant("two_outputs", build),), checks=())
'''


@pytest.mark.framework
def test_a_variant_of_the_wrong_output_shape_is_one_line_and_the_rest_runs(tmp_path, make_cases):
    cases = make_cases({"wrong_shape.py": WRONG_SHAPE})
    shutil.copy(os.path.join(FIXTURES, "faulty_cases", "tiny.py"), cases)
    output = str(tmp_path / "shape.json")
    completed = run_harness("run", "--cases", cases, "--repeats", "1", "--no-determinism-rerun", "--init-mode",
                            "framework", "--output", output)
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert ("error: {}/wrong_shape.py: variant 'two_outputs' builds a model whose output shape is (None, 2), but the "
            "case's y has shape (40, 1) (README: \"Writing a case\")".format(cases)) in completed.stdout.splitlines()
    runs = {run["variant"]: run for case in json.load(open(output))["cases"] for run in case["runs"]}
    assert runs["two_outputs"]["status"] == "error" and runs["two_outputs"]["error"]["type"] == "CaseMistake"
    assert runs["first"]["status"] == "ok" and runs["second"]["status"] == "ok"
