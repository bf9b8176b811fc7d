"""One run of one variant, as a user's fresh script would do it: seed, make data, build, fit.

This module runs inside the child process of :mod:`harness.isolation`. It returns two things:
the ``record`` that goes into the report (statuses, histories, fingerprints, timings, all
JSON-able) and the ``arrays`` (weights and probe outputs) that the parent keeps in memory only
for the case's checks, which compare runs with each other.
"""

import contextlib
import math
import os
import tempfile
import time
import traceback
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from harness.case import OWN_MODEL, WRITING_A_CASE, Case, Seeds, Unsupported, Variant
from harness.contract.report import error_entry, run_record, skip_entry, training_record, training_randomness
from harness.contract.vocabulary import CASE_KINDS, CONTROLLED
from harness.run.fingerprint import data_fingerprint, weights_digest, weights_fingerprint
from harness.run.framework import Framework
from harness.run.trace import Trace, forward, gradients


class Skipped(Exception):
    """A run that is not made, for a reason the report keeps as a code (vocabulary.SKIP_CODES)."""

    def __init__(self, code: str, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.skip = skip_entry(code, missing)


SWITCHABLE = "switchable_training_randomness"


class CaseMistake(Exception):
    """The case file is wrong, not the framework: the runner names the file when it reports it,
    and the message points to the README section that shows the right form."""

    def __init__(self, message: str, section: str = OWN_MODEL) -> None:
        super().__init__('{} (README: "{}")'.format(message, section))


def check_output_shape(fw: Framework, model: Any, targets: Any, variant: Variant) -> None:
    """A model whose output does not match the targets is the case's mistake, and Keras does not
    always say so: mean squared error broadcasts (40, 2) outputs against (40, 1) targets and
    trains on garbage. Checked before ``fit``, from static shapes (no framework op is run); sparse
    losses (integer labels against class scores) are left to Keras."""
    shape = fw.output_shape(model)
    sparse = "sparse" in str(getattr(model, "loss", ""))
    if shape is None or None in shape[1:] or sparse or not isinstance(targets, np.ndarray):
        return
    # Values per sample, so that Keras's own leniency ((None, 1) outputs for (n,) targets) stays allowed.
    if int(np.prod(shape[1:])) != int(np.prod(targets.shape[1:])):
        raise CaseMistake("variant '{}' builds a model whose output shape is {}, but the case's y has shape {}".format(
            variant.name, shape, targets.shape), WRITING_A_CASE)


def glorot_uniform(rng: np.random.RandomState, shape: Sequence[int]) -> np.ndarray:
    """Keras's default kernel initialiser, computed by NumPy: same numbers in every version."""
    receptive_field = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive_field, shape[-1] * receptive_field
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=tuple(shape)).astype(np.float32)


def default_pinned_weights(rng: np.random.RandomState, initial: Sequence[np.ndarray]) -> List[np.ndarray]:
    """Pinned weights: kernels (ndim >= 2) Glorot-uniform from NumPy, other weights unchanged.

    One-dimensional weights (biases, BatchNormalization's gamma/beta/moving statistics) are
    constants in every Keras version, so keeping the framework's values pins them too; the
    report's initial-weight hashes prove it for every run.
    """
    return [glorot_uniform(rng, value.shape) if value.ndim >= 2 else np.array(value) for value in initial]


def fit_options(case: Case, variant: Variant, profile: Dict[str, Any]) -> Dict[str, Any]:
    """The document's training arguments, then the profile's, then the variant's."""
    options = dict(case.fit_options)
    options.update(profile.get("fit", {}))
    options.update(variant.fit_options)
    return options


def _pinned_rng(seeds: Seeds) -> np.random.RandomState:
    # The framework seed, handed to NumPy instead of the framework: one pinned set per repeat.
    return np.random.RandomState(seeds.framework)


