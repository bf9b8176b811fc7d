"""The API surface of one environment: what its Keras exports, and how to make one of each.

Generated rules (:mod:`harness.relations`) are written over *every* layer, loss, metric and
optimizer the version exports, not over a list someone thought of: this module enumerates them
(distinct classes, aliases such as ``Convolution2D`` counted once) and gives each a **recipe**: the
constructor arguments and the generated inputs it is called with. Arguments are derived from the
constructor's required parameters by name (``units``, ``filters``, ``kernel_size``, ...) and inputs
from the class name (``...2D`` takes images, a recurrent layer sequences), with a few overrides where
the documented call needs more (two inputs for a merge, integer ids for an Embedding).

What has no recipe is **declared**, with why (an abstract base, a wrapper of another framework's
module, string inputs): the coverage of each kind is what was covered over what was exported, and a
recipe that stops working is a failing rule, never a silently smaller surface. Runs inside every
environment: standard library and NumPy only, the framework reached through ``fw``.
"""

import importlib.util
import inspect
import re
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

__all__ = ["KINDS", "Recipe", "Surface", "snake", "surface"]

KINDS = ("layers", "losses", "metrics", "optimizers")
# What is exported but cannot be made from a generated recipe, and why (the same in every version).
DECLARED = {
    "Layer": "the abstract base of every layer",
    "InputLayer": "made by Input; a model's input, not a computation",
    "Wrapper": "the abstract base of wrappers",
    "AbstractRNNCell": "the abstract base of recurrent cells",
    "DenseFeatures": "reads tf.feature_column columns (a dict of features), not tensors",
    "TFSMLayer": "loads a SavedModel from disk: no generated input",
    "JaxLayer": "wraps a JAX function written by the user",
    "FlaxLayer": "wraps a Flax module written by the user",
    "TorchModuleWrapper": "wraps a torch.nn.Module written by the user",
    "TextVectorization": "string inputs, which Keras 3 reads only on TensorFlow",
    "StringLookup": "string inputs, which Keras 3 reads only on TensorFlow",
    "MaxNumBoundingBoxes": "bounding-box dictionaries, not tensors",
    "Lambda": "runs a Python function of the user's, which a config or a file holds only once registered",
    "Loss": "the abstract base of losses",
    "LossFunctionWrapper": "the base of losses made from a function",
    "CTC": "label and logit lengths of their own shape (no generated pair)",
    "Metric": "the abstract base of metrics",
    "MeanMetricWrapper": "the base of metrics made from a function",
    "Reduce": "the base of Mean and Sum",
    "Optimizer": "the abstract base of optimizers",
    "OptimizerV2": "the abstract base of optimizers",
    "LossScaleOptimizer": "wraps another optimizer for mixed precision",
    "MultiOptimizer": "dispatches to other optimizers by layer",
    "TFOptimizer": "wraps a TensorFlow optimizer the user passes (standalone Keras 2)",
    "Recurrent": "the abstract base of standalone Keras 2.2's recurrent layers",
    "ConvRecurrent2D": "the abstract base of standalone Keras 2.2's convolutional recurrent layers",
    "ConvRNN2D": "wraps a convolutional recurrent cell (standalone Keras 2): covered through ConvLSTM2D",
    "ConvLSTM2DCell": "the cell of ConvRNN2D (standalone Keras 2): covered through ConvLSTM2D",
    "CuDNNGRU": "cuDNN kernels only: runs on a CUDA GPU, not on the CPU every environment of the matrix has",
    "CuDNNLSTM": "cuDNN kernels only: runs on a CUDA GPU, not on the CPU every environment of the matrix has",
    "SensitivitySpecificityBase": "the abstract base of SensitivityAtSpecificity and its kin",
}
# Layers whose Keras 3 implementation runs on TensorFlow whatever the backend (documented: "requires
# TensorFlow"); declared where the environment has no TensorFlow to run them.
NEEDS_TENSORFLOW = ("Hashing", "HashedCrossing", "IntegerLookup")
# Constructor arguments by parameter name, for parameters without a default.
ARGUMENTS = {
    "units": 3, "filters": 2, "kernel_size": 2, "rate": 0.3, "pool_size": 2, "output_size": 2, "size": 2,
    "cropping": 1, "padding": 1, "n": 2, "dims": (2, 1), "stddev": 0.2, "factor": 0.2, "height": 3, "width": 3,
    "num_heads": 2, "key_dim": 2, "head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "scale": 0.5,
    "num_tokens": 6, "num_bins": 4, "theta": 0.5, "axis": -1, "target_shape": (3, 2), "equation": "ab,bc->ac",
    "output_shape": 3, "depth_multiplier": 1, "value_range": (0, 1), "num_classes": 3, "groups": 1,
    "input_dim": 10, "output_dim": 3, "max_value": 2.0, "threshold": 0.5, "k": 2, "activation": "tanh",
    "height_factor": 0.2, "width_factor": 0.2,
}
# Class-name overrides: arguments the generic ones would get wrong, and the call's input kind.
OVERRIDES = {
    "Embedding": {"input": "ids"}, "ReversibleEmbedding": {"input": "ids"},
    "CategoryEncoding": {"kwargs": {"num_tokens": 6, "output_mode": "multi_hot"}, "input": "ids"},
    "Hashing": {"input": "ids"}, "IntegerLookup": {"kwargs": {"vocabulary": [1, 2, 3]}, "input": "ids"},
    "HashedCrossing": {"input": "id_pair"},
    "Discretization": {"kwargs": {"bin_boundaries": [-0.5, 0.0, 0.5]}},
    "Normalization": {"kwargs": {"mean": 0.1, "variance": 2.0}},
    "Reshape": {"input": "flat6"}, "Permute": {"input": "rank3"}, "RepeatVector": {"input": "rank2"},
    "Flatten": {"input": "rank3"},  # standalone Keras 2 flattens rank 3 and up
    "Dot": {"kwargs": {"axes": 1}, "input": "pair"},
    "Attention": {"input": "sequences"}, "AdditiveAttention": {"input": "sequences"},
    "MultiHeadAttention": {"input": "sequences_positional"},
    "GroupQueryAttention": {"input": "sequences_positional"},
    "EinsumDense": {"input": "rank2"}, "Dense": {"input": "rank2"},
    "TimeDistributed": {"wrap": "Dense", "input": "rank3"},
    "Bidirectional": {"wrap": "LSTM", "input": "rank3"},
    "SpectralNormalization": {"wrap": "Dense", "input": "rank2"},
    "Pipeline": {"args": "rescaling_pair", "input": "image"},
    "StackedRNNCells": {"cells": 2, "input": "rank3"},
    "MelSpectrogram": {"kwargs": {"fft_length": 32, "sequence_stride": 16, "sequence_length": 32, "num_mel_bins": 8},
                       "input": "audio"},
    "STFTSpectrogram": {"kwargs": {"frame_length": 32, "frame_step": 16, "fft_length": 32}, "input": "audio1"},
    "RandomCrop": {"input": "image"}, "CenterCrop": {"input": "image"}, "Resizing": {"input": "image"},
    "RandomHeight": {"input": "image"}, "RandomWidth": {"input": "image"},
    "Rescaling": {"input": "image"}, "RandomZoom": {"input": "image"},
    "RandomRotation": {"input": "image"}, "RandomTranslation": {"kwargs": {"height_factor": 0.2, "width_factor": 0.2},
                                                              "input": "image"},
    "RNN": {"wrap": "SimpleRNNCell", "input": "rank3"},
    "GroupNormalization": {"kwargs": {"groups": 2}},
    "RandomPosterization": {"kwargs": {"factor": 4}, "input": "image"},
}
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")
SEQUENCE_LAYERS = ("LSTM", "GRU", "SimpleRNN", "RNN", "Masking", "Cropping1D", "Conv1D", "Pooling1D")
IMAGE_HINTS = ("Random", "Contrast", "Brightness", "Solarization", "Equalization", "AutoContrast", "AugMix",
               "CutMix", "MixUp", "Grayscale", "Hue", "Saturation", "Sharpness", "Posterization", "Invert",
               "Erasing", "Blur", "Perspective", "Shear", "Elastic", "Histogram", "RandAugment", "Flip")
