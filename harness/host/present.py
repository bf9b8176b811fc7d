"""A comparison (or a bisection) as a person reads it: a terminal table (100 columns) and Markdown for CI.

The words come from :mod:`harness.host.wording`; this module lays them out. Everything shown comes
from reports, which are data from elsewhere: Markdown cells are escaped so that a case title or a
check id cannot inject markup into a CI job summary.
"""

import os
import textwrap
from typing import Any, Dict, List, Optional

from harness.errors import printable
from harness.host import wording
from harness.host.wording import NO_CHECKS, legend, materiality_label

CHECK_COLUMNS = 3
RULE_COLUMNS = 5
WIDTH = 100


def _wrapped(text: str, indent: str) -> List[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _rules_by_check(comparison: Dict[str, Any]) -> Dict[Any, Dict[str, Any]]:
    return {(row["case"], row["rule"]): row for row in comparison["rules"]}


def _check_cell(verdict: Optional[Dict[str, Any]], rule: Optional[Dict[str, Any]] = None) -> str:
    """A check's verdict in one environment; a rule's with its distance."""
    if not verdict:
        return "-"
    modes = verdict["by_init_mode"]
    if len(set(modes.values())) > 1:
        return "/".join("{}:{}".format(mode[0].upper(), wording.short_verdict(v)) for mode, v in sorted(modes.items()))
    if rule is not None and rule["outcome"] == "measured" and verdict["verdict"] not in ("skipped", None):
        return "{} {:.0e}".format(wording.short_verdict(verdict["verdict"]), float(rule["distance"]))
    if rule is not None and rule["outcome"] == "raised":
        return "{} raised".format(wording.short_verdict(verdict["verdict"]))
    return verdict["verdict"] or "missing"


def terminal(comparison: Dict[str, Any]) -> str:
    lines = []
    lines.append("environments:")
    for e in comparison["environments"]:
        lines.append("  {}: TF {}, Keras {} ({}), backend {}, Python {}{}".format(
            e["name"], e["tensorflow"] or "-", e["keras"], e["keras_flavour"], e["backend"], e["python"],
            "" if e["complete"] else " (PARTIAL report)"))
    for line in legend(comparison):
        lines.extend(_wrapped(line, ""))
    current = case = None
    for item in comparison["comparisons"]:
        pair = "{} vs {}".format(item["env"], item["baseline"])
        if pair != current:
            current = pair
            lines.append("")
            lines.append("== " + pair)
            lines.append("  {:<24} {:<36} {}".format("case / variant", "framework init", "pinned init"))
            case = None
        if item["case"] != case:
            case = item["case"]
            lines.append("  " + case)
        lines.append("    {:<22} {:<36} {}".format(item["variant"][:22], materiality_label(item["by_init_mode"]["framework"])[:36],
                                                   materiality_label(item["by_init_mode"]["pinned"])))
        for mode, result in sorted(item["by_init_mode"].items()):
            if result and result["materiality"] not in ("identical", "within_tolerance"):
                lines.extend(_wrapped("{}: {}".format(mode, wording.result_text(result)), "      "))
                lines.extend(_wrapped("why: " + wording.evidence_text(result["cause_evidence"]), "        "))
                if result["expected"]:
                    lines.extend(_wrapped(wording.expected_text(result["expected"]), "        "))
    lines.append("")
    if not comparison["checks"]:
        lines.append("checks: " + NO_CHECKS)
    else:
        lines.extend(_wrapped("checks (verdict per environment; F/P = framework/pinned init when they differ; a "
                              "rule's distance beside its verdict)", ""))
    rules = _rules_by_check(comparison)
    names = [e["name"] for e in comparison["environments"]] if comparison["checks"] else []
    for start in range(0, len(names), CHECK_COLUMNS):  # blocks of environments keep 100 columns
        block = names[start:start + CHECK_COLUMNS]
        lines.append("  {:<41} ".format("") + " ".join("{:>14}".format(n[:14]) for n in block))
        case = None
        for row in comparison["checks"]:
            if row["case"] != case:
                case = row["case"]
                lines.append("  " + case)
            rule = rules.get((row["case"], row["check"]), {"by_env": {}})["by_env"]
            cells = ["{:>14}".format(_check_cell(row["verdicts"].get(name), rule.get(name))[:14]) for name in block]
            lines.append("    {:<39} ".format(row["check"][:39]) + " ".join(cells))
    for row in comparison["checks"]:
        for name, verdict in sorted(row["verdicts"].items()):
            if verdict["cause"]:
                lines.append("  {} on {}: {} (cause {})".format(row["check"], name, verdict["verdict"],
                                                                wording.cause_words(verdict["cause"])))
    odd = wording.backend_lines(comparison)
    if odd:
        lines.append("")
        lines.append("one backend computes otherwise (Keras 3, same version, three backends):")
        for line in odd:
            lines.extend(_wrapped(line, "  "))
    marks = wording.mark_lines(comparison)
    if marks:
        lines.append("")
        lines.append("changed against {}:".format(comparison["baseline"]))
        for line in marks:
            lines.extend(_wrapped(line, "  "))
    if comparison["flags"]:
        lines.append("")
        lines.append("flags:")
        for flag in comparison["flags"]:
            lines.extend(_wrapped(wording.flag_text(flag), "  "))
    if comparison["gaps"]:
        lines.append("")
        lines.append("not compared ({}):".format("accepted with --allow-incomplete" if comparison["allow_incomplete"]
                                                 else "fails the gate"))
        lines.extend("  " + wording.gap_text(gap) for gap in comparison["gaps"])
    lines.append("")
    lines.append("gate: " + ("FAILED" if comparison["gate"]["failed"] else "passed"))
    for reason in comparison["gate"]["reasons"]:
        lines.extend(_wrapped(wording.reason_text(reason, comparison), "  "))
    return "\n".join(printable(line) for line in lines) + "\n"


def escape_markdown(text: Any) -> str:
    """Make report text inert in Markdown/HTML: no tags, no table breaks, no links."""
    text = str(text)
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("[", "\\["), ("]", "\\]"),
                      ("`", "\\`"), ("*", "\\*"), ("_", "\\_"), ("\n", " ")):
        text = text.replace(raw, safe)
    return printable(text)


