"""A report rendered as text for the terminal, per case: what ``harness run`` prints at the end.

Plain text on purpose: it runs inside the environment (Python 3.7), right after the runner.
It only reads the report, through :mod:`harness.contract.reading`.
"""

import collections
from typing import Any, Dict, List, Optional

from harness.contract.reading import Case, Check, Report
from harness.contract.strict_json import decode_float
from harness.contract.vocabulary import CONTROLLED, MARKS, RUN_MODES
from harness.errors import printable

MAX_GROUP_LINES = 4


def _number(value: Optional[float]) -> str:
    if value is None:
        return "-"
    return "{:.4g}".format(value) if value == value else "nan"


def _fixed(value: float) -> str:
    return "{:.4f}".format(value) if value == value else "nan"


def _table(case: Case, title: str, cell: Any) -> List[str]:
    """One row per variant, one column per run mode that trained, for repeat 0: ``cell(run)``."""
    modes = [mode for mode in RUN_MODES if any(run.init_mode == mode and (mode != CONTROLLED or run.finished)
                                               for run in case.runs)]
    cells = {(run.variant, run.init_mode): cell(run) if run.finished else run.status
             for run in case.runs if run.repeat == 0 and run.replica == 0}
    width = max([len(name) for name in case.variants] + [24])
    lines = ["  " + title, "    {:<{w}} ".format("variant", w=width) + "".join("{:>13}".format(mode) for mode in modes)]
    for name in case.variants:
        lines.append("    {:<{w}} ".format(name, w=width)
                     + "".join("{:>13}".format(cells.get((name, mode), "-")) for mode in modes))
    return lines


def _final_table(case: Case) -> List[str]:
    """Final val_loss (or loss) per variant and init mode, for repeat 0; controlled runs only where
    one trained (a variant with nothing random in training skips its controlled run at once)."""
    finals = [run.final for run in case.runs if run.finished]
    if not any(finals):  # nothing trained: a family of rules, whose checks are its results
        return []
    validated = [("val_loss" in final) for final in finals]
    title = "val_loss" if all(validated) else "loss" if not any(validated) else "val_loss (loss without validation)"
    return _table(case, "final {} (repeat 0, document's seeds)".format(title),
                  lambda run: _fixed(run.final.get("val_loss", run.final.get("loss", float("nan")))))


def _callbacks_table(case: Case) -> List[str]:
    """What the case's callbacks did, where it has any: epochs trained, and the best epoch."""
    trainings = [run.entry.get("training") or {} for run in case.runs]
    names = sorted(set(name for training in trainings for name in training.get("callbacks", [])))
    if not names:
        return []

    def cell(run: Any) -> str:
        training = run.entry.get("training") or {}
        trained, restored = training.get("epochs_trained", "-"), training.get("weights_epoch", "-")
        weights = "" if restored in (trained, "-") else ", w {}".format("?" if restored is None else restored)
        return "{} (best {}{})".format(trained, training.get("best_epoch") or "-", weights)
    monitor = next((t["monitor"] for t in trainings if t.get("monitor")), "-")
    return _table(case, "epochs trained (best epoch by {}; w: the epoch whose weights a callback restored, the "
                        "final metrics being the last epoch's), repeat 0; callbacks: {}".format(monitor, ", ".join(names)),
                  cell)


def _rules_line(case: Case) -> List[str]:
    """A family's rules in one line: how many were measured, skipped (and for want of what), raised."""
    if not case.is_family:
        return []
    outcomes = collections.Counter(rule.outcome for rule in case.rules)
    missing = sorted(set(name for rule in case.rules if rule.skip for name in rule.skip["missing"]))
    return ["  rules: {} measured, {} skipped{}, {} raised".format(
        outcomes["measured"], outcomes["skipped"], " (missing: {})".format(", ".join(missing)) if missing else "",
        outcomes["raised"])]