# Input shapes (batch first) of each input kind; values are drawn per rule from its generator.
SHAPES = {"rank2": (4, 6), "rank3": (4, 5, 3), "rank4": (4, 6, 6, 2), "rank5": (4, 4, 4, 4, 2),
          "rank6": (4, 2, 4, 4, 4, 1), "image": (4, 8, 8, 3), "flat6": (4, 6), "audio": (4, 64), "audio1": (4, 64, 1)}


def snake(name: str) -> str:
    """``MultiHeadAttention`` -> ``multi_head_attention``; ``Conv2D`` -> ``conv2d``; ``AUC`` -> ``auc``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"(\d)_d\b", r"\1d", spaced.lower())


class Recipe(object):
    """How to make one object of an exported class and what to call it on: ``make(fw)`` builds a
    fresh one (each relation needs its own), ``inputs(rng)`` draws the arrays of one call."""

    def __init__(self, kind: str, name: str, make: Callable[[Any], Any], input_kind: str) -> None:
        self.kind = kind
        self.name = name
        self.id = snake(name)
        self.make = make
        self.input_kind = input_kind

    def inputs(self, rng: np.random.RandomState) -> List[np.ndarray]:
        """The arrays one call takes, as a list (one per model input)."""
        kind = self.input_kind
        if kind == "ids":
            return [rng.randint(1, 4, size=(4, 5)).astype("int32")]
        if kind == "id_pair":
            return [rng.randint(0, 4, size=(4, 1)).astype("int32"), rng.randint(0, 4, size=(4, 1)).astype("int32")]
        if kind == "pair":
            return [rng.uniform(-1, 1, size=(4, 4)).astype("float32") for _ in range(2)]
        if kind.startswith("sequences"):
            return [rng.uniform(-1, 1, size=(4, 3, 4)).astype("float32"),
                    rng.uniform(-1, 1, size=(4, 5, 4)).astype("float32")]
        scale = 1.0 if kind != "image" else 0.5
        values = rng.uniform(-scale, scale, size=SHAPES[kind]).astype("float32")
        return [values + 0.5 if kind == "image" else values]

    @property
    def multiple(self) -> bool:
        return self.input_kind in ("id_pair", "pair") or self.input_kind.startswith("sequences")


class Surface(object):
    """One kind's exports in this environment: the recipes of what is covered, what is declared and why."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.recipes = []  # type: List[Recipe]
        self.declared = {}  # type: Dict[str, str]

    def record(self) -> Dict[str, Any]:
        exported = len(self.recipes) + len(self.declared)
        return {"exported": exported, "covered": sorted(recipe.name for recipe in self.recipes),
                "declared": dict(self.declared), "coverage": len(self.recipes) / exported if exported else 0.0,
                "not_applicable": {}}


