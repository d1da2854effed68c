//! Running the rules: each rule's candidates (`rules`) are judged and explained by
//! `domain::enforcement::checks` and written here in chunks.
//! A finding is identified by a fingerprint of its rule and the records it rests on, so a run that sees
//! it again only marks it seen; findings a rule no longer produces are marked as such, never deleted.

use std::collections::HashSet;

use chrono::NaiveDate;
use domain::enforcement::checks::{CaseFacts, CheckRule, Evidence, RuleSettings};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditActor, append};
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// One run at a time per process: two runs would race to insert the same fingerprints.
static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Rows a page of candidates holds, and matches written per transaction.
pub(super) const PAGE: i64 = 2000;
const FLUSH: usize = 1000;

/// What one rule did in a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleCount {
    pub rule: String,
    pub matched: i64,
    pub new_findings: i64,
    /// Earlier findings this run did not produce again.
    pub no_longer: i64,
    /// The rule is switched off and was not run.
    pub skipped: bool,
}

/// What `run_all_checks` (the nightly job) and a manual run report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRunSummary {
    pub run_id: String,
    pub rules: Vec<RuleCount>,
    pub matched: i64,
    pub new_findings: i64,
    pub no_longer: i64,
    pub millis: i64,
}

/// A run as the runs list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRun {
    pub id: String,
    pub rules: Vec<RuleCount>,
    pub started_how: String,
    pub started_by: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub matched: i64,
    pub new_findings: i64,
    pub no_longer: i64,
    pub error: Option<String>,
}

fn run_from(r: &QueryResult) -> Result<CheckRun> {
    let detail: String = get(r, "detail")?;
    Ok(CheckRun {
        id: get(r, "id")?,
        rules: serde_json::from_str(&detail).unwrap_or_default(),
        started_how: get(r, "started_how")?,
        started_by: get(r, "started_by")?,
        started_at: get(r, "started_at")?,
        finished_at: get(r, "finished_at")?,
        matched: get(r, "matched")?,
        new_findings: get(r, "new_findings")?,
        no_longer: get(r, "no_longer")?,
        error: get(r, "error")?,
    })
}

/// A case rule's verdict on one case: the evidence, fingerprint parts besides the case id, the summary.
pub(super) type CaseJudge<'a> =
    dyn Fn(&CaseFacts) -> Option<(Evidence, Vec<String>, String)> + Sync + 'a;

/// One match of a rule, ready to become (or refresh) a finding.
pub(super) struct Match {
    pub(super) fingerprint: String,
    pub(super) unit_id: String,
    pub(super) officer_id: Option<String>,
    pub(super) subject_name: String,
    pub(super) subject_unit: String,
    pub(super) subject_position: String,
    pub(super) summary: String,
    pub(super) evidence: Evidence,
}

pub(super) fn fingerprint(rule: CheckRule, parts: &[&str]) -> String {
    let text = format!("{}|{}", rule.as_str(), parts.join("|"));
    hex::encode(crypto::sm3(text.as_bytes()))
}

pub(super) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn date_col(r: &QueryResult, col: &str) -> Result<NaiveDate> {
    let s: String = get(r, col)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .map_err(|_| StoreError::Integrity(format!("{col}: bad date {s}")))
}

pub(super) fn opt_date_col(r: &QueryResult, col: &str) -> Result<Option<NaiveDate>> {
    let s: Option<String> = get(r, col)?;
    Ok(s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()))
}

/// A rule's matches, written every [`FLUSH`] so a rule with many findings never holds them all.
pub(super) struct Sink<'a> {
    store: &'a Store,
    run_id: &'a str,
    pub(super) rule: CheckRule,
    pending: Vec<Match>,
    count: RuleCount,
}

impl<'a> Sink<'a> {
    fn new(store: &'a Store, run_id: &'a str, rule: CheckRule) -> Self {
        Sink {
            store,
            run_id,
            rule,
            pending: Vec::new(),
            count: RuleCount {
                rule: rule.as_str().to_string(),
                ..RuleCount::default()
            },
        }
    }

    pub(super) async fn push(&mut self, m: Match) -> Result<()> {
        self.pending.push(m);
        if self.pending.len() >= FLUSH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        let chunk = std::mem::take(&mut self.pending);
        if chunk.is_empty() {
            return Ok(());
        }
        let (matched, fresh) = self
            .store
            .apply_matches(self.run_id, self.rule, chunk)
            .await?;
        self.count.matched += matched;
        self.count.new_findings += fresh;
        Ok(())
    }

