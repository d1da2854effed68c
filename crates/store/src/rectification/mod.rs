//! Rectification (整改台账) and the rules register (建章立制): ledger rows from self-reports, findings,
//! inspections and the six special rectifications, their life from measures to acceptance (one transition
//! function in `domain::rectification`), progress and evidence files, overdue escalation, and the
//! register of rules each linked to the rows that showed the gap.

use domain::rectification::{ItemAction, ItemSource, ItemState, ValidItem};
use domain::tips::ProblemCategory;
use sea_orm::{ConnectionTrait, QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::{AuditActor, append};
use crate::clues::today;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// The rectification tables. They ship in the same migration as the self-check tables (issue #3 gives the
/// two modules one version), so `selfcheck::MIGRATION_SQL` splices this text in with `concat!`.
macro_rules! rectification_ddl {
    () => {
        r#"
CREATE TABLE rectification_items (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id),
  source TEXT NOT NULL, source_ref TEXT, category TEXT NOT NULL, problem TEXT NOT NULL, measures TEXT NOT NULL,
  leader TEXT NOT NULL, person TEXT NOT NULL, deadline TEXT NOT NULL, state TEXT NOT NULL, progress TEXT NOT NULL,
  reworks INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  accepted_at BIGINT);
CREATE INDEX rectification_items_campaign ON rectification_items(campaign_id, unit_id, state);
CREATE INDEX rectification_items_due ON rectification_items(state, deadline);
CREATE INDEX rectification_items_source ON rectification_items(source, source_ref);
CREATE TABLE rectification_events (
  id TEXT PRIMARY KEY, item_id TEXT NOT NULL REFERENCES rectification_items(id), kind TEXT NOT NULL, from_state TEXT,
  to_state TEXT NOT NULL, note TEXT NOT NULL, actor_id TEXT, actor_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX rectification_events_item ON rectification_events(item_id, created_at);
CREATE TABLE rectification_evidence (
  id TEXT PRIMARY KEY, item_id TEXT NOT NULL REFERENCES rectification_items(id), name TEXT NOT NULL, kind TEXT NOT NULL,
  size BIGINT NOT NULL, digest TEXT NOT NULL, uploaded_by TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX rectification_evidence_item ON rectification_evidence(item_id);
CREATE TABLE rectification_rules (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id),
  title TEXT NOT NULL, summary TEXT NOT NULL, state TEXT NOT NULL, revision INTEGER NOT NULL, adopted_on TEXT,
  revised_on TEXT, abolished_on TEXT, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX rectification_rules_campaign ON rectification_rules(campaign_id, unit_id);
CREATE TABLE rectification_rule_events (
  id TEXT PRIMARY KEY, rule_id TEXT NOT NULL REFERENCES rectification_rules(id), kind TEXT NOT NULL, from_state TEXT,
  to_state TEXT NOT NULL, note TEXT NOT NULL, actor_id TEXT, actor_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX rectification_rule_events_rule ON rectification_rule_events(rule_id, created_at);
CREATE TABLE rectification_rule_items (
  id TEXT PRIMARY KEY, rule_id TEXT NOT NULL REFERENCES rectification_rules(id),
  item_id TEXT NOT NULL REFERENCES rectification_items(id), created_at BIGINT NOT NULL, UNIQUE (rule_id, item_id));
CREATE INDEX rectification_rule_items_item ON rectification_rule_items(item_id);
"#
    };
}
pub(crate) use rectification_ddl;

impl Store {
    /// (rows accepted — 验收销号 — , all rows) of the unit's own ledger in the campaign.
    pub async fn rectification_counts(
        &self,
        campaign_id: &str,
        unit_id: &str,
    ) -> Result<(i64, i64)> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT COALESCE(SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END), 0) AS done, COUNT(*) AS total FROM rectification_items WHERE campaign_id = ? AND unit_id = ?",
                vals![campaign_id, unit_id],
            )
            .await?;
        match r {
            Some(r) => Ok((
                r.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
                r.try_get_by_index::<Option<i64>>(1)?.unwrap_or(0),
            )),
            None => Ok((0, 0)),
        }
    }
}

/// One ledger row as lists and the detail page show it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub number: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub category: String,
    pub problem: String,
    pub measures: String,
    pub leader: String,
    pub person: String,
    pub deadline: String,
    pub state: String,
    pub progress: String,
    pub reworks: i32,
    pub created_at: i64,
    pub updated_at: i64,
    pub accepted_at: Option<i64>,
    pub overdue: bool,
}

