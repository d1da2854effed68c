//! The question bank (list, .xlsx import and export) and online tests: staff set tests up and read the
//! results; officers start an attempt, answer within the time the server holds, and see their grade.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use domain::study::{AnswerSet, QuestionDraft, QuestionKind, TestInput, validate_question};
use reports::{Cell, RowError};
use serde::Deserialize;
use store::StoreError;
use store::study::{AttemptView, OfficerTest, Question, StudyTest, TestResult};

use super::{
    Campaigns, FieldErrors, MAX_UPLOAD, Opt, export_xlsx, file_err, parse_sheet, read_upload,
    render, shown, stamp, xlsx_download,
};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::view::{Nav, Pager, fmt_time, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/study/questions", get(questions_page))
        .route("/study/questions/template.xlsx", get(questions_template))
        .route("/study/questions/export", get(questions_export))
        .route(
            "/study/questions/import",
            post(questions_import).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/study/questions/{id}/toggle", post(question_toggle))
        .route("/study/tests", get(tests_page).post(create_test))
        .route("/study/tests/{id}", get(test_page))
        .route("/study/tests/{id}/open", post(test_open))
        .route("/study/tests/{id}/start", post(start))
        .route("/study/tests/{id}/results.xlsx", get(results_export))
        .route("/study/attempts/{id}", get(attempt_page).post(submit))
}

// ---------- question bank ----------

pub const QUESTION_HEADERS: &[&str] = &["题型", "题干", "答案"];
const OPTION_HEADERS: [&str; 4] = ["选项A", "选项B", "选项C", "选项D"];
const POINTS_HEADER: &str = "分值";
pub const MAX_QUESTION_ROWS: usize = 10_000;

/// The spreadsheet column a question field comes from.
fn column_of(field: Option<&str>) -> &'static str {
    match field {
        Some("kind") => "题型",
        Some("stem") => "题干",
        Some("option_a") => "选项A",
        Some("option_b") => "选项B",
        Some("option_c") => "选项C",
        Some("option_d") => "选项D",
        Some("points") => "分值",
        _ => "答案",
    }
}

