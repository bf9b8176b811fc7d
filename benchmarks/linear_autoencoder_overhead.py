"""Wall time of the harness on ``linear_autoencoder`` against the seed's bare script, as ratios.

Run inside an environment that has the framework (``tox -e bench``, or any env's python):

    python benchmarks/linear_autoencoder_overhead.py [--repeats N] [--jobs J]

The bare script is the seed document's code, doing exactly the fits the harness does (every
variant, both init modes, N seeds), timed two ways:

- ``bare, one process``: all fits in one process, importing TF once. The lowest possible
  cost, but not what a user's fresh script sees (on TF 1.14 it gives 1.2091, not 1.2729);
- ``bare, fresh process per fit``: what a user does to get the numbers the harness reports.

The harness is timed through its real command line, import and report writing included.
Goal: harness (one job) / bare one process <= 1.3.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = {"plain": (False, False, None), "linear_activation": (False, True, None), "bn": (True, False, None),
            "bn_linear_activation": (True, True, None), "bn_small_batch": (True, False, 8)}

# The seed's code (seeds/001_68287fb2e141d392.txt), with the variant and seeds as arguments and
# pinned weights made by NumPy; FITS is a list of (variant, init mode, repeat) to run in turn.
BARE_SCRIPT = r'''
import random, sys
import numpy as np
import tensorflow as tf
FITS = eval(sys.argv[1])
VARIANTS = eval(sys.argv[2])
keras = tf.keras
for variant, mode, repeat in FITS:
    batch_norm, activation, batch_size = VARIANTS[variant]
    keras.backend.clear_session()
    np.random.seed(1 + 1000 * repeat)
    random.seed(2 + 1000 * repeat)
    (tf.set_random_seed if tf.__version__.startswith("1.") else tf.random.set_seed)(3 + 1000 * repeat)
    x_train = np.random.normal(0, 1, (100, 12))
    model = keras.models.Sequential()
    model.add(keras.layers.Dense(8, input_shape=(12,)))
    if batch_norm:
        model.add(keras.layers.BatchNormalization())
    if activation:
        model.add(keras.layers.Activation("linear"))
    model.add(keras.layers.Dense(12))
    if activation:
        model.add(keras.layers.Activation("linear"))
    model.compile(optimizer="adam", loss="mean_squared_error")
    if mode == "pinned":
        rng = np.random.RandomState(3 + 1000 * repeat)
        model.set_weights([rng.uniform(-(6.0 / sum(w.shape)) ** 0.5, (6.0 / sum(w.shape)) ** 0.5, w.shape).astype("float32")
                           if w.ndim == 2 else w for w in model.get_weights()])
    options = {"batch_size": batch_size} if batch_size else {}
    model.fit(x_train, x_train, epochs=20, validation_split=0.1, shuffle=False, verbose=0, **options)
'''


def timed(command):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="seeds per variant, as harness run --repeats")
    parser.add_argument("--jobs", type=int, default=2, help="harness --jobs for the parallel measurement")
    arguments = parser.parse_args()
    fits = [(variant, mode, repeat) for repeat in range(arguments.repeats) for mode in ("framework", "pinned")
            for variant in VARIANTS]
    with tempfile.TemporaryDirectory() as scratch:
        script = os.path.join(scratch, "bare.py")
        with open(script, "w") as stream:
            stream.write(BARE_SCRIPT)
        harness = [sys.executable, "-m", "harness", "run", "-k", "linear_autoencoder", "--repeats", str(arguments.repeats),
                   "--no-determinism-rerun", "--output", os.path.join(scratch, "bench.json")]
        results = [
            ("bare, one process", timed([sys.executable, script, repr(fits), repr(VARIANTS)])),
            ("bare, fresh process per fit", sum(timed([sys.executable, script, repr([fit]), repr(VARIANTS)]) for fit in fits)),
            ("harness, --jobs 1", timed(harness + ["--jobs", "1"])),
            ("harness, --jobs {}".format(arguments.jobs), timed(harness + ["--jobs", str(arguments.jobs)])),
        ]
    base = results[0][1]
    print("linear_autoencoder: {} fits (5 variants x 2 init modes x {} seed(s)), python {}".format(
        len(fits), arguments.repeats, sys.version.split()[0]))
    for name, seconds in results:
        print("  {:<32} {:7.1f} s   ratio to bare one process {:5.2f}".format(name, seconds, seconds / base))
    ratio = results[2][1] / base
    print("goal: harness --jobs 1 / bare one process <= 1.3: {:.2f} ({})".format(ratio, "met" if ratio <= 1.3 else "NOT met"))


if __name__ == "__main__":
    main()