const ITEM_COLUMNS: &str = "i.id, i.number, i.campaign_id, i.unit_id, u.name AS unit_name, i.source, i.source_ref, i.category, i.problem, i.measures, i.leader, i.person, i.deadline, i.state, i.progress, i.reworks, i.created_at, i.updated_at, i.accepted_at";
const ITEM_FROM: &str = "rectification_items i JOIN units u ON u.id = i.unit_id";

fn item_from(r: &QueryResult, today: &str) -> Result<Item> {
    let state: String = get(r, "state")?;
    let deadline: String = get(r, "deadline")?;
    Ok(Item {
        overdue: state != "accepted" && deadline.as_str() < today,
        id: get(r, "id")?,
        number: get(r, "number")?,
        campaign_id: get(r, "campaign_id")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        source: get(r, "source")?,
        source_ref: get(r, "source_ref")?,
        category: get(r, "category")?,
        problem: get(r, "problem")?,
        measures: get(r, "measures")?,
        leader: get(r, "leader")?,
        person: get(r, "person")?,
        deadline,
        state,
        progress: get(r, "progress")?,
        reworks: get(r, "reworks")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
        accepted_at: get(r, "accepted_at")?,
    })
}

fn today_str() -> String {
    today().format("%Y-%m-%d").to_string()
}

#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub unit_id: Option<String>,
    pub source: Option<ItemSource>,
    pub category: Option<ProblemCategory>,
    pub state: Option<ItemState>,
    pub overdue: bool,
    pub q: Option<String>,
}

/// One entry of a row's (or a rule's) history.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerEvent {
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
    pub actor_name: String,
    pub created_at: i64,
}

fn event_from(r: &QueryResult) -> Result<LedgerEvent> {
    Ok(LedgerEvent {
        kind: get(r, "kind")?,
        from_state: get(r, "from_state")?,
        to_state: get(r, "to_state")?,
        note: get(r, "note")?,
        actor_name: get(r, "actor_name")?,
        created_at: get(r, "created_at")?,
    })
}

/// Counts for one ledger (a source, or one special rectification).
#[derive(Debug, Clone, Serialize, Default)]
pub struct LedgerCount {
    pub source: String,
    pub category: Option<String>,
    pub total: i64,
    pub accepted: i64,
    pub submitted: i64,
    pub overdue: i64,
}

