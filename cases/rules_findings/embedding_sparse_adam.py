"""Minimal reproduction, ready to file upstream: Keras 3 on TensorFlow trains an Embedding differently
from the same computation written as a one-hot input times a bias-free Dense kernel, under Adam (and
every optimizer whose update is not linear in the gradient); SGD agrees.

    tox exec -e tf2 -- python cases/rules_findings/embedding_sparse_adam.py
    KERAS_BACKEND=jax python cases/rules_findings/embedding_sparse_adam.py   # with keras and jax installed

Plain Keras, no harness. The two models compute the same function from the same weights: the
Embedding's output for id ``i`` is row ``i`` of its table, which is what ``one_hot(i) @ kernel`` is.
Only the gradient's form differs: for the Embedding, TensorFlow gives an ``IndexedSlices`` with one
row per token, repeated when a token repeats in the batch (here ids repeat, as tokens in text do);
for the Dense kernel, a dense tensor holding the summed rows. Adam's second moment must square the
*summed* gradient of a row; squaring each repeated slice and then summing gives another number.
Prints the largest difference of the tables after three steps for Adam and SGD.
"""

import numpy as np

import keras

VOCABULARY, TOKENS, WIDTH, STEPS = 10, 5, 3, 3


def trained(optimizer, sparse, ids, y, table, head):
    if sparse:
        inputs = keras.Input(shape=(TOKENS,), dtype="int32")
        lookup = keras.layers.Embedding(VOCABULARY, WIDTH)
        x = ids
    else:
        inputs = keras.Input(shape=(TOKENS, VOCABULARY))
        lookup = keras.layers.Dense(WIDTH, use_bias=False)
        x = np.eye(VOCABULARY, dtype="float32")[ids]
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(lookup(inputs))))
    model.compile(optimizer=optimizer, loss="mse")
    model.set_weights([table] + head)
    for _ in range(STEPS):
        model.train_on_batch(x, y)
    return model.get_weights()[0]


def main():
    rng = np.random.RandomState(0)
    ids = rng.randint(0, VOCABULARY, size=(4, TOKENS)).astype("int32")
    y = rng.uniform(-1, 1, size=(4, 1)).astype("float32")
    table = rng.uniform(-0.5, 0.5, size=(VOCABULARY, WIDTH)).astype("float32")
    head = [rng.uniform(-0.5, 0.5, size=(TOKENS * WIDTH, 1)).astype("float32"), np.zeros(1, dtype="float32")]
    print("keras {} on {}; ids (repeats within the batch): {}".format(
        keras.__version__, keras.backend.backend(), ids.ravel().tolist()))
    for name, make in (("Adam", lambda: keras.optimizers.Adam(0.05)), ("SGD", lambda: keras.optimizers.SGD(0.05))):
        sparse = trained(make(), True, ids, y, table, head)
        dense = trained(make(), False, ids, y, table, head)
        print("{:<4} after {} steps: max |Embedding table - one-hot Dense kernel| = {:.3g}".format(
            name, STEPS, float(np.max(np.abs(sparse - dense)))))


if __name__ == "__main__":
    main()
