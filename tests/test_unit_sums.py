"""The headline's centred rows and units' sums made a block at a time (analysis.stats._unit_sums) have
the bits of the whole-array formulas they replaced: a bincount over all rows of values centred by a
gathered cell mean. Blocks far smaller than the rows, so every sum crosses many blocks."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats import discrimination
from analysis.stats._unit_sums import CentredRows, unit_sums


def _whole(x, y, g, s, ns, unit, n_units):
    """The whole-array code: centre by the gathered cell means, then one bincount per sum."""
    cell = g.astype(np.intp) * ns + s
    n_cell = np.maximum(np.bincount(cell), 1)
    xc = x - (np.bincount(cell, x) / n_cell)[cell]
    yc = y - (np.bincount(cell, y) / n_cell)[cell]
    sums = [np.bincount(unit, minlength=n_units)] + [np.bincount(unit, w, minlength=n_units)
                                                     for w in (xc, yc, xc * xc, yc * yc, xc * yc)]
    return xc, yc, np.column_stack(sums).astype(float)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), ng=st.integers(1, 5), ns=st.integers(1, 3), n_units=st.integers(1, 60),
       block=st.integers(1, 50), seed=st.integers(0, 2**31 - 1))
def test_blocks_equal_the_whole_arrays_to_the_bit(n, ng, ns, n_units, block, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(3, 2, n) * 10.0 ** rng.integers(-3, 4)  # magnitudes where the order of sums shows
    y = rng.normal(-1, 1, n)
    g = rng.integers(0, ng, n).astype(np.int8)
    s = rng.integers(0, ns, n).astype(np.int8)
    unit = rng.integers(0, n_units, n).astype(np.intp)
    xc, yc, want = _whole(x, y, g, s, ns, unit, n_units)
    rows = CentredRows(x, y, g, s, ns, block=block)
    blocks = list(rows.blocks())
    assert np.array_equal(np.concatenate([b[1] for b in blocks]), xc)
    assert np.array_equal(np.concatenate([b[2] for b in blocks]), yc)
    got = unit_sums(rows, unit, n_units)
    assert np.array_equal(got, want)
    assert all(got[:, j].flags.c_contiguous for j in range(6))  # each sum one contiguous array


def test_a_negative_cell_is_refused_as_bincount_refused_it():
    with pytest.raises(ValueError):
        CentredRows(np.ones(3), np.ones(3), np.array([0, 0, 0]), np.array([0, -1, 0]), 2)


def test_every_row_kept_reads_the_frames_columns_without_copies():
    d = pd.DataFrame({"x": np.arange(6.0), "y": np.arange(6.0) ** 2, "s": list("aabbab"), "c": list("pqrpqr")})
    kept = discrimination.kept_rows(d, "x", "y", "s", "c")
    assert np.shares_memory(kept.x, d["x"].to_numpy()) and not kept.x.flags.writeable
    d.loc[2, "y"] = np.nan  # one row dropped: the kept rows are then their own copies
    kept = discrimination.kept_rows(d, "x", "y", "s", "c")
    assert len(kept.x) == 5 and not np.shares_memory(kept.x, d["x"].to_numpy())


@pytest.mark.parametrize("y_is_rest", [False, True])
def test_the_headline_and_its_first_step_do_not_depend_on_the_block(monkeypatch, y_is_rest):
    """The whole headline (point, intervals and the first step's delta term, whose per-row part is
    summed block by block too) is the same to the bit whether the rows are one block or many."""
    rng = np.random.default_rng(3)
    n = 3000
    cand = rng.integers(0, 400, n)
    d = pd.DataFrame({"g": rng.choice(["q1", "q2", "q3"], n), "c": cand.astype(str),
                      "s": np.array(["junior", "mid", "senior"])[cand % 3], "rater": rng.integers(0, 6, n)})
    d["x"] = rng.normal(size=n) + d["rater"] * 0.1
    d["y"] = rng.normal(size=n) + np.where(rng.random(n) < 0.02, np.nan, 0)
    step = discrimination.rater_first_step(d, "rater", pd.Series(rng.random(6) * 0.01), candidate="c",
                                           y_is_rest=y_is_rest)

    def run():
        return discrimination.grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=50, first_step=step)
    one = run()
    monkeypatch.setattr(discrimination, "CentredRows", lambda *a, **k: CentredRows(*a, **k, block=97))
    many = run()
    assert one["discrimination_se_first_step"].gt(0).all()
    pd.testing.assert_frame_equal(one, many, check_exact=True)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), ng=st.integers(1, 4), n_cand=st.integers(1, 40), seed=st.integers(0, 2**31 - 1))
def test_group_candidate_sums_are_scipys_coo_build_to_the_bit(n, ng, n_cand, seed):
    """Units sorted by group, candidates in any order within a group and repeated (several strata):
    the matrix and its product with a count matrix equal scipy's own (v, (row, col)) construction."""
    import scipy.sparse as sp

    from analysis.stats._unit_sums import group_candidate_sums
    rng = np.random.default_rng(seed)
    ug = np.sort(rng.integers(0, ng, n))
    cu = rng.integers(0, n_cand, n).astype(np.int32)
    v = rng.normal(size=n) * 10.0 ** rng.integers(-4, 5, n)
    n_ck = sp.csr_matrix(rng.integers(0, 3, (n_cand, 5)).astype(float))
    want = sp.csr_matrix((v, (ug, cu)), shape=(ng, n_cand))
    got = group_candidate_sums(v.copy(), ug, cu, ng, n_cand)
    assert np.array_equal(got.toarray(), want.toarray())
    assert np.array_equal((got @ n_ck).toarray(), (want @ n_ck).toarray())


