"""What a case file declares: a scenario (data, variants) and the checks that must hold on it.

A case file is a plain Python module in ``cases/`` that binds ``CASE = Case(...)``. It is
declarative: it says what to build, on which data, and what must hold. Everything mechanical
(seeding, pinned weights, repeats, child processes, timing, fingerprints) belongs to the
harness, so the same case runs unchanged on every framework version.

The declarations validate their fields when constructed, so that a mistake in a case file is
reported against that file (see :mod:`harness.discovery`) before anything runs, naming the field,
what it expects, and the README section that shows the right form.

A user's own model needs less than a seed story: ``Case(id=..., make_data=..., build=...)`` is a
whole case (no sources, no checks: the comparison across environments is the check).
"""

import difflib
import inspect
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from harness.contract.vocabulary import CHECK_KINDS, INIT_MODES, KERAS_FLAVOURS

__all__ = ["Case", "CaseDeclarationError", "Check", "ExpectedChange", "KnownFailure", "Limit", "Measurement", "Seeds",
           "Unsupported", "Variant", "CHECK_KINDS", "INIT_MODES", "KERAS_FLAVOURS"]
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# README sections a case mistake points to (their headings, so a reader can search for them).
WRITING_A_CASE = "Writing a case"
OWN_MODEL = "Check your own model before upgrading"
# fit() arguments a case gives elsewhere: arrays come from make_data, objects from factories.
_NOT_FIT_OPTIONS = {
    "callbacks": "callbacks are factories that receive the framework: Case(callbacks=[lambda fw: "
                 "fw.keras.callbacks.EarlyStopping(patience=2)])",
    "x": "the training inputs come from make_data: return {'x': ..., 'y': ...}",
    "y": "the training targets come from make_data: return {'x': ..., 'y': ...}",
    "validation_data": "validation arrays come from make_data: return {..., 'x_val': ..., 'y_val': ...}",
    "sample_weight": "per-sample weights come from make_data: return {..., 'sample_weight': ...}",
}


class Unsupported(Exception):
    """Raise it from a case's ``build``, ``make_data`` or ``probe`` when what the case needs does not
    exist in this framework version or backend (``raise Unsupported("tf.data needs TensorFlow")``).

    The run is then ``skipped`` with that reason, and so is every check that needs it: an API a
    version lacks is not a failure of that version. The compatibility layer raises it too.
    """


class CaseDeclarationError(ValueError):
    """A field of a case declaration holds what it cannot: the message names the field and what is
    expected; ``section`` is the README section that shows the right form."""

    def __init__(self, message: str, section: str = WRITING_A_CASE) -> None:
        super().__init__(message)
        self.section = section


def _require(condition: bool, message: str, section: str = WRITING_A_CASE) -> None:
    if not condition:
        raise CaseDeclarationError(message, section)


def _reject_unknown(what: str, unknown: Mapping[str, Any], accepted: Sequence[str]) -> None:
    """A misspelt field is named, with the closest field this declaration has."""
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, accepted, n=1)
        raise CaseDeclarationError("{} got an unexpected keyword argument '{}'{}; its fields are: {}".format(
            what, name, " (did you mean '{}'?)".format(close[0]) if close else "", ", ".join(accepted)))


def _fields(cls: type) -> List[str]:
    return [name for name, parameter in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and parameter.kind is parameter.POSITIONAL_OR_KEYWORD]


def _require_factories(owner: str, factories: Any) -> None:
    """Callbacks are made afresh for every run, in the run's process, from the framework it imported:
    a callback object built in the case file would carry state from one run into the next."""
    _require(isinstance(factories, (list, tuple)),
             "{}: callbacks must be a list of factories, e.g. callbacks=[lambda fw: "
             "fw.keras.callbacks.EarlyStopping(patience=2)]. Received: {!r}".format(owner, factories), OWN_MODEL)
    for factory in factories:
        _require(callable(factory) and not isinstance(factory, type),
                 "{}: each callback must be a factory receiving the framework, e.g. lambda fw: "
                 "fw.keras.callbacks.EarlyStopping(patience=2). Received: {!r}".format(owner, factory), OWN_MODEL)


