//! The records the data checks compare, as if imported from the courts, prisons, bar and business
//! registry: departures of judges, prosecutors and police, lawyers' appearances in the register's cases,
//! officers' declared family members, business registrations and (in `sentences`) sentence changes,
//! one import row per kind. Everyone has an ID number, kept only as the roster's keyed hash and a masked
//! form, so the checks match people exactly as they do on real imports; the natural keys are the
//! importer's, so importing the same record again is skipped. Most records are ordinary; a small share
//! is what each rule exists to find (a judge who became a lawyer within two years, a prosecutor's son
//! defending before her procuratorate, an officer's wife running a company, a commutation a month short
//! of the minimum interval), beside near misses that must not match (after the restriction, before
//! another court, a parent rather than a child).

use std::collections::HashSet;

use chrono::{Days, Months, NaiveDate};
use domain::enforcement::checks::{CheckRule, RecordKind, Relation, RuleSettings};
use domain::org::IdNumber;
use rand::Rng;
use rand::rngs::StdRng;

use super::text as words;
use super::{CaseRef, EnforcementSummary, Register, Scene, days_before, ymd};
use crate::synth::bulk::{Rows, Tables};
use crate::synth::campaign::Writer;
use crate::synth::text::{id_number, person_name};
use crate::{Result, StoreError, new_id, vals};

/// Someone with an ID number, as the records carry them.
#[derive(Clone)]
pub(super) struct Person {
    pub name: String,
    pub hash: String,
    pub masked: String,
}

/// A lawyer: the person and their firm.
#[derive(Clone)]
struct Lawyer {
    person: Person,
    firm: String,
    area: String,
}

const DEPARTURES: usize = 1;
const APPEARANCES: usize = 2;
const BUSINESS: usize = 3;
const RELATIVES: usize = 4;
pub(super) const SENTENCES: usize = 5;

/// Fresh ID numbers (never one already given to anyone generated), their hashes and natural keys.
pub(super) struct Records<'a> {
    key: [u8; 32],
    seen_ids: &'a mut HashSet<String>,
    keys: HashSet<String>,
    pub imports: [String; 6],
    pub t: Tables,
    pub now: i64,
}

