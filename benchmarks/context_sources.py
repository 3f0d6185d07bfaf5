"""What each context source buys: the same labelled runs diagnosed with more and more facts.

Issue 11, part 5. Every run of the broad corpus (``fixtures/corpus2``) was recorded with
``CurveRecorder``, so it carries its full context; here each run is diagnosed as a user
without the recorder would have it:

* ``curve``: the epoch logs alone (``json.dump(history.history)``);
* ``facts``: the epoch logs plus the five facts a person knows and types,
  ``--context optimizer=... learning_rate=... batch_size=... train_samples=...
  val_samples=... params=...``, taken from the recorded context (the optimizer's class
  name only, as typed; ``params`` the total count, as ``model.summary()`` prints it);
* ``facts+scale``: the five facts plus the two scale facts a person reads off the data,
  ``input_scale=...`` and ``target_scale=...`` (the largest feature's root mean square, as
  the recorder measured it, to three digits);
* ``model``: the epoch logs plus ``--model run.keras``: the run's model, built from the
  manifest's ``recipe`` by ``corpus2_lib.build_model2`` and saved compiled and untrained
  (the facts a model file gives do not depend on the weights);
* ``facts+model``: both (what ``--model`` plus ``--context batch_size=... train_samples=...
  val_samples=...`` gives);
* ``model+scale``: ``facts+model`` plus the two scale facts: everything a user without the
  recorder can give (the saved model, and what it cannot know, typed);
* ``context``: the epoch logs plus the whole recorded context (data statistics included;
  what ``curvedoc.keras.save_history`` writes after ``fit``, without the batches);
* ``full``: the recorder's file as it is (per-batch losses and the learning-rate column
  too) — ``benchmarks/accuracy.py``'s "with context" mode.

Scoring is ``benchmarks/accuracy.py``'s ``evaluate``: top-1 on the faults that are
context-visible (curve-visible for ``curve``, and once more on context-visible for a like
for like row), false alarms on the healthy-labelled runs.

Usage::

    python benchmarks/context_sources.py                         # calibration + heldout
    python benchmarks/context_sources.py --split heldout3        # a later held-out split
    python benchmarks/context_sources.py --split heldout4        # the next one
    python benchmarks/context_sources.py --split heldout5        # the one after that
    python benchmarks/context_sources.py --split heldout6        # and the next
    python benchmarks/context_sources.py --split heldout7        # and the one after
    python benchmarks/context_sources.py --split heldout8        # and the next
    python benchmarks/context_sources.py --split heldout9        # and the one after
    python benchmarks/context_sources.py --split heldout10       # and the next
    python benchmarks/context_sources.py --split heldout11       # and the one after
    python benchmarks/context_sources.py --split heldout12       # and the next
    python benchmarks/context_sources.py --split heldout13       # and the one after
    python benchmarks/context_sources.py --split calibration --limit 60
    python benchmarks/context_sources.py --corpus /path/to/corpus2 --json out.json
    cd ../old && python benchmarks/context_sources.py --corpus ../main/fixtures/corpus2
        # an older checkout: run its own script (PYTHONPATH does not reach it, because
        # accuracy.py puts the script's checkout first on sys.path)

The models are built once (in a separate process, with Keras) and kept in ``--models-dir``
(default: a ``curvedoc-context-models`` folder in the system's temporary directory).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from accuracy import (  # noqa: E402
    CORPUS2,
    CORPUS_SPLITS,
    evaluate,
    is_context_visible,
    is_curve_visible,
    read_manifest,
    strip_to_epoch_logs,
)

MODES = {
    "curve": "epoch logs only",
    "facts": "+ --context (5 facts)",
    "facts+scale": "+ --context (5 facts, input_scale, target_scale)",
    "model": "+ --model",
    "facts+model": "+ --model + --context",
    "model+scale": "+ --model + --context (3 facts, input_scale, target_scale)",
    "context": "+ recorded context",
    "full": "recorder file (full)",
}
FACT_KEYS = ("optimizer", "learning_rate", "batch_size", "train_samples", "val_samples", "params")
SCALE_KEYS = ("input_scale", "target_scale")
"""The two scale facts of ``facts+scale``: what the recorder's data statistics add."""
MODEL_EXTRA_FACTS = ("batch_size", "train_samples", "val_samples")
"""What ``--context`` adds to ``--model`` in ``facts+model``: what a model file cannot know."""


