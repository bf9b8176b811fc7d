"""Rules: generic invariants of the training API, declared in families.

A seed story catches one bug; a rule states one guarantee of the documented API that users
depend on ("the same batches as a ``tf.data.Dataset`` train the model as NumPy arrays do", "one SGD
step with ``clipvalue`` moves each weight by at most ``lr * clipvalue``") and holds in every
version, so that a silent change anywhere in it shows up as a failing rule without anyone knowing
in advance what breaks. Two ways of saying the same thing must give the same numbers (equivalent
programs), or the framework must agree with a small NumPy reference (:mod:`harness.reference`).

A :class:`Family` of rules is the second kind of case (a case file binds ``CASE = Family(...)``):
it trains no variants, draws nothing from seeds, and runs once per environment, evaluating every
rule in turn (:mod:`harness.run.rule_evaluation`). What a rule needs that only some versions have
is declared (``requires=("tf_data",)``, :mod:`harness.capabilities`) and decided before the rule is
called; inside the call, anything raised fails the rule. A rule's failure found in some versions is
declared one way, as a :class:`Finding`, citing the upstream issue or, where none was found, the
reproduction beside the cases. This module is declarations and the helpers rules are written with;
nothing here runs a framework by itself.
"""

import fnmatch
import re
import zlib
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from harness.case import Call, CaseDeclarationError, KnownFailure, declared_requirements, declared_when
from harness.contract.vocabulary import CASE_KINDS, KERAS_FLAVOURS

__all__ = ["Comparison", "Family", "Finding", "Rule", "apply", "pin", "rule_rng", "uniform"]

# What a rule's ``compute`` returns: one (actual, expected) pair, or several named ones.
Pair = Tuple[Any, Any]
Comparison = Union[Pair, Mapping[str, Pair]]
# The one run a family makes per environment: its variant and init mode in the report.
RUN_VARIANT = "rules"
RUN_INIT_MODE = "pinned"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
REPRODUCTION = "no upstream issue found; reproduce with: python cases/rules_findings/reproduce.py {} {}"


def _fail(message: str) -> None:
    raise CaseDeclarationError(message, "Adding a rule")


class Finding(object):
    """A rule's failure found in some versions: a framework bug the rule is known to show there.

    ``when`` is the version requirement where it shows (``"keras>=3,<3.7"``), ``reason`` what goes
    wrong, ``upstream`` the issue that reports it (None when no upstream issue was found: the source
    is then the reproduction, ``python cases/rules_findings/reproduce.py FAMILY RULE``).
    ``keras_flavours`` restricts it to ``tf.keras`` or standalone ``keras``; ``intermittent`` marks
    a bug that shows in some runs only. The family turns it into its rule's known failure.
    """

    def __init__(self, when: str, reason: str, upstream: Optional[str] = None,
                 keras_flavours: Sequence[str] = KERAS_FLAVOURS, intermittent: bool = False) -> None:
        self.when = declared_when("a finding", when)
        if not (isinstance(reason, str) and reason.strip()):
            _fail("a finding needs a reason: what goes wrong. Received: {!r}".format(reason))
        if upstream is not None and not (isinstance(upstream, str) and upstream.startswith("https://")):
            _fail("a finding's upstream is the https:// link of the issue, or None. Received: {!r}".format(upstream))
        self.reason = reason
        self.upstream = upstream
        self.keras_flavours = tuple(keras_flavours)
        self.intermittent = bool(intermittent)

    def known_failure(self, family: str, rule: str) -> KnownFailure:
        return KnownFailure(self.when, self.reason, self.upstream or REPRODUCTION.format(family, rule),
                            init_modes=(RUN_INIT_MODE,), keras_flavours=self.keras_flavours,
                            intermittent=self.intermittent)


class Rule(object):
    """One guarantee: ``compute(fw, rng)`` returns ``(actual, expected)``, or a dict of named pairs,
    and the rule holds when every element of every pair agrees within ``tolerance``.

    The distance is relative to the expected values' scale (``|a - e| / max(1, max|e|)``), so one
    tolerance serves losses near 1 and weights near 0.1 alike. ``guarantee`` is the one line that
    says what holds and why users depend on it. ``rng`` is seeded from the rule's id: each rule
    draws the same data and weights whatever runs before it. ``requires`` names the capabilities the
    rule needs; ``findings`` the versions where it is known to fail.
    """

    def __init__(self, id: str, guarantee: str, compute: Callable[[Any, np.random.RandomState], Comparison],
                 tolerance: float = 1e-5, requires: Sequence[str] = (), findings: Sequence[Finding] = ()) -> None:
        if not (isinstance(id, str) and _ID.match(id)):
            _fail("a rule's id must be a lower-case identifier such as 'conv2d_valid'. Received: {!r}".format(id))
        owner = "rule '{}'".format(id)
        if not (isinstance(guarantee, str) and guarantee.strip()):
            _fail("{} needs a guarantee: the one line that says what holds".format(owner))
        Call("{}: compute".format(owner), compute, ("fw", "rng"), section="Adding a rule")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance >= 0:
            _fail("{}: tolerance must be a non-negative number. Received: {!r}".format(owner, tolerance))
        if not (isinstance(findings, (list, tuple)) and all(isinstance(f, Finding) for f in findings)):
            _fail("{}: findings must be a list of Finding. Received: {!r}".format(owner, findings))
        self.id = id
        self.guarantee = guarantee
        self.compute = compute
        self.tolerance = float(tolerance)
        self.requires = declared_requirements(owner, requires)
        self.findings = tuple(findings)


