"""Plots for the HTML report: matplotlib figures drawn from ``Report.curves``, as SVG.

Presentation only: every number drawn comes from the report (``Report.curves``, built by
:func:`curvedoc.diagnosis.plot_data`, and ``Report.metrics``). This module chooses how to
show them (axis scales, colours, labels) and nothing else.

matplotlib is optional (the ``html`` extra). It is imported inside the functions, with
the object-oriented API (``matplotlib.figure.Figure``, no pyplot), so rendering touches
no global backend state and works in threads and notebooks alike. Each figure is returned
as a standalone SVG document; :mod:`curvedoc.render.html` embeds it as a ``data:`` image,
which keeps the page self-contained and means nothing inside a figure can run as script
even if a metric name were to slip through unescaped.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curvedoc.errors import MissingExtraError
from curvedoc.report import Report

TRAIN_COLOR = "#1f6fb4"
VAL_COLOR = "#d9600f"
SPIKE_COLOR = "#c41e3a"
ONSET_COLOR = "#7b3294"
BEST_COLOR = "#1a9641"
LR_COLOR = "#555555"
BATCH_COLOR = "#7f9fbf"

MAX_PAIR_FIGURES = 8
"""Pairs beyond this many are listed, not plotted, to keep the page small."""

LOG_SCALE_RATIO = 3.0
"""A positive lower-is-better series spanning more than this factor is drawn on a log axis
(relative changes, as the jitter is measured; an MSE that falls from 10^6 stays readable)."""

MAX_LABEL = 60
"""Names from the data are cut to this many characters in plot labels."""

_RC = {
    "svg.fonttype": "none",  # text stays text: small files, crisp at any zoom
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"],
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "legend.fontsize": 8.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.7,
    "text.usetex": False,
    "path.simplify": True,
    "path.simplify_threshold": 0.2,
}


@dataclass(frozen=True)
class Plot:
    """One rendered figure.

    Attributes:
        title: what the figure shows (plain text, not escaped).
        alt: a one-sentence description for screen readers and broken images.
        svg: the figure as a standalone SVG document.
    """

    title: str
    alt: str
    svg: str


def matplotlib_available() -> bool:
    """Whether matplotlib can be imported (the ``html`` extra is installed)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def missing_extra() -> str | None:
    """Return the one-line error to print when matplotlib is missing, else None (for the CLI)."""
    if matplotlib_available():
        return None
    return str(MissingExtraError("matplotlib", "html", "drawing the HTML report's plots"))


def require_matplotlib() -> None:
    """Raise :class:`~curvedoc.errors.MissingExtraError` (naming the extra) without matplotlib."""
    if not matplotlib_available():
        raise MissingExtraError("matplotlib", "html", "drawing the HTML report's plots")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def plot_label(name: object) -> str:
    r"""Make a name from the data safe for a matplotlib label.

    Control characters and lone surrogates (which would make the SVG invalid) become
    ``\N{REPLACEMENT CHARACTER}``; long names are cut; ``$`` is escaped so matplotlib
    prints a dollar sign rather than starting mathtext; a leading underscore (which
    matplotlib's legend treats as "hide me") is kept visible with a zero-width space.

    >>> plot_label("_loss $1")
    '\u200b_loss \\$1'
    """
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", str(name))
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "\N{HORIZONTAL ELLIPSIS}"
    text = text.replace("$", r"\$")
    if text.startswith("_"):
        text = "\N{ZERO WIDTH SPACE}" + text
    return text


PLOT_LIMIT = 1e150
"""Values beyond ±this are left out of plots (a gap): no axis can span ±1e308, and the
report's numbers and findings still carry them."""


def _floats(values: object) -> list[float]:
    """Read a list from the report's JSON-like data as floats, None and odd values as NaN."""
    if not isinstance(values, Sequence) or isinstance(values, str):
        return []
    out: list[float] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or abs(v) > PLOT_LIMIT:
            out.append(math.nan)
        else:
            out.append(float(v))
    return out


def _finite_xy(x: Sequence[float], y: Sequence[float]) -> tuple[list[float], list[float]]:
    """Keep the points where both coordinates are finite (lines join across missing epochs)."""
    xs: list[float] = []
    ys: list[float] = []
    for a, b in zip(x, y, strict=False):
        if math.isfinite(a) and math.isfinite(b):
            xs.append(a)
            ys.append(b)
    return xs, ys


