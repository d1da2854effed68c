//! The OpenAPI document: served, well-formed, it lists every API route the app answers, and real answers
//! of each route match the schema the document gives for that route and status, property by property.

use reqwest::StatusCode;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::common::{DISTRICT_A, TestApp, expect_status, on_each_backend, spawn_app, tip};

const OPERATIONS: [(&str, &str); 12] = [
    ("/api/v1/public/tips", "post"),
    ("/api/v1/public/tips/lookup", "post"),
    ("/api/v1/public/tips/messages", "post"),
    ("/api/v1/auth/token", "post"),
    ("/api/v1/clues", "get"),
    ("/api/v1/clues", "post"),
    ("/api/v1/clues/export", "get"),
    ("/api/v1/clues/{id}", "get"),
    ("/api/v1/clues/{id}/steps", "post"),
    ("/api/v1/clues/{id}/supervise", "post"),
    ("/api/v1/clues/{id}/tip", "get"),
    ("/api/v1/progress", "get"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_api_route() {
    let app = spawn_app().await;
    let res = app
        .public()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/json");
    let doc: Value =
        serde_json::from_str(&expect_status(res, StatusCode::OK, "openapi").await).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    for (p, m) in OPERATIONS {
        let op = &paths[p][m];
        assert!(op.is_object(), "{m} {p} missing");
        let public = p.starts_with("/api/v1/public") || p == "/api/v1/auth/token";
        assert_eq!(
            op["security"].as_array().map(Vec::len),
            Some(usize::from(!public)),
            "{m} {p} security"
        );
    }
    let ops: usize = paths.values().map(|v| v.as_object().unwrap().len()).sum();
    assert_eq!(
        ops,
        OPERATIONS.len(),
        "the document describes a route that does not exist"
    );

    // Every path in the document is routed (no 404 from the router, no 405).
    let c = app.public();
    for (p, m) in OPERATIONS {
        let url = app.url(&p.replace("{id}", "00000000-0000-0000-0000-000000000000"));
        let res = if m == "get" {
            c.get(url).send().await.unwrap()
        } else {
            c.post(url).json(&json!({})).send().await.unwrap()
        };
        let s = res.status();
        assert!(
            s != StatusCode::METHOD_NOT_ALLOWED && !s.is_server_error(),
            "{m} {p}: {s}"
        );
        if !p.contains("{id}") {
            assert_ne!(s, StatusCode::NOT_FOUND, "{m} {p} is not routed");
        }
    }

    // The error codes it lists are the ones the API sends.
    let codes: Vec<&str> = doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for c in [
        "not_found",
        "forbidden",
        "unauthorized",
        "invalid",
        "bad_request",
        "conflict",
        "too_many_requests",
        "payload_too_large",
        "unavailable",
        "totp_required",
        "totp_enrollment_required",
    ] {
        assert!(codes.contains(&c), "{c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_answers_match_the_documented_schemas() {
    on_each_backend(answers_match_schemas).await
}

async fn answers_match_schemas(app: TestApp) {
    let doc: Value = app
        .public()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut seen = Vec::new();
    let c = app.public();
    let mut check = |path: &str, method: &str, status: StatusCode, body: &Value| {
        conforms(&doc, path, method, status, body);
        seen.push((path.to_string(), method.to_string(), status.as_u16()));
    };

    // Public.
    let url = app.url("/api/v1/public/tips");
    let res = c
        .post(&url)
        .header("Idempotency-Key", "openapi-1")
        .json(&tip("用于核对接口文档的举报，描述文字足够长。"))
        .send()
        .await
        .unwrap();
    let (s, receipt) = (res.status(), res.json::<Value>().await.unwrap());
    check("/api/v1/public/tips", "post", s, &receipt);
    let res = c
        .post(&url)
        .header("Idempotency-Key", "openapi-1")
        .json(&tip("用于核对接口文档的举报，描述文字足够长。"))
        .send()
        .await
        .unwrap();
    check(
        "/api/v1/public/tips",
        "post",
        res.status(),
        &res.json().await.unwrap(),
    );
    let res = c
        .post(&url)
        .json(&json!({ "category": "nonsense" }))
        .send()
        .await
        .unwrap();
    check(
        "/api/v1/public/tips",
        "post",
        res.status(),
        &res.json().await.unwrap(),
    );
    let res = c
        .post(&url)
        .multipart(Form::new().text("category", "conduct"))
        .send()
        .await
        .unwrap();
    check(
        "/api/v1/public/tips",
        "post",
        res.status(),
        &res.json().await.unwrap(),
    );
    let lookup = app.url("/api/v1/public/tips/lookup");
    let msgs = app.url("/api/v1/public/tips/messages");
    let res = c
        .post(&msgs)
        .json(&json!({ "receipt": receipt["receipt"], "body": "补充一点情况" }))
        .send()
        .await
        .unwrap();
    check(
        "/api/v1/public/tips/messages",
        "post",
        res.status(),
        &res.json().await.unwrap(),
    );
    let res = c
        .post(&lookup)
        .json(&json!({ "receipt": receipt["receipt"] }))
        .send()
        .await
        .unwrap();
    check(
        "/api/v1/public/tips/lookup",
        "post",
        res.status(),
        &res.json().await.unwrap(),
    );
    for r in ["0000 0000 0000 0000 0000", "abc"] {
        let res = c
            .post(&lookup)
            .json(&json!({ "receipt": r }))
            .send()
            .await
            .unwrap();
        check(
            "/api/v1/public/tips/lookup",
            "post",
            res.status(),
            &res.json().await.unwrap(),
        );
        let res = c
            .post(&msgs)
            .json(&json!({ "receipt": r, "body": "x" }))
            .send()
            .await
            .unwrap();
        check(
            "/api/v1/public/tips/messages",
            "post",
            res.status(),
            &res.json().await.unwrap(),
        );
    }

    // Token.
    let tok = app.url("/api/v1/auth/token");
    for body in [
        json!({ "username": "jiwei", "password": "wrong-password-1" }),
        json!({}),
        json!({ "username": "jiwei", "password": crate::common::PASSWORD }),
    ] {
        let res = c.post(&tok).json(&body).send().await.unwrap();
        check(
            "/api/v1/auth/token",
            "post",
            res.status(),
            &res.json().await.unwrap(),
        );
    }
    let token = app.api_token("jiwei").await;
    let office = app.api_token("office").await;
    let shenji = app.api_token("shenji").await;
    let clue = clue_of_receipt(&app, &token).await;

    // Staff.
    let get = |path: String, t: &str| c.get(app.url(&path)).bearer_auth(t.to_string()).send();
    let post = |path: String, t: &str, body: Value| {
        c.post(app.url(&path))
            .bearer_auth(t.to_string())
            .json(&body)
            .send()
    };
    for (q, t) in [
        ("?per_page=5", &token),
        ("?per_page=0", &token),
        ("", &shenji),
    ] {
        let res = get(format!("/api/v1/clues{q}"), t).await.unwrap();
        check(
            "/api/v1/clues",
            "get",
            res.status(),
            &res.json().await.unwrap(),
        );
    }
    let res = c.get(app.url("/api/v1/clues")).send().await.unwrap();
    check(
        "/api/v1/clues",
        "get",
        res.status(),
        &res.json().await.unwrap(),
    );
    for body in [
        json!({ "source": "inspection", "category": "conduct", "summary": "督导检查发现的问题线索" }),
        json!({ "source": "public_tip" }),
    ] {
        let res = post("/api/v1/clues".into(), &token, body).await.unwrap();
        let (s, v) = (res.status(), res.json::<Value>().await.unwrap());
        check("/api/v1/clues", "post", s, &v);
    }
    for (id, t) in [
        (clue.as_str(), &token),
        ("nope", &token),
        (clue.as_str(), &shenji),
    ] {
        let res = get(format!("/api/v1/clues/{id}"), t).await.unwrap();
        check(
            "/api/v1/clues/{id}",
            "get",
            res.status(),
            &res.json().await.unwrap(),
        );
        let res = get(format!("/api/v1/clues/{id}/tip"), t).await.unwrap();
        check(
            "/api/v1/clues/{id}/tip",
            "get",
            res.status(),
            &res.json().await.unwrap(),
        );
    }
    for body in [
        json!({ "action": "close" }),
        json!({ "action": "assign", "unit_id": app.unit_id(DISTRICT_A) }),
        json!({ "action": 1 }),
    ] {
        let res = post(format!("/api/v1/clues/{clue}/steps"), &token, body)
            .await
            .unwrap();
        check(
            "/api/v1/clues/{id}/steps",
            "post",
            res.status(),
            &res.json().await.unwrap(),
        );
    }
    for (body, t) in [
        (json!({ "on": true, "note": "限期报送" }), &office),
        (json!({ "on": false }), &office),
        (json!({}), &office),
        (json!({ "on": true }), &token),
    ] {
        let res = post(format!("/api/v1/clues/{clue}/supervise"), t, body)
            .await
            .unwrap();
        check(
            "/api/v1/clues/{id}/supervise",
            "post",
            res.status(),
            &res.json().await.unwrap(),
        );
    }
    let res = get("/api/v1/clues/export?state=bogus".into(), &token)
        .await
        .unwrap();
    check(
        "/api/v1/clues/export",
        "get",
        res.status(),
        &res.json().await.unwrap(),
    );
    let res = get("/api/v1/clues/export".into(), &token).await.unwrap();
    assert_eq!(
        res.headers()["content-type"],
        doc["paths"]["/api/v1/clues/export"]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .as_str()
    );

    // Campaign progress: none yet (404), then one campaign; refused to a role without the campaign view.
    let res = get("/api/v1/progress".into(), &office).await.unwrap();
    check(
        "/api/v1/progress",
        "get",
        res.status(),
        &res.json().await.unwrap(),
    );
    let today = store::clues::today();
    let phases = domain::campaign::validate_phases(
        domain::campaign::CampaignTemplate::Education,
        &[0, 10, 20].map(|d| domain::campaign::PhaseDraft {
            starts: (today + chrono::Days::new(d)).to_string(),
            ends: (today + chrono::Days::new(d + 9)).to_string(),
            ..Default::default()
        }),
    )
    .unwrap();
    app.store
        .create_campaign(
            &app.actor("office").await,
            &store::campaign::NewCampaign {
                name: "全市政法队伍教育整顿".into(),
                template: domain::campaign::CampaignTemplate::Education,
                phases,
            },
        )
        .await
        .unwrap();
    for (q, t) in [("", &office), ("?unit=nope", &office), ("", &token)] {
        let res = get(format!("/api/v1/progress{q}"), t).await.unwrap();
        let (s, v) = (res.status(), res.json::<Value>().await.unwrap());
        if q.is_empty() && t == &office {
            assert_eq!(s, StatusCode::OK);
            assert_eq!(v["campaign"]["name"], "全市政法队伍教育整顿");
            assert_eq!(v["figures"]["counts"]["officers"], 3);
            assert_eq!(v["units"].as_array().map(Vec::len), Some(2));
        }
        check("/api/v1/progress", "get", s, &v);
    }

    // Every success status documented was seen at least once.
    for (p, m) in OPERATIONS {
        for s in doc["paths"][p][m]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|s| s.starts_with('2'))
        {
            if p.ends_with("export") {
                continue;
            }
            assert!(
                seen.iter()
                    .any(|(sp, sm, ss)| sp == p && sm == m && ss.to_string() == *s),
                "never saw {s} from {m} {p}"
            );
        }
    }
}

async fn clue_of_receipt(app: &TestApp, token: &str) -> String {
    let list: Value = app
        .public()
        .get(app.url("/api/v1/clues"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["items"][0]["id"].as_str().unwrap().to_string()
}

/// Checks a JSON answer against the schema the document gives for that route and status.
fn conforms(doc: &Value, path: &str, method: &str, status: StatusCode, body: &Value) {
    let responses = &doc["paths"][path][method]["responses"];
    let r = &responses[status.as_str()];
    assert!(
        r.is_object(),
        "{method} {path} answered {status}, which the document does not list: {body}"
    );
    let schema = &r["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status}: no JSON schema"
    );
    if let Err(e) = validate(doc, schema, body, "$") {
        panic!("{method} {path} {status}: {e}\nbody: {body}");
    }
}

/// The part of JSON Schema the document uses, strictly: an object may hold only declared properties.
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return validate(doc, &doc["components"]["schemas"][name], v, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let ok = options
            .iter()
            .filter(|s| validate(doc, s, v, at).is_ok())
            .count();
        return if ok == 1 {
            Ok(())
        } else {
            Err(format!("{at}: matches {ok} of oneOf"))
        };
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            return Err(format!("{at}: {v} is not {c}"));
        }
    }
    if let Some(e) = schema["enum"].as_array() {
        if !e.contains(v) {
            return Err(format!("{at}: {v} not in enum"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let fits = |t: &str| match t {
            "null" => v.is_null(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| fits(t)) {
            return Err(format!("{at}: {v} is not {types:?}"));
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema["properties"].as_object();
        for req in schema["required"].as_array().into_iter().flatten() {
            let k = req.as_str().unwrap();
            if !obj.contains_key(k) {
                return Err(format!("{at}: required {k} missing"));
            }
        }
        if let Some(props) = props {
            for (k, val) in obj {
                let s = props
                    .get(k)
                    .ok_or_else(|| format!("{at}: {k} is not in the document"))?;
                validate(doc, s, val, &format!("{at}.{k}"))?;
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(doc, items, x, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}
