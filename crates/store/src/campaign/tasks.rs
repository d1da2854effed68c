//! Tasks (工作任务): issued by a unit to units below it (the office to any unit), each target unit's copy
//! moving through `domain::campaign::next_task`, progress reports with evidence files, chasing, returning,
//! accepting, the history of every copy, and the deadline scan that reminds and escalates.
//!
//! Evidence files are written under `DATA/task_files/<target>/<file>` with server-made names before the
//! transaction that records them; if the transaction fails they are removed again.

use std::path::PathBuf;

use chrono::NaiveDate;
use domain::campaign::{
    Count, TaskAction, TaskNotice, TaskState, ValidTask, may_issue_to, next_task, task_notice,
    task_overdue,
};
use domain::tips::AttachmentKind;
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::{AuditActor, append};
use crate::clues::today;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// At most this many evidence files in one report.
pub const MAX_EVIDENCE_FILES: usize = 5;

#[derive(Debug, Clone)]
pub struct NewTask {
    pub task: ValidTask,
    /// Optionally tied to a phase of a campaign: its acceptance then counts in that phase's checklist.
    pub campaign_id: Option<String>,
    pub phase_seq: Option<usize>,
    pub unit_ids: Vec<String>,
}

/// One evidence file as uploaded; its type has been checked by content.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub name: String,
    pub kind: AttachmentKind,
    pub bytes: Vec<u8>,
}

/// Which copies a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskTab {
    /// Sent to the actor's own unit.
    #[default]
    Todo,
    /// Issued by the actor's own unit.
    Issued,
    /// Everything the actor may see: sent to or issued by a unit in scope.
    All,
}

