//! Clues: registration from every source, the life from registered to closed (one transition function in
//! `domain::clues`), time limits in working days, supervision, the timeline, scoped lists and the dashboard.

use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone};
use domain::calendar::WorkCalendar;
use domain::clues::{
    ClueAction, ClueSource, ClueState, Conclusion, DisposalMethod, Outcome, StepLimits,
};
use domain::tips::ProblemCategory;
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::{flag, get};
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// Asia/Shanghai has had no daylight saving since 1991: a fixed +08:00 is exact.
pub fn local_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

pub fn local_date(ms: i64) -> NaiveDate {
    local_offset()
        .timestamp_millis_opt(ms)
        .single()
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

pub fn today() -> NaiveDate {
    local_date(now_ms())
}

pub(crate) struct ClueSeed {
    pub source: ClueSource,
    pub category: ProblemCategory,
    pub unit_id: String,
    pub accused_name: Option<String>,
    pub accused_unit: Option<String>,
    pub accused_position: Option<String>,
    pub accused_officer_id: Option<String>,
    pub summary: String,
    pub tip_id: Option<String>,
    pub created_by: Option<String>,
    pub actor_name: String,
}

pub(crate) async fn insert_clue<C: ConnectionTrait>(
    store: &Store,
    c: &C,
    s: &ClueSeed,
    now: i64,
) -> Result<(String, String)> {
    let sql = Sql::of(c);
    let number = crate::tips::next_number(c, "XS", now).await?;
    let id = new_id();
    let cal = store.calendar_in(c).await?;
    let limits = store.step_limits_in(c).await?;
    let due = due_date(&cal, &limits, ClueState::Registered, now);
    sql.exec(
        c,
        "INSERT INTO clues (id, number, source, category, state, unit_id, accused_name, accused_unit, accused_position, accused_officer_id, summary, tip_id, supervised, state_since, due_date, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'registered', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        vals![
            id.as_str(), number.as_str(), s.source.as_str(), s.category.as_str(), s.unit_id.as_str(), s.accused_name.clone(),
            s.accused_unit.clone(), s.accused_position.clone(), s.accused_officer_id.clone(), s.summary.as_str(), s.tip_id.clone(),
            now, due, s.created_by.clone(), now, now
        ],
    )
    .await?;
    sql.exec(
        c,
        "INSERT INTO clue_events (id, clue_id, action, from_state, to_state, note, actor_id, actor_name, created_at) VALUES (?, ?, 'register', NULL, 'registered', ?, ?, ?, ?)",
        vals![new_id(), id.as_str(), format!("{}登记", s.source.label()), s.created_by.clone(), s.actor_name.as_str(), now],
    )
    .await?;
    Ok((id, number))
}

