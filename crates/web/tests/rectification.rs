//! Rectification ledger and rules register over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is
//! set): every new route refuses a role without the permission, another unit's row or rule by id answers
//! 404, a row goes from measures to acceptance through rework, and bad input answers 400 with nothing written.

#[path = "common/mod.rs"]
mod common;

use chrono::Days;
use common::{
    ACCOUNTS, DISTRICT_A, ONE_PER_ROLE, TestApp, expect_status, location, on_each_backend,
    tiny_png, unzip_all,
};
use domain::access::Permission;
use domain::campaign::{CampaignTemplate, PhaseDraft, validate_phases};
use domain::org::Role;
use domain::rectification::{ItemInput, validate_item};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use store::campaign::NewCampaign;
use store::rectification::NewRule;
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

async fn campaign(app: &TestApp) -> String {
    let d = |s: i64, e: i64| PhaseDraft {
        starts: day(s),
        ends: day(e),
        ..PhaseDraft::default()
    };
    let phases = validate_phases(
        CampaignTemplate::Education,
        &[d(-5, 10), d(10, 20), d(20, 30)],
    )
    .unwrap();
    let office = app.actor("office").await;
    app.store
        .create_campaign(
            &office,
            &NewCampaign {
                name: "全市政法队伍教育整顿".into(),
                template: CampaignTemplate::Education,
                phases,
            },
        )
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

fn input(source: &str, category: &str) -> ItemInput {
    ItemInput {
        source: source.into(),
        category: category.into(),
        problem: "部分民警对过问案件未如实登记".into(),
        measures: "开展专项检查，建立过问案件月报制度".into(),
        leader: "吴建国".into(),
        person: "孙磊".into(),
        deadline: day(30),
    }
}

/// A row on `unit_code`'s ledger, added by `username`; returns (id, number).
async fn item(app: &TestApp, cid: &str, username: &str, unit_code: &str) -> (String, String) {
    let who = app.actor(username).await;
    let valid = validate_item(&input("special", "interference"), store::clues::today()).unwrap();
    app.store
        .add_rectification_item(&who, cid, &app.unit_id(unit_code), &valid, None)
        .await
        .unwrap()
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
                .part("file", Part::bytes(tiny_png()).file_name("整改.png")),
        ),
    };
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rectification_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    let cid = campaign(&app).await;
    let (iid, number) = item(&app, &cid, "office", DISTRICT_A).await;
    let office = app.actor("office").await;
    let eid = app
        .store
        .add_evidence(&office, &iid, "整改报告.png", &tiny_png())
        .await
        .unwrap();
    let rid = app
        .store
        .add_rule(
            &office,
            &cid,
            &NewRule {
                unit_id: app.unit_id(DISTRICT_A),
                title: "过问案件登记月报制度".into(),
                summary: "每月汇总过问案件登记情况".into(),
                item_numbers: vec![number],
            },
        )
        .await
        .unwrap();

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
        r(
            "GET",
            format!("/rectification?campaign={cid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "GET",
            "/rectification/template.xlsx".into(),
            Body::None,
            |r| r.can(ManageLedger),
        ),
        r(
            "POST",
            format!("/rectification/import?campaign={cid}"),
            Body::ForgedMultipart,
            |r| r.can(ManageLedger),
        ),
        r(
            "GET",
            format!("/rectification/items?campaign={cid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "GET",
            format!("/rectification/items/export?campaign={cid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "GET",
            format!("/rectification/new?campaign={cid}"),
            Body::None,
            |r| r.can(ManageLedger),
        ),
        r(
            "POST",
            "/rectification/new".into(),
            f(&[("campaign", &cid), ("source", "special")]),
            |r| r.can(ManageLedger),
        ),
        r(
            "GET",
            format!("/rectification/items/{iid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "POST",
            format!("/rectification/items/{iid}/step"),
            f(&[("action", "progress"), ("note", "已开展专项检查")]),
            |r| r.can(ViewLedger) && r.can(ManageLedger),
        ),
        r(
            "POST",
            format!("/rectification/items/{iid}/step"),
            f(&[("action", "accept")]),
            |r| r.can(ViewLedger) && r.can(AcceptRectification),
        ),
        r(
            "POST",
            format!("/rectification/items/{iid}/evidence"),
            Body::ForgedMultipart,
            |r| r.can(ManageLedger),
        ),
        r(
            "GET",
            format!("/rectification/items/{iid}/evidence/{eid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "GET",
            format!("/rectification/rules?campaign={cid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "POST",
            "/rectification/rules".into(),
            f(&[("campaign", &cid), ("title", "某制度")]),
            |r| r.can(ManageLedger),
        ),
        r(
            "GET",
            format!("/rectification/rules/export?campaign={cid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "GET",
            format!("/rectification/rules/{rid}"),
            Body::None,
            |r| r.can(ViewLedger),
        ),
        r(
            "POST",
            format!("/rectification/rules/{rid}/step"),
            f(&[("action", "adopt"), ("on", "2025-01-01")]),
            |r| r.can(ManageLedger),
        ),
        r(
            "POST",
            format!("/rectification/rules/{rid}/link"),
            f(&[("items", "ZG-2025-000001")]),
            |r| r.can(ManageLedger),
        ),
    ];
    let tables = [
        "rectification_items",
        "rectification_events",
        "rectification_evidence",
        "rectification_rules",
        "rectification_rule_events",
        "rectification_rule_items",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&app, t).await);
    }

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
            let what = format!(
                "{username} ({}) {} {}",
                role.as_str(),
                route.method,
                route.path
            );
            let body = res.text().await.unwrap_or_default();
            assert!(!status.is_server_error(), "{what}: {status} {body}");
            if (route.allowed)(role) {
                assert_ne!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} is allowed but was refused"
                );
                assert_ne!(
                    status,
                    StatusCode::SEE_OTHER,
                    "{what}: a forged token must not get through"
                );
                if route.method == "GET" && *username != "lianluo_b" {
                    // District B's liaison is allowed the pages but the row and rule are district A's: 404.
                    assert_eq!(status, StatusCode::OK, "{what}: {body}");
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
    assert!(refused > 70, "{refused}");
    let mut after = Vec::new();
    for t in tables {
        after.push(count(&app, t).await);
    }
    assert_eq!(after, before, "nothing any of that did was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_row_and_rule_answer_404() {
    on_each_backend(scope_between_units).await
}

async fn scope_between_units(app: TestApp) {
    let cid = campaign(&app).await;
    let (iid, number) = item(&app, &cid, "leader_a", DISTRICT_A).await;
    let leader = app.actor("leader_a").await;
    let eid = app
        .store
        .add_evidence(&leader, &iid, "整改报告.png", &tiny_png())
        .await
        .unwrap();
    let rid = app
        .store
        .add_rule(
            &leader,
            &cid,
            &NewRule {
                unit_id: app.unit_id(DISTRICT_A),
                title: "过问案件登记月报制度".into(),
                summary: "每月汇总过问案件登记情况".into(),
                item_numbers: vec![number.clone()],
            },
        )
        .await
        .unwrap();

    let b = app.login("lianluo_b").await;
    let csrf = app
        .csrf(&b, &format!("/rectification/items?campaign={cid}"))
        .await;
    for path in [
        format!("/rectification/items/{iid}"),
        format!("/rectification/items/{iid}/evidence/{eid}"),
        format!("/rectification/rules/{rid}"),
    ] {
        expect_status(
            b.get(app.url(&path)).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            &path,
        )
        .await;
    }
    let events = count(&app, "rectification_events").await;
    for (path, form) in [
        (
            format!("/rectification/items/{iid}/step"),
            vec![
                ("csrf", csrf.as_str()),
                ("action", "progress"),
                ("note", "乙区冒名报送的进展"),
            ],
        ),
        (
            format!("/rectification/rules/{rid}/step"),
            vec![
                ("csrf", csrf.as_str()),
                ("action", "adopt"),
                ("on", "2025-01-01"),
            ],
        ),
        (
            format!("/rectification/rules/{rid}/link"),
            vec![("csrf", csrf.as_str()), ("items", number.as_str())],
        ),
    ] {
        expect_status(
            b.post(app.url(&path)).form(&form).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            &path,
        )
        .await;
    }
    let res = b
        .post(app.url(&format!("/rectification/items/{iid}/evidence")))
        .multipart(
            Form::new()
                .text("csrf", csrf.clone())
                .part("file", Part::bytes(tiny_png()).file_name("x.png")),
        )
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "evidence to A's row").await;
    assert_eq!(count(&app, "rectification_events").await, events);
    assert_eq!(count(&app, "rectification_evidence").await, 1);
    // B's list and export do not show A's row; a row cannot be put on A's ledger from B either.
    let list = expect_status(
        b.get(app.url(&format!("/rectification/items?campaign={cid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "B's list",
    )
    .await;
    assert!(!list.contains(&number));
    let xlsx = b
        .get(app.url(&format!("/rectification/items/export?campaign={cid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(!common::contains(
        &unzip_all(&xlsx.bytes().await.unwrap()),
        number.as_bytes()
    ));
    let ua = app.unit_id(DISTRICT_A);
    let mut form = vec![
        ("csrf", csrf.clone()),
        ("campaign", cid.clone()),
        ("unit", ua),
    ];
    let i = input("inspection", "conduct");
    form.extend([
        ("source", i.source),
        ("category", i.category),
        ("problem", i.problem),
        ("measures", i.measures),
        ("leader", i.leader),
        ("person", i.person),
        ("deadline", i.deadline),
    ]);
    let body = expect_status(
        b.post(app.url("/rectification/new"))
            .form(&form)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "row for A from B",
    )
    .await;
    assert!(body.contains("data-field=\"unit\""), "{body}");
    assert_eq!(count(&app, "rectification_items").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_goes_to_acceptance_through_rework_and_bad_input_writes_nothing() {
    on_each_backend(row_life).await
}

async fn row_life(app: TestApp) {
    let cid = campaign(&app).await;
    let leader = app.login("leader_a").await;
    let csrf = app
        .csrf(&leader, &format!("/rectification/new?campaign={cid}"))
        .await;
    let ua = app.unit_id(DISTRICT_A);
    let form_with = |changes: &[(&'static str, &str)]| {
        let i = input("special", "interference");
        let mut f: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("campaign", cid.clone()),
            ("unit", ua.clone()),
            ("source", i.source),
            ("category", i.category),
            ("problem", i.problem),
            ("measures", i.measures),
            ("leader", i.leader),
            ("person", i.person),
            ("deadline", i.deadline),
        ];
        for (k, v) in changes {
            if let Some(x) = f.iter_mut().find(|(fk, _)| fk == k) {
                x.1 = v.to_string();
            }
        }
        f
    };
    // Bad input: each answers 400 with the message beside its field; nothing is written.
    let yesterday = day(-1);
    for (changes, field, says) in [
        (vec![("category", "conduct")], "category", "六类顽瘴痼疾"),
        (
            vec![("deadline", yesterday.as_str())],
            "deadline",
            "不能早于今天",
        ),
        (vec![("deadline", "下个月")], "deadline", "YYYY-MM-DD"),
        (vec![("problem", "")], "problem", "问题描述不能为空"),
        (vec![("leader", "  ")], "leader", "责任领导不能为空"),
        (vec![("source", "whatever")], "source", "请选择整改来源"),
    ] {
        let body = expect_status(
            leader
                .post(app.url("/rectification/new"))
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
    assert_eq!(count(&app, "rectification_items").await, 0);

    let res = leader
        .post(app.url("/rectification/new"))
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
    let row = location(&res);
    let id = row.rsplit('/').next().unwrap().to_string();
    let step = |c: &reqwest::Client, csrf: &str, action: &str, note: &str| {
        let (c, url, form) = (
            c.clone(),
            app.url(&format!("{row}/step")),
            vec![
                ("csrf", csrf.to_string()),
                ("action", action.to_string()),
                ("note", note.to_string()),
            ],
        );
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    // Not up for acceptance without evidence; an executable is no evidence.
    let body = expect_status(
        step(&leader, &csrf, "submit", "已建立月报制度").await,
        StatusCode::BAD_REQUEST,
        "submit without evidence",
    )
    .await;
    assert!(body.contains("佐证材料"), "{body}");
    let elf = Form::new().text("csrf", csrf.clone()).part(
        "file",
        Part::bytes(b"\x7fELF\x02\x01\x01\0\0\0".to_vec()).file_name("report.pdf"),
    );
    let body = expect_status(
        leader
            .post(app.url(&format!("{row}/evidence")))
            .multipart(elf)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "ELF as evidence",
    )
    .await;
    assert!(body.contains("data-field=\"file\""), "{body}");
    assert_eq!(count(&app, "rectification_evidence").await, 0);
    let png = Form::new().text("csrf", csrf.clone()).part(
        "file",
        Part::bytes(tiny_png()).file_name("../../整改报告.png"),
    );
    assert_eq!(
        leader
            .post(app.url(&format!("{row}/evidence")))
            .multipart(png)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    let page = expect_status(
        leader.get(app.url(&row)).send().await.unwrap(),
        StatusCode::OK,
        "row",
    )
    .await;
    let href = page
        .split("href=\"")
        .find(|s| s.contains("/evidence/"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let dl = leader.get(app.url(&href)).send().await.unwrap();
    assert!(
        dl.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(dl.bytes().await.unwrap().to_vec(), tiny_png());
    // Evidence files live under the data folder with server-made names only.
    let stored: Vec<_> = app
        .data_files()
        .into_iter()
        .filter(|(p, _)| p.to_string_lossy().contains("evidence"))
        .collect();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].0.to_string_lossy().contains("整改报告"));

    assert_eq!(
        step(&leader, &csrf, "submit", "已建立月报制度并开展检查")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let inspector = app.login("duchazu").await;
    let icsrf = app.csrf(&inspector, &row).await;
    let body = expect_status(
        step(&inspector, &icsrf, "reject", "不行").await,
        StatusCode::BAD_REQUEST,
        "reject without a reason",
    )
    .await;
    assert!(
        body.contains("data-field=\"reject\"") && body.contains("退回理由不能少于5个字"),
        "{body}"
    );
    assert_eq!(
        step(&inspector, &icsrf, "reject", "缺少制度印发文件，请补充")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // The leader cannot accept his own row.
    expect_status(
        step(&leader, &csrf, "accept", "").await,
        StatusCode::FORBIDDEN,
        "leader accepts",
    )
    .await;
    assert_eq!(
        step(&leader, &csrf, "submit", "补充了制度印发文件")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        step(&inspector, &icsrf, "accept", "同意销号")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let page = expect_status(
        inspector.get(app.url(&row)).send().await.unwrap(),
        StatusCode::OK,
        "accepted row",
    )
    .await;
    assert!(
        page.contains("id=\"item-state\">已销号") && page.contains("缺少制度印发文件，请补充"),
        "{page}"
    );
    assert_eq!(
        app.store.rectification_counts(&cid, &ua).await.unwrap(),
        (1, 1)
    );

    // The rules register: a bad number is refused beside the field; a good one links the row.
    let rcsrf = app
        .csrf(&leader, &format!("/rectification/rules?campaign={cid}"))
        .await;
    let number = app
        .store
        .rectification_item_in_scope(&app.actor("leader_a").await, &id)
        .await
        .unwrap()
        .number;
    let rule = |items: &str| {
        vec![
            ("csrf", rcsrf.clone()),
            ("campaign", cid.clone()),
            ("unit", ua.clone()),
            ("title", "过问案件登记月报制度".to_string()),
            ("summary", "每月汇总过问案件登记情况并报纪检组".to_string()),
            ("items", items.to_string()),
        ]
    };
    let body = expect_status(
        leader
            .post(app.url("/rectification/rules"))
            .form(&rule("ZG-1999-000009"))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "unknown row",
    )
    .await;
    assert!(body.contains("data-field=\"items\""), "{body}");
    assert_eq!(count(&app, "rectification_rules").await, 0);
    let res = leader
        .post(app.url("/rectification/rules"))
        .form(&rule(&number))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rule_page = location(&res);
    let adopt = leader
        .post(app.url(&format!("{rule_page}/step")))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("action", "adopt"),
            ("on", day(0).as_str()),
            ("note", "甲公发〔2025〕12号"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(adopt.status(), StatusCode::SEE_OTHER);
    let body = expect_status(
        leader
            .post(app.url(&format!("{rule_page}/step")))
            .form(&[
                ("csrf", rcsrf.as_str()),
                ("action", "abolish"),
                ("on", day(0).as_str()),
                ("note", ""),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "abolish without a reason",
    )
    .await;
    assert!(body.contains("废止理由"), "{body}");
    let page = expect_status(
        leader.get(app.url(&rule_page)).send().await.unwrap(),
        StatusCode::OK,
        "rule",
    )
    .await;
    assert!(
        page.contains("id=\"rule-state\">施行") && page.contains(&number),
        "{page}"
    );
    let row_page = expect_status(
        leader.get(app.url(&row)).send().await.unwrap(),
        StatusCode::OK,
        "row with rule",
    )
    .await;
    assert!(row_page.contains("过问案件登记月报制度"));
}

/// An .xlsx with these rows under the ledger's headers (or other headers).
fn sheet(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.xlsx");
    let rows = rows.iter().map(|r| {
        r.iter()
            .map(|c| reports::Cell::Text(c.clone()))
            .collect::<Vec<_>>()
    });
    reports::write_xlsx(&path, "整改台账", headers, rows).unwrap();
    std::fs::read(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_imports_all_or_nothing() {
    on_each_backend(ledger_import).await
}

async fn ledger_import(app: TestApp) {
    let cid = campaign(&app).await;
    let leader = app.login("leader_a").await;
    let csrf = app
        .csrf(&leader, &format!("/rectification?campaign={cid}"))
        .await;
    let headers = [
        "责任单位编码",
        "来源",
        "问题类别",
        "问题",
        "整改措施",
        "责任领导",
        "责任人",
        "整改时限",
    ];
    let row = |unit: &str, source: &str, category: &str, deadline: &str| -> Vec<String> {
        [
            unit,
            source,
            category,
            "部分民警过问案件未如实登记",
            "开展专项检查，建立月报制度",
            "吴建国",
            "孙磊",
            deadline,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let upload = |bytes: Vec<u8>| {
        let form = Form::new()
            .text("csrf", csrf.clone())
            .text("campaign", cid.clone())
            .part("file", Part::bytes(bytes).file_name("台账.xlsx"));
        leader
            .post(app.url(&format!("/rectification/import?campaign={cid}")))
            .multipart(form)
            .send()
    };
    // One bad row among good ones: every problem listed by row, nothing imported.
    let mut rows: Vec<Vec<String>> = (0..50)
        .map(|_| row(DISTRICT_A, "专项整治", "干预司法", &day(20)))
        .collect();
    rows[17] = row(common::DISTRICT_B, "专项整治", "干预司法", &day(20));
    rows[30] = row(DISTRICT_A, "专项整治", "作风纪律", "下个月");
    let body = expect_status(
        upload(sheet(&headers, &rows)).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad rows",
    )
    .await;
    assert!(
        body.contains("id=\"import-errors\"") && body.contains("第19行") && body.contains("第32行"),
        "{body}"
    );
    assert!(
        body.contains("六类顽瘴痼疾") && body.contains(common::DISTRICT_B),
        "{body}"
    );
    assert_eq!(count(&app, "rectification_items").await, 0);
    // Missing columns, and a file that is no spreadsheet.
    let body = expect_status(
        upload(sheet(&headers[..5], &[rows[0][..5].to_vec()]))
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "missing columns",
    )
    .await;
    assert!(
        body.contains("缺少必填列") && body.contains("责任领导"),
        "{body}"
    );
    let body = expect_status(
        upload(b"not a spreadsheet at all".to_vec()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "not xlsx",
    )
    .await;
    assert!(body.contains("id=\"import-errors\""), "{body}");
    let body = expect_status(
        upload(common::zip_bomb()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "zip bomb",
    )
    .await;
    assert!(body.contains("id=\"import-errors\""), "{body}");
    // 100,000 rows: over the ledger's cap, refused with the cap named before any row is checked.
    let many: Vec<Vec<String>> = (0..100_000)
        .map(|_| row(common::DISTRICT_B, "专项整治", "干预司法", &day(20)))
        .collect();
    let body = expect_status(
        upload(sheet(&headers, &many)).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "100,000 rows",
    )
    .await;
    assert!(
        body.contains("一次最多导入20000行"),
        "{}",
        body.chars().take(500).collect::<String>()
    );
    // 10,000 bad rows (a unit outside the leader's scope): the first rows listed, the rest counted.
    let body = expect_status(
        upload(sheet(&headers, &many[..10_000])).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "10,000 bad rows",
    )
    .await;
    assert!(
        body.contains("第2行") && body.contains("另有"),
        "{}",
        body.chars().take(500).collect::<String>()
    );
    assert_eq!(count(&app, "rectification_items").await, 0);
    // A clean file goes in whole; a past deadline comes in as overdue.
    rows[17] = row(common::DISTRICT_A_CHILD, "督导检查", "conduct", &day(-2));
    rows[30] = row(DISTRICT_A, "专项整治", "干预司法", &day(20));
    let res = upload(sheet(&headers, &rows)).await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(count(&app, "rectification_items").await, 50);
    let page = expect_status(
        leader.get(app.url(&location(&res))).send().await.unwrap(),
        StatusCode::OK,
        "after import",
    )
    .await;
    assert!(page.contains("共导入50项"), "{page}");
    let leader_actor = app.actor("leader_a").await;
    let (overdue, n) = app
        .store
        .rectification_items(
            &leader_actor,
            &cid,
            &store::rectification::ItemFilter {
                overdue: true,
                ..Default::default()
            },
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!((n, overdue[0].source.as_str()), (1, "inspection"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_export_names_every_level_of_responsibility() {
    on_each_backend(export_levels).await
}

async fn export_levels(app: TestApp) {
    use domain::campaign::ResponsibilityLevel;
    use store::campaign::responsibility::Holder;
    let cid = campaign(&app).await;
    let office = app.actor("office").await;
    app.store
        .set_responsibility(
            &office,
            &app.unit_id(DISTRICT_A),
            &[
                Holder {
                    level: ResponsibilityLevel::Principal,
                    name: "甲区公安分局党委".into(),
                    position: String::new(),
                },
                Holder {
                    level: ResponsibilityLevel::FirstResponsible,
                    name: "吴建国".into(),
                    position: "局长".into(),
                },
                Holder {
                    level: ResponsibilityLevel::Supervisory,
                    name: "钱纪明".into(),
                    position: "纪检组长".into(),
                },
            ],
        )
        .await
        .unwrap();
    let (_, number) = item(&app, &cid, "office", DISTRICT_A).await;
    let c = app.login("office").await;
    let xlsx = c
        .get(app.url(&format!("/rectification/items/export?campaign={cid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = unzip_all(&xlsx.bytes().await.unwrap());
    for want in [
        number.as_str(),
        "主体责任",
        "监督责任",
        "甲区公安分局党委",
        "吴建国（局长）",
        "钱纪明（纪检组长）",
    ] {
        assert!(common::contains(&text, want.as_bytes()), "{want}");
    }
}
