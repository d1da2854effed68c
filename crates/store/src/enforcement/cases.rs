//! The case register (案件): cases with their stages, the deciding person at each stage, and the officers
//! who handled them ("谁办案谁负责、谁决定谁负责").

/// The shape other parts rely on (inquiries, review, data checks, early warning, anti-gang linkage):
/// names may gain columns but keep these. Dates are `YYYY-MM-DD` (Beijing), times epoch milliseconds.
/// `stage` and `outcome` hold the identifiers of `domain::enforcement::cases`.
pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE cases (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, title TEXT NOT NULL, kind TEXT NOT NULL,
  unit_id TEXT NOT NULL REFERENCES units(id), handler_id TEXT REFERENCES officers(id), handler_name TEXT NOT NULL,
  leader_id TEXT REFERENCES officers(id), leader_name TEXT NOT NULL, gang INTEGER NOT NULL DEFAULT 0,
  received_on TEXT NOT NULL, stage TEXT NOT NULL, stage_since TEXT NOT NULL, stage_due TEXT,
  closed_on TEXT, outcome TEXT, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX cases_unit ON cases(unit_id, stage);
CREATE INDEX cases_due ON cases(stage_due);
CREATE INDEX cases_handler ON cases(handler_id);
CREATE INDEX cases_received ON cases(received_on);
CREATE TABLE case_stages (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), seq INTEGER NOT NULL, stage TEXT NOT NULL,
  started_on TEXT NOT NULL, due_on TEXT, ended_on TEXT, decision TEXT, decider_id TEXT REFERENCES officers(id),
  decider_name TEXT, created_at BIGINT NOT NULL, UNIQUE (case_id, seq));
CREATE INDEX case_stages_decider ON case_stages(decider_id);
CREATE TABLE case_officers (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), officer_id TEXT NOT NULL REFERENCES officers(id),
  role TEXT NOT NULL, UNIQUE (case_id, officer_id, role));
CREATE INDEX case_officers_officer ON case_officers(officer_id)
"#;