def _surface_line(case: Case) -> List[str]:
    """A generated family's coverage per kind: what its rules cover of what the version exports."""
    if not case.surface:
        return []
    return ["  generated over: " + ", ".join("{} {}/{} ({:.0%})".format(kind, len(part["covered"]), part["exported"],
                                                                           _float(part["coverage"]) or 0.0)
                                             for kind, part in sorted(case.surface.items()))]


def _check_lines(check: Check) -> List[str]:
    per_mode = ", ".join("{} {}".format(mode, verdict) for mode, verdict in sorted(check.by_init_mode.items()))
    measured = [group.measured for group in check.groups if group.measured is not None]
    span = "{}..{}".format(_number(min(measured)), _number(max(measured))) if measured else "-"
    worst = "measured {} (limit {} {:g})".format(span, check.limit_operator, check.limit_bound)
    lines = ["  {:<6} {} [{}]: {}; {}".format(MARKS[check.verdict], check.id, check.kind, per_mode, worst)]
    shown = [group for group in check.groups if group.verdict != "pass"]
    for group in shown[:MAX_GROUP_LINES]:
        where = ""
        if group.first_divergence:
            where = "; first divergence: {} (max |Δ| {})".format(
                group.first_divergence, _number(_float(group.details.get(group.first_divergence))))
        reason = "; " + group.reason if group.reason else ""
        if group.details.get("raised"):  # a rule whose documented call raised: what it raised
            reason += "; raised " + printable(group.details["raised"])
        known = "; known: " + group.known_failure["reason"] if group.known_failure else ""
        lines.append("         {} repeat {}: {} measured {}{}{}{}".format(
            group.init_mode, group.repeat, group.verdict, _number(group.measured), where, reason, known))
    if len(shown) > MAX_GROUP_LINES:
        lines.append("         ... and {} more (see the report)".format(len(shown) - MAX_GROUP_LINES))
    return lines


def _float(value: Any) -> Optional[float]:
    try:
        return decode_float(value)
    except (KeyError, TypeError, ValueError):
        return None


def render(document: Dict[str, Any]) -> str:
    view = Report(document)
    lines = []
    for error in view.load_errors:
        lines.append("LOAD ERROR {}: {}".format(error["file"], error["problem"]))
    for case in view.cases:
        statuses = collections.Counter(run.status for run in case.runs)
        lines.append("")
        lines.append("== {} — {}".format(case.id, case.title))
        lines.append("  {} run(s): {}{}".format(len(case.runs), ", ".join("{} {}".format(n, s) for s, n in sorted(statuses.items())),
                                               "" if case.complete else " (INCOMPLETE)"))
        lines.extend(_final_table(case) + _callbacks_table(case) + _rules_line(case) + _surface_line(case))
        # A generated family has a thousand rules: those that pass are counted, the others shown.
        shown = [check for check in case.checks if not case.surface or check.verdict != "pass"]
        for check in shown:
            lines.extend(_check_lines(check))
        if len(shown) < len(case.checks):
            lines.append("  {} more rules pass (see the report)".format(len(case.checks) - len(shown)))
        if case.determinism:
            same = sum(1 for entry in case.determinism if entry["bitwise_identical"])
            lines.append("  determinism: {}/{} variant×mode pairs bitwise identical when re-run".format(same, len(case.determinism)))
            for entry in case.determinism:
                if not entry["bitwise_identical"]:
                    lines.append("    not identical: {} {}: {}".format(entry["variant"], entry["init_mode"], ", ".join(entry["differing"])))
    summary = view.summary
    lines.append("")
    lines.append("runs: {}; checks: {}".format(
        ", ".join("{} {}".format(n, s) for s, n in sorted(summary["runs"].items())) or "none",
        ", ".join("{} {}".format(n, s) for s, n in sorted(summary["checks"].items())) or "none"))
    for flag in summary["flags"]:
        lines.append("flag (characterisation changed): " + flag)
    for item in summary["unexpected"]:
        lines.append("UNEXPECTED: " + item)
    if not view.complete:
        lines.append("report is PARTIAL ({})".format(view.interrupted or "unfinished"))
    return "\n".join(printable(line) for line in lines) + "\n"
