"""A verdict never fails open: a check whose verdict changed from the baseline is marked, and an
undeclared ``broke`` or ``lost`` fails the gate; a family of rules that judged nothing is no pass.

The scenario the verdict-integrity issue starts from: a rule passes in A; in B a supported call of
the rule (``load_model``) raises ``ValueError("Unknown layer: Dense")``. That used to read
``skipped`` and pass the gate. Here it is judged a failure in B (its environment exits 1), compare
marks it ``broke`` and exits 1; a report that only claims ``skipped`` without a declaration is
``lost`` and fails the gate too, while a skip for a capability B lacks is declared and does not.
"""

import copy
import json
import subprocess

import numpy as np

from builders import family_report
from harness.contract import report
from harness.host import compare, present
from harness.rules import Family, Rule
from harness.run.rule_evaluation import evaluate
from harness_process import ROOT, harness_command, harness_env


class Framework(object):
    """What the rules below call: a loader that works, or raises as a broken release would."""

    def __init__(self, loads=True):
        self.loads = loads

    def load_model(self):
        if not self.loads:
            raise ValueError("Unknown layer: Dense")
        return np.ones(3)


def round_trip(fw, rng):
    return fw.load_model(), np.ones(3)


FAMILY = Family("rules_demo", "demo", "demo", [
    Rule("keras_predictions", "a model saved and loaded predicts the same", round_trip),
    Rule("archive", "the .keras archive round-trips", round_trip, requires=["keras_archive"]),
    Rule("steady", "nothing changes here", lambda fw, rng: (np.zeros(2), np.zeros(2)))])


def _report(name, loads=True, present=("keras_archive",)):
    return family_report(name, FAMILY, evaluate(Framework(loads), FAMILY.rules, present, clear=lambda: None))


def _verdicts(comparison, env):
    return {row["check"]: row["verdicts"][env] for row in comparison["checks"]}


def test_a_supported_call_that_raises_fails_the_environment_and_is_marked_broke():
    a, b = _report("a"), _report("b", loads=False)
    assert a["summary"]["exit_status"] == 0
    assert b["summary"]["exit_status"] == 1 and "rules_demo/keras_predictions: fail" in b["summary"]["unexpected"]
    comparison = compare.compare([("b", b), ("a", a)], baseline="a")
    found = _verdicts(comparison, "b")
    assert found["keras_predictions"]["mark"] == "broke" and found["keras_predictions"]["declared"] is False
    assert found["steady"]["mark"] is None
    assert found["keras_predictions"]["cause"] is None  # one pinned run: nothing to tell initialisation apart
    assert comparison["gate"]["failed"]
    assert "BROKE rules_demo/keras_predictions on b: pass -> fail (undeclared)" in present.terminal(comparison)
    rule = next(row for row in comparison["rules"] if row["rule"] == "keras_predictions")["by_env"]
    assert rule["b"] == {"outcome": "raised", "distance": None, "evidence": None, "missing": [], "raised": "ValueError"}


def _claiming_skipped(document, skip):
    """A report whose check says skipped where it passed: as an old harness wrote it, or a broken one."""
    changed = copy.deepcopy(document)
    check = next(c for c in changed["cases"][0]["checks"] if c["id"] == "keras_predictions")
    check["groups"][0].update(verdict="skipped", measured=None, details={}, reason="refused", skip=skip)
    check["by_init_mode"], check["verdict"] = {"pinned": "skipped"}, "skipped"
    changed["summary"] = report.summary(changed)
    return changed


