"""What real training code uses, each on the real framework of this env: a subclassed model, two
outputs, sample weights with ReduceLROnPlateau, a tf.data pipeline and a Python generator; and the
mistakes a user makes with them, each one line naming the file and the fix."""

import glob
import json
import os

import pytest

from harness_process import ROOT, run_harness

pytestmark = pytest.mark.framework

CASE_FILE = '''
import numpy as np

from harness.case import Case, Unsupported, Variant


def make_data(rng):
    x = rng.normal(0.0, 1.0, (200, 4)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    return {"x": x, "y": y, "sample_weight": np.where(y[:, 0] > 0, 2.0, 1.0), "x_val": x[:40], "y_val": y[:40]}


def compiled(fw, model, **compile_options):
    model.compile(optimizer=fw.optimizer("Adam", 0.01), **compile_options)
    return model


def functional(fw, data):
    inputs = fw.Input((4,))
    return compiled(fw, fw.Model(inputs, fw.layers.Dense(1, activation="sigmoid")(inputs)), loss="binary_crossentropy")


def subclassed(fw, data):
    class Classifier(fw.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = fw.layers.Dense(8, activation="relu")
            self.out = fw.layers.Dense(1, activation="sigmoid")

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = Classifier()
    model(data["x"][:1])
    return compiled(fw, model, loss="binary_crossentropy")


def two_outputs(fw, data):
    inputs = fw.Input((4,))
    hidden = fw.layers.Dense(8, activation="relu")(inputs)
    outputs = [fw.layers.Dense(1, activation="sigmoid", name="label")(hidden), fw.layers.Dense(1, name="total")(hidden)]
    return compiled(fw, fw.Model(inputs, outputs), loss=["binary_crossentropy", "mse"])


def two_targets(fw, data):
    return {"x": data["x"], "y": [data["y"], data["x"].sum(axis=1, keepdims=True)]}


def dataset(fw, data):
    if fw.tf is None:
        raise Unsupported("tf.data needs TensorFlow")
    make = fw.tf.data.Dataset.from_tensor_slices
    return {"x": make((data["x"], data["y"])).batch(32), "validation_data": make((data["x_val"], data["y_val"])).batch(32)}


def generator(fw, data):
    def batches():
        while True:
            for start in range(0, 200, 50):
                yield data["x"][start:start + 50], data["y"][start:start + 50]
    return {"x": batches(), "steps_per_epoch": 4}


def checkpoint(fw):
    import os
    assert os.path.isdir(fw.run_folder)  # the run's own folder: runs go two at a time
    return fw.keras.callbacks.ModelCheckpoint(os.path.join(fw.run_folder, "best.weights.h5"), monitor="loss",
                                              save_best_only=True, save_weights_only=True)


def plateau(fw):
    return fw.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)


CASE = Case(id="features", make_data=make_data, fit_options={"epochs": 4, "batch_size": 32}, variants=[
    Variant("subclassed", subclassed),
    Variant("two_outputs", two_outputs, fit_data=two_targets),
    Variant("weighted_plateau", functional, callbacks=[plateau, checkpoint]),
    Variant("dataset", functional, fit_data=dataset),
    Variant("generator", functional, fit_data=generator),
])
'''


def run_case(tmp_path, source, *arguments):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "own.py").write_text(source)
    output = tmp_path / "report.json"
    completed = run_harness("run", "--cases", str(cases), "--output", str(output), "--repeats", "1",
                            "--no-determinism-rerun", *arguments)
    return completed, (json.loads(output.read_text()) if output.exists() else None), str(cases / "own.py")


