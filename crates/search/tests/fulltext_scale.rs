//! Search over many documents: every query still finds what it should, marked. Ignored by default (it
//! indexes `MJ_FULLTEXT_DOCS` documents, 100,000 unless set); run it in a release build to see the
//! latency it prints:
//! `MJ_FULLTEXT_DOCS=100000 cargo test -p search --release --test fulltext_scale -- --ignored --nocapture`.
//! The bar (search p99 ≤ 10 ms over 100,000 documents) is measured through HTTP by the benchmarks.

use std::time::Instant;

use search::fulltext::{Document, FullText, Scope};

const WORDS: &[&str] = &[
    "被告人",
    "犯罪嫌疑人",
    "公安机关",
    "检察机关",
    "人民法院",
    "侦查",
    "审查起诉",
    "证据",
    "事实",
    "认定",
    "判决",
    "裁定",
    "上诉",
    "抗诉",
    "羁押",
    "取保候审",
    "监视居住",
    "退回补充侦查",
    "量刑",
    "缓刑",
    "减刑",
    "假释",
    "暂予监外执行",
    "盗窃",
    "诈骗",
    "抢劫",
    "故意伤害",
    "危险驾驶",
    "醉酒",
    "受贿",
    "贪污",
    "挪用公款",
    "滥用职权",
    "玩忽职守",
    "徇私枉法",
    "民间借贷",
    "调解",
    "送达",
    "执行",
    "查封",
    "扣押",
    "冻结",
    "监控录像",
    "鉴定意见",
    "讯问笔录",
    "辩护人",
    "诉讼代理人",
    "程序违法",
    "法律文书",
    "办案期限",
    "合议庭",
    "审判委员会",
    "社区矫正",
    "认罪认罚",
    "从轻处罚",
];

/// SplitMix64, so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        s.push_str(WORDS[rng.next(WORDS.len())]);
        s.push_str(if i % 6 == 5 { "，" } else { "的" });
    }
    s.push('。');
    s
}

#[test]
#[ignore = "indexes a large corpus; run explicitly (see the module's notes)"]
fn search_stays_correct_over_many_documents_and_reports_latency() {
    let n: usize = std::env::var("MJ_FULLTEXT_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let ft = FullText::in_memory().unwrap();
    let mut rng = Rng(2026);
    let tags = vec!["public".to_string()];
    let started = Instant::now();
    let mut chars = 0usize;
    for i in 0..n {
        let title = format!("第{i}号 {}案", WORDS[rng.next(WORDS.len())]);
        let mut body = String::new();
        for _ in 0..(3 + rng.next(8)) {
            let words = 8 + rng.next(16);
            body.push_str(&sentence(&mut rng, words));
        }
        chars += body.chars().count();
        ft.add(&Document {
            id: &i.to_string(),
            kind: "guiding",
            title: &title,
            body: &body,
            tags: &tags,
        })
        .unwrap();
    }
    ft.commit("scale").unwrap();
    let indexing = started.elapsed();
    assert_eq!(ft.num_docs(), n as u64);
    let queries = [
        "危险驾驶",
        "醉酒的危险驾驶",
        "监控录像 讯问笔录",
        "退回补充侦查",
        "受贿 滥用职权 徇私枉法",
        "认罪认罚的从轻处罚",
        "民间借贷调解",
        "第12345号",
    ];
    let scope = Scope::AnyTag(vec!["public".into(), "sub:/x/".into()]);
    let mut times = Vec::new();
    for round in 0..25 {
        for q in queries {
            let t = Instant::now();
            let r = ft.search(q, &scope, None, 0, 20).unwrap();
            times.push(t.elapsed());
            if round == 0 {
                assert!(!r.hits.is_empty(), "{q} finds something");
                assert!(
                    r.hits
                        .iter()
                        .all(|h| h.snippet_html.contains("<mark>")
                            || h.title_html.contains("<mark>")),
                    "{q} is marked"
                );
            }
        }
    }
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{n} documents, {chars} characters indexed in {indexing:?}; {} searches: p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        p(0.50),
        p(0.99),
        times[times.len() - 1]
    );
}
