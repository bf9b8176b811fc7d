"""Rule family: ways of saying the same loss or metric.

A loss or metric given by its string name, as a function or as a class; single and multiple
outputs; targets, losses, loss_weights and metrics as lists or as dicts keyed by output name; and
the numbers fit's history, evaluate (in compile order and as a dict) and NumPy on predict's
outputs give: each pair must agree. Users write the spelling they find in a tutorial; two
spellings that compute different numbers make results depend on style.
"""

import numpy as np

from harness import reference as ref
from harness.rules import Family, Rule, pin, uniform

SAMPLES = 10


def _named(fw, holder, *names):
    """The first of ``names`` that ``holder`` has (tf.keras of Keras 3 spells the MSE function ``MSE``); none
    of them is an AttributeError, which fails the rule."""
    for name in names:
        found = getattr(holder, name, None)
        if found is not None:
            return found
    raise AttributeError("{} has no {} in Keras {}".format(holder.__name__, " or ".join(names), fw.keras_version))


def _evaluated(fw, rng_state, x, y, activation, loss, metrics=()):
    """evaluate's values, and predict's outputs, of a pinned Dense model compiled as asked."""
    inputs = fw.Input(shape=(4,))
    model = fw.Model(inputs, fw.layers.Dense(3, activation=activation)(inputs))
    model.compile(optimizer=fw.optimizer("SGD", 0.0), loss=loss, metrics=list(metrics))
    pin(model, np.random.RandomState(rng_state))
    return fw.evaluate(model, x, y, batch_size=SAMPLES), model.predict(x, verbose=0).astype(np.float64)


def spellings(activation, target, names, reference):
    """The loss ``names[i](fw)`` gives on the same model and data, against the first and against NumPy."""
    def compute(fw, rng):
        x = uniform(rng, SAMPLES, 4)
        labels = rng.randint(0, 3, size=SAMPLES)
        y = {"labels": labels, "one_hot": ref.one_hot(labels, 3), "values": uniform(rng, SAMPLES, 3),
             "binary": rng.randint(0, 2, size=(SAMPLES, 3)).astype(np.float32)}[target]
        state = rng.randint(2 ** 31)
        found = {}
        first = None
        for name, spelled in names.items():
            values, predictions = _evaluated(fw, state, x, y, activation, spelled(fw))
            first = values[0] if first is None else first
            found[name] = (values[0], first)
        found["numpy"] = (first, reference(y, predictions))
        return found
    return compute


def metric_spellings(fw, rng):
    """A metric as a name and as a class, against NumPy on predictions: MAE and accuracy."""
    x, labels = uniform(rng, SAMPLES, 4), rng.randint(0, 3, size=SAMPLES)
    state = rng.randint(2 ** 31)
    by_name, predictions = _evaluated(fw, state, x, labels, "softmax", "sparse_categorical_crossentropy",
                                      ["sparse_categorical_accuracy"])
    accuracy = float((predictions.argmax(axis=1) == labels).mean())
    found = {"accuracy name": (by_name[1], accuracy)}
    metric = _named(fw, fw.keras.metrics, "SparseCategoricalAccuracy")()
    by_class, _ = _evaluated(fw, state, x, labels, "softmax", "sparse_categorical_crossentropy", [metric])
    found["accuracy class"] = (by_class[1], accuracy)
    y = uniform(rng, SAMPLES, 3)
    by_name, predictions = _evaluated(fw, state, x, y, None, "mse", ["mae"])
    by_class, _ = _evaluated(fw, state, x, y, None, "mse", [_named(fw, fw.keras.metrics, "MeanAbsoluteError")()])
    found["mae name"] = (by_name[1], ref.absolute_error(y, predictions).mean())
    found["mae class"] = (by_class[1], ref.absolute_error(y, predictions).mean())
    return found


