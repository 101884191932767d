"""Every chart draws with one colour-blind-safe palette (issue 24).

Every figure the workbook builds on the demo (calibration, IRT, kits, fairness, the bank's coverage) is
built here, and every colour it draws with is collected as plotly.js resolves it
(``full_figure_for_development``: a trace that names no colour gets the colorway's, a shape the
template's): trace markers, marker outlines, lines, error bars, bar and area fills, text; shapes
(reference lines, bands); annotation text with its own colour; colour scales. Left out: the chrome the
template draws (background, grid, axis and title text), which encodes no data.

Two checks:

* **membership**: each colour is one of :func:`analysis.charts.theme.palette` (Okabe-Ito, the greys,
  the cividis stops);
* **distinguishable**: within one figure, any two distinct colours that encode data (trace colours)
  stay at least :data:`MIN_DELTA_E` CIEDE2000 units apart under simulated protanopia, deuteranopia and
  tritanopia, and under normal vision.

Simulation: Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of
color vision deficiency", IEEE TVCG 15(6):1291-1298, the matrices for severity 1.0 (complete
dichromacy) from the authors' published table, applied to linear RGB. Distance: CIEDE2000 (CIE 142-2001)
in CIELAB under D65, implemented below and checked against Sharma, Wu and Dalal (2005), Color Res.
Appl. 30(1):21-30, Table 1.

Threshold: :data:`MIN_DELTA_E` = 10. A CIEDE2000 distance of about 1 is a just-noticeable difference
between two large patches side by side; chart marks are small and apart, and Szafir (2018, "Modeling
Color Difference for Visualization Design", IEEE TVCG 24(1)) measured that the difference people need
grows as marks shrink, to several units for dots and thin lines. 10 keeps a margin over that for the
smallest marks the charts draw (9 px dots, 1 px lines) while the Okabe-Ito eight clear it under all
three simulations (their closest pair: 10.9, orange vs reddish purple under tritanopia).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from analysis.charts.theme import NEUTRALS, OKABE_ITO, SEQUENTIAL, defaults, palette

MIN_DELTA_E = 10.0

#: Machado et al. (2009), severity 1.0, for linear RGB.
MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
    "normal vision": np.eye(3),
}
_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_D65 = np.array([0.95047, 1.0, 1.08883])
#: The CSS colour names plotly accepts that a chart of the workbook has ever used (any other name fails the test).
_NAMED = {"white": "#FFFFFF", "black": "#000000", "grey": "#808080", "gray": "#808080"}


# ------------------------------------------------------------------------------ colour science

def to_hex(colour: str) -> str:
    """``#abc``, ``#aabbcc``, ``rgb(...)``, ``rgba(...)`` or white/black as upper-case ``#RRGGBB``."""
    c = str(colour).strip()
    if c.lower() in _NAMED:
        return _NAMED[c.lower()]
    if re.fullmatch(r"#[0-9a-fA-F]{3}", c):
        return "#" + "".join(ch * 2 for ch in c[1:]).upper()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", c):
        return c.upper()
    m = re.fullmatch(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*[\d.]+\s*)?\)", c)
    if m:
        return "#" + "".join(f"{round(float(v)):02X}" for v in m.groups())
    raise ValueError(f"unrecognised colour {colour!r}")


