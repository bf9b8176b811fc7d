"""The NumPy references the rules compare every framework with, against values computed by hand.

A rule is only as right as its reference: each function here is checked on inputs small enough to
work out on paper, where the definition the Keras documentation gives decides the number.
"""

import math

import numpy as np
import pytest

from harness import reference as ref

A, B = 2.0, 6.0


def test_activations_are_their_textbook_formulas():
    x = np.array([-1.0, 0.0, 2.0])
    assert ref.ACTIVATIONS["relu"](x).tolist() == [0.0, 0.0, 2.0]
    assert ref.ACTIVATIONS["elu"](x) == pytest.approx([math.exp(-1) - 1, 0.0, 2.0])
    assert ref.ACTIVATIONS["selu"](np.array([1.0]))[0] == pytest.approx(1.0507009873554805)
    assert ref.ACTIVATIONS["softsign"](x) == pytest.approx([-0.5, 0.0, 2.0 / 3.0])
    assert ref.ACTIVATIONS["softplus"](np.array([0.0]))[0] == pytest.approx(math.log(2.0))
    assert ref.ACTIVATIONS["swish"](np.array([0.0, 2.0])) == pytest.approx([0.0, 2.0 / (1.0 + math.exp(-2.0))])
    assert ref.ACTIVATIONS["gelu"](np.array([1.0]))[0] == pytest.approx(0.5 * (1.0 + math.erf(1.0 / math.sqrt(2.0))))
    assert ref.softmax(np.array([[0.0, math.log(3.0)]])) == pytest.approx(np.array([[0.25, 0.75]]))


def test_dense_is_x_times_kernel_plus_bias_then_the_activation():
    x = np.array([[1.0, 2.0]])
    kernel = np.array([[1.0, -1.0], [2.0, -3.0]])
    assert ref.dense(x, kernel, np.array([0.5, 0.0])).tolist() == [[5.5, -7.0]]
    assert ref.dense(x, kernel, np.array([0.5, 0.0]), "relu").tolist() == [[5.5, 0.0]]


def test_conv2d_is_a_cross_correlation_and_same_padding_pads_more_after():
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)  # not flipped: x[i,j] - x[i+1,j+1]
    assert ref.conv2d(x, kernel)[0, :, :, 0].tolist() == [[-4.0, -4.0], [-4.0, -4.0]]
    ones = np.ones((3, 3, 1, 1))
    same = ref.conv2d(np.ones((1, 4, 4, 1)), ones, strides=(2, 2), padding="same")[0, :, :, 0]
    # 4 pixels, window 3, stride 2: 2 outputs, 1 pixel of padding, after: the windows cover rows 0-2 and 2-4
    assert same.tolist() == [[9.0, 6.0], [6.0, 4.0]]
    assert ref._pad_amounts(7, 3, 2, "same") == (4, 1, 1) and ref._pad_amounts(6, 3, 2, "same") == (3, 0, 1)


def test_causal_conv1d_sees_no_later_step():
    x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    kernel = np.array([1.0, 10.0]).reshape(2, 1, 1)  # out[t] = x[t-1] + 10 x[t]
    assert ref.conv1d(x, kernel, padding="causal")[0, :, 0].tolist() == [10.0, 21.0, 32.0]
    assert ref.conv1d(np.arange(5.0).reshape(1, 5, 1), np.ones((2, 1, 1)), stride=2)[0, :, 0].tolist() == [1.0, 5.0]


def test_pooling_averages_only_real_pixels():
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    assert ref.pool2d(x, (2, 2), (2, 2), "valid", "max")[0, :, :, 0].tolist() == [[4.0]]
    # 3x3 window, stride 2, same: one output whose window holds the 4 real pixels and padding
    assert ref.pool2d(x, (3, 3), (2, 2), "same", "average")[0, :, :, 0].tolist() == [[2.5]]


def test_resizing_uses_half_pixel_centres():
    x = np.array([A, B]).reshape(1, 1, 2, 1)
    assert ref.resize_bilinear(x, 1, 4)[0, 0, :, 0] == pytest.approx([A, 0.75 * A + 0.25 * B, 0.25 * A + 0.75 * B, B])
    assert ref.resize_nearest(np.array([A, B, 9.0]).reshape(1, 1, 3, 1), 1, 2)[0, 0, :, 0].tolist() == [A, 9.0]
    assert ref.upsample_nearest(x, (1, 2))[0, 0, :, 0].tolist() == [A, A, B, B]


def test_normalisations():
    assert ref.batch_norm_inference(np.array([3.0]), 2.0, 1.0, 1.0, 3.0, 1.0)[0] == pytest.approx(3.0)  # 2*(2/2)+1
    normed = ref.layer_norm(np.array([[1.0, 3.0]]), np.array([1.0, 1.0]), np.array([0.0, 0.0]), 0.0)
    assert normed.tolist() == [[-1.0, 1.0]]


