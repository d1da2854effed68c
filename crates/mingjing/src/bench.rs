//! `mingjing bench`: the speed bars of QUALITY.md, measured in one run on this machine and printed as
//! Markdown for docs/BENCHMARKS.md. The machines are shared and noisy, so every bar is a ratio to a
//! baseline taken in the same run: SQLite FULL commits on the same disk for intake, a hello-world axum
//! server under the same load generator for pages and lookups.
//!
//! Servers run as child processes (this binary), so their memory can be read from /proc and they do not
//! share a runtime with the load generator. The load generator is deliberately plain: tokio tasks that
//! loop over one shared reqwest client for a fixed time and record every latency.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::config::Config;

mod enforcement;
mod sheets;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Seconds each measured HTTP phase runs (after a one-second warm-up).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of each SQLite commit baseline (taken right before and right after the intake phase).
    #[arg(long, default_value_t = 3)]
    pub baseline_seconds: u64,
    /// Concurrent clients on the public endpoints (tip intake, receipt lookups).
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Concurrent clients on the staff pages (clue list, dashboard).
    #[arg(long, default_value_t = 16)]
    pub page_clients: usize,
    /// Internal: serve only the hello-world baseline on this address.
    #[arg(long, hide = true)]
    pub hello_listen: Option<String>,
    /// Scale generated into an empty data folder. Only `province` gives figures of record; `city` is for
    /// trying the bench out on a small data set.
    #[arg(long, default_value = "province", hide = true)]
    pub scale: String,
    /// Rows of the attendance import and export. The bars are for 1,000,000; any other count is printed
    /// with its figures but without a verdict.
    #[arg(long, default_value_t = sheets::BAR_ROWS, hide = true)]
    pub sheet_rows: usize,
    /// Internal: import the prepared attendance sheet of the scratch copy in --data and print the result.
    #[arg(long, hide = true)]
    pub internal_import: Option<String>,
    /// Internal, with --internal-import: take the rows from the plain text copy instead of the .xlsx.
    #[arg(long, hide = true)]
    pub internal_from_text: bool,
    /// Documents (guiding cases and commentary) the guiding search runs over; guiding cases are added to
    /// a scratch copy up to this count. The bar is for 100,000; fewer are printed without a verdict.
    #[arg(long, default_value_t = enforcement::BAR_DOCS, hide = true)]
    pub guiding_docs: usize,
    /// Internal: run one job of the enforcement phase on the scratch copy in --data (`checks`,
    /// `rule:NAME`, `warnings`, `index`) and print the result.
    #[arg(long, hide = true)]
    pub internal_enforcement: Option<String>,
}

/// Limits for the bench's own child server only: every client comes from 127.0.0.1.
const UNLIMITED: &str = "1000000000";
const LIMIT_VARS: [&str; 8] = [
    "MINGJING_RECEIPT_LIMIT_BURST",
    "MINGJING_RECEIPT_LIMIT_PER_MINUTE",
    "MINGJING_RECEIPT_LIMIT_GLOBAL_BURST",
    "MINGJING_RECEIPT_LIMIT_GLOBAL_PER_MINUTE",
    "MINGJING_SUBMIT_LIMIT_BURST",
    "MINGJING_SUBMIT_LIMIT_PER_MINUTE",
    "MINGJING_SUBMIT_LIMIT_GLOBAL_BURST",
    "MINGJING_SUBMIT_LIMIT_GLOBAL_PER_MINUTE",
];

