//! Case review (案件评查): plans that draw a sample from the case register (random with a seed, or by
//! rule), samples assigned to reviewers, score sheets graded by `domain::enforcement::review::grade`,
//! defects turned into rectification rows, and trace-back (跟进倒查, 一案双查) of a failed case: a clue
//! about each deciding person and the responsible leader, opened in one step.
//!
//! The case register's tables are read with this module's own SQL (their shape is the register's
//! contract). A plan is visible when its unit lies in the person's scope or one of its samples does; a
//! sample when its case's unit does.

use chrono::NaiveDate;
use domain::enforcement::review::{Accountable, SampleMethod, SampleRule, ValidPlan};
use domain::org::DataScope;
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

mod samples;
mod score;
mod traceback;

pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE review_plans (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id), kind TEXT, closed_from TEXT,
  closed_to TEXT, method TEXT NOT NULL, rule TEXT, seed BIGINT NOT NULL, size INTEGER NOT NULL, candidates BIGINT NOT NULL,
  created_by TEXT NOT NULL, creator_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX review_plans_unit ON review_plans(unit_id, created_at);
CREATE TABLE review_samples (
  id TEXT PRIMARY KEY, plan_id TEXT NOT NULL REFERENCES review_plans(id), case_id TEXT NOT NULL REFERENCES cases(id),
  reviewer_id TEXT REFERENCES users(id), reviewer_name TEXT, grade TEXT, total INTEGER, defects INTEGER NOT NULL DEFAULT 0,
  points_facts INTEGER, points_law INTEGER, points_procedure INTEGER, points_documents INTEGER, points_effect INTEGER,
  opinion TEXT, rect_category TEXT, rect_measures TEXT, rect_deadline TEXT, scored_at BIGINT, UNIQUE (plan_id, case_id));
CREATE INDEX review_samples_case ON review_samples(case_id, scored_at);
CREATE INDEX review_samples_reviewer ON review_samples(reviewer_id, scored_at);
CREATE INDEX review_samples_scored ON review_samples(scored_at);
CREATE TABLE review_defects (
  id TEXT PRIMARY KEY, sample_id TEXT NOT NULL REFERENCES review_samples(id), seq INTEGER NOT NULL, dimension TEXT NOT NULL,
  description TEXT NOT NULL, rectification_id TEXT REFERENCES rectification_items(id), created_at BIGINT NOT NULL,
  UNIQUE (sample_id, seq));
CREATE TABLE review_tracebacks (
  id TEXT PRIMARY KEY, sample_id TEXT NOT NULL REFERENCES review_samples(id), person_key TEXT NOT NULL,
  officer_id TEXT REFERENCES officers(id), person_name TEXT NOT NULL, duties TEXT NOT NULL, category TEXT NOT NULL,
  clue_id TEXT NOT NULL REFERENCES clues(id), opened_by TEXT NOT NULL, opener_name TEXT NOT NULL, opened_at BIGINT NOT NULL,
  UNIQUE (sample_id, person_key));
CREATE INDEX review_tracebacks_clue ON review_tracebacks(clue_id)
"#;

/// Serialises turning defects into ledger rows (see `ledger_review_defects`).
static LEDGERING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A plan may not draw from more cases than this: the candidates are read in full to draw from.
pub const MAX_CANDIDATES: i64 = 200_000;

/// A review plan with how far its review has come.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub unit_id: String,
    pub unit_name: String,
    pub kind: Option<String>,
    pub closed_from: Option<String>,
    pub closed_to: Option<String>,
    pub method: String,
    pub rule: Option<String>,
    pub seed: i64,
    pub size: i32,
    pub candidates: i64,
    pub creator_name: String,
    pub created_at: i64,
    /// Samples (all of them, or those in the reader's scope when the plan's unit is not).
    pub samples: i64,
    pub scored: i64,
    pub failed: i64,
}

/// One sampled case as the plan's list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SampleRow {
    pub id: String,
    pub plan_id: String,
    pub plan_name: String,
    pub case_id: String,
    pub case_number: String,
    pub case_title: String,
    pub case_kind: String,
    pub unit_id: String,
    pub unit_name: String,
    pub reviewer_id: Option<String>,
    pub reviewer_name: Option<String>,
    pub grade: Option<String>,
    pub total: Option<i32>,
    pub defects: i32,
    pub scored_at: Option<i64>,
}

/// A stage of the sampled case, with who decided it.
#[derive(Debug, Clone, Serialize)]
pub struct StageRow {
    pub seq: i32,
    pub stage: String,
    pub started_on: String,
    pub due_on: Option<String>,
    pub ended_on: Option<String>,
    pub decision: Option<String>,
    pub decider_id: Option<String>,
    pub decider_name: Option<String>,
}

