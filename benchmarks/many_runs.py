"""How long does ``curvedoc analyze sweep/`` take on a sweep of 1,000 runs?

Builds a sweep of small runs in a temporary folder, then times the command (a fresh
process each time, as a user runs it) with the default worker count and with
``--jobs 1`` (everything in one process), and prints seconds and runs per second.

The runs are grown from real training histories, not typed in: every epoch series of the
Keras fixtures (``fixtures/*.json``, ``fixtures/*.csv``) and of the labelled corpus
(``fixtures/corpus/runs/``) is split into a trend (running median, in log space for
positive losses) and residuals; each sweep run takes one real run, keeps a random 60-100%
of its epochs, scales its residuals by a random factor in [0.5, 2] and block-bootstraps
them around the trend. Three in four runs are written as Keras ``history.history`` JSON,
one in four as CSVLogger CSV, each in its own ``run_NNNN/`` folder, as sweeps are laid out.

Run from the repository root::

    python benchmarks/many_runs.py                 # 1,000 runs, about half a minute
    python benchmarks/many_runs.py --runs 200 --repeat 1
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def real_histories() -> list[dict[str, np.ndarray]]:
    """Epoch series of every real fixture run (Keras JSON/CSV and the corpus)."""
    from curvedoc import load
    from curvedoc.errors import LoadError

    fixtures = ROOT / "fixtures"
    paths = sorted(fixtures.glob("*.json")) + sorted(fixtures.glob("*.csv"))
    paths += sorted((fixtures / "corpus" / "runs").glob("*.json.gz"))
    out = []
    for p in paths:
        try:
            h = load(p)
        except LoadError:
            continue
        if h.n_epochs >= 8:
            out.append(dict(h.epoch_series))
    if not out:
        raise SystemExit("no real fixture histories found under fixtures/")
    return out


def perturb(series: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A new run shaped like ``series``: truncated, residuals rescaled and resampled."""
    from curvedoc.metrics import trend

    n = next(iter(series.values())).shape[0]
    keep = max(5, int(n * rng.uniform(0.6, 1.0)))
    scale = rng.uniform(0.5, 2.0)
    out: dict[str, np.ndarray] = {}
    for key, y in series.items():
        y = y[:keep]
        ok = np.isfinite(y)
        if ok.sum() < 5:
            out[key] = y
            continue
        positive = bool(np.all(y[ok] > 0))
        z = np.where(ok, np.log(np.where(ok & (y > 0), y, 1.0)), np.nan) if positive else y
        t = trend(z, window=5)
        r = (z - t)[ok]
        block = 3
        starts = rng.integers(0, max(1, r.size - block + 1), size=-(-keep // block))
        idx = np.minimum((starts[:, None] + np.arange(block)).reshape(-1)[:keep], r.size - 1)
        new = t + scale * r[idx]
        new = np.where(ok, new, np.nan)
        out[key] = np.exp(new) if positive else new
    return out


def write_sweep(folder: Path, n_runs: int, seed: int = 0) -> None:
    """Write ``n_runs`` perturbed real runs into ``folder/run_NNNN/``."""
    rng = np.random.default_rng(seed)
    sources = real_histories()
    for i in range(n_runs):
        run = perturb(sources[int(rng.integers(len(sources)))], rng)
        d = folder / f"run_{i:04d}"
        d.mkdir(parents=True)
        if i % 4 == 3:
            keys = sorted(run)
            with open(d / "training.csv", "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["epoch", *keys])
                n = len(run[keys[0]])
                for e in range(n):
                    row = [float(run[k][e]) for k in keys]
                    w.writerow([e, *("NA" if math.isnan(v) else repr(v) for v in row)])
        else:
            obj = {k: [None if math.isnan(v) else v for v in a.tolist()] for k, a in run.items()}
            (d / "history.json").write_text(json.dumps(obj))


def time_command(args: list[str]) -> tuple[float, int]:
    """Seconds for one ``curvedoc`` command in a fresh interpreter, and its exit status."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CURVEDOC_PROGRESS="0")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "curvedoc", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    return time.perf_counter() - t0, proc.returncode


def main(argv: list[str] | None = None) -> int:
    """Build the sweep, time the command, print seconds and runs per second."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reports", action="store_true", help="also time --report-dir (JSON)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="curvedoc-sweep-") as tmp:
        sweep = Path(tmp) / "sweep"
        t0 = time.perf_counter()
        write_sweep(sweep, args.runs)
        print(f"wrote {args.runs} runs to {sweep} ({time.perf_counter() - t0:.1f}s)")
        print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
        variants = [
            ("default jobs", ["analyze", str(sweep), "--format", "json"]),
            ("--jobs 1", ["analyze", str(sweep), "--format", "json", "--jobs", "1"]),
        ]
        if args.reports:
            rep = str(Path(tmp) / "reports")
            variants.append(
                ("with --report-dir", ["analyze", str(sweep), "-f", "json", "--report-dir", rep])
            )
        times: dict[str, list[float]] = {name: [] for name, _ in variants}
        for _ in range(args.repeat):
            for name, cmd in variants:
                seconds, rc = time_command(cmd)
                if rc != 0:
                    raise SystemExit(f"{name}: curvedoc exited {rc}")
                times[name].append(seconds)
        print(f"{'variant':<20}{'median s':>10}{'runs/s':>10}")
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"{name:<20}{med:10.2f}{args.runs / med:10.0f}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
