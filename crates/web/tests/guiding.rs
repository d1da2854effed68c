//! Guiding cases and case commentary over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set):
//! every route refuses a role without the permission, another unit's session (or another unit's guiding
//! case, for changes) answers 404, Chinese full-text search finds phrases across word boundaries with
//! the match marked, filters by scope and survives any query, the index follows edits and catches up with
//! rows it missed, and bad input on every form answers 400 with nothing written.

#[path = "common/mod.rs"]
mod common;

use common::{
    ACCOUNTS, DISTRICT_A, DISTRICT_A_CHILD, DISTRICT_B, ONE_PER_ROLE, TestApp, expect_status,
    location, on_each_backend,
};
use domain::access::Permission;
use domain::org::Role;
use reqwest::StatusCode;
use store::{Sql, vals};

fn role_of(username: &str) -> Role {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == username)
        .map(|a| a.2)
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c)
        .scalar(c, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .unwrap()
}

async fn insert_case(app: &TestApp, number: &str, title: &str, unit: &str) -> String {
    let id = store::new_id();
    let now = store::now_ms();
    app.exec(
        "INSERT INTO cases (id, number, title, kind, unit_id, handler_id, handler_name, leader_id, leader_name, gang, received_on, stage, stage_since, stage_due, closed_on, outcome, created_by, created_at, updated_at) VALUES (?, ?, ?, 'criminal', ?, NULL, '孙磊', NULL, '吴建国', 0, '2025-01-02', 'closed', '2025-03-01', NULL, '2025-03-01', 'judged', 'test', ?, ?)",
        vals![id.as_str(), number, title, app.unit_id(unit), now, now],
    )
    .await;
    id
}

const DRUNK_TEXT: &str = "被告人张某某于2023年5月在城关镇醉酒后驾驶机动车，血液酒精含量为每百毫升182毫克。\
    公安机关在侦查阶段未依法调取事故现场监控录像，导致证据链条不完整，检察机关依法退回补充侦查。";

fn guiding_fields<'a>(
    number: &'a str,
    title: &'a str,
    full_text: &'a str,
) -> Vec<(&'static str, String)> {
    vec![
        ("number", number.to_string()),
        ("title", title.to_string()),
        ("issuer", "最高人民法院".into()),
        ("kind", "criminal".into()),
        ("keywords", "刑事，危险驾驶罪、醉酒驾驶".into()),
        (
            "gist",
            "在道路上醉酒驾驶机动车的，应当以危险驾驶罪定罪处罚，血液酒精含量是认定醉酒的依据。"
                .into(),
        ),
        ("significance", "统一醉酒驾驶案件的证据审查标准。".into()),
        ("full_text", full_text.to_string()),
        ("issued_on", "2024-12-18".into()),
    ]
}

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    csrf_page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let csrf = app.csrf(c, csrf_page).await;
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf)];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.clone())));
    c.post(app.url(action)).form(&form).send().await.unwrap()
}

/// Creates through the form and returns the new row's id from the redirect.
async fn created(res: reqwest::Response, prefix: &str) -> String {
    let status = res.status();
    let to = location(&res);
    let body = res.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(to.starts_with(prefix), "{to}");
    to.trim_start_matches(prefix).to_string()
}

async fn add_guiding(
    app: &TestApp,
    c: &reqwest::Client,
    number: &str,
    title: &str,
    text: &str,
) -> String {
    let res = post(
        app,
        c,
        "/guiding/cases/new",
        "/guiding/cases/new",
        &guiding_fields(number, title, text),
    )
    .await;
    created(res, "/guiding/cases/").await
}

fn session_fields(
    unit: String,
    title: &str,
    cases: &str,
    cited: &str,
    notes: &str,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "held_on",
            store::clues::today().format("%Y-%m-%d").to_string(),
        ),
        ("unit", unit),
        ("title", title.to_string()),
        ("presenter", "王检察长".into()),
        ("case_numbers", cases.to_string()),
        ("guiding_numbers", cited.to_string()),
        ("notes", notes.to_string()),
    ]
}