impl TaskTab {
    pub fn parse(s: &str) -> TaskTab {
        match s {
            "issued" => TaskTab::Issued,
            "all" => TaskTab::All,
            _ => TaskTab::Todo,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskTab::Todo => "todo",
            TaskTab::Issued => "issued",
            TaskTab::All => "all",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub tab: TaskTab,
    pub state: Option<TaskState>,
    pub overdue: bool,
    pub campaign_id: Option<String>,
    pub q: Option<String>,
}

/// One unit's copy of a task, as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub target_id: String,
    pub task_id: String,
    pub number: String,
    pub title: String,
    pub campaign_name: Option<String>,
    pub phase_seq: Option<usize>,
    pub unit_id: String,
    pub unit_name: String,
    pub issuer_unit_name: String,
    pub deadline: String,
    pub leader: String,
    pub owner: String,
    pub state: TaskState,
    pub chased: i64,
    pub last_progress: Option<String>,
    pub updated_at: i64,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskFile {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskEvent {
    pub id: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
    pub actor_name: String,
    pub created_at: i64,
    pub files: Vec<TaskFile>,
}

/// One target of a task with its history, and what the viewer may do to it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    pub row: TaskRow,
    pub events: Vec<TaskEvent>,
    /// The viewer's scope covers the issuing unit (may chase, return, accept).
    pub as_issuer: bool,
    /// The viewer's scope covers this target unit (may report).
    pub as_target: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskDetail {
    pub id: String,
    pub number: String,
    pub title: String,
    pub body: String,
    pub deadline: String,
    pub leader: String,
    pub owner: String,
    pub campaign_id: Option<String>,
    pub campaign_name: Option<String>,
    pub phase_name: Option<String>,
    pub issuer_unit_name: String,
    pub issuer_name: String,
    pub created_at: i64,
    pub targets: Vec<TargetView>,
}

const ROW_COLUMNS: &str = "t.id AS target_id, k.id AS task_id, k.number, k.title, cp.name AS campaign_name, k.phase_seq, t.unit_id, u.name AS unit_name, iu.name AS issuer_unit_name, k.deadline, k.leader, k.owner, t.state, t.chased, t.last_progress, t.updated_at";
const ROW_FROM: &str = "FROM task_targets t JOIN tasks k ON k.id = t.task_id JOIN units u ON u.id = t.unit_id JOIN units iu ON iu.id = k.issuer_unit_id LEFT JOIN campaigns cp ON cp.id = k.campaign_id";

fn row_from(r: &QueryResult, t: NaiveDate) -> Result<TaskRow> {
    let state = TaskState::parse(&get::<String>(r, "state")?)?;
    let deadline: String = get(r, "deadline")?;
    let overdue =
        NaiveDate::parse_from_str(&deadline, "%Y-%m-%d").is_ok_and(|d| task_overdue(state, d, t));
    Ok(TaskRow {
        target_id: get(r, "target_id")?,
        task_id: get(r, "task_id")?,
        number: get(r, "number")?,
        title: get(r, "title")?,
        campaign_name: get(r, "campaign_name")?,
        phase_seq: get::<Option<i32>>(r, "phase_seq")?.map(|s| s.max(0) as usize),
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        issuer_unit_name: get(r, "issuer_unit_name")?,
        deadline,
        leader: get(r, "leader")?,
        owner: get(r, "owner")?,
        state,
        chased: i64::from(get::<i32>(r, "chased")?),
        last_progress: get(r, "last_progress")?,
        updated_at: get(r, "updated_at")?,
        overdue,
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    fn task_where(&self, actor: &Actor, f: &TaskFilter) -> (String, Vec<Value>) {
        let (w, mut v) = match f.tab {
            TaskTab::Todo => ("t.unit_id = ?".to_string(), vals![actor.unit_id.as_str()]),
            TaskTab::Issued => (
                "k.issuer_unit_id = ?".to_string(),
                vals![actor.unit_id.as_str()],
            ),
            TaskTab::All => {
                let (a, mut v) = actor.scope_condition("t.unit_id");
                let (b, vb) = actor.scope_condition("k.issuer_unit_id");
                v.extend(vb);
                (format!("({a} OR {b})"), v)
            }
        };
        let mut w = vec![w];
        if let Some(s) = f.state {
            w.push("t.state = ?".into());
            v.push(Value::from(s.as_str()));
        }
        if f.overdue {
            w.push("t.state IN ('issued', 'in_progress', 'returned') AND k.deadline < ?".into());
            v.push(Value::from(day(today())));
        }
        if let Some(c) = &f.campaign_id {
            w.push("k.campaign_id = ?".into());
            v.push(Value::from(c.as_str()));
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            w.push("(k.number LIKE ? OR k.title LIKE ?)".into());
            let like = format!("%{}%", q.replace(['%', '_'], ""));
            v.extend([Value::from(like.clone()), Value::from(like)]);
        }
        (w.join(" AND "), v)
    }

    /// One page of task copies, nearest deadline first.
    pub async fn tasks(
        &self,
        actor: &Actor,
        f: &TaskFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TaskRow>, i64)> {
        let (w, mut v) = self.task_where(actor, f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) {ROW_FROM} WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql.all(&self.db, &format!("SELECT {ROW_COLUMNS} {ROW_FROM} WHERE {w} ORDER BY k.deadline, k.number, u.path LIMIT ? OFFSET ?"), v).await?;
        let t = today();
        Ok((
            rows.iter().map(|r| row_from(r, t)).collect::<Result<_>>()?,
            total,
        ))
    }

    /// The page of matching copies after `after` (by id), for exports that walk everything.
    pub async fn tasks_after(
        &self,
        actor: &Actor,
        f: &TaskFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<TaskRow>> {
        let (w, mut v) = self.task_where(actor, f);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT {ROW_COLUMNS} {ROW_FROM} WHERE {w} AND t.id > ? ORDER BY t.id LIMIT ?"
                ),
                v,
            )
            .await?;
        let t = today();
        rows.iter().map(|r| row_from(r, t)).collect()
    }

    /// Sends a task to units: each must be in the actor's scope and, unless the actor is the campaign
    /// office, below the actor's own unit. Returns (id, number).
    pub async fn issue_task(&self, actor: &Actor, n: &NewTask) -> Result<(String, String)> {
        let office = actor.role == domain::org::Role::CampaignOffice;
        let mut units = Vec::new();
        for id in &n.unit_ids {
            let u = match self.unit_in_scope(actor, id).await {
                Ok(u) => u,
                Err(StoreError::NotFound) => {
                    return Err(StoreError::invalid("units", "所选单位不在您的权限范围内"));
                }
                Err(e) => return Err(e),
            };
            if !may_issue_to(office, &actor.unit_path, &u.path, true) {
                return Err(StoreError::invalid(
                    "units",
                    format!(
                        "只能向本单位的下级单位下发任务（「{}」不是下级单位）",
                        u.name
                    ),
                ));
            }
            if !units.iter().any(|x: &crate::org::Unit| x.id == u.id) {
                units.push(u);
            }
        }
        if units.is_empty() {
            return Err(StoreError::invalid("units", "请至少选择一个下发单位"));
        }
        let mut phase_seq = None;
        if let Some(cid) = &n.campaign_id {
            let c = self
                .campaign_in_scope(actor, cid)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => StoreError::invalid("phase", "所选整顿活动不存在"),
                    other => other,
                })?;
            let seq = n
                .phase_seq
                .ok_or_else(|| StoreError::invalid("phase", "请选择任务所属阶段"))?;
            if seq >= c.phases.len() {
                return Err(StoreError::invalid("phase", "所选阶段不存在"));
            }
            if let Some(u) = units.iter().find(|u| !u.path.starts_with(&c.unit_path)) {
                return Err(StoreError::invalid(
                    "units",
                    format!("「{}」不在整顿活动「{}」的范围内", u.name, c.name),
                ));
            }
            phase_seq = Some(seq as i32);
        }
        let t = &n.task;
        let id = new_id();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let number = crate::tips::next_number(&txn, "RW", now).await?;
        sql.exec(
            &txn,
            "INSERT INTO tasks (id, number, campaign_id, phase_seq, title, body, deadline, leader, owner, issuer_unit_id, issued_by, issuer_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![
                id.as_str(), number.as_str(), n.campaign_id.clone(), phase_seq, t.title.as_str(), t.body.as_str(), day(t.deadline), t.leader.as_str(),
                t.owner.as_str(), actor.unit_id.as_str(), actor.user_id.as_str(), actor.display_name.as_str(), now
            ],
        )
        .await?;
        for u in &units {
            let target = new_id();
            sql.exec(
                &txn,
                "INSERT INTO task_targets (id, task_id, unit_id, state, chased, updated_at) VALUES (?, ?, ?, 'issued', 0, ?)",
                vals![target.as_str(), id.as_str(), u.id.as_str(), now],
            )
            .await?;
            let note = format!("{}下发，完成时限 {}", actor.unit_name, t.deadline);
            insert_event(
                &sql,
                &txn,
                &target,
                "issue",
                None,
                TaskState::Issued,
                &note,
                actor,
                now,
            )
            .await?;
        }
        let names = units
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join("、");
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "task.issue",
            &format!("task:{number}"),
            &format!("to {names}"),
        )
        .await?;
        txn.commit().await?;
        Ok((id, number))
    }

