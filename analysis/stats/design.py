"""Design diagnostics: what the shape of the interview data lets the workbook estimate, and what not.

>>> from analysis.io.load import load
>>> from analysis.stats.design import design_diagnostics
>>> design_diagnostics(load().scores)                      # the table written as design.csv

Severities compare interviewers who graded the same candidates; discrimination compares candidates
within a level; inter-rater agreement needs answers scored twice. Whether the data can support
each comparison is a property of the *design* (who interviewed whom, on which questions), not of
the scores, and it is checked here before anybody reads a number:

- **connected groups** of interviewers: interviewers linked by a chain of shared candidates. Only
  interviewers of the same group can be compared; the largest group is "the team";
- **shared candidates** per interviewer: how many of their candidates someone else also
  interviewed. A severity resting on fewer than three shared candidates (or none: one interview
  per candidate) is compared *between candidates* and only right if interviewers get comparable
  candidates; the table says which basis each severity has;
- the **variance components** of the severity model (candidate ability within level, grading
  noise) and their ratio, the ridge ratio ``lam`` (see :mod:`analysis.stats.severity`);
- whether **panels or shadowing** exist (answers scored twice, the only data that measures grader
  agreement alone) and how many **test-retest** pairs (the same question asked in two interviews);
- plain-language **warnings** a hiring lead should read before the severities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats import _codes
from analysis.stats._panels import panel_counts
from analysis.stats.severity import SeverityFit, fit_severity

__all__ = ["design_diagnostics", "DESIGN_COLUMNS"]

#: Columns of :func:`design_diagnostics` (and of ``design.csv``).
DESIGN_COLUMNS = {
    "kind": "what the row describes: group, interviewer, model, panels, warning",
    "name": "the group, interviewer, quantity or warning it is about",
    "value": "the number (interviewers in a group, shared candidates, a variance, a count); empty for warnings",
    "detail": "what the number means, or the warning in plain language",
}


def _row(kind, name, value, detail):
    return {"kind": kind, "name": str(name), "value": float(value) if value is not None else np.nan,
            "detail": detail}


def design_diagnostics(data: pd.DataFrame, fit: SeverityFit | None = None, *, candidate: str = "candidate_id",
                       interviewer: str = "interviewer", question: str = "question_id", date: str = "date",
                       min_shared: int = 3) -> pd.DataFrame:
    """The design-diagnostics table: one tidy row per fact about the interview design.

    Parameters
    ----------
    data : DataFrame
        Scorecard rows (``candidate_id, interviewer, question_id, date, score, interview_id``).
    fit : SeverityFit, optional
        The severity fit of the same rows (fitted here when not given).
    min_shared : int, default 3
        Interviewers sharing fewer candidates get a warning (and, in the fit, the between-candidate
        basis).

    Returns
    -------
    DataFrame
        ``kind, name, value, detail`` (see :data:`DESIGN_COLUMNS`), with rows of kind

        - ``group``: one per connected group of interviewers (``value`` = interviewers in it,
          ``detail`` = who, and its rows and candidates);
        - ``interviewer``: one per interviewer (``value`` = shared candidates, ``detail`` = their
          group and why their severity is missing, if it is);
        - ``model``: ``sigma_candidate``, ``sigma_noise`` (score points), ``lambda`` (the ridge
          ratio) with how it was found, ``condition`` of the final solve;
        - ``panels``: ``answers_scored_twice`` and ``retest_pairs``;
        - ``warning``: a sentence each, for a hiring lead.

    Notes
    -----
    How to read it: if there is more than one group, severities of the smaller groups are missing
    (NaN) on purpose, because nothing in the data says whether that team grades harder or simply
    sees weaker candidates; put at least a few shared interviews (a shadow, a panel) across teams to
    join them. ``sigma_candidate`` much larger than ``sigma_noise`` (``lambda`` well below 1) means
    scores mostly reflect candidates, which is what an interview is for; ``lambda`` above about 5
    means grading noise dominates a single answer. No panels or shadows means inter-rater
    reliability cannot be measured directly: the test-retest figures mix grader and answer variation.
    """
    if fit is None:
        fit = fit_severity(data, candidate=candidate, interviewer=interviewer, question=question, min_shared=min_shared)
    iv = fit.interviewers
    rows = []
    n_groups = int(iv["group"].max()) if len(iv) else 0
    for g in range(1, n_groups + 1):
        members = iv[iv["group"] == g]
        names = members["interviewer"].astype(str).tolist()
        if g == 1:
            label = "the team (largest group)"
        elif len(members) == 1 and members["severity_note"].eq("").all():
            label = ("one interviewer whose candidates nobody else interviewed: compared with the team between "
                     "candidates (assumes comparable candidates)")
        else:
            label = "shares no candidate with the team"
        rows.append(_row("group", f"group {g}", len(members),
                         f"{label}: {', '.join(names)}; {int(members['n_rows'].sum())} score rows"))
    for _, r in iv.iterrows():
        why = r["severity_note"] or f"severity estimated ({r.get('severity_basis', '') or 'within-candidate'})"
        rows.append(_row("interviewer", r["interviewer"], r["n_shared_candidates"],
                         f"group {int(r['group'])}; {int(r['n_candidates'])} candidates, "
                         f"{int(r['n_shared_candidates'])} shared with colleagues; {why}"))
    rows.append(_row("model", "sigma_candidate", fit.sigma_a,
                     "spread of candidate ability within a level, score points (REML)"))
    rows.append(_row("model", "sigma_noise", fit.sigma_e,
                     "grading noise of a single answer, score points (REML)"))
    rows.append(_row("model", "lambda", fit.lam,
                     f"ridge ratio sigma_noise^2 / sigma_candidate^2 used for candidate effects; {fit.lam_note}"))
    rows.append(_row("model", "condition", fit.condition,
                     "condition number of the severity model's normal equations (scaled); below 1e10 is trusted"))
    # the counts the fit made from the same answers when it read the same columns (SeverityFit.panels)
    known = getattr(fit, "panels", {})
    known = known if known.get("columns") == (candidate, interviewer, question, date) else {}
    twice, retest = (known["twice"], known["retest"]) if known else _panels(data, candidate, interviewer, question,
                                                                             date)
    rows.append(_row("panels", "answers_scored_twice", twice,
                     "answers scored by two or more interviewers in one interview (panels, shadowing)"))
    rows.append(_row("panels", "retest_pairs", retest,
                     "same question asked of one candidate by two interviewers on two days (test-retest)"))
    for w in _warnings(fit, twice, min_shared):
        rows.append(_row("warning", w[0], None, w[1]))
    return pd.DataFrame(rows, columns=list(DESIGN_COLUMNS))


def _panels(data, candidate, interviewer, question, date):
    """Answers scored by two or more interviewers and test-retest pairs
    (:func:`analysis.stats._panels.panel_counts`) of ``data``; NaN without a date column."""
    if date not in data.columns:
        return np.nan, np.nan
    if not len(data):
        return 0, 0
    cc, qc, dc = (_codes.codes(data[c], sort=True)[0] for c in (candidate, question, date))
    ic = _codes.codes(data[interviewer], sort=False)[0]
    return panel_counts(_codes.answers(cc, qc, dc, dropna_date=False), cc, qc, dc, ic)


def _names(s, k=8):
    names = s.astype(str).tolist()
    return ", ".join(names) if len(names) <= k else ", ".join(names[:k]) + f" and {len(names) - k} others"


def _warnings(fit: SeverityFit, twice, min_shared):
    iv = fit.interviewers
    out = []
    team = iv[iv["group"] == 1]
    for g in range(2, int(iv["group"].max()) + 1 if len(iv) else 0):
        members = iv[iv["group"] == g]
        if not members["severity_note"].str.startswith("shares no candidate with the main team").any():
            continue  # a lone interviewer compared between candidates (warned about below)
        names = members["interviewer"].astype(str).tolist()
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        out.append(("disconnected", f"interviewer{'s' if len(names) > 1 else ''} {who} share{'' if len(names) > 1 else 's'} "
                    f"no candidate with the rest of the team ({len(team)} interviewers): their severities are not "
                    "comparable to the others' and are left blank; a few shadowed or panel interviews across "
                    "the groups would join them"))
    basis = iv["severity_basis"] if "severity_basis" in iv else pd.Series("", index=iv.index)
    between = iv[basis.str.startswith("between")]
    if len(between) and len(between) == iv["severity"].notna().sum():
        out.append(("between candidates", "no candidate was interviewed by two interviewers (or too few were): every "
                    "severity compares one interviewer's candidates with everybody else's, which is right only if "
                    "interviewers get comparable candidates (assigned at random within a level). If some interviewers "
                    "see stronger or weaker candidates (later loops, specialists), their severity is off by that "
                    "difference; a few shadowed or panel interviews would measure it directly"))
    elif len(between):
        out.append(("between candidates", f"{_names(between['interviewer'])}: fewer than {min_shared} candidates shared "
                    "with colleagues, so their severity compares their candidates with everybody else's and is right "
                    "only if they get comparable candidates; read it with its (wider) interval"))
    conf = team[team["severity_note"].str.startswith("confounded")]
    if len(conf):
        out.append(("confounded", f"{', '.join(conf['interviewer'].astype(str))}: nobody else asks their questions "
                    "of the same candidates, so harsh grading and hard questions cannot be told apart"))
    if iv["severity"].isna().all() and len(iv):
        out.append(("no severities", iv["severity_note"].iloc[0] or "no severity could be estimated"))
    if fit.lam_note.startswith("REML at"):
        out.append(("variance ratio at bound", fit.lam_note))
    if not twice:
        out.append(("no panels", "no answer was scored by two interviewers: grader agreement cannot be measured "
                    "directly (inter_rater.csv then shows only test-retest figures, lower by nature)"))
    return out
