//! The campaign's million-row spreadsheets: an attendance import through the same steps as the import
//! page (bounded .xlsx read, every row checked, one all-or-nothing insert), against plain batched INSERTs
//! of the same rows, and the export of the same attendance sheet through its download route.
//!
//! Both run on a scratch copy of the data set (SQLite `VACUUM INTO`, next to the data folder). A million
//! distinct attendees need more officers than the province roster holds (the import refuses a badge given
//! twice), and the copy can take the extra officers without changing what the other phases measure.
//! The import runs in a child process (`bench --internal-import`) so that its peak RSS is its own.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{Days, TimeZone as _};
use domain::campaign::{CampaignTemplate, PhaseDraft, validate_phases};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::header::COOKIE;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use store::study::AttendanceImport;
use store::{Sql, vals};
use tokio::process::Command;

use super::{Server, login, mb, proc_cpu_ticks, proc_status_kb, step, yes};
use crate::config::Config;

/// Rows the bars of QUALITY.md are stated for, both ways.
pub const BAR_ROWS: usize = 1_000_000;
const IMPORT_BAR: f64 = 0.5;
const EXPORT_BAR_ROWS_PER_SEC: f64 = 100_000.0;
const EXPORT_BAR_MB: f64 = 150.0;

// The import page's columns (web's study::activities): 警号 and 姓名 are required, 签到时间 is optional.
const HEADERS: [&str; 3] = ["警号", "姓名", "签到时间"];
const REQUIRED: &[&str] = &["警号", "姓名"];
const SIGNIN: &str = "签到时间";
/// The import page's upload limit (web's study::MAX_UPLOAD), only to say whether the file could be sent.
const UPLOAD_LIMIT: u64 = 40 * 1024 * 1024;

const SHEET_FILE: &str = "bench-attendance.xlsx";
const TEXT_FILE: &str = "bench-attendance.tsv";
const BENCH_UNIT: &str = "BENCH-SHEETS";
/// Rows per statement of the baseline, as the import sends them.
const STATEMENT_ROWS: usize = 1000;

#[derive(Default)]
pub struct Sheets {
    rows: usize,
    /// Why the phase stopped early, if it did.
    skipped: Option<String>,
    /// Seconds and bytes of the copy.
    copy: Option<(f64, u64)>,
    activity: String,
    /// Active officers the data set already had in the office's scope, and how many were added.
    officers: (i64, usize),
    file: Option<SheetFile>,
    /// One transaction, before and after the import.
    one_txn: Vec<Rate>,
    /// QUALITY.md's wording of the baseline: 100 rows a transaction.
    per_100: Option<Rate>,
    import: Option<ChildImport>,
    /// Only when the page's reader refused the file: the store's part alone, rows from a text file.
    store_only: Option<ChildImport>,
    export: Option<Export>,
}

struct SheetFile {
    bytes: u64,
    unpacked: Option<u64>,
    write_s: f64,
}

struct Rate {
    rows: u64,
    secs: f64,
}

impl Rate {
    fn per_sec(&self) -> f64 {
        self.rows as f64 / self.secs.max(1e-9)
    }
}

/// What the import child reports on its standard output.
#[derive(Serialize, Deserialize, Default, Clone)]
pub struct ChildImport {
    rows: u64,
    read_s: f64,
    store_s: f64,
    total_s: f64,
    added: u64,
    already: u64,
    error: Option<String>,
    refused_at_read: bool,
    hwm_before_kb: Option<u64>,
    hwm_after_kb: Option<u64>,
    cpu: Option<f64>,
    /// From the store's own log line: time to check every row, and its whole import.
    #[serde(default)]
    check_ms: Option<u64>,
    #[serde(default)]
    logged_ms: Option<u64>,
}

impl ChildImport {
    fn per_sec(&self) -> f64 {
        self.rows as f64 / self.total_s.max(1e-9)
    }
}

struct Export {
    status: u16,
    bytes: u64,
    secs: f64,
    /// Rows the server says it wrote (its audit row).
    rows: Option<u64>,
    hwm_idle_kb: Option<u64>,
    hwm_kb: Option<u64>,
    server_cpu: Option<f64>,
    error: Option<String>,
    /// The route's page of 5,000 rows from the store, timed in-process: (which page, median ms).
    pages: Vec<(String, f64)>,
    plan: String,
}

impl Export {
    fn per_sec(&self) -> Option<f64> {
        self.rows.map(|r| r as f64 / self.secs.max(1e-9))
    }
}

