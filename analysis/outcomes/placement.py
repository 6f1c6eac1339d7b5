"""Nursing-home placement: time to placement with death as a competing event, per age band and arm."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.records import to_all_records
from analysis.selection import ALL, Selection
from analysis.stats.methods import FIT_ERRORS, FIT_FAILED, NO_EVENTS, TOO_FEW
from analysis.stats.survival import estimate_cuminc, estimate_km_complement, fit_fine_gray, value_at
from analysis.stats.survival_counts import fit_cox_counts
from analysis.store import db
from analysis.store.cells import band_case, district_sql, filter_sql

DAYS_PER_MONTH = 365.25 / 12
PLACED, DIED, CENSORED = 1, 2, 0
BOOTSTRAP_MAX_PEOPLE = 50_000  # above this the Fine–Gray SE is model-based (the bootstrap's CLT holds long before)
RISK_MONTHS = (12, 24)
# Comparisons of the two arms in a result row (blank when they cannot be estimated or must be hidden).
MODEL_CONTRASTS = ("hazard_ratio", "ci_low", "ci_high", "p_value", "ph_p_value")
MODEL_CONTRASTS += ("shr", "shr_ci_low", "shr_ci_high", "shr_p_value")
RISK_CONTRASTS = ("risk_difference", "rd_ci_low", "rd_ci_high", "risk_ratio", "rr_ci_low", "rr_ci_high")
CONTRASTS = (*MODEL_CONTRASTS, *(f"{k}_{m}" for m in (*RISK_MONTHS, "window") for k in RISK_CONTRASTS))


def _placement_sql(selection: Selection) -> tuple[str, list]:
    """Return load_placement_data's SQL and parameters."""
    month = selection.month
    band_sql, band_params = band_case(selection.bands)
    cond_sql, cond_params = filter_sql(selection.filters, "coalesce(p.district, '')", selection.merged)
    district, district_params = district_sql("coalesce(p.district, '')", selection.merged)
    sql = f"""
        WITH p AS (
            SELECT p.person_id, p.arm, p.randomized_on, p.placed_on, p.died_on, {band_sql} AS age_band,
                   p.sex, p.application_type, {district} AS district,
                   least({db.FOLLOWUP_END},
                         CASE WHEN ?::INTEGER IS NULL THEN DATE '9999-12-31'
                              ELSE (p.randomized_on + to_months(?::INTEGER))::DATE END) AS stop_on
            FROM participants p JOIN studies s USING (study)
            WHERE p.study = ? AND {cond_sql}
        ), e AS (
            SELECT *,
                   CASE WHEN placed_on IS NOT NULL AND placed_on <= stop_on
                             AND (died_on IS NULL OR placed_on <= died_on) THEN 1
                        WHEN died_on IS NOT NULL AND died_on <= stop_on THEN 2 ELSE 0 END AS event,
                   least(stop_on, coalesce(died_on, stop_on)) AS alive_until
            FROM p
        )
        SELECT arm, (arm = 'intervention')::INTEGER AS intervention, age_band, event,
               datediff('day', randomized_on,
                        CASE event WHEN 1 THEN placed_on WHEN 2 THEN died_on ELSE stop_on END) AS time,
               CASE WHEN event = 1 THEN datediff('day', placed_on, alive_until) ELSE 0 END AS nursing_home_days,
               datediff('day', randomized_on, alive_until) / 365.25 AS person_years,
               sex, application_type, district
        FROM e
        ORDER BY person_id  -- resampling and ties see the same order whatever order the store holds the rows in
    """
    params = [*band_params, *district_params, month, month, selection.study, *cond_params]
    return sql, params


