//! The rules register (建章立制): rules drafted from the gaps ledger rows showed, adopted (施行), revised
//! and abolished, each with its history and the rows that motivated it.

use chrono::NaiveDate;
use domain::rectification::{RuleAction, RuleState};
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::clues::today;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

use super::{
    ITEM_COLUMNS, ITEM_FROM, Item, ItemFilter, LedgerEvent, event_from, insert_event, item_from,
    today_str,
};

/// A rule of the register.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub number: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub title: String,
    pub summary: String,
    pub state: String,
    pub revision: i32,
    pub adopted_on: Option<String>,
    pub revised_on: Option<String>,
    pub abolished_on: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Ledger rows linked to the rule.
    pub items: i64,
}

const RULE_COLUMNS: &str = "r.id, r.number, r.campaign_id, r.unit_id, u.name AS unit_name, r.title, r.summary, r.state, r.revision, r.adopted_on, r.revised_on, r.abolished_on, r.created_at, r.updated_at, (SELECT COUNT(*) FROM rectification_rule_items ri WHERE ri.rule_id = r.id) AS items";
const RULE_FROM: &str = "rectification_rules r JOIN units u ON u.id = r.unit_id";

fn rule_from(r: &QueryResult) -> Result<Rule> {
    Ok(Rule {
        id: get(r, "id")?,
        number: get(r, "number")?,
        campaign_id: get(r, "campaign_id")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        title: get(r, "title")?,
        summary: get(r, "summary")?,
        state: get(r, "state")?,
        revision: get(r, "revision")?,
        adopted_on: get(r, "adopted_on")?,
        revised_on: get(r, "revised_on")?,
        abolished_on: get(r, "abolished_on")?,
        created_at: get(r, "created_at")?,
        updated_at: get(r, "updated_at")?,
        items: get(r, "items")?,
    })
}

/// A new rule as the register takes it.
#[derive(Debug, Clone)]
pub struct NewRule {
    pub unit_id: String,
    pub title: String,
    pub summary: String,
    /// Numbers of the ledger rows that showed the gap (ZG-2025-000001 …).
    pub item_numbers: Vec<String>,
}

impl Store {
    // ---------- rules register ----------