def test_what_real_training_code_uses_trains_and_is_recorded(tmp_path):
    completed, document, _ = run_case(tmp_path, CASE_FILE)
    assert completed.returncode == 0, completed.stdout[-4000:]
    runs = {(r["variant"], r["init_mode"]): r for r in document["cases"][0]["runs"]}
    for key, run in runs.items():
        if key[1] != "controlled":
            assert run["status"] == "ok", (key, run["error"])
    assert len(runs[("subclassed", "pinned")]["weights"]["initial"]) == 4  # pinned like any model
    assert {"label_loss", "total_loss", "loss"} <= set(runs[("two_outputs", "pinned")]["history"])
    rates = runs[("weighted_plateau", "pinned")]["training"]["learning_rate"]
    # The first epoch improves on nothing; every later one gains less than 10, so the rate halves after it.
    assert rates == pytest.approx([0.01, 0.01, 0.005, 0.0025])
    assert runs[("weighted_plateau", "pinned")]["training"]["callbacks"] == ["ReduceLROnPlateau", "ModelCheckpoint"]
    assert not list(tmp_path.glob("**/best.weights.h5")) and not glob.glob(os.path.join(ROOT, "**", "best.weights.h5"))
    assert "sample_weight" in runs[("weighted_plateau", "pinned")]["data"]
    # fit_data returning arrays (two targets) is trained, shuffled and controlled like make_data's arrays.
    assert runs[("two_outputs", "pinned")]["training_randomness"]["shuffle"] is True
    assert runs[("two_outputs", "controlled")]["training_randomness"]["switched_off"] is True
    assert runs[("two_outputs", "controlled")]["training_randomness"]["shuffle"] is True
    for variant in ("dataset", "generator"):
        pipeline = runs[(variant, "pinned")]
        assert pipeline["training_randomness"]["pipeline"] is True and pipeline["training_randomness"]["shuffle"] is False
        assert len(pipeline["history"]["loss"]) == 4
        controlled = runs[(variant, "controlled")]
        assert controlled["status"] == "skipped" and controlled["skip"] == {"code": "input_pipeline", "missing": []}
    assert "val_loss" in runs[("dataset", "pinned")]["history"]


@pytest.mark.parametrize("correct, mistaken, expected", [
    ('    model(data["x"][:1])\n', "", "variant 'subclassed': build returned a model that is not built yet (a "
                                      "subclassed model, or a Sequential without an Input, is built by its first input): "
                                      "call it once on a batch, model(data['x'][:1])"),
    ('return {"x": x, "y": y, "sample_weight"', 'return {"x": x, "label": y, "sample_weight"',
     "make_data must return a dict with 'x' and 'y'"),
    ('    return {"x": make((data["x"], data["y"])).batch(32), "validation_data"',
     '    return [make((data["x"], data["y"])).batch(32)]  # "validation_data"',
     "fit_data must return model.fit's input arguments as a dict with 'x'"),
    ('    model.compile(optimizer=fw.optimizer("Adam", 0.01), **compile_options)\n', "",
     "not a compiled model: call model.compile(...) before returning it"),
    ('return fw.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)',
     'return "ReduceLROnPlateau"', "returned 'ReduceLROnPlateau', not a callback of this Keras"),
])
def test_a_mistake_in_an_own_model_case_is_one_line_naming_file_and_fix(tmp_path, correct, mistaken, expected):
    """Each mistake is made in the file: its runs are errors of type CaseMistake, told with the fix."""
    assert correct in CASE_FILE
    completed, document, path = run_case(tmp_path, CASE_FILE.replace(correct, mistaken))
    errors = [line for line in completed.stdout.splitlines() if line.startswith("error: ")]
    assert errors and all(line.startswith("error: {}: ".format(path)) for line in errors), completed.stdout[-3000:]
    assert expected in errors[0] and 'README: "Check your own model before upgrading"' in errors[0]
    assert completed.returncode == 1
    kinds = {r["error"]["type"] for r in document["cases"][0]["runs"] if r["status"] == "error"}
    assert "CaseMistake" in kinds  # (a fit_data of the case's own may fail its own way on the same mistake)


SIGNATURES = """
import numpy as np

from harness.case import Case, Variant


def make_data(rng, n=600):
    x = rng.normal(0.0, 1.0, (n, 4)).astype("float32")
    return {"x": x, "y": (x.sum(axis=1, keepdims=True) > 0).astype("float32")}


def build(fw, data, augment=True):
    inputs = fw.Input((4,))
    hidden = fw.layers.GaussianNoise(0.1, name="augmentation")(inputs) if augment else inputs
    model = fw.Model(inputs, fw.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer=fw.optimizer("SGD", 0.1), loss="binary_crossentropy")
    return model


CASE = Case(id="signatures", make_data=make_data, fit_options={"epochs": 1, "batch_size": 100},
            variants=[Variant("augmented", build), Variant("plain", build, options={"augment": False})])
"""


def test_a_case_function_gets_what_it_asks_for_and_keeps_its_defaults(tmp_path):
    """build(fw, data, augment=True) builds with its augmentation layer and make_data(rng, n=600) makes 600
    rows: the harness hands the profile only to a parameter named profile."""
    completed, document, _ = run_case(tmp_path, SIGNATURES, "--init-mode", "pinned", "--no-controlled-runs")
    assert completed.returncode == 0, completed.stdout[-3000:]
    runs = {run["variant"]: run for run in document["cases"][0]["runs"]}
    assert runs["augmented"]["data"]["x"]["shape"] == [600, 4]
    layers = [layer["layer"] for layer in runs["augmented"]["training_randomness"]["layers"]]
    assert layers == ["augmentation"] and runs["plain"]["training_randomness"]["layers"] == []
