//! Case review (案件评查) over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): every route
//! refuses a role without the permission, another unit's plan or sample answers 404, a seed always draws
//! the same sample and rules draw exactly their cases, score sheets grade at the boundaries, defects
//! become rectification rows (or wait for a campaign), trace-back lists exactly the deciders and the
//! leader of a failed case and opens a clue about each, and bad input on every form answers 400 with
//! nothing written.

#[path = "common/mod.rs"]
mod common;

use chrono::Days;
use common::{
    ACCOUNTS, BADGE_LEADER_A, BADGE_OFFICER_A, DISTRICT_A, DISTRICT_A_CHILD, DISTRICT_B,
    ONE_PER_ROLE, ROOT, TestApp, expect_status, location, on_each_backend,
};
use domain::access::Permission;
use domain::campaign::{CampaignTemplate, PhaseDraft, validate_phases};
use domain::org::Role;
use reqwest::StatusCode;
use store::campaign::NewCampaign;
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

async fn strings(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) -> Vec<String> {
    let c = app.store.connection();
    Sql::of(c)
        .all(c, sql, values)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn officer(app: &TestApp, badge: &str) -> String {
    strings(app, "SELECT id FROM officers WHERE badge = ?", vals![badge])
        .await
        .remove(0)
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

/// A stage of a case to insert: (stage, started, due, ended, decider id, decider name).
type Stage<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

/// What the register would hold about one case, written as the case register writes it.
struct CaseRow<'a> {
    number: &'a str,
    title: &'a str,
    kind: &'a str,
    unit: &'a str,
    handler: &'a str,
    leader: (Option<&'a str>, &'a str),
    gang: bool,
    outcome: Option<&'a str>,
    closed_on: Option<&'a str>,
    stages: Vec<Stage<'a>>,
}

impl<'a> CaseRow<'a> {
    fn closed(number: &'a str, unit: &'a str, closed_on: &'a str) -> CaseRow<'a> {
        CaseRow {
            number,
            title: "张某盗窃案",
            kind: "criminal",
            unit,
            handler: "孙磊",
            leader: (None, "吴建国"),
            gang: false,
            outcome: Some("judged"),
            closed_on: Some(closed_on),
            stages: vec![],
        }
    }
}

async fn insert_case(app: &TestApp, c: &CaseRow<'_>) -> String {
    let id = store::new_id();
    let now = store::now_ms();
    let stage = if c.closed_on.is_some() {
        "closed"
    } else {
        c.stages.last().map(|s| s.0).unwrap_or("received")
    };
    app.exec(
        "INSERT INTO cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 'test', ?, ?)",
        vals![
            id.as_str(), c.number, c.title, c.kind, app.unit_id(c.unit), c.handler, c.leader.0, c.leader.1,
            i32::from(c.gang), "2025-01-02", stage, "2025-01-02", c.closed_on, c.outcome, now, now
        ],
    )
    .await;
    for (seq, s) in c.stages.iter().enumerate() {
        app.exec(
            "INSERT INTO case_stages (id, case_id, seq, stage, started_on, due_on, ended_on, decision, decider_id, decider_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            vals![store::new_id(), id.as_str(), seq as i32 + 1, s.0, s.1, s.2, s.3, s.4, s.5, now],
        )
        .await;
    }
    id
}

/// Posts a plan as `username`; returns the response.
async fn post_plan(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
    reviewers: &[&str],
) -> reqwest::Response {
    let csrf = app.csrf(c, "/reviews/new").await;
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf)];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    form.extend(
        reviewers
            .iter()
            .map(|r| ("reviewer".to_string(), r.to_string())),
    );
    c.post(app.url("/reviews/new"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Makes a plan through the form and returns its id.
async fn plan(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
    reviewers: &[&str],
) -> String {
    let res = post_plan(app, c, fields, reviewers).await;
    let status = res.status();
    let to = location(&res);
    let body = res.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::SEE_OTHER, "plan: {body}");
    to.trim_start_matches("/reviews/plans/").to_string()
}

/// (sample id, case number) of a plan, by case number.
async fn samples(app: &TestApp, plan_id: &str) -> Vec<(String, String)> {
    let c = app.store.connection();
    Sql::of(c)
        .all(
            c,
            "SELECT s.id, c.number FROM review_samples s JOIN cases c ON c.id = s.case_id WHERE s.plan_id = ? ORDER BY c.number",
            vals![plan_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "id").unwrap(),
                r.try_get::<String>("", "number").unwrap(),
            )
        })
        .collect()
}

fn sheet(points: [&str; 5]) -> Vec<(&'static str, String)> {
    let names = [
        "points_facts",
        "points_law",
        "points_procedure",
        "points_documents",
        "points_effect",
    ];
    names
        .iter()
        .zip(points)
        .map(|(n, p)| (*n, p.to_string()))
        .collect()
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let csrf = app.csrf(c, page).await;
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf)];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.clone())));
    c.post(app.url(action)).form(&form).send().await.unwrap()
}

async fn score(
    app: &TestApp,
    c: &reqwest::Client,
    sample: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let page = format!("/reviews/samples/{sample}");
    post_form(app, c, &page, &format!("{page}/score"), fields).await
}