class Family(object):
    """A family of rules: a case of its own kind, evaluated once per environment.

    Each rule is reported as one of the family's checks (an invariant), so it is gated, declared a
    known failure and compared like any check; its measurement (each pair's distance, the numbers
    compared, the seconds, why it was skipped or what it raised) is reported beside it.

    Its rules are written out (``rules``), or **generated** in each environment from what that
    version exports (``generate(fw, profile)`` returns the rules and the surface record, see
    :mod:`harness.relations`): then ``findings`` declares, by rule-id pattern (``"sparse_dense_*"``),
    where generated rules are known to fail, and the family has two sizes: ``default``, the quick
    subset every run includes, and ``full`` (``--profile full``), the whole library.
    ``on_request=True``: it runs only when ``-k`` names it.
    """

    kind = CASE_KINDS[1]

    def __init__(self, id: str, title: str, description: str, rules: Sequence[Rule] = (),
                 generate: Optional[Callable[[Any, str], Tuple[List[Rule], Dict[str, Any]]]] = None,
                 findings: Optional[Mapping[str, Sequence[Finding]]] = None, on_request: bool = False) -> None:
        if not (isinstance(id, str) and _ID.match(id)):
            _fail("a family's id must be a lower-case identifier such as 'rules_layers'. Received: {!r}".format(id))
        if generate is None and not (isinstance(rules, (list, tuple)) and rules
                                     and all(isinstance(rule, Rule) for rule in rules)):
            _fail("family '{}': rules must be a non-empty list of Rule. Received: {!r}".format(id, rules))
        if generate is not None:
            if rules:
                _fail("family '{}': give rules or generate, not both".format(id))
            Call("family '{}': generate".format(id), generate, ("fw", "profile"), section="Adding a rule")
        found = dict(findings or {})
        if not all(isinstance(f, Finding) for listed in found.values() for f in listed):
            _fail("family '{}': findings must map rule-id patterns to lists of Finding. Received: {!r}".format(
                id, findings))
        ids = [rule.id for rule in rules]
        repeated = sorted(set(rule for rule in ids if ids.count(rule) > 1))
        if repeated:
            _fail("family '{}': rule ids repeat: {}".format(id, ", ".join(repeated)))
        self.id = id
        self.title = title.strip() or id
        self.description = description
        self.sources = ()  # type: Tuple[str, ...]
        self.rules = tuple(rules)
        self.generate = generate
        self.findings = found
        self.on_request = bool(on_request)
        # The sizes it runs at (--profile): a generated family's quick subset and its whole library.
        self.profiles = {"default": {}, "full": {}} if generate is not None else {"default": {}}

    def runs_at(self, profile: str) -> str:
        """The profile this family runs at when ``profile`` is asked for (see Case.runs_at)."""
        return profile if profile in self.profiles else "default"

    @property
    def generated(self) -> bool:
        return self.generate is not None

    def findings_for(self, rule_id: str) -> List[Finding]:
        """The findings declared for a generated rule, by the patterns its id matches."""
        return [finding for pattern, listed in sorted(self.findings.items()) if fnmatch.fnmatchcase(rule_id, pattern)
                for finding in listed]

    def rules_in(self, fw: Any, profile: str) -> Tuple[Sequence[Rule], Optional[Dict[str, Any]]]:
        """The rules this environment evaluates at ``profile``, and (generated ones) the surface they cover."""
        if self.generate is None:
            return self.rules, None
        return self.generate(fw, self.runs_at(profile))

    def known_failures(self, rule: Rule) -> List[KnownFailure]:
        """A rule's findings as the known failures its check is judged with."""
        return [finding.known_failure(self.id, rule.id) for finding in rule.findings]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def described(self, description: Mapping[str, Any]) -> Rule:
        """A generated rule as its run described it (id, guarantee, tolerance, requires), with the
        findings declared for it: what the parent judges with, having never generated it."""
        return Rule(description["id"], description["guarantee"], _generated_elsewhere, description["tolerance"],
                    description["requires"], self.findings_for(description["id"]))


def _generated_elsewhere(fw: Any, rng: np.random.RandomState) -> Comparison:
    """The compute of a rule judged from its run's description: it was generated and computed there."""
    raise RuntimeError("a generated rule is computed in its run, where it was generated")


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


def rule_rng(rule_id: str) -> np.random.RandomState:
    """The NumPy generator a rule draws its data and weights from: seeded by its id alone."""
    return np.random.RandomState(zlib.crc32(rule_id.encode("utf-8")) % (2 ** 31))
