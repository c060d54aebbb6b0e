"""Scenario comparison: paired by replicate, differences and costs as defined, files kept."""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from conftest import write_scenario
from empower.cli import main
from empower.compare import (
    OUTCOMES,
    TOTAL,
    compare,
    cost_effectiveness,
    paired_differences,
    summarise,
)
from empower.compare_cli import COMPARE_FILES
from empower.plots import FIGURES, TRAJECTORIES
from empower.report import scenario_header, setting_values
from empower.scenario import ConfigError

SMALL = {"replicates": 2, "people_scale": 0.1}


def _runs(rows: list[tuple[str, int, int, str, str, float]]) -> pd.DataFrame:
    """A tidy runs table from (scenario, replicate, year, metric, group, value) rows."""
    t = pd.DataFrame(rows, columns=["scenario", "replicate", "year", "metric", "group", "value"])
    return t.assign(seed=t.replicate + 1)


def _toy() -> pd.DataFrame:
    rows = []
    for scenario, hiv, spend in (("ref", 10.0, 100.0), ("more", 6.0, 300.0),
                                 ("cheaper", 8.0, 50.0), ("worse", 12.0, 200.0),
                                 ("cut", 12.0, 60.0)):
        for r in range(3):
            for year in (2004, 2005):
                rows += [(scenario, r, year, "new_hiv_infections", "all", hiv + r),
                         (scenario, r, year, "spending_usd", "total", spend),
                         (scenario, r, year, "hiv_prevalence", "all", hiv / 100)]
    return _runs(rows)


def test_averted_is_the_references_value_minus_the_scenarios_replicate_by_replicate():
    d = paired_differences(_toy(), "ref")
    more = d[(d.scenario == "more") & (d.metric == "new_hiv_infections")]
    assert (more.averted[more.period == "2004"] == 4.0).all()
    assert (more.averted[more.period == TOTAL] == 8.0).all()  # two years summed
    expected = 8.0 / (2 * (10.0 + more[more.period == TOTAL].replicate))
    assert np.allclose(more.averted_share[more.period == TOTAL], expected)


def test_levels_are_never_summed_and_have_no_averted_count():
    d = paired_differences(_toy(), "ref")
    prev = d[d.metric == "hiv_prevalence"]
    assert TOTAL not in set(prev.period)
    assert prev.averted.isna().all()
    assert np.allclose(prev[prev.scenario == "more"].difference, -0.04)


def test_the_reference_against_itself_averts_exactly_zero():
    d = paired_differences(_toy(), "ref")
    ref = d[d.scenario == "ref"]
    assert (ref.difference == 0).all()
    assert (ref.averted.dropna() == 0).all()


def test_summary_gives_the_median_and_95_percent_range_over_replicates():
    s = summarise(paired_differences(_toy(), "ref"))
    row = s[(s.scenario == "ref") & (s.metric == "new_hiv_infections") & (s.period == "2004")]
    assert row.value_median.item() == 11.0  # replicates 10, 11, 12
    assert row.value_low.item() == pytest.approx(np.quantile([10, 11, 12], 0.025))
    assert row.value_high.item() == pytest.approx(np.quantile([10, 11, 12], 0.975))
    assert row.replicates.item() == 3


def test_cost_per_infection_averted_is_the_ratio_of_means_with_words_for_edge_cases():
    ce = cost_effectiveness(paired_differences(_toy(), "ref"), "ref").set_index("scenario")
    more = ce.loc["more"]
    assert more.incremental_spending_usd == 400.0 and more.hiv_infections_averted == 8.0
    assert more.cost_per_infection_averted_usd == 50.0
    # every replicate has the same ratio, so the bootstrap interval collapses on it
    assert more.cost_per_infection_averted_low_usd == pytest.approx(50.0)
    assert ce.loc["cheaper"].verdict.startswith("cost saving")
    assert math.isnan(ce.loc["worse"].cost_per_infection_averted_usd)
    assert ce.loc["worse"].verdict == "no HIV infections averted on average"
    assert ce.loc["cut"].verdict == "more HIV infections and less spending"
    assert "ref" not in ce.index


def test_unpaired_replicates_are_refused():
    t = _toy()
    t.loc[t.scenario == "more", "seed"] += 100
    with pytest.raises(ValueError, match="not paired"):
        paired_differences(t, "ref")


