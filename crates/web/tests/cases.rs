//! The case register over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): every route
//! refuses a role without the permission and another unit's case answers 404; a case is added by hand,
//! moved on with its deciding person and closed; a bad import is refused whole with its row errors; the
//! overdue list; the stage limits; and a gang case's protection-umbrella clue with its link.

#[path = "common/mod.rs"]
mod common;

use chrono::Days;
use common::{
    ACCOUNTS, BADGE_B, BADGE_LEADER_A, BADGE_OFFICER_A, DISTRICT_A, DISTRICT_B, ONE_PER_ROLE,
    TestApp, expect_status, hidden, location, on_each_backend, unzip_all,
};
use domain::access::Permission;
use domain::enforcement::cases::{CaseInput, validate_case};
use domain::org::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use store::{Sql, vals};

fn role_of(username: &str) -> Role {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == username)
        .map(|a| a.2)
        .unwrap()
}

fn day(offset: i64) -> String {
    let t = store::clues::today();
    let d = if offset >= 0 {
        t + Days::new(offset as u64)
    } else {
        t - Days::new((-offset) as u64)
    };
    d.format("%Y-%m-%d").to_string()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

/// A criminal case received `received` days from today, added through the store as the office.
async fn case(
    app: &TestApp,
    number: &str,
    unit: &str,
    handler: &str,
    leader: &str,
    gang: bool,
    received: i64,
) -> String {
    let office = app.actor("office").await;
    let input = CaseInput {
        number: number.into(),
        title: format!("{number}案"),
        kind: "刑事案件".into(),
        unit_code: unit.into(),
        handler_badge: handler.into(),
        leader_badge: leader.into(),
        received_on: day(received),
        gang: if gang { "是" } else { "否" }.into(),
        ..CaseInput::default()
    };
    let limits = app.store.case_stage_limits().await.unwrap();
    let v = validate_case(&input, &limits, store::clues::today()).unwrap();
    let c = app
        .store
        .plan_cases(&office, &[v])
        .await
        .unwrap()
        .pop()
        .unwrap()
        .unwrap();
    app.store.add_case(&office, &c).await.unwrap()
}

enum Body {
    None,
    Forged(Vec<(&'static str, String)>),
    ForgedMultipart,
}

struct Route {
    method: &'static str,
    path: String,
    body: Body,
    allowed: fn(Role) -> bool,
}

async fn send(c: &reqwest::Client, app: &TestApp, r: &Route) -> reqwest::Response {
    let url = app.url(&r.path);
    let req = if r.method == "GET" {
        c.get(url)
    } else {
        c.post(url)
    };
    let req = match &r.body {
        Body::None => req,
        Body::Forged(fields) => {
            let mut f = fields.clone();
            f.push(("csrf", "forged-token".into()));
            req.form(&f)
        }
        Body::ForgedMultipart => req.multipart(Form::new().text("csrf", "forged-token").part(
            "file",
            Part::bytes(b"PK\x03\x04".to_vec()).file_name("案件.xlsx"),
        )),
    };
    req.send().await.unwrap()
}

const TABLES: &[&str] = &[
    "cases",
    "case_stages",
    "case_officers",
    "case_clues",
    "clues",
    "settings",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in TABLES {
        v.push(count(app, t).await);
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    let a = case(
        &app,
        "甲刑-1",
        DISTRICT_A,
        BADGE_OFFICER_A,
        BADGE_LEADER_A,
        true,
        -3,
    )
    .await;
    let r = |method, path: String, body, allowed| Route {
        method,
        path,
        body,
        allowed,
    };
    let f = |fields: &[(&'static str, &str)]| {
        Body::Forged(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
    };
    let routes = vec![
        r("GET", "/cases".into(), Body::None, |r| r.can(ViewCases)),
        r("GET", "/cases?overdue=1".into(), Body::None, |r| {
            r.can(ViewCases)
        }),
        r("GET", "/cases/export".into(), Body::None, |r| {
            r.can(ViewCases)
        }),
        r("GET", "/cases/template.xlsx".into(), Body::None, |r| {
            r.can(ManageCases)
        }),
        r("POST", "/cases/import".into(), Body::ForgedMultipart, |r| {
            r.can(ManageCases)
        }),
        r("GET", "/cases/new".into(), Body::None, |r| {
            r.can(ManageCases)
        }),
        r(
            "POST",
            "/cases/new".into(),
            f(&[("number", "伪造-1")]),
            |r| r.can(ManageCases),
        ),
        r("GET", "/cases/limits".into(), Body::None, |r| {
            r.can(ViewCases) || r.can(ConfigureLimits)
        }),
        r(
            "POST",
            "/cases/limits".into(),
            f(&[("criminal.received", "3")]),
            |r| r.can(ConfigureLimits),
        ),
        r("GET", format!("/cases/{a}"), Body::None, |r| {
            r.can(ViewCases)
        }),
        r(
            "POST",
            format!("/cases/{a}/advance"),
            f(&[("to", "filed"), ("decider", BADGE_LEADER_A)]),
            |r| r.can(ViewCases) && r.can(ManageCases),
        ),
        r(
            "POST",
            format!("/cases/{a}/close"),
            f(&[("outcome", "not_filed"), ("decider", BADGE_LEADER_A)]),
            |r| r.can(ViewCases) && r.can(ManageCases),
        ),
        r(
            "POST",
            format!("/cases/{a}/umbrella"),
            f(&[("officer", "x")]),
            |r| r.can(ViewCases) && r.can(RegisterClue),
        ),
    ];
    let before = counts(&app).await;
    let anon = app.browser();
    for route in &routes {
        let res = send(&anon, &app, route).await;
        assert_eq!(
            (res.status(), location(&res).as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "anonymous {} {}",
            route.method,
            route.path
        );
    }
    let mut refused = 0;
    for username in ONE_PER_ROLE {
        let role = role_of(username);
        let browser = app.login(username).await;
        for route in &routes {
            let res = send(&browser, &app, route).await;
            let status = res.status();
            let what = format!("{username} {} {}", route.method, route.path);
            let body = res.text().await.unwrap_or_default();
            assert!(!status.is_server_error(), "{what}: {status} {body}");
            if (route.allowed)(role) {
                assert_ne!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} is allowed but was refused"
                );
                if route.method == "GET" {
                    // District B's liaison may read the register, but the case is district A's.
                    let want = if *username == "lianluo_b" && route.path.contains(&a) {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::OK
                    };
                    assert_eq!(status, want, "{what}");
                } else {
                    assert_eq!(
                        status,
                        StatusCode::BAD_REQUEST,
                        "{what}: a forged token: {body}"
                    );
                }
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} must be refused: {body}"
                );
                assert!(body.contains("无权"), "{what}: Chinese refusal");
                refused += 1;
            }
        }
    }
    assert!(refused > 50, "{refused}");
    assert_eq!(
        counts(&app).await,
        before,
        "nothing any of that did was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_case_answers_404() {
    on_each_backend(scope_between_units).await
}

async fn scope_between_units(app: TestApp) {
    let a = case(
        &app,
        "甲刑-2",
        DISTRICT_A,
        BADGE_OFFICER_A,
        BADGE_LEADER_A,
        true,
        -3,
    )
    .await;
    let b = case(&app, "乙民-1", DISTRICT_B, BADGE_B, "", true, -3).await;
    let liaison = app.login("lianluo_b").await;
    let csrf = app.csrf(&liaison, "/cases").await;
    expect_status(
        liaison
            .get(app.url(&format!("/cases/{a}")))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "A's case from B",
    )
    .await;
    for (path, form) in [
        (
            format!("/cases/{a}/advance"),
            vec![
                ("csrf", csrf.clone()),
                ("to", "filed".into()),
                ("on", day(0)),
                ("decider", BADGE_LEADER_A.into()),
                ("decision", "决定立案".into()),
            ],
        ),
        (
            format!("/cases/{a}/close"),
            vec![
                ("csrf", csrf.clone()),
                ("outcome", "not_filed".into()),
                ("on", day(0)),
                ("decider", BADGE_LEADER_A.into()),
                ("decision", "不予立案".into()),
            ],
        ),
    ] {
        expect_status(
            liaison
                .post(app.url(&path))
                .form(&form)
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
            &path,
        )
        .await;
    }
    let list = expect_status(
        liaison.get(app.url("/cases")).send().await.unwrap(),
        StatusCode::OK,
        "B's list",
    )
    .await;
    assert!(
        list.contains("乙民-1") && !list.contains("甲刑-2"),
        "{list}"
    );
    let xlsx = liaison.get(app.url("/cases/export")).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = unzip_all(&xlsx.bytes().await.unwrap());
    assert!(common::contains(&text, "乙民-1".as_bytes()));
    assert!(!common::contains(&text, "甲刑-2".as_bytes()));
    // A case cannot be put on A's register from B.
    let body = expect_status(
        liaison
            .post(app.url("/cases/new"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("number", "乙冒-1"),
                ("title", "冒名登记的案件"),
                ("kind", "criminal"),
                ("unit", app.unit_id(DISTRICT_A).as_str()),
                ("handler", BADGE_OFFICER_A),
                ("received_on", day(0).as_str()),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "case for A from B",
    )
    .await;
    assert!(body.contains("data-field=\"unit\""), "{body}");
    // District A's discipline inspector may refer from A's gang cases, not from B's.
    let jiwei_a = app.login("jiwei_a").await;
    let jcsrf = app.csrf(&jiwei_a, &format!("/cases/{a}")).await;
    let officer = app
        .store
        .case_view(&app.actor("office").await, &b)
        .await
        .unwrap()
        .officers[0]
        .officer_id
        .clone();
    expect_status(
        jiwei_a
            .post(app.url(&format!("/cases/{b}/umbrella")))
            .form(&[("csrf", jcsrf.as_str()), ("officer", officer.as_str())])
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "umbrella from B's case",
    )
    .await;
    assert_eq!(count(&app, "cases").await, 2);
    assert_eq!(count(&app, "case_stages").await, 2);
    assert_eq!(count(&app, "clues").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_added_moved_on_with_its_decider_and_closed() {
    on_each_backend(case_life).await
}

async fn case_life(app: TestApp) {
    let leader = app.login("leader_a").await;
    let csrf = app.csrf(&leader, "/cases/new").await;
    let ua = app.unit_id(DISTRICT_A);
    let form_with = |changes: &[(&'static str, &str)]| {
        let mut f: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("number", "甲公（刑）立字〔2026〕7号".into()),
            ("title", "孙某某盗窃案".into()),
            ("kind", "criminal".into()),
            ("unit", ua.clone()),
            ("handler", BADGE_OFFICER_A.into()),
            ("leader", BADGE_LEADER_A.into()),
            ("received_on", day(-2)),
            ("gang", String::new()),
        ];
        for (k, v) in changes {
            if let Some(x) = f.iter_mut().find(|(fk, _)| fk == k) {
                x.1 = v.to_string();
            }
        }
        f
    };
    let tomorrow = day(1);
    for (changes, field, says) in [
        (vec![("number", "")], "number", "案件编号不能为空"),
        (vec![("kind", "离婚")], "kind", "案件类型应为"),
        (vec![("handler", "ZZ999")], "handler", "不在花名册中"),
        (vec![("leader", "领导")], "leader", "分管领导警号应为"),
        (
            vec![("received_on", tomorrow.as_str())],
            "received_on",
            "不能晚于今天",
        ),
        (vec![("unit", "no-such-unit")], "unit", "权限范围内"),
    ] {
        let body = expect_status(
            leader
                .post(app.url("/cases/new"))
                .form(&form_with(&changes))
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            field,
        )
        .await;
        assert!(
            body.contains(&format!("data-field=\"{field}\"")) && body.contains(says),
            "{field}: {body}"
        );
    }
    assert_eq!(count(&app, "cases").await, 0);
    let res = leader
        .post(app.url("/cases/new"))
        .form(&form_with(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let page_url = location(&res);
    // The same number twice is refused beside the field.
    let body = expect_status(
        leader
            .post(app.url("/cases/new"))
            .form(&form_with(&[]))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "duplicate number",
    )
    .await;
    assert!(
        body.contains("data-field=\"number\"") && body.contains("已在案件登记中"),
        "{body}"
    );
    let page = expect_status(
        leader.get(app.url(&page_url)).send().await.unwrap(),
        StatusCode::OK,
        "case page",
    )
    .await;
    assert!(page.contains("id=\"case-stage\">受案"), "{page}");
    assert!(page.contains(&day(5)), "受案 is due in 7 days: {page}");
    assert!(page.contains("孙磊") && page.contains("吴建国"), "{page}");
    // From the case, its inquiry records and the form to record one, with the number filled in.
    let href = page
        .split("id=\"record-inquiry\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let form = leader
        .get(app.url(&href))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("value=\"甲公（刑）立字〔2026〕7号\""),
        "{href}: {form}"
    );
    assert!(page.contains("id=\"case-inquiries\""));

    let post = |path: String, form: Vec<(&'static str, String)>| {
        let c = leader.clone();
        let url = app.url(&path);
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let mv = |to: &str, on: &str, decider: &str, decision: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("to", to.to_string()),
            ("on", on.to_string()),
            ("decider", decider.to_string()),
            ("decision", decision.to_string()),
        ]
    };
    // A decider not on the roster, a date before the stage began, a stage the kind lacks: refused.
    for (form, field) in [
        (mv("filed", &day(0), "ZZ999", "决定立案侦查"), "decider"),
        (mv("filed", &day(-5), BADGE_LEADER_A, "决定立案侦查"), "on"),
        (
            mv("received", &day(0), BADGE_LEADER_A, "决定立案侦查"),
            "to",
        ),
        (mv("filed", &day(0), BADGE_LEADER_A, ""), "decision"),
    ] {
        let body = expect_status(
            post(format!("{page_url}/advance"), form).await,
            StatusCode::BAD_REQUEST,
            field,
        )
        .await;
        assert!(
            body.contains(&format!("data-form=\"advance\" data-field=\"{field}\"")),
            "{field}: {body}"
        );
    }
    assert_eq!(count(&app, "case_stages").await, 1);
    let res = post(
        format!("{page_url}/advance"),
        mv("filed", &day(-1), BADGE_LEADER_A, "决定立案侦查"),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let page = leader
        .get(app.url(&page_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"case-stage\">立案"), "{page}");
    assert!(
        page.contains("吴建国（JA0001）") && page.contains("决定立案侦查"),
        "{page}"
    );
    // Closing with an outcome that does not fit the stage, then one that does.
    let close = |outcome: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("outcome", outcome.to_string()),
            ("on", day(0)),
            ("decider", BADGE_LEADER_A.to_string()),
            ("decision", "犯罪嫌疑人已死亡".to_string()),
        ]
    };
    let body = expect_status(
        post(format!("{page_url}/close"), close("not_prosecuted")).await,
        StatusCode::BAD_REQUEST,
        "不起诉 at 立案",
    )
    .await;
    assert!(
        body.contains("data-form=\"close\" data-field=\"outcome\""),
        "{body}"
    );
    assert_eq!(
        post(format!("{page_url}/close"), close("withdrawn"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let page = leader
        .get(app.url(&page_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"case-stage\">结案"), "{page}");
    assert!(
        page.contains("撤案") && !page.contains("id=\"form-advance\""),
        "{page}"
    );
    // A closed case takes no more moves.
    expect_status(
        post(
            format!("{page_url}/advance"),
            mv("review", &day(0), BADGE_LEADER_A, "移送审查起诉"),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "move after closing",
    )
    .await;
    assert_eq!(count(&app, "case_stages").await, 3);
    let roles = count(&app, "case_officers").await;
    assert_eq!(roles, 3, "handler, leader, and the leader as decider");
}

/// An .xlsx with these rows under these headers.
fn sheet(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.xlsx");
    let rows = rows.iter().map(|r| {
        r.iter()
            .map(|c| reports::Cell::Text(c.clone()))
            .collect::<Vec<_>>()
    });
    reports::write_xlsx(&path, "案件登记", headers, rows).unwrap();
    std::fs::read(&path).unwrap()
}

const HEADERS: &[&str] = &[
    "案件编号",
    "案件名称",
    "案件类型",
    "承办单位编码",
    "承办人警号",
    "分管领导警号",
    "受案日期",
    "当前阶段",
    "阶段开始日期",
    "阶段期限",
    "结案日期",
    "结果",
    "是否涉黑恶",
    "立案日期",
    "立案决定人警号",
    "侦查调查决定人警号",
];

fn row(number: &str, cells: &[(&str, &str)]) -> Vec<String> {
    let mut r: Vec<String> = vec![
        number.into(),
        format!("{number}案"),
        "刑事案件".into(),
        DISTRICT_A.into(),
        BADGE_OFFICER_A.into(),
        BADGE_LEADER_A.into(),
        day(-30),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        "否".into(),
        String::new(),
        String::new(),
        String::new(),
    ];
    for (h, v) in cells {
        let i = HEADERS.iter().position(|x| x == h).unwrap();
        r[i] = v.to_string();
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_import_is_refused_whole_with_its_row_errors() {
    on_each_backend(import).await
}

async fn import(app: TestApp) {
    let leader = app.login("leader_a").await;
    let csrf = app.csrf(&leader, "/cases").await;
    let upload = |bytes: Vec<u8>| {
        let form = Form::new()
            .text("csrf", csrf.clone())
            .part("file", Part::bytes(bytes).file_name("案件.xlsx"));
        leader.post(app.url("/cases/import")).multipart(form).send()
    };
    // The template downloads and lists every column.
    let t = leader
        .get(app.url("/cases/template.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(t.status(), StatusCode::OK);
    let text = unzip_all(&t.bytes().await.unwrap());
    for h in [
        "案件编号",
        "是否涉黑恶",
        "立案决定人警号",
        "结案决定人警号",
        "填写说明",
    ] {
        assert!(common::contains(&text, h.as_bytes()), "{h}");
    }
    let filed = day(-29);
    let since = day(-20);
    let good = |n: &str| {
        row(
            n,
            &[
                ("当前阶段", "侦查调查"),
                ("阶段开始日期", since.as_str()),
                ("立案日期", filed.as_str()),
                ("立案决定人警号", BADGE_LEADER_A),
                ("侦查调查决定人警号", BADGE_LEADER_A),
                ("是否涉黑恶", "是"),
            ],
        )
    };
    // Wrong types and unknown references among good rows: every problem by row and column.
    let mut rows: Vec<Vec<String>> = (0..20).map(|i| good(&format!("导入-{i}"))).collect();
    rows[3] = row("导入-3", &[("受案日期", "上个月")]);
    rows[5] = row(
        "导入-5",
        &[("案件类型", "离婚案件"), ("是否涉黑恶", "也许")],
    );
    rows[8] = row("导入-8", &[("承办单位编码", DISTRICT_B)]);
    rows[11] = row("导入-11", &[("承办人警号", "ZZ999")]);
    rows[13] = row(
        "导入-13",
        &[
            ("当前阶段", "结案"),
            ("结案日期", day(-1).as_str()),
            ("结果", "判决"),
        ],
    );
    rows[15] = row("导入-0", &[]);
    let body = expect_status(
        upload(sheet(HEADERS, &rows)).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad rows",
    )
    .await;
    assert!(body.contains("id=\"import-errors\""), "{body}");
    for want in [
        "第5行",
        "受案日期",
        "第7行",
        "案件类型应为",
        "是否涉黑恶应填写",
        "第10行",
        DISTRICT_B,
        "第13行",
        "ZZ999",
        "第15行",
        "不能以「判决」结案",
        "第17行",
        "重复出现",
    ] {
        assert!(body.contains(want), "{want}: {body}");
    }
    assert_eq!(count(&app, "cases").await, 0);
    // Missing columns, a file that is no spreadsheet, a zip bomb.
    let body = expect_status(
        upload(sheet(&HEADERS[..6], &[rows[0][..6].to_vec()]))
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "missing columns",
    )
    .await;
    assert!(
        body.contains("缺少必填列") && body.contains("受案日期"),
        "{body}"
    );
    for (bytes, what) in [
        (b"not a spreadsheet at all".to_vec(), "not xlsx"),
        (common::zip_bomb(), "zip bomb"),
    ] {
        let body = expect_status(upload(bytes).await.unwrap(), StatusCode::BAD_REQUEST, what).await;
        assert!(
            body.contains("id=\"import-errors\"") && body.contains("没有导入任何数据"),
            "{body}"
        );
    }
    // 100,000 bad rows: the first listed by row, the rest counted, nothing imported.
    let bad_date = row("x", &[("受案日期", "明天")]);
    let many: Vec<Vec<String>> = (0..100_000)
        .map(|i| {
            let mut r = bad_date.clone();
            r[0] = format!("批量-{i}");
            r
        })
        .collect();
    let body = expect_status(
        upload(sheet(HEADERS, &many)).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "100,000 bad rows",
    )
    .await;
    assert!(
        body.contains("第2行") && body.contains("另有99800处错误未列出"),
        "{}",
        body.chars().take(800).collect::<String>()
    );
    assert_eq!(count(&app, "cases").await, 0);
    // The clean file goes in whole, with every stage's decider.
    rows = (0..20).map(|i| good(&format!("导入-{i}"))).collect();
    let res = upload(sheet(HEADERS, &rows)).await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(count(&app, "cases").await, 20);
    assert_eq!(count(&app, "case_stages").await, 60);
    let page = leader
        .get(app.url(&location(&res)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("共导入20件"), "{page}");
    let office = app.actor("office").await;
    let c = app.store.case_by_number(&office, "导入-7").await.unwrap();
    assert!(c.gang);
    assert_eq!(
        (c.stage.as_str(), c.stage_due),
        ("investigation", Some(day(40)))
    );
    let v = app.store.case_view(&office, &c.id).await.unwrap();
    let deciders: Vec<Option<&str>> = v
        .stages
        .iter()
        .map(|s| s.decider_badge.as_deref())
        .collect();
    assert_eq!(
        deciders,
        vec![None, Some(BADGE_LEADER_A), Some(BADGE_LEADER_A)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overdue_list_and_the_stage_limits() {
    on_each_backend(overdue_and_limits).await
}

async fn overdue_and_limits(app: TestApp) {
    case(
        &app,
        "超期-20",
        DISTRICT_A,
        BADGE_OFFICER_A,
        BADGE_LEADER_A,
        false,
        -20,
    )
    .await;
    case(
        &app,
        "超期-8",
        DISTRICT_A,
        BADGE_OFFICER_A,
        BADGE_LEADER_A,
        false,
        -8,
    )
    .await;
    case(
        &app,
        "按期-7",
        DISTRICT_A,
        BADGE_OFFICER_A,
        BADGE_LEADER_A,
        false,
        -7,
    )
    .await;
    case(&app, "乙超期-30", DISTRICT_B, BADGE_B, "", false, -30).await;
    let leader = app.login("leader_a").await;
    let body = expect_status(
        leader
            .get(app.url("/cases?overdue=1"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "overdue list",
    )
    .await;
    let first = body.find("超期-20").expect("most overdue listed");
    let second = body.find("超期-8").expect("overdue by a day listed");
    assert!(first < second, "most overdue first");
    assert!(
        body.contains("超期13天") && body.contains("超期1天"),
        "{body}"
    );
    assert!(
        !body.contains("按期-7") && !body.contains("乙超期-30"),
        "{body}"
    );
    assert!(body.contains("id=\"case-overdue\">2<"), "{body}");
    let xlsx = leader
        .get(app.url("/cases/export?overdue=1"))
        .send()
        .await
        .unwrap();
    let text = unzip_all(&xlsx.bytes().await.unwrap());
    assert!(common::contains(&text, "超期-20".as_bytes()));
    assert!(!common::contains(&text, "按期-7".as_bytes()));

    // The office sets 受案 of criminal cases to 3 days; a bad value is refused beside its cell.
    let office = app.login("office").await;
    let csrf = app.csrf(&office, "/cases/limits").await;
    let settings = count(&app, "settings").await;
    let body = expect_status(
        office
            .post(app.url("/cases/limits"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("criminal.received", "三天"),
                ("civil.trial", "90"),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "bad limit",
    )
    .await;
    assert!(body.contains("data-field=\"criminal.received\""), "{body}");
    assert_eq!(count(&app, "settings").await, settings, "nothing saved");
    let res = office
        .post(app.url("/cases/limits"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("criminal.received", "3"),
            ("civil.trial", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let limits = app.store.case_stage_limits().await.unwrap();
    use domain::enforcement::cases::{CaseKind, CaseStage};
    assert_eq!(
        limits.limit_for(CaseKind::Criminal, CaseStage::Received),
        Some(3)
    );
    assert_eq!(limits.limit_for(CaseKind::Civil, CaseStage::Trial), None);
    let id = case(&app, "新期限-1", DISTRICT_A, BADGE_OFFICER_A, "", false, 0).await;
    let c = app
        .store
        .case_in_scope(&app.actor("office").await, &id)
        .await
        .unwrap();
    assert_eq!(c.stage_due, Some(day(3)));
    let page = leader
        .get(app.url("/cases/limits"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"criminal.received\" value=\"3\""),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gang_case_opens_a_protection_umbrella_clue_that_keeps_its_link() {
    on_each_backend(umbrella).await
}

async fn umbrella(app: TestApp) {
    let gang = case(
        &app,
        "甲黑-1",
        DISTRICT_A,
        BADGE_OFFICER_A,
        BADGE_LEADER_A,
        true,
        -10,
    )
    .await;
    let plain = case(
        &app,
        "甲普-1",
        DISTRICT_A,
        BADGE_OFFICER_A,
        BADGE_LEADER_A,
        false,
        -10,
    )
    .await;
    let jiwei = app.login("jiwei").await;
    let page = expect_status(
        jiwei
            .get(app.url(&format!("/cases/{gang}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "gang case",
    )
    .await;
    assert!(
        page.contains("id=\"gang-tag\"") && page.contains("id=\"form-umbrella\""),
        "{page}"
    );
    let csrf = hidden(&page, "csrf").unwrap();
    let office = app.actor("office").await;
    let view = app.store.case_view(&office, &gang).await.unwrap();
    let leader = view
        .officers
        .iter()
        .find(|o| o.badge == BADGE_LEADER_A)
        .unwrap()
        .officer_id
        .clone();
    // Someone who did not handle the case cannot be named.
    let stranger = app
        .store
        .officers_by_badges(&[BADGE_B])
        .await
        .unwrap()
        .remove(BADGE_B)
        .unwrap()
        .id;
    let body = expect_status(
        jiwei
            .post(app.url(&format!("/cases/{gang}/umbrella")))
            .form(&[("csrf", csrf.as_str()), ("officer", stranger.as_str())])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "an officer outside the case",
    )
    .await;
    assert!(
        body.contains("data-form=\"umbrella\" data-field=\"officer\""),
        "{body}"
    );
    let res = jiwei
        .post(app.url(&format!("/cases/{gang}/umbrella")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("officer", leader.as_str()),
            ("note", "该案主犯多次获得从轻处理"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let v = app.store.case_view(&office, &gang).await.unwrap();
    assert_eq!(v.clues.len(), 1);
    let link = &v.clues[0];
    assert_eq!(
        (link.officer_id.as_str(), link.officer_badge.as_str()),
        (leader.as_str(), BADGE_LEADER_A)
    );
    let jiwei_actor = app.actor("jiwei").await;
    let clue = app
        .store
        .clue_in_scope(&jiwei_actor, &link.clue_id)
        .await
        .unwrap();
    assert_eq!(
        (
            clue.source.as_str(),
            clue.category.as_str(),
            clue.accused_name.as_deref()
        ),
        ("anti_gang_referral", "protection_umbrella", Some("吴建国"))
    );
    assert!(
        clue.summary.contains("甲黑-1") && clue.summary.contains("分管领导"),
        "{}",
        clue.summary
    );
    assert_eq!(
        app.store
            .case_of_clue(&jiwei_actor, &clue.id)
            .await
            .unwrap()
            .map(|c| c.number),
        Some("甲黑-1".to_string())
    );
    // The case page links the clue; the clue's page names the case; the clue is in the list.
    let page = jiwei
        .get(app.url(&format!("/cases/{gang}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/clues/{}\"", clue.id)) && page.contains(&clue.number),
        "{page}"
    );
    let clue_page = expect_status(
        jiwei
            .get(app.url(&format!("/clues/{}", clue.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "clue page",
    )
    .await;
    assert!(clue_page.contains("甲黑-1"), "{clue_page}");
    let list = jiwei
        .get(app.url("/clues"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&clue.number));
    // The officer it is about never sees it; the same officer is not referred twice.
    let accused = app.login("leader_a").await;
    expect_status(
        accused
            .get(app.url(&format!("/clues/{}", clue.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "the accused reads the clue",
    )
    .await;
    let body = expect_status(
        jiwei
            .post(app.url(&format!("/cases/{gang}/umbrella")))
            .form(&[("csrf", csrf.as_str()), ("officer", leader.as_str())])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "twice",
    )
    .await;
    assert!(body.contains("已就吴建国移送过保护伞线索"), "{body}");
    // A case that is not a gang case has no referral.
    let page = jiwei
        .get(app.url(&format!("/cases/{plain}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"form-umbrella\""));
    let body = expect_status(
        jiwei
            .post(app.url(&format!("/cases/{plain}/umbrella")))
            .form(&[("csrf", csrf.as_str()), ("officer", leader.as_str())])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "not a gang case",
    )
    .await;
    assert!(body.contains("只有涉黑恶案件"), "{body}");
    assert_eq!(count(&app, "clues").await, 1);
    assert_eq!(count(&app, "case_clues").await, 1);
}
