"""A tabular binary classifier as a user writes one: Dense → Dropout(0.2) → Dense → Dense(sigmoid).

Adam, accuracy and AUC, ``validation_split`` and ``fit``'s default ``shuffle=True``. Its Dropout
masks and its shuffle order come from the framework's RNG while it trains, and that RNG changed
between Keras 2 and Keras 3: with pinned initial weights the two still train differently, and
the difference says nothing about the arithmetic. This is the case on which ``harness compare``
must name the cause ``training_randomness`` (the ``controlled`` runs, with Dropout and shuffling
switched off, agree) and judge the difference against the seed-to-seed spread. ``plain`` is the
same model without Dropout and without shuffling: what is left to differ there is arithmetic.
"""

from harness.case import Case, Check, Limit, Variant
from harness.measures import final_metric

SOURCE = "issue 12 of this harness: a tabular classifier with Dropout compared across TF 2.15 (Keras 2) and TF 2.21"


def make_data(rng, profile):
    """800 rows of 10 standard-normal features; the label is a linear rule with Gaussian noise added."""
    x = rng.normal(0.0, 1.0, (800, 10)).astype("float32")
    w = rng.normal(0.0, 1.0, (10,))
    y = ((x @ w + rng.normal(0.0, 0.5, 800)) > 0).astype("float32").reshape(-1, 1)
    return {"x": x, "y": y}


def build(fw, data, profile, dropout=True):
    """Functional model; AUC where this Keras has it (the capability auc_metric: standalone Keras 2.2.4 has not)."""
    layers = fw.layers
    inputs = fw.Input((10,))
    hidden = layers.Dense(16, activation="relu")(inputs)
    if dropout:
        hidden = layers.Dropout(0.2)(hidden)
    hidden = layers.Dense(8, activation="relu")(hidden)
    outputs = layers.Dense(1, activation="sigmoid")(hidden)
    model = fw.Model(inputs, outputs)
    metrics = ["accuracy"]
    if "auc_metric" in fw.capabilities:
        metrics.append(fw.keras.metrics.AUC(name="auc"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=metrics)
    return model


CASE = Case(
    id="tabular_dropout",
    title="A tabular classifier with Dropout and shuffling: training randomness, not arithmetic",
    sources=(SOURCE,),
    description=__doc__,
    make_data=make_data,
    fit_options={"epochs": 10, "batch_size": 32, "validation_split": 0.2},
    variants=(
        Variant("dropout", build, "Dense(16) → Dropout(0.2) → Dense(8) → Dense(1, sigmoid), shuffled batches"),
        Variant("plain", build, "the same without Dropout, batches in order", options={"dropout": False},
                fit_options={"shuffle": False}),
    ),
    checks=(
        Check(
            id="dropout_model_learns",
            kind="characterisation",
            description="the classifier learns the noisy linear rule: validation accuracy at least 0.7 after 10 "
                        "epochs (chance is about 0.5)",
            variants=("dropout",),
            measure=final_metric("dropout", "val_accuracy"),
            limit=Limit(">=", 0.7),
        ),
    ),
)
