"""Shared harness for curvedoc's labelled corpus and fixtures.

Datasets are generated with numpy or loaded from files shipped inside pip packages
(scikit-learn, statsmodels): nothing is downloaded at run time. ``sunspots``, ``power_load``,
``activity`` and ``ecg`` and the model families of ``HELDOUT_FAMILIES`` belong to the corpus'
held-out part only (``split = heldout`` in the manifest). Every dataset is returned
in *raw units* first; the scaling recipe of a run (healthy z-scoring or one of the
unscaled faults) is applied afterwards, so faults change exactly one thing.

Nothing here knows about curvedoc's diagnosis: the outcome numbers computed at the end of a
run (quality, unsteadiness, divergence) only use the run's own epoch logs and its data.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# ----------------------------------------------------------------------------------------
# Threading: at most one TF thread per process (the machine is shared).
# ----------------------------------------------------------------------------------------

THREAD_ENV = {
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "KERAS_BACKEND": "tensorflow",
    "PYTHONHASHSEED": "0",
}


def limit_threads() -> None:
    """Set the one-thread environment (call before TensorFlow is imported)."""
    for key, value in THREAD_ENV.items():
        os.environ.setdefault(key, value)


# ----------------------------------------------------------------------------------------
# Raw datasets
# ----------------------------------------------------------------------------------------

REGRESSION = "regression"
CLASSIFICATION = "classification"


@dataclass
class RawSeries:
    """A multivariate series in raw units; the target is ``target_col`` ``horizon`` ahead."""

    values: np.ndarray  # (T, F) float64, raw units
    feature_names: list[str]
    target_col: int
    horizon: int
    source: str


@dataclass
class RawSequences:
    """Labelled sequences in raw units for classification."""

    x: np.ndarray  # (N, L, F)
    y: np.ndarray  # (N,) int
    n_classes: int
    feature_names: list[str]
    source: str


def _sine(seed: int) -> RawSeries:
    """Sum of three sines with seed-dependent periods + AR(1) noise, as raw sensor counts."""
    rng = np.random.default_rng(1000 + seed)
    t = np.arange(2000, dtype=float)
    periods = rng.uniform(15.0, 90.0, size=3)
    amps = rng.uniform(0.5, 1.2, size=3)
    phases = rng.uniform(0, 2 * np.pi, size=3)
    sig = sum(
        a * np.sin(2 * np.pi * t / p + f) for a, p, f in zip(amps, periods, phases, strict=True)
    )
    noise = np.zeros_like(t)
    eps = rng.normal(0, 0.15, size=t.size)
    for i in range(1, t.size):
        noise[i] = 0.6 * noise[i - 1] + eps[i]
    raw = 1000.0 + 250.0 * (sig + noise)  # "ADC counts" around 1000
    return RawSeries(raw[:, None], ["counts"], 0, 1, "numpy: 3 sines + AR(1) noise, x250+1000")


def _price(seed: int) -> RawSeries:
    """Geometric random walk with drift (daily close, hundreds-thousands) plus volume."""
    rng = np.random.default_rng(2000 + seed)
    n = 1600
    p0 = rng.uniform(300.0, 2500.0)
    mu = rng.uniform(0.0002, 0.0008)
    sigma = rng.uniform(0.012, 0.022)
    # volatility clustering (GARCH-like) so the walk is "price-like"
    vol = np.empty(n)
    vol[0] = sigma
    r = np.empty(n)
    for i in range(n):
        if i > 0:
            vol[i] = math.sqrt(0.05 * sigma**2 + 0.9 * vol[i - 1] ** 2 + 0.05 * r[i - 1] ** 2)
        r[i] = mu + vol[i] * rng.standard_t(5) / math.sqrt(5 / 3)
    price = p0 * np.exp(np.cumsum(r))
    volume = rng.lognormal(mean=math.log(1.5e6), sigma=0.3, size=n) * (1 + 25 * np.abs(r))
    return RawSeries(
        np.stack([price, volume], axis=1),
        ["close", "volume"],
        0,
        1,
        "numpy: GBM with drift + GARCH-like vol, Student-t shocks; volume ~1e6",
    )


def _co2(seed: int) -> RawSeries:
    """Mauna Loa weekly CO2 (ppm, ~313-374), from statsmodels; gaps interpolated."""
    import statsmodels.api as sm

    s = sm.datasets.co2.load_pandas().data["co2"].interpolate().bfill().to_numpy(float)
    return RawSeries(s[:, None], ["co2_ppm"], 0, 4, "statsmodels.datasets.co2 (weekly)")


def _elnino(seed: int) -> RawSeries:
    """Monthly El Nino sea-surface temperatures (deg C, 1950-2010), from statsmodels."""
    import statsmodels.api as sm

    d = sm.datasets.elnino.load_pandas().data
    s = d.drop(columns=["YEAR"]).to_numpy(float).ravel()
    return RawSeries(s[:, None], ["sst_c"], 0, 1, "statsmodels.datasets.elnino (monthly)")


def _sensors(seed: int) -> RawSeries:
    """A simulated building: outdoor/indoor temperature, humidity, pressure (Pa), power (W)."""
    rng = np.random.default_rng(3000 + seed)
    n = 2000
    t = np.arange(n, dtype=float)
    day = 48.0  # half-hourly samples
    weather = np.zeros(n)
    e = rng.normal(0, 0.35, n)
    for i in range(1, n):
        weather[i] = 0.97 * weather[i - 1] + e[i]
    t_out = 8 + 6 * np.sin(2 * np.pi * t / day - 1.2) + weather + rng.normal(0, 0.3, n)
    power = np.zeros(n)
    t_in = np.zeros(n)
    t_in[0] = 20.0
    setpoint = 21.0 + 1.5 * (np.sin(2 * np.pi * t / day) > 0)
    for i in range(1, n):
        demand = max(0.0, setpoint[i] - t_in[i - 1])
        power[i] = 400 + 1800 * demand + rng.normal(0, 120)
        t_in[i] = (
            t_in[i - 1]
            + 0.08 * (t_out[i - 1] - t_in[i - 1])
            + 0.0009 * power[i]
            - 0.2
            + rng.normal(0, 0.08)
        )
    press = np.zeros(n)
    e2 = rng.normal(0, 25, n)
    for i in range(1, n):
        press[i] = 0.99 * press[i - 1] + e2[i]
    pressure = 101325 + press
    humidity = 55 - 1.5 * (t_out - 8) + 0.02 * press + rng.normal(0, 2, n)
    vals = np.stack([t_out, t_in, humidity, pressure, power], axis=1)
    return RawSeries(
        vals,
        ["t_out_c", "t_in_c", "humidity_pct", "pressure_pa", "power_w"],
        1,
        3,
        "numpy: simulated thermostat building, target t_in 3 steps ahead",
    )


def _digits(seed: int) -> RawSequences:
    """Sklearn 8x8 digits read row by row (8 steps x 8 pixels), raw as 8-bit intensities."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = d.data.reshape(-1, 8, 8) * (255.0 / 16.0)
    return RawSequences(
        x,
        d.target.astype(int),
        10,
        [f"px{i}" for i in range(8)],
        "sklearn.datasets.load_digits, rows as time steps, 0-255",
    )


