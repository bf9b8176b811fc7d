"""Generic relations: rules generated over the API surface of one environment.

A hand-written rule watches what its author thought of; a relation states what the documentation
promises of *every* object of a kind, and is applied to each one :mod:`harness.surface` can make.
Each relation is a pair of programs that must compute the same numbers (an equivalence, as DeepREL
and Keras's own ``run_layer_test`` check them), on generated inputs and pinned weights:

- **round trips**: ``get_config`` -> ``from_config``, and save -> load in each format of the version,
  keep what a layer computes and how it trains next; an optimizer rebuilt from its config, or
  restored from a saved model mid-training, takes the same next steps;
- **spellings**: one model written as Sequential, functional and subclassed; a loss's class and its
  function; a loss's reductions (``sum``, the default mean) against its unreduced values; an optimizer
  by name and by object; a metric's sample weight of ones and none;
- **equivalent programs**: a layer on a batch and on each sample alone (inference is per sample);
  a metric fed two batches and their union; a metric reset and a fresh one; **sparse against dense
  gradients** of one computation (an ``Embedding`` against a one-hot input times a bias-free
  ``Dense`` kernel), under every optimizer the version exports.

Every generated rule is a :class:`harness.rules.Rule` like any other: reported, compared across
environments, declared where it is known to fail, and able to fail (its actual values are kept as
a fingerprint, so that compare can also set backends of one Keras against each other). Runs inside
every environment (standard library, NumPy, the framework through ``fw``).
"""

import functools
import inspect
import os
import shutil
import tempfile
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from harness.rules import Comparison, Rule
from harness.surface import KINDS, Recipe, snake, surface

__all__ = ["RELATIONS", "generate"]

TOLERANCE = 1e-5
STEPS = 3
SINGULAR = {"layers": "layer", "losses": "loss", "metrics": "metric", "optimizers": "optimizer"}


# -- models and weights ---------------------------------------------------------------------
def _call(recipe: Recipe, layer: Any, tensors: List[Any]) -> Any:
    if recipe.input_kind == "sequences_positional":
        return layer(tensors[0], tensors[1])
    return layer(tensors if recipe.multiple else tensors[0])


def _inputs(fw: Any, recipe: Recipe, values: List[np.ndarray]) -> List[Any]:
    return [fw.Input(shape=value.shape[1:], dtype=str(value.dtype)) for value in values]


def _eager(fw: Any) -> bool:
    """Whether tiny models are quicker run eagerly here: on TensorFlow 2 and PyTorch; not in a TF 1.x
    graph, nor on JAX, whose recurrent and attention layers compile their loops on every eager call."""
    if fw.keras_generation == 3:
        return fw.backend != "jax"
    return fw.flavour == "tf.keras" and not fw.graph_mode


def compiled(fw: Any, model: Any, optimizer: Any = None, loss: str = "mse") -> Any:
    """``model`` compiled to train with ``optimizer`` (SGD at 0.1 by default) under ``loss``, run
    eagerly where the version can: a generated rule builds a dozen tiny models, and tracing (or JAX
    compiling) each one's functions would cost more than the library's whole budget."""
    options = {"run_eagerly": True} if _eager(fw) else {}  # type: Dict[str, Any]
    model.compile(optimizer=optimizer if optimizer is not None else fw.optimizer("SGD", 0.1), loss=loss, **options)
    return model


def _functional(fw: Any, recipe: Recipe, layer: Any, values: List[np.ndarray]) -> Any:
    tensors = _inputs(fw, recipe, values)
    return compiled(fw, fw.Model(tensors if recipe.multiple else tensors[0], _call(recipe, layer, tensors)))


def _graph_keras(fw: Any) -> bool:
    """Keras that builds a graph for every model: TF 1.x and standalone Keras 2 (its Sequential takes
    an ``InputLayer``, not an ``Input`` tensor; its subclassed models are built on data by ``predict``)."""
    return fw.graph_mode or (fw.flavour == "keras" and fw.keras_generation == 2)


def _sequential(fw: Any, recipe: Recipe, layer: Any, values: List[np.ndarray]) -> Any:
    if _graph_keras(fw):
        first = fw.layers.InputLayer(input_shape=values[0].shape[1:], dtype=str(values[0].dtype))
    else:
        first = _inputs(fw, recipe, values)[0]
    return compiled(fw, fw.Sequential([first, layer]))


