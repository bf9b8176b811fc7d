"""A readable per-case summary of a report, for the terminal (plain text: runs on Python 3.7)."""

import collections
from typing import Any, Dict, List

from harness.strict_json import decode_float

MAX_GROUP_LINES = 4
MARKS = {"pass": "PASS", "fail": "FAIL", "known_failure": "KNOWN", "fixed": "FIXED!", "noise": "NOISE", "error": "ERROR", "skipped": "SKIP"}


def _number(value: Any) -> str:
    value = decode_float(value)
    return "{:.4g}".format(value) if value == value else "nan"


def _fixed(value: Any) -> str:
    value = decode_float(value)
    return "{:.4f}".format(value) if value == value else "nan"


def _final_table(case: Dict[str, Any]) -> List[str]:
    """Final val_loss (or loss) per variant and init mode, for repeat 0."""
    modes = sorted(set(run["init_mode"] for run in case["runs"]))
    cells = {}
    metric = "val_loss"
    for run in case["runs"]:
        if run["repeat"] == 0 and run["replica"] == 0:
            if "val_loss" not in run["final"] and "loss" in run["final"]:
                metric = "loss"
            value = run["final"].get("val_loss", run["final"].get("loss"))
            cells[(run["variant"], run["init_mode"])] = _fixed(value) if run["status"] in ("ok", "nan") else run["status"]
    width = max([len(v["name"]) for v in case["variants"]] + [24])
    lines = ["  final {} (repeat 0, document's seeds)".format(metric),
             "    {:<{w}} ".format("variant", w=width) + "".join("{:>12}".format(mode) for mode in modes)]
    for variant in case["variants"]:
        lines.append("    {:<{w}} ".format(variant["name"], w=width)
                     + "".join("{:>12}".format(cells.get((variant["name"], mode), "-")) for mode in modes))
    return lines


def _check_line(check: Dict[str, Any]) -> List[str]:
    per_mode = ", ".join("{} {}".format(mode, verdict) for mode, verdict in sorted(check["by_init_mode"].items()))
    measured = [decode_float(g["measured"]) for g in check["groups"] if g["measured"] is not None]
    span = "{}..{}".format(_number(min(measured)), _number(max(measured))) if measured else "-"
    worst = "measured {} (limit {} {:g})".format(span, check["limit"]["operator"], decode_float(check["limit"]["bound"]))
    lines = ["  {:<6} {} [{}]: {}; {}".format(MARKS[check["verdict"]], check["id"], check["kind"], per_mode, worst)]
    shown = [group for group in check["groups"] if group["verdict"] != "pass"]
    for group in shown[:MAX_GROUP_LINES]:
        divergence = group["details"].get("first_divergence") if isinstance(group["details"], dict) else None
        where = ""
        if divergence:
            where = "; first divergence: {} (max |Δ| {})".format(divergence, _number(group["details"][divergence]))
        reason = "; " + group["reason"] if group["reason"] else ""
        known = "; known: " + group["known_failure"]["reason"] if group["known_failure"] else ""
        lines.append("         {} repeat {}: {} measured {}{}{}{}".format(
            group["init_mode"], group["repeat"], group["verdict"], _number(group["measured"]) if group["measured"] is not None else "-",
            where, reason, known))
    if len(shown) > MAX_GROUP_LINES:
        lines.append("         ... and {} more (see the report)".format(len(shown) - MAX_GROUP_LINES))
    return lines


def render(document: Dict[str, Any]) -> str:
    lines = []
    for error in document["load_errors"]:
        lines.append("LOAD ERROR {}: {}".format(error["file"], error["problem"]))
    for case in document["cases"]:
        statuses = collections.Counter(run["status"] for run in case["runs"])
        lines.append("")
        lines.append("== {} — {}".format(case["id"], case["title"]))
        lines.append("  {} run(s): {}{}".format(len(case["runs"]), ", ".join("{} {}".format(n, s) for s, n in sorted(statuses.items())),
                                               "" if case["complete"] else " (INCOMPLETE)"))
        lines.extend(_final_table(case))
        for check in case["checks"]:
            lines.extend(_check_line(check))
        if case["determinism"]:
            same = sum(1 for entry in case["determinism"] if entry["bitwise_identical"])
            lines.append("  determinism: {}/{} variant×mode pairs bitwise identical when re-run".format(same, len(case["determinism"])))
            for entry in case["determinism"]:
                if not entry["bitwise_identical"]:
                    lines.append("    not identical: {} {}: {}".format(entry["variant"], entry["init_mode"], ", ".join(entry["differing"])))
    summary = document["summary"]
    lines.append("")
    lines.append("runs: {}; checks: {}".format(
        ", ".join("{} {}".format(n, s) for s, n in sorted(summary["runs"].items())) or "none",
        ", ".join("{} {}".format(n, s) for s, n in sorted(summary["checks"].items())) or "none"))
    for flag in summary["flags"]:
        lines.append("flag (characterisation changed): " + flag)
    for item in summary["unexpected"]:
        lines.append("UNEXPECTED: " + item)
    if not document["complete"]:
        lines.append("report is PARTIAL ({})".format(document["interrupted"] or "unfinished"))
    return "\n".join(lines) + "\n"
