//! Synthetic content for `mingjing gen` and test fixtures: the unit tree of a city or a province,
//! people's names, positions, badge numbers, 身份证号 and phone numbers, and the Chinese texts people
//! write around a tip (the tip itself, the handler's questions, the reporter's replies, verification
//! notes and feedback). Everything is pure and deterministic: the same seed gives the same data.
//! Depends on rand and std only, so fixtures and the generator share one source.

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// One unit of the tree as the generator inserts it; parents come before their children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSpec {
    pub code: String,
    pub name: String,
    /// "committee", "court", "procuratorate", "police", "justice" or "prison"
    pub kind: &'static str,
    pub parent_code: Option<String>,
}

fn unit(code: String, name: String, kind: &'static str, parent: Option<&str>) -> UnitSpec {
    UnitSpec {
        code,
        name,
        kind,
        parent_code: parent.map(str::to_owned),
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn pick<'a, T: ?Sized, R: Rng + ?Sized>(rng: &mut R, items: &'a [&'a T]) -> &'a T {
    items[rng.random_range(0..items.len())]
}

fn weighted<'a, T: ?Sized, R: Rng + ?Sized>(rng: &mut R, items: &'a [(&'a T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut at = rng.random_range(0..total);
    for (item, weight) in items {
        if at < *weight {
            return item;
        }
        at -= weight;
    }
    items[items.len() - 1].0
}

/// Fisher–Yates over a copy, so draws without replacement stay deterministic.
fn shuffled<'a, R: Rng + ?Sized>(rng: &mut R, items: &[&'a str]) -> Vec<&'a str> {
    let mut v = items.to_vec();
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
    v
}

/// FNV-1a, so a city's districts follow from its name alone.
fn name_seed(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn without_suffix<'a>(s: &'a str, suffix: &str) -> &'a str {
    let s = s.trim();
    s.strip_suffix(suffix)
        .filter(|rest| !rest.is_empty())
        .unwrap_or(s)
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

// ---------------------------------------------------------------------------------------------
// Unit tree

const URBAN_DISTRICTS: &[&str] = &[
    "城关", "城中", "市中", "东城", "西城", "南湖", "北塔", "新城", "河东", "河西", "滨江", "江北",
    "金水", "青山", "秀峰", "龙华", "望城", "东湖", "凤凰", "白云", "临湖", "铁西", "站前", "碑林",
    "鼓楼", "天宁", "莲湖", "雁塔", "城北", "城南", "湖滨", "梅江", "双桥", "沙坪", "金牛", "锦江",
    "西湖", "北湖",
];

const COUNTIES: &[&str] = &[
    "永安", "清水", "临河", "平山", "安宁", "白马", "石门", "长乐", "宁远", "兴隆", "安平", "桃源",
    "丰宁", "青河", "柳林", "石泉", "宜川", "永和", "太平", "新安", "武城", "高台", "景泰", "会宁",
    "通渭", "岷山", "和政", "永靖", "广河", "舟曲", "文县", "康乐", "宁县", "合水", "泾川", "灵台",
    "崇信", "华亭", "庄浪", "静宁", "秦安", "甘谷", "武山", "清源", "西和", "礼县", "徽县", "两当",
    "宕昌", "临潭", "卓尼", "夏河", "碌曲", "玛曲", "民乐", "山丹", "临泽", "肃南", "金塔", "瓜州",
    "敦煌", "阿克", "环县", "华池", "镇原", "正宁", "陇西", "渭源", "临洮", "漳县", "岷县", "东乡",
    "积石", "榆中", "皋兰", "永登", "靖远", "会川", "古浪", "天祝", "民勤", "永昌",
];

/// Towns and street offices, used for 派出所, 人民法庭 and 司法所.
const TOWNS: &[&str] = &[
    "东关",
    "西关",
    "南关",
    "北关",
    "火车站",
    "城东",
    "城西",
    "张家湾",
    "李家庄",
    "新华路",
    "解放路",
    "人民路",
    "朝阳",
    "红星",
    "建设路",
    "和平",
    "团结",
    "胜利",
    "幸福",
    "柳树",
    "桃园",
    "杨家坪",
    "王家坪",
    "马场",
    "沙河",
    "石桥",
    "白塔",
    "青龙",
    "古城",
    "新村",
    "工业园",
    "临港",
    "大学城",
    "新集",
    "马坊",
    "三岔",
    "河口",
    "官庄",
    "黄寨",
    "双庙",
    "五里铺",
    "十里店",
    "高家堡",
    "龙门",
    "金川",
    "白土坡",
    "南山",
    "北川",
    "中街",
    "杏林",
];

const CITY_NAMES: &[&str] = &[
    "金城", "河阳", "临川", "云州", "青原", "宁安", "平阳", "长丰", "东陵", "嘉和", "汉江", "白河",
    "秦川", "兴安", "定远", "武宁", "鹤城", "泰和", "凤翔", "云岭", "南屏", "北原", "清河", "龙城",
    "江陵", "安远", "玉川", "宁州", "石城", "沧澜",
];

const NAME_FIRST: &[&str] = &[
    "安", "永", "宁", "平", "清", "长", "新", "兴", "丰", "和", "太", "广", "德", "高",
];
const NAME_SECOND: &[&str] = &[
    "川", "河", "山", "水", "阳", "城", "原", "泉", "林", "江", "台", "谷", "州", "峰",
];

const PRISON_AREAS: &[&str] = &["一", "二", "三", "四", "五", "六"];

struct District {
    /// As written in unit names: 城关区, 金城高新区, 永安县
    full: String,
    /// 城关, 高新, 永安
    stem: String,
    county: bool,
}

/// Hands out place names without repeats across a whole province.
struct NamePool<'a> {
    queue: Vec<&'a str>,
    used: std::collections::HashSet<String>,
    spare: usize,
}

impl<'a> NamePool<'a> {
    fn new<R: Rng + ?Sized>(rng: &mut R, names: &[&'a str]) -> Self {
        NamePool {
            queue: shuffled(rng, names),
            used: Default::default(),
            spare: 0,
        }
    }

    fn take(&mut self) -> String {
        while let Some(name) = self.queue.pop() {
            if self.used.insert(name.to_owned()) {
                return name.to_owned();
            }
        }
        // The lists ran out: make plausible two-character names, then numbered ones.
        loop {
            let i = self.spare;
            self.spare += 1;
            let name = if i < NAME_FIRST.len() * NAME_SECOND.len() {
                format!(
                    "{}{}",
                    NAME_FIRST[i % NAME_FIRST.len()],
                    NAME_SECOND[i / NAME_FIRST.len()]
                )
            } else {
                format!("新{}", i)
            };
            if self.used.insert(name.clone()) {
                return name;
            }
        }
    }
}

struct Places<'a> {
    urban: NamePool<'a>,
    counties: NamePool<'a>,
}

fn districts_for<R: Rng + ?Sized>(
    rng: &mut R,
    city: &str,
    places: &mut Places<'_>,
) -> Vec<District> {
    let count = rng.random_range(5..=7);
    let urban = rng.random_range(1..=2);
    let mut out = Vec::with_capacity(count);
    for _ in 0..urban {
        let stem = places.urban.take();
        out.push(District {
            full: format!("{stem}区"),
            stem,
            county: false,
        });
    }
    if rng.random_bool(0.6) {
        out.push(District {
            full: format!("{city}高新区"),
            stem: "高新".into(),
            county: false,
        });
    }
    while out.len() < count {
        let stem = places.counties.take();
        out.push(District {
            full: format!("{stem}县"),
            stem,
            county: true,
        });
    }
    out
}

