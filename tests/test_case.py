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
    everything = Variant("w", lambda *arguments: arguments)  # profile goes only to a parameter named profile
    assert everything.model("fw", "data", "profile") == ("fw", "data")


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
    (lambda: Variant("v", build, fit_data="dataset"), "fit_data", "fit_data must be a function"),
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
    from harness.run.framework import Framework
    history = {"loss": [0.9, 0.5, 0.5, 0.6], "val_accuracy": [0.5, 0.75, 0.75, 0.75]}
    watching = SimpleNamespace(monitor="val_accuracy", mode="max")
    fw = SimpleNamespace(watched=Framework.watched)  # the compatibility layer reads what callbacks watch
    assert _training(fw, {"epochs": 10}, history, [watching], [0.1] * 4, [], "final")["best_epoch"] == 2
    plain = _training(fw, {"epochs": 4}, history, [], [0.1] * 4, [], "final")
    assert plain["monitor"] == "loss" and plain["best_epoch"] == 2 and not plain["stopped_early"]


def test_the_final_weights_are_the_last_epoch_they_match():
    """Digests of each epoch's weights, watched when a callback may restore: the last epoch whose
    weights the run ends with (weights that stopped changing are not called restored)."""
    from harness.run.execution import _weights_epoch
    assert _weights_epoch(4, [], "d") == 4  # nothing watched: nothing restores
    assert _weights_epoch(4, ["a", "b", "c", "d"], "b") == 2
    assert _weights_epoch(4, ["a", "b", "b", "b"], "b") == 4
    assert _weights_epoch(4, ["a", "b", "c", "d"], "x") is None


def test_a_case_function_is_called_with_what_it_asks_for_and_keeps_its_defaults():
    """The new user's mistakes: make_data(rng, n=600) once received the profile dict as n, and
    build(fw, data, augment=True) received it as augment and silently built another model."""
    seen = {}

    def make_data(rng, n=600):
        seen["n"] = n
        return {"x": np.zeros((n, 2)), "y": np.zeros((n, 1))}

    def build(fw, data, augment=True):
        seen["augment"] = augment
        return "model"

    def build_with_profile(fw, data, profile, width=1):
        seen["profile"], seen["width"] = profile, width
        return "model"

    case = Case(id="mine", make_data=make_data, variants=[Variant("augmented", build),
                                                         Variant("plain", build, options={"augment": False}),
                                                         Variant("profiled", build_with_profile, options={"width": 3})])
    assert case.data(np.random.RandomState(0), {"fit": {"epochs": 2}})["x"].shape == (600, 2) and seen["n"] == 600
    case.variant("augmented").model("fw", {}, {"fit": {}})
    assert seen["augment"] is True
    case.variant("plain").model("fw", {}, {"fit": {}})
    assert seen["augment"] is False
    case.variant("profiled").model("fw", {}, {"size": 2})
    assert seen["profile"] == {"size": 2} and seen["width"] == 3


@pytest.mark.parametrize("declare, expected", [
    (lambda: Variant("v", lambda fw, data, size: None),
     "variant 'v': build: parameter 'size' has no default and the harness cannot fill it"),
    (lambda: Variant("v", lambda fw, data, size=1: None, options={"depth": 2}),
     "variant 'v': build takes no parameter 'depth' (given in options={'depth': ...}); its parameters are: size"),
    (lambda: Variant("v", lambda fw: None), "variant 'v': build must take build(fw, data)"),
    (lambda: Case(id="c", make_data=lambda rng, n: {}, build=build),
     "case 'c': make_data: parameter 'n' has no default"),
    (lambda: Case(id="c", make_data=make_data, build=build, probe=lambda: None), "probe must take probe(data)"),
    (lambda: Variant("v", build, requires=["tf.data"]), "requires names no capability 'tf.data' (did you mean 'tf_data'?)"),
    (lambda: Variant("v", build, pinned_weights=lambda rng: []), "pinned_weights must take pinned_weights(rng, initial)"),
])
def test_a_function_the_harness_cannot_call_is_refused_when_declared(declare, expected):
    with pytest.raises(CaseDeclarationError) as raised:
        declare()
    assert expected in str(raised.value)


@pytest.mark.parametrize("when", ["tensorflow < 2.x", "tensorflow", "keras_flavour==3", "<2.0"])
def test_a_requirement_is_read_when_it_is_declared(when):
    from harness.case import ExpectedChange, KnownFailure
    for declaration in (KnownFailure, ExpectedChange):
        with pytest.raises(CaseDeclarationError) as raised:
            declaration(when=when, reason="r", source="s")
        assert "'when' cannot read requirement" in str(raised.value)
