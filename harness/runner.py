"""Running the selected cases inside one environment and writing its report.

The order of events is the data flow of the product: cases are discovered (user mistakes are
reported before anything slow happens), the framework is imported once, every run is executed
in its own forked process (:mod:`harness.isolation`), the report is saved after each finished
run, and a case's checks are judged as soon as its last run is in.
"""

import collections
import os
import signal
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO

from harness import checking, environment, report, resumption
from harness.case import INIT_MODES, Seeds
from harness.discovery import LoadedCase, discover
from harness.execution import execute
from harness.errors import UserError
from harness.isolation import Outcome, resident_mib, run_isolated
from harness.output_lock import OutputLock
from harness.run_result import RunResult

# Repeat k runs with the document's seeds plus k * REPEAT_SEED_STRIDE: far enough apart that no
# two repeats share a seed, and the first repeat is exactly what the document's script does.
REPEAT_SEED_STRIDE = 1000


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived: save what is finished and stop."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class RunKey(object):
    """Which run: case (by position), variant, init mode, repeat and replica."""

    __slots__ = ("case", "variant", "init_mode", "repeat", "replica")

    def __init__(self, case: int, variant: str, init_mode: str, repeat: int, replica: int) -> None:
        self.case, self.variant, self.init_mode, self.repeat, self.replica = case, variant, init_mode, repeat, replica


class Settings(object):
    """What the user asked for; stored in the report's ``settings``."""

    def __init__(self, cases_folder: str, output: str, env_name: str, patterns: Sequence[str] = (),
                 repeats: int = 3, init_modes: Sequence[str] = INIT_MODES, profile: str = "default",
                 timeout: float = 600.0, jobs: int = 1, determinism_reruns: bool = True,
                 on_existing: Optional[str] = None, memory_limit_mib: Optional[float] = None) -> None:
        self.cases_folder = cases_folder
        self.output = output
        self.env_name = env_name
        self.patterns = list(patterns)
        self.repeats = repeats
        self.init_modes = list(init_modes)
        self.profile = profile
        self.timeout = timeout
        self.jobs = jobs
        self.determinism_reruns = determinism_reruns
        # None, "overwrite" or "resume": what to do with a report already at ``output``.
        self.on_existing = on_existing
        self.memory_limit_mib = memory_limit_mib

    def as_dict(self) -> Dict[str, Any]:
        return {"selected": self.patterns, "repeats": self.repeats, "init_modes": self.init_modes,
                "profile": self.profile, "timeout_s": self.timeout, "jobs": self.jobs,
                "determinism_reruns": self.determinism_reruns, "memory_limit_mib": self.memory_limit_mib}


def seeds_for(base: Seeds, repeat: int) -> Seeds:
    return base.shifted(repeat * REPEAT_SEED_STRIDE)


def plan(cases: Sequence[LoadedCase], settings: Settings) -> List[RunKey]:
    """Every run, case by case (so a case's checks can be judged early), repeat 0 first."""
    keys = []
    for index, item in enumerate(cases):
        for repeat in range(settings.repeats):
            replicas = 2 if (repeat == 0 and settings.determinism_reruns) else 1
            for replica in range(replicas):
                for init_mode in settings.init_modes:
                    for variant in item.case.variants:
                        keys.append(RunKey(index, variant.name, init_mode, repeat, replica))
    return keys


def _case_entry(item: LoadedCase, profile: str) -> Dict[str, Any]:
    case = item.case
    return {"id": case.id, "title": case.title, "description": case.description.strip(), "sources": list(case.sources),
            "file": item.relative_path, "source_hash": item.source_hash, "profile": profile,
            "tolerance": dict(case.tolerance),
            "variants": [{"name": v.name, "description": v.description} for v in case.variants],
            "runs": [], "determinism": [], "checks": [], "complete": False}


def _run_entry(result: RunResult) -> Dict[str, Any]:
    entry = {"variant": result.variant, "init_mode": result.init_mode, "repeat": result.repeat,
             "replica": result.replica, "seeds": result.seeds.as_dict()}
    entry.update(result.record)
    return entry


def _failed_record(outcome: Outcome) -> Dict[str, Any]:
    """The record of a run whose process did not return one (crash, timeout, memory, bug of ours)."""
    status = "timeout" if outcome.ending == "timeout" else "error"
    return {"status": status, "error": {"type": outcome.ending, "message": outcome.detail.strip().splitlines()[-1]
                                        if outcome.detail.strip() else outcome.ending, "traceback": outcome.detail},
            "history": {}, "final": {}, "non_finite": None, "data": {}, "weights": {"initial": [], "final": []},
            "timing": {}}


