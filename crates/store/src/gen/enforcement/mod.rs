//! Enforcement supervision in the generated data: the case register of every police station, court and
//! procuratorate (`cases`: two years of cases, each walked through its stages by the register's own
//! limits and outcome rules, with the deciding person of every stage), then the records the data checks
//! compare (`records`, `sentences`), the inquiry records with their quarterly reports (`inquiries`), and
//! guiding cases, commentary and case review made through the store (`review`); their words in `text`.
//!
//! The demo accounts find work waiting: `ganjing` handles cases he can record an inquiry about, the unit
//! of `lianluo` owes last quarter's report with no inquiry recorded in it (so a nil report is accepted),
//! and a judge who left the city court appears as a lawyer within two years (the revolving-door rule
//! finds it). Own random stream, so the data before it is the same with or without this part.

mod cases;
mod inquiries;
mod records;
mod review;
mod sentences;
mod text;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use domain::enforcement::cases::CaseKind;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Scale;
use super::campaign::World;
use crate::org::NewOfficer;
use crate::selfcheck::local_ms;
use crate::{Result, Store};

/// What the enforcement part generated, for the summary line.
#[derive(Debug, Clone, Default)]
pub struct EnforcementSummary {
    pub cases: u64,
    pub stages: u64,
    pub case_officers: u64,
    pub open_cases: u64,
    pub overdue_cases: u64,
    pub gang_cases: u64,
    pub inquiries: u64,
    pub inquiry_reports: u64,
    pub sentence_changes: u64,
    pub departures: u64,
    pub lawyer_appearances: u64,
    pub business_roles: u64,
    pub relatives: u64,
    pub guiding_cases: u64,
    pub commentary_sessions: u64,
    pub review_samples: u64,
    pub review_scored: u64,
    pub millis: u64,
}

/// The people and units the demo's guarantees hang on.
pub(super) struct Anchors {
    /// Officer index of the `ganjing` account.
    pub ganjing: usize,
    /// Unit index of the `lianluo` account.
    pub liaison_unit: usize,
    /// A city-level court: one of its judges left and now acts as a lawyer.
    pub court: usize,
}

/// How much of everything.
pub(super) struct Volumes {
    pub cases: usize,
    pub departures: usize,
    pub lawyers: usize,
    pub appearances: usize,
    pub business: usize,
    /// Share of officers who declared family members.
    pub declaring: f64,
    pub offenders: usize,
    pub inquiries: usize,
}

fn volumes(scale: Scale) -> Volumes {
    match scale {
        Scale::City => Volumes {
            cases: 10_000,
            departures: 300,
            lawyers: 300,
            appearances: 1_500,
            business: 3_000,
            declaring: 0.25,
            offenders: 300,
            inquiries: 400,
        },
        Scale::Province => Volumes {
            cases: 1_000_000,
            departures: 20_000,
            lawyers: 10_000,
            appearances: 50_000,
            business: 200_000,
            declaring: 0.2,
            offenders: 12_000,
            inquiries: 20_000,
        },
    }
}

/// Where the generator stands, shared by the parts.
pub(super) struct Scene<'a> {
    pub store: &'a Store,
    pub world: &'a World,
    /// Parallel to `world.officers`: badge, position and ID number.
    pub officers: &'a [NewOfficer],
    pub anchors: Anchors,
    pub volumes: Volumes,
    pub today: NaiveDate,
    pub now: i64,
    /// The one-character name that case numbers start with (「江」).
    pub abbr: String,
    /// The city (or province, for provincial organs) each unit belongs to: 「江州市」.
    pub city: Vec<String>,
    /// Four digits per case-handling unit, unique in the region, as courts number their cases.
    pub code: Vec<String>,
    /// Per unit: officers who handle cases, who lead, who assist, who enforce.
    pub handlers: Vec<Vec<usize>>,
    pub leaders: Vec<Vec<usize>>,
    pub helpers: Vec<Vec<usize>>,
}

/// A case the later parts refer to.
#[derive(Clone)]
pub(super) struct CaseRef {
    pub id: String,
    pub number: String,
    pub unit: usize,
    pub kind: CaseKind,
    pub received: NaiveDate,
    /// The closing day of a closed case.
    pub closed: Option<NaiveDate>,
    /// Everyone with a role in it (handler first).
    pub officers: Vec<usize>,
}

/// What the register leaves for the records and inquiries.
pub(super) struct Register {
    /// Up to `SAMPLE` cases of each court and procuratorate, drawn evenly.
    pub samples: Vec<Vec<CaseRef>>,
    /// Cases a lawyer appeared in.
    pub appearances: Vec<CaseRef>,
    /// Cases someone asked about in the last five quarters.
    pub asked: Vec<CaseRef>,
}

