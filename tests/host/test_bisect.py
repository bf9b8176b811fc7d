"""``harness bisect`` without a framework: which releases it probes, the change points it finds, resumption.

The releases come from a folder of (empty) wheel files, read as uv's ``--find-links`` folder is; a
probe is a fake that answers each release's outcome from a table, as a probe run there would
(the real path, environments built with uv and a real framework, is
tests/integration/test_bisect.py). Reports used as free probes are written by the test's builders.
"""

import json
import os

import numpy as np
import pytest

from builders import FakeTox, report_with, run_result, write_seeded
from harness.cli import main
from harness.contract import bisection, report
from harness.errors import UserError
from harness.host import bisect, present, releases, wording

VERSIONS = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]


def index(folder, versions=VERSIONS, name="bisectee"):
    os.makedirs(folder, exist_ok=True)
    for version in versions:
        open(os.path.join(folder, "{}-{}-py3-none-any.whl".format(name, version)), "w").close()
    return folder


def asked(folder, good="1.0", bad="1.6", every=False, check="identity", held=()):
    return bisect.question("toy", check, "framework", "bisectee", good, bad, [], list(held), {}, False, 1, every, None,
                           folder, "cases")


class Table(object):
    """A probe that answers from ``outcomes`` (version -> outcome) and records what it was asked."""

    def __init__(self, outcomes):
        self.outcomes = outcomes
        self.asked = []

    def __call__(self, question, release, folder):
        version = str(release.version)
        self.asked.append(version)
        outcome = self.outcomes[version]
        verdict = {"holds": "pass", "fails": "fail", "error": "error", "unclear": "noise"}.get(outcome)
        return bisect._probe_record(version, {"outcome": outcome, "verdict": verdict,
                                             "measured": [0.0 if outcome == "holds" else 0.5] if verdict else [],
                                             "seeds": 1 if verdict else 0,
                                             "reason": None if verdict else bisect._reason("install_failed", "no such dependency")},
                                    python="3.11", build_s=1.0, run_s=2.0)


def run(tmp_path, outcomes, **options):
    table = Table(outcomes)
    folder = index(str(tmp_path / "wheels"))
    document = bisect.bisect(asked(folder, **options), str(tmp_path / "bisect.json"), [], str(tmp_path / "cache"),
                             60.0, out=open(os.devnull, "w"), prober=table)
    return document, table


def points(document):
    return [(p["last_before"], p["first_after"], p["before"], p["after"], p["not_judged_between"])
            for p in document["change_points"]]


def test_one_change_is_found_by_halving_with_the_ends_probed_first(tmp_path):
    outcomes = dict(zip(VERSIONS, ["holds"] * 4 + ["fails"] * 3))
    document, table = run(tmp_path, outcomes)
    assert table.asked[:2] == ["1.0", "1.6"]
    assert points(document) == [("1.3", "1.4", "holds", "fails", [])]
    assert len(table.asked) == 4 and document["state"] == "found"  # 1.0, 1.6, 1.3, then 1.4 (1.5 never)
    assert bisection.load(str(tmp_path / "bisect.json")) == document


def test_every_change_point_between_ends_that_differ_a_skip_and_a_crash_included(tmp_path):
    outcomes = {"1.0": "holds", "1.1": "holds", "1.2": "fails", "1.3": "not_installed", "1.4": "fails",
                "1.5": "error", "1.6": "error"}
    document, table = run(tmp_path, outcomes)
    assert points(document) == [("1.1", "1.2", "holds", "fails", []), ("1.4", "1.5", "fails", "error", [])]
    probed = {probe["version"]: probe["outcome"] for probe in document["probes"]}
    assert probed["1.3"] == "not_installed"  # skipped with its reason, and the neighbour was taken instead
    assert [p for p in document["probes"] if p["version"] == "1.3"][0]["reason"] == {"code": "install_failed",
                                                                                       "detail": "no such dependency"}


