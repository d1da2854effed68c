//! Streams N rows (default 1,000,000) of an 8-column officer list to a temporary xlsx and prints the
//! rate and the peak resident memory. QUALITY.md asks for >= 100,000 rows/s and < 150 MB peak RSS.
//!
//!     cargo run --release -p reports --example export_bench [-- ROWS]

use std::time::Instant;

use reports::{Cell, write_xlsx};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "建国", "海燕", "明", "丽娟", "志强", "静", "晓东", "文", "伟", "秀英", "子涵", "浩然",
];
const UNITS: &[&str] = &[
    "城关区公安分局东关派出所",
    "高新区人民法院",
    "市人民检察院第二检察部",
    "市司法局",
    "南山监狱三监区",
    "临河县公安局交警大队",
];
const POSITIONS: &[&str] = &[
    "民警",
    "审判员",
    "检察官助理",
    "科员",
    "狱警",
    "所长",
    "书记员",
];
const CATEGORIES: &[&str] = &[
    "违反防止干预司法“三个规定”",
    "违规经商办企业",
    "违规参股借贷",
    "作风纪律",
    "无",
];
const NOTES: &[&str] = &[
    "已按期提交自查事项报告，经核对无遗漏",
    "本人如实报告配偶在辖区内经营餐饮店一处，已按规定处理",
    "因外出培训延期提交，已补报",
    "接受谈话提醒，已作出书面说明并签字确认",
];

/// xorshift: enough variety for a benchmark without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let rows: u64 = std::env::args().nth(1).map_or(1_000_000, |a| {
        a.replace('_', "").parse().expect("行数应为整数")
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("export_bench.xlsx");
    let headers = [
        "姓名",
        "警号",
        "单位",
        "职务",
        "身份证号",
        "手机号",
        "自查问题类别",
        "情况说明",
    ];

    let mut noise = Noise(0x2545_F491_4F6C_DD1D);
    let data = (0..rows).map(move |i| {
        vec![
            Cell::Text(format!(
                "{}{}",
                SURNAMES[noise.next(SURNAMES.len())],
                GIVEN[noise.next(GIVEN.len())]
            )),
            Cell::Text(format!("{:06}", 100_000 + i % 900_000)),
            Cell::Text(UNITS[noise.next(UNITS.len())].to_string()),
            Cell::Text(POSITIONS[noise.next(POSITIONS.len())].to_string()),
            Cell::Text(format!(
                "6201{:02}19{:02}{:02}{:02}{:04}",
                noise.next(30) + 1,
                65 + noise.next(35),
                noise.next(12) + 1,
                noise.next(28) + 1,
                noise.next(10_000)
            )),
            Cell::Text(format!("13{:09}", noise.next(1_000_000_000))),
            Cell::Text(CATEGORIES[noise.next(CATEGORIES.len())].to_string()),
            Cell::Text(NOTES[noise.next(NOTES.len())].to_string()),
        ]
    });

    let start = Instant::now();
    let written = write_xlsx(&path, "自查事项汇总", &headers, data).expect("export failed");
    let seconds = start.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);

    println!("rows: {written}");
    println!("seconds: {seconds:.2}");
    println!("rows/s: {:.0}", written as f64 / seconds);
    println!("file size: {:.1} MiB", size as f64 / 1_048_576.0);
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: unavailable (no /proc/self/status)"),
    }
}