fn city_tree<R: Rng + ?Sized>(
    rng: &mut R,
    city: &str,
    prefix: &str,
    parent: Option<&str>,
    districts: &[District],
    out: &mut Vec<UnitSpec>,
) {
    let c = |suffix: &str| format!("{prefix}-{suffix}");
    let root = c("PLC");
    out.push(unit(
        root.clone(),
        format!("{city}市委政法委"),
        "committee",
        parent,
    ));
    out.push(unit(
        c("CRT"),
        format!("{city}市中级人民法院"),
        "court",
        Some(&root),
    ));
    out.push(unit(
        c("PRO"),
        format!("{city}市人民检察院"),
        "procuratorate",
        Some(&root),
    ));
    out.push(unit(
        c("PSB"),
        format!("{city}市公安局"),
        "police",
        Some(&root),
    ));
    out.push(unit(
        c("JUS"),
        format!("{city}市司法局"),
        "justice",
        Some(&root),
    ));
    out.push(unit(c("PRI"), format!("{city}监狱"), "prison", Some(&root)));
    for (i, area) in PRISON_AREAS
        .iter()
        .take(rng.random_range(3..=5))
        .enumerate()
    {
        out.push(unit(
            c(&format!("PRI-{:02}", i + 1)),
            format!("{city}监狱{area}监区"),
            "prison",
            Some(&c("PRI")),
        ));
    }

    for (i, d) in districts.iter().enumerate() {
        let dc = |suffix: &str| format!("{prefix}-D{:02}-{suffix}", i + 1);
        let police = if d.county {
            format!("{}公安局", d.full)
        } else {
            format!("{city}市公安局{}分局", d.stem)
        };
        let court = format!("{}人民法院", d.full);
        let justice = format!("{}司法局", d.full);
        out.push(unit(dc("CRT"), court.clone(), "court", Some(&c("CRT"))));
        out.push(unit(
            dc("PRO"),
            format!("{}人民检察院", d.full),
            "procuratorate",
            Some(&c("PRO")),
        ));
        out.push(unit(dc("PSB"), police.clone(), "police", Some(&c("PSB"))));
        out.push(unit(dc("JUS"), justice.clone(), "justice", Some(&c("JUS"))));

        let towns: Vec<&str> = shuffled(rng, TOWNS)
            .into_iter()
            .filter(|t| *t != d.stem)
            .collect();
        let mut towns = towns.into_iter();
        for n in 1..=rng.random_range(2..=4) {
            let town = towns.next().unwrap_or("城郊");
            out.push(unit(
                dc(&format!("PSB-{n:02}")),
                format!("{police}{town}派出所"),
                "police",
                Some(&dc("PSB")),
            ));
        }
        for n in 1..=rng.random_range(1..=2) {
            let town = towns.next().unwrap_or("城郊");
            out.push(unit(
                dc(&format!("CRT-{n:02}")),
                format!("{court}{town}人民法庭"),
                "court",
                Some(&dc("CRT")),
            ));
        }
        for n in 1..=rng.random_range(1..=2) {
            let town = towns.next().unwrap_or("城郊");
            out.push(unit(
                dc(&format!("JUS-{n:02}")),
                format!("{justice}{town}司法所"),
                "justice",
                Some(&dc("JUS")),
            ));
        }
    }
}

/// A city's political-legal units: 市委政法委 at the root, the five city organs under it, ~6 districts
/// and counties under the matching city organ, and 派出所, 人民法庭, 司法所 and 监区 below. The city is
/// given without 「市」 (「金城」); codes start with `code_prefix` (keep it to 21 ASCII characters).
pub fn city_units(city: &str, code_prefix: &str) -> Vec<UnitSpec> {
    let city = without_suffix(city, "市");
    let mut rng = StdRng::seed_from_u64(name_seed(city));
    let mut places = Places {
        urban: NamePool::new(&mut rng, URBAN_DISTRICTS),
        counties: NamePool::new(&mut rng, COUNTIES),
    };
    let districts = districts_for(&mut rng, city, &mut places);
    let mut out = Vec::new();
    city_tree(&mut rng, city, code_prefix, None, &districts, &mut out);
    out
}