def determinism(results: Sequence[RunResult]) -> List[Dict[str, Any]]:
    """For each variant and init mode run twice with the same seeds: bitwise equal or not, and where."""
    by_key = collections.defaultdict(dict)  # type: Dict[tuple, Dict[int, RunResult]]
    for result in results:
        if result.repeat == 0:
            by_key[(result.variant, result.init_mode)][result.replica] = result
    entries = []
    for (variant, init_mode), pair in sorted(by_key.items()):
        if 1 not in pair:
            continue
        first, second = pair[0].record, pair[1].record
        if first["status"] not in checking.JUDGEABLE or second["status"] not in checking.JUDGEABLE:
            entries.append({"variant": variant, "init_mode": init_mode, "bitwise_identical": None,
                            "differing": ["status: {} / {}".format(first["status"], second["status"])]})
            continue
        differing = [key for key in sorted(set(first["history"]) | set(second["history"]))
                     if repr(first["history"].get(key)) != repr(second["history"].get(key))]
        for moment in ("initial", "final"):
            if [w["hash"] for w in first["weights"][moment]] != [w["hash"] for w in second["weights"][moment]]:
                differing.append("weights." + moment)
        entries.append({"variant": variant, "init_mode": init_mode, "bitwise_identical": not differing, "differing": differing})
    return entries


def judge_case(item: LoadedCase, results: Sequence[RunResult], versions: Dict[str, Any]) -> List[Dict[str, Any]]:
    groups = collections.defaultdict(dict)  # type: Dict[tuple, Dict[str, RunResult]]
    for result in results:
        if result.replica == 0:
            groups[(result.init_mode, result.repeat)][result.variant] = result
    replicas = collections.defaultdict(dict)  # type: Dict[str, Dict[str, Any]]
    for result in results:
        if result.repeat == 0 and result.replica == 1 and result.variant in groups[(result.init_mode, 0)]:
            replicas[result.init_mode][result.variant] = (groups[(result.init_mode, 0)][result.variant], result)
    return [checking.judge(check, groups, versions, replicas) for check in item.case.checks]


def summarise(document: Dict[str, Any]) -> Dict[str, Any]:
    """Counts, and the list of what makes this environment fail (exit status 1)."""
    runs = collections.Counter()  # type: Dict[str, int]
    verdicts = collections.Counter()  # type: Dict[str, int]
    unexpected, flags = [], []
    for error in document["load_errors"]:
        unexpected.append("{}: cannot load: {}".format(error["file"], error["problem"]))
    for case in document["cases"]:
        for run in case["runs"]:
            runs[run["status"]] += 1
            if run["status"] in ("error", "timeout"):
                unexpected.append("{}: run {}/{}/repeat {} {}".format(case["id"], run["variant"], run["init_mode"],
                                                                       run["repeat"], run["status"]))
        for check in case["checks"]:
            verdicts[check["verdict"]] += 1
            label = "{}/{}: {}".format(case["id"], check["id"], check["verdict"])
            if check["verdict"] in ("fixed", "error") or (check["verdict"] == "fail" and check["kind"] == "invariant"):
                unexpected.append(label)
            elif check["verdict"] == "fail":
                flags.append(label)
    return {"runs": dict(runs), "checks": dict(verdicts), "unexpected": unexpected, "flags": flags,
            "exit_status": 1 if unexpected else 0}


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signal.Signals(signum).name)


def run(settings: Settings, out: TextIO = sys.stdout,
        load_framework: Optional[Callable[[], Any]] = None) -> Dict[str, Any]:
    """Run everything ``settings`` selects and return the final report (also written to disk)."""
    loaded, load_errors = discover(settings.cases_folder, settings.patterns)
    for error in load_errors:
        out.write("error: {}\n".format(error))
    if settings.memory_limit_mib is not None and resident_mib(os.getpid()) is None:
        raise UserError("--memory-limit reads each run's resident memory from /proc, which this system lacks")
    with OutputLock(settings.output):
        return _run_locked(settings, out, load_framework, loaded, load_errors)


