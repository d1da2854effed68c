//! Background jobs: a `jobs` table of recurring work claimed with a conditional UPDATE (so several server
//! processes on one PostgreSQL never run the same job at once), polled by a tokio task.

use sea_orm::TransactionTrait;
use serde::Serialize;

use crate::audit::{AuditActor, append};
use crate::clues::today;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, new_id, now_ms, vals};

/// Recurring jobs and how often they run.
const RECURRING: &[(&str, i64)] = &[
    ("clue_deadlines", 10 * 60 * 1000),
    ("sweep", 60 * 60 * 1000),
    ("task_deadlines", 10 * 60 * 1000),
    ("rectification_deadlines", 10 * 60 * 1000),
    // Reminds units that owe last quarter's inquiry report; each reminder is written once a quarter.
    ("inquiry_reports", 6 * 60 * 60 * 1000),
    // Every data check over the whole register, once a day.
    ("data_checks", 24 * 60 * 60 * 1000),
    // Early-warning scores from every source; it holds the writer for its run (seconds on a province).
    ("warning_scores", 24 * 60 * 60 * 1000),
];

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub kind: String,
    pub message: String,
    pub clue_id: Option<String>,
    pub created_at: i64,
}

impl Store {
    /// Runs every recurring job that is due and not claimed by another process. Returns the kinds run.
    pub async fn run_due_jobs(&self) -> Result<Vec<String>> {
        let sql = Sql::of(&self.db);
        let now = now_ms();
        for (kind, _) in RECURRING {
            let exists = sql
                .scalar(
                    &self.db,
                    "SELECT COUNT(*) FROM jobs WHERE kind = ?",
                    vals![*kind],
                )
                .await?;
            if exists == 0 {
                let _w = self.write_lock.lock().await;
                sql.exec(&self.db, "INSERT INTO jobs (id, kind, run_at, state, created_at) VALUES (?, ?, ?, 'idle', ?)", vals![new_id(), *kind, now, now]).await?;
            }
        }
        let mut ran = Vec::new();
        for (kind, every) in RECURRING {
            let claimed = {
                let _w = self.write_lock.lock().await;
                sql.exec(
                    &self.db,
                    "UPDATE jobs SET state = 'running', locked_until = ?, attempts = attempts + 1 WHERE kind = ? AND run_at <= ? AND locked_until < ?",
                    vals![now + 15 * 60 * 1000, *kind, now, now],
                )
                .await?
            };
            if claimed != 1 {
                continue;
            }
            let result = match *kind {
                "clue_deadlines" => self.scan_clue_deadlines().await.map(|_| ()),
                "sweep" => self.sweep().await,
                "task_deadlines" => self.scan_task_deadlines().await.map(|_| ()),
                "rectification_deadlines" => self.scan_rectification_deadlines().await.map(|_| ()),
                "inquiry_reports" => self.scan_inquiry_reports().await.map(|_| ()),
                "data_checks" => self.run_all_checks().await.map(|_| ()),
                "warning_scores" => self.recompute_warnings().await.map(|_| ()),
                _ => Ok(()),
            };
            let err = result.as_ref().err().map(|e| e.to_string());
            let _w = self.write_lock.lock().await;
            sql.exec(
                &self.db,
                "UPDATE jobs SET state = 'idle', locked_until = 0, run_at = ?, last_error = ? WHERE kind = ?",
                vals![now_ms() + every, err, *kind],
            )
            .await?;
            ran.push(kind.to_string());
        }
        Ok(ran)
    }

    async fn sweep(&self) -> Result<()> {
        self.sweep_orphan_attachments(60 * 60 * 1000).await?;
        self.sweep_orphan_evidence(60 * 60 * 1000).await?;
        let _w = self.write_lock.lock().await;
        let cutoff = now_ms() - crate::org::API_IDLE_MS;
        Sql::of(&self.db)
            .exec(
                &self.db,
                "DELETE FROM sessions WHERE last_seen < ?",
                vals![cutoff],
            )
            .await?;
        Ok(())
    }

    /// Reminds the handling unit the working day before a step is due, and escalates overdue steps to the
    /// office (the root unit). Each notice is written once (dedupe key), so the scan can run any number of times.
    pub async fn scan_clue_deadlines(&self) -> Result<u64> {
        let sql = Sql::of(&self.db);
        let cal = self.calendar().await?;
        let t = today();
        let tomorrow = cal.add_workdays(t, 1).format("%Y-%m-%d").to_string();
        let ts = t.format("%Y-%m-%d").to_string();
        let root = self.root_unit().await?;
        let mut written = 0;
        let mut after = String::new();
        loop {
            let rows = sql
                .all(
                    &self.db,
                    "SELECT id, number, unit_id, state, due_date FROM clues WHERE state <> 'closed' AND due_date <= ? AND id > ? ORDER BY id LIMIT 1000",
                    vals![tomorrow.as_str(), after.as_str()],
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            let tsql = Sql::of(&txn);
            for r in &rows {
                let id: String = get(r, "id")?;
                let number: String = get(r, "number")?;
                let unit: String = get(r, "unit_id")?;
                let due: String = get(r, "due_date")?;
                let state = domain::clues::ClueState::parse(&get::<String>(r, "state")?)?;
                after = id.clone();
                let (kind, msg, targets) = if due < ts {
                    (
                        "overdue",
                        format!(
                            "线索{number}「{}」环节已超过办理时限（{due}），请督促办理",
                            state.label()
                        ),
                        vec![unit.clone(), root.id.clone()],
                    )
                } else {
                    (
                        "reminder",
                        format!("线索{number}「{}」环节将于{due}到期", state.label()),
                        vec![unit.clone()],
                    )
                };
                for target in targets {
                    let key = format!("{kind}:{id}:{}:{due}:{target}", state.as_str());
                    written += tsql
                        .exec(
                            &txn,
                            "INSERT INTO notifications (id, unit_id, clue_id, kind, message, dedupe_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                            vals![new_id(), target.as_str(), id.as_str(), kind, msg.as_str(), key, now_ms()],
                        )
                        .await?;
                }
            }
            if written > 0 {
                append(
                    &txn,
                    &self.audit_key(),
                    &AuditActor::system(),
                    "job.clue_deadlines",
                    "clues",
                    &format!("{written} notices"),
                )
                .await?;
            }
            txn.commit().await?;
        }
        Ok(written)
    }

    /// Notices for the actor's own unit, newest first.
    pub async fn notifications(&self, actor: &Actor, limit: u64) -> Result<Vec<Notification>> {
        let rows = Sql::of(&self.db)
            .all(&self.db, "SELECT kind, message, clue_id, created_at FROM notifications WHERE unit_id = ? ORDER BY created_at DESC LIMIT ?", vals![actor.unit_id.as_str(), limit as i64])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Notification {
                    kind: get(r, "kind")?,
                    message: get(r, "message")?,
                    clue_id: get(r, "clue_id")?,
                    created_at: get(r, "created_at")?,
                })
            })
            .collect()
    }
}

/// Polls for due jobs until the process ends.
pub fn spawn_runner(store: Store, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = store.run_due_jobs().await {
                tracing::warn!(error = %e, "job run failed");
            }
            tokio::time::sleep(every).await;
        }
    })
}
