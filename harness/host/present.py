"""A comparison as a person reads it: a terminal table (100 columns) and Markdown for CI.

Everything shown comes from reports, which are data from elsewhere: Markdown cells are
escaped so that a case title or a check id cannot inject markup into a CI job summary.
"""

from typing import Any, Dict, Optional

from harness.contract.vocabulary import divergence_label, short_verdict
from harness.errors import printable
from harness.host.compare import gap_text

CHECK_COLUMNS = 3


def terminal(comparison: Dict[str, Any]) -> str:
    lines = []
    lines.append("environments:")
    for e in comparison["environments"]:
        lines.append("  {}: TF {}, Keras {} ({}), backend {}, Python {}{}".format(
            e["name"], e["tensorflow"] or "-", e["keras"], e["keras_flavour"], e["backend"], e["python"],
            "" if e["complete"] else " (PARTIAL report)"))
    lines.append("divergence = beyond the case tolerance and {:g}x the noise; x = size in noise units".format(
        comparison["noise_factor"]))
    current = None
    for item in comparison["comparisons"]:
        pair = "{} vs {}".format(item["env"], item["baseline"])
        if pair != current:
            current = pair
            lines.append("")
            lines.append("== " + pair)
            lines.append("  {:<39} {:<17} {:<17} {}".format("case/variant", "framework init", "pinned init", "meaning"))
        name = "{}/{}".format(item["case"], item["variant"])
        lines.append("  {:<39} {:<17} {:<17} {}".format(name[:39], divergence_label(item["by_init_mode"]["framework"]),
                                                       divergence_label(item["by_init_mode"]["pinned"]), item["attribution"] or ""))
    lines.append("")
    lines.append("checks (verdict per environment; F/P = framework/pinned init when they differ)")
    names = [e["name"] for e in comparison["environments"]]
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
            if verdict["attribution"]:
                lines.append("  {} on {}: {} ({})".format(row["check"], name, verdict["verdict"], verdict["attribution"]))
    if comparison["gaps"]:
        lines.append("")
        lines.append("not compared ({}):".format("accepted with --allow-incomplete" if comparison["allow_incomplete"]
                                                 else "fails the gate"))
        lines.extend("  " + gap_text(gap) for gap in comparison["gaps"])
    lines.append("")
    lines.append("gate: " + ("FAILED" if comparison["gate"]["failed"] else "passed"))
    lines.extend("  " + reason for reason in comparison["gate"]["reasons"])
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
    lines += ["", "### Checks", "", "| case / check | kind | " + " | ".join(e(n) for n in names) + " |",
              "|---|---|" + "---|" * len(names)]
    for row in comparison["checks"]:
        cells = [e(_check_cell(row["verdicts"].get(name))) for name in names]
        lines.append("| {} / {} | {} | {} |".format(e(row["case"]), e(row["check"]), e(row["kind"]), " | ".join(cells)))
    diverged = [item for item in comparison["comparisons"] if item["attribution"]]
    lines += ["", "### Divergences beyond noise ({} of {} comparisons)".format(len(diverged), len(comparison["comparisons"])), ""]
    if diverged:
        lines += ["| env vs baseline | case / variant | framework init | pinned init | meaning |", "|---|---|---|---|---|"]
        for item in diverged:
            lines.append("| {} vs {} | {} / {} | {} | {} | {} |".format(
                e(item["env"]), e(item["baseline"]), e(item["case"]), e(item["variant"]),
                e(divergence_label(item["by_init_mode"]["framework"])), e(divergence_label(item["by_init_mode"]["pinned"])),
                e(item["attribution"])))
    if comparison["gaps"]:
        lines += ["", "### Not compared ({} gaps{})".format(
            len(comparison["gaps"]), ", accepted with --allow-incomplete" if comparison["allow_incomplete"] else
            ": they fail the gate"), ""]
        lines.extend("- " + e(gap_text(gap)) for gap in comparison["gaps"])
    return "\n".join(lines) + "\n"

