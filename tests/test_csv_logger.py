"""Source ``csv-logger``: Keras ``CSVLogger`` files and any other numeric table."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, fixture

import curvedoc
from curvedoc.errors import LoadError, NotAHistoryError
from curvedoc.history import History, MetricPair
from curvedoc.loaders import Probe, detect
from curvedoc.loaders.csv_logger import SOURCE

Writer = Callable[[str, "str | bytes | object"], Path]


def _series_equal(a: History, b: History, keys: list[str]) -> None:
    for k in keys:
        np.testing.assert_array_equal(a.epoch_series[k], b.epoch_series[k], err_msg=k)


def test_any_text_that_is_not_json_and_not_taken_before_is_read_here(write: Writer) -> None:
    for name, text in (("a.csv", "epoch,loss\n0,1\n"), ("b.txt", "loss;val_loss\n1;2\n")):
        assert detect(Probe(str(write(name, text)))) is SOURCE
    assert not SOURCE.sniff(Probe(str(write("h.json", {"loss": [1]}))))
    lightning = fixture("lightning/sine_lstm/version_0/metrics.csv")
    assert detect(Probe(str(lightning))).name == "lightning"  # asked before this one


def test_csvlogger_append_resumed_run_keeps_the_later_epochs() -> None:
    path = fixture("resumed_append.csv")
    rows = list(csv.DictReader(path.open()))
    epochs = [int(r["epoch"]) for r in rows]
    assert len(epochs) > len(set(epochs))  # the file really repeats epochs
    last = {int(r["epoch"]): float(r["loss"]) for r in rows}  # later rows overwrite
    h = curvedoc.load(path)
    assert h.epochs.tolist() == sorted(last)
    assert h.epoch_series["loss"].tolist() == [last[e] for e in sorted(last)]
    repeated = len(epochs) - len(set(epochs))
    assert any(f"{repeated} repeated epoch rows" in n for n in h.source.notes)
    # the recorder's file for the same two fits holds each epoch once, with the same values
    r = curvedoc.load(fixture("resumed_append.curvedoc.json"))
    assert r.epochs.tolist() == h.epochs.tolist()
    np.testing.assert_array_equal(r.epoch_series["loss"], h.epoch_series["loss"])


def test_csv_without_an_epoch_column_uses_row_order(write: Writer) -> None:
    name = "healthy_lstm_sine"
    rows = list(csv.reader(fixture(f"{name}.csv").open()))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[1:] for r in rows])
    h = curvedoc.load(write("no_epoch.csv", buf.getvalue()))
    assert h.source.format == "csv"
    assert h.epochs.tolist() == list(range(len(rows) - 1))
    _series_equal(h, curvedoc.load(fixture(f"{name}.csv")), rows[0][1:])


def test_csvlogger_na_and_nan_cells(write: Writer) -> None:
    text = "epoch,loss,val_loss\n0,1.0,NA\n1,nan,0.9\n2,inf,\n3,0.5,0.8\n"
    h = curvedoc.load(write("log.csv", text))
    assert h.source.format == "csv-logger"
    np.testing.assert_array_equal(h.epoch_series["loss"], [1.0, np.nan, np.inf, 0.5])
    np.testing.assert_array_equal(h.epoch_series["val_loss"], [np.nan, 0.9, np.nan, 0.8])


def test_odd_but_harmless_csv_layouts(write: Writer) -> None:
    text = (
        "\n\nepoch, loss ,val_loss,\n0, 1.0 ,1.1,\n\n1,0.5,0.6,\nepoch,loss,val_loss\n2,0.4,0.5\n"
    )
    h = curvedoc.load(write("odd.csv", text))
    assert list(h.epoch_series) == ["loss", "val_loss"]
    assert h.epoch_series["loss"].tolist() == [1.0, 0.5, 0.4]
    assert h.epochs.tolist() == [0, 1, 2]


def test_hand_made_csvlogger_with_keras2_names_sparse_validation_and_a_resume() -> None:
    """tests/data/keras2_every2_resumed.csv: acc/val_acc, NA on even epochs, epochs 5-7 redone."""
    h = curvedoc.load(DATA / "keras2_every2_resumed.csv")
    assert h.source.format == "csv-logger"
    assert h.epochs.tolist() == list(range(10))
    assert list(h.epoch_series) == ["acc", "loss", "val_acc", "val_loss"]
    assert MetricPair("accuracy", "acc", "val_acc", "higher") in h.pairs()
    # the resumed rows (shifted by 0.01) replace the first fit's epochs 5-7
    assert h.epoch_series["acc"][5:8].tolist() == [0.71, 0.75, 0.79]
    assert h.epoch_series["acc"][:5].tolist() == [0.5, 0.54, 0.58, 0.62, 0.66]
    val = h.epoch_series["val_acc"]
    assert np.isnan(val[0::2]).all() and not np.isnan(val[1::2]).any()
    assert any("3 repeated epoch rows" in n for n in h.source.notes)


def _fastai_layout(tmp_path: Path) -> Path:
    """A real recorded run (a GRU classifier on activity windows) written out the way
    fastai's CSVLogger writes one: epoch, train_loss, valid_loss, accuracy, time (mm:ss)."""
    runs = DATA.parent.parent / "fixtures" / "corpus2" / "runs"
    run = curvedoc.load(runs / "activity__lstm__healthy_ref__s1.json.gz")
    s = run.epoch_series
    rows = ["epoch,train_loss,valid_loss,accuracy,time"]
    for i in range(run.n_epochs):
        rows.append(
            f"{i},{s['loss'][i]:.6f},{s['val_loss'][i]:.6f},{s['val_accuracy'][i]:.6f},00:0{i % 10}"
        )
    path = tmp_path / "history.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_fastai_log_pairs_its_losses_and_skips_its_time_column(tmp_path: Path) -> None:
    h = curvedoc.load(_fastai_layout(tmp_path))
    assert "time" not in h.epoch_series
    assert any("'time' hold text" in n for n in h.source.notes)
    loss = h.primary_pair()
    assert loss is not None and (loss.train, loss.val) == ("train_loss", "valid_loss")
    # fastai computes accuracy on the validation set (this column is val_accuracy)
    acc = next(p for p in h.pairs() if p.name == "accuracy")
    assert (acc.train, acc.val) == (None, "valid_accuracy")
    assert any("validation set" in n for n in h.source.notes)