def _waveforms(seed: int) -> RawSequences:
    """Four noisy waveform shapes (sine/square/triangle/sawtooth), two channels in raw units."""
    rng = np.random.default_rng(4000 + seed)
    n, length = 2000, 40
    y = rng.integers(0, 4, n)
    t = np.arange(length, dtype=float)
    x = np.empty((n, length, 2))
    for i in range(n):
        period = rng.uniform(8, 25)
        ph = rng.uniform(0, 1)
        u = (t / period + ph) % 1.0
        if y[i] == 0:
            w = np.sin(2 * np.pi * u)
        elif y[i] == 1:
            w = np.where(u < 0.5, 1.0, -1.0)
        elif y[i] == 2:
            w = 4 * np.abs(u - 0.5) - 1
        else:
            w = 2 * u - 1
        amp = rng.uniform(0.6, 1.4)
        w = amp * w + rng.normal(0, 0.3, length)
        x[i, :, 0] = 2000 + 500 * w  # millivolts
        x[i, :, 1] = 40 * w + rng.normal(0, 15, length)  # a second, noisier probe
    return RawSequences(
        x,
        y.astype(int),
        4,
        ["mv", "probe"],
        "numpy: 4 waveform classes, 2 channels (mV ~2000+-500, probe ~+-40)",
    )


def _breast_cancer(seed: int) -> RawSequences:
    """Sklearn breast cancer: 3 steps (mean, se, worst) x 10 measures; binary."""
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer()
    x = d.data.reshape(-1, 3, 10)
    names = [n.replace("mean ", "") for n in d.feature_names[:10]]
    return RawSequences(
        x,
        d.target.astype(int),
        2,
        names,
        "sklearn.datasets.load_breast_cancer, (mean, se, worst) as 3 steps",
    )


# ---- held-out datasets (never used while calibrating curvedoc's rules) ----


def _sunspots(seed: int) -> RawSeries:
    """Yearly sunspot numbers 1700-2008 (0-190), from statsmodels; next year's value."""
    import statsmodels.api as sm

    s = sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)
    return RawSeries(s[:, None], ["sunspots"], 0, 1, "statsmodels.datasets.sunspots (yearly)")


