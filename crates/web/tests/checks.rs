//! Data checks over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): every route refuses a
//! role without the permission, a scoped inspector gets 404 for another district's finding, records go in
//! through the .xlsx upload, a run finds the revolving door, a finding becomes one clue that shows in
//! /clues, and bad files and forms answer 400 with nothing written.

#[path = "common/mod.rs"]
mod common;

use common::{
    ACCOUNTS, DISTRICT_A, DISTRICT_B, ONE_PER_ROLE, TestApp, expect_status, location,
    on_each_backend, spawn_app, tiny_png, unzip_all, zip_bomb,
};
use domain::access::Permission;
use domain::enforcement::checks::{
    AppearanceRow, CheckRule, DepartureRow, LawyerRole, RecordKind, RecordRow,
};
use domain::org::{IdNumber, Role};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use store::enforcement::checks::{FindingFilter, ImportResult};
use store::{Sql, vals};

fn role_of(username: &str) -> Role {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == username)
        .map(|a| a.2)
        .unwrap()
}

/// A checksum-valid ID number told apart by `seq`.
fn id_text(seq: u32) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("32010219850315{seq:03}");
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

fn day(offset: i64) -> String {
    let t = store::clues::today();
    let d = if offset >= 0 {
        t + chrono::Days::new(offset as u64)
    } else {
        t - chrono::Days::new((-offset) as u64)
    };
    d.format("%Y-%m-%d").to_string()
}

/// A departed judge of district B's court and an appearance before its tribunal within two years:
/// two findings (the window and the former unit), both of district B. Returns their ids.
async fn district_b_findings(app: &TestApp) -> Vec<String> {
    let office = app.actor("office").await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let person = IdNumber::parse(&id_text(11)).unwrap();
    for (kind, row) in [
        (
            RecordKind::Departures,
            RecordRow::Departure(DepartureRow {
                person: person.clone(),
                name: "李某".into(),
                former_unit: DISTRICT_B.into(),
                former_position: "审判员".into(),
                leader: false,
                judicial: true,
                left_on: d("2024-01-10"),
                dismissed: false,
            }),
        ),
        (
            RecordKind::LawyerAppearances,
            RecordRow::Appearance(AppearanceRow {
                lawyer: person.clone(),
                name: "李某".into(),
                law_firm: "江州某律师事务所".into(),
                firm_area: "乙区".into(),
                case_number: "（2025）乙0101民初7号".into(),
                court: "YB-FY-01".into(),
                role: LawyerRole::Agent,
                appeared_on: d("2025-03-01"),
            }),
        ),
    ] {
        let r = app
            .store
            .import_check_records(&office, kind, &[(2, row)])
            .await
            .unwrap();
        assert!(matches!(r, ImportResult::Imported(_)), "{r:?}");
    }
    app.store
        .run_checks_as(
            &office,
            &[CheckRule::RevolvingWindow, CheckRule::RevolvingFormerUnit],
        )
        .await
        .unwrap();
    let (list, _) = app
        .store
        .check_findings(&office, &FindingFilter::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    list.into_iter().map(|f| f.id).collect()
}

/// A case received 40 days ago in district A with no filing decision; returns its finding's id.
async fn district_a_finding(app: &TestApp) -> String {
    app.exec(
        "INSERT INTO cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at) VALUES (?, 'JA-2025-001', '张某被盗案', 'criminal', ?, NULL, '孙磊', NULL, '', 0, ?, 'received', ?, NULL, NULL, NULL, 'test', 0, 0)",
        vals![store::new_id(), app.unit_id(DISTRICT_A), day(-40), day(-40)],
    )
    .await;
    let office = app.actor("office").await;
    app.store
        .run_checks_as(&office, &[CheckRule::PendingFiling])
        .await
        .unwrap();
    let f = FindingFilter {
        rule: Some(CheckRule::PendingFiling),
        ..FindingFilter::default()
    };
    let (list, _) = app.store.check_findings(&office, &f, 0, 10).await.unwrap();
    assert_eq!(list.len(), 1);
    list[0].id.clone()
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
        Body::ForgedMultipart => req.multipart(
            Form::new()
                .text("csrf", "forged-token")
                .part("file", Part::bytes(tiny_png()).file_name("数据.xlsx")),
        ),
    };
    req.send().await.unwrap()
}

