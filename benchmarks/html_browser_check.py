"""Render HTML reports in headless Chromium and check that the plots are really drawn.

For each run: ``curvedoc analyze RUN -o report.html``-equivalent rendering, then Debian's
``chromium`` takes a full-page screenshot of the file (offline: network features off) and
the script checks the screenshot is not blank where the plots are: the run's colours
(train blue, validation orange) must cover a visible share of the image. The PNGs are
kept so a person can look at them.

Usage::

    python benchmarks/html_browser_check.py [RUN ...] [--out DIR] [--chromium PATH]

Exit status 0 when every page rendered with visible plots, 1 otherwise, 2 when Chromium
is missing (``apt-get install -y chromium``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUNS = [
    ROOT / "fixtures/corpus/runs/sine__lstm__lr_high__s1.json.gz",
    ROOT / "fixtures/corpus/runs/sine__lstm__raw_all__s1.json.gz",
    ROOT / "fixtures/corpus/runs/sine__lstm__healthy_ref__s1.json.gz",
]
VERDICT_BACKGROUNDS = ("#fdeeed", "#eaf6ee", "#fff6e0")
"""The verdict box backgrounds in ``curvedoc.render.html.CSS``."""
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium(explicit: str | None = None) -> str | None:
    """Path of a Chromium binary (Debian's ``chromium``), or None."""
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def screenshot(chromium: str, html_path: Path, png_path: Path, *, size: str = "1280,2400") -> None:
    """Take a screenshot of a local HTML file with headless Chromium (raises on failure)."""
    with tempfile.TemporaryDirectory(prefix="curvedoc-chromium-") as profile:
        cmd = [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png_path}",
            f"--window-size={size}",
            html_path.resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if not png_path.exists() or png_path.stat().st_size == 0:
        raise RuntimeError(
            f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-500:]}"
        )


def colour_shares(path: Path) -> dict[str, float]:
    """Share of pixels in the plots' train blue and validation orange, styled, and non-white.

    Lines are anti-aliased, so only pixels within a small colour distance (sum of
    channel differences < 30) count; nothing else on the page uses these two colours.
    """
    from curvedoc.render.plots import TRAIN_COLOR, VAL_COLOR

    def rgb(h: str) -> tuple[int, int, int]:
        return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)

    import numpy as np
    from PIL import Image  # comes with matplotlib, which the plots need anyway

    img = np.asarray(Image.open(path).convert("RGB"), dtype=np.int32)
    out = {"ink": float(np.mean((img < 235).any(axis=2)))}
    for name, colour in (("train", TRAIN_COLOR), ("val", VAL_COLOR)):
        dist = np.abs(img - np.array(rgb(colour))).sum(axis=2)
        out[name] = float(np.mean(dist < 30))
    # the verdict box's background (problem red, healthy green or too-short amber tint):
    # present only when the page's stylesheet was applied
    styled = np.zeros(img.shape[:2], dtype=bool)
    for colour in VERDICT_BACKGROUNDS:
        styled |= np.abs(img - np.array(rgb(colour))).sum(axis=2) < 6
    out["styled"] = float(np.mean(styled))
    return out


def check_run(chromium: str, run: Path, out_dir: Path) -> tuple[bool, str]:
    """Render one run to HTML, screenshot it, and judge the screenshot."""
    import curvedoc
    from curvedoc.render.html import render_html

    report = curvedoc.diagnose(curvedoc.load(run))
    stem = run.name.split(".")[0]
    html_path = out_dir / f"{stem}.html"
    png_path = out_dir / f"{stem}.png"
    html_path.write_text(render_html(report, require_plots=True), encoding="utf-8")
    screenshot(chromium, html_path, png_path)
    shares = colour_shares(png_path)
    size_kb = html_path.stat().st_size / 1024
    # calibrated: a page without plots has 0 % of either colour (links and badges use
    # other hues); the plotted fixtures give 0.07-0.15 % train blue, 0.07 % val orange
    ok = (
        shares["train"] > 0.0003
        and shares["val"] > 0.0002
        and shares["ink"] > 0.03
        and shares["styled"] > 0.002
    )
    detail = (
        f"{stem}: html {size_kb:.0f} KB, train-blue {shares['train']:.2%}, "
        f"val-orange {shares['val']:.2%}, verdict box {shares['styled']:.1%}, "
        f"ink {shares['ink']:.1%} -> {png_path}"
    )
    return ok, detail


def main(argv: list[str] | None = None) -> int:
    """Check every run given (or a few shipped fixtures); print one line per run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="where to keep HTML and PNG files")
    ap.add_argument("--chromium", default=None, help="Chromium binary (default: found on PATH)")
    args = ap.parse_args(argv)
    chromium = find_chromium(args.chromium)
    if chromium is None:
        print("chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="curvedoc-html-check-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = args.runs or [r for r in DEFAULT_RUNS if r.exists()]
    failed = 0
    for run in runs:
        ok, detail = check_run(chromium, run, out_dir)
        print(("ok   " if ok else "FAIL ") + detail)
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