def _use_log(values: Sequence[float], direction: str) -> bool:
    """Log axis for a positive lower-is-better series that spans more than LOG_SCALE_RATIO."""
    if direction == "higher":
        return False
    fin = [v for v in values if math.isfinite(v)]
    if len(fin) < 2 or min(fin) <= 0:
        return False
    return max(fin) / min(fin) > LOG_SCALE_RATIO


def _log_axis(ax: Any, values: Sequence[float]) -> None:
    """Put ``ax`` on a log y axis with plain-number ticks (1-2-5 per decade when few decades)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fin = [v for v in values if math.isfinite(v) and v > 0]
    ax.set_yscale("log")
    decades = math.log10(max(fin) / min(fin)) if fin else 1.0
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
    ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=subs, numticks=12))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.3g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _nearest_index(x: Sequence[float], target: float) -> int | None:
    """Index of the x value nearest to ``target`` (spike epochs on a downsampled axis)."""
    if not x:
        return None
    import bisect

    i = bisect.bisect_left(x, target)
    if i <= 0:
        return 0
    if i >= len(x):
        return len(x) - 1
    return i if abs(x[i] - target) < abs(x[i - 1] - target) else i - 1


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "curvedoc"})
    return buf.getvalue()


def _pair_metrics(report: Report, name: str) -> Mapping[str, Any]:
    pairs = report.metrics.get("pairs")
    if isinstance(pairs, Mapping):
        p = pairs.get(name)
        if isinstance(p, Mapping):
            return p
    return {}


def _draw_pair(ax: Any, pair: Mapping[str, Any], x_all: list[float], report: Report) -> list[str]:
    """Draw one train/validation pair on ``ax``; returns sentences for the alt text."""
    name = str(pair.get("name", ""))
    direction = str(pair.get("direction", "unknown"))
    series = [s for s in pair.get("series", []) if isinstance(s, Mapping)]
    all_values: list[float] = []
    for s in series:
        all_values.extend(_floats(s.get("values")))
    log = _use_log(all_values, direction)
    if log:
        _log_axis(ax, all_values)
    alt: list[str] = []
    spike_drawn = False
    pm = _pair_metrics(report, name)
    for s in series:
        role = str(s.get("role", "train"))
        color = VAL_COLOR if role == "val" else TRAIN_COLOR
        key = plot_label(s.get("key", name))
        y = _floats(s.get("values"))
        x = x_all[: len(y)]
        trend = _floats(s.get("trend"))[: len(x)]
        lo = _floats(s.get("band_low"))[: len(x)]
        hi = _floats(s.get("band_high"))[: len(x)]
        if len(lo) == len(x) and len(hi) == len(x) and x:
            if log:
                floor = min((v for v in all_values if math.isfinite(v) and v > 0), default=1e-12)
                lo = [v if (math.isfinite(v) and v > 0) else floor * 0.5 for v in lo]
            bx = [
                a
                for a, b, c in zip(x, lo, hi, strict=True)
                if math.isfinite(b) and math.isfinite(c)
            ]
            bl = [b for b, c in zip(lo, hi, strict=True) if math.isfinite(b) and math.isfinite(c)]
            bh = [c for b, c in zip(lo, hi, strict=True) if math.isfinite(b) and math.isfinite(c)]
            if bx:
                ax.fill_between(bx, bl, bh, color=color, alpha=0.13, linewidth=0)
        fx, fy = _finite_xy(x, y)
        dense = len(fx) > 150
        ax.plot(
            fx,
            fy,
            color=color,
            alpha=0.55 if dense else 0.6,
            linewidth=0.9,
            marker=None if dense else "o",
            markersize=2.6,
            label=key,
        )
        tx, ty = _finite_xy(x, trend)
        if tx:
            ax.plot(tx, ty, color=color, linewidth=2.2, alpha=0.95, label=f"{key} trend")
        spikes = [e for e in _floats(s.get("spikes")) if math.isfinite(e)]
        sx: list[float] = []
        sy: list[float] = []
        for e in spikes:
            i = _nearest_index(x, e)
            if i is not None and math.isfinite(y[i]):
                sx.append(x[i])
                sy.append(y[i])
        if sx:
            many = len(sx) > 20
            ax.scatter(
                sx,
                sy,
                s=28 if many else 70,
                facecolors="none",
                edgecolors=SPIKE_COLOR,
                linewidths=1.0 if many else 1.6,
                zorder=5,
                label=None if spike_drawn else "spike",
            )
            spike_drawn = True
            alt.append(f"{len(sx)} spike(s) on {key}")
        side = pm.get(role) if isinstance(pm.get(role), Mapping) else {}
        best_epoch = side.get("best_epoch") if isinstance(side, Mapping) else None
        if (
            role == "val"
            and isinstance(best_epoch, (int, float))
            and not isinstance(best_epoch, bool)
        ):
            i = _nearest_index(x, float(best_epoch))
            if i is not None and math.isfinite(y[i]):
                ax.scatter(
                    [x[i]],
                    [y[i]],
                    marker="*",
                    s=150,
                    color=BEST_COLOR,
                    zorder=6,
                    edgecolors="white",
                    linewidths=0.6,
                    label=f"best {key} (epoch {int(best_epoch)})",
                )
        nonfinite = side.get("nonfinite_epoch") if isinstance(side, Mapping) else None
        if isinstance(nonfinite, (int, float)) and not isinstance(nonfinite, bool):
            ax.axvline(
                float(nonfinite),
                color="black",
                linestyle=":",
                linewidth=1.6,
                label=f"{key} NaN/inf from epoch {int(nonfinite)}",
            )
            alt.append(f"{key} becomes NaN/inf at epoch {int(nonfinite)}")
    onset = pair.get("onset")
    if isinstance(onset, (int, float)) and not isinstance(onset, bool):
        ax.axvline(
            float(onset),
            color=ONSET_COLOR,
            linestyle="--",
            linewidth=1.6,
            label=f"overfitting onset (epoch {int(onset)})",
        )
        ax.annotate(
            "overfitting starts",
            xy=(float(onset), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            va="top",
            fontsize=8.5,
            color=ONSET_COLOR,
        )
        alt.append(f"overfitting onset at epoch {int(onset)}")
    better = {"lower": "lower is better", "higher": "higher is better"}.get(direction, "")
    ax.set_ylabel(plot_label(name) + (" (log scale)" if log else ""))
    ax.set_title(plot_label(name) + (f"  ({better})" if better else ""), loc="left")
    # outside the axes: the legend never hides a curve
    ax.get_figure().legend(loc="outside right upper", frameon=False)
    return alt


def _draw_lr(ax: Any, lr: list[float], x_all: list[float]) -> str:
    x = x_all[: len(lr)]
    fx, fy = _finite_xy(x, lr)
    ax.step(fx, fy, where="post", color=LR_COLOR, linewidth=1.6, label="learning rate")
    if fy and min(fy) > 0 and max(fy) / min(fy) > LOG_SCALE_RATIO:
        _log_axis(ax, fy)
    ax.set_ylabel("learning rate")
    ax.ticklabel_format(
        axis="y", style="sci", scilimits=(-3, 4)
    ) if ax.get_yscale() == "linear" else None
    if fy and max(fy) == min(fy):
        ax.annotate(
            f"constant {fy[0]:.3g}",
            xy=(0.01, 0.9),
            xycoords="axes fraction",
            va="top",
            fontsize=8.5,
            color=LR_COLOR,
        )
        return f"the learning rate is constant at {fy[0]:.3g}"
    if fy:
        return f"the learning rate goes from {fy[0]:.3g} to {fy[-1]:.3g}"
    return "no learning rate values"


def pair_plots(report: Report) -> list[Plot]:
    """One figure per train/validation pair (the first also shows the learning rate)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    curves = report.curves
    pairs = [p for p in curves.get("pairs", []) or [] if isinstance(p, Mapping)]
    # the loss first (it carries the learning-rate axis), then the rest in file order
    pairs.sort(key=lambda p: p.get("name") != "loss")
    x_all = _floats(curves.get("epochs"))
    lr = _floats(curves.get("lr"))
    has_lr = any(math.isfinite(v) for v in lr)
    plots: list[Plot] = []
    for n, pair in enumerate(pairs[:MAX_PAIR_FIGURES]):
        with_lr = has_lr and n == 0
        with rc_context(_RC | {"svg.hashsalt": f"curvedoc-pair-{n}"}):
            if with_lr:
                fig = Figure(figsize=(10, 5.2), layout="constrained")
                ax, ax_lr = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
            else:
                fig = Figure(figsize=(10, 3.9), layout="constrained")
                ax = fig.subplots()
                ax_lr = None
            alt = _draw_pair(ax, pair, x_all, report)
            if ax_lr is not None:
                alt.append(_draw_lr(ax_lr, lr, x_all))
                ax_lr.set_xlabel("epoch")
            else:
                ax.set_xlabel("epoch")
            svg = _svg(fig)
        name = str(pair.get("name", ""))
        title = f"{name}: training and validation over epochs"
        desc = f"{name} per epoch with trend and ±1 sd band"
        plots.append(Plot(title=title, alt="; ".join([desc, *alt]), svg=svg))
    return plots


