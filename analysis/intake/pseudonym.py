"""Keyed pseudonyms (HMAC-SHA-256) replacing personnummer; the key lives in a file outside the database."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from analysis.errors import StoreError
from analysis.settings import get_setting

KEY_BYTES = 32
PREFIX = "P"


def key_path() -> Path:
    """Return the configured key file path (setting pseudonym_key_path)."""
    return Path(os.path.expanduser(str(get_setting("pseudonym_key_path"))))


def load_or_create_key(path: str | os.PathLike[str] | None = None) -> bytes:
    """Return the pseudonymisation key, creating a random one (mode 0600) on first use.

    Parameters
    ----------
    path : str or Path, optional
        Key file; default from the pseudonym_key_path setting.

    Returns
    -------
    bytes

    """
    path = Path(path) if path is not None else key_path()
    if path.is_file():
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) != KEY_BYTES:
            raise StoreError(
                f"Nyckelfilen {path} är skadad: {KEY_BYTES} byte i hex förväntades.",
                f"The key file {path} is damaged: {KEY_BYTES} bytes in hex were expected.",
            )
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    return key


def pseudonymize(normalized: Iterable[str], key: bytes) -> list[str]:
    """Return a stable pseudonym per normalized (12-digit) personnummer: 'P' + 20 hex digits of HMAC-SHA-256."""
    return [PREFIX + hmac.new(key, value.encode("ascii"), hashlib.sha256).hexdigest()[:20] for value in normalized]


def derive_cell_key_salt(key: bytes, study: str) -> str:
    """Return a study's secret for the cell key method: HMAC-SHA-256 of the study's name under the installation's key.

    Imports of the same study on one installation get the same secret (so the same people keep the same
    noise when a study is imported again, even into a new store); it cannot be made without the key file.
    """
    return hmac.new(key, f"cell-key|{study}".encode(), hashlib.sha256).hexdigest()[:32]
