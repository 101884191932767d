"""The privacy floor applied to tables: groups too small to report keep their count, lose their rates.

A rate computed from three interviews identifies the three candidates more than it says anything about
an interviewer or a topic. :func:`mark_small_groups` blanks such rates in any table, and
:func:`suppress_small_interviewers` is the one rule for the interviewer table that every output (the CSV
tables, the charts, ``index.html``, the explorer) goes through, so none shows what another blanks. The
floor itself is :data:`analysis.config.SMALL_GROUP`; both functions take it as the keyword
``small_group``.

It sits in the statistics layer, the lowest that applies it: the IRT tables (``stats``), the charts
and the report writers above all call it here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import config

__all__ = ["mark_small_groups", "INTERVIEWER_RATE_COLUMNS", "suppress_small_interviewers"]


def mark_small_groups(df: pd.DataFrame, n_col: str, rate_cols: str | Sequence[str], *,
                      small_group: int = config.SMALL_GROUP) -> pd.DataFrame:
    """Blank the rates of groups too small to report, and say so.

    A pass rate of 0.33 from three interviews is not a finding about an interviewer or a topic; in
    a table that is sent around it mostly identifies the three candidates. Rows with fewer than
    ``small_group`` interviews keep their count but lose their rates (set to NaN, written as an empty
    cell), and a ``small_group`` column marks them.

    Parameters
    ----------
    df : DataFrame
        One row per group (interviewer, topic, question, ...).
    n_col : str
        Column with the number of interviews behind each row.
    rate_cols : str or sequence of str
        Columns computed from those interviews (rates, means, intervals) to blank.
    small_group : int, default :data:`analysis.config.SMALL_GROUP` (5)
        Smallest group reported with its rates (the issue's "fewer than 5 interviews").

    Returns
    -------
    DataFrame
        A copy with ``rate_cols`` as float, NaN where ``n < small_group`` (or ``n`` is missing), and a
        boolean column ``small_group``.

    Raises
    ------
    KeyError
        If ``n_col`` or a rate column is missing (the message lists the columns found).
    """
    rate_cols = [rate_cols] if isinstance(rate_cols, str) else list(rate_cols)
    missing = [c for c in [n_col, *rate_cols] if c not in df.columns]
    if missing:
        raise KeyError(f"mark_small_groups: column(s) {missing} not found; "
                       f"the table has {list(map(str, df.columns))}")
    n = pd.to_numeric(df[n_col], errors="coerce")
    small = ~(n >= small_group)  # NaN counts as small
    out = df.copy()
    for c in rate_cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float).mask(small.to_numpy())
    out["small_group"] = small.to_numpy(dtype=bool)
    return out


#: Columns of ``interviewer_stats`` computed from an interviewer's interviews: blanked for small groups.
INTERVIEWER_RATE_COLUMNS = ("pass_rate", "funnel_low95", "funnel_high95", "funnel_low998", "funnel_high998",
                            "funnel_flag", "decision_agreement", "decision_kappa", "severity", "severity_se",
                            "severity_low", "severity_high")


def suppress_small_interviewers(interviewer_stats: pd.DataFrame, *,
                                small_group: int = config.SMALL_GROUP) -> pd.DataFrame:
    """The one privacy rule for interviewers, shared by every output.

    An interviewer with fewer than ``small_group`` interviews keeps the count but loses every rate
    (:data:`INTERVIEWER_RATE_COLUMNS`, through :func:`mark_small_groups`); ``funnel_flag`` becomes
    empty. The CSV tables, the charts (which then draw nothing for them), ``index.html`` and the
    explorer all go through this function, so none shows what another blanks.
    """
    ivs = interviewer_stats.drop(columns=["small_group"], errors="ignore")
    flag = ivs["funnel_flag"] if "funnel_flag" in ivs else None
    cols = [c for c in INTERVIEWER_RATE_COLUMNS if c in ivs.columns and c != "funnel_flag"]
    out = mark_small_groups(ivs, "n_interviews", cols, small_group=small_group)
    if flag is not None:
        out["funnel_flag"] = flag.astype(object).where(~out["small_group"].to_numpy(), "")
    return out