/// One history entry of a row or a rule (`table`, `owner_col` name which); every field is a fact shown.
#[allow(clippy::too_many_arguments)]
async fn insert_event<C: ConnectionTrait>(
    c: &C,
    table: &str,
    owner_col: &str,
    owner: &str,
    kind: &str,
    from: Option<&str>,
    to: &str,
    note: &str,
    actor: &Actor,
    now: i64,
) -> Result<()> {
    Sql::of(c)
        .exec(
            c,
            &format!("INSERT INTO {table} (id, {owner_col}, kind, from_state, to_state, note, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            vals![new_id(), owner, kind, from, to, note, actor.user_id.as_str(), actor.display_name.as_str(), now],
        )
        .await?;
    Ok(())
}

impl Store {
    // ---------- ledger rows ----------

    /// Adds a ledger row for a unit in the actor's scope. `source_ref` names the self-report or finding the
    /// row comes from; it must be in scope and belong to the same unit's campaign.
    pub async fn add_rectification_item(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: &str,
        item: &ValidItem,
        source_ref: Option<&str>,
    ) -> Result<(String, String)> {
        let unit = self
            .unit_in_scope(actor, unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("unit_id", "请选择本人权限范围内的责任单位")
                }
                other => other,
            })?;
        let source_ref = match (
            item.source,
            source_ref.map(str::trim).filter(|s| !s.is_empty()),
        ) {
            (ItemSource::Finding, Some(r)) => {
                let f = self.finding_in_scope(actor, r).await?;
                if f.finding.campaign_id != campaign_id {
                    return Err(StoreError::NotFound);
                }
                Some(f.finding.id)
            }
            (ItemSource::SelfReport, Some(r)) => {
                let (rep, _) = self.self_report_in_scope(actor, r).await?;
                if rep.campaign_id != campaign_id {
                    return Err(StoreError::NotFound);
                }
                Some(rep.id)
            }
            (_, Some(_)) => {
                return Err(StoreError::invalid(
                    "source",
                    "只有来自自查报告或查实问题的整改事项才能关联来源",
                ));
            }
            (_, None) => None,
        };
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let number = crate::tips::next_number(&txn, "ZG", now).await?;
        let id = new_id();
        Sql::of(&txn)
            .exec(
                &txn,
                "INSERT INTO rectification_items (id, number, campaign_id, unit_id, source, source_ref, category, problem, measures, leader, person, deadline, state, progress, reworks, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', '', 0, ?, ?, ?)",
                vals![
                    id.as_str(), number.as_str(), campaign_id, unit.id.as_str(), item.source.as_str(), source_ref, item.category.as_str(), item.problem.as_str(),
                    item.measures.as_str(), item.leader.as_str(), item.person.as_str(), item.deadline.format("%Y-%m-%d").to_string(), actor.display_name.as_str(), now, now
                ],
            )
            .await?;
        let note = format!(
            "列入整改台账（{}），整改时限{}",
            item.source.label(),
            item.deadline
        );
        insert_event(
            &txn,
            "rectification_events",
            "item_id",
            &id,
            "create",
            None,
            "open",
            &note,
            actor,
            now,
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "rectification.create",
            &format!("rectification:{number}"),
            &format!("unit={} source={}", unit.code, item.source.as_str()),
        )
        .await?;
        txn.commit().await?;
        Ok((id, number))
    }

    /// Adds many rows at once (an imported ledger), all or none, in one transaction. Each unit must lie in
    /// the actor's scope; the caller has checked every row.
    pub async fn add_rectification_items(
        &self,
        actor: &Actor,
        campaign_id: &str,
        rows: &[(String, ValidItem)],
    ) -> Result<usize> {
        let units: std::collections::BTreeSet<&str> =
            rows.iter().map(|(u, _)| u.as_str()).collect();
        for unit_id in units {
            self.unit_in_scope(actor, unit_id)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => {
                        StoreError::invalid("unit_id", "责任单位不在您的权限范围内")
                    }
                    other => other,
                })?;
        }
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        for (unit_id, item) in rows {
            let number = crate::tips::next_number(&txn, "ZG", now).await?;
            let id = new_id();
            Sql::of(&txn)
                .exec(
                    &txn,
                    "INSERT INTO rectification_items (id, number, campaign_id, unit_id, source, source_ref, category, problem, measures, leader, person, deadline, state, progress, reworks, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 'open', '', 0, ?, ?, ?)",
                    vals![
                        id.as_str(), number.as_str(), campaign_id, unit_id.as_str(), item.source.as_str(), item.category.as_str(), item.problem.as_str(),
                        item.measures.as_str(), item.leader.as_str(), item.person.as_str(), item.deadline.format("%Y-%m-%d").to_string(), actor.display_name.as_str(), now, now
                    ],
                )
                .await?;
            let note = format!(
                "从Excel导入（{}），整改时限{}",
                item.source.label(),
                item.deadline
            );
            insert_event(
                &txn,
                "rectification_events",
                "item_id",
                &id,
                "create",
                None,
                "open",
                &note,
                actor,
                now,
            )
            .await?;
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "rectification.import",
            &format!("campaign:{campaign_id}"),
            &format!("{} rows", rows.len()),
        )
        .await?;
        txn.commit().await?;
        Ok(rows.len())
    }

    fn item_where(
        &self,
        actor: &Actor,
        campaign_id: Option<&str>,
        f: &ItemFilter,
    ) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("i.unit_id");
        let mut w = vec![scope];
        if let Some(c) = campaign_id {
            w.push("i.campaign_id = ?".into());
            v.push(Value::from(c));
        }
        if let Some(u) = &f.unit_id {
            w.push("i.unit_id = ?".into());
            v.push(Value::from(u.as_str()));
        }
        if let Some(s) = f.source {
            w.push("i.source = ?".into());
            v.push(Value::from(s.as_str()));
        }
        if let Some(c) = f.category {
            w.push("i.category = ?".into());
            v.push(Value::from(c.as_str()));
        }
        if let Some(s) = f.state {
            w.push("i.state = ?".into());
            v.push(Value::from(s.as_str()));
        }
        if f.overdue {
            w.push("i.state <> 'accepted' AND i.deadline < ?".into());
            v.push(Value::from(today_str()));
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            w.push("(i.number LIKE ? OR i.problem LIKE ? OR i.person LIKE ?)".into());
            let like = format!("%{}%", q.replace(['%', '_'], ""));
            v.extend([
                Value::from(like.clone()),
                Value::from(like.clone()),
                Value::from(like),
            ]);
        }
        (w.join(" AND "), v)
    }

    pub async fn rectification_items(
        &self,
        actor: &Actor,
        campaign_id: &str,
        f: &ItemFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Item>, i64)> {
        let (w, mut v) = self.item_where(actor, Some(campaign_id), f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM rectification_items i WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql.all(&self.db, &format!("SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {w} ORDER BY i.deadline, i.number LIMIT ? OFFSET ?"), v).await?;
        let t = today_str();
        Ok((
            rows.iter()
                .map(|r| item_from(r, &t))
                .collect::<Result<_>>()?,
            total,
        ))
    }

    pub async fn rectification_items_after(
        &self,
        actor: &Actor,
        campaign_id: &str,
        f: &ItemFilter,
        after: &str,
        limit: u64,
    ) -> Result<Vec<Item>> {
        let (w, mut v) = self.item_where(actor, Some(campaign_id), f);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db).all(&self.db, &format!("SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {w} AND i.id > ? ORDER BY i.id LIMIT ?"), v).await?;
        let t = today_str();
        rows.iter().map(|r| item_from(r, &t)).collect()
    }

    /// The row if the actor may see it; `NotFound` otherwise.
    pub async fn rectification_item_in_scope(&self, actor: &Actor, id: &str) -> Result<Item> {
        let (w, mut v) = self.item_where(actor, None, &ItemFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {w} AND i.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        item_from(&r, &today_str())
    }

    /// Ledger rows made from one self-report or finding, in the actor's scope.
    pub async fn rectification_items_from(
        &self,
        actor: &Actor,
        source_ref: &str,
    ) -> Result<Vec<Item>> {
        let (w, mut v) = self.item_where(actor, None, &ItemFilter::default());
        v.push(Value::from(source_ref));
        let rows = Sql::of(&self.db).all(&self.db, &format!("SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {w} AND i.source_ref = ? ORDER BY i.number"), v).await?;
        let t = today_str();
        rows.iter().map(|r| item_from(r, &t)).collect()
    }

    pub async fn rectification_events(&self, actor: &Actor, id: &str) -> Result<Vec<LedgerEvent>> {
        self.rectification_item_in_scope(actor, id).await?;
        let rows = Sql::of(&self.db)
            .all(&self.db, "SELECT kind, from_state, to_state, note, actor_name, created_at FROM rectification_events WHERE item_id = ? ORDER BY created_at, id", vals![id])
            .await?;
        rows.iter().map(event_from).collect()
    }

    /// Counts per ledger in scope: one per source, and one per stubborn problem's special rectification.
    pub async fn ledger_counts(
        &self,
        actor: &Actor,
        campaign_id: &str,
    ) -> Result<Vec<LedgerCount>> {
        let (w, wv) = self.item_where(actor, Some(campaign_id), &ItemFilter::default());
        // The date's placeholder stands before the WHERE clause's in the text, so its value goes first.
        let mut v = vals![today_str()];
        v.extend(wv);
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT i.source, i.category, COUNT(*) AS total, COALESCE(SUM(CASE WHEN i.state = 'accepted' THEN 1 ELSE 0 END), 0) AS accepted, COALESCE(SUM(CASE WHEN i.state = 'submitted' THEN 1 ELSE 0 END), 0) AS submitted, COALESCE(SUM(CASE WHEN i.state <> 'accepted' AND i.deadline < ? THEN 1 ELSE 0 END), 0) AS overdue FROM rectification_items i WHERE {w} GROUP BY i.source, i.category"
                ),
                v,
            )
            .await?;
        let mut by_source: Vec<LedgerCount> = ItemSource::all()
            .iter()
            .filter(|s| **s != ItemSource::Special)
            .map(|s| LedgerCount {
                source: s.as_str().into(),
                ..Default::default()
            })
            .collect();
        let mut special: Vec<LedgerCount> = ProblemCategory::all()
            .iter()
            .filter(|c| c.is_stubborn())
            .map(|c| LedgerCount {
                source: ItemSource::Special.as_str().into(),
                category: Some(c.as_str().into()),
                ..Default::default()
            })
            .collect();
        for r in &rows {
            let source: String = get(r, "source")?;
            let category: String = get(r, "category")?;
            let n = |c: &str| -> Result<i64> { Ok(get::<Option<i64>>(r, c)?.unwrap_or(0)) };
            let slot = if source == ItemSource::Special.as_str() {
                special
                    .iter_mut()
                    .find(|l| l.category.as_deref() == Some(category.as_str()))
            } else {
                by_source.iter_mut().find(|l| l.source == source)
            };
            if let Some(l) = slot {
                l.total += n("total")?;
                l.accepted += n("accepted")?;
                l.submitted += n("submitted")?;
                l.overdue += n("overdue")?;
            }
        }
        by_source.extend(special);
        Ok(by_source)
    }

    /// Takes one step of a row's life (see `domain::rectification::next`): checks it, writes the new
    /// state, the history entry and the audit row in one transaction. A row goes up for acceptance only
    /// with at least one evidence file.
    pub async fn rectification_step(
        &self,
        actor: &Actor,
        id: &str,
        action: ItemAction,
        note: &str,
    ) -> Result<ItemState> {
        let item = self.rectification_item_in_scope(actor, id).await?;
        let note = domain::rectification::check_note(action, note)?;
        let from = ItemState::parse(&item.state)?;
        let to = domain::rectification::next(from, action)?;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        if action == ItemAction::Submit {
            let files = sql
                .scalar(
                    &txn,
                    "SELECT COUNT(*) FROM rectification_evidence WHERE item_id = ?",
                    vals![id],
                )
                .await?;
            if files == 0 {
                return Err(StoreError::invalid(
                    "note",
                    "报请验收前请至少上传一份佐证材料",
                ));
            }
        }
        let (set, v) = match action {
            ItemAction::Progress | ItemAction::Submit => (
                "state = ?, progress = ?, updated_at = ?",
                vals![to.as_str(), note.as_str(), now],
            ),
            ItemAction::Accept => (
                "state = ?, accepted_at = ?, updated_at = ?",
                vals![to.as_str(), now, now],
            ),
            ItemAction::Reject => (
                "state = ?, reworks = reworks + 1, updated_at = ?",
                vals![to.as_str(), now],
            ),
        };
        let mut v = v;
        v.push(Value::from(id));
        v.push(Value::from(from.as_str()));
        // The state in WHERE makes a concurrent second step fail instead of applying twice.
        let n = sql
            .exec(
                &txn,
                &format!("UPDATE rectification_items SET {set} WHERE id = ? AND state = ?"),
                v,
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "整改事项已被他人更新，请刷新后重试".into(),
            ));
        }
        insert_event(
            &txn,
            "rectification_events",
            "item_id",
            id,
            action.name(),
            Some(from.as_str()),
            to.as_str(),
            &note,
            actor,
            now,
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            &format!("rectification.{}", action.name()),
            &format!("rectification:{}", item.number),
            action.label(),
        )
        .await?;
        txn.commit().await?;
        Ok(to)
    }
    // ---------- overdue rows ----------

    /// Reminds the responsible unit the day before a row's deadline and escalates overdue rows to the
    /// unit and the office (the root unit), once each (dedupe key), so the scan may run any number of times.
    pub async fn scan_rectification_deadlines(&self) -> Result<u64> {
        let sql = Sql::of(&self.db);
        let cal = self.calendar().await?;
        let t = today();
        let tomorrow = cal.add_workdays(t, 1).format("%Y-%m-%d").to_string();
        let ts = t.format("%Y-%m-%d").to_string();
        let root = match self.root_unit().await {
            Ok(u) => u,
            Err(StoreError::NotFound) => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut written = 0;
        let mut after = String::new();
        loop {
            let rows = sql
                .all(
                    &self.db,
                    "SELECT id, number, unit_id, deadline FROM rectification_items WHERE state <> 'accepted' AND deadline <= ? AND id > ? ORDER BY id LIMIT 1000",
                    vals![tomorrow.as_str(), after.as_str()],
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            let tsql = Sql::of(&txn);
            let mut batch = 0;
            for r in &rows {
                let id: String = get(r, "id")?;
                let number: String = get(r, "number")?;
                let unit: String = get(r, "unit_id")?;
                let due: String = get(r, "deadline")?;
                after = id.clone();
                let (kind, msg, targets) = if due < ts {
                    (
                        "overdue",
                        format!("整改事项{number}已超过整改时限（{due}）仍未销号，请督促整改"),
                        vec![unit.clone(), root.id.clone()],
                    )
                } else {
                    (
                        "reminder",
                        format!("整改事项{number}将于{due}到期，请按时完成整改并报请验收"),
                        vec![unit.clone()],
                    )
                };
                for target in targets {
                    let key = format!("rectification:{kind}:{id}:{due}:{target}");
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
                    "job.rectification_deadlines",
                    "rectification",
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

mod evidence;
mod rules;

pub use evidence::{Evidence, MAX_EVIDENCE_PER_ITEM};
pub use rules::{NewRule, Rule};
