"""Minimal reproduction, ready to file upstream: Keras 3 computes the crossentropy of a saturated softmax
output differently on each backend — exactly, from the logits, on TensorFlow; from probabilities
clipped to [1e-7, 1 - 1e-7] on JAX and PyTorch — so the loss differs by orders of magnitude and the
gradient of a saturated sample is the exact one on TensorFlow and zero on JAX and PyTorch.

    tox exec -e tf2 -- python cases/rules_findings/softmax_saturated_crossentropy.py
    tox exec -e keras3-jax -- python cases/rules_findings/softmax_saturated_crossentropy.py
    tox exec -e keras3-torch -- python cases/rules_findings/softmax_saturated_crossentropy.py

Plain Keras, no harness. A ``Dense(3, activation="softmax")`` model with pinned weights whose logits
are large (as an all-ones initialisation makes them: ``symmetric_init/constant``, whose first-epoch
loss is 616 564 on TF and 14.23 on JAX in CI), compiled with ``sparse_categorical_crossentropy``. The
forward pass (the probabilities ``predict`` gives) is the same on every backend; the loss is not.
Keras 3's TensorFlow backend keeps the softmax's input on its output tensor (``_keras_logits``,
``keras/src/backend/tensorflow/nn.py``) and its crossentropy uses it: ``logsumexp(z) - z_y``, exact.
The other backends have no such attribute and clip the probabilities, as the docstring of
``keras.ops.sparse_categorical_crossentropy`` says for ``from_logits=False``: the loss of a sample
whose true class has probability under 1e-7 is ``-log(1e-7) = 16.12`` whatever its logits, and its
gradient, through the clip, is zero. Prints, per backend: the largest difference of the
probabilities from NumPy's softmax, the loss ``evaluate`` gives, the exact loss and the clipped loss
from NumPy, and the size of the kernel's change after one SGD step (lr 1e-3).
"""

import numpy as np

import keras

SAMPLES, FEATURES, CLASSES, SCALE = 8, 4, 3, 30.0


def softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)


def main():
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 1, size=(SAMPLES, FEATURES)).astype("float32")
    y = rng.randint(0, CLASSES, size=SAMPLES).astype("int32")
    kernel = (SCALE * rng.normal(size=(FEATURES, CLASSES))).astype("float32")
    bias = np.zeros(CLASSES, dtype="float32")
    inputs = keras.Input(shape=(FEATURES,))
    model = keras.Model(inputs, keras.layers.Dense(CLASSES, activation="softmax")(inputs))
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="sparse_categorical_crossentropy")
    model.set_weights([kernel, bias])
    logits = x.astype(np.float64) @ kernel + bias
    probabilities = model.predict(x, verbose=0)
    true = softmax(logits)[np.arange(SAMPLES), y]
    exact = float(np.mean(np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1)) + logits.max(1)
                          - logits[np.arange(SAMPLES), y]))
    clipped = float(np.mean(-np.log(np.clip(true, 1e-7, 1 - 1e-7))))
    loss = float(model.evaluate(x, y, batch_size=SAMPLES, verbose=0))
    model.train_on_batch(x, y)
    moved = float(np.linalg.norm(model.get_weights()[0] - kernel))
    print("keras {} on {}: {} of {} samples saturated (true-class probability < 1e-7)".format(
        keras.__version__, keras.backend.backend(), int(np.sum(true < 1e-7)), SAMPLES))
    print("  probabilities: max |predict - NumPy softmax| = {:.3g}".format(
        float(np.max(np.abs(probabilities - softmax(logits))))))
    print("  loss: evaluate {:.6g}; NumPy exact (from logits) {:.6g}; NumPy clipped probabilities {:.6g}".format(
        loss, exact, clipped))
    print("  one SGD step (lr 1e-3): |kernel change| = {:.6g}".format(moved))


if __name__ == "__main__":
    main()
