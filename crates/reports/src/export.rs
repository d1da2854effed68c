//! Writing xlsx: streamed lists and download templates.

use std::borrow::Cow;
use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("写入导出文件失败：{0}")]
    Io(#[from] std::io::Error),
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] XlsxError),
    /// A briefing whose content cannot be laid out (a table row longer than its header, ...).
    #[error("简报内容有误：{0}")]
    Briefing(String),
}

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Self {
        Cell::Float(x)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// Prefixes an apostrophe to text that Excel, or a CSV saved from it, would take as a formula
/// (OWASP "CSV injection"; QUALITY.md security item 6).
pub fn neutralize(s: &str) -> Cow<'_, str> {
    if starts_like_formula(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

fn starts_like_formula(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

// Excel's own limits.
const MAX_DATA_ROWS_PER_SHEET: u32 = 1_048_575; // 1,048,576 rows less the header
const MAX_COLUMNS: usize = 16_384;
const MAX_TEXT_UTF16: usize = 32_767;
const MAX_SHEET_NAME: usize = 31;
// Doubles hold integers exactly only up to 2^53; larger ones go out as text so no digit changes.
const MAX_EXACT_INT: u64 = 1 << 53;

// Column widths come from the header and this many leading rows; later rows cannot change
// widths once streamed.
const WIDTH_SAMPLE_ROWS: usize = 200;
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 60.0;

// Compression dominates a large export. Measured on 1M rows x 8 columns: level 6 (the default)
// 123k rows/s and 51 MiB, level 1 200k rows/s and 80 MiB; speed matters more for a one-off download.
const EXPORT_COMPRESSION_LEVEL: u8 = 1;

/// Streams `rows` into an xlsx at `path` in rust_xlsxwriter's constant-memory mode and returns how
/// many rows were written. Rows past Excel's per-sheet limit continue on further sheets named
/// 「名称（2）」…, each with the header row.
pub fn write_xlsx(
    path: &Path,
    sheet_name: &str,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<u64, ReportError> {
    write_sheets(path, sheet_name, headers, rows, MAX_DATA_ROWS_PER_SHEET)
}

fn write_sheets(
    path: &Path,
    sheet_name: &str,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
    rows_per_sheet: u32,
) -> Result<u64, ReportError> {
    let mut rows = rows;
    let sample: Vec<Vec<Cell>> = rows.by_ref().take(WIDTH_SAMPLE_ROWS).collect();
    let widths = column_widths(headers, &sample);

    let mut workbook = Workbook::new();
    // Keep the spill file on the same disk as the result, not on a /tmp that may live in memory.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        workbook.set_tempdir(dir)?;
    }
    workbook.set_zip_compression_level(EXPORT_COMPRESSION_LEVEL);
    let header_format = header_format();

    let mut part = 1;
    let mut sheet = add_streaming_sheet(
        &mut workbook,
        sheet_name,
        part,
        headers,
        &widths,
        &header_format,
    )?;
    let mut row_in_sheet: u32 = 0;
    let mut written: u64 = 0;
    for cells in sample.into_iter().chain(rows) {
        if row_in_sheet == rows_per_sheet {
            part += 1;
            sheet = add_streaming_sheet(
                &mut workbook,
                sheet_name,
                part,
                headers,
                &widths,
                &header_format,
            )?;
            row_in_sheet = 0;
        }
        row_in_sheet += 1;
        for (col, cell) in cells.into_iter().enumerate().take(MAX_COLUMNS) {
            write_cell(sheet, row_in_sheet, col as u16, cell)?;
        }
        written += 1;
    }
    workbook.save(path)?;
    Ok(written)
}

fn add_streaming_sheet<'a>(
    workbook: &'a mut Workbook,
    sheet_name: &str,
    part: usize,
    headers: &[&str],
    widths: &[f64],
    header_format: &Format,
) -> Result<&'a mut Worksheet, ReportError> {
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(sheet_title(sheet_name, part))?;
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    for (col, header) in headers.iter().enumerate().take(MAX_COLUMNS) {
        sheet.write_string_with_format(
            0,
            col as u16,
            excel_text(header.to_string()),
            header_format,
        )?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(sheet)
}

fn write_cell(sheet: &mut Worksheet, row: u32, col: u16, cell: Cell) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) if !s.is_empty() => {
            sheet.write_string(row, col, excel_text(s))?;
        }
        Cell::Int(n) if n.unsigned_abs() <= MAX_EXACT_INT => {
            sheet.write_number(row, col, n as f64)?;
        }
        Cell::Int(n) => {
            sheet.write_string(row, col, n.to_string())?;
        }
        Cell::Float(x) if x.is_finite() => {
            sheet.write_number(row, col, x)?;
        }
        // NaN and infinities have no Excel form; an empty cell says "no value" honestly.
        Cell::Text(_) | Cell::Float(_) | Cell::Empty => {}
    }
    Ok(())
}

/// Neutralised, and cut to Excel's cell limit rather than failing the whole export on one long text.
fn excel_text(s: String) -> String {
    let mut s = if starts_like_formula(&s) {
        format!("'{s}")
    } else {
        s
    };
    let mut units = 0;
    if let Some((cut, _)) = s.char_indices().find(|(_, c)| {
        units += c.len_utf16();
        units > MAX_TEXT_UTF16
    }) {
        s.truncate(cut);
    }
    s
}