def lab(hex_colour: str, vision: str = "normal vision") -> np.ndarray:
    """CIELAB (D65) of an sRGB colour as seen with ``vision`` (a key of :data:`MACHADO`)."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(MACHADO[vision] @ linear, 0, 1)
    t = _SRGB_TO_XYZ @ linear / _D65
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e_2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal 2005, equations 1-22; kL = kC = kH = 1)."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dh = 0.0 if c1p * c2p == 0 else (h2p - h1p + 180) % 360 - 180
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-((h_bar - 275) / 25) ** 2)
    r_c = 2 * np.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return float(np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2
                         + r_t * (d_c / s_c) * (d_h / s_h)))


@pytest.mark.parametrize("pair, lab1, lab2, expected", [
    # Sharma, Wu and Dalal (2005), Table 1: pairs 1, 7, 17, 25 (hue wrap, achromatic, large, chroma)
    (1, (50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    (7, (50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    (17, (50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    (25, (60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_reproduces_sharmas_published_pairs(pair, lab1, lab2, expected):
    assert delta_e_2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_simulation_turns_red_and_green_alike_for_colour_blind_readers():
    """The check can fail: the green and red of the old topic colours (plotly's, #2CA02C and #D62728) are
    far apart for normal vision and fall under the threshold for deuteranopes; its orange and green
    (#FF7F0E, #2CA02C) become almost the same colour (about 1.3) for protanopes."""
    green, red, orange = "#2CA02C", "#D62728", "#FF7F0E"
    assert delta_e_2000(lab(green), lab(red)) > 40
    assert delta_e_2000(lab(green, "deuteranopia"), lab(red, "deuteranopia")) < MIN_DELTA_E / 2
    assert delta_e_2000(lab(orange, "protanopia"), lab(green, "protanopia")) < 2


# ------------------------------------------------------------------------------ the figures

def _get(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part, None) if obj is not None and part in getattr(obj, "_valid_props", ()) else None
    return obj


def _drawn(t, path: str) -> bool:
    """Whether the part of a full trace that ``path`` colours is drawn at all (an outline of width 0, an
    error bar turned off or a text font without text is not)."""
    if path == "marker.line.color":
        width = _get(t, "marker.line.width")
        return width is not None and np.any(np.asarray(width, dtype=float) > 0)
    if path.startswith("error_"):
        return bool(_get(t, path.split(".")[0] + ".visible"))
    if path == "textfont.color":
        text, template = _get(t, "text"), _get(t, "texttemplate")
        has_text = bool(template) or (text is not None and (any(map(bool, text)) if not isinstance(text, str)
                                                             else bool(text)))
        mode = _get(t, "mode")
        return has_text and (mode is None or "text" in mode)
    if path == "line.color" and t.type == "scatter":
        mode = _get(t, "mode")
        return mode is None or "lines" in mode or _get(t, "fill") not in (None, "none")
    return True


def _trace_colours(t) -> list[str]:
    """The data colours of one (full) trace: marker, its outline, line, fill, error bars, text, where drawn."""
    out = []
    for path in ("marker.color", "marker.line.color", "line.color", "fillcolor", "error_x.color",
                 "error_y.color", "textfont.color"):
        value = _get(t, path)
        if value is None or not _drawn(t, path):
            continue
        values = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
        out += [v for v in values if isinstance(v, str)]
    return out


def colours_of(fig: go.Figure) -> tuple[set[str], set[str]]:
    """(every colour the figure draws with, the colours its traces encode data with), as plotly.js
    resolves them."""
    full = fig.full_figure_for_development(warn=False)
    data = {to_hex(c) for t in full.data for c in _trace_colours(t)
            if not (t.type == "heatmap")}
    drawn = set(data)
    for t in full.data:
        if getattr(t, "colorscale", None) is not None and t.type == "heatmap":
            drawn |= {to_hex(c) for _, c in t.colorscale}
    for s in full.layout.shapes:
        drawn |= {to_hex(c) for c in (s.line.color, s.fillcolor) if c and c != "rgba(0,0,0,0)"}
    for a in fig.layout.annotations:                         # only text that picks its own colour
        if a.font.color:
            drawn.add(to_hex(a.font.color))
    # light fills drawn transparent (error bars default to the marker colour) stay in the set above
    return drawn, data - {to_hex(NEUTRALS["white"])}


@pytest.fixture(scope="module")
def every_figure(tmp_path_factory):
    """Every figure of the workbook, built on the demo data (the shipped demo for the calibration, IRT and
    kit charts; a generated demo with planted groups for fairness)."""
    from analysis.charts import calibration
    from analysis.charts.fairness import dif_chart, impact_chart, interviewer_chart
    from analysis.charts.irt import irt_figures
    from analysis.charts.kits import decision_figure, kit_figure
    from analysis.io.demo_folder import write_history
    from analysis.io.groups import load_groups
    from analysis.io.load import load
    from analysis.stats.calibration import calibrate
    from analysis.stats.demo import generate
    from analysis.stats.fairness import adverse_impact, interviewer_impact
    from analysis.stats.fairness_dif import dif
    from analysis.stats.irt import fit_irt, rater_quarters
    from analysis.stats.kit_design import decision_study, recommend_kit
    from analysis.widgets.bank_view import coverage_chart

    wb = load(None, progress=False)
    figs = dict(calibration.figures(calibrate(wb, "recommendation", n_boot=30, seed=0)))
    fit = fit_irt(wb.scores, rater="interviewer", progress=False)
    figs.update(irt_figures(fit, wb.questions, quarters=rater_quarters(fit)))
    rec = recommend_kit(fit, "mid", 5, questions=wb.questions)
    figs["irt_kit"] = kit_figure(fit, rec)
    figs["irt_decision_study"] = decision_figure(decision_study(fit, "mid"))
    figs["bank_coverage"] = coverage_chart(wb.questions)
    data = write_history(generate(300, seed=11, groups=True), tmp_path_factory.mktemp("palette") / "data")
    fwb = load(data, progress=False)
    groups, _ = load_groups(data, None, known_candidates=set(fwb.scores["candidate_id"].astype(str)))
    figs["impact_ratios"] = impact_chart(adverse_impact(fwb, groups))
    figs["dif_effects"] = dif_chart(dif(fwb, groups, progress=False), fwb.questions)
    figs["interviewer_gaps"] = interviewer_chart(interviewer_impact(fwb, groups))
    return {name: colours_of(fig) for name, fig in figs.items()}


def test_every_chart_kind_is_checked(every_figure):
    from analysis.charts.calibration import CHARTS
    assert {c.name for c in CHARTS} <= set(every_figure)
    assert {"irt_icc", "irt_information", "irt_severity", "irt_drift", "irt_kit", "irt_decision_study",
            "impact_ratios", "dif_effects", "interviewer_gaps", "bank_coverage"} <= set(every_figure)


def test_every_colour_every_figure_uses_is_in_the_palette(every_figure):
    allowed = palette()
    strays = {name: sorted(drawn - allowed) for name, (drawn, _) in every_figure.items() if drawn - allowed}
    assert not strays, strays


@pytest.mark.parametrize("vision", list(MACHADO))
def test_colours_within_a_figure_stay_apart_under_colour_blindness(every_figure, vision):
    close = []
    for name, (_, data) in every_figure.items():
        for a, b in itertools.combinations(sorted(data), 2):
            d = delta_e_2000(lab(a, vision), lab(b, vision))
            if d < MIN_DELTA_E:
                close.append((name, a, b, round(d, 1)))
    assert not close, close


@pytest.mark.parametrize("vision", list(MACHADO))
def test_the_palette_itself_stays_apart(vision):
    """Any two of the eight (what a restyled chart may pair) clear the threshold, not only the pairs the
    demo happens to draw."""
    worst = min(delta_e_2000(lab(a, vision), lab(b, vision))
                for a, b in itertools.combinations(OKABE_ITO.values(), 2))
    assert worst >= MIN_DELTA_E


@pytest.mark.parametrize("vision", list(MACHADO))
def test_the_sequential_scale_gets_lighter_for_every_vision(vision):
    """A sequential scale reads as "more" for a colour-blind reader when its lightness (L*) rises
    monotonically after simulation: cividis does, RdYlGn (the old heatmap's) does not."""
    lightness = [lab(c, vision)[0] for c in SEQUENTIAL]
    assert np.all(np.diff(lightness) > 0), lightness
    assert [c for _, c in defaults.colorscale()] == list(SEQUENTIAL)