def test_text_columns_are_skipped_only_in_a_training_log(write: Writer) -> None:
    # a manifest of runs: text in several columns and no epoch column: not a history
    manifest = write("manifest.csv", "run_id,split,final_loss\nrun_a,cal,0.1\nrun_b,cal,0.2\n")
    with pytest.raises(NotAHistoryError, match="table of text"):
        curvedoc.load(manifest)
    # a log whose numbers turn into text half-way is damaged, not a text column
    damaged = write("damaged.csv", "epoch,loss,val_loss\n0,1.0,1.1\n1,oops,0.9\n")
    with pytest.raises(LoadError, match="oops"):
        curvedoc.load(damaged)


def test_comment_lines_before_the_header_are_skipped(tmp_path: Path) -> None:
    # a real run's curves (the waveforms LSTM recorded with CurveRecorder) written by a
    # script that starts its log with a banner, and by np.savetxt, whose header is itself
    # a comment ("# loss,val_loss")
    rec = curvedoc.load(fixture("keras_log/waveforms_classify.curvedoc.json"))
    loss, val = rec.epoch_series["loss"], rec.epoch_series["val_loss"]
    banner = tmp_path / "log.csv"
    banner.write_text(
        "# run 3, waveforms LSTM\n#   lr=0.003, batch 64\n\nepoch,loss,val_loss\n"
        + "".join(
            f"{i},{float(a)!r},{float(b)!r}\n"
            for i, (a, b) in enumerate(zip(loss, val, strict=True))
        )
    )
    h = curvedoc.load(banner)
    assert h.source.format == "csv-logger" and list(h.epoch_series) == ["loss", "val_loss"]
    np.testing.assert_array_equal(h.epoch_series["val_loss"], val)
    saved = tmp_path / "history.csv"
    np.savetxt(saved, np.c_[loss, val], delimiter=",", header="loss,val_loss")
    h = curvedoc.load(saved)
    assert list(h.epoch_series) == ["loss", "val_loss"]
    np.testing.assert_allclose(h.epoch_series["loss"], loss)
    # a bad cell is still named by its real line number
    text = saved.read_text().splitlines()
    text[2] = text[2].split(",")[0] + ",oops"
    saved.write_text("\n".join(text) + "\n")
    with pytest.raises(LoadError, match="line 3, column 'val_loss'"):
        curvedoc.load(saved)
    only = tmp_path / "notes.csv"
    only.write_text("# nothing but\n# comments\n")
    with pytest.raises(LoadError, match="only comment lines"):
        curvedoc.load(only)


