//! Import rows as they arrive in the .xlsx templates: every row parsed and checked at once, every problem
//! named with its column, so one upload reports them all; and the words people use for each value.

use chrono::NaiveDate;

use super::records::*;
use crate::error::DomainError;
use crate::org::{IdNumber, clean_text};

/// Checks one row whose cells are in [`RecordKind::headers`] order; every problem at once.
pub fn parse_record(kind: RecordKind, cells: &[String]) -> Result<RecordRow, Vec<CellError>> {
    let mut p = RowParser {
        headers: kind.headers(),
        cells,
        errors: Vec::new(),
    };
    let row = match kind {
        RecordKind::SentenceChanges => {
            let offender = p.id_number(0);
            let offender_name = p.text(1, 1, 50);
            let crime = p.choice(2, parse_crime);
            let sentence = p.choice(3, parse_sentence);
            let kind = p.choice(4, parse_change_kind);
            let decided_on = p.date(5);
            let previous_on = p.optional_date(6);
            let extensions = p.optional_count(7);
            let unit = p.text(8, 1, 100);
            let decider_badge = p.optional_text(9, 32);
            if let (Some(d), Some(Some(prev))) = (decided_on, previous_on)
                && prev >= d
            {
                p.fail(6, "上次减刑（变更）日期应早于本次裁定（决定）日期");
            }
            match (
                offender,
                offender_name,
                crime,
                sentence,
                kind,
                decided_on,
                previous_on,
                extensions,
                unit,
                decider_badge,
            ) {
                (
                    Some(offender),
                    Some(offender_name),
                    Some(crime),
                    Some(sentence),
                    Some(kind),
                    Some(decided_on),
                    Some(previous_on),
                    Some(extensions),
                    Some(unit),
                    Some(decider_badge),
                ) if p.errors.is_empty() => RecordRow::SentenceChange(SentenceChangeRow {
                    offender,
                    offender_name,
                    crime,
                    sentence,
                    kind,
                    decided_on,
                    previous_on,
                    extensions,
                    unit,
                    decider_badge,
                }),
                _ => return Err(p.errors),
            }
        }
        RecordKind::Departures => {
            let person = p.id_number(0);
            let name = p.text(1, 1, 50);
            let former_unit = p.text(2, 1, 100);
            let former_position = p.text(3, 1, 50);
            let leader = p.yes_no(4);
            let judicial = p.yes_no(5);
            let left_on = p.date(6);
            let dismissed = p.yes_no(7);
            match (
                person,
                name,
                former_unit,
                former_position,
                leader,
                judicial,
                left_on,
                dismissed,
            ) {
                (
                    Some(person),
                    Some(name),
                    Some(former_unit),
                    Some(former_position),
                    Some(leader),
                    Some(judicial),
                    Some(left_on),
                    Some(dismissed),
                ) if p.errors.is_empty() => RecordRow::Departure(DepartureRow {
                    person,
                    name,
                    former_unit,
                    former_position,
                    leader,
                    judicial,
                    left_on,
                    dismissed,
                }),
                _ => return Err(p.errors),
            }
        }
        RecordKind::LawyerAppearances => {
            let lawyer = p.id_number(0);
            let name = p.text(1, 1, 50);
            let law_firm = p.text(2, 1, 100);
            let firm_area = p.text(3, 1, 100);
            let case_number = p.text(4, 1, 100);
            let court = p.text(5, 1, 100);
            let role = p.choice(6, parse_lawyer_role);
            let appeared_on = p.date(7);
            match (
                lawyer,
                name,
                law_firm,
                firm_area,
                case_number,
                court,
                role,
                appeared_on,
            ) {
                (
                    Some(lawyer),
                    Some(name),
                    Some(law_firm),
                    Some(firm_area),
                    Some(case_number),
                    Some(court),
                    Some(role),
                    Some(appeared_on),
                ) if p.errors.is_empty() => RecordRow::Appearance(AppearanceRow {
                    lawyer,
                    name,
                    law_firm,
                    firm_area,
                    case_number,
                    court,
                    role,
                    appeared_on,
                }),
                _ => return Err(p.errors),
            }
        }
        RecordKind::BusinessRoles => {
            let person = p.id_number(0);
            let name = p.text(1, 1, 50);
            let company = p.text(2, 1, 200);
            let role = p.choice(3, parse_business_role);
            let registered_on = p.date(4);
            let area = p.text(5, 1, 100);
            match (person, name, company, role, registered_on, area) {
                (
                    Some(person),
                    Some(name),
                    Some(company),
                    Some(role),
                    Some(registered_on),
                    Some(area),
                ) if p.errors.is_empty() => RecordRow::Business(BusinessRow {
                    person,
                    name,
                    company,
                    role,
                    registered_on,
                    area,
                }),
                _ => return Err(p.errors),
            }
        }
        RecordKind::Relatives => {
            let officer_badge = p.text(0, 1, 32);
            let relation = p.choice(1, parse_relation);
            let name = p.text(2, 1, 50);
            let person = p.id_number(3);
            match (officer_badge, relation, name, person) {
                (Some(officer_badge), Some(relation), Some(name), Some(person))
                    if p.errors.is_empty() =>
                {
                    RecordRow::Relative(RelativeRow {
                        officer_badge,
                        relation,
                        name,
                        person,
                    })
                }
                _ => return Err(p.errors),
            }
        }
    };
    Ok(row)
}