def _require_fit_options(owner: str, options: Any) -> None:
    _require(isinstance(options, Mapping), "{}: fit_options must be a dict of model.fit arguments such as "
             "{{'epochs': 10, 'batch_size': 32}}. Received: {!r}".format(owner, options), OWN_MODEL)
    for name in sorted(options):
        _require(name not in _NOT_FIT_OPTIONS, "{}: fit_options cannot hold '{}': {}".format(
            owner, name, _NOT_FIT_OPTIONS.get(name)), OWN_MODEL)


def call_with_optional(function: Callable[..., Any], required: Sequence[Any], optional: Any,
                       keywords: Mapping[str, Any]) -> Any:
    """Call ``function(*required, optional, **keywords)``, or without ``optional`` when it does not
    take it: ``build(fw, data)`` and ``make_data(rng)`` are enough for a model without profiles."""
    try:
        inspect.signature(function).bind(*required, optional, **keywords)
    except TypeError:
        return function(*required, **keywords)
    except ValueError:  # no signature to read (a builtin): call it the documented way
        pass
    return function(*required, optional, **keywords)


def _require_id(what: str, value: Any) -> None:
    _require(
        isinstance(value, str) and bool(_ID.match(value)),
        "{} must be a lower-case identifier such as 'plain_model'. Received: {!r}".format(what, value),
    )


def _require_callable(what: str, value: Any) -> None:
    _require(callable(value), "{} must be callable. Received: {!r}".format(what, value))


class Seeds(object):
    """The three seeds a user's script sets: NumPy's, Python's ``random`` and the framework's."""

    __slots__ = ("numpy", "python", "framework")

    def __init__(self, numpy: int, python: int, framework: int) -> None:
        for name, value in (("numpy", numpy), ("python", python), ("framework", framework)):
            _require(
                isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                "seed '{}' must be a non-negative integer. Received: {!r}".format(name, value),
            )
        self.numpy = numpy
        self.python = python
        self.framework = framework

    def shifted(self, offset: int) -> "Seeds":
        """The seeds of a later repeat: each of the document's seeds plus ``offset``."""
        return Seeds(self.numpy + offset, self.python + offset, self.framework + offset)

    def as_dict(self) -> Dict[str, int]:
        return {"numpy": self.numpy, "python": self.python, "framework": self.framework}


class Limit(object):
    """The bound a check's measured value must respect, declared beside the check.

    ``Limit("<=", 1e-6)`` reads "the measured value is at most 1e-6". A NaN measurement never
    satisfies a limit: not knowing is not passing.
    """

    OPERATORS = {
        "<=": lambda measured, bound: measured <= bound,
        "<": lambda measured, bound: measured < bound,
        ">=": lambda measured, bound: measured >= bound,
        ">": lambda measured, bound: measured > bound,
        "==": lambda measured, bound: measured == bound,
    }

    def __init__(self, operator: str, bound: float) -> None:
        _require(
            operator in self.OPERATORS,
            "a limit's operator must be one of {}. Received: {!r}".format(sorted(self.OPERATORS), operator),
        )
        _require(
            isinstance(bound, (int, float)) and not isinstance(bound, bool),
            "a limit's bound must be a number. Received: {!r}".format(bound),
        )
        self.operator = operator
        self.bound = float(bound)

    def holds(self, measured: float) -> bool:
        return bool(self.OPERATORS[self.operator](measured, self.bound))

    def as_dict(self) -> Dict[str, Any]:
        return {"operator": self.operator, "bound": self.bound}

    def __repr__(self) -> str:
        return "{} {:g}".format(self.operator, self.bound)


