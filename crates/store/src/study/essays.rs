//! Reflection essays (撰写体会文章): an officer submits, a reviewer approves or returns with a reason, the
//! officer reworks and submits again. Every move goes through `domain::study::essay_next` and leaves a
//! history entry and an audit row in the same transaction.

use domain::access::Permission;
use domain::study::{EssayAction, EssayState, essay_next};
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Essay {
    pub id: String,
    pub campaign_id: String,
    pub officer_id: String,
    pub officer_name: String,
    pub badge: String,
    pub unit_id: String,
    pub unit_name: String,
    pub title: String,
    pub body: String,
    pub state: String,
    pub review_note: Option<String>,
    pub revision: i64,
    pub submitted_at: i64,
    pub reviewed_at: Option<i64>,
}

impl Essay {
    pub fn state_label(&self) -> &'static str {
        EssayState::parse(&self.state)
            .map(|s| s.label())
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EssayEvent {
    pub action: String,
    pub note: String,
    pub actor_name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct EssayFilter {
    pub campaign_id: Option<String>,
    pub state: Option<EssayState>,
}

const ESSAY_COLUMNS: &str = "e.id, e.campaign_id, e.officer_id, o.name AS officer_name, o.badge, e.unit_id, u.name AS unit_name, e.title, e.body, e.state, e.review_note, e.revision, e.submitted_at, e.reviewed_at";

fn essay_from(r: &QueryResult) -> Result<Essay> {
    Ok(Essay {
        id: get(r, "id")?,
        campaign_id: get(r, "campaign_id")?,
        officer_id: get(r, "officer_id")?,
        officer_name: get(r, "officer_name")?,
        badge: get(r, "badge")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        title: get(r, "title")?,
        body: get(r, "body")?,
        state: get(r, "state")?,
        review_note: get(r, "review_note")?,
        revision: i64::from(get::<i32>(r, "revision")?),
        submitted_at: get(r, "submitted_at")?,
        reviewed_at: get(r, "reviewed_at")?,
    })
}

impl Store {
    /// Reviewers see essays of units in their scope; an officer sees their own; nobody else any.
    fn essay_where(actor: &Actor, f: &EssayFilter) -> (String, Vec<Value>) {
        let (mut w, mut v) = if actor.role.can(Permission::ReviewEssays) {
            let (c, v) = actor.scope_condition("e.unit_id");
            (vec![c], v)
        } else if actor.role.can(Permission::TakeStudy) {
            (
                vec!["e.officer_id = ?".to_string()],
                vals![actor.officer_id.clone().unwrap_or_default()],
            )
        } else {
            (vec!["1 = 0".to_string()], vec![])
        };
        if let Some(c) = &f.campaign_id {
            w.push("e.campaign_id = ?".into());
            v.push(Value::from(c.as_str()));
        }
        if let Some(s) = f.state {
            w.push("e.state = ?".into());
            v.push(Value::from(s.as_str()));
        }
        (w.join(" AND "), v)
    }

    pub async fn essays(
        &self,
        actor: &Actor,
        f: &EssayFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Essay>, i64)> {
        let (w, mut v) = Self::essay_where(actor, f);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM study_essays e WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT {ESSAY_COLUMNS} FROM study_essays e JOIN officers o ON o.id = e.officer_id JOIN units u ON u.id = e.unit_id WHERE {w} ORDER BY e.submitted_at DESC, e.id DESC LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        Ok((rows.iter().map(essay_from).collect::<Result<_>>()?, total))
    }

    pub async fn essay_in_scope(&self, actor: &Actor, id: &str) -> Result<Essay> {
        let (w, mut v) = Self::essay_where(actor, &EssayFilter::default());
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!(
                    "SELECT {ESSAY_COLUMNS} FROM study_essays e JOIN officers o ON o.id = e.officer_id JOIN units u ON u.id = e.unit_id WHERE {w} AND e.id = ?"
                ),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        essay_from(&r)
    }

    pub async fn essay_events(&self, actor: &Actor, id: &str) -> Result<Vec<EssayEvent>> {
        let e = self.essay_in_scope(actor, id).await?;
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT action, note, actor_name, created_at FROM study_essay_events WHERE essay_id = ? ORDER BY created_at, id",
                vals![e.id.as_str()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EssayEvent {
                    action: get(r, "action")?,
                    note: get(r, "note")?,
                    actor_name: get(r, "actor_name")?,
                    created_at: get(r, "created_at")?,
                })
            })
            .collect()
    }