pub async fn run(cfg: &Config, config_file: Option<PathBuf>, args: BenchArgs) -> Result<ExitCode> {
    if let Some(listen) = &args.hello_listen {
        hello_server(listen).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(activity) = &args.internal_import {
        sheets::child(cfg, activity, args.internal_from_text).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(job) = &args.internal_enforcement {
        enforcement::child(cfg, job).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let scale =
        store::synth::Scale::parse(&args.scale).context("--scale must be city or province")?;
    let dur = Duration::from_secs(args.seconds.max(1));
    let data = std::path::absolute(&cfg.data)?;
    std::fs::create_dir_all(&data)?;
    let started = chrono::Local::now();
    let mut report = Report::default();
    report.machine = machine_facts(&data);

    // ---- the data set ----
    step("opening the data folder");
    let store = store::Store::open(&cfg.store_config(), cfg.keyring()?)
        .await
        .context("cannot open the store")?;
    if store.count_units().await? == 0 {
        step(&format!(
            "empty data folder: generating the data set (gen --scale {} --seed 1)",
            args.scale
        ));
        let t = Instant::now();
        let s = store::synth::generate(&store, scale, 1).await?;
        report.generated = Some((
            t.elapsed().as_secs_f64(),
            format!(
                "{} scale: {} units, {} officers, {} clues ({} public tips)",
                args.scale, s.units, s.officers, s.clues, s.tips
            ),
        ));
    }
    report.dataset = dataset_counts(&store).await?;
    // The child's job runner would otherwise start a deadline scan of 100,000 clues in the middle of a
    // phase; running it here first leaves nothing due for ten minutes.
    step("running due background jobs before the server starts");
    let t = Instant::now();
    let ran = store.run_due_jobs().await?;
    report.jobs = (t.elapsed().as_secs_f64(), ran.join(", "));
    let unit_names: Vec<String> = store.units().await?.into_iter().map(|u| u.name).collect();
    let big_unit = largest_unit(&store).await?;
    store.close().await;
    let inputs = Arc::new(tip_inputs(&unit_names, 4096));
    let tip_bodies = Arc::new(inputs.iter().map(tip_json).collect::<Vec<_>>());

    let exe = std::env::current_exe()?;
    let log_dir = data
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    let dir_name = data
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".into());

    // ---- baseline B: hello world, same load generator, both concurrencies ----
    step("baseline B: hello-world axum server");
    {
        let args_h: Vec<OsString> = vec![
            "bench".into(),
            "--hello-listen".into(),
            "127.0.0.1:0".into(),
        ];
        let srv = Server::spawn(
            &exe,
            &args_h,
            &[],
            &log_dir.join(format!("{dir_name}.bench-hello.log")),
        )
        .await?;
        let client = http_client(None)?;
        let url = format!("{}/", srv.base);
        for clients in dedup([args.clients, args.page_clients]) {
            let op = get_op(client.clone(), url.clone());
            run_load(clients, Duration::from_secs(1), Some(srv.pid), op.clone()).await;
            let r = run_load(clients, dur, Some(srv.pid), op).await;
            report.hello.push((clients, r));
        }
        srv.stop().await;
    }

    // ---- the server under test ----
    step("starting `mingjing serve` on the data set");
    let mut serve_args: Vec<OsString> = Vec::new();
    if let Some(f) = &config_file {
        serve_args.extend(["--config".into(), f.clone().into_os_string()]);
    }
    serve_args.extend([
        "--data".into(),
        data.clone().into_os_string(),
        "serve".into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ]);
    let mut env: Vec<(&str, &str)> = vec![("MINGJING_REQUIRE_TOTP", "false")];
    env.extend(LIMIT_VARS.iter().map(|v| (*v, UNLIMITED)));
    let srv = Server::spawn(
        &exe,
        &serve_args,
        &env,
        &log_dir.join(format!("{dir_name}.bench-server.log")),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    report.rss_idle_kb = proc_status_kb(srv.pid, "VmRSS:");
    report.hwm_idle_kb = proc_status_kb(srv.pid, "VmHWM:");
    report.rss_split_idle = rss_split(srv.pid);

    let baseline_path = log_dir.join(format!("{dir_name}.bench-baseline.db"));
    step("baseline A: SQLite single-row commits (before intake)");
    report.commits.push(
        sqlite_commits(
            &baseline_path,
            Duration::from_secs(args.baseline_seconds.max(1)),
        )
        .await?,
    );

    // ---- tip intake ----
    step("tip intake: POST /api/v1/public/tips");
    let client = http_client(None)?;
    let receipts = Arc::new(Mutex::new(Vec::<String>::new()));
    {
        let op = intake_op(
            client.clone(),
            format!("{}/api/v1/public/tips", srv.base),
            tip_bodies.clone(),
            receipts.clone(),
        );
        // Shown, not counted: the first requests open connections and fill caches.
        let w = run_load(
            args.clients,
            Duration::from_secs(1),
            Some(srv.pid),
            op.clone(),
        )
        .await;
        report.intake_warmup = Some(w);
        report.intake = Some(run_load(args.clients, dur, Some(srv.pid), op).await);
    }
    step("baseline A: SQLite single-row commits (after intake)");
    report.commits.push(
        sqlite_commits(
            &baseline_path,
            Duration::from_secs(args.baseline_seconds.max(1)),
        )
        .await?,
    );

    // ---- receipt lookups ----
    let receipts: Arc<Vec<String>> = Arc::new(std::mem::take(
        &mut *receipts.lock().map_err(|_| anyhow::anyhow!("poisoned"))?,
    ));
    report.receipts = receipts.len();
    if receipts.is_empty() {
        report
            .notes
            .push("No receipt came back from intake, so lookups were not measured.".into());
    } else {
        step("receipt lookups: POST /api/v1/public/tips/lookup");
        let op = lookup_op(
            client.clone(),
            format!("{}/api/v1/public/tips/lookup", srv.base),
            receipts.clone(),
        );
        run_load(
            args.clients,
            Duration::from_secs(1),
            Some(srv.pid),
            op.clone(),
        )
        .await;
        report.lookup = Some(run_load(args.clients, dur, Some(srv.pid), op).await);
    }

    // ---- staff pages, signed in as the office ----
    step("signing in as `office`");
    let sid = login(&srv.base, "office", store::synth::DEMO_PASSWORD).await?;
    let staff = http_client(Some(&format!("mj_sid={sid}")))?;
    for (name, path) in [("GET /clues", "/clues"), ("GET /dashboard", "/dashboard")] {
        step(&format!("staff page: {name}"));
        let op = get_op(staff.clone(), format!("{}{path}", srv.base));
        let first = Instant::now();
        let cold = op(0).await;
        let cold_ms = first.elapsed().as_secs_f64() * 1000.0;
        if let Err(e) = cold {
            bail!("{name} failed before the load started: {e}");
        }
        run_load(
            args.page_clients,
            Duration::from_secs(1),
            Some(srv.pid),
            op.clone(),
        )
        .await;
        let r = run_load(args.page_clients, dur, Some(srv.pid), op).await;
        report.pages.push((name.to_string(), cold_ms, r));
    }
    // The campaign progress pages are newer than this bench: a build without them answers 404, which is
    // reported as a missing route rather than failing the run.
    let mut progress = vec![(
        "GET /progress (whole province)".to_string(),
        "/progress".to_string(),
    )];
    if let Some(u) = &big_unit {
        progress.push((
            format!(
                "GET /progress/units/{{id}} ({}, {} officers in its subtree)",
                u.name, u.officers
            ),
            format!("/progress/units/{}", u.id),
        ));
    }
    for (name, path) in progress {
        step(&format!("staff page: {name}"));
        let url = format!("{}{path}", srv.base);
        let (cold_ms, first) = first_request(&staff, &url).await;
        match first {
            First::Ok => {}
            First::Status(404, _) => {
                report.notes.push(format!(
                    "{name}: route missing — `GET {path}` answered 404 (this build has no such page, or it does not know the unit), so it was not measured."
                ));
                continue;
            }
            First::Status(status, text) => {
                report.notes.push(format!(
                    "{name}: not measured — `GET {path}` answered HTTP {status} before the load started: `{text}`"
                ));
                continue;
            }
            First::Failed(e) => {
                report.notes.push(format!(
                    "{name}: not measured — `GET {path}` failed before the load started: {e}"
                ));
                continue;
            }
        }
        let op = get_op(staff.clone(), url);
        run_load(
            args.page_clients,
            Duration::from_secs(1),
            Some(srv.pid),
            op.clone(),
        )
        .await;
        let r = run_load(args.page_clients, dur, Some(srv.pid), op).await;
        report.pages.push((name, cold_ms, r));
    }
    report.rss_after_kb = proc_status_kb(srv.pid, "VmRSS:");
    report.hwm_kb = proc_status_kb(srv.pid, "VmHWM:");
    report.rss_split_after = rss_split(srv.pid);
    srv.stop().await;

    // ---- where the page time goes: the same store calls and SQL, one at a time, in this process ----
    step("profiling the list and dashboard queries in-process");
    let store = store::Store::open(&cfg.store_config(), cfg.keyring()?)
        .await
        .context("cannot open the store")?;
    report.profile = profile(&store, &sid).await?;
    step("profiling tip intake in-process (no HTTP)");
    report.intake_profile = intake_profile(
        &store,
        &inputs,
        args.clients,
        Duration::from_secs(args.baseline_seconds.max(1)),
    )
    .await?;
    report.dataset_after = dataset_counts(&store).await?;

    // ---- the million-row attendance import and export, on a scratch copy ----
    report.sheets = Some(
        sheets::run(
            cfg,
            config_file.as_deref(),
            store,
            &exe,
            &log_dir,
            &dir_name,
            args.sheet_rows,
        )
        .await,
    );

    // ---- issue #4: data checks, warning scores, guiding search, on a scratch copy of its own ----
    let store = store::Store::open(&cfg.store_config(), cfg.keyring()?)
        .await
        .context("cannot open the store")?;
    report.enforcement = Some(
        enforcement::run(
            enforcement::Setup {
                cfg,
                config_file: config_file.as_deref(),
                exe: &exe,
                log_dir: &log_dir,
                dir_name: &dir_name,
                clients: args.page_clients,
                hello: report.hello_at(args.page_clients).cloned(),
                dur,
                docs: args.guiding_docs,
            },
            &store,
        )
        .await,
    );
    store.close().await;

    let cmd = std::env::args().collect::<Vec<_>>().join(" ");
    print!("{}", report.markdown(&cmd, &started, &args));
    Ok(ExitCode::SUCCESS)
}

fn step(what: &str) {
    eprintln!("[bench] {what}");
}

fn dedup(v: [usize; 2]) -> Vec<usize> {
    if v[0] == v[1] { vec![v[0]] } else { v.to_vec() }
}

// ---------- child servers ----------

async fn hello_server(listen: &str) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    axum::serve(listener, app).await?;
    Ok(())
}

struct Server {
    child: Child,
    pid: u32,
    base: String,
}

impl Server {
    async fn spawn(
        exe: &Path,
        args: &[OsString],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Result<Server> {
        let log_file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut child = Command::new(exe)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the child server")?;
        let pid = child.id().context("child has no pid")?;
        let stdout = child.stdout.take().context("child stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let wait = async {
            while let Some(l) = lines.next_line().await? {
                if let Some(a) = l.strip_prefix("listening on ") {
                    return Ok::<_, anyhow::Error>(a.trim().to_string());
                }
            }
            bail!(
                "the child server exited before listening; see {}",
                log.display()
            )
        };
        let base = tokio::time::timeout(Duration::from_secs(300), wait)
            .await
            .context("the child server did not start within 300 s")??;
        // Keep reading so the child can never block on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server { child, pid, base })
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// A field of /proc/PID/status in kB (VmRSS, VmHWM).
fn proc_status_kb(pid: u32, key: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resident memory by kind: anonymous (heap, stacks), file-backed (the binary, libraries), shared.
fn rss_split(pid: u32) -> String {
    let kb = |k| {
        proc_status_kb(pid, k)
            .map(|v| format!("{:.1} MB", v as f64 / 1024.0))
            .unwrap_or_else(|| "n/a".into())
    };
    format!(
        "anon {}, file {}, shmem {}; {} threads",
        kb("RssAnon:"),
        kb("RssFile:"),
        kb("RssShmem:"),
        proc_status_kb(pid, "Threads:").unwrap_or(0)
    )
}

/// User plus system CPU time of a process, in clock ticks (USER_HZ, 100 a second on Linux).
fn proc_cpu_ticks(pid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

// ---------- load generator ----------

#[derive(Clone, Debug, Default)]
struct Load {
    clients: usize,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    secs: f64,
    /// Every request's latency in microseconds, sorted.
    lat: Vec<u32>,
    bytes: u64,
    server_cpu: Option<f64>,
    gen_cpu: Option<f64>,
}

impl Load {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs.max(1e-9)
    }
    /// Nearest-rank percentile in milliseconds.
    fn pct(&self, p: f64) -> f64 {
        if self.lat.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.lat.len() as f64).ceil().max(1.0) as usize;
        f64::from(self.lat[rank.min(self.lat.len()) - 1]) / 1000.0
    }
    fn max(&self) -> f64 {
        self.lat
            .last()
            .map(|v| f64::from(*v) / 1000.0)
            .unwrap_or(f64::NAN)
    }
}

type OpFuture = std::pin::Pin<Box<dyn Future<Output = Result<u64, String>> + Send>>;
type Op = Arc<dyn Fn(u64) -> OpFuture + Send + Sync>;

async fn run_load(clients: usize, dur: Duration, server_pid: Option<u32>, op: Op) -> Load {
    let seq = Arc::new(AtomicU64::new(0));
    let cpu0 = server_pid.and_then(|p| proc_cpu_ticks(&p.to_string()));
    let gen0 = proc_cpu_ticks("self");
    let start = Instant::now();
    let deadline = start + dur;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let op = op.clone();
        let seq = seq.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(16 * 1024);
            let (mut ok, mut errors, mut bytes, mut first) = (0u64, 0u64, 0u64, None);
            while Instant::now() < deadline {
                let i = seq.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                let r = op(i).await;
                lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                match r {
                    Ok(b) => {
                        ok += 1;
                        bytes += b;
                    }
                    Err(e) => {
                        errors += 1;
                        first.get_or_insert(e);
                    }
                }
            }
            (lat, ok, errors, bytes, first)
        }));
    }
    let mut out = Load {
        clients,
        ..Load::default()
    };
    for t in tasks {
        match t.await {
            Ok((lat, ok, errors, bytes, first)) => {
                out.lat.extend(lat);
                out.ok += ok;
                out.errors += errors;
                out.bytes += bytes;
                if out.first_error.is_none() {
                    out.first_error = first;
                }
            }
            Err(e) => {
                out.errors += 1;
                out.first_error
                    .get_or_insert(format!("load task failed: {e}"));
            }
        }
    }
    out.secs = start.elapsed().as_secs_f64();
    out.lat.sort_unstable();
    let ticks = |a: Option<u64>, b: Option<u64>| {
        a.zip(b)
            .map(|(a, b)| (b.saturating_sub(a)) as f64 / 100.0 / out.secs * 100.0)
    };
    out.server_cpu = ticks(
        cpu0,
        server_pid.and_then(|p| proc_cpu_ticks(&p.to_string())),
    );
    out.gen_cpu = ticks(gen0, proc_cpu_ticks("self"));
    out
}

fn http_client(cookie: Option<&str>) -> Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    if let Some(c) = cookie {
        headers.insert(COOKIE, HeaderValue::from_str(c)?);
    }
    // No redirects: a page that sends us to /login must count as an error, not as a fast success.
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// Reads the whole body (so latency covers it) and checks the status; `keep` returns the bytes too.
async fn read_expect(
    r: reqwest::Response,
    want: u16,
    keep: bool,
) -> Result<(u64, Vec<u8>), String> {
    let status = r.status().as_u16();
    let body = r.bytes().await.map_err(|e| e.to_string())?;
    if status != want {
        let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        return Err(format!("HTTP {status}: {text}"));
    }
    Ok((
        body.len() as u64,
        if keep { body.to_vec() } else { Vec::new() },
    ))
}

/// How the first request of a page was answered, before any load.
enum First {
    Ok,
    /// Another status, with the start of the body (for the report).
    Status(u16, String),
    Failed(String),
}

/// One GET, read to the end; its time in milliseconds and how it was answered.
async fn first_request(client: &reqwest::Client, url: &str) -> (f64, First) {
    let t = Instant::now();
    let first = match client.get(url).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            match r.bytes().await {
                Ok(_) if status == 200 => First::Ok,
                Ok(body) => First::Status(
                    status,
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                        .replace('`', "'")
                        .replace('\n', " "),
                ),
                Err(e) => First::Failed(e.to_string()),
            }
        }
        Err(e) => First::Failed(e.to_string()),
    };
    (t.elapsed().as_secs_f64() * 1000.0, first)
}

