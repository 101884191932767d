"""The registry of import sources: one :class:`Importer` entry per export format.

An importer is a name (the ``SOURCE`` of ``python -m analysis import SOURCE FILE...``), the prefix
of the interview ids it writes (``gh-<scorecard id>``: importing the same export twice adds nothing),
its documented default mapping and its reader (``read(path, mapping, display) -> [SourceRecord]``,
see :mod:`analysis.io.ats`). Everything that needs to know the sources reads :data:`IMPORTERS`: the
command's choices, :func:`analysis.io.import_setup.load_mapping`, :func:`read_file` and the ids of
:func:`analysis.io.importing.import_files`. Adding a source is one entry here, or one call of
:func:`register_importer` from outside the package.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analysis.io import ats
from analysis.io.ats_record import SourceRecord, refuse_invalid_text

__all__ = ["Importer", "IMPORTERS", "register_importer", "default_mapping", "read_file"]


@dataclass(frozen=True)
class Importer:
    """One import source.

    Attributes
    ----------
    name : str
        The source's name on the command line (``greenhouse``).
    prefix : str
        Interview ids are ``<prefix>-<the source's own scorecard id>``; unique among the importers, so
        two sources never write the same id.
    mapping : dict
        The documented default mapping (tables ``ignore``, ``fields``, ``questions``, ``ratings``,
        ``recommendations``, ``red_flag``, ``levels``); a mapping file updates a copy of it.
    read : callable
        ``read(path, mapping, display)``: every record of one export file as
        :class:`~analysis.io.ats_record.SourceRecord` objects (a file that cannot be read gives one
        unreadable record); ``display`` is how positions name the file.
    local_ids : bool, default False
        The source's ids are unique only inside one file (a spreadsheet numbering its rows 1, 2, 3):
        the interview id then also carries the source's name, ``<prefix>-<source name>-<id>``
        (:func:`analysis.io.importing.import_files`). An ATS's scorecard ids are global (False).
    """

    name: str
    prefix: str
    mapping: dict
    read: Callable[[Path, dict, str], list[SourceRecord]]
    local_ids: bool = False


#: Every import source by name, in the order the command lists them.
IMPORTERS: dict[str, Importer] = {}


def register_importer(importer: Importer) -> Importer:
    """Add ``importer`` to :data:`IMPORTERS` (and so to the command's choices); returns it.

    Raises
    ------
    ValueError
        Its name or its id prefix is already taken (two sources writing the same interview ids would
        count each other's interviews as already imported).
    """
    if importer.name in IMPORTERS:
        raise ValueError(f"an importer named {importer.name!r} is already registered; choose another name")
    taken = {i.prefix: i.name for i in IMPORTERS.values()}
    if importer.prefix in taken:
        raise ValueError(f"id prefix {importer.prefix!r} is already used by {taken[importer.prefix]!r}; "
                         "choose another prefix")
    IMPORTERS[importer.name] = importer
    return importer


for _importer in (
    Importer("greenhouse", "gh", ats.GREENHOUSE_MAPPING, ats.read_greenhouse),
    Importer("lever", "lv", ats.LEVER_MAPPING, ats.read_lever),
    Importer("ashby", "ab", ats.ASHBY_MAPPING, ats.read_ashby),
    Importer("csv", "csv", ats.CSV_MAPPING, ats.read_csv, local_ids=True),
):
    register_importer(_importer)
del _importer


def default_mapping(source: str) -> dict:
    """A fresh copy of the default mapping of ``source`` (a registered name)."""
    return copy.deepcopy(IMPORTERS[source].mapping)


def read_file(source: str, path, mapping: dict, display: str | None = None) -> list[SourceRecord]:
    """Every record of one export file of ``source`` (a file that cannot be read gives one unreadable
    record).

    Every reader's records pass here, so every source keeps one rule: a record holding text no
    UTF-8 file can hold (an unpaired surrogate) becomes one record skipped as ``invalid_text``
    (:func:`~analysis.io.ats_record.refuse_invalid_text`); the others are read as usual."""
    path = Path(path)
    return [refuse_invalid_text(r) for r in IMPORTERS[source].read(path, mapping, display or str(path))]