def accuracy_resolves(fw, rng):
    """metrics=['accuracy'] picks the accuracy that fits the loss: sparse labels and one-hot targets."""
    x, labels = uniform(rng, SAMPLES, 4), rng.randint(0, 3, size=SAMPLES)
    state = rng.randint(2 ** 31)
    sparse, predictions = _evaluated(fw, state, x, labels, "softmax", "sparse_categorical_crossentropy", ["accuracy"])
    dense, _ = _evaluated(fw, state, x, ref.one_hot(labels, 3), "softmax", "categorical_crossentropy", ["accuracy"])
    accuracy = float((predictions.argmax(axis=1) == labels).mean())
    return {"sparse labels": (sparse[1], accuracy), "one-hot targets": (dense[1], accuracy)}


def _two_outputs(fw, rng_state, loss, loss_weights):
    inputs = fw.Input(shape=(4,))
    first = fw.layers.Dense(2, name="first")(inputs)
    second = fw.layers.Dense(3, name="second")(inputs)
    model = fw.Model(inputs, [first, second])
    model.compile(optimizer=fw.optimizer("SGD", 0.0), loss=loss, loss_weights=loss_weights)
    pin(model, np.random.RandomState(rng_state))
    return model


def outputs_as_lists_or_dicts(fw, rng):
    """Losses, loss_weights and targets as lists or as dicts keyed by output name: the same total,
    which is the weighted sum of each output's loss on predictions."""
    x, y1, y2 = uniform(rng, SAMPLES, 4), uniform(rng, SAMPLES, 2), uniform(rng, SAMPLES, 3)
    state = rng.randint(2 ** 31)
    as_lists = _two_outputs(fw, state, ["mse", "mae"], [1.0, 0.5])
    as_dicts = _two_outputs(fw, state, {"first": "mse", "second": "mae"}, {"first": 1.0, "second": 0.5})
    total_lists = fw.evaluate(as_lists, x, [y1, y2], batch_size=SAMPLES)[0]
    total_dicts = fw.evaluate(as_dicts, x, {"first": y1, "second": y2}, batch_size=SAMPLES)[0]
    p1, p2 = [np.asarray(p, dtype=np.float64) for p in as_lists.predict(x, verbose=0)]
    want = ref.squared_error(y1, p1).mean() + 0.5 * ref.absolute_error(y2, p2).mean()
    return {"lists vs dicts": (total_dicts, total_lists), "weighted sum": (total_lists, want)}


