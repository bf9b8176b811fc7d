"""Running the selected cases inside one environment: discover, plan, fork, record, write.

The order of events is the data flow of the product: cases are discovered (user mistakes are
reported before anything slow happens), the framework is imported once, every planned run is
executed in its own forked process (:mod:`harness.run.isolation`), each finished run is recorded
in the report, which is saved after every run, and a case's checks are judged as soon as its
last run is in. What a run, a check or a report *is* lives elsewhere: seeds and order in
:mod:`harness.run.planning`, verdicts in :mod:`harness.run.checking`, bitwise determinism in
:mod:`harness.run.determinism`, resuming in :mod:`harness.run.resumption`, the report's shape
in :mod:`harness.contract.report`.
"""

import collections
import os
import signal
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional, TextIO

from harness.case import DEFAULT_SEEDS, Seeds
from harness.contract import report
from harness.contract.settings import Settings
from harness.contract.versions import environment_versions
from harness.contract.vocabulary import CASE_KINDS
from harness.errors import CaseFileError, UserError, printable
from harness.run import environment, resumption, rule_evaluation
from harness.run.checking import judge_case, judge_more
from harness.run.determinism import determinism
from harness.run.discovery import LoadedCase, discover
from harness.run.execution import execute, timeout_hint
from harness.run.import_guard import guard
from harness.run.isolation import Outcome, resident_mib, run_isolated
from harness.run.output_lock import OutputLock
from harness.run.planning import RunKey, plan, seeds_for
from harness.run.run_result import RunResult
from harness.run.trace import TRACED_MODES


# How long importing one case file may take in the throw-away child that checks it.
GUARD_TIMEOUT_S = 120.0


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived: save what is finished and stop."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class Signals(object):
    """SIGINT and SIGTERM, noted by the handler and acted on by the run loop.

    The handler only notes the signal: an exception raised from a handler lands wherever Python
    happens to be, and inside a destructor or a weakref callback (multiprocessing has several)
    Python prints it and drops it, so the run would go on as if never interrupted.
    """

    def __init__(self) -> None:
        self.received = []  # type: List[str]

    def note(self, signum: int, frame: Any) -> None:
        self.received.append(signal.Signals(signum).name)

    def check(self) -> None:
        """Raise :class:`Interrupted` once a signal has arrived."""
        if self.received:
            raise Interrupted(self.received[0])


class Finished(object):
    """A finished (or interrupted) run: its report, the path it was written to, and, when that is
    not ``--output`` (the report there holds more finished work), the sentence that says so."""

    def __init__(self, document: Dict[str, Any], path: str, kept_note: Optional[str]) -> None:
        self.document = document
        self.path = path
        self.kept_note = kept_note


def run(settings: Settings, out: TextIO = sys.stdout, load_framework: Optional[Callable[[], Any]] = None) -> Finished:
    """Run everything ``settings`` selects; return the final report and where it was written.

    Every problem with the output path or the selection is found before any report is touched (the
    lock, taken first so that a second run on the same report is refused at once, is all there is).
    """
    resumption.check_output(settings.output)
    if not os.path.isdir(settings.cases_folder):
        raise CaseFileError(settings.cases_folder, "no such cases folder")
    if settings.memory_limit_mib is not None and resident_mib(os.getpid()) is None:
        raise UserError("--memory-limit reads each run's resident memory from /proc, which this system lacks")
    with OutputLock(settings.output):
        if load_framework is None:
            from harness.run.framework import load as load_framework
        warnings.simplefilter("ignore")  # framework deprecation chatter; children inherit this
        fw = load_framework()
        # Case files are imported after the framework, each first in a throw-away child: one whose
        # import changes what runs fork from is refused (harness.run.import_guard).
        loaded, load_errors = discover(settings.cases_folder, settings.patterns,
                                       guard(fw.runtime_state, min(settings.timeout, GUARD_TIMEOUT_S)))
        for error in load_errors:
            out.write("error: {}\n".format(printable(error)))
        if not loaded and not load_errors:
            raise UserError("no case matches {} in {}".format(
                " or ".join(settings.patterns) if settings.patterns else "any pattern", settings.cases_folder))
        _check_profile(settings.profile, loaded)
        return _run_locked(settings, out, fw, loaded, load_errors)


