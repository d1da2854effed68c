//! Enforcement supervision and early warning (issue #4), measured on a scratch copy of the data set
//! (SQLite `VACUUM INTO`, next to the data folder), so that the phases before and after this one see the
//! data set as it was generated:
//!
//! - the nightly run of every data check (`Store::run_all_checks`) in a child process, so that its peak
//!   RSS is its own. The copy's findings are removed first: this is the heaviest night, the first one,
//!   when every match becomes a new finding. Then each rule alone (`Store::run_checks_as` with that rule),
//!   each in its own child, finding its matches already known as on every later night;
//! - the early-warning recompute (`Store::recompute_warnings`), in a child, so the list has scores;
//! - guiding cases added up to 100,000 documents when the data set has fewer, the full-text index built
//!   in a child and compared with jieba on one core;
//! - `GET /warnings` and `GET /guiding?q=…` through HTTP from a server on the copy, as the whole-province
//!   office and as a unit leader whose scope is a subtree (the search's access filter).

mod report;
mod text;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use domain::enforcement::checks::CheckRule;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use store::enforcement::checks::RuleCount;
use store::{Sql, vals};
use tokio::process::Command;

use super::sheets::actor_of;
use super::{
    First, Load, Op, Server, first_request, http_client, login, proc_cpu_ticks, proc_status_kb,
    read_expect, run_load, step,
};
use crate::config::Config;

/// Documents the search bar is stated for (QUALITY.md: "search over 100,000+ texts").
pub const BAR_DOCS: usize = 100_000;
const SEARCH_BAR_MS: f64 = 10.0;
/// Indexing against jieba's `cut_for_search` on one core.
const INDEX_BAR: f64 = 0.70;
/// The server's memory bar under load: the nightly checks and the recompute run inside the server.
const SERVER_MB: f64 = 200.0;

/// Rows of the province data set issue #4 asks the generator for: (table, what, minimum).
const MINIMUMS: &[(&str, &str, i64)] = &[
    ("cases", "cases in the register", 1_000_000),
    ("check_lawyer_appearances", "lawyer appearances", 50_000),
    (
        "check_departures",
        "departures of judges and prosecutors",
        20_000,
    ),
    (
        "check_business_roles",
        "business-registration rows",
        200_000,
    ),
];
/// Other rows the checks, the scores and the search read, counted for the report.
const OTHER_TABLES: &[(&str, &str)] = &[
    ("case_stages", "case stages"),
    ("check_sentence_changes", "sentence changes"),
    ("check_relatives", "relatives of officers"),
    ("inquiries", "inquiry records"),
    ("review_samples", "reviewed cases"),
    ("guiding_cases", "guiding cases"),
    ("commentary_sessions", "commentary sessions"),
];

/// A unit leader of the generated data set whose scope is a subtree: the search's access filter applies.
const SCOPED_ACCOUNT: &str = "fuzeren";
const SCRATCH: &str = "bench-enforcement";
/// Rows of guiding cases per INSERT (15 columns each).
const INSERT_ROWS: usize = 400;

/// What the caller hands over.
pub struct Setup<'a> {
    pub cfg: &'a Config,
    pub config_file: Option<&'a Path>,
    pub exe: &'a Path,
    pub log_dir: &'a Path,
    pub dir_name: &'a str,
    /// Staff clients, and hello world's figures at that count (baseline B).
    pub clients: usize,
    pub hello: Option<Load>,
    pub dur: Duration,
    /// Documents the search runs over (guiding cases are added up to it).
    pub docs: usize,
}

/// What a child process reports on its standard output (`result {json}`).
#[derive(Serialize, Deserialize, Default, Clone, Debug)]
pub struct ChildRun {
    secs: f64,
    hwm_before_kb: Option<u64>,
    hwm_after_kb: Option<u64>,
    cpu: Option<f64>,
    /// Data checks: what each rule did.
    rules: Vec<RuleCount>,
    matched: i64,
    new_findings: i64,
    no_longer: i64,
    /// The recompute: officers with a score and facts behind them; the index: documents in it.
    count: i64,
    items: i64,
    error: Option<String>,
}