def test_recurrences_step_by_step():
    x = np.array([[[1.0], [2.0]]])
    h1 = math.tanh(0.5 * 1.0 + 0.1)
    h2 = math.tanh(0.5 * 2.0 + 2.0 * h1 + 0.1)
    assert ref.simple_rnn(x, np.array([[0.5]]), np.array([[2.0]]), np.array([0.1]))[0, :, 0] == pytest.approx([h1, h2])
    # LSTM with only the candidate's bias set: i = f = o = 1/2, g = tanh(1): c1 = tanh(1)/2, h1 = tanh(c1)/2
    bias = np.array([0.0, 0.0, 1.0, 0.0])
    outputs, (h, c) = ref.lstm(np.zeros((1, 1, 1)), np.zeros((1, 4)), np.zeros((1, 4)), bias)
    assert c[0, 0] == pytest.approx(math.tanh(1.0) / 2) and h[0, 0] == pytest.approx(math.tanh(math.tanh(1.0) / 2) / 2)
    # GRU (reset_after) with only the candidate's input bias: z = 1/2, h1 = (1 - z) tanh(1)
    gru_bias = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    assert ref.gru(np.zeros((1, 1, 1)), np.zeros((1, 3)), np.zeros((1, 3)), gru_bias)[0, 0, 0] == \
        pytest.approx(0.5 * math.tanh(1.0))


def test_losses_per_sample():
    assert ref.squared_error(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])).tolist() == [0.5]
    assert ref.absolute_error(np.array([[0.0, 1.0]]), np.array([[2.0, 1.0]])).tolist() == [1.0]
    assert ref.categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]))[0] == pytest.approx(math.log(2))
    assert ref.binary_crossentropy(np.array([[1.0]]), np.array([[0.25]]))[0] == pytest.approx(-math.log(0.25))
    assert ref.one_hot([2, 0], 3).tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]


def test_clipping():
    assert ref.clip([np.array([3.0, -0.5])], clipvalue=1.0)[0].tolist() == [1.0, -0.5]
    assert ref.clip([np.array([3.0, 4.0])], clipnorm=1.0)[0] == pytest.approx([0.6, 0.8])
    joint = ref.clip([np.array([3.0]), np.array([4.0])], global_clipnorm=1.0)
    assert [g[0] for g in joint] == pytest.approx([0.6, 0.8])


def constant_gradient(value):
    return lambda weights: [np.full_like(w, value) for w in weights]


@pytest.mark.parametrize("name, options, steps, expected", [
    ("SGD", {}, 1, 1.0 - 0.1 * 2.0),
    ("SGD", {"momentum": 0.5}, 2, 1.0 - 0.2 - (0.5 * -0.2 - 0.2) * -1),  # v1 = -0.2, v2 = -0.3: w = 1 - 0.5
    ("SGD", {"momentum": 0.5, "nesterov": True}, 1, 1.0 + 0.5 * -0.2 - 0.2),
    ("Adam", {"epsilon": 0.0}, 1, 1.0 - 0.1),  # bias-corrected first step: lr * sign(g)
    ("Adamax", {"epsilon": 0.0}, 1, 1.0 - 0.1),
    ("RMSprop", {"epsilon": 0.0}, 1, 1.0 - 0.1 / math.sqrt(0.1)),  # v = 0.1 g^2
    ("Adagrad", {"epsilon": 0.0, "initial_accumulator_value": 0.0}, 1, 1.0 - 0.1),
    ("Adagrad", {"epsilon": 0.0}, 1, 1.0 - 0.1 * 2.0 / math.sqrt(0.1 + 4.0)),
    ("SGD", {"weight_decay": 0.5}, 1, 1.0 * (1 - 0.1 * 0.5) - 0.2),
])
def test_one_optimizer_step_by_its_documented_rule(name, options, steps, expected):
    found = ref.optimizer_steps(name, [np.array([1.0])], constant_gradient(2.0), steps, 0.1, **options)
    assert found[0][0] == pytest.approx(expected)


def test_a_schedule_sets_each_step_s_rate_and_an_unknown_optimizer_is_refused():
    found = ref.optimizer_steps("SGD", [np.array([0.0])], constant_gradient(1.0), 2, lambda step: 0.1 * 0.5 ** step)
    assert found[0][0] == pytest.approx(-0.1 - 0.05)
    with pytest.raises(ValueError, match="no reference for optimizer Lion"):
        ref.optimizer_steps("Lion", [np.array([0.0])], constant_gradient(1.0), 1, 0.1)
