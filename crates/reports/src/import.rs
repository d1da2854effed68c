//! Reading xlsx uploads: bounded before parsing, matched by header text, every value as trimmed text.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use zip::ZipArchive;

/// The first sheet of an upload. `headers` holds the required columns in the order the caller gave
/// them, then the file's other headed columns in file order; each row's cells follow that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// (row number as Excel shows it, cells)
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    /// Index of a column in `headers` (and so in every row).
    pub fn column(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == header)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("文件不是 Excel 工作簿（.xlsx）。旧版 .xls 或加密的文件请先在 Excel 中另存为 .xlsx")]
    NotXlsx,
    #[error("文件过大或结构异常：{0}")]
    TooLarge(String),
    #[error("缺少必填列：{}", .0.join("、"))]
    MissingColumns(Vec<String>),
    /// Carries the limit, which is what the user needs to split the file.
    #[error("数据行数超过上限，一次最多导入{0}行，请分批导入")]
    TooManyRows(usize),
    #[error("文件中没有数据")]
    Empty,
    #[error("无法读取文件：{0}")]
    Read(String),
}

/// A problem with one row (or, with row 0, with the whole file) found while importing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, &self.column) {
            (0, Some(column)) => write!(f, "「{column}」：{}", self.message),
            (0, None) => write!(f, "{}", self.message),
            (row, Some(column)) => write!(f, "第{row}行「{column}」：{}", self.message),
            (row, None) => write!(f, "第{row}行：{}", self.message),
        }
    }
}

const MAX_REPORTED_ERRORS: usize = 200;

/// One line per error in row order, at most 200, then a count of the rest.
pub fn errors_report(errors: &[RowError]) -> String {
    let mut sorted: Vec<&RowError> = errors.iter().collect();
    sorted.sort_by_key(|e| e.row);
    let mut lines: Vec<String> = sorted
        .iter()
        .take(MAX_REPORTED_ERRORS)
        .map(|e| e.to_string())
        .collect();
    if errors.len() > MAX_REPORTED_ERRORS {
        lines.push(format!("另有{}处错误", errors.len() - MAX_REPORTED_ERRORS));
    }
    lines.join("\n")
}

// Zip-bomb bounds, checked before any xlsx parser sees the bytes.
const MAX_ENTRIES: u64 = 1000;
/// A million-row attendance sheet unpacks to about 180 MiB; a bomb is caught by the ratio long before.
const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
const MAX_RATIO: u64 = 200;

/// Reads the first sheet. The header row is the first non-empty row; `required` columns are found by
/// header text wherever they stand. Rows with nothing in any headed column are skipped.
pub fn read_xlsx(bytes: &[u8], required: &[&str], max_rows: usize) -> Result<Sheet, ImportError> {
    check_container(bytes)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(damaged)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(ImportError::Empty)?
        .map_err(damaged)?;
    let Some((first_row, _)) = range.start() else {
        return Err(ImportError::Empty);
    };

    let mut rows = range.rows().enumerate();
    let header = loop {
        match rows.next() {
            None => return Err(ImportError::Empty),
            Some((_, cells)) if cells.iter().all(|c| cell_text(c).is_empty()) => continue,
            Some((_, cells)) => {
                break cells
                    .iter()
                    .map(|c| header_text(&cell_text(c)))
                    .collect::<Vec<_>>();
            }
        }
    };

    let mut position: HashMap<&str, usize> = HashMap::new();
    for (col, name) in header.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
        if position.insert(name, col).is_some() {
            return Err(ImportError::Read(format!(
                "表头「{name}」出现了不止一次，请只保留一列"
            )));
        }
    }
    let missing: Vec<String> = required
        .iter()
        .filter(|r| !position.contains_key(header_text(r).as_str()))
        .map(|r| r.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing));
    }

    let mut headers: Vec<String> = required.iter().map(|r| r.to_string()).collect();
    let mut order: Vec<usize> = required
        .iter()
        .map(|r| position[header_text(r).as_str()])
        .collect();
    for (col, name) in header.iter().enumerate() {
        if !name.is_empty() && !order.contains(&col) {
            headers.push(name.clone());
            order.push(col);
        }
    }

    let mut out = Vec::new();
    for (i, cells) in rows {
        let values: Vec<String> = order
            .iter()
            .map(|&col| cells.get(col).map(cell_text).unwrap_or_default())
            .collect();
        if values.iter().all(String::is_empty) {
            continue;
        }
        if out.len() == max_rows {
            return Err(ImportError::TooManyRows(max_rows));
        }
        out.push((first_row as usize + i + 1, values));
    }
    if out.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(Sheet { headers, rows: out })
}

fn damaged(e: impl fmt::Display) -> ImportError {
    ImportError::Read(format!("文件已损坏或包含不支持的内容（{e}）"))
}

