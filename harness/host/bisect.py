"""``harness bisect``: which published release changed what a case's check shows.

Between a good and a bad version of a package (either order: finding a fix is finding a change),
the releases in between come from the package index (:mod:`harness.host.releases`). Both ends are
probed first (as mozregression does); then every interval whose two ends were judged differently
is split at the release nearest its middle, again and again, until each change sits between two
adjacent judged releases (as TorchBench re-splits every half that still differs, so that every
change point between ends that differ is found, not only the first). ``every`` probes every
release, for changes that an interval whose ends agree could hide.

A probe is one release: an environment built for it (:mod:`harness.host.probe_environments`,
cached), the case alone run there by the harness's own runner, and the check's verdict read from
the report it writes, in the init mode asked for. A declared known failure counts as failing:
bisection reads what was measured, not what was declared. A release that cannot be installed or
imported is skipped with the reason (git bisect's exit 125); a case that crashes is an outcome of
its own (a change from passing to crashing is a change). Reports of matching environments that
already exist are used as probes for free. ``bisect.json`` is written after every probe, and a
bisection given the same question and file continues from the probes it finished.
"""

import datetime
import os
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from harness import __version__
from harness.contract import bisection, report, vocabulary
from harness.contract.strict_json import decode_float
from harness.errors import ReportError, UserError
from harness.host import compare, probe_environments, releases, tox_config, wording

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# How a check's verdict reads in a bisection: a declared known failure fails (it was measured to).
OUTCOME_OF_VERDICT = {"pass": "holds", "fixed": "holds", "fail": "fails", "known_failure": "fails",
                      "error": "error", "noise": "unclear", "skipped": "unclear"}
JUDGED = ("holds", "fails", "error")
NOT_INSTALLED = "not_installed"

Prober = Callable[[Dict[str, Any], releases.Release, str], Dict[str, Any]]


def _reason(code: str, detail: Optional[str] = None) -> Dict[str, Any]:
    """Why a probe reads as it does, as data: a code (words are chosen in :mod:`harness.host.wording`) and the
    detail, which is what another tool or the report said (uv's error, the runner's, a case file's problem)."""
    return {"code": code, "detail": detail}


def _unjudged(outcome: str, reason: Dict[str, Any], seeds: int = 0) -> Dict[str, Any]:
    return {"outcome": outcome, "verdict": None, "measured": [], "seeds": seeds, "reason": reason}


def question(case: str, check: Optional[str], init_mode: Optional[str], package: str, good: str, bad: str,
             together: Sequence[str], held: Sequence[str], environment_variables: Dict[str, str], pre: bool,
             repeats: int, every: bool, index_url: Optional[str], find_links: Optional[str],
             cases_folder: str, quantity: Optional[str] = None, measure: str = "final", variant: Optional[str] = None,
             max_seeds: int = 20) -> Dict[str, Any]:
    """What a bisection asks, as its document records it (a resumed one must ask the same): a check's
    verdict, or a quantity's materiality against the ``good`` release."""
    if (check is None) == (quantity is None):
        raise UserError("give --check CHECK (a check's verdict) or --quantity KEY (a quantity against --good), "
                        "one of them")
    if quantity is not None and measure not in vocabulary.MEASURES:
        raise UserError("--measure {}: expected one of {}".format(measure, ", ".join(vocabulary.MEASURES)))
    for requirement in held:
        try:
            Requirement(requirement)
        except InvalidRequirement as error:
            raise UserError("--hold {}: not a requirement ({}); e.g. --hold tensorflow-cpu==2.19.1".format(
                requirement, error))
    if releases.version(good, "--good") == releases.version(bad, "--bad"):
        raise UserError("--good and --bad are both {}: give two versions to bisect between".format(good))
    return {"case": case, "check": check, "init_mode": init_mode, "package": package, "good": good, "bad": bad,
            "together": list(together), "held": list(held), "environment_variables": dict(environment_variables),
            "pre_releases": pre, "repeats": repeats, "every": every, "index_url": index_url, "find_links": find_links,
            "cases_folder": cases_folder, "quantity": quantity, "measure": measure, "variant": variant,
            "max_seeds": max(max_seeds, repeats)}


