//! Signing in and out, sessions in the database behind an HttpOnly SameSite=Strict cookie, the TOTP second
//! factor, password change, CSRF tokens on every form, and the extractors that give handlers an [`Actor`].

use askama::Template;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::access::Permission;
use serde::Deserialize;
use store::Actor;
use store::org::LoginOutcome;

use crate::AppState;
use crate::error::{ApiError, Error};
use crate::view::{Nav, page};

pub const SESSION_COOKIE: &str = "mj_sid";
const PRE_COOKIE: &str = "mj_pre";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/totp", get(totp_page).post(totp_submit))
        .route("/logout", post(logout))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/totp", get(totp_setup_page).post(totp_enable))
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_string())
        })
}

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if state.config.behind_tls {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A signed-in staff member whose second factor (when required) is done.
pub struct Staff {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
}

impl Staff {
    pub fn require(&self, p: Permission) -> Result<(), Error> {
        if self.actor.role.can(p) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Compares the form's token with the session's in constant time.
    pub fn check_csrf(&self, token: &str) -> Result<(), Error> {
        if crypto::ct_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(Error::bad(
                "页面已过期或表单来源不明（CSRF校验失败），请刷新页面后重试。",
            ))
        }
    }

    pub fn nav(&self, active: &'static str) -> Nav {
        Nav::new(&self.actor, &self.csrf, active)
    }
}

/// Signed in with a password but the second factor is still owed (or must first be set up).
pub struct PartialStaff {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
    pub totp_enrolled: bool,
    pub totp_ok: bool,
}

impl<S> FromRequestParts<S> for PartialStaff
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(Error::Unauthorized)?;
        let s = state
            .store
            .session(&token)
            .await?
            .ok_or(Error::Unauthorized)?;
        Ok(PartialStaff {
            actor: s.actor,
            csrf: s.csrf,
            token,
            totp_enrolled: s.needs_totp,
            totp_ok: s.totp_ok,
        })
    }
}

impl<S> FromRequestParts<S> for Staff
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let p = PartialStaff::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if p.totp_enrolled && !p.totp_ok {
            return Err(Redirect::to("/login/totp").into_response());
        }
        if app.config.require_totp && !p.totp_enrolled {
            return Err(Redirect::to("/account/totp").into_response());
        }
        Ok(Staff {
            actor: p.actor,
            csrf: p.csrf,
            token: p.token,
        })
    }
}

/// A caller of the JSON API with `Authorization: Bearer TOKEN` from `POST /api/v1/auth/token`.
pub struct ApiStaff {
    pub actor: Actor,
}

impl ApiStaff {
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.actor.role.can(p) {
            Ok(())
        } else {
            Err(ApiError(Error::Forbidden))
        }
    }
}

impl<S> FromRequestParts<S> for ApiStaff
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError(Error::Unauthorized))?;
        let s = app
            .store
            .session(token)
            .await?
            .ok_or(ApiError(Error::Unauthorized))?;
        if !s.totp_ok && (s.needs_totp || app.config.require_totp) {
            return Err(ApiError(Error::Unauthorized));
        }
        Ok(ApiStaff { actor: s.actor })
    }
}

// ---------- pages ----------

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    pre: String,
    error: Option<String>,
    username: String,
}

fn login_response(state: &AppState, error: Option<String>, username: String) -> Response {
    let pre = crypto::random_token();
    let mut res = page(&LoginPage {
        pre: pre.clone(),
        error,
        username,
    });
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, PRE_COOKIE, &pre, Some(1800)),
    );
    res
}

