"""What an environment can do, decided once from its versions, before anything is called.

A rule, a variant or a case that needs something only some versions have says so
(``requires=("tf_data",)``); where the environment lacks it, the rule or run is ``skipped`` with
the capability named, decided before any call is made. Inside a call that the environment
supports, anything raised is a failure: a documented call that starts raising is a regression, and
guessing absence from an exception ("not supported", a ``TypeError``) would let that regression
read as a skip.

Each capability is declared once, here: what it means, the versions that have it (derived from the
environment's one map of versions, :func:`harness.contract.versions.environment_versions`) and
where that range is documented. A range is never probed by calling the API under test. The runner
records every capability in the report's ``environment.capabilities``; the matrix run checks the
ranges (a capability declared present whose call raises fails its rule loudly). Standard library
only: it runs inside every environment and on the host.
"""

from typing import Callable, Dict, Mapping, Optional, Tuple

from harness.contract.versions import release

__all__ = ["Capability", "Facts", "NAMES", "TABLE", "detect", "meaning"]


class Facts(object):
    """The environment's versions, read as the questions capabilities ask."""

    def __init__(self, versions: Mapping[str, Optional[str]]) -> None:
        self.versions = versions
        self.flavour = versions.get("keras_flavour")
        self.backend = versions.get("backend")

    def has(self, package: str) -> bool:
        return bool(self.versions.get(package))

    def version(self, package: str) -> Optional[Tuple[int, ...]]:
        present = self.versions.get(package)
        try:
            return release(present) if present else None
        except ValueError:  # a version an untrusted report made up: not a version we can place
            return None

    def at_least(self, package: str, *wanted: int) -> bool:
        found = self.version(package)
        return found is not None and found >= wanted

    @property
    def keras3(self) -> bool:
        return self.at_least("keras", 3)

    @property
    def tf_keras2(self) -> bool:
        """tf.keras 2 (bundled with TensorFlow, or tf_keras on TF >= 2.16)."""
        return self.flavour == "tf.keras" and not self.keras3

    @property
    def standalone_keras2(self) -> bool:
        """``import keras`` of Keras 2 (2.2, 2.3): a graph-mode frontend of its own."""
        return self.flavour == "keras" and not self.keras3

    @property
    def eager_tensorflow(self) -> bool:
        return self.backend == "tensorflow" and self.at_least("tensorflow", 2) and not self.standalone_keras2


class Capability(object):
    """One thing some environments have: its name, what it means, which versions have it, and the
    source that documents that range."""

    def __init__(self, name: str, meaning: str, present: Callable[[Facts], bool], source: str) -> None:
        self.name = name
        self.meaning = meaning
        self.present = present
        self.source = source