fn due_date(cal: &WorkCalendar, limits: &StepLimits, state: ClueState, now: i64) -> Option<String> {
    limits.limit_for(state).map(|days| {
        cal.add_workdays(local_date(now), days)
            .format("%Y-%m-%d")
            .to_string()
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Clue {
    pub id: String,
    pub number: String,
    pub source: String,
    pub category: String,
    pub state: String,
    pub unit_id: String,
    pub unit_name: String,
    pub accused_name: Option<String>,
    pub accused_unit: Option<String>,
    pub accused_position: Option<String>,
    pub summary: String,
    pub tip_id: Option<String>,
    pub disposal: Option<String>,
    pub conclusion: Option<String>,
    pub outcome: Option<String>,
    pub supervised: bool,
    pub supervise_note: Option<String>,
    pub state_since: i64,
    pub due_date: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub overdue: bool,
}

const CLUE_COLUMNS: &str = "c.id, c.number, c.source, c.category, c.state, c.unit_id, u.name AS unit_name, c.accused_name, c.accused_unit, c.accused_position, c.summary, c.tip_id, c.disposal, c.conclusion, c.outcome, c.supervised, c.supervise_note, c.state_since, c.due_date, c.created_at, c.closed_at";

fn clue_from(r: &QueryResult, today: &str) -> Result<Clue> {
    let state: String = get(r, "state")?;
    let due: Option<String> = get(r, "due_date")?;
    let overdue = state != "closed" && due.as_deref().is_some_and(|d| d < today);
    Ok(Clue {
        id: get(r, "id")?,
        number: get(r, "number")?,
        source: get(r, "source")?,
        category: get(r, "category")?,
        state,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        accused_name: get(r, "accused_name")?,
        accused_unit: get(r, "accused_unit")?,
        accused_position: get(r, "accused_position")?,
        summary: get(r, "summary")?,
        tip_id: get(r, "tip_id")?,
        disposal: get(r, "disposal")?,
        conclusion: get(r, "conclusion")?,
        outcome: get(r, "outcome")?,
        supervised: get::<i32>(r, "supervised")? != 0,
        supervise_note: get(r, "supervise_note")?,
        state_since: get(r, "state_since")?,
        due_date: due,
        created_at: get(r, "created_at")?,
        closed_at: get(r, "closed_at")?,
        overdue,
    })
}

#[derive(Debug, Clone, Default)]
pub struct ClueFilter {
    pub unit_id: Option<String>,
    pub category: Option<ProblemCategory>,
    pub source: Option<ClueSource>,
    pub state: Option<ClueState>,
    pub overdue: bool,
    pub supervised: bool,
    pub q: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClueEvent {
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
    pub actor_name: String,
    pub created_at: i64,
}

/// A registration by staff (every source but the public portal, which comes through `submit_tip`).
#[derive(Debug, Clone)]
pub struct NewClue {
    pub source: ClueSource,
    pub category: ProblemCategory,
    pub accused_name: Option<String>,
    pub accused_unit: Option<String>,
    pub accused_position: Option<String>,
    pub accused_badge: Option<String>,
    pub summary: String,
}

/// One step of a clue's life as a person asks for it.
#[derive(Debug, Clone)]
pub enum StepInput {
    Assign { unit_id: String },
    Dispose { method: DisposalMethod },
    Verify,
    Conclude { conclusion: Conclusion },
    Handle { outcome: Outcome },
    Close { feedback: String },
}

impl StepInput {
    fn action(&self) -> ClueAction {
        match self {
            StepInput::Assign { .. } => ClueAction::Assign,
            StepInput::Dispose { method } => ClueAction::ChooseDisposal(*method),
            StepInput::Verify => ClueAction::RecordVerification,
            StepInput::Conclude { conclusion } => ClueAction::Conclude(*conclusion),
            StepInput::Handle { outcome } => ClueAction::Handle(*outcome),
            StepInput::Close { .. } => ClueAction::Close,
        }
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Dashboard {
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub supervised: i64,
    pub tips_total: i64,
    pub by_state: Vec<(String, i64)>,
    pub by_category: Vec<(String, i64)>,
    pub by_source: Vec<(String, i64)>,
    pub by_unit: Vec<(String, i64)>,
    pub by_form: Vec<(String, i64)>,
    pub by_month: Vec<(String, i64)>,
}

impl Store {
    pub(crate) async fn calendar_in<C: ConnectionTrait>(&self, c: &C) -> Result<WorkCalendar> {
        let rows = Sql::of(c)
            .all(c, "SELECT day, workday FROM calendar_days", vals![])
            .await?;
        let mut holidays = Vec::new();
        let mut workdays = Vec::new();
        for r in rows {
            let day: String = get(&r, "day")?;
            if let Ok(d) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
                if get::<i32>(&r, "workday")? != 0 {
                    workdays.push(d)
                } else {
                    holidays.push(d)
                }
            }
        }
        Ok(WorkCalendar::china().with_overrides(holidays, workdays))
    }

    pub async fn calendar(&self) -> Result<WorkCalendar> {
        self.calendar_in(&self.db).await
    }

    pub(crate) async fn step_limits_in<C: ConnectionTrait>(&self, c: &C) -> Result<StepLimits> {
        let r = Sql::of(c)
            .one(
                c,
                "SELECT value FROM settings WHERE key = 'clue_step_limits'",
                vals![],
            )
            .await?;
        Ok(match r {
            Some(r) => serde_json::from_str(&get::<String>(&r, "value")?).unwrap_or_default(),
            None => StepLimits::default(),
        })
    }

    pub async fn step_limits(&self) -> Result<StepLimits> {
        self.step_limits_in(&self.db).await
    }

    pub async fn set_step_limits(&self, actor: &Actor, limits: &StepLimits) -> Result<()> {
        let json =
            serde_json::to_string(limits).map_err(|e| StoreError::Integrity(e.to_string()))?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM settings WHERE key = 'clue_step_limits'",
            vals![],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO settings (key, value) VALUES ('clue_step_limits', ?)",
            vals![json.as_str()],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "settings.clue_limits",
            "settings",
            &json,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Adds or changes one day of the working calendar (a holiday, or a make-up working day).
    pub async fn set_calendar_day(
        &self,
        actor: &Actor,
        day: NaiveDate,
        workday: bool,
        note: &str,
    ) -> Result<()> {
        let d = day.format("%Y-%m-%d").to_string();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM calendar_days WHERE day = ?",
            vals![d.as_str()],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO calendar_days (day, workday, note) VALUES (?, ?, ?)",
            vals![d.as_str(), flag(workday), note],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "settings.calendar",
            &d,
            if workday { "workday" } else { "holiday" },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The days the admin added to or changed in the built-in calendar: (date, workday, note).
    pub async fn calendar_days(&self) -> Result<Vec<(String, bool, String)>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT day, workday, note FROM calendar_days ORDER BY day",
                vals![],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    get(r, "day")?,
                    get::<i32>(r, "workday")? != 0,
                    get(r, "note")?,
                ))
            })
            .collect()
    }

    fn where_for(&self, actor: &Actor, f: &ClueFilter) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("c.unit_id");
        let mut w = vec![scope];
        // An officer is never shown a clue about themself, whatever their role.
        if let Some(oid) = &actor.officer_id {
            w.push("(c.accused_officer_id IS NULL OR c.accused_officer_id <> ?)".into());
            v.push(Value::from(oid.as_str()));
        }
        if let Some(u) = &f.unit_id {
            w.push("c.unit_id = ?".into());
            v.push(Value::from(u.as_str()));
        }
        if let Some(cat) = f.category {
            w.push("c.category = ?".into());
            v.push(Value::from(cat.as_str()));
        }
        if let Some(s) = f.source {
            w.push("c.source = ?".into());
            v.push(Value::from(s.as_str()));
        }
        if let Some(s) = f.state {
            w.push("c.state = ?".into());
            v.push(Value::from(s.as_str()));
        }
        if f.overdue {
            w.push("c.state <> 'closed' AND c.due_date < ?".into());
            v.push(Value::from(today().format("%Y-%m-%d").to_string()));
        }
        if f.supervised {
            w.push("c.supervised = 1".into());
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            w.push("(c.number LIKE ? OR c.accused_name LIKE ? OR c.accused_unit LIKE ?)".into());
            let like = format!("%{}%", q.replace('%', "").replace('_', ""));
            v.extend([
                Value::from(like.clone()),
                Value::from(like.clone()),
                Value::from(like),
            ]);
        }
        (w.join(" AND "), v)
    }

    pub async fn clues(
        &self,
        actor: &Actor,
        f: &ClueFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Clue>, i64)> {
        let (w, mut v) = self.where_for(actor, f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM clues c WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(&self.db, &format!("SELECT {CLUE_COLUMNS} FROM clues c JOIN units u ON u.id = c.unit_id WHERE {w} ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?"), v)
            .await?;
        let t = today().format("%Y-%m-%d").to_string();
        Ok((
            rows.iter()
                .map(|r| clue_from(r, &t))
                .collect::<Result<_>>()?,
            total,
        ))
    }

    /// One page of matching clues after `after` (by id), for exports that walk everything without holding it.
    pub async fn clues_after(
        &self,
        actor: &Actor,
        f: &ClueFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<Clue>> {
        let (w, mut v) = self.where_for(actor, f);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(&self.db, &format!("SELECT {CLUE_COLUMNS} FROM clues c JOIN units u ON u.id = c.unit_id WHERE {w} AND c.id > ? ORDER BY c.id LIMIT ?"), v)
            .await?;
        let t = today().format("%Y-%m-%d").to_string();
        rows.iter().map(|r| clue_from(r, &t)).collect()
    }

    /// The clue if the actor may see it; `NotFound` otherwise (outside scope looks the same as absent).
    pub async fn clue_in_scope(&self, actor: &Actor, id: &str) -> Result<Clue> {
        let (w, mut v) = self.where_for(actor, &ClueFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(&self.db, &format!("SELECT {CLUE_COLUMNS} FROM clues c JOIN units u ON u.id = c.unit_id WHERE {w} AND c.id = ?"), v)
            .await?
            .ok_or(StoreError::NotFound)?;
        clue_from(&r, &today().format("%Y-%m-%d").to_string())
    }

    pub async fn clue_events(&self, actor: &Actor, id: &str) -> Result<Vec<ClueEvent>> {
        self.clue_in_scope(actor, id).await?;
        let rows = Sql::of(&self.db)
            .all(&self.db, "SELECT action, from_state, to_state, note, actor_name, created_at FROM clue_events WHERE clue_id = ? ORDER BY created_at, id", vals![id])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ClueEvent {
                    action: get(r, "action")?,
                    from_state: get(r, "from_state")?,
                    to_state: get(r, "to_state")?,
                    note: get(r, "note")?,
                    actor_name: get(r, "actor_name")?,
                    created_at: get(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Registers a clue from a non-public source, owned by the actor's unit.
    pub async fn register_clue(&self, actor: &Actor, n: &NewClue) -> Result<(String, String)> {
        if n.source == ClueSource::PublicTip {
            return Err(StoreError::invalid(
                "source",
                "群众举报只能通过举报平台提交",
            ));
        }
        let summary = domain::org::clean_text(&n.summary, "summary", "线索摘要", 5, 5000)?;
        let accused_officer_id = match n
            .accused_badge
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            Some(b) => Some(get::<String>(
                &Sql::of(&self.db)
                    .one(
                        &self.db,
                        "SELECT id FROM officers WHERE badge = ?",
                        vals![b],
                    )
                    .await?
                    .ok_or_else(|| {
                        StoreError::invalid("accused_badge", format!("警号「{b}」不在花名册中"))
                    })?,
                "id",
            )?),
            None => None,
        };
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let now = now_ms();
        let seed = ClueSeed {
            source: n.source,
            category: n.category,
            unit_id: actor.unit_id.clone(),
            accused_name: n.accused_name.clone(),
            accused_unit: n.accused_unit.clone(),
            accused_position: n.accused_position.clone(),
            accused_officer_id,
            summary,
            tip_id: None,
            created_by: Some(actor.user_id.clone()),
            actor_name: actor.display_name.clone(),
        };
        let (id, number) = insert_clue(self, &txn, &seed, now).await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "clue.register",
            &format!("clue:{number}"),
            n.source.as_str(),
        )
        .await?;
        txn.commit().await?;
        Ok((id, number))
    }

    /// Takes one step of the clue's life: checks it in the state machine, writes the new state, the
    /// timeline entry, any message to the reporter and the audit row in one transaction.
    pub async fn clue_step(
        &self,
        actor: &Actor,
        id: &str,
        step: &StepInput,
        note: &str,
    ) -> Result<ClueState> {
        let note =
            domain::org::clean_optional(Some(note), "note", "办理意见", 5000)?.unwrap_or_default();
        let clue = self.clue_in_scope(actor, id).await?;
        let from = ClueState::parse(&clue.state)?;
        let action = step.action();
        let to = domain::clues::next(from, &action)?;
        let mut sets: Vec<(&str, Value)> = Vec::new();
        let mut desc = action.label().to_string();
        let mut feedback = None;
        match step {
            StepInput::Assign { unit_id } => {
                let unit = self
                    .unit_in_scope(actor, unit_id)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => {
                            StoreError::invalid("unit_id", "请选择本人权限范围内的承办单位")
                        }
                        other => other,
                    })?;
                sets.push(("unit_id", Value::from(unit.id.clone())));
                desc = format!("分办至{}", unit.name);
            }
            StepInput::Dispose { method } => {
                sets.push(("disposal", Value::from(method.as_str())));
                desc = format!("处置方式：{}", method.label());
            }
            StepInput::Verify => {
                if note.chars().count() < 5 {
                    return Err(StoreError::invalid("note", "请填写核查情况（不少于5个字）"));
                }
            }
            StepInput::Conclude { conclusion } => {
                sets.push(("conclusion", Value::from(conclusion.as_str())));
                desc = format!("认定：{}", conclusion.label());
            }
            StepInput::Handle { outcome } => {
                let conclusion = clue
                    .conclusion
                    .as_deref()
                    .map(Conclusion::parse)
                    .transpose()?
                    .ok_or_else(|| StoreError::invalid("outcome", "尚未认定"))?;
                domain::clues::check_outcome(conclusion, *outcome)?;
                sets.push(("outcome", Value::from(outcome.as_str())));
                desc = format!("处理：{}", outcome.label());
            }
            StepInput::Close { feedback: fb } => {
                if clue.tip_id.is_some() {
                    let fb =
                        domain::org::clean_text(fb, "feedback", "向举报人反馈的办理结果", 5, 5000)?;
                    feedback = Some(fb);
                }
            }
        }
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let cal = self.calendar_in(&txn).await?;
        let limits = self.step_limits_in(&txn).await?;
        let due = due_date(&cal, &limits, to, now);
        let mut set_sql = String::from("state = ?, state_since = ?, due_date = ?, updated_at = ?");
        let mut v = vals![to.as_str(), now, due, now];
        for (col, val) in sets {
            set_sql.push_str(&format!(", {col} = ?"));
            v.push(val);
        }
        if to == ClueState::Closed {
            set_sql.push_str(", closed_at = ?");
            v.push(Value::from(now));
        }
        v.push(Value::from(id));
        v.push(Value::from(from.as_str()));
        // The state in WHERE makes a concurrent second step fail instead of applying twice.
        let n = sql
            .exec(
                &txn,
                &format!("UPDATE clues SET {set_sql} WHERE id = ? AND state = ?"),
                v,
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "线索状态已被他人更新，请刷新后重试".into(),
            ));
        }
        let full_note = if note.is_empty() {
            desc.clone()
        } else {
            format!("{desc}。{note}")
        };
        sql.exec(
            &txn,
            "INSERT INTO clue_events (id, clue_id, action, from_state, to_state, note, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![new_id(), id, action_code(&action), from.as_str(), to.as_str(), full_note.as_str(), actor.user_id.as_str(), actor.display_name.as_str(), now],
        )
        .await?;
        if let (Some(fb), Some(tip_id)) = (&feedback, &clue.tip_id) {
            self.handler_message_in(&txn, tip_id, "feedback", fb, actor)
                .await?;
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            &format!("clue.{}", action_code(&action)),
            &format!("clue:{}", clue.number),
            &desc,
        )
        .await?;
        txn.commit().await?;
        Ok(to)
    }

    /// Puts a clue under the office's supervision (督办) or lifts it.
    pub async fn supervise_clue(
        &self,
        actor: &Actor,
        id: &str,
        on: bool,
        note: &str,
    ) -> Result<()> {
        let note = domain::org::clean_optional(Some(note), "note", "督办要求", 1000)?;
        if on && note.is_none() {
            return Err(StoreError::invalid("note", "请填写督办要求"));
        }
        let clue = self.clue_in_scope(actor, id).await?;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "UPDATE clues SET supervised = ?, supervise_note = ?, updated_at = ? WHERE id = ?",
            vals![flag(on), note.clone(), now, id],
        )
        .await?;
        let text = if on {
            format!("列为督办：{}", note.clone().unwrap_or_default())
        } else {
            "解除督办".to_string()
        };
        sql.exec(
            &txn,
            "INSERT INTO clue_events (id, clue_id, action, from_state, to_state, note, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![new_id(), id, if on { "supervise" } else { "unsupervise" }, clue.state.as_str(), clue.state.as_str(), text.as_str(), actor.user_id.as_str(), actor.display_name.as_str(), now],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            if on {
                "clue.supervise"
            } else {
                "clue.unsupervise"
            },
            &format!("clue:{}", clue.number),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard> {
        let (w, v) = self.where_for(actor, &ClueFilter::default());
        let sql = Sql::of(&self.db);
        let db = &self.db;
        let group = |col: &'static str| {
            let w = w.clone();
            let v = v.clone();
            async move {
                let rows = sql.all(db, &format!("SELECT {col} AS k, COUNT(*) AS n FROM clues c WHERE {w} GROUP BY {col} ORDER BY n DESC"), v).await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            get::<Option<String>>(r, "k")?.unwrap_or_default(),
                            get::<i64>(r, "n")?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()
            }
        };
        let by_state = group("c.state").await?;
        let by_category = group("c.category").await?;
        let by_source = group("c.source").await?;
        let outcomes = group("c.outcome").await?;
        let total: i64 = by_state.iter().map(|x| x.1).sum();
        let closed = by_state
            .iter()
            .find(|x| x.0 == "closed")
            .map(|x| x.1)
            .unwrap_or(0);
        let t = today().format("%Y-%m-%d").to_string();
        let mut vo = v.clone();
        vo.push(Value::from(t.as_str()));
        let overdue = sql.scalar(db, &format!("SELECT COUNT(*) FROM clues c WHERE {w} AND c.state <> 'closed' AND c.due_date < ?"), vo).await?;
        let supervised = sql
            .scalar(
                db,
                &format!("SELECT COUNT(*) FROM clues c WHERE {w} AND c.supervised = 1"),
                v.clone(),
            )
            .await?;
        let rows = sql
            .all(db, &format!("SELECT u.name AS k, COUNT(*) AS n FROM clues c JOIN units u ON u.id = c.unit_id WHERE {w} GROUP BY u.name ORDER BY n DESC LIMIT 12"), v.clone())
            .await?;
        let by_unit = rows
            .iter()
            .map(|r| Ok((get::<String>(r, "k")?, get::<i64>(r, "n")?)))
            .collect::<Result<Vec<_>>>()?;
        let mut forms = [0i64; 4];
        for (o, n) in &outcomes {
            if let Some(f) = Outcome::parse(o).ok().and_then(|o| o.form()) {
                forms[(f as usize).clamp(1, 4) - 1] += n;
            }
        }
        let by_form = ["第一种形态", "第二种形态", "第三种形态", "第四种形态"]
            .iter()
            .zip(forms)
            .map(|(l, n)| (l.to_string(), n))
            .collect();
        // Registrations per month over the last 12 months (local time), counted by the database.
        let mut bounds = Vec::new();
        let first = today().with_day(1).unwrap_or_else(today);
        let mut m = first;
        for _ in 0..12 {
            bounds.push(m);
            m = (m - chrono::Days::new(1)).with_day(1).unwrap_or(m);
        }
        bounds.reverse();
        let to_ms = |d: NaiveDate| {
            local_offset()
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .single()
                .map(|t| t.timestamp_millis())
                .unwrap_or(0)
        };
        let mut cols = Vec::new();
        let mut vm = Vec::new();
        for (i, start) in bounds.iter().enumerate() {
            let end = bounds.get(i + 1).map(|d| to_ms(*d)).unwrap_or(i64::MAX);
            cols.push(format!("COALESCE(SUM(CASE WHEN c.created_at >= ? AND c.created_at < ? THEN 1 ELSE 0 END), 0) AS m{i}"));
            vm.push(Value::from(to_ms(*start)));
            vm.push(Value::from(end));
        }
        vm.extend(v.iter().cloned());
        vm.push(Value::from(to_ms(bounds[0])));
        let r = sql
            .one(
                db,
                &format!(
                    "SELECT {} FROM clues c WHERE {w} AND c.created_at >= ?",
                    cols.join(", ")
                ),
                vm,
            )
            .await?;
        let mut by_month = Vec::new();
        for (i, start) in bounds.iter().enumerate() {
            let n = match &r {
                Some(r) => r.try_get_by_index::<Option<i64>>(i)?.unwrap_or(0),
                None => 0,
            };
            by_month.push((start.format("%Y-%m").to_string(), n));
        }
        let tips_total = self.count_tips().await?;
        Ok(Dashboard {
            total,
            open: total - closed,
            overdue,
            supervised,
            tips_total,
            by_state,
            by_category,
            by_source,
            by_unit,
            by_form,
            by_month,
        })
    }

    pub async fn count_clues(&self) -> Result<i64> {
        Sql::of(&self.db)
            .scalar(&self.db, "SELECT COUNT(*) FROM clues", vals![])
            .await
    }
}