// ---------- route × role ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_review_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    insert_case(
        &app,
        &CaseRow::closed("（2025）甲刑初1号", DISTRICT_A, "2025-03-01"),
    )
    .await;
    let office = app.login("office").await;
    let duchazu = app.actor("duchazu").await.user_id;
    let pid = plan(
        &app,
        &office,
        &[
            ("name", "甲区刑事案件评查"),
            ("unit", &app.unit_id(DISTRICT_A)),
            ("method", "random"),
            ("seed", "7"),
            ("size", "5"),
        ],
        &[&duchazu],
    )
    .await;
    let sid = samples(&app, &pid).await.remove(0).0;

    struct Route {
        method: &'static str,
        path: String,
        allowed: fn(Role) -> bool,
    }
    let r = |method, path: String, allowed| Route {
        method,
        path,
        allowed,
    };
    let routes = vec![
        r("GET", "/reviews".into(), |r| r.can(ViewReviews)),
        r("GET", "/reviews/new".into(), |r| r.can(ManageReviews)),
        r("POST", "/reviews/new".into(), |r| r.can(ManageReviews)),
        r("GET", format!("/reviews/plans/{pid}"), |r| {
            r.can(ViewReviews)
        }),
        r("POST", format!("/reviews/samples/{sid}/assign"), |r| {
            r.can(ManageReviews)
        }),
        r("GET", format!("/reviews/samples/{sid}"), |r| {
            r.can(ViewReviews)
        }),
        r("POST", format!("/reviews/samples/{sid}/score"), |r| {
            r.can(ScoreReviews)
        }),
        r("POST", format!("/reviews/samples/{sid}/ledger"), |r| {
            r.can(ScoreReviews) || r.can(ManageReviews)
        }),
        r("POST", format!("/reviews/samples/{sid}/traceback"), |r| {
            r.can(ViewReviews) && r.can(RegisterClue)
        }),
    ];
    let tables = [
        "review_plans",
        "review_samples",
        "review_defects",
        "review_tracebacks",
        "clues",
        "rectification_items",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&app, t).await);
    }
    let send = |c: reqwest::Client, route: &Route| {
        let url = app.url(&route.path);
        let req = if route.method == "GET" {
            c.get(url)
        } else {
            c.post(url).form(&[
                ("csrf", "forged-token"),
                ("name", "计划"),
                ("points_facts", "30"),
                ("person", "o:x"),
                ("category", "conduct"),
            ])
        };
        async move { req.send().await.unwrap() }
    };
    let anon = app.browser();
    for route in &routes {
        let res = send(anon.clone(), route).await;
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
        let c = app.login(username).await;
        for route in &routes {
            let res = send(c.clone(), route).await;
            let status = res.status();
            let what = format!("{username} {} {}", route.method, route.path);
            let body = res.text().await.unwrap_or_default();
            assert!(!status.is_server_error(), "{what}: {status} {body}");
            if (route.allowed)(role) {
                assert_ne!(status, StatusCode::FORBIDDEN, "{what} is allowed");
                if route.method == "GET" {
                    assert_eq!(status, StatusCode::OK, "{what}: {body}");
                } else {
                    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: forged token");
                    assert!(body.contains("CSRF"), "{what}: {body}");
                }
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{what} must be refused");
                assert!(body.contains("无权"), "{what}: Chinese refusal");
                refused += 1;
            }
        }
    }
    assert!(refused >= 40, "{refused}");
    let mut after = Vec::new();
    for t in tables {
        after.push(count(&app, t).await);
    }
    assert_eq!(after, before, "nothing any of that did was written");
}

// ---------- scope ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_plan_and_sample_answer_404() {
    on_each_backend(scope_between_units).await
}

