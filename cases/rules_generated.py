"""Rule family: rules generated over the whole API surface of each environment.

Every layer, loss, metric and optimizer the version exports (harness.surface) is put through the
generic relations of harness.relations: round trips (config, HDF5, .keras) keep what a layer computes
and how it trains next; Sequential, functional and subclassed spellings agree; inference is per
sample; a loss's reductions, sample weights, halves and function spelling agree; a metric streams,
resets and weighs as documented; an optimizer rebuilt from its config, restored mid-training or named
by string takes the same steps, and trains an Embedding as the one-hot matmul it is. The default run
checks the quick subset (the sparse-against-dense rule under every optimizer); ``--profile full``
runs the whole library (``tox -e tf2 -- -k rules_generated --profile full``).

A generated rule that fails somewhere is declared below as a finding, by rule-id pattern, with the
upstream issue or the reproduction beside the cases
(``python cases/rules_findings/reproduce.py rules_generated RULE``, e.g. ``optimizer_sparse_dense_adam``).
"""

from harness import relations
from harness.rules import Family, Finding

KERAS3_ON_TF = "keras>=3,tensorflow>=2"

SPARSE_SQUARED = Finding(
    KERAS3_ON_TF, "Keras 3 on TensorFlow: an Embedding's gradient is an IndexedSlices with a row per token, repeated "
    "when a token repeats in the batch; the optimizer's sparse update squares (or takes the absolute value of) each "
    "row before the duplicates are summed, so the second moment sums squares instead of squaring the sum: the table "
    "trains differently from the same computation with a dense gradient (SGD and Lion, linear in the gradient, agree)")
TF_FTRL_SPARSE = Finding(
    "tensorflow<2.11", "tf.keras on TF 1.14-2.10: Ftrl's sparse update (TensorFlow's ResourceSparseApplyFtrl) applies "
    "a repeated id's gradient rows one at a time, accumulating the square of each instead of the square of their "
    "sum: an Embedding trains otherwise than its one-hot matmul (the optimizers of Keras 2.11 agree)",
    keras_flavours=("tf.keras",))
UNPROPAGATED_TRAINING = Finding(
    "keras>=3", "Keras 3 passes training=True to the layers of a subclassed model only when the model's call takes a "
    "training argument: without it, fit trains BatchNormalization and SpectralNormalization in inference mode "
    "(tf.keras 2 propagated it)", "https://github.com/keras-team/keras-hub/pull/1623")
EQUALIZATION_CYCLE = Finding(
    "keras>=3", "Keras 3's Equalization returns a tensor that a functional model cannot map ('... from operation "
    "'equalization' is part of a cycle'): the layer cannot be used in a functional or Sequential model")
NORMALIZATION_SCOPE = Finding(
    "keras>=3", "Keras 3: Normalization(mean=..., variance=...) inside a subclassed model builds its broadcast "
    "statistics during the symbolic first call: on TensorFlow the eager call then reads them out of scope and raises, "
    "on PyTorch it computes outputs millions off")
LEGACY_H5 = Finding(
    "keras>=3", "Keras 3's legacy HDF5 format cannot save some layers: random image layers hold a module in their "
    "config (cannot pickle 'module'), Attention a function it cannot read back")
LEGACY_H5_UNKNOWN = Finding(
    KERAS3_ON_TF, "Keras 3 on TensorFlow: the legacy HDF5 loader does not know RandomHeight, RandomWidth and "
    "ThresholdedReLU ('Unknown layer')")
AUGMENTING_AT_INFERENCE = Finding(
    "keras>=3,jax>=0.1", "Keras 3 on JAX: predict of a subclassed model whose call takes no training argument runs "
    "its random image layers (RandomFlip, MixUp, RandAugment, ...) in training mode: served predictions are "
    "augmented (intermittent: a layer's random draw may leave a batch unchanged, as RandomShear's and "
    "RandomColorJitter's did in one run, CutMix's and RandomGaussianBlur's in another)",
    "https://github.com/keras-team/keras-hub/pull/1623", intermittent=True)
TF_KERAS_SPECTRAL = Finding(
    "keras>=2.15,<3", "tf.keras 2.15: a model with SpectralNormalization cannot be reloaded, from HDF5 ('Unknown "
    "layer') nor from a .keras archive ('str' object is not callable)")
TF_KERAS_NADAM_RESTART = Finding(
    "keras>=2.15,<3", "tf.keras 2.15: Nadam restored from an HDF5 model mid-training takes other steps than it "
    "would have taken (its momentum-schedule product is not restored)")
FUNCTION_ON_TORCH = Finding(
    "keras>=3,torch>=1", "Keras 3 on PyTorch: the function categorical_generalized_cross_entropy does not convert NumPy "
    "inputs as its class (and every other loss function) does, and raises on them")

SPARSE_OPTIMIZERS = ("adadelta", "adafactor", "adagrad", "adam", "adam_w", "adamax", "ftrl", "lamb", "nadam",
                     "rm_sprop", "schedule_free_adam_w")
H5_LAYERS = ("attention", "random_brightness", "random_color_degeneration", "random_posterization",
             "random_saturation", "random_sharpness", "solarization")

# A pattern's * spans underscores: Equalization's rules are spelled out relation by relation, so that
# ContrastLimitedAdaptiveHistogramEqualization (which works) is not declared with them.
LAYER_RELATIONS = ("config", "per_sample", "sequential", "subclassed", "save_h5", "save_keras")

DECLARED = (
    [("optimizer_sparse_dense_" + name, SPARSE_SQUARED) for name in SPARSE_OPTIMIZERS]
    + [("optimizer_sparse_dense_ftrl", TF_FTRL_SPARSE)]
    + [("layer_save_h5_" + name, LEGACY_H5) for name in H5_LAYERS]
    + [("layer_save_h5_" + name, LEGACY_H5_UNKNOWN) for name in ("random_height", "random_width", "thresholded_re_lu")]
    + [("layer_subclassed_" + name, AUGMENTING_AT_INFERENCE) for name in (
        "random_*", "aug_mix", "cut_mix", "mix_up", "rand_augment", "solarization")]
    + [("layer_{}_equalization".format(relation), EQUALIZATION_CYCLE) for relation in LAYER_RELATIONS]
    + [("layer_save_*_spectral_normalization", TF_KERAS_SPECTRAL),
       ("optimizer_restart_nadam", TF_KERAS_NADAM_RESTART),
       ("loss_function_categorical_generalized_cross_entropy", FUNCTION_ON_TORCH),
       ("layer_subclassed_batch_normalization", UNPROPAGATED_TRAINING),
       ("layer_subclassed_spectral_normalization", UNPROPAGATED_TRAINING),
       ("layer_subclassed_normalization", NORMALIZATION_SCOPE)])
FINDINGS = {}  # type: dict
for pattern, finding in DECLARED:  # one rule may show two bugs, each where its versions are
    FINDINGS.setdefault(pattern, []).append(finding)


def generate(fw, profile):
    """This environment's rules: the quick subset by default, every relation with ``--profile full``."""
    return relations.generate(fw, CASE.findings_for, quick=profile != "full")


CASE = Family(
    "rules_generated", "Rule family: generated over every layer, loss, metric and optimizer",
    "Generic relations (round trips, spellings, equivalent programs) applied to everything the version exports; "
    "the default run checks the sparse-against-dense rule under every optimizer, --profile full the whole library.",
    generate=generate, findings=FINDINGS)
