//! Patterns in the inquiry records the office looks for: one person asking about many cases, and one
//! case asked about by many people. An asker on the roster is one person by officer id; anyone else by
//! name and unit together.

use serde::Serialize;

use super::InquiryFilter;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store};

/// One asker and how widely they asked.
#[derive(Debug, Clone, Serialize)]
pub struct AskerPattern {
    pub asker_name: String,
    pub asker_position: String,
    pub asker_unit: String,
    pub asker_badge: Option<String>,
    pub cases: i64,
    pub inquiries: i64,
    pub interference: i64,
    pub last_at: i64,
}

/// One case and how many people asked about it.
#[derive(Debug, Clone, Serialize)]
pub struct CasePattern {
    pub case_id: String,
    pub case_number: String,
    pub case_title: String,
    pub unit_name: String,
    pub askers: i64,
    pub inquiries: i64,
    pub interference: i64,
    pub last_at: i64,
}

/// Who asked: the roster id, or name and unit for someone not on the roster.
const ASKER_KEY: &str = "CASE WHEN i.asker_officer_id IS NOT NULL THEN i.asker_officer_id ELSE i.asker_name || '|' || i.asker_unit END";

impl Store {
    /// Askers who asked about at least `min_cases` different cases, most cases first.
    pub async fn inquiry_askers(
        &self,
        actor: &Actor,
        f: &InquiryFilter,
        min_cases: i64,
        limit: u64,
    ) -> Result<Vec<AskerPattern>> {
        let (w, mut v) = self.inquiry_where(actor, f);
        v.push(min_cases.into());
        v.push((limit as i64).into());
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT {ASKER_KEY} AS k, MAX(i.asker_name) AS asker_name, MAX(i.asker_position) AS asker_position, MAX(i.asker_unit) AS asker_unit, MAX(o.badge) AS asker_badge, COUNT(DISTINCT i.case_id) AS cases, COUNT(*) AS n, COALESCE(SUM(i.interference), 0) AS f, MAX(i.asked_at) AS last_at FROM inquiries i LEFT JOIN officers o ON o.id = i.asker_officer_id WHERE {w} GROUP BY {ASKER_KEY} HAVING COUNT(DISTINCT i.case_id) >= ? ORDER BY cases DESC, n DESC, asker_name LIMIT ?"
                ),
                v,
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AskerPattern {
                    asker_name: get(r, "asker_name")?,
                    asker_position: get(r, "asker_position")?,
                    asker_unit: get(r, "asker_unit")?,
                    asker_badge: get(r, "asker_badge")?,
                    cases: get(r, "cases")?,
                    inquiries: get(r, "n")?,
                    interference: get::<Option<i64>>(r, "f")?.unwrap_or(0),
                    last_at: get(r, "last_at")?,
                })
            })
            .collect()
    }

    /// Cases asked about by at least `min_askers` different people, most askers first.
    pub async fn inquiry_hot_cases(
        &self,
        actor: &Actor,
        f: &InquiryFilter,
        min_askers: i64,
        limit: u64,
    ) -> Result<Vec<CasePattern>> {
        let (w, mut v) = self.inquiry_where(actor, f);
        v.push(min_askers.into());
        v.push((limit as i64).into());
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT i.case_id, k.number AS case_number, k.title AS case_title, u.name AS unit_name, COUNT(DISTINCT {ASKER_KEY}) AS askers, COUNT(*) AS n, COALESCE(SUM(i.interference), 0) AS f, MAX(i.asked_at) AS last_at FROM inquiries i JOIN cases k ON k.id = i.case_id JOIN units u ON u.id = i.unit_id WHERE {w} GROUP BY i.case_id, k.number, k.title, u.name HAVING COUNT(DISTINCT {ASKER_KEY}) >= ? ORDER BY askers DESC, n DESC, case_number LIMIT ?"
                ),
                v,
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CasePattern {
                    case_id: get(r, "case_id")?,
                    case_number: get(r, "case_number")?,
                    case_title: get(r, "case_title")?,
                    unit_name: get(r, "unit_name")?,
                    askers: get(r, "askers")?,
                    inquiries: get(r, "n")?,
                    interference: get::<Option<i64>>(r, "f")?.unwrap_or(0),
                    last_at: get(r, "last_at")?,
                })
            })
            .collect()
    }
}
