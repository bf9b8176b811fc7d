"""NumPy references for the rule library: what a layer, loss or optimizer step computes, written out.

Each function is the textbook definition the Keras documentation states, in float64, written here
and never taken from another framework, so that a rule compares a version with arithmetic that no
version can change. Layouts are Keras's defaults: channels last, batch first, kernels
``(..., in, out)``, recurrent gates in Keras's order (LSTM ``i, f, c, o``; GRU ``z, r, h``).
"""

import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

Array = np.ndarray


def sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x: Array, axis: int = -1) -> Array:
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "softmax": softmax,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0.0))),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "swish": lambda x: x * sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0))),
    "exponential": np.exp,
}


def dense(x: Array, kernel: Array, bias: Optional[Array] = None, activation: str = "linear") -> Array:
    out = x.astype(np.float64) @ kernel
    return ACTIVATIONS[activation](out + (0.0 if bias is None else bias))


def _pad_amounts(size: int, window: int, stride: int, padding: str) -> Tuple[int, int, int]:
    """Output length and (before, after) padding, as TensorFlow defines ``valid`` and ``same``."""
    if padding == "valid":
        return (size - window) // stride + 1, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return out, total // 2, total - total // 2


def conv2d(x: Array, kernel: Array, bias: Optional[Array] = None, strides: Tuple[int, int] = (1, 1),
           padding: str = "valid") -> Array:
    """Cross-correlation (as every deep-learning framework computes it), NHWC, kernel (kh, kw, in, out)."""
    n, height, width, _ = x.shape
    kh, kw, _, out_channels = kernel.shape
    out_h, top, bottom = _pad_amounts(height, kh, strides[0], padding)
    out_w, left, right = _pad_amounts(width, kw, strides[1], padding)
    padded = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)), mode="constant")
    out = np.zeros((n, out_h, out_w, out_channels))
    for i in range(out_h):
        for j in range(out_w):
            patch = padded[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
            out[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out + (0.0 if bias is None else bias)


def conv1d(x: Array, kernel: Array, bias: Optional[Array] = None, stride: int = 1, padding: str = "valid") -> Array:
    """Conv1D as a 2-D convolution of height 1; ``causal`` pads ``kernel - 1`` zeros on the left only."""
    if padding == "causal":
        x = np.pad(x, ((0, 0), (kernel.shape[0] - 1, 0), (0, 0)), mode="constant")
        padding = "valid"
    return conv2d(x[:, None], kernel[None], bias, (1, stride), padding)[:, 0]


def pool2d(x: Array, size: Tuple[int, int], strides: Tuple[int, int], padding: str, kind: str) -> Array:
    """Max or average pooling; with ``same`` padding the average is over the window's real pixels."""
    n, height, width, channels = x.shape
    out_h, top, _ = _pad_amounts(height, size[0], strides[0], padding)
    out_w, left, _ = _pad_amounts(width, size[1], strides[1], padding)
    out = np.zeros((n, out_h, out_w, channels))
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(max(i * strides[0] - top, 0), min(i * strides[0] - top + size[0], height))
            cols = slice(max(j * strides[1] - left, 0), min(j * strides[1] - left + size[1], width))
            window = x[:, rows, cols, :].astype(np.float64)
            out[:, i, j, :] = window.max(axis=(1, 2)) if kind == "max" else window.mean(axis=(1, 2))
    return out


def upsample_nearest(x: Array, factor: Tuple[int, int]) -> Array:
    return np.repeat(np.repeat(x, factor[0], axis=1), factor[1], axis=2).astype(np.float64)


def resize_nearest(x: Array, height: int, width: int) -> Array:
    """Nearest neighbour with half-pixel centres: output pixel i reads input floor((i + 0.5) * in / out)."""
    rows = np.minimum(np.floor((np.arange(height) + 0.5) * x.shape[1] / height).astype(int), x.shape[1] - 1)
    cols = np.minimum(np.floor((np.arange(width) + 0.5) * x.shape[2] / width).astype(int), x.shape[2] - 1)
    return x[:, rows][:, :, cols].astype(np.float64)


def _linear_weights(out_size: int, in_size: int) -> Array:
    """Interpolation matrix (out, in) of bilinear resizing with half-pixel centres, edges clamped."""
    matrix = np.zeros((out_size, in_size))
    for i in range(out_size):
        centre = (i + 0.5) * in_size / out_size - 0.5
        low = int(math.floor(centre))
        fraction = centre - low
        matrix[i, min(max(low, 0), in_size - 1)] += 1.0 - fraction
        matrix[i, min(max(low + 1, 0), in_size - 1)] += fraction
    return matrix


def resize_bilinear(x: Array, height: int, width: int) -> Array:
    rows, cols = _linear_weights(height, x.shape[1]), _linear_weights(width, x.shape[2])
    return np.einsum("hi,niwc,vw->nhvc", rows, x.astype(np.float64), cols)


def batch_norm_inference(x: Array, gamma: Array, beta: Array, mean: Array, variance: Array, epsilon: float) -> Array:
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def layer_norm(x: Array, gamma: Array, beta: Array, epsilon: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


# -- recurrent layers: one step at a time, the definition the documentation gives --------------
def simple_rnn(x: Array, kernel: Array, recurrent: Array, bias: Array, h0: Optional[Array] = None) -> Array:
    """Every step's output, (batch, time, units)."""
    h = np.zeros((x.shape[0], kernel.shape[1])) if h0 is None else h0
    outputs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def lstm(x: Array, kernel: Array, recurrent: Array, bias: Array,
         state: Optional[Tuple[Array, Array]] = None) -> Tuple[Array, Tuple[Array, Array]]:
    """Every step's output and the final (h, c); gates i, f, c, o; sigmoid and tanh."""
    units = recurrent.shape[0]
    h, c = state if state is not None else (np.zeros((x.shape[0], units)), np.zeros((x.shape[0], units)))
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), (h, c)


def gru(x: Array, kernel: Array, recurrent: Array, bias: Array) -> Array:
    """GRU with ``reset_after=True`` (the reset gate applied after the recurrent product); gates z, r, h;
    ``bias`` is (2, 3 * units): input bias, recurrent bias."""
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units))
    outputs = []
    for t in range(x.shape[1]):
        xi = x[:, t] @ kernel + bias[0]
        hr = h @ recurrent + bias[1]
        z = sigmoid(xi[:, :units] + hr[:, :units])
        r = sigmoid(xi[:, units:2 * units] + hr[:, units:2 * units])
        candidate = np.tanh(xi[:, 2 * units:] + r * hr[:, 2 * units:])
        h = z * h + (1.0 - z) * candidate
        outputs.append(h)
    return np.stack(outputs, axis=1)


