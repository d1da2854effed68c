//! Writing the register: resolving a checked case's unit and badges, adding one case or importing many
//! in one transaction (multi-row statements), moving a case on with its deciding person, and the office's
//! stage time limits. Every write fills `case_officers`, so "every officer who handled it" is one query.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use domain::DomainError;
use domain::enforcement::cases::{
    CaseKind, CaseOutcome, CaseStage, StageLimits, ValidCase, ValidMove, check_advance,
    check_close, decision_fields,
};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};
use serde::Serialize;

use super::LIMITS_KEY;
use crate::audit::append;
use crate::db::flag;
use crate::org::{Actor, is_unique_violation};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// An officer on the roster, as a case or an inquiry names them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OfficerRef {
    pub id: String,
    pub name: String,
    pub badge: String,
    pub unit_id: String,
    pub unit_name: String,
    pub position: String,
}

/// One stage of a case ready to be written.
#[derive(Debug, Clone)]
pub struct NewStage {
    pub stage: CaseStage,
    pub started_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub decision: String,
    pub decider: Option<OfficerRef>,
}

/// A case ready to be written: checked, its unit in scope, every badge found on the roster.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub number: String,
    pub title: String,
    pub kind: CaseKind,
    pub unit_id: String,
    pub handler: OfficerRef,
    pub leader: Option<OfficerRef>,
    pub assistants: Vec<OfficerRef>,
    pub received_on: NaiveDate,
    pub gang: bool,
    pub outcome: Option<CaseOutcome>,
    /// From 受案 to the current stage, in order.
    pub stages: Vec<NewStage>,
}

impl NewCase {
    fn current(&self) -> &NewStage {
        self.stages.last().expect("a case has its first stage")
    }