def evaluate_as_dict(fw, rng):
    """evaluate(return_dict=True) holds the values of the list evaluate returns, under metrics_names."""
    # six classes: more than top-k's default k=5 (with fewer, the torch backend raises and TensorFlow counts every hit)
    x, labels = uniform(rng, SAMPLES, 4), rng.randint(0, 6, size=SAMPLES)
    inputs = fw.Input(shape=(4,))
    model = fw.Model(inputs, fw.layers.Dense(6, activation="softmax")(inputs))
    model.compile(optimizer=fw.optimizer("SGD", 0.0), loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy"])
    pin(model, rng)
    values = fw.evaluate(model, x, labels, batch_size=SAMPLES)
    named = model.evaluate(x, labels, batch_size=SAMPLES, verbose=0, return_dict=True)
    order = ["loss", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy"]
    return {name: (named[name], value) for name, value in zip(order, values)}


def history_vs_evaluate(fw, rng):
    """With a learning rate of 0, fit's history of loss and metric equals evaluate on the same data."""
    x, y = uniform(rng, SAMPLES, 4), uniform(rng, SAMPLES, 3)
    inputs = fw.Input(shape=(4,))
    model = fw.Model(inputs, fw.layers.Dense(3)(inputs))
    model.compile(optimizer=fw.optimizer("SGD", 0.0), loss="mse", metrics=["mae"])
    pin(model, rng)
    history = model.fit(x, y, batch_size=SAMPLES, epochs=1, verbose=0).history
    values = fw.evaluate(model, x, y, batch_size=SAMPLES)
    metric = [key for key in history if key != "loss"][0]
    return {"loss": (history["loss"][0], values[0]), "mae": (history[metric][0], values[1])}


def _predicted(fw, rng):
    """A pinned tanh model, a batch, and what predict gives for it."""
    x = uniform(rng, SAMPLES, 4)
    inputs = fw.Input(shape=(4,))
    model = fw.Model(inputs, fw.layers.Dense(3, activation="tanh")(inputs))
    pin(model, rng)
    return model, x, model.predict(x, verbose=0)


def predict_spellings(fw, rng):
    """predict and predict_on_batch give the same outputs."""
    model, x, predicted = _predicted(fw, rng)
    return model.predict_on_batch(x), predicted


def call_vs_predict(fw, rng):
    """Calling the model on a batch gives what predict gives."""
    model, x, predicted = _predicted(fw, rng)
    return fw.to_numpy(model(x)), predicted


def _function(*names):
    return lambda fw: _named(fw, fw.keras.losses, *names)


def _instance(name, **options):
    return lambda fw: _named(fw, fw.keras.losses, name)(**options)


def _mean(per_sample):
    return lambda y, predictions: per_sample(y, predictions).mean()


CLASSES = ["loss_and_metric_classes"]


CASE = Family(
    "rules_loss_spellings", "Rule family: ways of saying the same loss or metric",
    "String names, functions and classes; lists and dicts of outputs; history, evaluate and NumPy on predict agree.",
    [
        Rule("mse_spellings", "'mse', mean_squared_error and MeanSquaredError() are one loss, equal to NumPy's",
             spellings(None, "values", {"name": lambda fw: "mse", "function": _function("mean_squared_error", "MSE"),
                                        "class": _instance("MeanSquaredError")}, _mean(ref.squared_error)),
             requires=CLASSES),
        Rule("categorical_crossentropy_spellings", "'categorical_crossentropy' and CategoricalCrossentropy() on "
             "one-hot targets are one loss, equal to NumPy's", spellings(
                 "softmax", "one_hot", {"name": lambda fw: "categorical_crossentropy",
                                        "class": _instance("CategoricalCrossentropy")},
                 _mean(ref.categorical_crossentropy)), requires=CLASSES),
        Rule("sparse_crossentropy_spellings", "'sparse_categorical_crossentropy' and its class on integer labels "
             "equal the crossentropy of the one-hot targets", spellings(
                 "softmax", "labels", {"name": lambda fw: "sparse_categorical_crossentropy",
                                       "class": _instance("SparseCategoricalCrossentropy")},
                 lambda labels, p: ref.categorical_crossentropy(ref.one_hot(labels, 3), p).mean()), requires=CLASSES),
        Rule("binary_crossentropy_spellings", "'binary_crossentropy' and BinaryCrossentropy() are one loss, equal "
             "to NumPy's", spellings("sigmoid", "binary", {"name": lambda fw: "binary_crossentropy",
                                                           "class": _instance("BinaryCrossentropy")},
                                     _mean(ref.binary_crossentropy)), requires=CLASSES),
        Rule("crossentropy_from_logits", "CategoricalCrossentropy(from_logits=True) on logits is the crossentropy "
             "of their softmax", spellings(None, "one_hot", {"class": _instance("CategoricalCrossentropy",
                                                                              from_logits=True)},
                                           lambda y, logits: ref.categorical_crossentropy(y, ref.softmax(logits)).mean()),
             requires=CLASSES),
        Rule("metric_spellings", "a metric as a name or as a class gives NumPy's value (MAE, accuracy)",
             metric_spellings, requires=CLASSES),
        Rule("accuracy_resolves", "metrics=['accuracy'] is the accuracy that fits the targets, sparse or one-hot",
             accuracy_resolves),
        Rule("outputs_lists_vs_dicts", "losses, loss_weights and targets as lists or as dicts by output name give "
             "one total: the weighted sum of the outputs' losses", outputs_as_lists_or_dicts),
        Rule("evaluate_as_dict", "evaluate(return_dict=True) holds the list's values under their names, in compile "
             "order", evaluate_as_dict, requires=["evaluate_return_dict"]),
        Rule("history_vs_evaluate", "fit's reported loss and metric equal evaluate's when the weights do not move",
             history_vs_evaluate),
        Rule("predict_spellings", "predict and predict_on_batch give the same outputs", predict_spellings),
        Rule("call_vs_predict", "calling the model on a batch, model(x), gives what predict gives", call_vs_predict,
             requires=["eager_model_call"]),
    ])