def _exported(module: Any, base: Optional[type]) -> List[str]:
    """Each distinct public class of ``module`` derived from ``base``, once, by its own name (or its
    shortest alias: ``Convolution2D`` is ``Conv2D``)."""
    names = {}  # type: Dict[Any, List[str]]
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name, None)
        if inspect.isclass(value) and (base is None or issubclass(value, base)):
            names.setdefault(value, []).append(name)
    return sorted(value.__name__ if value.__name__ in aliases else min(aliases, key=lambda alias: (len(alias), alias))
                  for value, aliases in names.items())


def _required(cls: Any) -> List[str]:
    try:
        parameters = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.name != "self" and p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _input_kind(name: str) -> str:
    override = OVERRIDES.get(name, {}).get("input")
    if override:
        return override
    if name in MERGES:
        return "pair"
    if name.startswith("ConvLSTM"):
        return {"1": "rank4", "2": "rank5", "3": "rank6"}[re.search(r"(\d)D", name).group(1)]
    for suffix, kind in (("1D", "rank3"), ("2D", "rank4"), ("3D", "rank5")):
        if suffix in name:
            return kind
    if name.endswith("Cell") or any(hint in name for hint in SEQUENCE_LAYERS):
        return "rank3"
    if any(hint in name for hint in IMAGE_HINTS):
        return "image"
    return "rank2"