/// Checks every row of a bank sheet against itself; returns the questions or every problem found.
pub fn plan_questions(
    sheet: &reports::Sheet,
) -> Result<Vec<(usize, QuestionDraft)>, Vec<RowError>> {
    let opt_cols: Vec<Option<usize>> = OPTION_HEADERS.iter().map(|h| sheet.column(h)).collect();
    let points_col = sheet.column(POINTS_HEADER);
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(sheet.rows.len());
    let mut first: HashMap<String, usize> = HashMap::new();
    for (row, cells) in &sheet.rows {
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let options = [
            cell(opt_cols[0]),
            cell(opt_cols[1]),
            cell(opt_cols[2]),
            cell(opt_cols[3]),
        ];
        match validate_question(
            cell(Some(0)),
            cell(Some(1)),
            options,
            cell(Some(2)),
            cell(points_col),
        ) {
            Ok(q) => match first.get(&q.stem) {
                Some(f) => errors.push(RowError {
                    row: *row,
                    column: Some("题干".into()),
                    message: format!("与第{f}行的题干重复"),
                }),
                None => {
                    first.insert(q.stem.clone(), *row);
                    out.push((*row, q));
                }
            },
            Err(errs) => errors.extend(errs.into_iter().map(|e| RowError {
                row: *row,
                column: Some(column_of(e.field).into()),
                message: e.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[derive(Deserialize, Default)]
struct BankQuery {
    campaign: Option<String>,
    page: Option<u64>,
    imported: Option<usize>,
}

#[derive(Template)]
#[template(path = "study/questions.html")]
struct BankPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    campaign: String,
    questions: Vec<Question>,
    pager: Pager,
    message: Option<String>,
    errors: Vec<RowError>,
    more_errors: usize,
}

impl BankPage {
    fn options(&self, q: &Question) -> String {
        q.options
            .iter()
            .zip(AnswerSet::LETTERS)
            .filter_map(|(o, l)| o.as_ref().map(|o| format!("{l}. {o}")))
            .collect::<Vec<_>>()
            .join("　")
    }
}

async fn bank_for(
    state: &AppState,
    s: &Staff,
    bq: BankQuery,
    errors: Vec<RowError>,
) -> Result<Response, Error> {
    let c = Campaigns::load(state, bq.campaign.as_deref()).await?;
    let per_page = 50;
    let page_no = bq.page.unwrap_or(1).clamp(1, 1_000_000);
    let (questions, total) = if c.current.is_some() {
        state
            .store
            .questions(&s.actor, c.id(), (page_no - 1) * per_page, per_page)
            .await?
    } else {
        (vec![], 0)
    };
    let failed = !errors.is_empty();
    let (errors, more_errors) = shown(errors);
    Ok(render(
        &BankPage {
            nav: s.nav("/study/questions"),
            campaigns: c.options(),
            campaign: c.id().to_string(),
            questions,
            pager: Pager::new(
                Some(page_no),
                per_page,
                total,
                format!("campaign={}&", q(c.id())),
            ),
            message: bq.imported.map(|n| format!("导入成功，共导入{n}道题目。")),
            errors,
            more_errors,
        },
        failed,
    ))
}

async fn questions_page(
    State(state): State<AppState>,
    s: Staff,
    Query(bq): Query<BankQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    bank_for(&state, &s, bq, vec![]).await
}

async fn questions_template(s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let notes = [
        "题型：必填，填写 单选题、多选题 或 判断题（也可写 单选、多选、判断）。",
        "题干：必填，不超过1000字；同一份文件中题干不能重复。",
        "选项A至选项D：选择题从A起依次填写，至少A、B两项；判断题不填选项。",
        "答案：选择题填选项字母，如 A 或 ABD（多选题须全部选对才得分）；判断题填 对 或 错。",
        "分值：1至100的整数，不填按1分计。",
        "一次最多导入10000道题；任何一行有错误时整份文件都不会导入。",
    ];
    let headers = [
        "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值",
    ];
    let bytes = reports::template_xlsx(
        "题库",
        &headers,
        &[
            "单选题",
            "政法队伍教育整顿的三个环节中，第一个环节是？",
            "学习教育",
            "查纠整改",
            "总结提升",
            "",
            "A",
            "2",
        ],
        &notes,
    )?;
    Ok(xlsx_download(
        bytes,
        "questions-template.xlsx",
        "题库导入模板.xlsx",
    ))
}

async fn questions_import(
    State(state): State<AppState>,
    s: Staff,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => return bank_for(&state, &s, BankQuery::default(), vec![file_err(m)]).await,
    };
    s.check_csrf(&up.csrf)?;
    let bq = || BankQuery {
        campaign: Some(up.campaign.clone()),
        ..BankQuery::default()
    };
    let Some(bytes) = up.file.clone() else {
        return bank_for(
            &state,
            &s,
            bq(),
            vec![file_err("请选择要导入的 Excel 文件（.xlsx）")],
        )
        .await;
    };
    let sheet = match parse_sheet(bytes, QUESTION_HEADERS, MAX_QUESTION_ROWS).await {
        Ok(sh) => sh,
        Err(m) => return bank_for(&state, &s, bq(), vec![file_err(m)]).await,
    };
    let planned = match plan_questions(&sheet) {
        Ok(p) => p,
        Err(errors) => return bank_for(&state, &s, bq(), errors).await,
    };
    let stems: Vec<&str> = planned.iter().map(|(_, q)| q.stem.as_str()).collect();
    let taken: HashSet<String> = state
        .store
        .existing_stems(&s.actor, &up.campaign, &stems)
        .await?
        .into_iter()
        .collect();
    let errors: Vec<RowError> = planned
        .iter()
        .filter(|(_, q)| taken.contains(&q.stem))
        .map(|(row, _)| RowError {
            row: *row,
            column: Some("题干".into()),
            message: "本单位题库中已有相同题干的题目".into(),
        })
        .collect();
    if !errors.is_empty() {
        return bank_for(&state, &s, bq(), errors).await;
    }
    let drafts: Vec<QuestionDraft> = planned.into_iter().map(|(_, q)| q).collect();
    match state
        .store
        .import_questions(&s.actor, &up.campaign, &drafts)
        .await
    {
        Ok(n) => Ok(Redirect::to(&format!(
            "/study/questions?campaign={}&imported={n}",
            q(&up.campaign)
        ))
        .into_response()),
        Err(StoreError::Invalid(e)) => {
            bank_for(
                &state,
                &s,
                bq(),
                vec![file_err(format!("{}，本次没有导入任何题目", e.message))],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

const QUESTION_EXPORT_HEADERS: &[&str] = &[
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "答案",
    "分值",
    "所属单位",
    "状态",
];

async fn questions_export(
    State(state): State<AppState>,
    s: Staff,
    Query(bq): Query<BankQuery>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let c = Campaigns::load(&state, bq.campaign.as_deref()).await?;
    let campaign = c.id().to_string();
    let (actor, st, cid) = (s.actor.clone(), state.clone(), campaign.clone());
    let (bytes, n) = export_xlsx("题库", QUESTION_EXPORT_HEADERS, move |tx| async move {
        let mut after = String::new();
        let mut n = 0u64;
        loop {
            let page = st.store.questions_after(&actor, &cid, &after, 2000).await?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            for qn in page {
                n += 1;
                let answer = if qn.kind == QuestionKind::TrueFalse.as_str() {
                    if qn.answer == "A" { "对" } else { "错" }.to_string()
                } else {
                    qn.answer.clone()
                };
                let mut row = vec![
                    Cell::Text(qn.kind_label().into()),
                    Cell::Text(qn.stem.clone()),
                ];
                row.extend(qn.options.iter().map(|o| {
                    Cell::Text(if qn.kind == QuestionKind::TrueFalse.as_str() {
                        String::new()
                    } else {
                        o.clone().unwrap_or_default()
                    })
                }));
                row.extend([
                    Cell::Text(answer),
                    Cell::Int(qn.points),
                    Cell::Text(qn.unit_name.clone()),
                    Cell::Text(if qn.active { "启用" } else { "停用" }.into()),
                ]);
                if tx.send(row).await.is_err() {
                    return Ok(n);
                }
            }
        }
        Ok(n)
    })
    .await?;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "study.question_export",
            &format!("campaign:{campaign}"),
            &format!("{n} rows"),
        )
        .await?;
    Ok(xlsx_download(
        bytes,
        &format!("questions-{}.xlsx", stamp()),
        &format!("题库-{}.xlsx", stamp()),
    ))
}

#[derive(Deserialize)]
struct ToggleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
    #[serde(default)]
    campaign: String,
}

async fn question_toggle(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<ToggleForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    s.check_csrf(&f.csrf)?;
    state
        .store
        .set_question_active(&s.actor, &id, f.active == "1")
        .await?;
    Ok(Redirect::to(&format!("/study/questions?campaign={}", q(&f.campaign))).into_response())
}

// ---------- tests: staff ----------

#[derive(Deserialize, Default, Clone)]
struct TestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    question_count: String,
    #[serde(default)]
    time_limit_minutes: String,
    #[serde(default)]
    pass_percent: String,
    #[serde(default)]
    max_attempts: String,
}

#[derive(Template)]
#[template(path = "study/tests.html")]
struct TestsPage {
    nav: Nav,
    campaigns: Vec<Opt>,
    campaign: String,
    manager: bool,
    tests: Vec<StudyTest>,
    mine: Vec<OfficerTest>,
    units: Vec<Opt>,
    form: TestForm,
    errors: FieldErrors,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
struct TestsQuery {
    campaign: Option<String>,
}

async fn tests_for(
    state: &AppState,
    s: &Staff,
    campaign: Option<&str>,
    form: TestForm,
    errors: FieldErrors,
) -> Result<Response, Error> {
    let manager = s.actor.role.can(Permission::ManageStudy);
    if !manager && !s.actor.role.can(Permission::TakeStudy) {
        return Err(Error::Forbidden);
    }
    let c = Campaigns::load(state, campaign).await?;
    let mut problem = None;
    let (tests, mine, units) = if manager {
        let units = state.store.units_in_scope(&s.actor).await?;
        let sel = if form.unit_id.is_empty() {
            s.actor.unit_id.clone()
        } else {
            form.unit_id.clone()
        };
        let units = units
            .iter()
            .map(|u| Opt {
                value: u.id.clone(),
                label: format!("{}{}", "　".repeat(u.depth), u.name),
                selected: u.id == sel,
            })
            .collect();
        let tests = if c.current.is_some() {
            state.store.study_tests(&s.actor, Some(c.id())).await?
        } else {
            vec![]
        };
        (tests, vec![], units)
    } else {
        let mine = match state.store.officer_tests(&s.actor, store::now_ms()).await {
            Ok(m) => m
                .into_iter()
                .filter(|t| t.test.campaign_id == c.id())
                .collect(),
            Err(StoreError::Invalid(e)) => {
                problem = Some(e.message);
                vec![]
            }
            Err(e) => return Err(e.into()),
        };
        (vec![], mine, vec![])
    };
    let failed = errors.any();
    let form = TestForm {
        question_count: if form.question_count.is_empty() {
            "20".into()
        } else {
            form.question_count
        },
        time_limit_minutes: if form.time_limit_minutes.is_empty() {
            "30".into()
        } else {
            form.time_limit_minutes
        },
        pass_percent: if form.pass_percent.is_empty() {
            "60".into()
        } else {
            form.pass_percent
        },
        max_attempts: if form.max_attempts.is_empty() {
            "3".into()
        } else {
            form.max_attempts
        },
        ..form
    };
    Ok(render(
        &TestsPage {
            nav: s.nav("/study/tests"),
            campaigns: c.options(),
            campaign: c.id().to_string(),
            manager,
            tests,
            mine,
            units,
            form,
            errors,
            problem,
        },
        failed,
    ))
}

async fn tests_page(
    State(state): State<AppState>,
    s: Staff,
    Query(tq): Query<TestsQuery>,
) -> Result<Response, Error> {
    tests_for(
        &state,
        &s,
        tq.campaign.as_deref(),
        TestForm::default(),
        FieldErrors::default(),
    )
    .await
}

async fn create_test(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<TestForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    s.check_csrf(&f.csrf)?;
    let input = TestInput {
        title: f.title.clone(),
        question_count: f.question_count.clone(),
        time_limit_minutes: f.time_limit_minutes.clone(),
        pass_percent: f.pass_percent.clone(),
        max_attempts: f.max_attempts.clone(),
    };
    let campaign = f.campaign.clone();
    let draft = match input.validate() {
        Ok(d) => d,
        Err(errs) => return tests_for(&state, &s, Some(&campaign), f, FieldErrors(errs)).await,
    };
    match state
        .store
        .create_test(&s.actor, &f.campaign, &f.unit_id, &draft)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/study/tests/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            tests_for(&state, &s, Some(&campaign), f, FieldErrors(vec![e])).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "study/test.html")]
struct TestPage {
    nav: Nav,
    t: StudyTest,
    manager: bool,
    results: Vec<TestResult>,
    mine: Option<OfficerTest>,
    error: Option<String>,
}

async fn test_page_for(
    state: &AppState,
    s: &Staff,
    id: &str,
    error: Option<String>,
) -> Result<Response, Error> {
    let failed = error.is_some();
    if s.actor.role.can(Permission::ManageStudy) {
        let t = state.store.study_test_in_scope(&s.actor, id).await?;
        let results = state.store.test_results(&s.actor, id).await?;
        return Ok(render(
            &TestPage {
                nav: s.nav("/study/tests"),
                t,
                manager: true,
                results,
                mine: None,
                error,
            },
            failed,
        ));
    }
    s.require(Permission::TakeStudy)?;
    let mine = state
        .store
        .officer_test(&s.actor, id, store::now_ms())
        .await?;
    Ok(render(
        &TestPage {
            nav: s.nav("/study/tests"),
            t: mine.test.clone(),
            manager: false,
            results: vec![],
            mine: Some(mine),
            error,
        },
        failed,
    ))
}

async fn test_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    test_page_for(&state, &s, &id, None).await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    open: String,
}

async fn test_open(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    s.check_csrf(&f.csrf)?;
    state
        .store
        .set_test_open(&s.actor, &id, f.open == "1")
        .await?;
    Ok(Redirect::to(&format!("/study/tests/{id}")).into_response())
}

const RESULT_HEADERS: &[&str] = &[
    "警号",
    "姓名",
    "单位",
    "作答次数",
    "最好成绩（%）",
    "是否通过",
];

async fn results_export(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    s.require(Permission::ManageStudy)?;
    let t = state.store.study_test_in_scope(&s.actor, &id).await?;
    let results = state.store.test_results(&s.actor, &id).await?;
    let (bytes, n) = export_xlsx("测试成绩", RESULT_HEADERS, move |tx| async move {
        let mut n = 0u64;
        for r in results {
            n += 1;
            let row = vec![
                Cell::Text(r.badge),
                Cell::Text(r.name),
                Cell::Text(r.unit_name),
                Cell::Int(r.attempts),
                r.best_percent.map(Cell::Int).unwrap_or(Cell::Empty),
                Cell::Text(if r.passed { "通过" } else { "未通过" }.into()),
            ];
            if tx.send(row).await.is_err() {
                break;
            }
        }
        Ok(n)
    })
    .await?;
    state
        .store
        .audit_now(
            &s.actor.audit(),
            "study.results_export",
            &format!("study_test:{}", t.id),
            &format!("{n} rows"),
        )
        .await?;
    Ok(xlsx_download(
        bytes,
        &format!("test-results-{}.xlsx", stamp()),
        &format!("{}-成绩.xlsx", t.title),
    ))
}

// ---------- tests: officers ----------

async fn start(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    s.check_csrf(&f.csrf)?;
    match state
        .store
        .start_attempt(&s.actor, &id, store::now_ms())
        .await
    {
        Ok(aid) => Ok(Redirect::to(&format!("/study/attempts/{aid}")).into_response()),
        Err(StoreError::Invalid(e)) => test_page_for(&state, &s, &id, Some(e.message)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "study/attempt.html")]
struct AttemptPage {
    nav: Nav,
    a: AttemptView,
    minutes_left: i64,
    deadline: String,
    error: Option<String>,
}

impl AttemptPage {
    fn multiple(&self, kind: &str) -> bool {
        kind == QuestionKind::Multiple.as_str()
    }
    fn chose(&self, chosen: &str, letter: &char) -> bool {
        chosen.contains(*letter)
    }
}

async fn attempt_for(
    state: &AppState,
    s: &Staff,
    id: &str,
    error: Option<String>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    let now = store::now_ms();
    let a = state.store.attempt_view(&s.actor, id, now).await?;
    let failed = error.is_some();
    Ok(render(
        &AttemptPage {
            nav: s.nav("/study/tests"),
            minutes_left: ((a.deadline_at - now).max(0) + 59_999) / 60_000,
            deadline: fmt_time(a.deadline_at),
            a,
            error,
        },
        failed,
    ))
}

async fn attempt_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    attempt_for(&state, &s, &id, None).await
}

/// Answers arrive as `q0=A`, `q1=A&q1=C`, …; a field that is not ours is ignored.
fn answers_from(pairs: &[(String, String)], n: usize) -> Vec<Option<AnswerSet>> {
    let mut out = vec![None::<AnswerSet>; n];
    for (k, v) in pairs {
        let Some(i) = k
            .strip_prefix('q')
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < n)
        else {
            continue;
        };
        if let Some(set) = AnswerSet::parse_letters(v).filter(|s| s.len() == 1) {
            out[i] = Some(AnswerSet::from_bits(
                out[i].unwrap_or_default().bits() | set.bits(),
            ));
        }
    }
    out
}

async fn submit(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    s.require(Permission::TakeStudy)?;
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    s.check_csrf(csrf)?;
    let view = state
        .store
        .attempt_view(&s.actor, &id, store::now_ms())
        .await?;
    let answers = answers_from(&pairs, view.questions.len());
    match state
        .store
        .submit_attempt(&s.actor, &id, &answers, store::now_ms())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/study/attempts/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => attempt_for(&state, &s, &id, Some(e.message)).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_collect_checkboxes_and_ignore_the_rest() {
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        let a = answers_from(
            &[
                p("csrf", "x"),
                p("q0", "B"),
                p("q1", "A"),
                p("q1", "C"),
                p("q9", "A"),
                p("q2", "AB"),
                p("qx", "A"),
            ],
            3,
        );
        assert_eq!(a[0].map(|s| s.letters()), Some("B".into()));
        assert_eq!(a[1].map(|s| s.letters()), Some("AC".into()));
        assert_eq!(a[2], None);
    }

    #[test]
    fn bank_rows_report_their_columns() {
        let sheet = reports::Sheet {
            headers: ["题型", "题干", "答案", "选项A", "选项B", "分值"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: vec![
                (
                    2,
                    ["单选题", "第一题的题干", "A", "甲", "乙", "2"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ),
                (
                    3,
                    ["问答题", "第二题的题干", "A", "甲", "乙", "x"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ),
                (
                    4,
                    ["判断", "第一题的题干", "对", "", "", ""]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ),
            ],
        };
        let errs = plan_questions(&sheet).unwrap_err();
        let cols: Vec<(usize, &str)> = errs
            .iter()
            .map(|e| (e.row, e.column.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(cols, [(3, "题型"), (3, "分值"), (4, "题干")]);
    }
}
