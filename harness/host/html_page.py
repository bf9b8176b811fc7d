"""``harness html``: a comparison as one self-contained HTML page (no scripts, no external files).

The comparison comes from reports, which come from other machines: every string is escaped with
:func:`html.escape`, so a case title or check id containing ``<script>`` renders as text. Per
case, the page draws the curve of every history key (loss, each metric, each ``val_`` one beside it)
of every environment with matplotlib (host side only), embedded as inline SVG: one colour per
environment, the mean over the seeds as the line and the band from the lowest to the highest seed,
solid for framework init and dashed for pinned.
"""

import html
import io
import json
import math
import re
from typing import Any, Callable, Dict, List, Sequence, Tuple

from harness.contract.strict_json import decode_float
from harness.errors import UserError
from harness.host import statistics, wording
from harness.host.wording import NO_CHECKS, legend, materiality_label

LINE_STYLES = {"framework": "-", "pinned": "--"}
VALIDATION = "val_"
DRAWABLE = 1e300  # beyond this an axis's range (highest - lowest) can overflow

STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f3f3f3}
.pass,.identical{background:#e8f5e9}.fail,.error,.diverged,.fixed{background:#ffebee}
.known_failure,.noise,.within{background:#fff8e1}.skipped{color:#888}"""


def _cell(text: Any, css: str = "") -> str:
    return '<td class="{}">{}</td>'.format(html.escape(css.replace(" ", "_")), html.escape(str(text)))


def _result(result: Any) -> str:
    if not result:
        return _cell("-")
    return _cell(materiality_label(result), result["materiality"])


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UserError("harness html draws the loss curves with matplotlib, which this Python lacks: "
                        "pip install matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    return pyplot


def _band(series: Sequence[Sequence[float]]) -> Any:
    """Mean, lowest and highest seed per epoch while every seed still trains: past the shortest run
    (early stopping) a mean over the seeds left would jump as each one stops."""
    length = min(len(s) for s in series)
    epochs, mean, low, high = [], [], [], []
    for epoch in range(length):
        values = [s[epoch] for s in series if math.isfinite(s[epoch])]
        epochs.append(epoch + 1)  # an epoch no seed finished finitely is a gap (NaN), not a shift of the rest
        mean.append(statistics.mean(values) if values else math.nan)
        low.append(min(values, default=math.nan))
        high.append(max(values, default=math.nan))
    return epochs, mean, low, high


def panels(keys: Sequence[str]) -> List[List[str]]:
    """The history keys as rows of panels: a metric beside its validation value (``auc``, ``val_auc``),
    the loss first; '' where a metric has no such partner."""
    names = sorted(set(key[len(VALIDATION):] if key.startswith(VALIDATION) else key for key in keys),
                   key=lambda name: (name != "loss", name))
    pairs = [[name if name in keys else "", VALIDATION + name if VALIDATION + name in keys else ""] for name in names]
    return pairs if any(pair[1] for pair in pairs) else [[name] for name in names]


def drawable(value: Any) -> float:
    """A curve's value as drawn: NaN (a gap) where it is not finite ("NaN" or "Infinity" in the file, a
    diverged epoch) or beyond what an axis can span (its range would overflow)."""
    number = decode_float(value)
    return number if abs(number) <= DRAWABLE else math.nan


def _draw(axis: Any, summaries: Sequence[Dict[str, Any]], variant: str, key: str, colours: Dict[str, str]) -> None:
    """One panel: ``key``'s curve of ``variant`` in every environment and init mode."""
    hidden = False
    for summary in summaries:
        series = summary["curves"].get(key)
        if summary["variant"] != variant or not series:
            continue
        series = [[drawable(value) for value in seed] for seed in series]
        hidden = hidden or any(math.isnan(value) for seed in series for value in seed)
        epochs, mean, low, high = _band(series)
        colour = colours.get(summary["env"], "C0")
        axis.fill_between(epochs, low, high, color=colour, alpha=0.18, linewidth=0)
        style = LINE_STYLES.get(summary["init_mode"], ":")
        axis.plot(epochs, mean, color=colour, linestyle=style,
                  linewidth=1.8, label="{} {} (n={})".format(summary["env"], summary["init_mode"], len(series)))
        for seed in series:  # a seed that trained on after the shortest run: its own thin line
            if len(seed) > len(epochs):
                axis.plot(range(len(epochs), len(seed) + 1), seed[len(epochs) - 1:], color=colour,
                          linestyle=style, linewidth=0.8, alpha=0.7)
    axis.set_title("{}: {}{}".format(variant, key, " (gaps: not finite or beyond ±{:g})".format(DRAWABLE) if hidden else ""),
                   fontsize=10)
    axis.set_xlabel("epoch", fontsize=9)
    axis.grid(alpha=0.3)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(fontsize=7)


def curves_figure(summaries: Sequence[Dict[str, Any]], environments: Sequence[str]) -> str:
    """One case's curves as inline SVG: per variant, a row per metric (its value, its validation value)."""
    pyplot = _pyplot()
    variants = sorted(set(s["variant"] for s in summaries))
    rows = panels(sorted(set(key for s in summaries for key in s["curves"])))
    if not variants or not rows:
        return ""
    colours = {name: "C{}".format(index % 10) for index, name in enumerate(environments)}
    with pyplot.rc_context({"text.parse_math": False}):  # names from reports are text: "$\\frac{$" is no formula
        return _figure(pyplot, summaries, variants, rows, colours)


def _figure(pyplot: Any, summaries: Sequence[Dict[str, Any]], variants: Sequence[str], rows: Sequence[Sequence[str]],
            colours: Dict[str, str]) -> str:
    columns = len(rows[0])
    figure, axes = pyplot.subplots(len(variants) * len(rows), columns,
                                   figsize=(5.5 * columns, 2.8 * len(variants) * len(rows)), squeeze=False)
    for index, variant in enumerate(variants):
        for row, keys in enumerate(rows):
            for column, key in enumerate(keys):
                axis = axes[index * len(rows) + row][column]
                if key:
                    _draw(axis, summaries, variant, key, colours)
                else:
                    axis.set_axis_off()
    return _svg(pyplot, figure)


def _svg(pyplot: Any, figure: Any) -> str:
    """A drawn figure as inline SVG, the figure closed (pyplot keeps every open one alive)."""
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    pyplot.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the page is HTML


TRAJECTORY_PANELS = 4  # variables drawn per variant: the kernels first, where the seed answer looked


def parting_epoch(place: Dict[str, Any]) -> float:
    """Where a localisation parts, on an axis of epochs (0: the initial weights): a step of epoch 1 lies
    between 0 and 1."""
    if place["epoch"] is not None:
        return float(place["epoch"])
    return min(place["step"], 9) / 10.0 if place["step"] is not None else 0.0  # a step of epoch 1, or the start


def trajectories_figure(summaries: Sequence[Dict[str, Any]], environments: Sequence[str],
                        partings: Dict[Tuple[str, str], Dict[str, Any]]) -> str:
    """One case's pinned-init trajectories as inline SVG: per variant, each drawn variable's sum at the
    start and at the end of every epoch in every environment, a dotted line where an environment parts
    from the baseline (``partings``: (env, variant) -> localisation). Empty when nothing was traced."""
    traced = [s for s in summaries if s["init_mode"] == "pinned" and s["trajectories"]]
    variants = sorted(set(s["variant"] for s in traced))
    if not variants:
        return ""
    pyplot = _pyplot()
    colours = {name: "C{}".format(index % 10) for index, name in enumerate(environments)}
    with pyplot.rc_context({"text.parse_math": False}):
        figure, axes = pyplot.subplots(len(variants), TRAJECTORY_PANELS, squeeze=False,
                                       figsize=(3.6 * TRAJECTORY_PANELS, 2.6 * len(variants)))
        for row, variant in enumerate(variants):
            drawn = [s for s in traced if s["variant"] == variant]
            first = drawn[0]["trajectories"]
            order = sorted(range(len(first)), key=lambda index: (len(first[index]["shape"]) < 2, index))
            for column in range(TRAJECTORY_PANELS):
                axis = axes[row][column]
                if column >= len(order):
                    axis.set_axis_off()
                    continue
                index = order[column]
                for summary in drawn:
                    if index < len(summary["trajectories"]):
                        sums = [drawable(value) for value in summary["trajectories"][index]["sums"]]
                        axis.plot(range(len(sums)), sums, color=colours.get(summary["env"], "C0"), marker=".",
                                  linewidth=1.4, label=summary["env"])
                    place = partings.get((summary["env"], variant))
                    if place is not None:
                        axis.axvline(parting_epoch(place), color=colours.get(summary["env"], "C0"), linestyle=":",
                                     linewidth=1.2, label="{} parts ({})".format(summary["env"], place["stage"]))
                axis.set_title("{}: {}".format(variant, first[index]["name"]), fontsize=9)
                axis.set_xlabel("epoch (0: initial)", fontsize=8)
                axis.grid(alpha=0.3)
                if column == 0:
                    axis.set_ylabel("sum of the variable", fontsize=8)
                    axis.legend(fontsize=6)
        return _svg(pyplot, figure)


def _finals_table(summaries: Sequence[Dict[str, Any]]) -> List[str]:
    e = html.escape
    metrics = sorted(set(name for s in summaries for name in s["finals"]), key=lambda k: (k.startswith("val_"), k))
    rows = ["<table><tr><th>environment</th><th>variant</th><th>init</th>"
            + "".join("<th>final {}</th>".format(e(m)) for m in metrics) + "</tr>"]
    for summary in sorted(summaries, key=lambda s: (s["variant"], s["init_mode"], s["env"])):
        cells = []
        for metric in metrics:
            value = summary["finals"].get(metric)
            cells.append(_cell("-" if value is None else "{:.4g} ± {:.2g} (n={})".format(
                float(value["mean"]), float(value["sd"]), value["n"])))
        rows.append("<tr>{}{}{}{}</tr>".format(_cell(summary["env"]), _cell(summary["variant"]),
                                                _cell(summary["init_mode"]), "".join(cells)))
    rows.append("</table>")
    return rows


def _cells(names: Sequence[str], by_env: Dict[str, Any], cell: Callable[[Dict[str, Any]], str]) -> str:
    """A row's cells, one per environment: ``cell(entry)``, or "-" where the environment has none."""
    return "".join(_cell("-") if by_env.get(name) is None else cell(by_env[name]) for name in names)


def _check_cell(verdict: Dict[str, Any]) -> str:
    """A check's verdict in one environment, with the init modes where they disagree (that is the
    finding), its cause and its mark against the baseline."""
    by_mode = verdict["by_init_mode"]
    text = verdict["verdict"] or "missing"
    if len(set(by_mode.values())) > 1:
        text += " ({})".format(", ".join("{} {}".format(mode, v) for mode, v in sorted(by_mode.items())))
    if verdict["cause"]:
        text += " — cause " + wording.cause_words(verdict["cause"])
    if verdict["mark"]:
        text += " — " + wording.MARK_LABELS[verdict["mark"]]
    return _cell(text, verdict["verdict"] or "missing")


def _rules_table(comparison: Dict[str, Any], names: Sequence[str]) -> List[str]:
    """Every rule's distance per environment: measured (green at or below its tolerance), skipped
    with the capability lacked, or raised with what it raised."""
    if not comparison["rules"]:
        return []
    e = html.escape
    rows = ["<h2>Rules, rule by rule</h2><p>Distance relative to the expected values' scale, over how many numbers; "
            "skipped with the capability the environment lacks; raised with what the call raised.</p>",
            "<table><tr><th>family</th><th>rule</th><th>tolerance</th>" + "".join("<th>{}</th>".format(e(n))
                                                                                  for n in names) + "</tr>"]
    for row in comparison["rules"]:
        def cell(found: Dict[str, Any], tolerance: float = float(row["tolerance"])) -> str:
            held = found["outcome"] == "measured" and float(found["distance"]) <= tolerance
            return _cell(wording.rule_detail(found), "pass" if held else "skipped" if found["outcome"] == "skipped"
                         else "fail")
        rows.append("<tr>{}{}{}{}</tr>".format(_cell(row["case"]), _cell(row["rule"]),
                                               _cell("{:g}".format(float(row["tolerance"]))),
                                               _cells(names, row["by_env"], cell)))
    rows.append("</table>")
    return rows


def _case_id(case: str) -> str:
    return "case-" + re.sub(r"[^A-Za-z0-9_-]", "-", case)


def render(comparison: Dict[str, Any]) -> str:
    e = html.escape
    names = [env["name"] for env in comparison["environments"]]
    parts: List[str] = ["<!doctype html><html><head><meta charset='utf-8'><title>Keras regression harness: comparison</title>",
                        "<style>{}</style></head><body>".format(STYLE), "<h1>Comparison</h1>"]
    gate = comparison["gate"]
    parts.append("<p><strong>Gate: {}</strong></p><ul>{}</ul>".format(
        "FAILED" if gate["failed"] else "passed",
        "".join("<li>{}</li>".format(e(wording.reason_text(r, comparison))) for r in gate["reasons"])))
    marks = wording.mark_lines(comparison)
    if marks:
        parts.append("<h2>Changed against {}</h2><ul>{}</ul>".format(
            e(comparison["baseline"]), "".join("<li>{}</li>".format(e(line)) for line in marks)))
    parts.append("<h2>Environments</h2><table><tr><th>name</th><th>TensorFlow</th><th>Keras</th><th>flavour</th>"
                 "<th>backend</th><th>Python</th><th>complete</th></tr>")
    for env in comparison["environments"]:
        parts.append("<tr>" + "".join(_cell(env[key] if env[key] is not None else "-") for key in
                                      ("name", "tensorflow", "keras", "keras_flavour", "backend", "python", "complete")) + "</tr>")
    parts.append("</table><h2>Checks</h2><table><tr><th>case</th><th>check</th><th>kind</th>"
                 + "".join("<th>{}</th>".format(e(n)) for n in names) + "</tr>")
    if not comparison["checks"]:
        parts.append('<tr><td colspan="{}">{}</td></tr>'.format(3 + len(names), e(NO_CHECKS)))
    for row in comparison["checks"]:
        parts.append("<tr>{}{}{}{}</tr>".format(_cell(row["case"]), _cell(row["check"]), _cell(row["kind"]),
                                                _cells(names, row["verdicts"], _check_cell)))
    parts.append("</table>")
    parts.extend(_rules_table(comparison, names))
    parts.append("<h2>Runs compared</h2><ul>{}</ul>".format("".join("<li>{}</li>".format(e(line))
                                                                           for line in legend(comparison))))
    parts.append("<table><tr><th>environment</th><th>baseline</th><th>case</th><th>variant</th><th>framework init</th>"
                 "<th>pinned init</th><th>evidence</th></tr>")
    for item in comparison["comparisons"]:
        evidence = ["{}: {}. Why: {}".format(mode, wording.result_text(result),
                                             wording.evidence_text(result["cause_evidence"]))
                    for mode, result in sorted(item["by_init_mode"].items())
                    if result and result["materiality"] not in ("identical", "within_tolerance")]
        parts.append("<tr>{}{}{}{}{}{}<td class='evidence'>{}</td></tr>".format(
            _cell(item["env"]), _cell(item["baseline"]), _cell(item["case"]), _cell(item["variant"]),
            _result(item["by_init_mode"].get("framework")), _result(item["by_init_mode"].get("pinned")),
            "<br>".join(e(text) for text in evidence)))
    parts.append("</table>")
    if comparison["flags"]:
        parts.append("<h2>Flags</h2><ul>{}</ul>".format("".join("<li>{}</li>".format(e(wording.flag_text(f)))
                                                                for f in comparison["flags"])))
    parts.append("<h2>Curves and final values</h2><p>Line: mean over the seeds; band: lowest to highest seed; thin lines: seeds that trained on after the shortest run stopped (early stopping); "
                 "solid: framework init, dashed: pinned init; one colour per environment.</p>")
    for case in sorted(set(s["case"] for s in comparison["summaries"])):
        summaries = [s for s in comparison["summaries"] if s["case"] == case]
        parts.append("<h3 id='{}'>{}</h3><figure class='curves'>{}</figure>".format(
            _case_id(case), e(case), curves_figure(summaries, names)))
        partings = {(item["env"], item["variant"]): item["by_init_mode"]["pinned"]["localisation"]
                    for item in comparison["comparisons"] if item["case"] == case
                    and (item["by_init_mode"].get("pinned") or {}).get("localisation")}
        drawn = trajectories_figure(summaries, names, partings)
        if drawn:
            parts.append("<p>Pinned init, repeat 0: each variable's sum at its initial weights (epoch 0) and at the end of "
                         "every epoch, kernels first (the plot that found the seed's bug); dotted: where an "
                         "environment parts from the baseline (a step of epoch 1 drawn at tenths of it).</p>"
                         "<figure class='trajectories'>{}</figure>".format(drawn))
        parts.extend(_finals_table(summaries))
    if comparison["gaps"]:
        parts.append("<h2>Not compared{}</h2><ul>{}</ul>".format(
            " (accepted with --allow-incomplete)" if comparison["allow_incomplete"] else " (fails the gate)",
            "".join("<li>{}</li>".format(e(wording.gap_text(gap))) for gap in comparison["gaps"])))
    parts.append("<details><summary>comparison.json</summary><pre>{}</pre></details></body></html>".format(
        e(json.dumps(comparison, indent=1))))
    return "\n".join(parts) + "\n"