    /// The task with the copies the actor may see (all of them for the issuing side), each with its
    /// history. `NotFound` when the actor may see no copy.
    pub async fn task_in_scope(&self, actor: &Actor, task_id: &str) -> Result<TaskDetail> {
        let sql = Sql::of(&self.db);
        let r = sql
            .one(
                &self.db,
                "SELECT k.id, k.number, k.title, k.body, k.deadline, k.leader, k.owner, k.campaign_id, k.phase_seq, k.issuer_unit_id, iu.name AS issuer_unit_name, iu.path AS issuer_path, k.issuer_name, k.created_at FROM tasks k JOIN units iu ON iu.id = k.issuer_unit_id WHERE k.id = ?",
                vals![task_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let as_issuer = actor.covers_path(&get::<String>(&r, "issuer_path")?);
        let mut targets = Vec::new();
        let t = today();
        let rows = sql.all(&self.db, &format!("SELECT {ROW_COLUMNS}, u.path AS unit_path {ROW_FROM} WHERE k.id = ? ORDER BY u.path"), vals![task_id]).await?;
        for row in &rows {
            let as_target = actor.covers_path(&get::<String>(row, "unit_path")?);
            if !as_issuer && !as_target {
                continue;
            }
            let tr = row_from(row, t)?;
            let events = self.task_events(&tr.target_id).await?;
            targets.push(TargetView {
                row: tr,
                events,
                as_issuer,
                as_target,
            });
        }
        if targets.is_empty() {
            return Err(StoreError::NotFound);
        }
        let campaign_id: Option<String> = get(&r, "campaign_id")?;
        let phase_seq = get::<Option<i32>>(&r, "phase_seq")?.map(|s| s.max(0) as usize);
        let (campaign_name, phase_name) = match &campaign_id {
            Some(cid) => {
                let c = sql
                    .one(
                        &self.db,
                        "SELECT name FROM campaigns WHERE id = ?",
                        vals![cid.as_str()],
                    )
                    .await?;
                let p = sql
                    .one(
                        &self.db,
                        "SELECT name FROM campaign_phases WHERE campaign_id = ? AND seq = ?",
                        vals![cid.as_str(), phase_seq.unwrap_or(0) as i32],
                    )
                    .await?;
                (
                    c.map(|c| get::<String>(&c, "name")).transpose()?,
                    p.map(|p| get::<String>(&p, "name")).transpose()?,
                )
            }
            None => (None, None),
        };
        Ok(TaskDetail {
            id: get(&r, "id")?,
            number: get(&r, "number")?,
            title: get(&r, "title")?,
            body: get(&r, "body")?,
            deadline: get(&r, "deadline")?,
            leader: get(&r, "leader")?,
            owner: get(&r, "owner")?,
            campaign_id,
            campaign_name,
            phase_name,
            issuer_unit_name: get(&r, "issuer_unit_name")?,
            issuer_name: get(&r, "issuer_name")?,
            created_at: get(&r, "created_at")?,
            targets,
        })
    }

    async fn task_events(&self, target_id: &str) -> Result<Vec<TaskEvent>> {
        let sql = Sql::of(&self.db);
        let files = sql.all(&self.db, "SELECT id, event_id, name, kind, size FROM task_files WHERE target_id = ? ORDER BY created_at, id", vals![target_id]).await?;
        let mut by_event: Vec<(String, TaskFile)> = Vec::new();
        for f in &files {
            by_event.push((
                get(f, "event_id")?,
                TaskFile {
                    id: get(f, "id")?,
                    name: get(f, "name")?,
                    kind: get(f, "kind")?,
                    size: get(f, "size")?,
                },
            ));
        }
        let rows = sql
            .all(&self.db, "SELECT id, action, from_state, to_state, note, actor_name, created_at FROM task_events WHERE target_id = ? ORDER BY created_at, id", vals![target_id])
            .await?;
        rows.iter()
            .map(|r| {
                let id: String = get(r, "id")?;
                let files = by_event
                    .iter()
                    .filter(|(e, _)| *e == id)
                    .map(|(_, f)| f.clone())
                    .collect();
                Ok(TaskEvent {
                    action: get(r, "action")?,
                    from_state: get(r, "from_state")?,
                    to_state: get(r, "to_state")?,
                    note: get(r, "note")?,
                    actor_name: get(r, "actor_name")?,
                    created_at: get(r, "created_at")?,
                    files,
                    id,
                })
            })
            .collect()
    }

    /// Takes one step of a unit's task. Reports come from the target unit's side, chasing, returning and
    /// accepting from the issuing side; a copy the actor cannot see at all is `NotFound`, one seen from the
    /// wrong side `Forbidden`. Evidence files go with progress and completion reports only.
    pub async fn task_step(
        &self,
        actor: &Actor,
        target_id: &str,
        action: TaskAction,
        note: &str,
        files: Vec<Evidence>,
    ) -> Result<TaskState> {
        let sql = Sql::of(&self.db);
        let r = sql
            .one(
                &self.db,
                "SELECT t.task_id, t.state, k.number, u.path AS unit_path, iu.path AS issuer_path FROM task_targets t JOIN tasks k ON k.id = t.task_id JOIN units u ON u.id = t.unit_id JOIN units iu ON iu.id = k.issuer_unit_id WHERE t.id = ?",
                vals![target_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let as_issuer = actor.covers_path(&get::<String>(&r, "issuer_path")?);
        let as_target = actor.covers_path(&get::<String>(&r, "unit_path")?);
        if !as_issuer && !as_target {
            return Err(StoreError::NotFound);
        }
        if (action.by_issuer() && !as_issuer) || (!action.by_issuer() && !as_target) {
            return Err(StoreError::Forbidden);
        }
        let number: String = get(&r, "number")?;
        let from = TaskState::parse(&get::<String>(&r, "state")?)?;
        let to = next_task(from, action)?;
        let note = match action {
            TaskAction::Progress | TaskAction::Submit => {
                domain::org::clean_text(note, "note", "进展情况", 5, 5000)?
            }
            TaskAction::Return => domain::campaign::check_reason(note, "note", "退回理由")?,
            TaskAction::Chase | TaskAction::Accept => {
                domain::org::clean_optional(Some(note), "note", "意见", 1000)?.unwrap_or_default()
            }
        };
        if !files.is_empty() && !matches!(action, TaskAction::Progress | TaskAction::Submit) {
            return Err(StoreError::invalid(
                "files",
                "只有报送进展时才能上传佐证材料",
            ));
        }
        if files.len() > MAX_EVIDENCE_FILES {
            return Err(StoreError::invalid(
                "files",
                format!("一次最多上传{MAX_EVIDENCE_FILES}个佐证材料"),
            ));
        }
        for f in &files {
            domain::tips::check_attachment(&f.bytes).map_err(|e| e.at("files"))?;
        }
        let now = now_ms();
        let event_id = new_id();
        // Files first, under names of our making; the rows that point at them come in the transaction.
        let dir = self.task_file_dir(target_id);
        let mut written: Vec<(String, PathBuf, &Evidence)> = Vec::new();
        if !files.is_empty() {
            std::fs::create_dir_all(&dir)?;
        }
        for f in &files {
            let id = new_id();
            let path = dir.join(&id);
            if let Err(e) = write_synced(&path, &f.bytes) {
                remove_all(&written);
                return Err(e.into());
            }
            written.push((id, path, f));
        }
        let result = self
            .task_step_txn(
                actor, target_id, &number, from, to, action, &note, &event_id, &written, now,
            )
            .await;
        if result.is_err() {
            remove_all(&written);
        }
        result.map(|_| to)
    }

    #[allow(clippy::too_many_arguments)]
    async fn task_step_txn(
        &self,
        actor: &Actor,
        target_id: &str,
        number: &str,
        from: TaskState,
        to: TaskState,
        action: TaskAction,
        note: &str,
        event_id: &str,
        files: &[(String, PathBuf, &Evidence)],
        now: i64,
    ) -> Result<()> {
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let mut set = String::from("state = ?, updated_at = ?");
        let mut v = vals![to.as_str(), now];
        match action {
            TaskAction::Progress | TaskAction::Submit => {
                set.push_str(", last_progress = ?");
                v.push(Value::from(note));
            }
            TaskAction::Chase => set.push_str(", chased = chased + 1"),
            TaskAction::Accept => {
                set.push_str(", accepted_at = ?");
                v.push(Value::from(now));
            }
            TaskAction::Return => {}
        }
        v.push(Value::from(target_id));
        v.push(Value::from(from.as_str()));
        // The state in WHERE makes a concurrent second step fail instead of applying twice.
        let n = sql
            .exec(
                &txn,
                &format!("UPDATE task_targets SET {set} WHERE id = ? AND state = ?"),
                v,
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "任务状态已被他人更新，请刷新后重试".into(),
            ));
        }
        let text = if note.is_empty() {
            action.label().to_string()
        } else {
            note.to_string()
        };
        sql.exec(
            &txn,
            "INSERT INTO task_events (id, target_id, action, from_state, to_state, note, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vals![event_id, target_id, action.code(), from.as_str(), to.as_str(), text.as_str(), actor.user_id.as_str(), actor.display_name.as_str(), now],
        )
        .await?;
        for (id, _, f) in files {
            let name = domain::tips::sanitize_filename(&f.name);
            sql.exec(
                &txn,
                "INSERT INTO task_files (id, target_id, event_id, name, kind, size, digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                vals![id.as_str(), target_id, event_id, name, f.kind.ext(), f.bytes.len() as i64, hex::encode(crypto::sm3(&f.bytes)), now],
            )
            .await?;
        }
        let detail = format!("{}→{} files={}", from.as_str(), to.as_str(), files.len());
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            &format!("task.{}", action.code()),
            &format!("task:{number}/target:{target_id}"),
            &detail,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    fn task_file_dir(&self, target_id: &str) -> PathBuf {
        self.data_dir.join("task_files").join(target_id)
    }

    /// An evidence file of a task the actor may see: (display name, extension, bytes).
    pub async fn task_file(
        &self,
        actor: &Actor,
        task_id: &str,
        file_id: &str,
    ) -> Result<(String, String, Vec<u8>)> {
        let detail = self.task_in_scope(actor, task_id).await?;
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT target_id, name, kind, digest FROM task_files WHERE id = ?",
                vals![file_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let target: String = get(&r, "target_id")?;
        if !detail.targets.iter().any(|t| t.row.target_id == target) {
            return Err(StoreError::NotFound);
        }
        let bytes = std::fs::read(self.task_file_dir(&target).join(file_id))?;
        if hex::encode(crypto::sm3(&bytes)) != get::<String>(&r, "digest")? {
            return Err(StoreError::Integrity(format!(
                "task file {file_id} does not match its digest"
            )));
        }
        self.audit_now(
            &actor.audit(),
            "task.file",
            &format!("task:{}", detail.number),
            file_id,
        )
        .await?;
        Ok((get(&r, "name")?, get(&r, "kind")?, bytes))
    }

    /// Tasks of one phase of a campaign sent to a unit: accepted, of all.
    pub async fn phase_task_counts(
        &self,
        campaign_id: &str,
        seq: usize,
        unit_id: &str,
    ) -> Result<Count> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN t.state = 'accepted' THEN 1 ELSE 0 END), 0) AS done FROM task_targets t JOIN tasks k ON k.id = t.task_id WHERE k.campaign_id = ? AND k.phase_seq = ? AND t.unit_id = ?",
                vals![campaign_id, seq as i32, unit_id],
            )
            .await?;
        Ok(match r {
            Some(r) => Count::new(
                r.try_get_by_index::<Option<i64>>(1)?.unwrap_or(0),
                r.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
            ),
            None => Count::default(),
        })
    }

