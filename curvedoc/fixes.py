"""Concrete fixes, as copy-pasteable Keras / scikit-learn code, tailored to the context.

Each function takes the run's :class:`~curvedoc.context.ContextFacts` (empty when nothing
was recorded) and returns a :class:`~curvedoc.report.Fix` whose text quotes the recorded
values where they exist ("learning_rate is 0.08 with Adam: try 1e-3 ...").
"""

from __future__ import annotations

from curvedoc.context import ContextFacts, lr_range
from curvedoc.report import Fix


def fmt_num(x: float | None) -> str:
    """Short human form of a number: 8760 -> '8,760', 0.00012 -> '1.2e-04'."""
    if x is None:
        return "?"
    ax = abs(x)
    if ax == 0:
        return "0"
    if ax >= 1e6 or ax < 1e-3:
        return f"{x:.2g}" if ax < 1e-3 else f"{x:,.3g}"
    if ax >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _opt(f: ContextFacts) -> str:
    return f.optimizer or "the optimizer"


def _opt_ctor(f: ContextFacts, lr: str) -> str:
    name = f.optimizer or "Adam"
    return f"keras.optimizers.{name}(learning_rate={lr})"


def lower_learning_rate(f: ContextFacts) -> Fix:
    """Lower the learning rate (tailored to the optimizer and recorded value)."""
    lo, hi = f.lr_range
    if f.learning_rate is not None and f.optimizer is None:
        target = f.learning_rate / 10
        text = (
            f"learning_rate is {fmt_num(f.learning_rate)}: try 3-10x lower "
            f"({fmt_num(target)} to {fmt_num(f.learning_rate / 3)}; Adam and RMSprop work "
            "best near 1e-3), or let ReduceLROnPlateau(factor=0.5, patience=3) lower it"
        )
        lr = fmt_num(target)
    elif f.learning_rate is not None:
        target = min(hi, f.learning_rate / 10)
        text = (
            f"learning_rate is {fmt_num(f.learning_rate)} with {_opt(f)}: try "
            f"{fmt_num(max(lo, target / 3))} to {fmt_num(target)}, or let "
            "ReduceLROnPlateau(factor=0.5, patience=3) lower it when validation stalls"
        )
        lr = fmt_num(target)
    else:
        text = (
            "Lower the learning rate 3-10x (Adam/RMSprop: 1e-3 or less), or let "
            "ReduceLROnPlateau(factor=0.5, patience=3) lower it when validation stalls"
        )
        lr = "1e-3"
    code = (
        f"model.compile(optimizer={_opt_ctor(f, lr)}, loss=...)\n"
        'reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)\n'
        "model.fit(..., callbacks=[reduce_lr])"
    )
    return Fix(text, code)


def raise_learning_rate(f: ContextFacts) -> Fix:
    """Raise the learning rate (tailored)."""
    lo, hi = f.lr_range if f.optimizer else lr_range("adam")
    if f.learning_rate is not None:
        target = max(lo, min(hi, f.learning_rate * 10))
        text = (
            f"learning_rate is {fmt_num(f.learning_rate)} with {_opt(f)}: training barely "
            f"moves; try {fmt_num(target)} (typical range {fmt_num(lo)} to {fmt_num(hi)})"
        )
        lr = fmt_num(target)
    else:
        text = "Raise the learning rate (Adam/RMSprop: try 1e-3); the loss falls too slowly to converge"
        lr = "1e-3"
    return Fix(text, f"model.compile(optimizer={_opt_ctor(f, lr)}, loss=...)")


def _sane_lr(f: ContextFacts) -> str:
    """The recorded learning rate capped at the top of its optimizer's typical range."""
    if f.learning_rate is None:
        return "1e-3"
    _, hi = f.lr_range
    return fmt_num(min(f.learning_rate, hi))


def clip_gradients(f: ContextFacts) -> Fix:
    """Gradient clipping, the standard guard for recurrent nets."""
    lr = _sane_lr(f)
    return Fix(
        "Clip gradients (recurrent nets are prone to exploding gradients): clipnorm=1.0",
        f"optimizer = keras.optimizers.{f.optimizer or 'Adam'}(learning_rate={lr}, clipnorm=1.0)",
    )


