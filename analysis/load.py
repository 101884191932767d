"""Earlier path of :mod:`analysis.io.load`, kept for notebooks and checks that import it."""

import analysis.io.load as _source
from analysis._compat import reexport

reexport(__name__, _source)

from analysis._compat import callable_module  # noqa: E402

callable_module(__name__, _source.load)
