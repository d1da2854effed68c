//! Early warning over HTTP, on SQLite (and PostgreSQL when MINGJING_TEST_PG is set): every route refuses a
//! role without the permission, an officer of another unit (or oneself) by id answers 404, the list, the
//! export and the heat map keep to the person's scope, the 重新计算 button and the settings form work
//! end to end, and bad input answers 400 with a Chinese message and nothing saved.

#[path = "common/mod.rs"]
mod common;

use common::{
    ACCOUNTS, BADGE_B, BADGE_LEADER_A, BADGE_OFFICER_A, DISTRICT_A, DISTRICT_A_CHILD, DISTRICT_B,
    ONE_PER_ROLE, TestApp, expect_status, location, on_each_backend, unzip_all,
};
use domain::access::Permission;
use domain::clues::ClueSource;
use domain::org::Role;
use domain::tips::ProblemCategory;
use reqwest::StatusCode;
use store::clues::NewClue;
use store::{Sql, vals};

fn role_of(username: &str) -> Role {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == username)
        .map(|a| a.2)
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let c = app.store.connection();
    Sql::of(c).scalar(c, sql, vals![]).await.unwrap()
}

async fn officer(app: &TestApp, badge: &str) -> String {
    let c = app.store.connection();
    let r = Sql::of(c)
        .one(c, "SELECT id FROM officers WHERE badge = ?", vals![badge])
        .await
        .unwrap()
        .unwrap();
    r.try_get_by_index::<String>(0).unwrap()
}

/// `n` clues about the officer with `badge`, registered by the office from `source`.
async fn clues_about(app: &TestApp, badge: &str, source: ClueSource, n: usize) -> Vec<String> {
    let office = app.actor("office").await;
    let mut numbers = Vec::new();
    for i in 0..n {
        let (_, number) = app
            .store
            .register_clue(
                &office,
                &NewClue {
                    source,
                    category: ProblemCategory::Conduct,
                    accused_name: Some("被反映人".into()),
                    accused_unit: None,
                    accused_position: None,
                    accused_badge: Some(badge.into()),
                    summary: format!("反映其工作作风问题之{i}"),
                },
            )
            .await
            .unwrap();
        numbers.push(number);
    }
    numbers
}

/// With the default weights (线索 3, 信访举报 2) and thresholds (关注 10, 预警 20): 孙磊 4 clues = 12 (关注);
/// 王芳 4 clues + 5 petitions = 22 (预警); 吴建国, who is district A's leader, 7 clues = 21 (预警).
async fn seed_facts(app: &TestApp) -> Vec<String> {
    let sun = clues_about(app, BADGE_OFFICER_A, ClueSource::Inspection, 4).await;
    clues_about(app, BADGE_B, ClueSource::Inspection, 4).await;
    clues_about(app, BADGE_B, ClueSource::Petition, 5).await;
    clues_about(app, BADGE_LEADER_A, ClueSource::OrgCheck, 7).await;
    sun
}

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    c.post(app.url(path)).form(fields).send().await.unwrap()
}

async fn recompute(app: &TestApp, c: &reqwest::Client) -> reqwest::Response {
    let csrf = app.csrf(c, "/warnings").await;
    post(app, c, "/warnings/recompute", &[("csrf", csrf)]).await
}

async fn get_text(app: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let res = c.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The rows of the warning table, as "name|score|level".
fn table_rows(page: &str) -> Vec<String> {
    let Some(start) = page.find("<tbody>") else {
        return vec![];
    };
    let body = &page[start..page[start..].find("</tbody>").unwrap() + start];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let name_at = row.find("\">").unwrap() + 2;
            let name = &row[name_at..row[name_at..].find("</a>").unwrap() + name_at];
            let score_at = row.find("class=\"score\">").unwrap() + 14;
            let score = &row[score_at..row[score_at..].find("</td>").unwrap() + score_at];
            let level = ["预警", "关注"]
                .into_iter()
                .find(|l| row.contains(&format!("\">{l}</span>")))
                .unwrap_or("?");
            format!("{name}|{score}|{level}")
        })
        .collect()
}