def test_a_change_next_to_releases_that_cannot_be_judged_names_them(tmp_path):
    outcomes = {"1.0": "holds", "1.1": "holds", "1.2": "holds", "1.3": "not_installed", "1.4": "unclear",
                "1.5": "fails", "1.6": "fails"}
    document, _ = run(tmp_path, outcomes)
    assert points(document) == [("1.2", "1.5", "holds", "fails", ["1.3", "1.4"])]
    text = present.bisection_terminal(document)
    assert "bisectee 1.2 -> 1.5: holds -> FAILS (1.3, 1.4 between not judged)" in text


def test_ends_that_agree_bisect_nothing_unless_every_release_is_asked_for(tmp_path):
    outcomes = {"1.0": "holds", "1.1": "holds", "1.2": "fails", "1.3": "fails", "1.4": "holds", "1.5": "holds",
                "1.6": "holds"}
    document, table = run(tmp_path, outcomes)
    assert document["state"] == "ends_agree" and table.asked == ["1.0", "1.6"] and not document["change_points"]
    (tmp_path / "bisect.json").unlink()
    document, table = run(tmp_path, outcomes, every=True)
    assert points(document) == [("1.1", "1.2", "holds", "fails", []), ("1.3", "1.4", "fails", "holds", [])]
    assert len(table.asked) == 7


def test_an_end_that_cannot_be_judged_stops_after_both_ends(tmp_path):
    outcomes = dict(zip(VERSIONS, ["not_installed"] + ["fails"] * 6))
    document, table = run(tmp_path, outcomes)
    assert document["state"] == "end_unjudged" and table.asked == ["1.0", "1.6"]


def test_either_order_of_the_ends_finds_a_fix_as_well_as_a_break(tmp_path):
    outcomes = dict(zip(VERSIONS, ["fails"] * 5 + ["holds"] * 2))
    document, _ = run(tmp_path, outcomes, good="1.6", bad="1.0")
    assert points(document) == [("1.4", "1.5", "fails", "holds", [])]


def test_an_interrupted_bisection_resumes_from_its_finished_probes(tmp_path):
    outcomes = dict(zip(VERSIONS, ["holds"] * 2 + ["fails"] * 5))
    folder = index(str(tmp_path / "wheels"))
    output = str(tmp_path / "bisect.json")

    class Interrupted(Exception):
        pass

    table = Table(outcomes)

    def stops_at_the_third(question, release, probes):
        if len(table.asked) == 2:
            raise Interrupted()
        return table(question, release, probes)
    with pytest.raises(Interrupted):
        bisect.bisect(asked(folder), output, [], str(tmp_path), 60.0, out=open(os.devnull, "w"), prober=stops_at_the_third)
    assert [probe["version"] for probe in bisection.load(output)["probes"]] == ["1.0", "1.6"]
    again = Table(outcomes)
    document = bisect.bisect(asked(folder), output, [], str(tmp_path), 60.0, out=open(os.devnull, "w"), prober=again)
    assert "1.0" not in again.asked and "1.6" not in again.asked
    assert points(document) == [("1.1", "1.2", "holds", "fails", [])]


def test_another_question_in_the_output_file_is_refused_and_kept(tmp_path):
    document, _ = run(tmp_path, dict(zip(VERSIONS, ["holds"] * 3 + ["fails"] * 4)))
    before = (tmp_path / "bisect.json").read_bytes()
    with pytest.raises(UserError, match=r"bisect\.json: holds a bisection of another question \(it differs in check\)"):
        bisect.bisect(asked(str(tmp_path / "wheels"), check="other"), str(tmp_path / "bisect.json"), [],
                      str(tmp_path), 60.0, out=open(os.devnull, "w"), prober=Table({}))
    assert (tmp_path / "bisect.json").read_bytes() == before