struct RowParser<'a> {
    headers: &'static [&'static str],
    cells: &'a [String],
    errors: Vec<CellError>,
}

impl RowParser<'_> {
    fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map(|s| s.trim()).unwrap_or("")
    }

    fn fail(&mut self, i: usize, message: impl Into<String>) {
        self.errors.push(CellError {
            column: self.headers[i],
            message: message.into(),
        });
    }

    fn take<T>(&mut self, i: usize, r: Result<T, DomainError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(i, e.message);
                None
            }
        }
    }

    fn id_number(&mut self, i: usize) -> Option<IdNumber> {
        if self.cell(i).is_empty() {
            self.fail(i, "身份证号不能为空");
            return None;
        }
        let r = IdNumber::parse(self.cell(i));
        self.take(i, r)
    }

    fn text(&mut self, i: usize, min: usize, max: usize) -> Option<String> {
        let r = clean_text(self.cell(i), "cell", self.headers[i], min, max);
        self.take(i, r)
    }

    /// `Some(None)` for an empty cell; `None` when the cell is bad.
    fn optional_text(&mut self, i: usize, max: usize) -> Option<Option<String>> {
        if self.cell(i).is_empty() {
            return Some(None);
        }
        self.text(i, 1, max).map(Some)
    }

    fn choice<T>(&mut self, i: usize, parse: fn(&str) -> Option<T>) -> Option<T> {
        let raw = self.cell(i).to_string();
        if raw.is_empty() {
            self.fail(i, format!("{}不能为空", self.headers[i]));
            return None;
        }
        match parse(&raw) {
            Some(v) => Some(v),
            None => {
                let shown: String = raw.chars().filter(|c| !c.is_control()).take(20).collect();
                self.fail(
                    i,
                    format!(
                        "无法识别的{}「{shown}」，请按「填写说明」填写",
                        self.headers[i]
                    ),
                );
                None
            }
        }
    }

    fn date(&mut self, i: usize) -> Option<NaiveDate> {
        if self.cell(i).is_empty() {
            self.fail(i, format!("{}不能为空", self.headers[i]));
            return None;
        }
        match parse_date(self.cell(i)) {
            Some(d) => Some(d),
            None => {
                self.fail(i, "日期格式不正确，应如 2025-03-01");
                None
            }
        }
    }

    fn optional_date(&mut self, i: usize) -> Option<Option<NaiveDate>> {
        if self.cell(i).is_empty() {
            return Some(None);
        }
        self.date(i).map(Some)
    }

    fn optional_count(&mut self, i: usize) -> Option<Option<i64>> {
        let raw = self.cell(i);
        if raw.is_empty() {
            return Some(None);
        }
        match raw.parse::<i64>() {
            Ok(n) if (0..=99).contains(&n) => Some(Some(n)),
            _ => {
                self.fail(i, "应为0至99之间的整数");
                None
            }
        }
    }

    fn yes_no(&mut self, i: usize) -> Option<bool> {
        match self.cell(i) {
            "是" | "Y" | "y" | "1" | "TRUE" | "true" | "√" => Some(true),
            "否" | "N" | "n" | "0" | "FALSE" | "false" | "×" => Some(false),
            "" => {
                self.fail(i, "请填写「是」或「否」");
                None
            }
            _ => {
                self.fail(i, "应为「是」或「否」");
                None
            }
        }
    }
}

/// `2025-03-01`, `2025/3/1`, `2025.3.1` or `2025年3月1日`, years 1900 to 2100.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    if !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    if parts[0].len() != 4 || !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, parts[1].parse().ok()?, parts[2].parse().ok()?)
}

/// An enum value by its identifier, its label, or one of the words people use for it.
fn by_words<T: Copy>(
    s: &str,
    all: &[T],
    id: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    words: &[(&str, T)],
) -> Option<T> {
    let t = s.trim();
    all.iter()
        .copied()
        .find(|v| id(*v).eq_ignore_ascii_case(t) || label(*v) == t)
        .or_else(|| words.iter().find(|(w, _)| *w == t).map(|(_, v)| *v))
}

pub fn parse_change_kind(s: &str) -> Option<ChangeKind> {
    use ChangeKind::*;
    by_words(
        s,
        ChangeKind::all(),
        ChangeKind::as_str,
        ChangeKind::label,
        &[("保外就医", MedicalParole), ("监外执行", MedicalParole)],
    )
}

pub fn parse_crime(s: &str) -> Option<CrimeType> {
    use CrimeType::*;
    by_words(
        s,
        CrimeType::all(),
        CrimeType::as_str,
        CrimeType::label,
        &[
            ("职务", Duty),
            ("金融", Financial),
            ("涉黑", Organised),
            ("涉恶", Organised),
            ("涉黑恶", Organised),
            ("黑社会性质组织犯罪", Organised),
            ("普通刑事犯罪", Other),
        ],
    )
}