    /// Drafts a rule for a unit in scope, linked to the ledger rows (by number) that showed the gap.
    pub async fn add_rule(&self, actor: &Actor, campaign_id: &str, n: &NewRule) -> Result<String> {
        let unit = self
            .unit_in_scope(actor, &n.unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("unit_id", "请选择本人权限范围内的制定单位")
                }
                other => other,
            })?;
        let title = domain::org::clean_text(&n.title, "title", "制度名称", 2, 100)?;
        let summary = domain::org::clean_text(&n.summary, "summary", "主要内容", 5, 5000)?;
        let items = self
            .items_by_number(actor, campaign_id, &n.item_numbers)
            .await?;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let number = crate::tips::next_number(&txn, "ZD", now).await?;
        let id = new_id();
        sql.exec(
            &txn,
            "INSERT INTO rectification_rules (id, number, campaign_id, unit_id, title, summary, state, revision, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'drafting', 0, ?, ?, ?)",
            vals![id.as_str(), number.as_str(), campaign_id, unit.id.as_str(), title.as_str(), summary.as_str(), actor.display_name.as_str(), now, now],
        )
        .await?;
        for item in &items {
            sql.exec(&txn, "INSERT INTO rectification_rule_items (id, rule_id, item_id, created_at) VALUES (?, ?, ?, ?)", vals![new_id(), id.as_str(), item.as_str(), now]).await?;
        }
        insert_event(
            &txn,
            "rectification_rule_events",
            "rule_id",
            &id,
            "create",
            None,
            RuleState::Drafting.as_str(),
            &format!("起草，关联整改事项{}项", items.len()),
            actor,
            now,
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "rule.create",
            &format!("rule:{number}"),
            &format!("unit={} items={}", unit.code, items.len()),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Ids of the rows with these numbers, each in scope and in the campaign; unknown numbers are a field error.
    async fn items_by_number(
        &self,
        actor: &Actor,
        campaign_id: &str,
        numbers: &[String],
    ) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for number in numbers.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let (w, mut v) = self.item_where(actor, Some(campaign_id), &ItemFilter::default());
            v.push(Value::from(number));
            let r = Sql::of(&self.db)
                .one(
                    &self.db,
                    &format!("SELECT i.id FROM rectification_items i WHERE {w} AND i.number = ?"),
                    v,
                )
                .await?;
            match r {
                Some(r) => {
                    let id: String = get(&r, "id")?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                None => {
                    let shown: String = number
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(30)
                        .collect();
                    return Err(StoreError::invalid(
                        "items",
                        format!(
                            "本次整顿的台账中没有编号为「{shown}」的整改事项（或不在您的管辖范围内）"
                        ),
                    ));
                }
            }
        }
        Ok(ids)
    }

    fn rule_where(&self, actor: &Actor, campaign_id: Option<&str>) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("r.unit_id");
        let mut w = vec![scope];
        if let Some(c) = campaign_id {
            w.push("r.campaign_id = ?".into());
            v.push(Value::from(c));
        }
        (w.join(" AND "), v)
    }

    pub async fn rules(
        &self,
        actor: &Actor,
        campaign_id: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Rule>, i64)> {
        let (w, mut v) = self.rule_where(actor, Some(campaign_id));
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM rectification_rules r WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql.all(&self.db, &format!("SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE {w} ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?"), v).await?;
        rows.iter()
            .map(rule_from)
            .collect::<Result<Vec<_>>>()
            .map(|r| (r, total))
    }

    pub async fn rules_after(
        &self,
        actor: &Actor,
        campaign_id: &str,
        after: &str,
        limit: u64,
    ) -> Result<Vec<Rule>> {
        let (w, mut v) = self.rule_where(actor, Some(campaign_id));
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db).all(&self.db, &format!("SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE {w} AND r.id > ? ORDER BY r.id LIMIT ?"), v).await?;
        rows.iter().map(rule_from).collect()
    }

    pub async fn rule_in_scope(&self, actor: &Actor, id: &str) -> Result<Rule> {
        let (w, mut v) = self.rule_where(actor, None);
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE {w} AND r.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        rule_from(&r)
    }

    /// The ledger rows linked to a rule that the actor may see.
    pub async fn rule_items(&self, actor: &Actor, rule_id: &str) -> Result<Vec<Item>> {
        self.rule_in_scope(actor, rule_id).await?;
        let (w, mut v) = self.item_where(actor, None, &ItemFilter::default());
        v.push(Value::from(rule_id));
        let rows = Sql::of(&self.db)
            .all(&self.db, &format!("SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} JOIN rectification_rule_items ri ON ri.item_id = i.id WHERE {w} AND ri.rule_id = ? ORDER BY i.number"), v)
            .await?;
        let t = today_str();
        rows.iter().map(|r| item_from(r, &t)).collect()
    }

    /// The rules (in scope) a ledger row led to.
    pub async fn rules_for_item(&self, actor: &Actor, item_id: &str) -> Result<Vec<Rule>> {
        let (w, mut v) = self.rule_where(actor, None);
        v.push(Value::from(item_id));
        let rows = Sql::of(&self.db)
            .all(&self.db, &format!("SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE {w} AND r.id IN (SELECT rule_id FROM rectification_rule_items WHERE item_id = ?) ORDER BY r.number"), v)
            .await?;
        rows.iter().map(rule_from).collect()
    }

    pub async fn rule_events(&self, actor: &Actor, id: &str) -> Result<Vec<LedgerEvent>> {
        self.rule_in_scope(actor, id).await?;
        let rows = Sql::of(&self.db)
            .all(&self.db, "SELECT kind, from_state, to_state, note, actor_name, created_at FROM rectification_rule_events WHERE rule_id = ? ORDER BY created_at, id", vals![id])
            .await?;
        rows.iter().map(event_from).collect()
    }

    /// Adopts, revises or abolishes a rule (see `domain::rectification::next_rule`), on the given day.
    pub async fn rule_step(
        &self,
        actor: &Actor,
        id: &str,
        action: RuleAction,
        on: NaiveDate,
        note: &str,
    ) -> Result<RuleState> {
        let rule = self.rule_in_scope(actor, id).await?;
        let note = domain::rectification::check_rule_note(action, note)?;
        if on > today() {
            return Err(StoreError::invalid("on", "日期不能晚于今天"));
        }
        let from = RuleState::parse(&rule.state)?;
        let to = domain::rectification::next_rule(from, action)?;
        let day = on.format("%Y-%m-%d").to_string();
        let col = match action {
            RuleAction::Adopt => "adopted_on = ?",
            RuleAction::Revise => "revised_on = ?, revision = revision + 1",
            RuleAction::Abolish => "abolished_on = ?",
        };
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let n = Sql::of(&txn)
            .exec(&txn, &format!("UPDATE rectification_rules SET state = ?, {col}, updated_at = ? WHERE id = ? AND state = ?"), vals![to.as_str(), day.as_str(), now, id, from.as_str()])
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "制度状态已被他人更新，请刷新后重试".into(),
            ));
        }
        let text = if note.is_empty() {
            format!("{}（{day}）", action.label())
        } else {
            format!("{}（{day}）：{note}", action.label())
        };
        insert_event(
            &txn,
            "rectification_rule_events",
            "rule_id",
            id,
            action.name(),
            Some(from.as_str()),
            to.as_str(),
            &text,
            actor,
            now,
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            &format!("rule.{}", action.name()),
            &format!("rule:{}", rule.number),
            &day,
        )
        .await?;
        txn.commit().await?;
        Ok(to)
    }

    /// Links more ledger rows (by number) to a rule.
    pub async fn link_rule_items(
        &self,
        actor: &Actor,
        id: &str,
        numbers: &[String],
    ) -> Result<usize> {
        let rule = self.rule_in_scope(actor, id).await?;
        let items = self
            .items_by_number(actor, &rule.campaign_id, numbers)
            .await?;
        if items.is_empty() {
            return Err(StoreError::invalid("items", "请填写要关联的整改事项编号"));
        }
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let mut added = 0;
        for item in &items {
            let exists = sql.scalar(&txn, "SELECT COUNT(*) FROM rectification_rule_items WHERE rule_id = ? AND item_id = ?", vals![id, item.as_str()]).await?;
            if exists == 0 {
                sql.exec(&txn, "INSERT INTO rectification_rule_items (id, rule_id, item_id, created_at) VALUES (?, ?, ?, ?)", vals![new_id(), id, item.as_str(), now]).await?;
                added += 1;
            }
        }
        insert_event(
            &txn,
            "rectification_rule_events",
            "rule_id",
            id,
            "link",
            Some(rule.state.as_str()),
            rule.state.as_str(),
            &format!("关联整改事项{added}项"),
            actor,
            now,
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "rule.link",
            &format!("rule:{}", rule.number),
            &format!("{added} items"),
        )
        .await?;
        txn.commit().await?;
        Ok(added)
    }
}
