"""A noisy price series, an LSTM trained on raw prices, diagnosed, fixed, and compared.

The classic way to get a fluctuating (or stuck) training curve: feed an LSTM prices in
the thousands and ask it to predict the next price with an MSE loss. This script

1. generates a noisy, price-like random walk (levels in the thousands);
2. trains a small LSTM on the raw prices, recording the run with ``CurveRecorder``;
3. diagnoses the run with ``curvedoc.diagnose`` and prints the report;
4. retrains with the fixes the report suggests: inputs and targets scaled with a
   ``MinMaxScaler`` fitted on the training split only (predictions inverse-transformed
   back to prices), dropout, and ``EarlyStopping(restore_best_weights=True)``;
5. runs ``curvedoc compare`` on the two recordings, and prints both models' validation
   error in price units (the one number the two runs share, since their losses are in
   different units).

Run it (needs the keras extra; about a minute on a laptop CPU)::

    python examples/lstm_prices.py [--out lstm_prices_runs] [--epochs 30] [--seed 7]

Nothing here is tuned to make the diagnosis come out a certain way: the setup is the
ordinary first attempt people post when asking why their curve looks wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter down

SEQ_LEN = 20


def price_series(n: int, seed: int) -> np.ndarray:
    """Make a noisy price-like random walk: drift, volatility clusters, quote noise."""
    rng = np.random.default_rng(seed)
    vol = 0.01 * np.exp(np.convolve(rng.normal(0, 0.5, n), np.ones(20) / 20, mode="same"))
    log_returns = 0.0004 + vol * rng.standard_normal(n)
    price = 3000.0 * np.exp(np.cumsum(log_returns))
    return price + rng.normal(0, 15.0, n)  # quote noise on top


def windows(series: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows: ``seq_len`` prices in, the next price out."""
    idx = np.arange(seq_len)[None, :] + np.arange(series.shape[0] - seq_len)[:, None]
    x = series[idx][..., None].astype("float32")
    y = series[seq_len:].reshape(-1, 1).astype("float32")
    return x, y


def build_model(keras, *, dropout: float) -> object:
    """One small LSTM layer and a linear head (dropout optional)."""
    layers = [keras.Input((SEQ_LEN, 1)), keras.layers.LSTM(32, dropout=dropout)]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


def main(argv: list[str] | None = None) -> int:
    """Train, diagnose, fix, compare; returns the ``curvedoc compare`` exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("lstm_prices_runs"))
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--points", type=int, default=1800, help="length of the price series")
    args = ap.parse_args(argv)

    import keras
    from sklearn.preprocessing import MinMaxScaler

    import curvedoc
    from curvedoc.cli import main as curvedoc_cli
    from curvedoc.keras import CurveRecorder
    from curvedoc.render.html import render_html
    from curvedoc.render.terminal import render_terminal

    keras.utils.set_random_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    prices = price_series(args.points, args.seed)
    split = int(0.8 * prices.shape[0])  # chronological: the last 20 % is validation
    x_train, y_train = windows(prices[:split], SEQ_LEN)
    x_val, y_val = windows(prices[split - SEQ_LEN :], SEQ_LEN)
    print(
        f"{prices.shape[0]} prices from {prices.min():,.0f} to {prices.max():,.0f}; "
        f"{len(x_train)} training and {len(x_val)} validation windows"
    )

    # 1. the first attempt: raw prices in, raw prices out
    raw_path = args.out / "raw.curvedoc.json"
    t0 = time.perf_counter()
    model = build_model(keras, dropout=0.0)
    model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=args.epochs,
        batch_size=32,
        verbose=0,
        callbacks=[CurveRecorder(raw_path, data=x_train, targets=y_train)],
    )
    raw_rmse = float(np.sqrt(np.mean((model.predict(x_val, verbose=0) - y_val) ** 2)))
    print(f"\n[1] raw prices: trained in {time.perf_counter() - t0:.0f}s -> {raw_path}\n")

    report = curvedoc.diagnose(curvedoc.load(raw_path))
    sys.stdout.write(render_terminal(report, color=sys.stdout.isatty()))
    html_path = args.out / "raw.html"
    html_path.write_text(render_html(report), encoding="utf-8")  # plots with the html extra
    print(f"    HTML report with plots: {html_path}")

    # 2. the fixes: scale (fit on the training split only), dropout, early stopping
    scaler = MinMaxScaler().fit(prices[:split].reshape(-1, 1))

    def scale(a: np.ndarray) -> np.ndarray:
        return scaler.transform(a.reshape(-1, 1)).reshape(a.shape).astype("float32")

    xs_train, ys_train, xs_val, ys_val = scale(x_train), scale(y_train), scale(x_val), scale(y_val)
    fixed_path = args.out / "scaled.curvedoc.json"
    t0 = time.perf_counter()
    model = build_model(keras, dropout=0.2)
    early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=8, restore_best_weights=True)
    model.fit(
        xs_train,
        ys_train,
        validation_data=(xs_val, ys_val),
        epochs=args.epochs,
        batch_size=32,
        verbose=0,
        callbacks=[early, CurveRecorder(fixed_path, data=xs_train, targets=ys_train)],
    )
    pred = scaler.inverse_transform(model.predict(xs_val, verbose=0))  # back to prices
    fixed_rmse = float(np.sqrt(np.mean((pred - y_val) ** 2)))
    print(f"\n[2] scaled + dropout + early stopping: trained in {time.perf_counter() - t0:.0f}s")
    print(f"    -> {fixed_path}\n")

    # 3. did it help?
    print(f"$ curvedoc compare {raw_path} {fixed_path}\n")
    status = curvedoc_cli(["compare", str(raw_path), str(fixed_path)])
    curvedoc_cli(["compare", str(raw_path), str(fixed_path), "-o", str(args.out / "compare.html")])
    print(
        f"\nValidation RMSE in price units (comparable across both runs): "
        f"raw {raw_rmse:,.1f}, scaled {fixed_rmse:,.1f}"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