def warmup_or_schedule(f: ContextFacts) -> Fix:
    """A decaying schedule for a run that bounces late."""
    lr = _sane_lr(f)
    return Fix(
        "Decay the learning rate as training proceeds so late epochs take smaller steps",
        "schedule = keras.optimizers.schedules.CosineDecay(\n"
        f"    initial_learning_rate={lr}, decay_steps=steps_per_epoch * epochs)\n"
        f"optimizer = keras.optimizers.{f.optimizer or 'Adam'}(learning_rate=schedule)",
    )


def _feature_scaler_code(scaler: str) -> str:
    """Code that fits a scikit-learn scaler per input feature (last axis).

    Fitted on the training split, applied to both splits, whatever the input's rank.
    """
    return (
        f"from sklearn.preprocessing import {scaler}\n"
        "n_feat = x_train.shape[-1]\n"
        f"scaler = {scaler}().fit(x_train.reshape(-1, n_feat))\n"
        "x_train = scaler.transform(x_train.reshape(-1, n_feat)).reshape(x_train.shape)\n"
        "x_val = scaler.transform(x_val.reshape(-1, n_feat)).reshape(x_val.shape)"
    )


def scale_features(f: ContextFacts) -> Fix:
    """Scale inputs (fit on the training split only)."""
    if f.input_rms_max is not None and f.input_rms_max > 4:
        where = f"inputs reach {fmt_num(f.input_max_abs)}"
        if f.input_rms_ratio and f.input_rms_ratio > 10:
            where += f" and feature scales differ {fmt_num(f.input_rms_ratio)}x"
        text = f"{where}: standardise every feature (fit the scaler on the training split only)"
    else:
        text = "Standardise or min-max scale every input feature (fit the scaler on the training split only)"
    return Fix(text, _feature_scaler_code("StandardScaler"))


def scale_targets(f: ContextFacts) -> Fix:
    """Scale regression targets and inverse-transform predictions."""
    if f.target_rms is not None and f.target_rms > 4 and f.loss_kind == "squared":
        text = (
            f"targets reach {fmt_num(f.target_max_abs)} while the loss is {f.loss}: scale the "
            "targets (fit on the training split only) and inverse-transform predictions"
        )
    elif f.target_rms is not None and f.target_rms > 4:
        text = (
            f"targets reach {fmt_num(f.target_max_abs)}: scale them (fit on the training split "
            "only) and inverse-transform predictions"
        )
    else:
        text = (
            "Scale the targets too (fit on the training split only) and inverse-transform "
            "predictions back to the original units"
        )
    code = (
        "from sklearn.preprocessing import MinMaxScaler\n"
        "y_scaler = MinMaxScaler().fit(y_train.reshape(-1, 1))\n"
        "y_train_s = y_scaler.transform(y_train.reshape(-1, 1))\n"
        "y_val_s = y_scaler.transform(y_val.reshape(-1, 1))\n"
        "model.fit(x_train, y_train_s, validation_data=(x_val, y_val_s), ...)\n"
        "y_pred = y_scaler.inverse_transform(model.predict(x_test))"
    )
    return Fix(text, code)


def normalization_layer(f: ContextFacts) -> Fix:
    """An in-model Normalization layer, adapted on training data."""
    return Fix(
        "Or scale inside the model with a Normalization layer adapted on the training data",
        "norm = keras.layers.Normalization(axis=-1)\n"
        "norm.adapt(x_train)\n"
        "model = keras.Sequential([keras.Input(x_train.shape[1:]), norm, keras.layers.LSTM(64), keras.layers.Dense(1)])",
    )