def _check_profile(profile: str, loaded: List[LoadedCase]) -> None:
    """Refuse, before the report is touched, a profile no selected case sizes itself by: a mistyped
    ``--profile`` would otherwise run every case at its default size under the wrong name."""
    known = set(name for item in loaded for name in getattr(item.case, "profiles", {}))
    if profile != "default" and profile not in known:
        raise UserError("--profile {!r}: no selected case has this profile (they have: {}); give one of those".format(
            profile, ", ".join(["default"] + sorted(known - {"default"}))))


def _case_entry(item: LoadedCase, profile: str) -> Dict[str, Any]:
    case = item.case
    if case.kind == CASE_KINDS[1]:
        return report.family_entry(case.id, case.title, case.description, item.relative_path, item.source_hash,
                                   case.runs_at(profile))
    return report.case_entry(case.id, case.title, case.description, case.sources, item.relative_path, item.source_hash,
                             case.runs_at(profile), case.tolerance, [{"name": v.name, "description": v.description} for v in case.variants],
                             [change.as_dict() for change in case.expected_changes], [j.as_dict() for j in case.judge])


def _judged(case: Any, results: List[RunResult], versions: Dict[str, Any]) -> Dict[str, Any]:
    """What a finished case adds to its report entry, by its kind: a family's rules and their checks,
    or a training case's checks and its determinism."""
    if case.kind == CASE_KINDS[1]:
        return rule_evaluation.judge(case, results[0], versions)
    return {"checks": judge_case(case, results, versions), "determinism": determinism(results),
            "looks": [1 + max(result.repeat for result in results)]}


