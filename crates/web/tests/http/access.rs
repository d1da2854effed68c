//! Roles and data scope: every staff route refuses a role without the permission (403), a row outside
//! the caller's unit tree is 404 for reading, changing and exporting it, and an officer never sees a
//! clue about themself.

use domain::access::Permission;
use domain::org::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::{
    self, ACCOUNTS, BADGE_LEADER_A, DISTRICT_A, DISTRICT_A_CHILD, DISTRICT_B, DISTRICT_B_CHILD,
    ONE_PER_ROLE, TestApp, expect_status, location, on_each_backend, unzip_all,
};

fn role_of(username: &str) -> Role {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == username)
        .map(|a| a.2)
        .unwrap()
}

enum Body {
    None,
    /// A form whose CSRF token is forged: a permitted role gets past the role check and stops at CSRF.
    ForgedForm(Vec<(&'static str, &'static str)>),
    /// A multipart upload with a forged token and no file.
    ForgedMultipart,
    Json(Value),
}

struct Route {
    method: &'static str,
    path: String,
    body: Body,
    allowed: fn(Role) -> bool,
}

fn page_routes(clue: &str, att: &str) -> Vec<Route> {
    use Permission::*;
    let r = |method, path: String, body, allowed| Route {
        method,
        path,
        body,
        allowed,
    };
    let f = |fields: &[(&'static str, &'static str)]| Body::ForgedForm(fields.to_vec());
    vec![
        r("GET", "/dashboard".into(), Body::None, |r| {
            r.can(ViewDashboard)
        }),
        r("GET", "/clues".into(), Body::None, |r| r.can(ReadClues)),
        r("GET", "/clues/export".into(), Body::None, |r| {
            r.can(ExportClues)
        }),
        r("GET", "/clues/new".into(), Body::None, |r| {
            r.can(RegisterClue)
        }),
        r(
            "POST",
            "/clues/new".into(),
            f(&[
                ("source", "inspection"),
                ("category", "conduct"),
                ("summary", "督导检查发现的问题"),
            ]),
            |r| r.can(RegisterClue),
        ),
        r("GET", format!("/clues/{clue}"), Body::None, |r| {
            r.can(ReadClues)
        }),
        r(
            "POST",
            format!("/clues/{clue}/step"),
            f(&[("action", "assign")]),
            |r| r.can(ReadClues) && r.can(AssignClue),
        ),
        r(
            "POST",
            format!("/clues/{clue}/step"),
            f(&[("action", "verify"), ("note", "核查完毕的情况说明")]),
            |r| r.can(ReadClues) && r.can(HandleClue),
        ),
        r(
            "POST",
            format!("/clues/{clue}/supervise"),
            f(&[("on", "1"), ("note", "限期报送")]),
            |r| r.can(SuperviseClue),
        ),
        r(
            "POST",
            format!("/clues/{clue}/message"),
            f(&[("body", "请补充材料")]),
            |r| r.can(MessageReporter),
        ),
        r(
            "GET",
            format!("/clues/{clue}/attachments/{att}"),
            Body::None,
            |r| r.can(ReadTipContent),
        ),
        r("GET", "/unseal".into(), Body::None, |r| {
            r.can(DecideUnseal) || r.can(RequestUnseal)
        }),
        r(
            "POST",
            format!("/unseal/request/{clue}"),
            f(&[("reason", "需要联系举报人核实具体情况")]),
            |r| r.can(RequestUnseal),
        ),
        r(
            "POST",
            "/unseal/00000000-0000-0000-0000-000000000000/decide".into(),
            f(&[("decision", "approve")]),
            |r| r.can(DecideUnseal),
        ),
        r(
            "GET",
            "/unseal/00000000-0000-0000-0000-000000000000/identity".into(),
            Body::None,
            |r| r.can(RequestUnseal),
        ),
        r("GET", "/audit".into(), Body::None, |r| r.can(ReadAudit)),
        r("POST", "/audit/verify".into(), f(&[]), |r| r.can(ReadAudit)),
        r("GET", "/org/units".into(), Body::None, |r| {
            r.can(ManageUnits)
        }),
        r("GET", "/org/units/template.xlsx".into(), Body::None, |r| {
            r.can(ManageUnits)
        }),
        r(
            "POST",
            "/org/units/import".into(),
            Body::ForgedMultipart,
            |r| r.can(ManageUnits),
        ),
        r("GET", "/org/officers".into(), Body::None, |r| {
            r.can(ViewRoster)
        }),
        r(
            "GET",
            "/org/officers/template.xlsx".into(),
            Body::None,
            |r| r.can(ManageUnits),
        ),
        r(
            "POST",
            "/org/officers/import".into(),
            Body::ForgedMultipart,
            |r| r.can(ManageUnits),
        ),
        r("GET", "/org/users".into(), Body::None, |r| {
            r.can(ManageUsers)
        }),
        r(
            "POST",
            "/org/users".into(),
            f(&[("username", "newuser"), ("role", "officer")]),
            |r| r.can(ManageUsers),
        ),
        r("POST", "/org/users/shenji/disable".into(), f(&[]), |r| {
            r.can(ManageUsers)
        }),
        r("POST", "/org/users/shenji/enable".into(), f(&[]), |r| {
            r.can(ManageUsers)
        }),
        r(
            "POST",
            "/org/users/shenji/password".into(),
            f(&[("password", "Another-pass-2026")]),
            |r| r.can(ManageUsers),
        ),
        // Every signed-in person has an account page.
        r("GET", "/account".into(), Body::None, |_| true),
        r(
            "POST",
            "/account/password".into(),
            f(&[("current", "x"), ("new", "y"), ("confirm", "y")]),
            |_| true,
        ),
    ]
}