# -- losses and metrics: per-sample values, before any reduction -----------------------------
def squared_error(y_true: Array, y_pred: Array) -> Array:
    return ((y_pred - y_true) ** 2).mean(axis=-1)


def absolute_error(y_true: Array, y_pred: Array) -> Array:
    return np.abs(y_pred - y_true).mean(axis=-1)


def categorical_crossentropy(one_hot: Array, probabilities: Array, epsilon: float = 1e-7) -> Array:
    return -(one_hot * np.log(np.clip(probabilities, epsilon, 1.0 - epsilon))).sum(axis=-1)


def binary_crossentropy(y_true: Array, probabilities: Array, epsilon: float = 1e-7) -> Array:
    p = np.clip(probabilities, epsilon, 1.0 - epsilon)
    return -(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p)).mean(axis=-1)


def one_hot(labels: Array, classes: int) -> Array:
    return np.eye(classes)[np.asarray(labels).reshape(-1)]


# -- one optimizer step on gradients, as each optimizer's documentation defines it -------------
def clip(gradients: Sequence[Array], clipvalue: Optional[float] = None, clipnorm: Optional[float] = None,
         global_clipnorm: Optional[float] = None) -> List[Array]:
    """``clipvalue`` element-wise, ``clipnorm`` per tensor by its own L2 norm, ``global_clipnorm`` all
    tensors by their joint norm."""
    found = [np.asarray(g, dtype=np.float64) for g in gradients]
    if clipvalue is not None:
        found = [np.clip(g, -clipvalue, clipvalue) for g in found]
    if clipnorm is not None:
        found = [g * min(1.0, clipnorm / max(np.linalg.norm(g), 1e-12)) for g in found]
    if global_clipnorm is not None:
        norm = math.sqrt(sum(float((g ** 2).sum()) for g in found))
        found = [g * min(1.0, global_clipnorm / max(norm, 1e-12)) for g in found]
    return found


