//! 离任违规从业、司法掮客: departed judges and prosecutors acting as lawyers within the restriction or in
//! their former institution's cases, and serving officers' close relatives acting before the officer's
//! own institution (任职回避).

use chrono::NaiveDate;

use super::records::LawyerRole;
use super::rules::{
    Evidence, OfficerFacts, RelativeFacts, RuleSettings, id_shown, officer_facts, plus_months, ymd,
};

/// A departure record as the revolving-door rules see it.
#[derive(Debug, Clone)]
pub struct DepartureFacts {
    pub name: String,
    pub masked: String,
    pub hash: String,
    pub former_unit_name: String,
    pub former_unit_path: String,
    pub former_position: String,
    pub leader: bool,
    pub judicial: bool,
    pub dismissed: bool,
    pub left_on: NaiveDate,
}

/// One appearance of a lawyer in a case.
#[derive(Debug, Clone)]
pub struct AppearanceFacts {
    pub lawyer_name: String,
    pub masked: String,
    pub hash: String,
    pub law_firm: String,
    pub firm_area: String,
    pub case_number: String,
    pub court_name: String,
    /// The court's place in the unit tree, when it is one of ours.
    pub court_path: Option<String>,
    pub role: LawyerRole,
    pub appeared_on: NaiveDate,
}

impl AppearanceFacts {
    fn add_to(&self, e: Evidence) -> Evidence {
        e.fact("案号", self.case_number.clone())
            .fact("受理法院或检察院", self.court_name.clone())
            .fact("代理类型", self.role.label())
            .fact("代理日期", ymd(self.appeared_on))
            .fact(
                "律师事务所",
                format!("{}（{}）", self.law_firm, self.firm_area),
            )
    }
}

/// Two units are one institution when one lies inside the other in the unit tree (a court and its
/// tribunals), judged on their materialised paths.
pub fn same_institution(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && (a.starts_with(b) || b.starts_with(a))
}

fn departure_facts(d: &DepartureFacts, e: Evidence) -> Evidence {
    e.fact("离任人员", d.name.clone())
        .fact("身份证号", id_shown(&d.masked, &d.hash))
        .fact("原任职单位", d.former_unit_name.clone())
        .fact(
            "原任职务",
            format!(
                "{}{}",
                d.former_position,
                if d.leader { "（领导职务）" } else { "" }
            ),
        )
        .fact("离任日期", ymd(d.left_on))
        .fact("是否被开除", if d.dismissed { "是" } else { "否" })
        .fact(
            "匹配依据",
            "离任人员与律师的身份证号摘要一致（不按姓名比对）",
        )
}

/// The last day of the restriction, counted as the law counts periods in years (the corresponding day
/// N years on); `None` for dismissed staff, whose restriction never ends.
pub fn restriction_ends(d: &DepartureFacts, s: &RuleSettings) -> Option<NaiveDate> {
    if d.dismissed {
        return None;
    }
    let years = if d.leader {
        s.get("leader_years")
    } else {
        s.get("years")
    };
    Some(plus_months(d.left_on, years * 12))
}

/// 法官法 §36, 检察官法 §37: a departed judge or prosecutor acting as agent or defender, before any
/// court, within the restriction (or ever, when dismissed).
pub fn revolving_window(
    d: &DepartureFacts,
    a: &AppearanceFacts,
    s: &RuleSettings,
) -> Option<Evidence> {
    if !d.judicial || a.appeared_on <= d.left_on {
        return None;
    }
    let because = match restriction_ends(d, s) {
        None => format!(
            "{}系被开除人员，不得担任诉讼代理人、辩护人，却于{}在{}担任{}。",
            d.name,
            ymd(a.appeared_on),
            a.court_name,
            a.role.label()
        ),
        Some(end) if a.appeared_on <= end => format!(
            "{}于{}离任，{}限制期至{}止，却于{}（限制期内）在{}担任{}。",
            d.name,
            ymd(d.left_on),
            if d.leader {
                format!("领导职务人员{}年", s.get("leader_years"))
            } else {
                format!("{}年", s.get("years"))
            },
            ymd(end),
            ymd(a.appeared_on),
            a.court_name,
            a.role.label()
        ),
        Some(_) => return None,
    };
    let e = departure_facts(d, Evidence::new(because));
    let e = match restriction_ends(d, s) {
        Some(end) => e.fact("限制期截止", ymd(end)),
        None => e.fact("限制期截止", "无期限（被开除）"),
    };
    Some(a.add_to(e))
}