def typed_facts(context: dict[str, Any], keys: tuple[str, ...] = FACT_KEYS) -> list[str]:
    """``KEY=VALUE`` strings a person would type for a run, from its recorded context."""
    out: list[str] = []
    opt = context.get("optimizer")
    cfg = opt.get("config") if isinstance(opt, dict) and isinstance(opt.get("config"), dict) else {}
    values: dict[str, Any] = {
        "optimizer": opt.get("class") if isinstance(opt, dict) else opt,
        "learning_rate": context.get("learning_rate", cfg.get("learning_rate")),
        "batch_size": context.get("batch_size"),
        "train_samples": context.get("train_samples"),
        "val_samples": context.get("val_samples"),
        "params": (context.get("params") or {}).get("total")
        if isinstance(context.get("params"), dict)
        else context.get("params"),
    }
    # the scale facts a person reads off the data: the largest feature's RMS, as recorded
    from curvedoc.context import _stats

    for key, stats in (("input_scale", "input_stats"), ("target_scale", "target_stats")):
        rms = _stats(context.get(stats)).rms_max
        values[key] = f"{rms:.3g}" if rms else None
    lr = values["learning_rate"]
    if isinstance(lr, dict):  # a schedule: the rate a person would quote is its first
        lr = (lr.get("config") or {}).get("initial_learning_rate")
    values["learning_rate"] = f"{float(lr):.6g}" if isinstance(lr, (int, float)) else None
    for key in keys:
        value = values.get(key)
        if value not in (None, ""):
            out.append(f"{key}={value}")
    return out


def with_typed_facts(full: Any, keys: tuple[str, ...] = FACT_KEYS) -> Any:
    """A recorded run as a user without the recorder has it: its epoch logs plus the facts
    ``keys`` typed with ``--context`` (read from its recorded context by :func:`typed_facts`).
    """
    from curvedoc.context_input import fragment, parse_context_args
    from curvedoc.context_merge import apply_context

    given = fragment("--context", parse_context_args(typed_facts(full.context, keys)))
    return apply_context(strip_to_epoch_logs(full), [given])


# -- models -------------------------------------------------------------------------------


def build_models(jobs: list[tuple[str, str, int, str]], models_dir: str) -> list[str]:
    """Build and save the missing ``<run_id>.keras`` models (runs in its own process).

    ``jobs``: (run_id, dataset, seed, recipe JSON). Returns one problem line per model
    that could not be built.
    """
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings

    warnings.simplefilter("ignore")
    from corpus2_lib import build_model2, prepare2
    from corpus_lib import limit_threads

    limit_threads()
    import keras

    problems: list[str] = []
    for run_id, dataset, seed, recipe in jobs:
        target = Path(models_dir) / f"{run_id}.keras"
        try:
            spec = json.loads(recipe)
            prep = prepare2(dataset, seed, spec)
            model = build_model2(spec, prep)
            tmp = target.with_suffix(".tmp.keras")
            model.save(tmp)
            tmp.replace(target)
        except Exception as exc:  # a run whose model cannot be rebuilt is left out
            problems.append(f"{run_id}: {type(exc).__name__}: {exc}")
        keras.backend.clear_session()
    return problems


# -- diagnosis ----------------------------------------------------------------------------


def _summary(report: Any) -> dict[str, Any]:
    return {
        "causes": [(c.category, round(c.confidence, 4)) for c in report.causes],
        "too_short": report.too_short,
        "healthy": report.healthy,
        "findings": [f"{f.code}:{f.severity}" for f in report.findings if f.severity != "info"],
        "errors": [e.error for e in report.errors],
    }


def diagnose_sources(path: str, model_path: str | None, weights: str | None) -> dict[str, Any]:
    """Diagnose one run in every mode (a mode that cannot be built is absent)."""
    import copy

    import curvedoc
    from curvedoc.context_input import fragment, parse_context_args
    from curvedoc.context_merge import apply_context
    from curvedoc.diagnosis import diagnose
    from curvedoc.model_file import read_model_file
    from curvedoc.weights import load_weights

    table = load_weights(weights) if weights else None
    full = curvedoc.load(path, sidecar=False)
    bare = strip_to_epoch_logs(full)

    def given(keys: tuple[str, ...]) -> Any:
        return fragment("--context", parse_context_args(typed_facts(full.context, keys)))

    histories: dict[str, Any] = {
        "curve": bare,
        "facts": with_typed_facts(full),
        "facts+scale": with_typed_facts(full, FACT_KEYS + SCALE_KEYS),
        "context": apply_context(copy.deepcopy(bare), [fragment("recorded", full.context)]),
        "full": full,
    }
    notes: list[str] = []
    out_match = None
    if model_path is not None and Path(model_path).exists():
        facts = read_model_file(model_path)
        model = facts.fragment()
        notes.extend(model.notes)
        recorded = full.context.get("params")
        recorded_total = recorded.get("total") if isinstance(recorded, dict) else recorded
        out_match = facts.params.total == recorded_total
        histories["model"] = apply_context(copy.deepcopy(bare), [model])
        histories["facts+model"] = apply_context(
            copy.deepcopy(bare), [model, given(MODEL_EXTRA_FACTS)]
        )
        histories["model+scale"] = apply_context(
            copy.deepcopy(bare), [model, given(MODEL_EXTRA_FACTS + SCALE_KEYS)]
        )
    out: dict[str, Any] = {m: _summary(diagnose(h, weights=table)) for m, h in histories.items()}
    out["model_notes"] = notes
    out["model_params_match"] = out_match
    return out


