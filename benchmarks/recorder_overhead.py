"""How much does CurveRecorder slow down ``model.fit``?

Times ``fit`` on a small LSTM with small batches (the worst case for per-batch work)
with each callback set, interleaved in one process so every variant sees the same
machine state. Each repetition runs every variant back to back (in a rotating order);
the reported ratio is the median over repetitions of the variant's time divided by
that repetition's no-callback time:

    none          no callback (the baseline)
    bare          a Python callback whose on_train_batch_end does nothing
    recorder      CurveRecorder (per-batch recording on, file written every epoch)
    recorder_epo  CurveRecorder(record_batches=False)
    csv           keras.callbacks.CSVLogger
    tensorboard   keras.callbacks.TensorBoard(update_freq="batch")

Run from the repository root:

    python benchmarks/recorder_overhead.py            # about 1.5 minutes on 2 cores
    python benchmarks/recorder_overhead.py --quick    # about 20 seconds, noisier

The floor for CurveRecorder is a wall-time ratio of 1.05. The machine should
be quiet: the load average is printed before and after; rerun when it was high. The
"cpu ratio" column (process CPU time, all threads) is less sensitive to other processes
but does not see time spent waiting (the per-epoch fsync).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras
import numpy as np

from curvedoc.keras import CurveRecorder

FLOOR = 1.05


class BareBatchCallback(keras.callbacks.Callback):
    """The cheapest possible per-batch Python callback."""

    def on_train_batch_end(self, batch, logs=None):
        pass


HOOKS = (
    "on_train_begin",
    "on_epoch_begin",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_epoch_end",
    "on_train_end",
)


def timed_recorder(path: str) -> tuple[CurveRecorder, dict[str, float]]:
    """A CurveRecorder whose hooks add up the time spent inside them."""
    spent = dict.fromkeys(HOOKS, 0.0)
    recorder = CurveRecorder(path)
    for hook in HOOKS:
        inner = getattr(recorder, hook)

        def timed(*args, _inner=inner, _hook=hook, **kwargs):
            start = time.perf_counter()
            try:
                return _inner(*args, **kwargs)
            finally:
                spent[_hook] += time.perf_counter() - start

        setattr(recorder, hook, timed)
    return recorder, spent


def make_model(seq_len: int, features: int, units: int) -> keras.Model:
    model = keras.Sequential(
        [keras.Input((seq_len, features)), keras.layers.LSTM(units), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repetitions")
    parser.add_argument("--reps", type=int, default=None, help="repetitions per variant")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=1, help="epochs per timed fit")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="TensorFlow intra/inter-op threads (default: TensorFlow's choice); 1 is less "
        "disturbed by other processes on a shared machine",
    )
    args = parser.parse_args(argv)
    if args.threads and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    reps = args.reps or (5 if args.quick else 15)
    samples = args.samples or (1024 if args.quick else 4096)
    seq_len, features = 20, 4

    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, seq_len, features)).astype("float32")
    y = (x[:, -5:, 0].mean(axis=1, keepdims=True) + 0.1 * rng.normal(size=(samples, 1))).astype(
        "float32"
    )
    keras.utils.set_random_seed(0)
    model = make_model(seq_len, features, args.units)
    tmp = tempfile.mkdtemp(prefix="curvedoc-bench-")

    def callbacks(name: str, rep: int) -> list[keras.callbacks.Callback]:
        if name == "none":
            return []
        if name == "bare":
            return [BareBatchCallback()]
        if name == "recorder":
            return [CurveRecorder(os.path.join(tmp, f"rec{rep}.json"))]
        if name == "recorder_epo":
            return [CurveRecorder(os.path.join(tmp, f"epo{rep}.json"), record_batches=False)]
        if name == "csv":
            return [keras.callbacks.CSVLogger(os.path.join(tmp, f"log{rep}.csv"))]
        if name == "tensorboard":
            return [keras.callbacks.TensorBoard(os.path.join(tmp, f"tb{rep}"), update_freq="batch")]
        raise ValueError(name)

    variants = ["none", "bare", "recorder", "recorder_epo", "csv", "tensorboard"]
    # warm up: trace the train function and touch every callback once
    for name in list(variants):
        try:
            cbs = callbacks(name, -1)
            model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0, callbacks=cbs)
        except Exception as exc:  # e.g. TensorBoard without TensorFlow on the JAX backend
            print(f"skipping {name}: {type(exc).__name__}: {exc}")
            variants.remove(name)

    load_before = os.getloadavg()
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    steps = -(-samples // args.batch_size) * args.epochs
    for rep in range(reps):
        order = variants[rep % len(variants) :] + variants[: rep % len(variants)]
        for name in order:
            cbs = callbacks(name, rep)
            start, start_cpu = time.perf_counter(), time.process_time()
            model.fit(
                x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0, callbacks=cbs
            )
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    load_after = os.getloadavg()

    results = {}
    print(
        f"keras {keras.__version__} ({keras.backend.backend()}), LSTM({args.units}) on "
        f"{samples}x{seq_len}x{features}, batch_size={args.batch_size}, {steps} steps per fit, "
        f"{reps} interleaved repetitions" + (f", {args.threads} thread(s)" if args.threads else "")
    )
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} CPUs; the benchmark itself adds about 2)"
    )
    print(
        f"{'variant':<14}{'median s':>10}{'ms/step':>10}{'ratio':>8}"
        f"{'of medians':>12}{'cpu ratio':>11}"
    )
    for name in variants:
        med = statistics.median(times[name])
        # each repetition runs every variant back to back: the ratio to that repetition's
        # baseline cancels the slow drifts of a shared machine; the median drops outliers
        paired = [t / b for t, b in zip(times[name], times["none"], strict=True)]
        paired_cpu = [t / b for t, b in zip(cpu[name], cpu["none"], strict=True)]
        results[name] = {
            "median_s": med,
            "ms_per_step": 1000 * med / steps,
            "ratio": statistics.median(paired),
            "ratio_of_medians": med / statistics.median(times["none"]),
            "cpu_ratio": statistics.median(paired_cpu),
            "times": times[name],
            "cpu_times": cpu[name],
        }
        r = results[name]
        print(
            f"{name:<14}{med:>10.3f}{r['ms_per_step']:>10.3f}{r['ratio']:>8.3f}"
            f"{r['ratio_of_medians']:>12.3f}{r['cpu_ratio']:>11.3f}"
        )
    # the direct measure, insensitive to other processes: time spent inside the hooks
    inside = []
    for rep in range(3):
        recorder, spent = timed_recorder(os.path.join(tmp, f"timed{rep}.json"))
        model.fit(
            x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0, callbacks=[recorder]
        )
        inside.append(spent)
    per_fit = {h: statistics.median(s[h] for s in inside) for h in HOOKS}
    total = sum(per_fit.values())
    base = statistics.median(times["none"])
    results["inside_recorder"] = {"per_fit_s": per_fit, "fraction_of_fit": total / base}
    batch_us = 1e6 * (per_fit["on_train_batch_begin"] + per_fit["on_train_batch_end"]) / steps
    print(
        f"time inside CurveRecorder's hooks: {1000 * total:.1f} ms per fit "
        f"({100 * total / base:.2f}% of the no-callback fit): {batch_us:.2f} us per batch "
        "(mean, with the first batch's set-up), "
        f"{1000 * per_fit['on_epoch_end'] / args.epochs:.1f} ms per epoch end (incl. the "
        f"fsynced write), {1000 * per_fit['on_train_begin']:.1f} ms at train begin"
    )
    ok = results["recorder"]["ratio"] <= FLOOR
    print(f"CurveRecorder overhead {results['recorder']['ratio']:.3f} (floor {FLOOR}): ", end="")
    print("ok" if ok else "ABOVE THE FLOOR")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {"results": results, "load": [load_before, load_after], "args": vars(args)},
                fh,
                indent=2,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
