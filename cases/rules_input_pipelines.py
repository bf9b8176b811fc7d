"""Rule family: input pipelines.

The same batches, in the same order, given to fit as NumPy arrays, as a tf.data.Dataset (where the
backend has it), as a Python generator and as a keras.utils.Sequence (PyDataset in Keras 3), train
the same model: same loss history, same validation loss, same final weights, with sample_weight,
class_weight and validation_data too. Users move from arrays to a pipeline when their data grows and
expect nothing else to change.
"""

import numpy as np

from harness.rules import Family, Finding, Rule, pin, uniform

SAMPLES, BATCH, EPOCHS, CLASSES = 20, 8, 2, 3  # 20 = 8 + 8 + 4: the last batch is partial


def _problem(rng, classify=False):
    x = uniform(rng, SAMPLES, 4)
    y = rng.randint(0, CLASSES, size=SAMPLES) if classify else uniform(rng, SAMPLES, 2)
    return x, y, rng.uniform(0.2, 2.0, size=SAMPLES).astype(np.float32)


def _model(fw, rng_state, classify=False):
    """A pinned Dense model; ``rng_state`` makes both sides' weights the same numbers."""
    inputs = fw.Input(shape=(4,))
    if classify:
        outputs = fw.layers.Dense(CLASSES, activation="softmax")(inputs)
        loss = "sparse_categorical_crossentropy"
    else:
        outputs = fw.layers.Dense(2)(inputs)
        loss = "mse"
    model = fw.Model(inputs, outputs)
    model.compile(optimizer=fw.optimizer("SGD", 0.1), loss=loss)
    rng = np.random.RandomState(rng_state)
    pin(model, rng)
    return model


def _batches(*arrays):
    return [tuple(array[start:start + BATCH] for array in arrays) for start in range(0, SAMPLES, BATCH)]


def _generator(*arrays):
    batches = _batches(*arrays)

    def forever():
        while True:
            for batch in batches:
                yield batch
    return forever()


def _sequence(fw, *arrays):
    batches = _batches(*arrays)
    base = getattr(fw.keras.utils, "PyDataset", None) or fw.keras.utils.Sequence

    class Batches(base):
        def __init__(self):
            super(Batches, self).__init__()

        def __len__(self):
            return len(batches)

        def __getitem__(self, index):
            return batches[index]
    return Batches()


def _dataset(fw, *arrays):
    return fw.tf.data.Dataset.from_tensor_slices(tuple(arrays) if len(arrays) > 1 else arrays[0]).batch(BATCH)


def _pipeline(fw, kind, *arrays):
    return {"dataset": lambda: _dataset(fw, *arrays), "generator": lambda: _generator(*arrays),
            "sequence": lambda: _sequence(fw, *arrays)}[kind]()


def _fit(fw, model, kind, arrays, **options):
    """fit on ``arrays`` (x, y[, sample_weight]) as ``kind``; the history."""
    if kind == "arrays":
        x, y = arrays[:2]
        extra = {"sample_weight": arrays[2]} if len(arrays) == 3 else {}
        return fw.history(model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                                    **dict(options, **extra)))
    if kind == "dataset":  # a finite dataset is read to its end each epoch: no steps_per_epoch, as documented
        return fw.history(model.fit(_dataset(fw, *arrays), epochs=EPOCHS, verbose=0, **options))
    return fw.fit_pipeline(model, _pipeline(fw, kind, *arrays), -(-SAMPLES // BATCH), epochs=EPOCHS, shuffle=False,
                           **options)


def same_training(kind, weighted=False, classify=False, class_weight=None):
    """``kind`` of pipeline against arrays: the loss history and the final weights."""
    def compute(fw, rng):
        x, y, w = _problem(rng, classify)
        arrays = (x, y, w) if weighted else (x, y)
        state = rng.randint(2 ** 31)
        options = {"class_weight": class_weight} if class_weight else {}
        reference = _model(fw, state, classify)
        want = _fit(fw, reference, "arrays", arrays, **options)
        model = _model(fw, state, classify)
        got = _fit(fw, model, kind, arrays, **options)
        found = {"loss": (got["loss"], want["loss"])}
        for index, (a, b) in enumerate(zip(model.get_weights(), reference.get_weights())):
            found["weight {}".format(index)] = (a, b)
        return found
    return compute


def same_validation(kind):
    """Validation data as ``kind`` against arrays: the val_loss history."""
    def compute(fw, rng):
        x, y, _ = _problem(rng)
        x_val, y_val, _ = _problem(rng)
        state = rng.randint(2 ** 31)
        want = _model(fw, state).fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                                      validation_data=(x_val, y_val)).history["val_loss"]
        validation = _pipeline(fw, kind, x_val, y_val)
        steps = {"validation_steps": -(-SAMPLES // BATCH)} if kind == "generator" else {}
        model = _model(fw, state)
        got = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, validation_data=validation,
                        **steps).history["val_loss"]
        if kind == "generator":  # where a later epoch starts reading depends on how far fit read ahead, which is
            return got[:1], want[:1]  # thread timing (README findings): the first epoch is the guarantee
        return got, want
    return compute


def dataset_evaluate_predict(fw, rng):
    x, y, _ = _problem(rng)
    model = _model(fw, rng.randint(2 ** 31))
    dataset = _dataset(fw, x, y)
    return {"evaluate": (fw.evaluate(model, dataset), fw.evaluate(model, x, y, batch_size=BATCH)),
            "predict": (model.predict(_dataset(fw, x), verbose=0), model.predict(x, batch_size=BATCH, verbose=0))}


def validation_split(fw, rng):
    """validation_split=0.2 holds out the last 20% of the arrays, before any shuffling."""
    x, y, _ = _problem(rng)
    state = rng.randint(2 ** 31)
    split = _model(fw, state).fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                                   validation_split=0.2).history
    explicit = _model(fw, state).fit(x[:16], y[:16], batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                                      validation_data=(x[16:], y[16:])).history
    return {"loss": (split["loss"], explicit["loss"]), "val_loss": (split["val_loss"], explicit["val_loss"])}