def judge(document: Dict[str, Any], asked: Dict[str, Any]) -> Dict[str, Any]:
    """The outcome of the asked check in one report: its verdict (in the asked init mode), the values
    it measured per repeat, and the seeds; ``unclear`` where the report does not hold it."""
    case = next((case for case in document["cases"] if case["id"] == asked["case"]), None)
    check = None if case is None else next((c for c in case["checks"] if c["id"] == asked["check"]), None)
    if case is None and document["load_errors"]:  # the case file cannot import what this release lacks: a skip
        error = document["load_errors"][0]
        return _unjudged(NOT_INSTALLED, _reason("case_not_loaded", "{}: {}".format(error["file"], error["problem"])))
    if case is None:
        return _unjudged("unclear", _reason("case_missing", asked["case"]))
    if check is None:
        return _unjudged("unclear", _reason("check_missing", asked["check"]))
    mode = asked["init_mode"]
    verdict = check["by_init_mode"].get(mode) if mode else check["verdict"]
    if verdict is None:
        return _unjudged("unclear", _reason("mode_not_judged", mode), report.case_repeats(case))
    groups = [group for group in check["groups"] if mode is None or group["init_mode"] == mode]
    measured = [decode_float(group["measured"]) if group["measured"] is not None else None
                for group in groups]
    said = next((group["reason"] for group in groups if group.get("reason")), None)
    return {"outcome": OUTCOME_OF_VERDICT[verdict], "verdict": verdict, "measured": measured,
            "seeds": report.case_repeats(case), "reason": _reason("check", said) if said else None}


def _probe_record(version: str, judged: Dict[str, Any], **facts: Any) -> Dict[str, Any]:
    record = {"version": version, "python": None, "packages": {}, "resolved_as_of": None, "source": "probe",
              "report": None, "build_s": 0.0, "run_s": 0.0, "cached": False, "quantity": None}
    record.update(judged)
    record.update(facts)
    return record


def _requirements(asked: Dict[str, Any], version: str) -> List[str]:
    return ["{}=={}".format(name, version) for name in [asked["package"]] + asked["together"]] + asked["held"]


def _reported_versions(document: Dict[str, Any]) -> Dict[str, str]:
    return {canonicalize_name(name): value for name, value in document["environment"].get("packages", {}).items()}


def _matches(document: Dict[str, Any], asked: Dict[str, Any], version: str) -> bool:
    """Whether a report was made where a probe of ``version`` would run: the moving packages at that
    version, every held requirement met, and the asked environment variables set alike."""
    versions = _reported_versions(document)
    for name in [asked["package"]] + asked["together"]:
        if versions.get(canonicalize_name(name)) != version:
            return False
    for text in asked["held"]:
        requirement = Requirement(text)
        found = versions.get(canonicalize_name(requirement.name))
        if found is None or not requirement.specifier.contains(found, prereleases=True):
            return False
    recorded = document["environment"]["determinism"]
    return all(recorded.get(name) == value for name, value in asked["environment_variables"].items()
               if name in recorded)


def free_probes(paths: Sequence[str], asked: Dict[str, Any], versions: Sequence[str]) -> Dict[str, Dict[str, Any]]:
    """Probes read from existing reports of environments that match a release of the range."""
    found = {}  # type: Dict[str, Dict[str, Any]]
    if asked["quantity"] is not None:  # a quantity is judged against the reference probe, not read alone
        return found
    for path in paths:
        document = report.load(path)
        for version in versions:
            if version not in found and _matches(document, asked, version):
                judged = judge(document, asked)
                if judged["outcome"] != "unclear":
                    found[version] = _probe_record(version, judged, source="report", report=path,
                                                   python=document["environment"]["python"]["version"],
                                                   packages=_reported_versions(document))
    return found