async fn login_page(State(state): State<AppState>) -> Response {
    login_response(&state, None, String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    pre: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, Error> {
    // Login CSRF: the form's token must match the cookie set with the form.
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or_default();
    if pre.is_empty() || !crypto::ct_eq(pre.as_bytes(), f.pre.as_bytes()) {
        return Ok(login_response(
            &state,
            Some("页面已过期，请重新输入后登录。".into()),
            f.username,
        ));
    }
    let username = f.username.trim().to_lowercase();
    if username.is_empty() || f.password.is_empty() || username.len() > 64 || f.password.len() > 256
    {
        return Ok(login_response(
            &state,
            Some("请输入用户名和密码。".into()),
            f.username,
        ));
    }
    match state.store.check_password(&username, &f.password).await? {
        LoginOutcome::Ok {
            user_id,
            needs_totp,
        } => {
            let token = state.store.create_session(&user_id, "web", false).await?;
            let to = if needs_totp {
                "/login/totp"
            } else if state.config.require_totp {
                "/account/totp"
            } else {
                "/home"
            };
            let mut res = Redirect::to(to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, &token, None),
            );
            Ok(res)
        }
        // One message for a wrong password, an unknown account and a locked one: nothing to learn from it.
        LoginOutcome::Refused | LoginOutcome::Locked => Ok(login_response(
            &state,
            Some("用户名或密码错误，或账号已被暂时锁定（连续输错5次锁定15分钟）。".into()),
            f.username,
        )),
    }
}

#[derive(Template)]
#[template(path = "auth/totp.html")]
struct TotpPage {
    csrf: String,
    error: Option<String>,
}

async fn totp_page(p: PartialStaff) -> Response {
    page(&TotpPage {
        csrf: p.csrf,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn totp_submit(
    State(state): State<AppState>,
    p: PartialStaff,
    Form(f): Form<CodeForm>,
) -> Result<Response, Error> {
    if !crypto::ct_eq(p.csrf.as_bytes(), f.csrf.as_bytes()) {
        return Err(Error::bad("页面已过期，请刷新后重试。"));
    }
    if !state.allow_totp_attempt(&p.actor.user_id) {
        // Out of attempts: end this half-signed-in session; the password step has its own lockout.
        state.store.end_session(&p.token).await?;
        return Err(Error::TooMany);
    }
    let ok = match state.store.totp_secret(&p.actor.user_id).await? {
        Some((secret, true)) => crypto::totp::verify(&secret, &f.code, now_secs()),
        _ => false,
    };
    if !ok {
        state
            .store
            .audit_now(
                &p.actor.audit(),
                "login.totp_fail",
                &format!("user:{}", p.actor.username),
                "",
            )
            .await?;
        return Ok(page(&TotpPage {
            csrf: p.csrf,
            error: Some("动态口令不正确，请重新输入。".into()),
        }));
    }
    state.store.mark_session_totp(&p.token).await?;
    Ok(Redirect::to("/home").into_response())
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Result<Response, Error> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Some(s) = state.store.session(&token).await? {
            if !crypto::ct_eq(s.csrf.as_bytes(), f.csrf.as_bytes()) {
                return Err(Error::bad("页面已过期，请刷新后重试。"));
            }
        }
        state.store.end_session(&token).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "x", Some(0)),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    nav: Nav,
    username: String,
    totp: bool,
    message: Option<String>,
    error: Option<String>,
}

async fn account_page(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    let totp = matches!(
        state.store.totp_secret(&s.actor.user_id).await?,
        Some((_, true))
    );
    Ok(page(&AccountPage {
        nav: s.nav("/account"),
        username: s.actor.username.clone(),
        totp,
        message: None,
        error: None,
    }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    csrf: String,
}

async fn change_password(
    State(state): State<AppState>,
    s: Staff,
    Form(f): Form<PasswordForm>,
) -> Result<Response, Error> {
    s.check_csrf(&f.csrf)?;
    let totp = matches!(
        state.store.totp_secret(&s.actor.user_id).await?,
        Some((_, true))
    );
    let fail = |msg: &str| {
        page(&AccountPage {
            nav: s.nav("/account"),
            username: s.actor.username.clone(),
            totp,
            message: None,
            error: Some(msg.to_string()),
        })
    };
    if f.new != f.confirm {
        return Ok(fail("两次输入的新密码不一致。"));
    }
    if !matches!(
        state
            .store
            .check_password(&s.actor.username, &f.current)
            .await?,
        LoginOutcome::Ok { .. }
    ) {
        return Ok(fail("当前密码不正确。"));
    }
    if let Err(e) = state
        .store
        .set_password(&s.actor.audit(), &s.actor.username, &f.new, Some(&s.token))
        .await
    {
        return match Error::from(e) {
            Error::Invalid(d) => Ok(fail(&d.message)),
            other => Err(other),
        };
    }
    Ok(page(&AccountPage {
        nav: s.nav("/account"),
        username: s.actor.username.clone(),
        totp,
        message: Some("密码已修改，其他设备上的登录已全部退出。".into()),
        error: None,
    }))
}

#[derive(Template)]
#[template(path = "auth/totp_setup.html")]
struct TotpSetupPage {
    csrf: String,
    secret: String,
    uri: String,
    error: Option<String>,
    enrolled: bool,
}

async fn totp_setup_page(
    State(state): State<AppState>,
    p: PartialStaff,
) -> Result<Response, Error> {
    if p.totp_enrolled {
        return Ok(page(&TotpSetupPage {
            csrf: p.csrf,
            secret: String::new(),
            uri: String::new(),
            error: None,
            enrolled: true,
        }));
    }
    let secret = crypto::totp::generate_secret();
    state.store.set_totp_secret(&p.actor, &secret).await?;
    let uri = crypto::totp::otpauth_uri(&secret, &p.actor.username, "明镜");
    Ok(page(&TotpSetupPage {
        csrf: p.csrf,
        secret,
        uri,
        error: None,
        enrolled: false,
    }))
}

async fn totp_enable(
    State(state): State<AppState>,
    p: PartialStaff,
    Form(f): Form<CodeForm>,
) -> Result<Response, Error> {
    if !crypto::ct_eq(p.csrf.as_bytes(), f.csrf.as_bytes()) {
        return Err(Error::bad("页面已过期，请刷新后重试。"));
    }
    if p.totp_enrolled {
        return Err(Error::bad("已启用动态口令。"));
    }
    let Some((secret, _)) = state.store.totp_secret(&p.actor.user_id).await? else {
        return Err(Error::bad("请先打开绑定页面获取密钥。"));
    };
    if !state.allow_totp_attempt(&p.actor.user_id) {
        return Err(Error::TooMany);
    }
    if !crypto::totp::verify(&secret, &f.code, now_secs()) {
        let uri = crypto::totp::otpauth_uri(&secret, &p.actor.username, "明镜");
        return Ok(page(&TotpSetupPage {
            csrf: p.csrf,
            secret,
            uri,
            error: Some("动态口令不正确，请核对手机时间后重试。".into()),
            enrolled: false,
        }));
    }
    state.store.enable_totp(&p.actor).await?;
    state.store.mark_session_totp(&p.token).await?;
    Ok(Redirect::to("/home").into_response())
}

/// `/` sends staff to their start page and everyone else to the public portal.
pub fn home_for(actor: &Actor) -> &'static str {
    let r = actor.role;
    if r.can(Permission::ViewDashboard) {
        "/dashboard"
    } else if r.can(Permission::DecideUnseal) {
        "/unseal"
    } else if r.can(Permission::ReadAudit) {
        "/audit"
    } else if r.can(Permission::ManageUnits) {
        "/org/units"
    } else if r.can(Permission::ViewRoster) {
        "/org/officers"
    } else if r.can(Permission::TakeStudy) {
        "/study/me"
    } else {
        "/account"
    }
}