async fn scope_between_units(app: TestApp) {
    insert_case(
        &app,
        &CaseRow::closed("（2025）乙民初1号", DISTRICT_B, "2025-03-01"),
    )
    .await;
    insert_case(
        &app,
        &CaseRow::closed("（2025）甲刑初9号", DISTRICT_A, "2025-03-01"),
    )
    .await;
    let office = app.login("office").await;
    let duchazu = app.actor("duchazu").await.user_id;
    let b_plan = plan(
        &app,
        &office,
        &[
            ("name", "乙区法院案件评查"),
            ("unit", &app.unit_id(DISTRICT_B)),
            ("method", "random"),
            ("seed", "1"),
            ("size", "5"),
        ],
        &[&duchazu],
    )
    .await;
    let b_sample = samples(&app, &b_plan).await.remove(0).0;
    let city_plan = plan(
        &app,
        &office,
        &[
            ("name", "全市案件交叉评查"),
            ("unit", &app.unit_id(ROOT)),
            ("method", "random"),
            ("seed", "2"),
            ("size", "10"),
        ],
        &[&duchazu],
    )
    .await;
    assert_eq!(samples(&app, &city_plan).await.len(), 2);

    for username in ["office_a", "jiwei_a", "leader_a"] {
        let c = app.login(username).await;
        for path in [
            format!("/reviews/plans/{b_plan}"),
            format!("/reviews/samples/{b_sample}"),
        ] {
            let res = c.get(app.url(&path)).send().await.unwrap();
            expect_status(
                res,
                StatusCode::NOT_FOUND,
                &format!("{username} GET {path}"),
            )
            .await;
        }
        let list = c.get(app.url("/reviews")).send().await.unwrap();
        let list = expect_status(list, StatusCode::OK, "list").await;
        assert!(
            !list.contains("乙区法院案件评查"),
            "{username} sees B's plan"
        );
        // The city-wide plan shows, with district A's sample only.
        assert!(list.contains("全市案件交叉评查"), "{username}");
        let page = c
            .get(app.url(&format!("/reviews/plans/{city_plan}")))
            .send()
            .await
            .unwrap();
        let page = expect_status(page, StatusCode::OK, "city plan").await;
        assert!(page.contains("（2025）甲刑初9号"));
        assert!(
            !page.contains("（2025）乙民初1号"),
            "{username} sees B's case"
        );
    }
    // Changes by id outside scope are 404 too, with a valid token.
    let office_a = app.login("office_a").await;
    let res = post_form(
        &app,
        &office_a,
        "/reviews",
        &format!("/reviews/samples/{b_sample}/assign"),
        &[("reviewer", String::new())],
    )
    .await;
    expect_status(res, StatusCode::NOT_FOUND, "office_a assigns B's sample").await;
    let res = post_form(
        &app,
        &office_a,
        "/reviews",
        &format!("/reviews/samples/{b_sample}/ledger"),
        &[],
    )
    .await;
    expect_status(res, StatusCode::NOT_FOUND, "office_a files B's defects").await;
    let jiwei_a = app.login("jiwei_a").await;
    let res = post_form(
        &app,
        &jiwei_a,
        "/reviews",
        &format!("/reviews/samples/{b_sample}/traceback"),
        &[("person", "n:某".into()), ("category", "conduct".into())],
    )
    .await;
    expect_status(res, StatusCode::NOT_FOUND, "jiwei_a traces B's case").await;
    // A planner cannot plan for a unit outside scope.
    let res = post_plan(
        &app,
        &office_a,
        &[
            ("name", "越权评查"),
            ("unit", &app.unit_id(DISTRICT_B)),
            ("method", "random"),
            ("seed", "1"),
            ("size", "5"),
        ],
        &[],
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "plan for B by office_a").await;
    assert!(body.contains("权限范围内的评查单位"), "{body}");
    assert_eq!(count(&app, "review_plans").await, 2);
}

// ---------- drawing ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_draws_the_same_sample_and_rules_draw_exactly_their_cases() {
    on_each_backend(drawing).await
}

