//! Schema migrations: one ordered list for both backends. Each migration runs in one transaction together
//! with its row in `schema_migrations`, so a crash midway leaves it unapplied and the next start redoes it.

use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

use crate::{Result, Sql, Store, now_ms, vals};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: V1,
    },
    Migration {
        version: 2,
        name: "campaign",
        sql: crate::campaign::MIGRATION_SQL,
    },
    Migration {
        version: 3,
        name: "study",
        sql: crate::study::MIGRATION_SQL,
    },
    Migration {
        version: 4,
        name: "selfcheck_rectification",
        sql: crate::selfcheck::MIGRATION_SQL,
    },
    Migration {
        version: 5,
        name: "enforcement_cases",
        sql: crate::enforcement::cases::MIGRATION_SQL,
    },
    Migration {
        version: 6,
        name: "enforcement_inquiries",
        sql: crate::enforcement::inquiries::MIGRATION_SQL,
    },
    Migration {
        version: 7,
        name: "enforcement_review",
        sql: crate::enforcement::review::MIGRATION_SQL,
    },
    Migration {
        version: 8,
        name: "enforcement_guiding",
        sql: crate::enforcement::guiding::MIGRATION_SQL,
    },
    Migration {
        version: 9,
        name: "enforcement_checks",
        sql: crate::enforcement::checks::MIGRATION_SQL,
    },
    Migration {
        version: 10,
        name: "warning",
        sql: crate::warning::MIGRATION_SQL,
    },
];

/// Written for SQLite; `BLOB` becomes `BYTEA` on PostgreSQL. Times are epoch milliseconds (UTC), dates are
/// `YYYY-MM-DD` text, flags are integers, ids are UUIDv7 text made by the application.
const V1: &str = r#"
CREATE TABLE units (
  id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
  parent_id TEXT REFERENCES units(id), path TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX units_path ON units(path);
CREATE TABLE officers (
  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), name TEXT NOT NULL, badge TEXT NOT NULL UNIQUE,
  position TEXT NOT NULL, id_hash TEXT UNIQUE, id_masked TEXT, active INTEGER NOT NULL DEFAULT 1, created_at BIGINT NOT NULL);
CREATE INDEX officers_unit ON officers(unit_id);
CREATE INDEX officers_name ON officers(name);
CREATE TABLE users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, role TEXT NOT NULL,
  unit_id TEXT NOT NULL REFERENCES units(id), scope TEXT NOT NULL, officer_id TEXT REFERENCES officers(id),
  password_hash TEXT NOT NULL, totp_secret BLOB, totp_enabled INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL, password_changed_at BIGINT NOT NULL);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), kind TEXT NOT NULL, csrf TEXT NOT NULL,
  totp_ok INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE calendar_days (day TEXT PRIMARY KEY, workday INTEGER NOT NULL, note TEXT NOT NULL);
CREATE TABLE clues (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, source TEXT NOT NULL, category TEXT NOT NULL, state TEXT NOT NULL,
  unit_id TEXT NOT NULL REFERENCES units(id), accused_name TEXT, accused_unit TEXT, accused_position TEXT,
  accused_officer_id TEXT REFERENCES officers(id), summary TEXT NOT NULL, tip_id TEXT,
  disposal TEXT, conclusion TEXT, outcome TEXT, supervised INTEGER NOT NULL DEFAULT 0, supervise_note TEXT,
  state_since BIGINT NOT NULL, due_date TEXT, created_by TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  closed_at BIGINT);
CREATE INDEX clues_unit ON clues(unit_id, state);
CREATE INDEX clues_state_due ON clues(state, due_date);
CREATE INDEX clues_created ON clues(created_at);
CREATE INDEX clues_tip ON clues(tip_id);
CREATE TABLE clue_events (
  id TEXT PRIMARY KEY, clue_id TEXT NOT NULL REFERENCES clues(id), action TEXT NOT NULL, from_state TEXT,
  to_state TEXT NOT NULL, note TEXT NOT NULL, actor_id TEXT, actor_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX clue_events_clue ON clue_events(clue_id, created_at);
CREATE TABLE tips (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, receipt_hash TEXT NOT NULL UNIQUE, idempotency_hash TEXT UNIQUE,
  receipt_replay BLOB, wrapped_key BLOB NOT NULL, content_sealed BLOB NOT NULL, identity_sealed BLOB, has_identity INTEGER NOT NULL,
  category TEXT NOT NULL, simhash BIGINT NOT NULL, duplicate_of TEXT, clue_id TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX tips_created ON tips(created_at, id);
CREATE TABLE tip_attachments (
  id TEXT PRIMARY KEY, tip_id TEXT NOT NULL REFERENCES tips(id), seq INTEGER NOT NULL, name_sealed BLOB NOT NULL,
  kind TEXT NOT NULL, size BIGINT NOT NULL, digest TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX tip_attachments_tip ON tip_attachments(tip_id);
CREATE TABLE tip_messages (
  id TEXT PRIMARY KEY, tip_id TEXT NOT NULL REFERENCES tips(id), direction TEXT NOT NULL, kind TEXT NOT NULL,
  body_sealed BLOB NOT NULL, author_id TEXT, created_at BIGINT NOT NULL);
CREATE INDEX tip_messages_tip ON tip_messages(tip_id, created_at);
CREATE TABLE unseal_requests (
  id TEXT PRIMARY KEY, tip_id TEXT NOT NULL REFERENCES tips(id), clue_id TEXT NOT NULL REFERENCES clues(id),
  requester_id TEXT NOT NULL REFERENCES users(id), reason TEXT NOT NULL, status TEXT NOT NULL,
  decided_by TEXT REFERENCES users(id), decision_note TEXT, created_at BIGINT NOT NULL, decided_at BIGINT);
CREATE INDEX unseal_requests_status ON unseal_requests(status);
CREATE TABLE notifications (
  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, clue_id TEXT, kind TEXT NOT NULL, message TEXT NOT NULL,
  dedupe_key TEXT UNIQUE, created_at BIGINT NOT NULL);
CREATE INDEX notifications_unit ON notifications(unit_id, created_at);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, run_at BIGINT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0, last_error TEXT, created_at BIGINT NOT NULL);
CREATE INDEX jobs_due ON jobs(state, run_at);
CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, mac TEXT NOT NULL);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  detail TEXT NOT NULL, prev_mac TEXT NOT NULL, mac TEXT NOT NULL);
INSERT INTO audit_head (id, seq, mac) VALUES (1, 0, '');
"#;

pub async fn run(store: &Store) -> Result<()> {
    let db = &store.db;
    let sql = Sql::of(db);
    let _guard = store.write_lock.lock().await;
    sql.exec(
        db,
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        vals![],
    )
    .await?;
    for m in MIGRATIONS {
        let done = sql
            .scalar(
                db,
                "SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
                vals![m.version],
            )
            .await?;
        if done > 0 {
            continue;
        }
        let txn = db.begin().await?;
        for stmt in split_statements(m.sql) {
            let text = if db.get_database_backend() == DbBackend::Postgres {
                stmt.replace("BLOB", "BYTEA")
            } else {
                stmt
            };
            txn.execute_unprepared(&text).await?;
        }
        sql.exec(
            &txn,
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            vals![m.version, m.name, now_ms()],
        )
        .await?;
        txn.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
    }
    Ok(())
}

fn split_statements(sql: &str) -> Vec<String> {
    sql.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The latest schema version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}
