"""``harness html``: a comparison as one self-contained HTML page (no scripts, no external files).

The comparison comes from reports, which come from other machines: every string is escaped with
:func:`html.escape`, so a case title or check id containing ``<script>`` renders as text.
"""

import html
import json
from typing import Any, Dict, List

from harness.contract.vocabulary import divergence_label
from harness.host.compare import gap_text

STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f3f3f3}
.pass,.identical{background:#e8f5e9}.fail,.error,.diverged,.fixed{background:#ffebee}
.known_failure,.noise,.within{background:#fff8e1}.skipped{color:#888}"""


def _cell(text: Any, css: str = "") -> str:
    return '<td class="{}">{}</td>'.format(html.escape(css.replace(" ", "_")), html.escape(str(text)))


def _result(result: Any) -> str:
    if not result:
        return _cell("-")
    verdict = result["verdict"]
    if verdict == "diverged":
        return _cell("{} ({})".format(divergence_label(result), result["quantity"]), "diverged")
    return _cell(verdict, "within" if verdict == "within noise" else verdict)


def render(comparison: Dict[str, Any]) -> str:
    e = html.escape
    names = [env["name"] for env in comparison["environments"]]
    parts: List[str] = ["<!doctype html><html><head><meta charset='utf-8'><title>Keras regression harness: comparison</title>",
                        "<style>{}</style></head><body>".format(STYLE), "<h1>Comparison</h1>"]
    gate = comparison["gate"]
    parts.append("<p><strong>Gate: {}</strong></p><ul>{}</ul>".format(
        "FAILED" if gate["failed"] else "passed", "".join("<li>{}</li>".format(e(r)) for r in gate["reasons"])))
    parts.append("<h2>Environments</h2><table><tr><th>name</th><th>TensorFlow</th><th>Keras</th><th>flavour</th>"
                 "<th>backend</th><th>Python</th><th>complete</th></tr>")
    for env in comparison["environments"]:
        parts.append("<tr>" + "".join(_cell(env[key] if env[key] is not None else "-") for key in
                                      ("name", "tensorflow", "keras", "keras_flavour", "backend", "python", "complete")) + "</tr>")
    parts.append("</table><h2>Checks</h2><table><tr><th>case</th><th>check</th><th>kind</th>"
                 + "".join("<th>{}</th>".format(e(n)) for n in names) + "</tr>")
    for row in comparison["checks"]:
        cells = []
        for name in names:
            verdict = row["verdicts"].get(name)
            if verdict is None:
                cells.append(_cell("-"))
                continue
            by_mode = verdict["by_init_mode"]
            text = verdict["verdict"]
            if len(set(by_mode.values())) > 1:  # the init modes disagree: that is the finding
                text += " ({})".format(", ".join("{} {}".format(mode, v) for mode, v in sorted(by_mode.items())))
            if verdict["attribution"]:
                text += " — " + verdict["attribution"]
            cells.append(_cell(text, verdict["verdict"]))
        parts.append("<tr>{}{}{}{}</tr>".format(_cell(row["case"]), _cell(row["check"]), _cell(row["kind"]), "".join(cells)))
    parts.append("</table><h2>Runs compared</h2><p>Divergence: beyond the case's tolerance and {} × the noise "
                 "(same-seed re-run when both started from the same weights, seed-to-seed MAD otherwise).</p>".format(
                     e(str(comparison["noise_factor"]))))
    parts.append("<table><tr><th>environment</th><th>baseline</th><th>case</th><th>variant</th><th>framework init</th>"
                 "<th>pinned init</th><th>meaning</th></tr>")
    for item in comparison["comparisons"]:
        parts.append("<tr>{}{}{}{}{}{}{}</tr>".format(
            _cell(item["env"]), _cell(item["baseline"]), _cell(item["case"]), _cell(item["variant"]),
            _result(item["by_init_mode"].get("framework")), _result(item["by_init_mode"].get("pinned")),
            _cell(item["attribution"] or "")))
    parts.append("</table>")
    if comparison["gaps"]:
        parts.append("<h2>Not compared{}</h2><ul>{}</ul>".format(
            " (accepted with --allow-incomplete)" if comparison["allow_incomplete"] else " (fails the gate)",
            "".join("<li>{}</li>".format(e(gap_text(gap))) for gap in comparison["gaps"])))
    parts.append("<details><summary>comparison.json</summary><pre>{}</pre></details></body></html>".format(
        e(json.dumps(comparison, indent=1))))
    return "\n".join(parts) + "\n"