def _power_load(seed: int) -> RawSeries:
    """Hourly electricity demand of a region in MW (~20-40 thousand), with weather and calendar.

    Demand = base x daily profile x weekday factor + heating below 15 deg C + cooling above
    22 deg C + AR(1) noise; the temperature follows a spring-to-summer trend, a daily cycle and
    AR(1) weather. The target is the demand 6 hours ahead.
    """
    rng = np.random.default_rng(5000 + seed)
    n = 2200
    t = np.arange(n, dtype=float)
    hour = t % 24
    day = t // 24
    weekend = ((day + rng.integers(0, 7)) % 7 >= 5).astype(float)
    weather = np.zeros(n)
    e = rng.normal(0, 0.4, n)
    for i in range(1, n):
        weather[i] = 0.985 * weather[i - 1] + e[i]
    temp = (
        rng.uniform(4, 10)
        + rng.uniform(14, 20) * t / n
        + 5 * np.sin(2 * np.pi * (hour - 9) / 24)
        + weather
    )
    base = rng.uniform(24_000, 30_000)
    profile = (
        0.78
        + 0.14 * np.exp(-0.5 * ((hour - 9) / 2.0) ** 2)
        + 0.22 * np.exp(-0.5 * ((hour - 19) / 2.5) ** 2)
        + 0.08 * ((hour >= 7) & (hour <= 22))
    )
    noise = np.zeros(n)
    e2 = rng.normal(0, 250, n)
    for i in range(1, n):
        noise[i] = 0.8 * noise[i - 1] + e2[i]
    load = (
        base * profile * (1 - 0.12 * weekend)
        + 650 * np.maximum(0, 15 - temp)
        + 900 * np.maximum(0, temp - 22)
        + noise
    )
    vals = np.stack([load, temp, hour, weekend], axis=1)
    return RawSeries(
        vals,
        ["load_mw", "temp_c", "hour", "weekend"],
        0,
        6,
        "numpy: simulated regional hourly electricity demand (MW), target 6 h ahead",
    )