fn get_op(client: reqwest::Client, url: String) -> Op {
    Arc::new(move |_| {
        let (client, url) = (client.clone(), url.clone());
        Box::pin(async move {
            let r = client.get(&url).send().await.map_err(|e| e.to_string())?;
            read_expect(r, 200, false).await.map(|b| b.0)
        })
    })
}

fn intake_op(
    client: reqwest::Client,
    url: String,
    bodies: Arc<Vec<Vec<u8>>>,
    receipts: Arc<Mutex<Vec<String>>>,
) -> Op {
    Arc::new(move |i| {
        let (client, url, receipts) = (client.clone(), url.clone(), receipts.clone());
        let body = bodies[(i as usize) % bodies.len()].clone();
        Box::pin(async move {
            let r = client
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let (len, body) = read_expect(r, 201, true).await?;
            let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            let receipt = v
                .get("receipt")
                .and_then(|r| r.as_str())
                .ok_or("201 without a receipt")?;
            if let Ok(mut all) = receipts.lock() {
                all.push(receipt.to_string());
            }
            Ok(len)
        })
    })
}

fn lookup_op(client: reqwest::Client, url: String, receipts: Arc<Vec<String>>) -> Op {
    Arc::new(move |i| {
        let (client, url) = (client.clone(), url.clone());
        let body =
            serde_json::json!({ "receipt": receipts[(i as usize) % receipts.len()] }).to_string();
        Box::pin(async move {
            let r = client
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            read_expect(r, 200, false).await.map(|b| b.0)
        })
    })
}