/// What the register holds about the sampled case beyond the list's columns.
#[derive(Debug, Clone, Serialize)]
pub struct CaseFacts {
    pub handler_name: String,
    pub leader_id: Option<String>,
    pub leader_name: String,
    pub gang: bool,
    pub received_on: String,
    pub stage: String,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefectRow {
    pub id: String,
    pub dimension: String,
    pub description: String,
    pub rectification_id: Option<String>,
    pub rectification_number: Option<String>,
}

/// A clue opened by trace-back about one person.
#[derive(Debug, Clone, Serialize)]
pub struct TraceRow {
    pub person_key: String,
    pub person_name: String,
    pub duties: String,
    pub category: String,
    pub clue_id: String,
    pub clue_number: String,
    pub opener_name: String,
    pub opened_at: i64,
}

/// A sampled case with its score sheet, defects, and (when failed) who answers for it.
#[derive(Debug, Clone, Serialize)]
pub struct SampleDetail {
    pub row: SampleRow,
    pub case: CaseFacts,
    pub stages: Vec<StageRow>,
    /// Points per dimension in the order of `Dimension::all()`, once scored.
    pub points: Option<[i32; 5]>,
    pub opinion: Option<String>,
    pub rect_category: Option<String>,
    pub rect_measures: Option<String>,
    pub rect_deadline: Option<String>,
    pub defect_list: Vec<DefectRow>,
    /// The people trace-back lists (deciders at each stage, the responsible leader), for a failed case.
    pub accountable: Vec<Accountable>,
    pub traces: Vec<TraceRow>,
}

/// An account that may be given samples to score.
#[derive(Debug, Clone, Serialize)]
pub struct Reviewer {
    pub id: String,
    pub name: String,
    pub unit_name: String,
}

/// What became of a sheet's defects in the rectification ledger.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum LedgerOutcome {
    /// No defects, nothing to add.
    Nothing,
    /// Every defect has its row (numbers of the rows made now).
    Added(Vec<String>),
    /// No campaign covers the case's unit: the defects wait for one.
    NoCampaign,
    /// Some rows could not be added (the message says why); the rest were.
    Partly(Vec<String>, String),
}

const SAMPLE_COLUMNS: &str = "s.id, s.plan_id, p.name AS plan_name, s.case_id, c.number AS case_number, c.title AS case_title, c.kind AS case_kind, c.unit_id, u.name AS unit_name, s.reviewer_id, s.reviewer_name, s.grade, s.total, s.defects, s.scored_at";
const SAMPLE_FROM: &str = "review_samples s JOIN review_plans p ON p.id = s.plan_id JOIN cases c ON c.id = s.case_id JOIN units u ON u.id = c.unit_id";

fn sample_from(r: &QueryResult) -> Result<SampleRow> {
    Ok(SampleRow {
        id: get(r, "id")?,
        plan_id: get(r, "plan_id")?,
        plan_name: get(r, "plan_name")?,
        case_id: get(r, "case_id")?,
        case_number: get(r, "case_number")?,
        case_title: get(r, "case_title")?,
        case_kind: get(r, "case_kind")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        reviewer_id: get(r, "reviewer_id")?,
        reviewer_name: get(r, "reviewer_name")?,
        grade: get(r, "grade")?,
        total: get(r, "total")?,
        defects: get(r, "defects")?,
        scored_at: get(r, "scored_at")?,
    })
}

const PLAN_COLUMNS: &str = "p.id, p.name, p.unit_id, u.name AS unit_name, p.kind, p.closed_from, p.closed_to, p.method, p.rule, p.seed, p.size, p.candidates, p.creator_name, p.created_at";

