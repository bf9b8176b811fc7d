"""Every sentence a comparison (or a bisection) is said in: the one place words are chosen.

``comparison.json`` holds codes and facts; the terminal table, the Markdown summary and the HTML page
all say them through these functions, so a word changes here once and never changes a document.
Nothing here computes a verdict: it reads what the comparison decided.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness import capabilities
from harness.contract.strict_json import decode_float

MATERIALITY_LABELS = {"identical": "identical", "within_tolerance": "within tolerance", "within_seed_noise": "same",
                      "undetermined": "UNDETERMINED", "material": "MATERIAL"}
CAUSE_LABELS = {"initialisation": "init", "training_randomness": "training RNG", "arithmetic": "arithmetic",
                "unknown": "cause unknown"}
MARK_LABELS = {"broke": "BROKE", "lost": "LOST", "fixed": "fixed", "regained": "regained"}
CALLBACK_MEASURES = ("best_epoch", "final_learning_rate")
NO_CHECKS = "none declared (a case of your own model needs none: the comparison is the check)"


def materiality_label(result: Optional[Dict[str, Any]]) -> str:
    """A comparison result in a few words: its materiality, and the cause of a change."""
    if not result:
        return "-"
    label = MATERIALITY_LABELS[result["materiality"]]
    if result.get("cause") and result["materiality"] not in ("identical", "within_tolerance"):
        label += " ({})".format(CAUSE_LABELS[result["cause"]])
    if result.get("expected"):
        label += " expected"
    return label


def cause_words(cause: Optional[str]) -> str:
    return (cause or "unknown").replace("_", " ")


def short_verdict(verdict: Optional[str]) -> str:
    """A verdict short enough for one cell of the check matrix."""
    if verdict is None:
        return "missing"
    return {"known_failure": "known"}.get(verdict, verdict)


def legend(comparison: Dict[str, Any]) -> List[str]:
    """What every word and unit of the comparison means (shown above it, in every format)."""
    method = comparison["method"]
    lines = [
        "materiality: identical (bit for bit) | within tolerance (the case's atol/rtol) | same (shown: the difference "
        "is smaller than the margin, two one-sided tests) | UNDETERMINED (neither shown yet: more seeds decide, "
        "harness decide runs them) | MATERIAL (t-test, Holm-corrected over the judged quantities); look k of a "
        "comparison decides at alpha/(k(k+1)), the last (harness decide's cap) at alpha/k, alpha {:g} over all looks".format(method["alpha"]),
        "cause: init (different initial weights) | training RNG (Dropout masks, shuffle order: the runs agree with "
        "them switched off) | arithmetic (same weights, same data, no randomness, different result) | cause unknown "
        "(could not be told apart)",
        "values: env mean vs baseline mean over n seeds (difference of means); seed SD = seed-to-seed standard deviation pooled over both; "
        "effect = difference in seed SDs [{:g} % interval of this quantity alone]; p = Holm-adjusted over the "
        "comparison's judged quantities; margin = the difference that matters (the case's, or {:g} seed SD); "
        "p same = the larger p of the two one-sided tests".format(100 * method["confidence"], method["margin_sd"]),
    ]
    if comparison["baseline"] is not None:
        lines.append("marks against the baseline: BROKE (held, now fails) | LOST (judged, now skipped, error, noise or "
                     "missing) | fixed (failed, now holds) | regained (not judged, now holds); declared: a known "
                     "failure, or a skip for a capability the environment lacks")
    return lines


def quantity_name(entry: Dict[str, Any]) -> str:
    """A quantity (or a result's headline) by its measure and what it is of."""
    measure, of = entry["measure"], entry["of"]
    return {"final": "final {}".format(of), "curve_mean": "{} curve (mean over epochs)".format(of),
            "epochs_trained": "epochs trained", "best_epoch": "best epoch ({})".format(of),
            "final_learning_rate": "final learning rate"}[measure]


def _mean_text(values: Sequence[Any]) -> str:
    numbers = [float(value) for value in values]
    return "{:.4g}".format(sum(numbers) / len(numbers)) + (" (n={})".format(len(numbers)) if len(numbers) > 1 else "")


def quantity_text(entry: Dict[str, Any]) -> str:
    """One quantity's two values with the seed spread and the test, in words."""
    text = "{}: {} vs {} (difference {:+.2g})".format(quantity_name(entry), _mean_text(entry["env_values"]),
                                                      _mean_text(entry["baseline_values"]), float(entry["difference"]))
    if entry["seed_sd"] is not None:
        text += ", seed SD {:.3g}".format(float(entry["seed_sd"]))
    elif entry["materiality"] == "undetermined" and len(entry["env_values"]) < 2:
        text += ", one seed: no seed-to-seed spread to judge against (run 3 or more: --repeats)"
    if entry["effect"] is not None:
        low, high = entry["effect_interval"]
        text += ", effect {:+.2f} SD [{:+.2f}, {:+.2f}]".format(float(entry["effect"]), float(low), float(high))
    if entry["p_adjusted"] is not None:
        text += ", p {:.2g}".format(float(entry["p_adjusted"]))
    if entry["p_equivalence"] is not None:
        text += ", margin {:.3g}{}, p same {:.2g}".format(float(entry["margin"]), "" if entry["margin_from"] == "declared"
                                                          else " (from the seed SD)", float(entry["p_equivalence"]))
    return text


def _part_text(part: Dict[str, Any]) -> str:
    return "{} epoch {} ({:.6g} vs {:.6g})".format(part["key"], part["epoch"], float(part["env_value"]),
                                                  float(part["baseline_value"]))


def localisation_text(place: Dict[str, Any]) -> str:
    """Where two runs with the same seeds part, in one line: the first moment their bytes differ and,
    where that is rounding, the first moment the difference is more."""
    words = _part_text_of(place)
    beyond = place.get("beyond_rounding")
    if beyond is None:
        return words + "; never beyond rounding (1024 ulps)"
    same = all(beyond[key] == place[key] for key in ("stage", "step", "epoch", "variable", "layer"))
    return words if same else words + "; beyond rounding first " + _part_text_of(dict(
        beyond, differing=None, traced=True, probed=place["probed"], noise={"measured": True, "within": False}),
        brief=True)


def _part_text_of(place: Dict[str, Any], brief: bool = False) -> str:
    """One part: its stage and where, the variable or layer and the sizes; ``brief`` leaves out what
    the stage points at, the count of variables, and what was identical before it."""
    step = "step {} of epoch 1".format(place["step"])
    probe = place["step"] is None  # the probe batch's loss, at the same initial weights
    # Where the gradients were compared and agreed, an update that parts is the optimizer's alone.
    update_cause = "its loss and the probe batch's gradients the same: the optimizer's step differs" if place[
        "probed"]["gradients"] else "its loss the same: the gradient or the optimizer's step differ"
    loss = "the loss of {} ({:.9g} vs {:.9g}".format("the probe batch" if probe else step, float(
        place["env_loss"] or 0), float(place["baseline_loss"] or 0))
    at = {"initial_weights": "the initial weights",
          "forward": "the forward pass at the same initial weights (probe batch)",
          "loss": loss + (")" if brief else ", every layer's output the same: the loss differs)" if probe else
                          ", on weights that agree: the forward pass, the loss or the batch differ)"),
          "gradients": "the gradients at the same initial weights (probe batch)" + (
              "" if brief else ", their loss the same: the backward pass differs"),
          "update": "the update of {}".format(step) + ("" if brief else " ({})".format(update_cause)),
          "step": step, "epoch": "the end of epoch {}".format(place["epoch"])}[place["stage"]]
    words = ("" if brief else "parts at ") + at
    named = place["variable"] or place["layer"]
    if named is not None:
        name = named["baseline"] if named["baseline"] == named["env"] else "{} (here {})".format(named["baseline"],
                                                                                               named["env"])
        ulps = float(place["ulps"])
        size = "{:.3g} ulps".format(ulps) if ulps >= 1 else "under one ulp of its norm"
        measured = {"output": "its output's ", "gradient": "its gradient's ", "update": "its update's ",
                    "weights": ""}[place["of"]]
        words += " in {} {} ({}L2 {:.7g} vs {:.7g}: {:.2g} relative, {}{})".format(
            "layer" if place["layer"] else "", name, measured, float(place["env_l2"]), float(place["baseline_l2"]),
            float(place["relative"]), size, "" if brief or place["layer"] else "; {} variable(s) differ".format(
                place["differing"])).replace("in  ", "in ")
    elif place["differing"] is None:
        words += " (the two models' variables do not line up)"
    if brief:
        return words
    words += {"initial_weights": "", "forward": ", every layer before it identical"}.get(place["stage"],
                                                                                          ", identical before it")
    if not place["traced"]:
        words += " (not traced: initial weights only)"
    if place["noise"]["within"]:
        words += "; within run-to-run noise: a re-run in one environment parts there too"
    elif not place["noise"]["measured"]:
        words += "; run-to-run noise not measured (no traced re-run)"
    return words


def result_text(result: Dict[str, Any]) -> str:
    """Why a comparison got its materiality, in one line: the headline quantity and where runs part."""
    headline = result["headline"]
    entry = next((e for e in result["quantities"] if headline and e["measure"] == headline["measure"]
                  and e["of"] == headline["of"]), None)
    parts = [quantity_text(entry)] if entry else []
    if result["localisation"]:
        parts.append(localisation_text(result["localisation"]))
    if result["first_part"]:
        parts.append("first part at " + _part_text(result["first_part"]))
    change = result["weight_change"]
    if change:
        name = change["name"] if change["name"] == change["env_name"] else "{} (here {})".format(change["name"],
                                                                                             change["env_name"])
        parts.append("largest final-weight change {} (L2 {:.4g} vs {:.4g})".format(
            name, float(change["env_l2"]), float(change["baseline_l2"])))
    if any(e["measure"] in CALLBACK_MEASURES for e in result["quantities"]):
        # what early stopping or a schedule did, which the headline alone would hide
        parts.append("what the callbacks did: " + ", ".join("{} {:.4g} vs {:.4g} ({})".format(
            quantity_name(e), float(e["env_mean"]), float(e["baseline_mean"]), MATERIALITY_LABELS[e["materiality"]])
            for e in result["quantities"] if e["measure"] == "epochs_trained" or e["measure"] in CALLBACK_MEASURES))
    return "; ".join(parts)


def layer_text(layer: Dict[str, Any]) -> str:
    """A stochastic layer as a person reads it: ``dropout (Dropout rate=0.2)``."""
    if layer["attribute"] is None:
        return "{} ({})".format(layer["layer"], layer["class"])
    return "{} ({} {}={:g})".format(layer["layer"], layer["class"], layer["attribute"], float(layer["value"]))


def randomness_text(randomness: Dict[str, Any]) -> str:
    found = [layer_text(layer) for layer in randomness["layers"]]
    if randomness["shuffle"]:
        found.append("shuffling")
    if randomness["pipeline"]:
        found.append("the case's input pipeline (fit_data)")
    return ", ".join(sorted(found))


def skip_text(skip: Dict[str, Any], env: str) -> str:
    """Why something was skipped in ``env``, from its code, as a clause."""
    code = skip["code"]
    if code == "missing_capability":
        return "; ".join("{} lacks {} ({})".format(env, name, capability_source(name)) for name in skip["missing"])
    return {"declared_by_case": "the case's own code declared that it cannot run on {}".format(env),
            "nothing_to_control": "there was nothing random to switch off",
            "input_pipeline": "the case's own input pipeline (fit_data) may draw random numbers the harness cannot "
                              "switch off",
            "augmentation_layers": "random augmentation layers cannot be switched off"}[code]


def capability_source(name: str) -> str:
    found = next((capability for capability in capabilities.TABLE if capability.name == name), None)
    return found.source if found is not None else capabilities.meaning(name)


def evidence_text(evidence: Dict[str, Any]) -> str:
    """Why a result has its cause, in words."""
    code = evidence["code"]
    fixed = {
        "bitwise_equal": "bit for bit the same",
        "different_seeds": "the two reports ran different seeds: their runs are independent draws",
        "different_data": "the data differ with the same seeds: the case's make_data drew different numbers",
        "different_initial_weights": "same seeds and data, different initial weights: the framework's initialisation "
                                     "changed",
        "randomness_not_recorded": "the reports do not record training randomness",
        "no_training_randomness": "same initial weights and data, nothing random while training: the computation "
                                  "changed",
    }
    if code in fixed:
        return fixed[code]
    what = randomness_text(evidence["randomness"])
    if code == "randomness_not_controlled":
        controlled = evidence["controlled"]
        why = ": " + skip_text(controlled["skip"], controlled["env"]) if controlled else " (no controlled runs)"
        return "training randomness ({}) could not be switched off to rule out arithmetic{}".format(what, why)
    if code == "controlled_runs_agree":
        return "with {} switched off the runs agree ({}): only the RNG behind them changed".format(
            what, MATERIALITY_LABELS[evidence["controlled"]])
    part = evidence.get("first_part")
    return "even with {} switched off the runs differ{}".format(
        what, " from {} epoch {} on".format(part["key"], part["epoch"]) if part else "")


def expected_text(change: Dict[str, Any]) -> str:
    return "expected: {} ({})".format(change["reason"], change["source"])


def gap_text(gap: Dict[str, Any]) -> str:
    """A gap in one line: where, and why it could not be compared."""
    facts, kind = gap["facts"], gap["kind"]
    where = gap["env"] if gap["baseline"] is None else "{} vs {}".format(gap["env"], gap["baseline"])
    detail = {
        "partial_report": lambda: "the report is partial ({}): runs that never happened cannot be compared".format(
            facts.get("interrupted") or "unfinished"),
        "missing_case": lambda: "{} has this case, {} does not".format(facts["has"], gap["env"]),
        "not_comparable": lambda: "the case file changed between the two reports (source hash {} vs {})".format(
            facts["source_hash"], facts["baseline_source_hash"]),
        "missing_runs": lambda: "{} / {} init: no finished run with the same seeds on both sides".format(
            facts["variant"], facts["init_mode"]),
        "missing_quantity": lambda: "{} / {} init: the case is judged on {}, which no run recorded".format(
            facts["variant"], facts["init_mode"], ", ".join(facts["keys"])),
    }[kind]()
    return "{}: {}{}: {}".format(kind.replace("_", " "), where, " " + gap["case"] if gap["case"] else "", detail)


def flag_text(flag: Dict[str, Any]) -> str:
    if flag["code"] == "undetermined" and flag["last_look"]:
        return ("undetermined in {0} at its last look: harness decide's cap closed its seeds, and more would raise "
                "the false-alarm rate above alpha; declare the margin that matters to you (Judge(..., margin=)) or "
                "decide it afresh in new reports".format(flag["case"]))
    if flag["code"] == "undetermined" and flag["seeds"] is None:
        return ("undetermined in {0}: a difference about the size of its margin, which not even {1} seeds per "
                "environment would decide: harness decide runs seeds up to its cap (--max-seeds) and says what it "
                "found; or declare the margin that matters to you (Judge(..., margin=))".format(flag["case"], flag["limit"]))
    if flag["code"] == "undetermined":
        return ("undetermined in {0}: about {1} seeds per environment would decide it: harness decide runs them (or "
                "re-run that case in each environment with -k {0} --repeats {1} --resume)".format(flag["case"], flag["seeds"]))
    return "{} vs {}: {}/{} {} init: the expected change ({}) did not happen: {}".format(
        flag["env"], flag["baseline"], flag["case"], flag["variant"], flag["init_mode"], flag["expected"]["reason"],
        MATERIALITY_LABELS[flag["materiality"]])


def _comparison_of(comparison: Dict[str, Any], reason: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    for item in comparison["comparisons"]:
        if (item["env"], item["baseline"], item["case"], item["variant"]) == (
                reason["env"], reason["baseline"], reason["case"], reason["variant"]):
            return item["by_init_mode"][reason["init_mode"]]
    return None


def _verdict_of(comparison: Dict[str, Any], case: str, check: str, env: Optional[str]) -> Optional[str]:
    for row in comparison["checks"]:
        if row["case"] == case and row["check"] == check:
            return (row["verdicts"].get(env) or {}).get("verdict")
    return None


def reason_text(reason: Dict[str, Any], comparison: Dict[str, Any]) -> str:
    """Why the gate failed, one reason in one line."""
    code = reason["code"]
    if code == "material_change":
        result = _comparison_of(comparison, reason)
        return "{} vs {}: {}/{} {} init: material change, cause {} — {}".format(
            reason["env"], reason["baseline"], reason["case"], reason["variant"], reason["init_mode"],
            cause_words(reason["cause"]), result_text(result) if result else "")
    if code == "check_fails_environment":
        return "{}: {}/{} {}".format(reason["env"], reason["case"], reason["check"], reason["verdict"])
    if code == "verdict_changed":
        before = _verdict_of(comparison, reason["case"], reason["check"], reason["baseline"])
        return "{} vs {}: {}/{} {}: {} -> {}, and nothing declared explains it".format(
            reason["env"], reason["baseline"], reason["case"], reason["check"], MARK_LABELS[reason["mark"]],
            short_verdict(before), short_verdict(reason["verdict"]))
    if code == "family_judged_nothing":
        return "{}: {} judged nothing: no rule was generated or every rule was skipped".format(reason["env"], reason["case"])
    return "{} (pass --allow-incomplete to accept)".format(gap_text(reason["gap"]))


def mark_lines(comparison: Dict[str, Any]) -> List[str]:
    """Every check whose verdict changed from the baseline's, one line each, most serious first."""
    lines = []
    order = {"broke": 0, "lost": 1, "fixed": 2, "regained": 3}
    marked = [(order[found["mark"]], row, env, found) for row in comparison["checks"]
              for env, found in sorted(row["verdicts"].items()) if found["mark"]]
    for _, row, env, found in sorted(marked, key=lambda item: (item[0], item[1]["case"], item[1]["check"], item[2])):
        before = (row["verdicts"].get(comparison["baseline"]) or {}).get("verdict")
        text = "{} {}/{} on {}: {} -> {}".format(MARK_LABELS[found["mark"]], row["case"], row["check"], env,
                                                short_verdict(before), short_verdict(found["verdict"]))
        if found["declared"]:
            text += " (declared: {})".format("a known failure" if found["verdict"] == "known_failure" else
                                             skip_text(found["skip"], env))
        elif found["mark"] in ("broke", "lost"):
            text += " (undeclared{})".format("" if row["kind"] == "invariant" else ", a characterisation: a flag")
        lines.append(text)
    return lines


def rule_detail(found: Dict[str, Any]) -> str:
    """A rule's outcome in one environment, whole: distance and numbers compared, what it lacked, or raised."""
    if found["outcome"] == "skipped":
        return "skipped: lacks {}".format(", ".join(found["missing"]))
    if found["outcome"] == "raised":
        return "raised {}".format(found["raised"])
    return "{:.3g} over {} numbers".format(float(found["distance"]), found["evidence"])


def backend_lines(comparison: Dict[str, Any]) -> List[str]:
    """Rules that one backend of a Keras 3 version computes otherwise than the others, one line each."""
    return ["{}: on Keras {}, {} ({}) computes otherwise than {} (fingerprints {:.3g} apart)".format(
        row["rule"], found["keras"], found["backend"], found["disagrees"], ", ".join(found["agree"]),
        float(found["distance"])) for row in comparison["rules"] for found in [row.get("backends")] if found]


OUTCOME_LABELS = {"holds": "holds", "fails": "FAILS", "error": "CRASHES", "unclear": "unclear",
                  "not_installed": "skipped"}


def watched(asked: Dict[str, Any]) -> str:
    """What a bisection watches: a check, or a quantity against the good release."""
    if asked["check"] is not None:
        return "check {}".format(asked["check"])
    return "{} {}{} against {}".format(asked["measure"].replace("_", " "), asked["quantity"],
                                       " of " + asked["variant"] if asked["variant"] else "", asked["good"])


def bisect_start(asked: Dict[str, Any], ordered: Sequence[str], known: int) -> str:
    return "bisect {}, {}{}: {} {} .. {}, {} release(s){}; {} already judged\n".format(
        asked["case"], watched(asked), " ({} init)".format(asked["init_mode"]) if asked["init_mode"] else "",
        asked["package"], ordered[0], ordered[-1], len(ordered),
        " (held: {})".format(", ".join(asked["held"])) if asked["held"] else "", known)


def bisect_probing(count: int, package: str, version: str) -> str:
    return "[probe {}] {} {}: ".format(count, package, version)


PROBE_REASONS = {
    "reference": "the reference the other releases are compared with",
    "case_not_loaded": "the case file cannot be loaded here: {}",
    "case_missing": "the report has no case {}",
    "check_missing": "the report has no check {}",
    "mode_not_judged": "the check was not judged in {} init mode",
    "check": "{}",
    "quantity_missing": "no {} compared with the reference",
    "no_python": "no Python {} here to install it on (install one, or list it in PYENV_VERSION)",
    "install_failed": "cannot be installed: {}",
    "runner_refused": "{}",
    "runner_died": "the run ended without a report: {}",
    "report_unreadable": "{}",
    "no_seeds_added": "adding seeds added none",
    "seeds_run_failed": "adding seeds failed: {}",
}


def probe_reason_text(reason: Optional[Dict[str, Any]]) -> str:
    """Why a probe reads as it does, in words (the detail is what another tool or the report said)."""
    if reason is None:
        return "-"
    return PROBE_REASONS[reason["code"]].format(reason["detail"] or "")


def probe_evidence(probe: Dict[str, Any]) -> str:
    """A probe's evidence in a few words: the verdict and the values measured, or why there is none."""
    if probe["verdict"] is None:
        return probe_reason_text(probe["reason"])
    if probe["quantity"] is not None:
        found = probe["quantity"]
        return "{} {:+.4g} ({:.4g} vs {:.4g}; p {}), {} seed(s)".format(
            MATERIALITY_LABELS[probe["verdict"]], decode_float(found["difference"]), decode_float(found["env_mean"]),
            decode_float(found["reference_mean"]), "-" if found["p"] is None else "{:.2g}".format(decode_float(found["p"])),
            probe["seeds"])
    if probe["verdict"] in MATERIALITY_LABELS:
        return "{}, {} seed(s)".format(MATERIALITY_LABELS[probe["verdict"]], probe["seeds"])
    values = [decode_float(value) for value in probe["measured"] if value is not None]
    measured = " measured {}".format(_range_text(values)) if values else ""
    return "{}{}, {} seed(s)".format(probe["verdict"], measured, probe["seeds"])


def _range_text(values: Sequence[float]) -> str:
    low, high = min(values), max(values)
    return "{:.4g}".format(low) if low == high else "{:.4g}..{:.4g}".format(low, high)


def bisect_probed(probe: Dict[str, Any]) -> str:
    where = "python {}, ".format(probe["python"]) if probe["python"] else ""
    built = "env {} {:.1f} s".format("cached" if probe["cached"] else "built", probe["build_s"])
    return "{} ({}{}, ran {:.1f} s): {}\n".format(OUTCOME_LABELS[probe["outcome"]], where, built, probe["run_s"],
                                                  probe_evidence(probe))


def change_point_text(package: str, point: Dict[str, Any]) -> str:
    """One change point in one line: where the outcome changes, from what to what."""
    between = " ({} between not judged)".format(", ".join(point["not_judged_between"])) \
        if point["not_judged_between"] else ""
    return "{} {} -> {}: {} -> {}{}".format(package, point["last_before"], point["first_after"],
                                            OUTCOME_LABELS[point["before"]], OUTCOME_LABELS[point["after"]], between)


BISECT_STATES = {"running": "not finished: probes remain (run the same command again to continue)",
                 "found": "every change between ends that differ is found",
                 "ends_agree": "both ends give the same outcome: nothing to bisect (--every probes every release)",
                 "end_unjudged": "an end could not be judged: nothing to bisect from it"}


# The packages whose release a nightly change is bisected over (the framework and what computes for it).
BISECTED_PACKAGES = ("tensorflow", "tensorflow-cpu", "keras", "tf-keras", "jax", "jaxlib", "torch", "numpy")


def package_changes(comparison: Dict[str, Any]) -> List[Tuple[str, Optional[str], Optional[str]]]:
    """(package, version before, version now) of every package that moved between the baseline and the
    other environment of a two-environment comparison."""
    environments = {env["name"]: env["packages"] for env in comparison["environments"]}
    before = environments[comparison["baseline"]]
    now = next(packages for name, packages in environments.items() if name != comparison["baseline"])
    return [(name, before.get(name), now.get(name)) for name in sorted(set(before) | set(now))
            if before.get(name) != now.get(name)]


def package_change_text(change: Tuple[str, Optional[str], Optional[str]]) -> str:
    name, before, now = change
    return "{} {} -> {}".format(name, before or "(absent)", now or "(absent)")


def bisect_commands(comparison: Dict[str, Any]) -> List[str]:
    """The ``harness bisect`` commands that would find which release, among the framework packages that
    moved, changed each undeclared mark and each unexpected material change of a two-night comparison."""
    moved = [(name, before, now) for name, before, now in package_changes(comparison)
             if name in BISECTED_PACKAGES and before and now]
    env = next(item for item in comparison["environments"] if item["name"] != comparison["baseline"])
    backend = " --set KERAS_BACKEND={}".format(env["backend"]) if env["backend"] not in ("tensorflow", "") else ""
    watched = []  # type: List[Tuple[str, bool]]
    for row in comparison["checks"]:
        found = row["verdicts"].get(env["name"]) or {}
        if found.get("mark") in ("broke", "lost", "fixed") and not found.get("declared"):
            watched.append(("{} --check {}".format(row["case"], row["check"]), found["mark"] == "fixed"))
    for item in comparison["comparisons"]:
        for mode, result in sorted(item["by_init_mode"].items()):
            if result and result["materiality"] == "material" and not result["expected"] and (result["headline"] or {}).get("of"):
                watched.append(("{} --quantity {} --measure {} --variant {} --init-mode {}".format(
                    item["case"], result["headline"]["of"], result["headline"]["measure"], item["variant"], mode), False))
    return ["python -m harness bisect {} --package {} --good {} --bad {}{}".format(
        what, name, now if fixed else before, before if fixed else now, backend)
        for what, fixed in watched for name, before, now in moved]