def count_placement_cells(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Count people, placements and deaths (first events) per age band (None outside), arm and filter fields.

    The same rows as load_placement_data, aggregated in DuckDB (for the disclosure checks).

    Returns
    -------
    DataFrame
        age_band, arm, sex, application_type, district, n, placed, died.

    """
    sql, params = _placement_sql(selection)
    return db.query(
        con,
        f"""SELECT age_band, arm, sex, application_type, district, count(*) AS n,
                   count_if(event = {PLACED}) AS placed, count_if(event = {DIED}) AS died
            FROM ({sql}) GROUP BY ALL""",
        params,
    )


def count_at_risk_cells(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Count people still at risk at each mark of the window (at_risk_marks, still_at_risk's rule) per cell.

    Returns
    -------
    DataFrame
        age_band, arm, sex, application_type, district, month, n.

    """
    sql, params = _placement_sql(selection)
    marks = at_risk_marks(selection.required_month())
    return db.query(
        con,
        f"""SELECT age_band, arm, sex, application_type, district, m.month,
                   count_if(m.month = 0 OR time >= m.month * ? - 3) AS n
            FROM ({sql}) AS d, (SELECT unnest(?::INTEGER[]) AS month) AS m GROUP BY ALL""",
        [DAYS_PER_MONTH, *params, marks],
    )


def count_placed_by_month(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Count placements up to each month's end per cell: within the window (the curve) and over all follow-up.

    A month's end is month × DAYS_PER_MONTH days after randomization, as coarsen_curve reads the curves.
    ``placed_window`` counts within the selection's window (months 1..K, the curve and the table), and
    ``placed_full`` over the whole follow-up (months 12 and 24 too: the risk contrasts at 12 and 24 months).

    Returns
    -------
    DataFrame
        age_band, arm, sex, application_type, district, month, placed_window, placed_full.

    """
    months = sorted({*range(1, selection.required_month() + 1), *RISK_MONTHS})
    frames = []
    for name, view in (("placed_window", selection), ("placed_full", selection.at(None))):
        sql, params = _placement_sql(view)
        frames.append(
            db.query(
                con,
                f"""SELECT age_band, arm, sex, application_type, district, m.month,
                           count_if(event = {PLACED} AND time <= m.month * ?) AS {name}
                    FROM ({sql}) AS d, (SELECT unnest(?::INTEGER[]) AS month) AS m GROUP BY ALL""",
                [DAYS_PER_MONTH, *params, months],
            )
        )
    keys = ["age_band", "arm", "sex", "application_type", "district", "month"]
    out = frames[0].merge(frames[1], on=keys, how="outer")
    window = out["month"] <= selection.required_month()
    out["placed_window"] = out["placed_window"].fillna(0).where(window, 0).astype("int64")
    return out


def load_placement_data(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Return one row per randomized person: time to placement, death or censoring, in days.

    The event is placement (1) when the move into a nursing home comes first (on the same day as a
    death, placement counts), death (2) when death comes first, otherwise censoring (0) at the end of
    follow-up (followup_end, else the study's data_end). With the selection's month K, everyone is
    also censored at the same day of the month K months after randomization; without one, not.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands (people outside every band get age_band None); month: window in
        months, or None for the whole follow-up.

    Returns
    -------
    DataFrame
        arm, intervention (0/1), age_band, time (days), event, nursing_home_days, person_years, and the
        filter fields (sex, application_type, district: '' when unknown) for the disclosure checks.

    """
    sql, params = _placement_sql(selection)
    return db.query(con, sql, params)


def count_placement_events(con: db.Connection, selection: Selection) -> pd.DataFrame:
    """Count people per age band, arm, day and event: the sufficient aggregates of every placement estimator.

    The same people as load_placement_data grouped in DuckDB, so what follows costs the number of
    distinct days (a few thousand rows), not the number of people.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        As for load_placement_data.

    Returns
    -------
    DataFrame
        age_band, arm, intervention, time (days), event, n (people), nursing_home_days and
        person_years (their sums over the row's people).

    """
    sql, params = _placement_sql(selection)
    return db.query(
        con,
        f"""SELECT age_band, arm, intervention, time, event, count(*) AS n,
                   sum(nursing_home_days) AS nursing_home_days, sum(person_years) AS person_years
            FROM ({sql}) GROUP BY ALL ORDER BY age_band NULLS LAST, arm, time, event""",
        params,
    )


def at_risk_marks(month: int) -> list[int]:
    """Return the months at which the number at risk is shown: every third month up to the window, and its end."""
    return sorted({*range(0, month + 1, 3), month})


def still_at_risk(times, mark: int) -> np.ndarray:
    """Return who is still followed without an event at a month mark (windows end within ±3 days of K × 30.44)."""
    times = np.asarray(times, dtype=float)
    return times >= mark * DAYS_PER_MONTH - 3 if mark else np.ones(len(times), dtype=bool)


def _risk_contrast(f1: dict, f0: dict) -> dict[str, float]:
    """Risk difference and ratio (intervention vs control) with Wald 95% CIs from the curves' SEs."""
    z = stats.norm.ppf(0.975)
    rd = f1["cuminc"] - f0["cuminc"]
    se_rd = np.hypot(f1["se"], f0["se"])
    out = {"risk_difference": rd, "rd_ci_low": rd - z * se_rd, "rd_ci_high": rd + z * se_rd}
    if f1["cuminc"] > 0 and f0["cuminc"] > 0:
        rr = f1["cuminc"] / f0["cuminc"]
        se_log = np.hypot(f1["se"] / f1["cuminc"], f0["se"] / f0["cuminc"])
        out |= {"risk_ratio": rr, "rr_ci_low": rr * np.exp(-z * se_log), "rr_ci_high": rr * np.exp(z * se_log)}
    else:
        out |= dict.fromkeys(("risk_ratio", "rr_ci_low", "rr_ci_high"), float("nan"))
    return out


@dataclass(frozen=True)
class PlacementResult:
    """Result of analyze_placement: a row per band and overall, and the curves per band and arm."""

    month: int
    groups: pd.DataFrame
    curves: pd.DataFrame
    at_risk: pd.DataFrame

    def to_dict(self) -> dict:
        """Return the JSON-ready form used by the command line (NaN becomes None)."""
        keys = (
            "age_band",
            "n_intervention",
            "n_control",
            "placed_intervention",
            "placed_control",
            "cuminc_intervention",
            "cuminc_control",
            "hazard_ratio",
            "ci_low",
            "ci_high",
            "p_value",
        )
        # Everything else the page shows, after the keys other tools rely on.
        return {"month": self.month, "groups": to_all_records(self.groups, keys)}


def _fit_models(part: pd.DataFrame, row: dict) -> dict:
    """Fit the cause-specific Cox and Fine–Gray models of one band; say why when they cannot be estimated."""
    empty = dict.fromkeys((*MODEL_CONTRASTS, "shr", "shr_ci_low", "shr_ci_high", "shr_p_value"), np.nan)
    empty |= {"shr_se_method": None, "model_warning": None, "model_cannot_estimate": None}
    if min(row["n_intervention"], row["n_control"]) < 2:
        return empty | {"model_cannot_estimate": TOO_FEW}
    if row["placed_intervention"] == 0 or row["placed_control"] == 0:  # the ratio runs to 0 or infinity
        return empty | {"model_cannot_estimate": NO_EVENTS}
    n_boot = 200 if part["n"].sum() <= BOOTSTRAP_MAX_PEOPLE else 0
    time, event, group, counts = (part[k].to_numpy() for k in ("time", "event", "intervention", "n"))
    try:
        with np.errstate(all="ignore"):
            cox = fit_cox_counts(time, event == PLACED, group, counts)
            fg = fit_fine_gray(time, event, group, PLACED, n_boot=n_boot, counts=counts)
    except FIT_ERRORS as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        return empty | {"model_cannot_estimate": FIT_FAILED, "model_warning": detail}
    return {
        "hazard_ratio": cox["hazard_ratio"],
        "ci_low": cox["ci_low"],
        "ci_high": cox["ci_high"],
        "p_value": cox["p_value"],
        "ph_p_value": cox["ph_p_value"],
        "shr": fg["hazard_ratio"],
        "shr_ci_low": fg["ci_low"],
        "shr_ci_high": fg["ci_high"],
        "shr_p_value": fg["p_value"],
        "shr_se_method": fg["se_method"],
        "model_warning": cox["warning"],
        "model_cannot_estimate": None if np.isfinite(cox["hazard_ratio"]) else FIT_FAILED,
    }


def _analyze_group(part: pd.DataFrame, horizon_days: float) -> tuple[dict, list[pd.DataFrame]]:
    """Compute every placement statistic for one band (or everyone) within the window."""
    row: dict = {}
    curves = []
    at = {}
    for arm in ("intervention", "control"):
        sub = part[part["arm"] == arm]
        row[f"n_{arm}"] = int(sub["n"].sum())
        row[f"placed_{arm}"] = int(sub.loc[sub["event"] == PLACED, "n"].sum())
        row[f"died_{arm}"] = int(sub.loc[sub["event"] == DIED, "n"].sum())
        row[f"nursing_home_days_{arm}"] = float(sub["nursing_home_days"].sum())
        years = float(sub["person_years"].sum())
        row[f"person_years_{arm}"] = years
        row[f"nursing_home_days_per_person_year_{arm}"] = row[f"nursing_home_days_{arm}"] / years if years else np.nan
        if len(sub):
            curve = estimate_cuminc(sub["time"], sub["event"], PLACED, sub["n"])
            km = estimate_km_complement(sub["time"], sub["event"], PLACED, sub["n"])
            curve = curve.merge(km[["time", "one_minus_km"]], on="time", how="left")
            curves.append(curve.assign(arm=arm))
            at[arm] = value_at(curve, horizon_days)
            row[f"one_minus_km_{arm}"] = float(
                value_at(km.rename(columns={"one_minus_km": "cuminc"}), horizon_days, ("cuminc",))["cuminc"]
            )
        else:
            at[arm] = dict(cuminc=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan)
            row[f"one_minus_km_{arm}"] = np.nan
        for key in ("cuminc", "ci_low", "ci_high"):
            row[f"{key}_{arm}" if key == "cuminc" else f"cuminc_{key}_{arm}"] = at[arm][key]
    # Risk difference and ratio at the window's end (K months), read by the sentences.
    if all(at[arm]["cuminc"] == at[arm]["cuminc"] for arm in at):
        window = _risk_contrast(at["intervention"], at["control"])
    else:
        window = dict.fromkeys(RISK_CONTRASTS, np.nan)
    row |= {f"{key}_window": value for key, value in window.items()}
    row |= _fit_models(part, row)
    return row, curves


def analyze_placement(con: db.Connection, selection: Selection) -> PlacementResult:
    """Analyse time to nursing-home placement within the selection's window of K months, per age band and overall.

    Parameters
    ----------
    con : Connection
        An open store.
    selection : Selection
        Study, filters and bands; month: window K in months (follow-up is censored on the same day
        of the month K months after randomization).

    Returns
    -------
    PlacementResult
        ``groups`` per band: counts per arm (n, placed, died within the window), Aalen–Johansen
        cumulative incidence at K months with 95% CI (cuminc_*, cuminc_ci_low_*, cuminc_ci_high_*),
        1 − Kaplan–Meier for comparison, cause-specific Cox hazard ratio (hazard_ratio, ci_low,
        ci_high, p_value, ph_p_value), Fine–Gray subdistribution hazard ratio (shr, shr_ci_*,
        shr_p_value), risk difference and ratio at 12 and 24 months (rd_*, rr_* suffixed _12/_24, and
        the arms' cumulative incidence cuminc_12_*, cuminc_24_*; computed on the full follow-up, NaN
        past it), and nursing-home days and days per person-year.
        ``curves``: per band and arm, the cumulative incidence step curve. ``at_risk``: per band,
        arm and month (every 3 months up to K), people still under follow-up without an event
        (within 3 days of the mark, as calendar months differ in length).

    """
    month = selection.required_month()
    horizon = month * DAYS_PER_MONTH + 31  # every person's window ends within a few days of K months
    data = count_placement_events(con, selection)
    full = count_placement_events(con, selection.at(None))
    rows, curves, at_risk = [], [], []
    marks = at_risk_marks(month)
    for label in [b.label for b in selection.bands] + [ALL]:
        part = data if label == ALL else data[data["age_band"] == label]
        for arm in ("intervention", "control"):
            mine = part[part["arm"] == arm]
            for m in marks:
                people = int(mine.loc[still_at_risk(mine["time"], m), "n"].sum())
                at_risk.append({"age_band": label, "arm": arm, "month": m, "n": people})
        row, band_curves = _analyze_group(part, horizon)
        whole = full if label == ALL else full[full["age_band"] == label]
        for k in RISK_MONTHS:
            at = {}
            for arm in ("intervention", "control"):
                sub = whole[whole["arm"] == arm]
                reached = len(sub) and sub["time"].max() >= k * DAYS_PER_MONTH
                at[arm] = (
                    value_at(estimate_cuminc(sub["time"], sub["event"], PLACED, sub["n"]), k * DAYS_PER_MONTH)
                    if reached
                    else None
                )
            for arm in ("intervention", "control"):  # the arms' values, for a filtered view's scaling
                row[f"cuminc_{k}_{arm}"] = at[arm]["cuminc"] if at[arm] else np.nan
            if at["intervention"] and at["control"]:
                contrast = _risk_contrast(at["intervention"], at["control"])
            else:
                contrast = dict.fromkeys(RISK_CONTRASTS, np.nan)
            row |= {f"{key}_{k}": value for key, value in contrast.items()}
        rows.append({"age_band": label, **row})
        curves += [c.assign(age_band=label) for c in band_curves]
    curve_frame = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    return PlacementResult(month=month, groups=pd.DataFrame(rows), curves=curve_frame, at_risk=pd.DataFrame(at_risk))
