//! One error type for pages and one for the API, mapped once from the store's and the domain's errors.
//! A row outside the caller's scope answers exactly like a missing one. Storage failures are logged with
//! the request id and shown as a generic message; nothing a user sends produces a 500.

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use domain::DomainError;
use serde_json::json;
use store::StoreError;

use crate::view;

#[derive(Debug)]
pub enum Error {
    NotFound,
    Forbidden,
    /// The person must sign in (pages redirect; the API answers 401).
    Unauthorized,
    Invalid(DomainError),
    BadRequest(String),
    Conflict(String),
    TooMany,
    PayloadTooLarge,
    Unavailable(String),
}

impl Error {
    pub fn bad(msg: impl Into<String>) -> Self {
        Error::BadRequest(msg.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Invalid(_) | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::Forbidden => "forbidden",
            Error::Unauthorized => "unauthorized",
            Error::Invalid(_) => "invalid",
            Error::BadRequest(_) => "bad_request",
            Error::Conflict(_) => "conflict",
            Error::TooMany => "too_many_requests",
            Error::PayloadTooLarge => "payload_too_large",
            Error::Unavailable(_) => "unavailable",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Error::NotFound => "没有找到该页面或记录，或您无权查看。".into(),
            Error::Forbidden => "您的角色无权进行此操作。".into(),
            Error::Unauthorized => "请先登录。".into(),
            Error::Invalid(e) => e.message.clone(),
            Error::BadRequest(m) | Error::Conflict(m) => m.clone(),
            Error::TooMany => "操作过于频繁，请稍后再试。".into(),
            Error::PayloadTooLarge => "提交的内容过大（附件每个不超过10MB，最多5个）。".into(),
            Error::Unavailable(_) => {
                "服务器暂时无法保存或读取数据，请稍后重试。您的操作没有生效。".into()
            }
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid(e) => e.field,
            _ => None,
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Forbidden => Error::Forbidden,
            StoreError::Invalid(d) => Error::Invalid(d),
            StoreError::Conflict(m) => Error::Conflict(m),
            other => {
                tracing::error!(error = %other, "storage failure");
                Error::Unavailable(other.to_string())
            }
        }
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Self {
        Error::Invalid(e)
    }
}

impl From<reports::ReportError> for Error {
    fn from(e: reports::ReportError) -> Self {
        tracing::error!(error = %e, "report failure");
        Error::Unavailable(e.to_string())
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if matches!(self, Error::Unauthorized) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let status = self.status();
        let body = view::render_error(status.as_u16(), &self.message());
        (status, Html(body)).into_response()
    }
}

/// The API's error: `{"code": "...", "message": "..."}` with the same status codes as pages.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut body = json!({ "code": e.code(), "message": e.message() });
        if let Some(f) = e.field() {
            body["field"] = json!(f);
        }
        (e.status(), Json(body)).into_response()
    }
}

pub async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        ApiError(Error::NotFound).into_response()
    } else {
        Error::NotFound.into_response()
    }
}

/// Extractor rejections (bad JSON, wrong content type, body too large, malformed forms) come out of axum
/// as plain text; this turns every 4xx/5xx without our own body into a Chinese page or a JSON error.
pub async fn catch_rejections(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let ours = ct.starts_with("text/html") || ct.starts_with("application/json");
    if ours && status != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let err = match status {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
        StatusCode::NOT_FOUND => Error::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Error::bad("不支持该请求方法。"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::bad("请求的内容类型不正确。"),
        s if s.is_server_error() => {
            tracing::error!(status = %s, "unhandled server error");
            Error::Unavailable("internal".into())
        }
        _ => Error::bad("提交的内容格式不正确，请检查后重试。"),
    };
    let mut out = if api {
        ApiError(err).into_response()
    } else {
        err.into_response()
    };
    if status == StatusCode::METHOD_NOT_ALLOWED {
        *out.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    }
    out
}

/// `Form` decodes percent-escapes lossily: `%FF` would reach a handler as U+FFFD and be stored as if
/// someone had typed it. A urlencoded body whose decoded bytes are not UTF-8 is refused here, once for
/// every form, with the same message multipart fields get.
pub async fn reject_malformed_forms(req: Request, next: Next) -> Response {
    let is_form = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let refuse = |e: Error| {
        if api {
            ApiError(e).into_response()
        } else {
            e.into_response()
        }
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY).await else {
        return refuse(Error::PayloadTooLarge);
    };
    if !form_is_utf8(&bytes) {
        return refuse(Error::bad(
            "提交的文字含有无法识别的字符（不是有效的UTF-8编码），请检查后重新提交。",
        ));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether every name and value of an `application/x-www-form-urlencoded` body decodes to UTF-8.
fn form_is_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.split(|b| *b == b'='))
        .all(|part| std::str::from_utf8(&percent_decode(part)).is_ok())
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let escaped = if s[i] == b'%' && i + 2 < s.len() {
            hex(s[i + 1]).zip(hex(s[i + 2]))
        } else {
            None
        };
        match (s[i], escaped) {
            (_, Some((hi, lo))) => {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    out
}

/// Gives every request an id (logged, and returned as `X-Request-Id`) so a generic error can be traced.
pub async fn request_id(mut req: Request<Body>, next: Next) -> Response {
    let id = uuid::Uuid::now_v7().simple().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let mut res = tracing::Instrument::instrument(next.run(req), span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_must_decode_to_utf8() {
        assert!(form_is_utf8(b"a=1&b=%E4%B8%AD%E6%96%87+x&c="));
        assert!(form_is_utf8("name=中文".as_bytes()));
        assert!(
            form_is_utf8(b"a=100%&b=%zz&c=%4"),
            "a stray percent sign is text, not an escape"
        );
        assert!(!form_is_utf8(b"body=%FF%FE"));
        assert!(!form_is_utf8(b"a=ok&b=%E4%B8"), "a cut multi-byte sequence");
        assert!(!form_is_utf8(b"%C3%28=x"), "names are checked too");
        assert!(!form_is_utf8(b"a=\xff"));
        assert_eq!(percent_decode(b"a+b%41%4"), b"a bA%4");
    }
}
