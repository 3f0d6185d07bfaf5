"""Train curvedoc's broad labelled corpus: real Keras runs of many families under graded faults.

Cells are (dataset, model family) pairs. The **calibration** cells (22: recurrent, 1-D
convolutional and dense nets on sequences, dense nets on tables and images, 2-D
convolutional nets on digit images) are what the diagnosis is built and fitted on. The
**held-out** cells (10) use six datasets *and* four model families that appear nowhere in
calibration (temporal convolutional nets, bidirectional GRUs with pooling, MLPs with batch
normalisation, all-convolutional 2-D nets with global pooling); they are generated only
after the rules and weights are frozen (``--split heldout``) and measured once. Each
later held-out split brings five datasets and four families found in no other split,
written after the previous held-out was examined: ``heldout2`` (8 cells: GRU with layer
normalisation, separable 1-D and 2-D convolutions, MLP with layer normalisation) and
``heldout3`` (7 cells: LSTM with attention, a small transformer encoder, residual MLPs,
residual 2-D convolutional nets, on a chaotic Lorenz series, radio modulations, texture
patches, the 1996 US election survey and concrete strength), ``heldout4`` (7 cells:
residual LSTM stacks, 1-D inception nets, gated (GLU) MLPs, densely connected 2-D
convolutional nets, on the Mackey-Glass delay series, harbour tides, one-hot DNA reads,
die faces and battery capacity fade), ``heldout5`` (7 cells: LSTM encoder-decoders,
VGG-style 1-D convolutional nets, highway MLPs, depthwise-separable 2-D convolutional
nets, on a glucose monitor with meals and insulin, predator-prey survey counts,
three-component seismograms, a star catalogue and compass photos), ``heldout6`` (7
cells, written after the fifth held-out was measured and examined: convolutional LSTMs
over frames of a sequence, 1-D convolutional nets with squeeze-and-excitation gates,
MLP-Mixers on image patches, self-normalising SELU MLPs, on a runner's heart rate, daily
cases of a seasonal epidemic, bird calls from a pitch tracker, wafer bin maps and ship
fuel consumption), ``heldout7`` (7 cells, written after the sixth held-out was measured
and examined: stacked bidirectional LSTMs, WaveNet-style gated dilated convolutional nets,
wide-and-deep MLPs, small vision transformers, on a wind turbine's power, an office's
heated room temperature, power-quality disturbances of the mains supply, galaxy
morphologies and a farm survey's crops), ``heldout8`` (6 cells, written after the
seventh held-out was measured and examined: stacked GRUs whose upper layers read every
other step, ResNeXt-style 1-D nets of grouped convolutions, maxout MLPs,
network-in-network 2-D convolutional nets, on a stirred-tank reactor's controlled
temperature, keystroke timings of typists, blood-smear cells, households' yearly energy
use and personal-loan defaults), ``heldout9`` (6 cells, written after the eighth
held-out was measured and examined: convolutional GRUs with attention pooling, fully
convolutional 1-D nets with batch normalisation, TabNet-like MLPs with learned feature
masks, SqueezeNet-style 2-D nets of fire modules, on an electric car's speed, sleep stages
from EEG, EOG and EMG, particles' hit maps in a pixel detector, trees' biomass from a
forest inventory and network flow records), ``heldout10`` (6 cells, written after the
ninth held-out was measured and examined: quasi-recurrent nets of convolutional gates and
fo-pooling, ConvNeXt-style 1-D nets, MLPs on learned periodic feature embeddings, 2-D nets
with spatial pyramid pooling, on a pick-and-place robot arm's motor current, seam defects
from a welding process monitor, fingerprints' Henry classes, wheat protein from
near-infrared spectra and emergency-department triage levels), ``heldout11`` (6 cells,
written after the tenth held-out was measured and examined: independently recurrent nets
(IndRNN), U-Net-style 1-D encoder-decoders, mixture-of-experts MLPs, ShuffleNet-style 2-D
nets, on a hydroponic greenhouse's nutrient conductivity, a roadside station's PM2.5,
mine-hunting sonar contacts, handwritten music symbols and milling inserts' flank wear),
``heldout12`` (6 cells, written after the eleventh held-out was measured and examined:
dilated recurrent nets of GRUs over interleaved sub-sequences, N-BEATS-style stacks of
backcast and forecast blocks, MLPs with feature-wise linear modulation (FiLM) by the
inputs, GhostNet-style 2-D nets, on a water distribution zone's critical pressure, a
beehive's weight, forearm EMG of hand gestures, satellite land-cover patches and a dairy
herd's health findings) and ``heldout13`` (6 cells, written after the twelfth held-out was
measured and examined: hierarchical recurrent nets of GRUs within and across chunks,
Res2Net-style 1-D nets, DenseNet-style MLPs, 2-D nets of atrous spatial pyramid pooling,
on a refrigerated warehouse's room temperature, a brewery fermenter's gravity, a car's
sensors over road surfaces, weather radar echoes and used cars' sale prices).
The recipes (faults and gradations per cell) are the same in every split.

Every cell has five healthy recipes and faults from the four cause categories in
gradations around the usual thresholds (learning rate 1x-100x the optimizer's usual range
and 1/10-1/100 of it, batch sizes 16 to 2, label and target noise 5-25 %, training sets of
50-200 samples, capacity from 2 units to huge, input scales 3x-1000x, saturating
activations, losses that do not fit the task, plain SGD at a low rate, too few epochs).
Every run is recorded with ``curvedoc.keras.CurveRecorder`` and stored as
``fixtures/corpus2/runs/<run_id>.json.gz``; ``fixtures/corpus2/manifest.csv`` has one row
per run: its fault, gradation, every knob, outcome numbers, curve symptoms and labels
(``benchmarks/corpus2_lib.py``: :func:`label_run`, :func:`curve_symptoms`), all computed
from the runs themselves, never from a diagnosis.

Usage::

    nice -n 10 python benchmarks/make_corpus.py --workers 2        # calibration (resumable)
    nice -n 10 python benchmarks/make_corpus.py --max-minutes 110  # one part of < 2 h
    nice -n 10 python benchmarks/make_corpus.py --split heldout    # after the freeze only
    nice -n 10 python benchmarks/make_corpus.py --split heldout3   # after the next freeze
    nice -n 10 python benchmarks/make_corpus.py --split heldout4   # after the freeze after that
    nice -n 10 python benchmarks/make_corpus.py --split heldout5   # after the next freeze
    nice -n 10 python benchmarks/make_corpus.py --split heldout6   # after the freeze after that
    nice -n 10 python benchmarks/make_corpus.py --split heldout7   # after the next freeze
    nice -n 10 python benchmarks/make_corpus.py --split heldout8   # after the next freeze
    nice -n 10 python benchmarks/make_corpus.py --split heldout9   # after the freeze after that
    nice -n 10 python benchmarks/make_corpus.py --split heldout10  # after the next freeze
    nice -n 10 python benchmarks/make_corpus.py --split heldout11  # after the freeze after that
    nice -n 10 python benchmarks/make_corpus.py --split heldout12  # after the next freeze
    nice -n 10 python benchmarks/make_corpus.py --split heldout13  # after the freeze after that
    python benchmarks/make_corpus.py --list --split all            # print the matrix
    python benchmarks/make_corpus.py --quick                       # smoke test, temp dir
    python benchmarks/make_corpus.py --manifest-only               # recompute the labels
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fnmatch
import json
import math
import os
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import corpus2_lib as c2  # noqa: E402
import corpus_lib as cl  # noqa: E402

DEFAULT_OUT = ROOT / "fixtures" / "corpus2"
MAX_RUNS_PER_WORKER = 40
"""Runs a worker process trains before it is replaced (bounds TensorFlow's memory growth)."""
CALIBRATION = "calibration"
HELDOUT = "heldout"
HELDOUT2 = "heldout2"
HELDOUT3 = "heldout3"
HELDOUT4 = "heldout4"
HELDOUT5 = "heldout5"
HELDOUT6 = "heldout6"
HELDOUT7 = "heldout7"
HELDOUT8 = "heldout8"
HELDOUT9 = "heldout9"
HELDOUT10 = "heldout10"
HELDOUT11 = "heldout11"
HELDOUT12 = "heldout12"
HELDOUT13 = "heldout13"
SEEDS = {
    CALIBRATION: (1, 2),
    HELDOUT: (21, 22),
    HELDOUT2: (31,),
    HELDOUT3: (41,),
    HELDOUT4: (51,),
    HELDOUT5: (61,),
    HELDOUT6: (71,),
    HELDOUT7: (81,),
    HELDOUT8: (91,),
    HELDOUT9: (101,),
    HELDOUT10: (111,),
    HELDOUT11: (121,),
    HELDOUT12: (131,),
    HELDOUT13: (141,),
}

CELLS: dict[str, tuple[tuple[str, str], ...]] = {
    CALIBRATION: (
        ("sine", "lstm"),
        ("sine", "cnn1d"),
        ("price", "gru"),
        ("price", "mlp"),
        ("co2", "lstm"),
        ("co2", "simplernn"),
        ("sensors", "gru"),
        ("sensors", "cnn1d"),
        ("power_load", "conv_gru"),
        ("power_load", "lstm"),
        ("waveforms", "gru"),
        ("waveforms", "cnn1d"),
        ("activity", "lstm"),
        ("activity", "mlp"),
        ("ecg", "conv_gru"),
        ("ecg", "cnn1d"),
        ("digits_img", "mlp"),
        ("digits_img", "cnn2d"),
        ("breast_cancer_tab", "mlp"),
        ("tab_blobs", "mlp"),
        ("friedman", "mlp"),
        ("diabetes", "mlp"),
    ),
    HELDOUT: (
        ("traffic", "tcn"),
        ("traffic", "bigru_gap"),
        ("river", "tcn"),
        ("river", "bigru_gap"),
        ("vibration", "tcn"),
        ("vibration", "bigru_gap"),
        ("glyphs", "mlp_bn"),
        ("glyphs", "cnn2d_gap"),
        ("fair", "mlp_bn"),
        ("randhie", "mlp_bn"),
    ),
    # written after the first held-out was measured and examined, and generated after the
    # next freeze: 5 datasets and 4 families found nowhere else in the corpus
    HELDOUT2: (
        ("solar", "gru_ln"),
        ("gestures", "sepcnn1d"),
        ("shapes", "sepcnn2d"),
        ("moons_tab", "mlp_ln"),
        ("solar", "sepcnn1d"),
        ("gestures", "gru_ln"),
        ("friedman2", "mlp_ln"),
        ("shapes", "mlp_ln"),
    ),
    # written after the second held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (attention and skip connections) found
    # nowhere else in the corpus
    HELDOUT3: (
        ("lorenz", "lstm_attn"),
        ("radio", "transformer"),
        ("textures", "rescnn2d"),
        ("anes96", "resmlp"),
        ("radio", "lstm_attn"),
        ("lorenz", "transformer"),
        ("concrete", "resmlp"),
    ),
    # written after the third held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (skip connections between recurrent layers,
    # parallel branches, gates and concatenated features) found nowhere else in the corpus
    HELDOUT4: (
        ("mackey_glass", "reslstm"),
        ("dna", "inception1d"),
        ("dice", "densecnn2d"),
        ("battery", "glu_mlp"),
        ("tides", "inception1d"),
        ("dna", "reslstm"),
        ("dice", "glu_mlp"),
    ),
    # written after the fourth held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (an encoder-decoder, paired convolutions,
    # gated carry connections and depthwise convolutions) found nowhere else in the corpus
    HELDOUT5: (
        ("glucose", "lstm_ed"),
        ("seismic", "vggcnn1d"),
        ("compass", "dwcnn2d"),
        ("stars", "highway_mlp"),
        ("lynx_hare", "vggcnn1d"),
        ("seismic", "lstm_ed"),
        ("compass", "highway_mlp"),
    ),
    # written after the fifth held-out was measured and examined, to be generated after the
    # next freeze: 5 datasets and 4 families (a convolutional LSTM over frames, channel
    # gates, token mixing and self-normalising activations) found nowhere else in the corpus
    HELDOUT6: (
        ("epidemic", "convlstm1d"),
        ("birdsong", "se_cnn1d"),
        ("wafer", "mixer2d"),
        ("ship_fuel", "selu_mlp"),
        ("heart_rate", "se_cnn1d"),
        ("birdsong", "convlstm1d"),
        ("wafer", "selu_mlp"),
    ),
    # written after the sixth held-out was measured and examined, to be generated after the
    # next freeze: 5 datasets and 4 families (bidirectional recurrent stacks, gated dilated
    # convolutions with skip paths, a wide linear path beside a deep one and self-attention
    # over image patches) found nowhere else in the corpus
    HELDOUT7: (
        ("wind_power", "bilstm"),
        ("power_quality", "wavenet1d"),
        ("galaxies", "vit2d"),
        ("crops", "wide_deep"),
        ("room_temp", "wavenet1d"),
        ("power_quality", "bilstm"),
        ("galaxies", "wide_deep"),
    ),
    # written after the seventh held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (recurrent layers ticking at half the rate
    # of the one below, residual blocks of grouped convolutions, maxout units and 1x1
    # "mlpconv" convolutions) found nowhere else in the corpus
    HELDOUT8: (
        ("reactor", "strided_gru"),
        ("keystrokes", "resnext1d"),
        ("blood_cells", "nin2d"),
        ("house_energy", "maxout_mlp"),
        ("keystrokes", "strided_gru"),
        ("loans", "maxout_mlp"),
    ),
    # written after the eighth held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (a convolutional front-end and attention
    # pooling over a GRU's steps, unpooled convolutions with batch normalisation, learned
    # feature masks and squeeze-and-expand "fire" modules) found nowhere else in the corpus
    HELDOUT9: (
        ("ev_drive", "cgru_attn"),
        ("sleep_eeg", "fcn1d"),
        ("particle_tracks", "fire2d"),
        ("tree_biomass", "tabnet_mlp"),
        ("sleep_eeg", "cgru_attn"),
        ("net_flows", "tabnet_mlp"),
    ),
    # written after the ninth held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (convolutional gates with a weightless
    # recurrence, residual inverted bottlenecks with depthwise convolutions, learned
    # periodic feature embeddings and pyramids of pooling grids) found nowhere else in the
    # corpus
    HELDOUT10: (
        ("robot_arm", "qrnn"),
        ("welding", "convnext1d"),
        ("fingerprints", "spp2d"),
        ("nir_grain", "fourier_mlp"),
        ("welding", "qrnn"),
        ("triage", "fourier_mlp"),
    ),
    # written after the tenth held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (a recurrence of one weight per unit,
    # skip connections from an encoder to a decoder across scales, a softmax gate over
    # experts, and split-and-shuffled channels) found nowhere else in the corpus
    HELDOUT11: (
        ("hydroponics", "indrnn"),
        ("sonar", "unet1d"),
        ("music_notes", "shufflenet2d"),
        ("tool_wear", "moe_mlp"),
        ("sonar", "indrnn"),
        ("air_quality", "unet1d"),
    ),
    # written after the eleventh held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (recurrences that skip steps over
    # interleaved sub-sequences, doubly residual stacks of backcasts and summed forecasts,
    # every layer modulated by the inputs, and cheap depthwise feature maps in ghost
    # bottlenecks) found nowhere else in the corpus
    HELDOUT12: (
        ("water_network", "dilated_gru"),
        ("emg_grips", "nbeats"),
        ("land_cover", "ghost2d"),
        ("dairy_herd", "film_mlp"),
        ("emg_grips", "dilated_gru"),
        ("beehive", "nbeats"),
    ),
    # written after the twelfth held-out was measured and examined, to be generated after
    # the next freeze: 5 datasets and 4 families (a recurrence within contiguous chunks and
    # another across them, hierarchical residual channel groups, every layer fed all
    # earlier features, and parallel dilated convolutions) found nowhere else in the corpus
    HELDOUT13: (
        ("cold_store", "hier_gru"),
        ("road_surface", "res2net1d"),
        ("radar_echoes", "aspp2d"),
        ("used_cars", "dense_mlp"),
        ("road_surface", "hier_gru"),
        ("fermenter", "res2net1d"),
    ),
}

# ----------------------------------------------------------------------------------------
# Reference recipes
# ----------------------------------------------------------------------------------------

DATASET_REF: dict[str, dict[str, Any]] = {
    "sine": dict(seq_len=24),
    "price": dict(seq_len=20),
    "co2": dict(seq_len=26, batch_size=64),
    "sensors": dict(seq_len=24),
    "power_load": dict(seq_len=24),
    "waveforms": dict(),
    "activity": dict(),
    "ecg": dict(),
    "digits_img": dict(),
    "breast_cancer_tab": dict(batch_size=16, epochs=40),
    "tab_blobs": dict(),
    "friedman": dict(epochs=40),
    "diabetes": dict(batch_size=16, epochs=60),
    "traffic": dict(seq_len=24),
    "river": dict(seq_len=30),
    "vibration": dict(),
    "glyphs": dict(),
    "fair": dict(),
    "randhie": dict(),
    "solar": dict(seq_len=24),
    "gestures": dict(),
    "shapes": dict(),
    "moons_tab": dict(),
    "friedman2": dict(epochs=40),
    "lorenz": dict(seq_len=24),
    "radio": dict(),
    "textures": dict(),
    "anes96": dict(epochs=40),
    "concrete": dict(epochs=40),
    "mackey_glass": dict(seq_len=24),
    "tides": dict(seq_len=24),
    "dna": dict(),
    "dice": dict(),
    "battery": dict(epochs=40),
    "glucose": dict(seq_len=24),
    "lynx_hare": dict(seq_len=24),
    "seismic": dict(),
    "stars": dict(epochs=40),
    "compass": dict(),
    "heart_rate": dict(seq_len=24),
    "epidemic": dict(seq_len=28),
    "birdsong": dict(),
    "wafer": dict(),
    "ship_fuel": dict(epochs=40),
    "wind_power": dict(seq_len=24),
    "room_temp": dict(seq_len=24),
    "power_quality": dict(),
    "galaxies": dict(),
    "crops": dict(epochs=40),
    "reactor": dict(seq_len=24),
    "keystrokes": dict(),
    "blood_cells": dict(),
    "house_energy": dict(epochs=40),
    "loans": dict(batch_size=64, epochs=20),
    "ev_drive": dict(seq_len=24),
    "sleep_eeg": dict(),
    "particle_tracks": dict(),
    "tree_biomass": dict(epochs=40),
    "net_flows": dict(),
    "robot_arm": dict(seq_len=24),
    "welding": dict(),
    "fingerprints": dict(),
    "nir_grain": dict(epochs=40),
    "triage": dict(),
    "hydroponics": dict(seq_len=24),
    "air_quality": dict(seq_len=24),
    "sonar": dict(),
    "music_notes": dict(),
    "tool_wear": dict(epochs=40),
    "water_network": dict(seq_len=24),
    "beehive": dict(seq_len=24),
    "emg_grips": dict(),
    "land_cover": dict(),
    "dairy_herd": dict(),
    "cold_store": dict(seq_len=24),
    "fermenter": dict(seq_len=24),
    "road_surface": dict(),
    "radar_echoes": dict(),
    "used_cars": dict(),
}
FAMILY_UNITS: dict[str, list[int]] = {
    "lstm": [32],
    "gru": [32],
    "simplernn": [32],
    "conv_gru": [32],
    "cnn1d": [32, 32],
    "tcn": [32, 32, 32],
    "bigru_gap": [24],
    "mlp": [64, 32],
    "mlp_bn": [64, 32],
    "cnn2d": [16, 32],
    "cnn2d_gap": [16, 32, 32],
    "gru_ln": [32, 16],
    "sepcnn1d": [32, 32],
    "mlp_ln": [64, 32],
    "sepcnn2d": [16, 32],
    "lstm_attn": [32],
    "transformer": [32, 32],
    "resmlp": [64, 32],
    "rescnn2d": [16, 32],
    "reslstm": [32, 32],
    "inception1d": [32, 32],
    "glu_mlp": [64, 32],
    "densecnn2d": [16, 24],
    "lstm_ed": [32],
    "vggcnn1d": [16, 32],
    "highway_mlp": [64, 32],
    "dwcnn2d": [16, 32],
    "convlstm1d": [32],
    "se_cnn1d": [32, 32],
    "mixer2d": [32, 32],
    "selu_mlp": [64, 32],
    "bilstm": [24, 16],
    "wavenet1d": [32, 32, 32, 32],
    "wide_deep": [64, 32],
    "vit2d": [32, 32],
    "strided_gru": [32, 32],
    "resnext1d": [32, 32],
    "maxout_mlp": [64, 32],
    "nin2d": [16, 32],
    "cgru_attn": [32],
    "fcn1d": [32, 32, 32],
    "tabnet_mlp": [64, 32],
    "fire2d": [32, 64],
    "qrnn": [32],
    "convnext1d": [32],
    "fourier_mlp": [64, 32],
    "spp2d": [16, 32],
    "indrnn": [32, 32],
    "unet1d": [16, 32],
    "moe_mlp": [64, 32],
    "shufflenet2d": [16, 32],
    "dilated_gru": [32, 32],
    "nbeats": [32, 32, 32],
    "film_mlp": [64, 32],
    "ghost2d": [16, 32],
    "hier_gru": [32, 32],
    "res2net1d": [16, 32],
    "dense_mlp": [64, 32],
    "aspp2d": [16, 32],
}
FAMILY_REF: dict[str, dict[str, Any]] = {
    "selu_mlp": dict(activation="selu"),
    "wavenet1d": dict(activation="tanh"),
    "convnext1d": dict(activation="gelu"),
}
"""Recipe keys of a family's reference recipe beyond its widths (a self-normalising MLP
is one with SELU activations; a WaveNet's gated filters are tanh; a ConvNeXt's bottleneck
is GELU)."""
IMAGE_MLP_UNITS = [128, 64]
RECURRENT = (
    "lstm",
    "gru",
    "simplernn",
    "conv_gru",
    "bigru_gap",
    "gru_ln",
    "lstm_attn",
    "reslstm",
    "lstm_ed",
    "convlstm1d",
    "bilstm",
    "strided_gru",
    "cgru_attn",
    "qrnn",
    "indrnn",
    "dilated_gru",
    "hier_gru",
)
RECURRENT_TRAIN = 800
"""Training sequences of the recurrent cells' recipes (their datasets have 1,200-1,700)."""
SHORT_RECIPE = (*RECURRENT, "transformer")
"""Families slow per step (recurrent layers, attention): on sequences, their cells train on
``RECURRENT_TRAIN`` sequences for 20 epochs."""
SMALL_TRAIN = {"diabetes": 150}
"""Training samples of ``healthy_small`` and the capacity faults (default 250)."""

# the usual learning-rate ranges (Keras defaults and common practice), fixed for the corpus
LR_RANGE = {"adam": (1e-4, 3e-3), "rmsprop": (1e-4, 3e-3), "sgd": (1e-3, 1e-1)}
LR_OPTIMIZERS = ("adam", "sgd", "rmsprop")


def small_train(dataset: str) -> int:
    """Training samples of the ``healthy_small`` recipe and the capacity faults."""
    return SMALL_TRAIN.get(dataset, 250)


def ref_spec(dataset: str, family: str) -> dict[str, Any]:
    """The reference recipe of a cell: z-scored data, a sensible model, Adam at 1e-3."""
    kind = c2.DATASETS2[dataset]["kind"]
    units = IMAGE_MLP_UNITS if (family == "mlp" and kind == "images") else FAMILY_UNITS[family]
    spec: dict[str, Any] = dict(
        model=family,
        units=list(units),
        optimizer="adam",
        lr=1e-3,
        batch_size=32,
        epochs=30,
        scaling="standard",
    )
    spec.update(FAMILY_REF.get(family, {}))
    if family in SHORT_RECIPE and kind in ("series", "sequences"):
        # recurrent and attention cells train on 800 sequences for 20 epochs: runs of 10-20 s
        spec.update(train_limit=RECURRENT_TRAIN, epochs=20)
    spec.update(DATASET_REF[dataset])
    return spec


def healthy_variants(dataset: str, family: str) -> dict[str, dict[str, Any]]:
    """Five healthy recipes per cell (labelled healthy whatever their outcome)."""
    drop = {"dropout": 0.1} if family in RECURRENT else {"dropout_layer": 0.1}
    return {
        "healthy_ref": {},
        "healthy_small": dict(train_limit=small_train(dataset)),
        "healthy_alt_a": dict(optimizer="rmsprop", lr=1e-3, batch_size=64, **drop),
        "healthy_alt_b": dict(optimizer="sgd", momentum=0.9, lr=0.02, batch_size=16, clipnorm=1.0),
        "healthy_es": dict(early_stopping=6, dropout_layer=0.2, max_epochs_factor=2),
    }


Fault = tuple[str, str, str, dict[str, Any]]
"""(category, fault kind, gradation, spec overrides)."""


def fault_variants(dataset: str, family: str, seed: int, cell_index: int) -> dict[str, Fault]:
    """The graded faults of one cell and seed (``variant -> Fault``)."""
    d = c2.DATASETS2[dataset]
    task, kind = d["task"], d["kind"]
    ref = ref_spec(dataset, family)
    width = max(ref["units"])
    out: dict[str, Fault] = {}
    # ---- hyperparameters ----
    opt = LR_OPTIMIZERS[(cell_index + seed) % len(LR_OPTIMIZERS)]
    lo, hi = LR_RANGE[opt]
    base = dict(optimizer=opt, momentum=0.9)
    for k in (1, 3, 10, 30, 100):
        out[f"lr_x{k}"] = ("hyperparameters", "lr_high", f"{opt} {k}x top", dict(base, lr=hi * k))
    for k in (10, 100):
        out[f"lr_d{k}"] = (
            "hyperparameters",
            "lr_low",
            f"{opt} 1/{k} bottom",
            dict(base, lr=lo / k),
        )
    plain_lr = 1e-3 if seed % 2 else 1e-4
    out["sgd_plain"] = (
        "hyperparameters",
        "sgd_plain",
        f"SGD no momentum {plain_lr:g}",
        dict(optimizer="sgd", momentum=0.0, lr=plain_lr),
    )
    out["opt_adadelta"] = (
        "hyperparameters",
        "optimizer",
        "Adadelta 1e-3 (Keras default)",
        dict(optimizer="adadelta", lr=1e-3),
    )
    for b in (64, 16, 8, 4, 2):
        out[f"batch_{b}"] = (
            "hyperparameters",
            "batch_small",
            str(b),
            dict(batch_size=b, max_steps=4000),
        )
    out["batch_full"] = ("hyperparameters", "batch_full", "full", dict(batch_size="full"))
    out["explode"] = (
        "hyperparameters",
        "exploding",
        "SGD 0.5, momentum 0.9, no clipping",
        dict(optimizer="sgd", momentum=0.9, lr=0.5, clipnorm=None),
    )
    few = 6 if seed % 2 else 8
    out["few_epochs"] = ("hyperparameters", "few_epochs", f"{few} epochs", dict(epochs=few))
    # ---- architecture ----
    small = small_train(dataset)
    huge = min(4 * width, 256 if family in RECURRENT else 512)
    out["cap_huge"] = (
        "architecture",
        "capacity_high",
        f"3x{huge} on {small}",
        dict(units=[huge] * 3, train_limit=small, epochs=60),
    )
    out["cap_big"] = (
        "architecture",
        "capacity_high",
        f"2x{2 * width} on {small}",
        dict(units=[2 * width] * 2, train_limit=small, epochs=60),
    )
    out["cap_tiny"] = ("architecture", "capacity_low", "2 units", dict(units=[2]))
    depth = 5 if family in RECURRENT else 8
    out["deep"] = ("architecture", "depth", f"{depth} layers", dict(units=[min(width, 64)] * depth))
    if family not in RECURRENT:
        out["act_sigmoid"] = (
            "architecture",
            "activation",
            "6 sigmoid layers",
            dict(activation="sigmoid", units=[width] * 6),
        )
        out["act_linear"] = (
            "architecture",
            "activation",
            "linear hidden layers",
            dict(activation="linear"),
        )
    if task == cl.CLASSIFICATION:
        out["loss_mse"] = ("architecture", "loss", "MSE on a classifier", dict(loss="mse_onehot"))
        out["no_softmax"] = ("architecture", "loss", "no softmax", dict(loss="no_softmax"))
    else:
        out["bad_output"] = ("architecture", "output", "sigmoid output", dict(loss="bad_output"))
    # ---- unscaled or insufficient data ----
    for s in (3, 30, 1000):
        out[f"x_scale_{s}"] = ("unscaled_data", "inputs_scale", f"x{s}", dict(x_scale=s))
    out["raw_all"] = ("unscaled_data", "raw", "raw units", dict(scaling="raw"))
    if task == cl.REGRESSION:
        out["raw_targets"] = (
            "unscaled_data",
            "raw_targets",
            "raw targets",
            dict(scaling="raw_targets"),
        )
    n_features = _n_features(dataset)
    if n_features >= 2:
        col = (seed + cell_index) % n_features
        out["wild_feature"] = (
            "unscaled_data",
            "wild_feature",
            f"feature {col} x1000",
            dict(wild_col=col, wild_scale=1000.0),
        )
    for n in (50, 100, 200):
        out[f"n_train_{n}"] = ("unscaled_data", "few_samples", str(n), dict(train_limit=n))
    # ---- data noise and outliers ----
    if task == cl.CLASSIFICATION:
        for p in (5, 12, 25):
            out[f"label_noise_{p}"] = (
                "data_noise",
                "label_noise",
                f"{p}% train",
                dict(label_noise=p / 100, noise_split="train"),
            )
        out["label_noise_25_both"] = (
            "data_noise",
            "label_noise",
            "25% both",
            dict(label_noise=0.25, noise_split="both"),
        )
    else:
        for p in (5, 12, 25):
            out[f"outliers_{p}"] = (
                "data_noise",
                "outliers",
                f"{p}% train",
                dict(outlier_frac=p / 100, noise_split="train"),
            )
        out["target_noise_both"] = (
            "data_noise",
            "target_noise",
            "1 std both",
            dict(target_noise=1.0, noise_split="both"),
        )
    for n in (10, 30):
        out[f"small_val_{n}"] = ("data_noise", "small_val", str(n), dict(val_limit=n))
    if kind != "images":
        out["spikes"] = ("data_noise", "input_spikes", "2%", dict(spike_frac=0.02))
    return out


def _n_features(dataset: str) -> int:
    raw = c2.DATASETS2[dataset]
    return {
        "series": {
            "sine": 1,
            "price": 2,
            "co2": 1,
            "sensors": 5,
            "power_load": 4,
            "traffic": 4,
            "river": 3,
            "solar": 4,
            "lorenz": 3,
            "mackey_glass": 1,
            "tides": 3,
            "glucose": 3,
            "lynx_hare": 2,
            "heart_rate": 4,
            "epidemic": 4,
            "wind_power": 4,
            "room_temp": 5,
            "reactor": 4,
            "ev_drive": 5,
            "robot_arm": 6,
            "hydroponics": 7,
            "air_quality": 7,
            "water_network": 6,
            "beehive": 7,
            "cold_store": 6,
            "fermenter": 5,
        },
        "sequences": {
            "waveforms": 2,
            "activity": 6,
            "ecg": 1,
            "vibration": 2,
            "gestures": 3,
            "radio": 2,
            "dna": 4,
            "seismic": 3,
            "birdsong": 3,
            "power_quality": 4,
            "keystrokes": 3,
            "sleep_eeg": 3,
            "welding": 3,
            "sonar": 3,
            "emg_grips": 4,
            "road_surface": 3,
        },
        "table": {
            "breast_cancer_tab": 30,
            "tab_blobs": 12,
            "friedman": 10,
            "diabetes": 10,
            "fair": 8,
            "randhie": 9,
            "moons_tab": 8,
            "friedman2": 4,
            "anes96": 9,
            "concrete": 8,
            "battery": 7,
            "stars": 7,
            "ship_fuel": 8,
            "crops": 8,
            "house_energy": 9,
            "loans": 10,
            "tree_biomass": 8,
            "net_flows": 9,
            "nir_grain": 32,
            "triage": 10,
            "tool_wear": 10,
            "dairy_herd": 10,
            "used_cars": 9,
        },
        "images": {},
    }[raw["kind"]].get(dataset, 1)


def twin_of(variant: str) -> str | None:
    """The healthy run a variant is compared with (same dataset, family and seed)."""
    if variant.startswith("healthy_"):
        return None
    return (
        "healthy_small"
        if variant.startswith("cap_huge") or variant.startswith("cap_big")
        else "healthy_ref"
    )


def run_id(dataset: str, family: str, variant: str, seed: int) -> str:
    """``<dataset>__<family>__<variant>__s<seed>``."""
    return f"{dataset}__{family}__{variant}__s{seed}"


def matrix(split: str = CALIBRATION, seeds: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
    """Every planned run of a split, seed-major (a partial generation covers every cell)."""
    splits = (CALIBRATION, HELDOUT) if split == "all" else (split,)
    jobs: list[dict[str, Any]] = []
    for sp in splits:
        for seed in seeds or SEEDS[sp]:
            for ci, (dataset, family) in enumerate(CELLS[sp]):
                ref = ref_spec(dataset, family)
                variants: dict[str, tuple[str, str, str, dict[str, Any]]] = {
                    k: ("healthy", "healthy", k.removeprefix("healthy_"), v)
                    for k, v in healthy_variants(dataset, family).items()
                }
                variants.update(fault_variants(dataset, family, seed, ci))
                for variant, (category, kind, gradation, over) in variants.items():
                    spec = dict(ref)
                    spec.update(over)
                    if spec.pop("max_epochs_factor", None):
                        spec["epochs"] = int(spec["epochs"]) * 2
                    jobs.append(
                        dict(
                            run_id=run_id(dataset, family, variant, seed),
                            dataset=dataset,
                            model=family,
                            variant=variant,
                            seed=seed,
                            split=sp,
                            category=category,
                            kind=kind,
                            gradation=gradation,
                            spec=spec,
                        )
                    )
    return jobs


# ----------------------------------------------------------------------------------------
# One run
# ----------------------------------------------------------------------------------------


def _worker_init() -> None:
    cl.limit_threads()
    with contextlib.suppress(OSError):
        os.nice(10)


def execute(job: dict[str, Any], out_dir: str) -> dict[str, Any]:
    """Train one run, store its gzip record, and return its manifest row."""
    cl.limit_threads()
    import warnings

    warnings.filterwarnings("ignore")
    runs = Path(out_dir) / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    spec = dict(job["spec"])
    if spec.get("max_steps") and spec["batch_size"] != "full":
        n = len(c2.prepare2(job["dataset"], job["seed"], spec).y_train)
        steps = math.ceil(n / int(spec["batch_size"]))
        spec["epochs"] = min(int(spec["epochs"]), max(8, int(spec["max_steps"]) // steps))
    with tempfile.TemporaryDirectory() as tmp:
        rec_path = os.path.join(tmp, "history.json")
        t0 = time.perf_counter()
        res = c2.train_run2(job["dataset"], job["seed"], spec, rec_path)
        wall = time.perf_counter() - t0
        with open(rec_path) as fh:
            record = json.load(fh)
    size = cl.write_gz_json(record, runs / f"{job['run_id']}.json.gz")
    prep = res["prep"]
    out = c2.outcome2(res["history"], prep)
    sym = c2.curve_symptoms(res["history"], out["chance_accuracy"])
    row: dict[str, Any] = dict(
        run_id=job["run_id"],
        split=job["split"],
        dataset=job["dataset"],
        kind=prep.info.get("kind"),
        task=prep.task,
        model=job["model"],
        variant=job["variant"],
        seed=job["seed"],
        category=job["category"],
        fault_kind=job["kind"],
        gradation=job["gradation"],
        optimizer=spec.get("optimizer"),
        momentum=spec.get("momentum", "") if spec.get("optimizer") == "sgd" else "",
        lr=spec.get("lr"),
        batch_size=res["batch_size"],
        units="-".join(str(u) for u in spec["units"]),
        activation=spec.get("activation", "relu"),
        loss_variant=spec.get("loss", "default"),
        dropout=spec.get("dropout", 0.0),
        dropout_layer=spec.get("dropout_layer", 0.0),
        clipnorm=spec.get("clipnorm", ""),
        early_stopping=spec.get("early_stopping", ""),
        scaling=spec.get("scaling", "standard"),
        x_scale=spec.get("x_scale", ""),
        wild_col=spec.get("wild_col", ""),
        train_limit=spec.get("train_limit", ""),
        val_limit=spec.get("val_limit", ""),
        label_noise=spec.get("label_noise", ""),
        outlier_frac=spec.get("outlier_frac", ""),
        target_noise=spec.get("target_noise", ""),
        noise_split=spec.get("noise_split", "")
        if job["kind"] in ("label_noise", "outliers", "target_noise")
        else "",
        spike_frac=spec.get("spike_frac", ""),
        epochs=spec["epochs"],
        n_train=len(prep.y_train),
        n_val=len(prep.y_val),
        n_classes=prep.n_classes or "",
        params=res["params"],
        seconds=round(wall, 2),
        bytes=size,
        twin=run_id(job["dataset"], job["model"], t, job["seed"])
        if (t := twin_of(job["variant"]))
        else "",
        source=prep.info.get("source", ""),
        recipe=json.dumps(spec, sort_keys=True),
    )
    row.update(out)
    row.update({f"sym_{k}": v for k, v in sym.items()})
    row["u_batch"] = _batch_unsteadiness(record)
    return row


def _batch_unsteadiness(record: dict[str, Any]) -> float:
    """Median within-epoch std of log batch losses over the second half of the epochs."""
    import numpy as np

    batch = record.get("batch") or {}
    loss = (batch.get("series") or {}).get("loss")
    counts = batch.get("counts")
    if not loss or not counts:
        return float("nan")
    vals = np.array([float(v) if isinstance(v, int | float) else np.nan for v in loss])
    stds = []
    start = 0
    for i, c in enumerate(counts):
        seg = vals[start : start + c]
        start += c
        if i < len(counts) // 2 or c < 3:
            continue
        seg = seg[np.isfinite(seg) & (seg > 0)]
        if seg.size >= 3:
            stds.append(float(np.std(np.log(seg))))
    return float(np.median(stds)) if stds else float("nan")


# ----------------------------------------------------------------------------------------
# Manifest
# ----------------------------------------------------------------------------------------

LABEL_COLS = [
    "label",
    "mild",
    "harmed",
    "new_symptom",
    "curve_visible",
    "context_visible",
    "unsteady_batch",
    "harm_diverged",
    "harm_degraded",
    "harm_unsteady",
    "harm_overfit",
]


def _fmt(v: Any) -> Any:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return float(f"{v:.6g}")
    return v


def read_rows(path: Path) -> dict[str, dict[str, Any]]:
    """Rows of an existing manifest, by run id."""
    if not path.exists():
        return {}
    with open(path, newline="") as fh:
        return {r["run_id"]: r for r in csv.DictReader(fh)}


def add_labels(rows: dict[str, dict[str, Any]]) -> None:
    """Fill the label columns (``corpus2_lib.label_run``) of every row whose twin exists."""
    for row in rows.values():
        for c in LABEL_COLS:
            row[c] = ""
        twin = rows.get(row.get("twin") or "")
        if row["category"] != "healthy" and twin is None:
            continue  # labelled once its twin has run
        lab = c2.label_run(row["category"], row["fault_kind"], row, twin)
        row.update({k: _fmt(v) for k, v in lab.items()})


def write_manifest(rows: dict[str, dict[str, Any]], path: Path, order: list[str]) -> None:
    """Write the manifest (ordered like the matrix, unknown rows last), labels recomputed."""
    add_labels(rows)
    keys: list[str] = []
    for r in rows.values():
        for k in r:
            if k not in keys and k not in LABEL_COLS:
                keys.append(k)
    tail = ["source", "recipe"]
    cols = [k for k in keys if k not in tail] + LABEL_COLS + tail
    pos = {rid: i for i, rid in enumerate(order)}
    ids = sorted(rows, key=lambda r: (pos.get(r, len(pos)), r))
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for rid in ids:
            w.writerow({k: _fmt(rows[rid].get(k, "")) for k in cols})
    os.replace(tmp, path)


def summary(rows: dict[str, dict[str, Any]]) -> str:
    """Counts per split and label, visible counts, and the summed training time."""
    from collections import Counter

    lines = []
    for split in sorted({r.get("split", "") for r in rows.values()}):
        part = [r for r in rows.values() if r.get("split", "") == split]
        labels = Counter(r.get("label") or "(unlabelled)" for r in part)
        curve = Counter(r["label"] for r in part if r.get("curve_visible") == "True")
        ctx = Counter(r["label"] for r in part if r.get("context_visible") == "True")
        mild = sum(r.get("mild") == "True" for r in part)
        lines.append(f"{len(part)} runs (split {split}); {mild} faults too mild to hurt (healthy)")
        for lab in ("healthy", "unscaled_data", "architecture", "hyperparameters", "data_noise"):
            extra = (
                ""
                if lab == "healthy"
                else f", curve-visible {curve[lab]}, context-visible {ctx[lab]}"
            )
            lines.append(f"  {lab:16s} {labels[lab]:5d}{extra}")
        secs = sum(c2.num(r.get("seconds"), 0.0) for r in part)
        lines.append(f"  training time (sum over runs): {secs / 60:.1f} min")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None, help="output folder (fixtures/corpus2)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--split",
        choices=(*SEEDS, "all"),
        default=CALIBRATION,
    )
    ap.add_argument("--seeds", default=None, help="comma list (default: the split's seeds)")
    ap.add_argument("--only", default=None, help="comma list of fnmatch patterns on run ids")
    ap.add_argument("--quick", action="store_true", help="smoke test: a few 4-epoch runs, temp dir")
    ap.add_argument("--force", action="store_true", help="re-run runs that already exist")
    ap.add_argument("--list", action="store_true", help="print the planned runs and exit")
    ap.add_argument("--manifest-only", action="store_true", help="only recompute the labels")
    ap.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="start no new run after this many minutes (runs in flight finish): parts of a "
        "generation that can be committed one by one",
    )
    args = ap.parse_args(argv)

    seeds = tuple(int(s) for s in args.seeds.split(",")) if args.seeds else None
    jobs = matrix(args.split, seeds)
    if args.quick:
        keep = {
            "healthy_ref",
            "lr_x30",
            "cap_huge",
            "x_scale_1000",
            "label_noise_25",
            "outliers_25",
        }
        jobs = [j for j in jobs if j["variant"] in keep and j["seed"] == jobs[0]["seed"]]
        for j in jobs:
            j["spec"]["epochs"] = min(int(j["spec"]["epochs"]), 4)
    if args.only:
        pats = [p.strip() for p in args.only.split(",") if p.strip()]
        jobs = [j for j in jobs if any(fnmatch.fnmatch(j["run_id"], p) for p in pats)]
    if args.list:
        for j in jobs:
            print(j["run_id"], j["category"], j["gradation"], json.dumps(j["spec"], sort_keys=True))
        print(f"{len(jobs)} runs", file=sys.stderr)
        return 0

    out: Path = args.out or (
        Path(tempfile.gettempdir()) / "curvedoc_corpus2_quick" if args.quick else DEFAULT_OUT
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "runs").mkdir(exist_ok=True)
    manifest = out / "manifest.csv"
    rows = read_rows(manifest)
    order = [j["run_id"] for j in matrix("all")]
    if args.manifest_only:
        write_manifest(rows, manifest, order)
        print(summary(rows))
        return 0
    todo = [
        j
        for j in jobs
        if args.force
        or j["run_id"] not in rows
        or not (out / "runs" / f"{j['run_id']}.json.gz").exists()
    ]
    print(
        f"{len(jobs)} runs selected, {len(jobs) - len(todo)} already done, {len(todo)} to train "
        f"with {args.workers} worker(s) -> {out}",
        flush=True,
    )
    cl.limit_threads()
    t0 = time.time()
    done = failures = 0
    pending = list(todo)
    running: dict[Any, dict[str, Any]] = {}
    workers = max(1, args.workers)
    ctx = get_context("spawn")
    # a fresh worker every few runs: TensorFlow keeps memory across models otherwise
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_worker_init,
        max_tasks_per_child=MAX_RUNS_PER_WORKER,
    ) as pool:
        while pending or running:
            over_time = args.max_minutes is not None and time.time() - t0 > 60 * args.max_minutes
            while pending and len(running) < workers and not over_time:
                job = pending.pop(0)
                running[pool.submit(execute, job, str(out))] = job
            if over_time and pending:
                print(f"time limit reached: {len(pending)} runs left for the next part", flush=True)
                pending.clear()
            if not running:
                break
            finished, _ = wait(list(running), timeout=30, return_when=FIRST_COMPLETED)
            for fut in finished:
                job = running.pop(fut)
                done += 1
                try:
                    row = fut.result()
                except Exception as exc:  # keep going; the run is retried next time
                    failures += 1
                    print(f"[{done}/{len(todo)}] FAILED {job['run_id']}: {exc!r}", flush=True)
                    continue
                rows[row["run_id"]] = {k: _fmt(v) for k, v in row.items()}
                if done % 10 == 0 or not (pending or running):
                    write_manifest(rows, manifest, order)
                el = time.time() - t0
                print(
                    f"[{done}/{len(todo)}] {row['run_id']} {row['seconds']:.1f}s "
                    f"elapsed {el / 60:.1f}m eta {el / done * (len(todo) - done) / 60:.1f}m",
                    flush=True,
                )
    write_manifest(rows, manifest, order)
    print(summary(rows))
    size = sum(p.stat().st_size for p in (out / "runs").glob("*.gz")) / 1e6
    print(
        f"wall-clock {(time.time() - t0) / 60:.1f} min, {failures} failures; corpus {size:.2f} MB",
        flush=True,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