def _subclassed(fw: Any, recipe: Recipe, layer: Any, values: List[np.ndarray]) -> Any:
    def __init__(self: Any) -> None:
        fw.Model.__init__(self)
        self.inner = layer

    model = type("Generated", (fw.Model,), {"__init__": __init__, "call": lambda self, x: self.inner(x)})()
    if _graph_keras(fw):  # called on a NumPy batch, a graph model would take it for a constant input
        compiled(fw, model).predict(values[0][:1], verbose=0)
        return model
    model(values[0][:1])
    return compiled(fw, model)


def _feed(recipe: Recipe, values: List[np.ndarray]) -> Any:
    return values if recipe.multiple else values[0]


def _predict(fw: Any, model: Any, recipe: Recipe, values: List[np.ndarray]) -> np.ndarray:
    """The model's inference output on one batch: called directly where it runs eagerly (``predict``
    would build a dataset for every call), through ``predict`` in a graph."""
    if _eager(fw):
        out = model(_feed(recipe, values), training=False)
        out = fw.to_numpy(out[0] if isinstance(out, (list, tuple)) else out)
    else:
        out = model.predict(_feed(recipe, values), batch_size=len(values[0]), verbose=0)
        out = out[0] if isinstance(out, (list, tuple)) else out
    return np.asarray(out, dtype=np.float64)


def _pinned(model: Any, rng: np.random.RandomState) -> List[np.ndarray]:
    """Set every float weight from ``rng`` in [0.1, 0.6): positive, so that variances and scales
    stay valid, and the same in every version and backend whatever its initialisers draw."""
    values = []
    for value in model.get_weights():
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = rng.uniform(0.1, 0.6, size=value.shape).astype(value.dtype)
        values.append(value)
    model.set_weights(values)
    return values


def _trained(fw: Any, model: Any, recipe: Recipe, values: List[np.ndarray], target: np.ndarray) -> List[np.ndarray]:
    """The weights after one SGD step (as compiled) towards ``target`` under mean squared error."""
    model.train_on_batch(_feed(recipe, values), target)
    return [np.asarray(w, dtype=np.float64) for w in model.get_weights()]


def _trains(model: Any, output: np.ndarray) -> bool:
    return bool(model.trainable_weights) and output.dtype.kind == "f" and np.isfinite(output).all()


def _same_layer_programs(build_other: Callable[[Any, Recipe, Any, List[np.ndarray]], Any], loads_weights: bool = False
                         ) -> Callable[[Recipe], Callable[[Any, np.random.RandomState], Comparison]]:
    """A relation between a layer's functional model and another program holding the same layer
    (or its rebuilt twin): the same outputs, and the same weights after one training step. The
    other program is given the pinned weights, unless it ``loads_weights`` itself (from a file)."""
    def relation(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
        def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
            values = recipe.inputs(rng)
            layer = recipe.make(fw)
            model = _functional(fw, recipe, layer, values)
            weights = _pinned(model, rng)
            expected = _predict(fw, model, recipe, values)
            other = build_other(fw, recipe, layer, values)
            if not loads_weights:
                other.set_weights(weights)
            pairs = {"output": (_predict(fw, other, recipe, values), expected)}
            if _trains(model, expected):
                target = rng.uniform(-1, 1, size=expected.shape).astype("float32")
                pairs["trained"] = (_flat(_trained(fw, other, recipe, values, target)),
                                    _flat(_trained(fw, model, recipe, values, target)))
            return pairs
        return compute
    return relation


def _flat(arrays: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays]) if len(arrays) else np.zeros(0)


def _from_config(fw: Any, recipe: Recipe, layer: Any, values: List[np.ndarray]) -> Any:
    return _functional(fw, recipe, type(layer).from_config(layer.get_config()), values)


def _saved(extension: str) -> Callable[[Any, Recipe, Any, List[np.ndarray]], Any]:
    def build(fw: Any, recipe: Recipe, layer: Any, values: List[np.ndarray]) -> Any:
        model = _functional(fw, recipe, layer, values)
        return _round_trip(fw, model, extension, compile=False)
    return build


def _round_trip(fw: Any, model: Any, extension: str, compile: bool = True) -> Any:
    folder = tempfile.mkdtemp(prefix="harness-relation-")
    try:
        path = os.path.join(folder, "model" + extension)
        model.save(path)
        loaded = fw.keras.models.load_model(path, compile=compile)
        return loaded if compile else compiled(fw, loaded)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sequential_spelling(fw: Any, recipe: Recipe, layer: Any, values: List[np.ndarray]) -> Any:
    return _sequential(fw, recipe, type(layer).from_config(layer.get_config()), values)


