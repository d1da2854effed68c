//! The question bank (题库) of a campaign. A unit's questions serve its own tests and those of units below
//! it, so the city office's bank is shared downwards and a unit may add its own.

use domain::study::{AnswerSet, QuestionDraft, QuestionKind};
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub kind: String,
    pub stem: String,
    pub options: Vec<Option<String>>,
    pub answer: String,
    pub points: i64,
    pub active: bool,
}

impl Question {
    pub fn kind_label(&self) -> &'static str {
        QuestionKind::parse(&self.kind)
            .map(|k| k.label())
            .unwrap_or("")
    }

    pub fn answer_set(&self) -> AnswerSet {
        AnswerSet::parse_letters(&self.answer).unwrap_or_default()
    }
}

pub(crate) const QUESTION_COLUMNS: &str = "q.id, q.campaign_id, q.unit_id, u.name AS unit_name, q.kind, q.stem, q.option_a, q.option_b, q.option_c, q.option_d, q.answer, q.points, q.active";

pub(crate) fn question_from(r: &QueryResult) -> Result<Question> {
    Ok(Question {
        id: get(r, "id")?,
        campaign_id: get(r, "campaign_id")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        kind: get(r, "kind")?,
        stem: get(r, "stem")?,
        options: vec![
            get(r, "option_a")?,
            get(r, "option_b")?,
            get(r, "option_c")?,
            get(r, "option_d")?,
        ],
        answer: get(r, "answer")?,
        points: i64::from(get::<i32>(r, "points")?),
        active: get::<i32>(r, "active")? != 0,
    })
}

/// Questions a unit at `unit_path` may draw from: its own and its ancestors' (alias `qu` for the
/// question's unit).
pub(crate) const BANK_FOR_UNIT: &str = "? LIKE qu.path || '%'";

impl Store {
    /// The bank as the actor sees it: questions of units in scope, and those shared from units above.
    fn question_where(actor: &Actor, campaign_id: &str) -> (String, Vec<Value>) {
        let (scope, mut v) = actor.scope_condition("q.unit_id");
        v.push(Value::from(actor.unit_path.as_str()));
        v.push(Value::from(campaign_id));
        (
            format!("({scope} OR ? LIKE u.path || '%') AND q.campaign_id = ?"),
            v,
        )
    }

    pub async fn questions(
        &self,
        actor: &Actor,
        campaign_id: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Question>, i64)> {
        let (w, mut v) = Self::question_where(actor, campaign_id);
        let sql = Sql::of(&self.db);
        let total = sql
            .scalar(
                &self.db,
                &format!("SELECT COUNT(*) FROM study_questions q JOIN units u ON u.id = q.unit_id WHERE {w}"),
                v.clone(),
            )
            .await?;
        v.push(Value::from(limit as i64));
        v.push(Value::from(offset as i64));
        let rows = sql
            .all(
                &self.db,
                &format!("SELECT {QUESTION_COLUMNS} FROM study_questions q JOIN units u ON u.id = q.unit_id WHERE {w} ORDER BY q.id LIMIT ? OFFSET ?"),
                v,
            )
            .await?;
        Ok((
            rows.iter().map(question_from).collect::<Result<_>>()?,
            total,
        ))
    }

    pub async fn questions_after(
        &self,
        actor: &Actor,
        campaign_id: &str,
        after: &str,
        limit: u64,
    ) -> Result<Vec<Question>> {
        let (w, mut v) = Self::question_where(actor, campaign_id);
        v.push(Value::from(after));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {QUESTION_COLUMNS} FROM study_questions q JOIN units u ON u.id = q.unit_id WHERE {w} AND q.id > ? ORDER BY q.id LIMIT ?"),
                v,
            )
            .await?;
        rows.iter().map(question_from).collect()
    }

    /// Stems already in the campaign's bank of the actor's unit, for row-level duplicate errors.
    pub async fn existing_stems(
        &self,
        actor: &Actor,
        campaign_id: &str,
        stems: &[&str],
    ) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for chunk in stems.chunks(200) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut v = vals![campaign_id, actor.unit_id.as_str()];
            v.extend(chunk.iter().map(|s| Value::from(*s)));
            let rows = Sql::of(&self.db)
                .all(
                    &self.db,
                    &format!("SELECT stem FROM study_questions WHERE campaign_id = ? AND unit_id = ? AND stem IN ({marks})"),
                    v,
                )
                .await?;
            for r in rows {
                found.push(get(&r, "stem")?);
            }
        }
        Ok(found)
    }

    /// Adds checked questions to the bank of the actor's unit, all in one transaction.
    pub async fn import_questions(
        &self,
        actor: &Actor,
        campaign_id: &str,
        drafts: &[QuestionDraft],
    ) -> Result<usize> {
        let campaign = self.study_campaign(campaign_id, "campaign_id").await?;
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        for chunk in drafts.chunks(200) {
            let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 12);
            for d in chunk {
                let [a, b, c, dd] = d.options.clone();
                v.extend(vals![
                    new_id(),
                    campaign.id.as_str(),
                    actor.unit_id.as_str(),
                    d.kind.as_str(),
                    d.stem.as_str(),
                    a,
                    b,
                    c,
                    dd,
                    d.answer.letters(),
                    d.points as i32,
                    now
                ]);
            }
            let marks = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)"; chunk.len()].join(", ");
            sql.exec(
                &txn,
                &format!("INSERT INTO study_questions (id, campaign_id, unit_id, kind, stem, option_a, option_b, option_c, option_d, answer, points, active, created_at) VALUES {marks}"),
                v,
            )
            .await?;
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.question_import",
            &format!("campaign:{}", campaign.id),
            &format!("{} questions", drafts.len()),
        )
        .await?;
        txn.commit().await?;
        Ok(drafts.len())
    }

    /// Takes a question out of future draws (or puts it back). Only the bank's own unit, in scope.
    pub async fn set_question_active(&self, actor: &Actor, id: &str, active: bool) -> Result<()> {
        let (scope, mut v) = actor.scope_condition("q.unit_id");
        v.push(Value::from(id));
        Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT q.id FROM study_questions q WHERE {scope} AND q.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        Sql::of(&txn)
            .exec(
                &txn,
                "UPDATE study_questions SET active = ? WHERE id = ?",
                vals![i32::from(active), id],
            )
            .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            if active {
                "study.question_enable"
            } else {
                "study.question_disable"
            },
            &format!("study_question:{id}"),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
