"""Rules: generic invariants of the training API, checked against itself and against NumPy.

A seed story catches one bug; a rule states one guarantee of the documented API that users depend
on ("the same batches as a ``tf.data.Dataset`` train the model as NumPy arrays do", "one SGD step
with ``clipvalue`` moves each weight by at most ``lr * clipvalue``") and holds in every version,
so that a silent change anywhere in it shows up as a failing rule without anyone knowing in advance
what breaks. Two ways of saying the same thing must give the same numbers (equivalent programs), or
the framework must agree with a small NumPy reference (:mod:`harness.reference`).

Rules work on pinned weights and tiny models: every version sees the same numbers, so no rule
needs a fresh process. A **family** of rules is one case with one variant, ``rules``, run once per
environment (:meth:`harness.case.Case.computes`): its process evaluates every rule in turn, each in
a cleared session, and each rule becomes one of the case's checks, so a failing rule is reported,
compared and gated like any check. A rule whose API a version lacks raises
:class:`harness.case.Unsupported` and is ``skipped`` with the reason; one that raises anything else
fails it (a documented call that raises breaks the guarantee as surely as a wrong number: the
check's details say what was raised), and the family goes on.
"""

import time
import zlib
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from harness.case import Case, Check, KnownFailure, Limit, Measurement, Unsupported, Variant
from harness.measures import max_abs_difference

__all__ = ["Comparison", "Rule", "apply", "family", "evaluate", "measurement", "pin", "refused", "rule_rng", "uniform",
           "unreported"]

# What a rule's ``compute`` returns: one (actual, expected) pair, or several named ones.
Pair = Tuple[Any, Any]
Comparison = Union[Pair, Mapping[str, Pair]]
RULES_VARIANT = "rules"


class Rule(object):
    """One guarantee: ``compute(fw, rng)`` returns ``(actual, expected)``, or a dict of named pairs,
    and the rule holds when every element of every pair agrees within ``tolerance``.

    The distance is relative to the expected values' scale (``|a - e| / max(1, max|e|)``), so
    one tolerance serves losses near 1 and weights near 0.1 alike. ``guarantee`` is the one line
    that says what holds and why users depend on it. ``rng`` is seeded from the rule's id: each
    rule draws the same data and weights whatever runs before it.
    """

    def __init__(self, id: str, guarantee: str, compute: Callable[[Any, np.random.RandomState], Comparison],
                 tolerance: float = 1e-5, known_failures: Sequence[KnownFailure] = ()) -> None:
        self.id = id
        self.guarantee = guarantee
        self.compute = compute
        self.tolerance = tolerance
        self.known_failures = tuple(known_failures)


def unreported(family: str, rule: str, when: str, reason: str, **where: Any) -> KnownFailure:
    """A rule's failure found by this library for which no upstream issue was found: its source is
    the reproduction beside the cases, which runs that rule alone in any environment."""
    return KnownFailure(when, reason, "no upstream issue found; reproduce with: python cases/rules_findings/"
                        "reproduce.py {} {}".format(family, rule), **where)