fn api_routes(clue: &str) -> Vec<Route> {
    use Permission::*;
    let r = |method, path: String, body, allowed| Route {
        method,
        path,
        body,
        allowed,
    };
    vec![
        r("GET", "/api/v1/clues".into(), Body::None, |r| {
            r.can(ReadClues)
        }),
        r("POST", "/api/v1/clues".into(), Body::Json(json!({})), |r| {
            r.can(RegisterClue)
        }),
        r("GET", "/api/v1/clues/export".into(), Body::None, |r| {
            r.can(ExportClues)
        }),
        r("GET", format!("/api/v1/clues/{clue}"), Body::None, |r| {
            r.can(ReadClues)
        }),
        // Both bodies are refused by the clue's state or input if the role may act: nothing changes.
        r(
            "POST",
            format!("/api/v1/clues/{clue}/steps"),
            Body::Json(json!({ "action": "assign" })),
            |r| r.can(ReadClues) && r.can(AssignClue),
        ),
        r(
            "POST",
            format!("/api/v1/clues/{clue}/steps"),
            Body::Json(json!({ "action": "verify" })),
            |r| r.can(ReadClues) && r.can(HandleClue),
        ),
        r(
            "POST",
            format!("/api/v1/clues/{clue}/supervise"),
            Body::Json(json!({})),
            |r| r.can(SuperviseClue),
        ),
        r(
            "GET",
            format!("/api/v1/clues/{clue}/tip"),
            Body::None,
            |r| r.can(ReadTipContent),
        ),
    ]
}