const TABLES: &[&str] = &[
    "check_findings",
    "check_runs",
    "check_rules",
    "check_departures",
    "check_imports",
    "clues",
];

async fn table_counts(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in TABLES {
        v.push(count(app, t).await);
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_checks_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    let fid = district_b_findings(&app).await.remove(0);
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
        r("GET", "/checks".into(), Body::None, |r| {
            r.can(ViewCheckFindings)
        }),
        r(
            "GET",
            "/checks?rule=revolving_window&clue=no&current=1&q=李".into(),
            Body::None,
            |r| r.can(ViewCheckFindings),
        ),
        r("GET", "/checks/export".into(), Body::None, |r| {
            r.can(ViewCheckFindings)
        }),
        r("GET", format!("/checks/findings/{fid}"), Body::None, |r| {
            r.can(ViewCheckFindings)
        }),
        r(
            "POST",
            format!("/checks/findings/{fid}/clue"),
            f(&[]),
            |r| r.can(ViewCheckFindings),
        ),
        r("GET", "/checks/rules".into(), Body::None, |r| {
            r.can(RunDataChecks)
        }),
        r(
            "POST",
            "/checks/rules/pending_filing".into(),
            f(&[("enabled", "1"), ("p_days", "10")]),
            |r| r.can(RunDataChecks),
        ),
        r("POST", "/checks/run".into(), f(&[("rule", "all")]), |r| {
            r.can(RunDataChecks)
        }),
        r("GET", "/checks/imports".into(), Body::None, |r| {
            r.can(RunDataChecks)
        }),
        r(
            "GET",
            "/checks/imports/departures/template.xlsx".into(),
            Body::None,
            |r| r.can(RunDataChecks),
        ),
        r(
            "POST",
            "/checks/imports/departures".into(),
            Body::ForgedMultipart,
            |r| r.can(RunDataChecks),
        ),
    ];
    let before = table_counts(&app).await;
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
                assert_ne!(status, StatusCode::FORBIDDEN, "{what} is allowed: {body}");
                if route.method == "GET" {
                    assert_eq!(status, StatusCode::OK, "{what}: {body}");
                } else {
                    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: forged token");
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
    assert!(refused >= 70, "{refused}");
    assert_eq!(table_counts(&app).await, before, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_inspector_gets_404_for_another_districts_finding() {
    on_each_backend(scope_between_districts).await
}

async fn scope_between_districts(app: TestApp) {
    let b_ids = district_b_findings(&app).await;
    let a_id = district_a_finding(&app).await;
    let office = app.actor("office").await;
    let numbers: Vec<String> = {
        let mut v = Vec::new();
        for id in &b_ids {
            v.push(
                app.store
                    .check_finding_in_scope(&office, id)
                    .await
                    .unwrap()
                    .number,
            );
        }
        v
    };
    let a = app.login("jiwei_a").await;
    let csrf = app.csrf(&a, "/checks").await;
    for id in &b_ids {
        expect_status(
            a.get(app.url(&format!("/checks/findings/{id}")))
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
            "B's finding by id",
        )
        .await;
        expect_status(
            a.post(app.url(&format!("/checks/findings/{id}/clue")))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
            "a clue from B's finding",
        )
        .await;
    }
    assert_eq!(count(&app, "clues").await, 0);
    let list = expect_status(
        a.get(app.url("/checks")).send().await.unwrap(),
        StatusCode::OK,
        "A's list",
    )
    .await;
    assert!(list.contains("JA-2025-001"), "A's own finding is listed");
    for n in &numbers {
        assert!(!list.contains(n.as_str()), "B's {n} is not listed");
    }
    let xlsx = a.get(app.url("/checks/export")).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = unzip_all(&xlsx.bytes().await.unwrap());
    assert!(common::contains(&text, "JA-2025-001".as_bytes()));
    for n in &numbers {
        assert!(!common::contains(&text, n.as_bytes()), "B's {n} exported");
    }
    expect_status(
        a.get(app.url(&format!("/checks/findings/{a_id}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "A's own finding",
    )
    .await;
    // Settings are city-wide: a district's inspector may run the checks but not change them.
    expect_status(
        a.post(app.url("/checks/rules/pending_filing"))
            .form(&[("csrf", csrf.as_str()), ("enabled", "1"), ("p_days", "5")])
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "district settings",
    )
    .await;
    assert_eq!(count(&app, "check_rules").await, 0);
    let res = a
        .post(app.url("/checks/run"))
        .form(&[("csrf", csrf.as_str()), ("rule", "pending_filing")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/checks/rules?run="));
}

/// An .xlsx with these headers and rows (every cell as text).
fn sheet(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.xlsx");
    let cells = rows
        .iter()
        .map(|r| r.iter().map(|c| reports::Cell::Text(c.clone())).collect());
    reports::write_xlsx(&path, "数据", headers, cells).unwrap();
    std::fs::read(&path).unwrap()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    kind: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    c.post(app.url(&format!("/checks/imports/{kind}")))
        .multipart(
            Form::new()
                .text("csrf", csrf.to_string())
                .part("file", Part::bytes(bytes).file_name("数据.xlsx")),
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_uploaded_and_run_become_a_finding_and_one_clue_in_the_clue_list() {
    on_each_backend(upload_run_and_open_clue).await
}

async fn upload_run_and_open_clue(app: TestApp) {
    let c = app.login("jiwei").await;
    let csrf = app.csrf(&c, "/checks/imports").await;
    let dep = sheet(
        RecordKind::Departures.headers(),
        &[strings(&[
            &id_text(21),
            "钱某",
            "乙区人民法院",
            "副庭长",
            "是",
            "是",
            "2023年6月1日",
            "否",
        ])],
    );
    let res = upload(&app, &c, &csrf, "departures", dep.clone()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = expect_status(
        c.get(app.url(&location(&res))).send().await.unwrap(),
        StatusCode::OK,
        "after import",
    )
    .await;
    assert!(page.contains("新增1条"), "{page}");
    // The same file again adds nothing.
    let res = upload(&app, &c, &csrf, "departures", dep).await;
    assert!(
        location(&res).contains("added=0&skipped=1"),
        "{}",
        location(&res)
    );
    let apps = sheet(
        RecordKind::LawyerAppearances.headers(),
        &[
            // Within the leader's three years, before another court.
            strings(&[
                &id_text(21),
                "钱某",
                "江州某律师事务所",
                "江州市甲区",
                "（2025）甲0101刑初9号",
                "甲区人民法院",
                "辩护",
                "2026-05-30",
            ]),
            // The same name, another person: no match.
            strings(&[
                &id_text(22),
                "钱某",
                "江州某律师事务所",
                "江州市甲区",
                "（2025）甲0101刑初10号",
                "甲区人民法院",
                "辩护",
                "2024-05-30",
            ]),
        ],
    );
    let res = upload(&app, &c, &csrf, "lawyer_appearances", apps).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "appearances import");
    assert_eq!(count(&app, "check_lawyer_appearances").await, 2);

    let res = c
        .post(app.url("/checks/run"))
        .form(&[("csrf", csrf.as_str()), ("rule", "revolving_window")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let result = expect_status(
        c.get(app.url(&location(&res))).send().await.unwrap(),
        StatusCode::OK,
        "run result",
    )
    .await;
    assert!(result.contains("比对完成"), "{result}");
    assert!(result.contains("命中 1 条"), "{result}");
    let list = expect_status(
        c.get(app.url("/checks?rule=revolving_window"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "findings",
    )
    .await;
    assert!(list.contains("钱某"));
    let jiwei = app.actor("jiwei").await;
    let (found, _) = app
        .store
        .check_findings(&jiwei, &FindingFilter::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let f = &found[0];
    let detail = expect_status(
        c.get(app.url(&format!("/checks/findings/{}", f.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "finding page",
    )
    .await;
    assert!(detail.contains("领导职务人员3年"), "{detail}");
    assert!(detail.contains("3201**********"), "masked ID shown");
    assert!(!detail.contains(&id_text(21)), "raw ID never shown");
    assert!(detail.contains("id=\"open-clue\""));

    let open = |csrf: String| {
        let c = c.clone();
        let url = app.url(&format!("/checks/findings/{}/clue", f.id));
        async move {
            c.post(url)
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let res = open(csrf.clone()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).ends_with("?clue=new"));
    let res = open(csrf.clone()).await;
    assert!(location(&res).ends_with("?clue=existing"), "a second click");
    assert_eq!(count(&app, "clues").await, 1);
    let f = app
        .store
        .check_finding_in_scope(&jiwei, &f.id)
        .await
        .unwrap();
    let number = f.clue_number.clone().unwrap();
    let clues = expect_status(
        c.get(app.url("/clues")).send().await.unwrap(),
        StatusCode::OK,
        "clue list",
    )
    .await;
    assert!(clues.contains(&number), "the clue is in /clues");
    let clue = expect_status(
        c.get(app.url(&format!("/clues/{}", f.clue_id.clone().unwrap())))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "clue page",
    )
    .await;
    assert!(clue.contains("数据比对"), "source shown");
    assert!(clue.contains(&f.number), "the clue names its finding");
    let detail = expect_status(
        c.get(app.url(&format!("/checks/findings/{}?clue=existing", f.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "finding page after",
    )
    .await;
    assert!(detail.contains(&number) && !detail.contains("id=\"open-clue\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_and_forms_answer_400_and_write_nothing() {
    on_each_backend(bad_input).await
}

async fn bad_input(app: TestApp) {
    let c = app.login("office").await;
    let csrf = app.csrf(&c, "/checks/imports").await;
    let headers = RecordKind::Departures.headers();
    let good = |seq: u32| {
        strings(&[
            &id_text(seq),
            "钱某",
            DISTRICT_B,
            "审判员",
            "否",
            "是",
            "2023-06-01",
            "否",
        ])
    };
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "missing columns",
            sheet(
                &headers[..3],
                &[strings(&[&id_text(1), "钱某", DISTRICT_B])],
            ),
            vec!["缺少必填列", "离任日期"],
        ),
        (
            "wrong types and bad ID numbers",
            sheet(
                headers,
                &[
                    good(1),
                    strings(&[
                        &id_text(2),
                        "钱某",
                        DISTRICT_B,
                        "审判员",
                        "也许",
                        "是",
                        "明年",
                        "否",
                    ]),
                    strings(&[
                        "320102198503150021",
                        "孙某",
                        DISTRICT_B,
                        "审判员",
                        "否",
                        "是",
                        "2023-06-01",
                        "否",
                    ]),
                    strings(&[
                        "32010219850315002",
                        "赵某",
                        "NO-SUCH",
                        "审判员",
                        "否",
                        "是",
                        "2023-06-01",
                        "否",
                    ]),
                ],
            ),
            vec![
                "第3行",
                "是否领导职务",
                "日期格式不正确",
                "第4行",
                "校验位",
                "第5行",
                "身份证号应为18位",
            ],
        ),
        (
            "unknown unit",
            sheet(
                headers,
                &[strings(&[
                    &id_text(3),
                    "钱某",
                    "NO-SUCH",
                    "审判员",
                    "否",
                    "是",
                    "2023-06-01",
                    "否",
                ])],
            ),
            vec!["NO-SUCH", "不存在"],
        ),
        ("zip bomb", zip_bomb(), vec!["压缩"]),
        ("not a workbook", tiny_png(), vec!["不是 Excel"]),
    ];
    for (what, bytes, wanted) in cases {
        let body = expect_status(
            upload(&app, &c, &csrf, "departures", bytes).await,
            StatusCode::BAD_REQUEST,
            what,
        )
        .await;
        assert!(body.contains("本次没有导入任何数据"), "{what}: {body}");
        for w in wanted {
            assert!(body.contains(w), "{what}: wants {w}");
        }
    }
    let res = c
        .post(app.url("/checks/imports/departures"))
        .multipart(Form::new().text("csrf", csrf.clone()))
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "no file").await;
    assert!(body.contains("请选择要导入的 Excel 文件"));
    expect_status(
        upload(&app, &c, &csrf, "no_such_kind", sheet(headers, &[good(1)])).await,
        StatusCode::NOT_FOUND,
        "unknown kind",
    )
    .await;
    assert_eq!(count(&app, "check_departures").await, 0);
    assert_eq!(count(&app, "check_imports").await, 0);

    // The settings form: every field checked, nothing saved from a bad form.
    let body = expect_status(
        c.post(app.url("/checks/rules/revolving_window"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("enabled", "1"),
                ("p_years", "两年"),
                ("p_leader_years", "3"),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "years not a number",
    )
    .await;
    assert!(body.contains("data-field=\"years\""), "{body}");
    assert!(body.contains("value=\"两年\""), "what was typed stays");
    let body = expect_status(
        c.post(app.url("/checks/rules/revolving_window"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("enabled", "1"),
                ("p_years", "3"),
                ("p_leader_years", "2"),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "leader shorter",
    )
    .await;
    assert!(body.contains("data-field=\"leader_years\""), "{body}");
    let body = expect_status(
        c.post(app.url("/checks/rules/pending_filing"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("enabled", "1"),
                ("p_days", "99999"),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "out of range",
    )
    .await;
    assert!(body.contains("应在1至3650天之间"), "{body}");
    assert_eq!(count(&app, "check_rules").await, 0);
    expect_status(
        c.post(app.url("/checks/rules/no_such_rule"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "unknown rule",
    )
    .await;
    let body = expect_status(
        c.post(app.url("/checks/run"))
            .form(&[("csrf", csrf.as_str()), ("rule", "<script>")])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "unknown rule to run",
    )
    .await;
    assert!(body.contains("请选择要运行的比对规则"));
    assert_eq!(count(&app, "check_runs").await, 0);
    for path in ["/checks?page=abc", "/checks/findings/no-such-id"] {
        let res = c.get(app.url(path)).send().await.unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
    }

    // A good form is saved and shown; switched off, the rule is skipped by a run.
    let res = c
        .post(app.url("/checks/rules/revolving_window"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("p_years", "2"),
            ("p_leader_years", "4"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let s = app
        .store
        .check_rule_settings(CheckRule::RevolvingWindow)
        .await
        .unwrap();
    assert!(!s.enabled);
    assert_eq!(s.get("leader_years"), 4);
    let page = expect_status(
        c.get(app.url("/checks/rules")).send().await.unwrap(),
        StatusCode::OK,
        "rules page",
    )
    .await;
    assert!(
        page.contains("name=\"p_leader_years\" value=\"4\""),
        "saved value shown"
    );
    let run = app.store.run_all_checks().await.unwrap();
    assert!(
        run.rules
            .iter()
            .any(|r| r.rule == "revolving_window" && r.skipped)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_bad_rows_are_counted_not_imported() {
    let app = spawn_app().await;
    let c = app.login("office").await;
    let csrf = app.csrf(&c, "/checks/imports").await;
    let rows: Vec<Vec<String>> = (0..100_000)
        .map(|i| {
            strings(&[
                &format!("1101011980{:07}", i),
                "某某",
                "YB-FY",
                "审判员",
                "否",
                "是",
                "2023-06-01",
                "否",
            ])
        })
        .collect();
    let bytes = sheet(RecordKind::Departures.headers(), &rows);
    let body = expect_status(
        upload(&app, &c, &csrf, "departures", bytes).await,
        StatusCode::BAD_REQUEST,
        "100,000 bad rows",
    )
    .await;
    assert!(body.contains("第2行"), "the first bad row is listed");
    assert!(
        body.contains("另有99800处错误未列出"),
        "the rest are counted"
    );
    assert_eq!(count(&app, "check_departures").await, 0);
    let page = app.csrf(&c, "/checks/imports").await;
    assert_eq!(page, csrf, "the session is intact");
}
