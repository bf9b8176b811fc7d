"""Rule family: a layer zoo against NumPy.

The forward output of each commonly used layer, on random inputs with pinned weights, equals its
textbook definition written in NumPy (harness.reference). Users depend on a layer computing what
its documentation says in every version: a model saved in one and served by another assumes it.
"""

import numpy as np

from harness import reference as ref
from harness.rules import Family, Finding, Rule, apply, uniform


def _resizing(fw):
    """The Resizing layer, where its Keras keeps it: keras.layers (TF >= 2.6, Keras 3), else
    layers.experimental.preprocessing (TF 2.2 to 2.5)."""
    found = getattr(fw.layers, "Resizing", None)
    return found if found is not None else fw.layers.experimental.preprocessing.Resizing


def dense(fw, rng):
    x, kernel, bias = uniform(rng, 5, 4), uniform(rng, 4, 3), uniform(rng, 3)
    return apply(fw, fw.layers.Dense(3, activation="relu"), x, [kernel, bias]), ref.dense(x, kernel, bias, "relu")


def conv2d_valid(fw, rng):
    x, kernel, bias = uniform(rng, 2, 6, 7, 3), uniform(rng, 3, 2, 3, 4), uniform(rng, 4)
    return apply(fw, fw.layers.Conv2D(4, (3, 2)), x, [kernel, bias]), ref.conv2d(x, kernel, bias)


def conv2d_same_strided(fw, rng):
    x, kernel, bias = uniform(rng, 2, 7, 6, 2), uniform(rng, 3, 3, 2, 3), uniform(rng, 3)
    layer = fw.layers.Conv2D(3, 3, strides=2, padding="same")
    return apply(fw, layer, x, [kernel, bias]), ref.conv2d(x, kernel, bias, (2, 2), "same")


def conv1d_causal(fw, rng):
    x, kernel, bias = uniform(rng, 2, 8, 3), uniform(rng, 3, 3, 2), uniform(rng, 2)
    return apply(fw, fw.layers.Conv1D(2, 3, padding="causal"), x, [kernel, bias]), ref.conv1d(x, kernel, bias, 1, "causal")


def conv1d_strided(fw, rng):
    x, kernel, bias = uniform(rng, 2, 9, 2), uniform(rng, 2, 2, 3), uniform(rng, 3)
    return apply(fw, fw.layers.Conv1D(3, 2, strides=2), x, [kernel, bias]), ref.conv1d(x, kernel, bias, 2)


def max_pool_valid(fw, rng):
    x = uniform(rng, 2, 7, 6, 3)
    return apply(fw, fw.layers.MaxPooling2D((2, 3), strides=(2, 2)), x), ref.pool2d(x, (2, 3), (2, 2), "valid", "max")


def average_pool_same(fw, rng):
    x = uniform(rng, 2, 5, 5, 2)
    layer = fw.layers.AveragePooling2D(3, strides=2, padding="same")
    return apply(fw, layer, x), ref.pool2d(x, (3, 3), (2, 2), "same", "average")


def global_pools(fw, rng):
    x = uniform(rng, 3, 4, 5, 2)
    return {"average": (apply(fw, fw.layers.GlobalAveragePooling2D(), x), x.mean(axis=(1, 2))),
            "max": (apply(fw, fw.layers.GlobalMaxPooling2D(), x), x.max(axis=(1, 2)))}


def upsampling_nearest(fw, rng):
    x = uniform(rng, 2, 3, 4, 2)
    return apply(fw, fw.layers.UpSampling2D((2, 3)), x), ref.upsample_nearest(x, (2, 3))


def upsampling_bilinear(fw, rng):
    x = uniform(rng, 2, 3, 4, 2)
    return apply(fw, fw.layers.UpSampling2D(2, interpolation="bilinear"), x), ref.resize_bilinear(x, 6, 8)


def resizing_nearest(fw, rng):
    x = uniform(rng, 2, 4, 6, 2)
    layer = _resizing(fw)(6, 4, interpolation="nearest")
    return apply(fw, layer, x), ref.resize_nearest(x, 6, 4)


def resizing_bilinear(fw, rng):
    x = uniform(rng, 2, 4, 6, 2)
    layer = _resizing(fw)(6, 9, interpolation="bilinear")
    return apply(fw, layer, x), ref.resize_bilinear(x, 6, 9)


def batch_norm_inference(fw, rng):
    x = uniform(rng, 6, 4, scale=2.0)
    gamma, beta, mean = uniform(rng, 4), uniform(rng, 4), uniform(rng, 4)
    variance = rng.uniform(0.5, 2.0, size=4).astype(np.float32)
    layer = fw.layers.BatchNormalization(epsilon=1e-3)
    return (apply(fw, layer, x, [gamma, beta, mean, variance]),
            ref.batch_norm_inference(x, gamma, beta, mean, variance, 1e-3))


def layer_norm(fw, rng):
    x = uniform(rng, 5, 6, scale=2.0)
    gamma, beta = uniform(rng, 6), uniform(rng, 6)
    layer = fw.layers.LayerNormalization(epsilon=1e-3)
    return apply(fw, layer, x, [gamma, beta]), ref.layer_norm(x, gamma, beta, 1e-3)