/// Realistic submissions made before the clock starts, so the load generator only sends bytes.
fn tip_inputs(units: &[String], n: usize) -> Vec<domain::tips::TipInput> {
    let mut rng = StdRng::seed_from_u64(0x6d6a_6265_6e63);
    let cats = domain::tips::ProblemCategory::all();
    (0..n)
        .map(|i| {
            let cat = cats[i % cats.len()];
            let name = store::synth::text::person_name(&mut rng);
            let unit = units
                .get(rng.random_range(0..units.len().max(1)))
                .cloned()
                .unwrap_or_else(|| "某区公安分局".into());
            let description = store::synth::text::tip_text(cat.as_str(), &name, &unit, &mut rng);
            let identity = rng.random_bool(0.3);
            domain::tips::TipInput {
                accused_name: Some(name),
                accused_unit: Some(unit),
                accused_position: None,
                category: cat.as_str().to_string(),
                description,
                reporter_name: identity.then(|| store::synth::text::person_name(&mut rng)),
                reporter_contact: identity.then(|| store::synth::text::phone(&mut rng)),
            }
        })
        .collect()
}

fn tip_json(t: &domain::tips::TipInput) -> Vec<u8> {
    serde_json::json!({
        "accused_name": t.accused_name,
        "accused_unit": t.accused_unit,
        "category": t.category,
        "description": t.description,
        "reporter_name": t.reporter_name,
        "reporter_contact": t.reporter_contact,
    })
    .to_string()
    .into_bytes()
}

/// Signs in through the login form and returns the session token.
async fn login(base: &str, username: &str, password: &str) -> Result<String> {
    let client = http_client(None)?;
    let r = client.get(format!("{base}/login")).send().await?;
    let pre = set_cookie(r.headers(), "mj_pre").context("GET /login set no mj_pre cookie")?;
    let r = client
        .post(format!("{base}/login"))
        .header(COOKIE, format!("mj_pre={pre}"))
        .form(&[
            ("username", username),
            ("password", password),
            ("pre", pre.as_str()),
        ])
        .send()
        .await?;
    let to = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let sid = set_cookie(r.headers(), "mj_sid")
        .with_context(|| format!("login as {username} failed (HTTP {})", r.status()))?;
    if to != "/home" {
        bail!(
            "login as {username} was sent to {to:?}, not /home (is MINGJING_REQUIRE_TOTP honoured?)"
        );
    }
    Ok(sid)
}

fn set_cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let first = v.split(';').next()?;
            let (k, val) = first.split_once('=')?;
            (k.trim() == name && !val.is_empty()).then(|| val.to_string())
        })
}

