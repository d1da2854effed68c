//! Self-check pages over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): every new route
//! refuses a role without the permission, another unit's report or finding by id answers 404, an officer
//! files and amends a self-report with every version kept, and bad input answers 400 with nothing written.

#[path = "common/mod.rs"]
mod common;

use chrono::Days;
use common::{
    ACCOUNTS, BADGE_B, BADGE_LEADER_A, ONE_PER_ROLE, TestApp, expect_status, location,
    on_each_backend, unzip_all,
};
use domain::access::Permission;
use domain::campaign::{CampaignTemplate, PhaseDraft, validate_phases};
use domain::org::Role;
use domain::selfcheck::{Section, Window};
use domain::tips::ProblemCategory;
use reqwest::StatusCode;
use store::campaign::NewCampaign;
use store::{Actor, Sql, vals};

fn role_of(username: &str) -> Role {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == username)
        .map(|a| a.2)
        .unwrap()
}

fn day(offset: i64) -> chrono::NaiveDate {
    let t = store::clues::today();
    if offset >= 0 {
        t + Days::new(offset as u64)
    } else {
        t - Days::new((-offset) as u64)
    }
}

/// A campaign run by the office (the root unit) with an open self-check window.
async fn campaign(app: &TestApp) -> String {
    let d = |s: i64, e: i64| PhaseDraft {
        starts: day(s).to_string(),
        ends: day(e).to_string(),
        ..PhaseDraft::default()
    };
    let phases = validate_phases(
        CampaignTemplate::Education,
        &[d(-5, 10), d(10, 20), d(20, 30)],
    )
    .unwrap();
    let office = app.actor("office").await;
    let id = app
        .store
        .create_campaign(
            &office,
            &NewCampaign {
                name: "全市政法队伍教育整顿".into(),
                template: CampaignTemplate::Education,
                phases,
            },
        )
        .await
        .unwrap();
    app.store
        .set_selfcheck_window(&office, &id, Window::new(day(-3), day(7)).unwrap())
        .await
        .unwrap();
    id
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

/// An actor standing for an officer who has no account (the seed gives district B's officer none).
async fn officer_actor(app: &TestApp, badge: &str) -> Actor {
    let mut a = app.actor("ganjing").await;
    let office = app.actor("office").await;
    let (list, _) = app
        .store
        .officers_in_scope(&office, badge, 0, 10)
        .await
        .unwrap();
    let o = list.into_iter().find(|o| o.badge == badge).unwrap();
    let unit = app.store.unit_by_id(&o.unit_id).await.unwrap();
    a.officer_id = Some(o.id);
    a.unit_id = unit.id;
    a.unit_path = unit.path;
    a
}

fn report(texts: &[(ProblemCategory, &str)]) -> Vec<(ProblemCategory, Section)> {
    ProblemCategory::all()
        .iter()
        .map(|c| {
            (
                *c,
                texts
                    .iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, t)| Section::Text(t.to_string()))
                    .unwrap_or(Section::Nil),
            )
        })
        .collect()
}

/// The report form with every category answered "无" except the given texts.
fn form(cid: &str, csrf: &str, texts: &[(ProblemCategory, &str)]) -> Vec<(String, String)> {
    let mut f = vec![
        ("campaign".to_string(), cid.to_string()),
        ("csrf".to_string(), csrf.to_string()),
    ];
    for c in ProblemCategory::all() {
        match texts.iter().find(|(k, _)| k == c) {
            Some((_, t)) => {
                f.push((format!("a_{}", c.as_str()), "text".into()));
                f.push((format!("t_{}", c.as_str()), t.to_string()));
            }
            None => f.push((format!("a_{}", c.as_str()), "nil".into())),
        }
    }
    f
}