def _run_locked(settings: Settings, out: TextIO, load_framework: Optional[Callable[[], Any]],
                loaded: List[LoadedCase], load_errors: List[Any]) -> Dict[str, Any]:
    if load_framework is None:
        from harness.framework import load as load_framework
    warnings.simplefilter("ignore")  # framework deprecation chatter; children inherit this
    fw = load_framework()
    facts = _framework_facts(fw, settings.timeout)
    env = environment.fingerprint(facts, settings.env_name)
    versions = environment.requirement_versions(env)
    document = report.new_report(settings.as_dict(), env)
    document["load_errors"] = [{"file": e.path, "problem": e.problem} for e in load_errors]
    document["cases"] = [_case_entry(item, settings.profile) for item in loaded]
    resumed_from, kept = resumption.reusable_cases(settings.output, settings.on_existing, settings.as_dict(), env)
    done = set()
    for index, item in enumerate(loaded):
        previous = kept.get(item.case.id)
        if previous is not None and previous["source_hash"] == item.source_hash:
            document["cases"][index] = previous
            done.add(index)
    if resumed_from is not None:
        document["resumed"] = {"from": resumed_from, "kept_cases": [loaded[index].case.id for index in sorted(done)]}
        out.write("resuming {} (made {}): keeping finished case(s) {}\n".format(
            settings.output, resumed_from, ", ".join(document["resumed"]["kept_cases"]) or "none"))
    keys = [key for key in plan(loaded, settings) if key.case not in done]
    expected = collections.Counter(key.case for key in keys)
    results = collections.defaultdict(list)  # type: Dict[int, List[RunResult]]
    out.write("{} ({}): {} case(s), {} run(s), {} at a time -> {}\n".format(
        settings.env_name, _framework_label(facts), len(loaded), len(keys), settings.jobs, settings.output))
    out.flush()

    def task(key: RunKey) -> Callable[[], Any]:
        case = loaded[key.case].case
        seeds = seeds_for(case.seeds, key.repeat)
        return lambda: execute(fw, case, key.variant, key.init_mode, seeds, settings.profile)

    def on_outcome(key: RunKey, outcome: Outcome) -> None:
        item = loaded[key.case]
        record, arrays = outcome.value if outcome.ending == "returned" else (_failed_record(outcome), {})
        record["timing"]["wall_s"] = outcome.seconds
        result = RunResult(key.variant, key.init_mode, key.repeat, seeds_for(item.case.seeds, key.repeat),
                           record, arrays, key.replica)
        results[key.case].append(result)
        entry = document["cases"][key.case]
        entry["runs"].append(_run_entry(result))
        _progress(out, sum(len(r) for r in results.values()), len(keys), item.case.id, result)
        if (record["error"] or {}).get("type") == "CaseMistake":
            out.write("error: {}: {}\n".format(item.path, record["error"]["message"]))
        if len(results[key.case]) == expected[key.case]:
            entry["checks"] = judge_case(item, results[key.case], versions)
            entry["determinism"] = determinism(results[key.case])
            entry["complete"] = True
        document["summary"] = summarise(document)
        report.write(settings.output, document)

    previous = {name: signal.signal(getattr(signal, name), _raise_interrupted) for name in ("SIGINT", "SIGTERM")}
    try:
        report.write(settings.output, document)
        run_isolated([(key, task(key)) for key in keys], settings.jobs, settings.timeout, on_outcome,
                     settings.memory_limit_mib)
        document["complete"] = True
    except Interrupted as interruption:
        document["interrupted"] = interruption.signal_name
        out.write("\ninterrupted by {}: the report keeps the {} finished run(s)\n".format(
            interruption.signal_name, sum(len(r) for r in results.values())))
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
    document["summary"] = summarise(document)
    report.write(settings.output, document)
    return document


def _framework_facts(fw: Any, timeout: float) -> Dict[str, Any]:
    """The framework's description, devices included: listing devices initialises the runtime,
    which the parent must never do before forking, so a child lists them."""
    facts = fw.describe()
    found = {}

    def keep(key: Any, outcome: Outcome) -> None:
        found["devices"] = outcome.value if outcome.ending == "returned" else ["unknown: " + outcome.ending]
    run_isolated([("devices", fw.devices)], 1, timeout, keep)
    facts["devices"] = found["devices"]
    return facts


def _framework_label(facts: Dict[str, Any]) -> str:
    label = "{} {}".format(facts["keras_flavour"], facts["keras"])
    if facts["tensorflow"]:
        label += ", TF {}".format(facts["tensorflow"])
    return label + ", backend " + facts["backend"]


def _progress(out: TextIO, done: int, total: int, case_id: str, result: RunResult) -> None:
    final = result.record.get("final", {})
    metric = "val_loss" if "val_loss" in final else "loss"
    value = "{} {:.4f}".format(metric, final[metric]) if metric in final else ""
    if result.record.get("error"):
        value = result.record["error"]["message"][:60]
    seeds = "{},{},{}{}".format(result.seeds.numpy, result.seeds.python, result.seeds.framework, "'" if result.replica else "")
    out.write("[{:>{w}}/{}] {:<20} {:<22} {:<9} {:<16} {:<7} {:>6.2f} s  {}\n".format(
        done, total, case_id, result.variant, result.init_mode, "seeds " + seeds, result.status,
        result.record["timing"].get("wall_s", 0.0), value, w=len(str(total))))
    out.flush()