#[derive(Default)]
struct Guiding {
    /// Documents (guiding cases and commentary sessions) the data set had.
    before: i64,
    added: usize,
    insert_s: f64,
    docs: i64,
    /// Characters of the indexed texts.
    chars: i64,
    index: Option<ChildRun>,
    /// jieba `cut_for_search` over a sample of the same texts on one core: (characters, seconds).
    jieba: Option<(u64, f64)>,
}

enum Bar {
    /// A staff page: ≥ 20% of hello world's req/s, p99 ≤ 3× its p99.
    VsHello,
    /// Search: p99 ≤ 10 ms over 100,000 documents.
    Search,
}

struct PageRun {
    name: String,
    bar: Bar,
    /// The first request alone, before the warm-up, and the load; or why it was not measured.
    outcome: std::result::Result<(f64, Load), String>,
}

struct QueryTime {
    q: &'static str,
    hits: usize,
    exact: bool,
    ms: f64,
}

#[derive(Default)]
pub struct Enforcement {
    target_docs: usize,
    skipped: Option<String>,
    copy: Option<(f64, u64)>,
    /// (what, table, rows, the minimum).
    counts: Vec<(String, String, Option<i64>, Option<i64>)>,
    findings_removed: i64,
    all_checks: Option<ChildRun>,
    rules: Vec<(CheckRule, ChildRun)>,
    warnings: Option<ChildRun>,
    guiding: Guiding,
    hello: Option<Load>,
    clients: usize,
    pages: Vec<PageRun>,
    server_hwm: (Option<u64>, Option<u64>),
    queries: Vec<QueryTime>,
    profile: Vec<(String, f64)>,
}