// ---------- baseline A: SQLite single-row commits ----------

struct Commits {
    commits: u64,
    secs: f64,
    lat: Vec<u32>,
    pragmas: String,
}

impl Commits {
    fn per_sec(&self) -> f64 {
        self.commits as f64 / self.secs.max(1e-9)
    }
    fn pct(&self, p: f64) -> f64 {
        Load {
            lat: self.lat.clone(),
            ..Load::default()
        }
        .pct(p)
    }
}

/// One connection, one row per autocommitted INSERT, WAL and synchronous=FULL: every commit waits
/// for its own fsync. The scratch file sits next to the data folder, so on the same disk.
async fn sqlite_commits(path: &Path, dur: Duration) -> Result<Commits> {
    use sea_orm::sqlx::sqlite::{
        SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous,
    };
    use sea_orm::sqlx::{self, Connection, Row};
    remove_db(path);
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = SqliteConnection::connect_with(&opts).await?;
    let journal: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    let sync: i64 = sqlx::query("PRAGMA synchronous")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    if !journal.eq_ignore_ascii_case("wal") || sync != 2 {
        bail!("baseline database is not WAL + FULL (journal_mode={journal}, synchronous={sync})");
    }
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)")
        .execute(&mut conn)
        .await?;
    let body = "群众反映某区公安分局民警违规插手经济纠纷，收受当事人财物，请组织核查。".repeat(3);
    let mut lat = Vec::new();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < dur {
        let t = Instant::now();
        sqlx::query("INSERT INTO t (body, at) VALUES (?, ?)")
            .bind(body.as_str())
            .bind(n as i64)
            .execute(&mut conn)
            .await?;
        lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    conn.close().await?;
    remove_db(path);
    lat.sort_unstable();
    Ok(Commits {
        commits: n,
        secs,
        lat,
        pragmas: format!("journal_mode={journal}, synchronous={sync} (FULL)"),
    })
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

// ---------- the data set and the machine ----------

#[derive(Default, Clone)]
struct Counts {
    units: i64,
    officers: i64,
    clues: i64,
    tips: i64,
    campaigns: i64,
}

async fn dataset_counts(store: &store::Store) -> Result<Counts> {
    let db = store.connection();
    let sql = store::Sql::of(db);
    Ok(Counts {
        units: sql.scalar(db, "SELECT COUNT(*) FROM units", vec![]).await?,
        officers: sql
            .scalar(db, "SELECT COUNT(*) FROM officers", vec![])
            .await?,
        clues: sql.scalar(db, "SELECT COUNT(*) FROM clues", vec![]).await?,
        tips: sql.scalar(db, "SELECT COUNT(*) FROM tips", vec![]).await?,
        campaigns: sql
            .scalar(db, "SELECT COUNT(*) FROM campaigns", vec![])
            .await?,
    })
}

/// A unit below the root with the most active officers in its subtree: the heaviest per-unit page.
struct BigUnit {
    id: String,
    name: String,
    officers: i64,
}

async fn largest_unit(store: &store::Store) -> Result<Option<BigUnit>> {
    let db = store.connection();
    let r = store::Sql::of(db)
        .one(
            db,
            "SELECT u.id, u.name, COUNT(*) AS n FROM units u JOIN units s ON s.path LIKE u.path || '%' \
             JOIN officers o ON o.unit_id = s.id WHERE u.parent_id IS NOT NULL AND o.active = 1 \
             GROUP BY u.id, u.name ORDER BY n DESC, u.id LIMIT 1",
            vec![],
        )
        .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(BigUnit {
        id: r.try_get("", "id")?,
        name: r.try_get("", "name")?,
        officers: r.try_get("", "n")?,
    }))
}

fn machine_facts(data: &Path) -> Vec<(String, String)> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().to_string()))
        .unwrap_or_default();
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_string();
    // The mount holding the data folder: the longest mount point that prefixes it.
    let mounts = read("/proc/mounts");
    let disk = mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && data.starts_with(f[1]))
                .then(|| (f[1].len(), format!("{} on {} ({})", f[0], f[1], f[2])))
        })
        .max_by_key(|x| x.0)
        .map(|x| x.1)
        .unwrap_or_else(|| "unknown".into());
    let load = read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    vec![
        (
            "CPU".into(),
            format!("{model} ({nproc} logical CPUs available)"),
        ),
        ("memory".into(), mem),
        ("kernel".into(), kernel),
        ("data folder".into(), format!("{} — {disk}", data.display())),
        ("load average at start".into(), load),
    ]
}

// ---------- profile of the page queries ----------

struct Timed {
    what: String,
    median_ms: f64,
    plan: String,
}

async fn time_it<T, E: std::fmt::Display, F: Future<Output = Result<T, E>>>(
    mut f: impl FnMut() -> F,
) -> Result<f64> {
    f().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut v = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        f().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    v.sort_by(f64::total_cmp);
    Ok(v[v.len() / 2])
}

const CLUE_COLUMNS: &str = "c.id, c.number, c.source, c.category, c.state, c.unit_id, u.name AS unit_name, c.accused_name, c.accused_unit, c.accused_position, c.summary, c.tip_id, c.disposal, c.conclusion, c.outcome, c.supervised, c.supervise_note, c.state_since, c.due_date, c.created_at, c.closed_at";

