"""Time and peak memory of ``curvedoc analyze`` on the hostile inputs of issue 12, before and after.

Makes every input of the issue's table at full size in a temporary folder (kept small on
disk: gzip members compressed once and repeated, sparse files; the two plain files of
1 GB and 200 MB are deleted as soon as they are measured), then runs ``curvedoc analyze``
on each in a fresh interpreter, once per checkout given, and prints one Markdown table:
exit status, wall seconds and peak resident memory (the child's own ``VmHWM``, which it
writes as it exits) per input and checkout, and what happened.

Each run is capped, so that measuring the old code cannot take the machine down: an
address-space limit (``--cap``, default 8 GiB; an input that needs more fails with a
``MemoryError``, shown as such) and a time limit (``--timeout``, default 120 s; shown as
``> 120 s``). Peak memory is the analysing process's own; worker processes of a many-runs
scan are not counted.

Measure the code before this work against a checkout of it, kept out of the repository::

    git worktree add --detach /tmp/before <commit>
    python benchmarks/hostile_inputs.py --before /tmp/before     # about 20 minutes
    python benchmarks/hostile_inputs.py --only bomb,fifo           # some rows, this code
    git worktree remove /tmp/before
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
GB = 1024 * MB

LAUNCHER = r"""
import os, resource, sys
cap = int(os.environ["HOSTILE_CAP"])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
code = 2
try:
    from curvedoc.cli import main
    code = main(sys.argv[1:])
except MemoryError:
    print("MemoryError (escaped)", file=sys.stderr)