/// Copies the data set, measures, and removes the copy. Takes the store to close it once copied.
pub async fn run(
    cfg: &Config,
    config_file: Option<&Path>,
    store: store::Store,
    exe: &Path,
    log_dir: &Path,
    dir_name: &str,
    rows: usize,
) -> Sheets {
    let mut out = Sheets {
        rows,
        ..Sheets::default()
    };
    if rows == 0 {
        out.skipped = Some("--sheet-rows 0: nothing to import or export".into());
        store.close().await;
        return out;
    }
    if !store.is_sqlite() {
        out.skipped = Some(
            "the data set is on PostgreSQL; this phase copies the SQLite file (VACUUM INTO), so it was not run"
                .into(),
        );
        store.close().await;
        return out;
    }
    let scratch = log_dir.join(format!("{dir_name}.bench-sheets"));
    let logs = Logs {
        import: log_dir.join(format!("{dir_name}.bench-import.log")),
        import_text: log_dir.join(format!("{dir_name}.bench-import-text.log")),
        server: log_dir.join(format!("{dir_name}.bench-export-server.log")),
    };
    if let Err(e) = measure(&mut out, cfg, config_file, store, exe, &scratch, &logs).await {
        out.skipped = Some(format!("{e:#}"));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    out
}

struct Logs {
    import: PathBuf,
    import_text: PathBuf,
    server: PathBuf,
}

async fn measure(
    out: &mut Sheets,
    cfg: &Config,
    config_file: Option<&Path>,
    store: store::Store,
    exe: &Path,
    scratch: &Path,
    logs: &Logs,
) -> Result<()> {
    step("sheets: copying the data set to a scratch folder (VACUUM INTO)");
    let _ = std::fs::remove_dir_all(scratch);
    std::fs::create_dir_all(scratch)?;
    let db_file = scratch.join("mingjing.db");
    let t = Instant::now();
    let copied = {
        let db = store.connection();
        Sql::of(db)
            .exec(
                db,
                "VACUUM INTO ?",
                vals![db_file.to_string_lossy().into_owned()],
            )
            .await
    };
    store.close().await;
    copied.context("cannot copy the database")?;
    out.copy = Some((
        t.elapsed().as_secs_f64(),
        std::fs::metadata(&db_file).map(|m| m.len()).unwrap_or(0),
    ));
    // The children open the copy with --data; the copy must open with the data set's own key.
    if cfg.master_key.is_none() {
        let key = std::path::absolute(&cfg.data)?.join("master.key");
        std::fs::copy(&key, scratch.join("master.key"))
            .with_context(|| format!("cannot copy {}", key.display()))?;
    }
    let scratch_cfg = store::StoreConfig {
        database_url: None,
        data_dir: scratch.to_path_buf(),
        ..cfg.store_config()
    };
    let open = || open_copy(cfg, &scratch_cfg);

    let st = open().await?;
    let prep = prepare(out, &st, scratch).await?;
    step("sheets: baseline, batched INSERTs in one transaction (before the import)");
    out.one_txn
        .push(batched_inserts(&st, &prep, usize::MAX).await?);
    step("sheets: baseline, 100 rows a transaction (QUALITY.md's wording)");
    out.per_100 = Some(batched_inserts(&st, &prep, 100).await?);
    st.close().await;

    step("sheets: attendance import from the .xlsx (child process)");
    let first = import_child(
        exe,
        config_file,
        scratch,
        &prep.activity,
        false,
        &logs.import,
    )
    .await?;
    let refused = first.refused_at_read;
    out.import = Some(first);
    if refused {
        step("sheets: the reader refused the file; the store's part alone, rows from a text file");
        out.store_only = Some(
            import_child(
                exe,
                config_file,
                scratch,
                &prep.activity,
                true,
                &logs.import_text,
            )
            .await?,
        );
    }

    let st = open().await?;
    step("sheets: baseline, batched INSERTs in one transaction (after the import)");
    out.one_txn
        .push(batched_inserts(&st, &prep, usize::MAX).await?);
    let recorded = Sql::of(st.connection())
        .scalar(
            st.connection(),
            "SELECT COUNT(*) FROM study_attendance WHERE activity_id = ?",
            vals![prep.activity.as_str()],
        )
        .await?;
    st.close().await;
    if recorded < out.rows as i64 {
        bail!(
            "the activity holds {recorded} attendance rows after the import, not {}, so there is nothing to export",
            out.rows
        );
    }

    step("sheets: export of the attendance sheet from a fresh server on the copy");
    let mut ex = export(exe, config_file, scratch, &prep.activity, &logs.server).await?;
    let st = open().await?;
    ex.rows = exported_rows(&st).await?;
    step("sheets: timing the export's pages in-process");
    (ex.pages, ex.plan) = export_pages(&st, &prep.activity, out.rows).await?;
    st.close().await;
    out.export = Some(ex);
    Ok(())
}

async fn open_copy(cfg: &Config, at: &store::StoreConfig) -> Result<store::Store> {
    store::Store::open(at, cfg.keyring()?)
        .await
        .context("cannot open the scratch copy")
}

/// Everything made before the clocks start: the activity, the roster, the file and the baseline's rows.
struct Prepared {
    activity: String,
    recorded_by: String,
    /// (officer id, signed-in time) per row of the file, in file order.
    rows: Vec<(String, i64)>,
}

async fn prepare(out: &mut Sheets, st: &store::Store, scratch: &Path) -> Result<Prepared> {
    step("sheets: activity, officers and the attendance file");
    let actor = office(st).await?;
    let campaign = match st.study_campaigns().await?.into_iter().next() {
        Some(c) => c.id,
        None => bench_campaign(st, &actor).await?,
    };
    let day = store::clues::today();
    let draft = domain::study::ActivityInput {
        kind: "concentrated".into(),
        title: "百万行签到导入基准测试".into(),
        day: day.to_string(),
        hours: "2".into(),
        venue: "基准测试会场".into(),
        cases: String::new(),
    }
    .validate()
    .map_err(messages)?;
    let activity = st
        .create_activity(&actor, &campaign, &actor.unit_id, &draft)
        .await?;
    out.activity = activity.clone();

    let db = st.connection();
    let sql = Sql::of(db);
    let scope = format!("{}%", actor.unit_path);
    let existing = sql
        .scalar(
            db,
            "SELECT COUNT(*) FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.active = 1 AND u.path LIKE ?",
            vals![scope.as_str()],
        )
        .await?;
    let need = out.rows.saturating_sub(existing.max(0) as usize);
    if need > 0 {
        add_officers(st, &actor, need).await?;
    }
    out.officers = (existing, need);

    // The roster in pages (a million rows at once would hold every decoded row twice).
    let mut roster: Vec<(String, String, String)> =
        Vec::with_capacity(out.rows.max(existing as usize));
    let mut after = String::new();
    loop {
        let page = sql
            .all(
                db,
                "SELECT o.id, o.badge, o.name FROM officers o JOIN units u ON u.id = o.unit_id \
                 WHERE o.active = 1 AND u.path LIKE ? AND o.badge > ? ORDER BY o.badge LIMIT 50000",
                vals![scope.as_str(), after.as_str()],
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = last.try_get("", "badge")?;
        for r in &page {
            roster.push((
                r.try_get("", "id")?,
                r.try_get("", "badge")?,
                r.try_get("", "name")?,
            ));
        }
    }
    if roster.len() < out.rows {
        bail!(
            "only {} active officers in the office's scope after adding {need}",
            roster.len()
        );
    }
    // Shuffled, so that the roster lookups of 500 badges land all over the index as a real sheet would.
    let mut rng = StdRng::seed_from_u64(0x006d_6a73_6865_6574);
    roster.shuffle(&mut rng);
    roster.truncate(out.rows);
    let minutes: Vec<u32> = (0..roster.len()).map(|_| rng.random_range(0..90)).collect();
    let time_text = |m: u32| format!("{:02}:{:02}", 8 + m / 60, m % 60);

    let path = scratch.join(SHEET_FILE);
    let t = Instant::now();
    let written = tokio::task::block_in_place(|| {
        let cells = roster.iter().zip(&minutes).map(|((_, badge, name), m)| {
            vec![
                reports::Cell::Text(badge.clone()),
                reports::Cell::Text(name.clone()),
                reports::Cell::Text(time_text(*m)),
            ]
        });
        reports::write_xlsx(&path, "签到", &HEADERS, cells)
    })?;
    let write_s = t.elapsed().as_secs_f64();
    if written != out.rows as u64 {
        bail!(
            "wrote {written} rows to the attendance file, not {}",
            out.rows
        );
    }
    let bytes = std::fs::read(&path)?;
    out.file = Some(SheetFile {
        bytes: bytes.len() as u64,
        unpacked: zip_unpacked_size(&bytes),
        write_s,
    });
    drop(bytes);
    let mut text = std::io::BufWriter::new(std::fs::File::create(scratch.join(TEXT_FILE))?);
    for ((_, badge, name), m) in roster.iter().zip(&minutes) {
        writeln!(text, "{badge}\t{name}\t{}", time_text(*m))?;
    }
    text.flush()?;

    // What the import stores for "08:05" on the activity's day (Beijing time, as the store reads it).
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).context("offset")?;
    let start = beijing
        .from_local_datetime(&day.and_hms_opt(8, 0, 0).context("time")?)
        .single()
        .context("time")?
        .timestamp_millis();
    let rows = roster
        .into_iter()
        .zip(minutes)
        .map(|((id, _, _), m)| (id, start + i64::from(m) * 60_000))
        .collect();
    checkpoint(st).await?;
    Ok(Prepared {
        activity,
        recorded_by: actor.user_id,
        rows,
    })
}

fn messages(errors: Vec<domain::DomainError>) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        errors
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// The `office` account (whole province) as an actor, through a session of its own.
async fn office(st: &store::Store) -> Result<store::Actor> {
    actor_of(st, "office").await
}

/// A demo account of the generated data set as an actor, through a session of its own.
pub(super) async fn actor_of(st: &store::Store, username: &str) -> Result<store::Actor> {
    let db = st.connection();
    let r = Sql::of(db)
        .one(
            db,
            "SELECT id FROM users WHERE username = ?",
            vals![username],
        )
        .await?
        .with_context(|| format!("the data set has no `{username}` account"))?;
    let id: String = r.try_get("", "id")?;
    let token = st.create_session(&id, "web", true).await?;
    Ok(st
        .session(&token)
        .await?
        .context("the bench's session did not resolve")?
        .actor)
}

/// A campaign for the activity when the data set has none (the generator makes none).
async fn bench_campaign(st: &store::Store, actor: &store::Actor) -> Result<String> {
    let template = CampaignTemplate::Education;
    let first = store::clues::today() - Days::new(5);
    let drafts: Vec<PhaseDraft> = (0..template.phases().len() as u64)
        .map(|i| PhaseDraft {
            starts: (first + Days::new(10 * i)).to_string(),
            ends: (first + Days::new(10 * i + 10)).to_string(),
            ..PhaseDraft::default()
        })
        .collect();
    let phases = validate_phases(template, &drafts).map_err(messages)?;
    Ok(st
        .create_campaign(
            actor,
            &store::campaign::NewCampaign {
                name: "基准测试用教育整顿".into(),
                template,
                phases,
            },
        )
        .await?)
}

/// Officers for the rows the roster lacks, in a unit of their own under the office's unit (copy only).
async fn add_officers(st: &store::Store, actor: &store::Actor, n: usize) -> Result<()> {
    let top = st.unit_by_id(&actor.unit_id).await?;
    st.create_units(
        &store::audit::AuditActor::system(),
        &[store::org::NewUnit {
            code: BENCH_UNIT.into(),
            name: "导入基准测试临时单位".into(),
            kind: domain::org::UnitKind::Police,
            parent_code: Some(top.code),
        }],
    )
    .await?;
    let unit = st.unit_by_code(BENCH_UNIT).await?;
    let db = st.connection();
    let sql = Sql::of(db);
    let mut rng = StdRng::seed_from_u64(0x6d6a_6f66_6669_6365);
    let now = store::now_ms();
    let txn = db.begin().await?;
    for from in (0..n).step_by(4000) {
        let to = (from + 4000).min(n);
        let marks = vec!["(?, ?, ?, ?, '民警', 1, ?)"; to - from].join(", ");
        let mut v = Vec::with_capacity((to - from) * 5);
        for i in from..to {
            // "BM" is no prefix of the generator's badges.
            v.extend(vals![
                store::new_id(),
                unit.id.as_str(),
                store::synth::text::person_name(&mut rng),
                format!("BM{i:07}"),
                now
            ]);
        }
        sql.exec(
            &txn,
            &format!("INSERT INTO officers (id, unit_id, name, badge, position, active, created_at) VALUES {marks}"),
            v,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Folds the WAL back into the database, so every measurement starts from a short log.
async fn checkpoint(st: &store::Store) -> Result<()> {
    let db = st.connection();
    Sql::of(db)
        .all(db, "PRAGMA wal_checkpoint(TRUNCATE)", vals![])
        .await?;
    Ok(())
}

/// The baseline: the same rows and columns as the import writes, into a table made like
/// `study_attendance` (same keys, unique pair, index and references), as plain multi-row INSERTs of
/// up to 1,000 rows, committing every `per_txn` rows. Ids are made before the clock starts.
async fn batched_inserts(st: &store::Store, p: &Prepared, per_txn: usize) -> Result<Rate> {
    // A new name each time: sqlx keeps prepared statements per connection, and re-running a cached
    // CREATE INDEX after the table was dropped and made again failed with "index already exists".
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let table = format!("bench_attendance_{}", RUNS.fetch_add(1, Ordering::Relaxed));
    let db = st.connection();
    let sql = Sql::of(db);
    sql.exec(db, &format!("DROP TABLE IF EXISTS {table}"), vals![])
        .await?;
    sql.exec(
        db,
        &format!(
            "CREATE TABLE {table} (id TEXT PRIMARY KEY, activity_id TEXT NOT NULL REFERENCES study_activities(id), \
             officer_id TEXT NOT NULL REFERENCES officers(id), signed_at BIGINT, method TEXT NOT NULL, recorded_by TEXT, \
             recorded_at BIGINT NOT NULL, UNIQUE (activity_id, officer_id))"
        ),
        vals![],
    )
    .await?;
    sql.exec(
        db,
        &format!("CREATE INDEX {table}_officer ON {table}(officer_id)"),
        vals![],
    )
    .await?;
    checkpoint(st).await?;
    let ids: Vec<String> = (0..p.rows.len()).map(|_| store::new_id()).collect();
    let now = store::now_ms();
    let per_statement = per_txn.clamp(1, STATEMENT_ROWS);
    let t = Instant::now();
    let mut inserted = 0u64;
    let mut open = None;
    let mut in_txn = 0usize;
    for (ids, rows) in ids.chunks(per_statement).zip(p.rows.chunks(per_statement)) {
        let txn = match open.take() {
            Some(t) => t,
            None => db.begin().await?,
        };
        let mut v = Vec::with_capacity(rows.len() * 7);
        for (id, (officer, at)) in ids.iter().zip(rows) {
            v.extend(vals![
                id.as_str(),
                p.activity.as_str(),
                officer.as_str(),
                *at,
                "import",
                p.recorded_by.as_str(),
                now
            ]);
        }
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?)"; rows.len()].join(", ");
        inserted += sql
            .exec(
                &txn,
                &format!("INSERT INTO {table} (id, activity_id, officer_id, signed_at, method, recorded_by, recorded_at) VALUES {marks}"),
                v,
            )
            .await?;
        in_txn += rows.len();
        if in_txn >= per_txn {
            txn.commit().await?;
            in_txn = 0;
        } else {
            open = Some(txn);
        }
    }
    if let Some(txn) = open {
        txn.commit().await?;
    }
    let secs = t.elapsed().as_secs_f64();
    let counted = sql
        .scalar(db, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await?;
    if inserted != p.rows.len() as u64 || counted != p.rows.len() as i64 {
        bail!(
            "the baseline stored {counted} rows ({inserted} reported), not {}",
            p.rows.len()
        );
    }
    sql.exec(db, &format!("DROP TABLE {table}"), vals![])
        .await?;
    checkpoint(st).await?;
    Ok(Rate {
        rows: inserted,
        secs,
    })
}

async fn import_child(
    exe: &Path,
    config_file: Option<&Path>,
    scratch: &Path,
    activity: &str,
    from_text: bool,
    log: &Path,
) -> Result<ChildImport> {
    let mut args: Vec<OsString> = Vec::new();
    if let Some(f) = config_file {
        args.extend(["--config".into(), f.as_os_str().to_owned()]);
    }
    args.extend([
        "--data".into(),
        scratch.as_os_str().to_owned(),
        "bench".into(),
        "--internal-import".into(),
        activity.into(),
    ]);
    if from_text {
        args.push("--internal-from-text".into());
    }
    let log_file =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let output = Command::new(exe)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the import child")?
        .wait_with_output()
        .await?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .with_context(|| {
            format!(
                "the import child printed no result ({}); see {}",
                output.status,
                log.display()
            )
        })?;
    let mut r: ChildImport = serde_json::from_str(line)?;
    // The store logs how long checking took; the rest of its time is the insert and commit.
    if let Ok(text) = std::fs::read_to_string(log) {
        for l in text.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
                continue;
            };
            let f = &v["fields"];
            if f["message"] == "attendance import" {
                r.check_ms = f["check_ms"].as_u64();
                r.logged_ms = f["total_ms"].as_u64();
            }
        }
    }
    Ok(r)
}

/// The child: the import page's steps on the prepared file, timed, with this process's peak RSS.
pub async fn child(cfg: &Config, activity: &str, from_text: bool) -> Result<()> {
    let dir = std::path::absolute(&cfg.data)?;
    let st = store::Store::open(
        &store::StoreConfig {
            database_url: None,
            ..cfg.store_config()
        },
        cfg.keyring()?,
    )
    .await
    .context("cannot open the scratch copy")?;
    let actor = office(&st).await?;
    let me = std::process::id();
    let mut r = ChildImport {
        hwm_before_kb: proc_status_kb(me, "VmHWM:"),
        ..ChildImport::default()
    };
    let cpu0 = proc_cpu_ticks("self");
    let t = Instant::now();
    let read = if from_text {
        read_text(&dir.join(TEXT_FILE)).await
    } else {
        read_sheet(&dir.join(SHEET_FILE)).await
    };
    r.read_s = t.elapsed().as_secs_f64();
    match read {
        Err(e) => {
            r.error = Some(e);
            r.refused_at_read = true;
        }
        Ok(rows) => {
            r.rows = rows.len() as u64;
            let t2 = Instant::now();
            match st.import_attendance(&actor, activity, rows).await {
                Ok(Ok(sum)) => {
                    r.added = sum.added;
                    r.already = sum.already;
                }
                Ok(Err(issues)) => {
                    let first = issues
                        .first()
                        .map(|i| format!("row {} {}: {}", i.row, i.column.unwrap_or(""), i.message))
                        .unwrap_or_default();
                    r.error = Some(format!("{} rows refused, first: {first}", issues.len()));
                }
                Err(e) => r.error = Some(e.to_string()),
            }
            r.store_s = t2.elapsed().as_secs_f64();
        }
    }
    r.total_s = t.elapsed().as_secs_f64();
    r.hwm_after_kb = proc_status_kb(me, "VmHWM:");
    r.cpu = cpu0
        .zip(proc_cpu_ticks("self"))
        .map(|(a, b)| b.saturating_sub(a) as f64 / 100.0 / r.total_s.max(1e-9) * 100.0);
    println!("result {}", serde_json::to_string(&r)?);
    st.close().await;
    Ok(())
}

/// As the import page does it: the bounded reader off the async threads, then rows by header.
async fn read_sheet(path: &Path) -> std::result::Result<Vec<AttendanceImport>, String> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let sheet = match tokio::task::spawn_blocking(move || {
        reports::read_xlsx(&bytes, REQUIRED, store::study::MAX_ATTENDANCE_ROWS)
    })
    .await
    {
        Ok(r) => r.map_err(|e| e.to_string())?,
        Err(_) => return Err("the reader panicked".into()),
    };
    let time_col = sheet.column(SIGNIN);
    Ok(sheet
        .rows
        .into_iter()
        .map(|(row, mut cells)| {
            let at = time_col
                .and_then(|c| cells.get_mut(c).map(std::mem::take))
                .unwrap_or_default();
            let mut it = cells.into_iter();
            AttendanceImport {
                row,
                badge: it.next().unwrap_or_default(),
                name: it.next().unwrap_or_default(),
                signed_at: at,
            }
        })
        .collect())
}

/// The same rows from tab-separated text, numbered as the sheet numbers them (header on row 1).
async fn read_text(path: &Path) -> std::result::Result<Vec<AttendanceImport>, String> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f = l.split('\t');
            AttendanceImport {
                row: i + 2,
                badge: f.next().unwrap_or_default().to_string(),
                name: f.next().unwrap_or_default().to_string(),
                signed_at: f.next().unwrap_or_default().to_string(),
            }
        })
        .collect())
}

