"""Earlier path of :mod:`analysis.stats.items`, kept for notebooks and checks that import it."""

import analysis.stats.items as _source
from analysis._compat import reexport

reexport(__name__, _source)
