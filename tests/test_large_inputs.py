"""The paths large inputs take give what the small-input paths give, value for value.

Large JSON documents have their long number lists parsed straight into arrays
(``parsing.parse_json_bytes``) and large tables are parsed in blocks (event files too:
``test_tensorboard``): each is checked here against the plain path on every bad, odd and
fuzzed input of ``test_bad_input`` and on the real fixtures, by shrinking the thresholds
so that tiny inputs take the large-input path. Also: the limits (``--max-bytes``), gzip
read in chunks, and what counts as missing (``null``) or written out (``NaN``) in JSON.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, fixture_files
from test_bad_input import BAD_FILES, FUZZ, ODD

import curvedoc
import curvedoc.loaders.parsing as parsing
from curvedoc.errors import LoadError, NotAHistoryError
from curvedoc.loaders import decode_text, load_text
from curvedoc.loaders.reading import Limits, format_size, parse_size, read_bytes
from curvedoc.loaders.series import ParsedNumbers


def _outcome(data: bytes, name: str = "input") -> object:
    """What loading some bytes gives: the History's arrays and notes, or the error text."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception:
            return "bad gzip"
    try:
        h = load_text(decode_text(data, name), name)
    except LoadError as exc:
        return f"error: {exc}"
    return (
        h.epochs.tolist(),
        {k: v.tobytes() for k, v in h.epoch_series.items()},
        {k: v.tobytes() for k, v in h.batch_series.items()},
        h.source.notes,
        h.source.format,
    )