def _initialise(fw: Framework, case: Case, variant: Variant, data: Dict[str, Any], profile: Dict[str, Any],
                init_mode: str, seeds: Seeds) -> Any:
    """Build the variant's model with the initial weights its init mode asks for."""
    if variant.initial_weights is not None:
        base_name, transform = variant.initial_weights
        base = _initialise(fw, case, case.variant(base_name), data, profile, init_mode, seeds)
        base_values = [value for _, value in fw.weights(base)]
        model = variant.model(fw, data, profile)
        fw.set_weights(model, transform(base_values))
        return model
    model = variant.model(fw, data, profile)
    if init_mode == "pinned":
        initial = [value for _, value in fw.weights(model)]
        make = variant.pinned_weights or default_pinned_weights
        fw.set_weights(model, make(_pinned_rng(seeds), initial))
    return model


def _require_ready(fw: Framework, model: Any, variant: Variant) -> None:
    """A model must be compiled and built before the harness can pin, hash and train it: a
    subclassed model has no weights until it has seen an input shape. A built model may have none
    (a Sequential of Activation layers): it is valid, and trains as the framework trains it."""
    if getattr(model, "optimizer", None) is None:
        raise CaseMistake("variant '{}': build returned {!r}, not a compiled model: call model.compile(...) "
                          "before returning it".format(variant.name, model))
    if not getattr(model, "built", False) and not fw.weights(model):
        raise CaseMistake("variant '{}': build returned a model that is not built yet (a subclassed model, or a "
                          "Sequential without an Input, is built by its first input): call it once on a batch, "
                          "model(data['x'][:1]), before returning it".format(variant.name))


def _checked_data(data: Any, own_inputs: bool) -> Dict[str, Any]:
    if not isinstance(data, dict) or (not own_inputs and not {"x", "y"} <= set(data)):
        raise CaseMistake("make_data must return a dict with 'x' and 'y' (and optionally 'x_val', 'y_val', "
                          "'sample_weight'); it returned {}".format(
                              "keys {}".format(sorted(data)) if isinstance(data, dict) else type(data).__name__))
    return data


def fit_inputs(fw: Framework, fit_data: Optional[Callable[..., Any]], data: Dict[str, Any]) -> Dict[str, Any]:
    """``model.fit``'s input arguments: what the case's ``fit_data`` returns, or the arrays of ``data``."""
    if fit_data is not None:
        inputs = fit_data(fw, data)
        if not isinstance(inputs, Mapping) or "x" not in inputs:
            raise CaseMistake("fit_data must return model.fit's input arguments as a dict with 'x', e.g. "
                              "{{'x': dataset}}; it returned {}".format(type(inputs).__name__))
        return dict(inputs)
    inputs = {"x": data["x"], "y": data["y"]}
    if "sample_weight" in data:
        inputs["sample_weight"] = data["sample_weight"]
    if "x_val" in data:
        validation = (data["x_val"], data["y_val"])
        inputs["validation_data"] = validation + ((data["sample_weight_val"],) if "sample_weight_val" in data else ())
    return inputs


def _refuse_endless(inputs: Mapping[str, Any], options: Mapping[str, Any]) -> None:
    """A ``tf.data`` dataset that repeats for ever, given without its number of steps, never ends an
    epoch: every run would wait out its timeout. Its cardinality says so before ``fit`` starts
    (TensorFlow 2.3 and later; a generator cannot say, see :func:`timeout_hint`)."""
    for data, steps in (("x", "steps_per_epoch"), ("validation_data", "validation_steps")):
        cardinality = getattr(inputs.get(data), "cardinality", None)
        if steps not in inputs and steps not in options and callable(cardinality) and int(cardinality()) == -1:
            raise CaseMistake("fit_data's {} is a dataset that repeats for ever (Dataset.repeat() without a count) and "
                              "no {} is given: no epoch would end; return {{'{}': dataset, '{}': N}}".format(
                                  "'" + data + "'", steps, data, steps))


def timeout_hint(case: Case, variant_name: str) -> str:
    """What to add to a run's timeout when its case feeds ``fit`` through ``fit_data``: an endless
    generator without ``steps_per_epoch`` looks exactly like a slow run."""
    if case.kind != CASE_KINDS[0] or (case.variant(variant_name).fit_data or case.fit_data) is None:
        return ""
    return ("; the case feeds fit itself (fit_data): an endless generator, or Dataset.repeat(), without "
            "steps_per_epoch never ends an epoch: give steps_per_epoch")