def _rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    """A random rotation matrix of at most ``max_deg`` degrees (Rodrigues)."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    ang = np.deg2rad(rng.uniform(0, max_deg))
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(ang) * k + (1 - np.cos(ang)) * k @ k


def _activity(seed: int) -> RawSequences:
    """Simulated wearable: 6 activities from a 3-axis accelerometer and a 3-axis gyroscope.

    1.6 s windows at 20 Hz. The accelerometer is in raw ADC counts of a +-4 g sensor (8192
    counts per g, so gravity alone reads ~8000), the gyroscope in deg/s. Static classes
    (sitting, standing, lying) differ by the direction of gravity, dynamic ones (walking,
    running, stairs) by cadence, amplitude and shape; every window gets a random sensor
    orientation error, a per-subject gain and noise, so the classes overlap a little.
    """
    rng = np.random.default_rng(6000 + seed)
    n, length, fs = 2000, 32, 20.0
    y = rng.integers(0, 6, n)
    t = np.arange(length) / fs
    gravity = {0: [0.6, 0.0, 0.8], 1: [1.0, 0.0, 0.0], 2: [0.15, 0.95, 0.3]}
    x = np.empty((n, length, 6))
    for i in range(n):
        c = int(y[i])
        acc = np.zeros((length, 3))
        gyro = np.zeros((length, 3))
        g = np.array(gravity.get(c, [0.97, 0.0, 0.24]), float)
        g /= np.linalg.norm(g)
        acc += g
        ph = rng.uniform(0, 2 * np.pi)
        if c >= 3:
            cadence, amp = {3: (1.85, 0.4), 4: (2.7, 0.9), 5: (1.65, 0.45)}[c]
            f = cadence * rng.uniform(0.8, 1.2)
            a = amp * rng.uniform(0.6, 1.4)
            w = np.sin(2 * np.pi * f * t + ph)
            w2 = np.sin(4 * np.pi * f * t + 2 * ph + rng.normal(0, 0.5))
            if c == 5:  # stairs: asymmetric step and a slow pitch change
                acc[:, 0] += a * (w + rng.uniform(0.25, 0.7) * w2) + rng.uniform(0, 0.2) * t / t[-1]
                acc[:, 2] += 0.3 * a * np.cos(2 * np.pi * f * t + ph)
            else:
                acc[:, 0] += a * (w + rng.uniform(0.0, 0.45) * w2)
                acc[:, 1] += 0.3 * a * np.sin(np.pi * f * t + ph)
                acc[:, 2] += 0.2 * a * w2
            gyro[:, 1] += 60 * a * np.cos(2 * np.pi * f * t + ph)
            gyro[:, 2] += 25 * a * np.sin(np.pi * f * t + ph)
        else:  # small postural sway
            acc += 0.01 * np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * t + ph)[:, None]
            gyro += rng.normal(0, 2.0, 3)
        rot = _rotation(rng, 35.0)
        acc = acc @ rot.T * rng.uniform(0.95, 1.05) + rng.normal(0, 0.05, acc.shape)
        gyro = gyro @ rot.T + rng.normal(0, 3.0, gyro.shape)
        x[i, :, :3] = np.clip(np.round(acc * 8192.0), -32768, 32767)  # ADC counts, +-4 g
        x[i, :, 3:] = gyro  # deg/s
    return RawSequences(
        x,
        y.astype(int),
        6,
        ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"],
        "numpy: simulated wearable, 6 activities; accelerometer in ADC counts (8192/g), "
        "gyroscope in deg/s",
    )


def _ecg_beat(t: np.ndarray, scale: float, p_wave: bool, wide: bool) -> np.ndarray:
    """One beat centred at t=0 (seconds) in mV: sum of Gaussian P, Q, R, S and T waves."""
    waves = [(-0.2, 0.04, 0.15)] if p_wave else []
    if wide:  # ventricular beat: wide, tall QRS and an inverted T wave, no P wave
        waves += [(0.0, 0.05, 1.6 * scale), (0.09, 0.04, -0.5 * scale), (0.3, 0.09, -0.4)]
    else:
        waves += [
            (-0.04, 0.012, -0.12 * scale),
            (0.0, 0.025, 1.1 * scale),
            (0.04, 0.015, -0.25 * scale),
            (0.26, 0.07, 0.3),
        ]
    return sum(a * np.exp(-0.5 * ((t - mu) / s) ** 2) for mu, s, a in waves)


def _ecg(seed: int) -> RawSequences:
    """Simulated single-lead ECG rhythm strips, 4 classes, in ADC counts (1024 + 200/mV).

    3 s at 20 Hz. Classes: normal sinus rhythm (60-100 bpm, regular), atrial fibrillation
    (irregular RR, no P waves, fibrillatory baseline), sinus bradycardia (38-55 bpm) and
    sinus rhythm with premature ventricular beats. Every strip has its own gain, baseline
    wander and noise; the raw units follow the MIT-BIH convention (200 counts/mV, zero at 1024).
    """
    rng = np.random.default_rng(7000 + seed)
    n, length, fs = 2000, 60, 20.0
    y = rng.integers(0, 4, n)
    t = np.arange(length) / fs
    x = np.empty((n, length, 1))
    for i in range(n):
        c = int(y[i])
        hr = {0: rng.uniform(60, 100), 1: rng.uniform(80, 140), 2: rng.uniform(38, 55)}.get(
            c, rng.uniform(65, 95)
        )
        rr = 60.0 / hr
        beat_t = [rng.uniform(-rr, 0)]
        while beat_t[-1] < t[-1] + 1.0:
            jitter = rng.normal(0, 0.25 if c == 1 else 0.03)
            beat_t.append(beat_t[-1] + rr * max(0.45, 1 + jitter))
        scale = rng.uniform(0.7, 1.3)
        sig = np.zeros(length)
        pvc_at = set()
        if c == 3:
            inside = [k for k, b in enumerate(beat_t) if 0.3 < b < t[-1] - 0.3]
            if inside:
                pvc_at = set(rng.choice(inside, size=min(len(inside), rng.integers(1, 3))))
        for k, b in enumerate(beat_t):
            if k in pvc_at:
                b = b - 0.35 * rr  # premature
            sig += _ecg_beat(t - b, scale, p_wave=c != 1 and k not in pvc_at, wide=k in pvc_at)
        if c == 1:
            fib = rng.uniform(4, 7)
            sig += 0.05 * np.sin(2 * np.pi * fib * t + rng.uniform(0, 6.3))
        wander = rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * rng.uniform(0.15, 0.5) * t + 1.0)
        sig = sig + wander + rng.normal(0, 0.03, length)
        x[i, :, 0] = np.round(1024 + 200 * sig)
    return RawSequences(
        x,
        y.astype(int),
        4,
        ["lead_ii_adc"],
        "numpy: simulated ECG rhythm strips (normal, AF, bradycardia, PVC), ADC counts "
        "1024 + 200/mV",
    )


DATASETS: dict[str, dict[str, Any]] = {
    "sine": {"task": REGRESSION, "load": _sine},
    "price": {"task": REGRESSION, "load": _price},
    "co2": {"task": REGRESSION, "load": _co2},
    "elnino": {"task": REGRESSION, "load": _elnino},
    "sensors": {"task": REGRESSION, "load": _sensors},
    "digits": {"task": CLASSIFICATION, "load": _digits},
    "waveforms": {"task": CLASSIFICATION, "load": _waveforms},
    "breast_cancer": {"task": CLASSIFICATION, "load": _breast_cancer},
    # held out (fixtures/corpus/README.md, split "heldout")
    "sunspots": {"task": REGRESSION, "load": _sunspots},
    "power_load": {"task": REGRESSION, "load": _power_load},
    "activity": {"task": CLASSIFICATION, "load": _activity},
    "ecg": {"task": CLASSIFICATION, "load": _ecg},
}


# ----------------------------------------------------------------------------------------
# Run specification -> arrays
# ----------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """Arrays ready for ``fit`` plus facts about how they were made."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    task: str
    n_classes: int
    info: dict[str, Any] = field(default_factory=dict)


