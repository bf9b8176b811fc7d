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

from harness import capabilities
from harness.contract import versions
from harness.contract.vocabulary import (CASE_KINDS, CHECK_KINDS, EPOCHS_KEY, INIT_MODES, KERAS_FLAVOURS,
                                        LEARNING_RATE_KEY, MEASURES)

__all__ = ["Case", "CaseDeclarationError", "Check", "ExpectedChange", "Judge", "KnownFailure", "Limit", "Measurement",
           "Seeds", "Unsupported", "Variant", "CHECK_KINDS", "INIT_MODES", "KERAS_FLAVOURS"]
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
    """Raise it from a case's own ``build``, ``make_data`` or ``probe`` to declare, in code, that this
    environment lacks what the case needs (``raise Unsupported("needs a GPU")``).

    The run is then ``skipped`` with that reason, and so is every check that needs it. Prefer
    ``requires=("tf_data",)`` on the case or variant (:mod:`harness.capabilities`): that is decided
    before anything runs and names the capability. The harness itself never raises it: an API call
    that raises inside a supported environment is a failure, not an absence.
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


class Call(object):
    """How the harness calls one function of a case, read from its signature when it is declared.

    The harness passes the ``positional`` arguments it documents (``build(fw, data)``,
    ``make_data(rng)``), ``profile`` only to a parameter named ``profile``, and a variant's
    ``options`` as keywords. A parameter with a default is left alone; one without a default that
    the harness cannot fill is the case's mistake, said when the case is declared: guessing would
    hand an internal value to a user's parameter (``build(fw, data, augment=True)`` once received
    the profile dict as ``augment``).
    """

    def __init__(self, what: str, function: Callable[..., Any], positional: Sequence[str],
                 options: Optional[Mapping[str, Any]] = None, section: str = WRITING_A_CASE) -> None:
        _require(callable(function) and not isinstance(function, type),
                 "{} must be a function. Received: {!r}".format(what, function), section)
        self.function = function
        self.options = dict(options or {})
        self.takes_profile = False
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):  # no signature to read (a builtin): called with the documented arguments
            return
        parameters = list(signature.parameters.values())
        kinds = inspect.Parameter
        slots = [p for p in parameters if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
        spread = any(p.kind == kinds.VAR_POSITIONAL for p in parameters)
        keywords = any(p.kind == kinds.VAR_KEYWORD for p in parameters)
        form = "{}({})".format(what.split(": ")[-1], ", ".join(positional))
        _require(len(slots) >= len(positional) or spread, "{} must take {}: the harness calls it so. Received a "
                 "function of ({})".format(what, form, ", ".join(p.name for p in parameters)), section)
        filled = set(p.name for p in slots[:len(positional)])
        named = {p.name: p for p in parameters
                 if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY) and p.name not in filled}
        self.takes_profile = "profile" in named
        for option in sorted(self.options):
            _require(option in named or keywords, "{} takes no parameter '{}' (given in options={{'{}': ...}}); its "
                     "parameters are: {}".format(what, option, option, ", ".join(named) or "none"), section)
        for name, parameter in named.items():
            _require(parameter.default is not parameter.empty or name in self.options or name == "profile",
                     "{}: parameter '{}' has no default and the harness cannot fill it (it passes {}, 'profile' to a "
                     "parameter of that name, and a variant's options): give it a default or pass it with "
                     "options={{'{}': ...}}".format(what, name, ", ".join(positional), name), section)

    def __call__(self, *arguments: Any, profile: Any = None) -> Any:
        keywords = dict(self.options)
        if self.takes_profile:
            keywords["profile"] = profile
        return self.function(*arguments, **keywords)


def declared_requirements(owner: str, requires: Any) -> Tuple[str, ...]:
    """Capabilities a case, variant or rule needs, each a name of :mod:`harness.capabilities`."""
    _require(isinstance(requires, (list, tuple)) and all(isinstance(name, str) for name in requires),
             "{}: requires must be a list of capability names, e.g. requires=('tf_data',). Received: {!r}".format(
                 owner, requires))
    for name in requires:
        close = difflib.get_close_matches(name, sorted(capabilities.NAMES), n=1)
        _require(name in capabilities.NAMES, "{}: requires names no capability {!r}{}; the capabilities are: {}".format(
            owner, name, " (did you mean '{}'?)".format(close[0]) if close else "", ", ".join(sorted(capabilities.NAMES))))
    return tuple(requires)


def declared_when(owner: str, when: Any) -> str:
    """A version requirement, read now: one that cannot be read is a mistake of the declaration, not
    a crash when the check is first judged."""
    _require(isinstance(when, str) and bool(when.strip()), "{} needs 'when', the versions it applies to, {}. "
             "Received: {!r}".format(owner, versions.EXAMPLE, when))
    try:
        versions.parse(when)
    except ValueError as error:
        raise CaseDeclarationError("{}: 'when' {}".format(owner, error))
    return when


def _require_init_modes(owner: str, modes: Any) -> Tuple[str, ...]:
    _require(isinstance(modes, (list, tuple)) and len(modes) >= 1,
             "{}: init_modes must be a non-empty list of {}. Received: {!r}".format(owner, INIT_MODES, modes))
    for mode in modes:
        _require(mode in INIT_MODES, "{}: init mode must be one of {}. Received: {!r}".format(owner, INIT_MODES, mode))
    return tuple(modes)


def _require_text(owner: str, field: str, value: Any, example: str) -> str:
    _require(isinstance(value, str) and bool(value.strip()), "{} needs a '{}' ({}). Received: {!r}".format(
        owner, field, example, value))
    return value


def _require_id(what: str, value: Any) -> None:
    _require(
        isinstance(value, str) and bool(_ID.match(value)),
        "{} must be a lower-case identifier such as 'plain_model'. Received: {!r}".format(what, value),
    )


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


# The document's seeds (NumPy 1, Python 2, framework 3): repeat 0 of every case that says no others.
DEFAULT_SEEDS = Seeds(1, 2, 3)


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
        owner = "a known failure"
        self.when = declared_when(owner, when)
        self.reason = _require_text(owner, "reason", reason, "what goes wrong")
        self.source = _require_text(owner, "source", source, "an issue link or the reproduction")
        self.init_modes = _require_init_modes(owner, init_modes)
        _require(isinstance(keras_flavours, (list, tuple)) and all(f in KERAS_FLAVOURS for f in keras_flavours),
                 "{}: keras_flavours must hold {}. Received: {!r}".format(owner, KERAS_FLAVOURS, keras_flavours))
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
        owner = "an expected change"
        self.when = declared_when(owner, when)
        self.reason = _require_text(owner, "reason", reason, "why the change is expected")
        self.source = _require_text(owner, "source", source, "where it is documented")
        _require(isinstance(quantities, (list, tuple)) and len(quantities) >= 1 and all(
            isinstance(q, str) and q for q in quantities), "an expected change's quantities must be names, e.g. ('val_loss',)")
        self.quantities = tuple(quantities)
        self.init_modes = _require_init_modes(owner, init_modes)
        self.variants = None if variants is None else tuple(variants)

    def as_dict(self) -> Dict[str, Any]:
        return {"when": self.when, "reason": self.reason, "source": self.source, "quantities": list(self.quantities),
                "init_modes": list(self.init_modes), "variants": None if self.variants is None else list(self.variants)}


class Judge(object):
    """A quantity the case is judged on, and the difference in it that matters.

    ``key`` is a history key (``"val_auc"``), ``"epochs"`` (epochs trained, and the best epoch of
    what a callback watches) or ``"learning_rate"`` (the rate training ended with); ``measures``
    narrows it (``("final",)`` for the last epoch's value only; by default a history key is judged on
    its final value and its curve's mean). ``margin`` is the difference that matters, in the
    quantity's own units (``0.005`` of AUC): a comparison shows the two environments the same when
    it can show the difference is smaller. Without one, the margin is the seed-to-seed standard
    deviation, never below the quantity's resolution (one validation sample for an accuracy). A case
    that lists what it is judged on spends the comparison's false-alarm level on those alone; one
    that lists nothing is judged on every quantity a user looks at.
    """

    def __init__(self, key: str, margin: Optional[float] = None, measures: Optional[Sequence[str]] = None) -> None:
        _require(isinstance(key, str) and bool(key.strip()), "Judge needs the key of a quantity, e.g. Judge('val_auc', "
                 "margin=0.005). Received: {!r}".format(key))
        _require(margin is None or (isinstance(margin, (int, float)) and not isinstance(margin, bool)
                                    and 0 < margin < float("inf")),
                 "Judge('{}'): margin must be a positive number in the quantity's units, or None for the seed-to-seed "
                 "spread. Received: {!r}".format(key, margin))
        default = {EPOCHS_KEY: ("epochs_trained", "best_epoch"), LEARNING_RATE_KEY: ("final_learning_rate",)}.get(
            key, ("final", "curve_mean"))
        measures = tuple(measures) if measures is not None else default
        _require(bool(measures) and all(measure in MEASURES for measure in measures),
                 "Judge('{}'): measures must be some of {}. Received: {!r}".format(key, MEASURES, measures))
        self.key = key
        self.margin = None if margin is None else float(margin)
        self.measures = measures

    def as_dict(self) -> Dict[str, Any]:
        return {"key": self.key, "measures": list(self.measures), "margin": self.margin}


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
        Call("check '{}': measure".format(id), measure, ("runs",))
        _require(isinstance(limit, Limit), "check '{}': limit must be a Limit. Received: {!r}".format(id, limit))
        for known in known_failures:
            _require(isinstance(known, KnownFailure), "check '{}': known_failures must hold KnownFailure".format(id))
        _require(not compares_variants or len(variants) == 2,
                 "check '{}': compares_variants needs exactly two variants. Received: {!r}".format(id, variants))
        self.id = id
        self.kind = kind
        self.description = description
        self.variants = tuple(variants)
        self.measure = measure
        self.limit = limit
        self.known_failures = tuple(known_failures)
        self.init_modes = _require_init_modes("check '{}'".format(id), init_modes)
        self.compares_variants = compares_variants


class Variant(object):
    """One model of a case.

    ``build(fw, data)`` returns a compiled model; a parameter named ``profile`` receives the run's
    profile options, and ``options`` are passed as keywords (see :class:`Call`). ``fit_options``
    are passed to the case's training (epochs, batch size...) over the case's; ``callbacks`` are
    added to the case's, and ``fit_data`` replaces the case's (see :class:`Case`).
    ``initial_weights``, when given, says how the variant's starting weights relate to another
    variant's: ``(base_variant, transform)``; the harness builds the base first in the same
    process, as the document's script does, and sets ``transform(base_weights)``. ``requires``
    names the capabilities (:mod:`harness.capabilities`) without which the variant's runs are
    skipped, decided before they start.
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
        requires: Sequence[str] = (),
        **unknown: Any
    ) -> None:
        _reject_unknown("Variant", unknown, _fields(Variant))
        _require_id("a variant's name", name)
        owner = "variant '{}'".format(name)
        _require(build is not None, "{} needs build=<function returning a compiled model>".format(owner), OWN_MODEL)
        _require(options is None or isinstance(options, Mapping),
                 "{}: options must be a dict of build's keyword arguments. Received: {!r}".format(owner, options))
        self.builder = Call("{}: build".format(owner), build, ("fw", "data"), options, OWN_MODEL)
        _require_fit_options(owner, fit_options or {})
        _require_factories(owner, callbacks)
        if fit_data is not None:
            Call("{}: fit_data".format(owner), fit_data, ("fw", "data"), section=OWN_MODEL)
        if initial_weights is not None:
            _require(
                isinstance(initial_weights, tuple) and len(initial_weights) == 2 and callable(initial_weights[1]),
                "{}: initial_weights must be (base_variant_name, transform)".format(owner),
            )
            Call("{}: initial_weights' transform".format(owner), initial_weights[1], ("weights",))
        if pinned_weights is not None:
            Call("{}: pinned_weights".format(owner), pinned_weights, ("rng", "initial"))
        self.name = name
        self.build = build
        self.description = description
        self.options = dict(options or {})
        self.fit_options = dict(fit_options or {})
        self.initial_weights = initial_weights
        self.pinned_weights = pinned_weights
        self.callbacks = tuple(callbacks)
        self.fit_data = fit_data
        self.requires = declared_requirements(owner, requires)

    def model(self, fw: Any, data: Dict[str, Any], profile: Dict[str, Any]) -> Any:
        """The variant's model, built by its ``build``."""
        return self.builder(fw, data, profile=profile)


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
    arguments itself (a ``tf.data.Dataset``, a generator with ``steps_per_epoch``); ``requires``
    names the capabilities every variant needs (``("tf_data",)``: decided before a run starts, the
    runs of an environment without it are skipped with the capability named). ``profiles`` may override
    options per profile (``default`` is small enough for a 2-core CPU, ``full`` is the document's
    size). ``probe(data)`` selects inputs whose predictions are recorded before and after
    training, for checks on outputs. ``tolerance`` ``(atol, rtol)`` is what ``harness compare``
    allows between environments before it even looks at the seed-to-seed spread;
    ``expected_changes`` declares differences between versions that are known and explained (see
    :class:`ExpectedChange`). ``sources`` and ``checks`` are what a seed story has and a user's own
    model may leave out: the comparison across environments is then the check. ``on_request=True``
    keeps a case out of a run that selects nothing (``tox -e tf2``): it runs when ``-k`` names it,
    for a case that shows a workflow (``harness decide``) at a cost the everyday run should not pay.
    """

    kind = CASE_KINDS[0]  # a case that trains; a family of rules is the other kind (harness.rules.Family)

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
        seeds: Seeds = DEFAULT_SEEDS,
        probe: Optional[Callable[[Dict[str, Any]], Any]] = None,
        description: str = "",
        tolerance: Tuple[float, float] = (1e-6, 1e-5),
        expected_changes: Sequence[ExpectedChange] = (),
        build: Optional[Callable[..., Any]] = None,
        callbacks: Sequence[Callable[[Any], Any]] = (),
        fit_data: Optional[Callable[[Any, Dict[str, Any]], Mapping[str, Any]]] = None,
        requires: Sequence[str] = (),
        judge: Sequence[Judge] = (),
        on_request: bool = False,
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
            variants = (Variant("model", build),)
        _require(
            isinstance(variants, (list, tuple)) and len(variants) >= 1 and all(isinstance(v, Variant) for v in variants),
            "case '{}': needs build=<function returning a compiled model> or variants=[Variant(...), ...]. "
            "Received variants: {!r}".format(id, variants), OWN_MODEL)
        names = [variant.name for variant in variants]
        duplicated = sorted(set(name for name in names if names.count(name) > 1))
        _require(not duplicated, "case '{}': variant names repeat: {}".format(id, duplicated))
        _require(callable(make_data), "case '{}': make_data must be a function make_data(rng) returning "
                 "{{'x': ..., 'y': ...}}. Received: {!r}".format(id, make_data), OWN_MODEL)
        self.data_maker = Call("case '{}': make_data".format(id), make_data, ("rng",), section=OWN_MODEL)
        _require_fit_options("case '{}'".format(id), fit_options or {})
        _require_factories("case '{}'".format(id), callbacks)
        if fit_data is not None:
            Call("case '{}': fit_data".format(id), fit_data, ("fw", "data"), section=OWN_MODEL)
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
            Call("case '{}': probe".format(id), probe, ("data",))
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
        self.requires = declared_requirements("case '{}'".format(id), requires)
        _require(isinstance(judge, (list, tuple)) and all(isinstance(item, Judge) for item in judge),
                 "case '{}': judge must be a list of Judge, e.g. judge=[Judge('val_auc', margin=0.005)]. "
                 "Received: {!r}".format(id, judge), OWN_MODEL)
        self.judge = tuple(judge)
        _require(isinstance(on_request, bool), "case '{}': on_request must be True or False. Received: {!r}".format(
            id, on_request))
        self.on_request = on_request

    def data(self, rng: Any, profile: Dict[str, Any]) -> Dict[str, Any]:
        """The case's data, made by its ``make_data``."""
        return self.data_maker(rng, profile=profile)

    def requirements(self, variant: Variant) -> Tuple[str, ...]:
        """What a run of ``variant`` needs: the case's capabilities, then the variant's."""
        return self.requires + tuple(name for name in variant.requires if name not in self.requires)

    def variant(self, name: str) -> Variant:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError(name)

    def runs_at(self, profile: str) -> str:
        """The profile this case runs at when ``profile`` is asked for: that one, or ``default`` when
        the case does not size itself by it (it has one size, its document's)."""
        return profile if profile in self.profiles else "default"

    def profile_options(self, profile: str) -> Dict[str, Any]:
        """Options of a profile; ``default`` may be absent (then it is empty)."""
        if profile == "default":
            return dict(self.profiles.get("default", {}))
        if profile not in self.profiles:
            raise ValueError("case '{}' has no profile {!r} (it has: default{})".format(
                self.id, profile, "".join(", " + name for name in sorted(self.profiles) if name != "default")))
        return dict(self.profiles[profile])
