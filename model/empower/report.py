"""The policy report of a comparison: one self-contained HTML file (Jinja2 template).

Written for a reader who will not open a table file: which option averts the most
HIV infections, at what cost, and how sure the model is, in plain words, with the
figures embedded (no network access needed or made). Steps of :func:`write_report`:

1. Read the comparison folder (``summary.parquet``, ``cost_effectiveness.csv``,
   ``comparison.json``, ``parameters.json``, ``figures/*.png``).
2. Rank the options by median HIV infections averted (everyone, over the horizon),
   with the 95% range over paired replicates, the share averted, the extra spending
   and the cost per infection averted.
3. Each scenario's header comment (what it changes and why), read from its file.
4. The setting's values with their sources, those that are assumptions marked.
5. Render ``templates/report.html.j2`` and write it whole, then rename it into place.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["write_report", "ranking", "setting_values", "scenario_header"]

FIGURE_CAPTIONS = {
    "infections_averted": "New HIV infections averted against the reference, by group, over "
                          "the whole period.",
    "hiv_incidence": "New HIV infections per 100 person-years, by group, each year.",
    "hiv_prevalence": "Share of each group living with HIV at the end of each year.",
    "gonorrhoea_prevalence": "Share with gonorrhoea at the end of each year.",
    "chlamydia_prevalence": "Share with chlamydia at the end of each year.",
    "coverage": "Share of sex workers reached by peer outreach: the programme's target "
                "(dashed) and what it reached.",
    "cascade": "Female sex workers with HIV who know it, are on treatment and have the "
               "virus suppressed, at the end of the period.",
    "violence": "Sex workers who experienced violence in the past year, by perpetrator.",
    "spending": "What the community groups spent, by item, over the whole period.",
}


def scenario_header(path: Path) -> str:
    """A scenario file's opening comment block, as plain text (empty if none)."""
    lines = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    return " ".join(" ".join(lines).split())


def _leaf_text(leaf: dict[str, Any]) -> tuple[str, str]:
    """A parameter's value and source as text (constants and timelines)."""
    if "years" in leaf and "values" in leaf:
        points = ", ".join(f"{y:g}: {v:g}" if isinstance(v, int | float) else f"{y:g}: {v}"
                           for y, v in zip(leaf["years"], leaf["values"], strict=True))
        before = leaf.get("before") or {}
        return f"{points} ({leaf.get('kind', 'linear')})", leaf.get("source") or before.get(
            "source", "")
    value = leaf.get("value")
    text = f"{value:g}" if isinstance(value, int | float) and not isinstance(value, bool) \
        else ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text, leaf.get("source", "")


def setting_values(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting value with its source, flattened to dotted names, in file order."""
    rows: list[dict[str, Any]] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and ("source" in node or ("years" in node
                                                            and "values" in node)):
            value, source = _leaf_text(node)
            rows.append({"parameter": prefix, "value": value, "source": source,
                         "assumption": "assumption" in source.lower()})
        elif isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{prefix}.{key}" if prefix else key)
        else:  # a value given without a source (structure, or a scenario's override)
            rows.append({"parameter": prefix, "value": _leaf_text({"value": node})[0],
                         "source": "no source recorded", "assumption": False})

    walk({k: v for k, v in parameters.items() if k not in ("name", "description")}, "")
    return rows


def ranking(summary: pd.DataFrame, cost: pd.DataFrame, reference: str) -> list[dict[str, Any]]:
    """The options ranked by median HIV infections averted (everyone, whole period)."""
    from empower.compare import TOTAL

    rows = summary[(summary.metric == "new_hiv_infections") & (summary.group == "all")
                   & (summary.period == TOTAL) & (summary.scenario != reference)]
    cost = cost.set_index("scenario")
    out = []
    for _, r in rows.sort_values("averted_median", ascending=False).iterrows():
        c = cost.loc[r.scenario] if r.scenario in cost.index else None
        out.append({
            "scenario": r.scenario,
            "averted": r.averted_median, "averted_low": r.averted_low,
            "averted_high": r.averted_high,
            "share": r.averted_share_median, "share_low": r.averted_share_low,
            "share_high": r.averted_share_high,
            "reference_infections": r.reference_median,
            "extra_spending": None if c is None else c.incremental_spending_usd,
            "cost_per_averted": None if c is None else c.cost_per_infection_averted_usd,
            "cost_low": None if c is None else c.cost_per_infection_averted_low_usd,
            "cost_high": None if c is None else c.cost_per_infection_averted_high_usd,
            "verdict": "" if c is None else c.verdict,
            "replicates": int(r.replicates),
        })
    return out


def _number(x: float | None, digits: int = 0) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.{digits}f}"


def _percent(x: float | None, digits: int = 1) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{100 * x:.{digits}f}%"


def write_report(folder: Path | str, out: Path | str | None = None) -> Path:
    """Render the report of a comparison folder; return the file written.

    Raises:
        FileNotFoundError: If ``folder`` holds no comparison.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    from empower.output_folder import atomic_write

    folder = Path(folder)
    out = Path(out) if out is not None else folder / "report.html"
    needed = ("summary.parquet", "cost_effectiveness.csv", "comparison.json", "parameters.json")
    missing = [n for n in needed if not (folder / n).exists()]
    if missing:
        raise FileNotFoundError(f"{folder}: not an empower compare folder (missing "
                                f"{', '.join(missing)})")
    meta = json.loads((folder / "comparison.json").read_text())
    parameters = json.loads((folder / "parameters.json").read_text())
    summary = pd.read_parquet(folder / "summary.parquet")
    cost = pd.read_csv(folder / "cost_effectiveness.csv")
    reference = meta["reference"]
    ranked = ranking(summary, cost, reference)
    figures = []
    for name, caption in FIGURE_CAPTIONS.items():
        png = folder / "figures" / f"{name}.png"
        if png.exists():
            figures.append({"name": name, "caption": caption,
                            "data": base64.b64encode(png.read_bytes()).decode("ascii")})
    scenarios = [{"name": name, "file": Path(path).name,
                  "description": parameters[name]["description"],
                  "header": scenario_header(Path(path))}
                 for name, path in meta["scenarios"].items()]
    values = setting_values(parameters[reference]["parameters"])
    env = Environment(loader=PackageLoader("empower", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = _number
    env.filters["percent"] = _percent
    html = env.get_template("report.html.j2").render(
        meta=meta, reference=reference, ranked=ranked, figures=figures, scenarios=scenarios,
        values=values, n_assumptions=sum(v["assumption"] for v in values),
        setting=parameters[reference]["parameters"]["description"],
        setting_name=parameters[reference]["parameters"]["name"])
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda p: p.write_text(html, encoding="utf-8"))
    return out