def _count(x: Any) -> int:
    """How many samples an array input holds (the first of several inputs: they share the count)."""
    first = list(x.values())[0] if isinstance(x, dict) else x[0] if isinstance(x, (list, tuple)) else x
    return int(first.shape[0])


def samples(inputs: Mapping[str, Any], options: Mapping[str, Any]) -> Dict[str, Optional[int]]:
    """How many samples train and validate: what an accuracy's resolution is counted in (one sample of
    the validation set is the smallest step val_accuracy can take). None where a pipeline of the
    case's own feeds fit; ``validation_split`` holds out the last fraction, as Keras does."""
    if not _arrays(inputs["x"]):
        return {"train": None, "validation": None}
    total = _count(inputs["x"])
    validation = inputs.get("validation_data")
    if validation is not None:
        return {"train": total, "validation": _count(validation[0]) if _arrays(validation[0]) else None}
    split = options.get("validation_split") or 0.0
    train = int(total * (1.0 - split))
    return {"train": train, "validation": total - train if split else None}


def _arrays(x: Any) -> bool:
    """Whether ``fit`` gets arrays (NumPy, tensors, data frames: one, or a list or dict of them), which it
    batches and shuffles itself; anything else (a dataset, a generator) is a pipeline of the case's own."""
    parts = list(x.values()) if isinstance(x, dict) else list(x) if isinstance(x, (list, tuple)) else [x]
    return all(hasattr(part, "shape") for part in parts)


def make_callbacks(fw: Framework, case: Case, variant: Variant) -> List[Any]:
    """Fresh callback objects for this run, from the case's factories and then the variant's."""
    callbacks = []
    for number, factory in enumerate(case.callbacks + variant.callbacks, 1):
        callback = factory(fw)
        if not fw.is_callback(callback):
            raise CaseMistake("callback factory {} ({!r}) returned {!r}, not a callback of this Keras ({}): build it "
                              "from fw.keras.callbacks".format(number, factory, callback, fw.keras_version))
        callbacks.append(callback)
    return callbacks


def _training(fw: Framework, options: Dict[str, Any], history: Dict[str, List[float]], callbacks: Sequence[Any],
              rates: List[Optional[float]], at_epoch_end: List[str], final: str) -> Dict[str, Any]:
    """What the callbacks did: epochs trained of those asked for, the best epoch of the watched
    quantity, the learning rate of every epoch, and which epoch's weights the model ends with."""
    trained = max((len(series) for series in history.values()), default=0)
    monitor, higher = fw.watched(callbacks, history)
    values = [(value, epoch) for epoch, value in enumerate(history.get(monitor, []), 1) if math.isfinite(value)]
    # The first epoch that reached the best value, as EarlyStopping counts it (accuracies tie often).
    best = (max(values, key=lambda item: (item[0], -item[1])) if higher else min(values))[1] if values else None
    requested = options.get("epochs", 1)
    return training_record(requested if isinstance(requested, int) else None, trained,
                           [type(callback).__name__ for callback in callbacks], monitor, best, rates[:trained],
                           _weights_epoch(trained, at_epoch_end, final))


@contextlib.contextmanager
def _working_in(folder: Optional[str]) -> Iterator[None]:
    """Train inside the run's own folder: what callbacks write to a relative path (a
    ``ModelCheckpoint("best.keras")``, a ``CSVLogger``) lands there, not in the user's project, and
    two runs at a time never write one file. Only ``fit``: ``make_data`` and ``build`` read the
    user's files relative to where the harness was started."""
    if folder is None:
        yield
        return
    started_in = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(started_in)


