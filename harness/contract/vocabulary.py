"""The words a report and a comparison are written in, and the rules that read them.

Every status, verdict and mark the product writes or shows is spelled here once, with the one
rule that says what fails an environment. The runner, the summary, the pytest plugin and the
comparison gate all ask this module instead of repeating tuples of strings, and a test checks
the schemas' enums against these tuples, so the contract cannot drift from the code.
Standard library only: it runs inside every environment (Python 3.7).
"""

from typing import Any, Dict, Optional

# -- what a case declares -------------------------------------------------------------------
# A case that trains variants (harness.case.Case), or a family of rules that computes once per
# environment (harness.rules.Family): two kinds, each planned, run and judged its own way.
CASE_KINDS = ("training", "rules")
CHECK_KINDS = ("invariant", "characterisation")
INIT_MODES = ("framework", "pinned")
# A diagnostic run mode, never chosen by a user or judged by a check: pinned weights with the
# training randomness (Dropout-like layers, shuffling) switched off, so that compare can tell a
# change in the framework's RNG from a change in its arithmetic.
CONTROLLED = "controlled"
RUN_MODES = INIT_MODES + (CONTROLLED,)
KERAS_FLAVOURS = ("tf.keras", "keras")

# -- how a run ended ------------------------------------------------------------------------
RUN_STATUSES = ("ok", "nan", "error", "timeout", "skipped")
# A run in one of these states has numbers a check or a comparison can look at (a NaN loss is a
# result too).
FINISHED = ("ok", "nan")
# A run that ended so: the harness or the framework broke, and the environment fails.
BROKEN = ("error", "timeout")
# Why a run, a rule or a check was skipped, as a code (the report's ``skip``): a capability the
# environment lacks (harness.capabilities), the case's own code declaring absence (Unsupported), or,
# for a controlled run, nothing random to switch off, an input pipeline of the case's own, or random
# augmentation layers the harness cannot switch off.
SKIP_CODES = ("missing_capability", "declared_by_case", "nothing_to_control", "input_pipeline", "augmentation_layers")
# What skipping for these reasons says: the absence was declared before anything was called.
DECLARED_SKIPS = ("missing_capability", "declared_by_case")
# How a rule of a family came out: its pairs measured, skipped before the call, or the call raised.
RULE_OUTCOMES = ("measured", "skipped", "raised")

# -- what a check concluded -----------------------------------------------------------------
CHECK_VERDICTS = ("pass", "fail", "known_failure", "fixed", "noise", "error", "skipped")
# How a check's group verdicts combine into one: the first present in this order wins.
SEVERITY = ("error", "fail", "fixed", "known_failure", "noise", "skipped", "pass")
# One mark per verdict for text tables.
MARKS = {"pass": "PASS", "fail": "FAIL", "known_failure": "KNOWN", "fixed": "FIXED!", "noise": "NOISE",
         "error": "ERROR", "skipped": "SKIP"}

# -- what a comparison of two environments concluded ----------------------------------------
# Does a difference matter? From least to most: bit for bit the same; bits differ within the
# case's tolerance; no more different than another seed; beyond the seed-to-seed spread; too
# few seeds to tell.
MATERIALITY = ("identical", "within_tolerance", "within_seed_noise", "undetermined", "material")
# What a user looks at in a run, as codes: the last epoch's value of a history key, a curve's mean over
# its epochs, the epochs trained, and what a callback decided (the best epoch of the quantity it
# watches, the learning rate training ended with).
MEASURES = ("final", "curve_mean", "epochs_trained", "best_epoch", "final_learning_rate")
# The key an expected change or a judged quantity names for what is not a history key.
EPOCHS_KEY, LEARNING_RATE_KEY = "epochs", "learning_rate"
# What made two runs with the same seeds differ: their initial weights, the framework's RNG during
# training (Dropout masks, shuffle order), its arithmetic, or that could not be told apart.
CAUSES = ("initialisation", "training_randomness", "arithmetic", "unknown")


# -- how a check's verdict changed from the baseline to another environment ------------------
# broke: a check that held (or was not judged) fails; lost: a check that was judged is skipped,
# errs, is swamped by noise or is missing; fixed: a failing check holds; regained: a check that was
# not judged holds. An undeclared broke or lost fails compare's gate.
CHANGE_MARKS = ("broke", "lost", "fixed", "regained")
_HELD = ("pass", "fixed")
_FAILING = ("fail", "known_failure")


def verdict_change(baseline: Optional[str], env: Optional[str]) -> Optional[str]:
    """The mark of a check whose verdict was ``baseline`` and is ``env`` (None: the check is missing)."""
    def state(verdict: Optional[str]) -> str:
        return "held" if verdict in _HELD else "failing" if verdict in _FAILING else "unjudged"
    before, after = state(baseline), state(env)
    if before == after:
        return None
    if after == "failing":
        return "broke"
    if after == "unjudged":
        return "lost"
    return "fixed" if before == "failing" else "regained"


def worst_materiality(values: Any) -> str:
    """The most serious of several materiality verdicts (``identical`` if none)."""
    present = [value for value in values if value]
    return max(present, key=MATERIALITY.index) if present else "identical"


def run_fails_environment(status: str) -> bool:
    """A run that crashed or timed out fails its environment: nothing it should show was shown."""
    return status in BROKEN


def check_fails_environment(kind: str, verdict: str) -> bool:
    """The one rule of what a check verdict means for an environment.

    ``error`` (a run it needed did not finish) and ``fixed`` (a declared bug stopped showing: the
    bug was fixed or the case broke, and someone must look) fail it whatever the kind; ``fail``
    fails it only for an invariant, since a characterisation that changed is a flag, not a bug.
    """
    return verdict in ("error", "fixed") or (verdict == "fail" and kind == "invariant")


def check_is_flag(kind: str, verdict: str) -> bool:
    """A characterisation that no longer holds: worth a look, not a failure."""
    return verdict == "fail" and not check_fails_environment(kind, verdict)


def worst_verdict(verdicts: Any) -> str:
    """The verdict of a check from its groups': the most severe one (``skipped`` if none)."""
    present = set(verdicts)
    for verdict in SEVERITY:
        if verdict in present:
            return verdict
    return "skipped"


def schema_enums() -> Dict[str, tuple]:
    """The tuples the schemas must spell the same way (checked by the test suite)."""
    return {"status": RUN_STATUSES, "verdict": CHECK_VERDICTS, "kind": CHECK_KINDS, "init_mode": INIT_MODES,
            "run_mode": RUN_MODES, "keras_flavour": KERAS_FLAVOURS, "materiality": MATERIALITY, "cause": CAUSES,
            "case_kind": CASE_KINDS, "skip_code": SKIP_CODES, "rule_outcome": RULE_OUTCOMES, "mark": CHANGE_MARKS}
