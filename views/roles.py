"""Who is looking: login, viewer or analyst, and the suppression threshold in force for them."""

from __future__ import annotations

import logging

import streamlit as st

from analysis.present.access import Access, effective_threshold, is_loopback, parse_analysts, resolve_access
from analysis.present.texts import t
from analysis.settings import get_setting

logger = logging.getLogger(__name__)


def _auth_configured() -> bool:
    """Return whether an identity provider is configured ([auth] in .streamlit/secrets.toml)."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # an unreadable secrets file: log it and run without login rather than crash
        logger.exception("could not read .streamlit/secrets.toml")
        return False


def current_access(lang: str) -> Access:
    """Return the user's access; show the login page and stop when a provider is configured and nobody is in.

    Renders the sidebar mark of who is logged in (or of single-user analyst mode) and, for analysts,
    the switch that shows small cells.
    """
    configured = _auth_configured()
    logged_in = bool(configured and st.user.get("is_logged_in", False))
    email = st.user.get("email") if logged_in else None
    access = resolve_access(configured, logged_in, email, parse_analysts(str(get_setting("analysts"))))
    provider = str(get_setting("auth_provider")) or None
    if access is None:
        st.title(t("app.title", lang))
        st.info(t("access.login_needed", lang))
        st.button(t("access.login", lang), on_click=st.login, args=(provider,) if provider else (), type="primary")
        st.stop()
    st.session_state["access"] = access
    if access.single_user and not is_loopback(st.get_option("server.address")):
        if not get_setting("allow_single_user_on_network"):  # an analyst without login, reachable by others
            st.error(t("access.single_user_network", lang))
            st.stop()
        st.sidebar.error(t("access.single_user_network_allowed", lang), icon=":material/public:")
    if access.single_user:
        st.sidebar.info(t("access.single_user", lang), icon=":material/person:")
    else:
        st.sidebar.caption(t("access.logged_in", lang, user=access.user, role=t(f"role.{access.role}", lang)))
        st.sidebar.button(t("access.logout", lang), on_click=st.logout, key="logout")
    if access.is_analyst:
        st.sidebar.toggle(
            t("access.show_small", lang, n=int(get_setting("suppression_threshold"))), key="show_small_cells",
            help=t("help.show_small", lang),
        )  # fmt: skip
        if st.session_state.get("show_small_cells"):
            st.warning(t("access.small_shown", lang), icon=":material/lock_open:")
    return access


def page_access() -> Access:
    """Return the access that dashboard.py resolved for this session."""
    access = st.session_state.get("access")
    if not isinstance(access, Access):
        raise RuntimeError("the pages run through dashboard.py, which resolves access first")
    return access


def suppression_threshold() -> int:
    """Return the suppression threshold in force for this user: the setting unless an analyst turned it off."""
    return effective_threshold(
        page_access(), int(get_setting("suppression_threshold")), bool(st.session_state.get("show_small_cells"))
    )