def _windows(values: np.ndarray, length: int, horizon: int, col: int) -> tuple[np.ndarray, ...]:
    n = values.shape[0] - length - horizon + 1
    idx = np.arange(length)[None, :] + np.arange(n)[:, None]
    x = values[idx]
    y = values[np.arange(n) + length + horizon - 1, col]
    return x, y


def _blocked_split(n: int, gap: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split window indices into 10 contiguous blocks; 2 (seeded) blocks validate.

    Training windows within ``gap`` of a validation block are dropped so no training window
    overlaps a validation window (no leakage), while validation still covers the same range of
    levels as training (a purely chronological split would make a trending series extrapolate).
    """
    blocks = np.array_split(np.arange(n), 10)
    val_blocks = sorted(rng.choice(np.arange(1, 10), size=2, replace=False))
    val = np.concatenate([blocks[b] for b in val_blocks])
    mask = np.ones(n, bool)
    for b in val_blocks:
        lo, hi = blocks[b][0] - gap, blocks[b][-1] + gap
        mask[max(lo, 0) : hi + 1] = False
    train = np.nonzero(mask)[0]
    return train, val


def _zscore_fit(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(-1, 1)
    mean = flat.mean(axis=0)
    std = flat.std(axis=0)
    std[std == 0] = 1.0
    return mean, std


def prepare(dataset: str, seed: int, spec: dict[str, Any]) -> Prepared:
    """Build the train/validation arrays of one run.

    ``spec`` keys used here: ``seq_len`` (time series), ``scaling`` (``standard``, ``raw``,
    ``raw_features``, ``wild_feature``), ``wild_col``, ``train_limit``, ``val_limit``,
    ``target_noise`` (std of added target noise, in units of the target std),
    ``label_noise`` (fraction of labels flipped), ``outlier_frac``, ``spike_frac``,
    ``spike_cols`` (time series: the columns spikes may hit; default all).
    Noise faults are applied to training *and* validation data (the data set itself is
    dirty), before scaling, so the healthy scaling recipe sees the dirty data as a user would.
    """
    d = DATASETS[dataset]
    raw = d["load"](seed)
    rng = np.random.default_rng(10_000 + seed)
    frng = np.random.default_rng(20_000 + seed)  # fault randomness, independent of the split
    info: dict[str, Any] = {"source": raw.source}

    if isinstance(raw, RawSeries):
        values = raw.values.copy()
        length = int(spec["seq_len"])
        if spec.get("spike_frac"):
            # sensor glitches: a few % of time points get a spike of 20-100 std in one feature
            m = round(spec["spike_frac"] * values.shape[0])
            where = frng.choice(values.shape[0], size=m, replace=False)
            if spec.get("spike_cols"):  # only these columns are measured (not calendar ones)
                cols = frng.choice(np.asarray(spec["spike_cols"], int), size=m)
            else:
                cols = frng.integers(0, values.shape[1], size=m)
            std = values.std(axis=0)
            mag = frng.uniform(20, 100, size=m) * frng.choice([-1, 1], size=m)
            values[where, cols] += mag * std[cols]
        x, y = _windows(values, length, raw.horizon, raw.target_col)
        tr, va = _blocked_split(len(y), length + raw.horizon - 1, rng)
        x_tr, y_tr, x_va, y_va = x[tr], y[tr], x[va], y[va]
        if spec.get("target_noise"):
            s = float(np.std(y_tr)) * float(spec["target_noise"])
            y_tr = y_tr + frng.normal(0, s, y_tr.shape)
            y_va = y_va + frng.normal(0, s, y_va.shape)
        if spec.get("outlier_frac"):
            s = float(np.std(y_tr))
            for arr in (y_tr, y_va):
                m = max(1, round(spec["outlier_frac"] * arr.size))
                where = frng.choice(arr.size, size=m, replace=False)
                arr[where] += frng.uniform(20, 100, m) * frng.choice([-1, 1], m) * s
        feature_names = raw.feature_names
        task, n_classes = REGRESSION, 0
        info.update(horizon=raw.horizon, target=raw.feature_names[raw.target_col])
    else:
        x, y = raw.x.copy(), raw.y.copy()
        perm = rng.permutation(len(y))
        n_val = round(0.2 * len(y))
        va, tr = perm[:n_val], perm[n_val:]
        x_tr, y_tr, x_va, y_va = x[tr], y[tr], x[va], y[va]
        if spec.get("label_noise"):
            for arr in (y_tr, y_va):
                m = round(spec["label_noise"] * arr.size)
                where = frng.choice(arr.size, size=m, replace=False)
                shift = frng.integers(1, raw.n_classes, size=m)
                arr[where] = (arr[where] + shift) % raw.n_classes
        if spec.get("spike_frac"):
            std = x_tr.reshape(-1, x_tr.shape[-1]).std(axis=0)
            for arr in (x_tr, x_va):
                flat = arr.reshape(-1, arr.shape[-1])
                m = round(spec["spike_frac"] * flat.shape[0])
                where = frng.choice(flat.shape[0], size=m, replace=False)
                cols = frng.integers(0, flat.shape[1], size=m)
                mag = frng.uniform(20, 100, size=m) * frng.choice([-1, 1], size=m)
                flat[where, cols] += mag * std[cols]
        feature_names = raw.feature_names
        task, n_classes = CLASSIFICATION, raw.n_classes

    if spec.get("train_limit"):
        keep = np.sort(frng.choice(len(y_tr), size=int(spec["train_limit"]), replace=False))
        x_tr, y_tr = x_tr[keep], y_tr[keep]
    if spec.get("val_limit"):
        keep = np.sort(frng.choice(len(y_va), size=int(spec["val_limit"]), replace=False))
        x_va, y_va = x_va[keep], y_va[keep]

    # ---- scaling (statistics from the training part only) ----
    scaling = spec.get("scaling", "standard")
    xm, xs = _zscore_fit(x_tr)
    scale_x = np.ones(x_tr.shape[-1], bool)
    if scaling in ("raw", "raw_features"):
        scale_x[:] = False
    elif scaling == "wild_feature":
        scale_x[int(spec["wild_col"])] = False
    xm = np.where(scale_x, xm, 0.0)
    xs = np.where(scale_x, xs, 1.0)
    x_tr = (x_tr - xm) / xs
    x_va = (x_va - xm) / xs
    if task == REGRESSION and scaling != "raw":
        ym, ys = float(np.mean(y_tr)), float(np.std(y_tr)) or 1.0
        y_tr = (y_tr - ym) / ys
        y_va = (y_va - ym) / ys
    info.update(
        scaling=scaling,
        features=feature_names,
        unscaled_features=[n for n, s in zip(feature_names, scale_x, strict=True) if not s],
    )
    if task == REGRESSION:
        y_tr = y_tr.astype("float32")[:, None]
        y_va = y_va.astype("float32")[:, None]
    return Prepared(
        x_tr.astype("float32"), y_tr, x_va.astype("float32"), y_va, task, n_classes, info
    )


# ----------------------------------------------------------------------------------------
# Model and training
# ----------------------------------------------------------------------------------------


HELDOUT_FAMILIES = ("simplernn", "bilstm", "conv_gru", "lstm_gap")
"""Model families of the held-out runs (the calibration runs are plain LSTM/GRU stacks)."""


def _heldout_family_layers(keras: Any, spec: dict[str, Any]) -> list[Any]:
    """The hidden layers of a held-out family, between ``Input`` and the output ``Dense``.

    * ``simplernn``: stacked ``SimpleRNN`` layers (all but the last return sequences);
    * ``bilstm``: stacked ``Bidirectional(LSTM)`` layers (``units`` per direction);
    * ``conv_gru``: ``Conv1D(conv_filters, conv_kernel, relu, same)`` + ``MaxPooling1D(2)``,
      then stacked ``GRU`` layers;
    * ``lstm_gap``: stacked ``LSTM`` layers that all return sequences, then
      ``GlobalAveragePooling1D``.

    ``dropout`` is the recurrent layers' input dropout; ``dropout_layer`` adds a ``Dropout``
    layer after each recurrent layer, as for the LSTM/GRU stacks.
    """
    family = spec["model"]
    units = list(spec["units"])
    drop = float(spec.get("dropout", 0.0))
    out: list[Any] = []
    if family == "conv_gru":
        out.append(
            keras.layers.Conv1D(
                int(spec.get("conv_filters", 32)),
                int(spec.get("conv_kernel", 5)),
                padding="same",
                activation="relu",
            )
        )
        out.append(keras.layers.MaxPooling1D(2))
    for i, u in enumerate(units):
        seqs = family == "lstm_gap" or i < len(units) - 1
        if family == "simplernn":
            layer = keras.layers.SimpleRNN(u, return_sequences=seqs, dropout=drop)
        elif family == "bilstm":
            layer = keras.layers.Bidirectional(
                keras.layers.LSTM(u, return_sequences=seqs, dropout=drop)
            )
        elif family == "conv_gru":
            layer = keras.layers.GRU(u, return_sequences=seqs, dropout=drop)
        elif family == "lstm_gap":
            layer = keras.layers.LSTM(u, return_sequences=seqs, dropout=drop)
        else:
            raise ValueError(f"unknown model family {family!r}")
        out.append(layer)
        if spec.get("dropout_layer"):
            out.append(keras.layers.Dropout(float(spec["dropout_layer"])))
    if family == "lstm_gap":
        out.append(keras.layers.GlobalAveragePooling1D())
    return out


def build_model(spec: dict[str, Any], prep: Prepared):
    """Build and compile the Keras model described by ``spec``."""
    import keras

    units = list(spec["units"])
    layers: list[Any] = [keras.Input(shape=prep.x_train.shape[1:])]
    if spec["model"] in HELDOUT_FAMILIES:
        layers.extend(_heldout_family_layers(keras, spec))
    else:
        cell = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[spec["model"]]
        for i, u in enumerate(units):
            layers.append(
                cell(
                    u,
                    return_sequences=i < len(units) - 1,
                    dropout=float(spec.get("dropout", 0.0)),
                    recurrent_dropout=float(spec.get("recurrent_dropout", 0.0)),
                )
            )
            if spec.get("dropout_layer"):
                layers.append(keras.layers.Dropout(float(spec["dropout_layer"])))
    if prep.task == REGRESSION:
        layers.append(keras.layers.Dense(1))
        # no extra metric: the per-batch series stay small (the loss is the MSE itself)
        loss, metrics = "mse", list(spec.get("metrics", []))
    elif prep.n_classes == 2:
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
        loss, metrics = "binary_crossentropy", ["accuracy"]
    else:
        layers.append(keras.layers.Dense(prep.n_classes, activation="softmax"))
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    model = keras.Sequential(layers)
    opt_name = spec.get("optimizer", "adam")
    lr = float(spec["lr"])
    kw: dict[str, Any] = {"learning_rate": lr}
    if spec.get("clipnorm"):
        kw["clipnorm"] = float(spec["clipnorm"])
    if opt_name == "adam":
        opt = keras.optimizers.Adam(**kw)
    elif opt_name == "rmsprop":
        opt = keras.optimizers.RMSprop(**kw)
    elif opt_name == "sgd":
        opt = keras.optimizers.SGD(momentum=float(spec.get("momentum", 0.9)), **kw)
    else:
        raise ValueError(opt_name)
    model.compile(optimizer=opt, loss=loss, metrics=metrics)
    return model


def recorder_class():
    """Return curvedoc's ``CurveRecorder`` (the corpus is always recorded with it)."""
    from curvedoc.keras import CurveRecorder

    return CurveRecorder


def train_run(
    dataset: str,
    seed: int,
    spec: dict[str, Any],
    record_path: str | None,
    extra_callbacks: list | None = None,
    verbose: int = 0,
) -> dict[str, Any]:
    """Train one run; record it with CurveRecorder at ``record_path`` (if given).

    ``verbose`` is passed to ``model.fit`` (the console-log fixtures print with 1 and 2).

    Returns ``{"history": history.history, "prep": Prepared, "seconds": float, ...}``.
    """
    limit_threads()
    import keras

    keras.utils.set_random_seed(int(spec.get("init_seed", seed)))
    prep = prepare(dataset, seed, spec)
    model = build_model(spec, prep)
    batch = int(spec["batch_size"]) if spec["batch_size"] != "full" else len(prep.y_train)
    callbacks: list[Any] = []
    if record_path is not None:
        callbacks.append(recorder_class()(record_path, data=prep.x_train, targets=prep.y_train))
    if spec.get("early_stopping"):
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=int(spec["early_stopping"]),
                restore_best_weights=True,
            )
        )
    callbacks.extend(extra_callbacks or [])
    t0 = time.perf_counter()
    hist = model.fit(
        prep.x_train,
        prep.y_train,
        validation_data=(prep.x_val, prep.y_val),
        validation_freq=int(spec.get("validation_freq", 1)),
        epochs=int(spec["epochs"]),
        batch_size=batch,
        shuffle=True,
        verbose=verbose,
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - t0
    out = {
        "history": hist.history,
        "prep": prep,
        "seconds": seconds,
        "batch_size": batch,
        "params": int(model.count_params()),
    }
    keras.backend.clear_session()
    return out


# ----------------------------------------------------------------------------------------
# Outcome numbers (independent of any diagnosis)
# ----------------------------------------------------------------------------------------


def _finite(a: list) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in a], dtype=float)


