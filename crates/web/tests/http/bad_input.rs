//! Bad input on every form and API route: empty, wrong types, malformed UTF-8, a 10 MB text, SQL and HTML,
//! `../` in file names, forged CSRF tokens, oversized uploads. Each gets a 4xx with a Chinese message (a
//! page, or JSON with a code), never a 500, and leaves nothing half-written behind.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::{self, TestApp, expect_status, on_each_backend, tip};

fn chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

const CODES: &[&str] = &[
    "bad_request",
    "invalid",
    "not_found",
    "forbidden",
    "unauthorized",
    "conflict",
    "too_many_requests",
    "payload_too_large",
];

/// A 4xx JSON error with a known code and a Chinese message.
async fn json_error(res: reqwest::Response, what: &str) -> Value {
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    assert!(
        status.is_client_error(),
        "{what}: wanted 4xx, got {status}: {}",
        body.chars().take(300).collect::<String>()
    );
    let v: Value = serde_json::from_str(&body).unwrap_or_else(|_| {
        panic!(
            "{what}: not JSON: {}",
            body.chars().take(300).collect::<String>()
        )
    });
    assert!(
        CODES.contains(&v["code"].as_str().unwrap_or("")),
        "{what}: code {}",
        v["code"]
    );
    assert!(
        chinese(v["message"].as_str().unwrap_or("")),
        "{what}: message not in Chinese: {}",
        v["message"]
    );
    v
}

/// A 4xx HTML page with a Chinese message.
async fn page_error(res: reqwest::Response, what: &str) -> String {
    let status = res.status();
    let ct = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.text().await.unwrap_or_default();
    assert!(status.is_client_error(), "{what}: wanted 4xx, got {status}");
    assert!(
        ct.starts_with("text/html"),
        "{what}: content type {ct}: {}",
        body.chars().take(200).collect::<String>()
    );
    assert!(chinese(&body), "{what}: no Chinese message");
    body
}

