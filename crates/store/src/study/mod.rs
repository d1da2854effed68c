//! Study and education (学习教育): activities and their attendance (import, manual marking, sign-in with
//! the rotating venue code), study hours, reflection essays, the question bank, online tests, and the
//! completion of each officer and unit against the campaign's study requirement.
//!
//! Campaigns live in the `campaign` module's table; they are referenced here by id only, without a
//! foreign key, so this migration stands on its own.

mod activities;
mod completion;
mod essays;
mod exams;
mod questions;

pub use activities::{
    Activity, ActivityFilter, AttendanceImport, Attendee, ImportSummary, MAX_ATTENDANCE_ROWS,
    MarkOutcome, RowIssue, SignInOutcome, VenueCode,
};
pub use completion::{OfficerStudy, UnitCompletion};
pub use essays::{Essay, EssayEvent, EssayFilter};
pub use exams::{AttemptView, DrawnQuestion, OfficerTest, StudyTest, TestResult};
pub use questions::Question;

use domain::study::StudyRequirement;
use sea_orm::TransactionTrait;
use serde::Serialize;

use crate::audit::append;
use crate::db::{flag, get};
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, now_ms, vals};

pub(crate) const MIGRATION_SQL: &str = r#"
CREATE TABLE study_requirements (
  campaign_id TEXT PRIMARY KEY, required_minutes INTEGER NOT NULL, require_test INTEGER NOT NULL,
  required_essays INTEGER NOT NULL, updated_by TEXT, updated_at BIGINT NOT NULL);
CREATE TABLE study_activities (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id), kind TEXT NOT NULL,
  title TEXT NOT NULL, day TEXT NOT NULL, minutes INTEGER NOT NULL, venue TEXT NOT NULL, cases TEXT,
  code_salt BLOB NOT NULL, created_by TEXT, created_at BIGINT NOT NULL);
CREATE INDEX study_activities_unit ON study_activities(unit_id, day);
CREATE INDEX study_activities_campaign ON study_activities(campaign_id, day);
CREATE TABLE study_attendance (
  id TEXT PRIMARY KEY, activity_id TEXT NOT NULL REFERENCES study_activities(id),
  officer_id TEXT NOT NULL REFERENCES officers(id), signed_at BIGINT, method TEXT NOT NULL, recorded_by TEXT,
  recorded_at BIGINT NOT NULL, UNIQUE (activity_id, officer_id));
CREATE INDEX study_attendance_officer ON study_attendance(officer_id);
CREATE TABLE study_essays (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, officer_id TEXT NOT NULL REFERENCES officers(id),
  unit_id TEXT NOT NULL REFERENCES units(id), title TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL,
  review_note TEXT, reviewed_by TEXT, revision INTEGER NOT NULL, submitted_at BIGINT NOT NULL, reviewed_at BIGINT,
  created_at BIGINT NOT NULL);
CREATE INDEX study_essays_unit ON study_essays(unit_id, state);
CREATE INDEX study_essays_officer ON study_essays(officer_id, campaign_id);
CREATE TABLE study_essay_events (
  id TEXT PRIMARY KEY, essay_id TEXT NOT NULL REFERENCES study_essays(id), action TEXT NOT NULL,
  from_state TEXT, to_state TEXT NOT NULL, note TEXT NOT NULL, actor_name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX study_essay_events_essay ON study_essay_events(essay_id, created_at);
CREATE TABLE study_questions (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id), kind TEXT NOT NULL,
  stem TEXT NOT NULL, option_a TEXT, option_b TEXT, option_c TEXT, option_d TEXT, answer TEXT NOT NULL,
  points INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1, created_at BIGINT NOT NULL);
CREATE INDEX study_questions_campaign ON study_questions(campaign_id, unit_id);
CREATE TABLE study_tests (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id), title TEXT NOT NULL,
  question_count INTEGER NOT NULL, time_limit_minutes INTEGER NOT NULL, pass_percent INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL, open INTEGER NOT NULL DEFAULT 1, created_by TEXT, created_at BIGINT NOT NULL);