def more_data(f: ContextFacts) -> Fix:
    """Get more data, or augment / use overlapping windows."""
    if f.train_samples is not None:
        text = (
            f"{f.train_samples:,} training samples is little for this model: gather more, "
            "use overlapping windows (stride 1) for sequences, or augment (jitter, scaling)"
        )
    else:
        text = (
            "Use more training data: overlapping windows (stride 1) for sequences, or augmentation"
        )
    code = (
        "def windows(series, length, stride=1):\n"
        "    idx = np.arange(0, len(series) - length, stride)\n"
        "    return np.stack([series[i:i + length] for i in idx]), series[idx + length]"
    )
    return Fix(text, code)


def dropout(f: ContextFacts) -> Fix:
    """Dropout / recurrent_dropout on recurrent layers."""
    units = f.recurrent_units[0] if f.recurrent_units else 64
    if f.dropout is not None and f.dropout == 0 and f.recurrent_layers:
        text = (
            f"{f.recurrent_layers} recurrent layer(s) and no dropout: add dropout and "
            "recurrent_dropout (0.2-0.3) and a Dropout layer before the head"
        )
    else:
        text = "Regularise: dropout / recurrent_dropout 0.2-0.3 on recurrent layers, Dropout before the head"
    code = (
        f"keras.layers.LSTM({units}, dropout=0.2, recurrent_dropout=0.2, return_sequences=True),\n"
        "keras.layers.Dropout(0.2),"
    )
    return Fix(text, code)


def smaller_model(f: ContextFacts) -> Fix:
    """Fewer units or layers."""
    if f.params is not None and f.train_samples is not None:
        arch = ""
        if f.recurrent_units:
            units = ", ".join(str(u) for u in f.recurrent_units)
            arch = f"{len(f.recurrent_units)} recurrent layer(s) ({units} units) = "
        text = (
            f"{arch}{fmt_num(f.params)} parameters for {f.train_samples:,} training samples: "
            "use fewer units or layers (start with one layer of 32-64 units)"
        )
    else:
        text = "Use a smaller model: fewer units or layers (one recurrent layer of 32-64 units is a good start)"
    return Fix(
        text,
        "model = keras.Sequential([\n"
        "    keras.Input(shape=x_train.shape[1:]),\n"
        "    keras.layers.LSTM(32, dropout=0.2, recurrent_dropout=0.2),\n"
        "    keras.layers.Dense(1),\n"
        "])",
    )


def early_stopping(f: ContextFacts) -> Fix:
    """EarlyStopping with restore_best_weights."""
    return Fix(
        "Stop when validation stops improving and keep the best weights",
        'early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10,\n'
        "                                      restore_best_weights=True)\n"
        "model.fit(..., callbacks=[early])",
    )


def weight_decay(f: ContextFacts) -> Fix:
    """L2 regularisation / weight decay."""
    return Fix(
        "Add weight decay (AdamW) or L2 kernel regularisation",
        "optimizer = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4)\n"
        "# or: keras.layers.LSTM(64, kernel_regularizer=keras.regularizers.l2(1e-4))",
    )


def larger_batch(f: ContextFacts) -> Fix:
    """Larger batches average out gradient noise."""
    if f.batch_size is not None:
        target = max(16, f.batch_size * 8)
        text = (
            f"batch_size is {f.batch_size}: each step follows a handful of samples; try "
            f"{min(target, 64)}-{min(target * 2, 128)} (and scale the learning rate with it)"
        )
        bs = str(min(target, 64))
    else:
        text = "Use larger batches (32-128) so each gradient step averages more samples"
        bs = "64"
    return Fix(text, f"model.fit(x_train, y_train, batch_size={bs}, ...)")


def smaller_batch(f: ContextFacts) -> Fix:
    """Smaller batches give more updates per epoch."""
    if f.batch_size is not None:
        text = (
            f"batch_size is {f.batch_size:,}"
            + (f" ({f.steps_per_epoch} step(s) per epoch)" if f.steps_per_epoch else "")
            + ": too few updates per epoch; try 32-128 (or raise the learning rate with the batch)"
        )
    else:
        text = "Use smaller batches (32-128) for more updates per epoch, or raise the learning rate"
    return Fix(text, "model.fit(x_train, y_train, batch_size=32, ...)")