/// A province: 「{province}省委政法委」 at the root with the five provincial organs, and `cities` city
/// trees under it (codes C01…). District names do not repeat across the province.
pub fn province_units(province: &str, cities: usize) -> Vec<UnitSpec> {
    let province = without_suffix(province, "省");
    let mut rng = StdRng::seed_from_u64(name_seed(province));
    let root = "PRV-PLC".to_string();
    let mut out = vec![unit(
        root.clone(),
        format!("{province}省委政法委"),
        "committee",
        None,
    )];
    for (code, name, kind) in [
        ("PRV-CRT", "省高级人民法院", "court"),
        ("PRV-PRO", "省人民检察院", "procuratorate"),
        ("PRV-PSB", "省公安厅", "police"),
        ("PRV-JUS", "省司法厅", "justice"),
        ("PRV-PRI", "省监狱管理局", "prison"),
    ] {
        out.push(unit(
            code.into(),
            format!("{province}{name}"),
            kind,
            Some(&root),
        ));
    }

    let mut places = Places {
        urban: NamePool::new(&mut rng, URBAN_DISTRICTS),
        counties: NamePool::new(&mut rng, COUNTIES),
    };
    let mut city_names = NamePool::new(&mut rng, CITY_NAMES);
    for i in 0..cities {
        let city = city_names.take();
        let districts = districts_for(&mut rng, &city, &mut places);
        city_tree(
            &mut rng,
            &city,
            &format!("C{:02}", i + 1),
            Some(&root),
            &districts,
            &mut out,
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// People

/// Surnames with their approximate share per 10,000 people (seventh census order).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 712),
    ("李", 700),
    ("张", 670),
    ("刘", 540),
    ("陈", 450),
    ("杨", 310),
    ("黄", 220),
    ("赵", 200),
    ("吴", 190),
    ("周", 190),
    ("徐", 150),
    ("孙", 150),
    ("马", 140),
    ("朱", 130),
    ("胡", 130),
    ("郭", 120),
    ("何", 120),
    ("林", 110),
    ("高", 110),
    ("罗", 110),
    ("郑", 100),
    ("梁", 90),
    ("谢", 80),
    ("宋", 80),
    ("唐", 80),
    ("许", 70),
    ("韩", 70),
    ("邓", 70),
    ("冯", 70),
    ("曹", 60),
    ("彭", 60),
    ("曾", 60),
    ("肖", 60),
    ("田", 60),
    ("董", 50),
    ("潘", 50),
    ("袁", 50),
    ("蔡", 50),
    ("蒋", 50),
    ("余", 50),
    ("于", 50),
    ("杜", 50),
    ("叶", 50),
    ("程", 50),
    ("魏", 40),
    ("苏", 40),
    ("吕", 40),
    ("丁", 40),
    ("任", 40),
    ("卢", 40),
    ("姚", 40),
    ("沈", 40),
    ("钟", 40),
    ("姜", 40),
    ("崔", 40),
    ("谭", 40),
    ("陆", 30),
    ("范", 30),
    ("汪", 30),
    ("廖", 30),
    ("石", 30),
    ("金", 30),
    ("韦", 30),
    ("贾", 30),
    ("夏", 30),
    ("付", 30),
    ("方", 30),
    ("邹", 30),
    ("熊", 30),
    ("白", 30),
    ("孟", 30),
    ("秦", 30),
    ("邱", 30),
    ("侯", 30),
    ("江", 30),
    ("尹", 30),
    ("薛", 20),
    ("闫", 20),
    ("段", 20),
    ("雷", 20),
    ("龙", 20),
    ("黎", 20),
    ("史", 20),
    ("陶", 20),
    ("贺", 20),
    ("毛", 20),
    ("郝", 20),
    ("顾", 20),
    ("龚", 20),
    ("邵", 20),
    ("万", 20),
    ("覃", 20),
    ("武", 20),
    ("钱", 20),
    ("戴", 20),
    ("严", 20),
    ("莫", 20),
    ("孔", 20),
    ("向", 20),
    ("常", 20),
    ("汤", 10),
    ("康", 10),
    ("易", 10),
    ("乔", 10),
    ("赖", 10),
    ("文", 10),
    ("施", 10),
    ("洪", 10),
    ("牛", 10),
    ("欧阳", 3),
    ("司马", 1),
    ("诸葛", 1),
    ("上官", 1),
    ("司徒", 1),
    ("皇甫", 1),
    ("令狐", 1),
];

// Given-name characters of people born 1965–2000: a first syllable, then a second that carries the
// meaning; single-character names were common in those years.
const MALE_FIRST: &[&str] = &[
    "建", "志", "国", "海", "晓", "文", "永", "春", "明", "宏", "德", "立", "新", "家", "俊", "浩",
    "子", "振", "小", "红", "卫", "学", "军", "光", "庆", "长", "金", "天", "嘉", "宇", "鹏", "泽",
    "思", "一", "世", "彦",
];
const MALE_SECOND: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宁", "浩", "凯", "健", "俊", "帆", "旭", "宇", "晨", "博", "文", "龙", "林", "峰",
    "亮", "成", "东", "海", "兵", "云", "祥", "荣", "利", "彬", "锋", "毅", "阳", "远", "昊", "铭",
    "睿", "泽", "宏", "春", "武", "民", "国", "庆", "生", "忠", "良", "山",
];
const FEMALE_FIRST: &[&str] = &[
    "丽", "秀", "海", "晓", "春", "玉", "美", "雅", "佳", "思", "雨", "梦", "欣", "子", "小", "红",
    "金", "彩", "淑", "桂", "爱", "文", "静", "明", "慧", "婉", "若", "诗", "嘉", "冬",
];
const FEMALE_SECOND: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "英", "玲", "燕", "红", "梅", "琳", "雪", "颖",
    "倩", "婷", "慧", "莉", "萍", "洁", "琴", "丹", "晶", "欣", "怡", "佳", "悦", "瑶", "璐", "蕾",
    "菲", "婧", "媛", "月", "兰", "凤", "华", "雅", "涵", "琪", "薇", "蓉", "霏", "岚",
];
// Reduplicated names (婷婷, 丹丹) are a natural minority among women.
const FEMALE_DOUBLED: &[&str] = &["婷", "丹", "娜", "倩", "莉", "静", "晶", "璐", "菲", "楠"];

/// A natural Chinese full name.
pub fn person_name(rng: &mut impl Rng) -> String {
    let surname = weighted(rng, SURNAMES);
    let male = rng.random_bool(0.55);
    let roll = rng.random_range(0..100);
    let given = match (male, roll) {
        (true, 0..20) => pick(rng, MALE_SECOND).to_string(),
        (true, _) => format!("{}{}", pick(rng, MALE_FIRST), pick(rng, MALE_SECOND)),
        (false, 0..18) => pick(rng, FEMALE_SECOND).to_string(),
        (false, 18..22) => pick(rng, FEMALE_DOUBLED).repeat(2),
        (false, _) => format!("{}{}", pick(rng, FEMALE_FIRST), pick(rng, FEMALE_SECOND)),
    };
    // 「明明」「国国」 by accident reads wrong; take the single character instead.
    let mut chars = given.chars();
    let given = match (chars.next(), chars.next(), chars.next()) {
        (Some(a), Some(b), None) if a == b && !FEMALE_DOUBLED.iter().any(|d| d.starts_with(a)) => {
            a.to_string()
        }
        _ => given,
    };
    format!("{surname}{given}")
}

/// A position typical of the unit kind, weighted the way staff are spread.
pub fn position(kind: &str, rng: &mut impl Rng) -> &'static str {
    let table: &[(&'static str, u32)] = match kind {
        "committee" => &[
            ("科员", 40),
            ("一级主任科员", 15),
            ("副科长", 12),
            ("科长", 10),
            ("副主任", 5),
            ("办公室主任", 3),
            ("四级调研员", 5),
        ],
        "court" => &[
            ("审判员", 30),
            ("法官助理", 22),
            ("书记员", 25),
            ("副庭长", 7),
            ("庭长", 5),
            ("执行员", 6),
            ("司法警察", 5),
        ],
        "procuratorate" => &[
            ("检察官", 35),
            ("检察官助理", 28),
            ("书记员", 15),
            ("检察部副主任", 6),
            ("检察部主任", 5),
            ("司法警察", 8),
            ("检察技术人员", 3),
        ],
        "police" => &[
            ("民警", 52),
            ("辅警", 20),
            ("警长", 6),
            ("副所长", 6),
            ("所长", 4),
            ("教导员", 4),
            ("中队长", 5),
            ("大队长", 3),
        ],
        "justice" => &[
            ("科员", 35),
            ("社区矫正工作人员", 20),
            ("人民调解员", 14),
            ("司法所所长", 10),
            ("副科长", 8),
            ("科长", 7),
            ("法律援助律师", 6),
        ],
        "prison" => &[
            ("狱警", 58),
            ("分监区长", 10),
            ("副监区长", 8),
            ("监区长", 6),
            ("教导员", 6),
            ("科员", 8),
            ("狱医", 4),
        ],
        _ => &[("科员", 1)],
    };
    weighted(rng, table)
}

/// 警号 for police (six digits, as on the badge); 工号 with a unit-kind prefix elsewhere.
/// Distinct `n` give distinct numbers across kinds.
pub fn officer_badge(kind: &str, n: u32) -> String {
    let prefix = match kind {
        "police" => return format!("{n:06}"),
        "court" => "FY",
        "procuratorate" => "JC",
        "justice" => "SF",
        "prison" => "JY",
        "committee" => "ZF",
        _ => "GH",
    };
    format!("{prefix}{n:06}")
}

/// Area codes of real county-level divisions in several provinces.
const AREA_CODES: &[&str] = &[
    "620102", "620103", "620104", "620105", "620111", "620121", "620402", "620502", "620602",
    "620702", "620802", "620902", "621102", "621202", "622901", "110101", "110105", "310104",
    "310115", "320102", "330106", "340102", "350102", "360102", "370102", "410105", "420106",
    "430102", "440106", "450102", "500103", "510107", "520102", "530102", "610113", "610402",
    "630102", "640104", "650102", "130102", "140105", "150102", "210102", "220102", "230102",
];

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// GB 11643 check character for the first 17 digits.
fn id_check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(ID_CHECK[(sum % 11) as usize])
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A valid 18-digit 身份证号: real area code, birth date 1965–2000, order code, GB 11643 check.
pub fn id_number(rng: &mut impl Rng) -> String {
    let area = pick(rng, AREA_CODES);
    let year = rng.random_range(1965..=2000);
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=days_in_month(year, month));
    let order = rng.random_range(1..=999);
    let first17 = format!("{area}{year:04}{month:02}{day:02}{order:03}");
    let check = id_check_char(first17.as_bytes());
    format!("{first17}{check}")
}

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195",
    "198", "199",
];

