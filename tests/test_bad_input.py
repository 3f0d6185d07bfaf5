"""Bad input gets one clear line and exit 2; odd but valid input is analysed (exit 0).

The contract (foundation issue): for a bad file, exactly one line on stderr naming the
file and what is wrong, exit status 2, no traceback, nothing on stdout. Odd but valid runs
(one epoch, NaN/inf, constant curves, nulls, validation every k epochs, negative losses,
duplicate keys, BOMs) are analysed, and no rule may crash on them (the report's
``errors`` list stays empty). Metric names are data and are escaped in every format. A
seeded mutation fuzzer checks that nothing but a LoadError ever escapes the loaders.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import random
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    DATA,
    FIXTURES,
    CliResult,
    diverged_history_dict,
    fixture_files,
    healthy_history_dict,
    run_cli_subprocess,
)

import curvedoc
from curvedoc.errors import LoadError
from curvedoc.loaders import decode_text, load_text

Cli = Callable[..., CliResult]
Writer = Callable[[str, "str | bytes | object"], Path]


def assert_one_line_error(result: CliResult, path: str | Path) -> str:
    """The bad-input contract; returns the message."""
    assert result.code == 2, result
    assert result.out == "", result.out
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert result.err.endswith("\n")
    line = lines[0]
    assert line.startswith("curvedoc: error: "), line
    assert str(path) in line, f"the message does not name the file: {line}"
    assert "internal error" not in line, line  # a crash that was caught is still a bug
    return line


# -- the bad-input matrix ------------------------------------------------------------------------

_rng = random.Random(20240601)
_RANDOM_BYTES = bytes(_rng.randrange(256) for _ in range(4096))


def _zip_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, data)
    return buf.getvalue()


_ZIPPED_CONFIG = _zip_of("config.json", b'{"class_name": "Sequential"}')

BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    # name: (file name, content, a word the message must contain)
    "empty": ("empty.json", b"", "empty"),
    "blank": ("blank.csv", b"  \n\t\n", "empty"),
    "bom only": ("bom.json", codecs.BOM_UTF8, "empty"),
    "plain text": ("notes.txt", b"hello world\nthis is not a table\n", "neither JSON nor"),
    "truncated json": ("trunc.json", b'{"loss": [1.0, 0.5, 0.25', "truncated"),
    "json syntax": ("syntax.json", b'{"loss": [1.0, 0.5,, 0.25]}', "not valid JSON"),
    "json then junk": ("junk.json", b'{"loss": [1.0]} trailing', "not valid JSON"),
    "json list": ("list.json", b"[1, 2, 3]", "list"),
    "nested lists": ("nested.json", b"[[1, 2], [3, 4]]", "list"),
    "empty list": ("el.json", b"[]", "empty list"),
    "json string": ("str.json", b'"loss"', "single value"),
    "json boolean": ("bool.json", b"true", "single value"),
    "json null": ("null.json", b"null", "single value"),
    "json number": ("num.json", b"3.5", "single value"),
    "json NaN": ("nan.json", b"NaN", "single value"),
    "strings in a series": ("s.json", b'{"loss": ["low", "high"]}', "text"),
    "a string as a series": ("s2.json", b'{"loss": "0.1, 0.2"}', "string"),
    "booleans in a series": ("b.json", b'{"loss": [true, false]}', "boolean"),
    "scalar where a series belongs": ("sc.json", b'{"loss": 0.5, "val_loss": [1, 2]}', "number"),
    "list in a series": ("ls.json", b'{"loss": [[1, 2], [3]]}', "list"),
    "object in a series": ("ob.json", b'{"loss": [{"v": 1}]}', "object"),
    "object with no index keys": ("ok.json", b'{"loss": {"a": 1}}', "keys"),
    "records with text": ("rec.json", b'[{"loss": 1}, {"loss": "x"}]', "text"),
    "empty object": ("eo.json", b"{}", "no metric series"),
    "empty history": ("eh.json", b'{"history": {}}', "no metric series"),
    "only an epoch axis": ("ep.json", b'{"epoch": [0, 1, 2]}', "epoch"),
    "empty series": ("es.json", b'{"loss": [], "val_loss": []}', "empty"),
    "only a learning rate": ("lr.json", b'{"lr": [0.1, 0.1]}', "learning-rate"),
    "epoch list with holes": ("eh2.json", b'{"loss": [1, 2], "epoch": [0, null]}', "epoch"),
    "huge integer literal": ("big.json", b'{"loss": [' + b"9" * 5000 + b"]}", "JSON"),
    "curvedoc without logs": (
        "cd.json",
        b'{"format": "curvedoc-history", "epoch_logs": [1, 2]}',
        "epoch_logs",
    ),
    "curvedoc bad counts": (
        "cd2.json",
        b'{"format": "curvedoc-history", "epoch_logs": {"loss": [1, 0.5]},'
        b' "batch": {"series": {"loss": [1, 2, 3]}, "counts": [1, 1], "epochs": [0, 1]}}',
        "counts",
    ),
    "curvedoc bad version": (
        "cd3.json",
        b'{"format": "curvedoc-history", "format_version": "1", "epoch_logs": {"loss": [1]}}',
        "format_version",
    ),
    "ragged csv": ("ragged.csv", b"epoch,loss\n0,1.0\n1,0.5,0.3\n2,0.2\n", "line 3"),
    "short csv row": ("short.csv", b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.5\n", "line 3"),
    "non-numeric csv": ("nn.csv", b"epoch,loss\n0,1.0\n1,abc\n", "'abc' is not a number"),
    "csv header only": ("ho.csv", b"epoch,loss,val_loss\n", "no rows"),
    "csv without header": ("nh.csv", b"0,1.0\n1,0.5\n", "header"),
    "csv duplicate column": ("dc.csv", b"epoch,loss,loss\n0,1,2\n", "twice"),
    "csv only epochs": ("oe.csv", b"epoch\n0\n1\n", "no metric columns"),
    "csv epoch with holes": ("eh.csv", b"epoch,loss\n0,1\nNA,2\n", "epoch"),
    "csv all empty": ("ae.csv", b"epoch,loss\n0,NA\n1,\n", "missing"),
    "random bytes": ("random.bin", _RANDOM_BYTES, "binary"),
    # a saved model given where the history goes: the message says where it belongs
    "keras model": ("model.keras", _ZIPPED_CONFIG, "--model"),
    "h5 model": ("model.h5", b"\x89HDF\r\n\x1a\n" + bytes(2048), "--model"),
    "png header": (
        "image.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _RANDOM_BYTES[:64],
        "binary",
    ),
    "nul bytes": ("nul.json", b"\x00" * 64, "binary"),
    "invalid utf-8": ("bad.json", b'{"loss": [1, 2]}\xff\xfe\xfa', "UTF-8"),
    "latin-1 csv": ("latin.csv", "epoch,perte_é\n0,1\n".encode("latin-1"), "UTF-8"),
    "bad utf-16": ("u16.json", codecs.BOM_UTF16_LE + b'{\x00"\x00\x00\xd8', "UTF-16"),
    "truncated gzip": ("t.json.gz", gzip.compress(b'{"loss": [1, 2, 3]}' * 20)[:30], "gzip"),
    "gzip of binary": ("gb.gz", gzip.compress(_RANDOM_BYTES), "binary"),
    "gzip of nothing": ("gn.gz", gzip.compress(b""), "empty"),
    "deep list nesting": ("deep.json", b"[" * 100_000, "nested too deeply"),
    "deep valid nesting": ("deep2.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "deep object nesting": ("deep3.json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested"),
    "deep nesting in a series": (
        "deep4.json",
        b'{"loss": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested too deeply",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_gives_one_line_and_exit_2(case: str, cli: Cli, write: Writer) -> None:
    name, content, word = BAD_FILES[case]
    path = write(name, content)
    line = assert_one_line_error(cli("analyze", path), path)
    assert word.lower() in line.lower(), line


@pytest.mark.parametrize("case", ["random bytes", "deep list nesting", "truncated json"])
def test_bad_file_in_a_fresh_interpreter(case: str, write: Writer) -> None:
    """The same contract through ``python -m curvedoc`` (no traceback from any layer)."""
    name, content, _ = BAD_FILES[case]
    path = write(name, content)
    assert_one_line_error(run_cli_subprocess("analyze", str(path)), path)


def test_missing_path(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "no" / "such.json"
    line = assert_one_line_error(cli("analyze", path), path)
    assert "no such file" in line


def test_missing_path_in_a_fresh_interpreter(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    assert_one_line_error(run_cli_subprocess("analyze", str(path)), path)


def test_a_path_through_a_file(cli: Cli, write: Writer) -> None:
    f = write("file.json", {"loss": [1, 2]})
    assert_one_line_error(cli("analyze", f / "x.json"), f / "x.json")


def test_an_overlong_file_name(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / ("x" * 5000)
    assert_one_line_error(cli("analyze", path), path)


def test_a_file_name_with_a_newline_stays_one_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.json"
    result = cli("analyze", path)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1
    assert "two\\nlines.json" in result.err


def test_an_empty_directory(cli: Cli, tmp_path: Path) -> None:
    d = tmp_path / "empty"
    d.mkdir()
    assert_one_line_error(cli("analyze", d), d)


def test_a_directory_without_event_files(cli: Cli, tmp_path: Path) -> None:
    d = tmp_path / "logs"
    d.mkdir()
    (d / "README.txt").write_text("no runs here\n")
    (d / "sub").mkdir()
    assert_one_line_error(cli("analyze", d), d)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root reads files whatever their mode",
)
def test_an_unreadable_file(cli: Cli, write: Writer) -> None:
    path = write("secret.json", {"loss": [1, 2]})
    path.chmod(0)
    try:
        line = assert_one_line_error(cli("analyze", path), path)
        assert "permission denied" in line
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_device_is_refused_without_reading_it_all() -> None:
    with pytest.raises(LoadError, match="binary"):
        curvedoc.load("/dev/zero")


def test_the_api_refuses_bad_paths_with_load_error() -> None:
    with pytest.raises(LoadError, match="empty path"):
        curvedoc.load("")
    with pytest.raises(LoadError, match="NUL"):
        curvedoc.load("a\x00b.json")


def test_usage_errors_exit_2_with_one_line(cli: Cli) -> None:
    for args in (("analyze",), ("analyze", "x.json", "--format", "pdf"), ("frobnicate",)):
        result = cli(*args)
        assert result.code == 2 and result.out == ""
        assert len(result.err.splitlines()) == 1 and "error" in result.err


# -- odd but valid: analysed, exit 0, no rule crashes ---------------------------------------------


def _analyse_json(cli: Cli, path: Path) -> dict[str, object]:
    result = cli("analyze", path, "--format", "json")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    report: dict[str, object] = json.loads(result.out)
    assert report["errors"] == [], f"a rule crashed on {path.name}: {report['errors']}"
    return report


def _codes(report: dict[str, object]) -> dict[str, str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["code"]: f["severity"] for f in findings}


def test_a_single_epoch_is_too_short_to_judge(cli: Cli, write: Writer) -> None:
    report = _analyse_json(cli, write("one.json", {"loss": [0.7], "val_loss": [0.8]}))
    run = report["run"]
    assert isinstance(run, dict) and run["too_short"] is True and run["epochs"] == 1
    notes = report["notes"]
    assert isinstance(notes, list) and any("too short" in n for n in notes)
    text = cli("analyze", write("one.csv", "epoch,loss\n0,0.7\n"), "--width", "120")
    assert text.code == 0 and "too short" in text.out.lower()


@pytest.mark.parametrize(
    "content",
    [
        diverged_history_dict(),  # NaN written by json.dump
        '{"loss": [1.0, 0.8, 0.6, 0.5, 0.45, 0.42, Infinity, NaN, NaN, NaN]}',
        '{"loss": [1.0, 0.8, 0.6, 0.5, 0.45, 0.42, 0.4, "NaN", "NaN", "NaN"]}',
        "epoch,loss\n0,1.0\n1,0.8\n2,0.6\n3,0.5\n4,0.45\n5,0.42\n6,inf\n7,nan\n8,nan\n",
    ],
)
def test_nan_and_inf_are_a_divergence_finding(
    content: str | dict[str, list[float]], cli: Cli, write: Writer
) -> None:
    path = write(
        "diverged.csv" if isinstance(content, str) and "epoch," in content else "d.json", content
    )
    report = _analyse_json(cli, path)
    assert _codes(report).get("CD301") == "error"
    assert report["healthy"] is False


def _odd_but_valid() -> dict[str, tuple[str, str | bytes | object]]:
    healthy = healthy_history_dict(30)
    loss, val = healthy["loss"], healthy["val_loss"]
    body = json.dumps(healthy)
    csv_text = "epoch,loss,val_loss\n" + "".join(
        f"{e},{a},{b}\n" for e, (a, b) in enumerate(zip(loss, val, strict=True))
    )
    nulls = dict(healthy)
    nulls["loss"] = [None if i % 7 == 3 else v for i, v in enumerate(loss)]
    nulls["val_loss"] = [None if i % 5 == 1 else v for i, v in enumerate(val)]
    every3 = {"loss": loss, "val_loss": val[2::3]}
    every3_csv = "epoch,loss,val_loss\n" + "".join(
        f"{e},{a},{b if e % 3 == 2 else 'NA'}\n"
        for e, (a, b) in enumerate(zip(loss, val, strict=True))
    )
    return {
        "constant": ("c.json", {"loss": [0.5] * 30, "val_loss": [0.6] * 30}),
        "constant zero": ("z.json", {"loss": [0.0] * 30, "val_loss": [0.0] * 30}),
        "constant accuracy": ("ca.json", {"accuracy": [1.0] * 20, "val_accuracy": [1.0] * 20}),
        "nulls": ("n.json", nulls),
        "a null validation": ("nv.json", {"loss": loss, "val_loss": [None] * len(loss)}),
        "validation every 3": ("v3.json", every3),
        "validation every 3 csv": ("v3.csv", every3_csv),
        "negative losses": (
            "neg.json",
            {"loss": [-v for v in loss], "val_loss": [-v for v in val]},
        ),
        "losses crossing zero": ("cross.json", {"loss": [v - 0.4 for v in loss]}),
        "duplicate keys": ("dup.json", '{"loss": [1, 2], ' + body[1:]),
        "utf-8 bom": ("bom.json", codecs.BOM_UTF8 + body.encode()),
        "utf-16 bom": ("bom16.json", codecs.BOM_UTF16_LE + body.encode("utf-16-le")),
        "utf-16 be bom csv": ("bom16be.csv", codecs.BOM_UTF16_BE + csv_text.encode("utf-16-be")),
        "two epochs": ("two.json", {"loss": [1.0, 0.5]}),
        "five epochs": ("five.json", {"loss": [1.0, 0.5, 0.4, 0.35, 0.3]}),
        "only validation": ("ov.json", {"val_loss": val}),
        "custom metrics only": ("cm.json", {"my_score": loss, "val_my_score": val}),
        "accuracy only": (
            "acc.json",
            {"acc": [1 - v for v in loss], "val_acc": [1 - v for v in val]},
        ),
        "huge values": ("huge.json", {"loss": [v * 1e300 for v in loss]}),
        "tiny values": ("tiny.json", {"loss": [v * 1e-300 for v in loss]}),
        "a spike to inf and back": (
            "spk.json",
            {"loss": [*loss[:10], float("inf"), *loss[11:]], "val_loss": val},
        ),
        "long run": ("long.json", {"loss": (np.exp(-np.arange(5000) / 900.0) + 0.1).tolist()}),
        "resumed csv": (
            "resumed.csv",
            "epoch,loss\n" + "".join(f"{e},{loss[e]}\n" for e in [*range(10), *range(5, 20)]),
        ),
        "gzip": ("g.json.gz", gzip.compress(body.encode())),
    }


ODD = _odd_but_valid()


@pytest.mark.parametrize("case", sorted(ODD))
def test_odd_but_valid_input_is_analysed(case: str, cli: Cli, write: Writer) -> None:
    name, content = ODD[case]
    _analyse_json(cli, write(name, content))
    for fmt in ("text", "markdown", "html"):
        result = cli("analyze", write(name, content), "--format", fmt)
        assert result.code == 0 and result.err == "", (fmt, result.err)
        assert result.out.strip()


def test_extreme_finite_values_render_as_html(cli: Cli, write: Writer) -> None:
    path = write("extreme.json", {"loss": [1.0, -1e308, 0.5, 1e308, 0.3, 0.2]})
    _analyse_json(cli, path)
    result = cli("analyze", path, "--format", "html")
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    "path",
    [p for p in fixture_files("*") if p.parent == FIXTURES and p.suffix in (".json", ".csv")],
    ids=lambda p: p.name,
)
def test_no_rule_crashes_on_a_real_fixture(path: Path) -> None:
    report = curvedoc.diagnose(curvedoc.load(path))
    assert report.errors == (), report.errors
    json.dumps(report.to_dict(include_curves=True), allow_nan=False)


# -- metric names are data: escaped in every output ----------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "[bold red]x", "a|b`c`"]


@pytest.fixture
def hostile_run() -> Path:
    """tests/data/hostile_names.json: three metric pairs named with HTML, markup, pipes."""
    path = DATA / "hostile_names.json"
    assert set(HOSTILE) <= set(json.loads(path.read_text(encoding="utf-8")))
    return path


def test_names_survive_json_exactly(hostile_run: Path, cli: Cli) -> None:
    result = cli("analyze", hostile_run, "--format", "json")
    report = json.loads(result.out)
    for name in HOSTILE:
        assert name in report["metrics"]["pairs"]
        assert report["metrics"]["pairs"][name]["val"]["key"] == f"val_{name}"
        assert f"val_{name}" in report["run"]["series"]


def test_names_print_literally_in_text(hostile_run: Path, cli: Cli) -> None:
    result = cli("analyze", hostile_run, "--format", "text", "--width", "250", "--no-color")
    assert result.code == 0
    # rich markup in a name is printed, not interpreted (it would vanish or restyle)
    assert "[bold red]x" in result.out
    assert "val_[bold red]x" in result.out
    assert "<script>alert(1)</script>" in result.out  # plain text has nothing to escape
    assert "\x1b[" not in result.out


UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_names_cannot_break_markdown(hostile_run: Path, cli: Cli) -> None:
    md = cli("analyze", hostile_run, "--format", "markdown").out
    assert "<script>" not in md  # no raw HTML from the data
    assert "a|b" not in md  # the pipe is escaped
    assert "`c`" not in md.replace("\\`c\\`", "")  # backticks escaped
    # every row of every table has as many cell separators as its header
    table: list[str] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            widths = {len(UNESCAPED_PIPE.findall(row)) for row in table}
            assert len(widths) == 1, table
            table = []


def test_names_cannot_inject_html(hostile_run: Path, cli: Cli) -> None:
    html = cli("analyze", hostile_run, "--format", "html").out
    assert "<script>alert(1)</script>" not in html
    assert "<script" not in html.lower()  # curvedoc's HTML runs no script at all


# -- fuzzing: nothing but LoadError escapes the loaders ------------------------------------------

TOKENS = [b"NaN", b"null", b"true", b'"x"', b"[]", b"{}", b"1e999", b"-0", b'"NA"', b"[1,[2]]"]
TOKENS += [b",", b"\n", b"\x00", b"\xff", b'"', b"{", b"[", b"]", b"}", b":", b"\r\n", b"\t"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One random structural or byte-level change."""
    if not data:
        return rng.choice(TOKENS)
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randrange(1, 40))
    op = rng.choice([0, 1, 2, 3, 4, 5, 6, 6, 6, 7])
    if op == 0:
        return data[:i]  # truncate
    if op == 1:
        return data[:i] + data[j:]  # delete a range
    if op == 2:
        return data[:i] + rng.choice(TOKENS) + data[i:]  # insert a token
    if op == 3:
        return data[:i] + rng.choice(TOKENS) + data[j:]  # replace a range
    if op == 4:
        return data[:j] + data[i:j] + data[j:]  # duplicate a range
    if op == 5:
        b = bytearray(data)
        b[i] = rng.randrange(256)  # flip a byte
        return bytes(b)
    if op == 6:  # replace some numbers by odd values that are still values
        values = [b"NaN", b"null", b"1e999", b"-0", b'"NA"', b'"0.5"', b"0", b"-1e-300", b"7"]
        return re.sub(rb"\d+\.\d+", lambda m: rng.choice(values), data, count=rng.randrange(1, 6))
    return data.replace(b",", rng.choice([b";", b"\t", b",,", b""]), rng.randrange(1, 4))


