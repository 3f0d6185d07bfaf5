"""Build Reports for renderer tests: by hand (exact content) or from a synthetic History.

Renderers must be tested on reports whose content the test controls, so a change in the
rules' calibration cannot make a renderer test pass or fail. Hostile names (markup, HTML,
Markdown table pipes) are the default, to exercise escaping everywhere.
"""

from __future__ import annotations

import math

import numpy as np

from curvedoc.history import History, SourceInfo
from curvedoc.report import Cause, Finding, Fix, Report

HOSTILE = "<script>alert(1)</script>[bold]x|y`z"
"""A metric name that is HTML, rich markup, a Markdown table pipe and a backtick at once."""


def make_report(
    *,
    name: str = HOSTILE,
    healthy: bool = False,
    too_short: bool = False,
    path: str = "runs/<b>history</b>.json",
    with_batch: bool = True,
    n: int = 30,
) -> Report:
    """A finished report with one cause, one warning finding, one info finding, and curves."""
    val = f"val_{name}"
    epochs = list(range(n))
    loss = [1.0 / (1 + 0.2 * e) + 0.02 * math.sin(3 * e) for e in epochs]
    vloss = [1.05 / (1 + 0.15 * e) + 0.01 * e / n + 0.03 * math.cos(2 * e) for e in epochs]
    fix = Fix(
        text=f"Scale {name} (fit the scaler on the training split only)",
        code="from sklearn.preprocessing import StandardScaler\nx = '```' + '<tag>'",
    )
    warning = Finding(
        code="CD101",
        name="inputs-unscaled",
        category="unscaled_data",
        severity="warning",
        message=f"inputs of {name} reach 8,760 [red]",
        series=(name,),
        epochs=(3, 7),
        evidence={"input_max_abs": 8760.0, "threshold": 10, "series": name},
        strength=0.8,
        fixes=(fix,),
        url="https://example.org/rules.md#cd101",
    )
    info = Finding(
        code="CD308",
        name="ordinary-noise",
        category="hyperparameters",
        severity="info",
        message=f"noise around the trend: {name} ±2%",
        evidence={"jitter": 0.02},
    )
    causes = ()
    findings: tuple[Finding, ...] = (info,)
    if too_short:
        healthy = False  # a run too short to judge is never healthy, and has no causes
    elif not healthy:
        causes = (
            Cause(
                category="unscaled_data",
                confidence=0.8,
                findings=("CD101",),
                fixes=(fix,),
                summary=f"Unscaled or insufficient data: inputs of {name} reach 8,760",
                against=(f"no evidence against {name}",),
            ),
        )
        findings = (warning, info)
    series_metrics = {
        "key": name,
        "first": loss[0],
        "last": loss[-1],
        "best": min(loss),
        "best_epoch": int(np.argmin(loss)),
        "log_scale": True,
        "jitter": 0.021,
        "noise_to_signal": 0.05,
        "improvement": 1.2,
        "spikes": [5, 12],
    }
    val_metrics = {
        **series_metrics,
        "key": val,
        "first": vloss[0],
        "last": vloss[-1],
        "best": min(vloss),
        "best_epoch": int(np.argmin(vloss)),
        "spikes": [9],
    }
    metrics = {
        "epochs": n,
        "pairs": {
            name: {
                "direction": "lower",
                "train": series_metrics,
                "val": val_metrics,
                "gap_rel_final": 0.3,
                "overfitting_onset_epoch": 18,
            }
        },
        "context": {"known": False},
    }
    curves: dict[str, object] = {
        "epochs": epochs,
        "pairs": [
            {
                "name": name,
                "direction": "lower",
                "onset": 18,
                "series": [
                    {
                        "key": name,
                        "role": "train",
                        "values": loss,
                        "trend": loss,
                        "band_low": [v * 0.95 for v in loss],
                        "band_high": [v * 1.05 for v in loss],
                        "spikes": [5, 12],
                    },
                    {
                        "key": val,
                        "role": "val",
                        "values": vloss,
                        "trend": vloss,
                        "band_low": [v * 0.95 for v in vloss],
                        "band_high": [v * 1.05 for v in vloss],
                        "spikes": [9],
                    },
                ],
            }
        ],
        "lr": [1e-3 if e < 15 else 5e-4 for e in epochs],
        "batch": None,
    }
    if with_batch:
        curves["batch"] = {
            "key": name,
            "x_epochs": [i / 10 for i in range(n * 10)],
            "values": [1.0 / (1 + 0.02 * i) + 0.05 * ((i * 7) % 5) / 5 for i in range(n * 10)],
            "bin": 1,
        }
    return Report(
        source_path=path,
        source_format="keras-json",
        healthy=healthy,
        causes=causes,
        findings=findings,
        metrics=metrics,
        run={
            "epochs": 3 if too_short else n,
            "series": [name, val],
            "batches": n * 10 if with_batch else 0,
            "too_short": too_short,
        },
        notes=(f"a note about {name}",),
        curves=curves,
        too_short=too_short,
    )


def synthetic_history(
    *,
    n: int = 40,
    scale: float = 1.0,
    noise: float = 0.03,
    val_noise: float | None = None,
    seed: int = 0,
    name: str = "loss",
    path: str = "synthetic",
    n_batches: int = 0,
) -> History:
    """A falling loss pair with log-normal noise; ``scale`` multiplies every loss value."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    base = 0.1 + np.exp(-0.08 * t)
    vn = noise if val_noise is None else val_noise
    loss = scale * base * np.exp(noise * rng.standard_normal(n))
    val = scale * 1.05 * base * np.exp(vn * rng.standard_normal(n))
    batch: dict[str, np.ndarray] = {}
    starts = np.zeros(0, dtype=np.int64)
    if n_batches:
        per = n_batches // n
        b = np.repeat(loss, per) * np.exp(0.2 * rng.standard_normal(per * n))
        batch = {name: b}
        starts = np.arange(n, dtype=np.int64) * per
    return History(
        epochs=np.arange(n),
        epoch_series={name: loss, f"val_{name}": val},
        source=SourceInfo(path=path, format="synthetic"),
        batch_series=batch,
        batch_epoch_starts=starts,
        batch_epochs=np.arange(n, dtype=np.int64) if n_batches else np.zeros(0, dtype=np.int64),
    )
