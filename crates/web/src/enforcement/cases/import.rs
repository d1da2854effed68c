//! Importing the case register from Excel: a template with Chinese headers and instructions, and an
//! import that checks every row (the form's rules, then the roster, units and numbers in batches),
//! lists every bad row at once and writes nothing unless the whole file is clean.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Permission;
use domain::enforcement::cases::{
    CaseInput, CaseKind, CaseOutcome, CaseStage, ValidCase, decision_fields, validate_case,
};
use reports::{RowError, Sheet};

use super::{ListQuery, render_list};
use crate::AppState;
use crate::auth::Staff;
use crate::error::Error;
use crate::selfcheck::xlsx_download;

/// The columns every file must have (values may be blank where the rules allow).
pub const HEADERS: &[&str] = &[
    "案件编号",
    "案件名称",
    "案件类型",
    "承办单位编码",
    "承办人警号",
    "分管领导警号",
    "受案日期",
    "当前阶段",
    "阶段开始日期",
    "阶段期限",
    "结案日期",
    "结果",
    "是否涉黑恶",
];

/// The stages whose date and deciding person a file may give in optional columns.
const DECIDED: &[CaseStage] = &[
    CaseStage::Filed,
    CaseStage::Investigation,
    CaseStage::Review,
    CaseStage::Trial,
    CaseStage::Judgment,
    CaseStage::Enforcement,
    CaseStage::Closed,
];

const ASSISTANTS: &str = "协办人警号";

/// A province's register comes from its case systems in files of this many rows at most.
pub const MAX_ROWS: usize = 100_000;
pub const MAX_UPLOAD: usize = 30 * 1024 * 1024;
const SHOWN_ERRORS: usize = 200;

fn date_column(s: CaseStage) -> String {
    format!("{}日期", s.label())
}

fn decider_column(s: CaseStage) -> String {
    format!("{}决定人警号", s.label())
}

/// Every column of the template: the required ones, then the optional ones.
fn all_headers() -> Vec<String> {
    let mut v: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    v.push(ASSISTANTS.into());
    for s in DECIDED {
        if *s != CaseStage::Closed {
            v.push(date_column(*s));
        }
        v.push(decider_column(*s));
    }
    v
}

