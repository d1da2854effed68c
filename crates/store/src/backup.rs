//! Logical backup and restore: every table row and every attachment file in one JSON-lines file, with a
//! digest per table and for the whole file. Works the same from and to SQLite and PostgreSQL. Sealed data
//! stays sealed in the backup; restoring needs the same master key.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{AuditActor, append};
use crate::{Result, Sql, Store, StoreError, vals};

/// The tables and columns a backup holds, for the completeness test (`jobs` and `sessions` are
/// deliberately left out: queued work and sign-ins do not survive a restore).
pub fn backed_up_tables() -> Vec<(&'static str, Vec<&'static str>)> {
    TABLES
        .iter()
        .map(|(t, cols)| (*t, cols.iter().map(|c| c.0).collect()))
        .collect()
}

/// Column types: `t` text, `i` 32-bit integer, `l` 64-bit integer, `b` bytes. Order matters for foreign keys.
const TABLES: &[(&str, &[(&str, char)])] = &[
    (
        "units",
        &[
            ("id", 't'),
            ("code", 't'),
            ("name", 't'),
            ("kind", 't'),
            ("parent_id", 't'),
            ("path", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "officers",
        &[
            ("id", 't'),
            ("unit_id", 't'),
            ("name", 't'),
            ("badge", 't'),
            ("position", 't'),
            ("id_hash", 't'),
            ("id_masked", 't'),
            ("active", 'i'),
            ("created_at", 'l'),
        ],
    ),
    (
        "users",
        &[
            ("id", 't'),
            ("username", 't'),
            ("display_name", 't'),
            ("role", 't'),
            ("unit_id", 't'),
            ("scope", 't'),
            ("officer_id", 't'),
            ("password_hash", 't'),
            ("totp_secret", 'b'),
            ("totp_enabled", 'i'),
            ("disabled", 'i'),
            ("failed_logins", 'i'),
            ("locked_until", 'l'),
            ("created_at", 'l'),
            ("password_changed_at", 'l'),
        ],
    ),
    ("counters", &[("name", 't'), ("value", 'l')]),
    ("settings", &[("key", 't'), ("value", 't')]),
    (
        "calendar_days",
        &[("day", 't'), ("workday", 'i'), ("note", 't')],
    ),
    (
        "clues",
        &[
            ("id", 't'),
            ("number", 't'),
            ("source", 't'),
            ("category", 't'),
            ("state", 't'),
            ("unit_id", 't'),
            ("accused_name", 't'),
            ("accused_unit", 't'),
            ("accused_position", 't'),
            ("accused_officer_id", 't'),
            ("summary", 't'),
            ("tip_id", 't'),
            ("disposal", 't'),
            ("conclusion", 't'),
            ("outcome", 't'),
            ("supervised", 'i'),
            ("supervise_note", 't'),
            ("state_since", 'l'),
            ("due_date", 't'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
            ("closed_at", 'l'),
        ],
    ),
    (
        "clue_events",
        &[
            ("id", 't'),
            ("clue_id", 't'),
            ("action", 't'),
            ("from_state", 't'),
            ("to_state", 't'),
            ("note", 't'),
            ("actor_id", 't'),
            ("actor_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "tips",
        &[
            ("id", 't'),
            ("number", 't'),
            ("receipt_hash", 't'),
            ("idempotency_hash", 't'),
            ("receipt_replay", 'b'),
            ("wrapped_key", 'b'),
            ("content_sealed", 'b'),
            ("identity_sealed", 'b'),
            ("has_identity", 'i'),
            ("category", 't'),
            ("simhash", 'l'),
            ("duplicate_of", 't'),
            ("clue_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "tip_attachments",
        &[
            ("id", 't'),
            ("tip_id", 't'),
            ("seq", 'i'),
            ("name_sealed", 'b'),
            ("kind", 't'),
            ("size", 'l'),
            ("digest", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "tip_messages",
        &[
            ("id", 't'),
            ("tip_id", 't'),
            ("direction", 't'),
            ("kind", 't'),
            ("body_sealed", 'b'),
            ("author_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "unseal_requests",
        &[
            ("id", 't'),
            ("tip_id", 't'),
            ("clue_id", 't'),
            ("requester_id", 't'),
            ("reason", 't'),
            ("status", 't'),
            ("decided_by", 't'),
            ("decision_note", 't'),
            ("created_at", 'l'),
            ("decided_at", 'l'),
        ],
    ),
    (
        "notifications",
        &[
            ("id", 't'),
            ("unit_id", 't'),
            ("clue_id", 't'),
            ("kind", 't'),
            ("message", 't'),
            ("dedupe_key", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "selfcheck_windows",
        &[
            ("campaign_id", 't'),
            ("opens", 't'),
            ("closes", 't'),
            ("updated_by", 't'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "self_reports",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("officer_id", 't'),
            ("unit_id", 't'),
            ("latest_version", 'i'),
            ("problems", 'i'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "self_report_versions",
        &[
            ("id", 't'),
            ("report_id", 't'),
            ("version", 'i'),
            ("submitted_at", 'l'),
            ("submitted_by", 't'),
        ],
    ),
    (
        "self_report_sections",
        &[
            ("id", 't'),
            ("version_id", 't'),
            ("category", 't'),
            ("nil", 'i'),
            ("content", 't'),
        ],
    ),
    (
        "findings",
        &[
            ("id", 't'),
            ("number", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("officer_id", 't'),
            ("category", 't'),
            ("source", 't'),
            ("clue_id", 't'),
            ("description", 't'),
            ("found_on", 't'),
            ("known_at", 'l'),
            ("known_how", 't'),
            ("outcome", 't'),
            ("compared_by", 't'),
            ("compared_at", 'l'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "finding_items",
        &[
            ("id", 't'),
            ("finding_id", 't'),
            ("seq", 'i'),
            ("text", 't'),
            ("covered", 'i'),
        ],
    ),
    (
        "rectification_items",
        &[
            ("id", 't'),
            ("number", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("source", 't'),
            ("source_ref", 't'),
            ("category", 't'),
            ("problem", 't'),
            ("measures", 't'),
            ("leader", 't'),
            ("person", 't'),
            ("deadline", 't'),
            ("state", 't'),
            ("progress", 't'),
            ("reworks", 'i'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
            ("accepted_at", 'l'),
        ],
    ),
    (
        "rectification_events",
        &[
            ("id", 't'),
            ("item_id", 't'),
            ("kind", 't'),
            ("from_state", 't'),
            ("to_state", 't'),
            ("note", 't'),
            ("actor_id", 't'),
            ("actor_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "rectification_evidence",
        &[
            ("id", 't'),
            ("item_id", 't'),
            ("name", 't'),
            ("kind", 't'),
            ("size", 'l'),
            ("digest", 't'),
            ("uploaded_by", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "rectification_rules",
        &[
            ("id", 't'),
            ("number", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("title", 't'),
            ("summary", 't'),
            ("state", 't'),
            ("revision", 'i'),
            ("adopted_on", 't'),
            ("revised_on", 't'),
            ("abolished_on", 't'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "rectification_rule_events",
        &[
            ("id", 't'),
            ("rule_id", 't'),
            ("kind", 't'),
            ("from_state", 't'),
            ("to_state", 't'),
            ("note", 't'),
            ("actor_id", 't'),
            ("actor_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "rectification_rule_items",
        &[
            ("id", 't'),
            ("rule_id", 't'),
            ("item_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "study_requirements",
        &[
            ("campaign_id", 't'),
            ("required_minutes", 'i'),
            ("require_test", 'i'),
            ("required_essays", 'i'),
            ("updated_by", 't'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "study_activities",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("kind", 't'),
            ("title", 't'),
            ("day", 't'),
            ("minutes", 'i'),
            ("venue", 't'),
            ("cases", 't'),
            ("code_salt", 'b'),
            ("created_by", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "study_attendance",
        &[
            ("id", 't'),
            ("activity_id", 't'),
            ("officer_id", 't'),
            ("signed_at", 'l'),
            ("method", 't'),
            ("recorded_by", 't'),
            ("recorded_at", 'l'),
        ],
    ),
    (
        "study_essays",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("officer_id", 't'),
            ("unit_id", 't'),
            ("title", 't'),
            ("body", 't'),
            ("state", 't'),
            ("review_note", 't'),
            ("reviewed_by", 't'),
            ("revision", 'i'),
            ("submitted_at", 'l'),
            ("reviewed_at", 'l'),
            ("created_at", 'l'),
        ],
    ),
    (
        "study_essay_events",
        &[
            ("id", 't'),
            ("essay_id", 't'),
            ("action", 't'),
            ("from_state", 't'),
            ("to_state", 't'),
            ("note", 't'),
            ("actor_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "study_questions",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("kind", 't'),
            ("stem", 't'),
            ("option_a", 't'),
            ("option_b", 't'),
            ("option_c", 't'),
            ("option_d", 't'),
            ("answer", 't'),
            ("points", 'i'),
            ("active", 'i'),
            ("created_at", 'l'),
        ],
    ),
    (
        "study_tests",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("title", 't'),
            ("question_count", 'i'),
            ("time_limit_minutes", 'i'),
            ("pass_percent", 'i'),
            ("max_attempts", 'i'),
            ("open", 'i'),
            ("created_by", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "study_attempts",
        &[
            ("id", 't'),
            ("test_id", 't'),
            ("officer_id", 't'),
            ("attempt_no", 'i'),
            ("question_ids", 't'),
            ("answers", 't'),
            ("state", 't'),
            ("started_at", 'l'),
            ("deadline_at", 'l'),
            ("submitted_at", 'l'),
            ("score", 'i'),
            ("max_score", 'i'),
            ("passed", 'i'),
        ],
    ),
    (
        "campaigns",
        &[
            ("id", 't'),
            ("name", 't'),
            ("template", 't'),
            ("unit_id", 't'),
            ("status", 't'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "campaign_phases",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("seq", 'i'),
            ("phase_key", 't'),
            ("name", 't'),
            ("starts_on", 't'),
            ("ends_on", 't'),
            ("criteria", 't'),
        ],
    ),
    (
        "unit_phases",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("phase_seq", 'i'),
            ("completed", 'i'),
            ("since", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "unit_phase_events",
        &[
            ("id", 't'),
            ("campaign_id", 't'),
            ("unit_id", 't'),
            ("action", 't'),
            ("from_seq", 'i'),
            ("to_seq", 'i'),
            ("completed", 'i'),
            ("note", 't'),
            ("checklist", 't'),
            ("actor_id", 't'),
            ("actor_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "tasks",
        &[
            ("id", 't'),
            ("number", 't'),
            ("campaign_id", 't'),
            ("phase_seq", 'i'),
            ("title", 't'),
            ("body", 't'),
            ("deadline", 't'),
            ("leader", 't'),
            ("owner", 't'),
            ("issuer_unit_id", 't'),
            ("issued_by", 't'),
            ("issuer_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "task_targets",
        &[
            ("id", 't'),
            ("task_id", 't'),
            ("unit_id", 't'),
            ("state", 't'),
            ("last_progress", 't'),
            ("chased", 'i'),
            ("updated_at", 'l'),
            ("accepted_at", 'l'),
        ],
    ),
    (
        "task_events",
        &[
            ("id", 't'),
            ("target_id", 't'),
            ("action", 't'),
            ("from_state", 't'),
            ("to_state", 't'),
            ("note", 't'),
            ("actor_id", 't'),
            ("actor_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "task_files",
        &[
            ("id", 't'),
            ("target_id", 't'),
            ("event_id", 't'),
            ("name", 't'),
            ("kind", 't'),
            ("size", 'l'),
            ("digest", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "responsibilities",
        &[
            ("id", 't'),
            ("unit_id", 't'),
            ("level", 't'),
            ("name", 't'),
            ("position", 't'),
            ("updated_by", 't'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "cases",
        &[
            ("id", 't'),
            ("number", 't'),
            ("title", 't'),
            ("kind", 't'),
            ("unit_id", 't'),
            ("handler_id", 't'),
            ("handler_name", 't'),
            ("leader_id", 't'),
            ("leader_name", 't'),
            ("gang", 'i'),
            ("received_on", 't'),
            ("stage", 't'),
            ("stage_since", 't'),
            ("stage_due", 't'),
            ("closed_on", 't'),
            ("outcome", 't'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "case_stages",
        &[
            ("id", 't'),
            ("case_id", 't'),
            ("seq", 'i'),
            ("stage", 't'),
            ("started_on", 't'),
            ("due_on", 't'),
            ("ended_on", 't'),
            ("decision", 't'),
            ("decider_id", 't'),
            ("decider_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "case_officers",
        &[
            ("id", 't'),
            ("case_id", 't'),
            ("officer_id", 't'),
            ("role", 't'),
        ],
    ),
    (
        "case_clues",
        &[
            ("id", 't'),
            ("case_id", 't'),
            ("clue_id", 't'),
            ("officer_id", 't'),
            ("created_by", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "inquiries",
        &[
            ("id", 't'),
            ("number", 't'),
            ("case_id", 't'),
            ("unit_id", 't'),
            ("asker_name", 't'),
            ("asker_position", 't'),
            ("asker_unit", 't'),
            ("asker_officer_id", 't'),
            ("asked_at", 'l'),
            ("channel", 't'),
            ("content", 't'),
            ("handling", 't'),
            ("leader", 'i'),
            ("interference", 'i'),
            ("reason", 't'),
            ("recorded_by", 't'),
            ("recorder_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "inquiry_reports",
        &[
            ("id", 't'),
            ("unit_id", 't'),
            ("quarter", 't'),
            ("nil", 'i'),
            ("inquiries", 'l'),
            ("interference", 'l'),
            ("summary", 't'),
            ("filed_by", 't'),
            ("filer_name", 't'),
            ("filed_at", 'l'),
        ],
    ),
    (
        "check_imports",
        &[
            ("id", 't'),
            ("kind", 't'),
            ("rows_in_file", 'i'),
            ("added", 'i'),
            ("skipped", 'i'),
            ("imported_by", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "check_sentence_changes",
        &[
            ("id", 't'),
            ("natural_key", 't'),
            ("offender_hash", 't'),
            ("offender_masked", 't'),
            ("offender_name", 't'),
            ("crime_type", 't'),
            ("sentence_type", 't'),
            ("kind", 't'),
            ("decided_on", 't'),
            ("previous_on", 't'),
            ("extension_no", 'i'),
            ("unit_id", 't'),
            ("decider_badge", 't'),
            ("decider_id", 't'),
            ("import_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "check_departures",
        &[
            ("id", 't'),
            ("natural_key", 't'),
            ("person_hash", 't'),
            ("person_masked", 't'),
            ("name", 't'),
            ("former_unit_id", 't'),
            ("former_position", 't'),
            ("leader", 'i'),
            ("judicial", 'i'),
            ("left_on", 't'),
            ("dismissed", 'i'),
            ("import_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "check_lawyer_appearances",
        &[
            ("id", 't'),
            ("natural_key", 't'),
            ("lawyer_hash", 't'),
            ("lawyer_masked", 't'),
            ("lawyer_name", 't'),
            ("law_firm", 't'),
            ("firm_area", 't'),
            ("case_number", 't'),
            ("court_name", 't'),
            ("court_unit_id", 't'),
            ("role", 't'),
            ("appeared_on", 't'),
            ("import_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "check_business_roles",
        &[
            ("id", 't'),
            ("natural_key", 't'),
            ("person_hash", 't'),
            ("person_masked", 't'),
            ("name", 't'),
            ("company", 't'),
            ("role", 't'),
            ("registered_on", 't'),
            ("area", 't'),
            ("import_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "check_relatives",
        &[
            ("id", 't'),
            ("officer_id", 't'),
            ("relation", 't'),
            ("name", 't'),
            ("person_hash", 't'),
            ("person_masked", 't'),
            ("import_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "check_rules",
        &[
            ("rule", 't'),
            ("enabled", 'i'),
            ("params", 't'),
            ("updated_by", 't'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "check_runs",
        &[
            ("id", 't'),
            ("rules", 't'),
            ("started_how", 't'),
            ("started_by", 't'),
            ("started_at", 'l'),
            ("finished_at", 'l'),
            ("matched", 'l'),
            ("new_findings", 'l'),
            ("no_longer", 'l'),
            ("detail", 't'),
            ("error", 't'),
        ],
    ),
    (
        "check_findings",
        &[
            ("id", 't'),
            ("number", 't'),
            ("rule", 't'),
            ("category", 't'),
            ("fingerprint", 't'),
            ("unit_id", 't'),
            ("officer_id", 't'),
            ("subject_name", 't'),
            ("subject_unit", 't'),
            ("subject_position", 't'),
            ("summary", 't'),
            ("evidence", 't'),
            ("still_matches", 'i'),
            ("clue_id", 't'),
            ("clue_opened_by", 't'),
            ("clue_opened_at", 'l'),
            ("first_run_id", 't'),
            ("last_run_id", 't'),
            ("created_at", 'l'),
            ("last_seen_at", 'l'),
        ],
    ),
    (
        "review_plans",
        &[
            ("id", 't'),
            ("name", 't'),
            ("unit_id", 't'),
            ("kind", 't'),
            ("closed_from", 't'),
            ("closed_to", 't'),
            ("method", 't'),
            ("rule", 't'),
            ("seed", 'l'),
            ("size", 'i'),
            ("candidates", 'l'),
            ("created_by", 't'),
            ("creator_name", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "review_samples",
        &[
            ("id", 't'),
            ("plan_id", 't'),
            ("case_id", 't'),
            ("reviewer_id", 't'),
            ("reviewer_name", 't'),
            ("grade", 't'),
            ("total", 'i'),
            ("defects", 'i'),
            ("points_facts", 'i'),
            ("points_law", 'i'),
            ("points_procedure", 'i'),
            ("points_documents", 'i'),
            ("points_effect", 'i'),
            ("opinion", 't'),
            ("rect_category", 't'),
            ("rect_measures", 't'),
            ("rect_deadline", 't'),
            ("scored_at", 'l'),
        ],
    ),
    (
        "review_defects",
        &[
            ("id", 't'),
            ("sample_id", 't'),
            ("seq", 'i'),
            ("dimension", 't'),
            ("description", 't'),
            ("rectification_id", 't'),
            ("created_at", 'l'),
        ],
    ),
    (
        "review_tracebacks",
        &[
            ("id", 't'),
            ("sample_id", 't'),
            ("person_key", 't'),
            ("officer_id", 't'),
            ("person_name", 't'),
            ("duties", 't'),
            ("category", 't'),
            ("clue_id", 't'),
            ("opened_by", 't'),
            ("opener_name", 't'),
            ("opened_at", 'l'),
        ],
    ),
    (
        "guiding_cases",
        &[
            ("id", 't'),
            ("number", 't'),
            ("title", 't'),
            ("issuer", 't'),
            ("kind", 't'),
            ("keywords", 't'),
            ("gist", 't'),
            ("significance", 't'),
            ("full_text", 't'),
            ("issued_on", 't'),
            ("unit_id", 't'),
            ("rev", 'l'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    (
        "commentary_sessions",
        &[
            ("id", 't'),
            ("held_on", 't'),
            ("unit_id", 't'),
            ("title", 't'),
            ("presenter", 't'),
            ("notes", 't'),
            ("cases_text", 't'),
            ("guiding_text", 't'),
            ("rev", 'l'),
            ("created_by", 't'),
            ("created_at", 'l'),
            ("updated_at", 'l'),
        ],
    ),
    ("commentary_cases", &[("session_id", 't'), ("case_id", 't')]),
    (
        "commentary_citations",
        &[("session_id", 't'), ("guiding_id", 't')],
    ),
    (
        "fulltext_state",
        &[("name", 't'), ("epoch", 't'), ("rev", 'l')],
    ),
    (
        "warning_scores",
        &[
            ("officer_id", 't'),
            ("unit_id", 't'),
            ("score", 'l'),
            ("level", 't'),
            ("facts", 't'),
            ("computed_at", 'l'),
        ],
    ),
    (
        "warning_items",
        &[
            ("officer_id", 't'),
            ("kind", 't'),
            ("source_id", 't'),
            ("ref_id", 't'),
            ("ref_no", 't'),
            ("on_date", 't'),
            ("at_ms", 'l'),
            ("detail", 't'),
            ("extra", 't'),
            ("qty", 'l'),
        ],
    ),
    (
        "warning_units",
        &[
            ("unit_id", 't'),
            ("officers", 'l'),
            ("score", 'l'),
            ("watch", 'l'),
            ("alert", 'l'),
            ("computed_at", 'l'),
        ],
    ),
    (
        "warning_runs",
        &[
            ("id", 't'),
            ("seq", 'l'),
            ("as_of", 't'),
            ("since", 't'),
            ("settings", 't'),
            ("officers", 'l'),
            ("items", 'l'),
            ("run_by", 't'),
            ("started_at", 'l'),
            ("finished_at", 'l'),
        ],
    ),
    (
        "audit_log",
        &[
            ("seq", 'l'),
            ("at", 'l'),
            ("actor", 't'),
            ("action", 't'),
            ("target", 't'),
            ("detail", 't'),
            ("prev_mac", 't'),
            ("mac", 't'),
        ],
    ),
    ("audit_head", &[("id", 'i'), ("seq", 'l'), ("mac", 't')]),
];

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    pub table: String,
    pub rows: u64,
    pub digest: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub tables: Vec<TableSummary>,
    pub files: u64,
}

fn cell(r: &QueryResult, col: &str, ty: char) -> Result<serde_json::Value> {
    Ok(match ty {
        'i' => r
            .try_get::<Option<i32>>("", col)?
            .map(|v| json!(v))
            .unwrap_or(serde_json::Value::Null),
        'l' => r
            .try_get::<Option<i64>>("", col)?
            .map(|v| json!(v))
            .unwrap_or(serde_json::Value::Null),
        'b' => r
            .try_get::<Option<Vec<u8>>>("", col)?
            .map(|v| json!({ "x": hex::encode(v) }))
            .unwrap_or(serde_json::Value::Null),
        _ => r
            .try_get::<Option<String>>("", col)?
            .map(|v| json!(v))
            .unwrap_or(serde_json::Value::Null),
    })
}

fn value_of(v: &serde_json::Value, ty: char) -> Result<Value> {
    let bad = || StoreError::Integrity("backup value of the wrong type".into());
    Ok(match (ty, v) {
        ('i', serde_json::Value::Null) => Value::Int(None),
        ('l', serde_json::Value::Null) => Value::BigInt(None),
        ('b', serde_json::Value::Null) => Value::Bytes(None),
        (_, serde_json::Value::Null) => Value::String(None),
        ('i', v) => Value::from(i32::try_from(v.as_i64().ok_or_else(bad)?).map_err(|_| bad())?),
        ('l', v) => Value::from(v.as_i64().ok_or_else(bad)?),
        ('b', v) => Value::from(
            hex::decode(v.get("x").and_then(|x| x.as_str()).ok_or_else(bad)?).map_err(|_| bad())?,
        ),
        (_, v) => Value::from(v.as_str().ok_or_else(bad)?.to_string()),
    })
}

impl Store {
    /// Writes a consistent backup (one read transaction) to `out`.
    pub async fn backup(&self, out: &Path) -> Result<BackupSummary> {
        let tmp = out.with_extension("partial");
        let mut w = BufWriter::new(std::fs::File::create(&tmp)?);
        let mut whole = Vec::<u8>::new();
        let mut summary = BackupSummary {
            tables: vec![],
            files: 0,
        };
        let header = json!({ "format": "mingjing-backup", "version": 1, "schema": crate::migrate::latest_version(), "key": self.keyring.fingerprint() });
        writeln!(w, "{header}")?;
        // Hold the write lock so the snapshot is consistent across tables on both backends.
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        for (table, cols) in TABLES {
            let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
            let mut hasher = Vec::<u8>::new();
            let mut rows = 0u64;
            let order = cols[0].0;
            let mut offset = 0i64;
            loop {
                let page = sql
                    .all(
                        &txn,
                        &format!(
                            "SELECT {} FROM {table} ORDER BY {order} LIMIT 5000 OFFSET ?",
                            names.join(", ")
                        ),
                        vals![offset],
                    )
                    .await?;
                if page.is_empty() {
                    break;
                }
                for r in &page {
                    let row: Vec<serde_json::Value> = cols
                        .iter()
                        .map(|(c, t)| cell(r, c, *t))
                        .collect::<Result<_>>()?;
                    let line = json!({ "t": table, "r": row }).to_string();
                    hasher.extend_from_slice(&crypto::sm3(line.as_bytes()));
                    writeln!(w, "{line}")?;
                    rows += 1;
                }
                offset += page.len() as i64;
            }
            let digest = hex::encode(crypto::sm3(&hasher));
            whole.extend_from_slice(digest.as_bytes());
            summary.tables.push(TableSummary {
                table: table.to_string(),
                rows,
                digest,
            });
        }
        txn.commit().await?;
        for rel in stored_files(&self.data_dir)? {
            let bytes = std::fs::read(self.data_dir.join(&rel))?;
            whole.extend_from_slice(&crypto::sm3(&bytes));
            writeln!(w, "{}", json!({ "f": rel, "x": hex::encode(&bytes) }))?;
            summary.files += 1;
        }
        writeln!(
            w,
            "{}",
            json!({ "summary": summary, "digest": hex::encode(crypto::sm3(&whole)) })
        )?;
        w.flush()?;
        w.get_ref().sync_all()?;
        drop(w);
        std::fs::rename(&tmp, out)?;
        Ok(summary)
    }

    /// Restores a backup into this (empty) store. Checks every digest before committing anything.
    pub async fn restore(&self, from: &Path) -> Result<BackupSummary> {
        if self.count_units().await? > 0 {
            return Err(StoreError::Conflict("恢复只能在空的数据目录中进行".into()));
        }
        let rd = BufReader::new(std::fs::File::open(from)?);
        let mut lines = rd.lines();
        let header: serde_json::Value = serde_json::from_str(
            &lines
                .next()
                .ok_or_else(|| StoreError::Integrity("empty backup".into()))??,
        )
        .map_err(|e| StoreError::Integrity(e.to_string()))?;
        if header["format"] != "mingjing-backup" {
            return Err(StoreError::Integrity("not a Mingjing backup".into()));
        }
        if header["key"].as_str() != Some(self.keyring.fingerprint().as_str()) {
            return Err(StoreError::Integrity(
                "the backup was made under another master key".into(),
            ));
        }
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        // The fresh schema seeded its own audit head; the backup's replaces it.
        sql.exec(&txn, "DELETE FROM audit_head", vals![]).await?;
        let mut hashers: std::collections::HashMap<String, (u64, Vec<u8>)> = Default::default();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut end: Option<serde_json::Value> = None;
        for line in lines {
            let line = line?;
            let v: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| StoreError::Integrity(e.to_string()))?;
            if let Some(t) = v.get("t").and_then(|t| t.as_str()) {
                let (table, cols) = TABLES
                    .iter()
                    .find(|(n, _)| *n == t)
                    .ok_or_else(|| StoreError::Integrity(format!("unknown table {t}")))?;
                let row = v["r"]
                    .as_array()
                    .ok_or_else(|| StoreError::Integrity("bad row".into()))?;
                if row.len() != cols.len() {
                    return Err(StoreError::Integrity(format!(
                        "row of {table} has {} cells",
                        row.len()
                    )));
                }
                let values = row
                    .iter()
                    .zip(cols.iter())
                    .map(|(x, (_, ty))| value_of(x, *ty))
                    .collect::<Result<Vec<_>>>()?;
                let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
                let marks = vec!["?"; cols.len()].join(", ");
                sql.exec(
                    &txn,
                    &format!(
                        "INSERT INTO {table} ({}) VALUES ({marks})",
                        names.join(", ")
                    ),
                    values,
                )
                .await?;
                let e = hashers.entry(table.to_string()).or_default();
                e.0 += 1;
                e.1.extend_from_slice(&crypto::sm3(line.as_bytes()));
            } else if let Some(f) = v.get("f").and_then(|f| f.as_str()) {
                if !is_stored_file_path(f) {
                    return Err(StoreError::Integrity(format!("bad file name {f}")));
                }
                let bytes = hex::decode(v["x"].as_str().unwrap_or_default())
                    .map_err(|e| StoreError::Integrity(e.to_string()))?;
                files.push((f.to_string(), bytes));
            } else if v.get("summary").is_some() {
                end = Some(v);
            }
        }
        let end = end.ok_or_else(|| {
            StoreError::Integrity("the backup is truncated (no summary line)".into())
        })?;
        let summary: BackupSummary = serde_json::from_value(end["summary"].clone())
            .map_err(|e| StoreError::Integrity(e.to_string()))?;
        let mut whole = Vec::new();
        for t in &summary.tables {
            let (rows, h) = hashers.remove(&t.table).unwrap_or_default();
            let digest = hex::encode(crypto::sm3(&h));
            if rows != t.rows || digest != t.digest {
                return Err(StoreError::Integrity(format!(
                    "table {} does not match its digest",
                    t.table
                )));
            }
            whole.extend_from_slice(digest.as_bytes());
        }
        for (_, bytes) in &files {
            whole.extend_from_slice(&crypto::sm3(bytes));
        }
        if end["digest"].as_str() != Some(hex::encode(crypto::sm3(&whole)).as_str())
            || files.len() as u64 != summary.files
        {
            return Err(StoreError::Integrity(
                "the backup's overall digest does not match".into(),
            ));
        }
        for (rel, bytes) in &files {
            let path = self.data_dir.join(rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::File::create(&path)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        append(
            &txn,
            &self.audit_key(),
            &AuditActor::system(),
            "restore",
            "all",
            &format!("{} files", files.len()),
        )
        .await?;
        txn.commit().await?;
        self.forget_units();
        Ok(summary)
    }

    /// Row count and digest per table as they are now, to compare with a backup.
    pub async fn table_counts(&self) -> Result<Vec<(String, i64)>> {
        let sql = Sql::of(&self.db);
        let mut out = Vec::new();
        for (table, _) in TABLES {
            out.push((
                table.to_string(),
                sql.scalar(&self.db, &format!("SELECT COUNT(*) FROM {table}"), vals![])
                    .await?,
            ));
        }
        Ok(out)
    }
}

/// The folders under the data folder that hold files the database points to (tip attachments, task
/// evidence, rectification evidence). Backups carry all of them.
const FILE_ROOTS: &[&str] = &["attachments", "task_files", "evidence"];

/// Every file under the file roots, as `/`-separated paths relative to the data folder, sorted.
fn stored_files(data_dir: &Path) -> Result<Vec<String>> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> std::io::Result<()> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let r = format!("{rel}/{name}");
            if e.file_type()?.is_dir() {
                walk(&e.path(), &r, out)?;
            } else {
                out.push(r);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for root in FILE_ROOTS {
        walk(&data_dir.join(root), root, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// A restored file may only land inside one of the file roots: no `..`, no absolute path, no empty part.
fn is_stored_file_path(p: &str) -> bool {
    let parts: Vec<&str> = p.split('/').collect();
    parts.len() >= 2
        && FILE_ROOTS.contains(&parts[0])
        && parts.iter().all(|c| {
            !c.is_empty() && *c != "." && *c != ".." && !c.contains('\\') && !c.contains(':')
        })
}

#[cfg(test)]
mod tests {
    use super::is_stored_file_path;

    #[test]
    fn restored_files_stay_inside_the_file_roots() {
        assert!(is_stored_file_path("attachments/abc/def"));
        assert!(is_stored_file_path("task_files/t1/f1"));
        assert!(!is_stored_file_path("attachments/../master.key"));
        assert!(!is_stored_file_path("/etc/passwd"));
        assert!(!is_stored_file_path("mingjing.db"));
        assert!(!is_stored_file_path("other/x"));
        assert!(!is_stored_file_path("attachments//x"));
    }
}