def _report(tmp_path, name, version, broken):
    """A report of the toy case whose identity check fails (a declared known failure on TF 1.x) or holds."""
    loss_b = (1.0, 0.7) if broken else (1.0, 0.5)
    results = [run_result("a", "framework", loss=(1.0, 0.5)), run_result("b", "framework", loss=loss_b)]
    document = report_with(results)
    document["environment"]["name"] = name
    document["environment"]["packages"] = {"Bisectee": version, "numpy": "1.16.6"}
    path = str(tmp_path / (name + ".json"))
    report.write(path, document)
    return path


def test_reports_of_matching_environments_are_free_probes_and_a_known_failure_fails(tmp_path):
    failing, holding = _report(tmp_path, "old", "1.0", True), _report(tmp_path, "new", "1.6", False)
    assert report.load(failing)["cases"][0]["checks"][0]["by_init_mode"]["framework"] == "known_failure"
    table = Table(dict(zip(VERSIONS, ["fails"] * 3 + ["holds"] * 4)))
    folder = index(str(tmp_path / "wheels"))
    document = bisect.bisect(asked(folder), str(tmp_path / "bisect.json"), [failing, holding], str(tmp_path), 60.0,
                             out=open(os.devnull, "w"), prober=table)
    assert "1.0" not in table.asked and "1.6" not in table.asked
    ends = {probe["version"]: probe for probe in document["probes"] if probe["source"] == "report"}
    assert (ends["1.0"]["outcome"], ends["1.0"]["verdict"], ends["1.6"]["outcome"]) == ("fails", "known_failure", "holds")
    assert ends["1.0"]["measured"][0] > 0 and ends["1.6"]["measured"] == [0.0]
    assert points(document) == [("1.2", "1.3", "fails", "holds", [])]


def test_a_report_of_another_environment_is_not_taken_for_a_release(tmp_path):
    other = _report(tmp_path, "other", "1.0", True)
    held = asked(index(str(tmp_path / "wheels")), held=["numpy==1.26.4"])
    assert bisect.free_probes([other], held, VERSIONS) == {}  # numpy 1.16.6 there, not the held 1.26.4
    assert list(bisect.free_probes([other], asked(str(tmp_path)), VERSIONS)) == ["1.0"]


def test_judge_reads_the_watched_mode_and_says_what_a_report_lacks(tmp_path):
    document = report.load(_report(tmp_path, "old", "1.0", True))
    question = asked(str(tmp_path))
    assert bisect.judge(document, question)["outcome"] == "fails"
    assert bisect.judge(document, dict(question, init_mode="pinned"))["outcome"] == "unclear"
    assert bisect.judge(document, dict(question, check="nope"))["reason"] == {"code": "check_missing", "detail": "nope"}
    assert bisect.judge(document, dict(question, case="nope"))["reason"] == {"code": "case_missing", "detail": "nope"}
    document.update(cases=[], load_errors=[{"file": "toy.py", "problem": "ModuleNotFoundError: No module named 'x'"}])
    judged = bisect.judge(document, question)  # a release whose package the case file cannot import: skipped
    assert judged["outcome"] == "not_installed" and judged["reason"] == {
        "code": "case_not_loaded", "detail": "toy.py: ModuleNotFoundError: No module named 'x'"}