@pytest.fixture
def tiny_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every input a 'large' one: lists of 8 bytes are arrays, chunks of 64 bytes."""
    monkeypatch.setattr(parsing, "FAST_JSON_MIN", 0)
    monkeypatch.setattr(parsing, "SPAN_MIN", 8)
    monkeypatch.setattr(parsing, "CHUNK", 64)
    monkeypatch.setattr(parsing, "TABLE_BLOCK", 64)


def _inputs() -> list[bytes]:
    out = []
    for _name, content, _ in BAD_FILES.values():
        out.append(content)
    for _, content in ODD.values():
        out.append(content if isinstance(content, bytes) else _encode(content))
    out.extend(FUZZ)
    for path in fixture_files("*.json") + fixture_files("*.csv"):
        if "corpus" not in path.parts:
            out.append(path.read_bytes())
    return out


def _encode(content: object) -> bytes:
    return content.encode() if isinstance(content, str) else json.dumps(content).encode()


INPUTS = _inputs()


@pytest.mark.parametrize("chunk", range(4))
def test_the_large_input_paths_give_what_the_small_ones_give(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = INPUTS[chunk::4]
    plain = [_outcome(data) for data in cases]
    monkeypatch.setattr(parsing, "FAST_JSON_MIN", 0)
    monkeypatch.setattr(parsing, "SPAN_MIN", 8)
    monkeypatch.setattr(parsing, "CHUNK", 64)
    monkeypatch.setattr(parsing, "TABLE_BLOCK", 64)
    large = [_outcome(data) for data in cases]
    differ = [(data[:100], a, b) for data, a, b in zip(cases, plain, large, strict=True) if a != b]
    assert not differ, differ[:3]


def test_without_msgspec_the_standard_library_parses_the_lists(
    tiny_thresholds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = INPUTS[::7]
    fast = [_outcome(data) for data in cases]
    monkeypatch.setattr(parsing, "_DECODERS", ())
    assert [_outcome(data) for data in cases] == fast


def test_long_lists_become_arrays_only_where_a_series_sits(tiny_thresholds: None) -> None:
    doc = {
        "loss": [0.5, 0.25, 0.125, 0.0625],
        "epoch_logs": {"val_loss": [1.0, 2.0, 3.0, 4.0, 5.0]},
        "context": {"input_stats": {"mean": [1, 2, 3, 4, 5, 6]}},
        "deep": [[1, 2, 3, 4, 5, 6, 7, 8]],
    }
    data, notes = parsing.parse_json_bytes(json.dumps(doc).encode(), "x")
    assert isinstance(data["loss"], ParsedNumbers)
    assert isinstance(data["epoch_logs"]["val_loss"], ParsedNumbers)
    assert data["context"]["input_stats"]["mean"] == [1, 2, 3, 4, 5, 6]  # ints, as parsed
    assert data["deep"] == [[1, 2, 3, 4, 5, 6, 7, 8]]
    assert notes == []


def test_a_list_inside_a_string_stays_in_the_string(tiny_thresholds: None) -> None:
    text = '{"note": "values [1, 2, 3, 4, 5] \\" [6, 7, 8, 9]", "loss": [1, 2, 3, 4, 5]}'
    data, _ = parsing.parse_json_bytes(text.encode(), "x")
    assert data["note"] == 'values [1, 2, 3, 4, 5] " [6, 7, 8, 9]'
    assert data["loss"].values.tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("end", [b"0.123456789,\n", b"0.12", b'{"a": 1', b"0.5] x"])
def test_a_large_json_cut_short_says_what_the_standard_library_says(
    tmp_path: Path, end: bytes
) -> None:
    body = b'{"loss": [\n' + b"0.123456789,\n" * 200_000 + end
    path = tmp_path / "cut.json"
    path.write_bytes(body)
    with pytest.raises(LoadError) as expected:
        parsing.parse_json(body.decode(), str(path))
    with pytest.raises(LoadError) as got:
        curvedoc.load(path)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    ("text", "loads"),
    [
        ('{"loss": [NaN, NaN]}', True),
        ('{"loss": ["NaN", "Infinity"]}', True),
        ('{"loss": [1e999, 1e999]}', True),
        ('{"loss": [null, null]}', False),
        ('{"loss": ["NA", ""]}', False),
        ('{"loss": [null, null], "lr": [NaN, NaN]}', False),
        ('[{"loss": null}, {"loss": null}]', False),
        ('{"format": "curvedoc-history", "epoch_logs": {"loss": ["NaN"]}}', True),
        ('{"format": "curvedoc-history", "epoch_logs": {"loss": [null]}}', False),
    ],
)
@pytest.mark.parametrize("large", [False, True])
def test_json_tells_missing_values_from_written_nan(
    text: str, loads: bool, large: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if large:
        monkeypatch.setattr(parsing, "FAST_JSON_MIN", 0)
        monkeypatch.setattr(parsing, "SPAN_MIN", 4)
    if loads:
        h = load_text(text, "x.json")
        assert not np.isfinite(h.epoch_series["loss"]).any()
    else:
        with pytest.raises(LoadError, match="every value is missing"):
            load_text(text, "x.json")


def test_tables_read_in_blocks_report_what_one_piece_reports(tiny_thresholds: None) -> None:
    """The first ragged row wins over any bad cell; then the first bad column."""
    rows = [f"{i},{0.5 / (i + 1)},{0.6 / (i + 1)}" for i in range(40)]
    bad_val = rows.copy()
    bad_val[3] = "3,0.1,oops"
    with pytest.raises(LoadError, match=r"line 5, column 'val_loss': 'oops' is not a number"):
        load_text("epoch,loss,val_loss\n" + "\n".join(bad_val), "t.csv")
    bad_val[30] = "30,nope,0.1"  # a later block, an earlier column: the loss is named
    with pytest.raises(LoadError, match=r"line 32, column 'loss': 'nope' is not a number"):
        load_text("epoch,loss,val_loss\n" + "\n".join(bad_val), "t.csv")
    bad_val[35] = "35,0.1"  # a ragged row anywhere comes first
    with pytest.raises(LoadError, match=r"line 37 has 2 fields, the header has 3"):
        load_text("epoch,loss,val_loss\n" + "\n".join(bad_val), "t.csv")


def test_a_table_of_text_is_not_a_history() -> None:
    with pytest.raises(NotAHistoryError, match="a table of text"):
        load_text("run_id,lr\nrun_a,0.1\nrun_b,0.2\n", "manifest.csv")
    with pytest.raises(LoadError) as info:  # a damaged log stays an ordinary error
        load_text("epoch,loss\n0,1.0\n1,abc\n", "log.csv")
    assert not isinstance(info.value, NotAHistoryError)


def test_settings_and_reports_are_not_histories() -> None:
    with pytest.raises(NotAHistoryError):
        load_text('{"lr": 0.001, "model": "lstm"}', "config.json")
    report = curvedoc.diagnose(curvedoc.load(FIXTURES / "healthy_lstm_sine.json"))
    with pytest.raises(NotAHistoryError, match="curvedoc report"):
        load_text(json.dumps(report.to_dict()), "report.json")


def test_limits_are_parsed_and_shown_in_binary_units() -> None:
    assert parse_size("64M") == 64 * 2**20 and parse_size("1.5GiB") == 3 * 2**29
    assert parse_size("4096") == 4096 and format_size(3 * 2**30) == "3 GiB"
    for bad in ("", "x", "-1M", "0", "12Q"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_a_regular_file_over_the_limit_is_never_opened(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as fh:
        fh.truncate(5000)
    path.chmod(0o000)  # opening it would fail; the size alone refuses it
    try:
        with pytest.raises(LoadError, match=r"is 4\.9 KiB, more than 4 KiB.*--max-bytes"):
            read_bytes(path, Limits(max_bytes=4096))
    finally:
        path.chmod(0o644)


def test_gzip_is_inflated_in_chunks_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "h.json.gz"
    text = json.dumps({"loss": [0.5] * 100_000}).encode()
    path.write_bytes(gzip.compress(text[:1000]) + gzip.compress(text[1000:]))  # two members
    assert bytes(read_bytes(path)) == text
    with pytest.raises(LoadError, match=r"decompresses to more than 64 KiB"):
        read_bytes(path, Limits(max_bytes=64 * 1024))
    path.write_bytes(gzip.compress(text)[:-20])
    with pytest.raises(LoadError, match="truncated or corrupt gzip"):
        read_bytes(path)
    path.write_bytes(gzip.compress(text) + b"trailing garbage")  # as gzip -d, ignored
    assert bytes(read_bytes(path)) == text


def test_the_series_limit_refuses_any_source() -> None:
    with pytest.raises(LoadError, match=r"holds 2 series.*--max-series"):
        curvedoc.load(FIXTURES / "healthy_lstm_sine.json", max_series=1)
    with pytest.raises(LoadError, match=r"CSV header has 3 columns.*--max-series"):
        curvedoc.load(FIXTURES / "healthy_lstm_sine.csv", max_series=1)
