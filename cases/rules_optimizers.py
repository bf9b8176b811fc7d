"""Rule family: optimisers against their closed form.

A step of each optimiser on a one-layer linear model under mean squared error, whose gradient
NumPy computes exactly, moves the weights as the optimiser's documented update rule says
(harness.reference.optimizer_steps): with and without clipping, with a learning-rate schedule and
weight decay where the version has them; and fit, train_on_batch and a hand-written training loop
take the same steps. Users depend on an optimizer option doing what it says: one silently
ignored (clipping, decay) trains a different model with no error.
"""

import numpy as np

from harness import reference as ref
from harness.rules import Family, Finding, Rule, uniform

SAMPLES, FEATURES, OUTPUTS = 8, 3, 2


def _problem(rng, scale=1.0):
    """Data and pinned weights of the tiny linear regression; ``scale`` makes gradients large."""
    x = uniform(rng, SAMPLES, FEATURES, scale=scale)
    y = uniform(rng, SAMPLES, OUTPUTS, scale=scale)
    return x, y, [uniform(rng, FEATURES, OUTPUTS), uniform(rng, OUTPUTS)]


def _gradients(x, y, bias=True):
    """Exact gradients of mean squared error (mean over samples and outputs) of x @ W (+ b)."""
    def gradients_of(weights):
        residual = x @ weights[0] + (weights[1] if bias else 0.0) - y
        scale = 2.0 / residual.size
        return [scale * x.T @ residual] + ([scale * residual.sum(axis=0)] if bias else [])
    return gradients_of


def _model(fw, optimizer, weights):
    inputs = fw.Input(shape=(FEATURES,))
    model = fw.Model(inputs, fw.layers.Dense(OUTPUTS, use_bias=len(weights) == 2)(inputs))
    model.compile(optimizer=optimizer, loss="mse")
    model.set_weights(weights)
    return model


def _trained(fw, optimizer, weights, x, y, steps):
    model = _model(fw, optimizer, weights)
    for _ in range(steps):
        model.train_on_batch(x, y)
    return model.get_weights()


def closed_form(name, steps=2, scale=1.0, bias=True, **options):
    """``steps`` train_on_batch calls of optimizer ``name`` against its NumPy update rule, compared after
    every step: two wrong steps can land on the right weights, and the first step carries the bias
    correction that differs most between implementations."""
    def compute(fw, rng):
        x, y, weights = _problem(rng, scale)
        weights = weights[:1 + bias]
        optimizer = fw.optimizer(name, 0.05, **options)
        reference_options = dict(options)
        if name == "Adagrad":  # the documented starting accumulator, which versions choose differently
            reference_options["initial_accumulator_value"] = float(optimizer.get_config().get("initial_accumulator_value", 0.0))
        model = _model(fw, optimizer, weights)
        found = {}
        for step in range(1, steps + 1):
            model.train_on_batch(x, y)
            want = ref.optimizer_steps(name, weights, _gradients(x, y, bias), step, 0.05, **reference_options)
            for label, got, expected in zip(("kernel", "bias"), model.get_weights(), want):
                found["{} after step {}".format(label, step)] = (got, expected)
        return found
    return compute


def learning_rate_schedule(fw, rng):
    x, y, weights = _problem(rng)
    schedule = fw.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    got = _trained(fw, fw.optimizer("SGD", schedule), weights, x, y, 3)
    want = ref.optimizer_steps("SGD", weights, _gradients(x, y), 3, lambda step: 0.1 * 0.5 ** step)
    return {"kernel": (got[0], want[0]), "bias": (got[1], want[1])}


def fit_vs_train_on_batch(fw, rng):
    """Two epochs of fit on one full batch are two train_on_batch steps (SGD with momentum)."""
    x, y, weights = _problem(rng)
    model = _model(fw, fw.optimizer("SGD", 0.05, momentum=0.9), weights)
    model.fit(x, y, batch_size=SAMPLES, epochs=2, shuffle=False, verbose=0)
    stepped = _trained(fw, fw.optimizer("SGD", 0.05, momentum=0.9), weights, x, y, 2)
    return {"kernel": (model.get_weights()[0], stepped[0]), "bias": (model.get_weights()[1], stepped[1])}


def fit_batches_in_order(fw, rng):
    """fit with batch_size=4 and shuffle=False takes one SGD step per batch, in order."""
    x, y, weights = _problem(rng)
    model = _model(fw, fw.optimizer("SGD", 0.05), weights)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    want = [np.asarray(w, dtype=np.float64) for w in weights]
    for start in (0, 4):
        want = ref.optimizer_steps("SGD", want, _gradients(x[start:start + 4], y[start:start + 4]), 1, 0.05)
    return {"kernel": (model.get_weights()[0], want[0]), "bias": (model.get_weights()[1], want[1])}


