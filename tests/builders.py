"""Hand-built runs and reports for the framework-free tests (no TensorFlow anywhere here)."""

import copy
import os

import numpy as np

from harness.contract import report
from harness.contract.versions import environment_versions
from harness.run import checking, rule_evaluation
from harness.run.determinism import determinism
from harness.case import Case, Check, KnownFailure, Limit, Seeds, Variant
from harness.run.fingerprint import weights_fingerprint
from harness.measures import trajectory_difference
from harness.run.run_result import RunResult

ENVIRONMENT = {
    "name": "unit", "tox_env": None,
    "python": {"version": "3.11.7", "implementation": "CPython", "executable": "python"},
    "platform": {"system": "Linux", "release": "6", "machine": "x86_64", "node": "n"},
    "cpu": {"model": None, "count": 2},
    "framework": {"keras_flavour": "tf.keras", "keras": "2.2.4-tf", "keras_generation": 2, "tensorflow": "1.14.0",
                  "backend": "tensorflow", "graph_mode": True, "executing_eagerly": False, "devices": ["CPU:0"]},
    "numpy": "1.16.6", "determinism": {"PYTHONHASHSEED": None}, "packages": {"numpy": "1.16.6"},
    "capabilities": {"tf_data": True, "switchable_training_randomness": False},
}
SETTINGS = {"selected": [], "repeats": 1, "init_modes": ["framework", "pinned"], "profile": "default",
            "timeout_s": 60.0, "jobs": 1, "determinism_reruns": False}


def run_result(variant, init_mode="framework", repeat=0, loss=(1.0, 0.5), weights=None, status="ok", replica=0,
               randomness=(), shuffle=False, final_weights=None):
    """A finished run; ``randomness`` names its stochastic layers (each a Dropout of rate 0.2, recorded as the
    runner records them)."""
    weights = [np.ones((2, 2), "float32"), np.zeros(2, "float32")] if weights is None else weights
    named = [("dense/w{}".format(i), w) for i, w in enumerate(weights)]
    final = named if final_weights is None else [("dense/w{}".format(i), w) for i, w in enumerate(final_weights)]
    record = report.run_record(status)
    record.update(history={"loss": list(loss), "val_loss": list(loss)}, final={"loss": loss[-1], "val_loss": loss[-1]},
                  weights={"initial": weights_fingerprint(named), "final": weights_fingerprint(final)}, timing={"run_s": 0.1},
                  training_randomness=report.training_randomness(
                      [report.stochastic_layer(name, "Dropout", "rate", 0.2) for name in randomness], shuffle, True))
    entry = report.run_entry(variant, init_mode, repeat, replica, Seeds(1, 2, 3).as_dict(), record)
    return RunResult(entry, {"initial_weights": weights, "final_weights": weights})


def identity_check(known=()):
    return Check(id="identity", kind="invariant", description="a and b train alike", variants=("a", "b"),
                 measure=trajectory_difference("a", "b"), limit=Limit("<=", 1e-6), known_failures=known)


TF1_BUG = KnownFailure(when="tensorflow<2.0", init_modes=("framework",), keras_flavours=("tf.keras",),
                       reason="seed order", source="seed 001")


def report_with(results, check=None, versions=None, expected_changes=()):
    """A complete, valid report of one case judged on ``results`` (RunResults)."""
    check = check or identity_check((TF1_BUG,))
    versions = versions or {"tensorflow": "1.14.0", "keras_flavour": "tf.keras"}
    groups = {}
    for result in results:
        if result.replica == 0:
            groups.setdefault((result.init_mode, result.repeat), {})[result.variant] = result
    document = report.new_report(copy.deepcopy(SETTINGS), copy.deepcopy(ENVIRONMENT))
    document["environment"]["framework"].update({k: v for k, v in versions.items() if k in ("tensorflow", "keras")})
    case = report.case_entry("toy", "Toy", "", ["tests"], "toy.py", "0", "default", {"atol": 1e-6, "rtol": 1e-5},
                             [{"name": "a", "description": ""}, {"name": "b", "description": ""}],
                             [change.as_dict() for change in expected_changes])
    case.update(runs=[r.entry for r in results], determinism=determinism(results),
                checks=[checking.judge(check, groups, versions)], complete=True)
    document["cases"] = [case]
    document["complete"] = True
    document["summary"] = report.summary(document)
    return document