    /// (officer id, role) for `case_officers`, each pair once.
    fn officer_roles(&self) -> Vec<(&str, &'static str)> {
        let mut v: Vec<(&str, &'static str)> = vec![(self.handler.id.as_str(), "handler")];
        v.extend(self.assistants.iter().map(|o| (o.id.as_str(), "assistant")));
        v.extend(
            self.stages
                .iter()
                .filter_map(|s| s.decider.as_ref())
                .map(|o| (o.id.as_str(), "decider")),
        );
        v.extend(self.leader.iter().map(|o| (o.id.as_str(), "leader")));
        let mut seen = HashSet::new();
        v.retain(|p| seen.insert(*p));
        v
    }
}

/// A checked row resolved against the roster, or what is wrong with it (field errors of the case form).
pub type PlannedCase = std::result::Result<NewCase, Vec<DomainError>>;

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn shown(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(32).collect()
}

impl Store {
    /// Resolves checked cases against the actor's units and the roster, in batches: a unit outside the
    /// actor's scope, a badge not on the roster or a number already in the register (or twice in the
    /// batch) become field errors of that row.
    pub async fn plan_cases(&self, actor: &Actor, rows: &[ValidCase]) -> Result<Vec<PlannedCase>> {
        let units: HashMap<String, String> = self
            .units_in_scope(actor)
            .await?
            .into_iter()
            .map(|u| (u.code, u.id))
            .collect();
        let badges: Vec<&str> = rows.iter().flat_map(|r| r.badges()).collect();
        let roster = self.officers_by_badges(&badges).await?;
        let numbers: Vec<&str> = rows.iter().map(|r| r.number.as_str()).collect();
        let taken: HashSet<String> = self
            .existing_case_numbers(&numbers)
            .await?
            .into_iter()
            .collect();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut errors = Vec::new();
            if taken.contains(&r.number) {
                errors.push(DomainError::field(
                    "number",
                    format!("案件编号「{}」已在案件登记中", shown(&r.number)),
                ));
            } else if !seen.insert(r.number.as_str()) {
                errors.push(DomainError::field(
                    "number",
                    format!("案件编号「{}」在本次导入中重复出现", shown(&r.number)),
                ));
            }
            let unit_id = units.get(&r.unit_code).cloned();
            if unit_id.is_none() {
                errors.push(DomainError::field(
                    "unit",
                    format!(
                        "单位编码「{}」不存在，或不在您的权限范围内",
                        shown(&r.unit_code)
                    ),
                ));
            }
            let mut find = |badge: &str, field: &'static str, label: &str| match roster.get(badge) {
                Some(o) => Some(o.clone()),
                None => {
                    errors.push(DomainError::field(
                        field,
                        format!("{label}「{}」不在花名册中", shown(badge)),
                    ));
                    None
                }
            };
            let handler = find(&r.handler_badge, "handler", "承办人警号");
            let leader = r
                .leader_badge
                .as_deref()
                .map(|b| find(b, "leader", "分管领导警号"));
            let assistants: Vec<Option<OfficerRef>> = r
                .assistant_badges
                .iter()
                .map(|b| find(b, "assistants", "协办人警号"))
                .collect();
            let mut stages = Vec::with_capacity(r.stages.len());
            for s in &r.stages {
                let decider = match s.decider_badge.as_deref() {
                    Some(b) => {
                        let label = format!("{}决定人警号", s.stage.label());
                        match find(b, decision_fields(s.stage).1, &label) {
                            Some(o) => Some(o),
                            None => continue,
                        }
                    }
                    None => None,
                };
                stages.push(NewStage {
                    stage: s.stage,
                    started_on: s.started_on,
                    due_on: s.due_on,
                    ended_on: s.ended_on,
                    decision: s.decision.clone(),
                    decider,
                });
            }
            if !errors.is_empty() {
                out.push(Err(errors));
                continue;
            }
            if let (Some(unit_id), Some(handler)) = (unit_id, handler) {
                out.push(Ok(NewCase {
                    number: r.number.clone(),
                    title: r.title.clone(),
                    kind: r.kind,
                    unit_id,
                    handler,
                    leader: leader.flatten(),
                    assistants: assistants.into_iter().flatten().collect(),
                    received_on: r.received_on,
                    gang: r.gang,
                    outcome: r.outcome,
                    stages,
                }));
            }
        }
        Ok(out)
    }

    /// Adds one case typed in by hand; returns its id.
    pub async fn add_case(&self, actor: &Actor, case: &NewCase) -> Result<String> {
        self.unit_in_scope(actor, &case.unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("unit", "请选择本人权限范围内的承办单位")
                }
                other => other,
            })?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let ids = insert_cases(&txn, actor, std::slice::from_ref(case), now_ms()).await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "case.create",
            &format!("case:{}", case.number),
            &format!(
                "kind={} stage={}",
                case.kind.as_str(),
                case.current().stage.as_str()
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(ids.into_iter().next().unwrap_or_default())
    }

    /// Imports checked and resolved cases (see [`Store::plan_cases`]), all or none, in one transaction of
    /// multi-row statements. Every unit must lie in the actor's scope; a number taken meanwhile fails the
    /// whole import with a message naming it.
    pub async fn import_cases(&self, actor: &Actor, cases: &[NewCase]) -> Result<usize> {
        let units: HashSet<&str> = cases.iter().map(|c| c.unit_id.as_str()).collect();
        for unit_id in units {
            self.unit_in_scope(actor, unit_id)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => {
                        StoreError::invalid("unit", "承办单位不在您的权限范围内")
                    }
                    other => other,
                })?;
        }
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        insert_cases(&txn, actor, cases, now_ms()).await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "case.import",
            "cases",
            &format!("{} cases", cases.len()),
        )
        .await?;
        txn.commit().await?;
        Ok(cases.len())
    }

    /// Moves a case on to a later stage, or closes it with an outcome, naming who decided: ends the open
    /// stage, opens the next with its due day, adds the decider to the case's officers, all in one
    /// transaction with the audit row.
    pub async fn advance_case(&self, actor: &Actor, id: &str, m: &ValidMove) -> Result<CaseStage> {
        let case = self.case_in_scope(actor, id).await?;
        let kind = CaseKind::parse(&case.kind)?;
        let from = CaseStage::parse(&case.stage)?;
        match m.outcome {
            Some(o) => check_close(kind, from, o)?,
            None => check_advance(kind, from, m.to)?,
        }
        let decider = self
            .officers_by_badges(&[m.decider_badge.as_str()])
            .await?
            .remove(m.decider_badge.as_str())
            .ok_or_else(|| {
                StoreError::invalid(
                    "decider",
                    format!("决定人警号「{}」不在花名册中", shown(&m.decider_badge)),
                )
            })?;
        let limits = self.case_stage_limits().await?;
        let due = if m.to == CaseStage::Closed {
            None
        } else {
            limits.due(kind, m.to, m.on).map(day)
        };
        let on = day(m.on);
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let (closed_on, outcome) = match m.outcome {
            Some(o) => (Some(on.clone()), Some(o.as_str())),
            None => (None, None),
        };
        // The stage in WHERE makes a concurrent second move fail instead of applying twice.
        let n = sql
            .exec(
                &txn,
                "UPDATE cases SET stage = ?, stage_since = ?, stage_due = ?, closed_on = ?, outcome = ?, updated_at = ? WHERE id = ? AND stage = ?",
                vals![m.to.as_str(), on.as_str(), due.clone(), closed_on, outcome, now, id, from.as_str()],
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "案件阶段已被他人变更，请刷新后重试".into(),
            ));
        }
        sql.exec(
            &txn,
            "UPDATE case_stages SET ended_on = ? WHERE case_id = ? AND ended_on IS NULL",
            vals![on.as_str(), id],
        )
        .await?;
        let seq = sql
            .scalar(
                &txn,
                "SELECT CAST(MAX(seq) AS BIGINT) FROM case_stages WHERE case_id = ?",
                vals![id],
            )
            .await?
            + 1;
        let decision = match m.outcome {
            Some(o) => format!("结案（{}）：{}", o.label(), m.decision),
            None => m.decision.clone(),
        };
        sql.exec(
            &txn,
            "INSERT INTO case_stages (id, case_id, seq, stage, started_on, due_on, ended_on, decision, decider_id, decider_name, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
            vals![new_id(), id, seq, m.to.as_str(), on.as_str(), due, decision.as_str(), decider.id.as_str(), decider.name.as_str(), now],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO case_officers (id, case_id, officer_id, role) VALUES (?, ?, ?, 'decider') ON CONFLICT DO NOTHING",
            vals![new_id(), id, decider.id.as_str()],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            if m.outcome.is_some() {
                "case.close"
            } else {
                "case.advance"
            },
            &format!("case:{}", case.number),
            &format!(
                "{} -> {} decider={}",
                from.as_str(),
                m.to.as_str(),
                decider.badge
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(m.to)
    }

    /// Sets the office's stage time limits. Cases already in a stage keep the due day they were given.
    pub async fn set_case_stage_limits(&self, actor: &Actor, limits: &StageLimits) -> Result<()> {
        let json =
            serde_json::to_string(limits).map_err(|e| StoreError::Integrity(e.to_string()))?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM settings WHERE key = ?",
            vals![LIMITS_KEY],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            vals![LIMITS_KEY, json.as_str()],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "settings.case_limits",
            "settings",
            &json,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on bound values.
const CASE_ROWS: usize = 200;
const STAGE_ROWS: usize = 400;
const OFFICER_ROWS: usize = 1000;

fn marks(columns: usize, rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns].join(", "));
    vec![one; rows].join(", ")
}