/// Copies the data set, measures, and removes the copy. The store stays open for the caller.
pub async fn run(setup: Setup<'_>, store: &store::Store) -> Enforcement {
    let mut out = Enforcement {
        target_docs: setup.docs,
        hello: setup.hello.clone(),
        clients: setup.clients,
        ..Enforcement::default()
    };
    if !store.is_sqlite() {
        out.skipped = Some(
            "the data set is on PostgreSQL; this phase copies the SQLite file (VACUUM INTO), so it was not run"
                .into(),
        );
        return out;
    }
    let scratch = setup.log_dir.join(format!("{}.{SCRATCH}", setup.dir_name));
    if let Err(e) = measure(&mut out, &setup, store, &scratch).await {
        out.skipped = Some(format!("{e:#}"));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    out
}

fn log_path(setup: &Setup<'_>, what: &str) -> PathBuf {
    setup
        .log_dir
        .join(format!("{}.bench-{what}.log", setup.dir_name))
}

async fn measure(
    out: &mut Enforcement,
    setup: &Setup<'_>,
    store: &store::Store,
    scratch: &Path,
) -> Result<()> {
    step("enforcement: copying the data set to a scratch folder (VACUUM INTO)");
    let _ = std::fs::remove_dir_all(scratch);
    std::fs::create_dir_all(scratch)?;
    let db_file = scratch.join("mingjing.db");
    let t = Instant::now();
    {
        let db = store.connection();
        Sql::of(db)
            .exec(
                db,
                "VACUUM INTO ?",
                vals![db_file.to_string_lossy().into_owned()],
            )
            .await
            .context("cannot copy the database")?;
    }
    out.copy = Some((
        t.elapsed().as_secs_f64(),
        std::fs::metadata(&db_file).map(|m| m.len()).unwrap_or(0),
    ));
    // The children open the copy with --data; it must open with the data set's own key.
    if setup.cfg.master_key.is_none() {
        let key = std::path::absolute(&setup.cfg.data)?.join("master.key");
        std::fs::copy(&key, scratch.join("master.key"))
            .with_context(|| format!("cannot copy {}", key.display()))?;
    }
    let scratch_cfg = store::StoreConfig {
        database_url: None,
        data_dir: scratch.to_path_buf(),
        ..setup.cfg.store_config()
    };
    let open = || open_copy(setup.cfg, &scratch_cfg);

    let st = open().await?;
    out.counts = data_counts(&st).await;
    let db = st.connection();
    out.findings_removed = Sql::of(db)
        .exec(db, "DELETE FROM check_findings", vals![])
        .await? as i64;
    checkpoint(&st).await?;
    st.close().await;

    // ---- data checks ----
    let child = |job: String, log: &'static str| {
        let log = log_path(setup, log);
        async move { child_run(setup.exe, setup.config_file, scratch, &job, &log).await }
    };
    step("enforcement: the nightly run of every data check (child process)");
    out.all_checks = Some(child("checks".into(), "checks").await?);
    for rule in CheckRule::all() {
        step(&format!(
            "enforcement: data check `{}` alone (child process)",
            rule.as_str()
        ));
        let r = child(format!("rule:{}", rule.as_str()), "check-rule").await?;
        out.rules.push((*rule, r));
    }

    // ---- early warning ----
    step("enforcement: recomputing the warning scores (child process)");
    out.warnings = Some(child("warnings".into(), "warnings").await?);

    // ---- guiding cases and their index ----
    let st = open().await?;
    add_guiding(out, &st, setup.docs).await?;
    step(
        "enforcement: jieba on one core over a sample of the guiding texts (the indexing baseline)",
    );
    out.guiding.jieba = Some(jieba_baseline(&st).await?);
    checkpoint(&st).await?;
    st.close().await;
    step("enforcement: building the full-text index of the guiding cases (child process)");
    out.guiding.index = Some(child("index".into(), "guiding-index").await?);

    // ---- HTTP ----
    http(out, setup, scratch).await?;

    // ---- where the time goes, in-process ----
    step("enforcement: timing the warning list and each search in-process");
    let st = open().await?;
    in_process(out, &st).await?;
    st.close().await;
    Ok(())
}

async fn open_copy(cfg: &Config, at: &store::StoreConfig) -> Result<store::Store> {
    store::Store::open(at, cfg.keyring()?)
        .await
        .context("cannot open the scratch copy")
}

async fn checkpoint(st: &store::Store) -> Result<()> {
    let db = st.connection();
    Sql::of(db)
        .all(db, "PRAGMA wal_checkpoint(TRUNCATE)", vals![])
        .await?;
    Ok(())
}

async fn count(st: &store::Store, table: &str) -> Option<i64> {
    let db = st.connection();
    Sql::of(db)
        .scalar(db, &format!("SELECT COUNT(*) FROM {table}"), vals![])
        .await
        .ok()
}

async fn data_counts(st: &store::Store) -> Vec<(String, String, Option<i64>, Option<i64>)> {
    let mut v = Vec::new();
    for (table, what, min) in MINIMUMS {
        v.push((
            what.to_string(),
            table.to_string(),
            count(st, table).await,
            Some(*min),
        ));
    }
    for (table, what) in OTHER_TABLES {
        v.push((
            what.to_string(),
            table.to_string(),
            count(st, table).await,
            None,
        ));
    }
    v
}

// ---------- child processes ----------

async fn child_run(
    exe: &Path,
    config_file: Option<&Path>,
    scratch: &Path,
    job: &str,
    log: &Path,
) -> Result<ChildRun> {
    let mut args: Vec<OsString> = Vec::new();
    if let Some(f) = config_file {
        args.extend(["--config".into(), f.as_os_str().to_owned()]);
    }
    args.extend([
        "--data".into(),
        scratch.as_os_str().to_owned(),
        "bench".into(),
        "--internal-enforcement".into(),
        job.into(),
    ]);
    let log_file =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let output = Command::new(exe)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the child process")?
        .wait_with_output()
        .await?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .with_context(|| {
            format!(
                "the child `{job}` printed no result ({}); see {}",
                output.status,
                log.display()
            )
        })?;
    Ok(serde_json::from_str(line)?)
}