def toy_case():
    return Case(id="toy", title="Toy", sources=("tests",), variants=(Variant("a", lambda *a: None), Variant("b", lambda *a: None)),
                make_data=lambda rng, profile: {}, checks=(identity_check(),))


def family_report(name, family, results, framework=None, file="rules_demo.py", source_hash="0", generated=None):
    """The complete report an environment writes for one family of rules whose one run gave ``results``
    (``harness.run.rule_evaluation.evaluate``'s, or None for a run that crashed), judged as the runner
    judges them; ``framework`` overrides the environment's framework facts. A generated family's run
    also says what it generated: ``generated``, the arrays' ``generated`` and ``surface``."""
    environment = copy.deepcopy(ENVIRONMENT)
    environment["name"] = name
    environment["framework"].update(framework or {})
    record = report.run_record() if results is not None else report.failed_record("crashed", "signal 9")
    arrays = dict({"rules": results}, **(generated or {})) if results is not None else {}
    run = RunResult(report.run_entry("rules", "pinned", 0, 0, Seeds(1, 2, 3).as_dict(), record), arrays)
    entry = report.family_entry(family.id, family.title, family.description, file, source_hash, "default")
    entry.update(rule_evaluation.judge(family, run, environment_versions(environment)), runs=[run.entry], complete=True)
    document = report.new_report(copy.deepcopy(SETTINGS), environment)
    document.update(cases=[entry], complete=True)
    document["summary"] = report.summary(document)
    return document


TF2 = {"tensorflow": "2.21.0", "keras_flavour": "tf.keras"}


def write_seeded(folder, name, mean, seeds=3, spread=0.05, seed=0):
    """A report of environment ``name`` whose variant a trains to a loss of about ``mean`` per seed."""
    rng = np.random.RandomState(seed)
    results = [run_result(v, "pinned", r, loss=(1.0, mean + spread * rng.normal()), weights=[np.full((2, 2), r + 1.0, "float32"),
                                                                                            np.zeros(2, "float32")])
               for r in range(seeds) for v in ("a", "b")]
    document = report_with(results, versions=TF2)
    document["environment"].update(name=name, tox_env="tf2")
    document["settings"]["init_modes"] = ["pinned"]
    document["cases"][0]["looks"] = [seeds]
    path = os.path.join(folder, name + ".json")
    report.write(path, document)
    return path


class FakeTox(object):
    """Extends a report the way ``harness run --resume --repeats N -k CASE`` would."""

    def __init__(self, means, spread=0.05):
        self.means, self.spread, self.commands = means, spread, []

    def __call__(self, command):
        self.commands.append(command)
        path, target = command[command.index("--output") + 1], int(command[command.index("--repeats") + 1])
        document = report.load(path)
        case = document["cases"][0]
        have = report.case_repeats(case)
        rng = np.random.RandomState(have * 7919 + len(self.commands))
        name = document["environment"]["name"]
        for repeat in range(have, target):
            loss = self.means[name] + self.spread * rng.normal()
            for variant in ("a", "b"):
                case["runs"].append(run_result(variant, "pinned", repeat, loss=(1.0, loss), weights=[
                    np.full((2, 2), repeat + 1.0, "float32"), np.zeros(2, "float32")]).entry)
        case["looks"].append(target)
        if "--last-look" in command:
            case["last_look"] = True
        document["settings"]["repeats"] = target
        report.write(path, document)
        return 0