def judge_quantity(document: Dict[str, Any], reference: Dict[str, Any], asked: Dict[str, Any]) -> Dict[str, Any]:
    """The watched quantity here against the reference release, decided as ``harness compare`` decides it
    (materiality against the seed-to-seed spread, at the look's level): the same -> holds, material ->
    fails, undetermined -> unclear, with the seeds that would decide it."""
    names = (document["environment"]["name"], reference["environment"]["name"])
    compared = compare.compare([(names[0], document), (names[1], reference)], names[1], allow_incomplete=True)
    found = []  # type: List[Tuple[str, Optional[Dict[str, Any]]]]
    for item in compared["comparisons"]:
        if item["case"] != asked["case"] or asked["variant"] not in (None, item["variant"]):
            continue
        for mode, result in item["by_init_mode"].items():
            if result is None or asked["init_mode"] not in (None, mode):
                continue
            if result["materiality"] == "identical":
                found.append(("identical", None))
            found.extend((entry["materiality"], entry) for entry in result["quantities"]
                         if entry["key"] == asked["quantity"] and entry["measure"] == asked["measure"])
    if not found:
        return dict(_unjudged("unclear", _reason("quantity_missing", asked["quantity"])), quantity=None)
    worst = vocabulary.worst_materiality(materiality for materiality, _ in found)
    entries = [entry for _, entry in found if entry is not None]
    deciding = max(entries, key=lambda entry: abs(entry["effect"] or 0.0)) if entries else None
    needed = [entry["needed_seeds"] for entry in entries if entry["materiality"] == "undetermined" and entry["needed_seeds"]]
    seeds = min((len(entry["env_values"]) for entry in entries), default=asked["repeats"])
    return {"outcome": {"material": "fails", "undetermined": "unclear"}.get(worst, "holds"), "verdict": worst,
            "measured": [entry["difference"] for entry in entries], "seeds": seeds, "reason": None,
            "quantity": None if deciding is None else {
                "env_mean": deciding["env_mean"], "reference_mean": deciding["baseline_mean"],
                "difference": deciding["difference"], "p": deciding["p_adjusted"],
                "p_equivalence": deciding["p_equivalence"], "margin": deciding["margin"],
                "needed_seeds": max(needed) if needed else None}}


class Probing(object):
    """How one bisection probes a release: the environment (built or cached), the case run there, and
    its outcome; for a quantity, compared with the reference release, seeds added while undecided."""

    def __init__(self, asked: Dict[str, Any], folder: str, cache: str, timeout: float, good: releases.Release) -> None:
        self.asked = asked
        self.folder = folder
        self.cache = cache
        self.timeout = timeout
        self.good = good  # for a quantity, the reference every other release is compared with
        self.held_uploads, self.held_pythons = held_facts(asked)
        self.reference = None  # type: Optional[Tuple[str, probe_environments.Built]]

    def environment(self, release: releases.Release) -> Tuple[probe_environments.Built, Optional[str]]:
        pythons = [python for python in release.pythons if self.held_pythons is None or python in self.held_pythons]
        date = probe_environments.resolution_date([release.uploaded] + list(self.held_uploads))
        return probe_environments.build(_requirements(self.asked, str(release.version)), pythons, date, self.cache,
                                        self.asked["find_links"], self.asked["index_url"]), date

    def run_case_path(self, version: str) -> str:
        return os.path.join(self.folder, "{}-{}.json".format(canonicalize_name(self.asked["package"]), version))

    def run_case(self, built: probe_environments.Built, version: str, seeds: int, resume: bool) -> Tuple[str, str, int]:
        """Run the case (``resume``: extend the report to ``seeds``); its report path, what it said, its exit."""
        path = self.run_case_path(version)
        command = [built.executable, "-m", "harness", "run", "--env", "{}-{}".format(self.asked["package"], version),
                   "--cases", self.asked["cases_folder"], "-k", self.asked["case"], "--output", path,
                   "--resume" if resume else "--overwrite", "--repeats", str(seeds), "--no-controlled-runs",
                   "--no-determinism-rerun", "--timeout", str(self.timeout)] \
            + (["--init-mode", self.asked["init_mode"]] if self.asked["init_mode"] else [])
        environment = dict(tox_config.outside_tox(), PYTHONPATH=ROOT, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2",
                           **self.asked["environment_variables"])
        environment.pop("PYTHONHOME", None)
        finished = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment)
        return path, finished.stdout.decode("utf-8", "replace"), finished.returncode

    def __call__(self, asked: Dict[str, Any], release: releases.Release, folder: str) -> Dict[str, Any]:
        version = str(release.version)
        built, date = self.environment(release)
        facts = {"python": built.python, "packages": built.packages, "resolved_as_of": date, "build_s": built.seconds,
                 "cached": built.cached}
        if built.problem is not None:
            return _probe_record(version, _unjudged(NOT_INSTALLED, _reason(built.problem["code"],
                                                                           built.problem["detail"])), **facts)
        started = time.time()
        path, said, code = self.run_case(built, version, asked["repeats"], False)
        document, judged = self.read(path, said, code)
        if document is not None:  # a report to read: the check's verdict, or the quantity against the reference
            facts["report"] = path
            if asked["quantity"] is None:
                judged = judge(document, asked)
            elif release.version == self.good.version:
                self.reference = (path, built)
                judged = _unjudged("holds", _reason("reference"), asked["repeats"])
            else:
                judged = self.decided(path, built, version)
        facts["run_s"] = time.time() - started
        return _probe_record(version, judged, **facts)

    @staticmethod
    def read(path: str, said: str, code: int) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
        """The report a run left, or (None and) the outcome of a run that left none readable."""
        if os.path.exists(path):
            try:
                return report.load(path), None
            except ReportError as error:
                return None, _unjudged("error", _reason("report_unreadable", str(error)))
        # The runner refused to start (exit 2: it cannot import the framework, say) or died before writing.
        if code == 2:
            return None, _unjudged(NOT_INSTALLED, _reason("runner_refused", probe_environments.failure_reason(said)))
        return None, _unjudged("error", _reason("runner_died", probe_environments.failure_reason(said)))

    def decided(self, path: str, built: probe_environments.Built, version: str) -> Dict[str, Any]:
        """The quantity here against the reference, seeds added to both while undecided (up to ``max_seeds``)."""
        if self.reference is None:  # a resumed bisection: the reference's report is there from the run before
            reference_built, _ = self.environment(self.good)
            self.reference = (self.run_case_path(str(self.good.version)), reference_built)
        reference_path, reference_built = self.reference
        if not os.path.exists(reference_path):
            raise AssertionError("a quantity is compared with the reference release, which was not probed first")
        before = 0
        while True:
            judged = judge_quantity(report.load(path), report.load(reference_path), self.asked)
            if judged["seeds"] <= before:  # a run that says it added seeds and added none would loop for ever
                return dict(judged, outcome="error", reason=_reason("no_seeds_added"))
            before = judged["seeds"]
            wanted = (judged["quantity"] or {}).get("needed_seeds")
            if judged["outcome"] != "unclear" or not wanted or judged["seeds"] >= self.asked["max_seeds"]:
                return judged
            seeds = min(self.asked["max_seeds"], wanted)
            for environment, name in ((reference_built, str(self.good.version)), (built, version)):
                where, said, code = self.run_case(environment, name, seeds, True)
                document, failed = self.read(where, said, code)
                if failed is not None or code not in (0, 1):
                    return failed or dict(judged, outcome="error", reason=_reason(
                        "seeds_run_failed", probe_environments.failure_reason(said)))


