//! The case register (案件): cases with their stages, the deciding person at each stage, and the officers
//! who handled them ("谁办案谁负责、谁决定谁负责"). Reads and the shapes others use live here; writing a
//! case (by hand or imported) and moving it on in `write`; the anti-gang link to protection-umbrella
//! clues (保护伞) in `umbrella`.

mod umbrella;
mod write;

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::enforcement::cases::{CaseKind, CaseStage, StageLimits};
use sea_orm::{QueryResult, Value};
use serde::Serialize;

use crate::clues::today;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, vals};

pub use umbrella::CaseClue;
pub use write::{NewCase, NewStage, OfficerRef, PlannedCase};

/// The shape other parts rely on (inquiries, review, data checks, early warning, anti-gang linkage):
/// names may gain columns but keep these. Dates are `YYYY-MM-DD` (Beijing), times epoch milliseconds.
/// `stage` and `outcome` hold the identifiers of `domain::enforcement::cases`. `case_clues` links a
/// protection-umbrella clue to the gang case and the officer it was opened about.
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
CREATE INDEX case_officers_officer ON case_officers(officer_id);
CREATE TABLE case_clues (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), clue_id TEXT NOT NULL UNIQUE REFERENCES clues(id),
  officer_id TEXT NOT NULL REFERENCES officers(id), created_by TEXT NOT NULL, created_at BIGINT NOT NULL,
  UNIQUE (case_id, officer_id))
"#;

/// The settings key of the office's stage time limits (JSON of `StageLimits`).
const LIMITS_KEY: &str = "case_stage_limits";

/// One case as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: String,
    pub number: String,
    pub title: String,
    pub kind: String,
    pub unit_id: String,
    pub unit_name: String,
    pub handler_id: Option<String>,
    pub handler_name: String,
    pub leader_id: Option<String>,
    pub leader_name: String,
    pub gang: bool,
    pub received_on: String,
    pub stage: String,
    pub stage_since: String,
    pub stage_due: Option<String>,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Open and past its stage's due day.
    pub overdue: bool,
    /// Days past the due day (0 when not overdue).
    pub days_over: i64,
}

impl Case {
    pub fn kind(&self) -> Option<CaseKind> {
        CaseKind::parse(&self.kind).ok()
    }

    pub fn stage(&self) -> Option<CaseStage> {
        CaseStage::parse(&self.stage).ok()
    }
}

pub(crate) const CASE_COLUMNS: &str = "c.id, c.number, c.title, c.kind, c.unit_id, u.name AS unit_name, c.handler_id, c.handler_name, c.leader_id, c.leader_name, c.gang, c.received_on, c.stage, c.stage_since, c.stage_due, c.closed_on, c.outcome, c.created_at, c.updated_at";
pub(crate) const CASE_FROM: &str = "cases c JOIN units u ON u.id = c.unit_id";

fn days_after(due: &str, today: NaiveDate) -> i64 {
    NaiveDate::parse_from_str(due, "%Y-%m-%d")
        .map(|d| (today - d).num_days())
        .unwrap_or(0)
}

pub(crate) fn case_from(r: &QueryResult, today: NaiveDate) -> Result<Case> {
    let stage: String = get(r, "stage")?;
    let due: Option<String> = get(r, "stage_due")?;
    let t = today.format("%Y-%m-%d").to_string();
    let overdue =
        stage != CaseStage::Closed.as_str() && due.as_deref().is_some_and(|d| d < t.as_str());
    Ok(Case {
        days_over: match (&due, overdue) {
            (Some(d), true) => days_after(d, today),
            _ => 0,
        },
        overdue,
        id: get(r, "id")?,
        number: get(r, "number")?,
        title: get(r, "title")?,
        kind: get(r, "kind")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        handler_id: get(r, "handler_id")?,
        handler_name: get(r, "handler_name")?,
        leader_id: get(r, "leader_id")?,
        leader_name: get(r, "leader_name")?,
        gang: get::<i32>(r, "gang")? != 0,
        received_on: get(r, "received_on")?,
        stage,
        stage_since: get(r, "stage_since")?,
        stage_due: due,
        closed_on: get(r, "closed_on")?,
        outcome: get(r, "outcome")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// What a list of cases is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub unit_id: Option<String>,
    pub kind: Option<CaseKind>,
    pub stage: Option<CaseStage>,
    /// Open cases past their stage's due day, most overdue first.
    pub overdue: bool,
    pub gang: Option<bool>,
    /// Part of the number, the title or the handler's name.
    pub q: Option<String>,
}

/// One stage a case went through, with who decided it.
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
    pub decider_badge: Option<String>,
    /// Ended after its due day, or still open past it.
    pub late: bool,
}

/// An officer who handled a case, with every role they had in it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOfficer {
    pub officer_id: String,
    pub name: String,
    pub badge: String,
    pub position: String,
    pub unit_name: String,
    /// `handler`, `assistant`, `decider`, `leader`, in that order.
    pub roles: Vec<String>,
}