def optimizer_steps(name: str, weights: Sequence[Array], gradients_of, steps: int, learning_rate,
                    **options: float) -> List[Array]:
    """The weights after ``steps`` updates by optimizer ``name``; ``gradients_of(weights)`` gives the
    gradients at the current weights, ``learning_rate(step)`` the rate of step 0, 1, ... (a number is
    constant); ``weight_decay`` multiplies each weight by ``1 - rate * decay`` before the update."""
    rate_of = learning_rate if callable(learning_rate) else (lambda step: learning_rate)
    w = [np.asarray(v, dtype=np.float64) for v in weights]
    state = {}  # type: Dict[str, List[Array]]
    for step in range(steps):
        rate = rate_of(step)
        g = clip(gradients_of(w), options.get("clipvalue"), options.get("clipnorm"), options.get("global_clipnorm"))
        decay = options.get("weight_decay")
        if decay:
            w = [v * (1.0 - rate * decay) for v in w]
        w = [v + u for v, u in zip(w, _update(name, g, state, step + 1, rate, options))]
    return w


def _update(name: str, g: List[Array], state: Dict[str, List[Array]], t: int, rate: float,
            options: Dict[str, float]) -> List[Array]:
    zeros = [np.zeros_like(x) for x in g]
    epsilon = options.get("epsilon", 1e-7)
    if name == "SGD":
        momentum = options.get("momentum", 0.0)
        if not momentum:
            return [-rate * x for x in g]
        velocity = [momentum * v - rate * x for v, x in zip(state.get("v", zeros), g)]
        state["v"] = velocity
        if options.get("nesterov"):
            return [momentum * v - rate * x for v, x in zip(velocity, g)]
        return velocity
    if name in ("Adam", "AdamW", "Adamax"):
        b1, b2 = options.get("beta_1", 0.9), options.get("beta_2", 0.999)
        m = [b1 * a + (1 - b1) * x for a, x in zip(state.get("m", zeros), g)]
        state["m"] = m
        if name == "Adamax":
            u = [np.maximum(b2 * a, np.abs(x)) for a, x in zip(state.get("u", zeros), g)]
            state["u"] = u
            return [-rate / (1 - b1 ** t) * a / (b + epsilon) for a, b in zip(m, u)]
        v = [b2 * a + (1 - b2) * x * x for a, x in zip(state.get("v", zeros), g)]
        state["v"] = v
        corrected = rate * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return [-corrected * a / (np.sqrt(b) + epsilon) for a, b in zip(m, v)]
    if name == "RMSprop":
        rho = options.get("rho", 0.9)
        v = [rho * a + (1 - rho) * x * x for a, x in zip(state.get("v", zeros), g)]
        state["v"] = v
        return [-rate * x / (np.sqrt(a) + epsilon) for x, a in zip(g, v)]
    if name == "Adagrad":
        initial = options.get("initial_accumulator_value", 0.1)
        v = [a + x * x for a, x in zip(state.get("v", [np.full_like(x, initial) for x in g]), g)]
        state["v"] = v
        return [-rate * x / (np.sqrt(a) + epsilon) for x, a in zip(g, v)]
    raise ValueError("no reference for optimizer {}".format(name))
