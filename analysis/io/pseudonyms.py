"""Candidate pseudonyms of an import: keyed, stable, and never reversible without the key.

An export's candidate id is replaced by ``cand-`` + the first 16 hex digits of HMAC-SHA256 under the
data folder's secret key (``Layout.pseudonym_key``, ``<data>/.pseudonym_key``: 32 random bytes
created on the first import with mode 0600, git-ignored). The same key gives the same candidate the
same pseudonym in every later import; keep it, or later imports give the same candidates new
pseudonyms. Without the key an ATS id cannot be recovered or checked by hashing guesses. A
spreadsheet without an id column gets its interview ids from the same key (:func:`keyed_id`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

from analysis import config
from analysis.io.import_setup import ImportSetupError

__all__ = ["pseudonym_key", "pseudonym", "keyed_id"]


def pseudonym_key(data=None, *, create: bool = True) -> bytes | None:
    """The data folder's pseudonym key (``<data>/.pseudonym_key``), created with mode 0600 when
    absent and ``create``; None when absent and not ``create`` (a dry run writes nothing)."""
    path = config.layout(data).pseudonym_key
    for _ in range(2):
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            if not create:
                return None
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another import created it: read that one
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportSetupError(f"{path}: unreadable pseudonym key ({exc})") from None
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise ImportSetupError(f"{path}: damaged pseudonym key (expected 64 hex digits); restore it from a "
                                   "backup: a new key would give every candidate a new pseudonym")
        return bytes.fromhex(text)
    raise ImportSetupError(f"{path}: could not create the pseudonym key")


def _digest(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def pseudonym(candidate: str, key: bytes, source: str) -> str:
    """``cand-`` + 16 hex digits of HMAC-SHA256(key, ``source:candidate``): the same ATS candidate
    always maps to the same pseudonym under one key, and without the key the ATS id cannot be
    recovered or checked by hashing guesses."""
    return "cand-" + _digest(key, f"{source}:{candidate}")[:16]


def keyed_id(date: str, candidate: str, interviewer: str, key: bytes) -> str:
    """The scorecard id of a spreadsheet row without an id column: ``k`` + 12 hex digits of
    HMAC-SHA256(key, ``date|candidate|interviewer``), stable under one key (a second import of the
    same sheet finds the rows already imported)."""
    return "k" + _digest(key, f"{date}|{candidate}|{interviewer}")[:12]
