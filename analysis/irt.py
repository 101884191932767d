"""Earlier path of :mod:`analysis.stats.irt`, kept for notebooks and checks that import it."""

import analysis.stats.irt as _source
from analysis._compat import reexport

reexport(__name__, _source)
