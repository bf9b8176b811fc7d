"""A small regression MLP trained with RMSprop at its default epsilon: where TF 2.0 and 2.15 part.

A harness case, not part of the default run (``cases/`` is read without its subfolders):

    tox -e tf20 -- --cases cases/rules_findings/localisation --repeats 1 --init-mode pinned
    tox -e tf215 -- --cases cases/rules_findings/localisation --repeats 1 --init-mode pinned
    python -m harness compare reports/tf215.json reports/tf20.json --baseline tf20

The comparison's localisation names the update of step 1 in ``dense/bias`` (README: "Where two
environments part").
"""

from harness.case import Case, Variant


def make_data(rng, profile):
    x = rng.normal(0, 1, (64, 8)).astype("float32")
    return {"x": x, "y": (x[:, :1] - 0.5 * x[:, 1:2] + 0.1).astype("float32")}


def build(fw, data, profile):
    model = fw.Sequential()
    model.add(fw.layers.Dense(16, activation="tanh", input_shape=(8,)))
    model.add(fw.layers.Dense(1))
    model.compile(optimizer=fw.optimizer("RMSprop", 0.001), loss="mean_squared_error")
    return model


CASE = Case(id="rmsprop_default_epsilon", title="RMSprop at its default epsilon", sources=("README: Where two environments part",), make_data=make_data,
            fit_options={"epochs": 3, "batch_size": 16, "shuffle": False}, variants=(Variant("rmsprop", build),),
            checks=())
