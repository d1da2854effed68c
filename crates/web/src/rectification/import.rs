//! Importing a ledger kept in Excel (整改台账导入): a download template with Chinese instructions, and an
//! import that checks every row first, reports every bad row at once and writes nothing unless the whole
//! file is clean (then in one transaction).

use std::collections::HashMap;

use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::rectification::{ItemInput, ItemSource, ValidItem};
use domain::tips::ProblemCategory;
use reports::RowError;
use serde::Deserialize;

use super::render_index;
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::{pick_campaign, short_label, xlsx_download};
use crate::view::q;

pub const HEADERS: &[&str] = &[
    "责任单位编码",
    "来源",
    "问题类别",
    "问题",
    "整改措施",
    "责任领导",
    "责任人",
    "整改时限",
];
/// A city's whole ledger is a few thousand rows; a province's stays well under this per upload.
pub const MAX_ROWS: usize = 20_000;
pub const MAX_UPLOAD: usize = 30 * 1024 * 1024;
/// How many row errors the page lists; the rest are counted.
const SHOWN_ERRORS: usize = 200;

fn row_err(row: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        column: Some(column.to_string()),
        message: message.into(),
    }
}

pub(super) fn file_err(message: impl Into<String>) -> RowError {
    RowError {
        row: 0,
        column: None,
        message: message.into(),
    }
}

/// A source by its Chinese label (督导检查) or its code (inspection).
fn parse_source(s: &str) -> Option<ItemSource> {
    let t = s.trim();
    ItemSource::all().iter().copied().find(|x| {
        x.label() == t
            || x.as_str().eq_ignore_ascii_case(t)
            || (*x == ItemSource::Special && t == "专项整治")
    })
}

/// A category by its full label, its short label (干预司法) or its code.
fn parse_category(s: &str) -> Option<ProblemCategory> {
    let t = s.trim();
    ProblemCategory::all()
        .iter()
        .copied()
        .find(|c| c.label() == t || short_label(*c) == t || c.as_str().eq_ignore_ascii_case(t))
}

fn column_of(field: Option<&str>) -> &'static str {
    match field {
        Some("source") => "来源",
        Some("category") => "问题类别",
        Some("problem") => "问题",
        Some("measures") => "整改措施",
        Some("leader") => "责任领导",
        Some("person") => "责任人",
        Some("deadline") => "整改时限",
        _ => "责任单位编码",
    }
}

