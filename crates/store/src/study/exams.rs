//! Online tests (应知应会测试): a test draws N questions from the bank for each attempt, the server holds
//! the deadline from the start time, grading is `domain::study::grade`, and retakes are allowed up to
//! the test's limit; the best attempt counts.

use std::collections::HashMap;

use domain::study::{
    AnswerSet, Grade, GradeItem, QuestionKind, TestDraft, check_start, check_submit_time, grade,
};
use rand::seq::SliceRandom;
use sea_orm::{QueryResult, TransactionTrait, Value};
use serde::Serialize;

use crate::audit::append;
use crate::db::get;
use crate::org::Actor;
use crate::{Result, Sql, Store, StoreError, new_id, vals};

use super::questions::{BANK_FOR_UNIT, QUESTION_COLUMNS, Question, question_from};

#[derive(Debug, Clone, Serialize)]
pub struct StudyTest {
    pub id: String,
    pub campaign_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub title: String,
    pub question_count: i64,
    pub time_limit_minutes: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
    pub open: bool,
    pub created_at: i64,
    /// Attempts handed in or timed out, and officers who passed.
    pub attempts: i64,
    pub passed: i64,
}

/// A test as one officer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerTest {
    pub test: StudyTest,
    pub used: i64,
    pub best_percent: Option<i64>,
    pub passed: bool,
    /// An attempt in progress and still within time.
    pub open_attempt: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawnQuestion {
    pub id: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub stem: String,
    /// (letter, text) of each option present.
    pub options: Vec<(char, String)>,
    pub chosen: String,
    /// Shown only once the attempt is over.
    pub correct: Option<String>,
    pub right: Option<bool>,
    pub points: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    pub id: String,
    pub test_id: String,
    pub test_title: String,
    pub attempt_no: i64,
    pub state: String,
    pub started_at: i64,
    pub deadline_at: i64,
    pub submitted_at: Option<i64>,
    pub score: Option<i64>,
    pub max_score: i64,
    pub passed: bool,
    pub questions: Vec<DrawnQuestion>,
    pub because: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub name: String,
    pub badge: String,
    pub unit_name: String,
    pub attempts: i64,
    pub best_percent: Option<i64>,
    pub passed: bool,
}

const TEST_COLUMNS: &str = "s.id, s.campaign_id, s.unit_id, u.name AS unit_name, s.title, s.question_count, s.time_limit_minutes, s.pass_percent, s.max_attempts, s.open, s.created_at, \
     (SELECT COUNT(*) FROM study_attempts x WHERE x.test_id = s.id AND x.state <> 'open') AS attempts, \
     (SELECT COUNT(DISTINCT x.officer_id) FROM study_attempts x WHERE x.test_id = s.id AND x.passed = 1) AS passed";

fn test_from(r: &QueryResult) -> Result<StudyTest> {
    Ok(StudyTest {
        id: get(r, "id")?,
        campaign_id: get(r, "campaign_id")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        title: get(r, "title")?,
        question_count: i64::from(get::<i32>(r, "question_count")?),
        time_limit_minutes: i64::from(get::<i32>(r, "time_limit_minutes")?),
        pass_percent: i64::from(get::<i32>(r, "pass_percent")?),
        max_attempts: i64::from(get::<i32>(r, "max_attempts")?),
        open: get::<i32>(r, "open")? != 0,
        created_at: get(r, "created_at")?,
        attempts: get(r, "attempts")?,
        passed: get(r, "passed")?,
    })
}

/// An attempt still open but past its deadline (and the grace) counts as timed out.
const STALE: &str = "state = 'open' AND deadline_at < ?";