/// Writes the cases, their stages and their officers; returns the new ids in order. A number already
/// taken answers a field error naming the numbers of the batch that collided.
async fn insert_cases<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    cases: &[NewCase],
    now: i64,
) -> Result<Vec<String>> {
    let sql = Sql::of(c);
    let ids: Vec<String> = cases.iter().map(|_| new_id()).collect();
    for (chunk, chunk_ids) in cases.chunks(CASE_ROWS).zip(ids.chunks(CASE_ROWS)) {
        let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 19);
        for (k, id) in chunk.iter().zip(chunk_ids) {
            let cur = k.current();
            let closed = cur.stage == CaseStage::Closed;
            v.extend(vals![
                id.as_str(),
                k.number.as_str(),
                k.title.as_str(),
                k.kind.as_str(),
                k.unit_id.as_str(),
                k.handler.id.as_str(),
                k.handler.name.as_str(),
                k.leader.as_ref().map(|o| o.id.clone()),
                k.leader
                    .as_ref()
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                flag(k.gang),
                day(k.received_on),
                cur.stage.as_str(),
                day(cur.started_on),
                if closed { None } else { cur.due_on.map(day) },
                if closed {
                    Some(day(cur.started_on))
                } else {
                    None
                },
                k.outcome.map(|o| o.as_str()),
                actor.display_name.as_str(),
                now,
                now
            ]);
        }
        sql.exec(
            c,
            &format!(
                "INSERT INTO cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at) VALUES {}",
                marks(19, chunk.len())
            ),
            v,
        )
        .await
        .map_err(|e| match e {
            StoreError::Db(ref d) if is_unique_violation(d) => StoreError::invalid(
                "number",
                "案件编号已在案件登记中（可能刚被他人登记），请核对后重试",
            ),
            other => other,
        })?;
    }
    let stages: Vec<(&str, usize, &NewStage)> = cases
        .iter()
        .zip(&ids)
        .flat_map(|(k, id)| {
            k.stages
                .iter()
                .enumerate()
                .map(move |(i, s)| (id.as_str(), i + 1, s))
        })
        .collect();
    for chunk in stages.chunks(STAGE_ROWS) {
        let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 11);
        for (case_id, seq, s) in chunk {
            v.extend(vals![
                new_id(),
                *case_id,
                *seq as i32,
                s.stage.as_str(),
                day(s.started_on),
                if s.stage == CaseStage::Closed {
                    None
                } else {
                    s.due_on.map(day)
                },
                s.ended_on.map(day),
                s.decision.as_str(),
                s.decider.as_ref().map(|o| o.id.clone()),
                s.decider.as_ref().map(|o| o.name.clone()),
                now
            ]);
        }
        sql.exec(
            c,
            &format!(
                "INSERT INTO case_stages (id, case_id, seq, stage, started_on, due_on, ended_on, decision, decider_id, decider_name, created_at) VALUES {}",
                marks(11, chunk.len())
            ),
            v,
        )
        .await?;
    }
    let officers: Vec<(&str, &str, &str)> = cases
        .iter()
        .zip(&ids)
        .flat_map(|(k, id)| {
            k.officer_roles()
                .into_iter()
                .map(move |(o, role)| (id.as_str(), o, role))
        })
        .collect();
    for chunk in officers.chunks(OFFICER_ROWS) {
        let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 4);
        for (case_id, officer_id, role) in chunk {
            v.extend(vals![new_id(), *case_id, *officer_id, *role]);
        }
        sql.exec(
            c,
            &format!(
                "INSERT INTO case_officers (id, case_id, officer_id, role) VALUES {} ON CONFLICT DO NOTHING",
                marks(4, chunk.len())
            ),
            v,
        )
        .await?;
    }
    Ok(ids)
}