def _layer_recipe(fw: Any, name: str, cls: Any) -> Recipe:
    override = OVERRIDES.get(name, {})
    layers = fw.keras.layers

    def make(fw: Any) -> Any:
        kwargs = {parameter: ARGUMENTS[parameter] for parameter in _required(cls) if parameter in ARGUMENTS}
        kwargs.update(override.get("kwargs", {}))
        if name.endswith("Cell"):
            return layers.RNN(cls(**kwargs))
        if "wrap" in override:
            inner = getattr(layers, override["wrap"])(2)
            return cls(inner)
        if override.get("cells"):
            return layers.RNN(cls([layers.SimpleRNNCell(2) for _ in range(override["cells"])]))
        if override.get("args") == "rescaling_pair":
            return cls([layers.Rescaling(0.5), layers.Rescaling(2.0, offset=0.1)])
        return cls(**kwargs)
    return Recipe("layers", name, make, _input_kind(name))


def _plain_recipe(kind: str, name: str, cls: Any) -> Recipe:
    def make(fw: Any) -> Any:
        kwargs = {parameter: ARGUMENTS[parameter] for parameter in _required(cls) if parameter in ARGUMENTS}
        if kind == "metrics" and name in ("IoU", "OneHotIoU"):
            kwargs["target_class_ids"] = [0, 1]
        if kind == "metrics" and name in ("PrecisionAtRecall", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
                                           "RecallAtPrecision"):
            kwargs[_required(cls)[0]] = 0.5
        if kind == "metrics" and name == "MeanRelativeError":  # one normalizer per predicted column
            kwargs["normalizer"] = [1.0, 2.0, 4.0]
        if kind == "metrics" and "TopK" in name:  # fewer than its default k=5 classes: torch refuses k > classes
            kwargs["k"] = 2
        if kind == "optimizers":
            kwargs.update(_rate(cls))
        return cls(**kwargs)
    return Recipe(kind, name, make, "loss_pair" if kind in ("losses", "metrics") else "weights")


def _rate(cls: Any) -> Dict[str, float]:
    """A small learning rate, spelled as the constructor names it (``lr`` in Keras 2.2.4)."""
    try:
        spelled = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        spelled = {}
    return {"lr" if "lr" in spelled and "learning_rate" not in spelled else "learning_rate": 0.05}


def _bases(fw: Any) -> Dict[str, Optional[type]]:
    keras = fw.keras
    optimizer_base = getattr(keras.optimizers, "Optimizer", None)
    return {"layers": keras.layers.Layer, "losses": getattr(keras.losses, "Loss", None),
            "metrics": getattr(keras.metrics, "Metric", None), "optimizers": optimizer_base}


def surface(fw: Any, kinds: Sequence[str] = KINDS) -> Dict[str, Surface]:
    """Each kind's exports in this environment, split into recipes and declarations."""
    found = {}  # type: Dict[str, Surface]
    bases = _bases(fw)
    without_tensorflow = fw.keras_generation == 3 and importlib.util.find_spec("tensorflow") is None
    for kind in kinds:
        module = getattr(fw.keras, kind)
        part = Surface(kind)
        for name in _exported(module, bases[kind]):
            if name in DECLARED or name.startswith("Base") or name.startswith("Legacy"):
                part.declared[name] = DECLARED.get(name, "an abstract base")
                continue
            if kind == "layers" and name in NEEDS_TENSORFLOW and without_tensorflow:
                part.declared[name] = "runs on TensorFlow whatever the backend (documented), and this environment has none"
                continue
            cls = getattr(module, name)
            part.recipes.append(_layer_recipe(fw, name, cls) if kind == "layers" else _plain_recipe(kind, name, cls))
        found[kind] = part
    return found
