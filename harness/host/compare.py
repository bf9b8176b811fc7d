"""Comparing reports across environments: the pipeline that builds ``comparison.json``.

Line up the reports (:mod:`harness.host.lineup`), decide each difference's materiality against the
seed-to-seed spread (:mod:`harness.host.materiality`), attribute it to a cause and locate where runs
part (:mod:`harness.host.attribution`), read the cases' expected changes
(:mod:`harness.host.expectations`), set each check's verdict and its mark against the baseline and
the rules side by side (:mod:`harness.host.verdicts`), then the gate (:mod:`harness.host.gate`).
The document holds codes and facts only; :mod:`harness.host.wording` says them in words.
"""

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.contract import comparison as comparison_document
from harness.contract import vocabulary
from harness.contract.reading import Run
from harness.host import attribution, backends, expectations, lineup, materiality, statistics, verdicts
from harness.host.gate import gate
from harness.host.lineup import EnvironmentRuns


def compare_variant(a: EnvironmentRuns, b: EnvironmentRuns, case_id: str, variant: str,
                    gaps: List[Dict[str, Any]], flags: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """Both init modes of one variant, each with materiality, cause, where runs part and expected change."""
    controlled_key = (case_id, variant, vocabulary.CONTROLLED)
    controlled = materiality.compare_runs(a, b, controlled_key)
    if controlled is not None:
        attribution.locate(controlled, a, b, controlled_key)
    by_mode = {}  # type: Dict[str, Optional[Dict[str, Any]]]
    for mode in vocabulary.INIT_MODES:
        key = (case_id, variant, mode)
        result = materiality.compare_runs(a, b, key)
        by_mode[mode] = result
        if result is None:
            if a.has_runs(key) or b.has_runs(key):
                gaps.append(lineup.gap("missing_runs", a.name, {"variant": variant, "init_mode": mode}, case_id, b.name))
            continue
        missing = materiality.missing_judged(a, b, key, result)
        if missing:
            gaps.append(lineup.gap("missing_quantity", a.name, {"variant": variant, "init_mode": mode, "keys": missing},
                                   case_id, b.name))
        attribution.locate(result, a, b, key)
        result["cause"], result["cause_evidence"] = attribution.cause(result, a, b, key, controlled)
        expectations.apply(result, a, b, case_id, variant, mode, flags)
    present = [result for result in by_mode.values() if result is not None]
    if not present:
        return None
    worst = vocabulary.worst_materiality(result["materiality"] for result in present)
    pinned = by_mode.get("pinned")
    # A change that shows from pinned weights is there whatever the initialisation: its cause comes first.
    explaining = pinned if pinned is not None and pinned["materiality"] not in ("identical", "within_tolerance") else \
        max(present, key=lambda r: vocabulary.MATERIALITY.index(r["materiality"]))
    return {"env": a.name, "baseline": b.name, "case": case_id, "variant": variant, "materiality": worst,
            "cause": explaining["cause"], "by_init_mode": by_mode, "controlled": controlled}


SEEDS_LIMIT = 1000


def seeds_to_decide(comparisons: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Where a verdict is undetermined, how to decide it: more seeds for that case only, not for all;
    none where its last look was taken (harness decide's cap closed its seeds)."""
    needed, closed = {}, set()  # type: Dict[str, int], set
    for item in comparisons:
        for result in item["by_init_mode"].values():
            if result is None or result["materiality"] != "undetermined":  # decided, whatever its other quantities
                continue
            if result["last_look"]:
                closed.add(item["case"])
            for entry in result["quantities"]:
                if entry["judged"] and entry["materiality"] == "undetermined":
                    # None: not even SEEDS_LIMIT seeds would decide it at the method's power
                    needed[item["case"]] = max(needed.get(item["case"], 0), entry["needed_seeds"] or SEEDS_LIMIT)
    # At the limit the number is unknown, not SEEDS_LIMIT: the difference lies about at its margin.
    return [{"code": "undetermined", "case": case, "seeds": n if n < SEEDS_LIMIT and case not in closed else None,
             "limit": SEEDS_LIMIT, "last_look": case in closed} for case, n in sorted(needed.items())]


def summaries(env: EnvironmentRuns) -> List[Dict[str, Any]]:
    """Per case, variant and init mode: final values over the seeds and every history key's curves
    (``val_auc`` as well as ``loss``: what the user watches), for the page."""
    found = []
    for case in env.report.cases:
        for variant in case.variants:
            for mode in vocabulary.INIT_MODES:
                runs = env.repeats((case.id, variant, mode))
                if not runs:
                    continue
                finals = {}  # type: Dict[str, Dict[str, Any]]
                for name in sorted(set.intersection(*[set(run.final) for run in runs.values()])):
                    values = [runs[r].final[name] for r in sorted(runs)]
                    finite = [v for v in values if math.isfinite(v)]
                    finals[name] = {"mean": statistics.mean(finite) if finite else math.nan,
                                    "sd": statistics.sd(finite) if finite else math.nan, "n": len(values)}
                keys = sorted(set(key for run in runs.values() for key in run.history))
                curves = {key: [runs[r].history.get(key, []) for r in sorted(runs)] for key in keys}
                found.append({"env": env.name, "case": case.id, "variant": variant, "init_mode": mode,
                              "finals": finals, "curves": {k: v for k, v in curves.items() if any(v)},
                              "trajectories": trajectories(runs.get(0))})
    return found


def trajectories(run: Optional[Run]) -> List[Dict[str, Any]]:
    """Every variable's sum at the start and at the end of each epoch of a traced run (the seed answer's
    plot of each kernel's sum per epoch); none for a run that was not traced."""
    if run is None or run.trace is None:
        return []
    initial = run.entry["weights"]["initial"]
    return [{"name": weight["name"], "shape": list(weight["shape"]),
             "sums": [weight["sum"]] + [point[index]["sum"] for point in run.trace["epochs"]]}
            for index, weight in enumerate(initial)]


def compare(documents: Sequence[Tuple[str, Dict[str, Any]]], baseline: Optional[str] = None,
            allow_incomplete: bool = False) -> Dict[str, Any]:
    """The whole comparison of several reports, optionally against one baseline environment.

    A comparison with gaps is not a pass: gaps fail the gate unless ``allow_incomplete`` says the
    user accepts them.
    """
    envs = lineup.environments(documents)
    pairs = lineup.pairs(envs, baseline)
    gaps = lineup.partial_reports(envs)
    flags = []  # type: List[Dict[str, Any]]
    comparisons = []
    compared = set()  # type: Set[Tuple[str, str]]
    for a, b in pairs:
        for case_id in lineup.comparable_cases(a, b, gaps):
            compared.add((a.name, case_id))
            for variant in b.cases[case_id].variants:
                item = compare_variant(a, b, case_id, variant, gaps, flags)
                if item is not None:
                    comparisons.append(item)
    flags.extend(seeds_to_decide(comparisons))
    checks = verdicts.check_matrix(envs, baseline, compared)
    empty = verdicts.judged_nothing(envs)
    return {
        "schema_version": comparison_document.SCHEMA_VERSION,
        "environments": [env.describe() for env in envs],
        "baseline": baseline,
        "method": dict(materiality.METHOD),
        "comparisons": comparisons,
        "checks": checks,
        "rules": backends.annotate(verdicts.rule_rows(envs), envs),
        "summaries": [entry for env in envs for entry in summaries(env)],
        "gaps": gaps,
        "flags": flags,
        "allow_incomplete": allow_incomplete,
        "gate": gate(comparisons, checks, empty, baseline, gaps, allow_incomplete),
    }
