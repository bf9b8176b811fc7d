"""A comparison as a person reads it: a terminal table (100 columns) and Markdown for CI.

Everything shown comes from reports, which are data from elsewhere: Markdown cells are
escaped so that a case title or a check id cannot inject markup into a CI job summary.
"""

import textwrap
from typing import Any, Dict, List, Optional

from harness.contract.vocabulary import materiality_label, short_verdict
from harness.errors import printable
from harness.host.compare import gap_text, result_text

CHECK_COLUMNS = 3
WIDTH = 100
NO_CHECKS = "none declared (a case of your own model needs none: the comparison is the check)"


def legend(comparison: Dict[str, Any]) -> List[str]:
    """What every word and unit of the comparison means (shown above it, in every format)."""
    method = comparison["method"]
    return [
        "materiality: identical (bit for bit) | within tolerance (the case's atol/rtol) | within seed noise (no "
        "significant difference, and smaller than one seed-to-seed SD) | UNDETERMINED (larger than one SD but not "
        "significant: more seeds decide) | MATERIAL (t-test, Holm-corrected, alpha {:g})".format(method["alpha"]),
        "cause: init (different initial weights) | training RNG (Dropout masks, shuffle order: the runs agree with "
        "them switched off) | arithmetic (same weights, same data, no randomness, different result) | cause unknown "
        "(could not be told apart)",
        "values: env mean vs baseline mean over n seeds (difference of means); seed SD = seed-to-seed standard deviation pooled over both; "
        "effect = difference in seed SDs [{:g} % interval of this quantity alone]; p = Holm-adjusted over the "
        "comparison's quantities".format(100 * method["confidence"]),
    ]


def _wrapped(text: str, indent: str) -> List[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


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
                lines.extend(_wrapped("{}: {}".format(mode, result_text(result)), "      "))
                lines.extend(_wrapped("why: " + result["cause_evidence"], "        "))
                if result["expected"]:
                    lines.extend(_wrapped("expected: {} ({})".format(result["expected"]["reason"],
                                                                      result["expected"]["source"]), "        "))
    lines.append("")
    if not comparison["checks"]:
        lines.append("checks: " + NO_CHECKS)
    else:
        lines.append("checks (verdict per environment; F/P = framework/pinned init when they differ)")
    names = [e["name"] for e in comparison["environments"]] if comparison["checks"] else []
    for start in range(0, len(names), CHECK_COLUMNS):  # blocks of environments keep 100 columns
        block = names[start:start + CHECK_COLUMNS]
        lines.append("  {:<41} ".format("") + " ".join("{:>14}".format(n[:14]) for n in block))
        case = None
        for row in comparison["checks"]:
            if row["case"] != case:
                case = row["case"]
                lines.append("  " + case)
            cells = ["{:>14}".format(_check_cell(row["verdicts"].get(name))[:14]) for name in block]
            lines.append("    {:<39} ".format(row["check"][:39]) + " ".join(cells))
    for row in comparison["checks"]:
        for name, verdict in sorted(row["verdicts"].items()):
            if verdict["cause"]:
                lines.append("  {} on {}: {} (cause {})".format(row["check"], name, verdict["verdict"],
                                                                verdict["cause"].replace("_", " ")))
    if comparison["flags"]:
        lines.append("")
        lines.append("flags:")
        for flag in comparison["flags"]:
            lines.extend(_wrapped(flag, "  "))
    if comparison["gaps"]:
        lines.append("")
        lines.append("not compared ({}):".format("accepted with --allow-incomplete" if comparison["allow_incomplete"]
                                                 else "fails the gate"))
        lines.extend("  " + gap_text(gap) for gap in comparison["gaps"])
    lines.append("")
    lines.append("gate: " + ("FAILED" if comparison["gate"]["failed"] else "passed"))
    for reason in comparison["gate"]["reasons"]:
        lines.extend(_wrapped(reason, "  "))
    return "\n".join(printable(line) for line in lines) + "\n"


def _check_cell(verdict: Optional[Dict[str, Any]]) -> str:
    if not verdict:
        return "-"
    modes = verdict["by_init_mode"]
    if len(set(modes.values())) > 1:
        return "/".join("{}:{}".format(mode[0].upper(), short_verdict(v)) for mode, v in sorted(modes.items()))
    return verdict["verdict"]


def escape_markdown(text: Any) -> str:
    """Make report text inert in Markdown/HTML: no tags, no table breaks, no links."""
    text = str(text)
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("[", "\\["), ("]", "\\]"),
                      ("`", "\\`"), ("*", "\\*"), ("_", "\\_"), ("\n", " ")):
        text = text.replace(raw, safe)
    return printable(text)


def markdown(comparison: Dict[str, Any]) -> str:
    e = escape_markdown
    names = [env["name"] for env in comparison["environments"]]
    lines = ["## Keras regression harness: comparison", ""]
    lines.append("**Gate: {}**".format("FAILED" if comparison["gate"]["failed"] else "passed"))
    lines.extend("- " + e(reason) for reason in comparison["gate"]["reasons"])
    lines += ["", "### Checks", ""]
    if not comparison["checks"]:
        lines.append(NO_CHECKS)
    else:
        lines += ["| case / check | kind | " + " | ".join(e(n) for n in names) + " |", "|---|---|" + "---|" * len(names)]
    for row in comparison["checks"]:
        cells = [e(_check_cell(row["verdicts"].get(name))) for name in names]
        lines.append("| {} / {} | {} | {} |".format(e(row["case"]), e(row["check"]), e(row["kind"]), " | ".join(cells)))
    changed = [item for item in comparison["comparisons"]
               if item["materiality"] not in ("identical", "within_tolerance")]
    lines += ["", "### Differences beyond tolerance ({} of {} comparisons)".format(len(changed), len(comparison["comparisons"])),
              ""] + ["- " + e(line) for line in legend(comparison)] + [""]
    if changed:
        lines += ["| env vs baseline | case / variant | framework init | pinned init | evidence |", "|---|---|---|---|---|"]
        for item in changed:
            evidence = ["{}: {}; why: {}".format(mode, result_text(result), result["cause_evidence"])
                        for mode, result in sorted(item["by_init_mode"].items())
                        if result and result["materiality"] not in ("identical", "within_tolerance")]
            lines.append("| {} vs {} | {} / {} | {} | {} | {} |".format(
                e(item["env"]), e(item["baseline"]), e(item["case"]), e(item["variant"]),
                e(materiality_label(item["by_init_mode"]["framework"])), e(materiality_label(item["by_init_mode"]["pinned"])),
                "<br>".join(e(text) for text in evidence)))
    if comparison["flags"]:
        lines += ["", "### Flags", ""] + ["- " + e(flag) for flag in comparison["flags"]]
    if comparison["gaps"]:
        lines += ["", "### Not compared ({} gaps{})".format(
            len(comparison["gaps"]), ", accepted with --allow-incomplete" if comparison["allow_incomplete"] else
            ": they fail the gate"), ""]
        lines.extend("- " + e(gap_text(gap)) for gap in comparison["gaps"])
    return "\n".join(lines) + "\n"