class KnownFailure(object):
    """A check that is known to fail in some framework versions: a documented framework bug.

    ``when`` is a requirement such as ``"tensorflow<2.0"`` (several joined by ``,`` must all
    hold); ``init_modes`` and ``keras_flavours`` restrict it to the initialisation modes and the
    Keras imports (``tf.keras`` or standalone ``keras``) where the bug shows; ``source`` says
    where the bug is documented (a seed document, an issue link). ``intermittent`` declares a bug
    that shows in some runs only (a race inside the framework): where it does not show, the check
    passes instead of reading ``fixed``, since a pass then says nothing about the bug being gone.
    """

    def __init__(self, when: str, reason: str, source: str, init_modes: Sequence[str] = INIT_MODES,
                 keras_flavours: Sequence[str] = KERAS_FLAVOURS, intermittent: bool = False) -> None:
        _require(isinstance(when, str) and bool(when.strip()), "a known failure needs 'when', e.g. 'tensorflow<2.0'")
        _require(isinstance(reason, str) and bool(reason.strip()), "a known failure needs a 'reason'")
        _require(isinstance(source, str) and bool(source.strip()), "a known failure needs a 'source'")
        for mode in init_modes:
            _require(mode in INIT_MODES, "init mode must be one of {}. Received: {!r}".format(INIT_MODES, mode))
        for flavour in keras_flavours:
            _require(flavour in KERAS_FLAVOURS,
                     "keras flavour must be one of {}. Received: {!r}".format(KERAS_FLAVOURS, flavour))
        self.when = when
        self.reason = reason
        self.source = source
        self.init_modes = tuple(init_modes)
        self.keras_flavours = tuple(keras_flavours)
        self.intermittent = bool(intermittent)

    def as_dict(self) -> Dict[str, Any]:
        entry = {"when": self.when, "reason": self.reason, "source": self.source, "init_modes": list(self.init_modes),
                 "keras_flavours": list(self.keras_flavours)}  # type: Dict[str, Any]
        if self.intermittent:  # only then: reports of steady bugs stay as they were
            entry["intermittent"] = True
        return entry


class ExpectedChange(object):
    """A change between framework versions that the case expects: shown as expected, not failing.

    ``when`` is a version requirement as in :class:`KnownFailure`; the change is expected between
    two environments when exactly one of them satisfies it (the boundary lies between them, e.g.
    ``"tensorflow>=2.10"``: TF 2.10 changed the initialisers' RNG). ``quantities`` are the
    user-facing quantities it concerns (``val_loss``, ``accuracy``, ``epochs``; ``*`` for all),
    ``init_modes`` and ``variants`` (None: all) where it shows. One that stops happening is
    flagged, as ``fixed`` is for a known failure.
    """

    def __init__(self, when: str, reason: str, source: str, quantities: Sequence[str] = ("*",),
                 init_modes: Sequence[str] = INIT_MODES, variants: Optional[Sequence[str]] = None) -> None:
        _require(isinstance(when, str) and bool(when.strip()), "an expected change needs 'when', e.g. 'tensorflow>=2.10'")
        _require(isinstance(reason, str) and bool(reason.strip()), "an expected change needs a 'reason'")
        _require(isinstance(source, str) and bool(source.strip()), "an expected change needs a 'source'")
        _require(isinstance(quantities, (list, tuple)) and len(quantities) >= 1 and all(
            isinstance(q, str) and q for q in quantities), "an expected change's quantities must be names, e.g. ('val_loss',)")
        for mode in init_modes:
            _require(mode in INIT_MODES, "init mode must be one of {}. Received: {!r}".format(INIT_MODES, mode))
        self.when = when
        self.reason = reason
        self.source = source
        self.quantities = tuple(quantities)
        self.init_modes = tuple(init_modes)
        self.variants = None if variants is None else tuple(variants)

    def as_dict(self) -> Dict[str, Any]:
        return {"when": self.when, "reason": self.reason, "source": self.source, "quantities": list(self.quantities),
                "init_modes": list(self.init_modes), "variants": None if self.variants is None else list(self.variants)}


class Measurement(object):
    """What a check measured: one number judged against the limit, plus named components.

    ``details`` lets a check say *where* a difference lies (initial weights, loss history, final
    weights), which is how the report can state that the initial weights already differ.
    ``evidence`` says how many numbers the value was computed from, when the measure knows: a
    difference between two empty histories is 0, and 0 would pass any limit, so a check whose
    measurement has ``evidence == 0`` is an ``error`` ("measured nothing"), never a pass.
    """

    def __init__(self, value: float, details: Optional[Mapping[str, Any]] = None,
                 evidence: Optional[int] = None) -> None:
        self.value = float(value)
        self.details = dict(details or {})
        self.evidence = evidence


