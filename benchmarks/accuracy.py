"""Diagnosis accuracy on the broad labelled corpus of real Keras runs (``fixtures/corpus2``).

Every run is diagnosed twice:

* **curves only**: what a plain ``json.dump(history.history)`` holds (epoch logs; no
  context, no per-batch losses, no learning-rate column), scored on the faults that are
  *curve-visible* (the corpus' fixed criterion, ``fixtures/corpus2/README.md``);
* **with context**: the run as ``CurveRecorder`` wrote it, scored on *context-visible*
  faults.

For each split (``calibration``: what the rules and weights were built on; ``heldout``:
other datasets *and* other model families, generated after the freeze; ``all`` is these
two; the later held-out splits ``heldout2`` and ``heldout3``, each with datasets and
families of its own, are chosen by name) it prints top-1
and top-2 accuracy, how many visible faults were called healthy (or too short), the
false-alarm rate on healthy-labelled runs (healthy recipes and faults too mild to hurt), a
confusion matrix, accuracy per fault kind and gradation, and a reliability table of the
top cause's confidence with its expected calibration error.

Usage::

    python benchmarks/accuracy.py                       # both splits, both modes
    python benchmarks/accuracy.py --split calibration   # one split
    python benchmarks/accuracy.py --split heldout3      # once, after the freeze
    python benchmarks/accuracy.py --split heldout4      # once, after the next freeze
    python benchmarks/accuracy.py --split heldout5      # once, after the freeze after that
    python benchmarks/accuracy.py --split heldout6      # once, after the next freeze
    python benchmarks/accuracy.py --split heldout7      # once, after the freeze after that
    python benchmarks/accuracy.py --split heldout8      # once, after the next freeze
    python benchmarks/accuracy.py --split heldout9      # once, after the freeze after that
    python benchmarks/accuracy.py --split heldout10     # once, after the next freeze
    python benchmarks/accuracy.py --split heldout11     # once, after the freeze after that
    python benchmarks/accuracy.py --split heldout12     # once, after the next freeze
    python benchmarks/accuracy.py --split heldout13     # once, after the freeze after that
    python benchmarks/accuracy.py --errors              # list misdiagnosed calibration runs
    python benchmarks/accuracy.py --json out.json       # machine-readable results
    python benchmarks/accuracy.py --code ../before      # the same runs, older code
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS2 = ROOT / "fixtures" / "corpus2"
CORPUS_SPLITS = (
    "calibration",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
    "heldout13",
)
"""Every split of the corpus (``benchmarks/make_corpus.py``'s ``SEEDS``), as ``--split``
takes them here and in ``context_sources.py``; ``fit_weights.EXAMINED_SPLITS`` is the part
already measured and examined."""
LABELS = ["healthy", "unscaled_data", "architecture", "hyperparameters", "data_noise"]
MODES = {"bare": "curves only (history.json)", "context": "with recorded context"}
CONF_BINS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def read_manifest(corpus: Path) -> list[dict[str, str]]:
    """The corpus manifest rows (one per run)."""
    with (corpus / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def strip_to_epoch_logs(history: Any) -> Any:
    """A History as a bare ``json.dump(history.history)`` would give it."""
    from curvedoc import names
    from curvedoc.history import History, SourceInfo

    series = {k: v for k, v in history.epoch_series.items() if not names.is_learning_rate(k)}
    return History(
        epochs=history.epochs,
        epoch_series=series,
        source=SourceInfo(path=history.source.path, format="keras-json"),
    )


def diagnose_modes(path: str, weights: str | None = None) -> dict[str, Any]:
    """Diagnose one run file with and without context: causes, sickness, findings, features."""
    import curvedoc

    try:
        from curvedoc.diagnosis import diagnose_with_features
        from curvedoc.weights import load_weights
    except ImportError:  # an older checkout (--code): hand-set strengths, no features
        from curvedoc.diagnosis import diagnose

        def diagnose_with_features(hist: Any, weights: Any = None) -> tuple[Any, dict]:
            return diagnose(hist), {}

        def load_weights(path: Any) -> None:
            return None

    table = load_weights(weights) if weights else None
    try:
        h = curvedoc.load(path)
    except Exception as exc:  # older code refused some runs (NaN from the first epoch)
        refused = {"causes": [], "sick": False, "too_short": False, "healthy": False}
        extra = {"findings": [], "features": {}, "errors": [], "refused": str(exc)[:200]}
        return {mode: {**refused, **extra} for mode in MODES}
    out: dict[str, Any] = {}
    for mode, hist in (("context", h), ("bare", strip_to_epoch_logs(h))):
        r, features = diagnose_with_features(hist, weights=table)
        out[mode] = {
            "causes": [(c.category, round(c.confidence, 4)) for c in r.causes],
            "sick": any(f.severity != "info" for f in r.findings),
            "too_short": getattr(r, "too_short", False),
            "healthy": r.healthy,
            "findings": [f"{f.code}:{f.severity}" for f in r.findings if f.severity != "info"],
            "features": features,
            "errors": [e.error for e in getattr(r, "errors", ())],
        }
    return out


def _true(v: Any) -> bool:
    return str(v).strip().lower() in {"true", "1", "yes"}


def is_curve_visible(row: dict[str, str]) -> bool:
    """A faulty run whose fault shows in its epoch curves (corpus column ``curve_visible``)."""
    return _true(row.get("curve_visible"))


def is_context_visible(row: dict[str, str]) -> bool:
    """A faulty run whose fault the recorded context or curves show (``context_visible``)."""
    return _true(row.get("context_visible"))


VISIBLE = {"bare": is_curve_visible, "context": is_context_visible}


def has_symptom(row: dict[str, str]) -> bool:
    """Whether a run's curves show any symptom of the corpus' fixed criterion (``sym_*``)."""
    return any(_true(v) for k, v in row.items() if k.startswith("sym_"))


def evaluate(
    rows: list[dict[str, str]], results: dict[str, dict[str, Any]], mode: str
) -> dict[str, Any]:
    """Accuracy numbers of one mode on a set of runs (see the module docstring)."""
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    top1 = top2 = n_fault = missed = 0
    alarms = n_healthy = alarms_recipe = n_recipe = alarms_clean = n_clean = 0
    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_grade: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    conf_hits: list[tuple[float, bool]] = []
    visible = VISIBLE[mode]
    for row in rows:
        res = results.get(row["run_id"])
        if res is None or not row.get("label"):
            continue
        r = res[mode]
        causes = [c for c, _ in r["causes"]]
        pred = causes[0] if causes else ("too_short" if r["too_short"] else "healthy")
        if r.get("refused"):
            pred = "refused"  # an error instead of a report: a miss, shown in its own column
        t = row["label"]
        if t == "healthy":
            n_healthy += 1
            alarm = bool(causes)
            alarms += alarm
            if row["category"] == "healthy":
                n_recipe += 1
                alarms_recipe += alarm
            if not has_symptom(row):
                n_clean += 1
                alarms_clean += alarm
            confusion[t][pred] += 1
            continue
        if not visible(row):
            continue
        confusion[t][pred] += 1
        n_fault += 1
        hit1 = pred == t
        top1 += hit1
        top2 += t in causes[:2]
        missed += not causes and not r.get("refused")
        per_cat[t][0] += hit1
        per_cat[t][1] += 1
        g = per_grade[(row["fault_kind"], row["gradation"])]
        g[0] += hit1
        g[1] += 1
        g[2] += not causes
        if causes:
            conf_hits.append((r["causes"][0][1], hit1))
    reliability = []
    ece = 0.0
    for lo, hi in itertools.pairwise(CONF_BINS):
        sel = [(c, h) for c, h in conf_hits if lo < c <= hi]
        if sel:
            mean_c = sum(c for c, _ in sel) / len(sel)
            share = sum(h for _, h in sel) / len(sel)
            reliability.append((lo, hi, len(sel), mean_c, share))
            ece += len(sel) / len(conf_hits) * abs(mean_c - share)
    nan = float("nan")
    return {
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "faulty_visible": n_fault,
        "top1": top1 / n_fault if n_fault else nan,
        "top2": top2 / n_fault if n_fault else nan,
        "called_healthy": missed / n_fault if n_fault else nan,
        "healthy": n_healthy,
        "false_alarm_rate": alarms / n_healthy if n_healthy else nan,
        "healthy_recipes": n_recipe,
        "false_alarm_rate_recipes": alarms_recipe / n_recipe if n_recipe else nan,
        "healthy_without_symptom": n_clean,
        "false_alarm_rate_without_symptom": alarms_clean / n_clean if n_clean else nan,
        "per_category_top1": {k: v[0] / v[1] for k, v in per_cat.items() if v[1]},
        "per_gradation": {f"{k[0]} | {k[1]}": v for k, v in sorted(per_grade.items())},
        "reliability": reliability,
        "ece": ece if conf_hits else nan,
    }


def print_eval(title: str, ev: dict[str, Any], *, gradations: bool = False) -> None:
    """Print one evaluation block."""
    print(f"\n== {title}")
    seen = {p for row in ev["confusion"].values() for p in row}
    cols = [*LABELS, "too_short"] + (["refused"] if "refused" in seen else [])
    width = max(len(x) for x in LABELS) + 1
    print("true \\ predicted".ljust(width) + "".join(c[:11].rjust(12) for c in cols))
    for t in LABELS:
        row = ev["confusion"].get(t, {})
        if row:
            print(t.ljust(width) + "".join(str(row.get(p, 0)).rjust(12) for p in cols))
    print(
        f"top-1 {ev['top1']:.1%}  top-2 {ev['top2']:.1%}  on {ev['faulty_visible']} visible "
        f"faults; called healthy {ev['called_healthy']:.1%}; false alarms "
        f"{ev['false_alarm_rate']:.1%} of {ev['healthy']} healthy-labelled runs "
        f"({ev['false_alarm_rate_recipes']:.1%} of {ev['healthy_recipes']} healthy recipes, "
        f"{ev['false_alarm_rate_without_symptom']:.1%} of the {ev['healthy_without_symptom']} "
        f"whose curves show no symptom); ECE {ev['ece']:.3f}"
    )
    if ev["per_category_top1"]:
        print(
            "per category top-1: "
            + ", ".join(f"{k} {v:.0%}" for k, v in sorted(ev["per_category_top1"].items()))
        )
    if ev["reliability"]:
        print(
            "reliability (confidence bin: n, mean confidence, share correct): "
            + "; ".join(
                f"{lo:.1f}-{hi:.1f}: {n}, {c:.2f}, {s:.2f}" for lo, hi, n, c, s in ev["reliability"]
            )
        )
    if gradations:
        print("per fault kind | gradation: top-1 / n (called healthy)")
        for k, (hit, n, miss) in ev["per_gradation"].items():
            print(f"  {k:40s} {hit:3d}/{n:<3d} ({miss})")


GUARD_PER_STRATUM = 8
"""Runs per (mode, label, fault kind) stratum in the frozen guard subset."""


def guard_selection(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    """The frozen subset: per mode, up to eight runs of every (label, fault kind) stratum.

    Candidates are the calibration runs scored in that mode (visible faults, and every
    healthy-labelled run: healthy recipes and faults too mild to hurt, so near-threshold
    runs are in). Within a stratum the eight runs with the smallest SHA-1 of their ids are taken: a
    fixed, arbitrary choice that no diagnosis influenced.
    """
    import hashlib

    chosen: list[tuple[str, str]] = []
    for mode in MODES:
        strata: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in rows:
            if r["label"] != "healthy" and not VISIBLE[mode](r):
                continue
            strata[(r["label"], r["fault_kind"])].append(r["run_id"])
        for key in sorted(strata):
            ids = sorted(strata[key], key=lambda i: hashlib.sha1(i.encode()).hexdigest())
            chosen += [(mode, i) for i in ids[:GUARD_PER_STRATUM]]
    return chosen


def guard_counts(
    chosen: list[tuple[str, str]],
    labels: dict[str, str],
    results: dict[str, dict[str, Any]],
) -> dict[str, dict[str, int]]:
    """Top-1 hits on faults and false alarms on healthy runs of a guard subset, per mode."""
    out = {m: {"faults": 0, "top1": 0, "healthy": 0, "alarms": 0} for m in MODES}
    for mode, run_id in chosen:
        causes = results[run_id][mode]["causes"]
        c = out[mode]
        if labels[run_id] == "healthy":
            c["healthy"] += 1
            c["alarms"] += bool(causes)
        else:
            c["faults"] += 1
            c["top1"] += bool(causes) and causes[0][0] == labels[run_id]
    return out


def write_guard(path: Path, rows: list[dict[str, str]], results: dict[str, dict[str, Any]]) -> None:
    """Write the frozen subset and its numbers (the test suite asserts them)."""
    chosen = guard_selection(rows)
    labels = {r["run_id"]: r["label"] for r in rows}
    counts = guard_counts(chosen, labels, results)
    doc = {
        "made_by": "python benchmarks/accuracy.py --split calibration --write-guard "
        "tests/data/accuracy_guard.json",
        "corpus": "fixtures/corpus2",
        "selection": guard_selection.__doc__.split("\n\n")[1].replace("\n    ", " ").strip(),
        "runs": [{"mode": m, "run_id": i, "label": labels[i]} for m, i in chosen],
        "expected": counts,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {path}: {len(chosen)} diagnoses; {counts}")


def print_rule_rates(rows: list[dict[str, str]], results: dict[str, dict[str, Any]]) -> None:
    """Per rule and mode: warning/error firings on healthy-labelled runs and visible faults."""
    for mode in MODES:
        fires: dict[str, Counter[str]] = defaultdict(Counter)
        totals: Counter[str] = Counter()
        for r in rows:
            t = r["label"]
            if t != "healthy" and not VISIBLE[mode](r):
                continue
            totals[t] += 1
            for code in {f.split(":")[0] for f in results[r["run_id"]][mode]["findings"]}:
                fires[code][t] += 1
        print(f"\nrule firings (warning/error), {MODES[mode]}; columns: share of runs per label")
        print("rule   " + "".join(f"{lab[:11]:>12}" for lab in LABELS))
        print("n      " + "".join(f"{totals[lab]:>12}" for lab in LABELS))
        for code in sorted(fires):
            cells = "".join(
                f"{fires[code][lab] / totals[lab]:>12.0%}" if totals[lab] else f"{'-':>12}"
                for lab in LABELS
            )
            print(f"{code:6} {cells}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 (it reports, it does not judge)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS2)
    ap.add_argument(
        "--split",
        choices=(*CORPUS_SPLITS, "all"),
        default="all",
    )
    ap.add_argument("--weights", default=None, help="a weight table other than the shipped one")
    ap.add_argument("--gradations", action="store_true", help="print accuracy per gradation")
    ap.add_argument("--errors", action="store_true", help="list misdiagnosed calibration runs")
    ap.add_argument(
        "--rules",
        action="store_true",
        help="per rule: how often its warnings fire on healthy-labelled runs and on each "
        "category's visible faults (calibration only)",
    )
    ap.add_argument(
        "--write-guard",
        type=Path,
        metavar="JSON",
        help="choose the frozen calibration subset the test suite guards (tests/data/"
        "accuracy_guard.json) and record its current numbers",
    )
    ap.add_argument(
        "--code",
        type=Path,
        help="diagnose with the curvedoc package of another checkout (its root), e.g. the "
        "code before a change, for a before/after on the same runs",
    )
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write results to this JSON file")
    args = ap.parse_args(argv)
    if args.code is not None:  # workers inherit the path: they import that curvedoc
        sys.path.insert(0, str(args.code.resolve()))
        print(f"code: {args.code.resolve()}")

    rows = [r for r in read_manifest(args.corpus) if r.get("label")]
    splits = ("calibration", "heldout") if args.split == "all" else (args.split,)
    rows = [r for r in rows if r.get("split") in splits]
    paths = {r["run_id"]: str(args.corpus / "runs" / f"{r['run_id']}.json.gz") for r in rows}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        futs = ex.map(diagnose_modes, paths.values(), [args.weights] * len(paths), chunksize=8)
        results = dict(zip(paths, futs, strict=True))
    print(f"diagnosed {len(results)} runs x 2 modes in {time.perf_counter() - t0:.1f} s")
    crashed = [(k, v[m]["errors"]) for k, v in results.items() for m in v if v[m]["errors"]]
    if crashed:
        print(f"rule errors in {len(crashed)} diagnoses, e.g. {crashed[0]}")
    summary: dict[str, Any] = {}
    for split in splits:
        subset = [r for r in rows if r["split"] == split]
        if not subset:
            continue
        datasets = ", ".join(sorted({r["dataset"] for r in subset}))
        families = ", ".join(sorted({r["model"] for r in subset}))
        print(f"\n#### split {split}: {len(subset)} runs; datasets {datasets}; families {families}")
        for mode, label in MODES.items():
            ev = evaluate(subset, results, mode)
            print_eval(f"{split}, {label}", ev, gradations=args.gradations)
            summary[f"{split} | {mode}"] = ev
    if args.errors:
        print("\nmisdiagnosed calibration runs:")
        for r in rows:
            if r["split"] != "calibration":
                continue
            for mode in MODES:
                t = r["label"]
                if t != "healthy" and not VISIBLE[mode](r):
                    continue
                res = results[r["run_id"]][mode]
                pred = res["causes"][0][0] if res["causes"] else "healthy"
                if pred != t:
                    print(
                        f"  [{mode:7}] {r['run_id']:<50} true={t:<15} {r['gradation']:<22} "
                        f"got={res['causes']} {res['findings']}"
                    )
    if args.write_guard:
        write_guard(args.write_guard, [r for r in rows if r["split"] == "calibration"], results)
    if args.rules:
        print_rule_rates([r for r in rows if r["split"] == "calibration"], results)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