/// The list page's and the dashboard's work one call at a time, then each SQL statement they send for
/// the office (scope `all`, so the scope condition is `1 = 1`), with SQLite's plan.
async fn profile(store: &store::Store, token: &str) -> Result<Vec<Timed>> {
    let actor = store
        .session(token)
        .await?
        .context("the bench's session is gone")?
        .actor;
    let mut out = Vec::new();
    let filter = store::clues::ClueFilter::default();
    out.push(Timed {
        what: "store.session (every staff request)".into(),
        median_ms: time_it(|| store.session(token)).await?,
        plan: String::new(),
    });
    out.push(Timed {
        what: "store.clues, page 1 of 20 (list page)".into(),
        median_ms: time_it(|| store.clues(&actor, &filter, 0, 20)).await?,
        plan: String::new(),
    });
    out.push(Timed {
        what: "store.units_in_scope (list page's unit filter)".into(),
        median_ms: time_it(|| store.units_in_scope(&actor)).await?,
        plan: String::new(),
    });
    out.push(Timed {
        what: "store.dashboard (all aggregates)".into(),
        median_ms: time_it(|| store.dashboard(&actor)).await?,
        plan: String::new(),
    });
    out.push(Timed {
        what: "store.notifications (dashboard notices)".into(),
        median_ms: time_it(|| store.notifications(&actor, 20)).await?,
        plan: String::new(),
    });
    if !matches!(actor.scope, domain::org::DataScope::All) || actor.officer_id.is_some() {
        return Ok(out);
    }
    let today = store::clues::today().format("%Y-%m-%d").to_string();
    let year_ago = (chrono::Utc::now() - chrono::Duration::days(365)).timestamp_millis();
    let mut months = Vec::new();
    for i in 0..12i64 {
        let a = year_ago + i * 30 * 86_400_000;
        months.push(format!("COALESCE(SUM(CASE WHEN c.created_at >= {a} AND c.created_at < {} THEN 1 ELSE 0 END), 0) AS m{i}", a + 30 * 86_400_000));
    }
    let statements: Vec<(&str, String)> = vec![
        ("list: total count", "SELECT COUNT(*) FROM clues c WHERE 1 = 1".into()),
        ("list: page of 20 rows", format!("SELECT {CLUE_COLUMNS} FROM clues c JOIN units u ON u.id = c.unit_id WHERE 1 = 1 ORDER BY c.created_at DESC, c.id DESC LIMIT 20 OFFSET 0")),
        ("list: units for the filter", "SELECT id, code, name, kind, parent_id, path FROM units WHERE 1 = 1 ORDER BY path".into()),
        ("dashboard: by state", "SELECT c.state AS k, COUNT(*) AS n FROM clues c WHERE 1 = 1 GROUP BY c.state ORDER BY n DESC".into()),
        ("dashboard: by category", "SELECT c.category AS k, COUNT(*) AS n FROM clues c WHERE 1 = 1 GROUP BY c.category ORDER BY n DESC".into()),
        ("dashboard: by source", "SELECT c.source AS k, COUNT(*) AS n FROM clues c WHERE 1 = 1 GROUP BY c.source ORDER BY n DESC".into()),
        ("dashboard: by outcome", "SELECT c.outcome AS k, COUNT(*) AS n FROM clues c WHERE 1 = 1 GROUP BY c.outcome ORDER BY n DESC".into()),
        ("dashboard: overdue", format!("SELECT COUNT(*) FROM clues c WHERE 1 = 1 AND c.state <> 'closed' AND c.due_date < '{today}'")),
        ("dashboard: supervised", "SELECT COUNT(*) FROM clues c WHERE 1 = 1 AND c.supervised = 1".into()),
        ("dashboard: top 12 units", "SELECT u.name AS k, COUNT(*) AS n FROM clues c JOIN units u ON u.id = c.unit_id WHERE 1 = 1 GROUP BY u.name ORDER BY n DESC LIMIT 12".into()),
        ("dashboard: 12 months", format!("SELECT {} FROM clues c WHERE 1 = 1 AND c.created_at >= {year_ago}", months.join(", "))),
        ("dashboard: tips total", "SELECT COUNT(*) FROM tips".into()),
    ];
    let db = store.connection();
    let sql = store::Sql::of(db);
    // Intake's near-duplicate index refresh, run once per tip inside the serial commit: as the store sends
    // it (three `?`, so SQLite cannot see the two times are equal) and as a row value, from the newest
    // tip but one, so each returns one row like the steady state of intake.
    let near: Vec<(&str, String, Vec<sea_orm::Value>)> = match sql
        .one(
            db,
            "SELECT created_at, id FROM tips ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 1",
            vec![],
        )
        .await?
    {
        Some(r) => {
            let at: i64 = r.try_get("", "created_at")?;
            let id: String = r.try_get("", "id")?;
            vec![
                (
                    "intake: near-index refresh as the store sends it",
                    "SELECT id, number, simhash, created_at FROM tips WHERE created_at > ? OR (created_at = ? AND id > ?) ORDER BY created_at, id LIMIT 10000".into(),
                    vec![at.into(), at.into(), id.clone().into()],
                ),
                ("intake: the same refresh as a row value", "SELECT id, number, simhash, created_at FROM tips WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT 10000".into(), vec![at.into(), id.into()]),
            ]
        }
        None => vec![],
    };
    let statements = statements
        .into_iter()
        .map(|(w, q)| (w, q, Vec::new()))
        .chain(near);
    for (what, q, values) in statements {
        let median_ms = time_it(|| sql.all(db, &q, values.clone())).await?;
        let plan = if store.is_sqlite() {
            sql.all(db, &format!("EXPLAIN QUERY PLAN {q}"), values.clone())
                .await?
                .iter()
                .filter_map(|r| r.try_get::<String>("", "detail").ok())
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            String::new()
        };
        out.push(Timed {
            what: what.into(),
            median_ms,
            plan,
        });
    }
    Ok(out)
}