/// Ever after leaving, not in a case of the former court or procuratorate.
pub fn revolving_former_unit(d: &DepartureFacts, a: &AppearanceFacts) -> Option<Evidence> {
    let court = a.court_path.as_deref()?;
    if !d.judicial || a.appeared_on <= d.left_on || !same_institution(&d.former_unit_path, court) {
        return None;
    }
    let years = (a.appeared_on - d.left_on).num_days() / 365;
    let e = departure_facts(
        d,
        Evidence::new(format!(
            "{}于{}从{}离任，离任后约{}年（{}）以律师身份在原任职单位受理的案件中担任{}；离任后任何时候均不得代理原任职单位的案件（其近亲属或被监护人的案件除外，须核实）。",
            d.name,
            ymd(d.left_on),
            d.former_unit_name,
            years,
            ymd(a.appeared_on),
            a.role.label()
        )),
    );
    Some(a.add_to(e))
}

pub fn relative_lawyer(
    o: &OfficerFacts,
    r: &RelativeFacts,
    a: &AppearanceFacts,
) -> Option<Evidence> {
    let court = a.court_path.as_deref()?;
    if !r.relation.counts_for_lawyer()
        || !matches!(o.unit_kind.as_str(), "court" | "procuratorate")
        || !same_institution(&o.unit_path, court)
    {
        return None;
    }
    let e = officer_facts(
        o,
        Evidence::new(format!(
            "{}的{}{}以律师身份于{}在其任职的{}担任{}，{}应当实行任职回避。",
            o.name,
            r.relation.label(),
            r.name,
            ymd(a.appeared_on),
            a.court_name,
            a.role.label(),
            o.name
        )),
    )
    .fact("亲属", format!("{}（{}）", r.name, r.relation.label()))
    .fact("亲属身份证号", id_shown(&r.masked, &r.hash))
    .fact(
        "匹配依据",
        "干警申报的亲属与律师的身份证号摘要一致（不按姓名比对）",
    );
    Some(a.add_to(e))
}

/// A business registration as the illegal-business rule sees it.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::enforcement::checks::CheckRule;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn departure(left: &str, leader: bool, dismissed: bool) -> DepartureFacts {
        DepartureFacts {
            name: "李某".into(),
            masked: "1101**********0010".into(),
            hash: "ab".repeat(32),
            former_unit_name: "乙区人民法院".into(),
            former_unit_path: "/r/b/".into(),
            former_position: "审判员".into(),
            leader,
            judicial: true,
            dismissed,
            left_on: d(left),
        }
    }

    fn appearance(on: &str, court_path: Option<&str>) -> AppearanceFacts {
        AppearanceFacts {
            lawyer_name: "李某".into(),
            masked: "1101**********0010".into(),
            hash: "ab".repeat(32),
            law_firm: "某律所".into(),
            firm_area: "甲区".into(),
            case_number: "（2025）民初1号".into(),
            court_name: "某法院".into(),
            court_path: court_path.map(str::to_string),
            role: LawyerRole::Agent,
            appeared_on: d(on),
        }
    }

    #[test]
    fn the_restriction_ends_on_the_anniversary() {
        let s = RuleSettings::defaults(CheckRule::RevolvingWindow);
        let dep = departure("2020-05-10", false, false);
        assert!(revolving_window(&dep, &appearance("2022-05-09", None), &s).is_some());
        assert!(revolving_window(&dep, &appearance("2022-05-10", None), &s).is_some());
        assert!(revolving_window(&dep, &appearance("2022-05-11", None), &s).is_none());
        assert!(revolving_window(&dep, &appearance("2020-05-10", None), &s).is_none());
        let lead = departure("2020-05-10", true, false);
        assert!(revolving_window(&lead, &appearance("2023-05-10", None), &s).is_some());
        assert!(revolving_window(&lead, &appearance("2023-05-11", None), &s).is_none());
        let fired = departure("2000-01-01", false, true);
        let e = revolving_window(&fired, &appearance("2025-01-01", None), &s).unwrap();
        assert!(e.because.contains("开除"), "{}", e.because);
    }

    #[test]
    fn the_former_unit_is_ever_and_includes_its_tribunals() {
        let dep = departure("2010-01-01", false, false);
        assert!(revolving_former_unit(&dep, &appearance("2024-06-01", Some("/r/b/t/"))).is_some());
        assert!(revolving_former_unit(&dep, &appearance("2024-06-01", Some("/r/c/"))).is_none());
        assert!(revolving_former_unit(&dep, &appearance("2024-06-01", None)).is_none());
    }
}