    /// The signed-in officer submits an essay for a campaign.
    pub async fn submit_essay(
        &self,
        actor: &Actor,
        campaign_id: &str,
        title: &str,
        body: &str,
    ) -> Result<String> {
        let me = self.study_me(actor).await?;
        let campaign = self.study_campaign(campaign_id, "campaign_id").await?;
        let id = new_id();
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "INSERT INTO study_essays (id, campaign_id, officer_id, unit_id, title, body, state, revision, submitted_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            vals![id.as_str(), campaign.id.as_str(), me.id.as_str(), me.unit_id.as_str(), title, body, EssayState::Submitted.as_str(), now, now],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO study_essay_events (id, essay_id, action, from_state, to_state, note, actor_name, created_at) VALUES (?, ?, 'submit', NULL, ?, ?, ?, ?)",
            vals![new_id(), id.as_str(), EssayState::Submitted.as_str(), "提交", actor.display_name.as_str(), now],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.essay_submit",
            &format!("study_essay:{id}"),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Approves, or returns with a reason. A reviewer never reviews their own essay.
    pub async fn review_essay(
        &self,
        actor: &Actor,
        id: &str,
        approve: bool,
        note: &str,
    ) -> Result<EssayState> {
        let e = self.essay_in_scope(actor, id).await?;
        if actor.officer_id.as_deref() == Some(e.officer_id.as_str()) {
            return Err(StoreError::invalid("note", "不能审核本人的体会文章"));
        }
        let (action, note) = if approve {
            (
                EssayAction::Approve,
                domain::org::clean_optional(Some(note), "note", "审核意见", 1000)?
                    .unwrap_or_default(),
            )
        } else {
            (EssayAction::Return, domain::study::return_reason(note)?)
        };
        self.essay_step(actor, &e, action, &note, None).await
    }

    /// The author reworks a returned essay and submits it again.
    pub async fn resubmit_essay(
        &self,
        actor: &Actor,
        id: &str,
        title: &str,
        body: &str,
    ) -> Result<EssayState> {
        let e = self.essay_in_scope(actor, id).await?;
        if actor.officer_id.as_deref() != Some(e.officer_id.as_str()) {
            return Err(StoreError::NotFound);
        }
        self.essay_step(
            actor,
            &e,
            EssayAction::Resubmit,
            "修改后重新提交",
            Some((title, body)),
        )
        .await
    }

    async fn essay_step(
        &self,
        actor: &Actor,
        e: &Essay,
        action: EssayAction,
        note: &str,
        text: Option<(&str, &str)>,
    ) -> Result<EssayState> {
        let from = EssayState::parse(&e.state)?;
        let to = essay_next(from, action)?;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        // The state in WHERE makes a second, concurrent review fail instead of applying twice.
        let n = match text {
            Some((title, body)) => {
                sql.exec(
                    &txn,
                    "UPDATE study_essays SET state = ?, title = ?, body = ?, revision = revision + 1, submitted_at = ? WHERE id = ? AND state = ?",
                    vals![to.as_str(), title, body, now, e.id.as_str(), from.as_str()],
                )
                .await?
            }
            None => {
                sql.exec(
                    &txn,
                    "UPDATE study_essays SET state = ?, review_note = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ? AND state = ?",
                    vals![to.as_str(), note, actor.user_id.as_str(), now, e.id.as_str(), from.as_str()],
                )
                .await?
            }
        };
        if n != 1 {
            return Err(StoreError::Conflict(
                "体会文章已被他人处理，请刷新后重试".into(),
            ));
        }
        let shown = if note.is_empty() {
            action.label().to_string()
        } else {
            format!("{}：{note}", action.label())
        };
        sql.exec(
            &txn,
            "INSERT INTO study_essay_events (id, essay_id, action, from_state, to_state, note, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vals![
                new_id(),
                e.id.as_str(),
                action.code(),
                from.as_str(),
                to.as_str(),
                shown.as_str(),
                actor.display_name.as_str(),
                now
            ],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            &format!("study.essay_{}", action.code()),
            &format!("study_essay:{}", e.id),
            to.as_str(),
        )
        .await?;
        txn.commit().await?;
        Ok(to)
    }
}
