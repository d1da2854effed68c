//! Campaign pages: campaigns with their phase boards and each unit's phase page (checklist, advance,
//! override, rework), tasks (lists, issuing, progress reports with evidence, chasing, returning,
//! accepting), and the responsibility matrix. Every route checks the role first, then the CSRF token,
//! then loads rows through the store's scoped functions (a row outside scope answers 404).

pub mod phases;
pub mod responsibility;
pub mod tasks;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};

use crate::AppState;
use crate::error::Error;
use crate::view::q;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(phases::list))
        .route("/campaigns/new", get(phases::new_page).post(phases::create))
        .route("/campaigns/{id}", get(phases::show))
        .route("/campaigns/{id}/board.xlsx", get(phases::board_export))
        .route("/campaigns/{id}/phases/{seq}", post(phases::edit_phase))
        .route("/campaigns/{id}/units/{unit}", get(phases::unit_page))
        .route(
            "/campaigns/{id}/units/{unit}/advance",
            post(phases::advance),
        )
        .route(
            "/campaigns/{id}/units/{unit}/override",
            post(phases::override_phase),
        )
        .route("/campaigns/{id}/units/{unit}/rework", post(phases::rework))
        .route("/tasks", get(tasks::list))
        .route("/tasks/export", get(tasks::export))
        .route("/tasks/new", get(tasks::new_page).post(tasks::create))
        .route("/tasks/{id}", get(tasks::detail))
        .route("/tasks/{id}/targets/{target}/report", post(tasks::report))
        .route("/tasks/{id}/targets/{target}/chase", post(tasks::chase))
        .route(
            "/tasks/{id}/targets/{target}/return",
            post(tasks::send_back),
        )
        .route("/tasks/{id}/targets/{target}/accept", post(tasks::accept))
        .route("/tasks/{id}/files/{file}", get(tasks::file))
        .route("/org/responsibility", get(responsibility::matrix))
        .route("/org/responsibility/export", get(responsibility::export))
        .route("/org/responsibility/{unit}", post(responsibility::save))
}

/// An option of a `<select>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn bad_request(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

/// The value of a repeated-key form field (`Form<Vec<(String, String)>>`), empty when absent.
pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Streams rows into an .xlsx written on a blocking thread in constant memory; the file is deleted when
/// the returned handle drops.
pub(crate) struct XlsxStream {
    tx: tokio::sync::mpsc::Sender<Vec<reports::Cell>>,
    writer: tokio::task::JoinHandle<Result<u64, reports::ReportError>>,
    tmp: tempfile::NamedTempFile,
}

impl XlsxStream {
    pub(crate) fn new(
        sheet: &'static str,
        headers: &'static [&'static str],
    ) -> Result<XlsxStream, Error> {
        let tmp = tempfile::Builder::new()
            .suffix(".xlsx")
            .tempfile()
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let path = tmp.path().to_path_buf();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<reports::Cell>>(4096);
        let writer = tokio::task::spawn_blocking(move || {
            let rows = std::iter::from_fn(move || rx.blocking_recv());
            reports::write_xlsx(&path, sheet, headers, rows)
        });
        Ok(XlsxStream { tx, writer, tmp })
    }

    pub(crate) async fn send(&self, row: Vec<reports::Cell>) -> Result<(), Error> {
        self.tx
            .send(row)
            .await
            .map_err(|_| Error::Unavailable("export writer stopped".into()))
    }

    /// Closes the stream and answers with the file as a download.
    pub(crate) async fn finish(self, ascii_name: &str, name: &str) -> Result<Response, Error> {
        drop(self.tx);
        self.writer
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))??;
        let bytes = tokio::fs::read(self.tmp.path())
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let mut res = Response::new(Body::from(bytes));
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        );
        if let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
            q(name)
        )) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(res)
    }
}
