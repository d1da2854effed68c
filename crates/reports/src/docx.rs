//! The campaign's weekly briefing (工作简报) as a Word file laid out after GB/T 9704-2012 (党政机关公文格式):
//! a red 版头, the title, body text on a grid of 22 lines × 28 三号 characters, tables, native bar charts,
//! the 版记 and page numbers. The OOXML parts are written here by hand and zipped; Word and LibreOffice
//! both draw the charts from the caches inside their parts, so no workbook is embedded. Every text may
//! come from user data and is escaped, with the characters XML 1.0 forbids dropped.

use std::fmt::Write as _;
use std::io::{self, Cursor, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::ReportError;

/// One issue of the briefing.
#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    /// The briefing's name in the 版头, e.g. "教育整顿工作简报".
    pub masthead: String,
    /// e.g. "第 3 期".
    pub issue: String,
    /// Who issues it, left under the masthead.
    pub issuer: String,
    /// e.g. "2026年11月27日", right under the masthead and again in the 印发 line.
    pub date: String,
    pub title: String,
    pub blocks: Vec<Block>,
    /// 版记 lines such as "报：市委政法委", "送：各区县政法委".
    pub send_to: Vec<String>,
    /// 印发机关.
    pub printed_by: String,
}

/// A piece of the body, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// "一、…" in 黑体.
    Heading1(String),
    /// "（一）…" in 楷体.
    Heading2(String),
    /// Body text; a line break inside stays a line break.
    Paragraph(String),
    /// Rows shorter than the header are padded; longer rows are refused.
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A column chart; each series carries one value per category (a non-finite value leaves a gap).
    BarChart {
        title: String,
        categories: Vec<String>,
        series: Vec<(String, Vec<f64>)>,
    },
}

/// Writes the .docx to any writer.
pub fn write_briefing<W: Write + Seek>(b: &Briefing, out: W) -> Result<(), ReportError> {
    let parts = build_parts(b)?;
    let mut zip = ZipWriter::new(out);
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, xml) in &parts {
        zip.start_file(name.as_str(), options)
            .map_err(io::Error::from)?;
        zip.write_all(xml.as_bytes())?;
    }
    zip.finish().map_err(io::Error::from)?;
    Ok(())
}

/// Convenience: the whole file in memory (a briefing is small).
pub fn briefing_bytes(b: &Briefing) -> Result<Vec<u8>, ReportError> {
    let mut buf = Cursor::new(Vec::new());
    write_briefing(b, &mut buf)?;
    Ok(buf.into_inner())
}

// ---- geometry (GB/T 9704-2012 §5.2), in twips unless named otherwise ----

const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
const MARGIN_TOP: u32 = mm_to_twips(37);
const MARGIN_BOTTOM: u32 = mm_to_twips(35);
const MARGIN_LEFT: u32 = mm_to_twips(28);
const MARGIN_RIGHT: u32 = mm_to_twips(26);
const TEXT_WIDTH: u32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
const TEXT_HEIGHT: u32 = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
const LINES_PER_PAGE: u32 = 22;
const CHARS_PER_LINE: u32 = 28;
/// Grid pitch and exact line spacing: 22 lines fill the text block (28.95 pt).
const LINE_PITCH: u32 = TEXT_HEIGHT / LINES_PER_PAGE;
/// Width of one grid character; 28 of them fill a line.
const CHAR_PITCH: u32 = TEXT_WIDTH / CHARS_PER_LINE;

// Font sizes in half-points, as runs carry them.
const SANHAO: u32 = 32;
const ERHAO: u32 = 44;
const SIHAO: u32 = 28;
const XIAOSI: u32 = 24;
/// The largest masthead, 初号 (42 pt); a long name is set smaller so that it stays on one line.
const CHUHAO: u32 = 84;

/// 三号 characters are condensed by this much (1/20 pt) so that 28 fill a line: 16 pt is a little more
/// than a 28th of 156 mm. The advance is set midway between a 29th and a 28th of the line, so that a
/// renderer that measures a little wide (LibreOffice does while a character grid is defined) still
/// breaks after the 28th; justification then spreads each line back to the full width.
const SANHAO_SPACING: i32 = (TEXT_WIDTH * 2 / (CHARS_PER_LINE * 2 + 1)) as i32 - SANHAO as i32 * 10;

/// docGrid's charSpace: what each 三号 character gains or loses, in 1/4096 pt, so 28 fill a line.
/// Rounded down so the 28th character still fits. The grid is what Word's page setup shows and what
/// text a user adds follows; the generated paragraphs stay off it (see `Para::open`).
const CHAR_SPACE: i64 =
    (TEXT_WIDTH as i64 * 4096).div_euclid(CHARS_PER_LINE as i64 * 20) - (SANHAO as i64 / 2) * 4096;

/// 1 twip = 635 EMU (the unit of drawings).
const EMU_PER_TWIP: u64 = 635;
const CHART_WIDTH_EMU: u64 = TEXT_WIDTH as u64 * EMU_PER_TWIP;
const CHART_HEIGHT_EMU: u64 = CHART_WIDTH_EMU * 9 / 16;

const RED: &str = "FF0000";

const fn mm_to_twips(mm: u32) -> u32 {
    (mm * 14400 + 127) / 254
}

// ---- fonts and runs ----

#[derive(Clone, Copy)]
enum Font {
    XiaoBiaoSong,
    FangSong,
    HeiTi,
    KaiTi,
    SongTi,
}

impl Font {
    fn name(self) -> &'static str {
        match self {
            Font::XiaoBiaoSong => "方正小标宋简体",
            Font::FangSong => "仿宋_GB2312",
            Font::HeiTi => "黑体",
            Font::KaiTi => "楷体_GB2312",
            Font::SongTi => "宋体",
        }
    }
}

#[derive(Clone, Copy)]
struct RunStyle {
    font: Font,
    /// Digits and Latin letters: Times New Roman, except where the standard asks for 宋体 (page numbers).
    latin: &'static str,
    size: u32,
    /// Character spacing in 1/20 pt.
    spacing: i32,
    bold: bool,
    color: Option<&'static str>,
}

impl RunStyle {
    fn new(font: Font, size: u32) -> Self {
        RunStyle {
            font,
            latin: "Times New Roman",
            size,
            spacing: if size == SANHAO { SANHAO_SPACING } else { 0 },
            bold: false,
            color: None,
        }
    }
}