class Check(object):
    """Something that must hold on the runs of one case, for each init mode and seed.

    ``measure(runs)`` receives the finished runs of one init mode and seed, keyed by variant
    name (only the variants listed in ``variants``), and returns a :class:`Measurement` or a
    float. The verdict is ``limit.holds(value)``. An ``invariant`` failing is a framework bug;
    a ``characterisation`` failing means documented behaviour changed and is worth a flag.

    ``compares_variants=True`` declares that ``measure`` is a distance between the check's two
    variants. The harness then also applies it to two runs of *one* variant with the same seeds
    (the determinism re-run): that is the environment's own run-to-run noise, and a difference
    within it cannot be told from noise (verdict ``noise``), however small the limit.
    """

    def __init__(
        self,
        id: str,
        kind: str,
        description: str,
        variants: Sequence[str],
        measure: Callable[[Mapping[str, Any]], Any],
        limit: Limit,
        known_failures: Sequence[KnownFailure] = (),
        init_modes: Sequence[str] = INIT_MODES,
        compares_variants: bool = False,
        **unknown: Any
    ) -> None:
        _reject_unknown("Check", unknown, _fields(Check))
        _require_id("a check's id", id)
        _require(kind in CHECK_KINDS, "check '{}': kind must be one of {}. Received: {!r}".format(id, CHECK_KINDS, kind))
        _require(isinstance(description, str) and bool(description.strip()), "check '{}' needs a description".format(id))
        _require(
            isinstance(variants, (list, tuple)) and len(variants) >= 1,
            "check '{}': variants must be a non-empty list of variant names. Received: {!r}".format(id, variants),
        )
        _require_callable("check '{}': measure".format(id), measure)
        _require(isinstance(limit, Limit), "check '{}': limit must be a Limit. Received: {!r}".format(id, limit))
        for known in known_failures:
            _require(isinstance(known, KnownFailure), "check '{}': known_failures must hold KnownFailure".format(id))
        _require(not compares_variants or len(variants) == 2,
                 "check '{}': compares_variants needs exactly two variants. Received: {!r}".format(id, variants))
        for mode in init_modes:
            _require(mode in INIT_MODES, "check '{}': init mode must be one of {}. Received: {!r}".format(id, INIT_MODES, mode))
        self.id = id
        self.kind = kind
        self.description = description
        self.variants = tuple(variants)
        self.measure = measure
        self.limit = limit
        self.known_failures = tuple(known_failures)
        self.init_modes = tuple(init_modes)
        self.compares_variants = compares_variants


class Variant(object):
    """One model of a case, or one program that computes instead of training.

    ``build(fw, data, profile, **options)`` (or ``build(fw, data)``) returns a compiled model;
    ``fit_options`` are passed to the case's training (epochs, batch size...) over the case's;
    ``callbacks`` are added to the case's, and ``fit_data`` replaces the case's (see :class:`Case`).
    ``initial_weights``, when given, says how the variant's starting weights relate to another
    variant's: ``(base_variant, transform)``; the harness builds the base first in the same
    process, as the document's script does, and sets ``transform(base_weights)``.
    ``compute(fw)``, given instead of ``build``, is a program whose result (a dict) the case's checks
    read from the run's arrays as ``arrays["rules"]``: a family of rules (:mod:`harness.rules`) on
    pinned weights, which needs one run per environment, not seeds and init modes.
    """

    def __init__(
        self,
        name: str,
        build: Optional[Callable[..., Any]] = None,
        description: str = "",
        options: Optional[Mapping[str, Any]] = None,
        fit_options: Optional[Mapping[str, Any]] = None,
        initial_weights: Optional[Tuple[str, Callable[[list], list]]] = None,
        pinned_weights: Optional[Callable[[Any, Sequence[Any]], list]] = None,
        callbacks: Sequence[Callable[[Any], Any]] = (),
        fit_data: Optional[Callable[[Any, Dict[str, Any]], Mapping[str, Any]]] = None,
        compute: Optional[Callable[[Any], Dict[str, Any]]] = None,
        **unknown: Any
    ) -> None:
        _reject_unknown("Variant", unknown, _fields(Variant))
        _require_id("a variant's name", name)
        _require((build is None) != (compute is None),
                 "variant '{}' needs build=<function returning a compiled model> (or compute=, for a family of "
                 "rules), exactly one of them".format(name))
        _require_callable("variant '{}': {}".format(name, "build" if compute is None else "compute"), build or compute)
        _require_fit_options("variant '{}'".format(name), fit_options or {})
        _require_factories("variant '{}'".format(name), callbacks)
        if fit_data is not None:
            _require_callable("variant '{}': fit_data".format(name), fit_data)
        if initial_weights is not None:
            _require(
                isinstance(initial_weights, tuple) and len(initial_weights) == 2 and callable(initial_weights[1]),
                "variant '{}': initial_weights must be (base_variant_name, transform)".format(name),
            )
        if pinned_weights is not None:
            _require_callable("variant '{}': pinned_weights".format(name), pinned_weights)
        self.name = name
        self.build = build
        self.description = description
        self.options = dict(options or {})
        self.fit_options = dict(fit_options or {})
        self.initial_weights = initial_weights
        self.pinned_weights = pinned_weights
        self.callbacks = tuple(callbacks)
        self.fit_data = fit_data
        self.compute = compute

    def model(self, fw: Any, data: Dict[str, Any], profile: Dict[str, Any]) -> Any:
        """The variant's model, built by its ``build`` (which may leave out ``profile``)."""
        return call_with_optional(self.build, (fw, data), profile, self.options)


