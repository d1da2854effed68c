//! The audit chain: after real actions, change, delete, swap or truncate rows directly in the database;
//! verification names the first bad row every time, and the auditor's page says so too.

use reqwest::StatusCode;
use sea_orm::Value as Db;

use crate::common::{TestApp, expect_status, on_each_backend, tip};

#[derive(Clone, Debug)]
struct Row {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    target: String,
    detail: String,
    prev_mac: String,
    mac: String,
}

async fn rows(app: &TestApp) -> Vec<Row> {
    let conn = app.store.connection();
    let sql = store::Sql::of(conn);
    let rs = sql.all(conn, "SELECT seq, at, actor, action, target, detail, prev_mac, mac FROM audit_log ORDER BY seq", vec![]).await.unwrap();
    rs.iter()
        .map(|r| Row {
            seq: r.try_get("", "seq").unwrap(),
            at: r.try_get("", "at").unwrap(),
            actor: r.try_get("", "actor").unwrap(),
            action: r.try_get("", "action").unwrap(),
            target: r.try_get("", "target").unwrap(),
            detail: r.try_get("", "detail").unwrap(),
            prev_mac: r.try_get("", "prev_mac").unwrap(),
            mac: r.try_get("", "mac").unwrap(),
        })
        .collect()
}

/// Writes `r`'s content into the row numbered `seq` (its own number stays).
async fn put(app: &TestApp, seq: i64, r: &Row) {
    let n = app
        .exec(
            "UPDATE audit_log SET at = ?, actor = ?, action = ?, target = ?, detail = ?, prev_mac = ?, mac = ? WHERE seq = ?",
            vec![Db::from(r.at), r.actor.clone().into(), r.action.clone().into(), r.target.clone().into(), r.detail.clone().into(), r.prev_mac.clone().into(), r.mac.clone().into(), Db::from(seq)],
        )
        .await;
    assert_eq!(n, 1);
}

async fn insert(app: &TestApp, r: &Row) {
    app.exec(
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![Db::from(r.seq), Db::from(r.at), r.actor.clone().into(), r.action.clone().into(), r.target.clone().into(), r.detail.clone().into(), r.prev_mac.clone().into(), r.mac.clone().into()],
    )
    .await;
}

async fn first_bad(app: &TestApp) -> Option<i64> {
    app.store
        .audit_verify()
        .await
        .unwrap()
        .first_bad
        .map(|b| b.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_deleting_swapping_or_truncating_audit_rows_is_detected() {
    on_each_backend(tamper).await
}

async fn tamper(app: TestApp) {
    // Real actions fill the trail: tips, logins, reads, a step.
    for d in [
        "看守所民警违规为在押人员传递物品。",
        "法院执行干警违规查封案外人财产。",
        "派出所辅警利用职务便利泄露案情。",
    ] {
        app.submit_tip(&tip(d)).await;
    }
    let token = app.api_token("jiwei").await;
    let list: serde_json::Value = app
        .public()
        .get(app.url("/api/v1/clues"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let clue = list["items"][0]["id"].as_str().unwrap().to_string();
    app.public()
        .get(app.url(&format!("/api/v1/clues/{clue}/tip")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let auditor = app.login("shenji").await;
    let csrf = app.csrf(&auditor, "/audit").await;

    let original = rows(&app).await;
    assert!(original.len() >= 15, "only {} audit rows", original.len());
    assert_eq!(first_bad(&app).await, None, "the untouched chain verifies");
    let n = original.len() as i64;
    let k = 5i64;
    let at = |seq: i64| original[(seq - 1) as usize].clone();

    // 1. One row's detail changed.
    let mut changed = at(k);
    changed.detail.push_str(" (edited)");
    put(&app, k, &changed).await;
    assert_eq!(first_bad(&app).await, Some(k), "an edited row");
    // The auditor's check on the page says the same, naming the row.
    let res = auditor
        .post(app.url("/audit/verify"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let page = expect_status(res, StatusCode::OK, "verify page").await;
    assert!(
        page.contains("未通过") && page.contains(&format!("第{k}条")),
        "the page names row {k}"
    );
    put(&app, k, &at(k)).await;
    // The page's own check appended a row; keep the comparison on the original rows.
    assert_eq!(first_bad(&app).await, None, "restored");

    // 2. One row deleted.
    assert_eq!(
        app.exec("DELETE FROM audit_log WHERE seq = ?", vec![Db::from(k)])
            .await,
        1
    );
    assert_eq!(first_bad(&app).await, Some(k), "a deleted row");
    insert(&app, &at(k)).await;
    assert_eq!(first_bad(&app).await, None);

    // 3. Two neighbours' contents swapped (reordered).
    put(&app, k, &at(k + 1)).await;
    put(&app, k + 1, &at(k)).await;
    assert_eq!(first_bad(&app).await, Some(k), "swapped rows");
    put(&app, k, &at(k)).await;
    put(&app, k + 1, &at(k + 1)).await;
    assert_eq!(first_bad(&app).await, None);

    // 4. A row re-MACed with a forged value cannot pass without the key either.
    let mut forged = at(k);
    forged.detail = "nothing happened".into();
    forged.mac = "0".repeat(64);
    put(&app, k, &forged).await;
    assert_eq!(first_bad(&app).await, Some(k));
    put(&app, k, &at(k)).await;

    // 5. The tail cut off: the head still remembers how long the chain was.
    let all_now = rows(&app).await;
    let last = all_now.len() as i64;
    assert!(last >= n);
    let removed = app
        .exec(
            "DELETE FROM audit_log WHERE seq > ?",
            vec![Db::from(last - 2)],
        )
        .await;
    assert_eq!(removed, 2);
    assert_eq!(first_bad(&app).await, Some(last - 1), "a truncated tail");
    for r in &all_now[(last - 2) as usize..] {
        insert(&app, r).await;
    }
    assert_eq!(first_bad(&app).await, None, "restored again");
}
