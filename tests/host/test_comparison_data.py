"""``comparison.json`` holds codes and facts, never sentences: a program reading it parses no prose.

The test walks a comparison built to hold every kind of entry (a material change and an undetermined
one, every cause, an expected change and one that did not happen, gaps of every kind, a known
failure, a family of rules with a raised and a skipped rule, marks against the baseline) and checks
that every string in it, key or value, is a code of the comparison schema, or a name or text the
user gave in the reports compared (an environment, case, variant, check, rule, history key or
weight name, a version, a capability, an expected change's own words, the type of an exception). The walker is shown to
catch a sentence put back where the engine once wrote one.
"""

import copy
import json

import numpy as np

from builders import family_report, report_with, run_result
from harness.case import ExpectedChange
from harness.contract import report, vocabulary
from harness.contract.schema import COMPARISON_SCHEMA_PATH
from harness.contract.strict_json import to_plain
from harness.host import compare, materiality
from harness.rules import Family, Rule
from harness.run.rule_evaluation import evaluate

W = [np.array([[1, 2], [3, 4]], "float32"), np.zeros(2, "float32")]
OTHER_W = [np.array([[4, 3], [2, 1]], "float32"), np.zeros(2, "float32")]
CHANGE = ExpectedChange(when="numpy>=2", reason="NumPy 2 changed the default dtype promotion", source="NEP 50",
                        quantities=("loss", "val_loss"), init_modes=("pinned",), variants=("a",))