/// The download route of the attendance sheet, from a server started for it alone, one request.
async fn export(
    exe: &Path,
    config_file: Option<&Path>,
    scratch: &Path,
    activity: &str,
    log: &Path,
) -> Result<Export> {
    let mut args: Vec<OsString> = Vec::new();
    if let Some(f) = config_file {
        args.extend(["--config".into(), f.as_os_str().to_owned()]);
    }
    args.extend([
        "--data".into(),
        scratch.as_os_str().to_owned(),
        "serve".into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ]);
    let srv = Server::spawn(exe, &args, &[("MINGJING_REQUIRE_TOTP", "false")], log).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hwm_idle_kb = proc_status_kb(srv.pid, "VmHWM:");
    let sid = login(&srv.base, "office", store::synth::DEMO_PASSWORD).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(3600))
        .build()?;
    let url = format!("{}/study/activities/{activity}/attendance.xlsx", srv.base);
    let cpu0 = proc_cpu_ticks(&srv.pid.to_string());
    let t = Instant::now();
    let mut resp = client
        .get(&url)
        .header(COOKIE, format!("mj_sid={sid}"))
        .send()
        .await?;
    let status = resp.status().as_u16();
    let (mut bytes, mut head) = (0u64, Vec::new());
    while let Some(chunk) = resp.chunk().await? {
        if head.len() < 300 {
            head.extend_from_slice(&chunk[..chunk.len().min(300 - head.len())]);
        }
        bytes += chunk.len() as u64;
    }
    let secs = t.elapsed().as_secs_f64();
    let server_cpu = cpu0
        .zip(proc_cpu_ticks(&srv.pid.to_string()))
        .map(|(a, b)| b.saturating_sub(a) as f64 / 100.0 / secs.max(1e-9) * 100.0);
    let hwm_kb = proc_status_kb(srv.pid, "VmHWM:");
    srv.stop().await;
    let error = if status != 200 {
        Some(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&head).replace('\n', " ")
        ))
    } else if !head.starts_with(b"PK\x03\x04") {
        Some("the answer is not an .xlsx (no zip signature)".into())
    } else {
        None
    };
    Ok(Export {
        status,
        bytes,
        secs,
        rows: None,
        hwm_idle_kb,
        hwm_kb,
        server_cpu,
        error,
        pages: Vec::new(),
        plan: String::new(),
    })
}

