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
    "keras>=3", "Keras 3's legacy HDF5 format cannot save random image layers: they hold a module in their config "
    "(cannot pickle 'module')")
ATTENTION_H5 = Finding(
    "keras>=3.14", "Keras 3.14 on: the legacy HDF5 loader cannot rebuild Attention ('Error when deserializing class "
    "'Attention''; Keras 3.3-3.13 could)")
ROTATION_H5 = Finding(
    "keras>=3,<3.6", "Keras 3.0-3.5: RandomRotation cannot be saved to HDF5 (cannot pickle 'module'), as other "
    "random image layers still cannot")
KERAS30_H5_LOSS_NAME = Finding(
    "keras>=3,<3.3", "Keras 3.0-3.2: the legacy HDF5 loader cannot read back a model compiled with loss='mse' ('Could "
    "not locate function 'mse''): no compiled model saved to HDF5 loads")
KERAS30_H5_DUPLICATE_NAMES = Finding(
    "keras>=3,<3.3", "Keras 3.0-3.2: models with Bidirectional, MultiHeadAttention, GroupQueryAttention or "
    "StackedRNNCells cannot be saved to HDF5 (their weights share names: 'Unable to synchronously create dataset "
    "(name already exists)')")
KERAS30_BIDIRECTIONAL = Finding(
    "keras>=3,<3.3", "Keras 3.0-3.2: a Bidirectional layer's weights cannot be set into a model rebuilt from its config "
    "or spelled otherwise (set_weights: the weight list does not match), nor loaded from a .keras archive")
KERAS30_SPECTRAL = Finding(
    "keras>=3,<3.1", "Keras 3.0: SpectralNormalization raises when called in a model rebuilt from its config, a "
    "Sequential model or after loading a .keras archive")
KERAS30_DOT_ARCHIVE = Finding(
    "keras>=3,<3.2", "Keras 3.0-3.1: a model with Dot loaded from a .keras archive raises ('A Dot layer should be "
    "called on a list of 2 inputs')")
KERAS3_SCALAR_NORMALIZATION = Finding(
    "keras>=3,<3.8", "Keras 3.0-3.7: Normalization(mean=0.1, variance=2.0) with scalar statistics (documented: "
    "'scalar or array') cannot be called in a model ('Input to reshape is a tensor with 1 values')")
KERAS36_PIPELINE = Finding(
    "keras>=3.6,<3.7", "Keras 3.6: a Pipeline of preprocessing layers raises when called in a model "
    "(AttributeError in Pipeline.call)")
KERAS38_GRAYSCALE = Finding(
    "keras>=3.8,<3.11", "Keras 3.8-3.10: RandomGrayscale cannot be used in a functional model (3.8-3.9: KeyError in "
    "Functional.call; 3.10: 'inputs not connected to outputs')")
KERAS310_MUON_CONFIG = Finding(
    KERAS3_ON_TF + ",keras<3.13", "Keras 3.10-3.12 on TensorFlow: Muon rebuilt from its config, or restored from a "
    "saved model, raises AttributeError: 'ResourceVariable' object has no attribute 'path'")
TF_KERAS_R2_RESET = Finding(
    "keras>=2.13,<2.14", "tf.keras 2.13: R2Score.reset_state raises (dtype int32 requested for a float32 tensor)",
    keras_flavours=("tf.keras",))
AUGMENTING_ON_TF = Finding(
    KERAS3_ON_TF + ",keras<3.10", "Keras 3.0-3.9 on TensorFlow: predict of a subclassed model whose call takes no "
    "training argument runs its random image layers in training mode, as on JAX still (intermittent: a random "
    "draw may leave a batch unchanged)", "https://github.com/keras-team/keras-hub/pull/1623", intermittent=True)
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
    "keras>=2.13,<3", "tf.keras 2.13-2.15 (and tf-keras): a model with SpectralNormalization cannot be reloaded, from HDF5 ('Unknown "
    "layer') nor from a .keras archive ('str' object is not callable)")
TF_KERAS_NADAM_RESTART = Finding(
    "keras>=2.11,<3", "tf.keras 2.11-2.15 (its new optimizers, and tf-keras): Nadam restored from an HDF5 model mid-training takes other steps than it "
    "would have taken (its momentum-schedule product is not restored)")
