//! The weekly briefing as its readers get it: written to a .docx, turned into a PDF by LibreOffice, and
//! read back with poppler. LibreOffice and poppler-utils are required; without them the test fails
//! rather than skipping, so a missing tool never looks like a pass.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reports::{Block, Briefing, briefing_bytes, write_briefing};

const CONVERT_TIMEOUT: Duration = Duration::from_secs(120);

fn realistic_briefing() -> Briefing {
    let units = [
        ("城关区公安分局", 412, 381, 7),
        ("市中级人民法院", 186, 179, 3),
        ("市人民检察院", 143, 140, 2),
        ("市司法局", 98, 85, 4),
        ("东湖区人民法院", 121, 103, 1),
    ];
    let rows = units
        .iter()
        .map(|(unit, due, done, reports)| {
            vec![
                unit.to_string(),
                due.to_string(),
                done.to_string(),
                format!("{:.1}%", *done as f64 * 100.0 / *due as f64),
                reports.to_string(),
            ]
        })
        .collect();
    let categories = units.iter().map(|u| u.0.to_string()).collect();
    let rates = units
        .iter()
        .map(|(_, due, done, _)| (*done as f64 * 1000.0 / *due as f64).round() / 10.0)
        .collect();
    Briefing {
        masthead: "教育整顿工作简报".into(),
        issue: "第 3 期".into(),
        issuer: "明镜市政法队伍教育整顿领导小组办公室".into(),
        date: "2026年11月27日".into(),
        title: "全市政法队伍教育整顿学习教育环节取得阶段性成效".into(),
        blocks: vec![
            Block::Heading1("一、总体进展".into()),
            Block::Paragraph(
                "本周，全市各政法单位按照市教育整顿领导小组的统一部署，扎实推进学习教育环节各项任务。\
                 截至11月26日，全市应参学干警960人，已完成规定学时888人，学习完成率92.5%，较上周提高\
                 6.3个百分点；累计组织专题党课42场、警示教育大会17场。"
                    .into(),
            ),
            Block::Heading2("（一）学习教育扎实开展".into()),
            Block::Paragraph(
                "各单位坚持集中学习与个人自学相结合，通过“明镜”平台签到、在线测试和心得审核，\
                 确保学习不走过场。城关区公安分局、市中级人民法院学习完成率均超过90%。"
                    .into(),
            ),
            Block::Table {
                headers: vec![
                    "单位".into(),
                    "应学人数".into(),
                    "已完成".into(),
                    "完成率".into(),
                    "自查事项".into(),
                ],
                rows,
            },
            Block::Heading2("（二）查纠整改有序推进".into()),
            Block::Paragraph(
                "本周共受理群众举报线索23件，已分办21件，办结9件；干警主动说明问题17人次。\
                 对超期未办的2件线索，领导小组办公室已发出督办提醒。"
                    .into(),
            ),
            Block::BarChart {
                title: "各单位学习完成率（%）".into(),
                categories,
                series: vec![("完成率".into(), rates)],
            },
            Block::BarChart {
                title: "举报线索受理与办结（件）".into(),
                categories: vec!["公安".into(), "法院".into(), "检察院".into(), "司法行政".into()],
                series: vec![
                    ("受理".into(), vec![11.0, 6.0, 4.0, 2.0]),
                    ("办结".into(), vec![4.0, 3.0, 2.0, 0.0]),
                ],
            },
            Block::Heading1("二、存在问题".into()),
            Block::Paragraph(
                "个别单位学习进度偏慢，市司法局、东湖区人民法院完成率低于全市平均水平；\
                 少数干警心得体会内容空泛，联系实际不够。"
                    .into(),
            ),
            Block::Heading1("三、下步工作".into()),
            Block::Paragraph(
                "一是加强督导，对完成率低于90%的单位逐一约谈；二是做好学习教育环节向查纠整改环节的衔接，\
                 各单位于12月5日前报送环节小结；三是持续畅通举报渠道，做到件件有着落。"
                    .into(),
            ),
        ],
        send_to: vec![
            "报：市委政法委，市教育整顿领导小组各成员".into(),
            "送：各区县政法委".into(),
            "发：市直各政法单位".into(),
        ],
        printed_by: "明镜市政法队伍教育整顿领导小组办公室".into(),
    }
}

