//! Signing in and out: lockout that says nothing about whether an account exists, sessions that end on
//! logout and when the account is disabled, safe cookies and headers, and the API's second factor.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Options, PASSWORD, TestApp, expect_status, location, on_each_backend_with};

fn login_error(page: &str) -> String {
    page.split("id=\"login-error\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_account_and_it_reads_like_an_unknown_one() {
    on_each_backend_with(
        Options {
            accounts: Some(vec!["duchazu", "jiwei"]),
            ..Options::default()
        },
        lockout,
    )
    .await
}

async fn lockout(app: TestApp) {
    let b = app.browser();
    let unknown = login_error(
        &expect_status(
            app.login_with(&b, "nobody-here", "Wrong-pass-2026").await,
            StatusCode::OK,
            "unknown account",
        )
        .await,
    );
    assert!(!unknown.is_empty());
    for i in 0..5 {
        let page = expect_status(
            app.login_with(&b, "duchazu", "Wrong-pass-2026").await,
            StatusCode::OK,
            "wrong password",
        )
        .await;
        assert_eq!(
            login_error(&page),
            unknown,
            "attempt {i}: the message differs from an unknown account's"
        );
    }
    // Locked: the right password is refused, with the very same words.
    let page = expect_status(
        app.login_with(&b, "duchazu", PASSWORD).await,
        StatusCode::OK,
        "locked",
    )
    .await;
    assert_eq!(login_error(&page), unknown);
    assert!(
        app.store
            .audit_recent(50, None)
            .await
            .unwrap()
            .iter()
            .any(|r| r.action == "login.locked" && r.target == "user:duchazu")
    );

    // The API says the same for locked, wrong and unknown.
    let c = app.public();
    let token = |u: &str, p: &str| {
        c.post(app.url("/api/v1/auth/token"))
            .json(&json!({ "username": u, "password": p }))
            .send()
    };
    let locked: Value = serde_json::from_str(
        &expect_status(
            token("duchazu", PASSWORD).await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "api locked",
        )
        .await,
    )
    .unwrap();
    let nobody: Value = serde_json::from_str(
        &expect_status(
            token("nobody-here", PASSWORD).await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "api unknown",
        )
        .await,
    )
    .unwrap();
    let wrong: Value = serde_json::from_str(
        &expect_status(
            token("jiwei", "Wrong-pass-2026").await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "api wrong",
        )
        .await,
    )
    .unwrap();
    assert_eq!(locked, nobody);
    assert_eq!(wrong, nobody);
    assert_eq!(nobody["code"], "unauthorized");
    // Another account is not affected.
    expect_status(
        token("jiwei", PASSWORD).await.unwrap(),
        StatusCode::OK,
        "other account",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_ends_the_session_on_the_server() {
    on_each_backend_with(
        Options {
            accounts: Some(vec!["jiwei"]),
            ..Options::default()
        },
        logout,
    )
    .await
}

async fn logout(app: TestApp) {
    let b = app.browser();
    let res = app.login_with(&b, "jiwei", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mj_sid="))
        .unwrap()
        .to_string();
    let sid = cookie.split(';').next().unwrap().to_string();
    assert_eq!(
        b.get(app.url("/clues")).send().await.unwrap().status(),
        StatusCode::OK
    );

    let csrf = app.csrf(&b, "/clues").await;
    let res = b
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login");
    let res = b.get(app.url("/clues")).send().await.unwrap();
    assert_eq!(
        (res.status(), location(&res)),
        (StatusCode::SEE_OTHER, "/login".to_string())
    );
    // The old cookie, replayed by hand, is dead on the server too.
    let res = app
        .public()
        .get(app.url("/clues"))
        .header("cookie", sid.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.status(), location(&res)),
        (StatusCode::SEE_OTHER, "/login".to_string())
    );
    assert!(
        app.store
            .audit_recent(20, None)
            .await
            .unwrap()
            .iter()
            .any(|r| r.action == "logout" && r.actor == "user:jiwei")
    );

    // A new login gets a new session id (a planted cookie is worthless).
    let b2 = app.browser();
    let res = app.login_with(&b2, "jiwei", PASSWORD).await;
    let fresh = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mj_sid="))
        .unwrap()
        .to_string();
    assert_ne!(fresh.split(';').next().unwrap(), sid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_ends_their_sessions() {
    on_each_backend_with(
        Options {
            accounts: Some(vec!["office", "admin"]),
            ..Options::default()
        },
        disabling,
    )
    .await
}

async fn disabling(app: TestApp) {
    let b = app.login("office").await;
    let token = app.api_token("office").await;
    assert_eq!(
        b.get(app.url("/clues")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        app.public()
            .get(app.url("/api/v1/clues"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    // The administrator disables the account on the users page.
    let admin = app.login("admin").await;
    let csrf = app.csrf(&admin, "/org/users").await;
    let res = admin
        .post(app.url("/org/users/office/disable"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "disable: {}",
        res.text().await.unwrap_or_default()
    );

    let res = b.get(app.url("/clues")).send().await.unwrap();
    assert_eq!(
        (res.status(), location(&res)),
        (StatusCode::SEE_OTHER, "/login".to_string())
    );
    let res = app
        .public()
        .get(app.url("/api/v1/clues"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_status(res, StatusCode::UNAUTHORIZED, "API after disable").await;
    // Signing in again is refused like any wrong password.
    let res = app.login_with(&app.browser(), "office", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "a disabled account must not sign in"
    );
    let res = app
        .public()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "username": "office", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    expect_status(
        res,
        StatusCode::UNAUTHORIZED,
        "token for a disabled account",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_httponly_and_strict_and_pages_carry_security_headers() {
    on_each_backend_with(
        Options {
            accounts: Some(vec!["jiwei"]),
            ..Options::default()
        },
        cookies_and_headers,
    )
    .await
}

async fn cookies_and_headers(app: TestApp) {
    let b = app.browser();
    let res = app.login_with(&b, "jiwei", PASSWORD).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mj_sid="))
        .unwrap()
        .to_string();
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{cookie}");
    assert!(attrs.contains(&"SameSite=Strict"), "{cookie}");
    assert!(attrs.contains(&"Path=/"), "{cookie}");
    assert!(
        !attrs
            .iter()
            .any(|a| a.starts_with("Expires") || a.starts_with("Max-Age")),
        "a session cookie, not a persistent one: {cookie}"
    );

    for (client, path) in [
        (app.public(), "/"),
        (app.public(), "/login"),
        (b.clone(), "/clues"),
        (app.public(), "/api/openapi.json"),
        (app.public(), "/no-such-page"),
    ] {
        let res = client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(csp.contains("default-src 'self'"), "{path}: CSP {csp:?}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
        assert!(h.get("x-request-id").is_some(), "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: HSTS only behind TLS"
        );
    }
    let res = b.get(app.url("/clues")).send().await.unwrap();
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_token_needs_the_second_factor_when_the_account_has_one() {
    on_each_backend_with(
        Options {
            accounts: Some(vec!["jiwei", "office"]),
            ..Options::default()
        },
        api_totp,
    )
    .await
}

async fn api_totp(app: TestApp) {
    let jiwei = app.actor("jiwei").await;
    let secret = crypto::totp::generate_secret();
    app.store.set_totp_secret(&jiwei, &secret).await.unwrap();
    app.store.enable_totp(&jiwei).await.unwrap();
    let c = app.public();
    let token = |body: Value| c.post(app.url("/api/v1/auth/token")).json(&body).send();
    let v: Value = serde_json::from_str(
        &expect_status(
            token(json!({ "username": "jiwei", "password": PASSWORD }))
                .await
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "no totp",
        )
        .await,
    )
    .unwrap();
    assert_eq!(v["code"], "totp_required");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let right = crypto::totp::code_at(&secret, now).unwrap();
    let wrong = format!(
        "{:06}",
        (right.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let v: Value = serde_json::from_str(
        &expect_status(
            token(json!({ "username": "jiwei", "password": PASSWORD, "totp": wrong }))
                .await
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "wrong totp",
        )
        .await,
    )
    .unwrap();
    assert_eq!(v["code"], "totp_required");
    // A right code with a wrong password still reveals nothing about the second factor.
    let v: Value = serde_json::from_str(
        &expect_status(
            token(json!({ "username": "jiwei", "password": "Wrong-pass-2026", "totp": right }))
                .await
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "wrong password",
        )
        .await,
    )
    .unwrap();
    assert_eq!(v["code"], "unauthorized");
    let v: Value = serde_json::from_str(
        &expect_status(
            token(json!({ "username": "jiwei", "password": PASSWORD, "totp": right }))
                .await
                .unwrap(),
            StatusCode::OK,
            "right totp",
        )
        .await,
    )
    .unwrap();
    let t = v["token"].as_str().unwrap();
    assert_eq!(
        c.get(app.url("/api/v1/clues"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // An account without TOTP gets its token while the server does not insist.
    expect_status(
        token(json!({ "username": "office", "password": PASSWORD }))
            .await
            .unwrap(),
        StatusCode::OK,
        "no totp needed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_totp_is_required_an_account_without_it_gets_no_token() {
    on_each_backend_with(
        Options {
            require_totp: true,
            accounts: Some(vec!["office"]),
        },
        totp_required,
    )
    .await
}

async fn totp_required(app: TestApp) {
    let res = app
        .public()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "username": "office", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let v: Value = serde_json::from_str(
        &expect_status(res, StatusCode::FORBIDDEN, "enrolment required").await,
    )
    .unwrap();
    assert_eq!(v["code"], "totp_enrollment_required");
    assert!(v["message"].as_str().unwrap().contains("动态口令"));
    assert!(
        app.store
            .audit_recent(20, None)
            .await
            .unwrap()
            .iter()
            .all(|r| !(r.action == "login.ok" && r.detail == "api")),
        "no API session was made"
    );
    // The web login sends the person to enrol first.
    let res = app.login_with(&app.browser(), "office", PASSWORD).await;
    assert_eq!(location(&res), "/account/totp");
}