    /// Writes what is left and marks the rule's earlier findings this run did not see.
    async fn finish(mut self) -> Result<RuleCount> {
        self.flush().await?;
        let _w = self.store.write_lock.lock().await;
        self.count.no_longer = Sql::of(&self.store.db)
            .exec(
                &self.store.db,
                "UPDATE check_findings SET still_matches = 0 WHERE rule = ? AND still_matches = 1 AND last_run_id <> ?",
                vals![self.rule.as_str(), self.run_id],
            )
            .await? as i64;
        Ok(self.count)
    }
}

/// `n` finding numbers from one atomic counter update (`BD-2025-000123`).
async fn reserve_numbers<C: ConnectionTrait>(c: &C, n: usize, now: i64) -> Result<Vec<String>> {
    if n == 0 {
        return Ok(vec![]);
    }
    let sql = Sql::of(c);
    let year = crate::clues::local_date(now).format("%Y").to_string();
    let name = format!("BD-{year}");
    let end = match sql
        .one(
            c,
            "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value",
            vals![n as i64, name.as_str()],
        )
        .await?
    {
        Some(r) => get::<i64>(&r, "value")?,
        None => {
            sql.exec(
                c,
                "INSERT INTO counters (name, value) VALUES (?, ?)",
                vals![name.as_str(), n as i64],
            )
            .await?;
            n as i64
        }
    };
    Ok((end - n as i64 + 1..=end)
        .map(|v| format!("{name}-{v:06}"))
        .collect())
}

const FINDING_INSERT_COLUMNS: &[&str] = &[
    "id",
    "number",
    "rule",
    "category",
    "fingerprint",
    "unit_id",
    "officer_id",
    "subject_name",
    "subject_unit",
    "subject_position",
    "summary",
    "evidence",
    "still_matches",
    "first_run_id",
    "last_run_id",
    "created_at",
    "last_seen_at",
];

impl Store {
    /// Every enabled rule, as the nightly job runs them.
    pub async fn run_all_checks(&self) -> Result<CheckRunSummary> {
        self.run_checks_by(
            &AuditActor::system(),
            "系统（定时任务）",
            "nightly",
            CheckRule::all(),
        )
        .await
    }

    /// The given rules (the enabled ones), on demand by a person.
    pub async fn run_checks_as(
        &self,
        actor: &Actor,
        wanted: &[CheckRule],
    ) -> Result<CheckRunSummary> {
        self.run_checks_by(&actor.audit(), &actor.display_name, "manual", wanted)
            .await
    }

    async fn run_checks_by(
        &self,
        who: &AuditActor,
        by: &str,
        how: &str,
        wanted: &[CheckRule],
    ) -> Result<CheckRunSummary> {
        let _running = RUNNING.lock().await;
        let started = now_ms();
        let run_id = new_id();
        let names = wanted
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        {
            let _w = self.write_lock.lock().await;
            Sql::of(&self.db)
                .exec(
                    &self.db,
                    "INSERT INTO check_runs (id, rules, started_how, started_by, started_at, detail) VALUES (?, ?, ?, ?, ?, '[]')",
                    vals![run_id.as_str(), names.as_str(), how, by, started],
                )
                .await?;
        }
        let settings = self.check_settings().await?;
        let today = crate::clues::today();
        let mut counts = Vec::new();
        let mut first_error: Option<StoreError> = None;
        for rule in wanted {
            let s = settings
                .iter()
                .find(|x| x.rule == *rule)
                .cloned()
                .unwrap_or_else(|| RuleSettings::defaults(*rule));
            if !s.enabled {
                counts.push(RuleCount {
                    rule: rule.as_str().to_string(),
                    skipped: true,
                    ..RuleCount::default()
                });
                continue;
            }
            let mut sink = Sink::new(self, &run_id, *rule);
            let outcome = match self.evaluate(&s, today, &mut sink).await {
                Ok(()) => sink.finish().await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(c) => counts.push(c),
                Err(e) => {
                    tracing::error!(rule = rule.as_str(), error = %e, "data check failed");
                    if first_error.is_none() {
                        first_error = Some(e);
                    }
                }
            }
        }
        let summary = CheckRunSummary {
            run_id: run_id.clone(),
            matched: counts.iter().map(|c| c.matched).sum(),
            new_findings: counts.iter().map(|c| c.new_findings).sum(),
            no_longer: counts.iter().map(|c| c.no_longer).sum(),
            millis: now_ms() - started,
            rules: counts,
        };
        let detail = serde_json::to_string(&summary.rules)
            .map_err(|e| StoreError::Integrity(e.to_string()))?;
        let error = first_error.as_ref().map(|e| e.to_string());
        {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            Sql::of(&txn)
                .exec(
                    &txn,
                    "UPDATE check_runs SET finished_at = ?, matched = ?, new_findings = ?, no_longer = ?, detail = ?, error = ? WHERE id = ?",
                    vals![now_ms(), summary.matched, summary.new_findings, summary.no_longer, detail.as_str(), error.clone(), run_id.as_str()],
                )
                .await?;
            append(
                &txn,
                &self.audit_key(),
                who,
                "check.run",
                &format!("check_run:{run_id}"),
                &format!(
                    "rules={names} matched={} new={} no_longer={}{}",
                    summary.matched,
                    summary.new_findings,
                    summary.no_longer,
                    error.map(|e| format!(" error={e}")).unwrap_or_default()
                ),
            )
            .await?;
            txn.commit().await?;
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(summary),
        }
    }