/// The store call behind each page of the export (`attendance_after`, 5,000 rows by officer id), at the
/// start of the sheet and half way through, median of 3; and SQLite's plan for its statement.
async fn export_pages(
    st: &store::Store,
    activity: &str,
    rows: usize,
) -> Result<(Vec<(String, f64)>, String)> {
    let actor = office(st).await?;
    let db = st.connection();
    let sql = Sql::of(db);
    let middle: String = sql
        .all(
            db,
            "SELECT t.officer_id FROM study_attendance t \
             WHERE t.activity_id = ? ORDER BY t.officer_id LIMIT 1 OFFSET ?",
            vals![activity, (rows / 2) as i64],
        )
        .await?
        .first()
        .map(|r| r.try_get("", "officer_id"))
        .transpose()?
        .unwrap_or_default();
    let mut out = Vec::new();
    for (what, after) in [
        ("first page".to_string(), String::new()),
        (format!("page after row {}", rows / 2), middle.clone()),
    ] {
        let mut ms = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            st.attendance_after(&actor, activity, &after, 5000).await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        out.push((what, ms[1]));
    }
    // The statement as the store sends it (store::study::activities), for its plan only.
    let plan = sql
        .all(
            db,
            "EXPLAIN QUERY PLAN SELECT t.officer_id, o.name, o.badge, u.name AS unit_name, t.signed_at, t.method, t.recorded_at \
             FROM study_attendance t JOIN officers o ON o.id = t.officer_id JOIN units u ON u.id = o.unit_id \
             WHERE t.activity_id = ? AND t.officer_id > ? ORDER BY t.officer_id LIMIT ?",
            vals![activity, middle.as_str(), 5000i64],
        )
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String>("", "detail").ok())
        .collect::<Vec<_>>()
        .join("; ");
    Ok((out, plan))
}