def test_every_outcome_has_a_label_and_unit_and_flows_are_counts_or_money():
    for o in OUTCOMES:
        assert o.label and o.unit
        if o.averted:
            assert o.kind == "flow"


@pytest.fixture(scope="module")
def two_scenarios(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    ref = write_scenario(d / "ref.toml", name="ref")
    same = write_scenario(d / "same.toml", name="same")
    cut = write_scenario(d / "cut.toml", {"mobilisation": {"groups": {
        "street": {"donor_usd_per_year": {"value": 2000.0}}}}}, name="cut")
    return d, ref, same, cut


def test_a_copy_of_the_reference_averts_exactly_zero_and_shares_its_seeds(two_scenarios):
    _, ref, same, cut = two_scenarios
    result = compare([same, cut], ref, **SMALL)
    d = result.differences
    copy = d[d.scenario == "same"]
    assert (copy.difference.fillna(0) == 0).all() and len(copy) > 0
    seeds = result.runs.groupby("scenario").seed.unique().map(tuple)
    assert seeds.nunique() == 1
    assert result.meta["reference"] == "ref" and set(result.meta["scenarios"]) == {
        "ref", "same", "cut"}
    assert "DALYs" in result.meta["dalys"]


def test_a_differences_total_equals_the_runs_own_sums(two_scenarios):
    _, ref, _, cut = two_scenarios
    result = compare([cut], ref, **SMALL)
    runs = result.runs
    spend = runs[(runs.metric == "spending_usd") & (runs.group == "total")]
    sums = spend.groupby(["scenario", "replicate"]).value.sum()
    d = result.differences
    row = d[(d.scenario == "cut") & (d.metric == "spending_usd") & (d.group == "total")
            & (d.period == TOTAL)].set_index("replicate")
    for r in (0, 1):
        assert row.loc[r, "difference"] == pytest.approx(sums["cut", r] - sums["ref", r])


def test_scenarios_with_one_name_or_other_years_are_refused_naming_the_file(two_scenarios):
    d, ref, _, _ = two_scenarios
    twin = write_scenario(d / "twin.toml", name="ref")
    with pytest.raises(ConfigError, match="twin.toml: name: scenario name 'ref'"):
        compare([twin], ref, **SMALL)
    longer = write_scenario(d / "longer.toml", name="longer", end_year=2007)
    with pytest.raises(ConfigError, match="longer.toml: start_year/end_year"):
        compare([longer], ref, **SMALL)


@pytest.fixture(scope="module")
def compared(two_scenarios, tmp_path_factory):
    """An ``empower compare`` folder (cut against ref) and what the command printed."""
    _, ref, _, cut = two_scenarios
    out = tmp_path_factory.mktemp("cmp_cli") / "cmp"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["compare", str(cut), "--reference", str(ref), "--replicates", "2",
                     "--people-scale", "0.1", "--out", str(out), "--quiet"])
    assert code == 0
    return out, stdout.getvalue()