    /// The latest runs, newest first.
    pub async fn check_runs(&self, limit: u64) -> Result<Vec<CheckRun>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT id, rules, started_how, started_by, started_at, finished_at, matched, new_findings, no_longer, detail, error FROM check_runs ORDER BY started_at DESC, id DESC LIMIT ?",
                vals![limit as i64],
            )
            .await?;
        rows.iter().map(run_from).collect()
    }

    pub async fn check_run(&self, id: &str) -> Result<CheckRun> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT id, rules, started_how, started_by, started_at, finished_at, matched, new_findings, no_longer, detail, error FROM check_runs WHERE id = ?",
                vals![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        run_from(&r)
    }

    /// Writes one chunk of matches: known fingerprints are marked seen, new ones become findings.
    /// Returns (matches, new findings).
    async fn apply_matches(
        &self,
        run_id: &str,
        rule: CheckRule,
        chunk: Vec<Match>,
    ) -> Result<(i64, i64)> {
        let mut seen = HashSet::new();
        let chunk: Vec<Match> = chunk
            .into_iter()
            .filter(|m| seen.insert(m.fingerprint.clone()))
            .collect();
        let sql = Sql::of(&self.db);
        let mut existing = HashSet::new();
        for part in chunk.chunks(500) {
            let marks = vec!["?"; part.len()].join(",");
            let v: Vec<Value> = part
                .iter()
                .map(|m| Value::from(m.fingerprint.as_str()))
                .collect();
            for r in sql
                .all(
                    &self.db,
                    &format!(
                        "SELECT fingerprint FROM check_findings WHERE fingerprint IN ({marks})"
                    ),
                    v,
                )
                .await?
            {
                existing.insert(get::<String>(&r, "fingerprint")?);
            }
        }
        let known: Vec<&str> = existing.iter().map(String::as_str).collect();
        let fresh: Vec<&Match> = chunk
            .iter()
            .filter(|m| !existing.contains(&m.fingerprint))
            .collect();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let tsql = Sql::of(&txn);
        for part in known.chunks(500) {
            let marks = vec!["?"; part.len()].join(",");
            let mut v = vals![run_id, now];
            v.extend(part.iter().map(|f| Value::from(*f)));
            tsql.exec(
                &txn,
                &format!("UPDATE check_findings SET last_run_id = ?, last_seen_at = ?, still_matches = 1 WHERE fingerprint IN ({marks})"),
                v,
            )
            .await?;
        }
        let numbers = reserve_numbers(&txn, fresh.len(), now).await?;
        let one = format!("({})", vec!["?"; FINDING_INSERT_COLUMNS.len()].join(", "));
        let mut added = 0;
        for (part, nums) in fresh.chunks(200).zip(numbers.chunks(200)) {
            let mut v = Vec::with_capacity(part.len() * FINDING_INSERT_COLUMNS.len());
            for (m, number) in part.iter().zip(nums) {
                let evidence = serde_json::to_string(&m.evidence)
                    .map_err(|e| StoreError::Integrity(e.to_string()))?;
                v.extend(vals![
                    new_id(),
                    number.as_str(),
                    rule.as_str(),
                    rule.category().as_str(),
                    m.fingerprint.as_str(),
                    m.unit_id.as_str(),
                    m.officer_id.clone(),
                    m.subject_name.as_str(),
                    m.subject_unit.as_str(),
                    m.subject_position.as_str(),
                    m.summary.as_str(),
                    evidence,
                    1,
                    run_id,
                    run_id,
                    now,
                    now
                ]);
            }
            added += tsql
                .exec(
                    &txn,
                    &format!(
                        "INSERT INTO check_findings ({}) VALUES {} ON CONFLICT (fingerprint) DO NOTHING",
                        FINDING_INSERT_COLUMNS.join(", "),
                        vec![one.as_str(); part.len()].join(", ")
                    ),
                    v,
                )
                .await?;
        }
        txn.commit().await?;
        Ok((chunk.len() as i64, added as i64))
    }
}
