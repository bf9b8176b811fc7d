"""Class 9: where runs write, and which epoch their final weights are from.

A relative ``ModelCheckpoint("best.keras")`` or ``CSVLogger("log.csv")`` wrote into the folder the
harness was started in (the user's project), every run onto one file, two at a time. With
``EarlyStopping(restore_best_weights=True)`` the final metrics are the last epoch's while the final
weights may be an earlier epoch's: the run records which (``training.weights_epoch``)."""

import json
import subprocess

import pytest

from harness_process import harness_command, harness_env

pytestmark = pytest.mark.framework

CASE_FILE = '''
from harness.case import Case, Variant


def make_data(rng):
    x = rng.normal(0, 1, (60, 4)).astype("float32")
    with open("rows.txt") as stream:  # read where the harness was started, as a user's make_data does
        rows = int(stream.read())
    return {"x": x[:rows], "y": x[:rows, :1] * 0.5}


def build(fw, data):
    model = fw.Sequential([fw.Input((4,)), fw.layers.Dense(1)])
    model.compile(optimizer=fw.optimizer("SGD", 0.05), loss="mean_squared_error")
    return model


def checkpoint(fw):
    return fw.keras.callbacks.ModelCheckpoint("best.weights.h5", monitor="loss", save_weights_only=True)


def log(fw):
    return fw.keras.callbacks.CSVLogger("log.csv")


def restore_worst(fw):
    # "Best" is the highest loss, epoch 1's: patience longer than training, so it never stops early.
    return fw.keras.callbacks.EarlyStopping(monitor="loss", mode="max", patience=50, restore_best_weights=True)


def stop_early(fw):
    return fw.keras.callbacks.EarlyStopping(monitor="loss", mode="max", patience=1, restore_best_weights=True)


CASE = Case(
    id="writes", title="Callbacks that write and restore", make_data=make_data, fit_options={"epochs": 5, "batch_size": 20},
    variants=(Variant("checkpoint", build, callbacks=[checkpoint, log]),
              Variant("checkpoint_too", build, callbacks=[checkpoint, log]),
              Variant("restore_worst", build, callbacks=[restore_worst]),
              Variant("stop_early", build, callbacks=[stop_early]),
              Variant("plain", build)),
)
'''


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    project = tmp_path_factory.mktemp("project")
    (project / "cases").mkdir()
    (project / "cases" / "writes.py").write_text(CASE_FILE)
    (project / "rows.txt").write_text("40")
    completed = subprocess.run(harness_command("run", "--cases", "cases", "--output", "report.json", "--repeats", "2",
                                               "--no-determinism-rerun", "--no-controlled-runs", "--jobs", "2"),
                               cwd=str(project), env=harness_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True, timeout=900)
    return project, completed, json.loads((project / "report.json").read_text())


def test_relative_files_of_callbacks_land_in_the_run_s_own_folder_not_the_project(ran):
    project, completed, document = ran
    assert completed.returncode == 0, completed.stdout[-3000:]
    runs = document["cases"][0]["runs"]
    assert runs and all(run["status"] == "ok" for run in runs), [run["error"] for run in runs if run["error"]]
    assert all(run["data"]["x"]["shape"] == [40, 4] for run in runs)  # make_data still read the project's file
    assert sorted(path.name for path in project.iterdir()) == ["cases", "report.json", "rows.txt"]


def test_the_epoch_the_final_weights_are_from_is_recorded(ran):
    project, completed, document = ran
    keras = document["environment"]["framework"]["keras"]
    training = {run["variant"]: run["training"] for run in document["cases"][0]["runs"] if run["repeat"] == 0
                and run["init_mode"] == "pinned"}
    assert [training[v]["weights_epoch"] for v in ("checkpoint", "plain")] == [5, 5]
    # Keras 3 restores the best epoch's weights at the end of every training; tf.keras 2 only when it stopped early.
    assert training["restore_worst"]["epochs_trained"] == 5 and training["restore_worst"]["best_epoch"] == 1
    assert training["restore_worst"]["weights_epoch"] == (1 if keras.startswith("3.") else 5)
    assert (training["stop_early"]["epochs_trained"], training["stop_early"]["weights_epoch"]) == (2, 1)
    shown = "5 (best 1, w 1)" if keras.startswith("3.") else "2 (best 1, w 1)"
    assert shown in completed.stdout, completed.stdout[-3000:]
