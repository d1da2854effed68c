//! Campaigns: their phases with time windows and exit criteria, each unit's phase state with its history,
//! the facts the criteria are checked against (read through the other modules' repositories), and the
//! phase board. Tasks and the responsibility matrix live in the submodules.
//!
//! A unit with no `unit_phases` row is in the first phase since the campaign began: rows are written on
//! the first move, so units added to the tree later join the campaign without a backfill.

pub mod responsibility;
pub mod tasks;

use domain::campaign::{
    CampaignTemplate, Checklist, Count, ExitCriteria, PhaseAction, PhaseMove, PhaseSpec,
    PhaseState, UnitFacts, campaign_complete, evaluate, next_phase,
};
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::clues::today;
use crate::db::{flag, get};
use crate::org::{Actor, Unit};
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, template TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id),
  status TEXT NOT NULL, created_by TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX campaigns_unit ON campaigns(unit_id, created_at);
CREATE TABLE campaign_phases (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns(id), seq INTEGER NOT NULL, phase_key TEXT NOT NULL,
  name TEXT NOT NULL, starts_on TEXT NOT NULL, ends_on TEXT NOT NULL, criteria TEXT NOT NULL, UNIQUE (campaign_id, seq));
CREATE TABLE unit_phases (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns(id), unit_id TEXT NOT NULL REFERENCES units(id),
  phase_seq INTEGER NOT NULL, completed INTEGER NOT NULL DEFAULT 0, since BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  UNIQUE (campaign_id, unit_id));