/// Who answers for a decision in a case (一案双查): each stage's decider and the responsible leader.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Accountable {
    /// `decider` with the stage, or `leader`.
    pub role: String,
    pub stage: Option<String>,
    pub officer_id: Option<String>,
    pub name: String,
    pub decision: Option<String>,
    pub on: Option<String>,
}

/// A case with its stages, the officers who handled it and the clues opened from it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case: Case,
    pub stages: Vec<StageRow>,
    pub officers: Vec<CaseOfficer>,
    pub clues: Vec<CaseClue>,
}

impl CaseView {
    /// The deciding person of every stage that has one, in order, then the responsible leader.
    pub fn accountable(&self) -> Vec<Accountable> {
        let mut v: Vec<Accountable> = self
            .stages
            .iter()
            .filter_map(|s| {
                s.decider_name
                    .as_ref()
                    .filter(|n| !n.is_empty())
                    .map(|n| Accountable {
                        role: "decider".into(),
                        stage: Some(s.stage.clone()),
                        officer_id: s.decider_id.clone(),
                        name: n.clone(),
                        decision: s.decision.clone(),
                        on: Some(s.started_on.clone()),
                    })
            })
            .collect();
        if !self.case.leader_name.is_empty() {
            v.push(Accountable {
                role: "leader".into(),
                stage: None,
                officer_id: self.case.leader_id.clone(),
                name: self.case.leader_name.clone(),
                decision: None,
                on: None,
            });
        }
        v
    }
}

fn role_rank(role: &str) -> usize {
    ["handler", "assistant", "decider", "leader"]
        .iter()
        .position(|r| *r == role)
        .unwrap_or(9)
}

