"""Inter-rater reliability: do two interviewers who hear the same answer give it the same score?

Where two or more interviewers scored the same candidate on the same question (a panel, or a
shadowed interview), the workbook can ask how much of the spread in scores is the candidate and how
much is the interviewer. Three classic answers are wrapped here, each from a well-kept library:

============================  =====================================================================
function                      use it when
============================  =====================================================================
:func:`icc`                   ratings are numbers and every target was scored by the same raters
                              (or by interchangeable ones); answers "how much of the variance is
                              the candidate?" (pingouin's formulas, from the ANOVA mean squares)
:func:`krippendorff_alpha`    any number of raters, ratings missing at random, any level of
                              measurement; the safest single number for interview panels
                              (wraps :func:`krippendorff.alpha`)
:func:`cohen_kappa`           exactly two raters and their paired ratings; agreement beyond chance,
                              optionally weighted so that 3 vs 4 is a smaller miss than 1 vs 4
                              (scikit-learn's formula on a numpy agreement table; equal to
                              :func:`sklearn.metrics.cohen_kappa_score`, tested)
============================  =====================================================================

All three take tidy data: one row per rating. A *target* (ICC) or *unit* (alpha) is the thing being
rated: in a scorecard that is a candidate's answer to one question, so pass both columns,
``targets=["candidate_id", "question_id"]``.

How to read them: 1 is perfect agreement, 0 is what raters scoring at random would reach. As a rough
guide (Koo & Li 2016 for ICC; Krippendorff 2004 for alpha) below 0.5 is poor, 0.5-0.75 moderate,
0.75-0.9 good and above 0.9 excellent; Krippendorff asks for alpha >= 0.8 before relying on data and
accepts 0.667-0.8 only for tentative conclusions. For hiring, single-rater reliability is what counts
when one interviewer decides alone; the average-of-k forms count when a panel's mean decides.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis._frames import as_list as _as_list
from analysis._frames import check_columns as _check_columns
from analysis.stats import _codes
from analysis.stats._coincidences import alpha_of_counts as _alpha_of_counts
from analysis.stats._ratings import common_type, kappa_from_codes, label_index, ratings_array, tidy_ratings
# the earlier private name, imported by tests/test_report.py: remove once it imports _ratings.common_type

__all__ = ["ICC_TYPES", "KRIPPENDORFF_LEVELS", "icc", "krippendorff_alpha", "cohen_kappa", "icc_from_codes",
           "alpha_from_codes", "observed_domain"]

#: The six Shrout-Fleiss forms returned by :func:`icc`, in order, with a one-line reading.
ICC_TYPES: dict[str, str] = {
    "ICC1": "single rater, one-way random: each target scored by its own random set of raters",
    "ICC2": "single rater, two-way random, absolute agreement: raters a random sample of a pool",
    "ICC3": "single rater, two-way mixed, consistency: these fixed raters, their severity ignored",
    "ICC1k": "mean of k raters, one-way random",
    "ICC2k": "mean of k raters, two-way random, absolute agreement",
    "ICC3k": "mean of k raters, two-way mixed, consistency",
}
#: Levels of measurement accepted by :func:`krippendorff_alpha`.
KRIPPENDORFF_LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")


# --------------------------------------------------------------------------------------------------
# ICC


def _icc_table(x: np.ndarray) -> pd.DataFrame:
    """The six Shrout-Fleiss forms from the two-way ANOVA mean squares of a complete n x k table.

    Why not pingouin here: :func:`pingouin.intraclass_corr` computes exactly these formulas, but it
    runs a general ANOVA on a melted frame and importing pingouin pulls in its plotting stack
    (about a second at start-up, more than the statistic costs on a million rows). With a complete,
    balanced table the sums of squares are closed-form, so the same numbers come from a few array
    reductions; ``tests/test_reliability.py`` checks every column against pingouin 0.7 on several
    tables, and the Shrout & Fleiss (1979) worked example.

    The F tail and quantile come from :mod:`scipy.special` (``fdtrc``, ``fdtri``: the functions
    ``scipy.stats.f.sf`` / ``ppf`` evaluate), which spares the import of :mod:`scipy.stats`.
    The intervals are McGraw & Wong's (1996) F intervals, with the Satterthwaite degrees of freedom
    for the two-way random (absolute agreement) form, as pingouin and R's ``psych::ICC`` give them.
    """
    from scipy import special  # F distribution functions without scipy.stats' import cost

    n, k = x.shape
    grand = x.mean()
    row_means = x.mean(axis=1)
    col_means = x.mean(axis=0)
    # numpy scalars, so that a perfect agreement (zero error) divides to inf/nan as pingouin's does
    ss_targets = k * np.float64(((row_means - grand) ** 2).sum())
    ss_raters = n * np.float64(((col_means - grand) ** 2).sum())
    ss_total = np.float64(((x - grand) ** 2).sum())
    ss_error = max(ss_total - ss_targets - ss_raters, np.float64(0.0))
    df1, dfj, df2kd = n - 1, k - 1, (n - 1) * (k - 1)
    df1kd = n * (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        msb = ss_targets / df1
        msj = ss_raters / dfj
        mse = ss_error / df2kd
        msw = (ss_raters + ss_error) / df1kd

        icc1 = (msb - msw) / (msb + (k - 1) * msw)
        icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
        icc3 = (msb - mse) / (msb + (k - 1) * mse)
        icc1k = (msb - msw) / msb
        icc2k = (msb - mse) / (msb + (msj - mse) / n)
        icc3k = (msb - mse) / msb

        f1k = msb / msw
        f2k = msb / mse
        p1k = special.fdtrc(df1, df1kd, f1k)
        p2k = special.fdtrc(df1, df2kd, f2k)

        q = 0.975
        f1l = f1k / special.fdtri(df1, df1kd, q)
        f1u = f1k * special.fdtri(df1kd, df1, q)
        l1, u1 = (f1l - 1) / (f1l + (k - 1)), (f1u - 1) / (f1u + (k - 1))
        f3l = f2k / special.fdtri(df1, df2kd, q)
        f3u = f2k * special.fdtri(df2kd, df1, q)
        l3, u3 = (f3l - 1) / (f3l + (k - 1)), (f3u - 1) / (f3u + (k - 1))
        fj = msj / mse
        vn = df2kd * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        v = vn / vd
        f2u = special.fdtri(n - 1, v, q)
        f2l = special.fdtri(v, n - 1, q)
        l2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb)
        u2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb)

    return pd.DataFrame(
        {
            "type": list(ICC_TYPES),
            "icc": np.array([icc1, icc2, icc3, icc1k, icc2k, icc3k], dtype=float),
            "ci_low": np.array([l1, l2, l3, 1 - 1 / f1l, l2 * k / (1 + l2 * (k - 1)), 1 - 1 / f3l],
                               dtype=float),
            "ci_high": np.array([u1, u2, u3, 1 - 1 / f1u, u2 * k / (1 + u2 * (k - 1)), 1 - 1 / f3u],
                                dtype=float),
            "F": np.array([f1k, f2k, f2k, f1k, f2k, f2k], dtype=float),
            "df1": np.full(6, df1, dtype=int),
            "df2": np.array([df1kd, df2kd, df2kd, df1kd, df2kd, df2kd], dtype=int),
            "pval": np.array([p1k, p2k, p2k, p1k, p2k, p2k], dtype=float),
        }
    )




def icc(
    data: pd.DataFrame,
    targets: str | Sequence[str],
    raters: str,
    ratings: str,
    *,
    missing: str = "drop",
) -> pd.DataFrame:
    """Intraclass correlations, the six Shrout & Fleiss (1979) forms, with 95% intervals.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per rating.
    targets : str or list of str
        Column(s) naming what is rated. For scorecards a target is a candidate's answer to one
        question: ``["candidate_id", "question_id"]``.
    raters : str
        Column naming the rater (``"interviewer"``).
    ratings : str
        Column holding the numeric rating (``"score"``).
    missing : {"drop", "raise"}, default "drop"
        The ANOVA behind the ICC needs a complete, balanced design: every target rated by every
        rater. With ``"drop"`` a target lacking a rating from any rater is left out (listwise
        deletion, a :class:`UserWarning` says how many), and the count is reported in the
        ``n_dropped`` column; with ``"raise"`` such data raise :class:`ValueError`.

    Returns
    -------
    DataFrame
        One row per form, in the order ``ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k``, with columns

        ``type``
            the Shrout-Fleiss form; ``k`` forms are the reliability of the mean of the k raters.
        ``description``
            a one-line reading of the form.
        ``icc``
            the coefficient.
        ``ci_low``, ``ci_high``
            its 95% confidence interval (F-distribution intervals of McGraw & Wong 1996).
        ``F``, ``df1``, ``df2``, ``pval``
            the F test that the ICC is zero.
        ``n_targets``, ``n_raters``, ``n_dropped``
            targets and raters used, and targets dropped for missing ratings.

    Raises
    ------
    ValueError
        Missing columns, non-numeric ratings, a rater rating a target twice, incomplete data with
        ``missing="raise"``, or fewer than two complete targets or two raters.

    Notes
    -----
    Which form fits an interview design:

    * **ICC1 (one-way random)**: each candidate is scored by a *different* random subset of a pool of
      interviewers (the usual panel rota). Rater and residual variance cannot be told apart, so
      interviewer severity counts as error. This is the honest number for "if another interviewer
      from the pool had scored this answer, how close would the score be?". Because ``icc`` needs
      every target rated by the same raters, for a rota pass ``raters`` as a *slot* within the
      target (first and second rating, e.g. ``groupby(targets).cumcount()``) and read ICC1 only;
      or use :func:`krippendorff_alpha`, which needs no rectangle at all.
    * **ICC2 (two-way random, absolute agreement)**: a fully crossed panel, the same interviewers
      scoring every candidate, seen as a random sample of the interviewers you might have used.
      Severity differences between interviewers count against agreement, as they do for a
      candidate who draws the harsh interviewer.
    * **ICC3 (two-way mixed, consistency)**: the same crossed panel, but these interviewers only and
      their severity ignored (it could be corrected); it asks whether they *rank* candidates alike.
      ICC3 much larger than ICC2 means interviewers differ in severity (see the interviewer
      calibration tables).
    * **single vs k**: when one interviewer decides alone, read the single-rater form (ICC1, ICC2,
      ICC3); when the mean of a panel of k decides, the ``k`` forms (Spearman-Brown stepped up).

    Interpretation (Koo & Li 2016): below 0.5 poor, 0.5-0.75 moderate, 0.75-0.9 good, above 0.9
    excellent. Read the interval, not just the point: with a handful of targets it is wide.

    References
    ----------
    Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. *Psychological Bulletin*, 86(2), 420-428.
    McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some intraclass correlation
    coefficients. *Psychological Methods*, 1(1), 30-46.
    Koo, T. K. & Li, M. Y. (2016). A guideline of selecting and reporting intraclass correlation
    coefficients for reliability research. *J. Chiropractic Medicine*, 15(2), 155-163.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.reliability import icc
    >>> panel = pd.DataFrame({"candidate": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                       "interviewer": ["ana", "bo"] * 4,
    ...                       "score": [1, 2, 2, 2, 3, 4, 4, 4]})
    >>> table = icc(panel, "candidate", "interviewer", "score").set_index("type")
    >>> round(float(table.loc["ICC2", "icc"]), 2)
    0.84
    """
    if missing not in ("drop", "raise"):
        raise ValueError(f"icc: missing must be 'drop' or 'raise'; got {missing!r}")
    keys = _as_list(targets)
    frame = tidy_ratings(data, keys, raters, ratings, "icc")
    rater_codes = pd.factorize(frame[raters], sort=True)[0]
    return icc_from_codes(frame["_target"].to_numpy(), rater_codes, frame[ratings].to_numpy(dtype=float),
                          missing=missing)


def icc_from_codes(targets: np.ndarray, raters: np.ndarray, ratings: np.ndarray, *,
                   missing: str = "drop") -> pd.DataFrame:
    """:func:`icc` of ratings already in tidy form as integer codes: what :func:`icc` computes once it
    has checked and coded its frame, and what ``inter_rater`` calls on its rating units directly.

    ``targets`` and ``raters`` are non-negative integer codes (one per rating), ``ratings`` floats
    without missing values; targets and raters are numbered in sorted order of their codes, as
    :func:`icc` numbers them in sorted order of its columns. Why a second entry point: the
    inter-rater table builds its units as integer arrays (one per answer scored twice, half a million
    at a million score rows), and a frame only to be checked, copied and coded again cost more than
    the statistic. A target rated twice by one rater raises :class:`ValueError`, as in :func:`icc`.
    """
    if missing not in ("drop", "raise"):
        raise ValueError(f"icc: missing must be 'drop' or 'raise'; got {missing!r}")
    # the targets x raters table, filled from integer codes (a pivot of a million ratings costs more
    # than the statistic); rows are the targets in sorted order, columns the raters sorted
    ratings = np.asarray(ratings, dtype=float)
    _, target_codes = _codes.dense(np.asarray(targets, dtype=np.int64))
    rater_names, rater_codes = _codes.dense(np.asarray(raters, dtype=np.int64))
    wide = np.full((int(target_codes.max()) + 1 if len(target_codes) else 0, len(rater_names)), np.nan)
    wide[target_codes, rater_codes] = ratings
    filled = np.count_nonzero(~np.isnan(wide))
    if filled != len(ratings):
        raise ValueError(f"icc: {len(ratings) - filled} duplicate rating(s): a rater rated the same target more "
                         "than once; expected one rating per rater and target")
    incomplete = np.isnan(wide).any(axis=1)
    n_dropped = int(incomplete.sum())
    if n_dropped:
        if missing == "raise":
            raise ValueError(
                f"icc: {n_dropped} of {len(wide)} targets lack a rating from at least one of the "
                f"{wide.shape[1]} raters; the ICC needs every target rated by every rater. "
                "Pass missing='drop' to leave those targets out, or use krippendorff_alpha, which "
                "copes with missing ratings."
            )
        warnings.warn(
            f"icc: dropped {n_dropped} of {len(wide)} targets lacking a rating from at least one of "
            f"the {wide.shape[1]} raters (the ICC needs a complete design)",
            UserWarning,
            stacklevel=3,
        )
        wide = wide[~incomplete]
    if len(wide) < 2 or wide.shape[1] < 2:
        raise ValueError(
            f"icc: need at least 2 targets each rated by the same 2+ raters; after dropping "
            f"incomplete targets {len(wide)} target(s) and {wide.shape[1]} rater(s) remain. "
            "For rota panels (each candidate scored by different interviewers) use "
            "krippendorff_alpha, or pass a rating slot (groupby(targets).cumcount()) as raters "
            "and read ICC1."
        )
    out = _icc_table(wide)
    out = out.set_index("type").loc[list(ICC_TYPES)].reset_index()
    out.insert(1, "description", out["type"].map(ICC_TYPES))
    out["n_targets"] = len(wide)
    out["n_raters"] = wide.shape[1]
    out["n_dropped"] = n_dropped
    return out


# --------------------------------------------------------------------------------------------------
# Krippendorff's alpha


def krippendorff_alpha(
    data: pd.DataFrame,
    units: str | Sequence[str],
    raters: str,
    ratings: str,
    level: str = "ordinal",
    *,
    value_domain: Sequence[float] | None = None,
) -> float:
    """Krippendorff's alpha: agreement among any number of raters, with missing ratings allowed.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per rating. Rows with a missing rating are ignored.
    units : str or list of str
        Column(s) naming what is rated; for scorecards ``["candidate_id", "question_id"]``.
    raters : str
        Column naming the rater (``"interviewer"``).
    ratings : str
        Column holding the rating (numbers; for ``level="nominal"`` any values).
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement, which sets how far apart two different ratings are: nominal counts any
        disagreement the same; ordinal uses ranks (a 2 vs 3 disagreement costs less than 1 vs 4,
        weighed by how many ratings fall between); interval uses squared differences; ratio uses
        squared relative differences. The 1-4 rubric is ordinal, the default.
    value_domain : sequence, optional
        All values a rating can take, in order; passed to :func:`krippendorff.alpha`. By default the
        values observed. (For the ordinal, interval and ratio metrics, values nobody used change
        nothing; the argument only matters for checking that ratings are in range.)

    Returns
    -------
    float
        Alpha = 1 - observed disagreement / disagreement expected by chance. 1 is perfect
        agreement, 0 is chance; it can be negative when raters disagree systematically.

    Raises
    ------
    ValueError
        Unknown ``level``, missing columns, non-numeric ratings for a non-nominal level, a rater
        rating the same unit twice, or no unit rated by two or more raters.

    Notes
    -----
    Alpha fits interview panels better than the ICC when the design is ragged: units rated by two,
    three or one interviewer(s) all count (a unit with a single rating is simply not pairable), and
    no rater needs to have rated every unit. It also adjusts for small samples. Krippendorff asks
    for alpha >= 0.800 before data are relied on, and 0.667 <= alpha < 0.800 only for tentative
    conclusions.

    The data are tallied into a units x values count matrix (``value_counts``) rather than the
    raters x units matrix, which gives the same alpha and stays small for large histories.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
    Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43
    Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability measure
    for coding data. *Communication Methods and Measures*, 1(1), 77-89.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.reliability import krippendorff_alpha
    >>> panel = pd.DataFrame({"candidate": [1, 1, 2, 2, 3, 3, 3],
    ...                       "interviewer": ["ana", "bo", "ana", "bo", "ana", "bo", "cy"],
    ...                       "score": [1, 1, 2, 3, 4, 4, 4]})
    >>> round(krippendorff_alpha(panel, "candidate", "interviewer", "score", level="interval"), 3)
    0.925
    """
    if level not in KRIPPENDORFF_LEVELS:
        raise ValueError(
            f"krippendorff_alpha: unknown level {level!r}; expected one of "
            f"{', '.join(KRIPPENDORFF_LEVELS)} (the 1-4 rubric is 'ordinal')"
        )
    keys = _as_list(units)
    function = "krippendorff_alpha"
    _check_columns(data, [*keys, raters, ratings], function)
    numeric = level != "nominal" or pd.to_numeric(
        data[ratings].dropna().astype(object), errors="coerce"
    ).notna().all()
    frame = tidy_ratings(data, keys, raters, ratings, function, numeric=bool(numeric))
    values = frame[ratings]
    targets = frame["_target"].to_numpy()
    if value_domain is None and numeric:
        domain, value_index = observed_domain(values.to_numpy(dtype=float))
    else:
        domain = np.asarray(sorted(values.unique()) if value_domain is None else list(value_domain))
        if value_domain is not None:
            outside = ~values.isin(domain)
            if outside.any():
                raise ValueError(
                    f"{function}: rating {values[outside].iloc[0]!r} (row {values.index[outside][0]}) "
                    f"is outside value_domain {list(domain)}"
                )
        value_index = pd.Index(domain).get_indexer(values)
    return alpha_from_codes(targets, value_index, domain, level)


def observed_domain(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(domain, index)``: the distinct ratings in sorted order (floats) and each rating's position in
    it, for numeric ratings without missing values -- the value domain :func:`krippendorff_alpha`
    uses when none is given. Ratings on a rubric are a handful of whole numbers, which a presence
    table numbers in one pass; anything else is sorted (``np.unique``). Both give what
    ``sorted(set(values))`` and ``Index.get_indexer`` give."""
    values = np.asarray(values, dtype=float)
    if len(values):
        lo, hi = float(values.min()), float(values.max())
        if hi - lo < 1 << 16:
            shifted = values - lo
            whole = shifted.astype(np.int64)
            if np.array_equal(whole, shifted):
                present, index = _codes.dense(whole, int(hi - lo) + 1)
                return present.astype(float) + lo, index
    domain, index = np.unique(values, return_inverse=True)
    return domain, index.reshape(-1)