async fn send(
    c: &reqwest::Client,
    app: &TestApp,
    route: &Route,
    token: Option<&str>,
) -> reqwest::Response {
    let url = app.url(&route.path);
    let mut req = if route.method == "GET" {
        c.get(url)
    } else {
        c.post(url)
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req = match &route.body {
        Body::None => req,
        Body::ForgedForm(fields) => {
            let mut f = fields.clone();
            f.push(("csrf", "forged-token"));
            req.form(&f)
        }
        Body::ForgedMultipart => req.multipart(Form::new().text("csrf", "forged-token")),
        Body::Json(v) => req.json(v),
    };
    req.send().await.unwrap()
}

/// A tip with an attachment, handled by nobody yet: the row every route is tried on.
async fn tip_with_attachment(app: &TestApp) -> (String, String, String) {
    let form = Form::new()
        .text("category", "case_suppression")
        .text(
            "description",
            "某法庭对立案材料压案不查，当事人多次催问无果。",
        )
        .part(
            "attachments",
            Part::bytes(common::tiny_png()).file_name("回执.png"),
        );
    let res = app
        .public()
        .post(app.url("/api/v1/public/tips"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let v: Value =
        serde_json::from_str(&expect_status(res, StatusCode::CREATED, "tip").await).unwrap();
    let (clue_id, clue_number) = app.clue_of_tip(v["number"].as_str().unwrap()).await;
    let jiwei = app.actor("jiwei").await;
    let att = app
        .store
        .tip_content(&jiwei, &clue_id)
        .await
        .unwrap()
        .attachments[0]
        .id
        .clone();
    (clue_id, clue_number, att)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_staff_route_refuses_a_role_without_the_permission() {
    on_each_backend(route_by_role).await
}

async fn route_by_role(app: TestApp) {
    let (clue, _, att) = tip_with_attachment(&app).await;
    let pages = page_routes(&clue, &att);
    let apis = api_routes(&clue);
    let clues_before = app.store.count_clues().await.unwrap();

    // Nobody signed in: pages send to the login form, the API answers 401 JSON.
    let anon = app.browser();
    for route in &pages {
        let res = send(&anon, &app, route, None).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "anonymous {} {}",
            route.method,
            route.path
        );
        assert_eq!(location(&res), "/login");
    }
    for route in &apis {
        let res = send(&anon, &app, route, None).await;
        let body: Value =
            serde_json::from_str(&expect_status(res, StatusCode::UNAUTHORIZED, &route.path).await)
                .unwrap();
        assert_eq!(body["code"], "unauthorized");
        let res = send(&anon, &app, route, Some("not-a-token")).await;
        expect_status(res, StatusCode::UNAUTHORIZED, &route.path).await;
    }

    for username in ONE_PER_ROLE {
        let role = role_of(username);
        let browser = app.login(username).await;
        for route in &pages {
            let res = send(&browser, &app, route, None).await;
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
                assert_ne!(status, StatusCode::SEE_OTHER, "{what}: session lost");
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} must be refused: {body}"
                );
                assert!(body.contains("无权"), "{what}: Chinese refusal");
            }
        }
        let token = app.api_token(username).await;
        for route in &apis {
            let res = send(&app.public(), &app, route, Some(&token)).await;
            let status = res.status();
            let what = format!(
                "{username} ({}) API {} {}",
                role.as_str(),
                route.method,
                route.path
            );
            let body = res.text().await.unwrap_or_default();
            assert!(!status.is_server_error(), "{what}: {status} {body}");
            if (route.allowed)(role) {
                assert!(
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                    "{what} is allowed but got {status}: {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{what} must be refused: {body}"
                );
                let v: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v["code"], "forbidden");
            }
        }
    }
    // Nothing any of that did changed a clue.
    assert_eq!(app.store.count_clues().await.unwrap(), clues_before);
    let jiwei = app.actor("jiwei").await;
    let c = app.store.clue_in_scope(&jiwei, &clue).await.unwrap();
    assert_eq!((c.state.as_str(), c.supervised), ("registered", false));
    assert!(
        app.store.users().await.unwrap().iter().all(|u| !u.disabled),
        "no account was disabled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn district_a_cannot_reach_a_clue_of_district_b() {
    on_each_backend(scope_between_districts).await
}

