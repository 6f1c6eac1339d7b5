-- Schema of the trial store. A store is a catalogue file (the path users name) and one file per study in
-- the folder beside it (<store>.studies/); both have this schema. A study file holds that study's rows; the
-- catalogue holds study_files and analysis_plans (and, in stores written before per-study files, every row).
-- Raw personnummer are never stored: person_id is a study id or a keyed pseudonym.

CREATE TABLE studies (
    study        VARCHAR PRIMARY KEY,
    title_sv     VARCHAR NOT NULL,
    title_en     VARCHAR NOT NULL,
    is_demo      BOOLEAN NOT NULL,
    data_end     DATE NOT NULL,          -- follow-up of people with no followup_end runs to this day
    loaded_at    TIMESTAMP NOT NULL,
    -- the hours measure analyses use unless told otherwise: 'performed' (utförd tid, time registration),
    -- 'granted' (beviljad tid, the decision; chosen when the study holds it, as unit costs are per granted
    -- hour) or 'unknown' (stores written before this column, and files that do not say). See study_measures.
    hours_measure VARCHAR NOT NULL DEFAULT 'unknown' CHECK (hours_measure IN ('performed', 'granted', 'unknown')),
    -- last calendar month (its first day) through which every hours measure of the study is complete (the
    -- earliest of study_measures.complete_through); later months are still being registered and are left out
    -- of the analyses. NULL: complete to data_end (stores written before monthly updates)
    complete_through DATE,
    -- the secret from which the cell key method's group keys are made (analysis/present/perturb.py): kept when
    -- a study is imported again, so the same people keep the same noise; '' in stores written before it
    cell_key_salt VARCHAR NOT NULL DEFAULT '',
    -- how the groups came about (issue 33): 'randomized' (a lottery; stores written before designs),
    -- 'comparison_group' (groups not randomized), 'rollout' (areas adopting at different dates; the arm is
    -- then 'intervention' for people of an area that adopted, 'control' for a never-adopting area) or
    -- 'single_group' (everyone had the service: arm 'intervention')
    design VARCHAR NOT NULL DEFAULT 'randomized'
        CHECK (design IN ('randomized', 'comparison_group', 'rollout', 'single_group'))
);

-- A staged roll-out's areas and the date each adopted the new way of working (NULL: never, a comparison area).
CREATE TABLE area_adoptions (
    study      VARCHAR NOT NULL,
    area       VARCHAR NOT NULL,          -- as in participants.district
    adopted_on DATE,
    PRIMARY KEY (study, area)
);

-- The hours measures a study holds (one or both), each with the last month its own hours are complete.
-- Stores written before a study could hold two measures read this from studies (see db.connect).
CREATE TABLE study_measures (
    study            VARCHAR NOT NULL,
    measure          VARCHAR NOT NULL CHECK (measure IN ('performed', 'granted', 'unknown')),
    complete_through DATE NOT NULL,       -- first day of the last month whose hours of this measure are complete
    PRIMARY KEY (study, measure)
);

-- One row per randomized person.
CREATE TABLE participants (
    study            VARCHAR NOT NULL,
    person_id        VARCHAR NOT NULL,
    arm              VARCHAR NOT NULL CHECK (arm IN ('intervention', 'control')),
    randomized_on    DATE NOT NULL,
    age              INTEGER NOT NULL,
    sex              VARCHAR NOT NULL CHECK (sex IN ('F', 'M')),
    application_type VARCHAR NOT NULL CHECK (application_type IN ('new', 'extended')),
    baseline_hours   DOUBLE NOT NULL CHECK (baseline_hours >= 0),
    placed_on        DATE,                -- moved into a nursing home (särskilt boende)
    died_on          DATE,
    followup_end     DATE,                -- study end, moved away or withdrew; NULL: followed to data_end
    district         VARCHAR
);

-- Home-care hours: one row per person, calendar month with any hours, and measure.
CREATE TABLE hours (
    study     VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    month     DATE NOT NULL,              -- first day of the calendar month
    hours     DOUBLE NOT NULL CHECK (hours >= 0),
    measure   VARCHAR NOT NULL            -- a measure of study_measures: 'performed', 'granted' or 'unknown'
);

-- Outcome measures at follow-up visits (optional file): one row per person, instrument and visit.
-- A visit without a row was not measured: it is missing, never zero.
CREATE TABLE measurements (
    study       VARCHAR NOT NULL,
    person_id   VARCHAR NOT NULL,
    visit_month INTEGER NOT NULL CHECK (visit_month >= 0),  -- the planned visit (months after randomization)
    visit_date  DATE,                     -- NULL when the file named the visit, not its date
    instrument  VARCHAR NOT NULL,         -- a name of the instrument catalogue (analysis/instruments.toml)
    value       DOUBLE NOT NULL
);

