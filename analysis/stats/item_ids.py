"""Item ids and the tables that show questions: the one place an item id becomes (question, version).

Every analysis keys on the **item id** of :func:`analysis.io.bank.item_key`: the question's stable id
while the bank holds one version of it, else ``"<question_id> v<version>"`` (``mid-caching v2``), so
each version of a rewritten question is measured as an item of its own (its drift and leak tests
restart at the new version, IRT and the differential item functioning screen fit it as a new item).

The tables a hiring lead reads show the stable id and the version apart: ``question_id`` is the
stable id and a ``version`` column follows it. :func:`split_item_ids` does that for every table with a
``question_id`` column (``question_stats``, ``drift_tests``, ``drift_by_quarter``, ``strong_weak``);
:func:`item_labels` turns the pair back into the label a chart or a sentence shows. For a bank whose
questions have one version each, ``question_id`` is unchanged and ``version`` is 1 throughout.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["split_item_ids", "item_labels", "with_item_labels", "VERSION_LABEL"]

#: The end of an item id that names a version (``" v2"``); the bank refuses ids ending like it, so an
#: id that matches is always a version label.
VERSION_LABEL = re.compile(r"^(?P<base>.*\S)\s+v(?P<version>\d+)$")


def _lookup(questions: pd.DataFrame | None) -> dict[str, tuple[str, int]]:
    """item id -> (stable id, version) from the item table (or a bank without ``base_id``/``version``)."""
    if questions is None or "question_id" not in questions:
        return {}
    ids = questions["question_id"].astype(str).to_numpy()
    base = questions["base_id"].astype(str).to_numpy() if "base_id" in questions else ids
    version = (questions["version"].to_numpy(dtype=np.int64) if "version" in questions
               else np.ones(len(ids), dtype=np.int64))
    return {i: (b, int(v)) for i, b, v in zip(ids, base, version)}


def _split(item: str, known: dict[str, tuple[str, int]]) -> tuple[str, int]:
    if item in known:
        return known[item]
    m = VERSION_LABEL.match(item)
    return (m["base"], int(m["version"])) if m else (item, 1)


def split_item_ids(table: pd.DataFrame, questions: pd.DataFrame | None = None, *,
                   column: str = "question_id") -> pd.DataFrame:
    """``table`` with its item ids split: ``column`` holds the stable id and ``version`` follows it.

    Parameters
    ----------
    table : DataFrame
        A table keyed by item id (``mid-caching v2``), in its ``column``.
    questions : DataFrame, optional
        The item table (:func:`analysis.io.bank.item_table`: ``question_id`` the item id, ``base_id``,
        ``version``), i.e. ``Workbook.questions``. Ids it does not hold (or all, without it) are split
        by their label: ``"<id> v<n>"`` is version ``n`` of ``<id>``, any other id is version 1 (the
        bank refuses ids that end like a version label, so this is never ambiguous).

    Returns
    -------
    DataFrame
        A new frame, the same rows in the same order; ``column`` as text; ``version`` (int64) right
        after it (replaced if the table had one).
    """
    out = table.drop(columns=["version"], errors="ignore").copy()
    known = _lookup(questions)
    pairs = [_split(str(q), known) for q in out[column].astype(str)]
    out[column] = pd.Series([p[0] for p in pairs], index=out.index, dtype=object).astype(str)
    out.insert(out.columns.get_loc(column) + 1, "version", np.array([p[1] for p in pairs], dtype=np.int64))
    return out


def item_labels(table: pd.DataFrame, *, column: str = "question_id") -> pd.Series:
    """The label of each row of a split table: ``"<id> v<version>"`` for a question shown with more
    than one version in ``table`` or at a version above 1, else the id alone (a bank of one version
    per question is labelled as before). A table without ``version`` keeps its ids."""
    ids = table[column].astype(str)
    if "version" not in table:
        return ids
    version = table["version"].to_numpy(dtype=np.int64)
    several = pd.Series(version, index=table.index).groupby(ids.to_numpy()).transform("nunique").to_numpy() > 1
    labelled = several | (version > 1)
    return pd.Series(np.where(labelled, ids + " v" + pd.Series(version, index=table.index).astype(str), ids),
                     index=table.index, dtype=object)


def with_item_labels(table: pd.DataFrame, *, column: str = "question_id") -> pd.DataFrame:
    """``table`` with ``column`` replaced by :func:`item_labels` (what a chart draws one mark per)."""
    return table.assign(**{column: item_labels(table, column=column)})