def test_a_skip_nothing_declares_is_lost_and_fails_the_gate_a_declared_one_does_not():
    a = _report("a")
    undeclared = _claiming_skipped(_report("b"), None)
    assert undeclared["summary"]["exit_status"] == 0  # the environment alone cannot see it
    comparison = compare.compare([("b", undeclared), ("a", a)], baseline="a")
    found = _verdicts(comparison, "b")["keras_predictions"]
    assert (found["mark"], found["declared"]) == ("lost", False) and comparison["gate"]["failed"]
    assert {"code": "verdict_changed", "env": "b", "baseline": "a", "case": "rules_demo", "check": "keras_predictions",
            "mark": "lost", "verdict": "skipped"} in comparison["gate"]["reasons"]
    declared = compare.compare([("b", _report("b", present=())), ("a", a)], baseline="a")
    found = _verdicts(declared, "b")["archive"]
    assert (found["mark"], found["declared"]) == ("lost", True) and not declared["gate"]["failed"]
    assert "LOST rules_demo/archive on b: pass -> skipped (declared: b lacks keras_archive" in \
        " ".join(present.terminal(declared).split())
    back = compare.compare([("a", a), ("b", _report("b", present=()))], baseline="b")
    assert _verdicts(back, "a")["archive"]["mark"] == "regained" and not back["gate"]["failed"]


def test_a_lost_or_broken_check_is_only_a_flag_for_a_characterisation():
    a = _report("a")
    lost = _claiming_skipped(_report("b"), None)
    for document in (a, lost):
        for check in document["cases"][0]["checks"]:
            check["kind"] = "characterisation"
    comparison = compare.compare([("b", lost), ("a", a)], baseline="a")
    assert _verdicts(comparison, "b")["keras_predictions"]["mark"] == "lost" and not comparison["gate"]["failed"]
    assert "(undeclared, a characterisation: a flag)" in present.terminal(comparison)


def test_a_family_whose_every_rule_was_skipped_is_not_a_pass():
    nothing = Family("rules_demo", "demo", "demo", [Rule("archive", "g", round_trip, requires=["keras_archive"])])
    empty = family_report("empty", nothing, evaluate(Framework(), nothing.rules, (), clear=lambda: None))
    assert empty["summary"]["exit_status"] == 1
    assert empty["summary"]["unexpected"] == ["rules_demo: judged nothing: no rule was generated or every rule was skipped"]
    full = family_report("full", nothing, evaluate(Framework(), nothing.rules, ("keras_archive",), clear=lambda: None))
    comparison = compare.compare([("empty", empty), ("full", full)])
    assert {"code": "family_judged_nothing", "env": "empty", "case": "rules_demo"} in comparison["gate"]["reasons"]
    assert "empty: rules_demo judged nothing: no rule was generated or every rule was skipped" in present.terminal(comparison)


def test_a_crashed_family_is_an_error_in_every_rule_and_lost_against_the_baseline():
    crashed = family_report("b", FAMILY, None)
    comparison = compare.compare([("b", crashed), ("a", _report("a"))], baseline="a")
    assert {found["verdict"] for found in _verdicts(comparison, "b").values()} == {"error"}
    assert _verdicts(comparison, "b")["steady"]["mark"] == "lost" and comparison["gate"]["failed"]


def test_the_command_line_exits_1_and_shows_the_mark(tmp_path):
    paths = []
    for document in (_report("a"), _report("b", loads=False)):
        path = tmp_path / (document["environment"]["name"] + ".json")
        report.write(str(path), document)
        paths.append(str(path))
    out = {kind: str(tmp_path / ("comparison." + kind)) for kind in ("json", "md", "html")}
    compared = subprocess.run(harness_command("compare", paths[1], paths[0], "--baseline", "a", "--output", out["json"],
                                              "--markdown", out["md"]), cwd=ROOT, env=harness_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert compared.returncode == 1, compared.stdout
    assert "BROKE rules_demo/keras_predictions on b: pass -> fail" in compared.stdout
    assert "b: rules_demo/keras_predictions fail" in compared.stdout and "gate: FAILED" in compared.stdout
    markdown = open(out["md"]).read()
    assert "BROKE rules\\_demo/keras\\_predictions on b" in markdown and "raised ValueError" in markdown
    page = subprocess.run(harness_command("html", out["json"], "--output", out["html"]), cwd=ROOT, env=harness_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    assert page.returncode == 0, page.stdout
    html = open(out["html"]).read()
    assert "Changed against a" in html and "BROKE rules_demo/keras_predictions on b" in html
    assert json.loads(open(out["json"]).read())["gate"]["failed"] is True