/// The child: one job on the copy in --data, timed, with this process's peak RSS before and after.
pub async fn child(cfg: &Config, job: &str) -> Result<()> {
    let st = store::Store::open(
        &store::StoreConfig {
            database_url: None,
            ..cfg.store_config()
        },
        cfg.keyring()?,
    )
    .await
    .context("cannot open the scratch copy")?;
    // Made before the clock starts: the rule-alone runs need a person to run them as.
    let actor = match job.strip_prefix("rule:") {
        Some(_) => Some(actor_of(&st, "office").await?),
        None => None,
    };
    let me = std::process::id();
    let mut r = ChildRun {
        hwm_before_kb: proc_status_kb(me, "VmHWM:"),
        ..ChildRun::default()
    };
    let cpu0 = proc_cpu_ticks("self");
    let t = Instant::now();
    let done: std::result::Result<(), String> = match (job, &actor) {
        ("checks", _) => st
            .run_all_checks()
            .await
            .map(|s| {
                r.matched = s.matched;
                r.new_findings = s.new_findings;
                r.no_longer = s.no_longer;
                r.rules = s.rules;
            })
            .map_err(|e| e.to_string()),
        ("warnings", _) => st
            .recompute_warnings()
            .await
            .map(|n| r.count = n as i64)
            .map_err(|e| e.to_string()),
        ("index", _) => st
            .open_guiding_index()
            .await
            .map(|n| r.count = n as i64)
            .map_err(|e| e.to_string()),
        (j, Some(actor)) => {
            let rule = CheckRule::parse(j.trim_start_matches("rule:"))
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            st.run_checks_as(actor, &[rule])
                .await
                .map(|s| {
                    r.matched = s.matched;
                    r.new_findings = s.new_findings;
                    r.no_longer = s.no_longer;
                    r.rules = s.rules;
                })
                .map_err(|e| e.to_string())
        }
        (j, None) => bail!("unknown job {j}"),
    };
    r.secs = t.elapsed().as_secs_f64();
    r.hwm_after_kb = proc_status_kb(me, "VmHWM:");
    r.cpu = cpu0
        .zip(proc_cpu_ticks("self"))
        .map(|(a, b)| b.saturating_sub(a) as f64 / 100.0 / r.secs.max(1e-9) * 100.0);
    r.error = done.err();
    if job == "warnings" && r.error.is_none() {
        r.items = count(&st, "warning_items").await.unwrap_or(0);
    }
    println!("result {}", serde_json::to_string(&r)?);
    st.close().await;
    Ok(())
}

// ---------- guiding cases ----------

/// Adds guiding cases until the library and the commentary sessions hold `target` documents. The guiding
/// module adds one case per transaction and commits the index after each, which for 100,000 cases would
/// be one index commit each; so the rows go in as multi-row INSERTs of what `validate_guiding` accepted,
/// with revisions from the module's counter, and the index is built from them afterwards (the child
/// `index`, through `Store::open_guiding_index`, which indexes every row past its marker).
async fn add_guiding(out: &mut Enforcement, st: &store::Store, target: usize) -> Result<()> {
    let g = &mut out.guiding;
    g.before = count(st, "guiding_cases").await.unwrap_or(0)
        + count(st, "commentary_sessions").await.unwrap_or(0);
    let need = target.saturating_sub(g.before.max(0) as usize);
    if need > 0 {
        step(&format!(
            "enforcement: adding {need} guiding cases to reach {target} documents"
        ));
        let t = Instant::now();
        insert_guiding(st, need).await?;
        g.insert_s = t.elapsed().as_secs_f64();
        g.added = need;
    }
    g.docs = count(st, "guiding_cases").await.unwrap_or(0)
        + count(st, "commentary_sessions").await.unwrap_or(0);
    let db = st.connection();
    let sql = Sql::of(db);
    g.chars = sql
        .scalar(
            db,
            "SELECT COALESCE(SUM(LENGTH(title) + LENGTH(number) + LENGTH(issuer) + LENGTH(keywords) + LENGTH(gist) + COALESCE(LENGTH(significance), 0) + LENGTH(full_text)), 0) FROM guiding_cases",
            vals![],
        )
        .await?
        + sql
            .scalar(
                db,
                "SELECT COALESCE(SUM(LENGTH(title) + LENGTH(presenter) + LENGTH(cases_text) + LENGTH(guiding_text) + LENGTH(notes)), 0) FROM commentary_sessions",
                vals![],
            )
            .await?;
    Ok(())
}

