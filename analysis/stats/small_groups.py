"""The privacy floor applied to tables: groups too small to report keep their count, lose their rates.

A rate computed from three interviews identifies the three candidates more than it says anything about
an interviewer or a topic. :func:`mark_small_groups` blanks such rates in any table, and
:func:`suppress_small_interviewers` is the one rule for the interviewer table that every output (the CSV
tables, the charts, ``index.html``, the explorer) goes through, so none shows what another blanks. The
floor itself is :data:`analysis.config.SMALL_GROUP`; both functions take it as the keyword
``small_group``.

:func:`protect_cells` is the one complementary suppression: which larger cells of linked tables to
hide too, so that no hidden count can be worked out from totals or other rows (:func:`exposed_cells`
is its audit); :func:`withheld_cells` is its last resort, the rows to leave out of a table where
hiding cannot help.

It sits in the statistics layer, the lowest that applies it: the IRT tables (``stats``), the charts
and the report writers above all call it here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import config

__all__ = ["mark_small_groups", "INTERVIEWER_RATE_COLUMNS", "suppress_small_interviewers", "protect_cells",
           "withheld_cells", "exposed_cells"]


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



# ----------------------------------------------------------------------------------------------
# Complementary suppression: hidden cells that totals and other rows cannot give back
# ----------------------------------------------------------------------------------------------

def protect_cells(cells: pd.DataFrame, lines, *, small_group: int = config.SMALL_GROUP, withhold: bool = False):
    """Which cells of a set of linked tables to hide so that no hidden count can be worked out.

    Hiding the cells with fewer than ``small_group`` candidates (*primary* suppression) protects
    nothing when a reader knows a sum the cell is part of: a stage's total beside the other groups'
    counts, a group's overall row beside its other levels, or an interviewer's other candidates (the
    reference rate of each shown row of theirs gives their total away). The classic remedy, used for
    census and official statistics tables (Cox 1980), is *complementary* suppression: hide a few
    larger cells too. This function does it in two steps:

    1. **Greedy**: in every line (a set of cells whose weighted sum the reader knows) holding exactly
       one hidden cell, hide the smallest shown cell as well (ties by ``key``, then by position);
       repeat until no line holds exactly one hidden cell.
    2. **Audit**: that is not always enough (two linked lines can still pin a cell down, and so can
       the bounds a reader knows: a primary cell has at least ``n_min`` units, a complementary one at
       least ``small_group``, selections lie between 0 and ``n``; when all the hidden cells of a
       line had no selection, every one of them is known to be 0). For each hidden cell, an integer
       program (scipy's ``milp``, HiGHS) finds the smallest and largest ``n`` and ``n_selected``
       consistent with every line and bound; while a cell has a single possible value, the
       smallest shown cell of its lines whose hiding gives it two is hidden too (if none does, all
       the shown cells of its lines).

    Parameters
    ----------
    cells : DataFrame
        One row per cell: ``n`` (units: interviews or candidates), ``n_selected``, ``n_candidates``
        (suppression is decided on it), ``key`` (tie-break, e.g. the group) and optionally ``n_min``
        (the fewest units a cell shown as small can hold, default 0; 1 when a row exists only if
        it has a unit).
    lines : iterable of (positions, coefficients)
        Each a linear relation the reader knows the value of: ``sum(coefficients * cells[positions])``,
        for ``n`` and for ``n_selected`` alike (e.g. the levels of a group minus its overall row = 0).
    small_group : int, default :data:`analysis.config.SMALL_GROUP`
    withhold : bool, default False
        Also say which hidden rows to leave out of the table (:func:`withheld_cells`), reusing the
        last audit: the usual case (no cell left pinned) then costs no second audit.

    Returns
    -------
    ndarray of bool
        True for every cell to hide: the primary ones (``n_candidates < small_group``) and the
        complementary ones. With ``withhold=True``, a pair ``(hidden, withheld)``; ``hidden`` is
        the same either way.

    Notes
    -----
    The greedy step is the usual one (hide the smallest neighbour), not an optimal one (fewest
    cells lost, a larger integer program); the audit guarantees the result, not its size. A line
    whose cells are all hidden can still pin a cell down by its bounds alone (a total of 6 made of a
    primary cell and a complementary one of at least 5 leaves 1): nothing inside the table can
    protect it and the cell stays hidden as it is; :func:`withheld_cells` then says which rows to
    leave out of the table so that the bound is gone. :func:`exposed_cells` is the audit on its own.
    """
    c = cells.reset_index(drop=True)
    lines = [(np.asarray(p, dtype=int), np.asarray(w, dtype=float)) for p, w in lines]
    lines = [(p, w) for p, w in lines if len(p) >= 2]
    primary = (c["n_candidates"] < small_group).to_numpy()
    order = np.lexsort((np.arange(len(c)), c["key"].astype(str).to_numpy().astype("U"), c["n"].to_numpy(dtype=float)))
    rank = np.empty(len(c), dtype=int)
    rank[order] = np.arange(len(c))
    hidden = _close(primary.copy(), lines, rank)
    if not hidden.any():
        return (hidden, hidden.copy()) if withhold else hidden
    tried: set[int] = set()
    while True:
        exposed = exposed_cells(c, lines, hidden, small_group=small_group)
        pinned = [i for i in exposed if i not in tried]
        if not pinned:
            return (hidden, _withhold(c, lines, hidden, exposed, small_group)) if withhold else hidden
        cell = pinned[0]
        near = sorted({int(j) for p, _ in lines if cell in p for j in p if not hidden[j]}, key=lambda j: rank[j])
        for j in near:
            trial = hidden.copy()
            trial[j] = True
            trial = _close(trial, lines, rank)
            if cell not in exposed_cells(c, lines, trial, small_group=small_group, only=[cell]):
                hidden = trial
                break
        else:
            if near:
                hidden[near] = True
                hidden = _close(hidden, lines, rank)
            tried.add(cell)  # nothing left to hide around it: the bounds alone pin it (see Notes)


def withheld_cells(cells: pd.DataFrame, lines, hidden: np.ndarray, *,
                   small_group: int = config.SMALL_GROUP) -> np.ndarray:
    """The hidden cells whose rows to leave out of the table, because even hidden they can be worked out.

    A row shown as ``<5`` tells the reader that its group has at least ``n_min`` units there (a row
    is listed only when the group has one). That bound alone can pin a cell once every cell of its
    lines is hidden: two hidden cells each known to hold at least 1, whose known total is 2, hold 1
    each, and a total of 6 made of a small cell and a complementary one of at least 5 leaves 1.
    :func:`protect_cells` cannot help there, since nothing shown is left to hide. Leaving the row
    out removes the bound: a missing row may be a group with no unit or a withheld one, so the
    reader knows only ``n >= 0``. Withholding keeps every shown number and hides nothing more; the
    cost is that the table no longer says the group was there, which the report's notes explain.

    Each round takes the first still-exposed hidden cell (by position) whose row carries a bound
    (``n_min > 0``), withholds it, and audits again (:func:`exposed_cells`, with the withheld
    cells' lower bound 0), until every exposed cell with a bound is withheld. A cell the audit finds
    pinned by the lines alone is withheld too, although against the audit's reader (who is assumed
    to know every line, e.g. every interviewer's total) that does not help: a real reader knows
    fewer lines, and for them the bound is often what pins it (the attacker of
    ``tests/test_disclosure.py``, given an interviewer's total only when the tables give it away,
    pins none in the worlds tested). Rows listed whatever their count (e.g. an interviewer's row
    for every group, ``n_min`` 0) are never withheld: their absence would show. Groups with no unit
    at a level are not cells here, as if the reader knew they hold none: that only makes the
    audit stricter than a reader who cannot tell them from withheld rows.

    Parameters
    ----------
    cells, lines, small_group
        As for :func:`protect_cells`.
    hidden : ndarray of bool
        Its result.

    Returns
    -------
    ndarray of bool
        True for every cell whose row to leave out (a subset of ``hidden``). The audit passes with
        them left out unless a cell is pinned by the lines alone (see above).
    """
    c = cells.reset_index(drop=True)
    lines = [(np.asarray(p, dtype=int), np.asarray(w, dtype=float)) for p, w in lines]
    lines = [(p, w) for p, w in lines if len(p) >= 2]
    return _withhold(c, lines, hidden, exposed_cells(c, lines, hidden, small_group=small_group), small_group)


def _withhold(c: pd.DataFrame, lines, hidden: np.ndarray, exposed: list, small_group: int) -> np.ndarray:
    """:func:`withheld_cells` from the audit's result ``exposed`` with nothing withheld yet."""
    withheld = np.zeros(len(c), dtype=bool)
    bound = (c["n_min"].to_numpy(dtype=float) > 0) if "n_min" in c else np.zeros(len(c), dtype=bool)
    while True:
        open_ = [i for i in exposed if bound[i] and not withheld[i]]
        if not open_:
            return withheld
        withheld[open_[0]] = True
        exposed = exposed_cells(c.assign(withheld=withheld), lines, hidden, small_group=small_group)


def _close(hidden: np.ndarray, lines, rank: np.ndarray) -> np.ndarray:
    """The greedy step of :func:`protect_cells`: no line left with exactly one hidden cell."""
    changed = True
    while changed:
        changed = False
        for p, _ in lines:
            if hidden[p].sum() != 1:
                continue
            shown = p[~hidden[p]]
            hidden[shown[np.argmin(rank[shown])]] = True
            changed = True
    return hidden


def exposed_cells(cells: pd.DataFrame, lines, hidden: np.ndarray, *, small_group: int = config.SMALL_GROUP,
                  only=None) -> list[int]:
    """The hidden cells whose ``n`` or ``n_selected`` a reader can work out exactly.

    The reader knows every shown cell, the value of every line (see :func:`protect_cells`) and the
    bounds: a hidden primary cell holds at least ``n_min`` units (default 0), a hidden complementary
    one at least ``small_group``, and ``0 <= n_selected <= n``; a cell whose row is left out of the
    table (True in the optional column ``withheld``, see :func:`withheld_cells`) only ``n >= 0``.
    For each hidden cell (or those in ``only``) the smallest and largest values of its ``n`` and
    ``n_selected`` over all integer solutions are found with scipy's ``milp``; a cell whose smallest
    and largest agree is exposed.
    Returns their positions.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # deferred: only the group tables need it
    c = cells.reset_index(drop=True)
    h = np.flatnonzero(hidden)
    if not len(h):
        return []
    pos = {int(i): k for k, i in enumerate(h)}
    n = c["n"].to_numpy(dtype=float)
    with_selected = "n_selected" in c  # without it only the counts are audited
    s = c["n_selected"].to_numpy(dtype=float) if with_selected else np.zeros(len(c))
    k = len(h)
    rows, rhs = [], []
    for p, w in lines:
        mine = [(pos[int(i)], wi) for i, wi in zip(p, w) if int(i) in pos]
        if not mine:
            continue
        known = [(int(i), wi) for i, wi in zip(p, w) if int(i) not in pos]
        for off, vals in ((0, n), (k, s)):
            row = np.zeros(2 * k)
            for j, wi in mine:
                row[off + j] = wi
            rows.append(row)
            rhs.append(float(sum(wi * vals[h[j]] for j, wi in mine)))  # the line's value less its shown cells
    a_eq = np.array(rows) if rows else np.zeros((0, 2 * k))
    order_ok = np.hstack([-np.eye(k), np.eye(k)])  # n_selected - n <= 0
    primary = (c["n_candidates"] < small_group).to_numpy()[h]
    n_min = c["n_min"].to_numpy(dtype=float)[h] if "n_min" in c else np.zeros(k)
    lo = np.where(primary, n_min, np.maximum(n_min, small_group))
    if "withheld" in c:
        lo = np.where(c["withheld"].to_numpy(dtype=bool)[h], 0.0, lo)  # a missing row may hold nothing
    lo = np.r_[lo, np.zeros(k)]
    bounds = Bounds(lo, np.full(2 * k, np.inf))
    cons = [LinearConstraint(order_ok, -np.inf, 0)]
    if len(a_eq):
        cons.append(LinearConstraint(a_eq, np.array(rhs), np.array(rhs)))
    out = []
    for i in (h if only is None else only):
        j = pos[int(i)]
        for var in ((j, k + j) if with_selected else (j,)):
            obj = np.zeros(2 * k)
            obj[var] = 1.0
            ends = []
            for sign in (1.0, -1.0):
                r = milp(sign * obj, constraints=cons, bounds=bounds, integrality=np.ones(2 * k))
                ends.append(None if r.x is None else round(float(r.x[var])))
            if ends[0] is not None and ends[0] == ends[1]:
                out.append(int(i))
                break
    return out
