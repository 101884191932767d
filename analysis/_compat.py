"""The module paths of the flat layout that users' notebooks and outside checks still import.

``analysis.load``, ``analysis.store``, ``analysis.items``, ``analysis.reliability`` and ``analysis.irt``
are thin modules that re-export their layer's module (``analysis.io.load`` and so on). ``analysis.load``
is both a module (``from analysis.load import load``) and, through the facade, a function
(``aw.load("data")``): :func:`callable_module` makes the module callable so both keep working,
whichever was imported first.
"""

from __future__ import annotations

import sys
import types

__all__ = ["reexport", "callable_module"]


def reexport(name: str, source: types.ModuleType) -> None:
    """Give module ``name`` every public name of ``source`` (its ``__all__``, else no underscore)."""
    target = sys.modules[name]
    names = getattr(source, "__all__", None) or [n for n in vars(source) if not n.startswith("_")]
    for n in names:
        setattr(target, n, getattr(source, n))
    target.__all__ = list(names)


def callable_module(name: str, function) -> None:
    """Make module ``name`` callable as ``function`` (``analysis.load(...)`` is ``load(...)``)."""

    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return function(*args, **kwargs)

    sys.modules[name].__class__ = _CallableModule
