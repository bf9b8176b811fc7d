"""Rule family: weighting against a NumPy reference.

sample_weight (1-D and 2-D targets), class_weight, masking (Masking, Embedding mask_zero) in losses
and metrics, a last partial batch and the loss reductions give the numbers their documented
definitions give, computed in NumPy on the model's own predictions. Users weight samples to
correct imbalance and pad sequences to batch them; a weight or a mask silently dropped changes
what the model learns with no error.
"""

import numpy as np

from harness import reference as ref
from harness.rules import Family, Finding, Rule, pin, uniform

SAMPLES = 12


def _regression(fw, rng, outputs, **compile_options):
    inputs = fw.Input(shape=(4,))
    model = fw.Model(inputs, fw.layers.Dense(outputs)(inputs))
    model.compile(optimizer=fw.optimizer("SGD", 0.0), **dict({"loss": "mse"}, **compile_options))
    pin(model, rng)
    return model


def _classifier(fw, rng, learning_rate=0.0):
    inputs = fw.Input(shape=(4,))
    model = fw.Model(inputs, fw.layers.Dense(3, activation="softmax")(inputs))
    model.compile(optimizer=fw.optimizer("SGD", learning_rate), loss="sparse_categorical_crossentropy")
    pin(model, rng)
    return model


def sample_weighted_loss(outputs):
    """evaluate's loss with sample_weight is sum(w * loss) / n (the default reduction) on predictions."""
    def compute(fw, rng):
        x = uniform(rng, SAMPLES, 4)
        y = uniform(rng, SAMPLES, outputs) if outputs > 1 else uniform(rng, SAMPLES)
        w = rng.uniform(0.2, 2.0, size=SAMPLES)
        model = _regression(fw, rng, outputs)
        predictions = model.predict(x, verbose=0).astype(np.float64)
        losses = ref.squared_error(y.reshape(SAMPLES, -1), predictions)
        got = fw.evaluate(model, x, y, sample_weight=w, batch_size=SAMPLES)[0]
        return got, float((w * losses).mean())
    return compute


def weighted_metric(fw, rng):
    """weighted_metrics are weighted means sum(w * m) / sum(w); plain metrics ignore the weights."""
    x, y = uniform(rng, SAMPLES, 4), uniform(rng, SAMPLES, 2)
    w = rng.uniform(0.2, 2.0, size=SAMPLES)
    state = rng.randint(2 ** 31)
    plain = _regression(fw, np.random.RandomState(state), 2, metrics=["mae"])
    weighted = _regression(fw, np.random.RandomState(state), 2, weighted_metrics=["mae"])
    errors = ref.absolute_error(y, plain.predict(x, verbose=0).astype(np.float64))
    return {"metrics": (fw.evaluate(plain, x, y, sample_weight=w, batch_size=SAMPLES)[1], errors.mean()),
            "weighted_metrics": (fw.evaluate(weighted, x, y, sample_weight=w, batch_size=SAMPLES)[1],
                                 (w * errors).sum() / w.sum())}


def class_weight_as_sample_weight(fw, rng):
    """One step with class_weight equals one step with sample_weight = class_weight[y]."""
    x, y = uniform(rng, SAMPLES, 4), rng.randint(0, 3, size=SAMPLES)
    weights = {0: 1.0, 1: 4.0, 2: 0.25}
    state = rng.randint(2 ** 31)
    a = _classifier(fw, np.random.RandomState(state), 0.5)
    a.fit(x, y, batch_size=SAMPLES, epochs=1, shuffle=False, verbose=0, class_weight=weights)
    b = _classifier(fw, np.random.RandomState(state), 0.5)
    b.fit(x, y, batch_size=SAMPLES, epochs=1, shuffle=False, verbose=0,
          sample_weight=np.array([weights[label] for label in y]))
    return {"weight {}".format(i): (u, v) for i, (u, v) in enumerate(zip(a.get_weights(), b.get_weights()))}


def class_weighted_loss(fw, rng):
    """fit's reported loss with class_weight (learning rate 0) is mean(class_weight[y] * crossentropy)."""
    x, y = uniform(rng, SAMPLES, 4), rng.randint(0, 3, size=SAMPLES)
    weights = {0: 1.0, 1: 4.0, 2: 0.25}
    model = _classifier(fw, rng)
    losses = ref.categorical_crossentropy(ref.one_hot(y, 3), model.predict(x, verbose=0).astype(np.float64))
    got = model.fit(x, y, batch_size=SAMPLES, epochs=1, verbose=0, class_weight=weights).history["loss"][0]
    return got, float((np.array([weights[label] for label in y]) * losses).mean())


def partial_batch(fit):
    """Loss over 12 samples in batches of 5 (5 + 5 + 2) is the mean over all samples: batches are
    weighted by their size, the last partial one included."""
    def compute(fw, rng):
        x, y = uniform(rng, SAMPLES, 4), uniform(rng, SAMPLES, 2)
        model = _regression(fw, rng, 2)
        want = ref.squared_error(y, model.predict(x, verbose=0).astype(np.float64)).mean()
        if fit:
            return model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0).history["loss"][0], want
        return fw.evaluate(model, x, y, batch_size=5)[0], want
    return compute