-- Pre-aggregated at build/import time so every overview query reads a few thousand rows.
-- One row per follow-up month and cell of people living at home under follow-up that month.
CREATE TABLE followup_cells (
    study            VARCHAR NOT NULL,
    month_k          INTEGER NOT NULL,    -- calendar months after the month of randomization
    arm              VARCHAR NOT NULL,
    age              INTEGER NOT NULL,
    sex              VARCHAR NOT NULL,
    application_type VARCHAR NOT NULL,
    district         VARCHAR NOT NULL,    -- '' when unknown
    n                BIGINT NOT NULL,     -- people at home and followed in month k
    sum_hours        DOUBLE NOT NULL,     -- their hours, months without a row counted as 0
    sum_sq_hours     DOUBLE NOT NULL,
    measure          VARCHAR NOT NULL     -- whose hours are summed (a cell row per measure of the study)
);

-- One row per cell of randomized people, with outcomes during follow-up.
CREATE TABLE people_cells (
    study            VARCHAR NOT NULL,
    arm              VARCHAR NOT NULL,
    age              INTEGER NOT NULL,
    sex              VARCHAR NOT NULL,
    application_type VARCHAR NOT NULL,
    district         VARCHAR NOT NULL,
    n                BIGINT NOT NULL,
    n_placed         BIGINT NOT NULL,     -- moved into a nursing home during follow-up
    n_died           BIGINT NOT NULL      -- died during follow-up
);

-- The analysis plan of a study: its primary outcome and window, set before the comparison is read. Every save
-- adds a version (none is ever changed or deleted); the primary is the last version saved before outcome data
-- existed (else the first), and a later one is shown as changed after data existed.
CREATE TABLE analysis_plans (
    study           VARCHAR NOT NULL,
    primary_outcome VARCHAR NOT NULL CHECK (primary_outcome IN ('cost', 'days_home')),
    window_months   INTEGER NOT NULL CHECK (window_months >= 1),
    note            VARCHAR,              -- e.g. where the plan is registered
    set_on          TIMESTAMP NOT NULL,
    estimator       VARCHAR NOT NULL DEFAULT 'difference' CHECK (estimator IN ('difference', 'anhecova')),
    covariates      VARCHAR NOT NULL DEFAULT '',  -- comma-separated, with anhecova
    band_edges      VARCHAR,              -- e.g. '65,76,86,96'; NULL: the configured bands
    version         INTEGER,              -- 1, 2, …; NULL in stores written before versions (read as 1)
    saved_at        TIMESTAMP,            -- when the version was saved (set_on may date it earlier: the demo)
    saved_by        VARCHAR,              -- the logged-in user, 'single-user mode' or 'command line'
    data_version    VARCHAR,              -- the study's data fingerprint when saved (as the stamps show it)
    people_with_outcome_data BIGINT,      -- people randomized before the plan's date: some follow-up existed
    complete_through DATE,                -- the study's complete-through month when saved
    alpha           DOUBLE,               -- monitoring: overall two-sided alpha (NULL: 0.05)
    spending        VARCHAR,              -- 'obf' (Lan–DeMets O'Brien–Fleming type, NULL) or 'pocock'
    planned_n       INTEGER,              -- planned number randomized (the information fraction's denominator)
    final_on        DATE,                 -- the calendar date of the final look, if planned by date
    futility        BOOLEAN               -- looks also for futility (non-binding)
);

-- Catalogue only: a study's cost scenarios as saved on the Costs page (TOML text), one row per save; the latest
-- is the one the Costs page opens on and the presentation, the reports and `costs --study` use.
CREATE TABLE cost_scenarios (
    study     VARCHAR NOT NULL,
    saved_at  TIMESTAMP NOT NULL,
    saved_by  VARCHAR NOT NULL,           -- the logged-in user, or 'single-user mode'
    scenario  VARCHAR NOT NULL            -- the scenario file's text (economics.scenario.write_scenario)
);

-- Catalogue only: every time a study's data were written (an import, a monthly update, the demo), one row, never
-- changed or deleted: the looks at the primary outcome are taken from it (outcomes.monitoring), so no look can
-- be skipped. Written in the same atomic swap as the study's file.
CREATE TABLE study_loads (
    study            VARCHAR NOT NULL,
    loaded_at        TIMESTAMP NOT NULL,
    kind             VARCHAR NOT NULL CHECK (kind IN ('import', 'update', 'demo')),
    data_end         DATE NOT NULL,
    complete_through DATE NOT NULL,       -- the study's complete-through month after this load
    people           BIGINT NOT NULL      -- people randomized after this load
);

-- Catalogue only: which file in <store>.studies/ holds each study (replaced atomically with the catalogue).
CREATE TABLE study_files (
    study      VARCHAR PRIMARY KEY,
    file       VARCHAR NOT NULL,          -- a file name inside the studies folder
    written_at TIMESTAMP NOT NULL
);