/// Rows written by the last attendance export, as its audit row records them ("N rows").
async fn exported_rows(st: &store::Store) -> Result<Option<u64>> {
    let db = st.connection();
    let r = Sql::of(db)
        .one(
            db,
            "SELECT detail FROM audit_log WHERE action = 'study.attendance_export' ORDER BY seq DESC LIMIT 1",
            vals![],
        )
        .await?;
    Ok(r.and_then(|r| r.try_get::<String>("", "detail").ok())
        .and_then(|d| d.split_whitespace().next()?.parse().ok()))
}

/// Sum of the uncompressed sizes in a zip's central directory (what the bounded reader holds to its
/// 256 MiB); `None` for a zip it cannot walk (ZIP64 sizes).
fn zip_unpacked_size(b: &[u8]) -> Option<u64> {
    let u16_at = |p: usize| Some(u16::from_le_bytes(b.get(p..p + 2)?.try_into().ok()?));
    let u32_at = |p: usize| Some(u32::from_le_bytes(b.get(p..p + 4)?.try_into().ok()?));
    let tail = b.len().saturating_sub(22 + usize::from(u16::MAX));
    let end = tail + b[tail..].windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let entries = u16_at(end + 10)?;
    let mut p = u32_at(end + 16)? as usize;
    let mut total = 0u64;
    for _ in 0..entries {
        if b.get(p..p + 4)? != b"PK\x01\x02" {
            return None;
        }
        let size = u32_at(p + 24)?;
        if size == u32::MAX {
            return None;
        }
        total += u64::from(size);
        p += 46
            + usize::from(u16_at(p + 28)?)
            + usize::from(u16_at(p + 30)?)
            + usize::from(u16_at(p + 32)?);
    }
    Some(total)
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / 1_048_576.0)
}