async fn add_session(app: &TestApp, c: &reqwest::Client, fields: &[(&str, String)]) -> String {
    let res = post(
        app,
        c,
        "/guiding/sessions/new",
        "/guiding/sessions/new",
        fields,
    )
    .await;
    created(res, "/guiding/sessions/").await
}

async fn search(app: &TestApp, c: &reqwest::Client, q: &str) -> String {
    let res = c
        .get(app.url("/guiding"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::OK, &format!("search {q}")).await
}

fn hit_total(page: &str) -> usize {
    let key = "id=\"hit-total\">";
    let start = page.find(key).expect("a result count") + key.len();
    page[start..].split('<').next().unwrap().parse().unwrap()
}

// ---------- route × role ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_guiding_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    insert_case(
        &app,
        "（2025）甲刑初1号",
        "张某危险驾驶案",
        DISTRICT_A_CHILD,
    )
    .await;
    let office = app.login("office").await;
    let gid = add_guiding(
        &app,
        &office,
        "指导案例第1号",
        "张某某危险驾驶案",
        DRUNK_TEXT,
    )
    .await;
    let sid = add_session(
        &app,
        &office,
        &session_fields(
            app.unit_id(DISTRICT_A_CHILD),
            "醉驾案件质量点评",
            "（2025）甲刑初1号",
            "指导案例第1号",
            "点评认为该案证据审查不够细致，应当调取监控录像。",
        ),
    )
    .await;
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
        r("GET", "/guiding".into(), |r| r.can(ReadGuidingCases)),
        r("GET", "/guiding?q=醉酒驾驶".into(), |r| {
            r.can(ReadGuidingCases)
        }),
        r("GET", "/guiding?kind=commentary".into(), |r| {
            r.can(ReadGuidingCases)
        }),
        r("GET", "/guiding/cases/new".into(), |r| {
            r.can(ManageGuidingCases)
        }),
        r("POST", "/guiding/cases/new".into(), |r| {
            r.can(ManageGuidingCases)
        }),
        r("GET", format!("/guiding/cases/{gid}"), |r| {
            r.can(ReadGuidingCases)
        }),
        r("GET", format!("/guiding/cases/{gid}/edit"), |r| {
            r.can(ManageGuidingCases)
        }),
        r("POST", format!("/guiding/cases/{gid}/edit"), |r| {
            r.can(ManageGuidingCases)
        }),
        r("GET", "/guiding/sessions/new".into(), |r| {
            r.can(ManageGuidingCases)
        }),
        r("POST", "/guiding/sessions/new".into(), |r| {
            r.can(ManageGuidingCases)
        }),
        r("GET", format!("/guiding/sessions/{sid}"), |r| {
            r.can(ReadGuidingCases)
        }),
        r("GET", format!("/guiding/sessions/{sid}/edit"), |r| {
            r.can(ManageGuidingCases)
        }),
        r("POST", format!("/guiding/sessions/{sid}/edit"), |r| {
            r.can(ManageGuidingCases)
        }),
    ];
    let tables = [
        "guiding_cases",
        "commentary_sessions",
        "commentary_cases",
        "commentary_citations",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&app, t).await);
    }
    let anon = app.browser();
    for route in &routes {
        let req = if route.method == "GET" {
            anon.get(app.url(&route.path))
        } else {
            anon.post(app.url(&route.path)).form(&[("csrf", "x")])
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
                    .form(&[("csrf", "forged-token"), ("title", "标题")])
            };
            let res = req.send().await.unwrap();
            let status = res.status();
            let what = format!("{username} {} {}", route.method, route.path);
            let body = res.text().await.unwrap_or_default();
            assert!(!status.is_server_error(), "{what}: {status} {body}");
            if (route.allowed)(role) {
                if route.method == "POST" {
                    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: forged token");
                } else if route.path.contains(sid.as_str()) && *username == "lianluo_b" {
                    // District B's liaison reads the library but not district A's sessions.
                    assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
                } else {
                    assert_eq!(status, StatusCode::OK, "{what}: {body}");
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
async fn another_units_session_and_changes_to_another_units_case_answer_404() {
    on_each_backend(scope_between_units).await
}

async fn scope_between_units(app: TestApp) {
    insert_case(&app, "（2025）乙民初3号", "赵某民间借贷纠纷案", DISTRICT_B).await;
    insert_case(&app, "（2025）甲刑初2号", "钱某盗窃案", DISTRICT_A_CHILD).await;
    let office = app.login("office").await;
    let gid = add_guiding(
        &app,
        &office,
        "指导案例第2号",
        "醉酒驾驶证据审查案",
        DRUNK_TEXT,
    )
    .await;
    let b_session = add_session(
        &app,
        &office,
        &session_fields(
            app.unit_id(DISTRICT_B),
            "民间借贷调解质量点评",
            "（2025）乙民初3号",
            "",
            "承办法官送达调解书超过法定期限，影响当事人权利。",
        ),
    )
    .await;
    let child_session = add_session(
        &app,
        &office,
        &session_fields(
            app.unit_id(DISTRICT_A_CHILD),
            "盗窃案件讯问程序点评",
            "（2025）甲刑初2号",
            "",
            "讯问笔录存在同一时间段讯问两名嫌疑人的情形，程序违法。",
        ),
    )
    .await;
    let office_a = app.login("office_a").await;
    for path in [
        format!("/guiding/sessions/{b_session}"),
        format!("/guiding/sessions/{b_session}/edit"),
        format!("/guiding/cases/{gid}/edit"),
    ] {
        let res = office_a.get(app.url(&path)).send().await.unwrap();
        expect_status(res, StatusCode::NOT_FOUND, &format!("office_a GET {path}")).await;
    }
    // The library itself is read by everyone.
    let res = office_a
        .get(app.url(&format!("/guiding/cases/{gid}")))
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "office_a reads the case").await;
    assert!(
        !page.contains("id=\"edit-case\""),
        "no edit link for another unit's case"
    );
    let res = post(
        &app,
        &office_a,
        "/guiding",
        &format!("/guiding/cases/{gid}/edit"),
        &guiding_fields("指导案例第2号", "被改掉的标题", DRUNK_TEXT),
    )
    .await;
    expect_status(
        res,
        StatusCode::NOT_FOUND,
        "office_a changes the city's case",
    )
    .await;
    let res = post(
        &app,
        &office_a,
        "/guiding",
        &format!("/guiding/sessions/{b_session}/edit"),
        &session_fields(
            app.unit_id(DISTRICT_A),
            "改名",
            "（2025）甲刑初2号",
            "",
            "试图修改乙区的点评记录内容。",
        ),
    )
    .await;
    expect_status(res, StatusCode::NOT_FOUND, "office_a changes B's session").await;
    // Search keeps to scope: B's session is found by the city office only.
    assert_eq!(hit_total(&search(&app, &office, "送达调解书").await), 1);
    assert_eq!(hit_total(&search(&app, &office_a, "送达调解书").await), 0);
    let lianluo_b = app.login("lianluo_b").await;
    assert_eq!(hit_total(&search(&app, &lianluo_b, "送达调解书").await), 1);
    assert_eq!(hit_total(&search(&app, &lianluo_b, "讯问笔录").await), 0);
    // An officer of the police station sees its own unit's session and the whole library.
    let ganjing = app.login("ganjing").await;
    assert_eq!(hit_total(&search(&app, &ganjing, "讯问笔录").await), 1);
    assert_eq!(hit_total(&search(&app, &ganjing, "送达调解书").await), 0);
    assert_eq!(hit_total(&search(&app, &ganjing, "血液酒精").await), 1);
    let res = ganjing
        .get(app.url(&format!("/guiding/sessions/{child_session}")))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::OK, "own session").await;
    let res = ganjing
        .get(app.url(&format!("/guiding/sessions/{b_session}")))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "B's session").await;
    // Lists keep to scope as well.
    let res = office_a
        .get(app.url("/guiding?kind=commentary"))
        .send()
        .await
        .unwrap();
    let list = expect_status(res, StatusCode::OK, "sessions").await;
    assert!(list.contains("盗窃案件讯问程序点评") && !list.contains("民间借贷调解质量点评"));
    // A session may only name cases in the recorder's scope.
    let res = post(
        &app,
        &office_a,
        "/guiding/sessions/new",
        "/guiding/sessions/new",
        &session_fields(
            app.unit_id(DISTRICT_A),
            "越权点评",
            "（2025）乙民初3号",
            "",
            "试图点评乙区法院的民事案件。",
        ),
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "B's case by office_a").await;
    assert!(
        body.contains("以下案号不在案件登记中或不在您的权限范围内：（2025）乙民初3号"),
        "{body}"
    );
    assert_eq!(count(&app, "commentary_sessions").await, 2);
}