def _rules_table(comparison: Dict[str, Any], names: List[str]) -> List[str]:
    """Every rule's distance per environment (skipped for want of what, or what it raised)."""
    e = escape_markdown
    if not comparison["rules"]:
        return []
    lines = ["", "### Rules, rule by rule", "", "Distance relative to the expected values' scale (the rule holds "
             "at or below its tolerance), over how many numbers; skipped with the capability the environment lacks; "
             "raised with the type of what the call raised.", "",
             "| family / rule | tolerance | " + " | ".join(e(n) for n in names) + " |", "|---|---|" + "---|" * len(names)]
    for row in comparison["rules"]:
        cells = [e(wording.rule_detail(row["by_env"][name])) if name in row["by_env"] else "-" for name in names]
        lines.append("| {} / {} | {:g} | {} |".format(e(row["case"]), e(row["rule"]), float(row["tolerance"]),
                                                     " | ".join(cells)))
    return lines


def markdown(comparison: Dict[str, Any]) -> str:
    e = escape_markdown
    names = [env["name"] for env in comparison["environments"]]
    lines = ["## Keras regression harness: comparison", ""]
    lines.append("**Gate: {}**".format("FAILED" if comparison["gate"]["failed"] else "passed"))
    lines.extend("- " + e(wording.reason_text(reason, comparison)) for reason in comparison["gate"]["reasons"])
    marks = wording.mark_lines(comparison)
    if marks:
        lines += ["", "### Changed against {}".format(e(comparison["baseline"])), ""] + ["- " + e(line) for line in marks]
    lines += ["", "### Checks", ""]
    if not comparison["checks"]:
        lines.append(NO_CHECKS)
    else:
        lines += ["| case / check | kind | " + " | ".join(e(n) for n in names) + " |", "|---|---|" + "---|" * len(names)]
    for row in comparison["checks"]:
        cells = [e(_check_cell(row["verdicts"].get(name))) for name in names]
        lines.append("| {} / {} | {} | {} |".format(e(row["case"]), e(row["check"]), e(row["kind"]), " | ".join(cells)))
    lines += _rules_table(comparison, names)
    odd = wording.backend_lines(comparison)
    if odd:
        lines += ["", "### One backend computes otherwise", ""] + ["- " + e(line) for line in odd]
    changed = [item for item in comparison["comparisons"]
               if item["materiality"] not in ("identical", "within_tolerance")]
    lines += ["", "### Differences beyond tolerance ({} of {} comparisons)".format(len(changed), len(comparison["comparisons"])),
              ""] + ["- " + e(line) for line in legend(comparison)] + [""]
    if changed:
        lines += ["| env vs baseline | case / variant | framework init | pinned init | evidence |", "|---|---|---|---|---|"]
        for item in changed:
            evidence = ["{}: {}; why: {}".format(mode, wording.result_text(result),
                                                 wording.evidence_text(result["cause_evidence"]))
                        for mode, result in sorted(item["by_init_mode"].items())
                        if result and result["materiality"] not in ("identical", "within_tolerance")]
            lines.append("| {} vs {} | {} / {} | {} | {} | {} |".format(
                e(item["env"]), e(item["baseline"]), e(item["case"]), e(item["variant"]),
                e(materiality_label(item["by_init_mode"]["framework"])), e(materiality_label(item["by_init_mode"]["pinned"])),
                "<br>".join(e(text) for text in evidence)))
    if comparison["flags"]:
        lines += ["", "### Flags", ""] + ["- " + e(wording.flag_text(flag)) for flag in comparison["flags"]]
    if comparison["gaps"]:
        lines += ["", "### Not compared ({} gaps{})".format(
            len(comparison["gaps"]), ", accepted with --allow-incomplete" if comparison["allow_incomplete"] else
            ": they fail the gate"), ""]
        lines.extend("- " + e(wording.gap_text(gap)) for gap in comparison["gaps"])
    return "\n".join(lines) + "\n"