enum Body {
    None,
    Forged(Vec<(&'static str, String)>),
}

struct Route {
    method: &'static str,
    path: String,
    body: Body,
    allowed: fn(Role) -> bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_selfcheck_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    let cid = campaign(&app).await;
    let ganjing = app.actor("ganjing").await;
    app.store
        .file_self_report(&ganjing, &cid, &report(&[]))
        .await
        .unwrap();
    let rid = app
        .store
        .my_self_report(&ganjing, &cid)
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let duchazu = app.actor("duchazu").await;
    let n = store::selfcheck::NewInspectionFinding {
        badge: common::BADGE_OFFICER_A.into(),
        category: ProblemCategory::Conduct,
        description: "工作时间玩游戏被督导组发现".into(),
        found_on: day(0),
        items: vec!["工作时间玩游戏".into()],
    };
    let fid = app
        .store
        .record_inspection_finding(&duchazu, &cid, &n)
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
            format!("/selfcheck?campaign={cid}"),
            Body::None,
            |r| r.can(FileSelfReport),
        ),
        r(
            "POST",
            "/selfcheck".into(),
            f(&[("campaign", &cid), ("a_conduct", "nil")]),
            |r| r.can(FileSelfReport),
        ),
        r(
            "POST",
            "/selfcheck/window".into(),
            f(&[
                ("campaign", &cid),
                ("opens", "2026-01-01"),
                ("closes", "2026-02-01"),
            ]),
            |r| r.can(SetSelfCheckWindow),
        ),
        r(
            "GET",
            format!("/selfcheck/stats?campaign={cid}"),
            Body::None,
            |r| r.can(ViewSelfReports),
        ),
        r(
            "GET",
            format!("/selfcheck/stats.xlsx?campaign={cid}"),
            Body::None,
            |r| r.can(ViewSelfReports),
        ),
        r(
            "GET",
            format!("/selfcheck/reports?campaign={cid}"),
            Body::None,
            |r| r.can(ViewSelfReports),
        ),
        r(
            "GET",
            format!("/selfcheck/reports/export?campaign={cid}"),
            Body::None,
            |r| r.can(ViewSelfReports),
        ),
        r(
            "GET",
            format!("/selfcheck/reports/{rid}"),
            Body::None,
            |r| r.can(ViewSelfReports),
        ),
        r(
            "GET",
            format!("/selfcheck/findings?campaign={cid}"),
            Body::None,
            |r| r.can(ViewFindings),
        ),
        r(
            "GET",
            format!("/selfcheck/findings/export?campaign={cid}"),
            Body::None,
            |r| r.can(ViewFindings),
        ),
        r(
            "GET",
            format!("/selfcheck/findings/new?campaign={cid}"),
            Body::None,
            |r| r.can(RecordFindings),
        ),
        r(
            "POST",
            "/selfcheck/findings/new".into(),
            f(&[("campaign", &cid), ("badge", BADGE_B)]),
            |r| r.can(RecordFindings),
        ),
        r(
            "POST",
            "/selfcheck/findings/from-clue".into(),
            f(&[("campaign", &cid), ("clue_id", "x")]),
            |r| r.can(RecordFindings) && r.can(ReadClues),
        ),
        r(
            "GET",
            format!("/selfcheck/findings/{fid}"),
            Body::None,
            |r| r.can(ViewFindings),
        ),
        r(
            "POST",
            format!("/selfcheck/findings/{fid}/compare"),
            f(&[("c_1", "yes")]),
            |r| r.can(RecordFindings),
        ),
    ];
    let before = (
        count(&app, "self_report_versions").await,
        count(&app, "findings").await,
        count(&app, "selfcheck_windows").await,
        count(&app, "finding_items WHERE covered IS NOT NULL").await,
    );

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
                if route.method == "POST" {
                    assert_eq!(
                        status,
                        StatusCode::BAD_REQUEST,
                        "{what}: a forged token must stop the form: {body}"
                    );
                } else {
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
    assert!(refused > 80, "{refused}");
    let after = (
        count(&app, "self_report_versions").await,
        count(&app, "findings").await,
        count(&app, "selfcheck_windows").await,
        count(&app, "finding_items WHERE covered IS NOT NULL").await,
    );
    assert_eq!(after, before, "nothing any of that did was written");
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
    };
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_files_and_amends_and_every_version_stays() {
    on_each_backend(officer_files).await
}

async fn officer_files(app: TestApp) {
    let cid = campaign(&app).await;
    let c = app.login("ganjing").await;
    let page = expect_status(
        c.get(app.url(&format!("/selfcheck?campaign={cid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "my report",
    )
    .await;
    assert!(page.contains("id=\"self-report\""), "the form is open");
    assert_eq!(
        page.matches("<fieldset class=\"section").count(),
        ProblemCategory::all().len()
    );
    let csrf = common::hidden(&page, "csrf").unwrap();

    let res = c
        .post(app.url("/selfcheck"))
        .form(&form(&cid, &csrf, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).ends_with("&filed=1"), "{}", location(&res));
    let text = "2024年3月受朋友之托，向办案民警打听过一起盗窃案的进展，未登记";
    let res = c
        .post(app.url("/selfcheck"))
        .form(&form(&cid, &csrf, &[(ProblemCategory::Interference, text)]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).ends_with("&filed=2"), "{}", location(&res));
    let page = expect_status(
        c.get(app.url(&location(&res))).send().await.unwrap(),
        StatusCode::OK,
        "after amending",
    )
    .await;
    assert!(
        page.contains("第2版") && page.contains("第1版") && page.contains(text),
        "both versions are listed"
    );
    assert!(
        page.contains("各类问题均填报“无”（零报告）"),
        "version 1 stays a nil report"
    );
    // The form starts from the latest version.
    assert!(page.contains("提交修改（保存为第3版）"));

    // Bad input: a category left unanswered, and "有" without a text. 400, beside the fields, nothing written.
    let mut bad = form(&cid, &csrf, &[(ProblemCategory::Conduct, "")]);
    bad.retain(|(k, _)| k != "a_revolving_door");
    let body = expect_status(
        c.post(app.url("/selfcheck"))
            .form(&bad)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "bad report",
    )
    .await;
    assert!(
        body.contains("data-field=\"revolving_door\"") && body.contains("请选择“无”或“有”"),
        "{body}"
    );
    assert!(
        body.contains("data-field=\"conduct\"") && body.contains("报告内容不能为空"),
        "{body}"
    );
    assert_eq!(count(&app, "self_report_versions").await, 2);

    // The statistics see one filed report in the officer's unit.
    let office = app.login("office").await;
    let stats = expect_status(
        office
            .get(app.url(&format!("/selfcheck/stats?campaign={cid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "stats",
    )
    .await;
    assert!(stats.contains("甲区公安分局城关派出所"));
    let xlsx = office
        .get(app.url(&format!("/selfcheck/reports/export?campaign={cid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let xml = unzip_all(&xlsx.bytes().await.unwrap());
    assert!(common::contains(&xml, "孙磊".as_bytes()));

    // The office closes the window (a bad window first: 400 and unchanged); the officer can no longer amend.
    let ocsrf = app
        .csrf(&office, &format!("/selfcheck/stats?campaign={cid}"))
        .await;
    let body = expect_status(
        office
            .post(app.url("/selfcheck/window"))
            .form(&[
                ("csrf", ocsrf.as_str()),
                ("campaign", cid.as_str()),
                ("opens", "2026-05-01"),
                ("closes", "2026-04-01"),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "window closing before it opens",
    )
    .await;
    assert!(body.contains("截止日期不能早于开始日期"));
    assert_eq!(
        app.store.selfcheck_window(&cid).await.unwrap(),
        Some(Window::new(day(-3), day(7)).unwrap())
    );
    let (o, cl) = (day(-10).to_string(), day(-1).to_string());
    // A district office sees the city's campaign but may not move its window.
    let office_a = app.login("office_a").await;
    let acsrf = app
        .csrf(&office_a, &format!("/selfcheck/stats?campaign={cid}"))
        .await;
    let page = office_a
        .get(app.url(&format!("/selfcheck/stats?campaign={cid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"window-form\""));
    let window_form = [
        ("csrf", acsrf.as_str()),
        ("campaign", cid.as_str()),
        ("opens", o.as_str()),
        ("closes", cl.as_str()),
    ];
    expect_status(
        office_a
            .post(app.url("/selfcheck/window"))
            .form(&window_form)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "district office",
    )
    .await;
    assert_eq!(
        app.store.selfcheck_window(&cid).await.unwrap(),
        Some(Window::new(day(-3), day(7)).unwrap())
    );
    let res = office
        .post(app.url("/selfcheck/window"))
        .form(&[
            ("csrf", ocsrf.as_str()),
            ("campaign", cid.as_str()),
            ("opens", o.as_str()),
            ("closes", cl.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = expect_status(
        c.post(app.url("/selfcheck"))
            .form(&form(&cid, &csrf, &[]))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "after the window",
    )
    .await;
    assert!(body.contains("截止"), "{body}");
    assert_eq!(count(&app, "self_report_versions").await, 2);
    let page = expect_status(
        c.get(app.url(&format!("/selfcheck?campaign={cid}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "closed",
    )
    .await;
    assert!(page.contains("id=\"window-closed\"") && !page.contains("id=\"self-report\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_report_and_finding_answer_404() {
    on_each_backend(scope_between_units).await
}

async fn scope_between_units(app: TestApp) {
    let cid = campaign(&app).await;
    let wang = officer_actor(&app, BADGE_B).await;
    app.store
        .file_self_report(
            &wang,
            &cid,
            &report(&[(
                ProblemCategory::IllegalBusiness,
                "丈夫在本区经营一家律师事务所",
            )]),
        )
        .await
        .unwrap();
    let rid_b = app
        .store
        .my_self_report(&wang, &cid)
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let duchazu = app.actor("duchazu").await;
    let finding = |badge: &str| store::selfcheck::NewInspectionFinding {
        badge: badge.into(),
        category: ProblemCategory::IllegalBusiness,
        description: "配偶在辖区开办律师事务所未回避".into(),
        found_on: day(0),
        items: vec!["配偶开办律所".into()],
    };
    let fid_b = app
        .store
        .record_inspection_finding(&duchazu, &cid, &finding(BADGE_B))
        .await
        .unwrap();
    let fid_leader = app
        .store
        .record_inspection_finding(&duchazu, &cid, &finding(BADGE_LEADER_A))
        .await
        .unwrap();
    let number_b = app
        .store
        .finding_in_scope(&duchazu, &fid_b)
        .await
        .unwrap()
        .finding
        .number;

    // District A's leader: B's report and finding are 404, and so is the finding about himself.
    let leader = app.login("leader_a").await;
    for path in [
        format!("/selfcheck/reports/{rid_b}"),
        format!("/selfcheck/findings/{fid_b}"),
        format!("/selfcheck/findings/{fid_leader}"),
    ] {
        expect_status(
            leader.get(app.url(&path)).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            &path,
        )
        .await;
    }
    let xlsx = leader
        .get(app.url(&format!("/selfcheck/findings/export?campaign={cid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        !common::contains(
            &unzip_all(&xlsx.bytes().await.unwrap()),
            number_b.as_bytes()
        ),
        "the export keeps to the scope"
    );
    // District A's discipline inspector cannot compare B's finding, even with a valid token.
    let jiwei_a = app.login("jiwei_a").await;
    let csrf = app
        .csrf(&jiwei_a, &format!("/selfcheck/findings?campaign={cid}"))
        .await;
    expect_status(
        jiwei_a
            .post(app.url(&format!("/selfcheck/findings/{fid_b}/compare")))
            .form(&[("csrf", csrf.as_str()), ("c_1", "yes")])
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "compare B",
    )
    .await;
    assert_eq!(
        count(&app, "finding_items WHERE covered IS NOT NULL").await,
        0
    );
    // The office sees both; the decision for B is strict and says why.
    let office = app.login("office").await;
    let page = expect_status(
        office
            .get(app.url(&format!("/selfcheck/findings/{fid_b}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "office",
    )
    .await;
    assert!(
        page.contains("id=\"outcome\">待比对") || page.contains("id=\"outcome\">从严"),
        "{page}"
    );
    expect_status(
        office
            .get(app.url(&format!("/selfcheck/reports/{rid_b}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        "office report",
    )
    .await;

    // An inspection result with bad input: 400 beside the field, nothing written.
    let duchazu_c = app.login("duchazu").await;
    let csrf = app
        .csrf(
            &duchazu_c,
            &format!("/selfcheck/findings/new?campaign={cid}"),
        )
        .await;
    let before = count(&app, "findings").await;
    for (fields, field) in [
        (
            vec![
                ("badge", "NOSUCH"),
                ("category", "conduct"),
                ("found_on", "2025-01-01"),
                ("description", "督导发现的问题描述"),
                ("items", "一项问题"),
            ],
            "badge",
        ),
        (
            vec![
                ("badge", BADGE_B),
                ("category", "nonsense"),
                ("found_on", "2025-01-01"),
                ("description", "督导发现的问题描述"),
                ("items", "一项问题"),
            ],
            "category",
        ),
        (
            vec![
                ("badge", BADGE_B),
                ("category", "conduct"),
                ("found_on", "昨天"),
                ("description", "督导发现的问题描述"),
                ("items", "一项问题"),
            ],
            "found_on",
        ),
        (
            vec![
                ("badge", BADGE_B),
                ("category", "conduct"),
                ("found_on", "2025-01-01"),
                ("description", "督导发现的问题描述"),
                ("items", " \n "),
            ],
            "items",
        ),
    ] {
        let mut f = fields.clone();
        f.push(("csrf", csrf.as_str()));
        f.push(("campaign", cid.as_str()));
        let body = expect_status(
            duchazu_c
                .post(app.url("/selfcheck/findings/new"))
                .form(&f)
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            field,
        )
        .await;
        assert!(
            body.contains(&format!("data-field=\"{field}\"")),
            "{field}: {body}"
        );
    }
    assert_eq!(count(&app, "findings").await, before);
    // A finding from a clue: comparison over HTTP turns the decision.
    let (clue, _) = app
        .clue_in(
            common::DISTRICT_A_CHILD,
            Some(common::BADGE_OFFICER_A),
            "配偶经营建材公司，本人兼职取酬",
        )
        .await;
    let jiwei = app.actor("jiwei").await;
    for step in [
        store::clues::StepInput::Dispose {
            method: domain::clues::DisposalMethod::PreliminaryCheck,
        },
        store::clues::StepInput::Verify,
        store::clues::StepInput::Conclude {
            conclusion: domain::clues::Conclusion::PartlyTrue,
        },
    ] {
        app.store
            .clue_step(&jiwei, &clue, &step, "经核查部分属实")
            .await
            .unwrap();
    }
    let jc = app.login("jiwei").await;
    let csrf = app
        .csrf(&jc, &format!("/selfcheck/findings/new?campaign={cid}"))
        .await;
    let res = jc
        .post(app.url("/selfcheck/findings/from-clue"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("campaign", cid.as_str()),
            ("clue_id", clue.as_str()),
            ("items", "配偶经营建材公司\n兼职取酬"),
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
    let page = expect_status(
        jc.get(app.url(&location(&res))).send().await.unwrap(),
        StatusCode::OK,
        "finding",
    )
    .await;
    // 孙磊 filed nothing in this campaign: strict, and the page says so.
    assert!(
        page.contains("id=\"outcome\">从严") && page.contains("该干警没有提交过自查事项报告"),
        "{page}"
    );
}