def hand_loop_vs_train_on_batch(fw, rng):
    """A GradientTape loop with apply_gradients takes the step train_on_batch takes (Adam, 2 steps)."""
    x, y, weights = _problem(rng)
    model = _model(fw, fw.optimizer("Adam", 0.05), weights)
    loss = fw.keras.losses.MeanSquaredError()
    for _ in range(2):
        with fw.tf.GradientTape() as tape:
            value = loss(fw.tf.constant(y), model(fw.tf.constant(x), training=True))
        gradients = tape.gradient(value, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    stepped = _trained(fw, fw.optimizer("Adam", 0.05), weights, x, y, 2)
    return {"kernel": (model.get_weights()[0], stepped[0]), "bias": (model.get_weights()[1], stepped[1])}


# Findings of this family (see README "Rule library"): a known upstream bug, and one reproduced here.
CLIPPING_IGNORED = Finding("tensorflow>=2.0,<2.2", "tf.keras optimizers ignore clipvalue and clipnorm in fit in TF 2.0 "
                           "and 2.1 (fixed in 2.2)", "https://github.com/tensorflow/tensorflow/issues/33929",
                           keras_flavours=("tf.keras",))
STANDALONE_ADAM = Finding("keras<2.4", "standalone Keras 2.2/2.3: Adam's and Adamax's steps differ from the documented "
                          "bias-corrected update in some runs and not in others (a step's bias correction can read the "
                          "step counter before or after its increment: seen as a first step a quarter off)",
                          keras_flavours=("keras",), intermittent=True)


CASE = Family(
    "rules_optimizers", "Rule family: optimisers against their closed form",
    "train_on_batch and fit on a one-layer linear model under MSE, against NumPy's update rules on exact gradients.",
    [
        Rule("sgd_step", "SGD moves each weight by -lr * gradient", closed_form("SGD", steps=1)),
        Rule("sgd_momentum", "SGD momentum=0.9 keeps a velocity v = 0.9 v - lr g and adds it", closed_form(
            "SGD", momentum=0.9)),
        Rule("sgd_nesterov", "SGD nesterov=True steps by 0.9 v - lr g with the updated velocity", closed_form(
            "SGD", momentum=0.9, nesterov=True)),
        Rule("adam_steps", "Adam's two first steps follow its bias-corrected moment estimates", closed_form("Adam"),
             findings=[STANDALONE_ADAM]),
        Rule("adamax_steps", "Adamax divides the first moment by the infinity norm of past gradients",
             closed_form("Adamax"), findings=[STANDALONE_ADAM]),
        Rule("rmsprop_steps", "RMSprop divides by the root of the running mean of squared gradients (a tiny "
             "epsilon: whether it sits inside the root differs between versions and is not documented)",
             closed_form("RMSprop", epsilon=1e-10)),
        Rule("adagrad_steps", "Adagrad divides by the root of the accumulated squared gradients, from the "
             "documented initial accumulator", closed_form("Adagrad")),
        Rule("sgd_clipvalue", "clipvalue clips every gradient element to [-clipvalue, clipvalue] before the step",
             closed_form("SGD", steps=1, scale=3.0, clipvalue=0.1), findings=[CLIPPING_IGNORED]),
        Rule("sgd_clipnorm", "clipnorm rescales a gradient whose L2 norm exceeds clipnorm to that norm",
             closed_form("SGD", steps=1, scale=3.0, bias=False, clipnorm=0.5), findings=[CLIPPING_IGNORED]),
        Rule("sgd_global_clipnorm", "global_clipnorm rescales all gradients together by their joint L2 norm",
             closed_form("SGD", steps=1, scale=3.0, global_clipnorm=0.5), requires=["optimizer_global_clipnorm"]),
        Rule("adam_clipvalue", "clipvalue applies to Adam's gradients too (its second step shows it)",
             closed_form("Adam", scale=3.0, clipvalue=0.1), findings=[CLIPPING_IGNORED, STANDALONE_ADAM]),
        Rule("learning_rate_schedule", "a LearningRateSchedule sets each step's rate: ExponentialDecay halves it "
             "every step", learning_rate_schedule, requires=["learning_rate_schedules"]),
        Rule("sgd_weight_decay", "weight_decay shrinks each weight by lr * decay before the gradient step",
             closed_form("SGD", steps=2, weight_decay=0.1), requires=["weight_decay_optimizers"]),
        Rule("adamw_steps", "AdamW is Adam with decoupled weight decay (lr * decay * w)", closed_form(
            "AdamW", weight_decay=0.1), requires=["optimizer_adamw"]),
        Rule("fit_vs_train_on_batch", "fit on one full batch per epoch takes the steps train_on_batch takes",
             fit_vs_train_on_batch),
        Rule("fit_batches_in_order", "fit with shuffle=False takes one step per batch, in the order of the data",
             fit_batches_in_order),
        Rule("hand_loop_vs_train_on_batch", "a GradientTape loop with apply_gradients trains as train_on_batch does",
             hand_loop_vs_train_on_batch, requires=["eager_tensorflow"]),
    ])