def _weights_epoch(trained: int, at_epoch_end: List[str], final: str) -> Optional[int]:
    """The epoch whose end-of-epoch weights the model ends with (digests of each epoch's weights,
    watched only when a callback may restore: EarlyStopping(restore_best_weights=True)). The final
    metrics are the last epoch's, the final weights may be an earlier one's: tf.keras 2.15 restores
    only when it stops early, Keras 3 at the end of every training. The last epoch that matches, so a
    run whose weights stopped changing is not called restored; None when none matches."""
    if not at_epoch_end:
        return trained
    matching = [epoch for epoch, digest in enumerate(at_epoch_end, 1) if digest == final]
    return matching[-1] if matching else None


def _first_non_finite(history: Dict[str, List[float]]) -> Any:
    """Where the training first left the finite numbers, with the last finite value seen."""
    for metric in ("loss", "val_loss"):
        values = history.get(metric, [])
        for epoch, value in enumerate(values):
            if not math.isfinite(value):
                finite = [v for v in values[:epoch] if math.isfinite(v)]
                return {"metric": metric, "epoch": epoch + 1, "value": value,
                        "last_finite": finite[-1] if finite else None}
    return None


def _control(fw: Framework, model: Any, options: Dict[str, Any], pipeline: bool, controlled: bool) -> Dict[str, Any]:
    """The run's training randomness as evidence; in a controlled run, switched off first.

    ``fit`` shuffles arrays unless told not to (a dataset or generator it does not shuffle); an
    input pipeline of the case's own is not inspected, so its runs cannot be controlled. A controlled run
    that finds nothing to switch off is the pinned run again, so it is skipped rather than spent; one
    whose environment lacks the capability to switch a Dropout rate off after building is skipped
    with that capability named, never run claiming control it lacks.
    """
    shuffle = not pipeline and options.get("shuffle", True) is not False
    found = fw.stochastic_layers(model)
    layers = [entry for entry, _, _ in found]
    controllable = SWITCHABLE in fw.capabilities
    if not controlled:
        return training_randomness(layers, shuffle, controllable, pipeline=pipeline)
    if pipeline:
        raise Skipped("input_pipeline", "the case's own input pipeline (fit_data: a dataset or generator) may draw "
                      "random numbers that the harness cannot switch off")
    if not layers and not shuffle:
        raise Skipped("nothing_to_control", "nothing to control: no Dropout-like layer and no shuffling, so the pinned "
                      "run is this run")
    if layers and not controllable:
        raise Skipped("missing_capability", "this environment lacks {}: its Dropout-like layers cannot be switched off "
                      "after building".format(SWITCHABLE), [SWITCHABLE])
    augmentation = [entry["layer"] for entry, _, attribute in found if attribute is None]
    if augmentation:
        raise Skipped("augmentation_layers", "cannot switch off random augmentation layer(s): " + ", ".join(augmentation))
    fw.switch_off(found)
    options["shuffle"] = False
    return training_randomness(layers, shuffle, controllable, switched_off=True)