def _schema_words():
    with open(COMPARISON_SCHEMA_PATH) as stream:
        schema = json.load(stream)
    words = set()

    def walk(node):
        if isinstance(node, dict):
            words.update(name for name in node.get("properties", {}))
            words.update(value for value in node.get("enum", []) if isinstance(value, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(schema)
    return words | {code for codes in vocabulary.schema_enums().values() for code in codes} | set(materiality.KEYS)


def _given(documents):
    """Every name and text the user's reports give: what a comparison may repeat."""
    found = set()
    for document in documents:
        environment = document["environment"]
        framework = environment["framework"]
        found.update([environment["name"], environment["python"]["version"], framework["keras"],
                      framework["keras_flavour"], framework["backend"]] + list(environment["capabilities"]))
        found.update(value for value in (framework["tensorflow"], document["interrupted"]) if value)
        found.update(list(environment["packages"]) + list(environment["packages"].values()))
        for case in document["cases"]:
            found.update([case["id"], case["source_hash"]] + [v["name"] for v in case.get("variants", [])])
            found.update(check["id"] for check in case["checks"])
            for rule in case.get("rules", []):  # its id, what it requires, the type of what it raised (an identifier)
                found.update([rule["id"]] + rule["requires"] + ([rule["raised"]["type"]] if rule["raised"] else []))
            for change in case.get("expected_changes", []):
                found.update([change["when"], change["reason"], change["source"]] + list(change["quantities"]))
            for run in case["runs"]:
                found.update(run["history"])
                found.update(weight["name"] for moment in ("initial", "final") for weight in run["weights"][moment])
                for layer in (run.get("training_randomness") or {}).get("layers", []):
                    found.update(value for value in (layer["layer"], layer["class"], layer["attribute"]) if value)
                if run.get("skip"):
                    found.update(run["skip"]["missing"])
    return found


def sentences(comparison, documents):
    """(path, string) of every string in ``comparison`` that is neither a code nor something the user gave."""
    allowed = _schema_words() | _given(documents)
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in allowed:
                    found.append((path + "{key}", key))
                walk(value, "{}.{}".format(path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, "{}[{}]".format(path, index))
        elif isinstance(node, str) and node not in allowed and node not in ("NaN", "Infinity", "-Infinity"):
            found.append((path, node))
    walk(comparison, "")
    return found


def _training(versions, pinned, framework=W, randomness=(), controlled=None, numpy="1.26.4"):
    results = []
    for mode, series in (("framework", [0.50, 0.60, 0.70]), ("pinned", pinned)):
        for repeat, final in enumerate(series):
            start = framework if mode == "framework" else W
            results += [run_result(v, mode, repeat, loss=(1.0, final), weights=start, randomness=randomness)
                        for v in ("a", "b")]
    if controlled is not None:
        results += [run_result(v, "controlled", 0, loss=(1.0, controlled)) for v in ("a", "b")]
    document = report_with(results, versions=versions, expected_changes=(CHANGE,))
    document["environment"]["packages"]["numpy"] = numpy
    document["environment"]["numpy"] = numpy
    return document


def _rules(name, broken):
    def loads(fw, rng):
        if broken:
            raise ValueError("Unknown layer: Dense")
        return np.ones(2), np.ones(2)
    family = Family("rules_demo", "demo", "demo", [Rule("loads", "g", loads),
                                                   Rule("archive", "g", loads, requires=["keras_archive"])])
    return family_report(name, family, evaluate(None, family.rules, () if broken else ("keras_archive",),
                                                clear=lambda: None))


def _merged(training, rules):
    document = copy.deepcopy(training)
    document["cases"].append(rules["cases"][0])
    document["summary"] = report.summary(document)
    return document


def _documents():
    tf2 = {"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}
    old = _merged(_training({"tensorflow": "1.14.0", "keras_flavour": "tf.keras"}, [0.40, 0.45, 0.50],
                            randomness=["dropout"], controlled=0.42), _rules("old", False))
    new = _merged(_training(tf2, [0.43, 0.48, 0.53], framework=OTHER_W, randomness=["dropout"], controlled=0.42,
                            numpy="2.1.0"), _rules("new", True))
    quiet = _merged(_training(tf2, [0.40, 0.45, 0.50], numpy="2.1.0"), _rules("quiet", False))
    partial = copy.deepcopy(quiet)
    partial["complete"], partial["interrupted"] = False, "SIGTERM"
    partial["cases"][0]["source_hash"] = "changed"
    partial["cases"].append(dict(copy.deepcopy(partial["cases"][0]), id="extra"))
    partial["cases"][0]["runs"] = [run for run in partial["cases"][0]["runs"] if run["init_mode"] != "pinned"]
    for name, document in (("old", old), ("new", new), ("quiet", quiet), ("partial", partial)):
        document["environment"]["name"] = name
    return [to_plain(document) for document in (new, quiet, partial, old)]


def test_every_string_of_the_comparison_is_a_code_or_a_name_the_user_gave():
    documents = _documents()
    comparison = to_plain(compare.compare([(d["environment"]["name"], d) for d in documents], baseline="old"))
    kinds = {gap["kind"] for gap in comparison["gaps"]}
    assert kinds == {"partial_report", "missing_case", "not_comparable"}
    codes = {reason["code"] for reason in comparison["gate"]["reasons"]}
    assert {"material_change", "check_fails_environment", "gap"} <= codes
    assert {flag["code"] for flag in comparison["flags"]} >= {"expected_change_missing"}
    assert any(result and result["expected"] for item in comparison["comparisons"]
               for result in item["by_init_mode"].values())
    assert {mark for row in comparison["checks"] for found in row["verdicts"].values()
            for mark in [found["mark"]] if mark} >= {"broke", "lost"}
    assert sentences(comparison, documents) == []


def test_the_walker_finds_a_sentence_where_the_engine_once_wrote_one():
    documents = _documents()
    comparison = to_plain(compare.compare([(d["environment"]["name"], d) for d in documents], baseline="old"))
    result = next(result for item in comparison["comparisons"] for result in item["by_init_mode"].values() if result)
    result["cause_evidence"] = {"code": "same seeds and data, different initial weights"}
    comparison["gate"]["reasons"].append("new vs old: toy/a pinned init: material change")
    found = [text for _, text in sentences(comparison, documents)]
    assert found == ["same seeds and data, different initial weights", "new vs old: toy/a pinned init: material change"]


def test_an_expected_change_of_any_package_fires_numpy_included():
    documents = _documents()
    comparison = compare.compare([(d["environment"]["name"], d) for d in documents], baseline="old")
    new = next(item for item in comparison["comparisons"] if item["env"] == "new" and item["variant"] == "a")
    assert new["by_init_mode"]["pinned"]["materiality"] == "material"
    assert new["by_init_mode"]["pinned"]["expected"]["when"] == "numpy>=2"  # numpy 2.1.0 against 1.26.4
    assert not any(r["code"] == "material_change" and r["env"] == "new" and r["variant"] == "a"
                   and r["init_mode"] == "pinned" for r in comparison["gate"]["reasons"])
    assert any(r["code"] == "material_change" and r["env"] == "new" and r["variant"] == "b"  # not declared for b
               and r["init_mode"] == "pinned" for r in comparison["gate"]["reasons"])
