"""Turning result frames into JSON-ready records for the command line."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def json_value(value):
    """Return a plain Python value: numpy scalars unwrapped, NaN as None."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and value != value else value


def to_records(frame: pd.DataFrame, keys: Sequence[str]) -> list[dict]:
    """Return the rows of frame as dicts of the given keys with JSON-ready values."""
    return [{k: json_value(row[k]) for k in keys} for _, row in frame.iterrows()]


def to_all_records(frame: pd.DataFrame, keys: Sequence[str]) -> list[dict]:
    """Return the rows of frame as JSON-ready dicts: the promised keys first, then every other column."""
    return to_records(frame, (*keys, *(c for c in frame.columns if c not in keys)))