def more_epochs(f: ContextFacts) -> Fix:
    """Train longer (the loss still falls)."""
    return Fix(
        "The loss was still falling when training ended: train for more epochs, with EarlyStopping as a guard",
        "model.fit(..., epochs=200, callbacks=[keras.callbacks.EarlyStopping(\n"
        '    monitor="val_loss", patience=15, restore_best_weights=True)])',
    )


def huber_loss(f: ContextFacts) -> Fix:
    """A robust loss against outliers."""
    loss = f" instead of {f.loss}" if f.loss else ""
    return Fix(
        f"Use a loss that outliers cannot dominate: Huber{loss}",
        "model.compile(optimizer=..., loss=keras.losses.Huber(delta=1.0))",
    )


def clean_outliers(f: ContextFacts) -> Fix:
    """Find and clip/remove outliers in the training targets."""
    return Fix(
        "Find the outliers in the training data: clip or remove extreme targets, or winsorise",
        "lo, hi = np.percentile(y_train, [1, 99])\ny_train = np.clip(y_train, lo, hi)",
    )


def clip_input_outliers(f: ContextFacts) -> Fix:
    """Find and clip or drop input outliers (glitches, sentinels, unit mix-ups)."""
    return Fix(
        "Find the samples with extreme inputs (sensor glitches, sentinel values such as -999, "
        "unit mix-ups) and drop them, or clip each continuous feature to its 0.5-99.5 % range "
        "(not one-hot or other sparse columns: clipping would zero them)",
        "flat = x_train.reshape(-1, x_train.shape[-1])\n"
        "lo, hi = np.percentile(flat, [0.5, 99.5], axis=0)\n"
        "x_train, x_val = np.clip(x_train, lo, hi), np.clip(x_val, lo, hi)",
    )


def robust_scaling(f: ContextFacts) -> Fix:
    """Scale with medians and quantiles, which outliers do not move."""
    return Fix(
        "Scale with medians and quantiles (RobustScaler), which a few outliers cannot stretch",
        _feature_scaler_code("RobustScaler"),
    )


def clean_labels(f: ContextFacts) -> Fix:
    """Label noise: check labels, label smoothing."""
    return Fix(
        "Check the labels for noise (review a sample of the worst-fit examples); label smoothing softens the damage",
        "model.compile(optimizer=..., loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1))\n"
        "# per-sample losses point at suspicious labels:\n"
        "per_sample = keras.losses.sparse_categorical_crossentropy(y_train, model.predict(x_train))\n"
        "suspects = np.argsort(per_sample)[-50:]",
    )


def denoise_inputs(f: ContextFacts) -> Fix:
    """Smooth noisy sequences."""
    return Fix(
        "Smooth noisy input sequences (a rolling mean) or add GaussianNoise for robustness",
        "import pandas as pd\n"
        "smoothed = pd.Series(series).rolling(5, center=True, min_periods=1).mean().to_numpy()\n"
        "# or inside the model: keras.layers.GaussianNoise(0.05)",
    )


def larger_validation(f: ContextFacts) -> Fix:
    """A bigger validation split."""
    if f.val_samples is not None:
        text = (
            f"the validation set has {f.val_samples:,} samples: its loss moves with a handful of "
            "examples; use 10-20 % of the data (at least a few hundred samples)"
        )
    else:
        text = "Use a larger validation set (10-20 % of the data, at least a few hundred samples) so its loss is a steady signal"
    return Fix(text, "model.fit(x, y, validation_split=0.2, ...)")


def smooth_monitoring(f: ContextFacts) -> Fix:
    """Judge by a smoothed validation curve, not single epochs."""
    return Fix(
        "Judge progress by a smoothed validation curve and give EarlyStopping patience",
        'keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, min_delta=1e-4,\n'
        "                              restore_best_weights=True)",
    )


