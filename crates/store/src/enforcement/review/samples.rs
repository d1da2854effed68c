//! Samples: the lists, one sampled case with everything its page shows, and who scores it.

use domain::enforcement::review::{Accountable, Grade, StageDecision};
use sea_orm::{TransactionTrait, Value};

use super::{
    CaseFacts, DefectRow, SAMPLE_COLUMNS, SAMPLE_FROM, SampleDetail, SampleRow, StageRow, TraceRow,
    sample_from,
};
use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, vals};

impl Store {
    /// The plan's samples whose cases lie in the actor's scope, by case number.
    pub async fn review_samples(&self, actor: &Actor, plan_id: &str) -> Result<Vec<SampleRow>> {
        self.review_plan_in_scope(actor, plan_id).await?;
        let (w, mut v) = actor.scope_condition("c.unit_id");
        v.push(Value::from(plan_id));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {SAMPLE_COLUMNS} FROM {SAMPLE_FROM} WHERE {w} AND s.plan_id = ? ORDER BY c.number"),
                v,
            )
            .await?;
        rows.iter().map(sample_from).collect()
    }

    /// Samples given to the actor to score, those still to score first.
    pub async fn my_review_samples(&self, actor: &Actor, limit: u64) -> Result<Vec<SampleRow>> {
        let (w, mut v) = actor.scope_condition("c.unit_id");
        v.push(Value::from(actor.user_id.as_str()));
        v.push(Value::from(limit as i64));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {SAMPLE_COLUMNS} FROM {SAMPLE_FROM} WHERE {w} AND s.reviewer_id = ? ORDER BY CASE WHEN s.scored_at IS NULL THEN 0 ELSE 1 END, p.created_at DESC, c.number LIMIT ?"),
                v,
            )
            .await?;
        rows.iter().map(sample_from).collect()
    }

    pub(super) async fn sample_row_in_scope(&self, actor: &Actor, id: &str) -> Result<SampleRow> {
        let (w, mut v) = actor.scope_condition("c.unit_id");
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {SAMPLE_COLUMNS} FROM {SAMPLE_FROM} WHERE {w} AND s.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        sample_from(&r)
    }

    /// A sampled case with everything its page shows, if its case lies in the actor's scope.
    pub async fn review_sample_in_scope(&self, actor: &Actor, id: &str) -> Result<SampleDetail> {
        let row = self.sample_row_in_scope(actor, id).await?;
        let sql = Sql::of(&self.db);
        let c = sql
            .one(
                &self.db,
                "SELECT handler_name, leader_id, leader_name, gang, received_on, stage, closed_on, outcome FROM cases WHERE id = ?",
                vals![row.case_id.as_str()],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let case = CaseFacts {
            handler_name: get(&c, "handler_name")?,
            leader_id: get(&c, "leader_id")?,
            leader_name: get(&c, "leader_name")?,
            gang: get::<i32>(&c, "gang")? != 0,
            received_on: get(&c, "received_on")?,
            stage: get(&c, "stage")?,
            closed_on: get(&c, "closed_on")?,
            outcome: get(&c, "outcome")?,
        };
        let stages = sql
            .all(
                &self.db,
                "SELECT seq, stage, started_on, due_on, ended_on, decision, decider_id, decider_name FROM case_stages WHERE case_id = ? ORDER BY seq",
                vals![row.case_id.as_str()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(StageRow {
                    seq: get(r, "seq")?,
                    stage: get(r, "stage")?,
                    started_on: get(r, "started_on")?,
                    due_on: get(r, "due_on")?,
                    ended_on: get(r, "ended_on")?,
                    decision: get(r, "decision")?,
                    decider_id: get(r, "decider_id")?,
                    decider_name: get(r, "decider_name")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let s = sql
            .one(
                &self.db,
                "SELECT points_facts, points_law, points_procedure, points_documents, points_effect, opinion, rect_category, rect_measures, rect_deadline FROM review_samples WHERE id = ?",
                vals![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let p = |c: &str| get::<Option<i32>>(&s, c);
        let points = match (
            p("points_facts")?,
            p("points_law")?,
            p("points_procedure")?,
            p("points_documents")?,
            p("points_effect")?,
        ) {
            (Some(a), Some(b), Some(c), Some(d), Some(e)) => Some([a, b, c, d, e]),
            _ => None,
        };
        let defect_list = sql
            .all(
                &self.db,
                "SELECT d.id, d.dimension, d.description, d.rectification_id, i.number AS rectification_number FROM review_defects d LEFT JOIN rectification_items i ON i.id = d.rectification_id WHERE d.sample_id = ? ORDER BY d.seq",
                vals![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(DefectRow {
                    id: get(r, "id")?,
                    dimension: get(r, "dimension")?,
                    description: get(r, "description")?,
                    rectification_id: get(r, "rectification_id")?,
                    rectification_number: get(r, "rectification_number")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let accountable = if row.grade.as_deref() == Some(Grade::Failed.as_str()) {
            accountable_of(&stages, &case)
        } else {
            vec![]
        };
        let traces = sql
            .all(
                &self.db,
                "SELECT t.person_key, t.person_name, t.duties, t.category, t.clue_id, c.number AS clue_number, t.opener_name, t.opened_at FROM review_tracebacks t JOIN clues c ON c.id = t.clue_id WHERE t.sample_id = ? ORDER BY t.opened_at, t.id",
                vals![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(TraceRow {
                    person_key: get(r, "person_key")?,
                    person_name: get(r, "person_name")?,
                    duties: get(r, "duties")?,
                    category: get(r, "category")?,
                    clue_id: get(r, "clue_id")?,
                    clue_number: get(r, "clue_number")?,
                    opener_name: get(r, "opener_name")?,
                    opened_at: get(r, "opened_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SampleDetail {
            row,
            case,
            stages,
            points,
            opinion: get(&s, "opinion")?,
            rect_category: get(&s, "rect_category")?,
            rect_measures: get(&s, "rect_measures")?,
            rect_deadline: get(&s, "rect_deadline")?,
            defect_list,
            accountable,
            traces,
        })
    }

    /// Gives an unscored sample to another reviewer (or to nobody).
    pub async fn assign_review_sample(
        &self,
        actor: &Actor,
        sample_id: &str,
        reviewer_id: Option<&str>,
    ) -> Result<()> {
        let row = self.sample_row_in_scope(actor, sample_id).await?;
        let plan = self.review_plan_in_scope(actor, &row.plan_id).await?;
        if !actor.covers_path(&self.unit_by_id(&plan.unit_id).await?.path) {
            return Err(StoreError::NotFound);
        }
        if row.scored_at.is_some() {
            return Err(StoreError::Conflict(
                "该案件已完成评查，不能再更换评查人员".into(),
            ));
        }
        let reviewer = match reviewer_id.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(
                self.review_reviewers(&plan.unit_id)
                    .await?
                    .into_iter()
                    .find(|x| x.id == r)
                    .ok_or_else(|| {
                        StoreError::invalid(
                            "reviewer",
                            "所选评查人员须为数据范围覆盖该单位的督导组成员",
                        )
                    })?,
            ),
            None => None,
        };
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let n = Sql::of(&txn)
            .exec(
                &txn,
                "UPDATE review_samples SET reviewer_id = ?, reviewer_name = ? WHERE id = ? AND scored_at IS NULL",
                vals![
                    reviewer.as_ref().map(|r| r.id.clone()),
                    reviewer.as_ref().map(|r| r.name.clone()),
                    sample_id
                ],
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict(
                "该案件已完成评查，不能再更换评查人员".into(),
            ));
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "review.assign",
            &format!("review_sample:{sample_id}"),
            &format!(
                "case={} reviewer={}",
                row.case_number,
                reviewer.as_ref().map(|r| r.name.as_str()).unwrap_or("-")
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

fn accountable_of(stages: &[StageRow], case: &CaseFacts) -> Vec<Accountable> {
    let decisions: Vec<StageDecision> = stages
        .iter()
        .map(|s| StageDecision {
            seq: s.seq,
            stage: s.stage.clone(),
            decider_id: s.decider_id.clone(),
            decider_name: s.decider_name.clone(),
        })
        .collect();
    domain::enforcement::review::accountable(
        &decisions,
        case.leader_id.as_deref(),
        &case.leader_name,
    )
}