def _seeds() -> list[bytes]:
    seeds = [
        json.dumps(healthy_history_dict(12)).encode(),
        json.dumps(
            {"history": healthy_history_dict(8), "epoch": list(range(8)), "params": {}}
        ).encode(),
        b'[{"epoch": 0, "loss": 1.0}, {"epoch": 1, "loss": 0.5, "acc": 0.7}]',
        b'{"loss": {"0": 1.0, "1": 0.5}, "epoch": {"0": 0, "1": 1}}',
        b"epoch,acc,loss,val_acc,val_loss\n0,0.5,1.0,NA,1.1\n1,0.6,0.8,0.55,0.9\n2,0.7,0.6,NA,0.7\n",
        json.dumps(
            {
                "format": "curvedoc-history",
                "format_version": 1,
                "epochs": [0, 1, 2],
                "epoch_logs": {"loss": [1.0, 0.5, 0.4], "val_loss": [1.1, None, 0.5]},
                "batch": {
                    "epochs": [0, 1, 2],
                    "counts": [2, 2, 1],
                    "series": {"loss": [1, 1, 0.5, 0.5, 0.4]},
                },
                "context": {"batch_size": 32},
            }
        ).encode(),
    ]
    for path in fixture_files("*.csv")[:2] + fixture_files("*.json")[:2]:
        text = path.read_bytes()
        seeds.append(text[:1500] if path.suffix == ".csv" else text)
    return seeds