finally:
    with open(os.environ["HOSTILE_PEAK"], "w") as fh:
        fh.write(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")))
sys.exit(code)
"""


@dataclass(frozen=True)
class Result:
    """One run: exit status (None when killed), seconds, peak MB, the first line of stderr."""

    code: int | None
    seconds: float
    peak_mb: float | None
    err: str
    out: str


def run(root: Path, args: list[str], cap: int, timeout: float, cwd: Path) -> Result:
    """``curvedoc ARGS`` with the code of ``root``, capped; killed at ``timeout``."""
    peak_file = cwd / f".peak-{os.getpid()}"
    peak_file.unlink(missing_ok=True)
    env = dict(
        os.environ,
        PYTHONPATH=str(root),
        NO_COLOR="1",
        CURVEDOC_PROGRESS="0",
        HOSTILE_CAP=str(cap),
        HOSTILE_PEAK=str(peak_file),
        OPENBLAS_NUM_THREADS="1",
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and any workers it started
        out, err = proc.communicate()
        code = None
    seconds = time.monotonic() - started
    peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else None
    peak_file.unlink(missing_ok=True)
    first = next((ln for ln in err.splitlines() if ln.strip()), "")
    return Result(code, seconds, peak, first, out)


# -- the inputs ------------------------------------------------------------------------------


def _numbers(n: int) -> bytes:
    import random

    rng = random.Random(0)
    return ",".join(repr(0.1 + rng.random()) for _ in range(n)).encode() + b","


def _repeated_gzip(path: Path, head: bytes, body: bytes, repeat: int, tail: bytes) -> None:
    member = gzip.compress(body, compresslevel=9, mtime=0)
    with path.open("wb") as fh:
        fh.write(gzip.compress(head, mtime=0))
        for _ in range(repeat):
            fh.write(member)
        fh.write(gzip.compress(tail, mtime=0))


def _healthy(seed: int, n: int = 30) -> dict[str, list[float]]:
    import math
    import random

    rng = random.Random(seed)
    loss = [(0.1 + math.exp(-0.08 * t)) * math.exp(0.03 * rng.gauss(0, 1)) for t in range(n)]
    val = [(0.12 + math.exp(-0.08 * t)) * math.exp(0.03 * rng.gauss(0, 1)) for t in range(n)]
    return {"loss": loss, "val_loss": val}


@dataclass
class Case:
    """One row: its name, how to make the input, the arguments, and how to judge the run."""

    key: str
    label: str
    make: Callable[[Path], list[str]]
    judge: Callable[[Path, Result], str] = lambda _d, r: ""
    cleanup: Callable[[Path], None] = lambda _d: None


def make_bomb(d: Path) -> list[str]:
    path = d / "bomb.json.gz"
    _repeated_gzip(path, b'{"loss": [', b"0," * (8 * MB), 640, b"0]}")  # 10 GiB inflated
    return ["analyze", str(path)]


def make_big_gzip(d: Path) -> list[str]:
    path = d / "big.json.gz"
    body = _numbers(2000) * 26
    _repeated_gzip(path, b'{"loss": [', body, GB // len(body), b"0.5]}")  # 1 GB inflated
    return ["analyze", str(path), "--format", "json"]


def make_one_line_csv(d: Path) -> list[str]:
    path = d / "oneline.csv"
    block = _numbers(200_000)
    with path.open("wb") as fh:
        for _ in range(GB // len(block)):
            fh.write(block)
        fh.write(b"0.5")
    return ["analyze", str(path)]


def make_sparse_events(d: Path) -> list[str]:
    run_dir = d / "sparse_run"
    run_dir.mkdir()
    with (run_dir / "events.out.tfevents.1700000000.host").open("wb") as fh:
        fh.truncate(3 * GB)
    return ["analyze", str(run_dir)]


def make_ten_million(d: Path) -> list[str]:
    path = d / "ten_million.json"
    block = _numbers(100_000)
    with path.open("wb") as fh:
        fh.write(b'{"loss": [')
        for _ in range(100):
            fh.write(block)
        fh.write(b"0.5]}")
    return ["analyze", str(path), "--format", "json"]


def make_wide_csv(d: Path) -> list[str]:
    path = d / "wide.csv"
    n = 1_000_000
    path.write_text(",".join(f"m{i}" for i in range(n)) + "\n" + ",".join(["0.5"] * n) + "\n")
    return ["analyze", str(path)]


def make_duplicated_csv(d: Path) -> list[str]:
    path = d / "dup.csv"
    n = 100_000  # 10^5 names, the last one a second time: a search for it is quadratic
    names = [f"m{i}" for i in range(n)] + [f"m{n - 1}"]
    path.write_text(",".join(names) + "\n" + ",".join(["0.5"] * (n + 1)) + "\n")
    return ["analyze", str(path)]


def make_loops(depth: int) -> Callable[[Path], list[str]]:
    """A history in every folder, and in every folder a link back to each ancestor."""

    def make(d: Path) -> list[str]:
        root = d / f"loops{depth}"
        root.mkdir()
        (root / "h.json").write_text(json.dumps(_healthy(0)))
        chain = [root]
        for level in range(depth):
            folder = chain[-1] / f"d{level}"
            folder.mkdir()
            (folder / "h.json").write_text(json.dumps(_healthy(level + 1)))
            for k, ancestor in enumerate(chain):
                (folder / f"to{k}").symlink_to(ancestor, target_is_directory=True)
            chain.append(folder)
        return ["analyze", str(root), "--format", "json"]

    return make


def make_fifo_folder(d: Path) -> list[str]:
    root = d / "with_fifo"
    root.mkdir()
    os.mkfifo(root / "stream.json")
    (root / "a.json").write_text(json.dumps(_healthy(0)))
    (root / "b.json").write_text(json.dumps(_healthy(1)))
    return ["analyze", str(root)]


NOT_HISTORIES = (
    ("README.md", b"# notes\n"),
    ("config.json", b'{"lr": 0.001, "model": "lstm"}'),
    ("curve.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    ("manifest.csv", b"run_id,lr\nrun_a,0.1\n"),
    ("history.context.json", b'{"batch_size": 32}'),
    (".history.json.0123456789ab.tmp", b'{"format": "curvedoc-hist'),
    ("train.py", b"print(1)\n"),
    ("params.yaml", b"lr: 0.1\n"),
)
"""What sits beside histories in a real runs folder, none of it a history (name, bytes):
the issue's 10,000-file row here and ``tests/test_hostile_inputs.py`` share it."""


def make_ten_thousand(d: Path) -> list[str]:
    root = d / "ten_thousand"
    kinds = NOT_HISTORIES
    for i in range(9_200):
        run_dir = root / f"run_{i:05d}"
        run_dir.mkdir(parents=True)
        (run_dir / "history.json").write_text(json.dumps(_healthy(i, 20)))
    for j in range(800):
        name, content = kinds[j % len(kinds)]
        (root / f"run_{j:05d}" / name).write_bytes(content)
    return ["analyze", str(root), "--format", "json"]


def make_fixtures(d: Path) -> list[str]:
    return ["analyze", str(ROOT / "fixtures"), "--format", "json"]


def make_escapes(d: Path) -> list[str]:
    h = _healthy(0)
    path = d / "esc\x1b]0;title\x07.json"
    path.write_text(json.dumps({"loss\x1b[2J\x1b[H": h["loss"], "val_loss\x00": h["val_loss"]}))
    return ["analyze", str(path), "--width", "200"]


def judge_escapes(d: Path, r: Result) -> str:
    raw = any(c in r.out + r.err for c in "\x1b\x07\x00")
    return "raw control bytes reach the output" if raw else "shown escaped"


def make_output_input(d: Path) -> list[str]:
    path = d / "own.json"
    path.write_text(json.dumps(_healthy(0)))
    return ["analyze", str(path), "-o", str(path)]


def judge_output_input(d: Path, r: Result) -> str:
    intact = (d / "own.json").read_text() == json.dumps(_healthy(0))
    return "the history is intact" if intact else "the history was overwritten by the report"


def make_output_special(d: Path) -> list[str]:
    (d / "in.json").write_text(json.dumps(_healthy(0)))
    (d / "target.txt").write_text("old\n")
    (d / "link.txt").symlink_to("target.txt")
    return ["analyze", str(d / "in.json"), "-o", str(d / "link.txt")]


def judge_output_special(d: Path, r: Result) -> str:
    link = "link kept" if (d / "link.txt").is_symlink() else "link replaced by a file"
    if os.geteuid() != 0:
        return link
    device = d / "null_device"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    root = Path(os.environ["HOSTILE_ROOT"])
    again = run(
        root, ["analyze", str(d / "in.json"), "-o", str(device), "--format", "text"], GB, 60, d
    )
    kept = stat.S_ISCHR(device.lstat().st_mode)
    return f"{link}; device node {'kept' if kept else 'replaced'} (exit {again.code})"


def make_nan_from_start(d: Path) -> list[str]:
    path = d / "nan_recorded.json"
    path.write_text(
        json.dumps(
            {
                "format": "curvedoc-history",
                "format_version": 1,
                "status": "stopped",
                "epochs": [0],
                "epoch_logs": {"loss": ["NaN"], "learning_rate": [1e12]},
            }
        )
    )
    return ["analyze", str(path), "--format", "json"]


def judge_nan(d: Path, r: Result) -> str:
    try:
        findings = json.loads(r.out)["findings"]
    except (ValueError, KeyError):
        return "no report"
    return "CD301 error" if any(f["code"] == "CD301" for f in findings) else "no CD301"


def make_flipped_event(d: Path) -> list[str]:
    run_dir = d / "flipped"
    shutil.copytree(ROOT / "fixtures" / "tensorboard" / "torch_sine", run_dir)
    (event,) = run_dir.glob("events*")
    data = bytearray(event.read_bytes())
    pos = 0
    for _ in range(40):
        pos += 16 + int.from_bytes(data[pos : pos + 8], "little")
    data[pos + 12 + 5] ^= 0x10
    event.write_bytes(bytes(data))
    return ["analyze", str(run_dir), "--format", "json"]


def judge_flipped(d: Path, r: Result) -> str:
    try:
        notes = json.loads(r.out)["notes"]
    except (ValueError, KeyError):
        return "no report"
    named = [n for n in notes if "checksum" in n]
    return "a note names the record" if named else "read silently"


def judge_summary(d: Path, r: Result) -> str:
    try:
        doc = json.loads(r.out)
    except ValueError:
        return ""
    t = doc.get("totals", {})
    skipped = len(doc.get("skipped", []))
    return f"{t.get('analysed')} analysed, {t.get('failed')} failed, {skipped} skipped"


def _unlink(name: str) -> Callable[[Path], None]:
    return lambda d: (d / name).unlink(missing_ok=True)


def make_console_log(d: Path) -> list[str]:
    """What model.fit printed, then 127 MB of adversarial text: blank lines (a regex whose
    blank-line matching backtracks goes quadratic), an endless number in a field, a line
    of a million fields."""
    path = d / "train.log"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(6):
            f.write(f"Epoch {i + 1}/6\n10/10 - 0s - loss: {1 / (i + 1):.4f} - val_loss: 0.5\n")
        f.write("\n" * 60_000_000)
        f.write("10/10 - loss: " + "1" * 60_000_000 + "\n")
        f.write("10/10" + " - a: 1" * 1_000_000 + "\n")
    return ["analyze", str(path)]


CASES = [
    Case("bomb", "a 10 GB gzip bomb (`.json.gz`)", make_bomb),
    Case("gzip1g", "a gzip holding a 1 GB JSON array of numbers", make_big_gzip),
    Case(
        "oneline", "a 1 GB CSV file on one line", make_one_line_csv, cleanup=_unlink("oneline.csv")
    ),
    Case("sparse", "a sparse 3 GB TensorBoard event file", make_sparse_events),
    Case(
        "json1e7",
        "a JSON list of 10^7 numbers",
        make_ten_million,
        cleanup=_unlink("ten_million.json"),
    ),
    Case("cols", "a CSV with 10^6 columns", make_wide_csv),
    Case("dups", "a CSV with 10^5 duplicated column names", make_duplicated_csv),
    Case("loops3", "nested symlink loops, depth 3", make_loops(3), judge_summary),
    Case("loops5", "nested symlink loops, depth 5", make_loops(5), judge_summary),
    Case("fifo", "a FIFO with no writer in a runs directory", make_fifo_folder, judge_summary),
    Case("files10k", "10,000 files, 800 of them not histories", make_ten_thousand, judge_summary),
    Case("fixtures", "`curvedoc analyze fixtures/`", make_fixtures, judge_summary),
    Case("escapes", "terminal escapes in metric and file names", make_escapes, judge_escapes),
    Case("own", "`-o` naming the input history", make_output_input, judge_output_input),
    Case(
        "special", "`-o` onto a symlink / a device node", make_output_special, judge_output_special
    ),
    Case("nan", "a recorded run NaN from epoch 0", make_nan_from_start, judge_nan),
    Case(
        "console",
        "a console log with 60 MB of blank lines, a 60 MB number, 10^6 fields",
        make_console_log,
        cleanup=_unlink("train.log"),
    ),
    Case(
        "flipped",
        "a TensorBoard record with one data byte flipped",
        make_flipped_event,
        judge_flipped,
    ),
]


def _cell(r: Result, timeout: float) -> str:
    if r.code is None:
        return f"killed > {timeout:.0f} s | – | –"
    peak = f"{r.peak_mb:,.0f}" if r.peak_mb is not None else "–"
    return f"{r.code} | {r.seconds:.1f} | {peak}"


def main(argv: list[str] | None = None) -> int:
    """Make the inputs, run every checkout on each, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="a checkout of the code before (its root)")
    ap.add_argument("--cap", type=float, default=8, help="address-space cap per run, GiB")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    ap.add_argument("--only", default="", help="comma-separated case keys")
    args = ap.parse_args(argv)

    roots = [("before", args.before)] if args.before else []
    roots.append(("after", ROOT))
    for _, root in roots:  # as installed: with bytecode, in every checkout alike
        compileall.compile_dir(str(root / "curvedoc"), quiet=1)
    keys = {k for k in args.only.split(",") if k}
    cases = [c for c in CASES if not keys or c.key in keys]
    cap = int(args.cap * GB)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)
    header = (
        "| input | "
        + " | ".join(f"{name}: exit | s | peak MB | what happened" for name, _ in roots)
        + " |"
    )
    lines = [header, "|---|" + "---:|---:|---:|---|" * len(roots)]
    with tempfile.TemporaryDirectory(prefix="curvedoc-hostile-") as tmp:
        for case in cases:
            cells = []
            for name, root in roots:
                d = Path(tmp) / f"{case.key}-{name}"
                d.mkdir()
                os.environ["HOSTILE_ROOT"] = str(root)
                argv_ = case.make(d)
                r = run(root, argv_, cap, args.timeout, d)
                judged = case.judge(d, r) if r.code is not None else ""
                err = r.err.replace(str(d) + "/", "").replace("curvedoc: ", "")
                note = "; ".join(x for x in (judged, err[:110]) if x).replace("|", "/")
                cells.append(f"{_cell(r, args.timeout)} | {note}")
                print(f"{case.key} {name}: {_cell(r, args.timeout)} {note}", file=sys.stderr)
                case.cleanup(d)
                shutil.rmtree(d, ignore_errors=True)
            lines.append(f"| {case.label} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
