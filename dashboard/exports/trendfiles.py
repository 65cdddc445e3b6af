"""Change against a baseline as files: CSV (one row per category) and JSON (the rows, what was compared, the
rule and the notes), for the Trends page's downloads and ``python -m dashboard trends``."""

from __future__ import annotations

import json

import pandas as pd

from dashboard.exports.datafiles import PRODUCT, ExportContext, table_csv
from dashboard.views.trends import RULE_TEXT, Trends

CSV_COLUMNS = ("category", "name", "latest", "baseline_average", "change", "change_percent", "level", "low_baseline")


def trends_frame(trends: Trends) -> pd.DataFrame:
    """One row per category, the biggest change first, with the measure and periods named in each row."""
    frame = trends.table.loc[:, list(CSV_COLUMNS)].copy()
    frame.insert(0, "dimension", trends.options.by)
    frame.insert(3, "measure", trends.options.measure)
    frame["latest_period"] = trends.period_label(trends.latest_start) if trends.latest_start is not None else ""
    frame["baseline_periods"] = trends.options.baseline
    frame["baseline_average"] = frame["baseline_average"].astype(float).round(4)
    frame["change"] = frame["change"].astype(float).round(4)
    return frame


def trends_csv(trends: Trends) -> bytes:
    return table_csv(trends_frame(trends))


def trends_json(trends: Trends, context: ExportContext) -> bytes:
    rows = json.loads(trends_frame(trends).to_json(orient="records"))  # NaN (no baseline) becomes null
    document = {
        "product": PRODUCT,
        "caption": context.caption,
        "generated": context.generated.isoformat(timespec="seconds"),
        "data_source": context.data_source,
        "compared": trends.compared,
        "options": {
            "by": trends.options.by,
            "per": trends.options.per,
            "baseline": trends.options.baseline,
            "measure": trends.options.measure,
            "latest": trends.options.latest.isoformat() if trends.options.latest else None,
        },
        "rule": RULE_TEXT,
        "notes": trends.notes,
        "rows": rows,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