pub fn action_code(a: &ClueAction) -> &'static str {
    match a {
        ClueAction::Assign => "assign",
        ClueAction::ChooseDisposal(_) => "dispose",
        ClueAction::RecordVerification => "verify",
        ClueAction::Conclude(_) => "conclude",
        ClueAction::Handle(_) => "handle",
        ClueAction::Close => "close",
    }
}

impl Store {
    /// Open clues handled by `unit_id` whose current step was due before `today`: what the campaign's
    /// "no clue undisposed past its limit" exit criterion counts.
    pub async fn overdue_clues_of_unit(&self, unit_id: &str, today: NaiveDate) -> Result<i64> {
        Sql::of(&self.db)
            .scalar(
                &self.db,
                "SELECT COUNT(*) FROM clues WHERE unit_id = ? AND state <> 'closed' AND due_date < ?",
                vals![unit_id, today.format("%Y-%m-%d").to_string()],
            )
            .await
    }
}

/// A clue concluded 属实 or 部分属实 that names an officer on the roster: what the self-check module
/// registers a finding (组织查处) from.
#[derive(Debug, Clone, Serialize)]
pub struct ConcludedClue {
    pub id: String,
    pub number: String,
    pub category: String,
    pub conclusion: String,
    pub unit_id: String,
    pub unit_name: String,
    pub accused_officer_id: String,
    pub accused_name: Option<String>,
    pub summary: String,
    pub created_at: i64,
}

