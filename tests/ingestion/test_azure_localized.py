"""Azure exports as non-English portals and older usage-details downloads write them: same rows, same money.

Each variant is derived from the real EA sample: its headers renamed the way the portal localizes
them (bare names per language, or ``Localized (English)`` for any language), numbers and dates
written the local way (decimal commas, ``;`` delimiters, ``DD.MM.YYYY``), or laid out as the older
pay-as-you-go and EA usage details. The exact total and the row count must not change.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingestion.azure_cost.headers import normalize_header
from ingestion.azure_cost.helpers import EXACT_COST, AzureFile, read_costs
from ingestion.common.localized import FileNumbers
from ingestion.common.money import exact_sum
from ingestion.load import run_load

SAMPLE = "azure/ea_actual_cost_small.csv"
NUMERIC = {"Quantity", "EffectivePrice", "Cost", "UnitPrice", "PayGPrice"}
DATES = {"Date", "BillingPeriodStartDate", "BillingPeriodEndDate"}
#: What a portal in each language writes for some of the columns (bare localized names).
LANGUAGES = {
    "de": {
        "Cost": "Kosten",
        "Date": "Datum",
        "BillingCurrency": "Abrechnungswährung",
        "ResourceGroup": "Ressourcengruppe",
        "MeterCategory": "Kategorie der Verbrauchseinheit",
        "SubscriptionName": "Abonnementname",
        "Quantity": "Menge",
        "ChargeType": "Gebührentyp",
    },
    "fr": {
        "Cost": "Coût",
        "Date": "Date",
        "BillingCurrency": "Devise de facturation",
        "ResourceGroup": "Groupe de ressources",
        "MeterCategory": "Catégorie du compteur",
        "SubscriptionName": "Nom de l'abonnement",
        "Tags": "Balises",
        "ConsumedService": "Service consommé",
    },
    "es": {
        "Cost": "Costo",
        "Date": "Fecha",
        "BillingCurrency": "Moneda de facturación",
        "ResourceGroup": "Grupo de recursos",
        "MeterCategory": "Categoría del medidor",
        "Tags": "Etiquetas",
        "Quantity": "Cantidad",
    },
    "ja": {
        "Cost": "コスト",
        "Date": "日付",
        "BillingCurrency": "請求通貨",
        "ResourceGroup": "リソース グループ",
        "MeterCategory": "メーター カテゴリ",
        "Tags": "タグ",
        "Quantity": "数量",
    },
}
#: How each language writes numbers and dates in its exports (delimiter, decimal mark, date format).
STYLE = {"de": (";", ",", "dot"), "fr": (",", ",", "dmy"), "es": (";", ",", "dmy"), "ja": (",", ".", "ymd")}


def sample(real_data: Path) -> tuple[list[str], list[dict]]:
    rows = list(csv.DictReader(io.StringIO((real_data / SAMPLE).read_text(encoding="utf-8-sig"))))
    return list(rows[0].keys()), rows


def total(rows: list[dict], column: str = "Cost") -> Decimal:
    return sum((Decimal(r[column]) for r in rows if r[column]), Decimal(0))


def local_date(us: str, style: str) -> str:
    if not us:
        return us
    month, day, year = us.split("/")
    return {"dot": f"{day}.{month}.{year}", "dmy": f"{day}/{month}/{year}", "ymd": f"{year}/{month}/{day}"}[style]


def write(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",", preamble: str = "") -> Path:
    out = io.StringIO()
    out.write(preamble)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def localized(real_data: Path, lang: str, out: Path) -> Path:
    header, rows = sample(real_data)
    delimiter, decimal, dates = STYLE[lang]
    names = [LANGUAGES[lang].get(h, h) for h in header]
    body = []
    for r in rows:
        cells = []
        for h in header:
            value = r[h]
            if h in NUMERIC:
                value = value.replace(".", decimal)
            elif h in DATES:
                value = local_date(value, dates)
            cells.append(value)
        body.append(cells)
    return write(out / f"costs_{lang}.csv", names, body, delimiter)


def read(path: Path) -> tuple[int, Decimal, list]:
    tables = list(read_costs(AzureFile(str(path))))
    dates = sorted({d for t in tables for d in t["date"].to_pylist()})
    return sum(t.num_rows for t in tables), sum((exact_sum(t[EXACT_COST]) for t in tables), Decimal(0)), dates


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_localized_headers_numbers_and_dates(lang, real_data, tmp_path):
    header, rows = sample(real_data)
    path = localized(real_data, lang, tmp_path)
    assert normalize_header([LANGUAGES[lang].get(h, h) for h in header]) == normalize_header(header)
    n, cost, dates = read(path)
    assert (n, cost) == (len(rows), total(rows))
    want = sorted({datetime.strptime(r["Date"], "%m/%d/%Y").date() for r in rows})
    assert dates == want and any(d.day > 12 for d in want)  # a day above 12: a swapped order would show


def test_localized_english_in_parentheses_for_any_language(real_data, tmp_path):
    header, rows = sample(real_data)
    names = [f"Kolumna {i} ({h})" for i, h in enumerate(header)]  # any language: the English name decides
    names[header.index("SubscriptionId")] = "Abonnement-GUID (SubscriptionGuid)"
    assert normalize_header(names) == normalize_header(header)
    path = write(tmp_path / "costs.csv", names, [[r[h] for h in header] for r in rows])
    assert read(path)[:2] == (len(rows), total(rows))


def test_parentheses_that_are_not_a_column_name_are_kept():
    assert normalize_header(["Cost (USD)", "Date", "Note (internal)"]) == ["cost_usd", "date", "note_internal"]


def test_older_pay_as_you_go_usage_details(real_data, tmp_path):
    header, rows = sample(real_data)
    rename = {
        "SubscriptionId": "SubscriptionGuid",
        "Date": "UsageDateTime",
        "Quantity": "UsageQuantity",
        "EffectivePrice": "ResourceRate",
        "Cost": "PreTaxCost",
        "ResourceId": "InstanceId",
        "BillingCurrency": "Currency",
    }
    keep = [h for h in header if h in rename or h in {"ResourceGroup", "ResourceLocation", "MeterCategory", "Tags"}]
    body = []
    for r in rows:
        month, day, year = r["Date"].split("/")
        body.append([f"{year}-{month}-{day}T00:00:00.0000000Z" if h == "Date" else r[h] for h in keep])
    path = write(tmp_path / "payg_usage.csv", [rename.get(h, h) for h in keep], body)
    assert read(path)[:2] == (len(rows), total(rows))


def test_older_ea_usage_download_with_a_preamble_and_spaced_names(real_data, tmp_path, tmp_warehouse):
    header, rows = sample(real_data)
    old = {
        "SubscriptionName": "Subscription Name",
        "Date": "Date",
        "MeterCategory": "Meter Category",
        "MeterSubCategory": "Meter Sub-Category",
        "Quantity": "Consumed Quantity",
        "Cost": "ExtendedCost",
        "ResourceId": "Instance ID",
        "ResourceGroup": "Resource Group",
    }
    path = write(
        tmp_path / "ea_usage_2019.csv",
        list(old.values()),
        [[r[h] for h in old] for r in rows],
        preamble="Usage Data Extract,\r\n,\r\n",
    )
    result = run_load("azure_cost", str(path), tmp_warehouse)
    assert sum(p.exact_cost for p in result.stats.periods.values()) == total(rows)
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        got = con.execute(
            "select count(*), count(meter_category), count(meter_sub_category), count(quantity), count(resource_id),"
            " count(resource_group) from raw_azure_cost.costs"
        ).fetchone()
    assert got[0] == len(rows) and all(got[1:]), got


def test_every_language_loads_end_to_end_into_the_same_columns(real_data, tmp_path, tmp_warehouse):
    folder = tmp_path / "exports"
    folder.mkdir()
    for lang in LANGUAGES:
        localized(real_data, lang, folder)
    header, rows = sample(real_data)
    result = run_load("azure_cost", str(folder), tmp_warehouse)
    assert not result.stats.quarantined
    assert sum(p.exact_cost for p in result.stats.periods.values()) == total(rows) * len(LANGUAGES)
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        per_file = con.execute(
            "select count(*), count(distinct cost_in_billing_currency), count(meter_category), count(billing_currency)"
            " from raw_azure_cost.costs group by _source_file"
        ).fetchall()
    assert len(set(per_file)) == 1 and per_file[0][0] == len(rows) and per_file[0][2] > 0


@pytest.mark.parametrize(
    ("cells", "decimal", "canonical"),
    [
        (["1,234"], ",", ["1.234"]),  # d,ddd alone: a decimal comma (exports do not group without decimals)
        (["1.234,56", "0,5"], ",", ["1234.56", "0.5"]),
        (["1.234"], ".", ["1.234"]),
        (["1,234.56", "12"], ".", ["1234.56", "12"]),
        (["0,000026", "1.234.567"], ",", ["0.000026", "1234567"]),
        (["7", "12"], None, ["7", "12"]),
    ],
)
def test_decimal_separator_is_decided_per_file(cells, decimal, canonical):
    numbers = FileNumbers()
    numbers.decide({"cost": pa.array(cells)})
    assert numbers.decimal == decimal
    assert numbers.normalize(pa.array(cells), "cost").to_pylist() == canonical


def test_contradicting_separators_fail_naming_the_column():
    numbers = FileNumbers()
    with pytest.raises(ValueError, match="decimal commas"):
        numbers.decide({"cost": pa.array(["0,5"]), "quantity": pa.array(["0.25"])})
    numbers = FileNumbers()
    numbers.decide({"cost": pa.array(["0,5"])})
    with pytest.raises(ValueError, match="column 'quantity' has '1.5'"):
        numbers.normalize(pa.array(["1.5"]), "quantity")
