"""Is a per-step curve of millions of points analysed in no more time than it takes to parse it?

Writes a 2,000,000-point history JSON, then times, interleaved in one run:

    json.load            parsing the file and nothing else (the baseline)
    analyze (in-proc)    curvedoc.load + diagnose + render_json, in this process
    python -c json.load  a fresh interpreter that only parses the file (subprocess)
    curvedoc analyze     ``python -m curvedoc analyze FILE --format json`` (subprocess)

and reports medians and ratios, plus the peak memory (``VmHWM``) of each subprocess.
Then the same two commands on a 10,000,000-point file (``--big-points``; 0 skips it),
interleaved too. Floors: the command's time at most that of ``python -c json.load`` on
the same file (ratio 1.0, issue 12; in-process at most 1.0 too), and the command's peak
memory within three times the file plus 100 MB. Exits 1 when a floor is missed. Ratios
are only ever taken between runs of this one invocation, so a busy machine slows both.

The curve is built from real training data, not typed in: the per-batch training loss and
the validation loss of ``fixtures/healthy_lstm_sine.curvedoc.json`` (a real Keras run) are
split, in log space, into a trend (running median) and residuals; the trend is stretched
to 2M steps and the residuals are block-bootstrapped (blocks of one epoch's batches, so
their autocorrelation and heavy tails are kept). ``loss`` has 2M values, ``val_loss`` one
every 1,000 steps (2,000 values, placed by curvedoc as validation every 1,000 rows), the
shape of ``json.dump`` of a per-step log. File size about 40 MB.

Run from the repository root::

    python benchmarks/long_curves.py              # 5 repeats, then the 10^7 case: minutes
    python benchmarks/long_curves.py --repeat 3 --points 1000000 --big-points 0
    CURVEDOC_BENCH_ROOT=/tmp/before python benchmarks/long_curves.py   # another checkout
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(os.environ.get("CURVEDOC_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
"""The checkout measured: this one, or another (``CURVEDOC_BENCH_ROOT=/tmp/before``)."""
sys.path.insert(0, str(ROOT))

SOURCE = ROOT / "fixtures" / "healthy_lstm_sine.curvedoc.json"
RATIO_FLOOR = 1.0
MEMORY_SLACK_MB = 100.0


def _block_bootstrap(resid: np.ndarray, n: int, block: int, rng: np.random.Generator) -> np.ndarray:
    resid = resid[np.isfinite(resid)]
    block = max(1, min(block, resid.size))
    n_blocks = -(-n // block)
    starts = rng.integers(0, resid.size - block + 1, size=n_blocks)
    idx = (starts[:, None] + np.arange(block)[None, :]).reshape(-1)[:n]
    return resid[idx]


def make_curve(n: int, seed: int = 0) -> dict[str, list[float]]:
    """A long per-step history grown from a real run's batch and validation losses."""
    from curvedoc import load
    from curvedoc.metrics import trend

    h = load(SOURCE)
    rng = np.random.default_rng(seed)
    batch = h.batch_series["loss"]
    batch = batch[np.isfinite(batch) & (batch > 0)]
    spe = max(3, round(batch.size / max(h.n_epochs, 1)))
    z = np.log(batch)
    t = trend(z, window=spe | 1)
    x_src = np.linspace(0.0, 1.0, z.size)
    x_new = np.linspace(0.0, 1.0, n)
    loss = np.exp(np.interp(x_new, x_src, t) + _block_bootstrap(z - t, n, spe, rng))

    val = h.epoch_series["val_loss"]
    val = val[np.isfinite(val) & (val > 0)]
    zv = np.log(val)
    tv = trend(zv, window=5)
    n_val = n // 1000
    xv_new = np.linspace(0.0, 1.0, n_val)
    val_long = np.exp(
        np.interp(xv_new, np.linspace(0.0, 1.0, zv.size), tv)
        + _block_bootstrap(zv - tv, n_val, 3, rng)
    )
    return {"loss": loss.tolist(), "val_loss": val_long.tolist()}


