"""Lining up reports for comparison: which environments are compared with which, which runs face
each other (same case, variant, run mode and repeat: the same seeds), and what cannot be compared.

The first step of the comparison pipeline (line up → materiality → attribution → expectations →
gate). What could not be lined up is a **gap**, kept as facts: a partial report, a case one report
has and the other lacks, a case whose file changed between them, a variant whose runs did not
finish on one side. A comparison with gaps is not evidence that nothing changed.
"""

import itertools
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.contract.reading import Report, Run
from harness.contract.versions import environment_versions
from harness.errors import UserError

# case, variant, run mode
Key = Tuple[str, str, str]


class EnvironmentRuns(object):
    """One report's runs, indexed for comparison."""

    def __init__(self, name: str, document: Dict[str, Any]) -> None:
        self.name = name
        self.report = Report(document)
        self.cases = {case.id: case for case in self.report.cases}
        self.runs = {}  # type: Dict[Tuple[str, str, str, int], Run]
        self.reruns = {}  # type: Dict[Tuple[str, str, str, int], Run]  # the determinism re-runs (replica 1)
        for case, run in self.report.runs():
            (self.runs if run.replica == 0 else self.reruns)[(case.id, run.variant, run.init_mode, run.repeat)] = run
        self.versions = environment_versions(self.report.environment)

    def repeats(self, key: Key) -> Dict[int, Run]:
        return {k[3]: run for k, run in self.runs.items() if k[:3] == key and run.finished}

    def has_runs(self, key: Key) -> bool:
        return any(k[:3] == key for k in self.runs)

    def skip(self, key: Key) -> Optional[Dict[str, Any]]:
        """Why repeat 0 of ``key`` was skipped (its skip code and missing capabilities), if it was."""
        run = self.runs.get(key + (0,))
        return run.skip if run is not None and run.status == "skipped" else None

    def describe(self) -> Dict[str, Any]:
        framework = self.report.framework
        return {"name": self.name, "tensorflow": framework["tensorflow"], "keras": framework["keras"],
                "keras_flavour": framework["keras_flavour"], "backend": framework["backend"],
                "python": self.report.python, "complete": self.report.complete,
                "capabilities": dict(self.report.capabilities),
                "packages": dict(self.report.environment.get("packages", {}))}


def gap(kind: str, env: str, facts: Dict[str, Any], case: Optional[str] = None,
        baseline: Optional[str] = None) -> Dict[str, Any]:
    """What could not be compared, and the facts that say why."""
    return {"kind": kind, "env": env, "baseline": baseline, "case": case, "facts": facts}


def environments(documents: Sequence[Tuple[str, Dict[str, Any]]]) -> List[EnvironmentRuns]:
    return [EnvironmentRuns(name, document) for name, document in documents]


def pairs(envs: Sequence[EnvironmentRuns], baseline: Optional[str]) -> List[Tuple[EnvironmentRuns, EnvironmentRuns]]:
    """Every environment against the baseline, or every pair when there is none."""
    by_name = {env.name: env for env in envs}
    if baseline is not None and baseline not in by_name:
        raise UserError("--baseline {}: no such environment among {}".format(baseline, ", ".join(by_name)))
    if baseline is None:
        return list(itertools.combinations(envs, 2))
    return [(env, by_name[baseline]) for env in envs if env.name != baseline]


def partial_reports(envs: Sequence[EnvironmentRuns]) -> List[Dict[str, Any]]:
    return [gap("partial_report", env.name, {"interrupted": env.report.interrupted})
            for env in envs if not env.report.complete]


def comparable_cases(a: EnvironmentRuns, b: EnvironmentRuns, gaps: List[Dict[str, Any]]) -> List[str]:
    """The cases both reports hold from the same case file; the others are gaps."""
    for case_id in sorted(set(a.cases) ^ set(b.cases)):
        has, lacks = (a, b) if case_id in a.cases else (b, a)
        gaps.append(gap("missing_case", lacks.name, {"has": has.name}, case_id, has.name))
    comparable = []
    for case_id in sorted(set(a.cases) & set(b.cases)):
        if a.cases[case_id].source_hash != b.cases[case_id].source_hash:
            gaps.append(gap("not_comparable", a.name, {"source_hash": a.cases[case_id].source_hash,
                                                       "baseline_source_hash": b.cases[case_id].source_hash},
                            case_id, b.name))
        else:
            comparable.append(case_id)
    return comparable
