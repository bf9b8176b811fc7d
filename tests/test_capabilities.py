"""What an environment can do, decided from its versions: the table on the matrix's own environments.

The versions below are what those environments' reports record (framework, flavour, backend, and
packages); each capability's range is checked on the environments on either side of it, so a range
that drifts (a capability declared present where the API is missing, or absent where it exists)
fails here before a matrix run shows it as a raised rule or a needless skip.
"""

import glob
import os
import re

import pytest

from harness import capabilities
from harness_process import ROOT


def versions(tensorflow, keras, flavour="tf.keras", backend="tensorflow", **packages):
    found = {"tensorflow": tensorflow, "keras": keras, "keras_flavour": flavour, "backend": backend, "h5py": "3.10.0"}
    found.update(packages)
    return found


ENVIRONMENTS = {
    "tf114": versions("1.14.0", "2.2.4-tf", h5py="2.10.0"),
    "tf114-keras": versions("1.14.0", "2.2.4", flavour="keras", h5py="2.10.0"),
    "tf115": versions("1.15.5", "2.2.4-tf"),
    "tf20": versions("2.0.0", "2.2.4-tf"),
    "tf20-keras": versions("2.0.0", "2.3.1", flavour="keras"),
    "tf22": versions("2.2.3", "2.3.0-tf"),
    "tf24": versions("2.4.4", "2.4.0"),
    "tf211": versions("2.11.1", "2.11.0"),
    "tf215": versions("2.15.1", "2.15.0"),
    "tf2-legacy": versions("2.21.0", "2.21.0"),
    "tf2": versions("2.21.0", "3.15.1"),
    "keras3-jax": versions(None, "3.15.1", flavour="keras", backend="jax"),
}
EXPECTED = {  # capability: the environments above that have it
    "tf_data": {"tf114", "tf115", "tf20", "tf22", "tf24", "tf211", "tf215", "tf2-legacy", "tf2"},
    "eager_tensorflow": {"tf20", "tf22", "tf24", "tf211", "tf215", "tf2-legacy", "tf2"},
    "eager_model_call": {"tf20", "tf22", "tf24", "tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "switchable_training_randomness": {"tf20", "tf22", "tf24", "tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "time_major": {"tf20", "tf22", "tf24", "tf211", "tf215", "tf2-legacy"},
    "savedmodel_keras_model": {"tf115", "tf20", "tf22", "tf24", "tf211", "tf215", "tf2-legacy"},
    "keras_archive": {"tf2-legacy", "tf2", "keras3-jax", "tf215"},
    "class_weight_with_generator": set(ENVIRONMENTS) - {"tf2", "keras3-jax"},
    "validation_generator": {"tf20", "tf22", "tf24", "tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "optimizer_global_clipnorm": {"tf24", "tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "weight_decay_optimizers": {"tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "optimizer_adamw": {"tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "evaluate_return_dict": {"tf22", "tf24", "tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "resizing_layer": {"tf22", "tf24", "tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "activation_gelu": {"tf24", "tf211", "tf215", "tf2-legacy", "tf2", "keras3-jax"},
    "loss_and_metric_classes": set(ENVIRONMENTS) - {"tf114-keras"},
    "auc_metric": set(ENVIRONMENTS) - {"tf114-keras"},
    "learning_rate_schedules": set(ENVIRONMENTS) - {"tf114-keras", "tf20-keras"},
    "layer_normalization": set(ENVIRONMENTS) - {"tf114-keras", "tf20-keras"},
    "h5py": set(ENVIRONMENTS),
}


@pytest.mark.parametrize("name", sorted(capabilities.NAMES))
def test_each_capability_is_present_exactly_where_its_versions_have_it(name):
    present = {env for env, found in ENVIRONMENTS.items() if capabilities.detect(found)[name]}
    assert present == EXPECTED[name]


def test_every_capability_is_declared_once_with_its_meaning_and_source_and_asked_for_somewhere():
    assert sorted(EXPECTED) == sorted(capabilities.NAMES) and len(capabilities.TABLE) == len(capabilities.NAMES)
    assert all(c.meaning.strip() and c.source.strip() for c in capabilities.TABLE)
    asked = set()
    for path in glob.glob(os.path.join(ROOT, "cases", "*.py")) + glob.glob(os.path.join(ROOT, "harness", "**", "*.py"),
                                                                           recursive=True):
        if os.path.basename(path) != "capabilities.py":  # where they are declared is not where they are asked for
            with open(path, encoding="utf-8") as stream:
                asked.update(re.findall(r"[\"']([a-z0-9_]+)[\"']", stream.read()))
    assert sorted(capabilities.NAMES - asked) == []


def test_a_version_an_untrusted_report_made_up_has_no_capability_that_needs_it():
    made_up = versions("two", "three", h5py="")
    found = capabilities.detect(made_up)
    assert not found["keras_archive"] and not found["eager_tensorflow"] and not found["h5py"]


def test_the_readme_lists_every_capability_with_its_meaning():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as stream:
        section = stream.read().split("### Capabilities", 1)[1].split("\n## ", 1)[0]
    rows = {row.split("|")[1].strip().strip("`"): row.split("|")[2].strip() for row in section.splitlines()
            if row.startswith("| `")}
    assert rows == {capability.name: capability.meaning for capability in capabilities.TABLE}


def _probe_script():
    import importlib.util
    spec = importlib.util.spec_from_file_location("probe_capabilities", os.path.join(ROOT, "scripts",
                                                                                      "probe_capabilities.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_probe_of_the_declared_ranges_sees_an_api_that_is_there_and_one_that_is_not():
    """scripts/probe_capabilities.py looks at what a framework exposes; here at a made-up Keras that has
    AdamW and LayerNormalization but not Resizing, gelu or evaluate(return_dict=...)."""
    from types import SimpleNamespace
    model = type("Model", (), {"evaluate": lambda self, x=None, y=None: None})
    keras = SimpleNamespace(
        activations=SimpleNamespace(swish=max), metrics=SimpleNamespace(AUC=max, MeanAbsoluteError=max),
        models=SimpleNamespace(Model=model), layers=SimpleNamespace(LayerNormalization=max),
        optimizers=SimpleNamespace(AdamW=max, schedules=SimpleNamespace(ExponentialDecay=max)),
        losses=SimpleNamespace(MeanSquaredError=max))
    found = _probe_script().probes(SimpleNamespace(keras=keras))
    assert found == {"activation_gelu": False, "auc_metric": True, "evaluate_return_dict": False,
                     "layer_normalization": True, "learning_rate_schedules": True, "loss_and_metric_classes": True,
                     "resizing_layer": False, "optimizer_adamw": True}