pub fn parse_sentence(s: &str) -> Option<SentenceType> {
    use SentenceType::*;
    by_words(
        s,
        SentenceType::all(),
        SentenceType::as_str,
        SentenceType::label,
        &[("有期", FixedTerm), ("无期", Life), ("死缓", DeathReprieve)],
    )
}

pub fn parse_lawyer_role(s: &str) -> Option<LawyerRole> {
    use LawyerRole::*;
    by_words(
        s,
        LawyerRole::all(),
        LawyerRole::as_str,
        LawyerRole::label,
        &[("代理", Agent), ("代理人", Agent), ("辩护", Defender)],
    )
}

pub fn parse_business_role(s: &str) -> Option<BusinessRole> {
    use BusinessRole::*;
    by_words(
        s,
        BusinessRole::all(),
        BusinessRole::as_str,
        BusinessRole::label,
        &[
            ("法人", LegalRep),
            ("法人代表", LegalRep),
            ("出资人", Shareholder),
            ("高管", Manager),
            ("董事", Manager),
            ("监事", Manager),
            ("经理", Manager),
        ],
    )
}

pub fn parse_relation(s: &str) -> Option<Relation> {
    use Relation::*;
    by_words(
        s,
        Relation::all(),
        Relation::as_str,
        Relation::label,
        &[
            ("妻子", Spouse),
            ("丈夫", Spouse),
            ("妻", Spouse),
            ("夫", Spouse),
            ("儿子", Child),
            ("女儿", Child),
            ("子", Child),
            ("女", Child),
            ("子女配偶", ChildSpouse),
            ("儿媳", ChildSpouse),
            ("儿媳妇", ChildSpouse),
            ("女婿", ChildSpouse),
            ("父亲", Parent),
            ("母亲", Parent),
            ("父", Parent),
            ("母", Parent),
            ("兄弟", Sibling),
            ("姐妹", Sibling),
            ("哥哥", Sibling),
            ("弟弟", Sibling),
            ("姐姐", Sibling),
            ("妹妹", Sibling),
            ("配偶父母", SpouseParent),
            ("岳父", SpouseParent),
            ("岳母", SpouseParent),
            ("公公", SpouseParent),
            ("婆婆", SpouseParent),
            ("配偶兄弟姐妹", SpouseSibling),
            ("配偶的兄弟", SpouseSibling),
            ("配偶的姐妹", SpouseSibling),
            ("大舅子", SpouseSibling),
            ("小舅子", SpouseSibling),
            ("大姨子", SpouseSibling),
            ("小姨子", SpouseSibling),
            ("大伯子", SpouseSibling),
            ("小叔子", SpouseSibling),
            ("大姑子", SpouseSibling),
            ("小姑子", SpouseSibling),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn templates_examples_parse() {
        for k in RecordKind::all() {
            assert_eq!(k.headers().len(), k.example().len(), "{k:?}");
            assert!(parse_record(*k, &cells(k.example())).is_ok(), "{k:?}");
        }
    }

    #[test]
    fn every_bad_cell_is_named() {
        let errs = parse_record(
            RecordKind::SentenceChanges,
            &cells(&[
                "110101198001010011",
                "",
                "贪污",
                "死缓",
                "减刑",
                "2025-13-01",
                "2026-01-01",
                "三次",
                "JY",
                "",
            ]),
        )
        .unwrap_err();
        let cols: Vec<&str> = errs.iter().map(|e| e.column).collect();
        assert_eq!(
            cols,
            vec![
                "罪犯身份证号",
                "罪犯姓名",
                "罪名类别",
                "裁定（决定）日期",
                "暂予监外执行延长次数"
            ]
        );
        assert!(errs[0].message.contains("校验位"), "{}", errs[0].message);
        let errs = parse_record(
            RecordKind::SentenceChanges,
            &cells(&[
                "110101198001010010",
                "张某",
                "职务犯罪",
                "有期徒刑",
                "减刑",
                "2025-01-01",
                "2025-01-01",
                "",
                "JY",
                "",
            ]),
        )
        .unwrap_err();
        assert_eq!(errs[0].column, "上次减刑（变更）日期");
    }

    #[test]
    fn words_people_use_are_understood() {
        assert_eq!(parse_relation("儿媳"), Some(Relation::ChildSpouse));
        assert_eq!(parse_relation("配偶的兄弟"), Some(Relation::SpouseSibling));
        assert_eq!(parse_relation("child"), Some(Relation::Child));
        assert_eq!(parse_relation("表哥"), None);
        assert!(Relation::ChildSpouse.counts_for_lawyer());
        assert!(!Relation::SpouseSibling.counts_for_lawyer());
        assert!(!Relation::Parent.counts_for_business());
        assert_eq!(parse_business_role("高管"), Some(BusinessRole::Manager));
        assert_eq!(
            parse_date("2024年2月29日"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(parse_date("2023/2/29"), None);
        assert_eq!(parse_date("24-2-1"), None);
        assert_eq!(parse_date("明年"), None);
    }
}