/// (method, path, who may)
type Route = (&'static str, String, fn(Role) -> bool);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_warning_route_refuses_a_role_without_the_permission() {
    on_each_backend(routes_by_role).await
}

async fn routes_by_role(app: TestApp) {
    use Permission::*;
    seed_facts(&app).await;
    app.store.recompute_warnings().await.unwrap();
    let sun = officer(&app, BADGE_OFFICER_A).await;
    let routes: Vec<Route> = vec![
        ("GET", "/warnings".into(), |r| r.can(ViewWarnings)),
        ("GET", "/warnings/export".into(), |r| r.can(ViewWarnings)),
        ("GET", format!("/warnings/officers/{sun}"), |r| {
            r.can(ViewWarnings)
        }),
        ("GET", "/warnings/heatmap".into(), |r| r.can(ViewWarnings)),
        ("GET", "/warnings/settings".into(), |r| {
            r.can(ConfigureWarnings)
        }),
        ("POST", "/warnings/settings".into(), |r| {
            r.can(ConfigureWarnings)
        }),
        ("POST", "/warnings/recompute".into(), |r| {
            r.can(ConfigureWarnings)
        }),
    ];
    let state = "SELECT (SELECT COUNT(*) FROM warning_runs) * 1000 + (SELECT COUNT(*) FROM settings WHERE key = 'warning_settings')";
    let before = count(&app, state).await;

    let anon = app.browser();
    for (method, path, _) in &routes {
        let req = if *method == "GET" {
            anon.get(app.url(path))
        } else {
            anon.post(app.url(path)).form(&[("csrf", "forged")])
        };
        let res = req.send().await.unwrap();
        assert_eq!(
            (res.status(), location(&res).as_str()),
            (StatusCode::SEE_OTHER, "/login"),
            "anonymous {method} {path}"
        );
    }
    let mut refused = 0;
    for username in ONE_PER_ROLE {
        let role = role_of(username);
        let c = app.login(username).await;
        for (method, path, allowed) in &routes {
            let req = if *method == "GET" {
                c.get(app.url(path))
            } else {
                c.post(app.url(path)).form(&[
                    ("csrf", "forged-token"),
                    ("window_days", "365"),
                    ("watch", "1"),
                    ("alert", "2"),
                ])
            };
            let res = req.send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            let what = format!("{username} ({}) {method} {path}", role.as_str());
            assert!(!status.is_server_error(), "{what}: {status} {body}");
            if allowed(role) {
                if *method == "GET" {
                    assert_eq!(status, StatusCode::OK, "{what}: {body}");
                } else {
                    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: a forged token");
                    assert!(body.contains("CSRF"), "{what}");
                }
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{what} must be refused");
                assert!(body.contains("无权"), "{what}: Chinese refusal");
                refused += 1;
            }
        }
    }
    // 6 roles without ViewWarnings × 7 routes, and the unit leader and discipline inspector × 3 settings routes.
    assert_eq!(refused, 6 * 7 + 2 * 3);
    assert_eq!(count(&app, state).await, before, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_exports_and_officers_keep_to_scope() {
    on_each_backend(scope).await
}

async fn scope(app: TestApp) {
    let sun_clues = seed_facts(&app).await;
    let office = app.login("office").await;
    let res = recompute(&app, &office).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/warnings?recomputed=3");
    let (status, page) = get_text(&app, &office, "/warnings?recomputed=3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("已重新计算，3名干警有计分事实。"));
    assert_eq!(
        table_rows(&page),
        vec!["王芳|22|预警", "吴建国|21|预警", "孙磊|12|关注"],
        "highest first"
    );
    assert!(page.contains("问题线索 4条 × 3分 = 12分<br>信访举报 5件 × 2分 = 10分"));
    // Recomputing again gives the same list.
    recompute(&app, &office).await;
    let (_, again) = get_text(&app, &office, "/warnings").await;
    assert_eq!(table_rows(&again), table_rows(&page));

    let (sun, wang, wu) = (
        officer(&app, BADGE_OFFICER_A).await,
        officer(&app, BADGE_B).await,
        officer(&app, BADGE_LEADER_A).await,
    );
    // District A's leader (who is 吴建国): 孙磊 only — not district B, not themself.
    let leader = app.login("leader_a").await;
    let (_, page) = get_text(&app, &leader, "/warnings").await;
    assert_eq!(table_rows(&page), vec!["孙磊|12|关注"]);
    let (status, page) = get_text(&app, &leader, &format!("/warnings/officers/{sun}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("问题线索（4项）"));
    for n in &sun_clues {
        assert!(page.contains(&format!(">{n}</a>")), "{n} is listed");
    }
    assert!(page.contains("<td>问题线索</td><td>4条</td><td>3</td><td>12</td>"));
    for (who, id) in [("another district's", &wang), ("their own", &wu)] {
        let res = leader
            .get(app.url(&format!("/warnings/officers/{id}")))
            .send()
            .await
            .unwrap();
        expect_status(res, StatusCode::NOT_FOUND, who).await;
    }
    let jiwei_a = app.login("jiwei_a").await;
    let res = jiwei_a
        .get(app.url(&format!("/warnings/officers/{wang}")))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "jiwei_a on district B").await;
    // Another unit as a filter is as unknown as another unit's officer.
    let b = app.unit_id(DISTRICT_B);
    for path in [
        format!("/warnings?unit={b}"),
        format!("/warnings/export?unit={b}"),
    ] {
        let res = leader.get(app.url(&path)).send().await.unwrap();
        expect_status(res, StatusCode::NOT_FOUND, &path).await;
    }

    // Exports: the office's has all three, the leader's 孙磊 alone.
    let xlsx = |c: reqwest::Client, path: &'static str| {
        let app = app.clone();
        async move {
            let res = c.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let ct = res
                .headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            assert!(ct.contains("spreadsheetml"), "{ct}");
            String::from_utf8_lossy(&unzip_all(&res.bytes().await.unwrap())).to_string()
        }
    };
    let all = xlsx(office.clone(), "/warnings/export").await;
    for name in [
        "王芳",
        "吴建国",
        "孙磊",
        "问题线索 4条 × 3分 = 12分",
        "风险分",
    ] {
        assert!(all.contains(name), "{name} in the office's export");
    }
    let mine = xlsx(leader.clone(), "/warnings/export").await;
    assert!(mine.contains("孙磊"));
    assert!(!mine.contains("王芳") && !mine.contains("吴建国"));
    // The level and unit filters narrow the office's list and export alike.
    let a_child = app.unit_id(DISTRICT_A_CHILD);
    let (_, page) = get_text(&app, &office, &format!("/warnings?unit={a_child}")).await;
    assert_eq!(table_rows(&page), vec!["孙磊|12|关注"]);
    let (_, page) = get_text(&app, &office, "/warnings?level=alert").await;
    assert_eq!(table_rows(&page), vec!["王芳|22|预警", "吴建国|21|预警"]);

    // The heat map: every unit in scope links to its list; the leader's shows only district A.
    let (status, map) = get_text(&app, &office, "/warnings/heatmap").await;
    assert_eq!(status, StatusCode::OK);
    for code in [DISTRICT_A, DISTRICT_A_CHILD, DISTRICT_B] {
        let id = app.unit_id(code);
        assert!(
            map.contains(&format!("<a href=\"/warnings?unit={id}\">")),
            "{code}"
        );
    }
    // 乙区人民法院: 王芳 22 points over 1 officer = 2200.0 per hundred.
    assert!(map.contains("每百人 2200.0"));
    assert!(map.contains("<b id=\"total-alert\">2</b>"));
    let (_, map) = get_text(&app, &leader, "/warnings/heatmap").await;
    assert!(map.contains(&format!("/warnings?unit={}", app.unit_id(DISTRICT_A))));
    assert!(!map.contains(&b) && !map.contains("乙区人民法院"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_validated_then_change_the_scores() {
    on_each_backend(settings).await
}

fn settings_form(csrf: &str, clue: &str, watch: &str, alert: &str) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("csrf", csrf.to_string()),
        ("window_days", "365".to_string()),
        ("watch", watch.to_string()),
        ("alert", alert.to_string()),
    ];
    for k in domain::warning::FactKind::all() {
        // Every other kind 6 (complaints 5): a substantiated clue may not weigh less than a plain one.
        let v = match k.as_str() {
            "clue" => clue.to_string(),
            "complaint" => "5".to_string(),
            _ => "6".to_string(),
        };
        f.push((k.field(), v));
    }
    f
}

async fn settings(app: TestApp) {
    seed_facts(&app).await;
    let office = app.login("office").await;
    recompute(&app, &office).await;
    let csrf = app.csrf(&office, "/warnings/settings").await;
    let saved = "SELECT COUNT(*) FROM settings WHERE key = 'warning_settings'";

    // Bad values: each field named in Chinese, 400, nothing saved.
    let res = post(
        &app,
        &office,
        "/warnings/settings",
        &settings_form(&csrf, "abc", "0", "0"),
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "bad settings").await;
    assert!(body.contains("data-field=\"weight_clue\">「问题线索」的分值应为0至100之间的整数"));
    assert!(body.contains("data-field=\"watch\">「关注」分数线应为1至10000之间的整数"));
    assert!(
        body.contains("value=\"abc\""),
        "what was typed is shown again"
    );
    let res = post(
        &app,
        &office,
        "/warnings/settings",
        &settings_form(&csrf, "6", "30", "30"),
    )
    .await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "alert not above watch").await;
    assert!(body.contains("「预警」分数线应高于「关注」分数线（30）"));
    let mut long = settings_form(&csrf, "6", "10", "20");
    long[1].1 = "9".repeat(100_000);
    let res = post(&app, &office, "/warnings/settings", &long).await;
    let body = expect_status(res, StatusCode::BAD_REQUEST, "a huge number").await;
    assert!(body.contains("统计期间应为30至1095之间的整数（天）"));
    assert!(
        !body.contains(&"9".repeat(30)),
        "a pasted novel is not echoed back"
    );
    assert_eq!(count(&app, saved).await, 0);

    // Good values: saved, the list says they are not applied yet, and a recomputation applies them:
    // with 6 points a clue, 孙磊 has 4 × 6 = 24 (预警).
    let res = post(
        &app,
        &office,
        "/warnings/settings",
        &settings_form(&csrf, "6", "10", "20"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/warnings/settings?saved=1");
    assert_eq!(count(&app, saved).await, 1);
    let (_, page) = get_text(&app, &office, "/warnings/settings?saved=1").await;
    assert!(page.contains("预警参数已保存"));
    assert!(page.contains("name=\"weight_clue\" inputmode=\"numeric\" value=\"6\""));
    let (_, page) = get_text(&app, &office, "/warnings").await;
    assert!(page.contains("id=\"stale\""));
    assert!(table_rows(&page).contains(&"孙磊|12|关注".to_string()));
    recompute(&app, &office).await;
    let (_, page) = get_text(&app, &office, "/warnings").await;
    assert!(!page.contains("id=\"stale\""));
    // 王芳 4 clues × 6 + 5 petitions × 5 = 49; 吴建国 7 clues × 6 = 42; 孙磊 4 × 6 = 24.
    assert_eq!(
        table_rows(&page),
        vec!["王芳|49|预警", "吴建国|42|预警", "孙磊|24|预警"]
    );
    assert!(page.contains("问题线索 4条 × 6分 = 24分"));

    // Bad filters and ids: clear answers, never a 500.
    for (path, want) in [
        ("/warnings?level=normal", StatusCode::BAD_REQUEST),
        ("/warnings?level=%E4%B8%AD", StatusCode::BAD_REQUEST),
        ("/warnings/export?level=x", StatusCode::BAD_REQUEST),
        ("/warnings?unit=no-such-unit", StatusCode::NOT_FOUND),
        ("/warnings?page=0", StatusCode::OK),
        ("/warnings?page=abc", StatusCode::BAD_REQUEST),
        ("/warnings/officers/no-such-officer", StatusCode::NOT_FOUND),
    ] {
        let res = office.get(app.url(path)).send().await.unwrap();
        let body = expect_status(res, want, path).await;
        if want == StatusCode::BAD_REQUEST {
            assert!(
                body.contains("预警等级只能选择") || body.contains("格式不正确"),
                "{path}: {body}"
            );
        }
    }
}
