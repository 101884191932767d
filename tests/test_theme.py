"""The theme sets its template without plotly's per-figure validation, and the figures do not change.

:func:`analysis.charts.theme._set_template` replaces ``fig.update_layout(template=name)`` (issue 26: a
deep copy validated for every figure). The reference here is plotly's own path, the line it
replaced: every chart builder of the calibration is run both ways on a demo history and the
figures' JSON must be the same string, byte for byte.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from analysis.charts import calibration as charts
from analysis.charts import theme
from analysis.charts.theme import defaults
from analysis.io.demo_folder import write_history
from analysis.io.load import load
from analysis.stats.calibration import calibrate
from analysis.stats.demo import generate


def _plotly_path(fig, template):
    fig.update_layout(template=template)


@pytest.fixture(scope="module")
def cal(tmp_path_factory):
    folder = write_history(generate(240, seed=11), tmp_path_factory.mktemp("theme") / "data")
    return calibrate(load(folder, progress=False), "recommendation", n_boot=50, seed=0, min_n=30)


@pytest.mark.parametrize("name", list(charts.BUILDERS))
def test_every_calibration_chart_is_byte_identical_to_plotlys_template_path(cal, name, monkeypatch):
    fast = charts.BUILDERS[name](cal).to_json()
    monkeypatch.setattr(theme, "_set_template", _plotly_path)
    reference = charts.BUILDERS[name](cal).to_json()
    assert fast == reference


def _bar():
    return go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))


@pytest.mark.parametrize("template", ["plotly_white", "plotly_dark", "simple_white", "plotly_white+presentation",
                                      None])
def test_any_template_gives_what_update_layout_gives(template, monkeypatch):
    monkeypatch.setattr(defaults, "template", template)
    fast = defaults.apply(_bar()).to_json()
    monkeypatch.setattr(theme, "_set_template", _plotly_path)
    assert fast == defaults.apply(_bar()).to_json()


def test_a_template_object_or_dict_goes_through_plotlys_validation(monkeypatch):
    obj = go.layout.Template(layout={"font": {"size": 17}})
    monkeypatch.setattr(defaults, "template", obj)
    assert defaults.apply(_bar()).layout.template.layout.font.size == 17
    monkeypatch.setattr(defaults, "template", {"layout": {"font": {"size": 19}}})
    assert defaults.apply(_bar()).layout.template.layout.font.size == 19
    monkeypatch.setattr(defaults, "template", {"layout": {"font": {"nonsense": 1}}})
    with pytest.raises(ValueError):
        defaults.apply(_bar())


def test_each_figure_gets_its_own_copy_of_the_template():
    a, b = defaults.apply(_bar()), defaults.apply(_bar())
    a.layout.template.layout.font.size = 31
    assert b.layout.template.layout.font.size != 31
    assert defaults.apply(_bar()).layout.template.layout.font.size != 31


def test_a_registered_template_changed_in_place_is_seen(monkeypatch):
    pio.templates["icw_test"] = go.layout.Template(layout={"font": {"size": 11}})
    try:
        monkeypatch.setattr(defaults, "template", "icw_test")
        assert defaults.apply(_bar()).layout.template.layout.font.size == 11
        pio.templates["icw_test"].layout.font.size = 23
        assert defaults.apply(_bar()).layout.template.layout.font.size == 23
    finally:
        del pio.templates["icw_test"]
