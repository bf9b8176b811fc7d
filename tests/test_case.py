"""What a case file declares: the smallest own-model case, and declarations that teach their fix."""

import numpy as np
import pytest

from harness.case import OWN_MODEL, Case, CaseDeclarationError, Check, Limit, Variant
from harness.run.fingerprint import data_fingerprint


def make_data(rng):
    return {"x": rng.normal(0, 1, (8, 3)), "y": rng.normal(0, 1, (8, 1))}


def build(fw, data):
    return ("model of", fw, data["x"].shape)


def test_an_own_model_case_needs_an_id_data_and_a_model():
    case = Case(id="mine", make_data=make_data, build=build)
    assert [variant.name for variant in case.variants] == ["model"]
    assert case.title == "mine" and case.sources == () and case.checks == () and case.callbacks == ()
    data = case.data(np.random.RandomState(0), {"fit": {}})  # make_data(rng): no profile asked for
    assert case.variant("model").model("fw", data, {}) == ("model of", "fw", (8, 3))


def test_the_seed_cases_signatures_still_receive_profile_and_options():
    seen = []

    def build_with_profile(fw, data, profile, width=1):
        seen.append((profile, width))

    case = Case(id="old", title="Old", sources=("s",), make_data=lambda rng, profile: {"profile": profile},
                variants=[Variant("v", build_with_profile, options={"width": 4})], checks=())
    assert case.data(None, {"size": 2}) == {"profile": {"size": 2}}
    case.variant("v").model("fw", {}, {"size": 2})
    assert seen == [({"size": 2}, 4)]
    everything = Variant("w", lambda *arguments: arguments)  # *args takes the profile too
    assert everything.model("fw", "data", "profile") == ("fw", "data", "profile")


@pytest.mark.parametrize("declare, field, expected", [
    (lambda: Case(id="c", make_data=make_data, build=build, variants=[Variant("v", build)]), "build",
     "give build (one model) or variants (several), not both"),
    (lambda: Case(id="c", make_data=make_data), "variants", "needs build=<function returning a compiled model>"),
    (lambda: Case(id="c", build=build), "make_data", "make_data must be a function make_data(rng)"),
    (lambda: Case(id="c", make_data=make_data, build=build, callbacks=[type("EarlyStopping", (), {})]), "callbacks",
     "each callback must be a factory receiving the framework, e.g. lambda fw:"),
    (lambda: Case(id="c", make_data=make_data, build=build, callbacks=[object()]), "callbacks",
     "each callback must be a factory"),
    (lambda: Case(id="c", make_data=make_data, build=build, callbacks=lambda fw: None), "callbacks",
     "callbacks must be a list of factories"),
    (lambda: Case(id="c", make_data=make_data, build=build, fit_options={"validation_data": (1, 2)}), "fit_options",
     "fit_options cannot hold 'validation_data': validation arrays come from make_data"),
    (lambda: Variant("v", build, fit_options={"x": 1}), "fit_options", "the training inputs come from make_data"),
    (lambda: Variant("v", build, fit_data="dataset"), "fit_data", "fit_data must be callable"),
    (lambda: Case(id="c", make_data=make_data, build=build, fit_option={"epochs": 2}), "fit_option",
     "Case got an unexpected keyword argument 'fit_option' (did you mean 'fit_options'?)"),
    (lambda: Variant("v", build, callback=[]), "callback", "(did you mean 'callbacks'?)"),
    (lambda: Check(id="c", kind="invariant", description="d", variants=["v"], measure=len, limit=Limit("<=", 1),
                   tolerance=1), "tolerance", "Check got an unexpected keyword argument 'tolerance'"),
])
def test_a_mistaken_field_is_named_with_what_it_expects(declare, field, expected):
    with pytest.raises(CaseDeclarationError) as raised:
        declare()
    assert expected in str(raised.value) and field in str(raised.value)


def test_own_model_mistakes_point_to_the_own_model_section():
    with pytest.raises(CaseDeclarationError) as raised:
        Case(id="c", make_data=make_data, build=build, callbacks=[object()])
    assert raised.value.section == OWN_MODEL == "Check your own model before upgrading"


def test_several_inputs_are_fingerprinted_one_by_one():
    a, b = np.arange(6.0).reshape(3, 2), np.ones((3, 1))
    found = data_fingerprint({"x": [a, b], "x_val": {"age": a}, "y": b, "note": "text"})
    assert sorted(found) == ["x[0]", "x[1]", "x_val.age", "y"]
    assert found["x[0]"]["hash"] != found["x[1]"]["hash"] and found["x[0]"]["hash"] == found["x_val.age"]["hash"]


def test_the_best_epoch_is_the_first_to_reach_the_best_value():
    """As EarlyStopping counts it: a later epoch that only ties is not an improvement."""
    from types import SimpleNamespace
    from harness.run.execution import _training
    history = {"loss": [0.9, 0.5, 0.5, 0.6], "val_accuracy": [0.5, 0.75, 0.75, 0.75]}
    watching = SimpleNamespace(monitor="val_accuracy", mode="max")
    assert _training({"epochs": 10}, history, [watching], [0.1] * 4)["best_epoch"] == 2
    plain = _training({"epochs": 4}, history, [], [0.1] * 4)
    assert plain["monitor"] == "loss" and plain["best_epoch"] == 2 and not plain["stopped_early"]