/// A legal, unique-per-part sheet name: Excel forbids []:*?/\ and leading or trailing apostrophes,
/// and allows 31 characters.
fn sheet_title(name: &str, part: usize) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    let base = if cleaned.is_empty() {
        "Sheet1"
    } else {
        cleaned
    };
    let suffix = if part > 1 {
        format!("（{part}）")
    } else {
        String::new()
    };
    // Excel counts UTF-16 units.
    let keep = MAX_SHEET_NAME - suffix.encode_utf16().count();
    let mut units = 0;
    let mut title: String = base
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= keep
        })
        .collect();
    title.truncate(title.trim_end_matches('\'').len());
    title.push_str(&suffix);
    title
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDE6F2))
        .set_border_bottom(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
}

/// Width in Excel's character units: CJK and full-width characters take two.
fn display_width(s: &str) -> f64 {
    s.chars().map(|c| if is_wide(c) { 2.0 } else { 1.0 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

fn cell_width(cell: &Cell) -> f64 {
    match cell {
        Cell::Text(s) => display_width(s),
        Cell::Int(n) => n.to_string().len() as f64,
        Cell::Float(x) => x.to_string().len().min(15) as f64,
        Cell::Empty => 0.0,
    }
}

fn column_widths(headers: &[&str], sample: &[Vec<Cell>]) -> Vec<f64> {
    let columns = sample
        .iter()
        .map(Vec::len)
        .chain([headers.len()])
        .max()
        .unwrap_or(0)
        .min(MAX_COLUMNS);
    (0..columns)
        .map(|col| {
            // Bold header text runs a little wider than its character count.
            let header = headers.get(col).map_or(0.0, |h| display_width(h) * 1.1);
            let data = sample
                .iter()
                .filter_map(|row| row.get(col))
                .map(cell_width)
                .fold(0.0, f64::max);
            (header.max(data) + 2.0).clamp(MIN_WIDTH, MAX_WIDTH)
        })
        .collect()
}

/// Lines added to every template's 「填写说明」 after the caller's own notes.
const TEMPLATE_NOTES: &[&str] = &[
    "第1行为表头，请勿修改表头文字；列的先后顺序可以调整，多余的列导入时忽略。",
    "第2行为填写示例，导入前请删除或用实际数据覆盖，否则示例也会被导入。",
    "各列已设为文本格式，身份证号、警号、手机号等长数字请直接填写，不要改成数值或科学计数法。",
    "只读取第一个工作表；空行自动跳过。",
];

/// A download template: the first sheet has bold, frozen Chinese headers and one example row, every
/// column formatted as text so long numbers survive; the sheet 「填写说明」 lists `notes`.
pub fn template_xlsx(
    sheet_name: &str,
    headers: &[&str],
    example: &[&str],
    notes: &[&str],
) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    let text = Format::new().set_num_format("@");
    let header = header_format().set_num_format("@");
    let sample = Format::new()
        .set_num_format("@")
        .set_font_color(Color::RGB(0x7F7F7F))
        .set_italic();

    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_title(sheet_name, 1))?;
    for (col, name) in headers.iter().enumerate().take(MAX_COLUMNS) {
        let col16 = col as u16;
        let example_text = example.get(col).copied().unwrap_or("");
        let width = (display_width(name) * 1.1).max(display_width(example_text)) + 4.0;
        sheet.set_column_width(col16, width.clamp(10.0, 40.0))?;
        sheet.set_column_format(col16, &text)?;
        sheet.write_string_with_format(0, col16, excel_text(name.to_string()), &header)?;
        if !example_text.is_empty() {
            sheet.write_string_with_format(
                1,
                col16,
                excel_text(example_text.to_string()),
                &sample,
            )?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;

    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let title = Format::new().set_bold().set_font_size(14);
    let guide = workbook.add_worksheet();
    guide.set_name("填写说明")?;
    guide.set_column_width(0, 100)?;
    guide.write_string_with_format(0, 0, "填写说明", &title)?;
    for (i, note) in notes.iter().chain(TEMPLATE_NOTES).enumerate() {
        let line = format!("{}. {}", i + 1, note.trim());
        guide.write_string_with_format(i as u32 + 1, 0, excel_text(line), &wrap)?;
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_titles_are_legal() {
        assert_eq!(sheet_title("干警名册", 1), "干警名册");
        assert_eq!(sheet_title("a/b:c", 1), "a_b_c");
        assert_eq!(sheet_title("  ", 1), "Sheet1");
        assert_eq!(sheet_title(&"长".repeat(40), 2).chars().count(), 31);
        assert!(sheet_title(&"长".repeat(40), 2).ends_with("（2）"));
    }

    #[test]
    fn rows_past_the_sheet_limit_continue_on_new_sheets() {
        use calamine::Reader;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("分页.xlsx");
        let rows = (1..=7).map(|i| vec![Cell::Int(i)]);
        assert_eq!(write_sheets(&path, "名册", &["序号"], rows, 3).unwrap(), 7);

        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(book.sheet_names(), ["名册", "名册（2）", "名册（3）"]);
        let last = book.worksheet_range("名册（3）").unwrap();
        assert_eq!(
            last.get_value((0, 0)),
            Some(&calamine::Data::String("序号".into()))
        );
        assert_eq!(last.get_value((1, 0)), Some(&calamine::Data::Float(7.0)));
    }

    #[test]
    fn long_text_is_cut_to_excel_limit() {
        let s = excel_text("中".repeat(40_000));
        assert_eq!(s.chars().count(), MAX_TEXT_UTF16);
        let astral = excel_text("𠀀".repeat(20_000)); // two UTF-16 units each
        assert!(astral.encode_utf16().count() <= MAX_TEXT_UTF16);
    }

    #[test]
    fn widths_count_chinese_double_and_stay_bounded() {
        let widths = column_widths(
            &["姓名", "说明"],
            &[vec!["张三".into(), Cell::Text("长".repeat(200))]],
        );
        assert!(widths[0] >= 6.0 && widths[0] < 10.0);
        assert_eq!(widths[1], MAX_WIDTH);
    }
}