async fn scope_between_districts(app: TestApp) {
    let (clue_b, number_b, att_b) = tip_with_attachment(&app).await;
    app.assign(&clue_b, DISTRICT_B_CHILD).await;
    let (clue_a, number_a) = app
        .clue_in(
            DISTRICT_A_CHILD,
            None,
            "甲区派出所民警接受吃请，督导组检查发现。",
        )
        .await;
    let detail_a = format!("/clues/{clue_a}");

    let jiwei_a = app.login("jiwei_a").await;
    let csrf = app.csrf(&jiwei_a, &detail_a).await;

    // Read, change, message, download, unseal: all 404 for district B's clue, as for a missing one.
    for (what, res) in [
        (
            "read",
            jiwei_a
                .get(app.url(&format!("/clues/{clue_b}")))
                .send()
                .await
                .unwrap(),
        ),
        (
            "step",
            jiwei_a
                .post(app.url(&format!("/clues/{clue_b}/step")))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("action", "verify"),
                    ("note", "核查情况说明文字"),
                ])
                .send()
                .await
                .unwrap(),
        ),
        (
            "assign",
            jiwei_a
                .post(app.url(&format!("/clues/{clue_b}/step")))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("action", "assign"),
                    ("unit_id", app.unit_id(DISTRICT_A).as_str()),
                ])
                .send()
                .await
                .unwrap(),
        ),
        (
            "message",
            jiwei_a
                .post(app.url(&format!("/clues/{clue_b}/message")))
                .form(&[("csrf", csrf.as_str()), ("body", "请补充材料")])
                .send()
                .await
                .unwrap(),
        ),
        (
            "attachment",
            jiwei_a
                .get(app.url(&format!("/clues/{clue_b}/attachments/{att_b}")))
                .send()
                .await
                .unwrap(),
        ),
        (
            "unseal",
            jiwei_a
                .post(app.url(&format!("/unseal/request/{clue_b}")))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("reason", "需要联系举报人核实具体情况"),
                ])
                .send()
                .await
                .unwrap(),
        ),
        (
            "missing",
            jiwei_a
                .get(app.url("/clues/00000000-0000-0000-0000-000000000000"))
                .send()
                .await
                .unwrap(),
        ),
    ] {
        let body = expect_status(res, StatusCode::NOT_FOUND, what).await;
        assert!(
            !body.contains(&number_b),
            "{what}: the 404 page names the clue"
        );
    }
    let office_a = app.login("office_a").await;
    let csrf_o = app.csrf(&office_a, &detail_a).await;
    let res = office_a
        .post(app.url(&format!("/clues/{clue_b}/supervise")))
        .form(&[
            ("csrf", csrf_o.as_str()),
            ("on", "1"),
            ("note", "限期报送核查情况"),
        ])
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "supervise").await;
    // Nor can district A hand its own clue to district B.
    let res = office_a
        .post(app.url(&format!("/clues/{clue_a}/step")))
        .form(&[
            ("csrf", csrf_o.as_str()),
            ("action", "assign"),
            ("unit_id", app.unit_id(DISTRICT_B).as_str()),
        ])
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::BAD_REQUEST, "assign to another district").await;
    assert!(page.contains("权限范围内的承办单位"));

    let jiwei = app.actor("jiwei").await;
    let b = app.store.clue_in_scope(&jiwei, &clue_b).await.unwrap();
    assert_eq!(
        (b.state.as_str(), b.supervised, b.unit_id.clone()),
        ("assigned", false, app.unit_id(DISTRICT_B_CHILD))
    );
    assert!(
        app.store
            .tip_content(&jiwei, &clue_b)
            .await
            .unwrap()
            .messages
            .is_empty(),
        "no message reached B's reporter"
    );
    assert!(app.store.unseal_requests(None).await.unwrap().is_empty());

    // Lists and exports in district A show A's clue and never B's, whatever the filter asks for.
    let list = jiwei_a
        .get(app.url("/clues"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&number_a) && !list.contains(&number_b));
    let list = jiwei_a
        .get(app.url(&format!("/clues?unit={}", app.unit_id(DISTRICT_B_CHILD))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&number_b));
    let xlsx = jiwei_a
        .get(app.url("/clues/export"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = unzip_all(&xlsx);
    assert!(
        common::contains(&text, number_a.as_bytes()),
        "export has A's clue"
    );
    assert!(
        !common::contains(&text, number_b.as_bytes())
            && !common::contains(&xlsx, number_b.as_bytes()),
        "export leaks B's clue"
    );

    // The API: the same answers.
    let token = app.api_token("jiwei_a").await;
    let c = app.public();
    for (what, res) in [
        (
            "api read",
            c.get(app.url(&format!("/api/v1/clues/{clue_b}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        ),
        (
            "api tip",
            c.get(app.url(&format!("/api/v1/clues/{clue_b}/tip")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        ),
        (
            "api step",
            c.post(app.url(&format!("/api/v1/clues/{clue_b}/steps")))
                .bearer_auth(&token)
                .json(&json!({ "action": "dispose", "method": "hold" }))
                .send()
                .await
                .unwrap(),
        ),
    ] {
        let v: Value =
            serde_json::from_str(&expect_status(res, StatusCode::NOT_FOUND, what).await).unwrap();
        assert_eq!(v["code"], "not_found");
    }
    let office_token = app.api_token("office_a").await;
    let res = c
        .post(app.url(&format!("/api/v1/clues/{clue_b}/supervise")))
        .bearer_auth(&office_token)
        .json(&json!({ "on": true, "note": "限期报送" }))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "api supervise").await;
    let list: Value = c
        .get(app.url("/api/v1/clues?per_page=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [number_a.as_str()]);
    assert_eq!(list["total"], 1);
    let list: Value = c
        .get(app.url(&format!(
            "/api/v1/clues?unit={}",
            app.unit_id(DISTRICT_B_CHILD)
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let xlsx = c
        .get(app.url("/api/v1/clues/export"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = unzip_all(&xlsx);
    assert!(
        common::contains(&text, number_a.as_bytes())
            && !common::contains(&text, number_b.as_bytes())
    );

    let b = app.store.clue_in_scope(&jiwei, &clue_b).await.unwrap();
    assert_eq!(
        (b.state.as_str(), b.supervised),
        ("assigned", false),
        "B's clue is untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_never_sees_a_clue_about_themself() {
    on_each_backend(no_clue_about_oneself).await
}

async fn no_clue_about_oneself(app: TestApp) {
    // The office registers a clue naming the district A leader's badge, through the API, and hands it to A.
    let office = app.api_token("office").await;
    let c = app.public();
    let res = c
        .post(app.url("/api/v1/clues"))
        .bearer_auth(&office)
        .json(&json!({ "source": "upper_referral", "category": "illegal_business", "accused_name": "吴建国", "accused_badge": BADGE_LEADER_A, "summary": "上级交办：反映其配偶违规经营娱乐场所。" }))
        .send()
        .await
        .unwrap();
    let created: Value =
        serde_json::from_str(&expect_status(res, StatusCode::CREATED, "register").await).unwrap();
    let self_id = created["id"].as_str().unwrap().to_string();
    let self_number = created["number"].as_str().unwrap().to_string();
    let res = c
        .post(app.url(&format!("/api/v1/clues/{self_id}/steps")))
        .bearer_auth(&office)
        .json(&json!({ "action": "assign", "unit_id": app.unit_id(DISTRICT_A) }))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::OK, "assign to A").await;
    let (other_id, other_number) = app
        .clue_in(DISTRICT_A, None, "甲区公安分局某民警酒后驾驶。")
        .await;

    // The leader reads district A's clues, but not the one about himself: not in lists, not by id.
    let leader = app.login("leader_a").await;
    let list = leader
        .get(app.url("/clues"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains(&other_number),
        "the leader sees other clues of A"
    );
    assert!(
        !list.contains(&self_number),
        "the leader sees the clue about himself"
    );
    let list = leader
        .get(app.url(&format!("/clues?q={}", common::random_suffix())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&self_number));
    let list = leader
        .get(app.url("/clues?q=%E5%90%B4%E5%BB%BA%E5%9B%BD"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains(&self_number),
        "searching his own name finds nothing"
    );
    let res = leader
        .get(app.url(&format!("/clues/{self_id}")))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "detail about oneself").await;
    let res = leader
        .get(app.url(&format!("/clues/{other_id}")))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::OK, "detail of another clue").await;
    let xlsx = leader
        .get(app.url("/clues/export"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = unzip_all(&xlsx);
    assert!(
        common::contains(&text, other_number.as_bytes())
            && !common::contains(&text, self_number.as_bytes())
    );
    let dash = leader
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!dash.contains(&self_number));

    let token = app.api_token("leader_a").await;
    let res = c
        .get(app.url(&format!("/api/v1/clues/{self_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "api detail about oneself").await;
    let list: Value = c
        .get(app.url("/api/v1/clues"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert!(numbers.contains(&other_number.as_str()) && !numbers.contains(&self_number.as_str()));
    let xlsx = c
        .get(app.url("/api/v1/clues/export"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(!common::contains(&unzip_all(&xlsx), self_number.as_bytes()));

    // Someone else in district A does see it: the rule is about the person, not the unit.
    let jiwei_a = app.api_token("jiwei_a").await;
    let res = c
        .get(app.url(&format!("/api/v1/clues/{self_id}")))
        .bearer_auth(&jiwei_a)
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::OK, "another inspector of A").await;
}