CREATE INDEX study_tests_campaign ON study_tests(campaign_id);
CREATE TABLE study_attempts (
  id TEXT PRIMARY KEY, test_id TEXT NOT NULL REFERENCES study_tests(id), officer_id TEXT NOT NULL REFERENCES officers(id),
  attempt_no INTEGER NOT NULL, question_ids TEXT NOT NULL, answers TEXT, state TEXT NOT NULL, started_at BIGINT NOT NULL,
  deadline_at BIGINT NOT NULL, submitted_at BIGINT, score INTEGER, max_score INTEGER NOT NULL,
  passed INTEGER NOT NULL DEFAULT 0, UNIQUE (test_id, officer_id, attempt_no));
CREATE INDEX study_attempts_officer ON study_attempts(officer_id, test_id)
"#;

/// A campaign as the study pages name it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CampaignRef {
    pub id: String,
    pub name: String,
}

/// The officer behind an `officer` account, with where they sit in the unit tree.
#[derive(Debug, Clone)]
pub(crate) struct Me {
    pub id: String,
    pub unit_id: String,
    pub unit_path: String,
}

impl Store {
    /// Every campaign, newest first (ids are UUIDv7, so they sort by creation).
    pub async fn study_campaigns(&self) -> Result<Vec<CampaignRef>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT id, name FROM campaigns ORDER BY id DESC",
                vals![],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CampaignRef {
                    id: get(r, "id")?,
                    name: get(r, "name")?,
                })
            })
            .collect()
    }

    /// The campaign, or a form error on `field` when there is none by that id.
    pub(crate) async fn study_campaign(
        &self,
        id: &str,
        field: &'static str,
    ) -> Result<CampaignRef> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT id, name FROM campaigns WHERE id = ?",
                vals![id],
            )
            .await?;
        match r {
            Some(r) => Ok(CampaignRef {
                id: get(&r, "id")?,
                name: get(&r, "name")?,
            }),
            None => Err(StoreError::invalid(field, "请选择整顿活动")),
        }
    }

    /// The campaign's study requirement; the default until the office sets one.
    pub async fn study_requirement(&self, campaign_id: &str) -> Result<StudyRequirement> {
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT required_minutes, require_test, required_essays FROM study_requirements WHERE campaign_id = ?",
                vals![campaign_id],
            )
            .await?;
        Ok(match r {
            Some(r) => StudyRequirement {
                required_minutes: get::<i32>(&r, "required_minutes")?.max(0) as u32,
                require_test: get::<i32>(&r, "require_test")? != 0,
                required_essays: get::<i32>(&r, "required_essays")?.max(0) as u32,
            },
            None => StudyRequirement::default(),
        })
    }

    pub async fn set_study_requirement(
        &self,
        actor: &Actor,
        campaign_id: &str,
        req: &StudyRequirement,
    ) -> Result<()> {
        let campaign = self.study_campaign(campaign_id, "campaign_id").await?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            "DELETE FROM study_requirements WHERE campaign_id = ?",
            vals![campaign.id.as_str()],
        )
        .await?;
        sql.exec(
            &txn,
            "INSERT INTO study_requirements (campaign_id, required_minutes, require_test, required_essays, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            vals![
                campaign.id.as_str(),
                req.required_minutes as i32,
                flag(req.require_test),
                req.required_essays as i32,
                actor.user_id.as_str(),
                now_ms()
            ],
        )
        .await?;
        let detail = format!(
            "minutes={} test={} essays={}",
            req.required_minutes, req.require_test, req.required_essays
        );
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.requirement",
            &format!("campaign:{}", campaign.id),
            &detail,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The officer record linked to the account, or a message saying it is missing.
    pub(crate) async fn study_me(&self, actor: &Actor) -> Result<Me> {
        let id = actor.officer_id.as_deref().ok_or_else(|| {
            StoreError::invalid("officer", "您的账号尚未关联干警信息，请联系系统管理员")
        })?;
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT o.id, o.unit_id, u.path FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.id = ? AND o.active = 1",
                vals![id],
            )
            .await?
            .ok_or_else(|| StoreError::invalid("officer", "您关联的干警信息已停用，请联系系统管理员"))?;
        Ok(Me {
            id: get(&r, "id")?,
            unit_id: get(&r, "unit_id")?,
            unit_path: get(&r, "path")?,
        })
    }
}
