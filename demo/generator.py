"""Write a seeded, deterministic demo estate: the file tree of CONTRACT.md plus ``ground_truth.json``."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

from .aws import write_aws
from .aws_scale import write_aws_scale
from .azure import write_azure
from .billing import months
from .catalog import (
    AZURE_GIB_HOUR,
    AZURE_GPU_HOUR,
    AZURE_SPOT_FACTOR,
    AZURE_VCPU_HOUR,
    catalog_files,
    price_for,
)
from .estate import build_estate
from .gcp import write_gcp
from .palette import write_palette
from .prometheus import write_prometheus
from .truth import ground_truth, write_truth

DEFAULT_END = date(2026, 10, 31)
ALL_SOURCES = ("aws", "azure", "gcp", "palette", "prometheus")
OWNED = ("aws", "azure", "gcp", "palette", "prometheus", "pricing", "redelivery", "ground_truth.json")


def _clean(out: Path) -> None:
    """Remove what a previous run wrote (only the generator's own entries) so runs never mix."""
    for name in OWNED:
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _write_pricing(out: Path, est) -> None:
    folder = out / "pricing"
    folder.mkdir(parents=True, exist_ok=True)
    for f in catalog_files():
        shutil.copyfile(f, folder / f.name)
    lines = ["region,vm_size,vcpu,memory_gib,gpus,payg_usd_per_hour,spot_usd_per_hour"]
    seen = sorted({(c.region, p.price.instance_type) for c in est.clusters if c.provider == "azure" for p in c.pools})
    for region, size in seen:
        p = price_for("azure", size, region)
        lines.append(f"{region},{size},{p.vcpu:g},{p.memory_gib:g},{p.gpus},{p.ondemand_hour},{p.spot_hour}")
    (folder / "azure_vm_prices_derived.csv").write_text("\n".join(lines) + "\n")
    # A CSV has no room for comments: how the prices were derived sits beside it.
    (folder / "azure_vm_prices_derived.md").write_text(
        f"Azure VM prices for the demo, derived (no public Azure price file is shipped): "
        f"vCPU x {AZURE_VCPU_HOUR} + GiB x {AZURE_GIB_HOUR} + GPU x {AZURE_GPU_HOUR} USD/hour; "
        f"spot = pay-as-you-go x {AZURE_SPOT_FACTOR}.\n"
    )


def generate(
    out_dir: Path,
    days: int = 90,
    seed: int = 7,
    end_date: date | None = None,
    cur_rows: int | None = None,
    only: tuple[str, ...] | None = None,
) -> dict:
    """Write the demo estate under ``out_dir`` and return a summary (paths, per-source/per-period totals).

    ``cur_rows`` switches to scale mode: one month of hourly AWS CUR with about that many rows
    (no Palette/Prometheus/Azure/GCP). ``only`` limits the normal mode to some of ALL_SOURCES.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    end = end_date or DEFAULT_END
    meta = {
        "seed": seed,
        "days": days,
        "end_date": str(end),
        "cur_rows": cur_rows,
        "generator": "demo",
    }
    summaries: dict[str, dict] = {}
    if cur_rows:
        if only and set(only) - {"aws"}:
            raise ValueError("--cur-rows writes AWS only; use --only aws")
        summaries["aws"] = write_aws_scale(out, cur_rows, seed, end)
        est = None
    else:
        if days < 7:
            raise ValueError("days must be >= 7 so every anomaly fits in the window")
        selected = set(only or ALL_SOURCES)
        if unknown := selected - set(ALL_SOURCES):
            raise ValueError(f"unknown sources: {sorted(unknown)}")
        est = build_estate(seed, days, end)
        periods = months(est)
        redelivered = periods[-2] if len(periods) > 1 else periods[-1]
        meta |= {"start_date": str(est.start), "billing_periods": periods}
        _write_pricing(out, est)
        if "aws" in selected:
            summaries["aws"] = write_aws(est, out, redelivered)
        if "azure" in selected:
            summaries["azure"] = write_azure(est, out, redelivered)
        if "gcp" in selected:
            summaries["gcp"] = write_gcp(est, out)
        if "palette" in selected:
            summaries["palette"] = write_palette(est, out)
        if "prometheus" in selected:
            summaries["prometheus"] = write_prometheus(est, out)
    doc = ground_truth(est, summaries, meta)
    truth = write_truth(out, doc)
    return {
        "out_dir": str(out),
        "ground_truth": str(truth),
        "seconds": round(time.perf_counter() - t0, 2),
        "expected_totals": doc["expected_totals"],
        **{k: v for k, v in summaries.items() if k in ("palette", "prometheus")},
    }