def test_numbers_separated_by_spaces_under_a_header_are_read(tmp_path: Path) -> None:
    # a real run's curves as np.savetxt writes them by default (one space between the
    # fields, the header a comment), and as a hand-written logger pads them into columns
    rec = curvedoc.load(fixture("keras_log/waveforms_classify.curvedoc.json"))
    loss, val = rec.epoch_series["loss"], rec.epoch_series["val_loss"]
    saved = tmp_path / "history.txt"
    np.savetxt(saved, np.c_[loss, val], header="loss val_loss")
    assert saved.read_text().startswith("# loss val_loss\n")
    h = curvedoc.load(saved)
    assert list(h.epoch_series) == ["loss", "val_loss"]
    np.testing.assert_allclose(h.epoch_series["val_loss"], val)
    padded = tmp_path / "train_log.txt"
    padded.write_text(
        "# waveforms LSTM, lr 0.003\n  epoch      loss  val_loss  \r\n"
        + "".join(
            f"{i:7d}\t{a:9.6f} {b:9.6f}\r\n" for i, (a, b) in enumerate(zip(loss, val, strict=True))
        )
    )
    h = curvedoc.load(padded)
    assert h.source.format == "csv-logger" and h.epochs.tolist() == list(range(len(loss)))
    np.testing.assert_allclose(h.epoch_series["loss"], loss, atol=5e-7)
    # a bad cell is named by its real line number
    lines = padded.read_text().splitlines()
    lines[4] = lines[4].rsplit(" ", 1)[0] + " oops"
    padded.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match="line 5, column 'val_loss'"):
        curvedoc.load(padded)
    # words under words, or numbers with no names above them, are no table
    prose = tmp_path / "notes.txt"
    prose.write_text("final loss was good\nwe stopped at epoch 12\n")
    with pytest.raises(LoadError):
        curvedoc.load(prose)
    bare = tmp_path / "bare.txt"
    np.savetxt(bare, np.c_[loss, val])
    with pytest.raises(LoadError):
        curvedoc.load(bare)


def test_a_spreadsheet_saved_with_decimal_commas_is_read(tmp_path: Path) -> None:
    # a real run's curves as Excel saves a CSV in most of Europe: a byte-order mark, ';'
    # between the fields, decimal commas and CRLF line ends
    rec = curvedoc.load(fixture("keras_log/waveforms_classify.curvedoc.json"))
    loss, val = rec.epoch_series["loss"], rec.epoch_series["val_loss"]
    lines = ["epoch;loss;val_loss"] + [
        f"{i};{a:.6f};{b:.6f}".replace(".", ",")
        for i, (a, b) in enumerate(zip(loss, val, strict=True))
    ]
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    h = curvedoc.load(path)
    assert h.source.format == "csv-logger" and h.epochs.tolist() == rec.epochs.tolist()
    np.testing.assert_allclose(h.epoch_series["val_loss"], val, atol=5e-7)
    # with commas between the fields a comma is a separator, never a decimal point
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('epoch,loss\n0,"1,5"\n1,"0,5"\n')
    with pytest.raises(LoadError):
        curvedoc.load(quoted)