# -- the benchmark ------------------------------------------------------------------------


def spread(rows: list[dict[str, str]], limit: int | None) -> list[dict[str, str]]:
    """At most ``limit`` rows, taken evenly across the manifest (datasets and faults mixed)."""
    if not limit or limit >= len(rows):
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; print one table (and write ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS2)
    ap.add_argument(
        "--split",
        choices=(*CORPUS_SPLITS, "all"),
        default="all",
    )
    ap.add_argument("--limit", type=int, default=None, help="at most N runs, spread evenly")
    ap.add_argument("--models-dir", type=Path, default=None)
    ap.add_argument("--weights", default=None, help="a weight table other than the shipped one")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = ap.parse_args(argv)

    splits = ("calibration", "heldout") if args.split == "all" else (args.split,)
    runs_dir = args.corpus / "runs"
    rows = [
        r
        for r in read_manifest(args.corpus)
        if r.get("label")
        and r.get("split") in splits
        and (runs_dir / f"{r['run_id']}.json.gz").exists()
    ]
    rows = spread(rows, args.limit)
    if not rows:
        print(f"no labelled runs with files under {runs_dir}")
        return 1
    models_dir = args.models_dir or Path(tempfile.gettempdir()) / "curvedoc-context-models"
    models_dir.mkdir(parents=True, exist_ok=True)
    missing = [
        (r["run_id"], r["dataset"], int(r["seed"]), r["recipe"])
        for r in rows
        if not (models_dir / f"{r['run_id']}.keras").exists()
    ]
    t0 = time.perf_counter()
    if missing:
        # Keras in a fresh process: the diagnosis workers below fork this one, which must
        # not have imported TensorFlow
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as ex:
            problems = ex.submit(build_models, missing, str(models_dir)).result()
        for p in problems:
            print(f"model not built: {p}")
        print(f"built {len(missing) - len(problems)} models in {time.perf_counter() - t0:.0f} s")

    t0 = time.perf_counter()
    paths = [str(runs_dir / f"{r['run_id']}.json.gz") for r in rows]
    model_paths = [str(models_dir / f"{r['run_id']}.keras") for r in rows]
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        done = ex.map(diagnose_sources, paths, model_paths, [args.weights] * len(rows), chunksize=4)
        results = dict(zip((r["run_id"] for r in rows), done, strict=True))
    print(
        f"diagnosed {len(results)} runs x {len(MODES)} modes in {time.perf_counter() - t0:.0f} s "
        f"({args.corpus}, split {args.split}; weights: {args.weights or 'shipped'})"
    )
    without_model = [k for k, v in results.items() if "model" not in v]
    if without_model:
        print(f"{len(without_model)} runs without a model file (left out of the model modes)")
    checked = [v["model_params_match"] for v in results.values() if "model" in v]
    print(
        f"rebuilt model files whose parameter count (read without Keras) equals the recorded "
        f"model.count_params(): {sum(bool(c) for c in checked)} of {len(checked)}"
    )

    summary: dict[str, Any] = {}
    lines = [
        "| mode | scored on | faults | top-1 | top-2 | called healthy | healthy runs "
        "| false alarms |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    plan = [("curve", "bare", "curve-visible")] + [(m, "context", "context-visible") for m in MODES]
    for mode, visible_mode, scored in plan:
        view = {k: {visible_mode: v[mode]} for k, v in results.items() if mode in v}
        ev = evaluate(rows, view, visible_mode)
        summary[f"{mode} | {scored}"] = ev
        lines.append(
            f"| {mode} ({MODES[mode]}) | {scored} | {ev['faulty_visible']} | {ev['top1']:.1%} "
            f"| {ev['top2']:.1%} | {ev['called_healthy']:.1%} | {ev['healthy']} "
            f"| {ev['false_alarm_rate']:.1%} |"
        )
    print()
    print("\n".join(lines))
    print()
    n_curve = sum(is_curve_visible(r) for r in rows if r["label"] != "healthy")
    n_ctx = sum(is_context_visible(r) for r in rows if r["label"] != "healthy")
    print(
        f"{len(rows)} runs: {n_ctx} context-visible faults ({n_curve} curve-visible), "
        f"{sum(r['label'] == 'healthy' for r in rows)} healthy-labelled"
    )
    for mode in MODES:
        ev = summary.get(f"{mode} | context-visible")
        if ev and ev["per_category_top1"]:
            cats = ", ".join(f"{k} {v:.0%}" for k, v in sorted(ev["per_category_top1"].items()))
            print(f"  {mode:12s} per category top-1: {cats}")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
