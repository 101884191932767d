"""Earlier path of :mod:`analysis.io.store`, kept for notebooks and checks that import it."""

import analysis.io.store as _source
from analysis._compat import reexport

reexport(__name__, _source)
