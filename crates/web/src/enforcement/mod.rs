//! Enforcement supervision pages: the case register, inquiry records, case review and trace-back, guiding
//! cases and commentary, and the data checks.

pub mod cases;
pub mod checks;
pub mod guiding;
pub mod inquiries;
pub mod review;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(cases::routes())
        .merge(inquiries::routes())
        .merge(review::routes())
        .merge(guiding::routes())
        .merge(checks::routes())
}