def _subclassed_spelling(fw: Any, recipe: Recipe, layer: Any, values: List[np.ndarray]) -> Any:
    return _subclassed(fw, recipe, type(layer).from_config(layer.get_config()), values)


def _per_sample(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        values = recipe.inputs(rng)
        model = _functional(fw, recipe, recipe.make(fw), values)
        _pinned(model, rng)
        whole = _predict(fw, model, recipe, values)
        alone = np.concatenate([_predict(fw, model, recipe, [v[i:i + 1] for v in values])
                                for i in range(len(values[0]))])
        return {"output": (alone, whole)}
    return compute


# -- losses and metrics ---------------------------------------------------------------------
def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def labels(name: str, rng: np.random.RandomState, batch: int = 8) -> Tuple[np.ndarray, ...]:
    """Generated (y_true, y_pred) of what a loss or metric named ``name`` documents that it takes
    (one array for Mean, Sum and MeanTensor, which take values)."""
    classes = 3
    ids = rng.randint(0, classes, size=batch)
    probabilities = _softmax(rng.uniform(-2, 2, size=(batch, classes))).astype("float32")
    if name in ("Mean", "Sum", "MeanTensor"):
        return (rng.uniform(-1, 1, size=batch).astype("float32"),)
    if name == "CategoricalGeneralizedCrossEntropy":  # integer labels, one per sample
        return ids.astype("int32"), probabilities
    if name.startswith("Sparse") or name == "Circle":
        return ids.reshape(batch, 1).astype("float32"), probabilities
    if name == "BinaryIoU":  # compares flattened labels: one binary label per sample
        return rng.randint(0, 2, size=batch).astype("float32"), rng.uniform(0.05, 0.95, size=batch).astype("float32")
    if name in ("IoU", "MeanIoU"):
        return ids.astype("float32"), rng.randint(0, classes, size=batch).astype("float32")
    if name == "Accuracy":
        return ids.astype("float32"), rng.randint(0, classes, size=batch).astype("float32")
    one_hot = np.eye(classes, dtype="float32")[ids]
    if "Categorical" in name or "TopK" in name or name.startswith("OneHot") or name == "KLDivergence":
        return one_hot, probabilities
    binary = rng.randint(0, 2, size=(batch, classes)).astype("float32")
    scores = rng.uniform(0.05, 0.95, size=(batch, classes)).astype("float32")
    return binary, scores


def _reset(metric: Any) -> None:
    (getattr(metric, "reset_state", None) or metric.reset_states)()


def _metric_result(fw: Any, metric: Any, *batches: Sequence[np.ndarray], **options: Any) -> np.ndarray:
    for batch in batches:
        metric.update_state(*batch, **options)
    return np.asarray(fw.to_numpy(metric.result()), dtype=np.float64)


def _halves(arrays: Sequence[np.ndarray]) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    middle = len(arrays[0]) // 2
    return [a[:middle] for a in arrays], [a[middle:] for a in arrays]


def _metric_config(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        metric = recipe.make(fw)
        twin = type(metric).from_config(metric.get_config())
        return {"result": (_metric_result(fw, twin, data), _metric_result(fw, metric, data))}
    return compute


def _metric_streaming(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        return {"result": (_metric_result(fw, recipe.make(fw), *_halves(data)),
                           _metric_result(fw, recipe.make(fw), data))}
    return compute


def _metric_reset(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        first, second = labels(recipe.name, rng), labels(recipe.name, rng)
        used = recipe.make(fw)
        _metric_result(fw, used, first)
        _reset(used)
        return {"result": (_metric_result(fw, used, second), _metric_result(fw, recipe.make(fw), second))}
    return compute


def _metric_weights(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        ones = np.ones(len(data[0]), dtype="float32")
        return {"result": (_metric_result(fw, recipe.make(fw), data, sample_weight=ones),
                           _metric_result(fw, recipe.make(fw), data))}
    return compute


def _parameters(function: Callable[..., Any]) -> Tuple[str, ...]:
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ()


def _loss_value(fw: Any, loss: Any, data: Sequence[np.ndarray], **options: Any) -> np.ndarray:
    return np.asarray(fw.to_numpy(loss(*data, **options)), dtype=np.float64)


def _loss_config(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        loss = recipe.make(fw)
        return {"value": (_loss_value(fw, type(loss).from_config(loss.get_config()), data), _loss_value(fw, loss, data))}
    return compute


def _loss_weights(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        loss = recipe.make(fw)
        plain = _loss_value(fw, loss, data)
        ones = np.ones(len(data[0]), dtype="float32")
        return {"ones": (_loss_value(fw, loss, data, sample_weight=ones), plain),
                "twice": (_loss_value(fw, loss, data, sample_weight=2 * ones), 2 * plain)}
    return compute


def _loss_reductions(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        config = recipe.make(fw).get_config()
        cls = type(recipe.make(fw))
        unreduced = _loss_value(fw, cls.from_config(dict(config, reduction="none")), data)
        return {"sum": (_loss_value(fw, cls.from_config(dict(config, reduction="sum")), data), unreduced.sum()),
                "mean": (_loss_value(fw, recipe.make(fw), data), unreduced.mean())}
    return compute


def _loss_split(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        loss = recipe.make(fw)
        first, second = _halves(data)
        return {"value": ((_loss_value(fw, loss, first) + _loss_value(fw, loss, second)) / 2,
                          _loss_value(fw, loss, data))}
    return compute


def _loss_function(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        data = labels(recipe.name, rng)
        function = getattr(fw.keras.losses, snake(recipe.name))
        loss = recipe.make(fw)
        options = {name: value for name, value in loss.get_config().items()
                   if name in _parameters(function) and name not in ("name", "reduction", "dtype")}
        return {"value": (np.mean(np.asarray(fw.to_numpy(function(*data, **options)), dtype=np.float64)),
                          _loss_value(fw, loss, data))}
    return compute


# -- optimizers -----------------------------------------------------------------------------
VOCABULARY, TOKENS, WIDTH = 10, 5, 3


def _regression(fw: Any, optimizer: Any, weights: List[np.ndarray]) -> Any:
    inputs = fw.Input(shape=(3,))
    model = compiled(fw, fw.Model(inputs, fw.layers.Dense(2)(inputs)), optimizer)
    model.set_weights(weights)
    return model


def _regression_problem(rng: np.random.RandomState) -> Tuple[np.ndarray, np.ndarray, List[np.ndarray]]:
    x = rng.uniform(-1, 1, size=(8, 3)).astype("float32")
    y = rng.uniform(-1, 1, size=(8, 2)).astype("float32")
    return x, y, [rng.uniform(-0.5, 0.5, size=(3, 2)).astype("float32"), rng.uniform(-0.5, 0.5, size=2).astype("float32")]


def _steps(model: Any, x: np.ndarray, y: np.ndarray, steps: int = STEPS) -> np.ndarray:
    for _ in range(steps):
        model.train_on_batch(x, y)
    return _flat([np.asarray(w, dtype=np.float64) for w in model.get_weights()])


def _optimizer_config(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        x, y, weights = _regression_problem(rng)
        optimizer = recipe.make(fw)
        twin = type(optimizer).from_config(optimizer.get_config())
        return {"weights": (_steps(_regression(fw, twin, weights), x, y), _steps(_regression(fw, optimizer, weights), x, y))}
    return compute


def _optimizer_restart(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        x, y, weights = _regression_problem(rng)
        model = _regression(fw, recipe.make(fw), weights)
        _steps(model, x, y, STEPS - 1)
        restored = _round_trip(fw, model, ".keras" if fw.keras_generation == 3 else ".h5")
        return {"weights": (_steps(restored, x, y, 1), _steps(_regression(fw, recipe.make(fw), weights), x, y))}
    return compute


def _optimizer_sparse(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        return sparse_against_dense(fw, rng, recipe.make)
    return compute


def sparse_against_dense(fw: Any, rng: np.random.RandomState, make: Callable[[Any], Any],
                         steps: int = STEPS) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """An Embedding and the same computation as a one-hot input times a bias-free Dense kernel,
    trained ``steps`` steps by two optimizers made by ``make`` from the same pinned weights: the
    table and the head after training. Ids repeat within the batch, as tokens do in text: the
    Embedding's gradient is then sparse (IndexedSlices on TensorFlow) with repeated rows, the one-hot
    kernel's dense."""
    ids = rng.randint(0, VOCABULARY, size=(4, TOKENS)).astype("int32")
    y = rng.uniform(-1, 1, size=(4, 1)).astype("float32")
    table = rng.uniform(-0.5, 0.5, size=(VOCABULARY, WIDTH)).astype("float32")
    head = [rng.uniform(-0.5, 0.5, size=(TOKENS * WIDTH, 1)).astype("float32"), np.zeros(1, dtype="float32")]

    def trained(inputs: Any, lookup: Any, x: np.ndarray) -> np.ndarray:
        model = compiled(fw, fw.Model(inputs, fw.layers.Dense(1)(fw.layers.Flatten()(lookup(inputs)))), make(fw))
        model.set_weights([table] + head)
        return _steps(model, x, y, steps)

    sparse = trained(fw.Input(shape=(TOKENS,), dtype="int32"), fw.layers.Embedding(VOCABULARY, WIDTH), ids)
    one_hot = np.eye(VOCABULARY, dtype="float32")[ids]
    dense = trained(fw.Input(shape=(TOKENS, VOCABULARY)), fw.layers.Dense(WIDTH, use_bias=False), one_hot)
    cut = VOCABULARY * WIDTH
    return {"table": (sparse[:cut], dense[:cut]), "head": (sparse[cut:], dense[cut:])}


def _optimizer_name(recipe: Recipe) -> Callable[[Any, np.random.RandomState], Comparison]:
    def compute(fw: Any, rng: np.random.RandomState) -> Comparison:
        x, y, weights = _regression_problem(rng)
        by_object = type(recipe.make(fw))()
        return {"weights": (_steps(_regression(fw, recipe.name.lower(), weights), x, y),
                            _steps(_regression(fw, by_object, weights), x, y))}
    return compute


# -- the relations ----------------------------------------------------------------------------
class Relation(object):
    """One generic relation over a kind: ``guarantee`` says what it promises of each object (``{}``
    is the object's name); ``applies(fw, recipe)`` whether the object has what it relates."""

    def __init__(self, id: str, kind: str, guarantee: str,
                 compute: Callable[[Recipe], Callable[[Any, np.random.RandomState], Comparison]],
                 applies: Callable[[Any, Recipe], bool] = lambda fw, recipe: True, quick: bool = False,
                 excluded: Optional[Mapping[str, str]] = None) -> None:
        self.id = id
        self.kind = kind
        self.guarantee = guarantee
        self.compute = compute
        self.applies = applies
        self.quick = quick
        # Objects whose documentation promises otherwise, by class name, and what it promises.
        self.excluded = dict(excluded or {})

    def rule_id(self, recipe: Recipe) -> str:
        """``layer_config_dense``, ``loss_config_huber``: the kind first, since a loss and a metric
        share names (MeanSquaredError is both)."""
        return "{}_{}_{}".format(SINGULAR[self.kind], self.id, recipe.id)

    def rule(self, recipe: Recipe, findings: Callable[[str], Sequence[Any]]) -> Rule:
        rule_id = self.rule_id(recipe)
        return Rule(rule_id, self.guarantee.format(recipe.name), self.compute(recipe), TOLERANCE,
                    findings=findings(rule_id))


def _single_input(fw: Any, recipe: Recipe) -> bool:
    return not recipe.multiple


def _has_function(fw: Any, recipe: Recipe) -> bool:
    return callable(getattr(fw.keras.losses, snake(recipe.name), None))


def _has_name(fw: Any, recipe: Recipe) -> bool:
    return recipe.name.lower() in _named_optimizers(fw)


@functools.lru_cache(maxsize=None)
def _named_optimizers(fw: Any) -> Tuple[str, ...]:
    """The optimizers ``compile`` takes by name: the lower-cased class names of keras.optimizers
    whose functions ``get`` resolves (read from the module's own table where it has one)."""
    names = []
    for name in dir(fw.keras.optimizers):
        try:
            if name[:1].isupper() and type(fw.keras.optimizers.get(name.lower())).__name__ == name:
                names.append(name.lower())
        except Exception:  # not a registered name (each version raises its own error): compile refuses it too
            continue
    return tuple(names)


def _has_formats(extension: str) -> Callable[[Any, Recipe], bool]:
    def applies(fw: Any, recipe: Recipe) -> bool:
        return extension in formats(fw)
    return applies


def formats(fw: Any) -> Tuple[str, ...]:
    """The file formats ``model.save`` writes in this version, by extension: HDF5 in every Keras;
    the ``.keras`` archive from Keras 2.13 (and the only native one in Keras 3)."""
    version = tuple(int(part) for part in fw.keras_version.split(".")[:2] if part.isdigit())
    return (".h5",) + ((".keras",) if version >= (2, 13) else ())


RELATIONS = (
    Relation("config", "layers", "{} rebuilt from its get_config() computes the same outputs and takes the same "
             "training step", _same_layer_programs(_from_config)),
    Relation("per_sample", "layers", "{} at inference computes each sample alone as it does in a batch",
             _per_sample),
    Relation("sequential", "layers", "{} in a Sequential model computes and trains as in a functional one",
             _same_layer_programs(_sequential_spelling), _single_input),
    Relation("subclassed", "layers", "{} inside a subclassed model computes and trains as in a functional one",
             _same_layer_programs(_subclassed_spelling), _single_input),
    Relation("save_h5", "layers", "{} saved to HDF5 and loaded computes the same outputs and takes the same "
             "training step", _same_layer_programs(_saved(".h5"), True), _has_formats(".h5")),
    Relation("save_keras", "layers", "{} saved as a .keras archive and loaded computes the same outputs and "
             "takes the same training step", _same_layer_programs(_saved(".keras"), True), _has_formats(".keras")),
    Relation("config", "losses", "{} rebuilt from its get_config() computes the same loss", _loss_config),
    Relation("weights", "losses", "{} with sample weights of ones is unweighted, with twos doubled", _loss_weights),
    Relation("reductions", "losses", "{}'s 'sum' and default reductions are the sum and mean of its unreduced values",
             _loss_reductions),
    Relation("split", "losses", "{} of a batch is the mean of its two halves' (equal halves)", _loss_split,
             excluded={"Circle": "a pair loss: each sample's loss depends on the other samples of its batch",
                       "Dice": "axis=None (the default) scores the whole batch at once, not a mean over samples",
                       "Tversky": "axis=None (the default) scores the whole batch at once, not a mean over samples"}),
    Relation("function", "losses", "{} equals the mean of its function spelling", _loss_function, _has_function),
    Relation("config", "metrics", "{} rebuilt from its get_config() computes the same result", _metric_config),
    Relation("streaming", "metrics", "{} fed two batches gives what it gives fed their union", _metric_streaming,
             excluded={"MeanTensor": "an element-wise mean across update_state calls: each call's values are one "
                                     "sample, not a batch"}),
    Relation("reset", "metrics", "{} after reset_state gives what a fresh one gives", _metric_reset),
    Relation("weights", "metrics", "{} with sample weights of ones is unweighted", _metric_weights),
    Relation("sparse_dense", "optimizers", "{} trains an Embedding as the same computation written as a one-hot "
             "input times a Dense kernel (sparse and dense gradients of one function)", _optimizer_sparse, quick=True,
             excluded={"Muon": "updates an Embedding's table with AdamW and a 2-D Dense kernel by orthogonalised "
                               "momentum (exclude_embeddings, documented): two different rules by design"}),
    Relation("config", "optimizers", "{} rebuilt from its get_config() takes the same steps", _optimizer_config),
    Relation("restart", "optimizers", "{} restored from a saved model mid-training takes the steps it would have "
             "taken", _optimizer_restart),
    Relation("name", "optimizers", "{} by its name in compile takes the steps of its default object", _optimizer_name,
             _has_name),
)


def generate(fw: Any, findings: Callable[[str], Sequence[Any]], quick: bool = False,
             kinds: Sequence[str] = KINDS) -> Tuple[List[Rule], Dict[str, Any]]:
    """Every relation applied to every object of its kind this environment can make (only the quick
    relations when ``quick``), and the surface record: per kind what was exported, covered, declared."""
    found = surface(fw, kinds)
    record = {kind: part.record() for kind, part in found.items()}
    rules = []  # type: List[Rule]
    for relation in RELATIONS:
        if relation.kind not in found or (quick and not relation.quick):
            continue
        for recipe in found[relation.kind].recipes:
            if recipe.name in relation.excluded:
                record[relation.kind]["not_applicable"][relation.rule_id(recipe)] = relation.excluded[recipe.name]
            elif relation.applies(fw, recipe):
                rules.append(relation.rule(recipe, findings))
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):  # a bug of ours: results are kept by rule id
        raise RuntimeError("generated rule ids repeat: {}".format(sorted(set(i for i in ids if ids.count(i) > 1))))
    return rules, record