/// An 11-digit mainland mobile number with a prefix in real use.
pub fn phone(rng: &mut impl Rng) -> String {
    format!(
        "{}{:08}",
        pick(rng, MOBILE_PREFIXES),
        rng.random_range(0..100_000_000)
    )
}

// ---------------------------------------------------------------------------------------------
// Tips
//
// A tip is told in the reporter's own voice: an opening, two or three facts of its category, maybe
// evidence and how it hurt them, and what they want. Placeholders: {A} accused, {U} unit, {N} another
// person, {C} company, {F} law firm, {K} kind of case, {P} place, {T} time, {M} amount, {D} how long,
// {Y} years, {V} plate number, {X} a small count.

const INTERFERENCE: &[&str] = &[
    "我家和{N}因为{K}打官司，案子在{U}审理。开庭前我亲眼看见{A}和对方的律师在{P}一起吃饭，吃完还一起上了一辆车。",
    "{A}多次给承办法官打招呼，让对{N}的案子“关照一下”，后来判决果然一边倒地偏向对方。",
    "对方当事人{N}到处跟人说他和{A}是老同学，案子早就“打点好了”，让我们别白费劲。",
    "{T}，{A}私下约我到{P}见面，说只要再拿{M}“疏通一下”，案子就能改判。",
    "案子到了{U}以后一直拖着不办，后来听说是{A}过问过，承办人也不敢做主。",
    "{A}在案子审理期间收了对方律师送的购物卡和烟酒，这事在{F}里都传开了。",
    "{A}把我们提交的证据材料透露给了对方，对方第二天就把关键证人叫走了。",
];

const ILLEGAL_BUSINESS: &[&str] = &[
    "{A}的爱人名下开着{C}，实际上生意都是{A}在背后张罗，辖区里不少工程都包给了这家公司。",
    "{A}的儿子开了一家{C}，专门承接{U}的车辆维修和食堂配送，价格比外面高出一大截。",
    "{A}自己入股了{P}，每年分红{M}，上班时间也经常去店里坐着。",
    "{A}以他小舅子{N}的名义开了一家{C}，逢年过节辖区商户都要去他那里“照顾生意”。",
    "我查过工商登记，{C}的实际控制人就是{A}，登记的股东是他岳母{N}。",
    "{A}的女儿和女婿开了一家驾校，{A}利用职务便利给他们拉生意，别的驾校都不敢跟他们争。",
    "{A}在城郊承包了一片果园，雇人经营，单位里的人都知道，可从来没见他报告过。",
];

const INVESTMENT_LENDING: &[&str] = &[
    "{A}把{M}借给{C}，月息三分，远远超过正常利息，借款的老板正好是他经手案子的当事人。",
    "{A}在{C}参了股，这家公司干的就是民间放贷，出了纠纷都是{A}出面摆平。",
    "{T}，{A}找我们老板{N}借了{M}，到现在一分没还，还说“以后有事找他帮忙”。",
    "{A}通过亲戚往辖区一家小额贷款公司投了{M}，每年拿固定回报，比银行利息高好几倍。",
    "听说{A}在城郊的一个砂石场有干股，一分钱没出，每年年底都有人给他送钱。",
    "{A}向辖区里好几个企业老板借钱，数额从几万到几十万，借了就不提还的事，老板们也不敢催。",
];

const COMMUTATION: &[&str] = &[
    "{N}因为{K}被判了{Y}年，进去没多久就减了两次刑，比同监区的人快得多，大家都说是{A}在里面打了招呼。",
    "{N}以身体有病为由办了暂予监外执行，可我们天天看见他在{P}打牌、开车，一点不像有病的样子。",
    "{A}帮{N}编造了立功材料，说他检举揭发了别人，其实根本没有这回事，靠这个减了刑。",
    "{N}的病情诊断书是托人弄的，出诊断的医生和{A}关系很好，经常在一起吃饭。",
    "{N}保外就医的期限到了又续了两次，从来没见人来核查过他的身体情况。",
    "{N}家里人自己说，为了办假释前后花了{M}，钱是通过{A}的亲戚转过去的。",
    "{N}在监狱里的计分考核明显造假，他根本不参加劳动，分数却年年是优秀，管他的就是{A}。",
];

const CASE_SUPPRESSION: &[&str] = &[
    "{T}我被人打伤，去{U}报案，{A}接的警，做了笔录，到现在{D}过去了，既不立案也不给说法。",
    "我们报案说{N}非法集资，涉及几百户群众，{A}一直说“证据不足”不立案，可{N}还在继续收钱。",
    "案子立了以后就再没动静，嫌疑人{N}照样开店做生意，我去问{A}，他让我“回家等消息”。",
    "{N}酒后开车把我家人撞伤，{A}出具的事故认定书把主要责任推给了我们，后来才知道{N}是他的亲戚。",
    "我反映的{K}线索交上去{D}了，{A}一直压着不查，反而把我的情况透露给了对方。",
    "明明是刑事案件，{A}硬是按治安案件处理，罚了点钱就把{N}放了。",
    "我去报案的时候{A}不给出受案回执，说“这种事我们管不了，去法院起诉吧”。",
];

const REVOLVING_DOOR: &[&str] = &[
    "{A}原来是{U}的员额法官，离职不到一年就去了{F}当律师，专门代理原单位审理的案子。",
    "{A}辞职后开了个“法律咨询公司”，对外说能找到{U}的熟人，收了我{M}，说保证打赢。",
    "{A}退休以后去了{F}，天天回原单位找以前的同事“沟通案情”，大家都不好意思拒绝。",
    "{A}的妻子在本地开律所，{A}还在{U}任职，律所接的好几件案子都是{A}所在的部门办的。",
    "{N}到处说自己和{A}关系过硬，替人“捞人”“摆平官司”，收钱从几万到几十万不等。",
    "{A}离开检察院才半年，就以律师身份出现在他原来办过的案子里，当事人都觉得不对劲。",
];

const TWO_FACED: &[&str] = &[
    "{A}在大会上讲廉洁讲得头头是道，背地里收受下属的红包，逢年过节家门口送礼的排着队。",
    "{A}要求大家不准违规吃喝，自己却经常在{P}和老板喝酒打牌。",
    "{A}在填报个人有关事项时隐瞒了{X}套房产和在{C}的股份。",
    "{A}表面上支持这次教育整顿，私下却让下属统一口径，叫大家自查报告都写“无”。",
    "{A}对组织的安排阳奉阴违，当面一套背后一套，还在私下场合说些和身份很不相符的话。",
    "{A}在单位里搞小圈子，谁跟他走得近谁就提拔，不跟他走的就穿小鞋。",
];