def unsteadiness(series: list) -> float:
    """Std of epoch-to-epoch changes of log(series) over the second half of the run.

    Scale-free (multiplying the loss by a constant does not change it). Only the second half
    of the epochs counts, so the initial fall that every run shows does not count as
    unsteadiness. NaN when fewer than 3 changes can be computed.
    """
    a = _finite(series)
    a = a[np.isfinite(a)]
    if np.any(a <= 0):
        return float("nan")
    d = np.diff(np.log(a))[len(a) // 2 - 1 :] if a.size >= 2 else np.array([])
    if d.size < 3:
        return float("nan")
    return float(np.std(d))


def outcome(history: dict[str, list], prep: Prepared) -> dict[str, Any]:
    """Scale-free outcome numbers of a run from its epoch logs and validation targets."""
    loss = _finite(history.get("loss", []))
    vloss = _finite(history.get("val_loss", []))
    nonfinite = bool(np.any(~np.isfinite(loss)) or np.any(~np.isfinite(vloss)))
    res: dict[str, Any] = {
        "epochs_run": len(loss),
        "nonfinite": nonfinite,
        "final_loss": float(loss[-1]) if loss.size else float("nan"),
        "final_val_loss": float(vloss[-1]) if vloss.size else float("nan"),
        "best_val_loss": float(np.nanmin(vloss)) if np.any(np.isfinite(vloss)) else float("nan"),
        "u_loss": unsteadiness(history.get("loss", [])),
        "u_val_loss": unsteadiness(history.get("val_loss", [])),
    }
    if prep.task == REGRESSION:
        var = float(np.var(prep.y_val))
        res["val_target_var"] = var
        # quality = val MSE / var(val targets) = 1 - R^2; lower is better
        res["q_best"] = res["best_val_loss"] / var
        res["q_final"] = res["final_val_loss"] / var
    else:
        acc = _finite(history.get("val_accuracy", []))
        ok = np.isfinite(acc)
        res["best_val_accuracy"] = float(np.max(acc[ok])) if ok.any() else float("nan")
        res["final_val_accuracy"] = float(acc[-1]) if acc.size else float("nan")
        # quality = validation error rate (1 - accuracy); lower is better
        res["q_best"] = 1.0 - res["best_val_accuracy"]
        res["q_final"] = 1.0 - res["final_val_accuracy"]
    return res


# Visible criterion (fixed before any diagnosis existed; see fixtures/corpus/README.md).
DEGRADE_RATIO = 1.5
DEGRADE_ABS = 0.02
UNSTEADY_RATIO = 2.0
UNSTEADY_ABS = 0.03
OVERFIT_RISE = 1.2
OVERFIT_RATIO = 2.0


def _nan_to(v: Any, default: float) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def visible_flags(run: dict[str, Any], base: dict[str, Any]) -> dict[str, bool]:
    """Compare a run with its matching healthy baseline run (same dataset, model, seed).

    * diverged: a non-finite loss or val_loss anywhere in the epoch logs;
    * degraded: scale-free quality q (1-R^2, or 1-accuracy) at the best or the final epoch
      worse than the baseline's: ``q > 1.5 * q_base + 0.02``;
    * unsteady: unsteadiness u (std of epoch-to-epoch changes in log loss over the second
      half of the run) of loss or val_loss ``u > 2 * u_base`` and ``u > 0.03``;
    * overfit: the val loss ends well above its own minimum, ``r = final/best val loss``,
      ``r > 1.2`` and ``r - 1 > 2 * (r_base - 1)``.

    (The batch-level flag, ``unsteady_batch``, is added by ``make_corpus.add_flags``.)
    """
    diverged = str(run.get("nonfinite")).lower() == "true"
    degraded = False
    for key in ("q_best", "q_final"):
        q = _nan_to(run.get(key), math.inf)
        qb = _nan_to(base.get(key), math.inf)
        if math.isfinite(qb) and q > DEGRADE_RATIO * qb + DEGRADE_ABS:
            degraded = True
    unsteady = False
    for key in ("u_loss", "u_val_loss"):
        u = _nan_to(run.get(key), math.nan)
        ub = _nan_to(base.get(key), math.nan)
        if math.isfinite(u) and math.isfinite(ub) and u > UNSTEADY_RATIO * ub and u > UNSTEADY_ABS:
            unsteady = True
    rise = _nan_to(run.get("final_val_loss"), math.nan) / _nan_to(
        run.get("best_val_loss"), math.nan
    )
    rise_b = _nan_to(base.get("final_val_loss"), math.nan) / _nan_to(
        base.get("best_val_loss"), math.nan
    )
    overfit = bool(
        math.isfinite(rise)
        and math.isfinite(rise_b)
        and rise > OVERFIT_RISE
        and rise - 1 > OVERFIT_RATIO * (rise_b - 1)
    )
    return {"diverged": diverged, "degraded": degraded, "unsteady": unsteady, "overfit": overfit}


# ----------------------------------------------------------------------------------------
# Compact storage
# ----------------------------------------------------------------------------------------


def round_floats(obj: Any, digits: int = 6) -> Any:
    """Round every float in a JSON-like object to ``digits`` significant digits."""
    if isinstance(obj, float):
        if not math.isfinite(obj) or obj == 0.0:
            return obj
        return float(f"{obj:.{digits}g}")
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, list):
        return [round_floats(v, digits) for v in obj]
    return obj


def write_gz_json(obj: Any, path: Path, digits: int = 6) -> int:
    """Write ``obj`` (floats rounded) as compact gzip JSON atomically; return bytes written."""
    data = json.dumps(round_floats(obj, digits), separators=(",", ":"), allow_nan=False)
    tmp = path.with_name(path.name + ".tmp")
    # mtime=0: identical content gives identical bytes
    with (
        open(tmp, "wb") as fh,
        gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        gz.write(data.encode())
    os.replace(tmp, path)
    return path.stat().st_size
