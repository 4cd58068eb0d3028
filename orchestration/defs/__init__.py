"""Dagster definitions by domain (ingestion, transform, quality, ml, exports, actions, jobs)."""


def collect(package: str, modules: tuple[str, ...]):
    """Definitions from the modules of a domain package that exist; each exposes any of ASSETS, CHECKS,
    SCHEDULES, SENSORS, JOBS (lists)."""
    import importlib
    import importlib.util

    import dagster as dg

    found: dict[str, list] = {"assets": [], "asset_checks": [], "schedules": [], "sensors": [], "jobs": []}
    for name in modules:
        module = f"{package}.{name}"
        if importlib.util.find_spec(module) is None:
            continue
        mod = importlib.import_module(module)
        for attr, key in (("ASSETS", "assets"), ("CHECKS", "asset_checks"), ("SCHEDULES", "schedules"),
                          ("SENSORS", "sensors"), ("JOBS", "jobs")):  # fmt: skip
            found[key].extend(getattr(mod, attr, []))
    return dg.Definitions(**found)
