"""Item response theory for interviews: graded-response and many-facet models, and fair scores.

>>> from analysis.io.load import load
>>> from analysis.stats.irt import fit_irt
>>> fit = fit_irt(load().scores, rater="interviewer")             # doctest: +SKIP
>>> fit.items[["question", "discrimination", "difficulty"]]       # doctest: +SKIP

Classical item statistics say *whether* a question separates strong from weak candidates; item
response theory says *where on the ability scale* it does. Every question gets a slope
(``discrimination``: how sharply the chance of a higher score rises with ability) and thresholds
(the abilities at which a candidate becomes more likely than not to reach score 2, 3 and 4), every
interviewer a severity in logits, and every candidate an ability estimate freed of which questions
they drew and, with ``rater=``, of who interviewed them (a *fair score*).

Which library, and why
----------------------
The models are fitted by the PyPI package ``mirt`` (1.2.0, a Python port of the ideas of R's
``mirt``, with a Rust EM backend):

* ``mirt.fit_mirt`` fits the 2PL, Samejima's graded response model (GRM) and the generalized partial
  credit model (GPCM) by marginal maximum likelihood (Bock-Aitkin EM, Gauss-Hermite quadrature), with
  missing responses left out of the likelihood (not imputed) and standard errors from the observed
  information (Oakes; the cross-product estimator above 20,000 response patterns, for speed).
  Through :func:`fit_irt` it reproduces the published LSAT-6 (ltm) and LSAT-7 (R mirt) 2PL
  log-likelihoods and slopes (``tests/test_irt.py``). Fit times: ``benchmarks/irt.py``.
* ``mirt.estimation.fit_mfrm`` fits Linacre's many-facet Rasch model (the FACETS model) by marginal
  maximum likelihood, in a long layout where several interviewers may score the same candidate and
  question, with anchored (sum-to-zero) facet levels, standard errors from the observed information
  and posterior-averaged infit/outfit mean squares. It runs through
  :func:`analysis.stats.irt.mfrm.fit_mfrm`: mirt's steps in mirt's order (the estimates bit for bit),
  with the observed information summed over blocks of candidates on the parameters each block
  touches (the standard errors to 1e-10 relative), about 10x faster at 1M score rows.

The alternatives were read, not installed: ``girth`` (0.8.0; Rasch, 1PL-3PL, GRM and partial
credit by joint or marginal ML, EAP scoring) documents no rater facet and no item standard errors,
and ``raschpy`` covers the Rasch family only. ``mirt`` is the one that offers the GRM, standard
errors, item fit and a many-facet model together, and it is already a pinned dependency.

Three models, one scale
-----------------------
``fit_irt(..., rater="interviewer")`` fits three, each for what it is best at:

* the GRM (or 2PL/GPCM) by mirt, for the questions alone (and the whole fit without ``rater=``). Its
  unit of observation is the *scorecard* (``interview_id``): a candidate in a loop of three
  interviews may meet the same question three times, and a wide person-by-question matrix holds one
  response per cell. Treating a loop's scorecards as separate response patterns is a composite
  likelihood: the item estimates stay consistent, but their standard errors are too narrow when
  candidates are seen several times (``validation/irt_study_results.md`` measures by how much).
* the **joint many-facet graded response model** (the headline with ``rater=``, for ``"grm"`` and
  ``"2pl"``): ``P(score >= k+1) = logistic(a_q (theta - s_r) + d_qk)``, abilities
  ``theta ~ Normal(mu_level, sd^2)``. Item slopes and thresholds, interviewer shifts ``s_r``
  (summing to zero) and the level means (averaging to zero, pooled ability variance one: the same
  scale as the GRM alone) are estimated *together* by marginal maximum likelihood, with one
  likelihood term per **candidate** (all their scorecards share one ability), so a loop is not a
  composite of independent scorecards. L-BFGS-B on the exact gradient (Fisher's identity: the EM
  gradient), then Newton steps to the maximum itself (the same estimates to about 1e-10 on any
  CPU, SIMD path and thread count), on cells of rows sharing question, interviewer, level and score
  (:func:`_fit_joint`). Standard errors: the candidate-cluster sandwich (robust to panels whose two
  scorecards share one answer), with the model-based ones in ``discrimination_se_model``. mirt has
  no GRM with a rater facet or a multi-group prior, so this one model is written here; it is
  checked against planted shifts on the trust study's worlds (``validation/irt_study.py``). With
  ``rater=``, ``IRTFit.items``, ``raters.severity`` and ``abilities`` all come from it.
* Linacre's many-facet Rasch model (FACETS), by ``mirt.estimation.fit_mfrm``:
  ``log P(k)/P(k-1) = theta - b_q - s_r - tau_qk`` (partial credit per question), persons =
  candidates. Its severities in logits, SEs and infit/outfit are kept as ``mfrm_severity, mfrm_se,
  mfrm_infit, mfrm_outfit``: the form rater-severity practice is built on, and a second opinion.
  (For ``model="gpcm"`` there is no joint model, and ``severity`` *is* the FACETS severity.)

The candidates' abilities are EAP estimates from *all* of their score rows with each interviewer's
shift taken out, so a candidate scored by a harsh interviewer is not penalized for it (the fair
score); the prior is their level's ability distribution.

How a hiring lead should read it
--------------------------------
* ``discrimination`` (a): above about 1.0 a question separates candidates near its thresholds well;
  below about 0.4 it barely tells strong from weak (Baker, *The basics of item response theory*,
  labels 0.35-0.64 low, 0.65-1.34 moderate, 1.35+ high).
* ``difficulty``: the ability (in standard deviations of the pooled candidates) around which the
  question measures best; a junior stretch question with difficulty 1.2 is a senior warm-up.
* ``severity`` (joint GRM, ability scale): +0.5 means this interviewer's candidates need half a
  standard deviation of candidate ability more to get the same score (on a question of slope a,
  ``a * 0.5`` logits). ``mfrm_severity`` is the same idea in Rasch logits. Infit/outfit near 1 is
  expected; above 1.3 the interviewer's scores are erratic (noise), below 0.7 too predictable
  (e.g. always 3).

Where the pieces are
--------------------
This package holds the models only (statistics: frames in, frames out; no figures, no files):

* :mod:`~analysis.stats.irt.model`: :class:`IRTFit`, :data:`MODELS` and the closed forms
  (:func:`item_probabilities`, :func:`item_information`, :func:`information_curves`);
* :mod:`~analysis.stats.irt.quadrature`: likelihoods on a grid of abilities and the EAP abilities;
* :mod:`~analysis.stats.irt.joint`: the joint many-facet graded response model;
* :mod:`~analysis.stats.irt.raters`: the many-facet Rasch fit, interviewer behaviour (central
  tendency, halo, fit) and severity drift by quarter (:func:`rater_quarters`);
* :mod:`~analysis.stats.irt.mfrm`: mirt's many-facet Rasch fit with its observed information by
  blocks of candidates;
* :mod:`~analysis.stats.irt.fit`: :func:`fit_irt`, which runs them in order.

The charts are in :mod:`analysis.charts.irt`, the exported tables and ``python -m analysis irt`` in
:mod:`analysis.reports.irt`, kit design in :mod:`analysis.stats.kit_design`.

References
----------
Samejima, F. (1969). Estimation of latent ability using a response pattern of graded scores.
Bock, R. D. & Aitkin, M. (1981). Marginal maximum likelihood estimation of item parameters.
Linacre, J. M. (1994). *Many-Facet Rasch Measurement*. MESA Press.
Wright, B. D. & Linacre, J. M. (1994). Reasonable mean-square fit values. Rasch Meas. Trans. 8:3.
"""

from __future__ import annotations

from analysis.stats.irt.fit import fit_irt
from analysis.stats.irt.model import (MODELS, IRTFit, information_curves, item_information,
                                      item_probabilities)
from analysis.stats.irt.raters import rater_quarters

__all__ = ["IRTFit", "fit_irt", "item_probabilities", "item_information", "information_curves",
           "rater_quarters", "MODELS"]
