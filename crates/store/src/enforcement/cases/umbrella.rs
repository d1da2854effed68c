//! Anti-gang linkage (扫黑除恶): from a gang case, a protection-umbrella clue (保护伞) about one of the
//! officers who handled it is opened in one step, and the clue keeps the link to the case and officer.

use domain::clues::ClueSource;
use domain::tips::ProblemCategory;
use sea_orm::TransactionTrait;
use serde::Serialize;

use crate::audit::append;
use crate::clues::{ClueSeed, insert_clue};
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, now_ms, vals};

/// A clue opened from a case, with the officer it is about.
#[derive(Debug, Clone, Serialize)]
pub struct CaseClue {
    pub clue_id: String,
    pub clue_number: String,
    pub clue_state: String,
    pub officer_id: String,
    pub officer_name: String,
    pub officer_badge: String,
    pub created_at: i64,
}

fn role_label(role: &str) -> &'static str {
    match role {
        "handler" => "承办人",
        "assistant" => "协办人",
        "decider" => "决定人",
        "leader" => "分管领导",
        _ => "办案人员",
    }
}

impl Store {
    /// The clues opened from a case. The caller has checked the case's scope.
    pub(crate) async fn case_clues(&self, case_id: &str) -> Result<Vec<CaseClue>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT l.clue_id, c.number, c.state, l.officer_id, o.name, o.badge, l.created_at FROM case_clues l JOIN clues c ON c.id = l.clue_id JOIN officers o ON o.id = l.officer_id WHERE l.case_id = ? ORDER BY l.created_at",
                vals![case_id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CaseClue {
                    clue_id: get(r, "clue_id")?,
                    clue_number: get(r, "number")?,
                    clue_state: get(r, "state")?,
                    officer_id: get(r, "officer_id")?,
                    officer_name: get(r, "name")?,
                    officer_badge: get(r, "badge")?,
                    created_at: get(r, "created_at")?,
                })
            })
            .collect()
    }

    /// The gang case a clue was opened from, if any and if the actor may see the case.
    pub async fn case_of_clue(&self, actor: &Actor, clue_id: &str) -> Result<Option<super::Case>> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT case_id FROM case_clues WHERE clue_id = ?",
                vals![clue_id],
            )
            .await?;
        let Some(r) = r else { return Ok(None) };
        match self
            .case_in_scope(actor, &get::<String>(&r, "case_id")?)
            .await
        {
            Ok(c) => Ok(Some(c)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Opens a protection-umbrella clue (source 扫黑除恶移送) about an officer who handled a gang case, and
    /// links it to the case: the clue, its first timeline entry, the link and the audit row in one
    /// transaction. The clue belongs to the actor's unit, like any clue they register. The summary names
    /// the case's number, so the clue's own page shows where it came from.
    pub async fn open_umbrella_clue(
        &self,
        actor: &Actor,
        case_id: &str,
        officer_id: &str,
        note: &str,
    ) -> Result<(String, String)> {
        let case = self.case_in_scope(actor, case_id).await?;
        if !case.gang {
            // Not about a field of the form: the page shows it at the top.
            return Err(StoreError::Invalid(domain::DomainError::new(
                "只有涉黑恶案件才能移送保护伞线索",
            )));
        }
        let note = domain::org::clean_optional(Some(note), "note", "移送说明", 1000)?;
        let officers = self.case_officers(case_id).await?;
        let Some(officer) = officers.iter().find(|o| o.officer_id == officer_id) else {
            return Err(StoreError::invalid(
                "officer",
                "请选择该案的办案人员（承办、协办、决定或分管领导）",
            ));
        };
        if let Some(done) = self
            .case_clues(case_id)
            .await?
            .into_iter()
            .find(|l| l.officer_id == officer_id)
        {
            return Err(StoreError::invalid(
                "officer",
                format!(
                    "已就{}移送过保护伞线索（{}），不再重复移送",
                    officer.name, done.clue_number
                ),
            ));
        }
        let roles: Vec<&str> = officer.roles.iter().map(|r| role_label(r)).collect();
        let mut summary = format!(
            "涉黑恶案件{}「{}」（{}）移送：{}（警号{}，{}{}）系该案{}，可能为黑恶势力充当“保护伞”。",
            case.number,
            case.title,
            case.unit_name,
            officer.name,
            officer.badge,
            officer.unit_name,
            if officer.position.is_empty() {
                String::new()
            } else {
                format!("，{}", officer.position)
            },
            roles.join("、")
        );
        if let Some(n) = &note {
            summary.push_str(n);
        }
        let now = now_ms();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let seed = ClueSeed {
            source: ClueSource::AntiGangReferral,
            category: ProblemCategory::ProtectionUmbrella,
            unit_id: actor.unit_id.clone(),
            accused_name: Some(officer.name.clone()),
            accused_unit: Some(officer.unit_name.clone()),
            accused_position: Some(officer.position.clone()).filter(|p| !p.is_empty()),
            accused_officer_id: Some(officer.officer_id.clone()),
            summary,
            tip_id: None,
            created_by: Some(actor.user_id.clone()),
            actor_name: actor.display_name.clone(),
        };
        let (clue_id, number) = insert_clue(self, &txn, &seed, now).await?;
        Sql::of(&txn)
            .exec(
                &txn,
                "INSERT INTO case_clues (id, case_id, clue_id, officer_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                vals![new_id(), case_id, clue_id.as_str(), officer_id, actor.user_id.as_str(), now],
            )
            .await
            .map_err(|e| match e {
                StoreError::Db(ref d) if crate::org::is_unique_violation(d) => StoreError::invalid(
                    "officer",
                    format!("已就{}移送过保护伞线索，不再重复移送", officer.name),
                ),
                other => other,
            })?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "clue.register",
            &format!("clue:{number}"),
            &format!(
                "anti_gang_referral case={} officer={}",
                case.number, officer.badge
            ),
        )
        .await?;
        txn.commit().await?;
        Ok((clue_id, number))
    }
}