def execute(fw: Framework, case: Case, variant_name: str, init_mode: str, seeds: Seeds,
            profile_name: str, learning_rate_scale: float = 1.0, traced: bool = False) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Run one variant once; never raises for a failure of the framework (it becomes data).

    ``init_mode`` ``controlled`` is a pinned run with the training randomness switched off. The run
    gets a folder of its own (``fw.run_folder``) for what its callbacks write, such as a
    ModelCheckpoint: runs go two at a time and must not write over each other or the user's project.
    A ``traced`` run records its weights' trajectory (:mod:`harness.run.trace`).
    """
    with tempfile.TemporaryDirectory(prefix="harness-run-") as folder:
        fw.run_folder = folder
        return _execute(fw, case, variant_name, init_mode, seeds, profile_name, learning_rate_scale, traced)


def _execute(fw: Framework, case: Case, variant_name: str, init_mode: str, seeds: Seeds,
             profile_name: str, learning_rate_scale: float, traced: bool) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    started = time.perf_counter()
    record = run_record()
    arrays = {}  # type: Dict[str, Any]
    try:
        variant = case.variant(variant_name)
        profile = case.profile_options(case.runs_at(profile_name))
        missing = [name for name in case.requirements(variant) if name not in fw.capabilities]
        if missing:  # decided before anything is called
            raise Skipped("missing_capability", "requires {}, which this environment lacks".format(", ".join(missing)),
                          missing)
        fw.seed(seeds.numpy, seeds.python, seeds.framework)
        fit_data = variant.fit_data or case.fit_data
        data = _checked_data(case.data(np.random.mtrand._rand, profile), fit_data is not None)
        record["data"] = data_fingerprint(data)
        controlled = init_mode == CONTROLLED
        model = _initialise(fw, case, variant, data, profile, "pinned" if controlled else init_mode, seeds)
        _require_ready(fw, model, variant)
        check_output_shape(fw, model, data.get("y"), variant)
        if learning_rate_scale != 1.0:
            fw.scale_learning_rate(model, learning_rate_scale)
        initial = fw.weights(model)
        record["weights"]["initial"] = weights_fingerprint(initial)
        arrays["initial_weights"] = [value for _, value in initial]
        if case.probe is not None:
            arrays["probe_initial"] = fw.predict(model, case.probe(data))
        built = time.perf_counter()
        record["timing"]["build_s"] = built - started
        options = fit_options(case, variant, profile)
        inputs = fit_inputs(fw, fit_data, data)
        _refuse_endless(inputs, options)
        pipeline = not _arrays(inputs["x"])
        if pipeline:  # a dataset or generator batches itself, and TF 1.x's fit refuses a batch_size with one
            options.pop("batch_size", None)
        record["training_randomness"] = _control(fw, model, options, pipeline, controlled)
        record["samples"] = samples(inputs, options)
        callbacks = make_callbacks(fw, case, variant)
        at_epoch_end = []  # type: List[str]
        # First in the list: it sees each epoch's trained weights before a callback may restore others.
        watch = [fw.at_epoch_end(lambda trained: at_epoch_end.append(weights_digest(fw.weights(trained))))] \
            if any(getattr(callback, "restore_best_weights", False) for callback in callbacks) else []
        trace = Trace(fw.weights, initial) if traced else None
        if trace is not None:  # first too: each epoch's trained weights, before a callback restores others
            watch = [fw.at_batch_end(trace.after_batch), fw.at_epoch_end(trace.after_epoch)] + watch
        with _working_in(fw.run_folder):
            history, rates = fw.fit(model, inputs, options, watch + list(callbacks))
        if trace is not None:
            record["trace"] = trace.as_record()
        record["timing"]["fit_s"] = time.perf_counter() - built
        record["history"] = history
        final = fw.weights(model)
        record["training"] = _training(fw, options, history, callbacks, rates, at_epoch_end, weights_digest(final))
        record["final"] = {key: values[-1] for key, values in history.items() if values}
        record["weights"]["final"] = weights_fingerprint(final)
        arrays["final_weights"] = [value for _, value in final]
        if case.probe is not None:
            arrays["probe_final"] = fw.predict(model, case.probe(data))
        if trace is not None:  # last: it sets the initial weights back and runs the layers in training mode
            probed = None if pipeline else inputs
            record["trace"]["forward"] = forward(fw, model, initial, probed)
            record["trace"]["gradients"] = gradients(fw, model, initial, probed)
        record["non_finite"] = _first_non_finite(history)
        if record["non_finite"] is not None:
            record["status"] = "nan"
    except Skipped as skipped:  # decided by the harness, before the call it would have made
        record["status"] = "skipped"
        record["skip"] = skipped.skip
        record["error"] = error_entry("Skipped", str(skipped))
    except Unsupported as unsupported:  # the case's own code declares that it cannot run here
        record["status"] = "skipped"
        record["skip"] = skip_entry("declared_by_case")
        record["error"] = error_entry("Unsupported", str(unsupported))
    except Exception as error:  # a framework failure is data, not a crash of the harness
        record["status"] = "error"
        record["error"] = error_entry(type(error).__name__, str(error), traceback.format_exc())
    record["timing"]["run_s"] = time.perf_counter() - started
    return record, arrays
