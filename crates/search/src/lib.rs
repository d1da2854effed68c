//! Text search for Mingjing. For now: near-duplicate detection of tips and clues with a 64-bit
//! SimHash over jieba tokens, so a complaint sent twice with small edits is linked, not lost.
//! Two texts within [`NEAR_DISTANCE`] bits are near duplicates ([`is_near`]); the store keeps every
//! tip's hash in memory and scans them, which is sub-millisecond for 100,000 tips.
//!
//! Full-text search of longer texts (guiding cases, commentary) is in [`fulltext`]: tantivy with jieba.
//!
//! This crate must not depend on the database, the web layer or any clock: it takes text and returns
//! numbers. Its hashes are stored, so they must never change between runs, builds or platforms:
//! tokens are hashed with a fixed function (FNV-1a plus a fixed finaliser), never with `std`'s
//! randomly keyed hasher, and any change to tokenising or hashing needs a re-hash of stored rows.

pub mod fulltext;

use std::collections::HashMap;
use std::sync::LazyLock;

use jieba_rs::Jieba;

/// Building the dictionary takes a noticeable fraction of a second: do it once per process.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Words so common in complaints that they say nothing about which complaint it is.
const STOP_WORDS: &[&str] = &[
    "的", "了", "是", "在", "和", "与", "及", "或", "也", "就", "都", "而", "被", "把", "对", "于",
    "等", "这", "那", "之", "其", "着", "地", "得", "为", "以", "将", "从", "向", "到", "给", "让",
    "并", "但", "又", "还", "很", "个", "们", "我", "你", "他", "她", "它", "我们", "他们", "一个",
    "这个", "那个", "这些", "那些", "有", "没有", "就是", "因为", "所以", "如果", "但是", "而且",
    "以及", "或者", "a", "an", "the", "of", "and", "or", "to", "in", "is",
];

/// Full-width letters, digits and signs (common in Chinese input) as their ASCII forms, and the
/// ideographic space as a space, so "ＡＢＣ１２３" and "abc123" give the same tokens.
fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Search-mode jieba tokens, lower-cased, without whitespace, punctuation (Chinese or not) and
/// stop words. Search mode also yields the parts of long words, which makes near copies that
/// differ inside a long word still share most tokens.
pub fn tokens(text: &str) -> Vec<String> {
    let folded = fold_width(text);
    JIEBA
        .cut_for_search(&folded, true)
        .into_iter()
        .filter(|t| t.word.chars().any(char::is_alphanumeric))
        .map(|t| t.word.to_lowercase())
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// FNV-1a (64-bit) followed by the MurmurHash3 `fmix64` finaliser. FNV alone mixes its low bits
/// poorly, and SimHash needs every one of the 64 bits to be an even coin flip per token.
fn token_hash(token: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// 64-bit SimHash (Charikar): each distinct token votes on every bit with its term frequency as
/// weight; a bit is set where the votes are positive. Text without tokens hashes to 0.
pub fn simhash(text: &str) -> u64 {
    let mut tf: HashMap<String, i64> = HashMap::new();
    for t in tokens(text) {
        *tf.entry(t).or_insert(0) += 1;
    }
    let mut votes = [0i64; 64];
    for (token, weight) in &tf {
        let h = token_hash(token);
        for (bit, vote) in votes.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *vote += weight;
            } else {
                *vote -= weight;
            }
        }
    }
    votes
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
}

/// Number of differing bits.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Two texts whose hashes differ in at most this many bits are treated as near duplicates.
/// Complaints are short (tens of tokens): one changed word moves 3–7 bits, while two unrelated
/// complaints on similar subjects are 25 or more bits apart.
pub const NEAR_DISTANCE: u32 = 8;

