"""Earlier path of :mod:`analysis.stats.reliability`, kept for notebooks and checks that import it."""

import analysis.stats.reliability as _source
from analysis._compat import reexport

reexport(__name__, _source)