const CONCLUDED_CONDITION: &str = "c.state IN ('concluded', 'handled', 'closed') AND c.conclusion IN ('true', 'partly_true') AND c.accused_officer_id IS NOT NULL";
const CONCLUDED_COLUMNS: &str = "c.id, c.number, c.category, c.conclusion, c.unit_id, u.name AS unit_name, c.accused_officer_id, c.accused_name, c.summary, c.created_at";

fn concluded_from(r: &QueryResult) -> Result<ConcludedClue> {
    Ok(ConcludedClue {
        id: get(r, "id")?,
        number: get(r, "number")?,
        category: get(r, "category")?,
        conclusion: get(r, "conclusion")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        accused_officer_id: get(r, "accused_officer_id")?,
        accused_name: get(r, "accused_name")?,
        summary: get(r, "summary")?,
        created_at: get(r, "created_at")?,
    })
}

impl Store {
    /// Concluded clues (属实/部分属实) in the actor's scope that name an officer, newest first.
    pub async fn concluded_clues_naming_officers(
        &self,
        actor: &Actor,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<ConcludedClue>, i64)> {
        let (w, mut v) = self.where_for(actor, &ClueFilter::default());
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM clues c WHERE {w} AND {CONCLUDED_CONDITION}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(&self.db, &format!("SELECT {CONCLUDED_COLUMNS} FROM clues c JOIN units u ON u.id = c.unit_id WHERE {w} AND {CONCLUDED_CONDITION} ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?"), v)
            .await?;
        Ok((
            rows.iter().map(concluded_from).collect::<Result<_>>()?,
            total,
        ))
    }

    /// One such clue if the actor may see it; `NotFound` if it is outside scope, absent, not concluded
    /// as true or partly true, or names no officer.
    pub async fn concluded_clue_in_scope(&self, actor: &Actor, id: &str) -> Result<ConcludedClue> {
        let (w, mut v) = self.where_for(actor, &ClueFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(&self.db, &format!("SELECT {CONCLUDED_COLUMNS} FROM clues c JOIN units u ON u.id = c.unit_id WHERE {w} AND {CONCLUDED_CONDITION} AND c.id = ?"), v)
            .await?
            .ok_or(StoreError::NotFound)?;
        concluded_from(&r)
    }
}
