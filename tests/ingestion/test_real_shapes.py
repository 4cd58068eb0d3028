"""Every file source loads the real samples in the shapes real exports come in, with exact rows and money.

Variants are derived from ``../shared/data/real`` here (the files themselves are never touched): rows
with missing trailing fields, a byte-order mark with CRLF, gzip, UTF-16, quoted fields holding newlines
and commas, and a column the provider added later. Expected totals are the exact decimal sums of the
files' own cells.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
from decimal import Decimal, localcontext
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingestion.aws_cur.reader import connect, file_query, file_schema, totals_of
from ingestion.azure_cost.helpers import EXACT_COST, AzureFile, read_costs
from ingestion.common.csv_text import iter_batches, sniff
from ingestion.common.money import exact_sum
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.focus.helpers import billed_cost as focus_billed
from ingestion.focus.helpers import read_focus
from ingestion.gcp_billing.helpers import billed_cost as gcp_billed
from ingestion.gcp_billing.helpers import read_billing
from ingestion.registry import build_source

#: source -> (sample, the column the provider bills, a text column to put newlines and commas in)
SAMPLES = {
    "azure_cost": [
        ("azure/ea_actual_cost_small.csv", "Cost", "MeterName"),
        ("azure/ea_amortized_cost_small.csv", "Cost", "MeterName"),
        ("azure/mca_camel_case.csv", "costInBillingCurrency", "meterName"),
    ],
    "focus": [("focus/focus_1.0_sample_1000.csv", "BilledCost", "ChargeDescription")],
    "aws_cur": [
        ("aws/cur_legacy_test_cur.csv", "lineItem/UnblendedCost", "lineItem/LineItemDescription"),
        ("aws/cur_legacy_2023-06-01.csv", "lineItem/UnblendedCost", "lineItem/LineItemDescription"),
        ("aws/cur_snake_case_2022-07-01.csv", "line_item_unblended_cost", "line_item_line_item_description"),
    ],
    "gcp_billing": [("gcp/bigquery_export_flattened_2020-11.csv", "cost", "sku.description")],
}
SHAPES = ["ragged", "bom_crlf", "gzip", "utf16", "quoted", "extra_column"]
#: AWS writes CUR as UTF-8 only: no UTF-16 variant for it.
SOURCE_SHAPES = {s: [v for v in SHAPES if s != "aws_cur" or v != "utf16"] for s in SAMPLES}


def cells(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return rows[0], rows[1:]


def exact_total(path: Path, column: str, source: str) -> Decimal:
    """The provider's own sum of ``column`` (GCP: plus its credits), in exact decimals."""
    with localcontext() as ctx:
        ctx.prec = 100  # Decimal's default 28 digits could round the expected sum itself
        return _total(path, column, source)


def _total(path: Path, column: str, source: str) -> Decimal:
    header, body = cells(path)
    i = header.index(column)
    total = sum((Decimal(r[i]) for r in body if i < len(r) and r[i].strip() not in ("", "NULL")), Decimal(0))
    if source == "gcp_billing":
        c = header.index("credits")
        for r in body:
            for credit in ast.literal_eval(r[c]) if r[c].strip() else []:
                total += Decimal(repr(credit["amount"]))
    return total


def to_csv(header: list[str], body: list[list[str]], newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def variant(path: Path, shape: str, text_column: str, out: Path) -> Path:
    """``path`` in one of the shapes of :data:`SHAPES`, written under ``out``."""
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    target = out / f"{shape}_{path.name}"
    if shape == "ragged":  # trailing empty cells left out on every other row
        lines = text.splitlines()
        target.write_text(
            "\n".join([lines[0]] + [x.rstrip(",") if i % 2 else x for i, x in enumerate(lines[1:])]) + "\n"
        )
    elif shape == "bom_crlf":
        target.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(text.splitlines()).encode() + b"\r\n")
    elif shape == "gzip":
        target = target.with_name(target.name + ".gz")
        target.write_bytes(gzip.compress(raw))
    elif shape == "utf16":
        target.write_bytes(text.encode("utf-16"))
    elif shape == "quoted":
        header, body = cells(path)
        i = header.index(text_column)
        for r in body[::2]:
            r[i] = f'{r[i]}, with "a comma",\nand a second line'
        target.write_text(to_csv(header, body, "\r\n"))
    elif shape == "extra_column":  # a column the provider added later, in the middle and at the end
        header, body = cells(path)
        header = header[:3] + ["NewMiddleColumn"] + header[3:] + ["x_AddedLater"]
        body = [r[:3] + [f"m{n}"] + r[3:] + [""] * (len(header) - 2 - len(r)) + [f"e{n}"] for n, r in enumerate(body)]
        target.write_text(to_csv(header, body))
    return target


