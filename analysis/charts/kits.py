"""The kit design charts: a recommended kit's information against today's kit, and the decision
study's reliability by questions and interviewers, with their reading guide.

The numbers come from :mod:`analysis.stats.kit_design`; these functions only draw them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts.finish import finish
from analysis.charts.theme import NEUTRALS
from analysis.stats.irt import IRTFit
from analysis.stats.kit_design import KitRecommendation, kit_information

__all__ = ["kit_figure", "decision_figure", "KIT_READING_GUIDE"]

KIT_READING_GUIDE = {
    "irt_kit": "The recommended kit's information (solid) against today's kit (dashed) across ability; "
               "higher at the dashed vertical line (the hiring bar) means fewer wrong calls near the bar.",
    "irt_decision_study": "Reliability of the measured ability of candidates at this level, by number of "
                          "interviewers (lines) and questions each; 0.8 is a common floor for a decision.",
}


def kit_figure(fit: IRTFit, rec: KitRecommendation, theta=None):
    """Test information of the recommended kit against today's, with the hiring bar marked."""
    theta = np.linspace(-4, 4, 161) if theta is None else np.asarray(theta, float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=theta, y=kit_information(fit, rec.kit["question_id"], theta).round(3),
                             name=f"recommended ({len(rec.kit)} questions)", mode="lines"))
    fig.add_trace(go.Scatter(x=theta, y=kit_information(fit, rec.today["kit"], theta).round(3),
                             name=f"today's kit ({len(rec.today['kit'])} questions)", mode="lines",
                             line=dict(dash="dash")))
    fig.add_vline(x=round(float(rec.bar), 2), line_dash="dot", line_color=NEUTRALS["guide"],
                  annotation_text=f"{rec.level} bar")
    fig.update_layout(xaxis_title="ability", yaxis_title="information")
    return finish(fig, f"Kit information for {rec.level}: reliability at the bar "
                       f"{rec.reliability:.2f} vs {rec.today['reliability']:.2f} today")


def decision_figure(study: pd.DataFrame, *, target: float = 0.8, column: str = "reliability"):
    """Reliability by questions per interviewer, one line per number of interviewers."""
    fig = go.Figure()
    for m, g in study.groupby("interviewers"):
        fig.add_trace(go.Scatter(x=g["questions"], y=g[column].round(3), mode="lines+markers",
                                 name=f"{m} interviewer{'s' if m > 1 else ''}"))
    fig.add_hline(y=target, line_dash="dash", line_color=NEUTRALS["guide"], annotation_text=f"{target:g}")
    fig.update_layout(xaxis_title="questions per interviewer", yaxis_title=column.replace("_", " "),
                      yaxis_range=[0, 1])
    return finish(fig, "Decision study: reliability by questions and interviewers")