fn secs(v: f64) -> String {
    format!("{v:.1} s")
}

impl Sheets {
    fn at_bar(&self) -> bool {
        self.rows == BAR_ROWS
    }

    /// "met"/"NOT met" at the bar's row count; no verdict for a trial with another count.
    fn verdict(&self, ok: bool) -> String {
        if self.at_bar() {
            yes(ok).to_string()
        } else {
            format!("no verdict ({} rows, the bar is for {BAR_ROWS})", self.rows)
        }
    }

    fn baseline(&self) -> Option<f64> {
        if self.one_txn.is_empty() {
            return None;
        }
        Some(self.one_txn.iter().map(Rate::per_sec).sum::<f64>() / self.one_txn.len() as f64)
    }

    fn baseline_text(&self) -> String {
        let all: Vec<String> = self
            .one_txn
            .iter()
            .map(|r| format!("{:.0}", r.per_sec()))
            .collect();
        match self.baseline() {
            Some(b) => format!(
                "plain multi-row INSERTs of the same rows, one transaction: {b:.0} rows/s (mean of {}, before and after)",
                all.join(" and ")
            ),
            None => "not measured".into(),
        }
    }

    /// Rows of the bars table.
    pub fn bar_rows(&self, s: &mut String) {
        let n = self.rows;
        let what =
            format!("attendance import of {n} rows (.xlsx read, every row checked, one insert)");
        match &self.import {
            Some(i) if i.error.is_none() => {
                let rate = i.per_sec();
                if let Some(b) = self.baseline() {
                    let _ = writeln!(
                        s,
                        "| {what}: rows/s | {rate:.0}/s | {} | {:.0}% | ≥ 50% | {} |",
                        self.baseline_text(),
                        rate / b * 100.0,
                        self.verdict(rate / b >= IMPORT_BAR)
                    );
                }
                if let Some(q) = &self.per_100 {
                    let _ = writeln!(
                        s,
                        "| {what}, against QUALITY.md's wording of the baseline | {rate:.0}/s | 100 rows a transaction: {:.0} rows/s | {:.0}% | ≥ 50% | {} |",
                        q.per_sec(),
                        rate / q.per_sec().max(1e-9) * 100.0,
                        self.verdict(rate / q.per_sec().max(1e-9) >= IMPORT_BAR)
                    );
                }
            }
            Some(i) => {
                let why = i.error.clone().unwrap_or_default();
                let _ = writeln!(
                    s,
                    "| {what}: rows/s | {}: {} | {} | — | ≥ 50% | {} |",
                    if i.refused_at_read {
                        "file refused by the reader"
                    } else {
                        "import refused"
                    },
                    why.replace('|', "/"),
                    self.baseline_text(),
                    self.verdict(false)
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "| {what} | not measured: {} | — | — | ≥ 50% | {} |",
                    self.skipped
                        .as_deref()
                        .unwrap_or("no result")
                        .replace('|', "/"),
                    self.verdict(false)
                );
            }
        }
        if let Some(o) = self.store_only.as_ref().filter(|o| o.error.is_none()) {
            let rate = o.per_sec();
            if let Some(b) = self.baseline() {
                let _ = writeln!(
                    s,
                    "| the same import without the .xlsx (rows from a text file; not the page's path): rows/s | {rate:.0}/s | one transaction: {b:.0} rows/s | {:.0}% | (≥ 50%) | for information |",
                    rate / b * 100.0
                );
            }
        }
        match &self.export {
            Some(e) => {
                let ok = e.error.is_none() && e.rows == Some(n as u64);
                let rate = e.per_sec();
                let _ = writeln!(
                    s,
                    "| export of the {n}-row attendance sheet to .xlsx (GET …/attendance.xlsx, one request): rows/s | {} | — | — | ≥ 100,000/s | {} |",
                    match (&e.error, rate) {
                        (Some(err), _) => format!("failed: {}", err.replace('|', "/")),
                        (None, Some(r)) => format!("{r:.0}/s"),
                        (None, None) => "no audit row with the count".into(),
                    },
                    self.verdict(ok && rate.is_some_and(|r| r >= EXPORT_BAR_ROWS_PER_SEC))
                );
                let _ = writeln!(
                    s,
                    "| export: peak RSS of the server (VmHWM of a server started for it; {} before the request) | {} | — | — | < 150 MB | {} |",
                    mb(e.hwm_idle_kb),
                    mb(e.hwm_kb),
                    self.verdict(
                        ok && e
                            .hwm_kb
                            .is_some_and(|k| (k as f64 / 1024.0) < EXPORT_BAR_MB)
                    )
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "| export of {n} rows to .xlsx | not measured{} | — | — | ≥ 100,000/s, peak RSS < 150 MB | {} |",
                    self.skipped
                        .as_deref()
                        .map(|w| format!(": {}", w.replace('|', "/")))
                        .unwrap_or_default(),
                    self.verdict(false)
                );
            }
        }
    }

