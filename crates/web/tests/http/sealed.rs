//! A reporter's identity, seeded as canary values, appears nowhere (no response to any role, no export,
//! no log, no database file in plain text) until a discipline inspector asks, the custodian approves and
//! the inspector looks; each of those steps is in the audit trail.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{
    self, ONE_PER_ROLE, TestApp, expect_status, hidden, location, on_each_backend, tip, unzip_all,
};

struct Canary {
    name: String,
    contact: String,
}

impl Canary {
    fn new() -> Self {
        let r = common::random_suffix();
        Canary {
            name: format!("CANARY-名字-{r}"),
            contact: format!("CANARY-联系-{r}"),
        }
    }

    /// Panics, naming where, if either value (or the shared random part) is in `bytes`.
    fn assert_absent(&self, bytes: &[u8], where_: &str) {
        for v in [&self.name, &self.contact] {
            assert!(
                !common::contains(bytes, v.as_bytes()),
                "canary {v} found in {where_}"
            );
        }
        let tail = self.name.rsplit('-').next().unwrap();
        assert!(
            !common::contains(bytes, tail.as_bytes()),
            "canary suffix found in {where_}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporters_identity_stays_sealed_until_the_custodian_approves() {
    on_each_backend(sealed_identity).await
}

async fn sealed_identity(app: TestApp) {
    let canary = Canary::new();
    let mut t = tip("某看守所民警收受在押人员家属财物，为其传递消息。");
    t["reporter_name"] = canary.name.clone().into();
    t["reporter_contact"] = canary.contact.clone().into();
    let res = app
        .public()
        .post(app.url("/api/v1/public/tips"))
        .json(&t)
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::CREATED, "tip").await;
    canary.assert_absent(body.as_bytes(), "the submission's answer");
    let v: Value = serde_json::from_str(&body).unwrap();
    let receipt = v["receipt"].as_str().unwrap().to_string();
    let (clue_id, _) = app.clue_of_tip(v["number"].as_str().unwrap()).await;

    // The staff side talks to the reporter, so messages and lookups have content worth checking too.
    let jiwei = app.login("jiwei").await;
    let csrf = app.csrf(&jiwei, &format!("/clues/{clue_id}")).await;
    let res = jiwei
        .post(app.url(&format!("/clues/{clue_id}/message")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("body", "请问您能否提供具体时间？"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .public()
        .post(app.url("/api/v1/public/tips/lookup"))
        .json(&serde_json::json!({ "receipt": receipt }))
        .send()
        .await
        .unwrap();
    canary.assert_absent(&res.bytes().await.unwrap(), "the reporter's lookup");

    // Every role, every page and API answer it can get about this clue: no canary.
    let pages = [
        "/home".to_string(),
        "/dashboard".into(),
        "/clues".into(),
        format!("/clues/{clue_id}"),
        "/clues/export".into(),
        "/unseal".into(),
        "/audit".into(),
        "/account".into(),
        "/org/users".into(),
        "/org/officers".into(),
    ];
    let apis = [
        "/api/v1/clues".to_string(),
        format!("/api/v1/clues/{clue_id}"),
        format!("/api/v1/clues/{clue_id}/tip"),
        "/api/v1/clues/export".into(),
    ];
    for username in ONE_PER_ROLE {
        let b = if *username == "jiwei" {
            jiwei.clone()
        } else {
            app.login(username).await
        };
        for p in &pages {
            let res = b.get(app.url(p)).send().await.unwrap();
            assert!(!res.status().is_server_error(), "{username} {p}");
            let bytes = res.bytes().await.unwrap();
            canary.assert_absent(&bytes, &format!("{p} as {username}"));
            if p.ends_with("export") && bytes.starts_with(b"PK") {
                canary.assert_absent(&unzip_all(&bytes), &format!("{p} as {username}, unzipped"));
            }
        }
        let token = app.api_token(username).await;
        for p in &apis {
            let bytes = app
                .public()
                .get(app.url(p))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            canary.assert_absent(&bytes, &format!("API {p} as {username}"));
            if bytes.starts_with(b"PK") {
                canary.assert_absent(
                    &unzip_all(&bytes),
                    &format!("API {p} as {username}, unzipped"),
                );
            }
        }
    }

    // Nobody can open it without an approved request of their own.
    let res = jiwei
        .get(app.url("/unseal/00000000-0000-0000-0000-000000000000/identity"))
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::NOT_FOUND, "identity without a request").await;

    // The inspector asks with a reason.
    let res = jiwei
        .post(app.url(&format!("/unseal/request/{clue_id}")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reason", "举报内容涉及具体时间地点，需当面核实细节"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "request: {}",
        res.text().await.unwrap_or_default()
    );
    let request_id = app.store.unseal_requests(Some("pending")).await.unwrap()[0]
        .id
        .clone();
    // Pending: still sealed.
    let res = jiwei
        .get(app.url(&format!("/unseal/{request_id}/identity")))
        .send()
        .await
        .unwrap();
    let body = expect_status(res, StatusCode::NOT_FOUND, "identity while pending").await;
    canary.assert_absent(body.as_bytes(), "identity while pending");

    // The custodian sees the request (not the identity) and approves it.
    let keeper = app.login("baoguan").await;
    let page = keeper
        .get(app.url("/unseal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    canary.assert_absent(page.as_bytes(), "the custodian's page");
    assert!(page.contains(&format!("/unseal/{request_id}/decide")));
    let kcsrf = hidden(&page, "csrf").unwrap();
    let res = keeper
        .post(app.url(&format!("/unseal/{request_id}/decide")))
        .form(&[
            ("csrf", kcsrf.as_str()),
            ("decision", "approve"),
            ("note", "同意"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/unseal");
    // The custodian cannot read it either.
    let res = keeper
        .get(app.url(&format!("/unseal/{request_id}/identity")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Another inspector with the request id gets nothing; the requester sees name and contact.
    let other = app.login("jiwei_a").await;
    let res = other
        .get(app.url(&format!("/unseal/{request_id}/identity")))
        .send()
        .await
        .unwrap();
    let body = expect_status(
        res,
        StatusCode::NOT_FOUND,
        "identity for someone else's request",
    )
    .await;
    canary.assert_absent(body.as_bytes(), "another inspector's view");
    let res = jiwei
        .get(app.url(&format!("/unseal/{request_id}/identity")))
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "identity after approval").await;
    assert!(
        page.contains(&canary.name) && page.contains(&canary.contact),
        "the requester sees the identity"
    );

    let audit = app.store.audit_recent(500, None).await.unwrap();
    let has = |action: &str, actor: &str| {
        audit
            .iter()
            .any(|r| r.action == action && r.actor == actor && r.detail.contains(&request_id))
    };
    assert!(has("identity.request", "user:jiwei"), "request audited");
    assert!(has("identity.approve", "user:baoguan"), "approval audited");
    assert!(has("identity.view", "user:jiwei"), "view audited");
    assert_eq!(
        audit.iter().filter(|r| r.action == "identity.view").count(),
        1,
        "only the one successful view"
    );
    for r in &audit {
        canary.assert_absent(
            format!("{} {} {} {}", r.actor, r.action, r.target, r.detail).as_bytes(),
            "the audit trail",
        );
    }

    // Nor in what was logged, nor in plain text anywhere under the data folder (database, WAL, files).
    canary.assert_absent(&common::captured_logs(), "the logs");
    if app.is_sqlite() {
        let files = app.data_files();
        assert!(
            files
                .iter()
                .any(|(p, _)| p.to_string_lossy().ends_with("mingjing.db"))
        );
        for (path, bytes) in files {
            canary.assert_absent(&bytes, &format!("{path:?}"));
        }
    } else {
        // PostgreSQL: no column holds it as text.
        let conn = app.store.connection();
        let n = store::Sql::of(conn)
            .scalar(
                conn,
                "SELECT COUNT(*) FROM tips WHERE encode(identity_sealed, 'escape') LIKE ?",
                vec![format!("%{}%", canary.name).into()],
            )
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