def _fuzz_inputs(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    seeds = _seeds()
    out: list[bytes] = []
    for _ in range(count):
        data = rng.choice(seeds)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            data = _mutate(data, rng)
        if rng.random() < 0.1:
            data = rng.choice([codecs.BOM_UTF8, b""]) + data
        if rng.random() < 0.05:
            data = gzip.compress(data)
        out.append(data)
    return out


FUZZ = _fuzz_inputs(400, seed=7)


def _load_bytes(data: bytes, name: str = "fuzz") -> object:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return None
    return load_text(decode_text(data, name), name)


@pytest.mark.parametrize("chunk", range(8))
def test_fuzzed_input_loads_or_raises_load_error(chunk: int) -> None:
    loaded = refused = 0
    crashes: list[str] = []
    for data in FUZZ[chunk::8]:
        try:
            history = _load_bytes(data)
        except LoadError as exc:
            refused += 1
            assert "\n" not in str(exc)
            continue
        except Exception as exc:  # pragma: no cover - a failure shows the input
            crashes.append(f"{type(exc).__name__}: {exc} <- {data[:120]!r}")
            continue
        if history is None:
            continue
        loaded += 1
        report = curvedoc.diagnose(history)  # type: ignore[arg-type]
        json.dumps(report.to_dict(include_curves=True), allow_nan=False)
        if report.errors:
            crashes.append(f"rule errors {report.errors} <- {data[:120]!r}")
    assert not crashes, "\n".join(crashes)
    assert loaded + refused > 0


def test_fuzz_exercises_both_outcomes() -> None:
    outcomes = {"ok": 0, "refused": 0}
    for data in FUZZ:
        try:
            _load_bytes(data)
            outcomes["ok"] += 1
        except LoadError:
            outcomes["refused"] += 1
    assert outcomes["ok"] > 40 and outcomes["refused"] > 40, outcomes


def test_fuzzed_files_through_the_cli_never_print_a_traceback(cli: Cli, write: Writer) -> None:
    for i, data in enumerate(FUZZ[:60]):
        path = write(f"fuzz{i}.dat", data)
        result = cli("analyze", path, "--format", "json")
        assert "Traceback" not in result.err
        if result.code == 0:
            assert result.err == ""
            json.loads(result.out)
        else:
            assert_one_line_error(result, path)


def test_an_empty_path_is_an_error_not_the_current_directory(cli: Cli) -> None:
    result = cli("analyze", "")
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1 and "empty PATH" in result.err


@pytest.mark.parametrize(
    "content",
    [b'{"loss": [NaN, null, Infinity]}', b"epoch,loss,val_loss\n0,nan,nan\n1,nan,nan\n"],
)
def test_a_loss_that_was_never_finite_is_analysed_as_diverged(
    tmp_path: Path, content: bytes
) -> None:
    # NaN written out from the first epoch is a run that diverged at once, not bad input
    path = tmp_path / ("nf.json" if content.startswith(b"{") else "nf.csv")
    path.write_bytes(content)
    result = run_cli_subprocess("analyze", str(path), "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["healthy"] is False and doc["causes"][0]["category"] == "hyperparameters"
    assert any(f["code"] == "CD301" and f["severity"] == "error" for f in doc["findings"])