def test_releases_read_from_wheel_names_python_tags_and_requires_python():
    files = [("tensorflow-1.14.0-cp37-cp37m-manylinux1_x86_64.whl", "2019-06-19T05:12:49Z", None, False),
             ("tensorflow-1.14.0-cp37-cp37m-macosx_10_11_x86_64.whl", "2019-06-20T05:12:49Z", None, False),
             ("tensorflow-1.14.0-cp36-cp36m-win_amd64.whl", "2019-06-19T05:12:49Z", None, False),
             ("tensorflow-2.0.0rc0-cp37-cp37m-manylinux2010_x86_64.whl", "2019-08-22T00:00:00Z", None, False),
             ("tensorflow-2.0.0-cp38-abi3-manylinux2010_x86_64.whl", "2019-09-30T17:25:06Z", None, False),
             ("tensorflow-2.0.1-cp37-cp37m-manylinux2010_x86_64.whl", "2019-12-12T00:00:00Z", None, True),
             ("keras-3.7.0-py3-none-any.whl", "2024-11-26T17:04:04Z", ">=3.9", False),
             ("tensorflow-2.0.0.tar.gz", "2019-09-30T18:00:00Z", ">=3.12", False)]
    found = {str(r.version): r for r in releases._collect(files, "tensorflow")}
    assert found["1.14.0"].pythons == ("3.7",)  # the macOS and Windows wheels install nowhere here
    assert found["1.14.0"].uploaded == "2019-06-20T05:12:49Z"  # the version's last file
    assert found["2.0.0"].pythons == ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")  # abi3, and the sdist's >=3.12
    assert "2.0.1" not in found  # yanked
    assert releases._collect(files, "keras")[0].pythons == ("3.9", "3.10", "3.11", "3.12", "3.13")
    ordered = releases._collect(files, "tensorflow")
    assert [str(r.version) for r in releases.between(ordered, releases.Version("2.0.0"), releases.Version("1.14.0"))] \
        == ["1.14.0", "2.0.0"]
    assert [str(r.version) for r in releases.between(ordered, releases.Version("1.14.0"), releases.Version("2.0.0"),
                                                     pre=True)] == ["1.14.0", "2.0.0rc0", "2.0.0"]
    with pytest.raises(UserError, match="version 1.15.0 is not a release of the package here"):
        releases.between(ordered, releases.Version("1.15.0"), releases.Version("2.0.0"))


def test_dependencies_are_resolved_as_of_the_newest_pinned_upload():
    from harness.host.probe_environments import resolution_date
    assert resolution_date(["2019-06-19T05:12:49.163997Z", None, "2019-06-18T00:00:00Z"]) == "2019-06-19T05:13:49Z"
    assert resolution_date([None]) is None


@pytest.mark.parametrize("arguments, message", [
    (["--good", "1.0", "--bad", "1.0"], "--good and --bad are both 1.0"),
    (["--good", "one", "--bad", "1.0"], "--good one: not a version"),
    (["--good", "1.0", "--bad", "1.6", "--hold", "numpy>>1"], "--hold numpy>>1: not a requirement"),
    (["--good", "1.0", "--bad", "1.6", "--set", "KERAS_BACKEND"], "--set KERAS_BACKEND: expected NAME=VALUE"),
    (["--good", "1.0", "--bad", "9.9"], "version 9.9 is not a release of the package here"),
])
def test_bad_arguments_are_one_line_and_write_nothing(tmp_path, capsys, arguments, message):
    folder = index(str(tmp_path / "wheels"))
    os.makedirs(str(tmp_path / "cases"))
    output = str(tmp_path / "bisect.json")
    code = main(["bisect", "toy", "--check", "identity", "--package", "bisectee", "--find-links", folder, "--cases",
                 str(tmp_path / "cases"), "--output", output] + arguments)
    error = capsys.readouterr().err
    assert code == 2 and message in error and len(error.strip().splitlines()) == 1
    assert not os.path.exists(output)


def test_a_file_that_is_not_a_bisection_is_refused_in_one_line(tmp_path):
    path = tmp_path / "bisect.json"
    path.write_text(json.dumps({"schema_version": 1, "probes": []}))
    with pytest.raises(UserError, match="bisect.json: not a bisection written by harness bisect"):
        bisection.load(str(path))
    path.write_text(json.dumps({"schema_version": 7}))
    with pytest.raises(UserError, match="schema_version 7 is not supported"):
        bisection.load(str(path))


def test_the_markdown_names_every_change_point_and_escapes_what_it_shows(tmp_path):
    outcomes = {"1.0": "holds", "1.1": "holds", "1.2": "fails", "1.3": "not_installed", "1.4": "fails",
                "1.5": "error", "1.6": "error"}
    document, _ = run(tmp_path, outcomes)
    text = present.bisection_markdown(document)
    assert "- bisectee 1.1 -&gt; 1.2: holds -&gt; FAILS" in text and "- bisectee 1.4 -&gt; 1.5: FAILS -&gt; CRASHES" in text
    assert "| 1.3 | skipped | 3.11 | cannot be installed: no such dependency |" in text
    assert np.isfinite(sum(probe["build_s"] for probe in document["probes"]))