// ---------- search ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_phrases_across_word_boundaries_marked_and_escaped() {
    on_each_backend(searching).await
}

async fn searching(app: TestApp) {
    insert_case(&app, "（2025）甲刑初7号", "李某危险驾驶案", DISTRICT_A).await;
    let office = app.login("office").await;
    let gid = add_guiding(
        &app,
        &office,
        "指导案例第7号",
        "张某某醉酒驾驶案",
        DRUNK_TEXT,
    )
    .await;
    add_guiding(
        &app,
        &office,
        "指导案例第8号",
        "王某受贿案",
        "被告人王某利用担任派出所所长的职务便利，为他人谋取利益，收受<b>“好处费”</b>共计人民币二十万元。",
    )
    .await;
    let sid = add_session(
        &app,
        &office,
        &session_fields(
            app.unit_id(DISTRICT_A),
            "危险驾驶案件证据点评",
            "（2025）甲刑初7号",
            "指导案例第7号",
            "对照指导案例，本案未调取监控录像，证据链条存在缺口。",
        ),
    )
    .await;
    let jiwei = app.login("jiwei").await;
    // "后驾驶机动" begins inside one word and ends inside another.
    let page = search(&app, &jiwei, "后驾驶机动").await;
    assert_eq!(hit_total(&page), 1, "{page}");
    assert!(page.contains("<mark>后驾驶机动</mark>"), "{page}");
    assert!(page.contains(&format!("/guiding/cases/{gid}")));
    // Two words, each marked; the session is found through its notes and the cases it discussed.
    let page = search(&app, &jiwei, "监控录像 证据链条").await;
    assert_eq!(hit_total(&page), 2, "{page}");
    assert!(page.contains("<mark>监控录像</mark>") && page.contains("<mark>证据链条</mark>"));
    let page = search(&app, &jiwei, "甲刑初7号").await;
    assert_eq!(hit_total(&page), 1);
    assert!(page.contains(&format!("/guiding/sessions/{sid}")));
    // No text holds the phrase as written: texts holding all its words are shown, and the page says so.
    // (Both guiding cases share the keywords and the gist; the session names the first.)
    let page = search(&app, &jiwei, "醉酒的危险驾驶").await;
    assert_eq!(hit_total(&page), 3, "{page}");
    assert!(page.contains("id=\"loose-note\""), "{page}");
    assert!(
        page.contains("<mark>醉酒</mark>") && page.contains("<mark>危险驾驶</mark>"),
        "{page}"
    );
    assert!(
        !search(&app, &jiwei, "后驾驶机动")
            .await
            .contains("loose-note")
    );
    // The kind filter.
    let res = jiwei
        .get(app.url("/guiding"))
        .query(&[("q", "监控录像"), ("kind", "commentary")])
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "commentary only").await;
    assert_eq!(hit_total(&page), 1);
    // Stored text comes back escaped, with only our marks as tags.
    let page = search(&app, &jiwei, "好处费").await;
    assert_eq!(hit_total(&page), 1);
    assert!(
        page.contains("&lt;b&gt;“<mark>好处费</mark>”&lt;/b&gt;"),
        "{page}"
    );
    // Queries full of HTML, quotes and tantivy syntax are text, never a 500 or raw HTML.
    for q in [
        "<script>alert(1)</script>",
        "\"醉酒",
        "title:醉酒 AND body:驾驶",
        "(醉酒)^2~3 OR *",
        "[* TO *] {a TO b}",
        "'\\/:;!?-+&|",
        "醉酒' OR '1'='1",
        "％２０醉酒",
        &"醉".repeat(5000),
    ] {
        let res = jiwei
            .get(app.url("/guiding"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        let page = expect_status(res, StatusCode::OK, q).await;
        assert!(!page.contains("<script>alert"), "{q}: {page}");
    }
    let page = search(&app, &jiwei, "<script>alert(1)</script>").await;
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "the query is shown escaped"
    );
    let page = search(&app, &jiwei, "title:醉酒").await;
    assert_eq!(
        hit_total(&page),
        0,
        "\"title\" is a word to find, not a field"
    );
    // Edits reach the index at once: the old words are gone, the new found.
    let res = post(
        &app,
        &office,
        &format!("/guiding/cases/{gid}/edit"),
        &format!("/guiding/cases/{gid}/edit"),
        &guiding_fields(
            "指导案例第7号",
            "张某某追逐竞驶案",
            "被告人张某某在城市主干道上驾驶改装摩托车高速追逐竞驶，多次闯红灯。",
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(hit_total(&search(&app, &jiwei, "后驾驶机动").await), 0);
    let page = search(&app, &jiwei, "追逐竞驶").await;
    assert_eq!(hit_total(&page), 1);
    assert!(page.contains("张某某<mark>追逐竞驶</mark>案"), "{page}");
    // The index lives in the data folder.
    let dir = app.data_dir.join(store::enforcement::guiding::INDEX_DIR);
    assert!(dir.join("meta.json").exists(), "{dir:?}");
}

// ---------- the index and its tables ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_is_built_from_the_tables_and_catches_up_with_missed_rows() {
    on_each_backend(catching_up).await
}

/// A row written the way a crash between the table and the index leaves it: committed, with the next
/// revision, but never indexed.
async fn insert_unindexed(app: &TestApp, number: &str, title: &str, text: &str) {
    let c = app.store.connection();
    app.exec(
        "INSERT INTO fulltext_state (name, epoch, rev) VALUES ('guiding', 'test-epoch', 0) ON CONFLICT (name) DO NOTHING",
        vals![],
    )
    .await;
    let rev = Sql::of(c)
        .one(
            c,
            "UPDATE fulltext_state SET rev = rev + 1 WHERE name = 'guiding' RETURNING rev",
            vals![],
        )
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "rev")
        .unwrap();
    let now = store::now_ms();
    app.exec(
        "INSERT INTO guiding_cases (id, number, title, issuer, kind, keywords, gist, significance, full_text, issued_on, unit_id, rev, created_by, created_at, updated_at) VALUES (?, ?, ?, '最高人民检察院', 'criminal', '检察', '裁判要点不少于十个字的内容。', NULL, ?, NULL, ?, ?, 'test', ?, ?)",
        vals![store::new_id(), number, title, text, app.unit_id(common::ROOT), rev, now, now],
    )
    .await;
}

