"""Rule family: stateful and recurrent layers.

SimpleRNN, LSTM and GRU compute their documented recurrences (a NumPy loop over time steps);
return_sequences, go_backwards, Bidirectional and time_major are the same computation with the
time axis reversed or transposed explicitly; a stateful layer carries its state from one batch
to the next and reset_states restores the first call; a mask skips padded steps. Users build
sequence models from these options and trust that a flag changes only what it names.
"""

import numpy as np

from harness import reference as ref
from harness.rules import Family, Finding, Rule, apply, uniform

BATCH, STEPS, FEATURES, UNITS = 3, 5, 2, 4


def _lstm_weights(rng):
    return [uniform(rng, FEATURES, 4 * UNITS), uniform(rng, UNITS, 4 * UNITS), uniform(rng, 4 * UNITS)]


def _lstm(fw, **options):
    return fw.layers.LSTM(UNITS, recurrent_activation="sigmoid", **options)


def simple_rnn(fw, rng):
    x = uniform(rng, BATCH, STEPS, FEATURES)
    weights = [uniform(rng, FEATURES, UNITS), uniform(rng, UNITS, UNITS), uniform(rng, UNITS)]
    layer = fw.layers.SimpleRNN(UNITS, return_sequences=True)
    return apply(fw, layer, x, weights), ref.simple_rnn(x, *weights)


def lstm(fw, rng):
    x, weights = uniform(rng, BATCH, STEPS, FEATURES), _lstm_weights(rng)
    return apply(fw, _lstm(fw, return_sequences=True), x, weights), ref.lstm(x, *weights)[0]


def gru(fw, rng):
    x = uniform(rng, BATCH, STEPS, FEATURES)
    weights = [uniform(rng, FEATURES, 3 * UNITS), uniform(rng, UNITS, 3 * UNITS), uniform(rng, 2, 3 * UNITS)]
    layer = fw.layers.GRU(UNITS, recurrent_activation="sigmoid", reset_after=True, return_sequences=True)
    return apply(fw, layer, x, weights), ref.gru(x, *weights)


def last_step(fw, rng):
    """return_sequences=False returns the last step of return_sequences=True."""
    x, weights = uniform(rng, BATCH, STEPS, FEATURES), _lstm_weights(rng)
    return apply(fw, _lstm(fw), x, weights), apply(fw, _lstm(fw, return_sequences=True), x, weights)[:, -1]


def go_backwards(fw, rng):
    """go_backwards=True reads the steps last to first: the recurrence over the reversed input."""
    x, weights = uniform(rng, BATCH, STEPS, FEATURES), _lstm_weights(rng)
    return apply(fw, _lstm(fw, go_backwards=True), x, weights), ref.lstm(x[:, ::-1], *weights)[0][:, -1]


def bidirectional(merge_mode, sequences):
    """Bidirectional is a forward layer and a backward one on the reversed steps, the backward
    outputs put back in time order, merged as ``merge_mode`` says."""
    def compute(fw, rng):
        x = uniform(rng, BATCH, STEPS, FEATURES)
        forward_weights, backward_weights = _lstm_weights(rng), _lstm_weights(rng)
        layer = fw.layers.Bidirectional(_lstm(fw, return_sequences=sequences), merge_mode=merge_mode)
        got = apply(fw, layer, x, forward_weights + backward_weights)
        forward = ref.lstm(x, *forward_weights)[0]
        backward = ref.lstm(x[:, ::-1], *backward_weights)[0][:, ::-1]
        if not sequences:
            forward, backward = forward[:, -1], backward[:, 0]
        return got, np.concatenate([forward, backward], axis=-1) if merge_mode == "concat" else forward + backward
    return compute


def time_major(fw, rng):
    """time_major=True takes (time, batch, features): the same outputs, transposed."""
    x, weights = uniform(rng, BATCH, STEPS, FEATURES), _lstm_weights(rng)
    layer = _lstm(fw, time_major=True, return_sequences=True)
    transposed = fw.tf.constant(np.transpose(x, (1, 0, 2)))
    layer(transposed)
    layer.set_weights(weights)
    got = np.transpose(fw.to_numpy(layer(transposed)), (1, 0, 2))
    return got, ref.lstm(x, *weights)[0]


