"""Shared look of every chart: labels, colours, category orders and the template.

Like ``plotly.express.defaults``, one object holds what every chart function reads, so a hiring
lead can restyle the whole workbook in one place::

    from analysis.charts.theme import defaults
    defaults.template = "plotly_dark"
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis import config

__all__ = ["Defaults", "defaults"]


@dataclass
class Defaults:
    template: str = "plotly_white"
    width: int = 900
    height: int = 520
    font_family: str = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
    level_colors: dict = field(default_factory=lambda: {"junior": "#4C9BE8", "mid": "#F2A541", "senior": "#8E5EA2"})
    topic_colors: dict = field(default_factory=lambda: {
        "compute": "#1f77b4", "data": "#ff7f0e", "networking": "#2ca02c", "security": "#d62728",
        "reliability": "#9467bd", "cost": "#8c564b", "architecture": "#e377c2", "operations": "#17becf"})
    strong_weak_colors: dict = field(default_factory=lambda: {"strong": "#2E8B57", "weak": "#C0392B"})
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

    def apply(self, fig):
        """Apply template, size and font to a figure; returns it (for chaining)."""
        fig.update_layout(template=self.template, width=self.width, height=self.height,
                          font_family=self.font_family)
        return fig


defaults = Defaults()
