//! Export and import as a caller uses them: write a file, read it back, feed it hostile uploads.

use std::io::{Cursor, Write};

use reports::{Cell, ImportError, neutralize, read_xlsx, template_xlsx, write_xlsx};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn export(headers: &[&str], rows: Vec<Vec<Cell>>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("导出.xlsx");
    let count = rows.len() as u64;
    assert_eq!(
        write_xlsx(&path, "干警名册", headers, rows.into_iter()).unwrap(),
        count
    );
    std::fs::read(path).unwrap()
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

#[test]
fn chinese_text_round_trips_with_columns_in_required_order() {
    let bytes = export(
        &["姓名", "警号", "单位", "年龄", "考试成绩", "备注"],
        vec![
            vec![
                text("欧阳明"),
                text("010234"),
                text("城关区公安分局"),
                Cell::Int(38),
                Cell::Float(92.5),
                Cell::Empty,
            ],
            vec![
                text(" 李小红 "),
                text("010235"),
                text("市中级人民法院"),
                Cell::Int(29),
                Cell::Float(88.0),
                text("休假"),
            ],
        ],
    );
    let sheet = read_xlsx(&bytes, &["警号", "姓名"], 100).unwrap();
    assert_eq!(
        sheet.headers,
        ["警号", "姓名", "单位", "年龄", "考试成绩", "备注"]
    );
    assert_eq!(sheet.rows.len(), 2);
    assert_eq!(
        sheet.rows[0],
        (
            2,
            ["010234", "欧阳明", "城关区公安分局", "38", "92.5", ""]
                .iter()
                .map(|s| s.to_string())
                .collect()
        )
    );
    assert_eq!(sheet.rows[1].0, 3);
    assert_eq!(sheet.rows[1].1[1], "李小红", "cells are trimmed");
    assert_eq!(sheet.rows[1].1[4], "88", "integral numbers have no .0");
    assert_eq!(sheet.column("单位"), Some(2));
}

#[test]
fn neutralize_prefixes_formula_starts_only() {
    assert_eq!(neutralize("=1+1"), "'=1+1");
    assert_eq!(neutralize("+86"), "'+86");
    assert_eq!(neutralize("-5"), "'-5");
    assert_eq!(neutralize("@x"), "'@x");
    assert_eq!(neutralize("\tcmd"), "'\tcmd");
    assert_eq!(neutralize("normal"), "normal");
    assert_eq!(neutralize("张三=李四"), "张三=李四");
    assert!(matches!(
        neutralize("normal"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn formula_looking_text_reads_back_with_apostrophe() {
    let bytes = export(
        &["姓名", "备注"],
        vec![vec![
            text("王五"),
            text("=HYPERLINK(\"http://x\",\"点我\")"),
        ]],
    );
    let sheet = read_xlsx(&bytes, &["姓名"], 10).unwrap();
    assert_eq!(sheet.rows[0].1[1], "'=HYPERLINK(\"http://x\",\"点我\")");
}

#[test]
fn huge_integers_keep_every_digit() {
    let bytes = export(&["编号"], vec![vec![Cell::Int(9_007_199_254_740_993)]]);
    let sheet = read_xlsx(&bytes, &["编号"], 10).unwrap();
    assert_eq!(sheet.rows[0].1[0], "9007199254740993");
}

#[test]
fn missing_columns_are_named_in_chinese() {
    let bytes = export(
        &["姓名", "单位"],
        vec![vec![text("张三"), text("市司法局")]],
    );
    let err = read_xlsx(&bytes, &["姓名", "身份证号", "警号"], 10).unwrap_err();
    match &err {
        ImportError::MissingColumns(cols) => assert_eq!(cols, &["身份证号", "警号"]),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.to_string(), "缺少必填列：身份证号、警号");
}

#[test]
fn files_that_are_not_xlsx_are_refused() {
    let mut noise = vec![0u8; 4096];
    let mut x: u32 = 0x9E37_79B9;
    for b in &mut noise {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    assert!(matches!(
        read_xlsx(&noise, &[], 10),
        Err(ImportError::NotXlsx)
    ));

    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";
    assert!(matches!(read_xlsx(pdf, &[], 10), Err(ImportError::NotXlsx)));
    assert!(matches!(read_xlsx(&[], &[], 10), Err(ImportError::NotXlsx)));

    // A zip, but not a workbook (a .docx-like container).
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"<w:document/>").unwrap();
    let docx = zip.finish().unwrap().into_inner();
    assert!(matches!(
        read_xlsx(&docx, &[], 10),
        Err(ImportError::NotXlsx)
    ));

    // A zip signature followed by garbage.
    let mut fake = b"PK\x03\x04".to_vec();
    fake.extend_from_slice(&noise);
    assert!(matches!(
        read_xlsx(&fake, &[], 10),
        Err(ImportError::NotXlsx)
    ));
}

/// A zip with one entry of `mib` MiB of zeros, streamed so the test never holds it in memory.
fn zeros_zip(name: &str, mib: usize) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        // zlib-rs's level 1 stops at about 100:1 on zeros; level 2 reaches 1000:1 at the same speed.
        .compression_level(Some(2))
        .large_file(true);
    zip.start_file("[Content_Types].xml", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"<Types/>").unwrap();
    zip.start_file(name, options).unwrap();
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..mib {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn zip_bomb_is_refused_before_parsing() {
    let bomb = zeros_zip("xl/worksheets/sheet1.xml", 200);
    assert!(
        bomb.len() < 2 * 1024 * 1024,
        "the bomb itself is small: {} bytes",
        bomb.len()
    );
    let err = read_xlsx(&bomb, &[], 10).unwrap_err();
    assert!(matches!(err, ImportError::TooLarge(_)), "{err:?}");
}

#[test]
fn extreme_compression_ratio_is_refused_even_when_small() {
    // 20 MiB is within the total bound; only its ratio gives it away.
    let bomb = zeros_zip("xl/sharedStrings.xml", 20);
    let err = read_xlsx(&bomb, &[], 10).unwrap_err();
    match err {
        ImportError::TooLarge(why) => assert!(why.contains("压缩比"), "{why}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn entry_larger_than_declared_is_refused() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for name in ["[Content_Types].xml", "xl/workbook.xml"] {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(b"<x/>").unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", SimpleFileOptions::default())
        .unwrap();
    for i in 0..20_000u32 {
        write!(
            zip,
            "<row r=\"{i}\"><c><v>{}</v></c></row>",
            i.wrapping_mul(2_654_435_761)
        )
        .unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();

    // Make the central directory claim a tenth of the sheet's real size.
    let sheet_header = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    let size_field = sheet_header + 24;
    let real = u32::from_le_bytes(bytes[size_field..size_field + 4].try_into().unwrap());
    bytes[size_field..size_field + 4].copy_from_slice(&(real / 10).to_le_bytes());

    let err = read_xlsx(&bytes, &[], 10).unwrap_err();
    assert!(matches!(err, ImportError::TooLarge(_)), "{err:?}");
}

#[test]
fn too_many_entries_are_refused() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..1001 {
        zip.start_file(format!("xl/media/{i}.txt"), SimpleFileOptions::default())
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(matches!(
        read_xlsx(&bytes, &[], 10),
        Err(ImportError::TooLarge(_))
    ));
}

#[test]
fn row_limit_is_enforced() {
    let rows = |n: usize| {
        (0..n)
            .map(|i| vec![text(&format!("干警{i}"))])
            .collect::<Vec<_>>()
    };
    let ok = export(&["姓名"], rows(10));
    assert_eq!(read_xlsx(&ok, &["姓名"], 10).unwrap().rows.len(), 10);
    let over = export(&["姓名"], rows(11));
    let err = read_xlsx(&over, &["姓名"], 10).unwrap_err();
    assert!(matches!(err, ImportError::TooManyRows(10)), "{err:?}");
    assert!(err.to_string().contains("最多导入10行"));
}

#[test]
fn empty_rows_are_skipped_and_row_numbers_stay_true() {
    let bytes = export(
        &["姓名", "警号"],
        vec![
            vec![text("甲"), text("1")],
            vec![Cell::Empty, text("  ")],
            vec![text("乙"), Cell::Int(2)],
        ],
    );
    let sheet = read_xlsx(&bytes, &["姓名"], 10).unwrap();
    let numbers: Vec<usize> = sheet.rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [2, 4]);
}

#[test]
fn header_only_is_empty() {
    let bytes = export(&["姓名"], vec![]);
    assert!(matches!(
        read_xlsx(&bytes, &["姓名"], 10),
        Err(ImportError::Empty)
    ));
}

#[test]
fn header_is_first_non_empty_row_and_marks_are_ignored() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(2, 1, "序号").unwrap();
    sheet.write_string(2, 2, "*姓名").unwrap();
    sheet.write_string(2, 3, "警号").unwrap();
    sheet.write_number(3, 1, 1).unwrap();
    sheet.write_string(3, 2, "赵六").unwrap();
    sheet.write_number(3, 3, 10086).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let sheet = read_xlsx(&bytes, &["警号", "姓名"], 10).unwrap();
    assert_eq!(sheet.headers, ["警号", "姓名", "序号"]);
    assert_eq!(
        sheet.rows,
        vec![(
            4,
            vec!["10086".to_string(), "赵六".to_string(), "1".to_string()]
        )]
    );
}

#[test]
fn duplicate_headers_are_refused() {
    let bytes = export(&["姓名", "姓名"], vec![vec![text("甲"), text("乙")]]);
    let err = read_xlsx(&bytes, &["姓名"], 10).unwrap_err();
    assert!(err.to_string().contains("「姓名」出现了不止一次"), "{err}");
}

#[test]
fn template_reads_back_and_has_instructions() {
    let bytes = template_xlsx(
        "干警名册",
        &["姓名", "警号", "身份证号"],
        &["张三", "010001", "110105199003071234"],
        &["警号为6位数字。"],
    )
    .unwrap();
    let sheet = read_xlsx(&bytes, &["姓名", "警号", "身份证号"], 10).unwrap();
    assert_eq!(
        sheet.rows,
        vec![(
            2,
            vec![
                "张三".to_string(),
                "010001".to_string(),
                "110105199003071234".to_string()
            ]
        )]
    );

    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), ["干警名册", "填写说明"]);
    let guide = workbook.worksheet_range("填写说明").unwrap();
    let lines: Vec<String> = guide.rows().map(|r| r[0].to_string()).collect();
    assert_eq!(lines[0], "填写说明");
    assert_eq!(lines[1], "1. 警号为6位数字。");
}

#[test]
fn hundred_thousand_rows_write_then_read() {
    let rows = (0..100_000u32).map(|i| {
        vec![
            Cell::Text(format!("干警{i:06}")),
            Cell::Text(format!("{:06}", 10_000 + i)),
            text("高新区公安分局"),
            Cell::Int(i64::from(i % 60) + 20),
        ]
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xlsx");
    assert_eq!(
        write_xlsx(&path, "名册", &["姓名", "警号", "单位", "年龄"], rows).unwrap(),
        100_000
    );
    let bytes = std::fs::read(&path).unwrap();
    let sheet = read_xlsx(&bytes, &["警号"], 100_000).unwrap();
    assert_eq!(sheet.rows.len(), 100_000);
    assert_eq!(
        sheet.rows[99_999],
        (
            100_001,
            vec![
                "109999".into(),
                "干警099999".into(),
                "高新区公安分局".into(),
                "59".into()
            ]
        )
    );
}