FUNCTION_ON_TORCH = Finding(
    "keras>=3,torch>=1", "Keras 3 on PyTorch: the function categorical_generalized_cross_entropy does not convert NumPy "
    "inputs as its class (and every other loss function) does, and raises on them")
# Found by the library's run on the older environments of the matrix (tf114 ... tf22, tf114-keras, tf20-keras).
TF_ADAGRAD_BY_NAME = Finding(
    "tensorflow<2.3", "tf.keras before 2.3: compile(optimizer='adagrad') starts Adagrad's accumulators at 0.0 where "
    "Adagrad() starts them at its documented default 0.1: the two spellings take other steps",
    "https://github.com/tensorflow/tensorflow/pull/37819", keras_flavours=("tf.keras",))
TF_SPARSE_CROSSENTROPY_ARRAYS = Finding(
    "tensorflow<2.2", "TensorFlow before 2.2: SparseCategoricalCrossentropy called on arrays (its documentation's own "
    "example) raises AttributeError: 'numpy.ndarray' object has no attribute 'op'",
    "https://github.com/tensorflow/tensorflow/issues/33394")
TF114_ATTENTION_H5 = Finding(
    "tensorflow>=1.14,<1.15", "TF 1.14: a model with Attention or AdditiveAttention saved to HDF5 cannot be loaded "
    "('Unknown layer: Attention'): the layers are not registered for deserialisation", keras_flavours=("tf.keras",))
TF20_ATTENTION_CONFIG = Finding(
    "tensorflow>=2.0,<2.1", "TF 2.0: Attention and AdditiveAttention have no get_config ('Layers with arguments in "
    "__init__ must override get_config'): neither a config round trip nor an HDF5 model", keras_flavours=("tf.keras",))
TF_STACKED_CELLS_H5 = Finding(
    "tensorflow>=2.0,<2.2", "TF 2.0-2.1: a model with StackedRNNCells cannot be saved to HDF5 (its cells' weights share "
    "names: 'Unable to create link (name already exists)')", keras_flavours=("tf.keras",))
TF1_FED_AND_FETCHED = Finding(
    "tensorflow<2", "tf.keras on TF 1.x: a subclassed model whose output is its input unchanged (ActivityRegularization "
    "returns its input) cannot be run: 'input ... is both fed and fetched'", keras_flavours=("tf.keras",))
TF1_RELATIVE_ERROR_NORMALIZER = Finding(
    "tensorflow<2", "TF 1.x: MeanRelativeError takes a normalizer only of the predictions' exact shape; a per-column "
    "normalizer, which TF 2 broadcasts, raises 'Can not squeeze dim[1]'", keras_flavours=("tf.keras",))
TF_MEAN_IOU_WEIGHTS = Finding(
    "tensorflow<2.2", "TensorFlow before 2.2: MeanIoU.update_state with a sample_weight array raises AttributeError: "
    "'tuple' object has no attribute 'ndims'", keras_flavours=("tf.keras",))
TF114_FTRL_CONFIG = Finding(
    "tensorflow>=1.14,<1.15", "TF 1.14: Ftrl.get_config raises AttributeError ('_serializer_hyperparameter'): an Ftrl "
    "optimizer can be neither rebuilt from its config nor saved with a model", keras_flavours=("tf.keras",))
KERAS22_NADAM_RESTART = Finding(
    "keras>=2.2,<2.3", "standalone Keras 2.2: Nadam restored from an HDF5 model mid-training takes other steps than it "
    "would have taken (its momentum-schedule product is not saved)", keras_flavours=("keras",))
KERAS23_HINGE_NAN = Finding(
    "keras>=2.3,<2.4", "standalone Keras 2.3: the Hinge and SquaredHinge metrics on 0/1 labels read NaN unweighted and "
    "0.0 with sample weights of ones (tf.keras of the same TF reads 1.03 both ways)", keras_flavours=("keras",))
KERAS22_SEPARABLE_STEP = Finding(
    "keras>=2.2,<2.3", "standalone Keras 2.2 on TF 1.14: in one run of three, one SGD step of a subclassed model with "
    "SeparableConv2D left weights 5.9e-4 (relative) away from the same model written functionally, with identical "
    "outputs before the step and the same distance each time; not reproduced in isolation, cause not found",
    keras_flavours=("keras",), intermittent=True)