impl Records<'_> {
    pub fn person(&mut self, rng: &mut StdRng) -> Result<Person> {
        let raw = loop {
            let n = id_number(rng);
            if self.seen_ids.insert(n.clone()) {
                break n;
            }
        };
        let id = IdNumber::parse(&raw).map_err(StoreError::Invalid)?;
        Ok(Person {
            name: person_name(rng),
            hash: crypto::hmac_sm3_hex(&self.key, id.as_str().as_bytes()),
            masked: id.masked(),
        })
    }

    /// The natural key the importer gives a record, or `None` when it was already written.
    pub fn natural_key(&mut self, parts: &[&str]) -> Option<String> {
        let key = crate::enforcement::checks::records::natural_key(parts);
        self.keys.insert(key.clone()).then_some(key)
    }

    #[allow(clippy::too_many_arguments)]
    fn departure(
        &mut self,
        s: &Scene<'_>,
        p: &Person,
        unit: usize,
        position: &str,
        leader: bool,
        left: NaiveDate,
        dismissed: bool,
    ) {
        let u = &s.world.units[unit];
        let judicial = matches!(u.kind.as_str(), "court" | "procuratorate");
        let left = ymd(left);
        if let Some(key) = self.natural_key(&["departure", &p.hash, &u.id, &left]) {
            let import = self.imports[DEPARTURES].clone();
            self.t.push(
                DEPARTURES,
                vals![
                    new_id(),
                    key,
                    p.hash.as_str(),
                    p.masked.as_str(),
                    p.name.as_str(),
                    u.id.as_str(),
                    position,
                    i32::from(leader),
                    i32::from(judicial),
                    left,
                    i32::from(dismissed),
                    import,
                    self.now
                ],
            );
        }
    }

    /// One appearance of `l` in `case` on `on`, before the case's unit.
    fn appearance(&mut self, s: &Scene<'_>, l: &Lawyer, case: &CaseRef, on: NaiveDate) {
        let court = &s.world.units[case.unit];
        let role = if case.kind == domain::enforcement::cases::CaseKind::Criminal {
            "defender"
        } else {
            "agent"
        };
        let day = ymd(on);
        let parts = [
            "appearance",
            l.person.hash.as_str(),
            case.number.as_str(),
            court.name.as_str(),
            role,
            day.as_str(),
        ];
        if let Some(key) = self.natural_key(&parts) {
            let import = self.imports[APPEARANCES].clone();
            self.t.push(
                APPEARANCES,
                vals![
                    new_id(),
                    key,
                    l.person.hash.as_str(),
                    l.person.masked.as_str(),
                    l.person.name.as_str(),
                    l.firm.as_str(),
                    l.area.as_str(),
                    case.number.as_str(),
                    court.name.as_str(),
                    court.id.as_str(),
                    role,
                    day,
                    import,
                    self.now
                ],
            );
        }
    }

    fn business(
        &mut self,
        rng: &mut StdRng,
        s: &Scene<'_>,
        hash: &str,
        masked: &str,
        name: &str,
        area: &str,
    ) {
        let company = words::company(rng, area.trim_end_matches(['市', '省']));
        let role = ["legal_rep", "shareholder", "shareholder", "manager"][rng.random_range(0..4)];
        let on = ymd(days_before(s.today, rng.random_range(30..=15 * 365)));
        if let Some(key) = self.natural_key(&["business", hash, &company, role, &on]) {
            let import = self.imports[BUSINESS].clone();
            self.t.push(
                BUSINESS,
                vals![
                    new_id(),
                    key,
                    hash,
                    masked,
                    name,
                    company,
                    role,
                    on,
                    area,
                    import,
                    self.now
                ],
            );
        }
    }
}

/// Whether two units are one institution: one lies inside the other in the unit tree.
fn related(s: &Scene<'_>, a: usize, b: usize) -> bool {
    let inside = |mut x: usize, top: usize| loop {
        if x == top {
            return true;
        }
        match s.world.units[x].parent {
            Some(p) => x = p,
            None => return false,
        }
    };
    inside(a, b) || inside(b, a)
}

/// A case of `unit` alive on `on` if the sample has one, else any case of it.
fn case_of(rng: &mut StdRng, reg: &Register, unit: usize, on: NaiveDate) -> Option<CaseRef> {
    let sample = &reg.samples[unit];
    let alive: Vec<&CaseRef> = sample
        .iter()
        .filter(|c| c.received <= on && c.closed.is_none_or(|d| d >= on))
        .collect();
    if !alive.is_empty() {
        return Some(alive[rng.random_range(0..alive.len())].clone());
    }
    (!sample.is_empty()).then(|| sample[rng.random_range(0..sample.len())].clone())
}

pub(super) fn add_months(d: NaiveDate, months: i64) -> NaiveDate {
    d.checked_add_months(Months::new(months.clamp(0, 1200) as u32))
        .unwrap_or(d)
}

fn between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.random_range(0..=span))
}

