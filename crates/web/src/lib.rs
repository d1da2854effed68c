//! The web layer of Mingjing: the staff console (server-rendered, works without JavaScript), the public
//! reporting portal, and the JSON API with its OpenAPI document. Routes are grouped by domain module,
//! the same names as in `store` and `domain`. This crate talks to the database only through `store`.

pub mod api;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod campaign;
pub mod charts;
pub mod clues;
pub mod dashboard;
pub mod enforcement;
pub mod error;
pub mod org;
pub mod portal;
pub mod progress;
pub mod rectification;
pub mod selfcheck;
pub mod settings;
pub mod study;
pub mod tips;
pub mod view;
pub mod warning;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware;
use domain::limiter::RateLimiter;
use store::Store;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::{ApiError, Error};

/// Settings the web layer reads.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Staff must use a second factor (TOTP); accounts without one are sent to enrol first.
    pub require_totp: bool,
    /// Served behind TLS: cookies get `Secure` and responses carry HSTS.
    pub behind_tls: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            require_totp: true,
            behind_tls: false,
            trust_proxy: false,
        }
    }
}

/// One token-bucket setting: per client, and for all clients together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_minute: u32,
    pub global_burst: u32,
    pub global_per_minute: u32,
}

impl RateLimit {
    /// Receipt lookups and messages: guessing receipts must stay hopeless.
    pub const RECEIPT: RateLimit = RateLimit {
        burst: 10,
        per_minute: 20,
        global_burst: 2_000,
        global_per_minute: 60_000,
    };
    /// Tip submissions: generous, real people file one or two.
    pub const SUBMIT: RateLimit = RateLimit {
        burst: 20,
        per_minute: 30,
        global_burst: 100_000,
        global_per_minute: 600_000,
    };

    fn limiter(self) -> Arc<Mutex<RateLimiter>> {
        Arc::new(Mutex::new(RateLimiter::new(
            self.burst,
            self.per_minute,
            self.global_burst,
            self.global_per_minute,
        )))
    }
}

/// The public portal's rate limits. Kept apart from [`WebConfig`] so code that builds that struct by hand
/// keeps compiling; the defaults are the production values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicLimits {
    pub receipt: RateLimit,
    pub submit: RateLimit,
}

impl Default for PublicLimits {
    fn default() -> Self {
        PublicLimits {
            receipt: RateLimit::RECEIPT,
            submit: RateLimit::SUBMIT,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    /// Receipt lookups and messages by the public: per client and overall.
    pub receipt_limiter: Arc<Mutex<RateLimiter>>,
    /// Tip submissions by the public: per client (generous; real people file one or two).
    pub submit_limiter: Arc<Mutex<RateLimiter>>,
    /// Dashboard aggregates per data scope (see `dashboard::DASHBOARD_TTL`).
    pub dashboard_cache: Arc<dashboard::DashboardCache>,
    /// Campaign progress figures per campaign, every scope filtered from one copy (see `progress`).
    pub progress_cache: Arc<cache::Cache<store::progress::Progress>>,
    /// Second-factor attempts per account: 5 at once, then one a minute, so a stolen password
    /// cannot be followed by guessing all million codes.
    pub totp_limiter: Arc<Mutex<RateLimiter>>,
}

impl AppState {
    /// Spends one second-factor attempt of this account; false when it has none left.
    pub fn allow_totp_attempt(&self, user_id: &str) -> bool {
        self.totp_limiter
            .lock()
            .map(|mut l| l.check(user_id, store::now_ms()))
            .unwrap_or(false)
    }
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self::with_limits(store, config, PublicLimits::default())
    }

    pub fn with_limits(store: Store, config: WebConfig, limits: PublicLimits) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            receipt_limiter: limits.receipt.limiter(),
            submit_limiter: limits.submit.limiter(),
            dashboard_cache: Arc::new(cache::Cache::new(dashboard::DASHBOARD_TTL)),
            progress_cache: Arc::new(cache::Cache::new(progress::PROGRESS_TTL)),
            totp_limiter: Arc::new(Mutex::new(RateLimiter::new(5, 1, 1_000_000, 1_000_000))),
        }
    }
}

/// Largest request body: five attachments of 10 MiB plus the form.
pub const MAX_BODY: usize =
    domain::tips::MAX_ATTACHMENTS * domain::tips::MAX_ATTACHMENT_BYTES + 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    let mut app = Router::new()
        .merge(portal::routes())
        .merge(auth::routes())
        .merge(dashboard::routes())
        .merge(clues::routes())
        .merge(campaign::routes())
        .merge(progress::routes())
        .merge(enforcement::routes())
        .merge(warning::routes())
        .merge(tips::routes())
        .merge(selfcheck::routes())
        .merge(rectification::routes())
        .merge(org::routes())
        .merge(audit::routes())
        .merge(settings::routes())
        .merge(study::routes())
        .merge(api::routes())
        .merge(assets::routes())
        .fallback(error::not_found)
        .layer(middleware::from_fn(error::catch_rejections))
        .layer(middleware::from_fn(error::reject_malformed_forms))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    if state.config.behind_tls {
        app = app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    app.layer(middleware::from_fn(error::request_id))
        .with_state(state)
}

/// Serves until the process ends; prints `listening on http://IP:PORT` once the socket is bound.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