def _bisection_rows(document: Dict[str, Any]) -> List[List[str]]:
    """release, outcome, python, evidence, time: one row per release of the range (unprobed ones too)."""
    probes = {probe["version"]: probe for probe in document["probes"]}
    rows = []
    for release in document["releases"]:
        probe = probes.get(release["version"])
        if probe is None:
            rows.append([release["version"], "-", "-", "not probed", "-"])
            continue
        where = probe["report"] if probe["source"] == "report" else None
        time_text = "from {}".format(os.path.basename(where)) if where else "{:.0f} s{}".format(
            probe["build_s"] + probe["run_s"], " (env cached)" if probe["cached"] else "")
        rows.append([release["version"], wording.OUTCOME_LABELS[probe["outcome"]], probe["python"] or "-",
                     wording.probe_evidence(probe), time_text])
    return rows


def bisection_terminal(document: Dict[str, Any]) -> str:
    """The release table, the change points one line each, and what state the bisection is in."""
    asked = document["question"]
    head = ["release", "outcome", "python", "evidence", "time"]
    rows = _bisection_rows(document)
    widths = [max(len(row[i]) for row in rows + [head]) for i in range(len(head) - 1)]
    lines = ["{}, {}: {}".format(asked["case"], wording.watched(asked), asked["package"])]
    for row in [head] + rows:
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
    points = document["change_points"]
    lines.append("change points ({}): {}".format(len(points), wording.BISECT_STATES[document["state"]]))
    lines.extend("  " + wording.change_point_text(asked["package"], point) for point in points)
    return "\n".join(lines) + "\n"


def bisection_markdown(document: Dict[str, Any]) -> str:
    e = escape_markdown
    asked = document["question"]
    lines = ["## Bisection: {}, {} over {}".format(e(asked["case"]), e(wording.watched(asked)), e(asked["package"])), "",
             wording.BISECT_STATES[document["state"]], ""]
    lines.extend("- " + e(wording.change_point_text(asked["package"], point)) for point in document["change_points"])
    lines += ["", "| release | outcome | python | evidence | time |", "|---|---|---|---|---|"]
    lines.extend("| " + " | ".join(e(cell) for cell in row) + " |" for row in _bisection_rows(document))
    return "\n".join(lines) + "\n"


def _watch_lines(name: str, comparison: Optional[Dict[str, Any]]) -> List[str]:
    """One environment's night: what moved, the gate, its reasons, and the bisections that would find the release."""
    if comparison is None:
        return ["{}: no report of the previous run: nothing to compare (its first night)".format(name)]
    moved = wording.package_changes(comparison)
    lines = ["{}: {}; gate {}".format(name, "packages moved: " + ", ".join(wording.package_change_text(change)
                                                                         for change in moved)
                                      if moved else "no package moved", "FAILED" if comparison["gate"]["failed"]
                                      else "passed")]
    lines.extend("  " + wording.reason_text(reason, comparison) for reason in comparison["gate"]["reasons"])
    lines.extend("  " + line for line in wording.mark_lines(comparison))
    commands = wording.bisect_commands(comparison)
    if commands:
        lines.append("  to find the release:")
        lines.extend("    " + command for command in commands)
    elif comparison["gate"]["failed"] and not moved:
        lines.append("  no package moved: the change is not a release's (the machine, or the harness)")
    return lines


def watch_terminal(results: List[Any]) -> str:
    return "\n".join(line for name, comparison in results for line in _watch_lines(name, comparison)) + "\n"


def watch_markdown(results: List[Any]) -> str:
    e = escape_markdown
    failed = [name for name, comparison in results if comparison and comparison["gate"]["failed"]]
    lines = ["## Keras regression harness: tonight against the previous run", "",
             "**{}**".format("Changed: " + ", ".join(e(name) for name in failed) if failed else "Nothing changed a verdict"),
             ""]
    for name, comparison in results:
        section = _watch_lines(name, comparison)
        lines += ["### " + e(section[0]), ""]
        for line in section[1:]:
            text = line.strip()
            # A command is shown as code, to copy as it is (a backtick in a name cannot close the span).
            lines.append("  - `{}`".format(printable(text).replace("`", "'")) if text.startswith("python -m harness")
                         else "- " + e(text))
        lines.append("")
    return "\n".join(lines)