async fn catching_up(app: TestApp) {
    // Rows in the table before the index ever opened: the first search builds it from them.
    insert_unindexed(
        &app,
        "检例第1号",
        "施某某等聚众斗殴案",
        "检察机关对聚众斗殴案件依法作出不起诉决定，促进矛盾化解。",
    )
    .await;
    insert_unindexed(
        &app,
        "检例第2号",
        "忻某某贪污案",
        "国家工作人员利用职务便利侵吞公共财物，构成贪污罪。",
    )
    .await;
    let jiwei = app.login("jiwei").await;
    assert!(
        !app.data_dir
            .join(store::enforcement::guiding::INDEX_DIR)
            .join("meta.json")
            .exists()
    );
    assert_eq!(hit_total(&search(&app, &jiwei, "聚众斗殴").await), 1);
    assert_eq!(hit_total(&search(&app, &jiwei, "侵吞公共财物").await), 1);
    // A row committed behind the index's back is found once the index looks again (at most a second).
    insert_unindexed(
        &app,
        "检例第3号",
        "某公司虚开增值税专用发票案",
        "企业合规改革试点中，检察机关督促涉案企业开展合规整改。",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let page = search(&app, &jiwei, "合规整改").await;
    assert_eq!(hit_total(&page), 1, "{page}");
    // A write through the application catches up every row before it, too.
    insert_unindexed(
        &app,
        "检例第4号",
        "刘某诈骗案",
        "电信网络诈骗犯罪的证据审查要点。",
    )
    .await;
    let office = app.login("office").await;
    add_guiding(&app, &office, "指导案例第9号", "醉酒驾驶案", DRUNK_TEXT).await;
    assert_eq!(hit_total(&search(&app, &jiwei, "电信网络诈骗").await), 1);
    assert_eq!(hit_total(&search(&app, &jiwei, "血液酒精").await), 1);
    assert_eq!(app.store.open_guiding_index().await.unwrap(), 5);
}

// ---------- bad input ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_on_every_form_answers_400_with_nothing_written() {
    on_each_backend(bad_input).await
}