def _time(fn: object) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def _bare_parse(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        json.load(fh)


def _in_process(path: str) -> None:
    from curvedoc import diagnose, load
    from curvedoc.render.json import render_json

    render_json(diagnose(load(path)))


# Peak resident memory of the child itself. VmHWM belongs to the process's own address
# space; ru_maxrss is not usable here because Linux carries the parent's peak over into a
# forked child across exec (the parent holds the in-process runs' memory).
_RSS = (
    "import resource, sys\n"
    "try:\n"
    "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
    "except (OSError, IndexError):\n"
    "    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "print(hwm, file=sys.stderr)"
)


def _command(code: str) -> tuple[float, float]:
    """Run a fresh interpreter; return (seconds, peak RSS in MB)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CURVEDOC_PROGRESS="0")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code + "\n" + _RSS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
        cwd=tempfile.gettempdir(),  # not a checkout: `python -c` puts its cwd first on sys.path
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    rss_kb = float(proc.stderr.strip().splitlines()[-1])
    return seconds, rss_kb / 1024.0


def main(argv: list[str] | None = None) -> int:
    """Write the long curve, time every variant interleaved, print medians and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", metavar="FILE", help="write the curve here and keep it")
    ap.add_argument("--big-points", type=int, default=10_000_000, help="the large case (0: skip)")
    ap.add_argument("--big-repeat", type=int, default=2)
    args = ap.parse_args(argv)

    # as pip installs it: with bytecode (a checkout run with PYTHONDONTWRITEBYTECODE would
    # otherwise compile every module again in each timed command)
    compileall.compile_dir(str(ROOT / "curvedoc"), quiet=1)
    tmp = tempfile.TemporaryDirectory(prefix="curvedoc-long-")
    path = args.keep or os.path.join(tmp.name, "per_step_history.json")
    t0 = time.perf_counter()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(make_curve(args.points), fh)
    size_mb = os.path.getsize(path) / 1e6
    print(
        f"wrote {path}: {args.points:,} steps, {size_mb:.1f} MB ({time.perf_counter() - t0:.1f}s)"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    bare_cmd = f"import json; json.load(open({path!r}, encoding='utf-8'))"
    cli_cmd = (
        "from curvedoc.cli import main\n"
        f"rc = main(['analyze', {path!r}, '--format', 'json'])\n"
        "assert rc == 0, rc"
    )
    _in_process(path)  # warm imports and caches once, untimed
    rows: dict[str, list[float]] = {k: [] for k in ("bare", "inproc", "bare_cmd", "cli")}
    rss: dict[str, list[float]] = {"bare_cmd": [], "cli": []}
    for _ in range(args.repeat):
        rows["bare"].append(_time(lambda: _bare_parse(path)))
        rows["inproc"].append(_time(lambda: _in_process(path)))
        s, m = _command(bare_cmd)
        rows["bare_cmd"].append(s)
        rss["bare_cmd"].append(m)
        s, m = _command(cli_cmd)
        rows["cli"].append(s)
        rss["cli"].append(m)
    med = {k: statistics.median(v) for k, v in rows.items()}
    ratio_in = med["inproc"] / med["bare"]
    ratio_cmd = med["cli"] / med["bare_cmd"]
    peak = max(rss["cli"])
    memory_floor = 3 * size_mb * 1e6 / 2**20 + MEMORY_SLACK_MB

    from curvedoc import diagnose, load

    report = diagnose(load(path))
    curves = report.curves
    plot_sizes = [len(s["values"]) for p in curves.get("pairs", []) for s in p["series"]]

    print(f"load average after:  {os.getloadavg()[0]:.2f}")
    print(f"{'variant':<24}{'median s':>10}{'min s':>10}{'peak MB':>10}")
    for key, label in (
        ("bare", "json.load"),
        ("inproc", "analyze (in-process)"),
        ("bare_cmd", "python -c json.load"),
        ("cli", "curvedoc analyze"),
    ):
        mem = f"{max(rss[key]):10.0f}" if key in rss else f"{'':>10}"
        print(f"{label:<24}{med[key]:10.3f}{min(rows[key]):10.3f}{mem}")
    print(f"ratio in-process: {ratio_in:.2f}  (floor {RATIO_FLOOR})")
    print(f"ratio commands:   {ratio_cmd:.2f}  (floor {RATIO_FLOOR})")
    print(f"peak memory of curvedoc analyze: {peak:.0f} MB  (floor {memory_floor:.0f} MB)")
    print(f"plot series downsampled to {max(plot_sizes, default=0)} points (from {args.points:,})")
    ok = ratio_in <= RATIO_FLOOR and ratio_cmd <= RATIO_FLOOR and peak <= memory_floor
    if args.big_points:
        ok = _big_case(tmp.name, args.big_points, args.big_repeat) and ok
    print("PASS" if ok else "FAIL")
    tmp.cleanup()
    return 0 if ok else 1


def _big_case(folder: str, points: int, repeat: int) -> bool:
    """The same two commands on a much longer curve, interleaved; True when within floors."""
    path = os.path.join(folder, "big_history.json")
    t0 = time.perf_counter()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(make_curve(points, seed=1), fh)
    gc.collect()
    size_mb = os.path.getsize(path) / 1e6
    print(f"\nwrote {points:,} steps, {size_mb:.0f} MB ({time.perf_counter() - t0:.1f}s)")
    bare_cmd = f"import json; json.load(open({path!r}, encoding='utf-8'))"
    cli_cmd = (
        "from curvedoc.cli import main\n"
        f"rc = main(['analyze', {path!r}, '--format', 'json'])\n"
        "assert rc == 0, rc"
    )
    bare: list[float] = []
    cli: list[float] = []
    bare_mb: list[float] = []
    cli_mb: list[float] = []
    for _ in range(repeat):
        s, m = _command(bare_cmd)
        bare.append(s)
        bare_mb.append(m)
        s, m = _command(cli_cmd)
        cli.append(s)
        cli_mb.append(m)
    ratio = statistics.median(cli) / statistics.median(bare)
    floor = 3 * size_mb * 1e6 / 2**20 + MEMORY_SLACK_MB
    print(f"{'variant':<24}{'median s':>10}{'min s':>10}{'peak MB':>10}")
    for label, times, mbs in (
        ("python -c json.load", bare, bare_mb),
        ("curvedoc analyze", cli, cli_mb),
    ):
        print(f"{label:<24}{statistics.median(times):10.3f}{min(times):10.3f}{max(mbs):10.0f}")
    print(f"ratio commands ({points:,} points): {ratio:.2f}  (floor {RATIO_FLOOR})")
    print(f"peak memory: {max(cli_mb):.0f} MB  (floor {floor:.0f} MB)")
    os.unlink(path)
    return ratio <= RATIO_FLOOR and max(cli_mb) <= floor


if __name__ == "__main__":
    sys.exit(main())