CREATE INDEX unit_phases_unit ON unit_phases(unit_id);
CREATE TABLE unit_phase_events (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns(id), unit_id TEXT NOT NULL REFERENCES units(id),
  action TEXT NOT NULL, from_seq INTEGER, to_seq INTEGER NOT NULL, completed INTEGER NOT NULL, note TEXT NOT NULL,
  checklist TEXT NOT NULL, actor_id TEXT, actor_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX unit_phase_events_unit ON unit_phase_events(campaign_id, unit_id, created_at);
CREATE TABLE tasks (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, campaign_id TEXT REFERENCES campaigns(id), phase_seq INTEGER,
  title TEXT NOT NULL, body TEXT NOT NULL, deadline TEXT NOT NULL, leader TEXT NOT NULL, owner TEXT NOT NULL,
  issuer_unit_id TEXT NOT NULL REFERENCES units(id), issued_by TEXT, issuer_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX tasks_issuer ON tasks(issuer_unit_id, created_at);
CREATE INDEX tasks_campaign ON tasks(campaign_id, phase_seq);
CREATE INDEX tasks_deadline ON tasks(deadline);
CREATE TABLE task_targets (
  id TEXT PRIMARY KEY, task_id TEXT NOT NULL REFERENCES tasks(id), unit_id TEXT NOT NULL REFERENCES units(id),
  state TEXT NOT NULL, last_progress TEXT, chased INTEGER NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL,
  accepted_at BIGINT, UNIQUE (task_id, unit_id));
CREATE INDEX task_targets_unit ON task_targets(unit_id, state);
CREATE INDEX task_targets_state ON task_targets(state, task_id);
CREATE TABLE task_events (
  id TEXT PRIMARY KEY, target_id TEXT NOT NULL REFERENCES task_targets(id), action TEXT NOT NULL, from_state TEXT,
  to_state TEXT NOT NULL, note TEXT NOT NULL, actor_id TEXT, actor_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX task_events_target ON task_events(target_id, created_at);
CREATE TABLE task_files (
  id TEXT PRIMARY KEY, target_id TEXT NOT NULL REFERENCES task_targets(id), event_id TEXT NOT NULL REFERENCES task_events(id),
  name TEXT NOT NULL, kind TEXT NOT NULL, size BIGINT NOT NULL, digest TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX task_files_target ON task_files(target_id);
CREATE TABLE responsibilities (
  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), level TEXT NOT NULL, name TEXT NOT NULL,
  position TEXT NOT NULL, updated_by TEXT, updated_at BIGINT NOT NULL, UNIQUE (unit_id, level));
"#;

/// A new campaign: its name, where its phases came from, and the checked phases.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub template: CampaignTemplate,
    pub phases: Vec<PhaseSpec>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub seq: usize,
    pub key: String,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub criteria: ExitCriteria,
}

#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub template: String,
    /// The unit that runs it; the campaign covers that unit and every unit below.
    pub unit_id: String,
    pub unit_name: String,
    pub unit_path: String,
    pub status: String,
    pub created_at: i64,
    pub phases: Vec<Phase>,
}

impl Campaign {
    pub fn phase_names(&self) -> Vec<String> {
        self.phases.iter().map(|p| p.name.clone()).collect()
    }

    pub fn phase_name(&self, seq: usize) -> &str {
        self.phases
            .get(seq)
            .map(|p| p.name.as_str())
            .unwrap_or("未知阶段")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignSummary {
    pub id: String,
    pub name: String,
    pub template: String,
    pub unit_name: String,
    pub status: String,
    pub phases: i64,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub created_at: i64,
}

/// One unit on the phase board: where it stands and what holds it back.
#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub depth: usize,
    pub state: PhaseState,
    pub phase_name: String,
    pub since: i64,
    /// The current phase's checklist; empty once the unit has completed every phase.
    pub checklist: Checklist,
    /// Still in a phase whose window has closed.
    pub past_window: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseEvent {
    pub action: String,
    pub from_seq: Option<usize>,
    pub to_seq: usize,
    pub completed: bool,
    pub note: String,
    pub checklist: Checklist,
    pub actor_name: String,
    pub created_at: i64,
}

/// A unit's page: its state, the checklist of its current phase with the facts, and its history.
#[derive(Debug, Clone, Serialize)]
pub struct UnitPhaseView {
    pub unit: Unit,
    pub state: PhaseState,
    pub since: i64,
    pub facts: UnitFacts,
    pub checklist: Checklist,
    pub past_window: bool,
    pub history: Vec<PhaseEvent>,
}

/// A move asked for by a person; the reason is checked by the state machine.
#[derive(Debug, Clone)]
pub enum PhaseStep {
    Advance,
    Override { reason: String },
    Rework { to: usize, reasons: String },
}

/// Which units a board shows.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    /// Only units in this phase (by index).
    pub phase: Option<usize>,
    /// Only units that completed every phase.
    pub completed: bool,
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The ids on the actor's path from the root down to their own unit.
fn ancestors(actor: &Actor) -> Vec<String> {
    actor
        .unit_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A campaign is visible to whoever has its unit in scope, and to every unit it covers (a liaison
/// sees the city's campaign because their unit is in it).
fn visible(actor: &Actor) -> (String, Vec<Value>) {
    let (scope, mut v) = actor.scope_condition("c.unit_id");
    let up = ancestors(actor);
    if up.is_empty() {
        return (scope, v);
    }
    let marks = vec!["?"; up.len()].join(", ");
    v.extend(up.into_iter().map(Value::from));
    (format!("({scope} OR c.unit_id IN ({marks}))"), v)
}

fn phase_from(r: &QueryResult) -> Result<Phase> {
    let criteria: String = get(r, "criteria")?;
    Ok(Phase {
        seq: get::<i32>(r, "seq")?.max(0) as usize,
        key: get(r, "phase_key")?,
        name: get(r, "name")?,
        starts_on: get(r, "starts_on")?,
        ends_on: get(r, "ends_on")?,
        criteria: serde_json::from_str(&criteria)
            .map_err(|e| StoreError::Integrity(format!("phase criteria: {e}")))?,
    })
}

impl Store {
    /// Creates a campaign run by the actor's unit, covering it and every unit below.
    pub async fn create_campaign(&self, actor: &Actor, n: &NewCampaign) -> Result<String> {
        let name = domain::campaign::check_campaign_name(&n.name)?;
        if n.phases.is_empty() {
            return Err(StoreError::invalid("phases", "请至少设置一个阶段"));
        }
        let id = new_id();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "INSERT INTO campaigns (id, name, template, unit_id, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
            vals![id.as_str(), name.as_str(), n.template.as_str(), actor.unit_id.as_str(), actor.user_id.as_str(), now, now],
        )
        .await?;
        for (seq, p) in n.phases.iter().enumerate() {
            insert_phase(&txn, &id, seq, p).await?;
        }
        let detail = format!(
            "{}：{}",
            n.template.label(),
            n.phases
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("→")
        );
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "campaign.create",
            &format!("campaign:{id}"),
            &detail,
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Changes one phase's window and criteria. Its neighbours' windows must still fit around it.
    pub async fn set_phase(
        &self,
        actor: &Actor,
        campaign_id: &str,
        seq: usize,
        p: &PhaseSpec,
    ) -> Result<()> {
        let c = self.campaign_in_scope(actor, campaign_id).await?;
        if !actor.covers_path(&c.unit_path) {
            return Err(StoreError::Forbidden);
        }
        let Some(old) = c.phases.get(seq) else {
            return Err(StoreError::NotFound);
        };
        if let Some(prev) = seq.checked_sub(1).and_then(|i| c.phases.get(i))
            && day(p.starts) < prev.ends_on
        {
            return Err(StoreError::invalid(
                "phases",
                format!(
                    "开始日期（{}）不能早于上一阶段「{}」的结束日期（{}）",
                    p.starts, prev.name, prev.ends_on
                ),
            ));
        }
        if let Some(next) = c.phases.get(seq + 1)
            && day(p.ends) > next.starts_on
        {
            return Err(StoreError::invalid(
                "phases",
                format!(
                    "结束日期（{}）不能晚于下一阶段「{}」的开始日期（{}）",
                    p.ends, next.name, next.starts_on
                ),
            ));
        }
        let criteria =
            serde_json::to_string(&p.criteria).map_err(|e| StoreError::Integrity(e.to_string()))?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "UPDATE campaign_phases SET starts_on = ?, ends_on = ?, criteria = ? WHERE campaign_id = ? AND seq = ?",
            vals![day(p.starts), day(p.ends), criteria.as_str(), campaign_id, seq as i32],
        )
        .await?;
        sql.exec(
            &txn,
            "UPDATE campaigns SET updated_at = ? WHERE id = ?",
            vals![now_ms(), campaign_id],
        )
        .await?;
        let detail = format!("{}：{} 至 {}，{}", old.name, p.starts, p.ends, criteria);
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "campaign.phase",
            &format!("campaign:{campaign_id}"),
            &detail,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Campaigns the actor may see, newest first.
    pub async fn campaigns(
        &self,
        actor: &Actor,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<CampaignSummary>, i64)> {
        let (w, mut v) = visible(actor);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM campaigns c WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!(
                    "SELECT c.id, c.name, c.template, u.name AS unit_name, c.status, c.created_at, \
                     (SELECT COUNT(*) FROM campaign_phases p WHERE p.campaign_id = c.id) AS phases, \
                     (SELECT MIN(p.starts_on) FROM campaign_phases p WHERE p.campaign_id = c.id) AS starts_on, \
                     (SELECT MAX(p.ends_on) FROM campaign_phases p WHERE p.campaign_id = c.id) AS ends_on \
                     FROM campaigns c JOIN units u ON u.id = c.unit_id WHERE {w} ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?"
                ),
                v,
            )
            .await?;
        let list = rows
            .iter()
            .map(|r| {
                Ok(CampaignSummary {
                    id: get(r, "id")?,
                    name: get(r, "name")?,
                    template: get(r, "template")?,
                    unit_name: get(r, "unit_name")?,
                    status: get(r, "status")?,
                    phases: get(r, "phases")?,
                    starts_on: get(r, "starts_on")?,
                    ends_on: get(r, "ends_on")?,
                    created_at: get(r, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((list, total))
    }

    /// The campaign with its phases if the actor may see it; `NotFound` otherwise.
    pub async fn campaign_in_scope(&self, actor: &Actor, id: &str) -> Result<Campaign> {
        let (w, mut v) = visible(actor);
        v.push(Value::from(id));
        let sql = Sql::of(&self.db);
        let r = sql
            .one(
                &self.db,
                &format!(
                    "SELECT c.id, c.name, c.template, c.unit_id, u.name AS unit_name, u.path AS unit_path, c.status, c.created_at \
                     FROM campaigns c JOIN units u ON u.id = c.unit_id WHERE {w} AND c.id = ?"
                ),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let phases = sql
            .all(&self.db, "SELECT seq, phase_key, name, starts_on, ends_on, criteria FROM campaign_phases WHERE campaign_id = ? ORDER BY seq", vals![id])
            .await?
            .iter()
            .map(phase_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Campaign {
            id: get(&r, "id")?,
            name: get(&r, "name")?,
            template: get(&r, "template")?,
            unit_id: get(&r, "unit_id")?,
            unit_name: get(&r, "unit_name")?,
            unit_path: get(&r, "unit_path")?,
            status: get(&r, "status")?,
            created_at: get(&r, "created_at")?,
            phases,
        })
    }

    /// A unit that is both in the campaign and in the actor's scope; `NotFound` otherwise.
    pub async fn campaign_unit(&self, actor: &Actor, c: &Campaign, unit_id: &str) -> Result<Unit> {
        let u = self.unit_in_scope(actor, unit_id).await?;
        if u.path.starts_with(&c.unit_path) {
            Ok(u)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// The unit's phase state and since when; the first phase since the campaign began when it never moved.
    async fn phase_state_in<C: ConnectionTrait>(
        &self,
        c: &C,
        campaign: &Campaign,
        unit_id: &str,
    ) -> Result<(PhaseState, i64)> {
        let r = Sql::of(c)
            .one(c, "SELECT phase_seq, completed, since FROM unit_phases WHERE campaign_id = ? AND unit_id = ?", vals![campaign.id.as_str(), unit_id])
            .await?;
        Ok(match r {
            Some(r) => (
                PhaseState {
                    phase: get::<i32>(&r, "phase_seq")?.max(0) as usize,
                    completed: get::<i32>(&r, "completed")? != 0,
                },
                get(&r, "since")?,
            ),
            None => (PhaseState::start(), campaign.created_at),
        })
    }

    /// Reads, for one unit, only the facts the phase's criteria ask about.
    pub async fn unit_facts(
        &self,
        campaign: &Campaign,
        unit_id: &str,
        seq: usize,
    ) -> Result<UnitFacts> {
        let mut f = UnitFacts::default();
        let Some(phase) = campaign.phases.get(seq) else {
            return Ok(f);
        };
        let k = &phase.criteria;
        if k.study_rate.is_some() {
            let (done, of) = self.study_completion(&campaign.id, unit_id).await?;
            f.study = Count::new(done, of);
        }
        if k.self_reports {
            let (done, of) = self.self_report_counts(&campaign.id, unit_id).await?;
            f.self_reports = Count::new(done, of);
        }
        if k.clues_disposed {
            f.overdue_clues = self.overdue_clues_of_unit(unit_id, today()).await?;
        }
        if k.rectification_accepted {
            let (done, of) = self.rectification_counts(&campaign.id, unit_id).await?;
            f.rectification = Count::new(done, of);
        }
        if k.tasks_accepted {
            f.tasks = self.phase_task_counts(&campaign.id, seq, unit_id).await?;
        }
        Ok(f)
    }

    /// The checklist of the phase a unit is in; empty once it completed them all.
    async fn checklist_for(
        &self,
        campaign: &Campaign,
        unit_id: &str,
        state: PhaseState,
    ) -> Result<(UnitFacts, Checklist)> {
        if state.completed {
            return Ok((UnitFacts::default(), Checklist::default()));
        }
        let facts = self.unit_facts(campaign, unit_id, state.phase).await?;
        let criteria = campaign
            .phases
            .get(state.phase)
            .map(|p| p.criteria)
            .unwrap_or_default();
        Ok((facts, evaluate(&criteria, &facts)))
    }

    /// Every unit of the campaign in the actor's scope, a page at a time, with its phase and what blocks it.
    pub async fn phase_board(
        &self,
        actor: &Actor,
        campaign: &Campaign,
        f: &BoardFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<BoardRow>, i64)> {
        let (scope, sv) = actor.scope_condition("u.id");
        let mut v = vals![campaign.id.as_str(), format!("{}%", campaign.unit_path)];
        v.extend(sv);
        let mut w = format!("u.path LIKE ? AND {scope}");
        if f.completed {
            w.push_str(" AND up.completed = 1");
        } else if let Some(p) = f.phase {
            // A unit without a row is in the first phase.
            w.push_str(if p == 0 {
                " AND COALESCE(up.phase_seq, 0) = ? AND COALESCE(up.completed, 0) = 0"
            } else {
                " AND up.phase_seq = ? AND up.completed = 0"
            });
            v.push(Value::from(p as i32));
        }
        let from =
            "FROM units u LEFT JOIN unit_phases up ON up.unit_id = u.id AND up.campaign_id = ?";
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) {from} WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(&self.db, &format!("SELECT u.id, u.code, u.name, u.path, up.phase_seq, up.completed, up.since {from} WHERE {w} ORDER BY u.path LIMIT ? OFFSET ?"), v)
            .await?;
        let t = day(today());
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let unit_id: String = get(r, "id")?;
            let path: String = get(r, "path")?;
            let state = match get::<Option<i32>>(r, "phase_seq")? {
                Some(p) => PhaseState {
                    phase: p.max(0) as usize,
                    completed: get::<Option<i32>>(r, "completed")?.unwrap_or(0) != 0,
                },
                None => PhaseState::start(),
            };
            let since = get::<Option<i64>>(r, "since")?.unwrap_or(campaign.created_at);
            let (_, checklist) = self.checklist_for(campaign, &unit_id, state).await?;
            let past_window = !state.completed
                && campaign
                    .phases
                    .get(state.phase)
                    .is_some_and(|p| p.ends_on < t);
            out.push(BoardRow {
                unit_code: get(r, "code")?,
                unit_name: get(r, "name")?,
                depth: path
                    .matches('/')
                    .count()
                    .saturating_sub(campaign.unit_path.matches('/').count()),
                phase_name: campaign.phase_name(state.phase).to_string(),
                unit_id,
                state,
                since,
                checklist,
                past_window,
            });
        }
        Ok((out, total))
    }

    /// How many units of the campaign in the actor's scope are in each phase, with the completed ones last.
    pub async fn phase_counts(&self, actor: &Actor, campaign: &Campaign) -> Result<Vec<i64>> {
        let (scope, sv) = actor.scope_condition("u.id");
        let mut v = vals![campaign.id.as_str(), format!("{}%", campaign.unit_path)];
        v.extend(sv);
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT COALESCE(up.phase_seq, 0) AS p, COALESCE(up.completed, 0) AS d, COUNT(*) AS n FROM units u \
                     LEFT JOIN unit_phases up ON up.unit_id = u.id AND up.campaign_id = ? WHERE u.path LIKE ? AND {scope} \
                     GROUP BY COALESCE(up.phase_seq, 0), COALESCE(up.completed, 0)"
                ),
                v,
            )
            .await?;
        let mut counts = vec![0i64; campaign.phases.len() + 1];
        let last = campaign.phases.len();
        for r in &rows {
            let p = r.try_get_by_index::<Option<i32>>(0)?.unwrap_or(0).max(0) as usize;
            let done = r.try_get_by_index::<Option<i32>>(1)?.unwrap_or(0) != 0;
            let n = r.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0);
            counts[if done {
                last
            } else {
                p.min(last.saturating_sub(1))
            }] += n;
        }
        Ok(counts)
    }

    /// One unit's page. `NotFound` when the unit is outside the campaign or the actor's scope.
    pub async fn unit_phase(
        &self,
        actor: &Actor,
        campaign: &Campaign,
        unit_id: &str,
    ) -> Result<UnitPhaseView> {
        let unit = self.campaign_unit(actor, campaign, unit_id).await?;
        let (state, since) = self.phase_state_in(&self.db, campaign, unit_id).await?;
        let (facts, checklist) = self.checklist_for(campaign, unit_id, state).await?;
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT action, from_seq, to_seq, completed, note, checklist, actor_name, created_at FROM unit_phase_events WHERE campaign_id = ? AND unit_id = ? ORDER BY created_at, id",
                vals![campaign.id.as_str(), unit_id],
            )
            .await?;
        let history = rows
            .iter()
            .map(|r| {
                Ok(PhaseEvent {
                    action: get(r, "action")?,
                    from_seq: get::<Option<i32>>(r, "from_seq")?.map(|s| s.max(0) as usize),
                    to_seq: get::<i32>(r, "to_seq")?.max(0) as usize,
                    completed: get::<i32>(r, "completed")? != 0,
                    note: get(r, "note")?,
                    checklist: serde_json::from_str(&get::<String>(r, "checklist")?)
                        .unwrap_or_default(),
                    actor_name: get(r, "actor_name")?,
                    created_at: get(r, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let past_window = !state.completed
            && campaign
                .phases
                .get(state.phase)
                .is_some_and(|p| p.ends_on < day(today()));
        Ok(UnitPhaseView {
            unit,
            state,
            since,
            facts,
            checklist,
            past_window,
            history,
        })
    }

    /// Moves a unit on, on an override, or back (返工): the state machine decides from the checklist read
    /// now; the new state, the history entry (with the checklist as it stood) and the audit row are written
    /// in one transaction. Returns the move with its explanation.
    pub async fn move_unit(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: &str,
        step: &PhaseStep,
    ) -> Result<PhaseMove> {
        let campaign = self.campaign_in_scope(actor, campaign_id).await?;
        let unit = self.campaign_unit(actor, &campaign, unit_id).await?;
        let (from, _) = self.phase_state_in(&self.db, &campaign, unit_id).await?;
        let (_, checklist) = self.checklist_for(&campaign, unit_id, from).await?;
        let action = match step {
            PhaseStep::Advance => PhaseAction::Advance(&checklist),
            PhaseStep::Override { reason } => PhaseAction::Override {
                checklist: &checklist,
                reason,
            },
            PhaseStep::Rework { to, reasons } => PhaseAction::Rework { to: *to, reasons },
        };
        let mv = next_phase(&campaign.phase_names(), from, &action)?;
        let checklist_json =
            serde_json::to_string(&checklist).map_err(|e| StoreError::Integrity(e.to_string()))?;
        let note = mv.because.join("\n");
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        // A unit that never moved has no row yet; write its starting state so the guarded update applies.
        sql.exec(
            &txn,
            "INSERT INTO unit_phases (id, campaign_id, unit_id, phase_seq, completed, since, updated_at) VALUES (?, ?, ?, 0, 0, ?, ?) ON CONFLICT (campaign_id, unit_id) DO NOTHING",
            vals![new_id(), campaign_id, unit_id, campaign.created_at, now],
        )
        .await?;
        // The old state in WHERE: two people moving the same unit at once cannot both succeed.
        let n = sql
            .exec(
                &txn,
                "UPDATE unit_phases SET phase_seq = ?, completed = ?, since = ?, updated_at = ? WHERE campaign_id = ? AND unit_id = ? AND phase_seq = ? AND completed = ?",
                vals![mv.to.phase as i32, flag(mv.to.completed), now, now, campaign_id, unit_id, from.phase as i32, flag(from.completed)],
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "本单位的阶段状态已被他人更新，请刷新后重试".into(),
            ));
        }
        sql.exec(
            &txn,
            "INSERT INTO unit_phase_events (id, campaign_id, unit_id, action, from_seq, to_seq, completed, note, checklist, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![
                new_id(), campaign_id, unit_id, action.code(), from.phase as i32, mv.to.phase as i32, flag(mv.to.completed), note.as_str(),
                checklist_json.as_str(), actor.user_id.as_str(), actor.display_name.as_str(), now
            ],
        )
        .await?;
        // The campaign is complete when every unit it covers has completed its last phase.
        let units = sql
            .scalar(
                &txn,
                "SELECT COUNT(*) FROM units WHERE path LIKE ?",
                vals![format!("{}%", campaign.unit_path)],
            )
            .await?;
        let done = sql
            .scalar(
                &txn,
                "SELECT COUNT(*) FROM unit_phases up JOIN units u ON u.id = up.unit_id WHERE up.campaign_id = ? AND up.completed = 1 AND u.path LIKE ?",
                vals![campaign_id, format!("{}%", campaign.unit_path)],
            )
            .await?;
        let status = if campaign_complete(units, done) {
            "completed"
        } else {
            "active"
        };
        sql.exec(
            &txn,
            "UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ?",
            vals![status, now, campaign_id],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            &format!("campaign.{}", action.code()),
            &format!("campaign:{campaign_id}/unit:{}", unit.code),
            &note,
        )
        .await?;
        txn.commit().await?;
        Ok(mv)
    }
}

async fn insert_phase<C: ConnectionTrait>(
    c: &C,
    campaign_id: &str,
    seq: usize,
    p: &PhaseSpec,
) -> Result<()> {
    let criteria =
        serde_json::to_string(&p.criteria).map_err(|e| StoreError::Integrity(e.to_string()))?;
    Sql::of(c)
        .exec(
            c,
            "INSERT INTO campaign_phases (id, campaign_id, seq, phase_key, name, starts_on, ends_on, criteria) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vals![new_id(), campaign_id, seq as i32, p.key.as_str(), p.name.as_str(), day(p.starts), day(p.ends), criteria],
        )
        .await?;
    Ok(())
}