fn push_run_props(out: &mut String, s: RunStyle) {
    let _ = write!(
        out,
        r#"<w:rPr><w:rFonts w:ascii="{l}" w:hAnsi="{l}" w:eastAsia="{e}" w:cs="{l}" w:hint="eastAsia"/>"#,
        l = s.latin,
        e = s.font.name()
    );
    if s.bold {
        out.push_str("<w:b/><w:bCs/>");
    }
    if let Some(color) = s.color {
        let _ = write!(out, r#"<w:color w:val="{color}"/>"#);
    }
    if s.spacing != 0 {
        let _ = write!(out, r#"<w:spacing w:val="{}"/>"#, s.spacing);
    }
    let _ = write!(
        out,
        r#"<w:sz w:val="{0}"/><w:szCs w:val="{0}"/></w:rPr>"#,
        s.size
    );
}

/// One run; a line break in the text becomes w:br and a tab w:tab.
fn push_run(out: &mut String, style: RunStyle, text: &str) {
    out.push_str("<w:r>");
    push_run_props(out, style);
    let mut piece = String::new();
    for c in text.chars() {
        match c {
            '\n' | '\t' => {
                push_text_element(out, &piece);
                piece.clear();
                out.push_str(if c == '\n' { "<w:br/>" } else { "<w:tab/>" });
            }
            '\r' => {}
            c => piece.push(c),
        }
    }
    push_text_element(out, &piece);
    out.push_str("</w:r>");
}

fn push_text_element(out: &mut String, text: &str) {
    if !text.is_empty() {
        out.push_str(r#"<w:t xml:space="preserve">"#);
        push_escaped(out, text);
        out.push_str("</w:t>");
    }
}

/// XML 1.0 §2.2: the characters a document may hold at all.
fn allowed_in_xml(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text for element content and attribute values alike; forbidden characters are dropped.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if allowed_in_xml(c) => out.push(c),
            _ => {}
        }
    }
}

fn escaped(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    push_escaped(&mut s, text);
    s
}

/// Width in half grid characters: CJK and full-width forms take two, ASCII one.
fn display_width(text: &str) -> u32 {
    text.chars()
        .filter(|c| allowed_in_xml(*c) && !c.is_control())
        .map(|c| if c.len_utf8() >= 3 { 2 } else { 1 })
        .sum()
}

// ---- paragraphs ----

/// A paragraph's properties, written in the order the schema wants them.
#[derive(Clone)]
struct Para {
    style: Option<&'static str>,
    keep_next: bool,
    /// A pre-rendered w:pBdr.
    border: Option<String>,
    right_tab: bool,
    before: u32,
    after: u32,
    /// Exact line height; None is single spacing (what an inline chart needs).
    line: Option<u32>,
    left: u32,
    right: u32,
    /// Positive: first-line indent; negative: hanging indent.
    first_line: i32,
    first_line_chars: Option<u32>,
    align: &'static str,
    outline: Option<u8>,
}

impl Para {
    fn body() -> Self {
        Para {
            style: None,
            keep_next: false,
            border: None,
            right_tab: false,
            before: 0,
            after: 0,
            line: Some(LINE_PITCH),
            left: 0,
            right: 0,
            first_line: 2 * CHAR_PITCH as i32,
            first_line_chars: Some(200),
            align: "both",
            outline: None,
        }
    }

    fn centered() -> Self {
        Para {
            first_line: 0,
            first_line_chars: None,
            align: "center",
            ..Para::body()
        }
    }

    fn open(&self, out: &mut String) {
        out.push_str("<w:p><w:pPr>");
        if let Some(style) = self.style {
            let _ = write!(out, r#"<w:pStyle w:val="{style}"/>"#);
        }
        if self.keep_next {
            out.push_str("<w:keepNext/>");
        }
        if let Some(border) = &self.border {
            out.push_str(border);
        }
        if self.right_tab {
            let _ = write!(
                out,
                r#"<w:tabs><w:tab w:val="right" w:pos="{}"/></w:tabs>"#,
                TEXT_WIDTH.saturating_sub(self.right)
            );
        }
        // Off the grid: LibreOffice (7.4 at least) gives a character two cells when the grid is
        // narrower than the font, as it is here (15.8 pt cells for 16 pt text). Exact line spacing
        // and condensed 三号 runs make the same 22 × 28 page without it.
        out.push_str(r#"<w:snapToGrid w:val="0"/>"#);
        match self.line {
            Some(line) => {
                let _ = write!(
                    out,
                    r#"<w:spacing w:before="{}" w:after="{}" w:line="{line}" w:lineRule="exact"/>"#,
                    self.before, self.after
                );
            }
            None => {
                let _ = write!(
                    out,
                    r#"<w:spacing w:before="{}" w:after="{}" w:line="240" w:lineRule="auto"/>"#,
                    self.before, self.after
                );
            }
        }
        let _ = write!(
            out,
            r#"<w:ind w:left="{}" w:right="{}""#,
            self.left, self.right
        );
        if self.first_line < 0 {
            let _ = write!(out, r#" w:hanging="{}""#, -self.first_line);
        } else {
            if let Some(chars) = self.first_line_chars {
                let _ = write!(out, r#" w:firstLineChars="{chars}""#);
            }
            let _ = write!(out, r#" w:firstLine="{}""#, self.first_line);
        }
        out.push_str("/>");
        let _ = write!(out, r#"<w:jc w:val="{}"/>"#, self.align);
        if let Some(level) = self.outline {
            let _ = write!(out, r#"<w:outlineLvl w:val="{level}"/>"#);
        }
        out.push_str("</w:pPr>");
    }
}

fn push_paragraph(out: &mut String, para: &Para, style: RunStyle, text: &str) {
    para.open(out);
    push_run(out, style, text);
    out.push_str("</w:p>");
}

fn border_line(side: &str, size: u32, color: &str, space: u32) -> String {
    format!(r#"<w:{side} w:val="single" w:sz="{size}" w:space="{space}" w:color="{color}"/>"#)
}

// ---- the parts ----

const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
const NS_A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const NS_C: &str = "http://schemas.openxmlformats.org/drawingml/2006/chart";
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

fn build_parts(b: &Briefing) -> Result<Vec<(String, String)>, ReportError> {
    let mut charts = Vec::new();
    let document = document_xml(b, &mut charts)?;
    let mut parts = vec![
        (
            "[Content_Types].xml".to_owned(),
            content_types(charts.len()),
        ),
        ("_rels/.rels".to_owned(), package_rels()),
        ("docProps/core.xml".to_owned(), core_xml(b)),
        ("docProps/app.xml".to_owned(), app_xml(b)),
        ("word/document.xml".to_owned(), document),
        (
            "word/_rels/document.xml.rels".to_owned(),
            document_rels(charts.len()),
        ),
        ("word/styles.xml".to_owned(), styles_xml()),
        ("word/settings.xml".to_owned(), settings_xml()),
        ("word/fontTable.xml".to_owned(), font_table_xml()),
        ("word/footer1.xml".to_owned(), footer_xml(false)),
        ("word/footer2.xml".to_owned(), footer_xml(true)),
    ];
    for (i, chart) in charts.into_iter().enumerate() {
        parts.push((format!("word/charts/chart{}.xml", i + 1), chart));
    }
    Ok(parts)
}

fn content_types(chart_count: usize) -> String {
    let mut s = String::from(XML_DECL);
    s.push_str(
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>"#,
    );
    let word = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    for (part, kind) in [
        ("/word/document.xml", "document.main"),
        ("/word/styles.xml", "styles"),
        ("/word/settings.xml", "settings"),
        ("/word/fontTable.xml", "fontTable"),
        ("/word/footer1.xml", "footer"),
        ("/word/footer2.xml", "footer"),
    ] {
        let _ = write!(
            s,
            r#"<Override PartName="{part}" ContentType="{word}.{kind}+xml"/>"#
        );
    }
    for n in 1..=chart_count {
        let _ = write!(
            s,
            r#"<Override PartName="/word/charts/chart{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>"#
        );
    }
    s.push_str(
        r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#,
    );
    s
}

fn package_rels() -> String {
    format!(
        r#"{XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{NS_R}/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="{NS_R}/extended-properties" Target="docProps/app.xml"/></Relationships>"#
    )
}

fn document_rels(chart_count: usize) -> String {
    let mut s = format!(
        r#"{XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="{NS_R}/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="{NS_R}/settings" Target="settings.xml"/><Relationship Id="rIdFonts" Type="{NS_R}/fontTable" Target="fontTable.xml"/><Relationship Id="rIdFooterOdd" Type="{NS_R}/footer" Target="footer1.xml"/><Relationship Id="rIdFooterEven" Type="{NS_R}/footer" Target="footer2.xml"/>"#
    );
    for n in 1..=chart_count {
        let _ = write!(
            s,
            r#"<Relationship Id="rIdChart{n}" Type="{NS_R}/chart" Target="charts/chart{n}.xml"/>"#
        );
    }
    s.push_str("</Relationships>");
    s
}

fn core_xml(b: &Briefing) -> String {
    format!(
        r#"{XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>{}</dc:creator><dc:language>zh-CN</dc:language></cp:coreProperties>"#,
        escaped(&b.title),
        escaped(&format!("{} {}", b.masthead, b.issue)),
        escaped(&b.printed_by)
    )
}

fn app_xml(b: &Briefing) -> String {
    format!(
        r#"{XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Mingjing</Application><DocSecurity>0</DocSecurity><Company>{}</Company></Properties>"#,
        escaped(&b.printed_by)
    )
}

fn styles_xml() -> String {
    // The size is repeated on Normal: LibreOffice takes the grid's cell width from that style alone
    // (12 pt when it has none). Spacing is not, or every style based on Normal would be condensed.
    let fonts = |east: Font| {
        format!(
            r#"<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{}" w:cs="Times New Roman"/>"#,
            east.name()
        )
    };
    format!(
        r#"{XML_DECL}<w:styles xmlns:w="{NS_W}"><w:docDefaults><w:rPrDefault><w:rPr>{body}<w:kern w:val="2"/><w:sz w:val="{SANHAO}"/><w:szCs w:val="{SANHAO}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:snapToGrid w:val="0"/><w:spacing w:line="{LINE_PITCH}" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:rPr>{body}<w:sz w:val="{SANHAO}"/><w:szCs w:val="{SANHAO}"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr>{title}<w:sz w:val="{ERHAO}"/><w:szCs w:val="{ERHAO}"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr>{h1}</w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr><w:rPr>{h2}</w:rPr></w:style><w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体" w:cs="宋体"/><w:sz w:val="{SIHAO}"/><w:szCs w:val="{SIHAO}"/></w:rPr></w:style><w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#,
        body = fonts(Font::FangSong),
        title = fonts(Font::XiaoBiaoSong),
        h1 = fonts(Font::HeiTi),
        h2 = fonts(Font::KaiTi),
    )
}

fn settings_xml() -> String {
    // evenAndOddHeaders: GB/T 9704 §7.5 puts odd page numbers right and even ones left.
    format!(
        r#"{XML_DECL}<w:settings xmlns:w="{NS_W}"><w:zoom w:percent="100"/><w:defaultTabStop w:val="{CHAR_PITCH}"/><w:evenAndOddHeaders/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>"#
    )
}

fn font_table_xml() -> String {
    let mut s = format!(r#"{XML_DECL}<w:fonts xmlns:w="{NS_W}">"#);
    // altName: the common font a reader without the GB2312-era fonts most likely has.
    for (name, alt, family, pitch) in [
        ("Times New Roman", None, "roman", "variable"),
        ("宋体", Some("SimSun"), "auto", "variable"),
        ("仿宋_GB2312", Some("仿宋"), "modern", "fixed"),
        ("楷体_GB2312", Some("楷体"), "modern", "fixed"),
        ("黑体", Some("SimHei"), "modern", "fixed"),
        ("方正小标宋简体", Some("宋体"), "script", "fixed"),
    ] {
        let _ = write!(s, r#"<w:font w:name="{name}">"#);
        if let Some(alt) = alt {
            let _ = write!(s, r#"<w:altName w:val="{alt}"/><w:charset w:val="86"/>"#);
        }
        let _ = write!(
            s,
            r#"<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>"#
        );
    }
    s.push_str("</w:fonts>");
    s
}

/// GB/T 9704 §7.5: "— 1 —" in 四号 宋体, a character in from the right on odd pages and from the
/// left on even ones.
fn footer_xml(even: bool) -> String {
    let style = RunStyle {
        latin: "宋体",
        ..RunStyle::new(Font::SongTi, SIHAO)
    };
    let one_char = SIHAO * 10;
    let para = Para {
        style: Some("Footer"),
        line: Some(SIHAO * 10 + 40),
        left: if even { one_char } else { 0 },
        right: if even { 0 } else { one_char },
        align: if even { "left" } else { "right" },
        ..Para::centered()
    };
    let mut s = format!(r#"{XML_DECL}<w:ftr xmlns:w="{NS_W}" xmlns:r="{NS_R}">"#);
    para.open(&mut s);
    push_run(&mut s, style, "— ");
    let field_run = |s: &mut String, inner: &str| {
        s.push_str("<w:r>");
        push_run_props(s, style);
        s.push_str(inner);
        s.push_str("</w:r>");
    };
    field_run(&mut s, r#"<w:fldChar w:fldCharType="begin"/>"#);
    field_run(
        &mut s,
        r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#,
    );
    field_run(&mut s, r#"<w:fldChar w:fldCharType="separate"/>"#);
    field_run(&mut s, "<w:t>1</w:t>");
    field_run(&mut s, r#"<w:fldChar w:fldCharType="end"/>"#);
    push_run(&mut s, style, " —");
    s.push_str("</w:p></w:ftr>");
    s
}

// ---- document.xml ----

fn document_xml(b: &Briefing, charts: &mut Vec<String>) -> Result<String, ReportError> {
    let mut s = format!(
        r#"{XML_DECL}<w:document xmlns:w="{NS_W}" xmlns:r="{NS_R}" xmlns:wp="{NS_WP}" xmlns:a="{NS_A}" xmlns:c="{NS_C}"><w:body>"#
    );
    push_masthead(&mut s, b);

    let title = Para {
        style: Some("Title"),
        before: LINE_PITCH,
        after: LINE_PITCH / 2,
        ..Para::centered()
    };
    push_paragraph(
        &mut s,
        &title,
        RunStyle::new(Font::XiaoBiaoSong, ERHAO),
        &b.title,
    );

    let mut tables = 0;
    let mut previous_was_table = false;
    for block in &b.blocks {
        let is_table = matches!(block, Block::Table { .. });
        if is_table && previous_was_table {
            // Two tables in a row would fuse into one.
            push_empty_line(&mut s);
        }
        previous_was_table = is_table;
        match block {
            Block::Heading1(text) => {
                let para = Para {
                    style: Some("Heading1"),
                    keep_next: true,
                    outline: Some(0),
                    ..Para::body()
                };
                push_paragraph(&mut s, &para, RunStyle::new(Font::HeiTi, SANHAO), text);
            }
            Block::Heading2(text) => {
                let para = Para {
                    style: Some("Heading2"),
                    keep_next: true,
                    outline: Some(1),
                    ..Para::body()
                };
                push_paragraph(&mut s, &para, RunStyle::new(Font::KaiTi, SANHAO), text);
            }
            Block::Paragraph(text) => {
                push_paragraph(
                    &mut s,
                    &Para::body(),
                    RunStyle::new(Font::FangSong, SANHAO),
                    text,
                );
            }
            Block::Table { headers, rows } => {
                tables += 1;
                push_table(&mut s, tables, headers, rows)?;
            }
            Block::BarChart {
                title,
                categories,
                series,
            } => {
                let n = charts.len() + 1;
                charts.push(chart_xml(n, title, categories, series)?);
                push_chart_paragraph(&mut s, n, title);
            }
        }
    }

    if previous_was_table {
        // The floating 版记 is a table too.
        push_empty_line(&mut s);
    }
    push_colophon(&mut s, b);
    let _ = write!(
        s,
        r#"<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/><w:footerReference w:type="even" r:id="rIdFooterEven"/><w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/><w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="851" w:footer="{footer}" w:gutter="0"/><w:cols w:space="425"/><w:docGrid w:type="linesAndChars" w:linePitch="{LINE_PITCH}" w:charSpace="{CHAR_SPACE}"/></w:sectPr></w:body></w:document>"#,
        // The page number's dash sits about 7 mm under the text block (GB/T 9704 §7.5).
        footer = MARGIN_BOTTOM - mm_to_twips(7) - (SIHAO * 10 + 40),
    );
    Ok(s)
}

fn push_empty_line(s: &mut String) {
    push_paragraph(s, &Para::body(), RunStyle::new(Font::FangSong, SANHAO), "");
}

/// 版头: the red name, the issue, issuer and date, and the red rule under them.
fn push_masthead(s: &mut String, b: &Briefing) {
    let size = masthead_size(&b.masthead);
    let name = Para {
        line: Some(size * 12),
        ..Para::centered()
    };
    let red = RunStyle {
        color: Some(RED),
        ..RunStyle::new(Font::XiaoBiaoSong, size)
    };
    push_paragraph(s, &name, red, &b.masthead);

    let issue = Para {
        before: LINE_PITCH / 4,
        ..Para::centered()
    };
    push_paragraph(s, &issue, RunStyle::new(Font::FangSong, SANHAO), &b.issue);

    let rule = Para {
        border: Some(format!(
            "<w:pBdr>{}</w:pBdr>",
            border_line("bottom", 18, RED, 6)
        )),
        right_tab: true,
        align: "left",
        ..Para::centered()
    };
    rule.open(s);
    let plain = RunStyle::new(Font::FangSong, SANHAO);
    push_run(s, plain, &b.issuer);
    s.push_str("<w:r><w:tab/></w:r>");
    push_run(s, plain, &b.date);
    s.push_str("</w:p>");
}

/// The masthead in 初号 when it fits on one line, smaller (down to 二号) when the name is long.
fn masthead_size(text: &str) -> u32 {
    let half_chars = display_width(text).max(1);
    // A full-width character at h half-points is 10·h twips wide; keep 5% of the line free.
    (TEXT_WIDTH * 19 / (half_chars * 100)).clamp(ERHAO, CHUHAO)
}

/// Tables up to this many rows are not split across pages.
const KEEP_TOGETHER_ROWS: usize = 12;

fn push_table(
    s: &mut String,
    number: usize,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<(), ReportError> {
    if headers.is_empty() {
        return Err(invalid(format!("第 {number} 个表格没有表头")));
    }
    let columns = headers.len();
    if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() > columns) {
        return Err(invalid(format!(
            "第 {number} 个表格第 {} 行有 {} 格，多于表头的 {columns} 列",
            i + 1,
            row.len()
        )));
    }
    let widths = column_widths(headers, rows);
    // Wide tables drop from 四号 to 小四 so that figures stay on one line.
    let size = if columns > 5 { XIAOSI } else { SIHAO };
    let line = size * 10 + size * 5 / 2;

    let _ = write!(
        s,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>{}{}{}{}{}{}</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>"#,
        border_line("top", 8, "000000", 0),
        border_line("left", 8, "000000", 0),
        border_line("bottom", 8, "000000", 0),
        border_line("right", 8, "000000", 0),
        border_line("insideH", 4, "000000", 0),
        border_line("insideV", 4, "000000", 0),
    );
    for w in &widths {
        let _ = write!(s, r#"<w:gridCol w:w="{w}"/>"#);
    }
    s.push_str("</w:tblGrid>");

    let cell_para = Para {
        before: 30,
        after: 30,
        line: Some(line),
        ..Para::centered()
    };
    let empty = String::new();
    let header_style = RunStyle::new(Font::HeiTi, size);
    let body_style = RunStyle::new(Font::FangSong, size);
    let all_rows =
        std::iter::once((true, headers)).chain(rows.iter().map(|r| (false, r.as_slice())));
    // A short table stays on one page: every row but the last keeps with the next.
    let keep_together = rows.len() <= KEEP_TOGETHER_ROWS;
    for (i, (is_header, cells)) in all_rows.enumerate() {
        let cell_para = Para {
            keep_next: keep_together && i < rows.len(),
            ..cell_para.clone()
        };
        s.push_str("<w:tr><w:trPr><w:cantSplit/>");
        if is_header {
            s.push_str("<w:tblHeader/>");
        }
        s.push_str("</w:trPr>");
        for (col, width) in widths.iter().enumerate() {
            let text = cells.get(col).unwrap_or(&empty);
            let _ = write!(
                s,
                r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>"#
            );
            let style = if is_header { header_style } else { body_style };
            push_paragraph(s, &cell_para, style, text);
            s.push_str("</w:tc>");
        }
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
    Ok(())
}

/// Columns share the text block's width by the longest text in each, within bounds so that a short
/// column stays readable and a long one wraps.
fn column_widths(headers: &[String], rows: &[Vec<String>]) -> Vec<u32> {
    let weights: Vec<u32> = (0..headers.len())
        .map(|col| {
            std::iter::once(&headers[col])
                .chain(rows.iter().filter_map(|r| r.get(col)))
                .map(|t| display_width(t))
                .max()
                .unwrap_or(0)
                .clamp(4, 24)
        })
        .collect();
    let total: u32 = weights.iter().sum();
    let mut widths: Vec<u32> = weights.iter().map(|w| TEXT_WIDTH * w / total).collect();
    let used: u32 = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += TEXT_WIDTH - used;
    }
    widths
}

fn invalid(message: String) -> ReportError {
    ReportError::Briefing(message)
}

fn push_chart_paragraph(s: &mut String, n: usize, title: &str) {
    let para = Para {
        before: LINE_PITCH / 4,
        after: LINE_PITCH / 4,
        line: None,
        ..Para::centered()
    };
    para.open(s);
    let _ = write!(
        s,
        r#"<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{CHART_WIDTH_EMU}" cy="{CHART_HEIGHT_EMU}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{n}" name="图表 {n}" descr="{}"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri="{NS_C}"><c:chart r:id="rIdChart{n}"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#,
        escaped(title)
    );
}

/// 版记 (GB/T 9704 §7.3): a thick rule, the 报/送 lines with thin rules between, the 印发 line, a thick
/// rule. Lines are 四号 仿宋, one character in from either side; a wrapped line aligns after its "：".
/// The table floats to the foot of the last page so that its last line sits on the text block's last
/// line; when the body leaves no room it moves to a page of its own.
fn push_colophon(s: &mut String, b: &Briefing) {
    let one_char = SIHAO * 10;
    // Placed from the page edge: LibreOffice floats a table as wide as the text block only then.
    let _ = write!(
        s,
        r#"<w:tbl><w:tblPr><w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="{gap}" w:bottomFromText="0" w:vertAnchor="margin" w:horzAnchor="page" w:tblpX="{MARGIN_LEFT}" w:tblpYSpec="bottom"/><w:tblOverlap w:val="never"/><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:tblBorders>{}{}{}</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid><w:gridCol w:w="{TEXT_WIDTH}"/></w:tblGrid>"#,
        border_line("top", 8, "000000", 0),
        border_line("bottom", 8, "000000", 0),
        border_line("insideH", 6, "000000", 0),
        gap = LINE_PITCH / 2,
    );
    let style = RunStyle::new(Font::FangSong, SIHAO);
    let base = Para {
        line: Some(LINE_PITCH),
        left: one_char,
        right: one_char,
        first_line_chars: None,
        first_line: 0,
        align: "left",
        ..Para::body()
    };
    let open_row = |s: &mut String| {
        let _ = write!(
            s,
            r#"<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>"#
        );
    };
    for line in &b.send_to {
        let label = label_width(line);
        let para = Para {
            left: one_char + label * one_char / 2,
            first_line: -((label * one_char / 2) as i32),
            ..base.clone()
        };
        open_row(s);
        push_paragraph(s, &para, style, line);
        s.push_str("</w:tc></w:tr>");
    }
    open_row(s);
    let printed = Para {
        right_tab: true,
        ..base.clone()
    };
    printed.open(s);
    push_run(s, style, &b.printed_by);
    s.push_str("<w:r><w:tab/></w:r>");
    push_run(s, style, &format!("{}印发", b.date));
    s.push_str("</w:p></w:tc></w:tr></w:tbl>");
    // A document ends with a paragraph; keep it one point high so it cannot push a page over.
    s.push_str(r#"<w:p><w:pPr><w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/></w:pPr></w:p>"#);
}

/// Width, in half characters, of "报：" or "抄送：" at the start of a 版记 line (0 when there is none).
fn label_width(line: &str) -> u32 {
    match line.find('：') {
        Some(end) if line[..end].chars().count() <= 4 => {
            display_width(&line[..end + '：'.len_utf8()])
        }
        _ => 0,
    }
}

// ---- charts ----

/// Series colours: the red of the masthead first, then quiet ones that print well in grey.
const PALETTE: [&str; 6] = ["C00000", "2F5597", "7F7F7F", "BF9000", "548235", "7030A0"];

fn chart_text_props(size: u32, bold: bool) -> String {
    format!(
        r#"<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="{}"><a:solidFill><a:srgbClr val="000000"/></a:solidFill><a:latin typeface="Times New Roman"/><a:ea typeface="宋体"/><a:cs typeface="Times New Roman"/></a:defRPr></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>"#,
        u8::from(bold)
    )
}

/// Spreadsheet column name for the n-th series (0 is B: A holds the categories).
fn sheet_column(series: usize) -> String {
    let mut n = series + 2;
    let mut name = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

fn chart_xml(
    n: usize,
    title: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> Result<String, ReportError> {
    if categories.is_empty() {
        return Err(invalid(format!("第 {n} 个图表没有分类")));
    }
    if series.is_empty() {
        return Err(invalid(format!("第 {n} 个图表没有数据系列")));
    }
    if let Some((name, values)) = series.iter().find(|(_, v)| v.len() != categories.len()) {
        return Err(invalid(format!(
            "第 {n} 个图表的系列“{name}”有 {} 个数值，分类有 {} 个",
            values.len(),
            categories.len()
        )));
    }
    let last_row = categories.len() + 1;
    let mut s = format!(
        r#"{XML_DECL}<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}"><c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/><c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1400" b="1"><a:latin typeface="Times New Roman"/><a:ea typeface="宋体"/></a:defRPr></a:pPr><a:r><a:rPr lang="zh-CN" sz="1400" b="1"><a:latin typeface="Times New Roman"/><a:ea typeface="宋体"/></a:rPr><a:t>{}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>"#,
        escaped(title)
    );
    for (i, (name, values)) in series.iter().enumerate() {
        let col = sheet_column(i);
        let _ = write!(
            s,
            r#"<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx><c:strRef><c:f>Sheet1!${col}$1</c:f><c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>{}</c:v></c:pt></c:strCache></c:strRef></c:tx><c:spPr><a:solidFill><a:srgbClr val="{}"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/><c:dLbls><c:numFmt formatCode="General" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{}<c:dLblPos val="outEnd"/><c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls><c:cat><c:strRef><c:f>Sheet1!$A$2:$A${last_row}</c:f><c:strCache><c:ptCount val="{}"/>"#,
            escaped(name),
            PALETTE[i % PALETTE.len()],
            chart_text_props(1000, false),
            categories.len()
        );
        for (idx, category) in categories.iter().enumerate() {
            let _ = write!(
                s,
                r#"<c:pt idx="{idx}"><c:v>{}</c:v></c:pt>"#,
                escaped(category)
            );
        }
        let _ = write!(
            s,
            r#"</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>Sheet1!${col}$2:${col}${last_row}</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{}"/>"#,
            values.len()
        );
        for (idx, value) in values.iter().enumerate() {
            // A missing point is left out of the cache: the chart shows a gap.
            if value.is_finite() {
                let _ = write!(s, r#"<c:pt idx="{idx}"><c:v>{value}</c:v></c:pt>"#);
            }
        }
        s.push_str("</c:numCache></c:numRef></c:val></c:ser>");
    }
    let legend = if series.len() > 1 {
        format!(
            r#"<c:legend><c:legendPos val="b"/><c:overlay val="0"/>{}</c:legend>"#,
            chart_text_props(1050, false)
        )
    } else {
        String::new()
    };
    let _ = write!(
        s,
        r#"<c:gapWidth val="80"/><c:axId val="1001"/><c:axId val="1002"/></c:barChart><c:catAx><c:axId val="1001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:spPr><a:ln w="9525"><a:solidFill><a:srgbClr val="595959"/></a:solidFill></a:ln></c:spPr>{cat_text}<c:crossAx val="1002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx><c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr></c:majorGridlines><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:spPr><a:ln><a:noFill/></a:ln></c:spPr>{val_text}<c:crossAx val="1001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx></c:plotArea>{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart><c:spPr><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln><a:noFill/></a:ln></c:spPr>{all_text}</c:chartSpace>"#,
        cat_text = chart_text_props(1050, false),
        val_text = chart_text_props(1000, false),
        all_text = chart_text_props(1050, false),
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use quick_xml::events::Event;
    use quick_xml::{Reader, XmlVersion};
    use zip::ZipArchive;

    use super::*;

    fn sample() -> Briefing {
        Briefing {
            masthead: "教育整顿工作简报".into(),
            issue: "第 3 期".into(),
            issuer: "明镜市政法队伍教育整顿领导小组办公室".into(),
            date: "2026年11月27日".into(),
            title: "全市学习教育环节取得阶段性成效".into(),
            blocks: vec![
                Block::Heading1("一、总体进展".into()),
                Block::Paragraph("截至11月26日，全市学习完成率92.5%。".into()),
                Block::Heading2("（一）学习教育".into()),
                Block::Table {
                    headers: vec!["单位".into(), "应学人数".into(), "完成率".into()],
                    rows: vec![
                        vec!["城关区公安分局".into(), "412".into(), "92.5%".into()],
                        vec!["市中级人民法院".into(), "186".into()],
                    ],
                },
                Block::BarChart {
                    title: "各单位学习完成率".into(),
                    categories: vec!["城关区公安分局".into(), "市中级人民法院".into()],
                    series: vec![("完成率".into(), vec![92.5, 88.0])],
                },
                Block::BarChart {
                    title: "自查事项数".into(),
                    categories: vec!["公安".into(), "法院".into(), "检察院".into()],
                    series: vec![
                        ("上周".into(), vec![3.0, 1.0, f64::NAN]),
                        ("本周".into(), vec![5.0, 2.0, 4.0]),
                    ],
                },
            ],
            send_to: vec!["报：市委政法委".into(), "送：各区县政法委".into()],
            printed_by: "明镜市政法队伍教育整顿领导小组办公室".into(),
        }
    }

    fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
        (0..zip.len())
            .map(|i| {
                let mut file = zip.by_index(i).unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).expect("UTF-8 part");
                (file.name().expect("a UTF-8 name").into_owned(), text)
            })
            .collect()
    }

    fn part<'a>(parts: &'a [(String, String)], name: &str) -> &'a str {
        &parts
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("part {name} is missing"))
            .1
    }

    /// Parses the whole text: tags must nest and match, entities must be the predefined ones, attribute
    /// values must unescape, there must be one root, and no character XML forbids may appear.
    fn assert_well_formed(name: &str, xml: &str) {
        if let Some(bad) = xml.chars().find(|c| !allowed_in_xml(*c)) {
            panic!("{name}: forbidden character {:?}", bad);
        }
        let mut reader = Reader::from_str(xml);
        let mut depth = 0usize;
        let mut roots = 0;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    if depth == 0 {
                        roots += 1;
                    }
                    depth += 1;
                    for attr in e.attributes() {
                        let attr = attr.unwrap_or_else(|err| panic!("{name}: {err}"));
                        attr.normalized_value(XmlVersion::Explicit1_0)
                            .unwrap_or_else(|err| panic!("{name}: {err}"));
                    }
                }
                Ok(Event::Empty(e)) => {
                    if depth == 0 {
                        roots += 1;
                    }
                    for attr in e.attributes() {
                        let attr = attr.unwrap_or_else(|err| panic!("{name}: {err}"));
                        attr.normalized_value(XmlVersion::Explicit1_0)
                            .unwrap_or_else(|err| panic!("{name}: {err}"));
                    }
                }
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::GeneralRef(r)) => {
                    let entity: &str = &r;
                    let predefined = ["amp", "lt", "gt", "quot", "apos"].contains(&entity);
                    let char_ref = r.resolve_char_ref().ok().flatten().is_some();
                    assert!(predefined || char_ref, "{name}: unknown entity &{entity};");
                }
                Ok(Event::Text(t)) => {
                    assert!(
                        depth > 0 || t.chars().all(char::is_whitespace),
                        "{name}: text outside the root"
                    );
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(err) => panic!(
                    "{name} is not well-formed at {}: {err}",
                    reader.error_position()
                ),
            }
        }
        assert_eq!(depth, 0, "{name}: unclosed elements");
        assert_eq!(roots, 1, "{name}: one root element");
    }

    #[test]
    fn the_well_formedness_check_catches_broken_xml() {
        for broken in [
            "<a><b></a></b>",
            "<a>&nbsp;</a>",
            "<a x=\"1 & 2\"/>",
            "<a>1 & 2</a>",
            "<a/><b/>",
            "<a>\u{1}</a>",
            "<a>",
        ] {
            let caught = std::panic::catch_unwind(|| assert_well_formed("sample", broken));
            assert!(caught.is_err(), "accepted {broken:?}");
        }
        assert_well_formed("sample", "<a x=\"&lt;&#x4E2D;\">&amp;中</a>");
    }

    #[test]
    fn the_package_has_every_part_and_each_parses() {
        let parts = unzip(&briefing_bytes(&sample()).unwrap());
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "[Content_Types].xml", "content types come first");
        for expected in [
            "_rels/.rels",
            "docProps/core.xml",
            "docProps/app.xml",
            "word/document.xml",
            "word/_rels/document.xml.rels",
            "word/styles.xml",
            "word/settings.xml",
            "word/fontTable.xml",
            "word/footer1.xml",
            "word/footer2.xml",
            "word/charts/chart1.xml",
            "word/charts/chart2.xml",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        assert!(!names.contains(&"word/charts/chart3.xml"));
        for (name, xml) in &parts {
            assert_well_formed(name, xml);
        }
        // Every part but the content types is declared there, and every relationship points at a part.
        let types = part(&parts, "[Content_Types].xml");
        for name in names
            .iter()
            .filter(|n| !n.ends_with(".rels") && **n != "[Content_Types].xml")
        {
            assert!(
                types.contains(&format!("PartName=\"/{name}\"")),
                "{name} has no content type"
            );
        }
        let rels = part(&parts, "word/_rels/document.xml.rels");
        let document = part(&parts, "word/document.xml");
        for n in 1..=2 {
            assert!(rels.contains(&format!(
                r#"Id="rIdChart{n}" Type="{NS_R}/chart" Target="charts/chart{n}.xml""#
            )));
            assert!(document.contains(&format!(r#"<c:chart r:id="rIdChart{n}"/>"#)));
        }
        assert!(
            document.contains(r#"r:id="rIdFooterOdd""#) && rels.contains(r#"Id="rIdFooterOdd""#)
        );
    }

    #[test]
    fn page_is_a4_with_the_standard_margins_and_grid() {
        let parts = unzip(&briefing_bytes(&sample()).unwrap());
        let document = part(&parts, "word/document.xml");
        assert!(document.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
        // 37, 26, 35 and 28 mm.
        assert!(
            document
                .contains(r#"<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#)
        );
        // 225 mm / 22 lines = 579 twips (28.95 pt); 156 mm / 28 characters of 16 pt.
        assert!(document.contains(
            r#"<w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-842"/>"#
        ));
        assert_eq!(TEXT_WIDTH, 8845);
        assert_eq!(TEXT_HEIGHT, 12756);
        // The body: 仿宋 三号 condensed by 0.5 pt (28 to a line, not 29), exact spacing, two
        // characters in, justified.
        assert_eq!(SANHAO_SPACING, -10);
        assert!(document.contains(r#"<w:spacing w:before="0" w:after="0" w:line="579" w:lineRule="exact"/><w:ind w:left="0" w:right="0" w:firstLineChars="200" w:firstLine="630"/><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋_GB2312" w:cs="Times New Roman" w:hint="eastAsia"/><w:spacing w:val="-10"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr><w:t xml:space="preserve">截至"#));
        assert!(document.contains(r#"w:eastAsia="黑体" w:cs="Times New Roman" w:hint="eastAsia"/><w:spacing w:val="-10"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr><w:t xml:space="preserve">一、总体进展"#));
        assert!(document.contains(r#"w:eastAsia="楷体_GB2312" w:cs="Times New Roman" w:hint="eastAsia"/><w:spacing w:val="-10"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr><w:t xml:space="preserve">（一）学习教育"#));
        // Masthead red and large, title 二号 小标宋 (not condensed), the red rule 2.25 pt.
        assert!(document.contains(r#"w:eastAsia="方正小标宋简体" w:cs="Times New Roman" w:hint="eastAsia"/><w:color w:val="FF0000"/><w:sz w:val="84"/>"#));
        assert!(document.contains(r#"w:eastAsia="方正小标宋简体" w:cs="Times New Roman" w:hint="eastAsia"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr><w:t xml:space="preserve">全市学习教育"#));
        // Normal carries 三号 (LibreOffice sizes the grid from it) but no condensing, which the
        // title, tables and footer based on it must not inherit.
        let styles = part(&parts, "word/styles.xml");
        assert!(styles.contains(r#"w:eastAsia="仿宋_GB2312" w:cs="Times New Roman"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>"#));
        assert!(!styles.contains("<w:spacing w:val="));
        // The 版记 floats to the foot of the page, from the left margin.
        assert!(document.contains(
            r#"w:vertAnchor="margin" w:horzAnchor="page" w:tblpX="1587" w:tblpYSpec="bottom"/>"#
        ));
        assert!(
            document
                .contains("明镜市政法队伍教育整顿领导小组办公室</w:t></w:r><w:r><w:tab/></w:r>")
        );
        assert!(document.contains(">2026年11月27日印发</w:t>"));
        assert!(
            document
                .contains(r#"<w:bottom w:val="single" w:sz="18" w:space="6" w:color="FF0000"/>"#)
        );
        // The short table row is padded to the header's three columns, whose widths fill the line.
        let widths = column_widths(
            &["单位".into(), "应学人数".into(), "完成率".into()],
            &[vec!["城关区公安分局".into(), "412".into(), "92.5%".into()]],
        );
        assert_eq!(widths.iter().sum::<u32>(), 8845);
        assert!(
            widths[0] > widths[2],
            "the unit column is the widest: {widths:?}"
        );
        let row = document
            .split("市中级人民法院")
            .nth(1)
            .unwrap()
            .split("</w:tr>")
            .next()
            .unwrap();
        assert_eq!(
            row.matches("<w:tc>").count(),
            2,
            "two more cells after the first"
        );
    }

    #[test]
    fn footers_put_odd_numbers_right_and_even_left() {
        let parts = unzip(&briefing_bytes(&sample()).unwrap());
        assert!(part(&parts, "word/settings.xml").contains("<w:evenAndOddHeaders/>"));
        let odd = part(&parts, "word/footer1.xml");
        let even = part(&parts, "word/footer2.xml");
        assert!(
            odd.contains(
                r#"<w:ind w:left="0" w:right="280" w:firstLine="0"/><w:jc w:val="right"/>"#
            )
        );
        assert!(
            even.contains(
                r#"<w:ind w:left="280" w:right="0" w:firstLine="0"/><w:jc w:val="left"/>"#
            )
        );
        for footer in [odd, even] {
            assert!(footer.contains(" PAGE "));
            assert!(
                footer.contains(r#"w:eastAsia="宋体""#) && footer.contains(r#"<w:sz w:val="28"/>"#)
            );
            assert!(footer.contains(">— </w:t>") && footer.contains("> —</w:t>"));
        }
    }

    #[test]
    fn user_text_is_escaped_and_forbidden_characters_dropped() {
        let mut b = sample();
        b.title = "关于<&>\"'\u{1}\u{b}\u{FFFE}的通报".into();
        b.masthead = "简报&".into();
        b.blocks
            .push(Block::Paragraph("第一行\n第二行\u{0}</w:t>".into()));
        b.blocks.push(Block::BarChart {
            title: "A<B".into(),
            categories: vec!["甲&乙".into()],
            series: vec![("\u{7}数<".into(), vec![1.5])],
        });
        b.send_to.push("抄送：<script>".into());
        let parts = unzip(&briefing_bytes(&b).unwrap());
        for (name, xml) in &parts {
            assert_well_formed(name, xml);
        }
        let document = part(&parts, "word/document.xml");
        assert!(document.contains("关于&lt;&amp;&gt;&quot;&apos;的通报"));
        assert!(document.contains("简报&amp;"));
        assert!(
            document.contains("第一行</w:t><w:br/><w:t xml:space=\"preserve\">第二行&lt;/w:t&gt;")
        );
        assert!(document.contains("抄送：&lt;script&gt;"));
        assert!(!document.contains('\u{1}') && !document.contains('\u{0}'));
        let core = part(&parts, "docProps/core.xml");
        assert!(core.contains("<dc:title>关于&lt;&amp;&gt;&quot;&apos;的通报</dc:title>"));
        let chart = part(&parts, "word/charts/chart3.xml");
        assert!(chart.contains("<a:t>A&lt;B</a:t>"));
        assert!(chart.contains("<c:v>甲&amp;乙</c:v>"));
        assert!(chart.contains("<c:v>数&lt;</c:v>"));
    }

    #[test]
    fn a_bare_briefing_and_a_long_table_still_make_valid_packages() {
        let bare = Briefing {
            masthead: String::new(),
            issue: String::new(),
            issuer: String::new(),
            date: String::new(),
            title: String::new(),
            blocks: Vec::new(),
            send_to: Vec::new(),
            printed_by: String::new(),
        };
        let parts = unzip(&briefing_bytes(&bare).unwrap());
        for (name, xml) in &parts {
            assert_well_formed(name, xml);
        }
        assert!(!parts.iter().any(|(n, _)| n.starts_with("word/charts/")));
        assert!(!part(&parts, "[Content_Types].xml").contains("chart"));

        let mut b = sample();
        let rows: Vec<Vec<String>> = (1..=40)
            .map(|i| vec![format!("第{i}单位"), i.to_string()])
            .collect();
        b.blocks = vec![
            Block::Table {
                headers: vec!["单位".into(), "人数".into()],
                rows: rows.clone(),
            },
            Block::Table {
                headers: vec!["单位".into(), "人数".into()],
                rows: rows[..3].to_vec(),
            },
        ];
        let parts = unzip(&briefing_bytes(&b).unwrap());
        let document = part(&parts, "word/document.xml");
        assert_well_formed("word/document.xml", document);
        let (long, short) = document.split_once("</w:tbl>").unwrap();
        // A long table may break across pages; a short one keeps every row but its last with the next.
        assert!(!long.contains("<w:keepNext/>"));
        let short = short.split("</w:tbl>").next().unwrap();
        assert_eq!(short.matches("<w:tr>").count(), 4);
        assert_eq!(short.matches("<w:keepNext/>").count(), 3 * 2);
        // Two tables in a row are kept apart by a paragraph, or they would fuse.
        assert!(!document.contains("</w:tbl><w:tbl>"));
    }

    #[test]
    fn charts_carry_their_categories_and_values_in_caches() {
        let parts = unzip(&briefing_bytes(&sample()).unwrap());
        let first = part(&parts, "word/charts/chart1.xml");
        assert!(first.contains("<c:barChart><c:barDir val=\"col\"/>"));
        assert!(first.contains(r#"<c:strCache><c:ptCount val="2"/><c:pt idx="0"><c:v>城关区公安分局</c:v></c:pt><c:pt idx="1"><c:v>市中级人民法院</c:v></c:pt></c:strCache>"#));
        assert!(first.contains(r#"<c:ptCount val="2"/><c:pt idx="0"><c:v>92.5</c:v></c:pt><c:pt idx="1"><c:v>88</c:v></c:pt></c:numCache>"#));
        assert!(first.contains("<a:t>各单位学习完成率</a:t>"));
        assert!(first.contains(r#"<c:showVal val="1"/>"#));
        assert!(!first.contains("<c:legend>"), "one series needs no legend");
        let second = part(&parts, "word/charts/chart2.xml");
        assert!(second.contains("<c:f>Sheet1!$C$2:$C$4</c:f>"));
        // The NaN is a gap: index 2 of the first series is absent, the second series has it.
        assert!(second.contains(r#"<c:pt idx="1"><c:v>1</c:v></c:pt></c:numCache>"#));
        assert!(second.contains(r#"<c:pt idx="2"><c:v>4</c:v></c:pt></c:numCache>"#));
        assert!(second.contains("<c:legend>"));
    }

    #[test]
    fn inconsistent_blocks_are_refused_with_a_chinese_message() {
        let mut b = sample();
        b.blocks = vec![Block::BarChart {
            title: "完成率".into(),
            categories: vec!["甲".into(), "乙".into()],
            series: vec![("本周".into(), vec![1.0])],
        }];
        let err = briefing_bytes(&b).unwrap_err().to_string();
        assert!(
            err.contains("第 1 个图表的系列“本周”有 1 个数值，分类有 2 个"),
            "{err}"
        );

        b.blocks = vec![Block::Table {
            headers: vec!["单位".into()],
            rows: vec![vec!["甲".into(), "多余".into()]],
        }];
        let err = briefing_bytes(&b).unwrap_err().to_string();
        assert!(
            err.contains("第 1 个表格第 1 行有 2 格，多于表头的 1 列"),
            "{err}"
        );
    }

    #[test]
    fn long_mastheads_shrink_to_one_line_and_colophon_labels_hang() {
        assert_eq!(masthead_size("教育整顿工作简报"), 84);
        let long = "明镜市政法队伍教育整顿工作简报（增刊）";
        let size = masthead_size(long);
        assert!((44..84).contains(&size), "{size}");
        assert!(display_width(long) / 2 * size * 10 <= TEXT_WIDTH);
        assert_eq!(label_width("报：市委政法委"), 4);
        assert_eq!(label_width("抄送：各区县"), 6);
        assert_eq!(label_width("没有冒号的一行"), 0);
        assert_eq!(sheet_column(0), "B");
        assert_eq!(sheet_column(24), "Z");
        assert_eq!(sheet_column(25), "AA");
    }
}
