//! Self-check pages (自查自纠): an officer's own self-report, which works on a phone (`mine`); the
//! self-check window, statistics per unit and category, and officers' reports with every version
//! (`stats`); the problems the organisation found with their leniency decisions (`findings`). Helpers
//! shared with the rectification pages (campaign choice, .xlsx downloads, labels) live here.

mod findings;
mod mine;
mod stats;

use std::future::Future;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::rectification::{ItemSource, ItemState};
use domain::selfcheck::{Leniency, Section, Window};
use domain::tips::ProblemCategory;
use store::Actor;
use store::campaign::Campaign;
use store::selfcheck::VersionView;

use crate::AppState;
use crate::error::Error;
use crate::view::{fmt_time, q};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(mine::routes())
        .merge(stats::routes())
        .merge(findings::routes())
}

// ---------- shared with the rectification pages ----------

pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn opts<'a>(
    items: impl Iterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<Opt> {
    items
        .map(|(v, l)| Opt {
            value: v.to_string(),
            label: l.to_string(),
            selected: v == selected,
        })
        .collect()
}

/// The campaign a page is about, and the others the person may switch to.
pub(crate) struct CampaignPick {
    pub campaign: Campaign,
    pub options: Vec<Opt>,
}

impl CampaignPick {
    pub fn id(&self) -> &str {
        &self.campaign.id
    }
}

/// The requested campaign (404 when the person may not see it), or the newest one they may see; `None`
/// when there is none yet.
pub(crate) async fn pick_campaign(
    state: &AppState,
    actor: &Actor,
    wanted: Option<&str>,
) -> Result<Option<CampaignPick>, Error> {
    let (list, _) = state.store.campaigns(actor, 0, 100).await?;
    let wanted = wanted.map(str::trim).filter(|w| !w.is_empty());
    let id = match wanted {
        Some(w) => w.to_string(),
        None => match list.first() {
            Some(c) => c.id.clone(),
            None => return Ok(None),
        },
    };
    let campaign = state.store.campaign_in_scope(actor, &id).await?;
    let mut options: Vec<Opt> = list
        .iter()
        .map(|c| Opt {
            value: c.id.clone(),
            label: c.name.clone(),
            selected: c.id == campaign.id,
        })
        .collect();
    if !options.iter().any(|o| o.selected) {
        options.insert(
            0,
            Opt {
                value: campaign.id.clone(),
                label: campaign.name.clone(),
                selected: true,
            },
        );
    }
    Ok(Some(CampaignPick { campaign, options }))
}

/// A short name for each category, for charts and narrow tables.
pub(crate) fn short_label(c: ProblemCategory) -> &'static str {
    use ProblemCategory::*;
    match c {
        Interference => "干预司法",
        IllegalBusiness => "违规经商办企业",
        IllegalInvestmentLending => "违规参股借贷",
        IllegalCommutation => "违规减刑假释暂予监外执行",
        CaseSuppression => "有案不立压案不查",
        RevolvingDoor => "离任违规执业、司法掮客",
        TwoFaced => "两面人",
        ProtectionUmbrella => "保护伞",
        JudicialCorruption => "执法司法腐败",
        Conduct => "作风纪律",
        Other => "其他",
    }
}

pub fn category_label(code: &str) -> &'static str {
    ProblemCategory::parse(code)
        .map(|c| c.label())
        .unwrap_or("其他")
}
pub fn leniency_label(code: &str) -> &'static str {
    Leniency::parse(code).map(|c| c.label()).unwrap_or("未知")
}
pub fn item_state_label(code: &str) -> &'static str {
    ItemState::parse(code).map(|c| c.label()).unwrap_or("未知")
}
pub fn item_source_label(code: &str) -> &'static str {
    ItemSource::parse(code).map(|c| c.label()).unwrap_or("其他")
}

pub(crate) fn bad_request(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

pub(crate) fn xlsx_download(bytes: Vec<u8>, ascii_name: &str, name: &str) -> Response {
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
    res
}

/// Writes an .xlsx in constant memory on a blocking thread, fed page by page: `next` gets the id after
/// which to continue and returns the rows and the last id, or no rows when done. The export is audited.
pub(crate) async fn export_xlsx<F, Fut>(
    state: &AppState,
    actor: &Actor,
    what: &str,
    sheet: &'static str,
    headers: &'static [&'static str],
    mut next: F,
) -> Result<Vec<u8>, Error>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<Vec<reports::Cell>>, String), Error>>,
{
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
    let mut after = String::new();
    let mut count = 0u64;
    let fed: Result<(), Error> = async {
        loop {
            let (rows, last) = next(after.clone()).await?;
            if rows.is_empty() {
                return Ok(());
            }
            after = last;
            for r in rows {
                count += 1;
                if tx.send(r).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
    .await;
    drop(tx);
    writer
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))??;
    fed?;
    state
        .store
        .audit_now(
            &actor.audit(),
            &format!("{what}.export"),
            what,
            &format!("{count} rows"),
        )
        .await?;
    tokio::fs::read(tmp.path())
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))
}

pub(crate) fn window_text(w: &Option<Window>) -> String {
    match w {
        Some(w) => format!("{} 至 {}", w.opens, w.closes),
        None => "尚未设定".into(),
    }
}

pub(crate) struct VersionRow {
    pub version: i32,
    pub at: String,
    pub by: String,
    pub nil: bool,
    pub problems: Vec<(&'static str, String)>,
}

pub(crate) fn version_rows(versions: &[VersionView]) -> Vec<VersionRow> {
    versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            at: fmt_time(v.submitted_at),
            by: v.submitted_by.clone(),
            nil: v.problems() == 0,
            problems: v
                .sections
                .iter()
                .filter_map(|(c, s)| match s {
                    Section::Text(t) => Some((c.label(), t.clone())),
                    Section::Nil => None,
                })
                .collect(),
        })
        .collect()
}