def test_a_search_that_stops_early_is_caught_loudly_and_never_reads_found(tmp_path, monkeypatch):
    """Deliberately broken searches: one that stops after the ends (silent) and one whose probe raises (loud)."""
    outcomes = dict(zip(VERSIONS, ["holds"] * 4 + ["fails"] * 3))
    folder = index(str(tmp_path / "wheels"))
    probes = {version: Table(outcomes)(None, releases.Release(releases.Version(version), None, ()), "")
              for version in ("1.0", "1.6")}
    assert bisect.state(VERSIONS, probes, False) == "running"  # judged from the probes, not from the search
    monkeypatch.setattr(bisect, "next_release", lambda ordered, probes, every, first=None: None if len(probes) >= 2
                        else [v for v in (ordered[0], ordered[-1]) if v not in probes][0])
    with pytest.raises(AssertionError, match="the search stopped with releases left to probe"):
        bisect.bisect(asked(folder), str(tmp_path / "a.json"), [], str(tmp_path), 60.0, out=open(os.devnull, "w"),
                      prober=Table(outcomes))
    monkeypatch.undo()

    def raises(question, release, probe_folder):
        raise RuntimeError("a bug of ours in a probe")
    with pytest.raises(RuntimeError, match="a bug of ours"):
        bisect.bisect(asked(folder), str(tmp_path / "b.json"), [], str(tmp_path), 60.0, out=open(os.devnull, "w"),
                      prober=raises)
    assert bisection.load(str(tmp_path / "b.json"))["probes"] == []  # what it wrote before holds nothing false


def test_why_a_probe_could_not_install_is_uv_s_error_and_its_causes_in_one_line():
    from harness.host.probe_environments import failure_reason
    said = ("Using Python 3.11.7 environment at: x\nerror: No solution found when resolving dependencies\n"
            "  cause: Because tensorflow==1.14.0 has no wheels with a matching Python ABI tag (e.g., `cp311`)\n"
            "\nhint: You require CPython 3.11\n")
    assert failure_reason(said) == ("error: No solution found when resolving dependencies cause: Because "
                                    "tensorflow==1.14.0 has no wheels with a matching Python ABI tag (e.g., `cp311`)")
    assert failure_reason("Resolved 3 packages\nSegmentation fault\nInstalled 3 packages\n") == "Segmentation fault"


def _quantity_probing(tmp_path, means, max_seeds=12):
    """A quantity bisection's probing of 1.6 against 1.0, whose runs are extended by a fake of ``harness run
    --resume --repeats N`` drawing each seed's loss around ``means`` (environment name -> mean)."""
    paths = {"1.0": write_seeded(str(tmp_path), "bisectee-1.0", means["bisectee-1.0"], seed=1),
             "1.6": write_seeded(str(tmp_path), "bisectee-1.6", means["bisectee-1.6"], seed=2)}
    question = bisect.question("toy", None, "pinned", "bisectee", "1.0", "1.6", [], [], {}, False, 3, False, None,
                               str(tmp_path), "cases", quantity="loss", max_seeds=max_seeds)
    good = releases.Release(releases.Version("1.0"), None, ())
    probing = bisect.Probing(question, str(tmp_path), str(tmp_path), 60.0, good)
    probing.reference = (paths["1.0"], None)
    return probing, paths, FakeTox(means)