def test_the_command_writes_every_file_and_prints_the_headline(compared):
    out, text = compared
    assert all((out / name).exists() for name in COMPARE_FILES)
    assert "New HIV infections averted against ref" in text and "cut" in text
    meta = json.loads((out / "comparison.json").read_text())
    assert meta["seeds"] == [1, 2] and meta["git"] is not None
    summary = pd.read_csv(out / "summary.csv")
    assert {"averted_median", "averted_low", "averted_high"} <= set(summary.columns)
    for name in FIGURES:
        for ext in ("png", "svg"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 1000, name
    params = json.loads((out / "parameters.json").read_text())
    assert set(params) == {"ref", "cut"}
    street = params["cut"]["parameters"]["mobilisation"]["groups"]["street"]
    assert street["donor_usd_per_year"] == 2000.0  # the scenario's override, resolved


class _Page(HTMLParser):
    """The report's images, links and text, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.sources += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data):
        self.text.append(data)


def test_the_report_embeds_its_figures_loads_nothing_and_quotes_the_table(compared):
    out, _ = compared
    html = (out / "report.html").read_text()
    page = _Page()
    page.feed(html)
    page.close()
    assert page.tags.count("img") == len(FIGURES)
    assert page.sources and all(s.startswith("data:image/png;base64,") for s in page.sources)
    assert "@import" not in html and "url(" not in html
    text = " ".join(" ".join(page.text).split())
    s = pd.read_parquet(out / "summary.parquet")
    row = s[(s.scenario == "cut") & (s.metric == "new_hiv_infections") & (s.group == "all")
            & (s.period == TOTAL)].iloc[0]
    cells = (f"{row.averted_median:,.0f} ({row.averted_low:,.0f} to "
             f"{row.averted_high:,.0f})")
    assert cells in text
    assert f"{100 * row.averted_share_median:.1f}%" in text
    assert "assumptions, marked" in text


def test_plot_draws_a_run_folders_trajectories_and_refuses_an_empty_folder(two_scenarios,
                                                                           tmp_path, capsys):
    _, ref, _, _ = two_scenarios
    run = tmp_path / "run"
    assert main(["run", str(ref), "--people-scale", "0.1", "--out", str(run), "--quiet"]) == 0
    assert main(["plot", str(run)]) == 0
    assert sorted(p.stem for p in (run / "figures").glob("*.png")) == sorted(TRAJECTORIES)
    assert main(["plot", str(tmp_path)]) == 2
    assert "neither a comparison" in capsys.readouterr().err


def test_the_command_keeps_an_earlier_comparison_and_says_so_before_running(tmp_path, capsys):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "summary.csv").write_text("kept\n")
    code = main(["compare", "scenarios/status_quo.toml", "--reference",
                 "scenarios/status_quo.toml", "--out", str(out), "--quiet"])
    assert code == 2
    assert "already holds a comparison (summary.csv)" in capsys.readouterr().err
    assert (out / "summary.csv").read_text() == "kept\n"


@pytest.mark.parametrize(("option", "value"), [("--replicates", "0"), ("--workers", "0"),
                                               ("--people-scale", "nan"), ("--seed", "-1")])
def test_bad_compare_options_exit_2_naming_the_option(tmp_path, capsys, option, value):
    code = main(["compare", "scenarios/status_quo.toml", "--reference",
                 "scenarios/status_quo.toml", "--out", str(tmp_path / "o"), option, value])
    assert code == 2
    assert option in capsys.readouterr().err


def test_setting_values_flatten_with_sources_and_mark_assumptions():
    rows = setting_values({"name": "x", "a": {"b": {"value": 0.5, "source": "assumption: y"},
                                              "c": {"kind": "step", "years": [2008.0],
                                                    "values": [9.0], "before": {
                                                        "value": 18.0, "source": "[V] z"}}},
                           "d": ["p", "q"]})
    by = {r["parameter"]: r for r in rows}
    assert by["a.b"]["value"] == "0.5" and by["a.b"]["assumption"]
    assert by["a.c"]["value"] == "2008: 9 (step)" and by["a.c"]["source"] == "[V] z"
    assert not by["a.c"]["assumption"] and by["d"]["source"] == "no source recorded"
    assert "name" not in by


def test_a_scenarios_header_is_its_opening_comment(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("# Scale-up: more\n# outreach.\n#\nname = \"s\"\n# not this\n")
    assert scenario_header(f) == "Scale-up: more outreach."


def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in (
        "chromium", "chromium-browser", "google-chrome", "chrome")) if p), None)


@pytest.mark.slow
def test_a_headless_browser_draws_the_report_with_its_figures_and_no_network(compared,
                                                                          tmp_path):
    """Chromium, with every host name unresolvable, renders the page's text and its
    embedded figures: the Okabe-Ito blue of the 'everyone' bars is on the screenshot."""
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    out, _ = compared
    shot = tmp_path / "report.png"
    subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--window-size=1200,2400",
                    "--host-resolver-rules=MAP * ~NOTFOUND", f"--screenshot={shot}",
                    (out / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    import matplotlib.image

    pixels = (matplotlib.image.imread(shot)[..., :3] * 255).round()
    assert pixels.shape[:2] == (2400, 1200)
    ink = (pixels < 200).any(axis=-1).mean()
    blue = (np.abs(pixels - [0, 114, 178]).max(axis=-1) <= 12).mean()
    assert ink > 0.02, f"the page is nearly blank ({ink:.1%} ink)"
    assert blue > 0.001, f"the averted-infections figure is not drawn ({blue:.3%} blue)"