def alpha_from_codes(targets: np.ndarray, value_index: np.ndarray, domain: np.ndarray, level: str = "ordinal") -> float:
    """:func:`krippendorff_alpha` of ratings in tidy form as codes: ``targets`` (the unit of each rating,
    non-negative integer codes), ``value_index`` (its position in ``domain``) and ``domain`` (the
    values in order). What :func:`krippendorff_alpha` computes once its frame is checked and coded,
    and what ``inter_rater`` calls on its rating units directly (no frame to check and code again
    for half a million ratings); units are numbered in sorted order of their codes. Raises
    :class:`ValueError` when no unit has two ratings or every rating is the same value.

    The ratings are tallied into a units x values count matrix (the package's ``value_counts``),
    and alpha comes from it as :func:`~analysis.stats._coincidences.alpha_of_counts` says: the same
    value as :func:`krippendorff.alpha` of those counts, to the last bit."""
    function = "krippendorff_alpha"
    _, targets = _codes.dense(np.asarray(targets, dtype=np.int64))
    n_units = int(targets.max()) + 1 if len(targets) else 0
    per_unit = np.bincount(targets, minlength=n_units)
    if not (per_unit >= 2).any():
        raise ValueError(
            f"{function}: no unit was rated by two or more raters ({n_units} units, each "
            "rated once); alpha needs overlapping ratings, e.g. panel or shadowed interviews"
        )
    if len(domain) < 2:
        # Every rating is the same value: perfect agreement, but no variation to be sure of it.
        raise ValueError(
            f"{function}: every rating is {domain[0]!r}; alpha is undefined without at least two "
            "different values"
        )
    flat = targets * len(domain) + np.asarray(value_index, dtype=np.int64)
    counts = np.bincount(flat, minlength=n_units * len(domain)).reshape(n_units, len(domain))
    return _alpha_of_counts(counts, np.asarray(domain), level)


