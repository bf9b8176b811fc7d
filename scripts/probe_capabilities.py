"""Check the declared capability ranges against what an environment's framework actually exposes.

    tox exec -e tf23 -- python scripts/probe_capabilities.py      (or: python scripts/probe_capabilities.py --envs ...)

The harness decides capabilities from versions alone (harness/capabilities.py) and never by calling
the API under test. This script looks, for the capabilities where a look is enough (an attribute, a
constructor's parameter), whether the API is there, and prints every capability whose declared
presence disagrees with what it found: a range declared too wide makes the rules that need it raise
(the matrix run shows that as a failure); one declared too narrow skips a rule that could run, which
only a look like this shows. Run inside an environment; exits 1 on a disagreement.
"""

import argparse
import inspect
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _parameters(callable_: object) -> set:
    try:
        return set(inspect.signature(callable_).parameters)
    except (TypeError, ValueError):
        return set()


def probes(fw: object) -> dict:
    """capability -> what the framework exposes, for those a look can tell."""
    keras = fw.keras
    preprocessing = getattr(getattr(keras.layers, "experimental", None), "preprocessing", None)
    return {
        "activation_gelu": all(hasattr(keras.activations, name) for name in ("gelu", "swish")),
        "auc_metric": hasattr(keras.metrics, "AUC"),
        "evaluate_return_dict": "return_dict" in _parameters(keras.models.Model.evaluate),
        "layer_normalization": hasattr(keras.layers, "LayerNormalization"),
        "learning_rate_schedules": hasattr(getattr(keras.optimizers, "schedules", None), "ExponentialDecay"),
        "loss_and_metric_classes": hasattr(keras.losses, "MeanSquaredError") and hasattr(keras.metrics, "MeanAbsoluteError"),
        "resizing_layer": hasattr(keras.layers, "Resizing") or hasattr(preprocessing, "Resizing"),
        "optimizer_adamw": hasattr(keras.optimizers, "AdamW"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", help="comma-separated tox envs to run this script in (default: this Python)")
    arguments = parser.parse_args()
    if arguments.envs:
        failed = 0
        for env in arguments.envs.split(","):
            print("== " + env, flush=True)
            failed |= subprocess.run(["tox", "exec", "-e", env, "--", "python", os.path.abspath(__file__)],
                                     cwd=ROOT).returncode
        return failed
    from harness.run.framework import load
    fw = load()
    declared = fw.capabilities
    disagreements = [(name, name in declared, found) for name, found in sorted(probes(fw).items())
                     if (name in declared) != found]
    for name, said, found in disagreements:
        print("{}: declared {}, the framework {}".format(name, "present" if said else "absent",
                                                          "has it" if found else "lacks it"))
    print("{} capabilities looked at: {} disagreement(s)".format(len(probes(fw)), len(disagreements)))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