def _judged(ordered: Sequence[str], probes: Dict[str, Dict[str, Any]]) -> List[int]:
    """The positions of the releases whose outcome was judged (held, failed or crashed)."""
    return [index for index, version in enumerate(ordered) if probes.get(version, {}).get("outcome") in JUDGED]


def next_release(ordered: Sequence[str], probes: Dict[str, Dict[str, Any]], every: bool,
                 first: Optional[str] = None) -> Optional[str]:
    """The release to probe next: the ends first (``first`` of them first: a quantity's reference); then
    (all of them, with ``every``) the unprobed release nearest the middle of the first interval whose
    judged ends differ; None when none is left."""
    ends = (ordered[0], ordered[-1])
    for end in sorted(ends, key=lambda end: end != first):
        if end not in probes:
            return end
    if every:
        return next((version for version in ordered if version not in probes), None)
    judged = _judged(ordered, probes)
    for low, high in zip(judged, judged[1:]):
        if probes[ordered[low]]["outcome"] == probes[ordered[high]]["outcome"]:
            continue
        open_ = [index for index in range(low + 1, high) if ordered[index] not in probes]
        if open_:
            middle = (low + high) / 2.0
            return ordered[min(open_, key=lambda index: (abs(index - middle), index))]
    return None


def change_points(ordered: Sequence[str], probes: Dict[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Every pair of judged releases with nothing judged between them whose outcomes differ."""
    judged = _judged(ordered, probes)
    points = []
    for low, high in zip(judged, judged[1:]):
        before, after = probes[ordered[low]]["outcome"], probes[ordered[high]]["outcome"]
        if before != after and all(ordered[index] in probes for index in range(low + 1, high)):
            points.append({"last_before": ordered[low], "first_after": ordered[high], "before": before,
                           "after": after, "not_judged_between": list(ordered[low + 1:high])})
    return points


def state(ordered: Sequence[str], probes: Dict[str, Dict[str, Any]], every: bool) -> str:
    """Where a bisection stands, read from its probes alone (not from the search that chose them, so that a
    search that stops early reads ``running``, never ``found``)."""
    ends = [probes.get(end, {}).get("outcome") for end in (ordered[0], ordered[-1])]
    if None in ends:
        return "running"
    if any(outcome not in JUDGED for outcome in ends):
        return "end_unjudged"
    if every and any(version not in probes for version in ordered):
        return "running"
    judged = _judged(ordered, probes)
    for low, high in zip(judged, judged[1:]):
        differ = probes[ordered[low]]["outcome"] != probes[ordered[high]]["outcome"]
        if differ and not all(ordered[index] in probes for index in range(low + 1, high)):
            return "running"
    return "found" if change_points(ordered, probes) else "ends_agree"


def _document(asked: Dict[str, Any], chosen: Sequence[releases.Release], probes: Dict[str, Dict[str, Any]],
              created: str) -> Dict[str, Any]:
    ordered = [str(release.version) for release in chosen]
    return {"schema_version": bisection.SCHEMA_VERSION, "harness_version": __version__, "created": created,
            "question": asked, "releases": [{"version": str(release.version), "uploaded": release.uploaded,
                                             "pythons": list(release.pythons)} for release in chosen],
            "probes": [probes[version] for version in ordered if version in probes],
            "change_points": change_points(ordered, probes), "state": state(ordered, probes, asked["every"])}


def resumed(output: str, asked: Dict[str, Any]) -> Tuple[Dict[str, Dict[str, Any]], Optional[str]]:
    """The finished probes of an earlier bisection of the same question in ``output`` (none if there is
    no file); another question there is refused, never replaced."""
    if not os.path.exists(output):
        return {}, None
    earlier = bisection.load(output)
    if earlier["question"] != asked:
        differing = sorted(key for key in asked if earlier["question"].get(key) != asked[key])
        raise UserError("{}: holds a bisection of another question (it differs in {}); give --output another "
                        "file, or remove it".format(output, ", ".join(differing)))
    return {probe["version"]: probe for probe in earlier["probes"]}, earlier["created"]


def held_facts(asked: Dict[str, Any]) -> Tuple[List[Optional[str]], Optional[List[str]]]:
    """The upload times and the Pythons of the held ``==`` requirements (their day bounds the resolution
    date from below; a probe runs on a Python both have wheels for)."""
    uploads = []  # type: List[Optional[str]]
    pythons = None  # type: Optional[List[str]]
    for text in asked["held"]:
        requirement = Requirement(text)
        pinned = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if not pinned:
            continue
        version = releases.version(pinned[0], "--hold")
        found = [release for release in releases.published(requirement.name, asked["index_url"], asked["find_links"])
                 if release.version == version]
        if not found:
            raise UserError("--hold {}: no release {} of {} on the index".format(text, version, requirement.name))
        uploads.append(found[0].uploaded)
        pythons = [python for python in found[0].pythons if pythons is None or python in pythons]
    return uploads, pythons


def bisect(asked: Dict[str, Any], output: str, reports: Sequence[str], cache: str, timeout: float,
           out: TextIO = sys.stdout, prober: Optional[Prober] = None) -> Dict[str, Any]:
    """Bisect, writing ``output`` after every probe; the finished document."""
    good, bad = releases.version(asked["good"], "--good"), releases.version(asked["bad"], "--bad")
    chosen = releases.between(releases.published(asked["package"], asked["index_url"], asked["find_links"]),
                              good, bad, asked["pre_releases"])
    ordered = [str(release.version) for release in chosen]
    by_version = {str(release.version): release for release in chosen}
    probes, created = resumed(output, asked)
    if probes:
        out.write("{}: resuming from {} finished probe(s)\n".format(output, len(probes)))
    for version, probe in free_probes(reports, asked, ordered).items():
        probes.setdefault(version, probe)
    created = created or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    folder = os.path.splitext(output)[0] + ".probes"
    os.makedirs(folder, exist_ok=True)
    reference = next(version for version in ordered if releases.version(version, "--good") == good)
    if prober is None:
        prober = Probing(asked, folder, cache, timeout, by_version[reference])
    out.write(wording.bisect_start(asked, ordered, len(probes)))
    document = _document(asked, chosen, probes, created)
    bisection.write(output, document)
    count = 0
    while True:
        now = state(ordered, probes, asked["every"])
        if now != "running":
            break
        version = next_release(ordered, probes, asked["every"], reference)
        if version is None:
            raise AssertionError("the search stopped with releases left to probe: {}".format(sorted(probes)))
        count += 1
        out.write(wording.bisect_probing(count, asked["package"], version))
        out.flush()
        probes[version] = prober(asked, by_version[version], folder)
        out.write(wording.bisect_probed(probes[version]))
        out.flush()
        document = _document(asked, chosen, probes, created)
        bisection.write(output, document)
    return document