    /// Reminds a unit the working day before its task is due and, once it is overdue, tells both the unit
    /// and the unit that issued it. Each notice is written once (dedupe key), so the scan may run any number
    /// of times.
    pub async fn scan_task_deadlines(&self) -> Result<u64> {
        let sql = Sql::of(&self.db);
        let cal = self.calendar().await?;
        let t = today();
        let next = cal.add_workdays(t, 1);
        let mut written = 0;
        let mut after = String::new();
        loop {
            let rows = sql
                .all(
                    &self.db,
                    "SELECT t.id, t.unit_id, t.state, k.number, k.title, k.deadline, k.issuer_unit_id, u.name AS unit_name FROM task_targets t JOIN tasks k ON k.id = t.task_id JOIN units u ON u.id = t.unit_id WHERE t.state IN ('issued', 'in_progress', 'returned') AND k.deadline <= ? AND t.id > ? ORDER BY t.id LIMIT 1000",
                    vals![day(next), after.as_str()],
                )
                .await?;
            let Some(last) = rows.last() else { break };
            after = get(last, "id")?;
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            let tsql = Sql::of(&txn);
            let mut batch = 0;
            for r in &rows {
                let id: String = get(r, "id")?;
                let unit: String = get(r, "unit_id")?;
                let deadline: String = get(r, "deadline")?;
                let state = TaskState::parse(&get::<String>(r, "state")?)?;
                let Ok(due) = NaiveDate::parse_from_str(&deadline, "%Y-%m-%d") else {
                    continue;
                };
                let number: String = get(r, "number")?;
                let title: String = get(r, "title")?;
                let (msg, targets) = match task_notice(state, due, t, next) {
                    Some(TaskNotice::Overdue) => {
                        let unit_name: String = get(r, "unit_name")?;
                        (
                            format!(
                                "任务{number}「{title}」已超过完成时限（{deadline}），{unit_name}尚未完成，请督促办理"
                            ),
                            vec![unit.clone(), get::<String>(r, "issuer_unit_id")?],
                        )
                    }
                    Some(TaskNotice::Reminder) => (
                        format!("任务{number}「{title}」将于{deadline}到期，请按时报送"),
                        vec![unit.clone()],
                    ),
                    None => continue,
                };
                let kind = task_notice(state, due, t, next)
                    .map(|k| k.as_str())
                    .unwrap_or("task_reminder");
                for target in targets {
                    let key = format!("{kind}:{id}:{deadline}:{target}");
                    batch += tsql
                        .exec(
                            &txn,
                            "INSERT INTO notifications (id, unit_id, clue_id, kind, message, dedupe_key, created_at) VALUES (?, ?, NULL, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                            vals![new_id(), target.as_str(), kind, msg.as_str(), key, now_ms()],
                        )
                        .await?;
                }
            }
            if batch > 0 {
                append(
                    &txn,
                    &self.audit_key(),
                    &AuditActor::system(),
                    "job.task_deadlines",
                    "tasks",
                    &format!("{batch} notices"),
                )
                .await?;
            }
            txn.commit().await?;
            written += batch;
        }
        Ok(written)
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_event<C: sea_orm::ConnectionTrait>(
    sql: &Sql,
    c: &C,
    target_id: &str,
    action: &str,
    from: Option<TaskState>,
    to: TaskState,
    note: &str,
    actor: &Actor,
    now: i64,
) -> Result<()> {
    sql.exec(
        c,
        "INSERT INTO task_events (id, target_id, action, from_state, to_state, note, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vals![new_id(), target_id, action, from.map(|s| s.as_str()), to.as_str(), note, actor.user_id.as_str(), actor.display_name.as_str(), now],
    )
    .await?;
    Ok(())
}

fn write_synced(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn remove_all(written: &[(String, PathBuf, &Evidence)]) {
    for (_, p, _) in written {
        let _ = std::fs::remove_file(p);
    }
}