def read_exact(source: str, path: Path) -> tuple[int, Decimal]:
    """Rows and exact billed cost of one file, through the source's own reader (no warehouse)."""
    if source == "aws_cur":  # DuckDB reads the file (gzip too) as the loader does
        con = connect()
        _, totals = totals_of(con, file_query(str(path), str(path), file_schema(con, str(path))), None)
        return sum(t.rows for t in totals), sum((t.billed_cost for t in totals), Decimal(0))
    reader = {"azure_cost": lambda p: read_costs(AzureFile(p)), "focus": read_focus, "gcp_billing": read_billing}
    billed = {"azure_cost": lambda t: [t[EXACT_COST]], "focus": lambda t: [focus_billed(t)], "gcp_billing": gcp_billed}
    rows, total = 0, Decimal(0)
    for table in reader[source](str(path)):
        rows += table.num_rows
        for part in billed[source](table):
            total += exact_sum(part)
    return rows, total


CASES = [
    (source, sample, shape)
    for source, samples in SAMPLES.items()
    for sample in samples
    for shape in SOURCE_SHAPES[source]
]


@pytest.mark.parametrize(("source", "sample", "shape"), CASES, ids=[f"{s}-{Path(f[0]).stem}-{v}" for s, f, v in CASES])
def test_each_shape_reads_exact_rows_and_money(source, sample, shape, real_data, tmp_path):
    name, column, text_column = sample
    path = real_data / name
    _, body = cells(path)
    got = read_exact(source, variant(path, shape, text_column, tmp_path))
    assert got == (len(body), exact_total(path, column, source))


@pytest.mark.parametrize("source", list(SAMPLES))
def test_all_shapes_load_end_to_end_and_keep_added_columns(source, real_data, tmp_path, tmp_warehouse):
    """One load of every shape of every sample: exact totals, and the added columns are kept, not dropped."""
    folder = tmp_path / "in"
    folder.mkdir()
    want_rows, want_cost = 0, Decimal(0)
    for name, column, text_column in SAMPLES[source]:
        path = real_data / name
        shapes = SOURCE_SHAPES[source]
        for shape in shapes:
            (folder / shape).mkdir(exist_ok=True)
            variant(path, shape, text_column, folder / shape)
        want_rows += len(cells(path)[1]) * len(shapes)
        want_cost += exact_total(path, column, source) * len(shapes)
    stats = LoadStats(source)
    make_pipeline(source, tmp_warehouse).run(
        build_source(source, str(folder), stats=stats, quarantine_to=str(tmp_path / "q"))
    )
    assert not stats.quarantined, [q.reason for q in stats.quarantined]
    assert sum(p.rows for p in stats.periods.values()) == want_rows
    assert sum((p.exact_cost for p in stats.periods.values()), Decimal(0)) == want_cost
    table = {"azure_cost": "costs", "focus": "costs", "aws_cur": "cost_and_usage", "gcp_billing": "billing_export"}[
        source
    ]
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        columns = {r[0] for r in con.execute(f"describe raw_{source}.{table}").fetchall()}
        assert {c for c in columns if "added_later" in c or "new_middle_column" in c}, sorted(columns)


def test_short_rows_after_many_batches_are_padded_in_order(tmp_path):
    """A short row far into a file: the rows already streamed are not read twice, nor lost."""
    path = tmp_path / "big.csv"
    lines = ["a,b,c"] + [f"{i},x,{i % 7}" for i in range(20_000)] + ["20000,short"] + ["20001,x,1"]
    path.write_text("\n".join(lines) + "\n")
    table = pa.Table.from_batches(list(iter_batches(str(path), ["a", "b", "c"], sniff(str(path)), block_size=1 << 14)))
    assert table.column("a").to_pylist() == [str(i) for i in range(20_002)]
    assert table.column("c").to_pylist()[-2:] == [None, "1"]


def test_a_row_with_more_cells_than_the_header_is_an_error(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(pa.ArrowInvalid, match="Expected 2 columns, got 3"):
        list(iter_batches(str(path), ["a", "b"]))


def test_a_preamble_above_the_header_is_skipped_when_the_header_is_known(tmp_path):
    path = tmp_path / "ea.csv"
    path.write_text('Usage Data Extract,\n"",\nDate,Cost\n09/01/2023,"1.5"\n')
    layout = sniff(str(path), lambda cells: "Cost" in cells)
    assert (layout.names, layout.preamble_lines) == (["Date", "Cost"], 2)
    assert pa.Table.from_batches(list(iter_batches(str(path), layout.names, layout))).to_pylist() == [
        {"Date": "09/01/2023", "Cost": "1.5"}
    ]