fn plan_from(r: &QueryResult) -> Result<Plan> {
    Ok(Plan {
        id: get(r, "id")?,
        name: get(r, "name")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        kind: get(r, "kind")?,
        closed_from: get(r, "closed_from")?,
        closed_to: get(r, "closed_to")?,
        method: get(r, "method")?,
        rule: get(r, "rule")?,
        seed: get(r, "seed")?,
        size: get(r, "size")?,
        candidates: get(r, "candidates")?,
        creator_name: get(r, "creator_name")?,
        created_at: get(r, "created_at")?,
        samples: get::<Option<i64>>(r, "samples")?.unwrap_or(0),
        scored: get::<Option<i64>>(r, "scored")?.unwrap_or(0),
        failed: get::<Option<i64>>(r, "failed")?.unwrap_or(0),
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A clue summary is at most 5,000 characters; a case title is at most what the register allows.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

impl Store {
    /// Plans visible to the actor: the plan's unit in scope, or one of its samples in scope. The
    /// condition and its values, on `review_plans p`.
    fn plan_visible(&self, actor: &Actor) -> (String, Vec<Value>) {
        let (own, mut v) = actor.scope_condition("p.unit_id");
        let (inner, iv) = actor.scope_condition("c2.unit_id");
        v.extend(iv);
        (
            format!(
                "({own} OR EXISTS (SELECT 1 FROM review_samples s2 JOIN cases c2 ON c2.id = s2.case_id WHERE s2.plan_id = p.id AND {inner}))"
            ),
            v,
        )
    }

    /// Inspectors (who score) whose data scope covers the whole of `unit_id`'s subtree: every sampled case
    /// must be one they can open.
    pub async fn review_reviewers(&self, unit_id: &str) -> Result<Vec<Reviewer>> {
        let unit = self.unit_by_id(unit_id).await?;
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT s.id, s.display_name, s.scope, u.name AS unit_name, u.path FROM users s JOIN units u ON u.id = s.unit_id WHERE s.role = 'inspector' AND s.disabled = 0 ORDER BY s.display_name, s.id",
                vals![],
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let scope: String = get(r, "scope")?;
            let path: String = get(r, "path")?;
            let covers = match DataScope::parse(&scope) {
                Ok(DataScope::All) => true,
                Ok(DataScope::Subtree) => unit.path.starts_with(&path),
                _ => false,
            };
            if covers {
                out.push(Reviewer {
                    id: get(r, "id")?,
                    name: get(r, "display_name")?,
                    unit_name: get(r, "unit_name")?,
                });
            }
        }
        Ok(out)
    }

    /// Draws a plan's sample and saves the plan, its samples and their reviewers (round robin in the
    /// order given) in one transaction. Candidates are the cases of the unit's subtree that match the
    /// filters and the rule, in case-number order; the seed picks among them (`draw_sample`), so the same
    /// seed over the same register draws the same cases. Returns the plan id and the sample size.
    pub async fn create_review_plan(
        &self,
        actor: &Actor,
        unit_id: &str,
        plan: &ValidPlan,
        reviewer_ids: &[String],
        today: NaiveDate,
    ) -> Result<(String, usize)> {
        let unit = self
            .unit_in_scope(actor, unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("unit", "请选择本人权限范围内的评查单位")
                }
                other => other,
            })?;
        let eligible = self.review_reviewers(&unit.id).await?;
        let mut reviewers: Vec<&Reviewer> = Vec::new();
        for id in reviewer_ids {
            match eligible.iter().find(|r| &r.id == id) {
                Some(r) if !reviewers.iter().any(|x| x.id == r.id) => reviewers.push(r),
                Some(_) => {}
                None => {
                    return Err(StoreError::invalid(
                        "reviewers",
                        "所选评查人员须为数据范围覆盖该单位的督导组成员",
                    ));
                }
            }
        }
        let (scope, mut v) = actor.scope_condition("c.unit_id");
        let mut w = vec![scope, "u.path LIKE ?".to_string()];
        v.push(Value::from(format!("{}%", unit.path)));
        if let Some(k) = plan.kind {
            w.push("c.kind = ?".into());
            v.push(Value::from(k.as_str()));
        }
        if let Some(d) = plan.closed_from {
            w.push("c.closed_on >= ?".into());
            v.push(Value::from(day(d)));
        }
        if let Some(d) = plan.closed_to {
            w.push("c.closed_on <= ?".into());
            v.push(Value::from(day(d)));
        }
        match (plan.method, plan.rule) {
            (SampleMethod::Rule, Some(SampleRule::Withdrawn)) => {
                w.push("c.outcome IN ('withdrawn', 'not_prosecuted')".into());
            }
            (SampleMethod::Rule, Some(SampleRule::Gang)) => w.push("c.gang = 1".into()),
            (SampleMethod::Rule, Some(SampleRule::Overdue)) => {
                // Overdue at any stage: a stage ended after its limit, or one still open past it.
                w.push("(EXISTS (SELECT 1 FROM case_stages cs WHERE cs.case_id = c.id AND cs.due_on IS NOT NULL AND ((cs.ended_on IS NOT NULL AND cs.ended_on > cs.due_on) OR (cs.ended_on IS NULL AND cs.due_on < ?))) OR (c.stage <> 'closed' AND c.stage_due IS NOT NULL AND c.stage_due < ?))".into());
                v.push(Value::from(day(today)));
                v.push(Value::from(day(today)));
            }
            _ => {}
        }
        let w = w.join(" AND ");
        let sql = Sql::of(&self.db);
        let count = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM cases c JOIN units u ON u.id = c.unit_id WHERE {w}"),
                v.clone(),
            )
            .await?;
        if count == 0 {
            return Err(StoreError::invalid(
                "form",
                "没有符合条件的案件，请调整评查单位、案件类型、结案日期或抽取规则",
            ));
        }
        if count > MAX_CANDIDATES {
            return Err(StoreError::invalid(
                "form",
                format!(
                    "符合条件的案件有{count}件，超过{MAX_CANDIDATES}件，请缩小评查单位、案件类型或结案日期范围"
                ),
            ));
        }
        let ids: Vec<String> = sql
            .all(
                &self.db,
                &format!("SELECT c.id FROM cases c JOIN units u ON u.id = c.unit_id WHERE {w} ORDER BY c.number"),
                v,
            )
            .await?
            .iter()
            .map(|r| get::<String>(r, "id"))
            .collect::<Result<_>>()?;
        let picked =
            domain::enforcement::review::draw_sample(ids.len(), plan.size as usize, plan.seed);
        let id = new_id();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let tsql = Sql::of(&txn);
        tsql.exec(
            &txn,
            "INSERT INTO review_plans (id, name, unit_id, kind, closed_from, closed_to, method, rule, seed, size, candidates, created_by, creator_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![
                id.as_str(), plan.name.as_str(), unit.id.as_str(), plan.kind.map(|k| k.as_str()),
                plan.closed_from.map(day), plan.closed_to.map(day), plan.method.as_str(),
                plan.rule.map(|r| r.as_str()), plan.seed as i64, plan.size as i32, ids.len() as i64,
                actor.user_id.as_str(), actor.display_name.as_str(), now
            ],
        )
        .await?;
        for (n, i) in picked.iter().enumerate() {
            let reviewer = (!reviewers.is_empty()).then(|| reviewers[n % reviewers.len()]);
            tsql.exec(
                &txn,
                "INSERT INTO review_samples (id, plan_id, case_id, reviewer_id, reviewer_name, defects) VALUES (?, ?, ?, ?, ?, 0)",
                vals![
                    new_id(), id.as_str(), ids[*i].as_str(), reviewer.map(|r| r.id.clone()),
                    reviewer.map(|r| r.name.clone())
                ],
            )
            .await?;
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "review.plan",
            &format!("review_plan:{id}"),
            &format!(
                "unit={} method={} seed={} size={} drawn={}/{}",
                unit.code,
                plan.method.as_str(),
                plan.seed,
                plan.size,
                picked.len(),
                ids.len()
            ),
        )
        .await?;
        txn.commit().await?;
        Ok((id, picked.len()))
    }

    fn plan_select(&self, actor: &Actor, extra: &str) -> (String, Vec<Value>) {
        let (visible, mut v) = self.plan_visible(actor);
        let (counted, cv) = actor.scope_condition("c3.unit_id");
        // The counts' placeholders come first in the text: their values go first.
        let mut values = cv.clone();
        values.extend(cv.clone());
        values.extend(cv);
        values.append(&mut v);
        let count = |what: &str| {
            format!(
                "(SELECT COUNT(*) FROM review_samples s3 JOIN cases c3 ON c3.id = s3.case_id WHERE s3.plan_id = p.id AND {counted}{what})"
            )
        };
        (
            format!(
                "SELECT {PLAN_COLUMNS}, {} AS samples, {} AS scored, {} AS failed FROM review_plans p JOIN units u ON u.id = p.unit_id WHERE {visible}{extra}",
                count(""),
                count(" AND s3.scored_at IS NOT NULL"),
                count(" AND s3.grade = 'failed'"),
            ),
            values,
        )
    }

    /// Plans the actor may see, newest first, with the samples in their scope counted.
    pub async fn review_plans(
        &self,
        actor: &Actor,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Plan>, i64)> {
        let (visible, v) = self.plan_visible(actor);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM review_plans p WHERE {visible}"),
                v,
            )
            .await?;
        let (q, mut v) = self.plan_select(actor, "");
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!("{q} ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        Ok((rows.iter().map(plan_from).collect::<Result<_>>()?, total))
    }

    /// The plan if the actor may see it; `NotFound` otherwise.
    pub async fn review_plan_in_scope(&self, actor: &Actor, id: &str) -> Result<Plan> {
        let (q, mut v) = self.plan_select(actor, " AND p.id = ?");
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(&self.db, &q, v)
            .await?
            .ok_or(StoreError::NotFound)?;
        plan_from(&r)
    }
}