# --------------------------------------------------------------------------------------------------
# Cohen's kappa


def cohen_kappa(a, b, weights: str | None = None, *, labels: Sequence | None = None) -> float:
    """Cohen's kappa between two raters' paired ratings, optionally weighted.

    Parameters
    ----------
    a, b : array-like
        The two raters' ratings, paired by position (``a[i]`` and ``b[i]`` rate the same answer).
        Pairs where either rating is missing (NaN/None/NA) are dropped before computing.
    weights : {None, "linear", "quadratic"}, default None
        ``None`` counts every disagreement the same (Cohen 1960). ``"linear"`` weighs a
        disagreement by its distance, ``"quadratic"`` by its squared distance (Cohen 1968; Fleiss &
        Cohen 1973 show quadratic weighted kappa is, in large samples, the two-rater ICC that counts
        differences in rater severity as disagreement).
    labels : sequence, optional
        The ordered categories the agreement table, and so the weights, are built from. The weight
        of a disagreement is the distance between the two categories' *positions* in ``labels``,
        not between the values themselves. Default: the sorted union of values observed in ``a``
        and ``b``. **Callers with the 1-4 rubric should pass** ``labels=[1, 2, 3, 4]``
        (``analysis.config.SCORES``): if nobody used a 3, the default would make 2 vs 4 a
        one-step disagreement instead of the rubric's two steps.

    Returns
    -------
    float
        Kappa = (observed agreement - chance agreement) / (1 - chance agreement): 1 is perfect, 0 is
        what two raters scoring independently with their own score mix would reach. NaN when it is
        undefined (both raters used one and the same category throughout).

    Raises
    ------
    ValueError
        ``a`` and ``b`` of different lengths, an unknown ``weights``, fewer than one complete pair,
        or a rating not in ``labels``.

    Notes
    -----
    Kappa is for exactly two raters who each rated the same answers. For more raters, or panels where
    each candidate saw a different pair, use :func:`krippendorff_alpha`. Landis & Koch's (1977)
    verbal bands (0.41-0.60 moderate, 0.61-0.80 substantial, above 0.8 almost perfect) are widely
    quoted; weighted kappa is the fairer reading for the ordinal rubric.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological
    Measurement*, 20(1), 37-46.
    Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70(4), 213-220.
    Fleiss, J. L. & Cohen, J. (1973). The equivalence of weighted kappa and the intraclass
    correlation coefficient as measures of reliability. *Educational and Psychological
    Measurement*, 33(3), 613-619.

    Examples
    --------
    >>> from analysis.stats.reliability import cohen_kappa
    >>> round(cohen_kappa([1, 2, 3, 4, 4], [1, 2, 4, 4, 3], "linear", labels=[1, 2, 3, 4]), 3)
    0.688
    """
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"cohen_kappa: weights must be None, 'linear' or 'quadratic'; got {weights!r}")
    a_raw, b_raw = ratings_array(a), ratings_array(b)
    if len(a_raw) != len(b_raw):
        raise ValueError(f"cohen_kappa: a and b must pair up; got {len(a_raw)} and {len(b_raw)} ratings")
    if a_raw.dtype.kind in "iuf" and b_raw.dtype.kind in "iuf":
        # numbers (the usual case, and the large one): no Python object per rating
        a_num, b_num = a_raw.astype(float), b_raw.astype(float)
        keep = ~(np.isnan(a_num) | np.isnan(b_num))
        a_num, b_num = a_num[keep], b_num[keep]
        if len(a_num) == 0:
            raise ValueError("cohen_kappa: no pair with both ratings present")
        observed = np.union1d(a_num, b_num)
        integral = bool(np.all(observed == np.round(observed)))
        if labels is None:
            labels = [int(v) if integral else float(v) for v in observed]
        else:
            labels = list(labels)
        index = label_index(labels)
        codes_a, codes_b = index.get_indexer(a_num), index.get_indexer(b_num)
        if (codes_a < 0).any() or (codes_b < 0).any():
            bad = np.union1d(a_num[codes_a < 0], b_num[codes_b < 0])
            unknown = [int(v) if integral else float(v) for v in bad]
            raise ValueError(f"cohen_kappa: rating(s) {unknown} not in labels {labels}")
    else:
        av, bv = pd.Series(a_raw), pd.Series(b_raw)
        keep = (av.notna() & bv.notna()).to_numpy()
        av, bv = av[keep], bv[keep]
        if len(av) == 0:
            raise ValueError("cohen_kappa: no pair with both ratings present")
        av, bv = common_type(av), common_type(bv)
        if labels is None:
            labels = sorted(set(av) | set(bv))
        else:
            labels = list(labels)
            unknown = sorted((set(av) | set(bv)) - set(labels), key=str)
            if unknown:
                raise ValueError(f"cohen_kappa: rating(s) {unknown} not in labels {labels}")
        index = label_index(labels)
        codes_a, codes_b = index.get_indexer(av.to_numpy()), index.get_indexer(bv.to_numpy())
    return kappa_from_codes(codes_a, codes_b, len(labels), weights)