TABLE = (
    Capability("tf_data", "fit, evaluate and predict take a tf.data.Dataset",
               lambda f: f.backend == "tensorflow" and f.has("tensorflow") and not f.standalone_keras2,
               "tf.keras Model.fit documents Dataset inputs; standalone Keras 2 takes arrays and generators; Keras 3 "
               "on JAX or PyTorch has no TensorFlow to make one"),
    Capability("eager_tensorflow", "TensorFlow runs eagerly: models are called on tensors and trained in a "
               "tf.GradientTape loop", lambda f: f.eager_tensorflow,
               "TF 2.0 release notes (eager execution by default); standalone Keras 2 builds graphs"),
    Capability("eager_model_call", "a model called on a batch, model(x), returns its outputs at once (no graph "
               "session to run)", lambda f: f.keras3 or (f.tf_keras2 and f.at_least("tensorflow", 2)),
               "TF 2.0 release notes (eager execution); Keras 3 calls models eagerly on every backend"),
    Capability("switchable_training_randomness", "a Dropout rate set to 0 after building is read when fit traces "
               "training, so a controlled run can switch training randomness off",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("tensorflow", 2)),
               "TF 1.x graphs and standalone Keras 2 bake a Dropout layer's rate into the graph when it is added"),
    Capability("time_major", "recurrent layers take time_major=True ((time, batch, features) inputs)",
               lambda f: f.tf_keras2 and f.at_least("tensorflow", 2),
               "tf.keras 2 RNN layers document time_major; Keras 3 removed it (Keras 3 migration guide)"),
    Capability("h5py", "h5py is installed: models and weights save to HDF5", lambda f: f.has("h5py"),
               "Keras saves HDF5 through h5py, an optional dependency"),
    Capability("savedmodel_keras_model", "model.save(save_format='tf') writes a SavedModel that load_model returns "
               "as a Keras model", lambda f: f.tf_keras2 and f.at_least("tensorflow", 1, 15),
               "TF 1.14 raises 'Saving the model as SavedModel is not supported in TensorFlow 1.X graph mode'; Keras 3 "
               "exports SavedModels for inference only (model.export)"),
    Capability("keras_archive", "model.save('model.keras') writes the .keras archive that load_model reads",
               lambda f: f.at_least("keras", 2, 12), "TF 2.12 release notes (the .keras format)"),
    Capability("class_weight_with_generator", "fit applies class_weight to a Python generator's batches",
               lambda f: not f.keras3, "Keras 3 raises 'Argument `class_weight` is not supported for Python generator "
               "inputs' (keras/src/trainers/data_adapters/__init__.py)"),
    Capability("validation_generator", "fit on arrays takes validation_data as a Python generator (validation_steps)",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("tensorflow", 2)),
               "TF 1.x and standalone Keras 2 document validation_data as arrays (or a Dataset); generators go "
               "through fit_generator"),
    Capability("optimizer_global_clipnorm", "optimizers take global_clipnorm",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("tensorflow", 2, 4)), "TF 2.4 release notes"),
    Capability("weight_decay_optimizers", "optimizers take weight_decay",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("keras", 2, 11)),
               "TF 2.11 release notes (the new optimizers)"),
    Capability("optimizer_adamw", "keras.optimizers.AdamW exists",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("keras", 2, 12)),
               "TF 2.11 keeps AdamW in tf.keras.optimizers.experimental (the matrix run: tf211 has no "
               "keras.optimizers.AdamW); tf.keras.optimizers.AdamW from TF 2.12"),
    Capability("learning_rate_schedules", "keras.optimizers.schedules (ExponentialDecay) sets each step's rate",
               lambda f: not f.standalone_keras2, "tf.keras.optimizers.schedules since TF 1.14; standalone Keras 2 "
               "decays through the optimizer's decay argument"),
    Capability("evaluate_return_dict", "evaluate(return_dict=True) returns the values by name",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("tensorflow", 2, 2)), "TF 2.2 release notes"),
    Capability("loss_and_metric_classes", "losses and metrics exist as classes (keras.losses.MeanSquaredError, "
               "keras.metrics.SparseCategoricalAccuracy)", lambda f: not (f.standalone_keras2 and not
                                                                          f.at_least("keras", 2, 3)),
               "Keras 2.3.0 release notes (loss and metric classes); tf.keras has them throughout"),
    Capability("auc_metric", "keras.metrics.AUC exists", lambda f: not (f.standalone_keras2 and not
                                                                        f.at_least("keras", 2, 3)),
               "Keras 2.3.0 release notes"),
    Capability("layer_normalization", "keras.layers.LayerNormalization exists", lambda f: not f.standalone_keras2,
               "tf.keras has LayerNormalization; standalone Keras 2 never had it"),
    Capability("resizing_layer", "the Resizing preprocessing layer exists (keras.layers.Resizing, or "
               "layers.experimental.preprocessing.Resizing before TF 2.6)",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("tensorflow", 2, 2)),
               "TF 2.2 release notes (preprocessing layers); TF 2.6 moved them out of experimental"),
    Capability("activation_gelu", "the gelu and swish activations exist",
               lambda f: f.keras3 or (f.tf_keras2 and f.at_least("tensorflow", 2, 4)),
               "TF 2.4 release notes (gelu); swish came with TF 2.2"),
)
NAMES = frozenset(capability.name for capability in TABLE)
_BY_NAME = {capability.name: capability for capability in TABLE}


def detect(versions: Mapping[str, Optional[str]]) -> Dict[str, bool]:
    """Every capability, present or not, for the environment with these versions."""
    facts = Facts(versions)
    return {capability.name: bool(capability.present(facts)) for capability in TABLE}


def meaning(name: str) -> str:
    """What a capability means, for the words people read; an unknown name is shown as it is."""
    found = _BY_NAME.get(name)
    return found.meaning if found is not None else name