def embedding(fw, rng):
    table = uniform(rng, 10, 3)
    ids = rng.randint(0, 10, size=(4, 5))
    return apply(fw, fw.layers.Embedding(10, 3), ids, [table]), table[ids]


def dropout_at_inference(fw, rng):
    x = uniform(rng, 8, 5)
    return apply(fw, fw.layers.Dropout(0.5), x), x


def activations(names):
    def compute(fw, rng):
        x = uniform(rng, 4, 6, scale=3.0)
        return {name: (apply(fw, fw.layers.Activation(name), x), ref.ACTIVATIONS[name](x.astype(np.float64)))
                for name in names}
    return compute


def merges(fw, rng):
    a, b = uniform(rng, 3, 4), uniform(rng, 3, 4)
    first, second = fw.Input(shape=(4,)), fw.Input(shape=(4,))
    outputs = [fw.layers.Concatenate()([first, second]), fw.layers.Add()([first, second]),
               fw.layers.Multiply()([first, second]), fw.layers.Average()([first, second])]
    got = fw.Model([first, second], outputs).predict([a, b], verbose=0)
    expected = [np.concatenate([a, b], axis=-1), a + b, a * b, (a + b) / 2]
    return {name: (value, want) for name, value, want in zip(("concatenate", "add", "multiply", "average"), got, expected)}


CASE = Family(
    "rules_layers", "Rule family: a layer zoo against NumPy",
    "Forward outputs of the commonly used layers on random inputs with pinned weights, against NumPy definitions.",
    [
        Rule("dense_relu", "Dense computes relu(x @ kernel + bias): the layer every model has", dense),
        Rule("conv2d_valid", "Conv2D with valid padding is a cross-correlation of the kernel over the input", conv2d_valid),
        Rule("conv2d_same_strided", "Conv2D with 'same' padding and stride 2 pads as TensorFlow documents "
             "(more after than before) and keeps ceil(n / stride) outputs", conv2d_same_strided),
        Rule("conv1d_causal", "Conv1D padding='causal' pads only on the left: an output never sees a later step",
             conv1d_causal),
        Rule("conv1d_strided", "Conv1D with stride 2 keeps every second window", conv1d_strided),
        Rule("max_pool_valid", "MaxPooling2D takes each window's maximum", max_pool_valid),
        Rule("average_pool_same", "AveragePooling2D with 'same' padding averages the real pixels of each window, "
             "never the padding", average_pool_same),
        Rule("global_pools", "GlobalAveragePooling2D and GlobalMaxPooling2D reduce over height and width",
             global_pools),
        Rule("upsampling_nearest", "UpSampling2D repeats each pixel by the size factors", upsampling_nearest),
        Rule("upsampling_bilinear", "UpSampling2D interpolation='bilinear' interpolates with half-pixel centres "
             "(pixel centres of input and output aligned)", upsampling_bilinear, findings=[
                 Finding("tensorflow<1.15", "TF 1.14's UpSampling2D calls the TF 1 resize_bilinear op, which aligns "
                         "neither pixel centres nor corners (TF 1.15 and 2.0 switched to the fixed op)",
                         "https://github.com/tensorflow/tensorflow/issues/33691", keras_flavours=("tf.keras",)),
                 Finding("keras<2.4", "standalone Keras 2.2/2.3 resize through the TF 1 resize_bilinear op whatever "
                         "the TF version", "https://github.com/tensorflow/tensorflow/issues/6720",
                         keras_flavours=("keras",))]),
        Rule("resizing_nearest", "Resizing interpolation='nearest' reads the input pixel under each output pixel's "
             "centre", resizing_nearest, requires=["resizing_layer"]),
        Rule("resizing_bilinear", "Resizing interpolation='bilinear' interpolates with half-pixel centres",
             resizing_bilinear, requires=["resizing_layer"]),
        Rule("batch_norm_inference", "BatchNormalization at inference uses the moving statistics: "
             "gamma * (x - mean) / sqrt(var + eps) + beta", batch_norm_inference),
        Rule("layer_norm", "LayerNormalization normalises each sample over its last axis", layer_norm,
             requires=["layer_normalization"]),
        Rule("embedding", "Embedding looks up one row of its table per id", embedding),
        Rule("dropout_at_inference", "Dropout is the identity in predict: served models are deterministic",
             dropout_at_inference),
        Rule("activations_piecewise", "relu, elu and selu are the documented piecewise functions",
             activations(("relu", "elu", "selu"))),
        Rule("activations_smooth", "sigmoid, tanh, softplus, softsign and softmax are their textbook definitions",
             activations(("sigmoid", "tanh", "softplus", "softsign", "softmax"))),
        Rule("activations_gelu_swish", "gelu (exact, erf-based, the default) and swish are their definitions",
             activations(("gelu", "swish")), requires=["activation_gelu"]),
        Rule("merges", "Concatenate, Add, Multiply and Average merge their inputs element-wise as named", merges),
    ])