const PROTECTION_UMBRELLA: &[&str] = &[
    "我们那一片的{N}一伙人长期强揽工程、收“保护费”，谁不给就砸店打人，每次报警{A}都说是“民事纠纷”。",
    "{N}手下的人在{P}开设赌场好几年了，每次检查前都有人提前通风报信，大家都说是{A}在罩着。",
    "{A}和当地的“村霸”{N}称兄道弟，{N}的砂石场非法采砂好几年，{A}从来不管。",
    "{N}团伙放高利贷、暴力催收，把人逼得走投无路，{A}还帮他们把案子销了。",
    "{A}逢年过节都收{N}送的钱，{N}出事被抓后没几天就放了出来。",
    "{N}垄断了当地的砂石和土方运输，别人的车一进来就被砸，{A}接到报警从来不出警。",
];

const JUDICIAL_CORRUPTION: &[&str] = &[
    "{A}在办理{K}案件时收了当事人{N}{M}，然后把本该查封的财产解封了。",
    "执行款{M}早就到了法院账户，迟迟不发给我们，{A}暗示要“意思意思”才能快点拨付。",
    "{A}扣押车辆以后私自收取“停车费”“保管费”，不给开任何票据。",
    "{A}让当事人把钱打到他亲戚{N}的账户上，说是“办案经费”。",
    "{A}把查封的房子低价处置给了他的熟人{N}，比市场价低了将近一半。",
    "{A}向犯罪嫌疑人家属索要{M}，承诺可以办“取保候审”。",
    "{A}办案时对有钱的一方处处照顾，对我们则百般刁难，案子还没判就说我们“肯定输”。",
];

const CONDUCT: &[&str] = &[
    "我去{U}办事，{A}态度非常恶劣，材料明明齐全，却一会儿说少这个一会儿说少那个，来回跑了{X}趟还没办成。",
    "{A}在窗口办证时明里暗里要好处，不给烟不给钱就一直拖着不办。",
    "有天晚上，我看见{A}在{P}喝完酒自己开车走了，车牌号是{V}。",
    "{A}经常和几个老板在{P}打麻将，一场输赢几千上万，有时候上班时间也去。",
    "工作日上午十点多我去{U}办事，{A}在办公室里炒股、打游戏，让我们在外面等了一个多小时。",
    "{A}开着警车接送孩子上下学，还经常停在学校门口的消防通道上。",
    "{A}把我报案的内容和我的电话告诉了被举报的人，现在对方天天打电话威胁我。",
    "{A}在辖区饭店吃饭从来不给钱，账都记在老板那里，老板敢怒不敢言。",
    "我问{A}案子办到哪一步了，他把桌子一拍说“你懂还是我懂”，让我出去等着。",
];

const OTHER: &[&str] = &[
    "{A}在{U}挂着名，可长期不在岗，工资照领，听说一直在外面跑生意。",
    "{A}在朋友圈里晒名表、豪车，这和他的收入明显对不上。",
    "{A}的亲属违规享受低保，村里人都有意见，去问也没人管。",
    "{A}在单位招聘辅警时收了别人的钱，把自己的亲戚安排了进去。",
    "{A}借给孩子办升学宴的名义大操大办，辖区里的老板们都去随了礼。",
    "{A}经常用公车办私事，周末开着单位的车带家人去外地游玩。",
];

fn facts_for(category: &str) -> &'static [&'static str] {
    match category {
        "interference" => INTERFERENCE,
        "illegal_business" => ILLEGAL_BUSINESS,
        "illegal_investment_lending" => INVESTMENT_LENDING,
        "illegal_commutation" => COMMUTATION,
        "case_suppression" => CASE_SUPPRESSION,
        "revolving_door" => REVOLVING_DOOR,
        "two_faced" => TWO_FACED,
        "protection_umbrella" => PROTECTION_UMBRELLA,
        "judicial_corruption" => JUDICIAL_CORRUPTION,
        "conduct" => CONDUCT,
        _ => OTHER,
    }
}

const OPENINGS: &[&str] = &[
    "我是{U}辖区的一名普通群众，",
    "本人是一名个体经营户，",
    "我是一起案件当事人的家属，",
    "看到政法队伍教育整顿公开征集问题线索，我来反映一件事。",
    "有个情况憋在心里很久了，今天借这个机会反映一下。",
    "我要反映{U}的{A}的问题。",
    "我在这里匿名反映一个情况，请领导重视。",
    "我是一名退休职工，",
    "这件事周围的人都知道，只是没人敢说。",
    "",
    "",
];

const EVIDENCE: &[&str] = &[
    "我手里有当时的聊天记录和转账截图，可以提供。",
    "当时在场的还有好几个人，都能作证。",
    "具体情况周围群众都知道，一问便知。",
    "我保存了录音，需要的话可以提供。",
    "相关票据和单据我都留着。",
    "我有当时拍的照片和视频。",
    "",
];

const IMPACT: &[&str] = &[
    "这件事在当地影响很坏，老百姓议论纷纷。",
    "我们一家为这事身心俱疲，生意也做不下去了。",
    "群众对此意见很大，对政法机关失去了信任。",
    "穿着这身制服干这种事，实在让人寒心。",
    "我已经反映过好几次，一直没有结果。",
    "",
];

const REQUESTS: &[&str] = &[
    "希望组织上认真调查，还我们一个公道。",
    "请求上级领导核实处理，严肃查处。",
    "恳请整顿办派人核查，依法依纪处理。",
    "希望查清事实以后给我一个答复。",
    "希望这次教育整顿能动真格，不要走过场。",
    "请有关部门尽快调查，给群众一个交代。",
];

const PRIVACY: &[&str] = &[
    "请对我的身份保密，我怕被打击报复。",
    "请不要透露我的信息，谢谢。",
    "",
];

const CASE_KINDS: &[&str] = &[
    "合同纠纷",
    "民间借贷纠纷",
    "交通事故",
    "故意伤害",
    "土地承包纠纷",
    "劳动争议",
    "离婚财产分割",
    "诈骗",
    "盗窃",
    "非法集资",
    "房屋买卖合同纠纷",
    "寻衅滋事",
    "工程款纠纷",
    "宅基地纠纷",
];

const PLACES: &[&str] = &[
    "城南的一家农家乐",
    "开发区的一家茶楼",
    "老街的棋牌室",
    "市区的一家洗浴中心",
    "高速路口的饭店",
    "县城的一家火锅店",
    "滨河路的一家酒店",
    "一个私人会所",
    "新区的一家KTV",
    "菜市场旁边的麻将馆",
    "火车站附近的宾馆",
    "一家烧烤店",
];

const COMPANY_STEMS: &[&str] = &[
    "宏达", "鑫源", "恒泰", "金盛", "华泰", "隆兴", "博远", "天瑞", "盛世", "永信", "中川", "瑞丰",
    "佳和", "汇通", "兴业", "国润", "广源", "顺达",
];
const INDUSTRIES: &[&str] = &[
    "建材",
    "商贸",
    "房地产开发",
    "物流",
    "小额贷款",
    "典当",
    "砂石",
    "餐饮管理",
    "文化传媒",
    "劳务",
    "汽车服务",
    "建筑工程",
];
const LAW_FIRMS: &[&str] = &[
    "正衡",
    "明德",
    "信达",
    "致远",
    "天平",
    "公诚",
    "华章",
    "秉正",
    "中信和",
    "同泽",
];
const PLATE_LETTERS: &[&str] = &["A", "B", "C", "D", "E", "F", "G", "H", "J", "K"];
const PLATE_PROVINCES: &[&str] = &["甘", "陕", "宁", "青", "川", "豫"];
const SEASONS: &[&str] = &["春天", "夏天", "秋天", "冬天", "年底", "上半年", "下半年"];