impl Store {
    /// Active questions of the campaign that a test of the unit at `unit_path` may draw.
    async fn bank_ids(&self, campaign_id: &str, unit_path: &str) -> Result<Vec<String>> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT q.id FROM study_questions q JOIN units qu ON qu.id = q.unit_id WHERE q.campaign_id = ? AND q.active = 1 AND {BANK_FOR_UNIT} ORDER BY q.id"),
                vals![campaign_id, unit_path],
            )
            .await?;
        rows.iter().map(|r| get(r, "id")).collect()
    }

    pub async fn create_test(
        &self,
        actor: &Actor,
        campaign_id: &str,
        unit_id: &str,
        d: &TestDraft,
    ) -> Result<String> {
        let campaign = self.study_campaign(campaign_id, "campaign_id").await?;
        let unit = self
            .unit_in_scope(actor, unit_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("unit_id", "请选择本人权限范围内的单位")
                }
                other => other,
            })?;
        let available = self.bank_ids(&campaign.id, &unit.path).await?.len();
        if available < d.question_count as usize {
            return Err(StoreError::invalid(
                "question_count",
                format!("题库中可供该单位抽取的题目只有{available}道，请减少题目数量或先导入题目"),
            ));
        }
        let id = new_id();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        Sql::of(&txn)
            .exec(
                &txn,
                "INSERT INTO study_tests (id, campaign_id, unit_id, title, question_count, time_limit_minutes, pass_percent, max_attempts, open, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                vals![
                    id.as_str(), campaign.id.as_str(), unit.id.as_str(), d.title.as_str(), d.question_count as i32, d.time_limit_minutes as i32,
                    d.pass_percent as i32, d.max_attempts as i32, actor.user_id.as_str(), crate::now_ms()
                ],
            )
            .await?;
        let detail = format!(
            "n={} minutes={} pass={} attempts={}",
            d.question_count, d.time_limit_minutes, d.pass_percent, d.max_attempts
        );
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.test_create",
            &format!("study_test:{id}"),
            &detail,
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Tests of units in the actor's scope.
    pub async fn study_tests(
        &self,
        actor: &Actor,
        campaign_id: Option<&str>,
    ) -> Result<Vec<StudyTest>> {
        let (scope, mut v) = actor.scope_condition("s.unit_id");
        let mut w = scope;
        if let Some(c) = campaign_id {
            w.push_str(" AND s.campaign_id = ?");
            v.push(Value::from(c));
        }
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {TEST_COLUMNS} FROM study_tests s JOIN units u ON u.id = s.unit_id WHERE {w} ORDER BY s.created_at DESC LIMIT 500"),
                v,
            )
            .await?;
        rows.iter().map(test_from).collect()
    }

    /// The test for staff whose scope holds its unit; `NotFound` otherwise.
    pub async fn study_test_in_scope(&self, actor: &Actor, id: &str) -> Result<StudyTest> {
        let (scope, mut v) = actor.scope_condition("s.unit_id");
        v.push(Value::from(id));
        let r = Sql::of(&self.db)
            .one(
                &self.db,
                &format!("SELECT {TEST_COLUMNS} FROM study_tests s JOIN units u ON u.id = s.unit_id WHERE {scope} AND s.id = ?"),
                v,
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        test_from(&r)
    }

    /// Opens or closes a test for new attempts.
    pub async fn set_test_open(&self, actor: &Actor, id: &str, open: bool) -> Result<()> {
        let t = self.study_test_in_scope(actor, id).await?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        Sql::of(&txn)
            .exec(
                &txn,
                "UPDATE study_tests SET open = ? WHERE id = ?",
                vals![i32::from(open), t.id.as_str()],
            )
            .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            if open {
                "study.test_open"
            } else {
                "study.test_close"
            },
            &format!("study_test:{}", t.id),
            "",
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Best result per officer in the actor's scope who has attempted the test.
    pub async fn test_results(&self, actor: &Actor, test_id: &str) -> Result<Vec<TestResult>> {
        let t = self.study_test_in_scope(actor, test_id).await?;
        let (scope, mut v) = actor.scope_condition("o.unit_id");
        v.insert(0, Value::from(t.id.as_str()));
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!(
                    "SELECT o.name, o.badge, u.name AS unit_name, COUNT(*) AS attempts, \
                     CAST(MAX(CASE WHEN x.max_score > 0 AND x.score IS NOT NULL THEN x.score * 100 / x.max_score END) AS BIGINT) AS best, CAST(MAX(x.passed) AS BIGINT) AS passed \
                     FROM study_attempts x JOIN officers o ON o.id = x.officer_id JOIN units u ON u.id = o.unit_id \
                     WHERE x.test_id = ? AND x.state <> 'open' AND {scope} GROUP BY o.name, o.badge, u.name, u.path ORDER BY u.path, o.badge LIMIT 10000"
                ),
                v,
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TestResult {
                    name: get(r, "name")?,
                    badge: get(r, "badge")?,
                    unit_name: get(r, "unit_name")?,
                    attempts: get(r, "attempts")?,
                    best_percent: get(r, "best")?,
                    passed: get::<Option<i64>>(r, "passed")?.unwrap_or(0) != 0,
                })
            })
            .collect()
    }

    /// Open tests of the officer's unit and the units above it, with the officer's standing in each.
    pub async fn officer_tests(&self, actor: &Actor, now_ms: i64) -> Result<Vec<OfficerTest>> {
        let me = self.study_me(actor).await?;
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {TEST_COLUMNS} FROM study_tests s JOIN units u ON u.id = s.unit_id WHERE s.open = 1 AND ? LIKE u.path || '%' ORDER BY s.created_at DESC"),
                vals![me.unit_path.as_str()],
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let test = test_from(r)?;
            let (used, best, passed, open) =
                self.officer_standing(&test.id, &me.id, now_ms).await?;
            out.push(OfficerTest {
                test,
                used,
                best_percent: best,
                passed,
                open_attempt: open,
            });
        }
        Ok(out)
    }

    /// The test if the officer may take it: open, and set by their unit or a unit above.
    pub async fn officer_test(
        &self,
        actor: &Actor,
        test_id: &str,
        now_ms: i64,
    ) -> Result<OfficerTest> {
        self.officer_tests(actor, now_ms)
            .await?
            .into_iter()
            .find(|t| t.test.id == test_id)
            .ok_or(StoreError::NotFound)
    }

    /// (attempts used, best percent, passed, open attempt within time).
    async fn officer_standing(
        &self,
        test_id: &str,
        officer_id: &str,
        now_ms: i64,
    ) -> Result<(i64, Option<i64>, bool, Option<String>)> {
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                "SELECT id, state, deadline_at, score, max_score, passed FROM study_attempts WHERE test_id = ? AND officer_id = ? ORDER BY attempt_no",
                vals![test_id, officer_id],
            )
            .await?;
        let (mut best, mut passed, mut open) = (None::<i64>, false, None);
        for r in &rows {
            let state: String = get(r, "state")?;
            let deadline: i64 = get(r, "deadline_at")?;
            if state == "open" && deadline + domain::study::SUBMIT_GRACE_MS >= now_ms {
                open = Some(get(r, "id")?);
            }
            let max: i32 = get(r, "max_score")?;
            if let Some(score) = get::<Option<i32>>(r, "score")?.filter(|_| max > 0) {
                let pct = i64::from(score) * 100 / i64::from(max);
                best = Some(best.map_or(pct, |b| b.max(pct)));
            }
            passed |= get::<i32>(r, "passed")? != 0;
        }
        Ok((rows.len() as i64, best, passed, open))
    }

    /// Starts an attempt: closes any timed-out one, checks the limit, draws the questions at random and
    /// fixes the deadline from the server's clock.
    pub async fn start_attempt(&self, actor: &Actor, test_id: &str, now_ms: i64) -> Result<String> {
        let me = self.study_me(actor).await?;
        let t = self.officer_test(actor, test_id, now_ms).await?.test;
        let mut ids = self
            .bank_ids(&t.campaign_id, &self.unit_by_id(&t.unit_id).await?.path)
            .await?;
        ids.shuffle(&mut rand::rng());
        ids.truncate(t.question_count as usize);
        if (ids.len() as i64) < t.question_count {
            return Err(StoreError::invalid(
                "test",
                "题库中的题目不足，暂时无法开始测试，请联系组织单位",
            ));
        }
        let questions = self.questions_by_id(&ids).await?;
        let max_score: i64 = questions.iter().map(|q| q.points).sum();
        let id = new_id();
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let sql = Sql::of(&txn);
        sql.exec(
            &txn,
            &format!("UPDATE study_attempts SET state = 'expired', score = 0, passed = 0, submitted_at = ? WHERE test_id = ? AND officer_id = ? AND {STALE}"),
            vals![now_ms, t.id.as_str(), me.id.as_str(), now_ms - domain::study::SUBMIT_GRACE_MS],
        )
        .await?;
        let used = sql
            .scalar(
                &txn,
                "SELECT COUNT(*) FROM study_attempts WHERE test_id = ? AND officer_id = ?",
                vals![t.id.as_str(), me.id.as_str()],
            )
            .await?;
        let open = sql
            .scalar(
                &txn,
                "SELECT COUNT(*) FROM study_attempts WHERE test_id = ? AND officer_id = ? AND state = 'open'",
                vals![t.id.as_str(), me.id.as_str()],
            )
            .await?;
        check_start(used as u32, t.max_attempts as u32, open > 0)?;
        let deadline = now_ms + t.time_limit_minutes * 60_000;
        let qids = serde_json::to_string(&ids).map_err(|e| StoreError::Integrity(e.to_string()))?;
        sql.exec(
            &txn,
            "INSERT INTO study_attempts (id, test_id, officer_id, attempt_no, question_ids, answers, state, started_at, deadline_at, submitted_at, score, max_score, passed) VALUES (?, ?, ?, ?, ?, NULL, 'open', ?, ?, NULL, NULL, ?, 0)",
            vals![id.as_str(), t.id.as_str(), me.id.as_str(), (used + 1) as i32, qids, now_ms, deadline, max_score as i32],
        )
        .await?;
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.attempt_start",
            &format!("study_test:{}", t.id),
            &format!("attempt={}", used + 1),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    async fn questions_by_id(&self, ids: &[String]) -> Result<Vec<Question>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let marks = vec!["?"; ids.len()].join(",");
        let v: Vec<Value> = ids.iter().map(|i| Value::from(i.as_str())).collect();
        let rows = Sql::of(&self.db)
            .all(
                &self.db,
                &format!("SELECT {QUESTION_COLUMNS} FROM study_questions q JOIN units u ON u.id = q.unit_id WHERE q.id IN ({marks})"),
                v,
            )
            .await?;
        let mut by_id: HashMap<String, Question> = rows
            .iter()
            .map(question_from)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .map(|q| (q.id.clone(), q))
            .collect();
        // In drawn order; a question removed since is a data error, not something to skip silently.
        ids.iter()
            .map(|i| {
                by_id
                    .remove(i)
                    .ok_or_else(|| StoreError::Integrity(format!("question {i} missing")))
            })
            .collect()
    }

    /// The officer's own attempt; `NotFound` for anyone else's.
    async fn my_attempt_row(&self, actor: &Actor, attempt_id: &str) -> Result<QueryResult> {
        let me = self.study_me(actor).await?;
        Sql::of(&self.db)
            .one(
                &self.db,
                "SELECT x.id, x.test_id, s.title, s.pass_percent, x.attempt_no, x.question_ids, x.answers, x.state, x.started_at, x.deadline_at, x.submitted_at, x.score, x.max_score, x.passed FROM study_attempts x JOIN study_tests s ON s.id = x.test_id WHERE x.id = ? AND x.officer_id = ?",
                vals![attempt_id, me.id.as_str()],
            )
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The attempt with its questions; answers and the grade only once it is over.
    pub async fn attempt_view(
        &self,
        actor: &Actor,
        attempt_id: &str,
        now_ms: i64,
    ) -> Result<AttemptView> {
        let r = self.my_attempt_row(actor, attempt_id).await?;
        let ids: Vec<String> = serde_json::from_str(&get::<String>(&r, "question_ids")?)
            .map_err(|e| StoreError::Integrity(e.to_string()))?;
        let answers: Vec<Option<String>> = get::<Option<String>>(&r, "answers")?
            .and_then(|a| serde_json::from_str(&a).ok())
            .unwrap_or_default();
        let mut state: String = get(&r, "state")?;
        let deadline: i64 = get(&r, "deadline_at")?;
        if state == "open" && now_ms > deadline + domain::study::SUBMIT_GRACE_MS {
            state = "expired".into();
        }
        let over = state != "open";
        let questions = self.questions_by_id(&ids).await?;
        let pass_percent = get::<i32>(&r, "pass_percent")?.max(0) as u32;
        let items: Vec<GradeItem> = questions
            .iter()
            .enumerate()
            .map(|(i, q)| grade_item(q, answers.get(i).cloned().flatten().as_deref()))
            .collect();
        let g = grade(&items, pass_percent);
        let drawn = questions
            .iter()
            .enumerate()
            .map(|(i, q)| DrawnQuestion {
                id: q.id.clone(),
                kind: q.kind.clone(),
                kind_label: q.kind_label(),
                stem: q.stem.clone(),
                options: q
                    .options
                    .iter()
                    .enumerate()
                    .filter_map(|(k, o)| o.clone().map(|o| (AnswerSet::LETTERS[k], o)))
                    .collect(),
                chosen: answers.get(i).cloned().flatten().unwrap_or_default(),
                correct: over.then(|| q.answer.clone()),
                right: over.then(|| g.right[i]),
                points: q.points,
            })
            .collect();
        Ok(AttemptView {
            id: get(&r, "id")?,
            test_id: get(&r, "test_id")?,
            test_title: get(&r, "title")?,
            attempt_no: i64::from(get::<i32>(&r, "attempt_no")?),
            because: if state == "graded" {
                g.because
            } else if state == "expired" {
                vec!["超过作答时限未交卷，本次作答记为0分".into()]
            } else {
                vec![]
            },
            state,
            started_at: get(&r, "started_at")?,
            deadline_at: deadline,
            submitted_at: get(&r, "submitted_at")?,
            score: get::<Option<i32>>(&r, "score")?.map(i64::from),
            max_score: i64::from(get::<i32>(&r, "max_score")?),
            passed: get::<i32>(&r, "passed")? != 0,
            questions: drawn,
        })
    }

    /// Hands in an attempt: refused (and the attempt closed at 0) once the server's deadline has passed,
    /// otherwise graded and stored.
    pub async fn submit_attempt(
        &self,
        actor: &Actor,
        attempt_id: &str,
        answers: &[Option<AnswerSet>],
        now_ms: i64,
    ) -> Result<Grade> {
        let r = self.my_attempt_row(actor, attempt_id).await?;
        let state: String = get(&r, "state")?;
        if state != "open" {
            return Err(StoreError::invalid(
                "attempt",
                "本次作答已经结束，不能再次交卷",
            ));
        }
        let deadline: i64 = get(&r, "deadline_at")?;
        let test_id: String = get(&r, "test_id")?;
        if let Err(late) = check_submit_time(now_ms, deadline) {
            let _w = self.write_lock.lock().await;
            let txn = self.db.begin().await?;
            Sql::of(&txn)
                .exec(
                    &txn,
                    "UPDATE study_attempts SET state = 'expired', score = 0, passed = 0, submitted_at = ? WHERE id = ? AND state = 'open'",
                    vals![now_ms, attempt_id],
                )
                .await?;
            append(
                &txn,
                &self.audit_key(),
                &actor.audit(),
                "study.attempt_late",
                &format!("study_test:{test_id}"),
                attempt_id,
            )
            .await?;
            txn.commit().await?;
            return Err(StoreError::Invalid(late));
        }
        let ids: Vec<String> = serde_json::from_str(&get::<String>(&r, "question_ids")?)
            .map_err(|e| StoreError::Integrity(e.to_string()))?;
        let questions = self.questions_by_id(&ids).await?;
        let given: Vec<Option<String>> = (0..questions.len())
            .map(|i| {
                answers
                    .get(i)
                    .copied()
                    .flatten()
                    .filter(|a| !a.is_empty())
                    .map(|a| a.letters())
            })
            .collect();
        let items: Vec<GradeItem> = questions
            .iter()
            .zip(&given)
            .map(|(q, a)| grade_item(q, a.as_deref()))
            .collect();
        let pass_percent = get::<i32>(&r, "pass_percent")?.max(0) as u32;
        let g = grade(&items, pass_percent);
        let answers_json =
            serde_json::to_string(&given).map_err(|e| StoreError::Integrity(e.to_string()))?;
        let _w = self.write_lock.lock().await;
        let txn = self.db.begin().await?;
        let n = Sql::of(&txn)
            .exec(
                &txn,
                "UPDATE study_attempts SET state = 'graded', answers = ?, score = ?, max_score = ?, passed = ?, submitted_at = ? WHERE id = ? AND state = 'open'",
                vals![answers_json, g.score as i32, g.max_score as i32, i32::from(g.passed), now_ms, attempt_id],
            )
            .await?;
        if n != 1 {
            return Err(StoreError::invalid(
                "attempt",
                "本次作答已经结束，不能再次交卷",
            ));
        }
        append(
            &txn,
            &self.audit_key(),
            &actor.audit(),
            "study.attempt_submit",
            &format!("study_test:{test_id}"),
            &format!("{} score={}/{}", attempt_id, g.score, g.max_score),
        )
        .await?;
        txn.commit().await?;
        Ok(g)
    }
}

fn grade_item(q: &Question, given: Option<&str>) -> GradeItem {
    GradeItem {
        kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Single),
        correct: q.answer_set(),
        points: q.points.max(0) as u32,
        given: given
            .and_then(AnswerSet::parse_letters)
            .filter(|a| !a.is_empty()),
    }
}