def test_a_quantity_adds_seeds_to_both_releases_while_undecided_and_stops_at_the_cap(tmp_path):
    probing, paths, tox = _quantity_probing(tmp_path, {"bisectee-1.0": 0.50, "bisectee-1.6": 0.53})
    first = bisect.judge_quantity(report.load(paths["1.6"]), report.load(paths["1.0"]), probing.asked)
    assert first["outcome"] == "unclear" and first["quantity"]["needed_seeds"] > 3  # undecided from 3 seeds

    def run_case(built, version, seeds, resume):
        assert resume
        tox(["--output", paths[version], "--repeats", str(seeds)])
        return paths[version], "", 0
    probing.run_case = run_case
    judged = probing.decided(paths["1.6"], None, "1.6")
    seeds = [report.case_repeats(report.load(path)["cases"][0]) for path in (paths["1.0"], paths["1.6"])]
    assert judged["seeds"] > 3 and seeds == [judged["seeds"]] * 2  # both releases extended alike
    assert judged["outcome"] in ("holds", "fails") or judged["seeds"] == 12


def test_adding_seeds_that_fails_or_adds_none_is_an_error_never_a_loop(tmp_path):
    probing, paths, _ = _quantity_probing(tmp_path, {"bisectee-1.0": 0.50, "bisectee-1.6": 0.53})
    probing.run_case = lambda built, version, seeds, resume: (paths[version], "error: the run broke", 3)
    judged = probing.decided(paths["1.6"], None, "1.6")
    assert judged["outcome"] == "error" and judged["reason"] == {"code": "seeds_run_failed",
                                                                  "detail": "error: the run broke"}
    probing.run_case = lambda built, version, seeds, resume: (paths[version], "", 0)  # says yes, adds nothing
    judged = probing.decided(paths["1.6"], None, "1.6")
    assert judged["outcome"] == "error" and judged["reason"] == {"code": "no_seeds_added", "detail": None}
    assert judged["seeds"] == 3


CONFIG = """[testenv:k36]
deps =
  pytest>=7
  scipy>=1.7
  tensorflow-cpu==2.19.1
  keras==3.6.0
set_env =
  KERAS_BACKEND=tensorflow
  PYTHONHASHSEED=0
  TOX_ENV_NAME=k36

[testenv:k37]
deps =
  pytest>=7
  scipy>=1.7
  tensorflow-cpu==2.19.1
  keras==3.7.0
set_env =
  KERAS_BACKEND=tensorflow
  PYTHONHASHSEED=0
  TOX_ENV_NAME=k37

[testenv:tf215]
deps =
  tensorflow-cpu==2.15.1

[testenv:tf216]
deps =
  tensorflow-cpu==2.16.2
  keras==3.4.1

[testenv:tf2]
deps =
  tensorflow-cpu<3,>=2.21
"""


def test_two_tox_envs_give_the_package_that_moves_what_they_share_and_their_variables():
    from harness.host import tox_config
    ends = tox_config.ends("k37", "k36", CONFIG)
    assert (ends.package, ends.good, ends.bad) == ("keras", "3.7.0", "3.6.0")
    assert ends.held == ["tensorflow-cpu==2.19.1"] and ends.variables == {"KERAS_BACKEND": "tensorflow"}
    tf = tox_config.ends("tf216", "tf215", CONFIG)  # TF 2.16's Keras, pinned there alone, comes as of each day
    assert (tf.package, tf.good, tf.bad, tf.held, tf.by_day) == ("tensorflow-cpu", "2.16.2", "2.15.1", [], ["keras"])
    with pytest.raises(UserError, match="tox envs tf2 and tf215 differ in tensorflow-cpu, not in one pinned package"):
        tox_config.ends("tf2", "tf215", CONFIG)
    with pytest.raises(UserError, match="tox env nope: tox knows no requirements of it"):
        tox_config.ends("nope", "tf215", CONFIG)


def test_the_ends_are_versions_or_two_tox_envs_never_both(tmp_path, capsys):
    os.makedirs(str(tmp_path / "cases"))
    code = main(["bisect", "toy", "--check", "identity", "--package", "keras", "--good", "3.7.0", "--bad", "3.6.0",
                 "--good-env", "k37", "--cases", str(tmp_path / "cases"), "--output", str(tmp_path / "b.json")])
    assert code == 2 and "give --package, --good and --bad, or --good-env and --bad-env" in capsys.readouterr().err
    code = main(["bisect", "toy", "--package", "keras", "--good", "3.7.0", "--bad", "3.6.0", "--cases",
                 str(tmp_path / "cases"), "--output", str(tmp_path / "b.json")])
    assert code == 2 and "give --check CHECK" in capsys.readouterr().err


