"""One check shared by the IRT tests whose faster path must end on the same joint fit as the path it
replaced: every estimate and standard error of the items, raters, abilities and level means, the
joint log-likelihood and the notes."""
import numpy as np
import pytest


def assert_same_joint_fit(fast, ref, atol: float = 1e-8) -> None:
    """``fast`` and ``ref`` (two ``fit_irt`` results) agree to ``atol`` in every number (the optimiser
    converges to 1e-10 relative or better; 1e-8 absolute is far below any printed precision)."""
    for name in ("items", "raters", "abilities", "level_means"):
        a, b = getattr(fast, name), getattr(ref, name)
        assert list(a.columns) == list(b.columns), name
        num = a.select_dtypes("number").columns
        np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=0, atol=atol,
                                   err_msg=name)
    assert fast.joint_loglik == pytest.approx(ref.joint_loglik, abs=atol)
    assert fast.notes == ref.notes