class Case(object):
    """A scenario, its variants and its checks.

    ``make_data(rng, profile)`` (or ``make_data(rng)``) makes the data with NumPy only, from ``rng``
    (NumPy's global ``RandomState`` right after the user's seeding, so the bytes match the
    document's script and are identical in every environment): a dict with ``x`` and ``y`` (arrays,
    or lists/dicts of arrays for several inputs or outputs) and optionally ``x_val``/``y_val``
    (``validation_data``), ``sample_weight`` and ``sample_weight_val``. ``build`` is the shorthand
    for one variant named ``model``; ``variants`` lists several. ``fit_options`` are the document's
    training arguments (``class_weight`` included); ``callbacks`` are factories ``fw -> callback``
    called afresh in every run; ``fit_data(fw, data)``, when given, returns ``model.fit``'s input
    arguments itself (a ``tf.data.Dataset``, a generator with ``steps_per_epoch``), for the input
    pipelines a version or backend may lack (raise :class:`Unsupported`). ``profiles`` may override
    options per profile (``default`` is small enough for a 2-core CPU, ``full`` is the document's
    size). ``probe(data)`` selects inputs whose predictions are recorded before and after
    training, for checks on outputs. ``tolerance`` ``(atol, rtol)`` is what ``harness compare``
    allows between environments before it even looks at the seed-to-seed spread;
    ``expected_changes`` declares differences between versions that are known and explained (see
    :class:`ExpectedChange`). ``sources`` and ``checks`` are what a seed story has and a user's own
    model may leave out: the comparison across environments is then the check.
    """

    def __init__(
        self,
        id: str,
        title: str = "",
        sources: Sequence[str] = (),
        variants: Sequence[Variant] = (),
        make_data: Optional[Callable[..., Dict[str, Any]]] = None,
        checks: Sequence[Check] = (),
        fit_options: Optional[Mapping[str, Any]] = None,
        profiles: Optional[Mapping[str, Mapping[str, Any]]] = None,
        seeds: Seeds = Seeds(1, 2, 3),
        probe: Optional[Callable[[Dict[str, Any]], Any]] = None,
        description: str = "",
        tolerance: Tuple[float, float] = (1e-6, 1e-5),
        expected_changes: Sequence[ExpectedChange] = (),
        build: Optional[Callable[..., Any]] = None,
        callbacks: Sequence[Callable[[Any], Any]] = (),
        fit_data: Optional[Callable[[Any, Dict[str, Any]], Mapping[str, Any]]] = None,
        **unknown: Any
    ) -> None:
        _reject_unknown("Case", unknown, _fields(Case))
        _require_id("a case's id", id)
        _require(isinstance(title, str), "case '{}': title must be text. Received: {!r}".format(id, title))
        _require(isinstance(sources, (list, tuple)) and all(isinstance(s, str) for s in sources),
                 "case '{}': sources must be a list of texts saying where the case comes from (seed document, "
                 "issue link). Received: {!r}".format(id, sources))
        _require(not (build is not None and variants), "case '{}': give build (one model) or variants (several), "
                 "not both".format(id), OWN_MODEL)
        if build is not None:
            _require_callable("case '{}': build".format(id), build)
            variants = (Variant("model", build),)
        _require(
            isinstance(variants, (list, tuple)) and len(variants) >= 1 and all(isinstance(v, Variant) for v in variants),
            "case '{}': needs build=<function returning a compiled model> or variants=[Variant(...), ...]. "
            "Received variants: {!r}".format(id, variants), OWN_MODEL)
        names = [variant.name for variant in variants]
        duplicated = sorted(set(name for name in names if names.count(name) > 1))
        _require(not duplicated, "case '{}': variant names repeat: {}".format(id, duplicated))
        computes = all(variant.compute is not None for variant in variants)
        _require(computes == any(variant.compute is not None for variant in variants),
                 "case '{}': variants that compute (rules) and variants that train cannot share a case".format(id))
        _require(callable(make_data) or (computes and make_data is None),
                 "case '{}': make_data must be a function make_data(rng) returning "
                 "{{'x': ..., 'y': ...}}. Received: {!r}".format(id, make_data), OWN_MODEL)
        _require_fit_options("case '{}'".format(id), fit_options or {})
        _require_factories("case '{}'".format(id), callbacks)
        if fit_data is not None:
            _require_callable("case '{}': fit_data".format(id), fit_data)
        _require(
            isinstance(checks, (list, tuple)) and all(isinstance(c, Check) for c in checks),
            "case '{}': checks must be a list of Check".format(id),
        )
        check_ids = [check.id for check in checks]
        _require(len(set(check_ids)) == len(check_ids), "case '{}': check ids repeat".format(id))
        for check in checks:
            unknown_variants = [name for name in check.variants if name not in names]
            _require(not unknown_variants, "case '{}': check '{}' names unknown variants {}".format(
                id, check.id, unknown_variants))
        for variant in variants:
            if variant.initial_weights is not None:
                base = variant.initial_weights[0]
                _require(base in names and base != variant.name,
                         "case '{}': variant '{}' derives its weights from unknown variant {!r}".format(id, variant.name, base))
        _require(isinstance(seeds, Seeds), "case '{}': seeds must be Seeds(numpy, python, framework)".format(id))
        if probe is not None:
            _require_callable("case '{}': probe".format(id), probe)
        _require(isinstance(tolerance, tuple) and len(tolerance) == 2 and all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and t >= 0 for t in tolerance),
            "case '{}': tolerance must be (atol, rtol), two non-negative numbers. Received: {!r}".format(id, tolerance))
        _require(isinstance(expected_changes, (list, tuple)) and all(
            isinstance(change, ExpectedChange) for change in expected_changes),
            "case '{}': expected_changes must be a list of ExpectedChange".format(id))
        for change in expected_changes:
            unknown_variants = [name for name in change.variants or () if name not in names]
            _require(not unknown_variants, "case '{}': an expected change names unknown variants {}".format(
                id, unknown_variants))
        self.id = id
        self.title = title.strip() or id
        self.sources = tuple(sources)
        self.variants = tuple(variants)
        self.make_data = make_data
        self.checks = tuple(checks)
        self.fit_options = dict(fit_options or {})
        self.profiles = {name: dict(values) for name, values in (profiles or {}).items()}
        self.seeds = seeds
        self.probe = probe
        self.description = description
        self.tolerance = {"atol": float(tolerance[0]), "rtol": float(tolerance[1])}
        self.expected_changes = tuple(expected_changes)
        self.callbacks = tuple(callbacks)
        self.fit_data = fit_data
        self.computes = computes

    def data(self, rng: Any, profile: Dict[str, Any]) -> Dict[str, Any]:
        """The case's data, made by its ``make_data`` (which may leave out ``profile``)."""
        return call_with_optional(self.make_data, (rng,), profile, {})

    def variant(self, name: str) -> Variant:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError(name)

    def profile_options(self, profile: str) -> Dict[str, Any]:
        """Options of a profile; ``default`` may be absent (then it is empty)."""
        if profile == "default":
            return dict(self.profiles.get("default", {}))
        if profile not in self.profiles:
            raise ValueError("case '{}' has no profile {!r} (it has: default{})".format(
                self.id, profile, "".join(", " + name for name in sorted(self.profiles) if name != "default")))
        return dict(self.profiles[profile])
