//! Small SVG charts drawn on the server: no JavaScript, they print and scale, and the same SVG can be
//! rasterised for Word briefings later. Labels are escaped; sizes come from the data alone.

use std::fmt::Write;

const PALETTE: &[&str] = &[
    "#b3262d", "#d9822b", "#3a7ca5", "#2f9e6e", "#7b5ea7", "#c0a43a", "#5f6b7a", "#d35d8a",
    "#4aa3a1", "#8c6d46", "#94a3b8",
];

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Horizontal bars, one per (label, value), largest first as given.
pub fn bars(title: &str, data: &[(String, i64)]) -> String {
    let row = 26;
    let label_w = 190;
    let bar_w = 300;
    let h = 34 + row * data.len().max(1);
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" width="100%"><title>{t}</title><text x="0" y="18" class="ct">{t}</text>"#,
        t = escape(title),
        w = label_w + bar_w + 60
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let y = 30 + i * row;
        let len = (*v as f64 / max as f64 * bar_w as f64).round() as i64;
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="cl">{l}</text><rect x="{bx}" y="{y}" width="{len}" height="18" fill="{c}"><title>{l}：{v}</title></rect><text x="{vx}" y="{ty}" class="cv">{v}</text>"#,
            lx = label_w - 6,
            ty = y + 14,
            l = escape(label),
            bx = label_w,
            c = PALETTE[i % PALETTE.len()],
            vx = label_w as i64 + len + 6,
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical columns over time (e.g. registrations per month).
pub fn columns(title: &str, data: &[(String, i64)]) -> String {
    let col = 44;
    let plot_h = 160;
    let w = 40 + col * data.len().max(1);
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" width="100%"><title>{t}</title><text x="0" y="18" class="ct">{t}</text>"#,
        t = escape(title),
        h = plot_h + 70
    );
    let base = 30 + plot_h;
    let _ = write!(
        s,
        r##"<line x1="30" y1="{base}" x2="{w}" y2="{base}" stroke="#94a3b8"/>"##
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let x = 36 + i * col;
        let hgt = (*v as f64 / max as f64 * plot_h as f64).round() as usize;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="{bw}" height="{hgt}" fill="#3a7ca5"><title>{l}：{v}</title></rect><text x="{cx}" y="{vy}" text-anchor="middle" class="cv">{v}</text><text x="{cx}" y="{ly}" text-anchor="middle" class="cl">{l}</text>"##,
            y = base - hgt,
            bw = col - 10,
            l = escape(label.get(2..).unwrap_or(label)),
            cx = x + (col - 10) / 2,
            vy = base - hgt - 4,
            ly = base + 16,
        );
    }
    s.push_str("</svg>");
    s
}

/// A ring of shares with a legend (e.g. clues by state).
pub fn donut(title: &str, data: &[(String, i64)]) -> String {
    let total: i64 = data.iter().map(|d| d.1).sum();
    let (cx, cy, r, sw) = (90.0f64, 110.0f64, 60.0f64, 28.0f64);
    let circ = 2.0 * std::f64::consts::PI * r;
    let mut s = String::new();
    let h = (40 + 22 * data.len()).max(210);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}" viewBox="0 0 420 {h}" width="100%"><title>{t}</title><text x="0" y="18" class="ct">{t}</text>"#,
        t = escape(title)
    );
    let mut offset = 0.0;
    for (i, (label, v)) in data.iter().enumerate() {
        let frac = if total > 0 {
            *v as f64 / total as f64
        } else {
            0.0
        };
        let len = frac * circ;
        let c = PALETTE[i % PALETTE.len()];
        let _ = write!(
            s,
            r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{c}" stroke-width="{sw}" stroke-dasharray="{len:.2} {rest:.2}" stroke-dashoffset="{off:.2}" transform="rotate(-90 {cx} {cy})"><title>{l}：{v}</title></circle><rect x="200" y="{ly}" width="12" height="12" fill="{c}"/><text x="218" y="{ty}" class="cl">{l}　{v}</text>"#,
            rest = circ - len,
            off = -offset,
            l = escape(label),
            ly = 34 + i * 22,
            ty = 45 + i * 22,
        );
        offset += len;
    }
    let _ = write!(
        s,
        r#"<text x="{cx}" y="{ty}" text-anchor="middle" class="ctotal">{total}</text></svg>"#,
        ty = cy + 6.0
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale_to_the_largest() {
        let svg = bars("类别", &[("<script>".into(), 10), ("乙".into(), 5)]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(r#"width="300""#));
        assert!(svg.contains(r#"width="150""#));
    }

    #[test]
    fn donut_segments_cover_the_ring() {
        let svg = donut("状态", &[("a".into(), 1), ("b".into(), 3)]);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(">4</text>"));
    }
}