async fn insert_guiding(st: &store::Store, n: usize) -> Result<()> {
    let actor = actor_of(st, "office").await?;
    let units: Vec<String> = st.units().await?.into_iter().map(|u| u.name).collect();
    let today = store::clues::today();
    let mut rng = StdRng::seed_from_u64(0x006d_6a67_7569_6465);
    let db = st.connection();
    let sql = Sql::of(db);
    let now = store::now_ms();
    let txn = db.begin().await?;
    let tsql = Sql::of(&txn);
    // The module's revision counter: every row gets its own, as the module's own writes do.
    tsql.exec(
        &txn,
        "INSERT INTO fulltext_state (name, epoch, rev) VALUES ('guiding', ?, 0) ON CONFLICT (name) DO NOTHING",
        vals![store::new_id()],
    )
    .await?;
    let last: i64 = tsql
        .one(
            &txn,
            "UPDATE fulltext_state SET rev = rev + ? WHERE name = 'guiding' RETURNING rev",
            vals![n as i64],
        )
        .await?
        .context("fulltext_state has no row")?
        .try_get("", "rev")?;
    let first_rev = last - n as i64 + 1;
    let start = sql
        .scalar(db, "SELECT COUNT(*) FROM guiding_cases", vals![])
        .await? as usize;
    let one = format!("({})", vec!["?"; 15].join(", "));
    let mut done = 0usize;
    while done < n {
        let rows = (n - done).min(INSERT_ROWS);
        let mut v = Vec::with_capacity(rows * 15);
        for k in done..done + rows {
            let g = text::guiding_case(start + k + 1, &units, today, &mut rng)
                .map_err(|e| anyhow::anyhow!("a generated guiding case was refused: {e}"))?;
            v.extend(vals![
                store::new_id(),
                g.number,
                g.title,
                g.issuer,
                g.kind.as_str(),
                g.keywords.join("、"),
                g.gist,
                g.significance,
                g.full_text,
                g.issued_on.map(|d| d.format("%Y-%m-%d").to_string()),
                actor.unit_id.as_str(),
                first_rev + k as i64,
                "基准测试",
                now,
                now
            ]);
        }
        tsql.exec(
            &txn,
            &format!(
                "INSERT INTO guiding_cases (id, number, title, issuer, kind, keywords, gist, significance, full_text, issued_on, unit_id, rev, created_by, created_at, updated_at) VALUES {}",
                vec![one.as_str(); rows].join(", ")
            ),
            v,
        )
        .await?;
        done += rows;
    }
    txn.commit().await?;
    Ok(())
}