def test_the_bisection_schema_spells_the_code_s_words_and_jsonschema_agrees(tmp_path):
    import jsonschema
    from harness.contract import vocabulary
    definitions = bisection.schema()["definitions"]
    outcomes = definitions["probe"]["properties"]["outcome"]["enum"]
    assert sorted(outcomes) == sorted(set(bisect.OUTCOME_OF_VERDICT.values()) | {bisect.NOT_INSTALLED})
    assert definitions["change_point"]["properties"]["before"]["enum"] == list(bisect.JUDGED)
    assert definitions["question"]["properties"]["measure"]["enum"] == list(vocabulary.MEASURES)
    assert definitions["question"]["properties"]["init_mode"]["anyOf"][1]["enum"] == list(vocabulary.INIT_MODES)
    codes = definitions["probe"]["properties"]["reason"]["anyOf"][1]["properties"]["code"]["enum"]
    assert sorted(codes) == sorted(wording.PROBE_REASONS)  # every reason a probe can record has its words
    outcomes = {"1.0": "holds", "1.1": "holds", "1.2": "fails", "1.3": "not_installed", "1.4": "fails",
                "1.5": "error", "1.6": "error"}
    document, _ = run(tmp_path, outcomes)
    jsonschema.validate(json.loads(json.dumps(document)), bisection.schema())


def test_a_probe_that_measured_nan_is_written_and_read_back(tmp_path):
    """A check measured on a run that went non-finite: NaN is data in bisect.json, never a refusal to write."""
    outcomes = dict(zip(VERSIONS, ["holds"] * 3 + ["fails"] * 4))

    def nan_probe(question, release, folder):
        record = Table(outcomes)(question, release, folder)
        if record["outcome"] == "fails":
            record["measured"] = [float("nan")]
        return record
    folder = index(str(tmp_path / "wheels"))
    document = bisect.bisect(asked(folder), str(tmp_path / "bisect.json"), [], str(tmp_path), 60.0,
                             out=open(os.devnull, "w"), prober=nan_probe)
    assert points(document) == [("1.2", "1.3", "holds", "fails", [])]
    loaded = bisection.load(str(tmp_path / "bisect.json"))
    assert [p["measured"] for p in loaded["probes"] if p["outcome"] == "fails"][0] == ["NaN"]
    assert "FAILS" in present.bisection_terminal(loaded)


def test_an_interrupted_bisection_says_how_to_continue_in_one_line_and_keeps_its_probes(tmp_path, capsys,
                                                                                     monkeypatch):
    folder = index(str(tmp_path / "wheels"))
    os.makedirs(str(tmp_path / "cases"))
    output = str(tmp_path / "bisect.json")
    table = Table(dict(zip(VERSIONS, ["holds"] * 3 + ["fails"] * 4)))

    def interrupted(question, release, probe_folder):
        if len(table.asked) == 2:
            raise KeyboardInterrupt()
        return table(question, release, probe_folder)
    original = bisect.bisect
    monkeypatch.setattr(bisect, "bisect", lambda *a, **k: original(*a, **dict(k, prober=interrupted)))
    code = main(["bisect", "toy", "--check", "identity", "--package", "bisectee", "--good", "1.0", "--bad", "1.6",
                 "--find-links", folder, "--cases", str(tmp_path / "cases"), "--output", output])
    error = capsys.readouterr().err
    assert code == 130 and error.strip() == ("interrupted: {} keeps every finished probe; the same command continues "
                                             "from them".format(output))
    assert [probe["version"] for probe in bisection.load(output)["probes"]] == ["1.0", "1.6"]
