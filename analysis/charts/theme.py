"""Shared look of every chart: labels, colours, category orders and the template.

Like ``plotly.express.defaults``, one object holds what every chart function reads, so a hiring
lead can restyle the whole workbook in one place::

    from analysis.charts.theme import defaults
    defaults.template = "plotly_dark"

**Colours.** Every colour a chart draws with comes from one colour-blind-safe palette, Okabe & Ito's
"Color Universal Design" eight (:data:`OKABE_ITO`, Okabe and Ito 2008, https://jfly.uni-koeln.de/color/),
plus a few greys (:data:`NEUTRALS`) for guides, text and "nothing to see" points, and one sequential
scale (:data:`SEQUENTIAL`, cividis: Nuñez, Anderton and Renslow 2018, PLOS ONE 13(7): e0199239) whose
lightness rises steadily for every kind of colour vision. No chart pairs red with green: strong vs
weak is blue vs vermillion, harsher vs softer vermillion vs blue. Under simulated deuteranopia,
protanopia and tritanopia (Machado, Oliveira and Fernandes 2009) any two of the eight stay at least
10 CIEDE2000 units apart (``tests/test_palette.py`` checks every figure). Colours encode nothing on
their own: legends, labels and hover text name what each one means.

Figures that pick no colour themselves take the theme's ``colorway`` (the eight, strongest first), and
reference lines with no colour are drawn in the guide grey, so a figure never falls back on plotly's
own palette (whose first red and green are the pair to avoid).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis import config

__all__ = ["Defaults", "defaults", "OKABE_ITO", "NEUTRALS", "SEQUENTIAL", "palette"]

#: The Okabe-Ito palette (Color Universal Design), by the names its authors give the colours.
OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7", "black": "#000000"}
#: Greys for what carries no category: text, outlines, guide lines, points inside the limits.
NEUTRALS = {"ink": "#333333", "secondary": "#555555", "guide": "#777777", "light": "#BBBBBB", "white": "#FFFFFF"}
#: A sequential scale for continuous values (the level heatmap): cividis, ten stops, dark blue to yellow.
SEQUENTIAL = ("#00224E", "#123570", "#3B496C", "#575D6D", "#707173", "#8A8678", "#A59C74", "#C3B369",
              "#E1CC55", "#FEE838")

_C = OKABE_ITO


def palette() -> frozenset[str]:
    """Every colour a chart may use (upper-case ``#RRGGBB``): the eight, the greys, the scale's stops."""
    return frozenset(c.upper() for c in (*OKABE_ITO.values(), *NEUTRALS.values(), *SEQUENTIAL))


@dataclass
class Defaults:
    template: str = "plotly_white"
    width: int = 900
    height: int = 520
    font_family: str = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
    #: Default trace colours, strongest contrasts first (a figure with two lines gets blue and orange).
    colorway: tuple = (_C["blue"], _C["orange"], _C["bluish green"], _C["vermillion"], _C["reddish purple"],
                       _C["sky blue"], _C["black"], _C["yellow"])
    level_colors: dict = field(default_factory=lambda: {
        "junior": _C["sky blue"], "mid": _C["orange"], "senior": _C["reddish purple"]})
    topic_colors: dict = field(default_factory=lambda: {
        "compute": _C["blue"], "data": _C["orange"], "networking": _C["bluish green"], "security": _C["vermillion"],
        "reliability": _C["reddish purple"], "cost": _C["sky blue"], "architecture": _C["black"],
        "operations": _C["yellow"]})
    #: A topic outside :attr:`topic_colors` (a bank may add topics).
    other_color: str = NEUTRALS["secondary"]
    strong_weak_colors: dict = field(default_factory=lambda: {"strong": _C["blue"], "weak": _C["vermillion"]})
    #: Interviewer verdicts: harsher, softer, no clear difference.
    verdict_colors: dict = field(default_factory=lambda: {
        "harsher": _C["vermillion"], "softer": _C["blue"], "not clear": NEUTRALS["secondary"]})
    guide_color: str = NEUTRALS["guide"]
    sequential: tuple = SEQUENTIAL
    category_orders: dict = field(default_factory=lambda: {
        "level": list(config.LEVELS), "candidate_level": list(config.LEVELS),
        "question_level": list(config.LEVELS), "recommendation": list(config.RECOMMENDATIONS),
        "score": list(config.SCORES)})
    labels: dict = field(default_factory=lambda: {
        "question_id": "Question", "level": "Level", "topic": "Topic", "n": "Times asked",
        "discrimination": "Discrimination (adjusted r)", "severity": "Severity (score points, + = harsher)",
        "pass_rate": "Pass rate", "interviewer": "Interviewer", "score": "Score",
        "candidate_level": "Candidate level", "question_level": "Question level",
        "mean_score": "Mean score", "quarter": "Quarter", "red_flag_rate": "Red-flag rate",
        "n_interviews": "Interviews"})

    def colorscale(self) -> list:
        """:attr:`sequential` as a plotly colorscale (evenly spaced stops)."""
        n = len(self.sequential) - 1
        return [[round(i / n, 3), c] for i, c in enumerate(self.sequential)]

    def apply(self, fig):
        """Apply template, size, font and colorway to a figure, and draw reference lines that name no
        colour in the guide grey; returns it (for chaining)."""
        _set_template(fig, self.template)
        fig.update_layout(width=self.width, height=self.height, font_family=self.font_family,
                          colorway=list(self.colorway))
        for shape in fig.layout.shapes:
            if shape.line.color is None:
                shape.line.color = self.guide_color
        return fig


#: name -> (the registered template's JSON, its validated copy), see :func:`_set_template`.
_VALIDATED: dict = {}


def _set_template(fig, template) -> None:
    """Set ``fig``'s template as ``fig.update_layout(template=template)`` does, in a fraction of the time.

    Given a registered template's name, plotly validates a deep copy of that template for every
    figure (about 10-40 ms each, most of a chart's drawing time in a notebook that draws twenty).
    The validated copy is the same every time, so it is made once per name and set with validation
    off, as plotly itself sets its default template (``BaseFigure._initialize_layout_template``): the
    figure gets its own copy of the same properties, in the same order, so ``fig.to_json()`` is
    byte-identical (``tests/test_theme.py`` checks every chart builder). The copy is remade when the
    registered template is changed in place. Anything else (a Template object, a dict, names joined
    with ``+``) goes through plotly's own validation, as before.
    """
    import plotly.io as pio

    registered = pio.templates[template] if isinstance(template, str) and template in pio.templates else None
    if registered is None:
        fig.update_layout(template=template)
        return
    raw = registered.to_plotly_json()
    kept = _VALIDATED.get(template)
    if kept is None or kept[0] != raw:
        # what update_layout does: a validated copy (plotly orders its properties as it validates)
        kept = _VALIDATED[template] = (raw, type(registered)(registered))
    layout = fig.layout
    validate = layout._validate
    layout._validate = False      # set as is: a graph object is stored as a copy of its JSON
    try:
        layout.template = kept[1]
    finally:
        layout._validate = validate


defaults = Defaults()