/// Characters per second of `search::tokens` (jieba `cut_for_search`, then dropping punctuation and stop
/// words) over up to 3,000 guiding cases' texts, one core, as the index reads them.
async fn jieba_baseline(st: &store::Store) -> Result<(u64, f64)> {
    let db = st.connection();
    let rows = Sql::of(db)
        .all(
            db,
            "SELECT title, number, issuer, keywords, gist, significance, full_text FROM guiding_cases ORDER BY id LIMIT 3000",
            vals![],
        )
        .await?;
    let mut texts = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut s = String::new();
        for col in ["title", "number", "issuer", "keywords", "gist", "full_text"] {
            s.push_str(&r.try_get::<String>("", col)?);
            s.push('\n');
        }
        if let Some(x) = r.try_get::<Option<String>>("", "significance")? {
            s.push_str(&x);
        }
        texts.push(s);
    }
    if texts.is_empty() {
        bail!("no guiding case to tokenise");
    }
    let chars: u64 = texts.iter().map(|t| t.chars().count() as u64).sum();
    let secs = tokio::task::block_in_place(|| {
        let t = Instant::now();
        let mut n = 0usize;
        for s in &texts {
            n += search::tokens(s).len();
        }
        std::hint::black_box(n);
        t.elapsed().as_secs_f64()
    });
    Ok((chars, secs))
}

// ---------- HTTP ----------

fn rotate_op(client: reqwest::Client, urls: Arc<Vec<String>>) -> Op {
    Arc::new(move |i| {
        let client = client.clone();
        let url = urls[(i as usize) % urls.len()].clone();
        Box::pin(async move {
            let r = client.get(&url).send().await.map_err(|e| e.to_string())?;
            read_expect(r, 200, false).await.map(|b| b.0)
        })
    })
}

/// The first request of a phase alone, then the warm-up and the load; a route that is not there (404),
/// or any first answer but 200, is reported instead of measured.
async fn page(
    client: &reqwest::Client,
    urls: Vec<String>,
    shown: &str,
    clients: usize,
    dur: Duration,
    pid: u32,
) -> std::result::Result<(f64, Load), String> {
    let (cold_ms, first) = first_request(client, &urls[0]).await;
    match first {
        First::Ok => {}
        First::Status(404, _) => {
            return Err(format!(
                "not measured: the route is missing (`GET {shown}` answered 404)"
            ));
        }
        First::Status(status, body) => {
            return Err(format!(
                "not measured: `GET {shown}` answered HTTP {status} before the load started: `{body}`"
            ));
        }
        First::Failed(e) => {
            return Err(format!(
                "not measured: `GET {shown}` failed before the load started: {e}"
            ));
        }
    }
    let op = rotate_op(client.clone(), Arc::new(urls));
    run_load(clients, Duration::from_secs(1), Some(pid), op.clone()).await;
    Ok((cold_ms, run_load(clients, dur, Some(pid), op).await))
}

fn search_urls(base: &str) -> Result<Vec<String>> {
    text::QUERIES
        .iter()
        .map(|q| {
            Ok(
                reqwest::Url::parse_with_params(&format!("{base}/guiding"), &[("q", *q)])?
                    .to_string(),
            )
        })
        .collect()
}