def batch_plot(report: Report) -> Plot | None:
    """Plot the per-batch loss (binned means, optional low/high envelope) over epochs."""
    batch = report.curves.get("batch")
    if not isinstance(batch, Mapping):
        return None
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    x = _floats(batch.get("x_epochs"))
    y = _floats(batch.get("values"))[: len(x)]
    key = plot_label(batch.get("key", "loss"))
    k = batch.get("bin")
    bin_size = int(k) if isinstance(k, (int, float)) and not isinstance(k, bool) and k >= 1 else 1
    with rc_context(_RC | {"svg.hashsalt": "curvedoc-batch"}):
        fig = Figure(figsize=(10, 3.4), layout="constrained")
        ax = fig.subplots()
        lo = _floats(batch.get("low"))[: len(x)]
        hi = _floats(batch.get("high"))[: len(x)]
        if len(lo) == len(x) and len(hi) == len(x) and x:
            pts = [
                (a, b, c)
                for a, b, c in zip(x, lo, hi, strict=True)
                if math.isfinite(b) and math.isfinite(c)
            ]
            if pts:
                ax.fill_between(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    [p[2] for p in pts],
                    color=BATCH_COLOR,
                    alpha=0.25,
                    linewidth=0,
                    label="range within bin",
                )
        fx, fy = _finite_xy(x, y)
        label = f"{key} per batch" if bin_size == 1 else f"{key}, mean of {bin_size} batches"
        ax.plot(fx, fy, color=BATCH_COLOR, linewidth=0.8, label=label)
        if _use_log(fy, "lower"):
            _log_axis(ax, fy + [v for v in hi if math.isfinite(v)])
        # the epoch-level training loss, at the middle of each epoch's batches
        for pair in report.curves.get("pairs", []) or []:
            if not isinstance(pair, Mapping):
                continue
            for s in pair.get("series", []) or []:
                if (
                    isinstance(s, Mapping)
                    and s.get("key") == batch.get("key")
                    and s.get("role") == "train"
                ):
                    ex = [e + 0.5 for e in _floats(report.curves.get("epochs"))]
                    ey = _floats(s.get("values"))
                    px, py = _finite_xy(ex[: len(ey)], ey)
                    few = len(px) <= 150
                    ax.plot(
                        px,
                        py,
                        color=TRAIN_COLOR,
                        linewidth=2.0 if few else 1.0,
                        marker="o" if few else None,
                        markersize=2.5,
                        alpha=1.0 if few else 0.8,
                        label=f"{key} epoch mean",
                    )
        ax.set_title(f"{key} per batch", loc="left")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key + (" (log scale)" if ax.get_yscale() == "log" else ""))
        fig.legend(loc="outside right upper", frameon=False)
        svg = _svg(fig)
    what = "each batch" if bin_size == 1 else f"bins of {bin_size} batches"
    return Plot(
        title=f"{batch.get('key', 'loss')} per batch",
        alt=f"training {batch.get('key', 'loss')} for {what}, with the epoch means",
        svg=svg,
    )


def all_plots(report: Report) -> list[Plot]:
    """Draw every figure of the report, most important first (needs matplotlib)."""
    require_matplotlib()
    plots = pair_plots(report)
    b = batch_plot(report)
    if b is not None:
        plots.insert(1 if plots else 0, b)
    return plots
