"""The fast paths of the item response models give the reference paths' fit (issue 26).

Where the tolerances come from
------------------------------
* The many-facet Rasch model (``analysis.stats.irt.mfrm``) runs mirt's ``fit_mfrm`` steps in
  mirt's order, so its estimates are mirt's bit for bit (compared exactly); only the observed
  information is summed in another order (blocks of candidates), so it and the standard errors agree
  to the rounding of those sums: measured 5e-15 relative on a 100k-row drift design, asserted to
  1e-10 relative.
* The joint model's Hessian (``_grouped_hessian``) is the same forward differences of the exact
  gradient as ``_hessian``, with the candidates a parameter does not move keeping their expected
  counts: the columns differ by the rounding of the gradient sums divided by the 1e-5 step (measured
  1.5e-11 on the standard errors of a 100k-row history), asserted to 1e-8, the cross-SIMD tolerance
  of tests/test_irt.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.stats.demo import generate
from analysis.stats.irt import fit_irt
from irt_checks import assert_same_joint_fit
from analysis.stats.irt import joint as joint_module
from analysis.stats.irt.quadrature import _codes
from analysis.stats.irt.raters import _long_layout


@pytest.fixture(scope="module")
def scores():
    return generate(400, seed=3).scores


def _mfrm_design(n_persons, n_items, n_levels, per_person, seed):
    """A random long-layout design: every candidate rated ``per_person`` times on random items and levels,
    every score used on every item (partial credit), every level rated."""
    rng = np.random.default_rng(seed)
    c = np.repeat(np.arange(n_persons), per_person)
    q = rng.integers(0, n_items, len(c))
    lev = rng.integers(0, n_levels, len(c))
    theta = rng.normal(size=n_persons)[c]
    x = np.clip(np.round(1.5 + theta - 0.3 * (lev - n_levels / 2) + rng.normal(size=len(c))), 0, 3).astype(np.int64)
    # every item and level sees every score, so the partial-credit model is identified
    k = np.arange(len(c)) % (4 * n_items * n_levels)
    head = k < 4 * n_items
    x[head] = k[head] % 4
    q[head] = k[head] // 4
    lev[:n_levels * 4] = np.repeat(np.arange(n_levels), 4)
    x[:n_levels * 4] = np.tile(np.arange(4), n_levels)
    return _long_layout(c, n_persons, x, q, lev)


def _mirt_and_block_information(R, I, F, n_items, n_levels, n_nodes):
    from mirt.estimation import mfrm_mml as mm
    from mirt.models import Facet, PolytomousMFRM

    from analysis.stats.irt.mfrm import _likelihood_class
    mdl = PolytomousMFRM(n_items, 4, [Facet("rater", n_levels)], "partial_credit")
    design = mm._build_design(mdl, R, {"rater": F}, I)
    pm = mm._parameter_map(mdl, 4, True)
    free = pm.free(mm._starting_values(mdl, design, pm)) + 0.05
    reference = mm._MarginalLikelihood(design, pm, n_nodes).information(free)
    blocks = _likelihood_class()(design, pm, n_nodes).information(free)
    return reference, blocks


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_persons=st.integers(20, 200), n_items=st.integers(2, 6), n_levels=st.integers(2, 9),
       per_person=st.integers(2, 9), n_nodes=st.sampled_from([5, 21, 41]), seed=st.integers(0, 2 ** 16))
def test_block_information_equals_mirts_on_any_design(n_persons, n_items, n_levels, per_person, n_nodes, seed):
    """The observed information summed over blocks of candidates is mirt's, whatever the design (more or
    fewer candidates than a block, a candidate rated once per item or many times)."""
    R, I, F = _mfrm_design(n_persons, n_items, n_levels, per_person, seed)
    reference, blocks = _mirt_and_block_information(R, I, F, n_items, n_levels, n_nodes)
    np.testing.assert_allclose(blocks, reference, rtol=0, atol=1e-10 * np.abs(reference).max())


def test_mfrm_fit_equals_mirts(scores):
    """Estimates bit for bit, standard errors to the rounding of the information's sums."""
    from mirt.estimation import fit_mfrm as mirt_fit_mfrm
    from mirt.models import Facet, PolytomousMFRM

    from analysis.stats.irt.mfrm import fit_mfrm
    q_names, q_idx = _codes(scores["question_id"].astype(str))
    c_names, c_idx = _codes(scores["candidate_id"].astype(str))
    r_names, r_idx = _codes(scores["interviewer"].astype(str))
    x = scores["score"].to_numpy().astype(np.int64) - 1
    R, I, F = _long_layout(c_idx, len(c_names), x, q_idx, r_idx)

    def model():
        return PolytomousMFRM(len(q_names), 4, [Facet("rater", len(r_names))], "rating_scale")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = mirt_fit_mfrm(model(), R, {"rater": F}, item_indices=I)
        got = fit_mfrm(model(), R, {"rater": F}, item_indices=I)
    np.testing.assert_array_equal(got.facet_parameters["rater"], ref.facet_parameters["rater"])
    np.testing.assert_array_equal(got.theta, ref.theta)
    assert got.log_likelihood == ref.log_likelihood
    np.testing.assert_allclose(got.facet_se["rater"], ref.facet_se["rater"], rtol=1e-10, atol=0)
    np.testing.assert_array_equal(got.infit["rater"], ref.infit["rater"])


def _reference_hessian(evaluate, partial_grad, groups, counts, free, g, progress=None, label="curvature"):
    return joint_module._hessian(evaluate, free, g, progress, label)


def test_joint_fit_with_grouped_hessian_equals_the_full_one(scores, monkeypatch):
    """Every estimate and standard error of the joint model, with each Hessian column computed on the
    candidates the parameter moves, equals the fit with every column on every candidate."""
    fast = fit_irt(scores, rater="interviewer", progress=False)
    monkeypatch.setattr(joint_module, "_grouped_hessian", _reference_hessian)
    ref = fit_irt(scores, rater="interviewer", progress=False)
    assert_same_joint_fit(fast, ref)
    assert fast.items[["discrimination_se", "infit", "outfit"]].notna().all().all()


def test_question_ids_with_spaces_fit_the_same(scores):
    """Item ids may hold spaces (``mid-caching v2``): the fit does not read them beyond their order."""
    renamed = scores.assign(question_id=scores["question_id"].astype(str) + " v2")
    a = fit_irt(scores, rater="interviewer", progress=False)
    b = fit_irt(renamed, rater="interviewer", progress=False)
    assert list(b.items["question"]) == [q + " v2" for q in a.items["question"]]
    np.testing.assert_allclose(b.items["discrimination"], a.items["discrimination"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(b.raters["severity"], a.raters["severity"], rtol=0, atol=1e-8)
    pd.testing.assert_frame_equal(b.abilities, a.abilities, check_exact=False, atol=1e-8, rtol=0)
