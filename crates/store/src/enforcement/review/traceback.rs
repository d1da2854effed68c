//! Trace-back of a failed case (跟进倒查, 一案双查): a clue about each person who answers for it.

use domain::clues::ClueSource;
use domain::enforcement::review::{Accountable, Grade};
use domain::tips::ProblemCategory;
use sea_orm::TransactionTrait;

use super::cut;
use crate::audit::append;
use crate::clues::{ClueSeed, insert_clue};
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

impl Store {
    /// Trace-back of a failed case (跟进倒查, 一案双查): opens a clue (source: case review) about each
    /// chosen person of the case's accountable list, with the trace-back row linking it, all in one
    /// transaction. People already traced are skipped. Returns (name, clue number) of the clues opened.
    pub async fn open_traceback_clues(
        &self,
        actor: &Actor,
        sample_id: &str,
        keys: &[String],
        category: ProblemCategory,
    ) -> Result<Vec<(String, String)>> {
        if !matches!(
            category,
            ProblemCategory::JudicialCorruption | ProblemCategory::Conduct
        ) {
            return Err(StoreError::invalid(
                "category",
                "倒查线索的问题类别应为执法司法腐败或作风纪律",
            ));
        }
        let d = self.review_sample_in_scope(actor, sample_id).await?;
        if d.row.grade.as_deref() != Some(Grade::Failed.as_str()) {
            return Err(StoreError::invalid(
                "form",
                "只有评为不合格的案件才能启动跟进倒查",
            ));
        }
        if keys.is_empty() {
            return Err(StoreError::invalid("people", "请至少选择一名倒查对象"));
        }
        let mut chosen: Vec<&Accountable> = Vec::new();
        for k in keys {
            let a = d
                .accountable
                .iter()
                .find(|a| &a.key == k)
                .ok_or_else(|| StoreError::invalid("people", "所选人员不在该案的倒查名单中"))?;
            if actor.officer_id.is_some() && a.officer_id == actor.officer_id {
                return Err(StoreError::invalid(
                    "people",
                    "不能对本人启动倒查，请由其他人员办理",
                ));
            }
            if !d.traces.iter().any(|t| t.person_key == a.key)
                && !chosen.iter().any(|c| c.key == a.key)
            {
                chosen.push(a);
            }
        }
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        let mut opened = Vec::new();
        for a in chosen {
            let (unit_name, position) = match &a.officer_id {
                Some(o) => match sql
                    .one(
                        &txn,
                        "SELECT o.position, u.name AS unit_name FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.id = ?",
                        vals![o.as_str()],
                    )
                    .await?
                {
                    Some(r) => (get::<String>(&r, "unit_name")?, Some(get::<String>(&r, "position")?)),
                    None => (d.row.unit_name.clone(), None),
                },
                None => (d.row.unit_name.clone(), None),
            };
            let duties = a.duties.join("、");
            let summary = cut(
                &format!(
                    "案件评查跟进倒查（一案双查）：案件{}《{}》在评查计划「{}」中评为不合格，{}系该案{}，需倒查其履职尽责情况。",
                    d.row.case_number, d.row.case_title, d.row.plan_name, a.name, duties
                ),
                5000,
            );
            let seed = ClueSeed {
                source: ClueSource::CaseReview,
                category,
                unit_id: actor.unit_id.clone(),
                accused_name: Some(a.name.clone()),
                accused_unit: Some(unit_name),
                accused_position: position.filter(|p| !p.is_empty()),
                accused_officer_id: a.officer_id.clone(),
                summary,
                tip_id: None,
                created_by: Some(actor.user_id.clone()),
                actor_name: actor.display_name.clone(),
            };
            let (clue_id, number) = insert_clue(self, &txn, &seed, now).await?;
            sql.exec(
                &txn,
                "INSERT INTO review_tracebacks (id, sample_id, person_key, officer_id, person_name, duties, category, clue_id, opened_by, opener_name, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vals![
                    new_id(), sample_id, a.key.as_str(), a.officer_id.clone(), a.name.as_str(), duties.as_str(),
                    category.as_str(), clue_id.as_str(), actor.user_id.as_str(), actor.display_name.as_str(), now
                ],
            )
            .await?;
            append(
                &txn,
                &self.audit_key(),
                &actor.audit(),
                "clue.register",
                &format!("clue:{number}"),
                &format!("case_review traceback case={}", d.row.case_number),
            )
            .await?;
            opened.push((a.name.clone(), number));
        }
        txn.commit().await?;
        Ok(opened)
    }
}