pub(super) async fn generate(
    s: &Scene<'_>,
    reg: &Register,
    rng: &mut StdRng,
    seen_ids: &mut HashSet<String>,
    summary: &mut EnforcementSummary,
) -> Result<()> {
    let imports: [String; 6] = std::array::from_fn(|_| new_id());
    let mut r = Records {
        key: s.store.keyring.derive("idnumber"),
        seen_ids,
        keys: HashSet::new(),
        imports,
        t: Tables::new(vec![
            Rows::new(
                "check_imports (id, kind, rows_in_file, added, skipped, imported_by, created_at)",
                "(?, ?, ?, ?, 0, ?, ?)",
            ),
            Rows::new(
                "check_departures (id, natural_key, person_hash, person_masked, name, former_unit_id, former_position, leader, judicial, left_on, dismissed, import_id, created_at)",
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            Rows::new(
                "check_lawyer_appearances (id, natural_key, lawyer_hash, lawyer_masked, lawyer_name, law_firm, firm_area, case_number, court_name, court_unit_id, role, appeared_on, import_id, created_at)",
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            Rows::new(
                "check_business_roles (id, natural_key, person_hash, person_masked, name, company, role, registered_on, area, import_id, created_at)",
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            Rows::new(
                "check_relatives (id, officer_id, relation, name, person_hash, person_masked, import_id, created_at)",
                "(?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            Rows::new(
                "check_sentence_changes (id, natural_key, offender_hash, offender_masked, offender_name, crime_type, sentence_type, kind, decided_on, previous_on, extension_no, unit_id, decider_badge, decider_id, import_id, created_at)",
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
        ]),
        now: s.now - 2 * 86_400_000,
    };
    let mut w = Writer::begin(s.store).await?;
    let units = &s.world.units;
    let of_kind = |k: &str| -> Vec<usize> {
        (0..units.len())
            .filter(|u| units[*u].kind == k && !reg.samples[*u].is_empty())
            .collect()
    };
    let courts = of_kind("court");
    let procuratorates = of_kind("procuratorate");
    let judicial: Vec<usize> = courts.iter().chain(&procuratorates).copied().collect();
    let police: Vec<usize> = (0..units.len())
        .filter(|u| units[*u].kind == "police")
        .collect();
    if judicial.is_empty() {
        return Err(StoreError::Integrity(
            "no court or procuratorate has cases".into(),
        ));
    }
    let today = s.today;
    let region_areas: Vec<&str> = {
        let mut v: Vec<&str> = s.city.iter().map(String::as_str).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let new_lawyer = |rng: &mut StdRng, p: Person| -> Lawyer {
        let area = if rng.random_bool(0.85) {
            region_areas[rng.random_range(0..region_areas.len())]
        } else {
            words::OTHER_AREAS[rng.random_range(0..words::OTHER_AREAS.len())]
        };
        Lawyer {
            firm: words::law_firm(rng, area),
            area: area.to_string(),
            person: p,
        }
    };

    // ---- lawyers and their ordinary appearances ----
    let mut lawyers = Vec::with_capacity(s.volumes.lawyers);
    for _ in 0..s.volumes.lawyers {
        let p = r.person(rng)?;
        lawyers.push(new_lawyer(rng, p));
    }
    for case in &reg.appearances {
        let x: f64 = rng.random();
        let l = &lawyers[((x * x * lawyers.len() as f64) as usize).min(lawyers.len() - 1)];
        let last = case.closed.unwrap_or(today);
        let on = between(rng, case.received, last.min(case.received + Days::new(90)));
        r.appearance(s, l, case, on);
        w.step(&mut r.t).await?;
    }
    // The draw above is random in number; top up to the volume asked for from the courts' samples.
    while r.t.written(APPEARANCES) < s.volumes.appearances as u64 {
        let u = judicial[rng.random_range(0..judicial.len())];
        let on = days_before(today, rng.random_range(0..=700));
        let l = &lawyers[rng.random_range(0..lawyers.len())];
        if let Some(case) = case_of(rng, reg, u, on) {
            let on = on.max(case.received);
            r.appearance(s, l, &case, on);
        }
        w.step(&mut r.t).await?;
    }

    // ---- departures, and those who went on to practise law ----
    let settings = RuleSettings::defaults(CheckRule::RevolvingWindow);
    let mut departures = 0u64;
    let anchor_court = s.anchors.court;
    for i in 0..=s.volumes.departures {
        let anchor = i == s.volumes.departures;
        let x: f64 = rng.random();
        let u = if anchor {
            anchor_court
        } else if x < 0.45 && !courts.is_empty() {
            courts[rng.random_range(0..courts.len())]
        } else if x < 0.75 && !procuratorates.is_empty() {
            procuratorates[rng.random_range(0..procuratorates.len())]
        } else if !police.is_empty() {
            police[rng.random_range(0..police.len())]
        } else {
            judicial[rng.random_range(0..judicial.len())]
        };
        let (position, leader) = if anchor {
            ("审判员", false)
        } else {
            words::former_position(rng, &units[u].kind)
        };
        let left = if anchor {
            days_before(today, 300)
        } else {
            days_before(today, rng.random_range(30..=8 * 365))
        };
        let dismissed = !anchor && rng.random_bool(0.02);
        let p = r.person(rng)?;
        r.departure(s, &p, u, position, leader, left, dismissed);
        departures += 1;
        let is_judicial = matches!(units[u].kind.as_str(), "court" | "procuratorate");
        let years = if leader {
            settings.get("leader_years")
        } else {
            settings.get("years")
        };
        let ends = add_months(left, years * 12);
        let y: f64 = rng.random();
        // (first day, last day, before the former unit?) of the appearances, if this person practises.
        let practice = if anchor {
            let on = days_before(today, 120);
            Some((on, on, false))
        } else if is_judicial && y < 0.007 {
            // About one departure in two hundred: three in four leavers are judges or prosecutors.
            Some((left + Days::new(20), ends.min(today), rng.random_bool(0.4)))
        } else if is_judicial && y < 0.017 && ends < today {
            Some((ends + Days::new(1), today, false))
        } else if is_judicial && y < 0.019 && ends < today {
            Some((ends + Days::new(1), today, true))
        } else if !is_judicial && y < 0.01 {
            Some((left + Days::new(20), ends.min(today), false))
        } else {
            None
        };
        if let Some((from, to, former)) = practice.filter(|(f, t, _)| f <= t) {
            let lawyer = new_lawyer(rng, p);
            for _ in 0..rng.random_range(1..=3) {
                let on = between(rng, from, to);
                let court = if former && !reg.samples[u].is_empty() {
                    u
                } else {
                    // Another institution: never the former unit nor one inside or above it.
                    let others: Vec<usize> = judicial
                        .iter()
                        .copied()
                        .filter(|c| !related(s, *c, u) || (anchor && *c != u))
                        .collect();
                    if others.is_empty() {
                        continue;
                    }
                    others[rng.random_range(0..others.len())]
                };
                if let Some(case) = case_of(rng, reg, court, on) {
                    r.appearance(s, &lawyer, &case, on);
                }
            }
        }
        w.step(&mut r.t).await?;
    }

    // ---- officers' family members; some practise law, some are in business ----
    let mut relatives = 0u64;
    let mut made_lawyer_relative = false;
    let mut made_business_relative = false;
    const RELATIONS: &[(Relation, u32)] = &[
        (Relation::Spouse, 35),
        (Relation::Child, 30),
        (Relation::Parent, 15),
        (Relation::Sibling, 10),
        (Relation::ChildSpouse, 4),
        (Relation::SpouseParent, 3),
        (Relation::SpouseSibling, 2),
        (Relation::Other, 1),
    ];
    let anchor_first = s.world.roster[anchor_court].first().copied();
    for (o, officer) in s.world.officers.iter().enumerate() {
        let forced = Some(o) == anchor_first;
        if !forced && !rng.random_bool(s.volumes.declaring) {
            continue;
        }
        let unit = officer.unit;
        let judicial_unit = matches!(units[unit].kind.as_str(), "court" | "procuratorate");
        for k in 0..rng.random_range(1..=3) {
            let relation = if forced && k == 0 {
                Relation::Spouse
            } else {
                let total: u32 = RELATIONS.iter().map(|(_, w)| w).sum();
                let mut at = rng.random_range(0..total);
                let mut pick = Relation::Other;
                for (rel, w) in RELATIONS {
                    if at < *w {
                        pick = *rel;
                        break;
                    }
                    at -= w;
                }
                pick
            };
            let p = r.person(rng)?;
            let import = r.imports[RELATIVES].clone();
            r.t.push(
                RELATIVES,
                vals![
                    new_id(),
                    officer.id.as_str(),
                    relation.as_str(),
                    p.name.as_str(),
                    p.hash.as_str(),
                    p.masked.as_str(),
                    import,
                    r.now
                ],
            );
            relatives += 1;
            let y: f64 = rng.random();
            let must_lawyer = forced && k == 0 && !made_lawyer_relative;
            if must_lawyer || (judicial_unit && relation.counts_for_lawyer() && y < 0.004) {
                // Before the officer's own institution: what the avoidance rule is about.
                let home = if reg.samples[unit].is_empty() {
                    anchor_court
                } else {
                    unit
                };
                let lawyer = new_lawyer(rng, p.clone());
                for _ in 0..rng.random_range(1..=2) {
                    let on = days_before(today, rng.random_range(10..=600));
                    if let Some(case) = case_of(rng, reg, home, on) {
                        r.appearance(s, &lawyer, &case, on);
                        made_lawyer_relative = true;
                    }
                }
            } else if y < 0.007 {
                // Before another institution: no conflict.
                let others: Vec<usize> = judicial
                    .iter()
                    .copied()
                    .filter(|c| !related(s, *c, unit))
                    .collect();
                if !others.is_empty() {
                    let lawyer = new_lawyer(rng, p.clone());
                    let court = others[rng.random_range(0..others.len())];
                    let on = days_before(today, rng.random_range(10..=600));
                    if let Some(case) = case_of(rng, reg, court, on) {
                        r.appearance(s, &lawyer, &case, on);
                    }
                }
            }
            let z: f64 = rng.random();
            let must_business = !made_business_relative && relation.counts_for_business();
            if must_business || z < 0.01 {
                let area = s.city[unit].clone();
                r.business(rng, s, &p.hash, &p.masked, &p.name, &area);
                made_business_relative |= relation.counts_for_business();
            }
        }
        w.step(&mut r.t).await?;
    }

    // ---- officers in business themselves, then everyone else the registry lists ----
    let mut own = 0;
    for (o, officer) in s.officers.iter().enumerate() {
        let Some(id) = &officer.id_number else {
            continue;
        };
        if rng.random_bool(0.002) || (own == 0 && o + 1 == s.officers.len()) {
            let hash = crypto::hmac_sm3_hex(&r.key, id.as_str().as_bytes());
            let area = s.city[s.world.officers[o].unit].clone();
            r.business(rng, s, &hash, &id.masked(), &officer.name, &area);
            own += 1;
        }
    }
    while r.t.written(BUSINESS) < s.volumes.business as u64 {
        let p = r.person(rng)?;
        let area = region_areas[rng.random_range(0..region_areas.len())];
        for _ in 0..rng.random_range(1..=3) {
            r.business(rng, s, &p.hash, &p.masked, &p.name, area);
        }
        w.step(&mut r.t).await?;
    }

    // ---- sentence changes: commutations, paroles and medical parole ----
    let sentences = super::sentences::generate(s, &mut r, &mut w, rng).await?;

    let counts = [
        (DEPARTURES, RecordKind::Departures),
        (APPEARANCES, RecordKind::LawyerAppearances),
        (BUSINESS, RecordKind::BusinessRoles),
        (RELATIVES, RecordKind::Relatives),
        (SENTENCES, RecordKind::SentenceChanges),
    ];
    let written: Vec<(usize, RecordKind, u64)> = counts
        .iter()
        .map(|(i, k)| (*i, *k, r.t.written(*i)))
        .collect();
    for (i, kind, n) in &written {
        let import = r.imports[*i].clone();
        r.t.push(
            0,
            vals![
                import,
                kind.as_str(),
                *n as i32,
                *n as i32,
                "数据导入（系统对接）",
                r.now
            ],
        );
    }
    summary.departures = departures;
    summary.lawyer_appearances = r.t.written(APPEARANCES);
    summary.business_roles = r.t.written(BUSINESS);
    summary.relatives = relatives;
    summary.sentence_changes = sentences;
    let detail = written
        .iter()
        .map(|(_, k, n)| format!("{} {n}", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    w.finish(&mut r.t, "gen.check_records", &detail).await
}