/// The particulars one tip talks about; drawn once so every sentence of a tip agrees.
struct Story {
    /// Both the accused and the unit were named by the reporter.
    known: bool,
    accused: String,
    unit: String,
    other: String,
    company: String,
    firm: String,
    case_kind: &'static str,
    place: &'static str,
    time: String,
    amount: String,
    duration: String,
    years: u32,
    plate: String,
    count: u32,
}

fn time_phrase<R: Rng + ?Sized>(rng: &mut R) -> String {
    let year = rng.random_range(2019..=2023);
    let month = rng.random_range(1..=12);
    match rng.random_range(0..6) {
        0 => format!("{year}年{month}月"),
        1 => format!(
            "{year}年{month}月{}日",
            rng.random_range(1..=days_in_month(year, month))
        ),
        2 => format!("去年{}", pick(rng, SEASONS)),
        3 => format!("{year}年春节前后"),
        4 => format!("大概{}个月前", rng.random_range(2..=11)),
        _ => format!("{year}年{}", pick(rng, SEASONS)),
    }
}

fn amount<R: Rng + ?Sized>(rng: &mut R) -> String {
    match rng.random_range(0..4) {
        0 => format!("{}000元", rng.random_range(2..=9)),
        1 => format!("{}万多元", rng.random_range(1..=9)),
        _ => format!("{}万元", rng.random_range(2..=80)),
    }
}

fn story<R: Rng>(accused: &str, unit: &str, rng: &mut R) -> Story {
    let known = !accused.trim().is_empty() && !unit.trim().is_empty();
    let accused = match accused.trim() {
        "" => format!("一个姓{}的工作人员", weighted(rng, SURNAMES)),
        a => a.to_owned(),
    };
    let unit = match unit.trim() {
        "" => "他们单位".to_owned(),
        u => u.to_owned(),
    };
    Story {
        known,
        accused,
        unit,
        other: person_name(rng),
        company: format!(
            "{}{}有限公司",
            pick(rng, COMPANY_STEMS),
            pick(rng, INDUSTRIES)
        ),
        firm: format!("{}律师事务所", pick(rng, LAW_FIRMS)),
        case_kind: pick(rng, CASE_KINDS),
        place: pick(rng, PLACES),
        time: time_phrase(rng),
        amount: amount(rng),
        duration: match rng.random_range(0..3) {
            0 => format!("{}个多月", rng.random_range(2..=11)),
            1 => format!("{}年多", rng.random_range(1..=3)),
            _ => "大半年".to_owned(),
        },
        years: rng.random_range(3..=15),
        plate: format!(
            "{}{}{}{:04}",
            pick(rng, PLATE_PROVINCES),
            pick(rng, PLATE_LETTERS),
            pick(rng, PLATE_LETTERS),
            rng.random_range(0..10_000)
        ),
        count: rng.random_range(2..=6),
    }
}

