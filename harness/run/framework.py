"""The compatibility layer: the only module that imports TensorFlow or Keras.

Cases ask for capabilities (``fw.layers.Dense``, ``fw.seed``, ``fw.fit``) and never for a
version. Every difference between TF 1.x graph mode, ``tf.keras`` 2.x, standalone Keras 2 and
Keras 3 on its three backends lives here, in one place.

Which Keras is tested is chosen by the environment, as a user's script chooses it by its
imports: ``HARNESS_KERAS=tf.keras`` (the default when TensorFlow is installed: ``from
tensorflow import keras``) or ``HARNESS_KERAS=keras`` (``import keras``: standalone Keras 2,
or Keras 3 on the backend that ``KERAS_BACKEND`` names).

The framework is imported once per environment, in the runner's parent process; each run
happens in a child forked from it (see :mod:`harness.isolation`), so nothing here may run a
framework operation at import time.
"""

import contextlib
import inspect
import os
import random
import shutil
import sys
import tempfile
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from harness.contract.report import stochastic_layer
from harness.errors import UserError
from harness.run import environment

HISTORY_ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy"}
# What ReduceLROnPlateau and LearningRateScheduler add to the logs under one name or another
# (tf.keras 2 "lr", Keras 3 "learning_rate", some versions neither): the harness records the
# learning rate of every epoch itself, so these keys would only make histories differ in shape.
LEARNING_RATE_KEYS = ("lr", "learning_rate")