/// The tool's full path, or a failure that says what to install.
fn require(tool: &str, package: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{tool}` is not on PATH: install {package} to run the briefing tests")
        })
}

/// Runs a command to completion within the timeout and returns its stdout; stderr goes to a file so a
/// chatty tool cannot block on a full pipe.
fn run(mut command: Command, scratch: &Path, timeout: Duration) -> String {
    let stdout_path = scratch.join("stdout.txt");
    let stderr_path = scratch.join("stderr.txt");
    command
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        // Its own process group, so a timeout can end LibreOffice's helper processes too.
        .process_group(0);
    let shown = format!("{command:?}");
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{shown}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!("{shown} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "{shown} failed with {status}: {stderr}");
    std::fs::read_to_string(&stdout_path).unwrap()
}

/// Text with every kind of whitespace removed, so that layout spacing and line wraps do not matter.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A numeric attribute of one line of `pdftotext -bbox` output.
fn attribute(line: &str, name: &str) -> Option<f64> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + line[start..].find('"')?;
    line[start..end].parse().ok()
}

/// Pixels of page one at 50 dpi as (width, height, RGB bytes), read from pdftoppm's PPM.
fn first_page_pixels(pdf: &Path, scratch: &Path) -> (usize, usize, Vec<u8>) {
    let mut command = Command::new(require("pdftoppm", "poppler-utils"));
    let stem = scratch.join("page");
    command.args(["-r", "50", "-f", "1", "-l", "1", "-singlefile"]);
    command.arg(pdf).arg(&stem);
    run(command, scratch, Duration::from_secs(60));
    let ppm = std::fs::read(stem.with_extension("ppm")).expect("pdftoppm wrote page.ppm");
    // "P6\n<w> <h>\n255\n" then RGB triples.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(ppm[start..at].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P6");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let data = ppm[at + 1..].to_vec();
    assert_eq!(data.len(), w * h * 3);
    (w, h, data)
}

#[test]
fn libreoffice_renders_the_briefing_as_an_a4_official_document() {
    let libreoffice = require(
        "libreoffice",
        "LibreOffice (apt-get install libreoffice-writer)",
    );
    let pdftotext = require("pdftotext", "poppler-utils");
    let pdfinfo = require("pdfinfo", "poppler-utils");

    let dir = tempfile::tempdir().unwrap();
    let briefing = realistic_briefing();
    let docx = dir.path().join("briefing.docx");
    write_briefing(&briefing, File::create(&docx).unwrap()).unwrap();

    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut convert = Command::new(libreoffice);
    // A private profile: parallel runs would otherwise fight over one user installation.
    convert
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&out)
        .arg(&docx)
        .env("HOME", dir.path());
    run(convert, dir.path(), CONVERT_TIMEOUT);
    let pdf = out.join("briefing.pdf");
    assert!(pdf.is_file(), "LibreOffice wrote no PDF");
    if let Some(keep) = std::env::var_os("BRIEFING_KEEP_DIR") {
        // For looking at the layout by eye.
        std::fs::copy(&pdf, Path::new(&keep).join("briefing.pdf")).unwrap();
        std::fs::copy(&docx, Path::new(&keep).join("briefing.docx")).unwrap();
    }

    let mut info = Command::new(pdfinfo);
    info.arg(&pdf);
    let info = run(info, dir.path(), Duration::from_secs(30));
    let size_line = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_else(|| panic!("no page size in {info}"));
    let numbers: Vec<f64> = size_line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        (numbers[0] - 595.3).abs() < 1.0 && (numbers[1] - 841.9).abs() < 1.0,
        "not A4: {size_line}"
    );
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count");
    assert!(pages >= 2, "the briefing runs over two pages, got {pages}");

    let mut text = Command::new(pdftotext);
    text.arg("-layout").arg(&pdf).arg("-");
    let text = run(text, dir.path(), Duration::from_secs(30));
    let flat = squeezed(&text);
    for expected in [
        "教育整顿工作简报",
        "第3期",
        "2026年11月27日",
        "全市政法队伍教育整顿学习教育环节取得阶段性成效",
        "学习完成率92.5%",
        "一、总体进展",
        "（一）学习教育扎实开展",
        // The table: a unit with its figures, in one row.
        "城关区公安分局41238192.5%7",
        "市司法局988586.7%4",
        // Both charts: titles, a data label, the second one's legend.
        "各单位学习完成率（%）",
        "86.7",
        "举报线索受理与办结（件）",
        "司法行政",
        "受理",
        "办结",
        // 版记 and the page numbers of both pages.
        "报：市委政法委",
        "明镜市政法队伍教育整顿领导小组办公室2026年11月27日印发",
        "—1—",
        "—2—",
    ] {
        assert!(
            flat.contains(expected),
            "the PDF lacks {expected:?}; its text:\n{text}"
        );
    }
    // The 版记 comes last.
    assert!(flat.rfind("印发").unwrap() > flat.find("三、下步工作").unwrap());

    // 28 characters to a line: this paragraph breaks where no punctuation rule interferes, so its
    // first line holds 26 after the two-character indent and its second a full 28.
    let lines: Vec<String> = text.lines().map(squeezed).collect();
    let first = lines
        .iter()
        .position(|l| l.starts_with("各单位坚持"))
        .expect("the paragraph's first line");
    assert_eq!(lines[first].chars().count(), 26, "{}", lines[first]);
    assert_eq!(lines[first + 1].chars().count(), 28, "{}", lines[first + 1]);

    // The 版记 floats to the foot of the last page: its 印发 line ends on the text block's last line,
    // 35 mm above the bottom edge.
    let mut bbox = Command::new(require("pdftotext", "poppler-utils"));
    bbox.args(["-bbox", "-f", &pages.to_string(), "-l", &pages.to_string()])
        .arg(&pdf)
        .arg("-");
    let bbox = run(bbox, dir.path(), Duration::from_secs(30));
    let printed_bottom = bbox
        .lines()
        .filter(|l| l.contains("<word ") && l.contains("印发"))
        .filter_map(|l| attribute(l, "yMax"))
        .next_back()
        .unwrap_or_else(|| panic!("no 印发 on the last page:\n{bbox}"));
    let block_bottom = 841.89 - 35.0 / 25.4 * 72.0;
    assert!(
        (block_bottom - 30.0..=block_bottom + 2.0).contains(&printed_bottom),
        "the 印发 line ends at {printed_bottom} pt, the text block at {block_bottom} pt"
    );

    // The masthead and its rule are pure red (the chart's bars are darker), at the top of page one.
    let (w, h, rgb) = first_page_pixels(&pdf, dir.path());
    let red_in_rows = |rows: std::ops::Range<usize>| {
        rows.flat_map(|y| (0..w).map(move |x| (y * w + x) * 3))
            .filter(|&i| rgb[i] > 230 && rgb[i + 1] < 60 && rgb[i + 2] < 60)
            .count()
    };
    let top_quarter = red_in_rows(0..h / 4);
    let rest = red_in_rows(h / 4..h);
    assert!(
        top_quarter > 500,
        "too little red in the masthead: {top_quarter} pixels"
    );
    assert!(
        top_quarter > rest,
        "red belongs to the masthead: {top_quarter} above, {rest} below"
    );
}

#[test]
fn writing_to_a_file_and_to_memory_give_the_same_bytes() {
    let briefing = realistic_briefing();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.docx");
    write_briefing(&briefing, File::create(&path).unwrap()).unwrap();
    let bytes = briefing_bytes(&briefing).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_eq!(&bytes[..2], b"PK");
}