KERAS2_ADAPTIVE_UNSTABLE = Finding(
    "keras>=2.2,<2.4", "standalone Keras 2.2-2.3 on TensorFlow: Adam, Adamax, Nadam and Adagrad take other steps in "
    "one of two programs that must agree, in some runs and not in others, even with one PYTHONHASHSEED (tf114-keras: "
    "in 8 of 14 runs of its optimizer rules, 0 to 4 such rules per run, 0.0004 to 0.107 apart; tf20-keras: Adam or "
    "Nadam rebuilt from its config, in 2 of 5 runs): the same program computes differently from run to "
    "run, as an unordered read and assign of the optimizer's slot variables in one graph run would; cause not isolated",
    keras_flavours=("keras",), intermittent=True)

SPARSE_OPTIMIZERS = ("adadelta", "adafactor", "adagrad", "adam", "adam_w", "adamax", "ftrl", "lamb", "nadam",
                     "rm_sprop", "schedule_free_adam_w")
H5_LAYERS = ("random_brightness", "random_color_degeneration", "random_posterization",
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
       ("layer_subclassed_normalization", NORMALIZATION_SCOPE)]
    + [("optimizer_name_adagrad", TF_ADAGRAD_BY_NAME), ("loss_*_sparse_categorical_crossentropy",
                                                        TF_SPARSE_CROSSENTROPY_ARRAYS)]
    + [("layer_save_h5_" + name, TF114_ATTENTION_H5) for name in ("attention", "additive_attention")]
    + [("layer_{}_{}".format(relation, name), TF20_ATTENTION_CONFIG) for relation in ("config", "save_h5")
       for name in ("attention", "additive_attention")]
    + [("layer_save_h5_stacked_rnn_cells", TF_STACKED_CELLS_H5),
       ("layer_subclassed_activity_regularization", TF1_FED_AND_FETCHED),
       ("metric_*_mean_relative_error", TF1_RELATIVE_ERROR_NORMALIZER), ("metric_weights_mean_io_u", TF_MEAN_IOU_WEIGHTS),
       ("optimizer_config_ftrl", TF114_FTRL_CONFIG), ("optimizer_restart_ftrl", TF114_FTRL_CONFIG),
       ("optimizer_restart_nadam", KERAS22_NADAM_RESTART),
       ("metric_weights_hinge", KERAS23_HINGE_NAN), ("metric_weights_squared_hinge", KERAS23_HINGE_NAN),
       ("layer_subclassed_separable_conv2d", KERAS22_SEPARABLE_STEP)]
    + [("optimizer_{}_{}".format(relation, name), KERAS2_ADAPTIVE_UNSTABLE) for relation in (
        "sparse_dense", "config", "restart", "name") for name in ("adam", "adamax", "nadam", "adagrad")]
    # Found by the library's run on every Keras 3 release of the matrix (k30 ... k315, tf216 ... tf221).
    + [("layer_save_h5_attention", ATTENTION_H5), ("layer_save_h5_*", KERAS30_H5_LOSS_NAME),
       ("layer_save_h5_random_rotation", ROTATION_H5),
       ("metric_reset_r2_score", TF_KERAS_R2_RESET), ("optimizer_config_muon", KERAS310_MUON_CONFIG),
       ("optimizer_restart_muon", KERAS310_MUON_CONFIG), ("layer_save_keras_dot", KERAS30_DOT_ARCHIVE)]
    + [("layer_save_h5_" + name, KERAS30_H5_DUPLICATE_NAMES) for name in (
        "bidirectional", "multi_head_attention", "group_query_attention", "stacked_rnn_cells")]
    + [("layer_{}_bidirectional".format(relation), KERAS30_BIDIRECTIONAL) for relation in (
        "config", "sequential", "subclassed", "save_keras")]
    + [("layer_{}_spectral_normalization".format(relation), KERAS30_SPECTRAL) for relation in (
        "config", "sequential", "save_keras")]
    + [("layer_{}_normalization".format(relation), KERAS3_SCALAR_NORMALIZATION) for relation in LAYER_RELATIONS
       if relation != "subclassed"]
    + [("layer_{}_pipeline".format(relation), KERAS36_PIPELINE) for relation in LAYER_RELATIONS
       if relation != "per_sample"]
    + [("layer_{}_random_grayscale".format(relation), KERAS38_GRAYSCALE) for relation in LAYER_RELATIONS]
    + [("layer_subclassed_" + name, AUGMENTING_ON_TF) for name in (
        "random_*", "aug_mix", "cut_mix", "mix_up", "rand_augment", "solarization")])
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