async fn http(out: &mut Enforcement, setup: &Setup<'_>, scratch: &Path) -> Result<()> {
    step("enforcement: starting `mingjing serve` on the copy");
    let mut args: Vec<OsString> = Vec::new();
    if let Some(f) = setup.config_file {
        args.extend(["--config".into(), f.as_os_str().to_owned()]);
    }
    args.extend([
        "--data".into(),
        scratch.as_os_str().to_owned(),
        "serve".into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ]);
    let srv = Server::spawn(
        setup.exe,
        &args,
        &[("MINGJING_REQUIRE_TOTP", "false")],
        &log_path(setup, "enforcement-server"),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    out.server_hwm.0 = proc_status_kb(srv.pid, "VmHWM:");
    let result = http_phases(out, setup, &srv).await;
    out.server_hwm.1 = proc_status_kb(srv.pid, "VmHWM:");
    srv.stop().await;
    result
}

async fn http_phases(out: &mut Enforcement, setup: &Setup<'_>, srv: &Server) -> Result<()> {
    let base = srv.base.as_str();
    let mut accounts = Vec::new();
    for (who, shown) in [
        ("office", "office, whole province"),
        (SCOPED_ACCOUNT, "unit leader, own subtree"),
    ] {
        match login(base, who, store::synth::DEMO_PASSWORD).await {
            Ok(sid) => accounts.push((shown, Ok(http_client(Some(&format!("mj_sid={sid}")))?))),
            Err(e) => accounts.push((
                shown,
                Err(format!("not measured: cannot sign in as `{who}`: {e:#}")),
            )),
        }
    }
    let searches = search_urls(base)?;
    for (shown, client) in &accounts {
        let name = format!("GET /warnings ({shown})");
        step(&format!("enforcement: {name}"));
        let outcome = match client {
            Ok(c) => {
                page(
                    c,
                    vec![format!("{base}/warnings")],
                    "/warnings",
                    setup.clients,
                    setup.dur,
                    srv.pid,
                )
                .await
            }
            Err(e) => Err(e.clone()),
        };
        out.pages.push(PageRun {
            name,
            bar: Bar::VsHello,
            outcome,
        });
    }
    for (shown, client) in &accounts {
        let name = format!(
            "GET /guiding?q=… ({shown}; {} queries in turn)",
            text::QUERIES.len()
        );
        step(&format!("enforcement: {name}"));
        let outcome = match client {
            Ok(c) => {
                page(
                    c,
                    searches.clone(),
                    "/guiding?q=…",
                    setup.clients,
                    setup.dur,
                    srv.pid,
                )
                .await
            }
            Err(e) => Err(e.clone()),
        };
        out.pages.push(PageRun {
            name,
            bar: Bar::Search,
            outcome,
        });
    }
    Ok(())
}

// ---------- in-process ----------

async fn median_ms<T, F: std::future::Future<Output = store::Result<T>>>(
    mut f: impl FnMut() -> F,
) -> Result<(f64, T)> {
    let mut last = f().await?;
    let mut v = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        last = f().await?;
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    v.sort_by(f64::total_cmp);
    Ok((v[v.len() / 2], last))
}

async fn in_process(out: &mut Enforcement, st: &store::Store) -> Result<()> {
    let office = actor_of(st, "office").await?;
    let filter = store::warning::ScoreFilter::default();
    let (ms, (_, total)) = median_ms(|| st.warning_list(&office, &filter, 0, 30)).await?;
    out.profile.push((
        format!("store.warning_list, page 1 of 30 (office; {total} officers listed)"),
        ms,
    ));
    let (ms, _) = median_ms(|| st.last_warning_run()).await?;
    out.profile.push(("store.last_warning_run".into(), ms));
    let (ms, _) = median_ms(|| st.warning_settings()).await?;
    out.profile.push(("store.warning_settings".into(), ms));
    if let Ok(leader) = actor_of(st, SCOPED_ACCOUNT).await {
        let (ms, (_, total)) = median_ms(|| st.warning_list(&leader, &filter, 0, 30)).await?;
        out.profile.push((
            format!(
                "store.warning_list, page 1 of 30 (`{SCOPED_ACCOUNT}`; {total} officers listed)"
            ),
            ms,
        ));
    }
    for q in text::QUERIES {
        let (ms, r) = median_ms(|| st.search_guiding(&office, q, None, 0, 20)).await?;
        out.queries.push(QueryTime {
            q,
            hits: r.total,
            exact: r.exact,
            ms,
        });
    }
    Ok(())
}

#[cfg(test)]
mod db_tests {
    use super::*;

    /// A page that is not there, or answers anything but 200 at first, is reported and not loaded; one
    /// that answers is measured.
    #[tokio::test(flavor = "multi_thread")]
    async fn missing_or_failing_pages_are_reported_not_measured() {
        let app = axum::Router::new()
            .route("/ok", axum::routing::get(|| async { "好" }))
            .route(
                "/broken",
                axum::routing::get(|| async {
                    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "坏了")
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = http_client(None).unwrap();
        let me = std::process::id();
        let dur = Duration::from_millis(300);
        let missing = page(
            &client,
            vec![format!("{base}/warnings")],
            "/warnings",
            2,
            dur,
            me,
        )
        .await
        .unwrap_err();
        assert!(missing.contains("the route is missing"), "{missing}");
        let broken = page(
            &client,
            vec![format!("{base}/broken")],
            "/broken",
            2,
            dur,
            me,
        )
        .await
        .unwrap_err();
        assert!(
            broken.contains("HTTP 500") && broken.contains("坏了"),
            "{broken}"
        );
        let (_, load) = page(&client, vec![format!("{base}/ok")], "/ok", 2, dur, me)
            .await
            .unwrap();
        assert!(
            load.ok > 0 && load.errors == 0,
            "{} ok, {} errors",
            load.ok,
            load.errors
        );
    }

    /// The added cases land in the module's table with its revisions: the index built from them holds
    /// them all, the queries find them in every scope, and a case the module adds afterwards still gets
    /// indexed (its revision follows the bench's).
    #[tokio::test(flavor = "multi_thread")]
    async fn added_guiding_cases_are_indexed_and_found() {
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
        let cases_before = count(&st, "guiding_cases").await.unwrap();
        let had = cases_before + count(&st, "commentary_sessions").await.unwrap();
        let mut out = Enforcement::default();
        add_guiding(&mut out, &st, had as usize + 300)
            .await
            .unwrap();
        let g = &out.guiding;
        assert_eq!((g.before, g.added, g.docs), (had, 300, had + 300));
        assert!(g.chars > 300 * 400, "{}", g.chars);
        // Asking for fewer than there are adds nothing.
        let mut again = Enforcement::default();
        add_guiding(&mut again, &st, 10).await.unwrap();
        assert_eq!((again.guiding.added, again.guiding.docs), (0, had + 300));

        assert_eq!(st.open_guiding_index().await.unwrap(), (had + 300) as u64);
        let office = actor_of(&st, "office").await.unwrap();
        let leader = actor_of(&st, SCOPED_ACCOUNT).await.unwrap();
        for q in text::QUERIES {
            let all = st.search_guiding(&office, q, None, 0, 20).await.unwrap();
            assert!(all.total > 0, "nothing found for {q}");
            let scoped = st.search_guiding(&leader, q, None, 0, 20).await.unwrap();
            assert!(scoped.total > 0, "the leader found nothing for {q}");
        }
        let one = st
            // The bench numbers its cases on from those already there.
            .search_guiding(
                &office,
                &format!("指导案例基准{:06}", cases_before + 7),
                None,
                0,
                20,
            )
            .await
            .unwrap();
        assert_eq!(one.total, 1);

        let input = domain::enforcement::guiding::GuidingInput {
            number: "基准后加案例1".into(),
            title: "赵某某徇私枉法案（后加）".into(),
            issuer: "江南省人民检察院".into(),
            kind: "criminal".into(),
            keywords: "徇私枉法".into(),
            gist: "办案人员为使他人逃避追诉而故意包庇的，构成徇私枉法罪。".into(),
            significance: String::new(),
            full_text: "【基本案情】被告人赵某某在办理一起盗窃案件中收受请托，故意隐匿证据。"
                .into(),
            issued_on: String::new(),
        };
        let valid =
            domain::enforcement::guiding::validate_guiding(&input, store::clues::today()).unwrap();
        st.create_guiding_case(&office, &valid).await.unwrap();
        assert_eq!(st.open_guiding_index().await.unwrap(), (had + 301) as u64);
        let late = st
            .search_guiding(&office, "后加", None, 0, 20)
            .await
            .unwrap();
        assert_eq!(late.total, 1);

        let (chars, secs) = jieba_baseline(&st).await.unwrap();
        assert!(chars > 300 * 400 && secs > 0.0);
    }
}