def _run_locked(settings: Settings, out: TextIO, fw: Any, loaded: List[LoadedCase],
                load_errors: List[CaseFileError]) -> Finished:
    facts = _framework_facts(fw, settings.timeout)
    env = environment.describe(facts, settings.env_name)
    versions = environment_versions(env)
    fw.capabilities  # derived in the parent, once, so that every forked run reads the same
    document = report.new_report(settings.as_report(), env)
    document["load_errors"] = [report.load_error(e.path, e.problem) for e in load_errors]
    document["cases"] = [_case_entry(item, settings.profile) for item in loaded]
    previous = resumption.previous_report(settings.output, settings.on_existing, settings.as_report(), env)
    destination = resumption.Destination(settings.output, previous.protected)
    kept = resumption.keep_finished(document["cases"], previous.kept, settings.repeats)
    done = set(kept.done)
    document["cases"].extend(kept.carried)
    if previous.created is not None:
        document["resumed"] = {"from": previous.created, "kept_cases": [loaded[index].case.id for index in sorted(done)]
                               + [entry["id"] for entry in kept.carried],
                               "extended_cases": [loaded[index].case.id for index in sorted(kept.extend)]}
        out.write("resuming {} (made {}): keeping finished case(s) {}{}\n".format(
            settings.output, previous.created, ", ".join(document["resumed"]["kept_cases"]) or "none",
            "; more seeds for {}".format(", ".join(document["resumed"]["extended_cases"])) if kept.extend else ""))
    keys = [key for key in plan([item.case for item in loaded], settings, kept.extend) if key.case not in done]
    expected = collections.Counter(key.case for key in keys)
    results = collections.defaultdict(list)  # type: Dict[int, List[RunResult]]
    out.write("{} ({}): {} case(s), {} run(s), {} at a time -> {}\n".format(
        settings.env_name, _framework_label(facts), len(loaded), len(keys), settings.jobs, settings.output))
    out.flush()

    def task(key: RunKey) -> Callable[[], Any]:
        case = loaded[key.case].case
        if case.kind == CASE_KINDS[1]:
            return lambda: rule_evaluation.execute(fw, case, settings.profile)
        seeds = seeds_for(case.seeds, key.repeat, settings.seed_offset)
        traced = settings.traces and key.repeat == 0 and key.init_mode in TRACED_MODES
        return lambda: execute(fw, case, key.variant, key.init_mode, seeds, settings.profile,
                               settings.learning_rate_scale, traced)

    def on_outcome(key: RunKey, outcome: Outcome) -> None:
        item = loaded[key.case]
        detail = outcome.detail + (timeout_hint(item.case, key.variant) if outcome.ending == "timeout" else "")
        record, arrays = outcome.value if outcome.ending == "returned" else (report.failed_record(outcome.ending, detail), {})
        record["timing"]["wall_s"] = outcome.seconds
        entry = report.run_entry(key.variant, key.init_mode, key.repeat, key.replica,
                                 seeds_for(_seeds(item.case), key.repeat, settings.seed_offset).as_dict(), record)
        result = RunResult(entry, arrays)
        results[key.case].append(result)
        case_entry = document["cases"][key.case]
        case_entry["runs"].append(entry)
        _progress(out, sum(len(r) for r in results.values()), len(keys), item.case.id, result)
        if (record["error"] or {}).get("type") == "CaseMistake":
            out.write("error: {}: {}\n".format(item.path, printable(record["error"]["message"])))
        if len(results[key.case]) == expected[key.case]:
            if key.case in kept.extend:  # more seeds for a finished case: judged on them, looked at again
                case_entry["checks"] = judge_more(item.case, case_entry["checks"], results[key.case], versions)
                case_entry["looks"] = case_entry.get("looks", [kept.extend[key.case]]) + [settings.repeats]
            else:
                case_entry.update(_judged(item.case, results[key.case], versions))
            if settings.last_look and "looks" in case_entry:  # a training case: no seeds may follow these
                case_entry["last_look"] = True
            case_entry["complete"] = True
        document["summary"] = report.summary(document)
        destination.save(document)

    signals = Signals()
    handlers = {name: signal.signal(getattr(signal, name), signals.note) for name in ("SIGINT", "SIGTERM")}
    # A handler cannot run for a signal that is blocked, and a blocked mask is inherited from
    # whoever started us (a test runner's thread, a CI agent): make sure both can arrive.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT, signal.SIGTERM])
    try:
        destination.save(document)
        run_isolated([(key, task(key)) for key in keys], settings.jobs, settings.timeout, on_outcome,
                     settings.memory_limit_mib, stop=signals.check)
        signals.check()
        document["complete"] = True
    except Interrupted as interruption:
        document["interrupted"] = interruption.signal_name
        out.write("\ninterrupted by {}: the report keeps the {} finished run(s)\n".format(
            interruption.signal_name, sum(len(r) for r in results.values())))
    finally:
        for name, handler in handlers.items():
            signal.signal(getattr(signal, name), handler)
    document["summary"] = report.summary(document)
    return Finished(document, destination.save(document), destination.kept_message(document))


def _seeds(case: Any) -> Seeds:
    """The seeds a run of ``case`` records: a family of rules draws none (each rule seeds its own
    generator from its id), so it records the harness's defaults."""
    return getattr(case, "seeds", DEFAULT_SEEDS)


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
    final = result.final
    metric = "val_loss" if "val_loss" in final else "loss"
    value = "{} {:.4f}".format(metric, final[metric]) if metric in final else ""
    if result.error_message:
        value = printable(result.error_message)[:60]
    seeds = result.seeds
    shown = "{},{},{}{}".format(seeds["numpy"], seeds["python"], seeds["framework"], "'" if result.replica else "")
    out.write("[{:>{w}}/{}] {:<20} {:<22} {:<9} {:<16} {:<7} {:>6.2f} s  {}\n".format(
        done, total, case_id, result.variant, result.init_mode, "seeds " + shown, result.status,
        result.entry["timing"].get("wall_s", 0.0), value, w=len(str(total))))
    out.flush()
