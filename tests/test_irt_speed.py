"""The cheaper steps of issue 26's ``irt`` work give what the straightforward steps give.

Where the tolerances come from
------------------------------
* The many-facet design (:func:`analysis.stats.irt.mfrm._build_design`) is integers and index arrays:
  compared exactly with mirt's ``_build_design``.
* The candidates' scores of the sandwich (:func:`analysis.stats.irt.joint._candidate_scores`) add the
  same terms in the same order as ``np.add.at`` does: compared exactly.
* The joint model's hand-over from L-BFGS-B to Newton (``_HANDOFF_FTOL``) and the polish's Hessian on
  a sample of candidates (``_POLISH_SAMPLE``) change the optimiser's path, not the maximum it ends on:
  compared to 1e-8, the cross-SIMD tolerance of tests/test_irt.py (measured 5e-13 on the estimates and
  7e-10 relative on the standard errors of a 1M-row history).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from analysis.stats.demo import generate
from analysis.stats.irt import fit_irt
from irt_checks import assert_same_joint_fit
from analysis.stats.irt import joint as joint_module
from analysis.stats.irt.joint import _candidate_scores
from analysis.stats.irt.mfrm import _build_design
from analysis.stats.irt.raters import _long_layout


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_persons=st.integers(1, 30), n_items=st.integers(1, 5), levels=st.lists(st.integers(1, 4), min_size=1,
       max_size=2), per_person=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_mfrm_design_equals_mirts(n_persons, n_items, levels, per_person, seed):
    """Cells, their numbering, counts and tails equal mirt's own design, for one and two facets."""
    from mirt.estimation import mfrm_mml as mm
    from mirt.models import Facet, PolytomousMFRM

    rng = np.random.default_rng(seed)
    c = np.repeat(np.arange(n_persons), per_person)
    x = rng.integers(0, 4, len(c))
    q = rng.integers(0, n_items, len(c))
    facet_rows = [rng.integers(0, n, len(c)) for n in levels]
    R, I, *F = _long_layout(c, n_persons, x, q, *facet_rows)
    model = PolytomousMFRM(n_items, 4, [Facet(f"f{j}", n) for j, n in enumerate(levels)], "rating_scale")
    facets = {f"f{j}": f for j, f in enumerate(F)}
    got = _build_design(model, R, facets, I)
    ref = mm._build_design(model, R, facets, I)
    for name in ("n_persons", "n_categories"):
        assert getattr(got, name) == getattr(ref, name), name
    for name in ("person", "cell", "response", "item", "cell_item", "cell_tail"):
        np.testing.assert_array_equal(getattr(got, name), getattr(ref, name), err_msg=name)
        assert getattr(got, name).dtype == getattr(ref, name).dtype, name
    for a, b in zip(got.levels + got.cell_levels, ref.levels + ref.cell_levels, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(got.counts.toarray(), ref.counts.toarray())
    np.testing.assert_array_equal(got.counts_t.toarray(), ref.counts_t.toarray())


def _scores_by_add_at(counts, wpost, ch, cq, cr, cg, cx, Q, K, R, G):
    """The straightforward sum: every term of every channel added in place, cell after cell."""
    n_nat = Q + Q * (K - 1) + R + G + 1
    o_s = Q + Q * (K - 1)
    coo = counts.tocoo()
    p, c, n = coo.row, coo.col, coo.data
    out = np.zeros((counts.shape[0], n_nat))
    for k, v in ch.items():
        val = n * np.einsum("ij,ij->i", wpost[p], v[c])
        if k == "a":
            np.add.at(out, (p, cq[c]), val)
        elif k == "hi":
            m = cx[c] >= 1
            np.add.at(out, (p[m], (Q + cq[c] * (K - 1) + cx[c] - 1)[m]), val[m])
        elif k == "lo":
            m = cx[c] <= K - 2
            np.add.at(out, (p[m], (Q + cq[c] * (K - 1) + cx[c])[m]), val[m])
        elif k == "t":
            np.add.at(out, (p, o_s + cr[c]), -val)
            np.add.at(out, (p, o_s + R + cg[c]), val)
        else:
            np.add.at(out, (p, np.full(len(p), n_nat - 1)), val)
    return out


@settings(max_examples=25, deadline=None)
@given(n_persons=st.integers(1, 25), per_person=st.integers(1, 8), chunk=st.integers(1, 40),
       seed=st.integers(0, 10_000))
def test_candidate_scores_equal_add_at(n_persons, per_person, chunk, seed):
    """One bincount per chunk of whole candidates gives np.add.at's sums bit for bit, whatever the chunk
    size (a chunk smaller than one candidate's cells still takes that candidate whole)."""
    rng = np.random.default_rng(seed)
    Q, K, R, G, T = 3, 4, 3, 2, 7
    cells = np.array([(q, r, g, x) for q in range(Q) for r in range(R) for g in range(G) for x in range(K)])
    cq, cr, cg, cx = cells.T
    person = np.repeat(np.arange(n_persons), per_person)
    cell = rng.integers(0, len(cells), len(person))
    counts = sparse.csr_array((np.ones(len(person)), (person, cell)), shape=(n_persons, len(cells)))
    counts.sum_duplicates()
    wpost = rng.dirichlet(np.ones(T), n_persons)
    ch = {k: rng.normal(size=(len(cells), T)) for k in ("a", "hi", "lo", "t", "tz")}
    got = _candidate_scores(counts, wpost, ch, cq, cr, cg, cx, Q, K, R, G, chunk=chunk)
    np.testing.assert_array_equal(got, _scores_by_add_at(counts, wpost, ch, cq, cr, cg, cx, Q, K, R, G))


@pytest.fixture(scope="module")
def scores():
    return generate(400, seed=3).scores


def test_joint_handoff_reaches_the_maximum_of_the_long_path(scores, monkeypatch):
    """L-BFGS-B handing over to Newton early ends on the maximum L-BFGS-B to ftol 1e-12 ends on: every
    estimate and standard error of the joint model agrees."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = fit_irt(scores, rater="interviewer", progress=False)
        monkeypatch.setattr(joint_module, "_HANDOFF_FTOL", 1e-12)
        ref = fit_irt(scores, rater="interviewer", progress=False)
    assert_same_joint_fit(fast, ref)


def test_joint_polish_on_a_sample_of_candidates_reaches_the_same_maximum(scores, monkeypatch):
    """The Newton polish with its chord Hessian from half of the candidates ends on the maximum the
    full Hessian's polish ends on, and the standard errors (always from every candidate) agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fit_irt(scores, rater="interviewer", progress=False)
        monkeypatch.setattr(joint_module, "_POLISH_SAMPLE_MIN", 0)
        monkeypatch.setattr(joint_module, "_POLISH_SAMPLE", 2)
        sampled = fit_irt(scores, rater="interviewer", progress=False)
    assert_same_joint_fit(sampled, ref)