WEIGHTS = {0: 1.0, 1: 3.0, 2: 0.5}
# Findings of this family (see README "Rule library"), in the versions where the matrix saw them.
TF_KERAS = ("tf.keras",)


def _partial_batch(what: str) -> Finding:
    """Before TF 2.2 tf.keras averaged a Dataset's or generator's batch losses without weighting them by
    batch size, so a partial last batch counts as a full one."""
    return Finding("tensorflow<2.2", "before TF 2.2, {} is the mean of the batch losses, not over the samples: a "
                   "partial last batch counts as a full one".format(what),
                   "https://github.com/tensorflow/tensorflow/issues/27993", keras_flavours=TF_KERAS)


PYDATASET_EPOCHS = Finding("keras>=3,<3.7", "Keras 3.0 to 3.6: fit on a PyDataset with steps_per_epoch equal to its "
                           "length reads no batch after the first epoch (the later epochs train nothing and report a "
                           "loss of 0)")
TF1_HISTORY = Finding("tensorflow<2.0", "TF 1.x reports a Dataset epoch's loss as the mean of the batch losses (a partial "
                      "last batch counts as a full one); the weights train as with arrays", keras_flavours=TF_KERAS)


CASE = Family(
    "rules_input_pipelines", "Rule family: input pipelines",
    "The same batches as NumPy arrays, a tf.data.Dataset, a generator and a Sequence/PyDataset train the same model.",
    [
        Rule("dataset_fit", "a tf.data.Dataset of the same batches trains as the arrays do", same_training("dataset"),
             requires=["tf_data"], findings=[TF1_HISTORY]),
        Rule("generator_fit", "a generator of the same batches (steps_per_epoch) trains as the arrays do",
             same_training("generator")),
        Rule("sequence_fit", "a keras.utils.Sequence / PyDataset of the same batches trains as the arrays do",
             same_training("sequence"), findings=[PYDATASET_EPOCHS]),
        Rule("dataset_sample_weight", "(x, y, sample_weight) batches of a Dataset weight the loss as sample_weight= "
             "does", same_training("dataset", weighted=True), requires=["tf_data"], findings=[
                 Finding("tensorflow<1.15", "TF 1.14 ignores the sample weights of (x, y, sample_weight) Dataset "
                         "batches: the model trains as if unweighted",
                         "https://github.com/tensorflow/tensorflow/issues/23634", keras_flavours=TF_KERAS),
                 Finding("tensorflow>=1.15,<2.0", TF1_HISTORY.reason, keras_flavours=TF_KERAS)]),
        Rule("generator_sample_weight", "(x, y, sample_weight) batches of a generator weight the loss as "
             "sample_weight= does", same_training("generator", weighted=True)),
        Rule("sequence_sample_weight", "(x, y, sample_weight) batches of a Sequence weight the loss as "
             "sample_weight= does", same_training("sequence", weighted=True), findings=[PYDATASET_EPOCHS]),
        Rule("dataset_class_weight", "class_weight applies to a Dataset's batches as to arrays",
             same_training("dataset", classify=True, class_weight=WEIGHTS), requires=["tf_data"], findings=[Finding(
                 "tensorflow<2.1", "before TF 2.1, fit ignores class_weight when given a Dataset, without a warning",
                 "https://github.com/tensorflow/tensorflow/issues/33550", keras_flavours=TF_KERAS)]),
        Rule("generator_class_weight", "class_weight applies to a generator's batches as to arrays",
             same_training("generator", classify=True, class_weight=WEIGHTS), requires=["class_weight_with_generator"],
             findings=[Finding("tensorflow>=2.0,<2.1", "TF 2.0 does not apply class_weight to a generator's batches",
                               keras_flavours=TF_KERAS)]),
        Rule("dataset_validation_data", "validation_data as a Dataset gives the val_loss the arrays give",
             same_validation("dataset"), requires=["tf_data"], findings=[_partial_batch("the val_loss of a Dataset")]),
        Rule("generator_validation_data", "validation_data as a generator (validation_steps) gives the val_loss the "
             "arrays give (first epoch)", same_validation("generator"), requires=["validation_generator"],
             findings=[_partial_batch("the val_loss of a generator")]),
        Rule("dataset_evaluate_predict", "evaluate and predict on a Dataset agree with the arrays",
             dataset_evaluate_predict, requires=["tf_data"], findings=[_partial_batch("evaluate's loss on a Dataset")]),
        Rule("validation_split", "validation_split=0.2 trains on the first 80% and validates on the last 20%",
             validation_split),
    ])
