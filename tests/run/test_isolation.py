import os
import signal
import threading
import time

from harness.run.isolation import run_isolated
from harness.run.runner import Interrupted, Signals


def collect(tasks, jobs=2, timeout=5.0):
    outcomes = {}
    run_isolated(tasks, jobs, timeout, lambda key, outcome: outcomes.__setitem__(key, outcome))
    return outcomes


def test_each_ending_is_told_apart_and_every_task_is_reported():
    def kill_self():
        os.kill(os.getpid(), signal.SIGKILL)
    outcomes = collect([
        ("returns", lambda: {"value": 42}),
        ("raises", lambda: 1 / 0),
        ("killed", kill_self),
        ("exits", lambda: os._exit(3)),
        ("hangs", lambda: time.sleep(60)),
    ], timeout=2.0)
    assert outcomes["returns"].ending == "returned" and outcomes["returns"].value == {"value": 42}
    assert outcomes["raises"].ending == "raised" and "ZeroDivisionError" in outcomes["raises"].detail
    assert outcomes["killed"].ending == "crashed" and "SIGKILL" in outcomes["killed"].detail
    assert outcomes["exits"].ending == "crashed" and "exit code 3" in outcomes["exits"].detail
    assert outcomes["hangs"].ending == "timeout" and outcomes["hangs"].seconds < 10


def test_children_run_in_fresh_processes_forked_from_the_parent():
    marker = {"parent_state": "set before fork"}
    outcomes = collect([(i, lambda: (os.getpid(), marker["parent_state"])) for i in range(3)])
    pids = {outcome.value[0] for outcome in outcomes.values()}
    assert len(pids) == 3 and os.getpid() not in pids
    assert {outcome.value[1] for outcome in outcomes.values()} == {"set before fork"}


def test_at_most_jobs_children_at_once(tmp_path):
    def hold(index):
        def run():
            (tmp_path / "start{}".format(index)).write_text(str(time.time()))
            time.sleep(0.5)
            (tmp_path / "end{}".format(index)).write_text(str(time.time()))
        return run
    collect([(i, hold(i)) for i in range(3)], jobs=1)
    spans = [(float((tmp_path / "start{}".format(i)).read_text()), float((tmp_path / "end{}".format(i)).read_text()))
             for i in range(3)]
    spans.sort()
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:]))


def test_a_run_past_its_memory_limit_is_killed_and_the_others_finish():
    import numpy as np

    def hog():
        blocks = []
        for _ in range(40):  # up to 2 GiB, 50 MiB at a time, touched so that it is resident
            blocks.append(np.ones(50 * 2 ** 20, dtype=np.uint8))
            time.sleep(0.05)
        return len(blocks)
    outcomes = {}
    run_isolated([("hog", hog), ("small", lambda: 1)], 2, 60.0,
                 lambda key, outcome: outcomes.__setitem__(key, outcome), memory_limit_mib=300)
    assert outcomes["small"].ending == "returned"
    assert outcomes["hog"].ending == "memory" and "past its 300 MiB limit" in outcomes["hog"].detail
    assert outcomes["hog"].seconds < 30


def test_a_signal_noted_while_a_child_runs_stops_the_run_within_the_poll_and_kills_the_child():
    """The runner's handler only notes SIGTERM; the loop must notice it while a child still trains
    (the wait is not interrupted when the signal reached another thread) and end everything."""
    signals = Signals()
    outcomes = {}
    started = time.time()
    threading.Timer(0.5, lambda: signals.note(signal.SIGTERM, None)).start()  # as if delivered elsewhere
    try:
        run_isolated([("slow", lambda: time.sleep(30)), ("never", lambda: None)], 1, 60.0,
                     outcomes.__setitem__, stop=signals.check)
    except Interrupted as interruption:
        assert interruption.signal_name == "SIGTERM"
    else:
        raise AssertionError("the run went on after SIGTERM")
    assert time.time() - started < 5 and outcomes == {}