async fn drawing(app: TestApp) {
    let mut numbers = Vec::new();
    for i in 0..30 {
        let number = format!("（2025）甲刑初{:03}号", i);
        let mut c = CaseRow::closed(&number, DISTRICT_A_CHILD, "2025-06-15");
        match i {
            3 => c.outcome = Some("withdrawn"),
            7 => c.outcome = Some("not_prosecuted"),
            11 | 12 => c.gang = true,
            _ => {}
        }
        if i >= 25 {
            c.kind = "civil";
            c.closed_on = Some("2024-12-31");
        }
        // Case 20 overran its filing stage; case 21 is still investigating past its limit.
        if i == 20 {
            c.stages = vec![(
                "filed",
                "2025-01-02",
                Some("2025-01-09"),
                Some("2025-01-20"),
                None,
                None,
            )];
        }
        if i == 21 {
            c.closed_on = None;
            c.outcome = None;
            c.stages = vec![(
                "investigation",
                "2025-01-02",
                Some("2025-02-01"),
                None,
                None,
                None,
            )];
        }
        // Case 22 met every limit.
        if i == 22 {
            c.stages = vec![(
                "filed",
                "2025-01-02",
                Some("2025-01-09"),
                Some("2025-01-09"),
                None,
                None,
            )];
        }
        insert_case(&app, &c).await;
        numbers.push(number);
    }
    insert_case(
        &app,
        &CaseRow::closed("（2025）乙民初7号", DISTRICT_B, "2025-06-15"),
    )
    .await;
    let office = app.login("office").await;
    let a = app.unit_id(DISTRICT_A);
    let random = |seed: &'static str| {
        vec![
            ("name", "随机评查"),
            ("unit", a.as_str()),
            ("method", "random"),
            ("seed", seed),
            ("size", "5"),
        ]
    };
    let first = plan(&app, &office, &random("12345"), &[]).await;
    let again = plan(&app, &office, &random("12345"), &[]).await;
    let other = plan(&app, &office, &random("54321"), &[]).await;
    let drawn = |list: Vec<(String, String)>| list.into_iter().map(|(_, n)| n).collect::<Vec<_>>();
    let first_cases = drawn(samples(&app, &first).await);
    assert_eq!(first_cases.len(), 5);
    assert_eq!(
        first_cases,
        drawn(samples(&app, &again).await),
        "same seed, same sample"
    );
    assert_ne!(
        first_cases,
        drawn(samples(&app, &other).await),
        "another seed, another sample"
    );
    // Exactly the draw the rule makes over the unit's cases in number order (district B never in it).
    let expected: Vec<String> = domain::enforcement::review::draw_sample(30, 5, 12345)
        .into_iter()
        .map(|i| numbers[i].clone())
        .collect();
    assert_eq!(first_cases, expected);
    let page = office
        .get(app.url(&format!("/reviews/plans/{first}")))
        .send()
        .await
        .unwrap();
    let page = expect_status(page, StatusCode::OK, "plan page").await;
    assert!(
        page.contains("12345") && page.contains("符合条件 30 件"),
        "{page}"
    );

    let rule = |r: &'static str| {
        vec![
            ("name", "按规则评查"),
            ("unit", a.as_str()),
            ("method", "rule"),
            ("rule", r),
            ("seed", "1"),
            ("size", "100"),
        ]
    };
    let withdrawn = drawn(samples(&app, &plan(&app, &office, &rule("withdrawn"), &[]).await).await);
    assert_eq!(withdrawn, [numbers[3].clone(), numbers[7].clone()]);
    let gang = drawn(samples(&app, &plan(&app, &office, &rule("gang"), &[]).await).await);
    assert_eq!(gang, [numbers[11].clone(), numbers[12].clone()]);
    let overdue = drawn(samples(&app, &plan(&app, &office, &rule("overdue"), &[]).await).await);
    assert_eq!(overdue, [numbers[20].clone(), numbers[21].clone()]);
    // Filters: the kind and the closing dates.
    let civil = plan(
        &app,
        &office,
        &[
            ("name", "民事案件评查"),
            ("unit", a.as_str()),
            ("kind", "civil"),
            ("method", "random"),
            ("seed", "3"),
            ("size", "100"),
        ],
        &[],
    )
    .await;
    assert_eq!(drawn(samples(&app, &civil).await), numbers[25..30].to_vec());
    let window = plan(
        &app,
        &office,
        &[
            ("name", "上半年结案评查"),
            ("unit", a.as_str()),
            ("closed_from", "2025-06-15"),
            ("closed_to", "2025-06-15"),
            ("method", "random"),
            ("seed", "3"),
            ("size", "100"),
        ],
        &[],
    )
    .await;
    let in_window = drawn(samples(&app, &window).await);
    assert_eq!(
        in_window.len(),
        24,
        "25 closed on the day, less the one still open"
    );
    assert!(!in_window.contains(&numbers[21]));
    // Nothing matching: a clear message, no plan.
    let before = count(&app, "review_plans").await;
    let res = post_plan(
        &app,
        &office,
        &[
            ("name", "空计划"),
            ("unit", &app.unit_id(DISTRICT_B)),
            ("method", "rule"),
            ("rule", "gang"),
            ("seed", "1"),
            ("size", "5"),
        ],
        &[],
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "no candidates").await;
    assert!(body.contains("没有符合条件的案件"), "{body}");
    assert_eq!(count(&app, "review_plans").await, before);
    // A blank seed is drawn by the server and shown, so the draw can be repeated.
    let blank = plan(
        &app,
        &office,
        &[
            ("name", "自动种子"),
            ("unit", a.as_str()),
            ("method", "random"),
            ("seed", ""),
            ("size", "3"),
        ],
        &[],
    )
    .await;
    let seed = strings(
        &app,
        "SELECT CAST(seed AS TEXT) FROM review_plans WHERE id = ?",
        vals![blank.as_str()],
    )
    .await;
    let seed: u64 = seed[0].parse().unwrap();
    let expected: Vec<String> = domain::enforcement::review::draw_sample(30, 3, seed)
        .into_iter()
        .map(|i| numbers[i].clone())
        .collect();
    assert_eq!(drawn(samples(&app, &blank).await), expected);
}

// ---------- scoring and the ledger ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_grade_at_the_boundaries_and_defects_become_ledger_rows() {
    on_each_backend(scoring).await
}

