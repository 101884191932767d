"""Argument types and options shared by the commands: one definition of ``--data``, ``--out`` and
``--format``, and the value parsers whose errors argparse prints as usage errors (exit 2)."""

from __future__ import annotations

import argparse
import datetime as dt

__all__ = ["add_data", "add_out", "add_formats", "int_at_least", "iso_date", "formats"]

LEVEL_CHOICES = ("junior", "mid", "senior")


def add_data(p: argparse.ArgumentParser, *, required: bool = False, help: str | None = None) -> None:
    p.add_argument("--data", metavar="DIR", default=None, required=required,
                   help=help or "data folder holding questions.csv, scores/ and optionally outcomes.csv "
                                "(default: the repo's data/, or $INTERVIEW_DATA)")


def add_out(p: argparse.ArgumentParser, *, required: bool = False, help: str | None = None) -> None:
    kwargs = {"required": True} if required else {"default": "reports"}
    p.add_argument("--out", metavar="DIR", help=help or "output folder (default: reports/)", **kwargs)


def add_formats(p: argparse.ArgumentParser, default: str, help: str) -> None:
    p.add_argument("--format", default=default, type=formats, help=help)


def int_at_least(low: int, what: str):
    """An argparse type: a whole number >= ``low`` (``what`` says what it counts in the error)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}, expected a whole number ({what})") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"got {value}, expected {what}")
        return value
    parse.__name__ = "integer"
    return parse


def iso_date(text: str) -> str:
    """An argparse type: a calendar date written YYYY-MM-DD."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}, expected a calendar date YYYY-MM-DD") from None
    if len(text) != 10:
        raise argparse.ArgumentTypeError(f"got {text!r}, expected a calendar date YYYY-MM-DD")
    return text


def formats(text: str) -> str:
    """An argparse type: a comma-separated list of export formats (checked, kept as given)."""
    from analysis.reports.files import ExportError, parse_formats
    try:
        parse_formats(text)
    except (ExportError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text
