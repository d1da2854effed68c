//! The heat map of units: one cell per unit in scope, coloured by its officers' scores per 100 officers
//! (its own officers, as the last recomputation summed them), each cell linking to that unit's list.
//! Drawn as SVG here (fill attributes, no inline style, so the strict CSP holds), with the same figures
//! in a table below for reading and printing.

use std::fmt::Write;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::access::Permission;
use domain::warning::{heat_band, per_hundred};
use store::warning::UnitWarning;

use super::run_line;
use crate::AppState;
use crate::auth::Staff;
use crate::charts::escape;
use crate::error::Error;
use crate::view::{Nav, page};

/// Fill and text colour per band: grey for no score, then pale yellow to deep red.
const BANDS: [(&str, &str); 6] = [
    ("#e6eaef", "#334155"),
    ("#fef3c7", "#334155"),
    ("#fde68a", "#334155"),
    ("#fdba74", "#334155"),
    ("#f87171", "#ffffff"),
    ("#b91c1c", "#ffffff"),
];

const COLUMNS: usize = 5;
const CELL_W: usize = 180;
const CELL_H: usize = 74;
const GAP: usize = 6;

pub(crate) struct Cell {
    pub u: UnitWarning,
    pub per100: Option<f64>,
    pub band: u8,
}

impl Cell {
    pub fn indent(&self) -> String {
        "　".repeat(self.u.depth)
    }

    pub fn per100_text(&self) -> String {
        self.per100
            .map(|v| format!("{v:.1}"))
            .unwrap_or_else(|| "—".into())
    }
}

fn short(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// The grid: units in tree order, `COLUMNS` to a row.
pub(crate) fn svg(cells: &[Cell]) -> String {
    let rows = cells.len().div_ceil(COLUMNS).max(1);
    let w = COLUMNS * (CELL_W + GAP);
    let h = rows * (CELL_H + GAP);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" role="img" aria-label="单位风险热力图" viewBox="0 0 {w} {h}" width="100%"><title>单位风险热力图（每百名干警风险分）</title>"#
    );
    for (i, c) in cells.iter().enumerate() {
        let x = (i % COLUMNS) * (CELL_W + GAP);
        let y = (i / COLUMNS) * (CELL_H + GAP);
        let (fill, ink) = BANDS[usize::from(c.band.min(5))];
        let name = escape(&c.u.name);
        let _ = write!(
            s,
            r##"<a href="/warnings?unit={id}"><title>{name}：每百人风险分{v}，预警{alert}人、关注{watch}人，共{officers}名干警</title><rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" rx="4" fill="{fill}" stroke="#cbd5e1"/><text x="{tx}" y="{y1}" fill="{ink}" font-weight="bold">{short}</text><text x="{tx}" y="{y2}" fill="{ink}">每百人 {v}</text><text x="{tx}" y="{y3}" fill="{ink}">预警{alert} 关注{watch} / {officers}人</text></a>"##,
            id = escape(&c.u.unit_id),
            v = c.per100_text(),
            alert = c.u.alert,
            watch = c.u.watch,
            officers = c.u.officers,
            tx = x + 8,
            y1 = y + 22,
            y2 = y + 44,
            y3 = y + 64,
            short = escape(&short(&c.u.name, 12)),
        );
    }
    s.push_str("</svg>");
    s
}

pub(crate) fn cells(units: Vec<UnitWarning>) -> Vec<Cell> {
    let values: Vec<Option<f64>> = units
        .iter()
        .map(|u| per_hundred(u.score, u.officers))
        .collect();
    let max = values.iter().flatten().copied().fold(0.0, f64::max);
    units
        .into_iter()
        .zip(values)
        .map(|(u, per100)| Cell {
            band: per100.map(|v| heat_band(v, max)).unwrap_or(0),
            per100,
            u,
        })
        .collect()
}

/// The legend: what each band covers, in points per 100 officers.
fn legend(max: f64) -> Vec<(&'static str, String)> {
    let mut out = vec![(BANDS[0].0, "0分或无干警".to_string())];
    for (b, (fill, _)) in BANDS.iter().enumerate().skip(1) {
        let lo = max * (b - 1) as f64 / 5.0;
        let hi = max * b as f64 / 5.0;
        out.push((*fill, format!("{lo:.1}—{hi:.1}")));
    }
    out
}

#[derive(Template)]
#[template(path = "warnings/heatmap.html")]
struct HeatmapPage {
    nav: Nav,
    svg: String,
    cells: Vec<Cell>,
    legend: Vec<(&'static str, String)>,
    officers: i64,
    alert: i64,
    watch: i64,
    per100: String,
    run_line: String,
}

pub(super) async fn show(State(state): State<AppState>, s: Staff) -> Result<Response, Error> {
    s.require(Permission::ViewWarnings)?;
    let units = state.store.warning_units(&s.actor).await?;
    let run = state.store.last_warning_run().await?;
    let (officers, score, alert, watch) = units.iter().fold((0, 0, 0, 0), |t, u| {
        (
            t.0 + u.officers,
            t.1 + u.score,
            t.2 + u.alert,
            t.3 + u.watch,
        )
    });
    let cells = cells(units);
    let max = cells.iter().filter_map(|c| c.per100).fold(0.0, f64::max);
    Ok(page(&HeatmapPage {
        nav: s.nav("/warnings"),
        svg: svg(&cells),
        legend: legend(max),
        cells,
        officers,
        alert,
        watch,
        per100: per_hundred(score, officers)
            .map(|v| format!("{v:.1}"))
            .unwrap_or_else(|| "—".into()),
        run_line: run_line(&run),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, name: &str, officers: i64, score: i64) -> UnitWarning {
        UnitWarning {
            unit_id: id.into(),
            code: id.into(),
            name: name.into(),
            path: format!("/{id}/"),
            depth: 0,
            officers,
            score,
            watch: 0,
            alert: 0,
        }
    }

    #[test]
    fn cells_are_coloured_by_score_per_hundred_and_link_to_their_unit() {
        let c = cells(vec![
            unit("a", "<甲>", 200, 100),
            unit("b", "乙", 10, 20),
            unit("c", "丙", 0, 0),
            unit("d", "丁", 50, 0),
        ]);
        // 50 and 200 per hundred: 乙 is hottest, 甲 a quarter of it (band 2), 丙 and 丁 none.
        assert_eq!(
            c.iter().map(|c| c.band).collect::<Vec<_>>(),
            vec![2, 5, 0, 0]
        );
        assert_eq!(c[0].per100_text(), "50.0");
        assert_eq!(c[2].per100_text(), "—");
        let s = svg(&c);
        assert_eq!(s.matches("<a href=\"/warnings?unit=").count(), 4);
        assert!(s.contains("<a href=\"/warnings?unit=b\">"));
        assert!(s.contains(BANDS[5].0) && s.contains(BANDS[2].0));
        assert!(!s.contains("<甲>") && s.contains("&lt;甲&gt;"));
        assert_eq!(
            short("一二三四五六七八九十一二三", 12),
            "一二三四五六七八九十一…"
        );
    }
}