/// Is this a zip that holds an xlsx workbook, within the size bounds? Declared sizes are checked
/// first and then held to by actually inflating every entry, since a hostile zip may lie about them.
fn check_container(bytes: &[u8]) -> Result<(), ImportError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(ImportError::NotXlsx);
    }
    // Refuse a huge directory before the zip crate allocates for it.
    if let Some(count) = declared_entry_count(bytes).filter(|&n| n != u64::from(u16::MAX)) {
        check_entry_count(count)?;
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| ImportError::NotXlsx)?;
    check_entry_count(zip.len() as u64)?;

    let mut total: u64 = 0;
    let (mut has_types, mut has_workbook) = (false, false);
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| ImportError::NotXlsx)?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        if total > MAX_UNCOMPRESSED {
            return Err(ImportError::TooLarge(format!(
                "解压后超过 {} MiB",
                MAX_UNCOMPRESSED / 1024 / 1024
            )));
        }
        if size > packed.max(1).saturating_mul(MAX_RATIO) {
            return Err(ImportError::TooLarge(format!(
                "压缩比超过 {MAX_RATIO}:1，疑似压缩炸弹"
            )));
        }
        match entry.name_raw() {
            b"[Content_Types].xml" => has_types = true,
            b"xl/workbook.xml" => has_workbook = true,
            _ => {}
        }
    }
    if !(has_types && has_workbook) {
        return Err(ImportError::NotXlsx);
    }

    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| ImportError::NotXlsx)?;
        let declared = entry.size();
        // The zip crate itself fails an entry that outgrows its declared size; the cap is our own guard.
        let inflated = io::copy(
            &mut (&mut entry).take(declared.saturating_add(1)),
            &mut io::sink(),
        );
        if !matches!(inflated, Ok(n) if n <= declared) {
            return Err(ImportError::TooLarge(
                "压缩包内容损坏或与声明的大小不符".into(),
            ));
        }
    }
    Ok(())
}

fn check_entry_count(count: u64) -> Result<(), ImportError> {
    if count > MAX_ENTRIES {
        return Err(ImportError::TooLarge(format!(
            "压缩包内有 {count} 个文件，超过上限 {MAX_ENTRIES}"
        )));
    }
    Ok(())
}

/// Entry count from the end-of-central-directory record (in the last 22 bytes plus comment).
fn declared_entry_count(bytes: &[u8]) -> Option<u64> {
    const EOCD_LEN: usize = 22;
    let tail = &bytes[bytes.len().saturating_sub(EOCD_LEN + usize::from(u16::MAX))..];
    let at = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let record = tail.get(at..at + EOCD_LEN)?;
    Some(u64::from(u16::from_le_bytes([record[10], record[11]])))
}

/// Whitespace (including the ideographic space), BOMs and zero-width spaces that copying leaves behind.
fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{FEFF}' | '\u{200B}'))
}

/// Header text as matched: cleaned, and without the 「*」 that templates often put on required columns.
fn header_text(s: &str) -> String {
    clean(clean(s).trim_matches(|c| c == '*' || c == '＊')).to_string()
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => clean(s).to_string(),
        Data::Int(n) => n.to_string(),
        Data::Float(x) => number_text(*x),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => clean(s).to_string(),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// Integral values without ".0" (警号 typed as numbers); others to Excel's 15 significant digits so a
/// formula's 0.30000000000000004 reads as 0.3.
fn number_text(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    if x.fract() == 0.0 && x.abs() < 1e18 {
        return (x as i64).to_string();
    }
    let rounded: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    rounded.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_typed_them() {
        assert_eq!(number_text(123.0), "123");
        assert_eq!(number_text(-7.0), "-7");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(f64::NAN), "");
    }

    #[test]
    fn headers_match_without_marks_and_spaces() {
        assert_eq!(header_text(" *姓名\u{3000}"), "姓名");
        assert_eq!(header_text("＊警号"), "警号");
        assert_eq!(clean("\u{FEFF}张三 "), "张三");
    }

    #[test]
    fn report_lists_rows_in_order_and_caps() {
        let errors = vec![
            RowError {
                row: 5,
                column: None,
                message: "重复的行".into(),
            },
            RowError {
                row: 3,
                column: Some("身份证号".into()),
                message: "校验位错误".into(),
            },
        ];
        assert_eq!(
            errors_report(&errors),
            "第3行「身份证号」：校验位错误\n第5行：重复的行"
        );

        let many: Vec<RowError> = (1..=250)
            .map(|row| RowError {
                row,
                column: Some("姓名".into()),
                message: "不能为空".into(),
            })
            .collect();
        let report = errors_report(&many);
        assert_eq!(report.lines().count(), 201);
        assert_eq!(report.lines().last(), Some("另有50处错误"));
    }
}
