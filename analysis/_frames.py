"""Input checks shared by the statistics modules (private)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def as_list(columns: str | Sequence[str]) -> list[str]:
    """One column name or several, as a list."""
    return [columns] if isinstance(columns, str) else list(columns)


def check_columns(data: pd.DataFrame, columns: Sequence[str], function: str) -> None:
    """Raise a clear error when ``data`` is not a DataFrame or lacks one of ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{function}: data must be a pandas DataFrame; got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"{function}: column(s) {', '.join(map(repr, missing))} not in data; "
            f"found columns {', '.join(map(repr, data.columns))}"
        )
