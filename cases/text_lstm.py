"""A small text classifier as users write one: Embedding(mask_zero) → LSTM → Dense(sigmoid).

Token ids from a vocabulary of 40, sequences of 12 padded with zeros (the mask), a label that a
handful of "positive" and "negative" tokens decide. Two optimisers on the same model: Adam, whose
update of an Embedding's gradient (rows repeat when a token repeats in a batch) is where Keras 3 on
TensorFlow was seen to differ from tf.keras 2.15 (issue 22: "Keras 3's Adam updates the Embedding's
sparse gradient differently"), and SGD, which updates the same gradient linearly and must not. Batches
are in order (``shuffle=False``) and nothing is random while training, so pinned runs are one
computation in every environment: what differs is arithmetic, and ``harness decide`` adds seeds
until the comparison is decided either way. It runs on request (``-k text_lstm``): the everyday
``tox -e tf2`` does not pay for it.
"""

import numpy as np

from harness.case import Case, Variant

VOCABULARY, LENGTH = 40, 12


def make_data(rng):
    """300 training and 100 validation sequences; tokens 1-5 push the label up, 6-10 down."""
    lengths = rng.randint(4, LENGTH + 1, size=400)
    tokens = rng.randint(1, VOCABULARY, size=(400, LENGTH))
    tokens = np.where(np.arange(LENGTH)[None, :] < lengths[:, None], tokens, 0)
    score = ((tokens >= 1) & (tokens <= 5)).sum(axis=1) - ((tokens >= 6) & (tokens <= 10)).sum(axis=1)
    labels = (score + rng.normal(0.0, 0.5, 400) > 0).astype("float32").reshape(-1, 1)
    return {"x": tokens[:300], "y": labels[:300], "x_val": tokens[300:], "y_val": labels[300:]}


def build(fw, data, optimizer="Adam"):
    inputs = fw.Input((LENGTH,))
    hidden = fw.layers.Embedding(VOCABULARY, 8, mask_zero=True)(inputs)
    hidden = fw.layers.LSTM(8)(hidden)
    model = fw.Model(inputs, fw.layers.Dense(1, activation="sigmoid")(hidden))
    rate = {"Adam": 0.01, "SGD": 0.5}[optimizer]
    model.compile(optimizer=fw.optimizer(optimizer, rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model


CASE = Case(
    id="text_lstm",
    title="Embedding(mask_zero) → LSTM text classifier, Adam and SGD",
    sources=("issue 22 of this harness: a user's Embedding → LSTM model, tf215 → tf2, MATERIAL with 11 seeds",),
    description=__doc__,
    make_data=make_data,
    fit_options={"epochs": 3, "batch_size": 32, "shuffle": False},
    on_request=True,
    variants=(Variant("adam", build, "Adam(0.01)"), Variant("sgd", build, "SGD(0.5)", options={"optimizer": "SGD"})),
)