def sum_reduction(fw, rng):
    """A loss object with reduction='sum' adds the per-sample losses instead of averaging them."""
    x, y = uniform(rng, SAMPLES, 4), uniform(rng, SAMPLES, 2)
    loss = fw.keras.losses.MeanSquaredError(reduction="sum")
    model = _regression(fw, rng, 2, loss=loss)
    want = ref.squared_error(y, model.predict(x, verbose=0).astype(np.float64)).sum()
    return fw.evaluate(model, x, y, batch_size=SAMPLES)[0], want


def _sequence_model(fw, rng, mask_zero):
    """Per-step regression behind a mask: Masking on float steps, or Embedding(mask_zero) on ids."""
    if mask_zero:
        inputs = fw.Input(shape=(6,))
        hidden = fw.layers.Embedding(5, 3, mask_zero=True)(inputs)
    else:
        inputs = fw.Input(shape=(6, 3))
        hidden = fw.layers.Masking(0.0)(inputs)
    outputs = fw.layers.TimeDistributed(fw.layers.Dense(1))(hidden)
    model = fw.Model(inputs, outputs)
    model.compile(optimizer=fw.optimizer("SGD", 0.0), loss="mse", metrics=["mae"])
    pin(model, rng)
    return model


def masked_steps_ignored(mask_zero, what):
    """Targets at masked steps do not change the loss (what=0) or the metric (what=1): changing
    them must leave evaluate's value unchanged."""
    def compute(fw, rng):
        model = _sequence_model(fw, rng, mask_zero)
        lengths = np.array([6, 4, 2, 5])
        steps = np.arange(6)[None, :] < lengths[:, None]
        if mask_zero:
            x = np.where(steps, rng.randint(1, 5, size=(4, 6)), 0)
        else:
            x = np.where(steps[..., None], uniform(rng, 4, 6, 3, scale=1.0) + 2.0, 0.0).astype(np.float32)
        y = uniform(rng, 4, 6, 1)
        moved = np.where(steps[..., None], y, y + 10.0).astype(np.float32)
        return (fw.evaluate(model, x, moved, batch_size=4)[what], fw.evaluate(model, x, y, batch_size=4)[what])
    return compute


# Findings of this family (see README "Rule library"), in the versions where the matrix saw them.
METRICS_UNMASKED = [Finding("tensorflow>=2.2,<2.3", "TF 2.2's compiled metrics count masked steps (fixed in 2.3)",
                            "https://github.com/tensorflow/tensorflow/issues/40002", keras_flavours=("tf.keras",)),
                    Finding("keras>=3,<3.12", "Keras 3.0 to 3.11: compiled metrics count masked steps")]
PARTIAL_BATCH = Finding("keras>=3,<3.2", "Keras 3.0 and 3.1 average the batch losses without weighting them by batch "
                        "size, so a partial last batch counts as a full one (fixed in 3.2)",
                        "https://github.com/keras-team/keras/pull/19363")


CASE = Family(
    "rules_weighting", "Rule family: weighting against a NumPy reference",
    "sample_weight, class_weight, masks, partial batches and reductions against NumPy on the model's predictions.",
    [
        Rule("sample_weight_1d_targets", "with sample_weight, the loss is sum(w * loss_i) / n for (n,) targets",
             sample_weighted_loss(1)),
        Rule("sample_weight_2d_targets", "with sample_weight, the loss is sum(w * loss_i) / n for (n, k) targets, "
             "loss_i averaged over k", sample_weighted_loss(2)),
        Rule("weighted_metrics", "weighted_metrics are sample-weighted means; metrics ignore sample_weight",
             weighted_metric, findings=[Finding("keras<2.3", "standalone Keras 2.2 averages weighted metrics otherwise "
                                                "than sum(w * m) / sum(w)", keras_flavours=("keras",))]),
        Rule("class_weight_is_sample_weight", "class_weight trains as sample_weight=class_weight[y] does",
             class_weight_as_sample_weight),
        Rule("class_weighted_loss", "the loss fit reports under class_weight is mean(class_weight[y] * loss_i)",
             class_weighted_loss),
        Rule("partial_batch_evaluate", "evaluate over a partial last batch is the mean over all samples",
             partial_batch(False), findings=[PARTIAL_BATCH]),
        Rule("partial_batch_fit_loss", "fit's epoch loss over a partial last batch is the mean over all samples",
             partial_batch(True), findings=[PARTIAL_BATCH]),
        Rule("sum_reduction", "reduction='sum' adds the per-sample losses", sum_reduction,
             requires=["loss_and_metric_classes"]),
        Rule("masking_loss", "steps masked by Masking do not count in the loss", masked_steps_ignored(False, 0)),
        Rule("masking_metric", "steps masked by Masking do not count in compiled metrics",
             masked_steps_ignored(False, 1), findings=METRICS_UNMASKED),
        Rule("mask_zero_loss", "steps masked by Embedding(mask_zero=True) do not count in the loss",
             masked_steps_ignored(True, 0)),
        Rule("mask_zero_metric", "steps masked by Embedding(mask_zero=True) do not count in compiled metrics",
             masked_steps_ignored(True, 1), findings=METRICS_UNMASKED),
    ])