/// The spreadsheet column a form field's error belongs to.
fn column_of(field: Option<&str>) -> String {
    let fixed = match field {
        Some("number") => "案件编号",
        Some("title") => "案件名称",
        Some("kind") => "案件类型",
        Some("unit") => "承办单位编码",
        Some("handler") => "承办人警号",
        Some("leader") => "分管领导警号",
        Some("assistants") => ASSISTANTS,
        Some("received_on") => "受案日期",
        Some("stage") => "当前阶段",
        Some("stage_since") => "阶段开始日期",
        Some("stage_due") => "阶段期限",
        Some("closed_on") => "结案日期",
        Some("outcome") => "结果",
        Some("gang") => "是否涉黑恶",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    for s in DECIDED {
        let (on, by) = decision_fields(*s);
        if field == Some(on) {
            return if *s == CaseStage::Closed {
                "结案日期".into()
            } else {
                date_column(*s)
            };
        }
        if field == Some(by) {
            return decider_column(*s);
        }
    }
    String::new()
}

fn row_err(row: usize, field: Option<&str>, message: String) -> RowError {
    let column = column_of(field);
    RowError {
        row,
        column: Some(column).filter(|c| !c.is_empty()),
        message,
    }
}

fn file_err(message: impl Into<String>) -> RowError {
    RowError {
        row: 0,
        column: None,
        message: message.into(),
    }
}

/// A row's cells as the form's input.
fn row_input(sheet: &Sheet, cells: &[String]) -> CaseInput {
    let cell = |name: &str| {
        sheet
            .column(name)
            .and_then(|i| cells.get(i))
            .cloned()
            .unwrap_or_default()
    };
    CaseInput {
        number: cell("案件编号"),
        title: cell("案件名称"),
        kind: cell("案件类型"),
        unit_code: cell("承办单位编码"),
        handler_badge: cell("承办人警号"),
        leader_badge: cell("分管领导警号"),
        assistant_badges: cell(ASSISTANTS),
        received_on: cell("受案日期"),
        stage: cell("当前阶段"),
        stage_since: cell("阶段开始日期"),
        stage_due: cell("阶段期限"),
        closed_on: cell("结案日期"),
        outcome: cell("结果"),
        gang: cell("是否涉黑恶"),
        decisions: DECIDED
            .iter()
            .map(|s| {
                let on = if *s == CaseStage::Closed {
                    String::new()
                } else {
                    cell(&date_column(*s))
                };
                (*s, on, cell(&decider_column(*s)))
            })
            .filter(|(_, on, by)| !on.trim().is_empty() || !by.trim().is_empty())
            .collect(),
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
    s.require(Permission::ManageCases)?;
    let list = |v: Vec<&str>| v.join("、");
    let notes = [
        "案件编号：必填，2至64字，全市唯一（如 甲公（刑）立字〔2025〕12号）。已登记的编号不能再导入。".to_string(),
        "案件名称：必填，2至200字。".to_string(),
        format!("案件类型：必填，填写以下之一：{}。", list(CaseKind::all().iter().map(|k| k.label()).collect())),
        "承办单位编码：必填，须为您权限范围内的单位编码。".to_string(),
        "承办人警号：必填；分管领导警号、协办人警号（多人用顿号分隔）可不填。警号须在干警花名册中。".to_string(),
        "受案日期、阶段开始日期、各阶段日期、结案日期：日期格式，如 2025-03-08，不能晚于今天，并按阶段先后排列。".to_string(),
        format!(
            "当前阶段：不填视为受案；填写以下之一：{}。刑事案件依次为受案、立案、侦查调查、审查起诉、审理、裁判、执行；行政案件为受案、立案、侦查调查、执行；民事和行政诉讼案件为受案、立案、审理、裁判、执行。",
            list(CaseStage::all().iter().map(|k| k.label()).collect())
        ),
        "阶段开始日期：当前阶段不是受案或结案时必填。阶段期限不填时按办案期限设置自动计算。".to_string(),
        format!(
            "结案日期、结果：当前阶段为结案时必填，否则不填。结果填写以下之一：{}。",
            list(CaseOutcome::all().iter().map(|k| k.label()).collect())
        ),
        "是否涉黑恶：填写“是”或“否”，不填视为否。".to_string(),
        "各阶段日期和决定人警号（立案日期、立案决定人警号……结案决定人警号）：可选列，记录“谁决定谁负责”；填写了决定人的阶段须同时填写该阶段日期。".to_string(),
        format!("一次最多导入{MAX_ROWS}行。任何一行有错误时整份文件都不会导入；请按页面列出的全部错误修改后重新上传。"),
    ];
    let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    let headers = all_headers();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut example = vec![
        "甲公（刑）立字〔2025〕12号",
        "张某某故意伤害案",
        "刑事案件",
        "JA-GA",
        "JA1001",
        "JA0001",
        "2025-03-01",
        "审查起诉",
        "2025-05-10",
        "",
        "",
        "",
        "否",
        "",
        "2025-03-03",
        "JA0001",
        "2025-03-04",
        "JA0001",
        "2025-05-10",
        "JA0001",
    ];
    example.resize(headers.len(), "");
    let bytes = reports::template_xlsx("案件登记", &headers, &example, &notes)?;
    Ok(xlsx_download(
        bytes,
        "cases-template.xlsx",
        "案件登记导入模板.xlsx",
    ))
}

async fn read_upload(mut mp: Multipart) -> Result<(String, Option<Vec<u8>>), String> {
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
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = mp.next_field().await.map_err(fail)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(fail)?,
            "file" => {
                let b = field.bytes().await.map_err(fail)?;
                if !b.is_empty() {
                    file = Some(b.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok((csrf, file))
}

/// Checks every row of a sheet: the form's rules first, then the roster, units and numbers for the
/// rows that pass them. Returns the cases to write, or every problem found.
async fn plan(
    state: &AppState,
    s: &Staff,
    sheet: &Sheet,
) -> Result<Result<Vec<store::enforcement::cases::NewCase>, Vec<RowError>>, Error> {
    let limits = state.store.case_stage_limits().await?;
    let today = store::clues::today();
    let mut errors = Vec::new();
    let mut valid: Vec<(usize, ValidCase)> = Vec::new();
    for (row, cells) in &sheet.rows {
        match validate_case(&row_input(sheet, cells), &limits, today) {
            Ok(v) => valid.push((*row, v)),
            Err(es) => errors.extend(es.into_iter().map(|e| row_err(*row, e.field, e.message))),
        }
    }
    let rows: Vec<ValidCase> = valid.iter().map(|(_, v)| v.clone()).collect();
    let planned = state.store.plan_cases(&s.actor, &rows).await?;
    let mut cases = Vec::with_capacity(planned.len());
    for ((row, _), p) in valid.iter().zip(planned) {
        match p {
            Ok(c) => cases.push(c),
            Err(es) => errors.extend(es.into_iter().map(|e| row_err(*row, e.field, e.message))),
        }
    }
    Ok(if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    })
}

pub(super) async fn import(
    State(state): State<AppState>,
    s: Staff,
    mp: Multipart,
) -> Result<Response, Error> {
    s.require(Permission::ManageCases)?;
    let fail = |errors: Vec<RowError>| render_list(&state, &s, ListQuery::default(), errors, None);
    let (csrf, file) = match read_upload(mp).await {
        Ok(u) => u,
        Err(m) => return fail(vec![file_err(m)]).await,
    };
    s.check_csrf(&csrf)?;
    let Some(bytes) = file else {
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
    let cases = match plan(&state, &s, &sheet).await? {
        Ok(c) => c,
        Err(errors) => return fail(errors).await,
    };
    match state.store.import_cases(&s.actor, &cases).await {
        Ok(n) => Ok(Redirect::to(&format!("/cases?imported={n}")).into_response()),
        Err(store::StoreError::Invalid(e)) => {
            fail(vec![file_err(format!(
                "{}，本次没有导入任何案件",
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

    #[test]
    fn every_field_has_its_column() {
        for f in [
            "number",
            "title",
            "kind",
            "unit",
            "handler",
            "leader",
            "assistants",
            "received_on",
            "stage",
            "stage_since",
            "stage_due",
            "closed_on",
            "outcome",
            "gang",
            "filed_on",
            "filed_by",
            "review_by",
            "closed_by",
        ] {
            let c = column_of(Some(f));
            assert!(all_headers().contains(&c), "{f} → {c}");
        }
        assert_eq!(column_of(Some("trial_on")), "审理日期");
        assert_eq!(column_of(Some("closed_by")), "结案决定人警号");
    }
}