fn ten_mb() -> String {
    "举".repeat(10 * 1024 * 1024 / 3 + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_public_submissions_are_refused_and_leave_nothing_behind() {
    on_each_backend(bad_public_input).await
}

async fn bad_public_input(app: TestApp) {
    let c = app.public();
    let url = app.url("/api/v1/public/tips");
    let counts = || async {
        (
            app.store.count_tips().await.unwrap(),
            app.store.count_clues().await.unwrap(),
        )
    };
    let before = counts().await;

    let raw = |ct: &'static str, body: Vec<u8>| c.post(&url).header(CONTENT_TYPE, ct).body(body);
    json_error(
        raw("application/json", vec![]).send().await.unwrap(),
        "empty JSON body",
    )
    .await;
    let v = json_error(
        c.post(&url).json(&json!({})).send().await.unwrap(),
        "empty JSON object",
    )
    .await;
    assert_eq!(v["code"], "invalid");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["category", "description"]);
    json_error(
        c.post(&url)
            .json(&json!({ "category": 5, "description": ["x"] }))
            .send()
            .await
            .unwrap(),
        "wrong types",
    )
    .await;
    json_error(
        raw(
            "application/json",
            b"{\"category\":\"conduct\",\"description\":\"\xff\xfe\xfd invalid utf8 bytes here\"}"
                .to_vec(),
        )
        .send()
        .await
        .unwrap(),
        "malformed UTF-8 JSON",
    )
    .await;
    let v = json_error(
        c.post(&url)
            .json(&json!({ "category": "conduct", "description": ten_mb() }))
            .send()
            .await
            .unwrap(),
        "10 MB description",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "description");
    json_error(
        raw("text/plain", b"category=conduct".to_vec())
            .send()
            .await
            .unwrap(),
        "wrong content type",
    )
    .await;
    let bad_key = c
        .post(&url)
        .header("Idempotency-Key", "key with spaces and 中文".as_bytes())
        .json(&tip("内容足够长的举报描述文字。"))
        .send()
        .await
        .unwrap();
    json_error(bad_key, "unprintable idempotency key").await;

    // Multipart: malformed UTF-8 in a text field, too many files, a file that is no allowed type.
    let bad_utf8 = Form::new().text("category", "conduct").part(
        "description",
        Part::bytes(b"\xff\xfe not utf-8 at all \xc3\x28".to_vec()),
    );
    json_error(
        c.post(&url).multipart(bad_utf8).send().await.unwrap(),
        "multipart malformed UTF-8",
    )
    .await;
    let mut six = Form::new()
        .text("category", "conduct")
        .text("description", "附件太多的举报，描述文字足够长。");
    for i in 0..6 {
        six = six.part(
            "attachments",
            Part::bytes(common::tiny_png()).file_name(format!("{i}.png")),
        );
    }
    json_error(
        c.post(&url).multipart(six).send().await.unwrap(),
        "six attachments",
    )
    .await;
    let exe = Form::new()
        .text("category", "conduct")
        .text("description", "附件是可执行文件的举报描述文字。")
        .part(
            "attachments",
            Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec())
                .file_name("evil.exe"),
        );
    let v = json_error(
        c.post(&url).multipart(exe).send().await.unwrap(),
        "executable attachment",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "attachments");
    let garbled = c
        .post(&url)
        .header(CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
        .body("--XyZ\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nconduct\r\n--Xy")
        .send()
        .await
        .unwrap();
    json_error(garbled, "truncated multipart").await;
    // Past the body limit (5 × 10 MB + 1 MB): refused before it is stored.
    let big = Form::new()
        .text("category", "conduct")
        .text("description", "超大附件的举报描述文字。")
        .part(
            "attachments",
            Part::bytes(vec![b'a'; 52 * 1024 * 1024]).file_name("big.txt"),
        );
    // A client of its own: the server answers before reading the whole body and then drops the connection.
    match app.public().post(&url).multipart(big).send().await {
        Ok(res) => {
            let v = json_error(res, "oversized multipart").await;
            assert_eq!(v["code"], "payload_too_large");
        }
        // The answer may also be lost in the closed connection; what matters is that nothing was stored.
        Err(e) => assert!(e.is_request() || e.is_body(), "oversized upload: {e}"),
    }

    let big = Form::new()
        .text("category", "conduct")
        .text("description", "超大附件的举报描述文字。")
        .part(
            "attachments",
            Part::bytes(vec![b'a'; 52 * 1024 * 1024]).file_name("big.txt"),
        );
    if let Ok(res) = app
        .public()
        .post(app.url("/report"))
        .multipart(big)
        .send()
        .await
    {
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        page_error(res, "oversized form").await;
    }

    // The HTML form answers with the form again, in Chinese, for a 10 MB text and for malformed UTF-8.
    let form = Form::new()
        .text("category", "conduct")
        .text("description", ten_mb());
    let page = page_error(
        c.post(app.url("/report"))
            .multipart(form)
            .send()
            .await
            .unwrap(),
        "10 MB on the form",
    )
    .await;
    assert!(page.contains("举报内容不能超过"));
    let form = Form::new()
        .text("category", "conduct")
        .part("description", Part::bytes(b"\xc3\x28\xa0\xa1".to_vec()));
    let page = page_error(
        c.post(app.url("/report"))
            .multipart(form)
            .send()
            .await
            .unwrap(),
        "malformed UTF-8 on the form",
    )
    .await;
    assert!(page.contains("UTF-8"));
    assert_eq!(
        counts().await,
        before,
        "a refused submission left something behind"
    );
    let attachments = app
        .data_files()
        .into_iter()
        .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "attachments"))
        .count();
    assert_eq!(attachments, 0, "a refused upload left a file behind");

    // Lookups and messages with bad bodies.
    let lookup = app.url("/api/v1/public/tips/lookup");
    json_error(
        c.post(&lookup)
            .header(CONTENT_TYPE, "application/json")
            .body("")
            .send()
            .await
            .unwrap(),
        "empty lookup",
    )
    .await;
    json_error(
        c.post(&lookup)
            .json(&json!({ "receipt": 12345 }))
            .send()
            .await
            .unwrap(),
        "numeric receipt",
    )
    .await;
    json_error(
        c.post(&lookup)
            .json(&json!({ "receipt": "' OR 1=1 --" }))
            .send()
            .await
            .unwrap(),
        "SQL as receipt",
    )
    .await;
    let (receipt, _) = app
        .submit_tip(&tip("用于留言测试的举报，描述文字足够长。"))
        .await;
    let msgs = app.url("/api/v1/public/tips/messages");
    json_error(
        c.post(&msgs)
            .json(&json!({ "receipt": receipt, "body": "" }))
            .send()
            .await
            .unwrap(),
        "empty message",
    )
    .await;
    json_error(
        c.post(&msgs)
            .json(&json!({ "receipt": receipt, "body": ten_mb() }))
            .send()
            .await
            .unwrap(),
        "10 MB message",
    )
    .await;
    let page = c
        .post(app.url("/lookup/reply"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("receipt={}&body=%FF%FE", receipt.replace(' ', "+")))
        .send()
        .await
        .unwrap();
    assert!(
        page_error(page, "malformed UTF-8 reply")
            .await
            .contains("UTF-8")
    );
    let v: Value = c
        .post(&lookup)
        .json(&json!({ "receipt": receipt }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["messages"], json!([]), "no message was stored");

    // SQL and HTML are just text: stored as typed, shown escaped.
    let sql = "'); DROP TABLE clues; -- <script>alert('x')</script>";
    let mut t = tip(&format!("反映情况如下：{sql} 以上内容属实。"));
    t["accused_name"] = "<b>王</b>' OR '1'='1".into();
    let (_, number) = app.submit_tip(&t).await;
    let png = common::tiny_png();
    let form = Form::new()
        .text("category", "conduct")
        .text("description", "附件文件名含有上级目录的举报。")
        .part(
            "attachments",
            Part::bytes(png.clone()).file_name("../../../etc/passwd.png"),
        );
    let v: Value = serde_json::from_str(
        &expect_status(
            c.post(&url).multipart(form).send().await.unwrap(),
            StatusCode::CREATED,
            "../ file name",
        )
        .await,
    )
    .unwrap();
    let (dots_clue, _) = app.clue_of_tip(v["number"].as_str().unwrap()).await;
    let (clue_id, _) = app.clue_of_tip(&number).await;
    let staff = app.login("jiwei").await;
    let page = staff
        .get(app.url(&format!("/clues/{clue_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>alert"), "script shown unescaped");
    assert!(
        page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
        "script text not shown escaped"
    );
    assert!(!page.contains("<b>王</b>"));
    let token = app.api_token("jiwei").await;
    let tc: Value = c
        .get(app.url(&format!("/api/v1/clues/{clue_id}/tip")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        tc["description"].as_str().unwrap().contains(sql),
        "stored exactly as typed"
    );
    let d: Value = c
        .get(app.url(&format!("/api/v1/clues/{clue_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["clue"]["accused_name"], "<b>王</b>' OR '1'='1");
    let tc: Value = c
        .get(app.url(&format!("/api/v1/clues/{dots_clue}/tip")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        tc["attachments"][0]["name"], "passwd.png",
        "the file name lost its directories"
    );
    // Files live only under server-made names inside the data folder.
    for (p, _) in app.data_files() {
        assert!(!p.to_string_lossy().contains("passwd"), "{p:?}");
    }
    assert!(!app.data_dir.parent().unwrap().join("etc").exists());
    assert_eq!(
        counts().await,
        (before.0 + 3, before.1 + 3),
        "the tables are intact and hold the three good tips"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_csrf_token_is_refused_on_every_staff_form() {
    on_each_backend(forged_csrf).await
}

async fn forged_csrf(app: TestApp) {
    let (_, number) = app
        .submit_tip(&tip("用于表单测试的举报，描述文字足够长。"))
        .await;
    let (clue, _) = app.clue_of_tip(&number).await;
    let jiwei = app.login("jiwei").await;
    let office = app.login("office").await;
    let keeper = app.login("baoguan").await;
    let auditor = app.login("shenji").await;
    let admin = app.login("admin").await;
    let clues_before = app.store.count_clues().await.unwrap();

    let forms: Vec<(&reqwest::Client, String, Vec<(&str, &str)>)> = vec![
        (
            &jiwei,
            "/clues/new".into(),
            vec![
                ("source", "inspection"),
                ("category", "conduct"),
                ("summary", "督导检查发现的问题"),
            ],
        ),
        (
            &jiwei,
            format!("/clues/{clue}/step"),
            vec![("action", "assign"), ("unit_id", "x")],
        ),
        (
            &jiwei,
            format!("/clues/{clue}/message"),
            vec![("body", "请补充材料")],
        ),
        (
            &jiwei,
            format!("/unseal/request/{clue}"),
            vec![("reason", "需要联系举报人核实具体情况")],
        ),
        (
            &jiwei,
            "/account/password".into(),
            vec![
                ("current", common::PASSWORD),
                ("new", "Brand-new-pass-2026"),
                ("confirm", "Brand-new-pass-2026"),
            ],
        ),
        (&jiwei, "/account/totp".into(), vec![("code", "123456")]),
        (&jiwei, "/logout".into(), vec![]),
        (
            &office,
            format!("/clues/{clue}/supervise"),
            vec![("on", "1"), ("note", "限期报送")],
        ),
        (
            &keeper,
            "/unseal/00000000-0000-0000-0000-000000000000/decide".into(),
            vec![("decision", "approve")],
        ),
        (&auditor, "/audit/verify".into(), vec![]),
        (
            &admin,
            "/org/users".into(),
            vec![
                ("username", "mallory"),
                ("display_name", "某人"),
                ("role", "sysadmin"),
                ("unit_code", common::ROOT),
                ("scope", "all"),
                ("password", "Mallory-pass-2026"),
            ],
        ),
        (&admin, "/org/users/office/disable".into(), vec![]),
        (
            &admin,
            "/org/users/office/password".into(),
            vec![("password", "Another-pass-2026")],
        ),
    ];
    for (client, path, fields) in &forms {
        for token in [Some("forged-token"), Some(""), None] {
            let mut f = fields.clone();
            if let Some(t) = token {
                f.push(("csrf", t));
            }
            let res = client.post(app.url(path)).form(&f).send().await.unwrap();
            let body = page_error(res, &format!("POST {path} with csrf {token:?}")).await;
            assert!(
                body.contains("CSRF") || body.contains("页面已过期"),
                "POST {path}: the refusal says why"
            );
        }
    }
    for path in ["/org/units/import", "/org/officers/import"] {
        let form = Form::new().text("csrf", "forged-token").part(
            "file",
            Part::bytes(b"PK\x03\x04".to_vec()).file_name("a.xlsx"),
        );
        page_error(
            admin
                .post(app.url(path))
                .multipart(form)
                .send()
                .await
                .unwrap(),
            path,
        )
        .await;
    }

    // Nothing happened: no clue, no message, no request, no account change, still signed in.
    assert_eq!(app.store.count_clues().await.unwrap(), clues_before);
    let actor = app.actor("jiwei").await;
    let c = app.store.clue_in_scope(&actor, &clue).await.unwrap();
    assert_eq!((c.state.as_str(), c.supervised), ("registered", false));
    assert!(
        app.store
            .tip_content(&actor, &clue)
            .await
            .unwrap()
            .messages
            .is_empty()
    );
    assert!(app.store.unseal_requests(None).await.unwrap().is_empty());
    assert!(
        app.store
            .users()
            .await
            .unwrap()
            .iter()
            .all(|u| u.username != "mallory" && !u.disabled)
    );
    assert_eq!(
        jiwei.get(app.url("/clues")).send().await.unwrap().status(),
        StatusCode::OK,
        "the forged logout did not sign out"
    );
    assert_eq!(
        office.get(app.url("/clues")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let res = app.browser();
    assert_eq!(
        app.login_with(&res, "jiwei", common::PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "password unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_staff_input_is_refused_with_a_clear_message() {
    on_each_backend(bad_staff_input).await
}

async fn bad_staff_input(app: TestApp) {
    let (_, number) = app
        .submit_tip(&tip("用于输入测试的举报，描述文字足够长。"))
        .await;
    let (clue, _) = app.clue_of_tip(&number).await;
    let token = app.api_token("jiwei").await;
    let office = app.api_token("office").await;
    let c = app.public();
    let clues_before = app.store.count_clues().await.unwrap();
    let post = |path: &str, t: &str| c.post(app.url(path)).bearer_auth(t.to_string());

    // Registering through the API.
    let ct = "application/json";
    json_error(
        post("/api/v1/clues", &token)
            .header(CONTENT_TYPE, ct)
            .body("")
            .send()
            .await
            .unwrap(),
        "empty body",
    )
    .await;
    json_error(
        post("/api/v1/clues", &token)
            .header(CONTENT_TYPE, ct)
            .body("{\"source\":")
            .send()
            .await
            .unwrap(),
        "truncated JSON",
    )
    .await;
    json_error(
        post("/api/v1/clues", &token)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        "empty object",
    )
    .await;
    json_error(
        post("/api/v1/clues", &token)
            .json(&json!({ "source": 5, "category": true, "summary": {} }))
            .send()
            .await
            .unwrap(),
        "wrong types",
    )
    .await;
    json_error(post("/api/v1/clues", &token).header(CONTENT_TYPE, ct).body(b"{\"source\":\"inspection\",\"category\":\"conduct\",\"summary\":\"\xff\xfe\xfd\xfc\xfb\"}".to_vec()).send().await.unwrap(), "malformed UTF-8").await;
    json_error(
        post("/api/v1/clues", &token)
            .body("source=inspection")
            .send()
            .await
            .unwrap(),
        "no content type",
    )
    .await;
    let v = json_error(
        post("/api/v1/clues", &token)
            .json(&json!({ "source": "inspection", "category": "conduct", "summary": ten_mb() }))
            .send()
            .await
            .unwrap(),
        "10 MB summary",
    )
    .await;
    assert_eq!(v["field"], "summary");
    let v = json_error(post("/api/v1/clues", &token).json(&json!({ "source": "public_tip", "category": "conduct", "summary": "冒充群众举报登记" })).send().await.unwrap(), "public_tip source").await;
    assert_eq!(v["field"], "source");
    let v = json_error(post("/api/v1/clues", &token).json(&json!({ "source": "inspection", "category": "conduct", "summary": "不在花名册的警号", "accused_badge": "NOPE-1" })).send().await.unwrap(), "unknown badge").await;
    assert_eq!(v["field"], "accused_badge");
    json_error(post("/api/v1/clues", &token).json(&json!({ "source": "inspection", "category": "conduct", "summary": "控制字符\u{0}在这里" })).send().await.unwrap(), "control character").await;

    // Steps and supervision.
    let steps = format!("/api/v1/clues/{clue}/steps");
    json_error(
        post(&steps, &token)
            .json(&json!({ "action": 5 }))
            .send()
            .await
            .unwrap(),
        "numeric action",
    )
    .await;
    let v = json_error(
        post(&steps, &token)
            .json(&json!({ "action": "bogus" }))
            .send()
            .await
            .unwrap(),
        "unknown action",
    )
    .await;
    assert_eq!(v["field"], "action");
    json_error(
        post(&steps, &token)
            .json(&json!({ "action": "assign", "unit_id": "../../etc" }))
            .send()
            .await
            .unwrap(),
        "unknown unit",
    )
    .await;
    json_error(
        post(&steps, &token)
            .json(&json!({ "action": "dispose", "method": "'; DROP TABLE clues; --" }))
            .send()
            .await
            .unwrap(),
        "SQL as method",
    )
    .await;
    let sup = format!("/api/v1/clues/{clue}/supervise");
    json_error(
        post(&sup, &office)
            .json(&json!({ "on": "yes" }))
            .send()
            .await
            .unwrap(),
        "string for bool",
    )
    .await;
    json_error(
        post(&sup, &office)
            .json(&json!({ "on": true }))
            .send()
            .await
            .unwrap(),
        "supervise without a note",
    )
    .await;
    json_error(
        post(&sup, &office)
            .json(&json!({ "on": true, "note": ten_mb() }))
            .send()
            .await
            .unwrap(),
        "10 MB note",
    )
    .await;

    // The list's query string.
    for q in [
        "per_page=0",
        "per_page=101",
        "per_page=abc",
        "page=0",
        "page=-1",
        "page=99999999999999999999",
        "state=bogus",
        "category=x",
        "source=y",
        "overdue=maybe",
        "page=1&page=2",
    ] {
        let res = c
            .get(app.url(&format!("/api/v1/clues?{q}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        json_error(res, q).await;
    }
    let res = c
        .get(app.url("/api/v1/clues?q=%27%20OR%201%3D1%20--&per_page=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let v: Value =
        serde_json::from_str(&expect_status(res, StatusCode::OK, "SQL in q").await).unwrap();
    assert_eq!(v["total"], 0, "the search is a search, not SQL");

    // The token endpoint.
    let tok = app.url("/api/v1/auth/token");
    json_error(
        c.post(&tok).json(&json!({})).send().await.unwrap(),
        "empty login",
    )
    .await;
    json_error(
        c.post(&tok)
            .json(&json!({ "username": 5, "password": [] }))
            .send()
            .await
            .unwrap(),
        "wrong login types",
    )
    .await;
    json_error(
        c.post(&tok)
            .header(CONTENT_TYPE, ct)
            .body("not json")
            .send()
            .await
            .unwrap(),
        "login not JSON",
    )
    .await;
    let v = json_error(
        c.post(&tok)
            .json(&json!({ "username": "' OR '1'='1", "password": "' OR '1'='1" }))
            .send()
            .await
            .unwrap(),
        "SQL login",
    )
    .await;
    assert_eq!(v["code"], "unauthorized");

    let jiwei = app.actor("jiwei").await;
    assert_eq!(
        app.store.clue_in_scope(&jiwei, &clue).await.unwrap().state,
        "registered"
    );
    assert_eq!(
        app.store.count_clues().await.unwrap(),
        clues_before,
        "a refused registration left a clue behind"
    );

    // The registration page: a 10 MB summary and malformed UTF-8 are refused; SQL and HTML are stored and escaped.
    let b = app.login("jiwei").await;
    let csrf = app.csrf(&b, "/clues/new").await;
    let res = b
        .post(app.url("/clues/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("source", "inspection"),
            ("category", "conduct"),
            ("summary", ten_mb().as_str()),
        ])
        .send()
        .await
        .unwrap();
    let page = page_error(res, "10 MB summary on the page").await;
    assert!(page.contains("线索摘要不能超过"));
    let res = b
        .post(app.url("/clues/new"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&source=inspection&category=conduct&summary=%FF%FE%FD"
        ))
        .send()
        .await
        .unwrap();
    assert!(
        page_error(res, "malformed UTF-8 on the page")
            .await
            .contains("UTF-8")
    );
    let res = b
        .post(app.url("/clues/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("source", "public_tip"),
            ("category", "conduct"),
            ("summary", "冒充群众举报"),
        ])
        .send()
        .await
        .unwrap();
    page_error(res, "public_tip on the page").await;
    let res = b
        .post(app.url("/clues/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("source", "bogus"),
            ("category", "conduct"),
            ("summary", "来源不对"),
        ])
        .send()
        .await
        .unwrap();
    page_error(res, "unknown source on the page").await;
    assert_eq!(app.store.count_clues().await.unwrap(), clues_before);
    let html = "<img src=x onerror=alert(1)> '; DELETE FROM clues; --";
    let res = b
        .post(app.url("/clues/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("source", "inspection"),
            ("category", "conduct"),
            ("accused_name", "<i>赵</i>"),
            ("summary", html),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let detail = common::location(&res);
    let page = b
        .get(app.url(&detail))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("<img src=x") && !page.contains("<i>赵</i>"),
        "HTML shown unescaped"
    );
    assert!(page.contains("&lt;img src=x") || page.contains("&#60;img src=x"));
    assert_eq!(app.store.count_clues().await.unwrap(), clues_before + 1);
}