fn fill(template: &str, s: &Story) -> String {
    let mut out = String::with_capacity(template.len() + 48);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').expect("placeholder is closed");
        match &after[..close] {
            "A" => out.push_str(&s.accused),
            "U" => out.push_str(&s.unit),
            "N" => out.push_str(&s.other),
            "C" => out.push_str(&s.company),
            "F" => out.push_str(&s.firm),
            "K" => out.push_str(s.case_kind),
            "P" => out.push_str(s.place),
            "T" => out.push_str(&s.time),
            "M" => out.push_str(&s.amount),
            "D" => out.push_str(&s.duration),
            "Y" => out.push_str(&s.years.to_string()),
            "V" => out.push_str(&s.plate),
            "X" => out.push_str(&s.count.to_string()),
            other => panic!("unknown placeholder {{{other}}}"),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

const TIP_MIN_CHARS: usize = 80;
const TIP_MAX_CHARS: usize = 400;

/// A complaint as a member of the public would write it, 80–400 characters, about `accused` (may be
/// empty when unknown) of `unit` (may be empty) under a problem category identifier from DOMAIN.md.
pub fn tip_text(category: &str, accused: &str, unit: &str, rng: &mut impl Rng) -> String {
    let s = story(accused, unit, rng);
    let facts = facts_for(category);
    let wanted = if rng.random_bool(0.35) { 3 } else { 2 };
    let chosen: Vec<&str> = shuffled(rng, facts).into_iter().take(wanted).collect();

    let openings: Vec<&str> = OPENINGS
        .iter()
        .copied()
        .filter(|o| s.known || !(o.contains("{A}") || o.contains("{U}")))
        .collect();
    let opening = fill(pick(rng, &openings), &s);
    let mut body: Vec<String> = chosen.iter().map(|f| fill(f, &s)).collect();
    // Say when it happened if no fact already does.
    if !chosen.iter().any(|f| f.contains("{T}")) && rng.random_bool(0.6) {
        body[0] = format!("{}，{}", s.time, body[0]);
    }
    let evidence = pick(rng, EVIDENCE).to_owned();
    let impact = pick(rng, IMPACT).to_owned();
    let request = pick(rng, REQUESTS).to_owned();
    let privacy = pick(rng, PRIVACY).to_owned();

    // Drop the least necessary parts until it fits; a long name or unit can make any tip long.
    let mut optional = [opening, evidence, impact, privacy];
    loop {
        let text: String = optional[..1]
            .iter()
            .chain(body.iter())
            .chain(optional[1..3].iter())
            .chain([&request, &optional[3]])
            .map(String::as_str)
            .collect();
        let text = if s.known {
            text
        } else {
            mention_once(text, &s.accused, "此人")
        };
        let len = char_len(&text);
        if len <= TIP_MAX_CHARS {
            if len >= TIP_MIN_CHARS {
                return text;
            }
            // Too short: add another fact if any is left, else the generic closing lines.
            if let Some(extra) = shuffled(rng, facts)
                .into_iter()
                .map(|f| fill(f, &s))
                .find(|f| !body.contains(f))
            {
                body.push(extra);
            } else {
                body.push(
                    "希望领导能重视我们老百姓的诉求，认真核查这件事，给大家一个明明白白的交代。"
                        .to_owned(),
                );
            }
            continue;
        }
        if let Some(slot) = [2, 1, 3, 0].into_iter().find(|&i| !optional[i].is_empty()) {
            optional[slot].clear();
        } else if body.len() > 1 {
            body.pop();
        } else {
            return cut_to_sentence(&text, TIP_MAX_CHARS);
        }
    }
}

/// 「一个姓王的工作人员……此人……」 rather than the whole description every time.
fn mention_once(text: String, full: &str, again: &str) -> String {
    match text.find(full) {
        Some(at) => {
            let (head, tail) = text.split_at(at + full.len());
            format!("{head}{}", tail.replace(full, again))
        }
        None => text,
    }
}

/// At most `max` characters, ending at a sentence mark when there is one.
fn cut_to_sentence(text: &str, max: usize) -> String {
    let head: String = text.chars().take(max).collect();
    match head.rfind('。') {
        Some(end) if char_len(&head[..end]) >= TIP_MIN_CHARS => {
            head[..end + '。'.len_utf8()].to_owned()
        }
        _ => head,
    }
}

// ---------------------------------------------------------------------------------------------
// Messages between handler and reporter, verification and feedback

const QUESTION_OPENINGS: &[&str] = &[
    "您好，您反映的情况我们已经收到，正在核查。",
    "您好，感谢您的信任和支持。",
    "您好，我们是本案的承办人员。",
    "您反映的问题已转交我们办理。",
];
const QUESTION_ITEMS: &[&str] = &[
    "事情发生的具体时间和地点",
    "被反映人的全名或警号",
    "转账记录或聊天记录等能够证明情况的材料",
    "案件的案号或报案回执",
    "愿意作证的在场人员及其联系方式",
    "涉及车辆的车牌号",
    "涉及公司的全称或者经营地址",
    "您此前向其他部门反映的情况",
    "涉及款项的金额和给付方式",
];
const QUESTION_CLOSINGS: &[&str] = &[
    "您可以凭查询码在这里继续留言，我们会对您的身份严格保密。",
    "材料可以直接在本页面上传，所有信息仅用于核查。",
    "如有不便提供的内容，也请告诉我们大致情况。",
    "",
];

/// A handler's question back to the reporter asking for particulars (请提供…).
pub fn handler_question(rng: &mut impl Rng) -> String {
    let items: Vec<&str> = shuffled(rng, QUESTION_ITEMS)
        .into_iter()
        .take(rng.random_range(1..=3))
        .collect();
    let asked = match items.as_slice() {
        [one] => format!("请提供{one}。"),
        many => {
            let listed: Vec<String> = many
                .iter()
                .zip(["一是", "二是", "三是"])
                .map(|(item, n)| format!("{n}{item}"))
                .collect();
            format!("请提供以下情况：{}。", listed.join("；"))
        }
    };
    format!(
        "{}为便于核实，{asked}{}",
        pick(rng, QUESTION_OPENINGS),
        pick(rng, QUESTION_CLOSINGS)
    )
}

/// The reporter's answer to a handler's question.
pub fn reporter_reply(rng: &mut impl Rng) -> String {
    let s = story("", "", rng);
    let templates: &[&str] = &[
        "时间是{T}，地点在{P}。",
        "转账截图我已经上传了，一共{X}张。",
        "警号我没看清，只记得他个子不高，四十岁左右，说话带本地口音。",
        "当时在场的还有我爱人和一个邻居，邻居叫{N}，愿意作证。",
        "公司的名字叫{C}，具体地址我不太清楚。",
        "案子是{T}报的，回执当时没给我。",
        "钱一共给了{M}，是现金，没有收条。",
        "车牌号是{V}，我拍了照片。",
        "我之前打过12345，说转给相关单位了，后来就没有下文。",
    ];
    let closings: &[&str] = &[
        "谢谢你们重视，请一定替我保密。",
        "还需要什么材料请告诉我。",
        "其他的我暂时想不起来了。",
        "麻烦你们了。",
        "",
    ];
    let first: Vec<&str> = shuffled(rng, templates)
        .into_iter()
        .take(rng.random_range(1..=2))
        .collect();
    let mut text: String = first.iter().map(|t| fill(t, &s)).collect();
    text.push_str(pick(rng, closings));
    text
}

const CHECK_METHODS: &[&str] = &[
    "调取了相关银行流水",
    "查询了工商登记信息",
    "调阅了案卷材料",
    "调取了执法记录仪视频",
    "查看了接处警记录",
    "核对了个人有关事项报告",
    "调取了监控录像",
    "核查了减刑假释档案材料",
];

/// The 核查情况 written after verifying a clue; `conclusion` is "true", "partly_true" or "false".
pub fn verification_note(conclusion: &str, rng: &mut impl Rng) -> String {
    let methods: Vec<&str> = shuffled(rng, CHECK_METHODS)
        .into_iter()
        .take(rng.random_range(2..=3))
        .collect();
    let talked = rng.random_range(2..=9);
    let opening = format!(
        "核查组{}，{}，询问了{}名相关人员，并与被反映人谈话。",
        pick(
            rng,
            &[
                "于接件后五个工作日内成立",
                "按照整顿办交办要求组成",
                "经分管领导批准组成"
            ]
        ),
        methods.join("，"),
        talked
    );
    let (finding, next): (&[&str], &[&str]) = match conclusion {
        "true" => (
            &[
                "经查，反映的主要问题事实清楚，证据确实充分，被反映人对相关事实予以承认。",
                "经查，被反映人违规行为属实，有书证、证人证言相互印证。",
                "经查，举报人反映的问题与调查掌握的情况一致，问题属实。",
            ],
            &[
                "建议按程序移送审理，依规依纪追究被反映人责任。",
                "拟对被反映人立案审查，并倒查相关领导的管理责任。",
                "已形成核查报告，报领导小组审定后处理。",
            ],
        ),
        "partly_true" => (
            &[
                "经查，反映的违规吃请问题属实；反映的收受钱款问题，现有证据不能证实。",
                "经查，反映问题中时间、地点基本属实，但涉及金额与举报内容不符，其余问题查无实据。",
                "经查，被反映人存在工作作风简单粗暴的问题，反映的其他问题未查实。",
            ],
            &[
                "综合认定反映问题部分属实，建议对被反映人进行诫勉谈话。",
                "建议对查实部分依规处理，对未查实部分予以了结。",
                "已责令被反映人作出书面检查，并限期整改。",
            ],
        ),
        _ => (
            &[
                "经查，未发现被反映人存在所反映的问题，举报人所称情况与事实不符。",
                "经查，相关款项系正常民事往来，有借据和还款记录为证，反映问题不属实。",
                "经查，案件办理程序符合规定，未发现被反映人干预或违规办案的情形。",
            ],
            &[
                "建议予以了结，并向举报人做好解释说明工作。",
                "建议在一定范围内为被反映人澄清正名。",
                "线索予以了结，相关材料存档备查。",
            ],
        ),
    };
    format!("{opening}{}{}", pick(rng, finding), pick(rng, next))
}

/// The result told to the reporter through the receipt code; `outcome_label` names the handling
/// (警告、诫勉…); empty or 「无」 when there is none to tell.
pub fn feedback_text(conclusion: &str, outcome_label: &str, rng: &mut impl Rng) -> String {
    let opening = pick(
        rng,
        &[
            "您好！您反映的问题，我们高度重视，已按规定认真核查。",
            "您好！关于您反映的情况，现将办理结果反馈如下。",
            "您好！您通过政法队伍教育整顿举报平台反映的问题已办理完毕。",
        ],
    );
    let result = match conclusion {
        "true" => "经核查，您反映的问题属实。",
        "partly_true" => "经核查，您反映的问题部分属实。",
        _ => "经核查，未发现您反映的问题，反映内容不属实。",
    };
    let outcome = match outcome_label.trim() {
        "" | "无" | "none" => String::new(),
        label => format!("已依规依纪对相关人员作出{label}处理。"),
    };
    let closing = match conclusion {
        "true" | "partly_true" => pick(
            rng,
            &[
                "感谢您对政法队伍教育整顿工作的支持与监督。",
                "我们将举一反三，督促相关单位认真整改。",
                "如对处理结果有异议，可在收到反馈后继续通过本平台反映。",
            ],
        ),
        _ => pick(
            rng,
            &[
                "如您掌握新的证据，可继续通过本平台反映，我们将认真核查。",
                "感谢您的监督，如有疑问可在本页面留言。",
            ],
        ),
    };
    format!("{opening}{result}{outcome}{closing}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    const CATEGORIES: &[&str] = &[
        "interference",
        "illegal_business",
        "illegal_investment_lending",
        "illegal_commutation",
        "case_suppression",
        "revolving_door",
        "two_faced",
        "protection_umbrella",
        "judicial_corruption",
        "conduct",
        "other",
    ];

    fn assert_tree(units: &[UnitSpec]) {
        let mut seen = HashSet::new();
        for u in units {
            assert!((2..=32).contains(&u.code.len()), "code length {}", u.code);
            assert!(
                u.code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{}",
                u.code
            );
            assert!(
                [
                    "committee",
                    "court",
                    "procuratorate",
                    "police",
                    "justice",
                    "prison"
                ]
                .contains(&u.kind),
                "{}",
                u.kind
            );
            if let Some(parent) = &u.parent_code {
                assert!(
                    seen.contains(parent.as_str()),
                    "{} names {} before it exists",
                    u.code,
                    parent
                );
            }
            assert!(seen.insert(u.code.as_str()), "duplicate code {}", u.code);
        }
        assert_eq!(units.iter().filter(|u| u.parent_code.is_none()).count(), 1);
        let names: HashSet<&str> = units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names.len(), units.len(), "unit names are unique");
    }

    #[test]
    fn city_is_a_tree_of_forty_or_more_units() {
        for city in ["金城", "河阳市", "临川"] {
            let units = city_units(city, "JC");
            assert!(units.len() >= 40, "{city}: {}", units.len());
            assert_tree(&units);
            assert_eq!(units[0].kind, "committee");
            assert!(units[0].name.ends_with("市委政法委") && !units[0].name.contains("市市"));
        }
        let units = city_units("金城", "JC");
        let name_of = |code: &str| {
            units
                .iter()
                .find(|u| u.code == code)
                .map(|u| u.name.as_str())
        };
        assert_eq!(name_of("JC-CRT"), Some("金城市中级人民法院"));
        assert!(name_of("JC-D01-PSB-02").is_some_and(|n| n.ends_with("派出所")));
        assert!(units.iter().any(|u| u.name.ends_with("人民法庭")));
        assert!(units.iter().any(|u| u.name.ends_with("司法所")));
        assert_eq!(city_units("金城", "JC"), units, "same city, same tree");
    }

    #[test]
    fn province_holds_many_city_trees() {
        let units = province_units("陇原", 14);
        assert_tree(&units);
        assert_eq!(units[0].name, "陇原省委政法委");
        let cities = units
            .iter()
            .filter(|u| u.name.ends_with("市委政法委"))
            .count();
        assert_eq!(cities, 14);
        assert!(units.len() > 14 * 40);
        // More cities than the name lists hold still gives a valid tree.
        assert_tree(&province_units("测试", 40));
    }

    #[test]
    fn id_numbers_pass_the_checksum() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let id = id_number(&mut rng);
            assert_eq!(id.len(), 18, "{id}");
            assert!(id[..17].bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(
                id.chars().last(),
                Some(id_check_char(&id.as_bytes()[..17])),
                "{id}"
            );
            let year: u32 = id[6..10].parse().unwrap();
            let month: u32 = id[10..12].parse().unwrap();
            let day: u32 = id[12..14].parse().unwrap();
            assert!((1965..=2000).contains(&year));
            assert!((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day));
        }
        // The worked example of GB 11643.
        assert_eq!(id_check_char(b"11010519491231002"), 'X');
    }

    #[test]
    fn tips_are_varied_and_within_length() {
        let mut rng = StdRng::seed_from_u64(42);
        for category in CATEGORIES {
            let texts: Vec<String> = (0..1000)
                .map(|_| tip_text(category, "张建国", "金城市公安局城关分局", &mut rng))
                .collect();
            for t in &texts {
                let n = t.chars().count();
                assert!(
                    (TIP_MIN_CHARS..=TIP_MAX_CHARS).contains(&n),
                    "{category}: {n} chars: {t}"
                );
                assert!(!t.contains('{') && !t.contains('}'), "{t}");
            }
            let distinct: HashSet<&String> = texts.iter().collect();
            assert!(
                distinct.len() >= 900,
                "{category}: {} distinct",
                distinct.len()
            );
        }
    }

    #[test]
    fn tips_cope_with_unknown_and_long_particulars() {
        let mut rng = StdRng::seed_from_u64(3);
        let long_unit = "金城市公安局高新分局".repeat(12);
        for category in CATEGORIES {
            for (accused, unit) in [("", ""), ("欧阳晓东", long_unit.as_str())] {
                let t = tip_text(category, accused, unit, &mut rng);
                let n = t.chars().count();
                assert!(
                    n <= TIP_MAX_CHARS && (n >= TIP_MIN_CHARS || unit.len() > 100),
                    "{n}: {t}"
                );
            }
        }
    }

    #[test]
    fn every_template_fills() {
        let mut rng = StdRng::seed_from_u64(1);
        let s = story("", "", &mut rng);
        let all = CATEGORIES
            .iter()
            .flat_map(|c| facts_for(c).iter())
            .chain(OPENINGS)
            .chain(EVIDENCE);
        for t in all {
            assert!(!fill(t, &s).contains('{'));
        }
    }

    #[test]
    fn names_look_natural() {
        let mut rng = StdRng::seed_from_u64(11);
        let names: Vec<String> = (0..3000).map(|_| person_name(&mut rng)).collect();
        let distinct: HashSet<&String> = names.iter().collect();
        assert!(
            distinct.len() >= 2800,
            "{} distinct of 3000",
            distinct.len()
        );
        let mut surnames: HashMap<char, usize> = HashMap::new();
        for n in &names {
            let len = n.chars().count();
            assert!((2..=4).contains(&len), "{n}");
            *surnames.entry(n.chars().next().unwrap()).or_default() += 1;
        }
        let wang = surnames[&'王'] as f64 / 3000.0;
        assert!((0.04..0.11).contains(&wang), "王 {wang}");
    }

    #[test]
    fn other_fields_have_their_shapes() {
        let mut rng = StdRng::seed_from_u64(5);
        for _ in 0..200 {
            let p = phone(&mut rng);
            assert_eq!(p.len(), 11);
            assert!(
                p.starts_with('1') && (b'3'..=b'9').contains(&p.as_bytes()[1]),
                "{p}"
            );
            assert!(!position("court", &mut rng).is_empty());
            assert!(handler_question(&mut rng).contains("请提供"));
            assert!(!reporter_reply(&mut rng).is_empty());
            assert!(verification_note("partly_true", &mut rng).contains("经查"));
            assert!(feedback_text("true", "警告", &mut rng).contains("警告处理"));
            assert!(!feedback_text("false", "", &mut rng).contains("处理。"));
            assert!(!feedback_text("false", "无", &mut rng).contains("无处理"));
        }
        assert_eq!(officer_badge("police", 1234), "001234");
        assert_eq!(officer_badge("court", 1234), "FY001234");
        assert_ne!(officer_badge("prison", 7), officer_badge("police", 7));
    }

    #[test]
    fn same_seed_same_content() {
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut out = Vec::new();
            for category in CATEGORIES {
                out.push(person_name(&mut rng));
                out.push(id_number(&mut rng));
                out.push(phone(&mut rng));
                out.push(position("police", &mut rng).to_string());
                out.push(tip_text(category, "", "", &mut rng));
                out.push(handler_question(&mut rng));
                out.push(reporter_reply(&mut rng));
                out.push(verification_note("true", &mut rng));
                out.push(feedback_text("false", "", &mut rng));
            }
            out
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
        assert_eq!(province_units("陇原", 3), province_units("陇原", 3));
    }
}