    /// The section after the phase tables: how the figures were made and where the time went.
    pub fn details(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "\n#### Attendance import and export ({} rows, on a scratch copy of the data set)\n",
            self.rows
        );
        if let Some((t, b)) = self.copy {
            let _ = writeln!(
                s,
                "- Copy of the database (`VACUUM INTO`, same disk): {} in {}.",
                mib(b),
                secs(t)
            );
        }
        let (existing, added) = self.officers;
        if existing > 0 || added > 0 {
            let _ = writeln!(
                s,
                "- Attendees: {existing} active officers in the data set; the import refuses a badge given twice, so {added} more were added to the copy (unit `{BENCH_UNIT}`). The rows are a seeded shuffle of all of them; times 08:00–09:29 on the activity's day."
            );
        }
        if let Some(f) = &self.file {
            let _ = writeln!(
                s,
                "- The file (written with `reports::write_xlsx`, columns 警号, 姓名, 签到时间): {} in {}, {} unpacked (the reader refuses more than 256 MiB unpacked); the import page takes uploads up to {}{}.",
                mib(f.bytes),
                secs(f.write_s),
                f.unpacked.map(mib).unwrap_or_else(|| "n/a".into()),
                mib(UPLOAD_LIMIT),
                if f.bytes > UPLOAD_LIMIT {
                    ", so this file could not be uploaded"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(
            s,
            "\n| step | rows | seconds | rows/s | peak RSS (VmHWM) | CPU | notes |\n|---|---|---|---|---|---|---|"
        );
        let rate_row = |s: &mut String, what: &str, r: &Rate| {
            let _ = writeln!(
                s,
                "| {what} | {} | {:.2} | {:.0} | — | — | bench process |",
                r.rows,
                r.secs,
                r.per_sec()
            );
        };
        if let Some(r) = self.one_txn.first() {
            rate_row(
                s,
                "baseline: INSERTs of 1,000 rows, one transaction (before)",
                r,
            );
        }
        if let Some(r) = &self.per_100 {
            rate_row(
                s,
                "baseline: INSERTs of 100 rows, a transaction each (QUALITY.md)",
                r,
            );
        }
        for (what, c) in [
            ("import from the .xlsx (child process)", &self.import),
            (
                "import from the text file (child process)",
                &self.store_only,
            ),
        ] {
            let Some(c) = c else { continue };
            let split = match (c.check_ms, c.logged_ms) {
                (Some(ch), Some(all)) => format!(
                    "; in the store: checking {:.2} s, insert and commit {:.2} s",
                    ch as f64 / 1000.0,
                    all.saturating_sub(ch) as f64 / 1000.0
                ),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "| {what} | {} | {:.2} | {} | {} (at start {}) | {} | reading {:.2} s, `Store::import_attendance` {:.2} s{split}; added {}, already there {}{} |",
                c.rows,
                c.total_s,
                if c.error.is_none() {
                    format!("{:.0}", c.per_sec())
                } else {
                    "—".into()
                },
                mb(c.hwm_after_kb),
                mb(c.hwm_before_kb),
                c.cpu
                    .map(|v| format!("{v:.0}%"))
                    .unwrap_or_else(|| "n/a".into()),
                c.read_s,
                c.store_s,
                c.added,
                c.already,
                c.error
                    .as_ref()
                    .map(|e| format!("; **error**: {}", e.replace('|', "/")))
                    .unwrap_or_default()
            );
        }
        if let Some(r) = self.one_txn.get(1) {
            rate_row(
                s,
                "baseline: INSERTs of 1,000 rows, one transaction (after)",
                r,
            );
        }
        if let Some(e) = &self.export {
            let _ = writeln!(
                s,
                "| export GET /study/activities/{}/attendance.xlsx | {} | {:.2} | {} | {} (idle {}) | {} | HTTP {}, {} received{} |",
                self.activity,
                e.rows.map(|r| r.to_string()).unwrap_or_else(|| "?".into()),
                e.secs,
                e.per_sec()
                    .map(|r| format!("{r:.0}"))
                    .unwrap_or_else(|| "—".into()),
                mb(e.hwm_kb),
                mb(e.hwm_idle_kb),
                e.server_cpu
                    .map(|v| format!("{v:.0}%"))
                    .unwrap_or_else(|| "n/a".into()),
                e.status,
                mib(e.bytes),
                e.error
                    .as_ref()
                    .map(|x| format!("; **error**: {}", x.replace('|', "/")))
                    .unwrap_or_default()
            );
        }
        if let Some(e) = self.export.as_ref().filter(|e| !e.pages.is_empty()) {
            let pages: Vec<String> = e
                .pages
                .iter()
                .map(|(what, ms)| format!("{what} {ms:.1} ms"))
                .collect();
            let _ = writeln!(
                s,
                "\nThe export's store call for one page of 5,000 rows (`attendance_after`, in-process, median of 3): {}. SQLite's plan of its statement: {}.",
                pages.join(", "),
                e.plan.replace('|', "/")
            );
        }
        let _ = writeln!(
            s,
            "\nThe import's rows/s count from reading the file to the commit. The baselines write the same rows and columns into a table made like `study_attendance` in the same database, with ids made before their clock starts. The export's rows are those its audit row records; its time runs from sending the request to the last byte."
        );
        if let Some(why) = &self.skipped {
            let _ = writeln!(s, "\nThis phase stopped early: {}", why.replace('\n', " "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacked_size_sums_the_central_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let rows = (0..5000).map(|i| vec![reports::Cell::Text(format!("警号{i:06}"))]);
        reports::write_xlsx(&path, "签到", &["警号"], rows).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let unpacked = zip_unpacked_size(&bytes).unwrap();
        // 5,000 inline strings of at least 40 bytes each, compressed well below that.
        assert!(unpacked > 200_000, "{unpacked}");
        assert!(unpacked > bytes.len() as u64);
        assert_eq!(zip_unpacked_size(b"not a zip"), None);
    }
}

#[cfg(test)]
mod db_tests {
    use super::*;

    /// The prepared sheet goes through the page's reader and the store's checks without a refused row,
    /// and the baselines store every row and leave no table behind.
    #[tokio::test(flavor = "multi_thread")]
    async fn prepared_sheet_imports_and_baselines_store_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let st = store::Store::open(
            &store::StoreConfig::new(dir.path()),
            crypto::Keyring::new(crypto::MasterKey::generate(), crypto::Suite::Sm4Gcm),
        )
        .await
        .unwrap();
        store::synth::generate(&st, store::synth::Scale::City, 1)
            .await
            .unwrap();
        let mut out = Sheets {
            rows: 7000,
            ..Sheets::default()
        };
        let p = prepare(&mut out, &st, dir.path()).await.unwrap();
        // The city has fewer officers than rows, so some were added, and every row has its officer.
        assert!(out.officers.1 > 0 && out.officers.0 + out.officers.1 as i64 == 7000);
        assert_eq!(p.rows.len(), 7000);
        assert!(out.file.as_ref().unwrap().unpacked.unwrap() > out.file.as_ref().unwrap().bytes);

        let a = batched_inserts(&st, &p, usize::MAX).await.unwrap();
        let b = batched_inserts(&st, &p, 100).await.unwrap();
        assert_eq!((a.rows, b.rows), (7000, 7000));
        let db = st.connection();
        let left = Sql::of(db)
            .scalar(
                db,
                "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'bench_attendance%'",
                vals![],
            )
            .await
            .unwrap();
        assert_eq!(left, 0);

        let from_sheet = read_sheet(&dir.path().join(SHEET_FILE)).await.unwrap();
        let from_text = read_text(&dir.path().join(TEXT_FILE)).await.unwrap();
        assert_eq!(from_sheet.len(), 7000);
        for (x, y) in from_sheet.iter().zip(&from_text) {
            assert_eq!(
                (x.row, &x.badge, &x.name, &x.signed_at),
                (y.row, &y.badge, &y.name, &y.signed_at)
            );
        }
        let actor = office(&st).await.unwrap();
        let sum = st
            .import_attendance(&actor, &p.activity, from_sheet)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((sum.added, sum.already), (7000, 0));
        // The baseline writes the times the import stores.
        let (officer, at) = &p.rows[0];
        let same = Sql::of(db)
            .scalar(
                db,
                "SELECT COUNT(*) FROM study_attendance WHERE activity_id = ? AND officer_id = ? AND signed_at = ?",
                vals![p.activity.as_str(), officer.as_str(), *at],
            )
            .await
            .unwrap();
        assert_eq!(same, 1);
    }
}