impl Store {
    fn case_where(&self, actor: &Actor, f: &CaseFilter) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("c.unit_id");
        let mut w = vec![scope];
        if let Some(u) = &f.unit_id {
            w.push("c.unit_id = ?".into());
            v.push(Value::from(u.as_str()));
        }
        if let Some(k) = f.kind {
            w.push("c.kind = ?".into());
            v.push(Value::from(k.as_str()));
        }
        if let Some(s) = f.stage {
            w.push("c.stage = ?".into());
            v.push(Value::from(s.as_str()));
        }
        if f.overdue {
            w.push("c.stage <> 'closed' AND c.stage_due < ?".into());
            v.push(Value::from(today().format("%Y-%m-%d").to_string()));
        }
        if let Some(g) = f.gang {
            w.push("c.gang = ?".into());
            v.push(Value::from(crate::db::flag(g)));
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            w.push("(c.number LIKE ? OR c.title LIKE ? OR c.handler_name LIKE ?)".into());
            let like = format!("%{}%", q.replace(['%', '_'], ""));
            v.extend([
                Value::from(like.clone()),
                Value::from(like.clone()),
                Value::from(like),
            ]);
        }
        (w.join(" AND "), v)
    }

    /// One page of the cases in the actor's scope; the overdue list comes most overdue first.
    pub async fn cases(
        &self,
        actor: &Actor,
        f: &CaseFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Case>, i64)> {
        let (w, mut v) = self.case_where(actor, f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM cases c WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let order = if f.overdue {
            "c.stage_due, c.number"
        } else {
            "c.received_on DESC, c.id DESC"
        };
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE {w} ORDER BY {order} LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        let t = today();
        Ok((
            rows.iter()
                .map(|r| case_from(r, t))
                .collect::<Result<_>>()?,
            total,
        ))
    }

    /// The cases after `after` (by id), for exports that walk everything without holding it.
    pub async fn cases_after(
        &self,
        actor: &Actor,
        f: &CaseFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<Case>> {
        let (w, mut v) = self.case_where(actor, f);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE {w} AND c.id > ? ORDER BY c.id LIMIT ?"),
                v,
            )
            .await?;
        let t = today();
        rows.iter().map(|r| case_from(r, t)).collect()
    }

    /// (all, open, overdue, gang) cases in the actor's scope.
    pub async fn case_counts(&self, actor: &Actor) -> Result<(i64, i64, i64, i64)> {
        let (w, wv) = self.case_where(actor, &CaseFilter::default());
        // The date's placeholder stands before the WHERE clause's, so its value goes first.
        let mut v = vals![today().format("%Y-%m-%d").to_string()];
        v.extend(wv);
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN c.stage <> 'closed' THEN 1 ELSE 0 END), 0) AS open, COALESCE(SUM(CASE WHEN c.stage <> 'closed' AND c.stage_due < ? THEN 1 ELSE 0 END), 0) AS overdue, COALESCE(SUM(c.gang), 0) AS gang FROM cases c WHERE {w}"),
                v,
            )
            .await?;
        let n = |r: &QueryResult, i| -> Result<i64> {
            Ok(r.try_get_by_index::<Option<i64>>(i)?.unwrap_or(0))
        };
        match r {
            Some(r) => Ok((n(&r, 0)?, n(&r, 1)?, n(&r, 2)?, n(&r, 3)?)),
            None => Ok((0, 0, 0, 0)),
        }
    }

    /// The case if it lies in the actor's scope; `NotFound` otherwise (outside scope looks like absent).
    pub async fn case_in_scope(&self, actor: &Actor, id: &str) -> Result<Case> {
        let (w, mut v) = self.case_where(actor, &CaseFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE {w} AND c.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        case_from(&r, today())
    }

    /// The case with this number if it lies in the actor's scope.
    pub async fn case_by_number(&self, actor: &Actor, number: &str) -> Result<Case> {
        let (w, mut v) = self.case_where(actor, &CaseFilter::default());
        v.push(Value::from(number.trim()));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE {w} AND c.number = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        case_from(&r, today())
    }

    /// The case with its stages (and who decided each), its officers and the clues opened from it.
    pub async fn case_view(&self, actor: &Actor, id: &str) -> Result<CaseView> {
        let case = self.case_in_scope(actor, id).await?;
        let sql = Sql::of(&self.db);
        let t = today().format("%Y-%m-%d").to_string();
        let rows = sql
            .all(
                &self.db,
                "SELECT s.seq, s.stage, s.started_on, s.due_on, s.ended_on, s.decision, s.decider_id, s.decider_name, o.badge AS decider_badge FROM case_stages s LEFT JOIN officers o ON o.id = s.decider_id WHERE s.case_id = ? ORDER BY s.seq",
                vals![id],
            )
            .await?;
        let stages = rows
            .iter()
            .map(|r| {
                let due: Option<String> = get(r, "due_on")?;
                let ended: Option<String> = get(r, "ended_on")?;
                let stage: String = get(r, "stage")?;
                let late = match (&due, &ended) {
                    (Some(d), Some(e)) => e > d,
                    (Some(d), None) => stage != "closed" && d.as_str() < t.as_str(),
                    _ => false,
                };
                Ok(StageRow {
                    seq: get(r, "seq")?,
                    stage,
                    started_on: get(r, "started_on")?,
                    due_on: due,
                    ended_on: ended,
                    decision: get(r, "decision")?,
                    decider_id: get(r, "decider_id")?,
                    decider_name: get(r, "decider_name")?,
                    decider_badge: get(r, "decider_badge")?,
                    late,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let officers = self.case_officers(id).await?;
        let clues = self.case_clues(id).await?;
        Ok(CaseView {
            case,
            stages,
            officers,
            clues,
        })
    }

    /// Every officer who handled the case, each once with all their roles. The caller has checked scope.
    pub(crate) async fn case_officers(&self, case_id: &str) -> Result<Vec<CaseOfficer>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT co.officer_id, co.role, o.name, o.badge, o.position, u.name AS unit_name FROM case_officers co JOIN officers o ON o.id = co.officer_id JOIN units u ON u.id = o.unit_id WHERE co.case_id = ? ORDER BY o.badge",
                vals![case_id],
            )
            .await?;
        let mut out: Vec<CaseOfficer> = Vec::new();
        for r in &rows {
            let id: String = get(r, "officer_id")?;
            let role: String = get(r, "role")?;
            match out.iter_mut().find(|o| o.officer_id == id) {
                Some(o) => o.roles.push(role),
                None => out.push(CaseOfficer {
                    officer_id: id,
                    name: get(r, "name")?,
                    badge: get(r, "badge")?,
                    position: get(r, "position")?,
                    unit_name: get(r, "unit_name")?,
                    roles: vec![role],
                }),
            }
        }
        for o in &mut out {
            o.roles.sort_by_key(|r| role_rank(r));
        }
        out.sort_by_key(|o| {
            (
                o.roles.first().map(|r| role_rank(r)).unwrap_or(9),
                o.badge.clone(),
            )
        });
        Ok(out)
    }

    /// Whether the officer handled, decided or led the case (any role in `case_officers`).
    pub async fn is_case_officer(&self, case_id: &str, officer_id: &str) -> Result<bool> {
        Ok(Sql::of(&self.db)
            .scalar(
                &self.db,
                "SELECT COUNT(*) FROM case_officers WHERE case_id = ? AND officer_id = ?",
                vals![case_id, officer_id],
            )
            .await?
            > 0)
    }

    /// The stage limits in force: the office's settings laid over the defaults.
    pub async fn case_stage_limits(&self) -> Result<StageLimits> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT value FROM settings WHERE key = ?",
                vals![LIMITS_KEY],
            )
            .await?;
        Ok(match r {
            Some(r) => serde_json::from_str(&get::<String>(&r, "value")?).unwrap_or_default(),
            None => StageLimits::default(),
        })
    }

    /// Roster entries by badge (any unit), for resolving the badges a case or an inquiry names.
    pub async fn officers_by_badges(&self, badges: &[&str]) -> Result<HashMap<String, OfficerRef>> {
        let mut wanted: Vec<&str> = badges
            .iter()
            .map(|b| b.trim())
            .filter(|b| !b.is_empty())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let sql = Sql::of(&self.db);
        let mut out = HashMap::new();
        for chunk in wanted.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let v: Vec<Value> = chunk.iter().map(|b| Value::from(*b)).collect();
            for r in sql
                .all(
                    &self.db,
                    &format!("SELECT o.id, o.name, o.badge, o.unit_id, o.position, u.name AS unit_name FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.badge IN ({marks})"),
                    v,
                )
                .await?
            {
                let o = OfficerRef {
                    id: get(&r, "id")?,
                    name: get(&r, "name")?,
                    badge: get(&r, "badge")?,
                    unit_id: get(&r, "unit_id")?,
                    unit_name: get(&r, "unit_name")?,
                    position: get(&r, "position")?,
                };
                out.insert(o.badge.clone(), o);
            }
        }
        Ok(out)
    }

    /// Which of these case numbers are already in the register (whatever the scope: numbers are unique).
    pub async fn existing_case_numbers(&self, numbers: &[&str]) -> Result<Vec<String>> {
        let sql = Sql::of(&self.db);
        let mut found = Vec::new();
        for chunk in numbers.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let v: Vec<Value> = chunk.iter().map(|n| Value::from(*n)).collect();
            for r in sql
                .all(
                    &self.db,
                    &format!("SELECT number FROM cases WHERE number IN ({marks})"),
                    v,
                )
                .await?
            {
                found.push(get::<String>(&r, "number")?);
            }
        }
        Ok(found)
    }
}