async fn bad_input(app: TestApp) {
    insert_case(&app, "（2025）甲刑初3号", "孙某抢劫案", DISTRICT_A).await;
    let office = app.login("office").await;
    let gid = add_guiding(&app, &office, "指导案例第3号", "醉酒驾驶案", DRUNK_TEXT).await;
    let mut blank = guiding_fields("", "", "短");
    blank.retain(|(k, _)| *k == "number" || *k == "title" || *k == "full_text");
    let too_many = (0..11)
        .map(|i| format!("词{i}"))
        .collect::<Vec<_>>()
        .join("，");
    let mut many = guiding_fields("指导案例第4号", "某案例标题", DRUNK_TEXT);
    for (k, v) in many.iter_mut() {
        match *k {
            "keywords" => *v = too_many.clone(),
            "kind" => *v = "<script>".into(),
            "issued_on" => *v = "2999-01-01".into(),
            _ => {}
        }
    }
    for (path, fields, msgs) in [
        (
            "/guiding/cases/new".to_string(),
            blank,
            vec![
                "案例编号不能为空",
                "案例标题不能为空",
                "发布机关不能为空",
                "裁判要点不能为空",
                "案例全文不能少于20个字",
                "请选择案件类型",
                "请至少填写一个关键词",
            ],
        ),
        (
            "/guiding/cases/new".to_string(),
            many,
            vec!["关键词最多10个", "请选择案件类型", "发布日期不能晚于今天"],
        ),
        (
            "/guiding/cases/new".to_string(),
            guiding_fields("指导案例第3号", "重复编号的案例", DRUNK_TEXT),
            vec!["案例编号「指导案例第3号」已存在"],
        ),
        (
            format!("/guiding/cases/{gid}/edit"),
            guiding_fields("指导案例第3号", "短", DRUNK_TEXT),
            vec!["案例标题不能少于4个字"],
        ),
    ] {
        let res = post(&app, &office, "/guiding/cases/new", &path, &fields).await;
        let body = expect_status(res, StatusCode::BAD_REQUEST, &path).await;
        for m in msgs {
            assert!(body.contains(m), "{m}: {body}");
        }
    }
    assert_eq!(count(&app, "guiding_cases").await, 1);
    let a = app.unit_id(DISTRICT_A);
    for (fields, msgs) in [
        (
            vec![
                ("held_on", "2999-01-01".to_string()),
                ("unit", a.clone()),
                ("title", "点".into()),
                ("presenter", "".into()),
                ("case_numbers", "".into()),
                ("notes", "短".into()),
            ],
            vec![
                "点评日期不能晚于今天",
                "点评主题不能少于4个字",
                "点评人不能为空",
                "点评内容不能少于10个字",
                "请至少填写一个点评案件的案号",
            ],
        ),
        (
            vec![
                ("held_on", "昨天".to_string()),
                ("unit", a.clone()),
                ("title", "证据审查点评".into()),
                ("presenter", "王检察长".into()),
                ("case_numbers", "（2025）甲刑初3号".into()),
                ("notes", "本次点评内容足够长。".into()),
            ],
            vec!["请按 YYYY-MM-DD 格式填写点评日期"],
        ),
        (
            session_fields(
                a.clone(),
                "证据审查点评",
                "（2025）甲刑初3号\n（2099）不存在1号",
                "指导案例第3号，指导案例第404号",
                "本次点评内容足够长。",
            ),
            vec!["以下案号不在案件登记中或不在您的权限范围内：（2099）不存在1号"],
        ),
        (
            session_fields(
                a.clone(),
                "证据审查点评",
                "（2025）甲刑初3号",
                "指导案例第404号",
                "本次点评内容足够长。",
            ),
            vec!["以下指导案例编号不在案例库中：指导案例第404号"],
        ),
        (
            session_fields(
                "no-such-unit".into(),
                "证据审查点评",
                "（2025）甲刑初3号",
                "",
                "本次点评内容足够长。",
            ),
            vec!["请选择本人权限范围内的单位"],
        ),
        (
            session_fields(
                a.clone(),
                "证据审查点评",
                &"号".repeat(61),
                "",
                "本次点评内容足够长。",
            ),
            vec!["过长，请每行填写一个编号"],
        ),
    ] {
        let res = post(
            &app,
            &office,
            "/guiding/sessions/new",
            "/guiding/sessions/new",
            &fields,
        )
        .await;
        let body = expect_status(res, StatusCode::BAD_REQUEST, &format!("{fields:?}")).await;
        for m in msgs {
            assert!(body.contains(m), "{m}: {body}");
        }
    }
    assert_eq!(count(&app, "commentary_sessions").await, 0);
    assert_eq!(count(&app, "commentary_cases").await, 0);
    // A good one, then a bad change to it writes nothing.
    let sid = add_session(
        &app,
        &office,
        &session_fields(
            a.clone(),
            "证据审查点评",
            "（2025）甲刑初3号",
            "指导案例第3号",
            "本次点评内容足够长。",
        ),
    )
    .await;
    let res = post(
        &app,
        &office,
        &format!("/guiding/sessions/{sid}/edit"),
        &format!("/guiding/sessions/{sid}/edit"),
        &session_fields(a, "证据审查点评", "", "", "本次点评内容足够长。"),
    )
    .await;
    expect_status(res, StatusCode::BAD_REQUEST, "edit without cases").await;
    assert_eq!(count(&app, "commentary_cases").await, 1);
    assert_eq!(count(&app, "commentary_citations").await, 1);
    let res = office
        .get(app.url(&format!("/guiding/sessions/{sid}")))
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "session").await;
    assert!(page.contains("（2025）甲刑初3号") && page.contains("指导案例第3号"));
    let res = office
        .get(app.url(&format!("/guiding/cases/{gid}")))
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "case").await;
    assert!(
        page.contains(&format!("/guiding/sessions/{sid}")),
        "the case lists the session citing it"
    );
    // Malformed bodies are refused in Chinese, never a 500.
    let res = office
        .post(app.url("/guiding/cases/new"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=%FF%FE&title=%E4")
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::BAD_REQUEST, "malformed").await;
    assert!(body.contains("UTF-8"), "{body}");
}