def loss_for_task(f: ContextFacts) -> Fix:
    """A loss and an output layer that fit the task."""
    k = f.n_classes
    if k is not None and k > 2:
        text = (
            f"a {k}-class classifier wants a softmax output and a cross-entropy loss "
            f"(the compiled loss is {f.loss or 'not recorded'})"
        )
        code = (
            f'keras.layers.Dense({k}, activation="softmax"),  # the output layer\n'
            'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",\n'
            '              metrics=["accuracy"])'
        )
    elif k == 2:
        text = "a binary classifier wants one sigmoid unit and binary cross-entropy"
        code = (
            'keras.layers.Dense(1, activation="sigmoid"),  # the output layer\n'
            'model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])'
        )
    else:
        text = (
            "Match the loss to the task and the output layer: softmax + cross-entropy for "
            "classes (or a linear output with from_logits=True), a linear output + MSE for "
            "numbers"
        )
        code = (
            "keras.layers.Dense(n_classes),  # linear output: logits\n"
            'model.compile(optimizer="adam",\n'
            "              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),\n"
            '              metrics=["accuracy"])'
        )
    return Fix(text, code)


def linear_output(f: ContextFacts) -> Fix:
    """A linear output layer for a regression."""
    act = f.output_activation or "a squashing"
    return Fix(
        f"the output layer has {act} activation, which cannot reach standardised targets "
        "(negative or beyond 1): use a linear output for a regression",
        "keras.layers.Dense(1),  # linear output for regression targets",
    )


def relu_activations(f: ContextFacts) -> Fix:
    """Non-saturating activations in deep stacks."""
    n = sum(a in ("sigmoid", "tanh", "hard_sigmoid") for a in f.hidden_activations)
    what = f"{n} hidden layers use sigmoid/tanh" if n else "saturating hidden activations"
    return Fix(
        f"{what}: their gradients vanish through a deep stack; use relu (or gelu) with "
        "he_normal initialisation, or add BatchNormalization",
        'keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),\n'
        "keras.layers.BatchNormalization(),",
    )


def wider_model(f: ContextFacts) -> Fix:
    """More capacity for a model too small to fit the data."""
    width = f"the narrowest layer has {f.min_units} unit(s)" if f.min_units else "the model is tiny"
    return Fix(
        f"{width}: it cannot represent the pattern; use 32-128 units per layer",
        'keras.layers.Dense(64, activation="relu"),  # or LSTM(64) / Conv1D(64, 5)',
    )


def sgd_momentum(f: ContextFacts) -> Fix:
    """Momentum (or Adam) for plain SGD at a low rate."""
    lr = fmt_num(f.learning_rate) if f.learning_rate is not None else "a low rate"
    return Fix(
        f"plain SGD at {lr} takes tiny steps: add momentum=0.9 (and/or raise the rate to "
        "0.01-0.1), or switch to Adam at 1e-3",
        "optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)\n"
        "# or: keras.optimizers.Adam(learning_rate=1e-3)",
    )


DEFAULT_FIXES = {
    "unscaled_data": (scale_features, scale_targets, more_data),
    "architecture": (early_stopping, dropout, smaller_model),
    "hyperparameters": (lower_learning_rate, raise_learning_rate, larger_batch),
    "data_noise": (clean_labels, clean_outliers, larger_validation),
}
"""The usual first fixes of each category, for a cause the curves point at without a
finding of its own to name one."""

CATEGORY_FIXES = {
    "unscaled_data": (scale_features, scale_targets, normalization_layer, more_data),
    "architecture": (
        dropout,
        smaller_model,
        early_stopping,
        weight_decay,
        loss_for_task,
        linear_output,
        relu_activations,
        wider_model,
    ),
    "hyperparameters": (
        lower_learning_rate,
        raise_learning_rate,
        clip_gradients,
        warmup_or_schedule,
        larger_batch,
        smaller_batch,
        more_epochs,
        sgd_momentum,
    ),
    "data_noise": (
        clean_labels,
        clean_outliers,
        huber_loss,
        denoise_inputs,
        clip_input_outliers,
        robust_scaling,
        larger_validation,
        smooth_monitoring,
    ),
}
"""Which category each fix acts on. A finding can serve several causes (a loss that did not
move: unscaled inputs, or a learning rate far too low) and lists the fixes of all of them;
a cause shows the fixes that act on its own category first."""