async fn scoring(app: TestApp) {
    for i in 1..=4 {
        let number = format!("（2025）甲刑初{i}号");
        insert_case(
            &app,
            &CaseRow::closed(&number, DISTRICT_A_CHILD, "2025-03-01"),
        )
        .await;
    }
    let office = app.login("office").await;
    let duchazu_id = app.actor("duchazu").await.user_id;
    let pid = plan(
        &app,
        &office,
        &[
            ("name", "城关派出所案件评查"),
            ("unit", &app.unit_id(DISTRICT_A)),
            ("method", "random"),
            ("seed", "9"),
            ("size", "4"),
        ],
        &[&duchazu_id],
    )
    .await;
    let s = samples(&app, &pid).await;
    assert_eq!(s.len(), 4);
    let reviewer = app.login("duchazu").await;
    let mine = reviewer.get(app.url("/reviews")).send().await.unwrap();
    let mine = expect_status(mine, StatusCode::OK, "my samples").await;
    assert!(mine.contains("（2025）甲刑初1号") && mine.contains("待评查"));

    // Bad sheets: 400 with the field's message, nothing written.
    let mut bad = sheet(["31", "", "x", "15", "-1"]);
    bad.push(("defects_law", "短".into()));
    let res = score(&app, &reviewer, &s[0].0, &bad).await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "bad sheet").await;
    for msg in [
        "事实证据得分应为0至30的整数",
        "请填写适用法律得分",
        "程序时限得分应为0至20的整数",
        "办案效果得分应为0至10的整数",
        "适用法律：问题描述不能少于4个字",
    ] {
        assert!(body.contains(msg), "{msg}: {body}");
    }
    let mut no_deadline = sheet(["28", "24", "18", "13", "9"]);
    no_deadline.push(("defects_documents", "起诉意见书未载明量刑情节".into()));
    no_deadline.push(("rect_category", "other".into()));
    no_deadline.push(("rect_measures", "对照评查意见逐项整改".into()));
    no_deadline.push(("rect_deadline", day(-1)));
    let res = score(&app, &reviewer, &s[0].0, &no_deadline).await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "deadline in the past").await;
    assert!(body.contains("整改时限不能早于今天"), "{body}");
    assert_eq!(count(&app, "review_defects").await, 0);
    assert_eq!(
        strings(
            &app,
            "SELECT id FROM review_samples WHERE scored_at IS NOT NULL",
            vals![]
        )
        .await
        .len(),
        0
    );

    // No campaign yet: the defects are kept and wait, and the page says why.
    let mut with_defects = sheet(["28", "24", "18", "13", "9"]);
    with_defects.push((
        "defects_documents",
        "起诉意见书未载明量刑情节\n法律文书送达回证缺失".into(),
    ));
    with_defects.push(("defects_procedure", "延长侦查羁押期限未报批".into()));
    with_defects.push(("rect_category", "other".into()));
    with_defects.push(("rect_measures", "对照评查意见逐项整改，完善文书制作".into()));
    with_defects.push(("rect_deadline", day(30)));
    let res = score(&app, &reviewer, &s[0].0, &with_defects).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = reviewer
        .get(app.url(&format!("/reviews/samples/{}", s[0].0)))
        .send()
        .await
        .unwrap();
    let page = expect_status(page, StatusCode::OK, "scored page").await;
    assert!(
        page.contains("id=\"result-grade\">合格"),
        "92 with defects is qualified: {page}"
    );
    assert!(page.contains("id=\"result-total\">92"), "{page}");
    assert!(page.contains("发现3处问题，优秀案件不得有问题"), "{page}");
    assert!(page.contains("id=\"no-campaign\""), "{page}");
    assert_eq!(count(&app, "review_defects").await, 3);
    assert_eq!(count(&app, "rectification_items").await, 0);
    // What the early-warning engineer reads.
    let row = strings(
        &app,
        "SELECT grade || '/' || CAST(total AS TEXT) || '/' || CAST(defects AS TEXT) FROM review_samples WHERE id = ? AND scored_at IS NOT NULL",
        vals![s[0].0.as_str()],
    )
    .await;
    assert_eq!(row, ["qualified/92/3"]);
    // Scoring twice is refused.
    let res = score(
        &app,
        &reviewer,
        &s[0].0,
        &sheet(["30", "25", "20", "15", "10"]),
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "scored twice").await;
    assert!(body.contains("不能重复评分"), "{body}");

    // With a campaign, one step puts every waiting defect in the ledger, once.
    let cid = campaign(&app).await;
    let res = post_form(
        &app,
        &reviewer,
        &format!("/reviews/samples/{}", s[0].0),
        &format!("/reviews/samples/{}/ledger", s[0].0),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let c = app.store.connection();
    let rows = Sql::of(c)
        .all(
            c,
            "SELECT campaign_id, unit_id, source, problem, person, leader, deadline FROM rectification_items ORDER BY number",
            vals![],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for r in &rows {
        let get = |k: &str| r.try_get::<String>("", k).unwrap();
        assert_eq!(get("campaign_id"), cid);
        assert_eq!(
            get("unit_id"),
            app.unit_id(DISTRICT_A_CHILD),
            "the case's unit"
        );
        assert_eq!(get("source"), "case_review");
        assert!(
            get("problem").contains("（2025）甲刑初"),
            "{}",
            get("problem")
        );
        assert_eq!(
            (get("person"), get("leader")),
            ("孙磊".into(), "吴建国".into())
        );
        assert_eq!(get("deadline"), day(30));
    }
    let problems: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "problem").unwrap())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("（法律文书）：法律文书送达回证缺失")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("（程序时限）：延长侦查羁押期限未报批"))
    );
    let again = post_form(
        &app,
        &reviewer,
        &format!("/reviews/samples/{}", s[0].0),
        &format!("/reviews/samples/{}/ledger", s[0].0),
        &[],
    )
    .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "rectification_items").await, 3, "never twice");
    let page = reviewer
        .get(app.url(&format!("/reviews/samples/{}", s[0].0)))
        .send()
        .await
        .unwrap();
    let page = expect_status(page, StatusCode::OK, "ledgered").await;
    assert!(!page.contains("未列入整改台账"), "{page}");
    assert_eq!(page.matches("/rectification/items/").count(), 3);

    // With the campaign there, defects go to the ledger as the sheet is saved. Grades at the edges.
    let mut failing = sheet(["19", "16", "12", "7", "5"]);
    failing.push(("defects_facts", "关键证据未随案移送".into()));
    failing.push(("rect_category", "judicial_corruption".into()));
    failing.push(("rect_measures", "重新审查证据，追究相关人员责任".into()));
    failing.push(("rect_deadline", day(10)));
    assert_eq!(
        score(&app, &reviewer, &s[1].0, &failing).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(count(&app, "rectification_items").await, 4);
    assert_eq!(
        score(
            &app,
            &reviewer,
            &s[2].0,
            &sheet(["20", "16", "12", "7", "5"])
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        score(
            &app,
            &reviewer,
            &s[3].0,
            &sheet(["27", "23", "18", "13", "9"])
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    let grades = strings(
        &app,
        "SELECT s.grade || ':' || CAST(s.total AS TEXT) FROM review_samples s JOIN cases c ON c.id = s.case_id WHERE s.plan_id = ? ORDER BY c.number",
        vals![pid.as_str()],
    )
    .await;
    let mut by_sample = Vec::new();
    for (id, _) in &s {
        by_sample.push(
            strings(
                &app,
                "SELECT grade || ':' || CAST(total AS TEXT) FROM review_samples WHERE id = ?",
                vals![id.as_str()],
            )
            .await
            .remove(0),
        );
    }
    assert_eq!(
        by_sample,
        ["qualified:92", "failed:59", "flawed:60", "excellent:90"]
    );
    assert_eq!(grades.len(), 4);
    let plan_page = office
        .get(app.url(&format!("/reviews/plans/{pid}")))
        .send()
        .await
        .unwrap();
    let plan_page = expect_status(plan_page, StatusCode::OK, "plan").await;
    assert!(
        plan_page.contains("已评查 4 件，优秀 1 件，合格 1 件，瑕疵 1 件，不合格 1 件"),
        "{plan_page}"
    );
}

// ---------- assignment ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_assigned_reviewer_scores_and_planners_reassign() {
    on_each_backend(assignment).await
}

async fn assignment(app: TestApp) {
    insert_case(
        &app,
        &CaseRow::closed("（2025）甲刑初5号", DISTRICT_A, "2025-03-01"),
    )
    .await;
    let office = app.login("office").await;
    let pid = plan(
        &app,
        &office,
        &[
            ("name", "未分配的评查"),
            ("unit", &app.unit_id(DISTRICT_A)),
            ("method", "random"),
            ("seed", "4"),
            ("size", "1"),
        ],
        &[],
    )
    .await;
    let sid = samples(&app, &pid).await.remove(0).0;
    let reviewer = app.login("duchazu").await;
    let res = score(
        &app,
        &reviewer,
        &sid,
        &sheet(["30", "25", "20", "15", "10"]),
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "not assigned").await;
    assert!(body.contains("未分配给您"), "{body}");
    // A reviewer who is not an inspector covering the unit is refused.
    let not_inspector = app.actor("jiwei").await.user_id;
    let res = post_form(
        &app,
        &office,
        &format!("/reviews/plans/{pid}"),
        &format!("/reviews/samples/{sid}/assign"),
        &[("reviewer", not_inspector)],
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "assign to a non-inspector").await;
    assert!(body.contains("督导组成员"), "{body}");
    let res = post_plan(
        &app,
        &office,
        &[
            ("name", "指定了非督导组成员"),
            ("unit", &app.unit_id(DISTRICT_A)),
            ("method", "random"),
            ("seed", "4"),
            ("size", "1"),
        ],
        &["no-such-account"],
    )
    .await;
    expect_status(res, StatusCode::BAD_REQUEST, "plan with a bad reviewer").await;
    assert_eq!(count(&app, "review_plans").await, 1);
    let duchazu = app.actor("duchazu").await.user_id;
    let res = post_form(
        &app,
        &office,
        &format!("/reviews/plans/{pid}"),
        &format!("/reviews/samples/{sid}/assign"),
        &[("reviewer", duchazu)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = score(
        &app,
        &reviewer,
        &sid,
        &sheet(["30", "25", "20", "15", "10"]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A scored sample keeps its reviewer.
    let res = post_form(
        &app,
        &office,
        &format!("/reviews/plans/{pid}"),
        &format!("/reviews/samples/{sid}/assign"),
        &[("reviewer", String::new())],
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "reassign a scored sample").await;
    assert!(body.contains("已完成评查"), "{body}");
}

// ---------- trace-back ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_back_lists_exactly_the_deciders_and_leader_and_opens_clues() {
    on_each_backend(trace_back).await
}

async fn trace_back(app: TestApp) {
    let wu = officer(&app, BADGE_LEADER_A).await;
    let sun = officer(&app, BADGE_OFFICER_A).await;
    let mut c = CaseRow::closed("（2025）甲刑初88号", DISTRICT_A, "2025-05-01");
    c.title = "刘某故意伤害案";
    c.outcome = Some("withdrawn");
    c.leader = (Some(wu.as_str()), "吴建国");
    c.stages = vec![
        (
            "received",
            "2025-01-02",
            None,
            Some("2025-01-03"),
            None,
            None,
        ),
        (
            "filed",
            "2025-01-03",
            None,
            Some("2025-01-10"),
            Some(wu.as_str()),
            Some("吴建国"),
        ),
        (
            "investigation",
            "2025-01-10",
            None,
            Some("2025-03-01"),
            Some(sun.as_str()),
            Some("孙磊"),
        ),
        (
            "review",
            "2025-03-01",
            None,
            Some("2025-04-01"),
            None,
            Some("检察官李明"),
        ),
        (
            "closed",
            "2025-05-01",
            None,
            Some("2025-05-01"),
            Some(wu.as_str()),
            Some("吴建国"),
        ),
    ];
    insert_case(&app, &c).await;
    let mut passing = CaseRow::closed("（2025）甲刑初89号", DISTRICT_A, "2025-05-01");
    passing.stages = vec![(
        "filed",
        "2025-01-03",
        None,
        None,
        Some(sun.as_str()),
        Some("孙磊"),
    )];
    insert_case(&app, &passing).await;
    let office = app.login("office").await;
    let duchazu = app.actor("duchazu").await.user_id;
    let pid = plan(
        &app,
        &office,
        &[
            ("name", "撤案案件专项评查"),
            ("unit", &app.unit_id(DISTRICT_A)),
            ("method", "random"),
            ("seed", "5"),
            ("size", "2"),
        ],
        &[&duchazu],
    )
    .await;
    let s = samples(&app, &pid).await;
    let (failed_id, passed_id) = (s[0].0.clone(), s[1].0.clone());
    let reviewer = app.login("duchazu").await;
    assert_eq!(
        score(
            &app,
            &reviewer,
            &passed_id,
            &sheet(["30", "25", "20", "15", "10"])
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    let jiwei = app.login("jiwei").await;
    // A case that did not fail has no trace-back.
    let res = post_form(
        &app,
        &jiwei,
        &format!("/reviews/samples/{passed_id}"),
        &format!("/reviews/samples/{passed_id}/traceback"),
        &[
            ("person", format!("o:{sun}")),
            ("category", "conduct".into()),
        ],
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "trace a passed case").await;
    assert!(
        body.contains("只有评为不合格的案件才能启动跟进倒查"),
        "{body}"
    );
    // Facts at 17 of 30 fail the case whatever the total.
    assert_eq!(
        score(
            &app,
            &reviewer,
            &failed_id,
            &sheet(["17", "25", "20", "15", "10"])
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    let page = jiwei
        .get(app.url(&format!("/reviews/samples/{failed_id}")))
        .send()
        .await
        .unwrap();
    let page = expect_status(page, StatusCode::OK, "failed case").await;
    assert!(
        page.contains("事实证据得17分，低于该项满分的60%（18分），一票否决"),
        "{page}"
    );
    // Exactly one row per deciding stage, then the leader.
    let rows: Vec<&str> = page.split("<tr class=\"decider\">").skip(1).collect();
    let rows: Vec<String> = rows
        .iter()
        .map(|r| {
            r.split("</tr>")
                .next()
                .unwrap()
                .replace("</td><td>", "|")
                .replace("<td>", "")
                .replace("</td>", "")
        })
        .collect();
    assert_eq!(
        rows,
        [
            "立案|吴建国",
            "侦查调查|孙磊",
            "审查起诉|检察官李明",
            "结案|吴建国"
        ]
    );
    assert!(
        page.contains("<tr class=\"leader\"><td>案件负责领导</td><td>吴建国</td></tr>"),
        "{page}"
    );
    let keys: Vec<String> = page
        .split("<tr data-key=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        [
            format!("o:{wu}"),
            format!("o:{sun}"),
            "n:检察官李明".to_string()
        ]
    );
    assert!(
        page.contains("立案决定人、结案决定人、案件负责领导"),
        "{page}"
    );
    // Bad input: nobody chosen, someone not on the list, a category trace-back does not use.
    for (fields, msg) in [
        (
            vec![("category", "conduct".to_string())],
            "请至少选择一名倒查对象",
        ),
        (
            vec![
                ("person", "n:王五".to_string()),
                ("category", "conduct".into()),
            ],
            "不在该案的倒查名单中",
        ),
        (
            vec![
                ("person", format!("o:{sun}")),
                ("category", "interference".into()),
            ],
            "执法司法腐败或作风纪律",
        ),
        (
            vec![("person", format!("o:{sun}")), ("category", "<x>".into())],
            "请选择倒查线索的问题类别",
        ),
    ] {
        let res = post_form(
            &app,
            &jiwei,
            &format!("/reviews/samples/{failed_id}"),
            &format!("/reviews/samples/{failed_id}/traceback"),
            &fields,
        )
        .await;
        let body = expect_status(res, StatusCode::BAD_REQUEST, msg).await;
        assert!(body.contains(msg), "{msg}: {body}");
    }
    assert_eq!(count(&app, "clues").await, 0);
    // One step opens a clue about each.
    let res = post_form(
        &app,
        &jiwei,
        &format!("/reviews/samples/{failed_id}"),
        &format!("/reviews/samples/{failed_id}/traceback"),
        &[
            ("person", format!("o:{wu}")),
            ("person", format!("o:{sun}")),
            ("person", "n:检察官李明".to_string()),
            ("category", "judicial_corruption".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).ends_with("?opened=3"), "{}", location(&res));
    let c = app.store.connection();
    let clues = Sql::of(c)
        .all(
            c,
            "SELECT source, category, accused_name, accused_officer_id, summary FROM clues ORDER BY accused_name",
            vals![],
        )
        .await
        .unwrap();
    let seen: Vec<(String, String, String, Option<String>)> = clues
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "source").unwrap(),
                r.try_get::<String>("", "category").unwrap(),
                r.try_get::<String>("", "accused_name").unwrap(),
                r.try_get::<Option<String>>("", "accused_officer_id")
                    .unwrap(),
            )
        })
        .collect();
    let mut want = vec![
        (
            "case_review".to_string(),
            "judicial_corruption".to_string(),
            "吴建国".to_string(),
            Some(wu.clone()),
        ),
        (
            "case_review".into(),
            "judicial_corruption".into(),
            "孙磊".into(),
            Some(sun.clone()),
        ),
        (
            "case_review".into(),
            "judicial_corruption".into(),
            "检察官李明".into(),
            None,
        ),
    ];
    want.sort_by(|a, b| a.2.cmp(&b.2));
    let mut seen_sorted = seen.clone();
    seen_sorted.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(seen_sorted, want);
    for r in &clues {
        let summary = r.try_get::<String>("", "summary").unwrap();
        assert!(
            summary.contains("（2025）甲刑初88号") && summary.contains("一案双查"),
            "{summary}"
        );
    }
    // The page shows which were opened, and they are in the clue list.
    let page = jiwei
        .get(app.url(&format!("/reviews/samples/{failed_id}")))
        .send()
        .await
        .unwrap();
    let page = expect_status(page, StatusCode::OK, "traced").await;
    assert_eq!(page.matches("已立线索").count(), 3, "{page}");
    let numbers = strings(&app, "SELECT number FROM clues ORDER BY number", vals![]).await;
    let list = jiwei.get(app.url("/clues")).send().await.unwrap();
    let list = expect_status(list, StatusCode::OK, "clue list").await;
    for n in &numbers {
        assert!(page.contains(n.as_str()), "{n} on the review page");
        assert!(list.contains(n.as_str()), "{n} in /clues");
    }
    // The leader traced sees the list but not that clues were opened, about him or anyone.
    let leader = app.login("leader_a").await;
    let page = leader
        .get(app.url(&format!("/reviews/samples/{failed_id}")))
        .send()
        .await
        .unwrap();
    let page = expect_status(page, StatusCode::OK, "the leader's view").await;
    assert!(page.contains("立案决定人、结案决定人、案件负责领导"));
    assert!(
        !page.contains("已立线索") && !page.contains("name=\"person\""),
        "{page}"
    );
    for n in &numbers {
        assert!(!page.contains(n.as_str()), "{n} shown to the leader");
    }
    // Asking again opens nothing new.
    let res = post_form(
        &app,
        &jiwei,
        &format!("/reviews/samples/{failed_id}"),
        &format!("/reviews/samples/{failed_id}/traceback"),
        &[
            ("person", format!("o:{sun}")),
            ("category", "conduct".into()),
        ],
    )
    .await;
    assert!(location(&res).ends_with("?opened=0"));
    assert_eq!(count(&app, "clues").await, 3);
    assert_eq!(count(&app, "review_tracebacks").await, 3);
    // Every clue was audited.
    let audited = strings(
        &app,
        "SELECT target FROM audit_log WHERE action = 'clue.register'",
        vals![],
    )
    .await;
    assert_eq!(audited.len(), 3);
}

// ---------- the plan form ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plan_input_answers_400_with_field_messages() {
    on_each_backend(bad_plans).await
}

async fn bad_plans(app: TestApp) {
    insert_case(
        &app,
        &CaseRow::closed("（2025）甲刑初1号", DISTRICT_A, "2025-03-01"),
    )
    .await;
    let office = app.login("office").await;
    let a = app.unit_id(DISTRICT_A);
    for (fields, msgs) in [
        (
            vec![
                ("name", ""),
                ("unit", a.as_str()),
                ("method", ""),
                ("seed", "x"),
                ("size", "0"),
            ],
            vec![
                "计划名称不能为空",
                "请选择抽取方式",
                "随机种子应为0至",
                "抽取数量应为1至500的整数",
            ],
        ),
        (
            vec![
                ("name", "评查"),
                ("unit", a.as_str()),
                ("kind", "spy"),
                ("closed_from", "2025-13-01"),
                ("closed_to", "2025-01-01"),
                ("method", "rule"),
                ("seed", "1"),
                ("size", "501"),
            ],
            vec![
                "请选择案件类型",
                "请按 YYYY-MM-DD 格式填写结案日期起",
                "按规则抽取时请选择抽取规则",
                "抽取数量应为1至500的整数",
            ],
        ),
        (
            vec![
                ("name", "评查"),
                ("unit", a.as_str()),
                ("closed_from", "2025-03-02"),
                ("closed_to", "2025-03-01"),
                ("method", "rule"),
                ("rule", "'; DROP TABLE cases; --"),
                ("seed", "-5"),
                ("size", "5"),
            ],
            vec![
                "结案日期止（2025-03-01）不能早于结案日期起（2025-03-02）",
                "请选择抽取规则",
                "随机种子应为0至",
            ],
        ),
        (
            vec![
                ("name", "评查"),
                ("unit", "no-such-unit"),
                ("method", "random"),
                ("seed", "1"),
                ("size", "5"),
            ],
            vec!["请选择本人权限范围内的评查单位"],
        ),
    ] {
        let res = post_plan(&app, &office, &fields, &[]).await;
        let body = expect_status(res, StatusCode::BAD_REQUEST, &format!("{fields:?}")).await;
        for m in msgs {
            assert!(body.contains(m), "{m}: {body}");
        }
    }
    assert_eq!(count(&app, "review_plans").await, 0);
    assert_eq!(count(&app, "review_samples").await, 0);
}
