//! Generated inquiry records (逢问必录) over the last four finished quarters and this one, and each
//! unit's quarterly reports. Whether an inquiry is interference is decided by the same rule as a live
//! record (`check_interference`): a leader asking about a case they have no part in. Most units have
//! filed their reports; some have not filed last quarter's, and the unit of the `lianluo` account has
//! recorded nothing in it and not filed, so its liaison can file the nil report (零报告).

use std::collections::BTreeMap;

use domain::enforcement::inquiries::{
    Channel, InterferenceCheck, Quarter, check_interference, is_leader_position,
};
use rand::Rng;
use rand::rngs::StdRng;

use super::text as words;
use super::{EnforcementSummary, Register, Scene, days_before, moment};
use crate::synth::bulk::{Rows, Tables, numbers_in_order};
use crate::synth::campaign::Writer;
use crate::synth::text::person_name;
use crate::{Result, new_id, vals};

struct Draft {
    case: usize,
    asked_at: i64,
    created: i64,
    asker: Option<usize>,
    name: String,
    position: String,
    unit: String,
    channel: Channel,
    content: String,
    handling: String,
    check: InterferenceCheck,
}

fn channel(rng: &mut StdRng) -> Channel {
    match rng.random_range(0..20) {
        0..=7 => Channel::Phone,
        8..=13 => Channel::InPerson,
        14..=17 => Channel::Message,
        18 => Channel::Written,
        _ => Channel::Other,
    }
}

pub(super) async fn generate(
    s: &Scene<'_>,
    reg: &Register,
    rng: &mut StdRng,
    summary: &mut EnforcementSummary,
) -> Result<()> {
    let world = s.world;
    let last = Quarter::last_finished(s.today);
    let quarters = [last, last.previous(), last.previous().previous(), {
        last.previous().previous().previous()
    }];
    let first_day = quarters[3].first_day();
    let leaders: Vec<usize> = (0..world.officers.len())
        .filter(|o| is_leader_position(&s.officers[*o].position))
        .collect();
    let mut drafts: Vec<Draft> = Vec::new();
    for (ci, c) in reg.asked.iter().enumerate() {
        let from = c.received.max(first_day);
        let to = c.closed.unwrap_or(s.today).min(s.today);
        if from > to {
            continue;
        }
        let span = (to - from).num_days();
        let day = days_before(to, rng.random_range(0..=span));
        // The liaison's unit recorded nothing last quarter: it owes a nil report.
        if c.unit == s.anchors.liaison_unit && Quarter::of(day) == last {
            continue;
        }
        let asked_at = moment(rng, day, s.now);
        let created = (asked_at + rng.random_range(1..=30) * 3_600_000).min(s.now - 60_000);
        let x: f64 = rng.random();
        let colleagues = &world.roster[c.unit];
        let asker = if x < 0.25 && c.officers.len() > 1 {
            // The case's own leader or decider asking how it goes: part of handling it.
            Some(c.officers[rng.random_range(1..c.officers.len())])
        } else if x < 0.4 && !leaders.is_empty() {
            Some(leaders[rng.random_range(0..leaders.len())])
        } else if x < 0.6 && !colleagues.is_empty() {
            Some(colleagues[rng.random_range(0..colleagues.len())])
        } else {
            None
        };
        let (name, position, unit) = match asker {
            Some(o) => (
                world.officers[o].name.clone(),
                s.officers[o].position.clone(),
                world.units[world.officers[o].unit].name.clone(),
            ),
            None => words::outside_asker(rng),
        };
        let among = asker.is_some_and(|o| c.officers.contains(&o));
        let check = check_interference(false, &position, among);
        let favour = rng.random_bool(if check.interference { 0.7 } else { 0.2 });
        let (content, handling) = words::inquiry_words(rng, favour);
        drafts.push(Draft {
            case: ci,
            asked_at,
            created,
            asker,
            name,
            position,
            unit,
            channel: channel(rng),
            content,
            handling,
            check,
        });
    }

    let mut t = Tables::new(vec![
        Rows::new(
            "inquiries (id, number, case_id, unit_id, asker_name, asker_position, asker_unit, asker_officer_id, asked_at, channel, content, handling, leader, interference, reason, recorded_by, recorder_name, created_at)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'system', ?, ?)",
        ),
        Rows::new(
            "inquiry_reports (id, unit_id, quarter, nil, inquiries, interference, summary, filed_by, filer_name, filed_at)",
            "(?, ?, ?, ?, ?, ?, ?, 'system', ?, ?)",
        ),
    ]);
    let mut w = Writer::begin(s.store).await?;
    let at: Vec<i64> = drafts.iter().map(|d| d.created).collect();
    let numbers = numbers_in_order(w.txn(), "GW", &at).await?;
    // (unit, quarter) → (records, of which interference)
    let mut counts: BTreeMap<(usize, Quarter), (i64, i64)> = BTreeMap::new();
    for (d, number) in drafts.iter().zip(&numbers) {
        let c = &reg.asked[d.case];
        let q = Quarter::of(crate::clues::local_date(d.asked_at));
        let e = counts.entry((c.unit, q)).or_insert((0, 0));
        e.0 += 1;
        e.1 += i64::from(d.check.interference);
        // The handler recorded it.
        let recorder = &world.officers[c.officers[0]].name;
        t.push(
            0,
            vals![
                new_id(),
                number.as_str(),
                c.id.as_str(),
                world.units[c.unit].id.as_str(),
                d.name.as_str(),
                d.position.as_str(),
                d.unit.as_str(),
                d.asker.map(|o| world.officers[o].id.clone()),
                d.asked_at,
                d.channel.as_str(),
                d.content.as_str(),
                d.handling.as_str(),
                i32::from(d.check.leader),
                i32::from(d.check.interference),
                d.check.because.as_str(),
                recorder.as_str(),
                d.created
            ],
        );
        w.step(&mut t).await?;
    }
    let mut reports = 0u64;
    for (u, unit) in world.units.iter().enumerate() {
        for q in quarters {
            let filed = if q == last {
                u != s.anchors.liaison_unit && rng.random_bool(0.65)
            } else {
                rng.random_bool(0.93)
            };
            if !filed {
                continue;
            }
            let (n, k) = counts.get(&(u, q)).copied().unwrap_or((0, 0));
            let after = q.last_day() + chrono::Days::new(rng.random_range(1..=15));
            let on = after.min(s.today);
            t.push(
                1,
                vals![
                    new_id(),
                    unit.id.as_str(),
                    q.as_string(),
                    i32::from(n == 0),
                    n,
                    k,
                    if n == 0 {
                        String::new()
                    } else {
                        words::report_summary(n, k)
                    },
                    format!("联络员 {}", person_name(rng)),
                    moment(rng, on, s.now)
                ],
            );
            reports += 1;
            w.step(&mut t).await?;
        }
    }
    summary.inquiries = drafts.len() as u64;
    summary.inquiry_reports = reports;
    w.finish(
        &mut t,
        "gen.inquiries",
        &format!("{} inquiries, {reports} quarterly reports", drafts.len()),
    )
    .await
}