/// Checks every row (columns in [`HEADERS`] order). `units` maps the codes of units the person may put
/// rows on (in the campaign and in scope) to their ids. Returns the rows, or every problem found.
pub fn plan_rows(
    rows: &[(usize, Vec<String>)],
    units: &HashMap<String, String>,
) -> Result<Vec<(String, ValidItem)>, Vec<RowError>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (row, cells) in rows {
        let row = *row;
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
        let before = errors.len();
        let code = cell(0).trim();
        let unit = if code.is_empty() {
            errors.push(row_err(row, "责任单位编码", "责任单位编码不能为空"));
            None
        } else if let Some(id) = units.get(code) {
            Some(id.clone())
        } else {
            let shown: String = code.chars().filter(|c| !c.is_control()).take(32).collect();
            errors.push(row_err(
                row,
                "责任单位编码",
                format!("单位编码「{shown}」不存在，或不在本次整顿及您的权限范围内"),
            ));
            None
        };
        let source = match parse_source(cell(1)) {
            Some(s) => s.as_str().to_string(),
            None => {
                errors.push(row_err(
                    row,
                    "来源",
                    format!(
                        "来源应为：{}",
                        ItemSource::all()
                            .iter()
                            .map(|s| s.label())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                ));
                String::new()
            }
        };
        let category = match parse_category(cell(2)) {
            Some(c) => c.as_str().to_string(),
            None => {
                errors.push(row_err(
                    row,
                    "问题类别",
                    "无法识别的问题类别，请按模板「填写说明」中的类别填写",
                ));
                String::new()
            }
        };
        let input = ItemInput {
            source,
            category,
            problem: cell(3).to_string(),
            measures: cell(4).to_string(),
            leader: cell(5).to_string(),
            person: cell(6).to_string(),
            deadline: cell(7).trim().replace(['/', '.'], "-"),
        };
        // An imported ledger may already hold rows past their deadline: they come in, and show as overdue.
        match domain::rectification::validate_item(&input, NaiveDate::MIN) {
            Ok(item) if errors.len() == before => {
                if let Some(unit) = unit {
                    out.push((unit, item));
                }
            }
            Ok(_) => {}
            Err(es) => {
                for e in es {
                    // Source and category problems were reported above in the spreadsheet's own words.
                    if matches!(e.field, Some("source"))
                        || (matches!(e.field, Some("category")) && input.category.is_empty())
                    {
                        continue;
                    }
                    errors.push(row_err(row, column_of(e.field), e.message));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The rows on the page, sorted, at most [`SHOWN_ERRORS`], and how many more there are.
pub(super) fn shown(mut errors: Vec<RowError>) -> (Vec<RowError>, usize) {
    errors.sort_by_key(|e| e.row);
    let more = errors.len().saturating_sub(SHOWN_ERRORS);
    errors.truncate(SHOWN_ERRORS);
    (errors, more)
}

pub(super) async fn template(s: Staff) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    let sources = ItemSource::all()
        .iter()
        .map(|x| x.label())
        .collect::<Vec<_>>()
        .join("、");
    let categories = ProblemCategory::all()
        .iter()
        .map(|c| format!("{}（可简写为{}）", c.label(), short_label(*c)))
        .collect::<Vec<_>>()
        .join("；");
    let notes = [
        "责任单位编码：必填，须为本次整顿范围内、您权限范围内的单位编码（见「单位管理」或干警花名册）。".to_string(),
        format!("来源：必填，填写以下之一：{sources}。"),
        format!("问题类别：必填，填写以下之一：{categories}。来源为专项整治的，只能是前六类顽瘴痼疾。"),
        "问题、整改措施：必填，各5至2000字。".to_string(),
        "责任领导、责任人：必填，各不超过50字。".to_string(),
        "整改时限：必填，日期格式，如 2025-06-30。已过时限的事项照常导入，并显示为超期。".to_string(),
        format!("一次最多导入{MAX_ROWS}行。任何一行有错误时整份文件都不会导入；请按页面列出的全部错误修改后重新上传。"),
    ];
    let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    let bytes = reports::template_xlsx(
        "整改台账",
        HEADERS,
        &[
            "JA-GA",
            "顽瘴痼疾专项整治",
            "干预司法",
            "部分民警过问案件未如实登记",
            "开展专项检查，建立月报制度",
            "吴建国",
            "孙磊",
            "2025-06-30",
        ],
        &notes,
    )?;
    Ok(xlsx_download(
        bytes,
        "rectification-template.xlsx",
        "整改台账导入模板.xlsx",
    ))
}

struct Upload {
    csrf: String,
    campaign: String,
    file: Option<Vec<u8>>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
    let fail = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "文件过大：一次上传不能超过{}MB，请分批导入",
                MAX_UPLOAD / 1024 / 1024
            )
        } else {
            "上传的数据不完整或格式不正确，请重新选择文件上传".to_string()
        }
    };
    let mut up = Upload {
        csrf: String::new(),
        campaign: String::new(),
        file: None,
    };
    while let Some(field) = mp.next_field().await.map_err(fail)? {
        match field.name().unwrap_or("") {
            "csrf" => up.csrf = field.text().await.map_err(fail)?,
            "campaign" => up.campaign = field.text().await.map_err(fail)?,
            "file" => {
                let b = field.bytes().await.map_err(fail)?;
                if !b.is_empty() {
                    up.file = Some(b.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok(up)
}

#[derive(Deserialize, Default)]
pub(super) struct CampaignQuery {
    campaign: Option<String>,
}

pub(super) async fn import(
    State(state): State<AppState>,
    s: Staff,
    Query(cq): Query<CampaignQuery>,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ManageLedger)?;
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => {
            return render_index(&state, &s, cq.campaign.as_deref(), vec![file_err(m)], None).await;
        }
    };
    s.check_csrf(&up.csrf)?;
    let Some(pick) = pick_campaign(&state, &s.actor, Some(&up.campaign)).await? else {
        return Err(Error::NotFound);
    };
    let fail = |errors: Vec<RowError>| render_index(&state, &s, Some(pick.id()), errors, None);
    let Some(bytes) = up.file else {
        return fail(vec![file_err("请选择要导入的 Excel 文件（.xlsx）")]).await;
    };
    let sheet =
        match tokio::task::spawn_blocking(move || reports::read_xlsx(&bytes, HEADERS, MAX_ROWS))
            .await
        {
            Ok(Ok(sh)) => sh,
            Ok(Err(e)) => return fail(vec![file_err(e.to_string())]).await,
            // A parser panic on a hostile file is that file's problem, not the server's.
            Err(_) => {
                return fail(vec![file_err("无法读取文件：文件已损坏或包含不支持的内容")]).await;
            }
        };
    // The units a row may name: in the campaign and in the person's scope.
    let mut units = HashMap::new();
    for u in state.store.units_in_scope(&s.actor).await? {
        if state
            .store
            .campaign_unit(&s.actor, &pick.campaign, &u.id)
            .await
            .is_ok()
        {
            units.insert(u.code, u.id);
        }
    }
    let rows = match plan_rows(&sheet.rows, &units) {
        Ok(r) => r,
        Err(errors) => return fail(errors).await,
    };
    match state
        .store
        .add_rectification_items(&s.actor, pick.id(), &rows)
        .await
    {
        Ok(n) => Ok(Redirect::to(&format!(
            "/rectification?campaign={}&imported={n}",
            q(pick.id())
        ))
        .into_response()),
        Err(store::StoreError::Invalid(e)) => {
            fail(vec![file_err(format!(
                "{}，本次没有导入任何整改事项",
                e.message
            ))])
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[&[&str]]) -> Vec<(usize, Vec<String>)> {
        data.iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    fn units() -> HashMap<String, String> {
        HashMap::from([("JA-GA".to_string(), "u1".to_string())])
    }

    const GOOD: &[&str] = &[
        "JA-GA",
        "专项整治",
        "干预司法",
        "部分民警过问案件未如实登记",
        "开展专项检查，建立月报制度",
        "吴建国",
        "孙磊",
        "2020/06/30",
    ];

    #[test]
    fn a_clean_file_plans_every_row() {
        let plan = plan_rows(
            &rows(&[
                GOOD,
                &[
                    "JA-GA",
                    "inspection",
                    "conduct",
                    "工作时间玩游戏",
                    "加强考勤管理",
                    "吴建国",
                    "孙磊",
                    "2030-01-01",
                ],
            ]),
            &units(),
        )
        .unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].0, "u1");
        assert_eq!(plan[0].1.source, ItemSource::Special);
        assert_eq!(plan[0].1.category, ProblemCategory::Interference);
        // A past deadline is accepted on import.
        assert_eq!(
            plan[0].1.deadline,
            NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_column() {
        let errs = plan_rows(
            &rows(&[
                GOOD,
                &[
                    "YB-FY",
                    "专项整治",
                    "干预司法",
                    "问题描述五个字",
                    "措施描述五个字",
                    "甲",
                    "乙",
                    "2030-01-01",
                ],
                &[
                    "JA-GA",
                    "随便",
                    "作风纪律",
                    "问题描述五个字",
                    "措施描述五个字",
                    "甲",
                    "乙",
                    "2030-01-01",
                ],
                &[
                    "JA-GA",
                    "专项整治",
                    "作风纪律",
                    "问题描述五个字",
                    "措施描述五个字",
                    "甲",
                    "乙",
                    "明年",
                ],
                &[
                    "JA-GA",
                    "督导检查",
                    "不知道",
                    "短",
                    "措施描述五个字",
                    "",
                    "乙",
                    "2030-01-01",
                ],
            ]),
            &units(),
        )
        .unwrap_err();
        let cells: Vec<(usize, &str)> = errs
            .iter()
            .map(|e| (e.row, e.column.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            cells,
            vec![
                (3, "责任单位编码"),
                (4, "来源"),
                (5, "问题类别"),
                (5, "整改时限"),
                (6, "问题类别"),
                (6, "问题"),
                (6, "责任领导")
            ]
        );
        assert!(errs[0].message.contains("YB-FY"));
        assert!(
            errs[2].message.contains("六类顽瘴痼疾"),
            "{}",
            errs[2].message
        );
    }
}
