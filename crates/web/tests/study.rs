//! Study pages over HTTP: every new route refuses the roles it is not for, another unit's rows answer
//! 404, an officer signs in on a phone with the venue code, a test handed in after its time is refused,
//! and bad spreadsheets (missing columns, wrong values, 100,000 bad rows, a zip bomb, not a workbook)
//! come back as clear errors with nothing imported.

mod common;

use common::{
    DISTRICT_A, DISTRICT_B, ONE_PER_ROLE, TestApp, expect_status, hidden, location, on_each_backend,
};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use store::{now_ms, vals};

/// A campaign row, as the campaign module stores it.
async fn campaign(app: &TestApp) -> String {
    let id = store::new_id();
    app.exec(
        "INSERT INTO campaigns (id, name, template, unit_id, status, created_by, created_at, updated_at) VALUES (?, ?, 'education', ?, 'active', NULL, ?, ?)",
        vals![id.as_str(), "2024年政法队伍教育整顿", app.unit_id(common::ROOT), now_ms(), now_ms()],
    )
    .await;
    id
}

fn today() -> String {
    store::clues::today().format("%Y-%m-%d").to_string()
}

/// Creates an activity through the form; returns its id.
async fn new_activity(app: &TestApp, c: &reqwest::Client, campaign: &str, unit: &str) -> String {
    let csrf = app.csrf(c, "/study/activities/new").await;
    let unit_id = app.unit_id(unit);
    let res = c
        .post(app.url("/study/activities/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", campaign),
            ("unit_id", unit_id.as_str()),
            ("kind", "warning"),
            ("title", "警示教育大会"),
            ("day", today().as_str()),
            ("hours", "2"),
            ("venue", "分局礼堂"),
            (
                "cases",
                "某区法院原副院长违规干预案件、收受当事人财物被开除党籍一案",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "create activity: {}",
        res.text().await.unwrap_or_default()
    );
    location(&res).rsplit('/').next().unwrap().to_string()
}

/// An .xlsx with these headers and rows, written by the same writer the exports use.
fn xlsx(headers: &[&str], rows: Vec<Vec<String>>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    let rows = rows
        .into_iter()
        .map(|r| r.into_iter().map(reports::Cell::Text).collect::<Vec<_>>());
    reports::write_xlsx(&path, "Sheet1", headers, rows).unwrap();
    std::fs::read(path).unwrap()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    csrf: &str,
    campaign: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("csrf", csrf.to_string())
        .text("campaign", campaign.to_string())
        .part(
            "file",
            Part::bytes(bytes)
                .file_name("导入.xlsx")
                .mime_str("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .unwrap(),
        );
    c.post(app.url(path)).multipart(form).send().await.unwrap()
}

async fn count(app: &TestApp, sql: &str, v: Vec<sea_orm::Value>) -> i64 {
    let conn = app.store.connection();
    store::Sql::of(conn).scalar(conn, sql, v).await.unwrap()
}

const QUESTION_HEADERS: &[&str] = &[
    "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值",
];

fn bank_file() -> Vec<u8> {
    xlsx(
        QUESTION_HEADERS,
        vec![
            strings(&[
                "单选题",
                "教育整顿的第一个环节是？",
                "学习教育",
                "查纠整改",
                "总结提升",
                "",
                "A",
                "10",
            ]),
            strings(&[
                "多选题",
                "六大顽瘴痼疾包括哪些？",
                "违规经商办企业",
                "违规参股借贷",
                "上班迟到",
                "",
                "AB",
                "10",
            ]),
            strings(&[
                "判断题",
                "实行“自查从宽、被查从严”政策。",
                "",
                "",
                "",
                "",
                "对",
                "10",
            ]),
        ],
    )
}

/// Everything the route checks need: a campaign, an activity of district A, a bank, a test of district A,
/// an essay and an attempt by the district's officer.
struct Fixture {
    campaign: String,
    activity: String,
    test: String,
    essay: String,
    attempt: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let campaign = campaign(app).await;
    let office = app.login("office").await;
    let activity = new_activity(app, &office, &campaign, DISTRICT_A).await;
    let csrf = app.csrf(&office, "/study/questions").await;
    let res = upload(
        app,
        &office,
        "/study/questions/import",
        &csrf,
        &campaign,
        bank_file(),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "bank import: {}",
        res.text().await.unwrap_or_default()
    );
    let test = new_test(app, &office, &campaign, DISTRICT_A, "2").await;
    let officer = app.login("ganjing").await;
    let csrf = app.csrf(&officer, "/study/essays/new").await;
    let body = "通过这次教育整顿学习，我对照检查了自己的思想和工作，".repeat(12);
    let res = officer
        .post(app.url("/study/essays/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", campaign.as_str()),
            ("title", "学习体会"),
            ("body", body.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "essay: {}",
        res.text().await.unwrap_or_default()
    );
    let essay = location(&res).rsplit('/').next().unwrap().to_string();
    let attempt = start(app, &officer, &test).await;
    Fixture {
        campaign,
        activity,
        test,
        essay,
        attempt,
    }
}

async fn new_test(
    app: &TestApp,
    c: &reqwest::Client,
    campaign: &str,
    unit: &str,
    attempts: &str,
) -> String {
    let csrf = app.csrf(c, "/study/tests").await;
    let unit_id = app.unit_id(unit);
    let res = c
        .post(app.url("/study/tests"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", campaign),
            ("unit_id", unit_id.as_str()),
            ("title", "应知应会测试"),
            ("question_count", "3"),
            ("time_limit_minutes", "10"),
            ("pass_percent", "60"),
            ("max_attempts", attempts),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "create test: {}",
        res.text().await.unwrap_or_default()
    );
    location(&res).rsplit('/').next().unwrap().to_string()
}

async fn start(app: &TestApp, officer: &reqwest::Client, test: &str) -> String {
    let csrf = app.csrf(officer, &format!("/study/tests/{test}")).await;
    let res = officer
        .post(app.url(&format!("/study/tests/{test}/start")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "start: {}",
        res.text().await.unwrap_or_default()
    );
    location(&res).rsplit('/').next().unwrap().to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum M {
    Get,
    Post,
    Upload,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_study_route_refuses_the_roles_it_is_not_for() {
    on_each_backend(roles_refused).await
}

async fn roles_refused(app: TestApp) {
    let f = fixture(&app).await;
    let (a, t, e, at, c) = (&f.activity, &f.test, &f.essay, &f.attempt, &f.campaign);
    let manage: &[&str] = &["office", "lianluo_b", "leader_a"];
    let take: &[&str] = &["ganjing"];
    let review_or_take: &[&str] = &["office", "leader_a", "ganjing"];
    let manage_or_take: &[&str] = &["office", "lianluo_b", "leader_a", "ganjing"];
    let progress: &[&str] = &["office", "lianluo_b", "leader_a", "duchazu"];
    let study_home: &[&str] = &["office", "lianluo_b", "leader_a", "duchazu", "ganjing"];
    let routes: Vec<(M, String, &[&str])> = vec![
        (M::Get, "/study".into(), study_home),
        (M::Get, format!("/study/activities?campaign={c}"), manage),
        (
            M::Get,
            format!("/study/activities/export?campaign={c}"),
            manage,
        ),
        (M::Get, "/study/activities/new".into(), manage),
        (M::Post, "/study/activities/new".into(), manage),
        (M::Get, format!("/study/activities/{a}"), manage),
        (M::Post, format!("/study/activities/{a}/mark"), manage),
        (M::Post, format!("/study/activities/{a}/remove"), manage),
        (M::Upload, format!("/study/activities/{a}/import"), manage),
        (
            M::Get,
            format!("/study/activities/{a}/attendance.xlsx"),
            manage,
        ),
        (M::Get, format!("/study/activities/{a}/code"), manage),
        (M::Get, "/study/attendance-template.xlsx".into(), manage),
        (M::Get, "/study/signin".into(), take),
        (M::Post, "/study/signin".into(), take),
        (M::Get, "/study/me".into(), take),
        (M::Get, "/study/essays".into(), review_or_take),
        (M::Get, "/study/essays/new".into(), take),
        (M::Post, "/study/essays/new".into(), take),
        (M::Get, format!("/study/essays/{e}"), review_or_take),
        (
            M::Post,
            format!("/study/essays/{e}/review"),
            &["office", "leader_a"],
        ),
        (M::Post, format!("/study/essays/{e}/resubmit"), take),
        (M::Get, format!("/study/questions?campaign={c}"), manage),
        (M::Get, "/study/questions/template.xlsx".into(), manage),
        (
            M::Get,
            format!("/study/questions/export?campaign={c}"),
            manage,
        ),
        (M::Upload, "/study/questions/import".into(), manage),
        (M::Post, format!("/study/questions/{a}/toggle"), manage),
        (M::Get, "/study/tests".into(), manage_or_take),
        (M::Post, "/study/tests".into(), manage),
        (M::Get, format!("/study/tests/{t}"), manage_or_take),
        (M::Post, format!("/study/tests/{t}/open"), manage),
        (M::Post, format!("/study/tests/{t}/start"), take),
        (M::Get, format!("/study/tests/{t}/results.xlsx"), manage),
        (M::Get, format!("/study/attempts/{at}"), take),
        (M::Post, format!("/study/attempts/{at}"), take),
        (M::Get, format!("/study/completion?campaign={c}"), progress),
        (M::Post, "/study/completion/requirement".into(), &["office"]),
        (
            M::Get,
            format!("/study/completion/officers?campaign={c}"),
            progress,
        ),
        (
            M::Get,
            format!("/study/completion/officers.xlsx?campaign={c}"),
            progress,
        ),
        (
            M::Get,
            format!("/study/completion.xlsx?campaign={c}"),
            progress,
        ),
        (
            M::Get,
            format!("/study/essays/export?campaign={c}"),
            review_or_take,
        ),
    ];
    let before = count(&app, "SELECT COUNT(*) FROM audit_log", vals![]).await;
    for role in ONE_PER_ROLE {
        let client = app.login(role).await;
        let audit_now = count(&app, "SELECT COUNT(*) FROM audit_log", vals![]).await;
        for (m, path, allowed) in &routes {
            let res = match m {
                M::Get => client.get(app.url(path)).send().await.unwrap(),
                M::Post => client
                    .post(app.url(path))
                    .form(&[("csrf", "forged"), ("x", "1")])
                    .send()
                    .await
                    .unwrap(),
                M::Upload => {
                    upload(&app, &client, path, "forged", c, b"not a workbook".to_vec()).await
                }
            };
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            assert!(!status.is_server_error(), "{role} {path}: {status}: {body}");
            if allowed.contains(role) {
                assert_ne!(status, StatusCode::FORBIDDEN, "{role} may use {path}");
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role} must be refused {path}: {}",
                    body.chars().take(200).collect::<String>()
                );
            }
        }
        // Refused requests and forged tokens changed nothing (only exports and the login wrote audit rows).
        let after = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action NOT LIKE '%export' AND action NOT LIKE 'login%'", vals![]).await;
        let before_role = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action NOT LIKE '%export' AND action NOT LIKE 'login%' AND seq <= ?", vals![audit_now]).await;
        assert_eq!(
            after, before_role,
            "{role}: a refused or forged request wrote something"
        );
    }
    assert!(count(&app, "SELECT COUNT(*) FROM audit_log", vals![]).await >= before);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM study_attendance", vals![]).await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_rows_answer_404() {
    on_each_backend(other_units).await
}

async fn other_units(app: TestApp) {
    let c = campaign(&app).await;
    let office = app.login("office").await;
    // An activity and a test of district B; district A's leader and its officer must not reach them.
    let b_activity = new_activity(&app, &office, &c, DISTRICT_B).await;
    let csrf = app.csrf(&office, "/study/questions").await;
    upload(
        &app,
        &office,
        "/study/questions/import",
        &csrf,
        &c,
        bank_file(),
    )
    .await;
    let b_test = new_test(&app, &office, &c, DISTRICT_B, "1").await;

    let leader_a = app.login("leader_a").await;
    // The per-unit export keeps to the leader's subtree.
    let xlsx = leader_a
        .get(app.url(&format!("/study/completion.xlsx?campaign={c}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = common::unzip_all(&xlsx.bytes().await.unwrap());
    assert!(common::contains(&text, "甲区公安分局".as_bytes()));
    assert!(!common::contains(&text, "乙区人民法院".as_bytes()));
    let csrf = app.csrf(&leader_a, "/study/activities/new").await;
    for path in [
        format!("/study/activities/{b_activity}"),
        format!("/study/activities/{b_activity}/code"),
        format!("/study/activities/{b_activity}/attendance.xlsx"),
        format!("/study/tests/{b_test}"),
        format!("/study/tests/{b_test}/results.xlsx"),
        format!(
            "/study/completion/officers?campaign={c}&unit={}",
            app.unit_id(DISTRICT_B)
        ),
        format!(
            "/study/completion/officers.xlsx?campaign={c}&unit={}",
            app.unit_id(DISTRICT_B)
        ),
    ] {
        expect_status(
            leader_a.get(app.url(&path)).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            &path,
        )
        .await;
    }
    for path in [
        format!("/study/activities/{b_activity}/mark"),
        format!("/study/activities/{b_activity}/remove"),
        format!("/study/tests/{b_test}/open"),
    ] {
        let res = leader_a
            .post(app.url(&path))
            .form(&[
                ("csrf", csrf.as_str()),
                ("badge", common::BADGE_B),
                ("officer_id", "x"),
                ("open", "0"),
            ])
            .send()
            .await
            .unwrap();
        expect_status(res, StatusCode::NOT_FOUND, &path).await;
    }
    let res = upload(
        &app,
        &leader_a,
        &format!("/study/activities/{b_activity}/import"),
        &csrf,
        &c,
        b"x".to_vec(),
    )
    .await;
    expect_status(
        res,
        StatusCode::NOT_FOUND,
        "import into another unit's activity",
    )
    .await;
    // A new activity may not be put in another unit either.
    let res = leader_a
        .post(app.url("/study/activities/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", c.as_str()),
            ("unit_id", app.unit_id(DISTRICT_B).as_str()),
            ("kind", "seminar"),
            ("title", "座谈交流会"),
            ("day", today().as_str()),
            ("hours", "1"),
            ("venue", "会议室"),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "activity in another unit").await;
    assert!(body.contains("data-field=\"unit_id\""), "{body}");

    // District A's officer does not see district B's test.
    let officer = app.login("ganjing").await;
    expect_status(
        officer
            .get(app.url(&format!("/study/tests/{b_test}")))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "officer, other unit's test",
    )
    .await;
    let csrf = app.csrf(&officer, "/study/signin").await;
    let res = officer
        .post(app.url(&format!("/study/tests/{b_test}/start")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    expect_status(
        res,
        StatusCode::NOT_FOUND,
        "officer starts other unit's test",
    )
    .await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM study_attempts", vals![]).await,
        0
    );

    // District A's own office (its subtree) reads the essay of an officer below it, but not B's activity.
    let csrf = app.csrf(&officer, "/study/essays/new").await;
    let body = "边学边改，以学促查，对照“三个规定”逐条检查自己的执法办案行为。".repeat(10);
    let res = officer
        .post(app.url("/study/essays/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", c.as_str()),
            ("title", "体会"),
            ("body", body.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let essay = location(&res).rsplit('/').next().unwrap().to_string();
    let office_a = app.login("office_a").await;
    expect_status(
        office_a
            .get(app.url(&format!("/study/essays/{essay}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "district A office reads its essay",
    )
    .await;
    expect_status(
        office_a
            .get(app.url(&format!("/study/activities/{b_activity}")))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "district A office, B's activity",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_signs_in_on_a_phone_with_the_venue_code() {
    on_each_backend(phone_signin).await
}

/// The code as the venue screen shows it.
async fn code_on_screen(app: &TestApp, c: &reqwest::Client, activity: &str) -> String {
    let page = expect_status(
        c.get(app.url(&format!("/study/activities/{activity}/code")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "venue code",
    )
    .await;
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "the screen refreshes itself"
    );
    let start = page.find("id=\"venue-code\">").expect("code element") + "id=\"venue-code\">".len();
    page[start..start + 6].to_string()
}

async fn phone_signin(app: TestApp) {
    let c = campaign(&app).await;
    let office = app.login("office").await;
    let activity = new_activity(&app, &office, &c, DISTRICT_A).await;
    let code = code_on_screen(&app, &office, &activity).await;
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");

    // The officer's phone: a narrow user agent, the same pages.
    let phone = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
        .build()
        .unwrap();
    let res = app.login_with(&phone, "ganjing", common::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = expect_status(
        phone.get(app.url("/study/signin")).send().await.unwrap(),
        StatusCode::OK,
        "sign-in page",
    )
    .await;
    assert!(
        page.contains("name=\"viewport\" content=\"width=device-width"),
        "phone viewport"
    );
    assert!(
        page.contains("inputmode=\"numeric\""),
        "numeric keypad on phones"
    );
    assert!(page.contains("警示教育大会"), "today's activity is offered");
    let csrf = hidden(&page, "csrf").unwrap();
    let activity_field = hidden(&page, "activity_id").expect("the only activity is preselected");
    assert_eq!(activity_field, activity);

    // A wrong code is refused beside the field.
    let wrong: String = code
        .chars()
        .map(|d| char::from(b'0' + ((d as u8 - b'0' + 1) % 10)))
        .collect();
    let res = phone
        .post(app.url("/study/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("activity_id", activity.as_str()),
            ("code", wrong.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "wrong code").await;
    assert!(body.contains("data-field=\"code\""), "{body}");
    // The code on screen signs in (the screen may have turned over since: the previous minute still counts).
    let res = phone
        .post(app.url("/study/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("activity_id", ""),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::OK, "sign in").await;
    assert!(body.contains("签到成功"), "{body}");
    // Once only, said politely.
    let res = phone
        .post(app.url("/study/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("activity_id", activity.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::OK, "sign in again").await;
    assert!(body.contains("无需重复签到"), "{body}");
    // A forged token is refused.
    let res = phone
        .post(app.url("/study/signin"))
        .form(&[
            ("csrf", "forged"),
            ("activity_id", activity.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::BAD_REQUEST, "forged csrf").await;

    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM study_attendance WHERE activity_id = ? AND method = 'code'",
            vals![activity.as_str()]
        )
        .await,
        1
    );
    let detail = expect_status(
        office
            .get(app.url(&format!("/study/activities/{activity}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "detail",
    )
    .await;
    assert!(
        detail.contains(common::BADGE_OFFICER_A) && detail.contains("现场签到码"),
        "the sheet shows the sign-in"
    );
    let me = expect_status(
        phone
            .get(app.url(&format!("/study/me?campaign={c}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "my study",
    )
    .await;
    assert!(me.contains("累计 2 小时"), "{me}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_handed_in_after_its_time_is_refused() {
    on_each_backend(late_test).await
}

/// The correct answers of an attempt in the form's field names, read from the bank.
async fn right_answers(app: &TestApp, attempt: &str) -> Vec<(String, String)> {
    let conn = app.store.connection();
    let sql = store::Sql::of(conn);
    let r = sql
        .one(
            conn,
            "SELECT question_ids FROM study_attempts WHERE id = ?",
            vals![attempt],
        )
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<String> =
        serde_json::from_str(&r.try_get::<String>("", "question_ids").unwrap()).unwrap();
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let r = sql
            .one(
                conn,
                "SELECT answer FROM study_questions WHERE id = ?",
                vals![id.as_str()],
            )
            .await
            .unwrap()
            .unwrap();
        for letter in r.try_get::<String>("", "answer").unwrap().chars() {
            out.push((format!("q{i}"), letter.to_string()));
        }
    }
    out
}

async fn late_test(app: TestApp) {
    let c = campaign(&app).await;
    let office = app.login("office").await;
    let csrf = app.csrf(&office, "/study/questions").await;
    upload(
        &app,
        &office,
        "/study/questions/import",
        &csrf,
        &c,
        bank_file(),
    )
    .await;
    let test = new_test(&app, &office, &c, DISTRICT_A, "2").await;
    let officer = app.login("ganjing").await;

    let attempt = start(&app, &officer, &test).await;
    let page = expect_status(
        officer
            .get(app.url(&format!("/study/attempts/{attempt}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "attempt",
    )
    .await;
    assert!(
        page.contains("type=\"checkbox\"") && page.contains("type=\"radio\""),
        "multiple choice as checkboxes"
    );
    assert!(
        !page.contains("正确答案"),
        "answers stay hidden while the attempt is open"
    );
    // Every choice of a question carries that question's name (q0 for the first, q1 for the second...),
    // so choosing in one question never unchecks another.
    for (i, fieldset) in page.split("<fieldset").skip(1).enumerate() {
        let names: Vec<&str> = fieldset
            .split("name=\"")
            .skip(1)
            .map(|r| &r[..r.find('"').unwrap()])
            .collect();
        assert!(!names.is_empty(), "question {i} has choices");
        assert!(
            names.iter().all(|n| *n == format!("q{i}")),
            "question {i}: {names:?}"
        );
    }
    let csrf = hidden(&page, "csrf").unwrap();
    // The server's clock says time is up (the deadline moved into the past, as if the officer had waited).
    app.exec(
        "UPDATE study_attempts SET deadline_at = ? WHERE id = ?",
        vals![now_ms() - 5 * 60_000, attempt.as_str()],
    )
    .await;
    let mut form = right_answers(&app, &attempt).await;
    form.push(("csrf".into(), csrf.clone()));
    let res = officer
        .post(app.url(&format!("/study/attempts/{attempt}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "late submission").await;
    assert!(body.contains("作答时限"), "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM study_attempts WHERE id = ? AND state = 'expired' AND score = 0",
            vals![attempt.as_str()]
        )
        .await,
        1
    );
    // Handing in again does not bring it back.
    let res = officer
        .post(app.url(&format!("/study/attempts/{attempt}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::BAD_REQUEST, "second late submission").await;

    // The retake, in time and right, passes; the best score counts.
    let retake = start(&app, &officer, &test).await;
    let mut form = right_answers(&app, &retake).await;
    form.push(("csrf".into(), csrf.clone()));
    let res = officer
        .post(app.url(&format!("/study/attempts/{retake}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let result = expect_status(
        officer
            .get(app.url(&format!("/study/attempts/{retake}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "result",
    )
    .await;
    assert!(
        result.contains("id=\"passed\"") && result.contains("得分 30 / 30"),
        "{result}"
    );
    // No attempts left.
    let res = officer
        .post(app.url(&format!("/study/tests/{test}/start")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "third attempt").await;
    assert!(body.contains("最多可作答2次"), "{body}");
    let results = expect_status(
        office
            .get(app.url(&format!("/study/tests/{test}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "results",
    )
    .await;
    assert!(
        results.contains("100%") && results.contains(common::BADGE_OFFICER_A),
        "{results}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_spreadsheets_are_refused_with_nothing_imported() {
    on_each_backend(bad_files).await
}

async fn bad_files(app: TestApp) {
    let c = campaign(&app).await;
    let office = app.login("office").await;
    let activity = new_activity(&app, &office, &c, DISTRICT_A).await;
    let path = format!("/study/activities/{activity}/import");
    let csrf = app
        .csrf(&office, &format!("/study/activities/{activity}"))
        .await;
    let attendance =
        || async { count(&app, "SELECT COUNT(*) FROM study_attendance", vals![]).await };

    // Missing a required column.
    let body = expect_status(
        upload(
            &app,
            &office,
            &path,
            &csrf,
            &c,
            xlsx(&["警号"], vec![strings(&[common::BADGE_OFFICER_A])]),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "missing column",
    )
    .await;
    assert!(body.contains("缺少必填列：姓名"), "{body}");
    // Wrong values among good ones: the row and the column are named, nothing goes in.
    let rows = vec![
        strings(&[common::BADGE_OFFICER_A, "孙磊", "09:00"]),
        strings(&["NOPE-1", "某人", ""]),
        strings(&[common::BADGE_LEADER_A, "吴建国", "昨天上午"]),
        strings(&[common::BADGE_B, "王芳", ""]),
    ];
    let body = expect_status(
        upload(
            &app,
            &office,
            &path,
            &csrf,
            &c,
            xlsx(&["警号", "姓名", "签到时间"], rows),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "wrong values",
    )
    .await;
    assert!(body.contains("本次没有导入任何数据"), "{body}");
    assert!(
        body.contains("第3行") && body.contains("不在干警花名册中"),
        "{body}"
    );
    assert!(
        body.contains("第4行") && body.contains("签到时间"),
        "{body}"
    );
    assert!(
        body.contains("第5行") && body.contains("不在本活动可登记的范围内"),
        "{body}"
    );
    assert_eq!(attendance().await, 0);
    // 100,000 bad rows: refused quickly, the first errors listed and the rest counted.
    let many: Vec<Vec<String>> = (0..100_000)
        .map(|i| vec![format!("X{i:06}"), "无此人".to_string(), String::new()])
        .collect();
    let body = expect_status(
        upload(
            &app,
            &office,
            &path,
            &csrf,
            &c,
            xlsx(&["警号", "姓名", "签到时间"], many),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "100,000 bad rows",
    )
    .await;
    assert!(
        body.contains("第2行") && body.contains("另有"),
        "{}",
        body.chars().take(500).collect::<String>()
    );
    // A zip bomb and a file that is no workbook at all.
    let body = expect_status(
        upload(&app, &office, &path, &csrf, &c, common::zip_bomb()).await,
        StatusCode::BAD_REQUEST,
        "zip bomb",
    )
    .await;
    assert!(body.contains("压缩") || body.contains("文件过大"), "{body}");
    let body = expect_status(
        upload(
            &app,
            &office,
            &path,
            &csrf,
            &c,
            b"%PDF-1.4 not a workbook".to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not xlsx",
    )
    .await;
    assert!(body.contains("不是 Excel 工作簿"), "{body}");
    assert_eq!(attendance().await, 0);
    // A clean file goes in.
    let ok = xlsx(
        &["警号", "姓名", "签到时间"],
        vec![
            strings(&[common::BADGE_OFFICER_A, "孙磊", "09:00"]),
            strings(&[common::BADGE_LEADER_A, "吴建国", ""]),
        ],
    );
    let res = upload(&app, &office, &path, &csrf, &c, ok).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(attendance().await, 2);

    // The question bank: wrong types and a missing column, nothing imported.
    let qpath = "/study/questions/import";
    let questions = || async { count(&app, "SELECT COUNT(*) FROM study_questions", vals![]).await };
    let rows = vec![
        strings(&["单选题", "第一题题干", "甲", "乙", "", "", "A", "2"]),
        strings(&["填空题", "第二题题干", "甲", "乙", "", "", "A", "2"]),
        strings(&["多选题", "第三题题干", "甲", "乙", "丙", "", "A", "两分"]),
        strings(&["判断题", "第四题题干", "", "", "", "", "也许", "1"]),
    ];
    let body = expect_status(
        upload(
            &app,
            &office,
            qpath,
            &csrf,
            &c,
            xlsx(QUESTION_HEADERS, rows),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad questions",
    )
    .await;
    for (row, col) in [
        ("第3行", "题型"),
        ("第4行", "分值"),
        ("第4行", "答案"),
        ("第5行", "答案"),
    ] {
        assert!(
            body.contains(row) && body.contains(col),
            "{row} {col}: {body}"
        );
    }
    let body = expect_status(
        upload(
            &app,
            &office,
            qpath,
            &csrf,
            &c,
            xlsx(&["题型", "题干"], vec![strings(&["单选题", "题干"])]),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "no answer column",
    )
    .await;
    assert!(body.contains("缺少必填列：答案"), "{body}");
    expect_status(
        upload(&app, &office, qpath, &csrf, &c, common::zip_bomb()).await,
        StatusCode::BAD_REQUEST,
        "bank zip bomb",
    )
    .await;
    assert_eq!(questions().await, 0);

    // Forms: bad values come back beside their fields with 400, nothing written.
    let csrf = app.csrf(&office, "/study/activities/new").await;
    let res = office
        .post(app.url("/study/activities/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", c.as_str()),
            ("unit_id", app.unit_id(DISTRICT_A).as_str()),
            ("kind", "warning"),
            ("title", "x"),
            ("day", "2024-02-30"),
            ("hours", "abc"),
            ("venue", ""),
            ("cases", ""),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "bad activity").await;
    for f in ["title", "day", "hours", "venue", "cases"] {
        assert!(body.contains(&format!("data-field=\"{f}\"")), "{f}: {body}");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM study_activities", vals![]).await,
        1
    );
    let res = office
        .post(app.url("/study/completion/requirement"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", c.as_str()),
            ("required_hours", "很多"),
            ("required_essays", "-1"),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "bad requirement").await;
    assert!(
        body.contains("data-field=\"required_hours\"")
            && body.contains("data-field=\"required_essays\""),
        "{body}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM study_requirements", vals![]).await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn essays_are_returned_and_approved_and_completion_is_listed() {
    on_each_backend(essays_and_completion).await
}

async fn essays_and_completion(app: TestApp) {
    let c = campaign(&app).await;
    let officer = app.login("ganjing").await;
    let leader = app.login("leader_a").await;
    let office = app.login("office").await;

    let csrf = app.csrf(&officer, "/study/essays/new").await;
    let res = officer
        .post(app.url("/study/essays/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", c.as_str()),
            ("title", "体会"),
            ("body", "太短"),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "short essay").await;
    assert!(body.contains("data-field=\"body\""), "{body}");
    let text = "学习教育贯穿始终，以学促查、以学促改，我结合岗位职责查找差距。".repeat(10);
    let res = officer
        .post(app.url("/study/essays/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", c.as_str()),
            ("title", "学习体会"),
            ("body", text.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let essay = location(&res).rsplit('/').next().unwrap().to_string();

    let lcsrf = app.csrf(&leader, &format!("/study/essays/{essay}")).await;
    let url = app.url(&format!("/study/essays/{essay}/review"));
    let res = leader
        .post(&url)
        .form(&[
            ("csrf", lcsrf.as_str()),
            ("decision", "return"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "return without reason").await;
    assert!(body.contains("data-field=\"note\""), "{body}");
    let res = leader
        .post(&url)
        .form(&[
            ("csrf", lcsrf.as_str()),
            ("decision", "return"),
            ("note", "请结合本职工作查摆问题"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = expect_status(
        officer
            .get(app.url(&format!("/study/essays/{essay}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "returned essay",
    )
    .await;
    assert!(
        page.contains("退回修改")
            && page.contains("请结合本职工作查摆问题")
            && page.contains("rework-form"),
        "{page}"
    );
    let res = officer
        .post(app.url(&format!("/study/essays/{essay}/resubmit")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "学习体会（修改稿）"),
            ("body", text.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = leader
        .post(&url)
        .form(&[
            ("csrf", lcsrf.as_str()),
            ("decision", "approve"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Approved is final.
    let res = leader
        .post(&url)
        .form(&[
            ("csrf", lcsrf.as_str()),
            ("decision", "return"),
            ("note", "再改一改吧同志"),
        ])
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::BAD_REQUEST, "review an approved essay").await;
    // The list exports with its filter: the approved essay is in, with its revision count.
    let xlsx = leader
        .get(app.url(&format!("/study/essays/export?campaign={c}&state=approved")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = common::unzip_all(&xlsx.bytes().await.unwrap());
    assert!(common::contains(&text, "学习体会（修改稿）".as_bytes()));
    let xlsx = leader
        .get(app.url(&format!("/study/essays/export?campaign={c}&state=returned")))
        .send()
        .await
        .unwrap();
    let text = common::unzip_all(&xlsx.bytes().await.unwrap());
    assert!(!common::contains(&text, "学习体会（修改稿）".as_bytes()));

    // The office asks for one essay and no test: the officer has finished; the leader (an officer too) has not.
    let ocsrf = app
        .csrf(&office, &format!("/study/completion?campaign={c}"))
        .await;
    let res = office
        .post(app.url("/study/completion/requirement"))
        .form(&[
            ("csrf", ocsrf.as_str()),
            ("campaign", c.as_str()),
            ("required_hours", "0"),
            ("required_essays", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = expect_status(
        office
            .get(app.url(&format!("/study/completion?campaign={c}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "completion",
    )
    .await;
    assert!(page.contains("33.3%"), "1 of 3 officers city-wide: {page}");
    let page = expect_status(
        office
            .get(app.url(&format!(
                "/study/completion/officers?campaign={c}&unfinished=1"
            )))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "unfinished",
    )
    .await;
    assert!(
        page.contains(common::BADGE_LEADER_A) && !page.contains(common::BADGE_OFFICER_A),
        "{page}"
    );
    assert!(
        page.contains("体会文章：已通过审核0篇，未达到要求的1篇"),
        "{page}"
    );
    let res = office
        .get(app.url(&format!(
            "/study/completion/officers.xlsx?campaign={c}&unfinished=1"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let xml = common::unzip_all(&res.bytes().await.unwrap());
    assert!(
        common::contains(&xml, common::BADGE_LEADER_A.as_bytes())
            && common::contains(&xml, common::BADGE_B.as_bytes())
    );
    assert!(!common::contains(&xml, common::BADGE_OFFICER_A.as_bytes()));
    // District A's leader sees only district A's officers in the list.
    let page = expect_status(
        leader
            .get(app.url(&format!("/study/completion/officers?campaign={c}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "leader list",
    )
    .await;
    assert!(
        page.contains(common::BADGE_OFFICER_A) && !page.contains(common::BADGE_B),
        "{page}"
    );
}