def _stateful(fw, weights, half):
    inputs = fw.Input(batch_shape=(BATCH, half, FEATURES))
    layer = _lstm(fw, stateful=True, return_sequences=True)
    model = fw.Model(inputs, layer(inputs))
    layer.set_weights(weights)
    return model, layer


def _reset(layer):
    """reset_states, or reset_state as Keras 3 also spells it."""
    reset = getattr(layer, "reset_states", None)
    return (reset or layer.reset_state)()


def stateful_continues(fw, rng):
    """A stateful layer fed a sequence in two halves outputs what the whole sequence gives."""
    x, weights = uniform(rng, BATCH, 6, FEATURES), _lstm_weights(rng)
    model, _ = _stateful(fw, weights, 3)
    halves = np.concatenate([model.predict(x[:, :3], batch_size=BATCH, verbose=0),
                             model.predict(x[:, 3:], batch_size=BATCH, verbose=0)], axis=1)
    return halves, ref.lstm(x, *weights)[0]


def reset_states(fw, rng):
    """reset_states forgets the carried state: the next call outputs what the first call did."""
    x, weights = uniform(rng, BATCH, 3, FEATURES), _lstm_weights(rng)
    model, layer = _stateful(fw, weights, 3)
    first = model.predict(x, batch_size=BATCH, verbose=0)
    carried = model.predict(x, batch_size=BATCH, verbose=0)
    _reset(layer)
    again = model.predict(x, batch_size=BATCH, verbose=0)
    if np.allclose(first, carried):
        raise AssertionError("the stateful layer carried no state, so resetting it shows nothing")
    return again, first


def masked_steps(fw, rng):
    """Behind Masking, an LSTM skips the padded steps: its output is that of the unpadded sequence."""
    lengths = [5, 3, 1]
    x, weights = uniform(rng, BATCH, STEPS, FEATURES) + 2.0, _lstm_weights(rng)
    for row, length in enumerate(lengths):
        x[row, length:] = 0.0
    inputs = fw.Input(shape=(STEPS, FEATURES))
    layer = _lstm(fw)
    model = fw.Model(inputs, layer(fw.layers.Masking(0.0)(inputs)))
    layer.set_weights(weights)
    want = np.stack([ref.lstm(x[row:row + 1, :length], *weights)[0][0, -1] for row, length in enumerate(lengths)])
    return model.predict(x, verbose=0), want


# A finding (see README "Rule library"): on JAX, predict does not carry a stateful layer's state.
STATELESS_ON_JAX = Finding("keras>=3.15,jax>=0.1", "Keras 3.15 on JAX: a stateful LSTM starts every predict call from "
                           "zero state")


CASE = Family(
    "rules_recurrent", "Rule family: stateful and recurrent layers",
    "Recurrent layers against NumPy loops; their time-axis options against explicit reversal and transposition.",
    [
        Rule("simple_rnn_vs_numpy", "SimpleRNN computes h_t = tanh(x_t W + h_{t-1} U + b)", simple_rnn),
        Rule("lstm_vs_numpy", "LSTM computes the documented gates (i, f, c, o) step by step", lstm),
        Rule("gru_vs_numpy", "GRU with reset_after=True applies the reset gate after the recurrent product", gru),
        Rule("return_sequences_last_step", "return_sequences=False returns the last of the sequence's outputs",
             last_step),
        Rule("go_backwards", "go_backwards=True is the recurrence over the reversed sequence", go_backwards),
        Rule("bidirectional_concat_sequences", "Bidirectional(merge_mode='concat') concatenates the forward outputs "
             "with the backward outputs put back in time order", bidirectional("concat", True)),
        Rule("bidirectional_sum_last", "Bidirectional(merge_mode='sum') adds the forward last output and the "
             "backward layer's last (the first step's) output", bidirectional("sum", False)),
        Rule("time_major", "time_major=True on (time, batch, features) gives the transposed outputs", time_major,
             requires=["time_major"]),
        Rule("stateful_continues", "a stateful layer fed two halves of a sequence outputs what the whole gives",
             stateful_continues, findings=[STATELESS_ON_JAX]),
        Rule("reset_states_restores", "reset_states forgets the state: the next call repeats the first call's output",
             reset_states, findings=[STATELESS_ON_JAX]),
        Rule("masked_steps_skipped", "behind Masking, an LSTM's output is that of the unpadded sequence", masked_steps),
    ])
