"""Roles and what each may do: a viewer sees aggregates with suppression always on; an analyst sees everything."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

VIEWER = "viewer"
ANALYST = "analyst"
SUPPRESSION_OFF = 1  # a threshold of one hides only empty cells: nothing is suppressed
SINGLE_USER = "single-user mode"  # who saved something when nobody is logged in (stored as is, worded on pages)


@dataclass(frozen=True)
class Access:
    """Who is using the app and in which role."""

    role: str
    user: str | None = None
    single_user: bool = False

    @property
    def is_analyst(self) -> bool:
        """Return whether the role may import data, see person-level values and turn suppression off."""
        return self.role == ANALYST

    @property
    def signature(self) -> str:
        """Return who is saving a plan or a scenario: the logged-in user, or SINGLE_USER."""
        return SINGLE_USER if self.single_user or not self.user else self.user


def parse_analysts(text: str) -> frozenset[str]:
    """Return the analysts' e-mail addresses from a comma-separated setting, lower-cased."""
    return frozenset(part.strip().lower() for part in text.split(",") if part.strip())


def resolve_access(
    auth_configured: bool, logged_in: bool, email: str | None, analysts: Sequence[str] | frozenset[str]
) -> Access | None:
    """Return the user's access, or None when an identity provider is configured and nobody is logged in.

    Parameters
    ----------
    auth_configured : bool
        Whether an identity provider is configured (an ``[auth]`` section in Streamlit's secrets).
    logged_in : bool
        Whether the identity provider has logged the user in.
    email : str or None
        The logged-in user's e-mail address.
    analysts : collection of str
        E-mail addresses (lower case) of the users who get the analyst role.

    Returns
    -------
    Access or None
        Single-user analyst mode without a provider; analyst for listed addresses, viewer for everyone
        else; None when a login is needed first.

    """
    if not auth_configured:
        return Access(ANALYST, None, single_user=True)
    if not logged_in:
        return None
    normalized = (email or "").strip().lower()
    role = ANALYST if normalized and normalized in set(analysts) else VIEWER
    return Access(role, normalized or None)


def effective_threshold(access: Access, threshold: int, show_small_cells: bool) -> int:
    """Return the suppression threshold in force: the setting, unless an analyst has chosen to see small cells.

    Parameters
    ----------
    access : Access
        The user's access.
    threshold : int
        The configured threshold (setting ``suppression_threshold``).
    show_small_cells : bool
        The analyst's choice to turn suppression off; ignored for viewers.

    Returns
    -------
    int

    """
    if show_small_cells and access.is_analyst:
        return SUPPRESSION_OFF
    return threshold


def is_loopback(address: str | None) -> bool:
    """Return whether a server address reaches only this computer (None or '' listens on every interface)."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False
