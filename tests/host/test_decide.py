"""``harness decide`` without a framework: what it runs, when it stops, and that it decides.

The environments here are reports written by the test's builders; the "tox" decide runs is a fake
that extends a report as ``harness run --resume --repeats N`` does (the new seeds' runs appended, a
look recorded), drawing each seed's loss from the environment's own distribution. The real path
(tox, a framework) is in tests/integration/test_own_project.py.
"""

import json
import os

import pytest

from builders import FakeTox, write_seeded as write
from harness.contract import report
from harness.errors import UserError
from harness.host import decide, wording

def test_a_dry_run_says_what_would_run_and_runs_nothing(tmp_path):
    paths = [write(str(tmp_path), "new", 0.50, seed=1), write(str(tmp_path), "old", 0.52, seed=2)]
    (tmp_path / "tox.ini").write_text("[tox]\n")
    out = tmp_path / "out.txt"
    with open(str(out), "w") as stream:
        comparison = decide.decide(paths, "old", 12, 60, str(tmp_path / "tox.ini"), out=stream,
                                   run=lambda command: pytest.fail("ran {}".format(command)), dry_run=True)
    text = out.read_text()
    seeds = comparison["flags"][0]["seeds"]
    assert "decide, look 1: 2 UNDETERMINED; undecided: toy -> {} seeds".format(seeds) in text and 3 < seeds <= 12
    assert "tox -c {} -e tf2 -- --env new --output {} --resume --repeats {} -k toy --init-mode pinned".format(
        tmp_path / "tox.ini", os.path.abspath(paths[0]), seeds) in text
    assert comparison["flags"] and report.case_repeats(report.load(paths[0])["cases"][0]) == 3


def test_seeds_are_added_until_a_real_change_is_decided_material_and_no_change_the_same(tmp_path):
    (tmp_path / "tox.ini").write_text("[tox]\n")
    changed = FakeTox({"new": 0.60, "old": 0.50})
    paths = [write(str(tmp_path), "new", 0.60, seed=3), write(str(tmp_path), "old", 0.50, seed=4)]
    with open(str(tmp_path / "a.txt"), "w") as stream:
        result = decide.decide(paths, "old", 40, 60, str(tmp_path / "tox.ini"), out=stream, run=changed)
    pinned = result["comparisons"][0]["by_init_mode"]["pinned"]
    assert pinned["materiality"] == "material" and pinned["look"] >= 2 and len(changed.commands) >= 2
    same = FakeTox({"new2": 0.50, "old2": 0.50})
    paths = [write(str(tmp_path), "new2", 0.50, seed=5), write(str(tmp_path), "old2", 0.50, seed=6)]
    with open(str(tmp_path / "b.txt"), "w") as stream:
        result = decide.decide(paths, "old2", 40, 60, str(tmp_path / "tox.ini"), out=stream, run=same)
    pinned = result["comparisons"][0]["by_init_mode"]["pinned"]
    assert pinned["materiality"] == "within_seed_noise"
    assert "every comparison decided" in (tmp_path / "b.txt").read_text()


def test_it_stops_at_the_seed_cap_and_before_the_time_given(tmp_path):
    (tmp_path / "tox.ini").write_text("[tox]\n")
    close = FakeTox({"new": 0.505, "old": 0.50}, spread=0.2)
    paths = [write(str(tmp_path), "new", 0.505, spread=0.2, seed=7), write(str(tmp_path), "old", 0.50, spread=0.2, seed=8)]
    with open(str(tmp_path / "cap.txt"), "w") as stream:
        result = decide.decide(paths, "old", 6, 60, str(tmp_path / "tox.ini"), out=stream, run=close)
    assert report.case_repeats(report.load(paths[0])["cases"][0]) == 6
    text = (tmp_path / "cap.txt").read_text()
    assert "undecided at the cap of 6 seeds: toy" in text
    # The round that reaches the cap is the last look, and is judged as one: the rest of alpha, no seeds asked.
    assert text.count("--last-look") == 2 and all(("--last-look" in command) == (command[command.index("--repeats") + 1] == "6")
                                                  for command in close.commands)
    pinned = result["comparisons"][0]["by_init_mode"]["pinned"]
    assert pinned["materiality"] == "undetermined" and pinned["last_look"]
    assert pinned["alpha"] == pytest.approx(result["method"]["alpha"] / pinned["look"])
    assert result["flags"] == [{"code": "undetermined", "case": "toy", "seeds": None, "limit": 1000, "last_look": True}]
    assert "at its last look: harness decide's cap closed its seeds" in wording.flag_text(result["flags"][0])
    timed = FakeTox({"new": 0.505, "old": 0.50}, spread=0.2)
    with open(str(tmp_path / "time.txt"), "w") as stream:
        decide.decide(paths, "old", 40, 1e-9, str(tmp_path / "tox.ini"), out=stream, run=timed)
    assert timed.commands == [] and "stopping: this round would pass --max-minutes" in (tmp_path / "time.txt").read_text()


def test_what_decide_cannot_do_is_one_line(tmp_path):
    paths = [write(str(tmp_path), "new", 0.5, seed=9), write(str(tmp_path), "old", 0.5, seed=10)]
    with pytest.raises(UserError, match="--tox-ini .*missing.ini: no such file"):
        decide.decide(paths, "old", 10, 60, str(tmp_path / "missing.ini"))
    (tmp_path / "tox.ini").write_text("[tox]\n")
    document = json.loads(open(paths[0]).read())
    document["environment"]["tox_env"] = None
    open(paths[0], "w").write(json.dumps(document))
    with pytest.raises(UserError, match="no tox env recorded"):
        decide.decide(paths, "old", 10, 60, str(tmp_path / "tox.ini"), run=lambda command: 0)
    with pytest.raises(UserError, match="environment 'old' is given by two reports"):
        decide.decide([paths[1], paths[1]], None, 10, 60, str(tmp_path / "tox.ini"))


def test_a_run_that_fails_or_adds_no_seeds_stops_decide_in_one_line(tmp_path):
    """Loud (tox exits 2) and silent (exits 0, the report unchanged) breakage of the run decide relies on:
    without the second check decide would plan the same run again for ever."""
    (tmp_path / "tox.ini").write_text("[tox]\n")
    paths = [write(str(tmp_path), "new", 0.505, spread=0.2, seed=7), write(str(tmp_path), "old", 0.50, spread=0.2, seed=8)]
    with pytest.raises(UserError, match="the run adding seeds exited 2"):
        decide.decide(paths, "old", 20, 60, str(tmp_path / "tox.ini"), out=open(os.devnull, "w"), run=lambda command: 2)
    calls = []
    with pytest.raises(UserError, match=r"exited 0 but .*new.json holds 3 of \d+ seeds of toy; check that tox -c .* -e tf2 runs this harness"):
        decide.decide(paths, "old", 20, 60, str(tmp_path / "tox.ini"), out=open(os.devnull, "w"),
                      run=lambda command: calls.append(command) or 0)
    assert len(calls) == 1
    assert report.case_repeats(report.load(paths[0])["cases"][0]) == 3  # nothing lost