/// Intake without HTTP: the tokenizer alone, then `Store::submit_tip` from one task (a commit per tip)
/// and from as many tasks as HTTP clients (commits shared), to split the HTTP figure into its parts.
async fn intake_profile(
    store: &store::Store,
    inputs: &Arc<Vec<domain::tips::TipInput>>,
    clients: usize,
    dur: Duration,
) -> Result<IntakeProfile> {
    let n = inputs.len().min(1000);
    let t = Instant::now();
    let mut sink = 0u64;
    for i in &inputs[..n] {
        sink ^= search::simhash(&i.description);
    }
    let simhash_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    std::hint::black_box(sink);
    let mut runs = Vec::new();
    for tasks in dedup([1, clients]) {
        let store = store.clone();
        let inputs = inputs.clone();
        let op: Op = Arc::new(move |i| {
            let store = store.clone();
            let input = inputs[(i as usize) % inputs.len()].clone();
            Box::pin(async move {
                let tip = domain::tips::validate_tip(&input).map_err(|e| format!("{e:?}"))?;
                store
                    .submit_tip(store::tips::NewTip {
                        tip,
                        attachments: vec![],
                        idempotency_key: None,
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(0)
            })
        });
        // The first tip loads every earlier tip's SimHash; keep that out of the timing.
        op(0)
            .await
            .map_err(|e| anyhow::anyhow!("in-process intake failed: {e}"))?;
        runs.push(run_load(tasks, dur, None, op).await);
    }
    Ok(IntakeProfile { simhash_us, runs })
}

#[derive(Default)]
struct IntakeProfile {
    simhash_us: f64,
    runs: Vec<Load>,
}

// ---------- the report ----------

#[derive(Default)]
struct Report {
    machine: Vec<(String, String)>,
    generated: Option<(f64, String)>,
    jobs: (f64, String),
    dataset: Counts,
    dataset_after: Counts,
    hello: Vec<(usize, Load)>,
    commits: Vec<Commits>,
    intake_warmup: Option<Load>,
    intake: Option<Load>,
    receipts: usize,
    lookup: Option<Load>,
    pages: Vec<(String, f64, Load)>,
    rss_idle_kb: Option<u64>,
    hwm_idle_kb: Option<u64>,
    rss_after_kb: Option<u64>,
    hwm_kb: Option<u64>,
    rss_split_idle: String,
    rss_split_after: String,
    profile: Vec<Timed>,
    intake_profile: IntakeProfile,
    sheets: Option<sheets::Sheets>,
    enforcement: Option<enforcement::Enforcement>,
    notes: Vec<String>,
}

fn yes(b: bool) -> &'static str {
    if b { "**met**" } else { "**NOT met**" }
}

fn mb(kb: Option<u64>) -> String {
    kb.map(|k| format!("{:.1} MB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

fn pct_cpu(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}%"))
        .unwrap_or_else(|| "n/a".into())
}

/// One line of the table of every HTTP phase.
fn phase_row(s: &mut String, name: &str, l: &Load) {
    let n = l.ok + l.errors;
    let _ = writeln!(
        s,
        "| {name} | {} | {n} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} | {} | {} | {} |",
        l.clients,
        l.errors,
        l.rps(),
        l.pct(50.0),
        l.pct(90.0),
        l.pct(99.0),
        l.max(),
        l.bytes.checked_div(l.ok).unwrap_or(0),
        pct_cpu(l.server_cpu),
        pct_cpu(l.gen_cpu)
    );
}

impl Report {
    fn hello_at(&self, clients: usize) -> Option<&Load> {
        self.hello.iter().find(|h| h.0 == clients).map(|h| &h.1)
    }

    fn markdown(
        &self,
        cmd: &str,
        started: &chrono::DateTime<chrono::Local>,
        args: &BenchArgs,
    ) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "### Run of {}\n", started.format("%Y-%m-%d %H:%M:%S %z"));
        let _ = writeln!(
            s,
            "Command: `{cmd}` ({} s per HTTP phase after a 1 s warm-up, {} s per SQLite baseline, {} public clients, {} staff clients)\n",
            args.seconds, args.baseline_seconds, args.clients, args.page_clients
        );
        let _ = writeln!(s, "| machine | |\n|---|---|");
        for (k, v) in &self.machine {
            let _ = writeln!(s, "| {k} | {v} |");
        }
        let d = &self.dataset;
        let _ = writeln!(
            s,
            "| data set at start | {} units, {} officers, {} clues, {} tips, {} campaigns |",
            d.units, d.officers, d.clues, d.tips, d.campaigns
        );
        if let Some((secs, what)) = &self.generated {
            let _ = writeln!(
                s,
                "| province data set generated by this run | {what} in {secs:.1} s |"
            );
        }
        let _ = writeln!(
            s,
            "| background jobs run before the server started | {} in {:.1} s |",
            if self.jobs.1.is_empty() {
                "none due"
            } else {
                &self.jobs.1
            },
            self.jobs.0
        );
        let a = &self.dataset_after;
        let _ = writeln!(
            s,
            "| data set at the end | {} clues, {} tips ({} added by this run: HTTP intake and the in-process intake profile) |",
            a.clues,
            a.tips,
            a.tips - d.tips
        );
        if d.clues < 100_000 {
            let _ = writeln!(
                s,
                "\n> Warning: fewer than 100,000 clues: this is not the province data set, and the page bars do not apply."
            );
        }
        if d.campaigns == 0 {
            let _ = writeln!(
                s,
                "\n> Warning: the data set holds no campaign, so the progress pages had no campaign to show."
            );
        }

        // Bars.
        let _ = writeln!(
            s,
            "\n#### Bars (QUALITY.md)\n\n| what | result | baseline in this run | ratio | bar | |\n|---|---|---|---|---|---|"
        );
        let commit_rates: Vec<f64> = self.commits.iter().map(Commits::per_sec).collect();
        let base_a = commit_rates.iter().sum::<f64>() / commit_rates.len().max(1) as f64;
        if let Some(i) = &self.intake {
            let ratio = i.rps() / base_a.max(1e-9);
            let _ = writeln!(
                s,
                "| tip intake, {} clients: acknowledged tips/s | {:.0}/s | A: {:.0} commits/s (mean of before {:.0} and after {:.0}) | {:.2}× | ≥ 1.0× | {} |",
                i.clients,
                i.rps(),
                base_a,
                commit_rates.first().copied().unwrap_or(0.0),
                commit_rates.last().copied().unwrap_or(0.0),
                ratio,
                yes(ratio >= 1.0)
            );
            let _ = writeln!(
                s,
                "| tip intake: p99 latency | {:.1} ms | — | — | ≤ 50 ms | {} |",
                i.pct(99.0),
                yes(i.pct(99.0) <= 50.0)
            );
            let _ = writeln!(
                s,
                "| tip intake: errors | {} of {} | — | — | 0 | {} |",
                i.errors,
                i.ok + i.errors,
                yes(i.errors == 0)
            );
        }
        let vs_hello = |s: &mut String, what: &str, l: &Load| {
            let Some(h) = self.hello_at(l.clients) else {
                return;
            };
            let r = l.rps() / h.rps().max(1e-9);
            let p = l.pct(99.0) / h.pct(99.0).max(1e-9);
            let _ = writeln!(
                s,
                "| {what}, {} clients: req/s | {:.0}/s | B: {:.0}/s | {:.1}% | ≥ 20% | {} |",
                l.clients,
                l.rps(),
                h.rps(),
                r * 100.0,
                yes(r >= 0.2)
            );
            let _ = writeln!(
                s,
                "| {what}: p99 | {:.2} ms | B: {:.2} ms | {:.1}× | ≤ 3× | {} |",
                l.pct(99.0),
                h.pct(99.0),
                p,
                yes(p <= 3.0)
            );
            let _ = writeln!(
                s,
                "| {what}: errors | {} of {} | — | — | 0 | {} |",
                l.errors,
                l.ok + l.errors,
                yes(l.errors == 0)
            );
        };
        if let Some(l) = &self.lookup {
            vs_hello(&mut s, "receipt lookup", l);
        }
        for (name, _, l) in &self.pages {
            vs_hello(&mut s, name, l);
        }
        let idle = self.rss_idle_kb.map(|k| k as f64 / 1024.0);
        let peak = self.hwm_kb.map(|k| k as f64 / 1024.0);
        let _ = writeln!(
            s,
            "| server RSS idle (2 s after start) | {} | — | — | ≤ 50 MB | {} |",
            mb(self.rss_idle_kb),
            yes(idle.is_some_and(|m| m <= 50.0))
        );
        let _ = writeln!(
            s,
            "| server peak RSS (VmHWM) after all load | {} | — | — | ≤ 200 MB | {} |",
            mb(self.hwm_kb),
            yes(peak.is_some_and(|m| m <= 200.0))
        );
        if let Some(sh) = &self.sheets {
            sh.bar_rows(&mut s);
        }
        if let Some(e) = &self.enforcement {
            e.bar_rows(&mut s);
        }

        // Every phase.
        let _ = writeln!(
            s,
            "\n#### Every phase\n\n| phase | clients | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms | bytes/resp | server CPU | load-gen CPU |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        let row = phase_row;
        for (c, h) in &self.hello {
            row(&mut s, &format!("B: hello world ({c} clients)"), h);
        }
        if let Some(w) = &self.intake_warmup {
            row(&mut s, "tip intake, 1 s warm-up", w);
        }
        if let Some(i) = &self.intake {
            row(&mut s, "tip intake POST /api/v1/public/tips", i);
        }
        if let Some(l) = &self.lookup {
            row(
                &mut s,
                &format!("receipt lookup ({} receipts from intake)", self.receipts),
                l,
            );
        }
        for (name, _, l) in &self.pages {
            row(&mut s, name, l);
        }
        if let Some(e) = &self.enforcement {
            e.phase_rows(&mut s);
        }
        let _ = writeln!(
            s,
            "\nServer CPU is the child server's user+system time over the phase (100% = one core); load-gen CPU is this process's."
        );
        for (name, cold, _) in &self.pages {
            let _ = writeln!(
                s,
                "First {name} before the warm-up (one request, nothing else running): {cold:.1} ms."
            );
        }

        let _ = writeln!(
            s,
            "\n#### Baseline A: SQLite single-row commits, WAL + synchronous=FULL, next to the data folder\n\n| when | commits | commits/s | p50 ms | p99 ms | pragmas |\n|---|---|---|---|---|---|"
        );
        for (i, c) in self.commits.iter().enumerate() {
            let when = if i == 0 {
                "before intake"
            } else {
                "after intake"
            };
            let _ = writeln!(
                s,
                "| {when} | {} | {:.0} | {:.2} | {:.2} | {} |",
                c.commits,
                c.per_sec(),
                c.pct(50.0),
                c.pct(99.0),
                c.pragmas
            );
        }

        let _ = writeln!(
            s,
            "\n#### Memory of the server\n\n| when | VmRSS | VmHWM | resident by kind |\n|---|---|---|---|"
        );
        let _ = writeln!(
            s,
            "| idle, 2 s after start | {} | {} | {} |",
            mb(self.rss_idle_kb),
            mb(self.hwm_idle_kb),
            self.rss_split_idle
        );
        let _ = writeln!(
            s,
            "| after all load | {} | {} | {} |",
            mb(self.rss_after_kb),
            mb(self.hwm_kb),
            self.rss_split_after
        );

        if !self.profile.is_empty() {
            let _ = writeln!(
                s,
                "\n#### Where page time goes (in-process, one call at a time, median of 7, office account)\n\n| call or statement | median ms | SQLite plan |\n|---|---|---|"
            );
            for t in &self.profile {
                let _ = writeln!(
                    s,
                    "| {} | {:.2} | {} |",
                    t.what,
                    t.median_ms,
                    t.plan.replace('|', "/")
                );
            }
        }
        if !self.intake_profile.runs.is_empty() {
            let p = &self.intake_profile;
            let _ = writeln!(
                s,
                "\n#### Where intake time goes (in-process `Store::submit_tip`, no HTTP, after the server stopped)\n\n| what | tips/s | p50 ms | p99 ms | errors | process CPU |\n|---|---|---|---|---|---|"
            );
            for l in &p.runs {
                let _ = writeln!(
                    s,
                    "| {} concurrent task(s) | {:.0} | {:.2} | {:.2} | {} | {} |",
                    l.clients,
                    l.rps(),
                    l.pct(50.0),
                    l.pct(99.0),
                    l.errors,
                    pct_cpu(l.gen_cpu)
                );
            }
            let _ = writeln!(
                s,
                "\nTokenising and SimHash of one tip (jieba, one core): {:.0} µs.",
                p.simhash_us
            );
        }
        if let Some(sh) = &self.sheets {
            sh.details(&mut s);
        }
        if let Some(e) = &self.enforcement {
            e.details(&mut s);
        }
        for (name, l) in self
            .intake
            .iter()
            .map(|l| ("tip intake", l))
            .chain(self.lookup.iter().map(|l| ("receipt lookup", l)))
            .chain(self.pages.iter().map(|p| (p.0.as_str(), &p.2)))
        {
            if let Some(e) = &l.first_error {
                let _ = writeln!(
                    s,
                    "\nFirst error in {name}: `{}`",
                    e.replace('`', "'").replace('\n', " ")
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "\n{n}");
        }
        s
    }
}