pub fn is_near(a: u64, b: u64) -> bool {
    hamming(a, b) <= NEAR_DISTANCE
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const COMPLAINT: &str = "我要举报某区人民法院执行局法官张某某。二〇二三年三月以来，张某某在办理\
        一起民间借贷纠纷执行案件过程中，多次在工作时间以外私下会见被执行人及其代理律师，接受对方\
        安排的宴请，并收受购物卡若干张。此后该案执行工作长期停滞，被执行人名下的房产和车辆一直未被\
        查封，申请执行人多次到法院询问，张某某均以案件复杂为由推脱。请求有关部门依法调查处理，\
        还当事人一个公道。以上情况属实，本人愿意配合调查并提供相关证据材料。";

    const UNRELATED: &str = "反映某县公安局交警大队民警李某长期在辖区内违规经营一家汽车修理厂，\
        由其妻子出面登记，李某利用职务便利，将事故车辆介绍到该修理厂维修并从中牟利。同时李某在\
        处理交通事故过程中态度蛮横，对群众冷硬横推，多次被投诉后仍未改正。另据了解，李某还曾\
        酒后驾驶警车外出，造成恶劣影响，群众对此意见很大，希望纪检部门认真核查。";

    #[test]
    fn tokens_drop_punctuation_and_stop_words() {
        let t = tokens("我的举报：法官  收受了购物卡！！ABC，Ｘ１２");
        assert!(t.contains(&"举报".to_string()), "{t:?}");
        assert!(t.contains(&"法官".to_string()), "{t:?}");
        assert!(t.contains(&"abc".to_string()), "{t:?}");
        assert!(t.contains(&"x12".to_string()), "{t:?}");
        for bad in ["的", "了", "我", "：", "！", "，", " ", "  "] {
            assert!(!t.contains(&bad.to_string()), "{bad} in {t:?}");
        }
        assert!(t.iter().all(|w| w.chars().any(char::is_alphanumeric)));
        assert!(tokens("，。！？、；：“”（）《》 \n\t").is_empty());
    }

    #[test]
    fn stable_values() {
        // Stored in the database: these must never change.
        // If these change, every stored hash is stale: re-hash before shipping.
        assert_eq!(token_hash("a"), 0x82a2_a958_a9be_ce5b);
        assert_eq!(token_hash("法官"), 0xfcca_eed8_ef20_b41a);
        assert_eq!(simhash("某法官私下会见当事人"), 0xdc1d_24d8_8900_0690);
        assert_eq!(simhash(""), 0);
        assert_eq!(simhash("，。！"), 0);
        assert_eq!(simhash(COMPLAINT), simhash(COMPLAINT));
    }

    #[test]
    fn identical_text_distance_zero() {
        assert_eq!(hamming(simhash(COMPLAINT), simhash(COMPLAINT)), 0);
        // whitespace and punctuation changes do not matter
        let reflowed = COMPLAINT.replace('，', ",").replace('。', " ");
        assert_eq!(hamming(simhash(COMPLAINT), simhash(&reflowed)), 0);
    }

    #[test]
    fn near_copy_is_near() {
        assert!(COMPLAINT.chars().count() >= 200);
        // a resubmission with two characters changed and the punctuation touched up
        let edited = COMPLAINT
            .replace("张某某。", "张某某！")
            .replace("宴请", "吃请")
            .replace("多次到法院", "多次去法院");
        assert_ne!(edited, COMPLAINT);
        let d = hamming(simhash(COMPLAINT), simhash(&edited));
        assert!(d <= NEAR_DISTANCE, "distance {d}");
        assert!(is_near(simhash(COMPLAINT), simhash(&edited)));
    }

    /// How often one replaced character keeps a 200-character complaint within the distance.
    /// Measured 91% when written; guards against a change to tokens or hashing that makes
    /// near-duplicate detection quietly worse.
    #[test]
    fn single_character_edits_mostly_stay_near() {
        let chars: Vec<char> = COMPLAINT.chars().collect();
        let base = simhash(COMPLAINT);
        let replacements = ['甲', '乙', '好', '们', '事', '很', '日', '人'];
        let mut seed: u64 = 12345;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n
        };
        let trials = 200;
        let mut near = 0;
        for _ in 0..trials {
            let mut c = chars.clone();
            let i = next(c.len());
            c[i] = replacements[next(replacements.len())];
            let edited: String = c.into_iter().collect();
            if is_near(base, simhash(&edited)) {
                near += 1;
            }
        }
        assert!(near * 100 >= trials * 85, "{near} of {trials} near");
    }

    #[test]
    fn unrelated_complaint_is_far() {
        let d = hamming(simhash(COMPLAINT), simhash(UNRELATED));
        assert!(d > 10, "distance {d}");
        assert!(!is_near(simhash(COMPLAINT), simhash(UNRELATED)));
    }

    #[test]
    fn the_threshold_is_inclusive() {
        assert_eq!(hamming(0, u64::MAX), 64);
        assert!(is_near(0xff, 0));
        assert!(!is_near(0x1ff, 0));
    }

    proptest! {
        #[test]
        fn simhash_never_panics(s in "\\PC{0,200}") {
            let _ = simhash(&s);
        }
    }
}