@pytest.mark.parametrize("method", ["auto", "bootstrap"])
@pytest.mark.parametrize("y_is_rest", [False, True])
def test_groups_taken_in_chunks_give_the_numbers_of_one_chunk(monkeypatch, method, y_is_rest):
    """Each group's numbers are its own rows': chunks of groups (here of about 500 rows) give the
    same table, the influence groups' intervals and the bootstrap's (one seeded stream over every
    chunk's groups) alike. To the bit, except where BLAS comes in: the first step's variance is one
    matrix-vector product over the chunk's groups (``(G * G) @ cov``), and some OpenBLAS kernels round a
    row's sum differently with the number of rows (seen with ``OPENBLAS_CORETYPE=Prescott``: 1 ulp in
    ``discrimination_se_first_step``), so that column and the ones built on it are compared to 1e-12."""
    rng = np.random.default_rng(5)
    n = 4000
    cand = rng.integers(0, 300, n)
    d = pd.DataFrame({"g": rng.choice([f"q{i}" for i in range(9)], n, p=np.r_[0.3, np.full(8, 0.7 / 8)]),
                      "c": cand.astype(str), "s": np.array(["junior", "mid", "senior"])[cand % 3],
                      "rater": rng.integers(0, 6, n)})
    d["x"] = rng.normal(size=n) + d["rater"] * 0.1 + np.where(d["g"] == "q0", cand / 300, 0)
    d["y"] = cand / 300 + rng.normal(size=n)
    step = discrimination.rater_first_step(d, "rater", pd.Series(rng.random(6) * 0.01), candidate="c",
                                           y_is_rest=y_is_rest)

    def run():  # q0 (about 280 candidates) by the influence function under "auto", the rest bootstrapped
        return discrimination.grouped_discrimination(d, "g", "x", "y", "s", "c", n_boot=40, first_step=step,
                                                     method=method, influence_min=250)
    one = run()
    monkeypatch.setattr(discrimination, "_CHUNK_ROWS", 500)
    assert len(discrimination._group_chunks(np.zeros(n, np.int8) + np.arange(n) % 9, 9, True)) > 3
    chunked = run()
    assert one["discrimination_low"].notna().all()
    blas = ["discrimination_se_first_step", "discrimination_se", "discrimination_low", "discrimination_high"]
    pd.testing.assert_frame_equal(one.drop(columns=blas), chunked.drop(columns=blas), check_exact=True)
    pd.testing.assert_frame_equal(one[blas], chunked[blas], check_exact=False, rtol=1e-12, atol=0)