pub(super) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn days_before(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d - Days::new(n as u64)
    } else {
        d + Days::new(n.unsigned_abs())
    }
}

/// Epoch ms of a Beijing working-hours moment on `d`, never later than `now` less a minute.
pub(super) fn moment(rng: &mut StdRng, d: NaiveDate, now: i64) -> i64 {
    let t = d
        .and_hms_opt(rng.random_range(8..=17), rng.random_range(0..60), 0)
        .unwrap_or_default();
    local_ms(t).min(now - 60_000)
}

fn case_unit(kind: &str) -> bool {
    matches!(kind, "police" | "court" | "procuratorate")
}

/// (leader, handler, helper) positions of a kind of unit, by the words `text::position` uses.
fn roles_of(kind: &str, position: &str) -> (bool, bool, bool) {
    match kind {
        "police" => (
            matches!(position, "所长" | "副所长" | "大队长" | "教导员"),
            matches!(position, "民警" | "警长" | "中队长"),
            matches!(position, "辅警" | "民警"),
        ),
        "court" => (
            matches!(position, "庭长" | "副庭长"),
            matches!(position, "审判员" | "副庭长"),
            matches!(position, "法官助理" | "书记员"),
        ),
        "procuratorate" => (
            matches!(position, "检察部主任" | "检察部副主任"),
            matches!(position, "检察官"),
            matches!(position, "检察官助理" | "书记员"),
        ),
        _ => (false, false, false),
    }
}

/// Makes everything of issue #4. Needs the units, roster, demo users and the campaign.
pub(super) async fn generate(
    store: &Store,
    scale: Scale,
    seed: u64,
    world: &World,
    officers: &[NewOfficer],
    anchors: Anchors,
    seen_ids: &mut std::collections::HashSet<String>,
) -> Result<EnforcementSummary> {
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x7a68_6966_615f_6a69);
    let scene = scene(store, scale, world, officers, anchors);
    let mut summary = EnforcementSummary::default();
    let limits = store.case_stage_limits().await?;
    let register = cases::generate(&scene, &limits, &mut rng, &mut summary).await?;
    records::generate(&scene, &register, &mut rng, seen_ids, &mut summary).await?;
    inquiries::generate(&scene, &register, &mut rng, &mut summary).await?;
    review::generate(&scene, &register, &mut rng, scale, &mut summary).await?;
    summary.millis = started.elapsed().as_millis() as u64;
    Ok(summary)
}

fn scene<'a>(
    store: &'a Store,
    scale: Scale,
    world: &'a World,
    officers: &'a [NewOfficer],
    anchors: Anchors,
) -> Scene<'a> {
    let n = world.units.len();
    // Each unit's committee: the nearest ancestor (or itself) whose code ends in -PLC.
    let committee: Vec<usize> = (0..n)
        .map(|mut u| {
            while !world.units[u].code.ends_with("-PLC") {
                match world.units[u].parent {
                    Some(p) => u = p,
                    None => break,
                }
            }
            u
        })
        .collect();
    let city = committee
        .iter()
        .map(|c| {
            let name = &world.units[*c].name;
            name.strip_suffix("委政法委").unwrap_or(name).to_string()
        })
        .collect();
    let committees: Vec<usize> = (0..n)
        .filter(|u| world.units[*u].code.ends_with("-PLC"))
        .collect();
    let mut serial: BTreeMap<usize, u32> = BTreeMap::new();
    let code = (0..n)
        .map(|u| {
            if !case_unit(&world.units[u].kind) {
                return String::new();
            }
            let c = committee[u];
            let city_no = committees.iter().position(|x| *x == c).unwrap_or(0) + 1;
            let s = serial.entry(c).or_insert(0);
            *s += 1;
            format!("{city_no:02}{s:02}")
        })
        .collect();
    let mut handlers = vec![Vec::new(); n];
    let mut leaders = vec![Vec::new(); n];
    let mut helpers = vec![Vec::new(); n];
    for (u, roster) in world.roster.iter().enumerate() {
        let kind = world.units[u].kind.as_str();
        for &o in roster {
            let (l, h, a) = roles_of(kind, &officers[o].position);
            if l {
                leaders[u].push(o);
            }
            if h {
                handlers[u].push(o);
            }
            if a {
                helpers[u].push(o);
            }
        }
        if handlers[u].is_empty() {
            handlers[u] = roster.clone();
        }
    }
    Scene {
        store,
        world,
        officers,
        anchors,
        volumes: volumes(scale),
        today: crate::clues::today(),
        now: crate::now_ms(),
        abbr: world.region.chars().next().unwrap_or('江').to_string(),
        city,
        code,
        handlers,
        leaders,
        helpers,
    }
}
