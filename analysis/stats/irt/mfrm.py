"""Linacre's many-facet Rasch model by ``mirt.estimation.fit_mfrm`` (mirt 1.2.0), with its observed
information computed block by block over the candidates.

mirt's Louis information subtracts the posterior covariance of every candidate's complete-data score
node by node, as a dense candidates x parameters matrix and a product over all parameters: at 1M
score rows and one facet level per interviewer and quarter (several hundred parameters) that is
most of the drift fit (:func:`analysis.stats.irt.rater_quarters`). A candidate's score is zero
outside the parameters of their own questions and facet levels, and the covariance is a sum over
candidates, so :func:`fit_mfrm` sums it over blocks of candidates who share questions and facet
levels (sorted by their first question and level), each block on its own few parameters. The
posterior is computed in place and the expected counts through the CSC view of the counts'
transpose (the same sums in the same order, so the same bits). Everything else (design, optimiser,
grid refinement, estimates, fit statistics) is mirt's own code, called in mirt's order: the
estimates are mirt's bit for bit and the standard errors equal mirt's up to the rounding of the
information's sums (checked in ``tests/test_irt_fast.py``).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from threadpoolctl import threadpool_limits

__all__ = ["fit_mfrm"]

#: Candidates per block: small enough that a block touches few parameters (the cost is candidates x
#: nodes x parameters squared), large enough that numpy's per-call overhead stays small.
_BLOCK = 64

_LIKELIHOOD = None


def _likelihood_class():
    """mirt's ``_MarginalLikelihood`` with :func:`_information` (built on first use: mirt loads only
    for a fit)."""
    global _LIKELIHOOD
    if _LIKELIHOOD is None:
        from mirt.estimation import mfrm_mml

        _LIKELIHOOD = type("_BlockInformationLikelihood", (mfrm_mml._MarginalLikelihood,),
                           {"information": _information, "posterior": _posterior,
                            "expected_counts": _expected_counts})
    return _LIKELIHOOD


def _posterior(self, log_probability):
    """mirt's ``posterior`` (marginal log-likelihood and person posteriors) in place: the same
    operations on the same values, so the same bits, without three persons x nodes temporaries."""
    table = log_probability.reshape(-1, log_probability.shape[2])
    joint = self.design.counts @ table
    joint += self.log_weights
    peak = np.max(joint, axis=1, keepdims=True)
    joint -= peak
    np.exp(joint, out=joint)
    total = np.sum(joint, axis=1, keepdims=True)
    joint /= total
    return float(np.sum(peak + np.log(total))), joint


def _expected_counts(self, posterior):
    """mirt's ``expected_counts`` through the CSC view of the counts' transpose: its product walks the
    persons in order (the posterior's rows read once, in sequence) where mirt's CSR transpose reads them
    at random, about 5x faster; each sum adds the same terms in the same (person) order."""
    expected = self.design.counts_t @ posterior
    return expected.reshape(-1, self.design.n_categories, posterior.shape[1])


def _information(self, free):
    """Observed information of the free coordinates (Louis), as mirt's ``information``; the posterior
    covariance of the scores by :func:`_score_covariance`."""
    design = self.design
    parameter_map = self.parameter_map
    natural = parameter_map.natural(free)
    log_probability, probability, sigma = self.probabilities(natural)
    _, posterior = self.posterior(log_probability)
    expected = self.expected_counts(posterior)
    n_cells, n_categories, _ = probability.shape
    n_natural = len(natural)
    nodes = self.nodes

    # the expected complete-data information: mirt 1.2.0's code (mfrm_mml.py, information), unchanged
    statistic = np.tril(-np.ones((n_categories, n_categories)))
    statistic[:, 0] = self.categories
    mean = np.einsum("ckq,kl->clq", probability, statistic)
    count = np.sum(expected, axis=1)
    residual = np.einsum("k,ckq->cq", self.categories, expected) - (count * mean[:, 0])
    weighted = np.einsum("cq,ckq->ck", count, probability)
    covariance = np.einsum("ck,kl,km->clm", weighted, statistic, statistic) - np.matmul(
        count[:, None, :] * mean, mean.transpose(0, 2, 1))
    weighted = np.einsum("cq,ckq->ck", count * nodes, probability)
    eta_covariance = weighted @ (statistic * statistic[:, :1]) - np.einsum(
        "cq,clq->cl", count * nodes * mean[:, 0], mean)
    eta_variance = np.einsum("cq,ckq,k->c", count * nodes ** 2, probability, self.categories ** 2) - np.einsum(
        "cq,cq->c", count * nodes ** 2, mean[:, 0] ** 2)
    thresholds_row = (design.cell_item if parameter_map.threshold_rows > 1
                      else np.zeros(n_cells, dtype=np.intp))
    n_steps = n_categories - 1
    index = np.column_stack((
        design.cell_item,
        *(block.start + levels for block, levels in zip(parameter_map.facets, design.cell_levels, strict=True)),
        parameter_map.thresholds.start + n_steps * thresholds_row[:, None] + np.arange(n_steps)))
    n_locations = 1 + len(design.cell_levels)
    local = np.r_[np.zeros(n_locations, dtype=np.intp), np.arange(1, n_categories)]
    sign = np.r_[-np.ones(n_locations), np.ones(n_steps)]
    pairs = (index[:, :, None] * n_natural + index[:, None, :]).ravel()
    blocks = sign[:, None] * sign * covariance[:, local][:, :, local]
    information = np.bincount(pairs, weights=blocks.ravel(), minlength=n_natural ** 2).reshape(n_natural, n_natural)
    cross = sigma * np.bincount(index.ravel(), weights=(sign * eta_covariance[:, local]).ravel(), minlength=n_natural)
    information[:, -1] += cross
    information[-1, :] += cross
    information[-1, -1] += sigma ** 2 * np.sum(eta_variance)
    information[-1, -1] -= sigma * np.sum(residual @ nodes)

    # minus the posterior covariance of each candidate's complete-data score, block by block
    loadings = sign[None, :, None] * mean[:, local, :]              # (cells, parameters of a cell, nodes)
    information -= _score_covariance(design, index, loadings, mean[:, 0, :], posterior, sigma * nodes, n_natural)
    return parameter_map.matrix.T @ information @ parameter_map.matrix


def _score_covariance(design, index, loadings, mean0, posterior, sigma_nodes, n_natural):
    """Sum over candidates of the posterior covariance of their complete-data scores, (n_natural,)*2.

    A candidate's score at node ``z`` is minus the sum of their cells' ``loadings`` (placed at the
    cells' parameters ``index``), and ``sigma z (sum of their scores - sum of the cells' mean0)`` in
    log sigma (the last parameter): mirt's per-node loop, summed per block of candidates over the
    parameters the block touches."""
    n_persons = design.n_persons
    n_cells, _, n_nodes = loadings.shape
    person_cells = csr_array((np.ones(len(design.cell)), (design.person, design.cell)), shape=(n_persons, n_cells))
    total = np.bincount(design.person, weights=design.response, minlength=n_persons)
    # candidates sorted by their first question and first facet level: neighbours share parameters
    first_item = np.full(n_persons, np.iinfo(np.intp).max)
    np.minimum.at(first_item, design.person, design.item)
    first_level = np.zeros(n_persons, dtype=np.intp)
    if design.levels:
        first_level[:] = np.iinfo(np.intp).max
        np.minimum.at(first_level, design.person, design.levels[0])
    order = np.lexsort((first_level, first_item))
    out = np.zeros((n_natural, n_natural))
    with threadpool_limits(1, user_api="blas"):   # small products: BLAS threads cost more than they save
        for start in range(0, n_persons, _BLOCK):
            persons = order[start:start + _BLOCK]
            nb = len(persons)
            block = person_cells[persons]
            coo = block.tocoo()
            row, cell, count = coo.row, coo.col, coo.data
            support = np.union1d(index[np.unique(cell)].ravel(), [n_natural - 1])
            m = len(support)
            # each rating's loadings go to (its cell's parameters, its candidate): a sparse sum
            key = (np.searchsorted(support, index[cell]) * nb + row[:, None]).ravel()
            spread = csr_array((np.ones(len(key)), (key, np.arange(len(key)))), shape=(m * nb, len(key)))
            score = -(spread @ (count[:, None, None] * loadings[cell]).reshape(len(key), n_nodes))
            score = score.reshape(m, nb, n_nodes)
            score[-1] = sigma_nodes[None, :] * (total[persons][:, None] - block @ mean0)
            weighted = score * posterior[persons][None, :, :]
            cov = score.reshape(m, -1) @ weighted.reshape(m, -1).T
            score_mean = weighted.sum(axis=2)
            cov -= score_mean @ score_mean.T
            out[np.ix_(support, support)] += cov
    return out


def _build_design(model, responses, facet_indices, item_indices):
    """mirt's ``_build_design`` (1.2.0), the same design, without its two slow steps at 1M ratings.

    mirt groups the ratings into cells with ``np.unique(keys, axis=0)``, which sorts the rows as
    structured records (3 s at 1M ratings); the keys are small non-negative integers, so one
    mixed-radix integer per row (item, then each facet level) sorts in the same lexicographic order
    and a count per code finds the cells in linear time: the same cells, numbered the same. And
    ``counts_t`` is the CSC view of ``counts.T`` (what :func:`_expected_counts` multiplies by), not
    mirt's CSR copy. Validation and error messages are mirt's own (its helpers, called in its order).
    """
    from mirt.estimation import mfrm_mml as mm
    from mirt.models import PolytomousMFRM
    from mirt.utils.data import validate_responses

    data = validate_responses(responses, n_items=model.n_items if item_indices is None else None)
    n_persons, n_columns = data.shape
    observed = data >= 0
    if not np.any(observed):
        raise mm.MirtDataError("responses contain no observed ratings")
    n_categories = model.n_categories if isinstance(model, PolytomousMFRM) else 2
    response = data[observed].astype(np.intp)
    if np.any(response >= n_categories):
        raise mm.MirtDataError(f"ratings must be coded 0 to {n_categories - 1}", n_categories=n_categories)
    person = np.broadcast_to(np.arange(n_persons)[:, None], data.shape)[observed]
    if item_indices is None:
        item = np.broadcast_to(np.arange(n_columns), data.shape)[observed]
    else:
        item = mm._observed_index(item_indices, "item_indices", model.n_items, observed, vector_axis=1)
    provided = set(facet_indices or {})
    unknown = sorted(provided - set(model.facet_names))
    missing = sorted(set(model.facet_names) - provided)
    if unknown:
        raise mm.MirtValidationError(f"Unknown facet assignments: {', '.join(unknown)}")
    if missing:
        raise mm.MirtValidationError(f"Missing facet assignments: {', '.join(missing)}")
    levels = tuple(mm._observed_index(facet_indices[facet.name], f"facet '{facet.name}' indices", facet.n_levels,
                                      observed, vector_axis=0)
                   for facet in model.facets if facet_indices is not None)
    # the cells: rows of (item, *levels) as one mixed-radix code, lexicographic like mirt's np.unique
    radix = [model.n_items] + [facet.n_levels for facet in model.facets if facet_indices is not None]
    code = item.astype(np.int64)
    for lev, base in zip(levels, radix[1:], strict=True):
        code = code * base + lev
    present = np.bincount(code, minlength=int(np.prod(radix, dtype=np.int64))) > 0
    cell_code = np.flatnonzero(present)
    cell = (np.cumsum(present) - 1)[code].astype(np.intp)
    unique_keys = np.empty((len(cell_code), len(radix)), dtype=np.int64)
    rest = cell_code
    for j in range(len(radix) - 1, 0, -1):
        unique_keys[:, j], rest = rest % radix[j], rest // radix[j]
    unique_keys[:, 0] = rest
    flat = cell * n_categories + response
    counts = csr_array((np.ones(len(flat)), (person, flat)), shape=(n_persons, len(cell_code) * n_categories))
    histogram = np.bincount(flat, minlength=len(cell_code) * n_categories).reshape(len(cell_code), n_categories)
    cell_tail = np.cumsum(histogram[:, :0:-1], axis=1)[:, ::-1].astype(np.float64)
    return mm._Design(n_persons=n_persons, n_categories=n_categories, person=person.astype(np.intp), cell=cell,
                      response=response, item=item.astype(np.intp), levels=levels,
                      cell_item=unique_keys[:, 0].astype(np.intp),
                      cell_levels=tuple(unique_keys[:, j + 1].astype(np.intp) for j in range(len(levels))),
                      counts=counts, counts_t=counts.T, cell_tail=cell_tail)


def fit_mfrm(model, responses, facet_indices=None, *, item_indices=None, max_iter: int = 500, tol: float = 1e-6):
    """``mirt.estimation.fit_mfrm`` (automatic grid, sigma estimated), with the observed information
    by blocks of candidates (:func:`_score_covariance`): mirt 1.2.0's steps in mirt's order, so the
    estimates are mirt's to the last bit and the standard errors to the rounding of the sums."""
    import warnings

    from mirt.estimation import mfrm_mml as mm
    from scipy.optimize import minimize

    for facet in model.facets:
        if not facet.is_anchored:
            raise ValueError(f"facet {facet.name!r} is not anchored")
    design = _build_design(model, responses, facet_indices, item_indices)
    mm._check_estimability(model, design, True)
    parameter_map = mm._parameter_map(model, design.n_categories, True)
    mm._check_identification(model, design, parameter_map)
    free = parameter_map.free(mm._starting_values(model, design, parameter_map))
    bounds = [(None, None)] * free.size
    bounds[-1] = mm._LOG_SIGMA_BOUNDS
    n_nodes = mm._AUTO_QUADPTS
    n_iterations = 0
    likelihood_class = _likelihood_class()
    while True:
        likelihood = likelihood_class(design, parameter_map, n_nodes)
        optimum = minimize(likelihood.objective, free, jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": max_iter - n_iterations, "gtol": float(tol), "ftol": 1e-14})
        free = np.asarray(optimum.x, dtype=np.float64)
        n_iterations += int(optimum.nit)
        log_likelihood, _, posterior = likelihood.evaluate(free, gradient=False)
        needed = likelihood.required_nodes(free, posterior)
        if needed <= n_nodes or n_nodes == mm._MAX_QUADPTS or n_iterations >= max_iter:
            break
        n_nodes = min(needed, 3 * n_nodes - 2, mm._MAX_QUADPTS)
    if needed > n_nodes:
        warnings.warn(f"the {n_nodes}-node person grid is coarser than the person posteriors, so the "
                      "estimates may be biased; increase n_quadpts", RuntimeWarning, stacklevel=2)
    covariance = mm._natural_covariance(likelihood.information(free), parameter_map)
    natural = parameter_map.natural(free)
    standard_errors = np.sqrt(np.maximum(np.diag(covariance), 0.0))
    return mm._result(model, design, parameter_map, likelihood, natural, standard_errors, posterior,
                      log_likelihood=log_likelihood, n_parameters=free.size, n_iterations=n_iterations,
                      converged=bool(optimum.success))