def uniform(rng: np.random.RandomState, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Float32 numbers in [-scale, scale): the inputs and pinned weights of rules."""
    return rng.uniform(-scale, scale, size=shape).astype(np.float32)


def pin(model: Any, rng: np.random.RandomState, scale: float = 0.5) -> List[np.ndarray]:
    """Set every weight of ``model`` from ``rng`` (uniform in [-scale, scale)); return them. Every
    version then starts from the same numbers, whatever its initialisers draw."""
    values = [uniform(rng, *value.shape, scale=scale) for value in model.get_weights()]
    model.set_weights(values)
    return values


def apply(fw: Any, layer: Any, x: Any, weights: Optional[Sequence[np.ndarray]] = None) -> np.ndarray:
    """``layer``'s output on ``x`` (float64), through a one-layer functional model and ``predict``
    (which every version has), with ``weights`` set first when given."""
    inputs = fw.Input(shape=np.shape(x)[1:])
    model = fw.Model(inputs, layer(inputs))
    if weights is not None:
        layer.set_weights([np.asarray(value, dtype=np.float32) for value in weights])
    return np.asarray(model.predict(x, batch_size=len(x), verbose=0), dtype=np.float64)


def refused(what: str, call: Callable[[], Any], errors: Tuple[type, ...] = (TypeError, ValueError)) -> Any:
    """``call()``, where the framework raising one of ``errors`` means this version lacks ``what``
    (an argument it does not take, an input type it does not accept): the rule is then skipped."""
    try:
        return call()
    except errors as error:
        raise Unsupported("{}: this version refuses it ({}: {})".format(what, type(error).__name__, _first_line(error)))


def _distance(actual: Any, expected: Any) -> float:
    """Largest element-wise difference (NaN-aware, infinite on a shape mismatch) relative to the
    expected values' scale: ``|a - e| / max(1, max|e|)``."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape and a.size == e.size:  # (n, 1) against (n,): the same numbers in another layout
        a = a.reshape(e.shape)
    finite = np.abs(e[np.isfinite(e)])
    return max_abs_difference(a, e) / max([1.0] + ([float(finite.max())] if finite.size else []))


def measurement(comparison: Comparison) -> Dict[str, Any]:
    """A rule's result as the report holds it: the worst distance, each pair's, and how many
    numbers were compared (a rule that compared nothing measured nothing)."""
    pairs = dict(comparison) if isinstance(comparison, Mapping) else {"value": comparison}
    details = {}  # type: Dict[str, Any]
    evidence = 0
    for name, pair in pairs.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError("a rule's compute must return (actual, expected) or a dict of them; {!r} is {}".format(
                name, type(pair).__name__))
        details[name] = _distance(*pair)
        evidence += int(np.asarray(pair[1]).size)
    return {"value": max(details.values()) if details else float("nan"), "details": details, "evidence": evidence}


def rule_rng(rule_id: str) -> np.random.RandomState:
    """The NumPy generator a rule draws its data and weights from: seeded by its id alone."""
    return np.random.RandomState(zlib.crc32(rule_id.encode("utf-8")) % (2 ** 31))


def evaluate(fw: Any, rules: Sequence[Rule], clear: Optional[Callable[[], None]] = None) -> Dict[str, Dict[str, Any]]:
    """Every rule's result, in one process: a measurement, or ``skipped``/``error`` with the reason.

    Each rule starts from a cleared session (TF 1.x graphs would otherwise grow with every model)
    and a NumPy generator seeded from its id; its seconds are kept for the benchmark's split.
    """
    results = {}  # type: Dict[str, Dict[str, Any]]
    for rule in rules:
        started = time.perf_counter()
        (clear or fw.keras.backend.clear_session)()
        try:
            result = measurement(rule.compute(fw, rule_rng(rule.id)))
        except Unsupported as missing:
            result = {"skipped": str(missing)}
        except Exception as error:
            if _refusal(error):  # the framework says it does not do this: absent, not silently wrong
                result = {"skipped": "this version refuses it: {}: {}".format(type(error).__name__, _first_line(error))}
            else:  # the framework's failure is this rule's error, not the family's
                result = {"error": "{}: {}".format(type(error).__name__, _first_line(error))}
        result["seconds"] = time.perf_counter() - started
        results[rule.id] = result
    return results


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _refusal(error: BaseException) -> bool:
    """Whether an exception is the framework declaring a feature unsupported (its message says "not
    supported"): a rule guards silent behaviour, and a loud refusal is not one. A NotImplementedError
    alone is not a refusal: raised deep inside a documented call (TF's "numpy() is only available when
    eager execution is enabled" while training a reloaded model) it is that call failing."""
    text = _first_line(error).lower()
    return "not supported" in text or "unsupported" in text


def _measure(rule_id: str) -> Callable[[Mapping[str, Any]], Measurement]:
    def measure(runs: Mapping[str, Any]) -> Measurement:
        result = runs[RULES_VARIANT].arrays["rules"][rule_id]
        if "skipped" in result:
            raise Unsupported(result["skipped"])
        if "error" in result:  # the documented call raised: the guarantee does not hold, and why is the detail
            return Measurement(float("inf"), {"raised": result["error"]}, evidence=1)
        return Measurement(result["value"], result["details"], evidence=result["evidence"])
    return measure


def family(id: str, title: str, description: str, rules: Sequence[Rule]) -> Case:
    """A family of rules as a case: one variant that evaluates them all, one check per rule."""
    checks = [Check(rule.id, "invariant", rule.guarantee, [RULES_VARIANT], _measure(rule.id),
                    Limit("<=", rule.tolerance), known_failures=rule.known_failures, init_modes=("pinned",))
              for rule in rules]
    return Case(id, title=title, description=description, checks=checks,
                variants=[Variant(RULES_VARIANT, compute=Evaluation(rules),
                                  description="every rule of the family, one after another in one process")])


class Evaluation(object):
    """A family's program: ``evaluate(fw, rules)``, keeping ``rules`` readable (the fault-injection
    tests run a family's rules against a deliberately broken framework)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)

    def __call__(self, fw: Any) -> Dict[str, Dict[str, Any]]:
        return evaluate(fw, self.rules)
