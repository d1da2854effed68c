//! Data checks (数据比对): the imported records they compare (`records`), the rules' settings, each
//! rule's candidates in SQL (`rules`), the runs that evaluate them and deduplicate findings by
//! fingerprint (`run`), and the findings themselves with their evidence, scoped lists and the one-step clue.
//!
//! People are matched on the keyed hash of their ID number (the same key as the roster's `id_hash`),
//! never on names; the raw number is never stored.

pub(crate) mod records;
mod rules;
mod run;

use std::collections::BTreeMap;

use domain::clues::ClueSource;
use domain::enforcement::checks::{CheckFamily, CheckRule, Evidence, RuleSettings};
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::clues::{ClueSeed, insert_clue};
use crate::db::{flag, get};
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, now_ms, vals};

pub use records::{ImportResult, ImportSummary, RecordCounts, RecordRowError};
pub use run::{CheckRun, CheckRunSummary, RuleCount};

/// The imported records, the rules' settings, runs and findings. The two indexes on `cases` serve the
/// case-suppression rules' range scans (stage, then a date). Sentence changes are read in id order
/// (primary key) with no other index to tempt a planner into sorting every page.
pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE check_imports (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, rows_in_file INTEGER NOT NULL, added INTEGER NOT NULL, skipped INTEGER NOT NULL,
  imported_by TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX check_imports_created ON check_imports(created_at);
CREATE TABLE check_sentence_changes (
  id TEXT PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, offender_hash TEXT NOT NULL, offender_masked TEXT NOT NULL,
  offender_name TEXT NOT NULL, crime_type TEXT NOT NULL, sentence_type TEXT NOT NULL, kind TEXT NOT NULL,
  decided_on TEXT NOT NULL, previous_on TEXT, extension_no INTEGER, unit_id TEXT NOT NULL REFERENCES units(id),
  decider_badge TEXT, decider_id TEXT REFERENCES officers(id), import_id TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX check_sentence_changes_offender ON check_sentence_changes(offender_hash);
CREATE TABLE check_departures (
  id TEXT PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, person_hash TEXT NOT NULL, person_masked TEXT NOT NULL,
  name TEXT NOT NULL, former_unit_id TEXT NOT NULL REFERENCES units(id), former_position TEXT NOT NULL,
  leader INTEGER NOT NULL, judicial INTEGER NOT NULL, left_on TEXT NOT NULL, dismissed INTEGER NOT NULL,
  import_id TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX check_departures_person ON check_departures(person_hash);
CREATE TABLE check_lawyer_appearances (
  id TEXT PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, lawyer_hash TEXT NOT NULL, lawyer_masked TEXT NOT NULL,
  lawyer_name TEXT NOT NULL, law_firm TEXT NOT NULL, firm_area TEXT NOT NULL, case_number TEXT NOT NULL,
  court_name TEXT NOT NULL, court_unit_id TEXT REFERENCES units(id), role TEXT NOT NULL, appeared_on TEXT NOT NULL,
  import_id TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX check_lawyer_appearances_lawyer ON check_lawyer_appearances(lawyer_hash);
CREATE TABLE check_business_roles (
  id TEXT PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, person_hash TEXT NOT NULL, person_masked TEXT NOT NULL,
  name TEXT NOT NULL, company TEXT NOT NULL, role TEXT NOT NULL, registered_on TEXT NOT NULL, area TEXT NOT NULL,
  import_id TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX check_business_roles_person ON check_business_roles(person_hash);
CREATE TABLE check_relatives (
  id TEXT PRIMARY KEY, officer_id TEXT NOT NULL REFERENCES officers(id), relation TEXT NOT NULL, name TEXT NOT NULL,
  person_hash TEXT NOT NULL, person_masked TEXT NOT NULL, import_id TEXT NOT NULL, created_at BIGINT NOT NULL,
  UNIQUE (officer_id, person_hash));
CREATE INDEX check_relatives_person ON check_relatives(person_hash);
CREATE TABLE check_rules (
  rule TEXT PRIMARY KEY, enabled INTEGER NOT NULL, params TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE check_runs (
  id TEXT PRIMARY KEY, rules TEXT NOT NULL, started_how TEXT NOT NULL, started_by TEXT NOT NULL, started_at BIGINT NOT NULL,
  finished_at BIGINT, matched BIGINT NOT NULL DEFAULT 0, new_findings BIGINT NOT NULL DEFAULT 0,
  no_longer BIGINT NOT NULL DEFAULT 0, detail TEXT NOT NULL, error TEXT);
CREATE INDEX check_runs_started ON check_runs(started_at);
CREATE TABLE check_findings (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, rule TEXT NOT NULL, category TEXT NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE, unit_id TEXT NOT NULL REFERENCES units(id), officer_id TEXT REFERENCES officers(id),
  subject_name TEXT NOT NULL, subject_unit TEXT NOT NULL, subject_position TEXT NOT NULL, summary TEXT NOT NULL,
  evidence TEXT NOT NULL, still_matches INTEGER NOT NULL, clue_id TEXT REFERENCES clues(id), clue_opened_by TEXT,
  clue_opened_at BIGINT, first_run_id TEXT NOT NULL, last_run_id TEXT NOT NULL, created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL);
CREATE INDEX check_findings_rule ON check_findings(rule, still_matches);
CREATE INDEX check_findings_unit ON check_findings(unit_id, created_at);
CREATE INDEX check_findings_officer ON check_findings(officer_id);
CREATE INDEX check_findings_clue ON check_findings(clue_id);
CREATE INDEX checks_cases_stage_since ON cases(stage, stage_since);
CREATE INDEX checks_cases_stage_received ON cases(stage, received_on)
"#;

/// One finding as lists and its page show it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckFinding {
    pub id: String,
    pub number: String,
    pub rule: CheckRule,
    pub category: String,
    pub unit_id: String,
    pub unit_name: String,
    pub officer_id: Option<String>,
    pub subject_name: String,
    pub subject_unit: String,
    pub subject_position: String,
    pub summary: String,
    pub evidence: Evidence,
    /// Matched again by the latest run of its rule.
    pub still_matches: bool,
    pub clue_id: Option<String>,
    pub clue_number: Option<String>,
    pub clue_opened_by: Option<String>,
    pub clue_opened_at: Option<i64>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

const FINDING_COLUMNS: &str = "f.id, f.number, f.rule, f.category, f.unit_id, u.name AS unit_name, f.officer_id, f.subject_name, f.subject_unit, f.subject_position, f.summary, f.evidence, f.still_matches, f.clue_id, c.number AS clue_number, f.clue_opened_by, f.clue_opened_at, f.created_at, f.last_seen_at";
const FINDING_FROM: &str =
    "check_findings f JOIN units u ON u.id = f.unit_id LEFT JOIN clues c ON c.id = f.clue_id";

fn finding_from(r: &QueryResult) -> Result<CheckFinding> {
    let evidence: String = get(r, "evidence")?;
    Ok(CheckFinding {
        id: get(r, "id")?,
        number: get(r, "number")?,
        rule: CheckRule::parse(&get::<String>(r, "rule")?)?,
        category: get(r, "category")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        officer_id: get(r, "officer_id")?,
        subject_name: get(r, "subject_name")?,
        subject_unit: get(r, "subject_unit")?,
        subject_position: get(r, "subject_position")?,
        summary: get(r, "summary")?,
        evidence: serde_json::from_str(&evidence)
            .map_err(|e| StoreError::Integrity(format!("finding evidence: {e}")))?,
        still_matches: get::<i32>(r, "still_matches")? != 0,
        clue_id: get(r, "clue_id")?,
        clue_number: get(r, "clue_number")?,
        clue_opened_by: get(r, "clue_opened_by")?,
        clue_opened_at: get(r, "clue_opened_at")?,
        created_at: get(r, "created_at")?,
        last_seen_at: get(r, "last_seen_at")?,
    })
}

/// What the findings list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub rule: Option<CheckRule>,
    pub family: Option<CheckFamily>,
    pub unit_id: Option<String>,
    /// `Some(true)`: a clue was opened; `Some(false)`: not yet.
    pub has_clue: Option<bool>,
    /// Only findings the latest run still matched.
    pub current_only: bool,
    /// Number, person or summary text.
    pub q: Option<String>,
}

/// Counts of one rule's findings in the actor's scope.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RuleFindingCount {
    pub rule: String,
    pub total: i64,
    /// Still matched and no clue opened yet: what waits for someone.
    pub waiting: i64,
}

/// The clue a finding became.
#[derive(Debug, Clone, Serialize)]
pub struct OpenedClue {
    pub clue_id: String,
    pub clue_number: String,
    /// False when the finding already had its clue (the click was repeated).
    pub created: bool,
}

/// Scope of the findings: the unit tree, and never a finding about the actor themself.
fn finding_scope(actor: &Actor) -> (String, Vec<Value>) {
    let (cond, mut v) = actor.scope_condition("f.unit_id");
    match &actor.officer_id {
        Some(oid) => {
            v.push(Value::from(oid.as_str()));
            (
                format!("{cond} AND (f.officer_id IS NULL OR f.officer_id <> ?)"),
                v,
            )
        }
        None => (cond, v),
    }
}

fn filter_sql(f: &FindingFilter, where_: &mut String, v: &mut Vec<Value>) {
    if let Some(r) = f.rule {
        where_.push_str(" AND f.rule = ?");
        v.push(Value::from(r.as_str()));
    } else if let Some(fam) = f.family {
        let rules: Vec<&str> = CheckRule::all()
            .iter()
            .filter(|r| r.family() == fam)
            .map(|r| r.as_str())
            .collect();
        where_.push_str(&format!(
            " AND f.rule IN ({})",
            vec!["?"; rules.len()].join(", ")
        ));
        v.extend(rules.into_iter().map(Value::from));
    }
    if let Some(u) = &f.unit_id {
        where_.push_str(" AND f.unit_id = ?");
        v.push(Value::from(u.as_str()));
    }
    match f.has_clue {
        Some(true) => where_.push_str(" AND f.clue_id IS NOT NULL"),
        Some(false) => where_.push_str(" AND f.clue_id IS NULL"),
        None => {}
    }
    if f.current_only {
        where_.push_str(" AND f.still_matches = 1");
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        where_.push_str(" AND (f.number LIKE ? OR f.subject_name LIKE ? OR f.summary LIKE ?)");
        let like = format!("%{q}%");
        v.extend([
            Value::from(like.clone()),
            Value::from(like.clone()),
            Value::from(like),
        ]);
    }
}

impl Store {
    // ---------- settings ----------

    /// Every rule's settings, in the rules' order (defaults where none were saved).
    pub async fn check_settings(&self) -> Result<Vec<RuleSettings>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT rule, enabled, params FROM check_rules",
                vals![],
            )
            .await?;
        let mut saved = BTreeMap::new();
        for r in rows {
            let rule: String = get(&r, "rule")?;
            let params: String = get(&r, "params")?;
            let values: BTreeMap<String, i64> = serde_json::from_str(&params).unwrap_or_default();
            saved.insert(rule, (get::<i32>(&r, "enabled")? != 0, values));
        }
        Ok(CheckRule::all()
            .iter()
            .map(|rule| match saved.get(rule.as_str()) {
                Some((enabled, values)) => RuleSettings::from_stored(*rule, *enabled, values),
                None => RuleSettings::defaults(*rule),
            })
            .collect())
    }

    pub async fn check_rule_settings(&self, rule: CheckRule) -> Result<RuleSettings> {
        Ok(self
            .check_settings()
            .await?
            .into_iter()
            .find(|s| s.rule == rule)
            .unwrap_or_else(|| RuleSettings::defaults(rule)))
    }

    /// Saves one rule's settings (checked by `domain::enforcement::checks::validate_settings`), audited.
    pub async fn set_check_rule(&self, actor: &Actor, s: &RuleSettings) -> Result<()> {
        let params = serde_json::to_string(&s.to_stored())
            .map_err(|e| StoreError::Integrity(e.to_string()))?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM check_rules WHERE rule = ?",
            vals![s.rule.as_str()],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO check_rules (rule, enabled, params, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)",
            vals![s.rule.as_str(), flag(s.enabled), params.as_str(), actor.display_name.as_str(), now_ms()],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "check.settings",
            &format!("check_rule:{}", s.rule.as_str()),
            &format!("enabled={} {params}", s.enabled),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    // ---------- findings ----------

    pub async fn check_findings(
        &self,
        actor: &Actor,
        filter: &FindingFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<CheckFinding>, i64)> {
        let (cond, mut v) = finding_scope(actor);
        let mut where_ = format!("WHERE {cond}");
        filter_sql(filter, &mut where_, &mut v);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM check_findings f {where_}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT {FINDING_COLUMNS} FROM {FINDING_FROM} {where_} ORDER BY f.created_at DESC, f.id DESC LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        let list = rows.iter().map(finding_from).collect::<Result<Vec<_>>>()?;
        Ok((list, total))
    }

    /// The next page after the finding id `after`, in id order (for the streaming export).
    pub async fn check_findings_after(
        &self,
        actor: &Actor,
        filter: &FindingFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<CheckFinding>> {
        let (cond, mut v) = finding_scope(actor);
        let mut where_ = format!("WHERE {cond}");
        filter_sql(filter, &mut where_, &mut v);
        where_.push_str(" AND f.id > ?");
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT {FINDING_COLUMNS} FROM {FINDING_FROM} {where_} ORDER BY f.id LIMIT ?"
                ),
                v,
            )
            .await?;
        rows.iter().map(finding_from).collect()
    }

    /// One finding if it lies in the actor's scope (and is not about the actor), else `NotFound`.
    pub async fn check_finding_in_scope(&self, actor: &Actor, id: &str) -> Result<CheckFinding> {
        let (cond, mut v) = finding_scope(actor);
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {FINDING_COLUMNS} FROM {FINDING_FROM} WHERE {cond} AND f.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        finding_from(&r)
    }

    /// Findings per rule in the actor's scope.
    pub async fn check_finding_counts(&self, actor: &Actor) -> Result<Vec<RuleFindingCount>> {
        let (cond, v) = finding_scope(actor);
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT f.rule, COUNT(*) AS total, SUM(CASE WHEN f.clue_id IS NULL AND f.still_matches = 1 THEN 1 ELSE 0 END) AS waiting FROM check_findings f WHERE {cond} GROUP BY f.rule"),
                v,
            )
            .await?;
        let mut by_rule = BTreeMap::new();
        for r in rows {
            by_rule.insert(
                get::<String>(&r, "rule")?,
                (
                    r.try_get_by_index::<Option<i64>>(1)?.unwrap_or(0),
                    r.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0),
                ),
            );
        }
        Ok(CheckRule::all()
            .iter()
            .map(|rule| {
                let (total, waiting) = by_rule.get(rule.as_str()).copied().unwrap_or((0, 0));
                RuleFindingCount {
                    rule: rule.as_str().to_string(),
                    total,
                    waiting,
                }
            })
            .collect())
    }

    /// Opens a clue (source: data check) from a finding in one step: the clue names the finding's person
    /// and carries its evidence; the finding keeps the clue's id. A repeated call returns the same clue.
    pub async fn open_clue_from_finding(&self, actor: &Actor, id: &str) -> Result<OpenedClue> {
        let f = self.check_finding_in_scope(actor, id).await?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        // Read again under the lock: a second click (or a second person) must not make a second clue.
        let existing: Option<String> = get(
            &sql.one(
                &txn,
                "SELECT clue_id FROM check_findings WHERE id = ?",
                vals![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?,
            "clue_id",
        )?;
        if let Some(clue_id) = existing {
            let number: String = get(
                &sql.one(
                    &txn,
                    "SELECT number FROM clues WHERE id = ?",
                    vals![clue_id.as_str()],
                )
                .await?
                .ok_or(StoreError::NotFound)?,
                "number",
            )?;
            txn.commit().await?;
            return Ok(OpenedClue {
                clue_id,
                clue_number: number,
                created: false,
            });
        }
        let now = now_ms();
        let seed = ClueSeed {
            source: ClueSource::DataCheck,
            category: f.rule.category(),
            unit_id: actor.unit_id.clone(),
            accused_name: Some(f.subject_name.clone()),
            accused_unit: Some(f.subject_unit.clone()).filter(|s| !s.is_empty()),
            accused_position: Some(f.subject_position.clone()).filter(|s| !s.is_empty()),
            accused_officer_id: f.officer_id.clone(),
            summary: clue_summary(&f),
            tip_id: None,
            created_by: Some(actor.user_id.clone()),
            actor_name: actor.display_name.clone(),
        };
        let (clue_id, clue_number) = insert_clue(self, &txn, &seed, now).await?;
        sql.exec(
            &txn,
            "UPDATE check_findings SET clue_id = ?, clue_opened_by = ?, clue_opened_at = ? WHERE id = ? AND clue_id IS NULL",
            vals![clue_id.as_str(), actor.display_name.as_str(), now, id],
        )
        .await?;
        let key = self.audit_key();
        append(
            &txn,
            &key,
            &actor.audit(),
            "clue.register",
            &format!("clue:{clue_number}"),
            ClueSource::DataCheck.as_str(),
        )
        .await?;
        append(
            &txn,
            &key,
            &actor.audit(),
            "check.finding.clue",
            &format!("check_finding:{}", f.number),
            &format!("clue:{clue_number}"),
        )
        .await?;
        txn.commit().await?;
        Ok(OpenedClue {
            clue_id,
            clue_number,
            created: true,
        })
    }
}

/// The clue's summary: what was found and every fact behind it, within the clue's 5,000 characters.
fn clue_summary(f: &CheckFinding) -> String {
    let mut s = format!(
        "数据比对发现 {}（{}）：{}\n{}",
        f.number,
        f.rule.label(),
        f.summary,
        f.evidence.because
    );
    for fact in &f.evidence.facts {
        s.push_str(&format!("\n{}：{}", fact.label, fact.value));
    }
    s.chars().take(4900).collect()
}