class Framework(object):
    """One imported Keras, with the few operations the harness needs from it."""

    def __init__(self, flavour: str, keras: Any, tensorflow: Optional[Any]) -> None:
        self.flavour = flavour
        self.keras = keras
        self.tf = tensorflow
        self.layers = keras.layers
        self.initializers = keras.initializers
        self.Sequential = keras.models.Sequential
        self.Model = keras.models.Model
        self.Input = keras.layers.Input
        # A temporary folder of the current run's own, for files its callbacks write (set per run).
        self.run_folder = None  # type: Optional[str]
        self._capabilities = None  # type: Optional[FrozenSet[str]]

    # -- what is being tested -------------------------------------------------------------
    @property
    def keras_version(self) -> str:
        version = getattr(self.keras, "__version__", None)
        if version:
            return str(version)
        # From TF 2.13 on tf.keras has no __version__: it is the keras (or, as tf2-legacy, tf_keras) package.
        name = getattr(self.keras, "__name__", "")
        for distribution in (("tf_keras", "keras") if name.startswith("tf_keras") else ("keras", "tf_keras")):
            try:
                return str(__import__(distribution).__version__)
            except ImportError:
                continue
        return "unknown"

    @property
    def keras_generation(self) -> int:
        """2 for Keras 2 (bundled or standalone), 3 for Keras 3."""
        return 3 if self.keras_version.split(".")[0] == "3" else 2

    @property
    def backend(self) -> str:
        return _backend_of(self.keras)

    @property
    def graph_mode(self) -> bool:
        """True for TF 1.x, where Keras builds a graph and op-level seeds follow graph order."""
        return self.tf is not None and self.tf.__version__.startswith("1.")

    def describe(self) -> Dict[str, Any]:
        return {
            "keras_flavour": self.flavour,
            "keras": self.keras_version,
            "keras_generation": self.keras_generation,
            "tensorflow": self.tf.__version__ if self.tf is not None else None,
            "backend": self.backend,
            "graph_mode": self.graph_mode,
            "executing_eagerly": self._executing_eagerly(),
        }

    @property
    def capabilities(self) -> FrozenSet[str]:
        """The capabilities this environment has (:mod:`harness.capabilities`), derived once from its
        versions, as the report records them: a case asks ``"tf_data" in fw.capabilities``, never
        which version it runs on."""
        if self._capabilities is None:
            found = environment.describe(self.describe(), "local")["capabilities"]
            self._capabilities = frozenset(name for name, present in found.items() if present)
        return self._capabilities

    def runtime_state(self) -> Dict[str, Any]:
        """What running a framework operation leaves behind in this process.

        Every run forks from a parent in which nothing has run (see :mod:`harness.run.isolation`):
        TF 1.x's op-level seeds follow the default graph's construction order, so one operation
        added before a run shifts every framework-seeded figure; TF 2.x's eager runtime and JAX's
        backends start thread pools that forked children inherit in a broken state and hang on.
        The runtime flags are private attributes read defensively: unknown reads as not started.

        What decides numbers without running anything is compared too: Keras's global settings
        (float precision, image data format, epsilon, mixed-precision policy), the global seeds a run
        does not set itself, and the working directory (a file that moves it moves every relative
        path, the report's included). Read first: should a read start a runtime, it does so before
        the import as well, and is not blamed on the file.
        """
        state = {"working directory": os.getcwd()}  # type: Dict[str, Any]
        for name in ("floatx", "image_data_format", "epsilon"):
            state["Keras " + name] = _read_or_none(lambda: getattr(self.keras.backend, name)())
        state["Keras mixed-precision policy"] = _read_or_none(
            lambda: getattr(self.keras.mixed_precision.global_policy(), "name", None))
        if self.keras_generation == 3:
            state["Keras global seed"] = _read_or_none(lambda: __import__(
                "keras.src.backend.common.global_state", fromlist=["x"]).get_global_attribute("global_random_seed"))
        if self.graph_mode:
            graph = self.tf.compat.v1.get_default_graph()
            state["TensorFlow 1.x graph operations"] = len(graph.get_operations())
            state["TensorFlow global seed"] = graph.seed
        elif self.tf is not None:
            try:
                from tensorflow.python.eager import context
                state["TensorFlow global seed"] = getattr(context.context(), "_seed", None)
                state["TensorFlow runtime started"] = getattr(context.context(), "_context_handle", None) is not None
            except Exception:  # a TF without this private module: nothing to read
                pass
        if self.backend == "jax":
            try:
                from jax._src import xla_bridge
                state["JAX backend started"] = bool(getattr(xla_bridge, "_backends", {}))
            except Exception:
                pass
        return state

    def _executing_eagerly(self) -> Optional[bool]:
        if self.tf is None:
            return None
        return bool(self.tf.executing_eagerly())

    def devices(self) -> List[str]:
        """The devices the framework sees. Initialises the runtime: call only in a child."""
        if self.tf is not None:
            config = self.tf.config
            lister = getattr(config, "list_physical_devices", None) or config.experimental.list_physical_devices
            return ["{}:{}".format(device.device_type, device.name) for device in lister()]
        if self.backend == "jax":
            import jax
            return [str(device) for device in jax.devices()]
        if self.backend == "torch":
            import torch
            return ["cuda:{}".format(i) for i in range(torch.cuda.device_count())] or ["cpu"]
        return []

    @contextlib.contextmanager
    def compilations_shared(self) -> Iterator[None]:
        """Within the block, a program compiled once is not compiled again. On JAX Keras compiles the
        functions of every new model, and a rule library builds a dozen tiny models per object that
        compute one program (a reference and its rebuilt, reloaded or respelled twin): JAX's persistent
        compilation cache, keyed by the program and pointed at a temporary folder for the block, hands
        each twin the executable already built. The same executable, so the same numbers; elsewhere,
        or on a JAX without the cache's options, nothing changes."""
        if self.backend != "jax":
            yield
            return
        import jax
        names = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
                 "jax_persistent_cache_min_entry_size_bytes")
        if not all(name in jax.config.values for name in names):
            yield
            return
        before = {name: jax.config.values[name] for name in names}
        options = dict(zip(names, (tempfile.mkdtemp(prefix="harness-jax-"), 0, -1)))
        try:
            _jax_cache(jax, options)
            yield
        finally:
            _jax_cache(jax, before)
            shutil.rmtree(options["jax_compilation_cache_dir"], ignore_errors=True)

    # -- what a user's script does ----------------------------------------------------------
    def seed(self, numpy_seed: int, python_seed: int, framework_seed: int) -> None:
        """Seed as the seed documents' scripts do: NumPy, Python's ``random``, then the framework.

        Keras 3 draws unseeded initialiser seeds from Python's ``random``, TF 1.x derives op
        seeds from the graph-level seed and the graph's construction order; both are what a
        user's fresh script sees, which is the point of the ``framework`` init mode.
        """
        np.random.seed(numpy_seed)
        random.seed(python_seed)
        if self.tf is not None:
            if self.graph_mode:
                self.tf.set_random_seed(framework_seed)
            else:
                self.tf.random.set_seed(framework_seed)
        elif self.backend == "torch":
            import torch
            torch.manual_seed(framework_seed)

    def optimizer(self, name: str, learning_rate: Any, **options: Any) -> Any:
        """An optimiser by class name, its rate spelled as this Keras's constructor names it (``lr`` in
        Keras 2.2.4, ``learning_rate`` later).

        An optimizer or an option only some versions have is a capability the caller declares
        (``weight_decay_optimizers``, ``optimizer_global_clipnorm``): here a missing class is an
        ``AttributeError`` and a refused option the framework's own error, failures like any other.
        """
        cls = getattr(self.keras.optimizers, name, None)
        if cls is None:
            raise AttributeError("keras.optimizers has no {} in Keras {} (a case that needs it declares the "
                                 "capability: see harness/capabilities.py)".format(name, self.keras_version))
        try:
            spelled = inspect.signature(cls.__init__).parameters
        except (TypeError, ValueError):
            spelled = {}
        rate = "lr" if "lr" in spelled and "learning_rate" not in spelled else "learning_rate"
        return cls(**dict(options, **{rate: learning_rate}))

    def to_numpy(self, value: Any) -> np.ndarray:
        """A tensor's value: read through the session in a TF 1.x graph, converted by Keras 3 from any
        backend, read directly from an eager tensor."""
        if isinstance(value, (np.ndarray, np.generic)):  # what a TF 1.x graph function returns
            return np.asarray(value)
        if self.keras_generation == 3:
            return np.asarray(self.keras.ops.convert_to_numpy(value))
        if hasattr(value, "numpy"):
            return np.asarray(value.numpy())
        return np.asarray(self.keras.backend.eval(value))

    @staticmethod
    def evaluate(model: Any, x: Any, y: Any = None, **options: Any) -> List[float]:
        """``evaluate`` as a list, loss first (a model without metrics returns a bare number)."""
        options.setdefault("verbose", 0)
        values = model.evaluate(x, y, **options)
        return [float(value) for value in (values if isinstance(values, (list, tuple)) else [values])]

    def fit_pipeline(self, model: Any, pipeline: Any, steps_per_epoch: int, **options: Any) -> Dict[str, List[float]]:
        """``fit`` on a generator or Sequence, through ``fit_generator`` where ``fit`` takes no generator
        (standalone Keras 2.2): the history, one spelling per key."""
        options.setdefault("verbose", 0)
        if self.flavour == "keras" and self.keras_version.startswith("2.2"):
            options["shuffle"] = False  # fit_generator shuffles a Sequence's batches unless told not to
            history = model.fit_generator(pipeline, steps_per_epoch=steps_per_epoch, **options)
        else:
            history = model.fit(pipeline, steps_per_epoch=steps_per_epoch, **options)
        return self.history(history)

    def fit(self, model: Any, inputs: Mapping[str, Any], options: Mapping[str, Any],
            callbacks: Sequence[Any] = ()) -> Tuple[Dict[str, List[float]], List[Optional[float]]]:
        """``model.fit`` silently: the history with one spelling of every key, and the learning rate
        each epoch trained with (read after the case's callbacks, so a scheduler's change counts)."""
        rates = []  # type: List[Optional[float]]
        arguments = dict(options)
        arguments.setdefault("verbose", 0)
        arguments.update(inputs)
        arguments["callbacks"] = list(callbacks) + [self._learning_rate_recorder(rates)]
        return self.history(model.fit(**arguments)), rates

    @staticmethod
    def history(history: Any) -> Dict[str, List[float]]:
        """What ``fit`` returned, as numbers with one spelling of every key (``acc`` is ``accuracy``) and
        without the learning-rate keys that some versions add (the harness records the rate itself)."""
        return {HISTORY_ALIASES.get(key, key): [float(value) for value in values]
                for key, values in history.history.items() if key not in LEARNING_RATE_KEYS}

    def is_callback(self, value: Any) -> bool:
        return isinstance(value, self.keras.callbacks.Callback)

    @staticmethod
    def watched(callbacks: Sequence[Any], history: Mapping[str, Any]) -> Tuple[Optional[str], bool]:
        """The quantity the callbacks watch (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint), else
        val_loss or loss; and whether higher is better: the callback's mode, else Keras's own rule
        (its ``monitor_op``, or a name that says accuracy or AUC), as each Keras keeps them."""
        for callback in callbacks:
            monitor = getattr(callback, "monitor", None)
            if isinstance(monitor, str):
                mode = getattr(callback, "mode", "auto")
                if mode not in ("min", "max"):
                    higher = getattr(callback, "monitor_op", None) is np.greater or any(
                        word in monitor for word in ("acc", "auc"))
                    return monitor, higher
                return monitor, mode == "max"
        for key in ("val_loss", "loss"):
            if key in history:
                return key, False
        return None, False

    def at_epoch_end(self, action: Callable[[Any], None]) -> Any:
        """A callback that calls ``action(model)`` as each epoch ends."""
        class EpochEnd(self.keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                action(self.model)

        return EpochEnd()

    def layer_outputs(self, model: Any, x: Any) -> Optional[List[Tuple[str, np.ndarray]]]:
        """Every layer's output on ``x`` in training mode (as ``fit`` computes it: BatchNormalization on
        the batch's statistics), in the model's order — topological for Sequential and functional
        models, so a layer comes after every layer it reads — as (layer name, array), a layer with
        several outputs once per output (``name#k``). None for a model whose layers' outputs cannot be
        read (a subclassed model has no graph of layers)."""
        try:
            inputs = list(model.inputs or [])
            named = []  # type: List[Tuple[str, Any]]
            for layer in model.layers:
                # An InputLayer's output is the input itself (and a TF 1.x graph refuses to fetch a fed tensor).
                if type(layer).__name__ == "InputLayer":
                    continue
                output = layer.output
                parts = list(output) if isinstance(output, (list, tuple)) else [output]
                named += [(layer.name if len(parts) == 1 else "{}#{}".format(layer.name, k), part)
                          for k, part in enumerate(parts)]
        except (AttributeError, ValueError, RuntimeError, TypeError):
            return None
        if not inputs or not named:
            return None
        tensors = [tensor for _, tensor in named]
        if self.graph_mode:
            if isinstance(x, dict):
                return None
            backend = self.keras.backend
            function = backend.function(inputs + [backend.learning_phase()], tensors)
            values = [np.asarray(value) for value in function(_as_list(x) + [1])]
        else:
            called = self.keras.Model(inputs, tensors)(x, training=True)
            values = [self.to_numpy(value) for value in (called if isinstance(called, (list, tuple)) else [called])]
        return [(name, value) for (name, _), value in zip(named, values)]

    def loss_and_gradients(self, model: Any, x: Any, y: Any,
                           sample_weight: Any = None) -> Optional[Tuple[float, List[Tuple[str, np.ndarray]]]]:
        """The compiled loss (with the model's regularisation losses, as ``fit`` minimises it) on ``x``
        and ``y`` in training mode, and its gradient with respect to every trainable variable, as
        (variable name, array) in ``trainable_weights`` order: what the optimizer is handed at the
        first step, before it makes an update of it. Each Keras computes it its own way: a TF 1.x
        graph through ``gradients`` of the compiled ``total_loss``, TensorFlow eagerly on a tape,
        JAX by differentiating Keras 3's stateless loss, PyTorch by ``backward``. None where this
        Keras offers no way to compute its compiled loss outside ``fit`` (tf.keras before 2.2)."""
        variables = list(model.trainable_weights)
        names = [self._weight_name(variable) for variable in variables]
        if self.graph_mode:
            found = self._graph_loss_and_gradients(model, variables, x, y, sample_weight)
        elif self.backend == "jax":
            found = self._jax_loss_and_gradients(model, x, y, sample_weight)
        elif self.backend == "torch":
            model.zero_grad()
            loss = _compiled_loss(model, x, y, model(x, training=True), sample_weight)
            loss.backward()
            found = loss, [variable.value.grad for variable in variables]
        else:
            x, y, sample_weight = self.tf.nest.map_structure(  # as fit hands them to the train step
                lambda value: None if value is None else self.tf.convert_to_tensor(value), (x, y, sample_weight))
            with self.tf.GradientTape() as tape:
                loss = _compiled_loss(model, x, y, model(x, training=True), sample_weight)
            found = None if loss is None else (loss, self._densified(tape.gradient(loss, variables)))
        if found is None or found[0] is None:
            return None
        loss, gradients = found
        # A variable the loss does not reach has no gradient: it is zero, as the optimizer reads it.
        values = [np.zeros(tuple(variable.shape), np.float32) if gradient is None else self.to_numpy(gradient)
                  for variable, gradient in zip(variables, gradients)]
        return float(self.to_numpy(loss)), list(zip(names, values))

    def _graph_loss_and_gradients(self, model: Any, variables: List[Any], x: Any, y: Any,
                                  sample_weight: Any) -> Tuple[Any, List[Any]]:
        """TF 1.x: the compiled ``total_loss`` and its gradients, fed as ``fit``'s own function feeds
        them (inputs, targets, sample weights, the learning phase in training)."""
        backend = self.keras.backend
        total = model.total_loss
        targets = _as_list(y)
        weighted = list(model._feed_sample_weights)
        weights = [np.asarray(sample_weight) if sample_weight is not None else np.ones(
            np.shape(target)[:backend.ndim(placeholder)], np.float32) for target, placeholder in zip(targets, weighted)]
        gradients = self._densified(backend.gradients(total, variables))
        function = backend.function(list(model._feed_inputs) + list(model._feed_targets) + weighted
                                    + [backend.learning_phase()], [total] + [g for g in gradients if g is not None])
        values = function(_as_list(x) + targets + weights + [1])
        fetched = iter(values[1:])  # a graph fetches no None: a variable the loss does not reach has none
        return values[0], [None if gradient is None else next(fetched) for gradient in gradients]

    def _densified(self, gradients: List[Any]) -> List[Any]:
        """An Embedding's sparse gradient (``IndexedSlices``, rows and their indices) as the dense tensor it
        stands for, which is what the other variables' gradients are and what is summarised."""
        sparse = getattr(self.tf, "IndexedSlices", None)
        return [self.tf.convert_to_tensor(gradient) if sparse is not None and isinstance(gradient, sparse) else gradient
                for gradient in gradients]

    def _jax_loss_and_gradients(self, model: Any, x: Any, y: Any, sample_weight: Any) -> Tuple[Any, List[Any]]:
        """Keras 3 on JAX: the stateless loss its trainer differentiates, differentiated the same way."""
        import jax
        state = {name: [variable.value for variable in variables] for name, variables in (
            ("non_trainable_variables", model.non_trainable_variables), ("metrics_variables", model.metrics_variables),
            ("optimizer_variables", model.optimizer.variables))}
        accepted = inspect.signature(model.compute_loss_and_updates).parameters

        def loss_of(trainable: List[Any]) -> Any:
            given = {name: value for name, value in dict(state, trainable_variables=trainable).items() if name in accepted}
            loss, _ = model.compute_loss_and_updates(x=x, y=y, sample_weight=sample_weight, training=True, **given)
            return loss

        return jax.value_and_grad(loss_of)([variable.value for variable in model.trainable_variables])

    def at_batch_end(self, action: Callable[[Any, Any], None]) -> Any:
        """A callback that calls ``action(model, logs)`` as each training batch ends. ``on_batch_end`` is
        the one spelling every Keras calls (tf.keras 2 and Keras 3 alias it to ``on_train_batch_end``);
        Keras 3 on JAX syncs the trained state into the model when a callback reads ``self.model``."""
        class BatchEnd(self.keras.callbacks.Callback):
            def on_batch_end(self, batch: int, logs: Any = None) -> None:
                action(self.model, logs)

        return BatchEnd()

    def _learning_rate_recorder(self, rates: List[Optional[float]]) -> Any:
        framework = self

        class LearningRateRecorder(self.keras.callbacks.Callback):
            """Appends the optimizer's learning rate as each epoch begins."""

            def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
                rates.append(framework.learning_rate(self.model))

        return LearningRateRecorder()

    def learning_rate(self, model: Any) -> Optional[float]:
        """The compiled optimizer's current learning rate (a schedule evaluated at the current
        step); None where this Keras keeps it in a form that cannot be read as one number."""
        optimizer = getattr(model, "optimizer", None)
        try:
            value = getattr(optimizer, _rate_attribute(optimizer))
            if callable(value) and not hasattr(value, "dtype"):  # a schedule, not a variable or tensor
                value = value(optimizer.iterations)
            if not isinstance(value, (int, float)) and (self.graph_mode or not hasattr(value, "__array__")):
                value = self.keras.backend.get_value(value)  # a graph variable is read through the session
            return float(np.asarray(value))
        except Exception:  # an optimizer without a readable rate: recorded as unknown, not a failed run
            return None

    def predict(self, model: Any, x: Any) -> np.ndarray:
        return np.asarray(model.predict(x, verbose=0))  # Keras 2 >= 2.4 and 3 draw progress bars otherwise

    @staticmethod
    def output_shape(model: Any) -> Optional[Tuple[Optional[int], ...]]:
        """The static output shape of a single-output model; None when it has several or none."""
        try:
            shape = model.output_shape
        except (AttributeError, ValueError, RuntimeError):
            return None
        if not isinstance(shape, tuple) or any(isinstance(size, (tuple, list)) for size in shape):
            return None
        return tuple(None if size is None else int(size) for size in shape)

    def weights(self, model: Any) -> List[Tuple[str, np.ndarray]]:
        """(name, value) of every weight, in ``get_weights`` order, names without ``:0``. Standalone
        Keras 2 lists ``model.weights`` trainable first while ``get_weights`` goes layer by layer: its
        names are read layer by layer too (else a BatchNormalization's moving mean bore a kernel's name)."""
        variables = ([weight for layer in model.layers for weight in layer.weights]
                     if self.flavour == "keras" and self.keras_generation == 2 else model.weights)
        names = [self._weight_name(weight) for weight in variables]
        values = [np.array(value) for value in model.get_weights()]
        return list(zip(names, values))

    @staticmethod
    def _weight_name(weight: Any) -> str:
        name = getattr(weight, "path", None) or weight.name
        return name[:-2] if name.endswith(":0") else name

    def set_weights(self, model: Any, values: Sequence[np.ndarray]) -> None:
        model.set_weights([np.asarray(value) for value in values])

    # -- training randomness ---------------------------------------------------------------
    def stochastic_layers(self, model: Any) -> List[Tuple[Dict[str, Any], Any, Optional[str]]]:
        """(report entry, layer, attribute) of every layer that draws random numbers while training.

        The attribute is what switches it off at 0 (``rate``, ``stddev``, an RNN's ``dropout``),
        or None for layers that cannot be switched off (random augmentation).
        """
        found = []  # type: List[Tuple[Dict[str, Any], Any, Optional[str]]]
        for layer in _all_layers(model):
            kind = type(layer).__name__
            for attribute in RANDOM_ATTRIBUTES.get(kind, ()) + RNN_DROPOUTS:
                value = getattr(_holder(layer, attribute), attribute, None)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                    found.append((stochastic_layer(layer.name, kind, attribute, float(value)), layer, attribute))
            if kind.startswith("Random") and kind not in RANDOM_ATTRIBUTES:
                found.append((stochastic_layer(layer.name, kind, None, None), layer, None))
        return found

    @staticmethod
    def switch_off(layers: Sequence[Tuple[Dict[str, Any], Any, Optional[str]]]) -> None:
        """Set each of ``stochastic_layers``' randomness to 0 (the caller has made sure this
        environment reads a rate set after building, and that each layer has an attribute to set)."""
        for _, layer, attribute in layers:
            setattr(_holder(layer, attribute), attribute, 0.0)

    def scale_learning_rate(self, model: Any, factor: float) -> None:
        """Multiply the compiled optimizer's learning rate (a known change, for power measurements).

        A TF 1.x graph variable is read and written through the session (``assign`` would only
        add an op nobody runs); an eager or Keras 3 variable is assigned; a plain number is replaced.
        """
        optimizer = model.optimizer
        name = _rate_attribute(optimizer)
        current = getattr(optimizer, name)
        if isinstance(current, (int, float)):
            setattr(optimizer, name, current * factor)
        elif self.graph_mode or not hasattr(current, "assign"):
            backend = self.keras.backend
            backend.set_value(current, float(backend.get_value(current)) * factor)
        else:
            current.assign(float(np.asarray(current)) * factor)



# Layers that draw random numbers while training, and the attribute that switches each off at 0.
RANDOM_ATTRIBUTES = {
    "Dropout": ("rate",), "SpatialDropout1D": ("rate",), "SpatialDropout2D": ("rate",),
    "SpatialDropout3D": ("rate",), "AlphaDropout": ("rate",), "GaussianDropout": ("rate",),
    "GaussianNoise": ("stddev",),
}
RNN_DROPOUTS = ("dropout", "recurrent_dropout")


def _as_list(arrays: Any) -> List[Any]:
    """One array or several (a list or tuple, one per model input or output) as a list, as a TF 1.x
    graph function is fed."""
    return list(arrays) if isinstance(arrays, (list, tuple)) else [arrays]


def _compiled_loss(model: Any, x: Any, y: Any, prediction: Any, sample_weight: Any) -> Any:
    """The loss ``fit`` minimises for ``prediction``, through the model's own method for it: Keras 3's
    and later tf.keras's ``compute_loss`` (the compiled losses plus the regularisation losses, the
    hook a subclass overrides), tf.keras 2.2's ``compiled_loss``; None where this Keras has neither."""
    compute = getattr(model, "compute_loss", None)
    if compute is not None:
        accepted = inspect.signature(compute).parameters
        given = {"x": x, "y": y, "y_pred": prediction, "sample_weight": sample_weight, "training": True}
        return compute(**{name: value for name, value in given.items() if name in accepted})
    compiled = getattr(model, "compiled_loss", None)
    if compiled is not None:
        return compiled(y, prediction, sample_weight, regularization_losses=model.losses)
    return None


def _rate_attribute(optimizer: Any) -> str:
    """Keras 2.2.4 calls the learning rate ``lr``; later Keras ``learning_rate``."""
    return "learning_rate" if hasattr(optimizer, "learning_rate") else "lr"


def _holder(layer: Any, attribute: str) -> Any:
    """Where a layer keeps ``attribute``: an RNN keeps its dropout rates on its cell."""
    return getattr(layer, "cell", layer) if attribute in RNN_DROPOUTS else layer


def _all_layers(model: Any) -> List[Any]:
    """Every layer of a model, nested models and wrappers (Bidirectional, TimeDistributed) included."""
    found, stack = [], list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop(0)
        found.append(layer)
        stack.extend(getattr(layer, "layers", []) or [])
        for attribute in ("layer", "forward_layer", "backward_layer"):
            inner = getattr(layer, attribute, None)
            if inner is not None and inner is not layer and hasattr(inner, "name"):
                stack.append(inner)
    return found


def load(flavour: Optional[str] = None) -> Framework:
    """Import the Keras that this environment tests (see the module docstring)."""
    flavour = flavour or os.environ.get("HARNESS_KERAS") or _default_flavour()
    try:
        if flavour == "tf.keras":
            import tensorflow
            _quiet(tensorflow)
            return Framework(flavour, tensorflow.keras, tensorflow)
        if flavour == "keras":
            import keras
            tensorflow = None
            if _backend_of(keras) == "tensorflow":
                import tensorflow
                _quiet(tensorflow)
            return Framework(flavour, keras, tensorflow)
    except ImportError as error:
        raise UserError("cannot import the framework to test ({}) in {}: run the harness inside an environment "
                        "that has it, e.g. tox -e tf2".format(error, sys.executable))
    raise UserError("HARNESS_KERAS must be 'tf.keras' or 'keras'. Received: {!r}".format(flavour))


def _quiet(tensorflow: Any) -> None:
    """Silence TF's Python-side deprecation logging, which would bury the runner's progress."""
    tensorflow.compat.v1.logging.set_verbosity(tensorflow.compat.v1.logging.ERROR)


def _default_flavour() -> str:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return "keras"
    return "tf.keras"


def _jax_cache(jax: Any, options: Mapping[str, Any]) -> None:
    """Set JAX's compilation-cache options and make them count now: JAX reads them once, at its first
    compilation, unless its cache is reset (a private function; without it the options wait)."""
    for name, value in options.items():
        jax.config.update(name, value)
    try:
        from jax._src import compilation_cache
        compilation_cache.reset_cache()
    except (ImportError, AttributeError):
        pass


def _read_or_none(read: Callable[[], Any]) -> Any:
    """A global setting as text, or None where this Keras has no such setting."""
    try:
        value = read()
    except Exception:  # a Keras without it: nothing to compare
        return None
    return None if value is None else str(value)


def _backend_of(keras: Any) -> str:
    try:
        return str(keras.backend.backend())
    except AttributeError:
        return "tensorflow"
