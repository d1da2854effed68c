//! Inquiry records (逢问必录) over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): every
//! route refuses a role without the permission and another unit's record answers 404; an officer
//! records inquiries about the cases he handles; a leader asking from outside the case is flagged as
//! interference and reported to the office; quarterly reports and nil reports with the units that have
//! not filed and their reminder; the patterns; the export.

#[path = "common/mod.rs"]
mod common;

use chrono::{Days, TimeZone};
use common::{
    ACCOUNTS, BADGE_B, BADGE_LEADER_A, BADGE_OFFICER_A, DISTRICT_A, DISTRICT_B, ONE_PER_ROLE,
    TestApp, expect_status, location, on_each_backend, unzip_all,
};
use domain::access::Permission;
use domain::enforcement::cases::{CaseInput, validate_case};
use domain::enforcement::inquiries::{InquiryInput, Quarter, validate_inquiry};
use domain::org::Role;
use reqwest::StatusCode;
use store::{Actor, Sql, vals};

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

fn now_local() -> chrono::NaiveDateTime {
    store::clues::local_offset()
        .timestamp_millis_opt(store::now_ms())
        .single()
        .unwrap()
        .naive_local()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

/// A criminal case added through the store as the office; returns its id.
async fn case(app: &TestApp, number: &str, unit: &str, handler: &str, leader: &str) -> String {
    let office = app.actor("office").await;
    let input = CaseInput {
        number: number.into(),
        title: format!("{number}案"),
        kind: "刑事案件".into(),
        unit_code: unit.into(),
        handler_badge: handler.into(),
        leader_badge: leader.into(),
        received_on: day(-5),
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

/// Records an inquiry through the store as `who`; `at` is a local time `YYYY-MM-DD HH:MM`.
async fn record(
    app: &TestApp,
    who: &Actor,
    case_number: &str,
    asker: (&str, &str, &str, &str),
    at: &str,
) -> String {
    let (name, position, unit, badge) = asker;
    let v = validate_inquiry(
        &InquiryInput {
            case_number: case_number.into(),
            asker_name: name.into(),
            asker_position: position.into(),
            asker_unit: unit.into(),
            asker_badge: badge.into(),
            asked_at: at.into(),
            channel: "phone".into(),
            content: "打电话询问案件进展情况".into(),
            handling: "告知依法办理".into(),
            leader: false,
        },
        now_local(),
    )
    .unwrap();
    app.store.record_inquiry(who, &v).await.unwrap().id
}

fn recent() -> String {
    (now_local() - chrono::Duration::hours(2))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

struct Route {
    method: &'static str,
    path: String,
    form: Option<Vec<(&'static str, String)>>,
    allowed: fn(Role) -> bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inquiry_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    case(&app, "甲刑-1", DISTRICT_A, BADGE_OFFICER_A, BADGE_LEADER_A).await;
    let office = app.actor("office").await;
    let id = record(
        &app,
        &office,
        "甲刑-1",
        ("钱某", "科员", "某局", ""),
        &recent(),
    )
    .await;
    let forged = |fields: &[(&'static str, &str)]| {
        let mut v: Vec<(&'static str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        v.push(("csrf", "forged-token".into()));
        Some(v)
    };
    let r = |method, path: &str, form, allowed| Route {
        method,
        path: path.to_string(),
        form,
        allowed,
    };
    let routes = vec![
        r("GET", "/inquiries", None, |r| {
            r.can(RecordInquiry) || r.can(ViewInquiries)
        }),
        r("GET", "/inquiries?interference=1", None, |r| {
            r.can(RecordInquiry) || r.can(ViewInquiries)
        }),
        r("GET", "/inquiries/new", None, |r| r.can(RecordInquiry)),
        r(
            "POST",
            "/inquiries/new",
            forged(&[("case", "甲刑-1")]),
            |r| r.can(RecordInquiry),
        ),
        r("GET", "/inquiries/export", None, |r| r.can(ViewInquiries)),
        r("GET", "/inquiries/patterns", None, |r| r.can(ViewInquiries)),
        r("GET", "/inquiries/reports", None, |r| {
            r.can(ViewInquiries) || r.can(FileInquiryReport)
        }),
        r(
            "POST",
            "/inquiries/reports",
            forged(&[("kind", "nil")]),
            |r| r.can(FileInquiryReport),
        ),
        r("GET", &format!("/inquiries/{id}"), None, |r| {
            r.can(RecordInquiry) || r.can(ViewInquiries)
        }),
    ];
    let before = (
        count(&app, "inquiries").await,
        count(&app, "inquiry_reports").await,
        count(&app, "notifications").await,
    );
    let anon = app.browser();
    for route in &routes {
        let req = if route.method == "GET" {
            anon.get(app.url(&route.path))
        } else {
            anon.post(app.url(&route.path))
                .form(route.form.as_ref().unwrap())
        };
        let res = req.send().await.unwrap();
        assert_eq!(
            (res.status(), location(&res).as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "anonymous {}",
            route.path
        );
    }
    let mut refused = 0;
    for username in ONE_PER_ROLE {
        let role = role_of(username);
        let c = app.login(username).await;
        for route in &routes {
            let req = if route.method == "GET" {
                c.get(app.url(&route.path))
            } else {
                c.post(app.url(&route.path))
                    .form(route.form.as_ref().unwrap())
            };
            let res = req.send().await.unwrap();
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
                if route.method == "POST" {
                    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: forged token");
                } else if route.path.ends_with(&id) {
                    // Readers in scope see the office's record; a recorder sees only their own.
                    let reads = role.can(ViewInquiries) && *username != "lianluo_b";
                    let want = if reads {
                        StatusCode::OK
                    } else {
                        StatusCode::NOT_FOUND
                    };
                    assert_eq!(status, want, "{what}");
                } else {
                    assert_eq!(status, StatusCode::OK, "{what}: {body}");
                }
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} must be refused: {body}"
                );
                assert!(body.contains("无权"), "{what}");
                refused += 1;
            }
        }
    }
    assert!(refused > 25, "{refused}");
    assert_eq!(
        (
            count(&app, "inquiries").await,
            count(&app, "inquiry_reports").await,
            count(&app, "notifications").await
        ),
        before,
        "nothing was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_record_about_their_own_cases_and_scope_holds() {
    on_each_backend(recording_and_scope).await
}

async fn recording_and_scope(app: TestApp) {
    case(&app, "甲刑-2", DISTRICT_A, BADGE_OFFICER_A, BADGE_LEADER_A).await;
    case(&app, "甲刑-3", DISTRICT_A, BADGE_LEADER_A, "").await;
    case(&app, "乙民-2", DISTRICT_B, BADGE_B, "").await;
    let officer = app.login("ganjing").await;
    let page = expect_status(
        officer.get(app.url("/inquiries/new")).send().await.unwrap(),
        StatusCode::OK,
        "form",
    )
    .await;
    assert!(
        page.contains("甲刑-2") && !page.contains("甲刑-3"),
        "his own cases to pick: {page}"
    );
    let csrf = common::hidden(&page, "csrf").unwrap();
    let at = now_local().format("%Y-%m-%dT%H:%M").to_string();
    let form = |case: &str, changes: &[(&'static str, &str)]| {
        let mut f: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("case", case.into()),
            ("asker_name", "周某".into()),
            ("asker_position", "律师".into()),
            ("asker_unit", "某律师事务所".into()),
            ("asker_badge", String::new()),
            ("asked_at", at.clone()),
            ("channel", "in_person".into()),
            ("content", "当面询问能否取保候审".into()),
            ("handling", "告知按规定办理".into()),
        ];
        for (k, v) in changes {
            if let Some(x) = f.iter_mut().find(|(fk, _)| fk == k) {
                x.1 = v.to_string();
            }
        }
        f
    };
    let tomorrow = format!("{}T09:00", day(1));
    for (case_no, changes, field, says) in [
        ("甲刑-3", vec![], "case", "不是您承办的案件"),
        ("乙民-2", vec![], "case", "不是您承办的案件"),
        (
            "甲刑-2",
            vec![("content", "问")],
            "content",
            "过问内容不能少于5个字",
        ),
        (
            "甲刑-2",
            vec![("asked_at", tomorrow.as_str())],
            "asked_at",
            "不能晚于现在",
        ),
        (
            "甲刑-2",
            vec![("channel", "飞鸽")],
            "channel",
            "请选择过问方式",
        ),
        (
            "甲刑-2",
            vec![("asker_badge", "ZZ999")],
            "asker_badge",
            "不在花名册中",
        ),
        (
            "甲刑-2",
            vec![("asker_name", ""), ("asker_badge", "")],
            "asker_name",
            "请填写过问人姓名",
        ),
    ] {
        let body = expect_status(
            officer
                .post(app.url("/inquiries/new"))
                .form(&form(case_no, &changes))
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
    assert_eq!(count(&app, "inquiries").await, 0);
    let res = officer
        .post(app.url("/inquiries/new"))
        .form(&form("甲刑-2", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let mine = location(&res);
    let page = officer
        .get(app.url(&mine))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("周某") && page.contains("过问人不是领导干部"),
        "{page}"
    );
    // His list holds his record; district B's liaison records about B's cases only.
    let list = officer
        .get(app.url("/inquiries"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("甲刑-2"), "{list}");
    let liaison = app.login("lianluo_b").await;
    let lcsrf = app.csrf(&liaison, "/inquiries/new").await;
    let mut bform = form("甲刑-2", &[]);
    bform[0].1 = lcsrf.clone();
    let body = expect_status(
        liaison
            .post(app.url("/inquiries/new"))
            .form(&bform)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "A's case from B",
    )
    .await;
    assert!(
        body.contains("data-field=\"case\"") && body.contains("权限范围"),
        "{body}"
    );
    let mut bform = form("乙民-2", &[]);
    bform[0].1 = lcsrf;
    let res = liaison
        .post(app.url("/inquiries/new"))
        .form(&bform)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let theirs = location(&res);
    // Each record is 404 to the other side: to A's readers B's, to B's liaison A's, to other recorders.
    for (user, path) in [
        ("leader_a", theirs.as_str()),
        ("jiwei_a", theirs.as_str()),
        ("office_a", theirs.as_str()),
        ("lianluo_b", mine.as_str()),
        ("duchazu", mine.as_str()),
    ] {
        let c = app.login(user).await;
        expect_status(
            c.get(app.url(path)).send().await.unwrap(),
            StatusCode::NOT_FOUND,
            user,
        )
        .await;
    }
    let leader = app.login("leader_a").await;
    expect_status(
        leader.get(app.url(&mine)).send().await.unwrap(),
        StatusCode::OK,
        "A's reader",
    )
    .await;
    let list = leader
        .get(app.url("/inquiries"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("甲刑-2") && !list.contains("乙民-2"),
        "{list}"
    );
    let xlsx = app
        .login("jiwei_a")
        .await
        .get(app.url("/inquiries/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let text = unzip_all(&xlsx.bytes().await.unwrap());
    assert!(
        common::contains(&text, "甲刑-2".as_bytes())
            && !common::contains(&text, "乙民-2".as_bytes())
    );
    assert_eq!(count(&app, "inquiries").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_asking_from_outside_the_case_is_flagged_and_reported() {
    on_each_backend(interference).await
}

async fn interference(app: TestApp) {
    case(&app, "甲刑-4", DISTRICT_A, BADGE_OFFICER_A, BADGE_LEADER_A).await;
    let officer = app.login("ganjing").await;
    let csrf = app.csrf(&officer, "/inquiries/new").await;
    let at = now_local().format("%Y-%m-%dT%H:%M").to_string();
    let post = |fields: Vec<(&'static str, &str)>| {
        let mut f: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("case", "甲刑-4".into()),
            ("asked_at", at.clone()),
            ("channel", "phone".into()),
            ("content", "打招呼希望对嫌疑人从轻处理".into()),
            ("handling", "拒绝并如实登记".into()),
        ];
        f.extend(fields.into_iter().map(|(k, v)| (k, v.to_string())));
        let c = officer.clone();
        let url = app.url("/inquiries/new");
        async move {
            let res = c.post(url).form(&f).send().await.unwrap();
            assert_eq!(
                res.status(),
                StatusCode::SEE_OTHER,
                "{}",
                res.text().await.unwrap_or_default()
            );
            location(&res)
        }
    };
    let notices = || async {
        let c = app.store.connection();
        Sql::of(c)
            .scalar(
                c,
                "SELECT COUNT(*) FROM notifications WHERE kind = 'interference' AND unit_id = ?",
                vals![app.unit_id(common::ROOT)],
            )
            .await
            .unwrap()
    };
    // A deputy head of another office, not on the roster: interference, reported to the office.
    let flagged = post(vec![
        ("asker_name", "钱某"),
        ("asker_position", "副区长"),
        ("asker_unit", "甲区人民政府"),
    ])
    .await;
    assert_eq!(notices().await, 1);
    let page = officer
        .get(app.url(&flagged))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"interference-flag\"")
            && page.contains("副区长")
            && page.contains("已通报整顿办"),
        "{page}"
    );
    // The case's own leader (on the roster, 局长): a leader, but handling his own case.
    let own = post(vec![("asker_badge", BADGE_LEADER_A)]).await;
    let page = officer
        .get(app.url(&own))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"leader-flag\"") && page.contains("系该案承办、决定或分管人员"),
        "{page}"
    );
    assert!(
        page.contains("吴建国（警号JA0001）"),
        "the roster fills in the name: {page}"
    );
    // A colleague without a leading post: recorded, not flagged.
    post(vec![
        ("asker_name", "郑某"),
        ("asker_position", "民警"),
        ("asker_unit", "甲区公安分局"),
    ])
    .await;
    // Ticked as a leading cadre whatever the title: flagged.
    post(vec![
        ("asker_name", "冯某"),
        ("asker_position", "顾问"),
        ("asker_unit", "某集团"),
        ("leader", "1"),
    ])
    .await;
    assert_eq!(notices().await, 2);
    let office = app.login("office").await;
    let dash = office
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dash.contains("干预司法通报") && dash.contains("钱某") && dash.contains("冯某"),
        "{dash}"
    );
    let list = office
        .get(app.url("/inquiries?interference=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("钱某") && list.contains("冯某") && !list.contains("郑某"),
        "{list}"
    );
    assert_eq!(count(&app, "inquiries").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_file_quarterly_or_nil_reports_and_the_rest_are_reminded() {
    on_each_backend(quarterly).await
}

async fn quarterly(app: TestApp) {
    let q = Quarter::last_finished(store::clues::today());
    let in_quarter = format!("{} 10:00", q.last_day().format("%Y-%m-%d"));
    case(&app, "甲刑-5", DISTRICT_A, BADGE_OFFICER_A, BADGE_LEADER_A).await;
    let office = app.actor("office").await;
    record(
        &app,
        &office,
        "甲刑-5",
        ("钱某", "科员", "某局", ""),
        &in_quarter,
    )
    .await;

    let post = |c: reqwest::Client,
                csrf: String,
                unit: String,
                kind: &'static str,
                summary: &'static str| {
        let url = app.url("/inquiries/reports");
        let quarter = q.as_string();
        async move {
            c.post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("unit", unit.as_str()),
                    ("quarter", quarter.as_str()),
                    ("kind", kind),
                    ("summary", summary),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // District B's liaison: no records, so a report is refused and a nil report goes in, once.
    let liaison = app.login("lianluo_b").await;
    let csrf = app.csrf(&liaison, "/inquiries/reports").await;
    let ub = app.unit_id(DISTRICT_B);
    let body = expect_status(
        post(
            liaison.clone(),
            csrf.clone(),
            ub.clone(),
            "report",
            "本季度情况如下",
        )
        .await,
        StatusCode::BAD_REQUEST,
        "report without records",
    )
    .await;
    assert!(
        body.contains("data-field=\"nil\"") && body.contains("零报告"),
        "{body}"
    );
    let res = post(liaison.clone(), csrf.clone(), ub.clone(), "nil", "").await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let page = liaison
        .get(app.url(&location(&res)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"report-ok\"") && page.contains("零报告"),
        "{page}"
    );
    let body = expect_status(
        post(liaison.clone(), csrf.clone(), ub.clone(), "nil", "").await,
        StatusCode::BAD_REQUEST,
        "twice",
    )
    .await;
    assert!(body.contains("不能重复报送"), "{body}");
    // Another unit's report from B is refused beside the unit.
    let body = expect_status(
        post(
            liaison.clone(),
            csrf.clone(),
            app.unit_id(DISTRICT_A),
            "nil",
            "",
        )
        .await,
        StatusCode::BAD_REQUEST,
        "A's report from B",
    )
    .await;
    assert!(body.contains("data-field=\"unit\""), "{body}");
    // District A's leader: one record in the quarter, so no nil report; the report carries the count.
    let leader = app.login("leader_a").await;
    let lcsrf = app.csrf(&leader, "/inquiries/reports").await;
    let ua = app.unit_id(DISTRICT_A);
    let body = expect_status(
        post(leader.clone(), lcsrf.clone(), ua.clone(), "nil", "").await,
        StatusCode::BAD_REQUEST,
        "nil report with records",
    )
    .await;
    assert!(body.contains("登记了1条过问记录"), "{body}");
    let body = expect_status(
        post(leader.clone(), lcsrf.clone(), ua.clone(), "report", "").await,
        StatusCode::BAD_REQUEST,
        "report without a summary",
    )
    .await;
    assert!(body.contains("data-field=\"summary\""), "{body}");
    assert_eq!(
        post(
            leader.clone(),
            lcsrf,
            ua,
            "report",
            "本季度过问1次，已如实登记"
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(count(&app, "inquiry_reports").await, 2);
    // The office sees who has not filed: the city, A's station and B's tribunal.
    let office_c = app.login("office").await;
    let page = office_c
        .get(app.url(&format!(
            "/inquiries/reports?quarter={}&missing=1",
            q.as_string()
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"missing-count\">3<") && page.contains("id=\"filed-count\">2<"),
        "{page}"
    );
    for code in [
        common::ROOT,
        common::DISTRICT_A_CHILD,
        common::DISTRICT_B_CHILD,
    ] {
        assert!(
            page.contains(&format!("data-unit=\"{code}\"")),
            "{code}: {page}"
        );
    }
    for code in [DISTRICT_A, DISTRICT_B] {
        assert!(
            !page.contains(&format!("data-unit=\"{code}\"")),
            "{code} filed"
        );
    }
    // Reminders once per unit and quarter, seen on the unit's dashboard.
    assert_eq!(app.store.scan_inquiry_reports().await.unwrap(), 3);
    assert_eq!(app.store.scan_inquiry_reports().await.unwrap(), 0);
    let dash = office_c
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        dash.contains(&format!("尚未报送{}过问案件登记情况季度报告", q.label())),
        "{dash}"
    );
    // A quarter that has not ended cannot be reported on.
    let current = Quarter::of(store::clues::today()).as_string();
    let lcsrf = app.csrf(&liaison, "/inquiries/reports").await;
    let body = expect_status(
        liaison
            .post(app.url("/inquiries/reports"))
            .form(&[
                ("csrf", lcsrf.as_str()),
                ("unit", ub.as_str()),
                ("quarter", current.as_str()),
                ("kind", "nil"),
            ])
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "the current quarter",
    )
    .await;
    assert!(body.contains("尚未结束"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patterns_rank_askers_across_cases_and_cases_by_askers() {
    on_each_backend(patterns).await
}

async fn patterns(app: TestApp) {
    for n in ["甲刑-6", "甲刑-7", "甲刑-8"] {
        case(&app, n, DISTRICT_A, BADGE_OFFICER_A, BADGE_LEADER_A).await;
    }
    case(&app, "乙民-9", DISTRICT_B, BADGE_B, "").await;
    let office = app.actor("office").await;
    let at = recent();
    // 钱某 of 某局 asks about three cases (one twice); 吴建国 (by badge) about two; four people about 甲刑-6.
    for n in ["甲刑-6", "甲刑-7", "甲刑-8", "甲刑-8"] {
        record(&app, &office, n, ("钱某", "副局长", "某局", ""), &at).await;
    }
    for n in ["甲刑-6", "甲刑-7"] {
        record(&app, &office, n, ("", "", "", BADGE_LEADER_A), &at).await;
    }
    record(
        &app,
        &office,
        "甲刑-6",
        ("钱某", "副局长", "另一局", ""),
        &at,
    )
    .await;
    record(&app, &office, "甲刑-6", ("孙某", "律师", "某所", ""), &at).await;
    record(&app, &office, "乙民-9", ("钱某", "副局长", "某局", ""), &at).await;
    let c = app.login("office").await;
    let page = expect_status(
        c.get(app.url("/inquiries/patterns")).send().await.unwrap(),
        StatusCode::OK,
        "patterns",
    )
    .await;
    let askers = page
        .split("id=\"asker-table\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let first = askers.find("钱某").unwrap();
    let second = askers.find("吴建国").unwrap();
    assert!(first < second, "{askers}");
    assert!(
        askers.contains("<b>4</b>") && askers.contains("<b>2</b>"),
        "4 cases incl. B's, then 2: {askers}"
    );
    assert!(
        !askers.contains("孙某") && !askers.contains("另一局"),
        "{askers}"
    );
    let cases = page.split("id=\"case-table\"").nth(1).unwrap();
    assert!(
        cases.contains("甲刑-6") && cases.contains("<b>4</b>"),
        "{cases}"
    );
    assert!(
        !cases.contains("乙民-9"),
        "one asker is no pattern: {cases}"
    );
    // District A's leader sees only A's records: 钱某 asked about three of A's cases.
    let leader = app.login("leader_a").await;
    let page = leader
        .get(app.url("/inquiries/patterns?min_cases=3"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let askers = page
        .split("id=\"asker-table\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    assert!(
        askers.contains("钱某") && askers.contains("<b>3</b>") && !askers.contains("吴建国"),
        "{askers}"
    );
    let page = leader
        .get(app.url("/inquiries/patterns?min_cases=4"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("没有过问4起以上案件的人员"), "{page}");
    expect_status(
        leader
            .get(app.url("/inquiries/patterns?min_cases=很多"))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "a bad number",
    )
    .await;
}
