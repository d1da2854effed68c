//! Scoring a sampled case and turning its defects into rectification rows.

use chrono::NaiveDate;
use domain::enforcement::review::{Dimension, GradeDecision, ValidRectify, ValidScore};
use domain::rectification::{ItemSource, ValidItem};
use domain::tips::ProblemCategory;
use sea_orm::TransactionTrait;

use super::{DefectRow, LEDGERING, LedgerOutcome, cut, day};
use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

impl Store {
    /// The newest campaign covering the unit (run by it or by a unit above it): where review defects go.
    pub async fn newest_campaign_covering(
        &self,
        unit_id: &str,
    ) -> Result<Option<(String, String)>> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT c.id, c.name FROM campaigns c JOIN units cu ON cu.id = c.unit_id JOIN units t ON t.id = ? WHERE t.path LIKE cu.path || '%' ORDER BY c.created_at DESC, c.id DESC LIMIT 1",
                vals![unit_id],
            )
            .await?;
        match r {
            Some(r) => Ok(Some((get(&r, "id")?, get(&r, "name")?))),
            None => Ok(None),
        }
    }

    /// Scores a sample given to the actor: the grade follows from the sheet (`domain::…::grade`); the
    /// sheet, the grade and the defects are saved with the audit row in one transaction. Then each defect
    /// becomes a rectification row on the case's unit, in the newest campaign covering it.
    pub async fn score_review_sample(
        &self,
        actor: &Actor,
        sample_id: &str,
        sheet: &ValidScore,
        rectify: Option<&ValidRectify>,
    ) -> Result<(GradeDecision, LedgerOutcome)> {
        let row = self.sample_row_in_scope(actor, sample_id).await?;
        if row.reviewer_id.as_deref() != Some(actor.user_id.as_str()) {
            return Err(StoreError::invalid(
                "form",
                "该案件未分配给您评查，不能评分",
            ));
        }
        if row.scored_at.is_some() {
            return Err(StoreError::Conflict(
                "该案件已完成评查，不能重复评分".into(),
            ));
        }
        if !sheet.defects.is_empty() && rectify.is_none() {
            return Err(StoreError::invalid(
                "rect_measures",
                "发现问题时请填写整改要求和整改时限",
            ));
        }
        let decision = domain::enforcement::review::grade(&sheet.scores, sheet.defects.len());
        let now = now_ms();
        let pts: Vec<i32> = sheet.scores.0.iter().map(|p| *p as i32).collect();
        {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            let sql = Sql::of(&txn);
            let n = sql
                .exec(
                    &txn,
                    "UPDATE review_samples SET grade = ?, total = ?, defects = ?, points_facts = ?, points_law = ?, points_procedure = ?, points_documents = ?, points_effect = ?, opinion = ?, rect_category = ?, rect_measures = ?, rect_deadline = ?, scored_at = ? WHERE id = ? AND scored_at IS NULL AND reviewer_id = ?",
                    vals![
                        decision.grade.as_str(), decision.total as i32, sheet.defects.len() as i32,
                        pts[0], pts[1], pts[2], pts[3], pts[4], sheet.opinion.clone(),
                        rectify.map(|r| r.category.as_str()), rectify.map(|r| r.measures.clone()),
                        rectify.map(|r| day(r.deadline)), now, sample_id, actor.user_id.as_str()
                    ],
                )
                .await?;
            if n != 1 {
                return Err(StoreError::Conflict(
                    "该案件已完成评查，不能重复评分".into(),
                ));
            }
            for (seq, (dim, text)) in sheet.defects.iter().enumerate() {
                sql.exec(
                    &txn,
                    "INSERT INTO review_defects (id, sample_id, seq, dimension, description, rectification_id, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)",
                    vals![new_id(), sample_id, seq as i32, dim.as_str(), text.as_str(), now],
                )
                .await?;
            }
            append(
                &txn,
                &self.audit_key(),
                &actor.audit(),
                "review.score",
                &format!("review_sample:{sample_id}"),
                &format!(
                    "case={} grade={} total={} defects={}",
                    row.case_number,
                    decision.grade.as_str(),
                    decision.total,
                    sheet.defects.len()
                ),
            )
            .await?;
            txn.commit().await?;
        }
        // The sheet is saved: a ledger failure now is reported, not returned, and the page offers a retry.
        let ledger = match self.ledger_review_defects(actor, sample_id).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, sample = sample_id, "review defects not added to the ledger");
                LedgerOutcome::Partly(
                    vec![],
                    "整改台账暂时无法写入，请稍后点击「列入整改台账」重试".into(),
                )
            }
        };
        Ok((decision, ledger))
    }

    /// Turns each defect of a scored sample that has no rectification row yet into one (source: case
    /// review), on the case's unit, in the newest campaign covering it. Safe to repeat: rows already made
    /// are kept; this is also how defects left waiting (no campaign yet, a failure midway) are put in.
    pub async fn ledger_review_defects(
        &self,
        actor: &Actor,
        sample_id: &str,
    ) -> Result<LedgerOutcome> {
        // One at a time, so a double click cannot make a defect's row twice.
        let _one = LEDGERING.lock().await;
        let d = self.review_sample_in_scope(actor, sample_id).await?;
        let waiting: Vec<&DefectRow> = d
            .defect_list
            .iter()
            .filter(|x| x.rectification_id.is_none())
            .collect();
        if waiting.is_empty() {
            return Ok(if d.defect_list.is_empty() {
                LedgerOutcome::Nothing
            } else {
                LedgerOutcome::Added(vec![])
            });
        }
        let Some((campaign_id, _)) = self.newest_campaign_covering(&d.row.unit_id).await? else {
            return Ok(LedgerOutcome::NoCampaign);
        };
        let category = d
            .rect_category
            .as_deref()
            .and_then(|c| ProblemCategory::parse(c).ok())
            .unwrap_or(ProblemCategory::Other);
        let measures = d
            .rect_measures
            .clone()
            .unwrap_or_else(|| "对照评查意见逐项整改".into());
        let today = crate::clues::today();
        let deadline = d
            .rect_deadline
            .as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|x| x.max(today))
            .unwrap_or(today);
        let named = |s: &str| {
            let t = s.trim();
            if t.is_empty() {
                "未登记".to_string()
            } else {
                cut(t, 50)
            }
        };
        let leader = named(&d.case.leader_name);
        let person = named(&d.case.handler_name);
        let mut made = Vec::new();
        for defect in waiting {
            let label = Dimension::parse(&defect.dimension)
                .map(|x| x.label())
                .unwrap_or("其他");
            let item = ValidItem {
                source: ItemSource::CaseReview,
                category,
                problem: cut(
                    &format!(
                        "案件{}《{}》评查发现（{}）：{}",
                        d.row.case_number, d.row.case_title, label, defect.description
                    ),
                    2000,
                ),
                measures: measures.clone(),
                leader: leader.clone(),
                person: person.clone(),
                deadline,
            };
            // A row made before a crash, whose link was never written, is linked rather than made again.
            let made_before = Sql::of(&self.db)
                .one(
                    &self.db,
                    "SELECT id, number FROM rectification_items WHERE source = 'case_review' AND campaign_id = ? AND unit_id = ? AND problem = ? AND id NOT IN (SELECT rectification_id FROM review_defects WHERE rectification_id IS NOT NULL) ORDER BY number LIMIT 1",
                    vals![campaign_id.as_str(), d.row.unit_id.as_str(), item.problem.as_str()],
                )
                .await?
                .map(|r| Ok::<_, StoreError>((get::<String>(&r, "id")?, get::<String>(&r, "number")?)))
                .transpose()?;
            let added = match made_before {
                Some(found) => Ok(found),
                None => {
                    self.add_rectification_item(actor, &campaign_id, &d.row.unit_id, &item, None)
                        .await
                }
            };
            match added {
                Ok((item_id, number)) => {
                    let _w = self.write_lock.lock().await;
                    Sql::of(&self.db)
                        .exec(
                            &self.db,
                            "UPDATE review_defects SET rectification_id = ? WHERE id = ? AND rectification_id IS NULL",
                            vals![item_id.as_str(), defect.id.as_str()],
                        )
                        .await?;
                    made.push(number);
                }
                Err(e) => {
                    tracing::warn!(error = %e, sample = sample_id, "review defect not added to the ledger");
                    let why = match e {
                        StoreError::Invalid(d) => d.message,
                        _ => "整改台账暂时无法写入，请稍后重试".to_string(),
                    };
                    return Ok(LedgerOutcome::Partly(made, why));
                }
            }
        }
        Ok(LedgerOutcome::Added(made))
    }
}
