//! QUALITY.md reliability 1: kill -9 the server while hundreds of concurrent submissions are in flight,
//! restart it on the same data folder, and every receipt a client received still opens its report with its
//! attachment; SQLite and the audit chain verify and no half-written attachment folder survives the restart.
//! Clients the kill cut off send again with the same Idempotency-Key (reliability 3): a report that had
//! committed answers with its original receipt, so in the end there is exactly one tip per key.
//! Several crash/restart cycles in one run, each cutting the intake at a different moment.
//!
//! Clients come from many loopback addresses (127.x.y.z are all local on Linux), because the portal
//! limits submissions and lookups per client address, as it should; a test that switched the limits off
//! would not be testing the server people get.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use domain::tips::ReceiptCode;

/// Crash/restart cycles in one run.
const CYCLES: usize = 4;
/// Concurrent clients, each from its own address; each sends up to `PER_CLIENT` reports one after another.
const CLIENTS: usize = 256;
const PER_CLIENT: usize = 3;

/// A server process that is SIGKILLed (if still running) when the test ends.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// kill -9: no chance to flush, close or answer anyone.
    fn crash(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mingjing(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mingjing"));
    cmd.arg("--data").arg(data);
    for v in [
        "MINGJING_CONFIG",
        "MINGJING_DATA",
        "MINGJING_LISTEN",
        "MINGJING_DATABASE_URL",
        "MINGJING_MASTER_KEY",
        "MINGJING_CRYPTO_SUITE",
        "MINGJING_TRUST_PROXY",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("MINGJING_REQUIRE_TOTP", "false");
    cmd
}

fn tail(path: &Path, lines: usize) -> String {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

fn start(data: &Path, log: &Path) -> Server {
    let mut cmd = mingjing(data);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("log file"));
    let mut child = cmd.spawn().expect("start mingjing serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("listening on ") {
                    return Server {
                        child,
                        base: url.trim().to_string(),
                    };
                }
            }
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "mingjing serve did not start ({status:?}); its log:\n{}",
                    tail(log, 40)
                );
            }
        }
    }
}

async fn open_store(data: &Path) -> store::Store {
    let hex = std::fs::read_to_string(data.join("master.key")).expect("master.key");
    let key = crypto::MasterKey::from_hex(hex.trim()).expect("a valid master key");
    store::Store::open(
        &store::StoreConfig::new(data),
        crypto::Keyring::new(key, crypto::Suite::Sm4Gcm),
    )
    .await
    .expect("open the store in-process")
}

/// Attachment folders on disk: one per committed tip with files, plus any a crash left half-written.
fn attachment_dirs(data: &Path) -> usize {
    std::fs::read_dir(data.join("attachments"))
        .map(|d| d.flatten().count())
        .unwrap_or(0)
}

/// A tiny xorshift: the crash moment only needs to vary, and its seed is printed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn client_from(ip: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(ip))
        .timeout(Duration::from_secs(120))
        .build()
        .expect("http client")
}

#[derive(Clone, Debug)]
struct Receipt {
    receipt: String,
    number: String,
}

/// One report a client sends, rebuilt identically when the client retries it with the same key.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    cycle: usize,
    who: usize,
    seq: usize,
    run: u64,
}

enum Outcome {
    Receipt {
        receipt: Receipt,
        replayed: bool,
    },
    /// The connection broke: the client does not know whether its report was taken.
    Cut,
    Failed(String),
}

impl Attempt {
    fn key(&self) -> String {
        format!(
            "crash-{:x}-{}-{}-{}",
            self.run, self.cycle, self.who, self.seq
        )
    }

    /// Each client keeps one address, so the per-client limit (20 at once) is never what answers.
    fn address(&self) -> Ipv4Addr {
        Ipv4Addr::new(127, 2, (self.who / 200) as u8, (self.who % 200 + 1) as u8)
    }

    async fn send(&self, client: &reqwest::Client, base: &str) -> Outcome {
        let (cycle, who, seq) = (self.cycle, self.who, self.seq);
        let description = format!(
            "第{cycle}轮第{who}号群众第{seq}次反映：某派出所民警在办理案件过程中收受当事人财物，涉及金额约{}元，时间地点详见附件。",
            1000 + who * 7 + seq
        );
        let evidence = format!(
            "%PDF-1.4\n% crash test evidence cycle {cycle} client {who} seq {seq}\n%%EOF\n"
        )
        .into_bytes();
        let part = reqwest::multipart::Part::bytes(evidence)
            .file_name("证据.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        let form = reqwest::multipart::Form::new()
            .text("category", "judicial_corruption")
            .text("description", description)
            .text("accused_name", format!("民警{who}"))
            .part("attachments", part);
        let res = client
            .post(format!("{base}/api/v1/public/tips"))
            .header("idempotency-key", self.key())
            .multipart(form)
            .send()
            .await;
        let r = match res {
            Ok(r) => r,
            Err(_) => return Outcome::Cut,
        };
        let status = r.status();
        if status != reqwest::StatusCode::CREATED && status != reqwest::StatusCode::OK {
            let body = r.text().await.unwrap_or_default();
            return Outcome::Failed(format!("{status}: {body}"));
        }
        // A body cut off mid-way: the client never learned its receipt, so nothing is owed to it yet.
        let Ok(v) = r.json::<serde_json::Value>().await else {
            return Outcome::Cut;
        };
        match (v["receipt"].as_str(), v["number"].as_str()) {
            (Some(receipt), Some(number)) => Outcome::Receipt {
                receipt: Receipt {
                    receipt: receipt.into(),
                    number: number.into(),
                },
                replayed: status == reqwest::StatusCode::OK,
            },
            _ => Outcome::Failed(format!("{status} without receipt and number: {v}")),
        }
    }
}

#[derive(Default)]
struct Flood {
    received: Mutex<Vec<Receipt>>,
    ok: AtomicUsize,
    /// Cut off by the kill: the clients retry these after the restart.
    cut: Mutex<Vec<Attempt>>,
    /// Any error, and any answer but 201, while the server was up: the server failed a reporter.
    unexpected: Mutex<Vec<String>>,
    killed: AtomicBool,
}

/// Fires the submissions, SIGKILLs the server once `kill_after` receipts are out (plus a random moment),
/// and returns what the clients actually received and which submissions the kill cut off.
async fn flood_and_crash(
    server: &mut Server,
    run: u64,
    cycle: usize,
    kill_after: usize,
    extra_ms: u64,
) -> (Vec<Receipt>, Vec<Attempt>) {
    let flood = Arc::new(Flood::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for who in 0..CLIENTS {
        let flood = flood.clone();
        let stop = stop.clone();
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            let client = client_from(
                Attempt {
                    cycle,
                    who,
                    seq: 0,
                    run,
                }
                .address(),
            );
            for seq in 0..PER_CLIENT {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let a = Attempt {
                    cycle,
                    who,
                    seq,
                    run,
                };
                let outcome = a.send(&client, &base).await;
                // Read the flag after the outcome: a broken connection seen once the kill was decided is the kill's.
                let killed = flood.killed.load(Ordering::SeqCst);
                match outcome {
                    Outcome::Receipt {
                        receipt,
                        replayed: false,
                    } => {
                        flood.received.lock().unwrap().push(receipt);
                        flood.ok.fetch_add(1, Ordering::SeqCst);
                    }
                    Outcome::Receipt {
                        receipt,
                        replayed: true,
                    } => flood.unexpected.lock().unwrap().push(format!(
                        "a first submission answered as a replay: {}",
                        receipt.number
                    )),
                    Outcome::Cut if killed => flood.cut.lock().unwrap().push(a),
                    Outcome::Cut => flood
                        .unexpected
                        .lock()
                        .unwrap()
                        .push("connection broken before the kill".into()),
                    Outcome::Failed(e) => flood.unexpected.lock().unwrap().push(e),
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    while flood.ok.load(Ordering::SeqCst) < kill_after
        && !tasks.iter().all(|t| t.is_finished())
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(extra_ms)).await;
    flood.killed.store(true, Ordering::SeqCst);
    server.crash();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.expect("client task");
    }
    let unexpected = flood.unexpected.lock().unwrap().clone();
    assert!(
        unexpected.is_empty(),
        "cycle {cycle}: {} submissions failed while the server was up, e.g. {:?}",
        unexpected.len(),
        &unexpected[..unexpected.len().min(5)]
    );
    let received = flood.received.lock().unwrap().clone();
    let cut = flood.cut.lock().unwrap().clone();
    (received, cut)
}

/// After the restart the cut-off clients send again with the same Idempotency-Key: a report that had
/// committed answers with its original receipt (200), one that had not is taken now (201).
async fn retry(base: &str, cut: &[Attempt]) -> (Vec<Receipt>, usize) {
    let mut tasks = Vec::new();
    for a in cut.iter().copied() {
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            a.send(&client_from(a.address()), &base).await
        }));
    }
    let (mut got, mut replayed, mut failed) = (Vec::new(), 0, Vec::new());
    for t in tasks {
        match t.await.expect("retry task") {
            Outcome::Receipt {
                receipt,
                replayed: r,
            } => {
                replayed += usize::from(r);
                got.push(receipt);
            }
            Outcome::Cut => failed.push("connection broken".to_string()),
            Outcome::Failed(e) => failed.push(e),
        }
    }
    assert!(
        failed.is_empty(),
        "{} retries after the restart failed, e.g. {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    (got, replayed)
}

/// Every receipt looks up over HTTP after the restart; at most 8 lookups per client address (limit 10).
async fn lookup_all(base: &str, all: &[Receipt]) {
    let mut tasks = Vec::new();
    for (i, chunk) in all.chunks(8).enumerate() {
        let chunk = chunk.to_vec();
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let client = client_from(Ipv4Addr::new(127, 3, (i / 200) as u8, (i % 200 + 1) as u8));
            let mut bad = Vec::new();
            for r in chunk {
                let mut tries = 0;
                loop {
                    let res = client
                        .post(format!("{base}/api/v1/public/tips/lookup"))
                        .json(&serde_json::json!({ "receipt": r.receipt }))
                        .send()
                        .await
                        .expect("lookup request");
                    let status = res.status();
                    // The overall lookup budget (not this address's) may be spent for a moment: wait and ask again.
                    if status == reqwest::StatusCode::TOO_MANY_REQUESTS && tries < 50 {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                    let v: serde_json::Value = res.json().await.unwrap_or_default();
                    if status != reqwest::StatusCode::OK
                        || v["number"].as_str() != Some(r.number.as_str())
                    {
                        bad.push(format!("{} ({}): {status} {v}", r.number, r.receipt));
                    }
                    break;
                }
            }
            bad
        }));
    }
    let mut bad = Vec::new();
    for t in tasks {
        bad.extend(t.await.expect("lookup task"));
    }
    assert!(
        bad.is_empty(),
        "{} of {} receipts do not open their report after the restart, e.g. {:?}",
        bad.len(),
        all.len(),
        &bad[..bad.len().min(5)]
    );
}

/// With the server down: each received receipt opens its report and its attachment decrypts to the digest
/// recorded at intake; the database and the audit chain verify. Returns the number of committed tips.
async fn verify_offline(data: &Path, all: &[Receipt]) -> i64 {
    let store = open_store(data).await;
    for r in all {
        let code = ReceiptCode::parse(&r.receipt).expect("a receipt the server issued parses");
        let view = store
            .lookup_tip(&code)
            .await
            .expect("lookup")
            .unwrap_or_else(|| panic!("receipt of {} is gone after the crash", r.number));
        assert_eq!(view.number, r.number, "the receipt opens its own report");
        let files = store
            .verify_tip_files(&code)
            .await
            .unwrap_or_else(|e| panic!("attachment of {} is damaged: {e}", r.number));
        assert_eq!(files, 1, "report {} keeps its one attachment", r.number);
    }
    // SQLite's own check: every page, index and the freelist are consistent after WAL recovery.
    let db = store.connection();
    let rows = store::Sql::of(db)
        .all(db, "PRAGMA integrity_check", vec![])
        .await
        .expect("integrity_check");
    let verdict: Vec<String> = rows
        .iter()
        .map(|r| {
            r.try_get_by_index::<String>(0)
                .expect("integrity_check row")
        })
        .collect();
    assert_eq!(verdict, ["ok"], "SQLite integrity check after the crash");
    let audit = store.audit_verify().await.expect("audit verify");
    assert!(
        audit.first_bad.is_none(),
        "audit chain broken after the crash: {:?}",
        audit.first_bad
    );
    let tips = store.count_tips().await.expect("count tips");
    store.close().await;
    tips
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_intake_loses_no_acknowledged_report() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let data: PathBuf = tmp.path().join("data");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    eprintln!("crash moments from seed {seed}");

    // A data folder with its key and schema, and the root unit that every public tip is registered under.
    let out = mingjing(&data)
        .arg("migrate")
        .output()
        .expect("mingjing migrate");
    assert!(
        out.status.success(),
        "migrate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        let store = open_store(&data).await;
        let root = store::org::NewUnit {
            code: "JZ".into(),
            name: "江州市委政法委".into(),
            kind: domain::org::UnitKind::Committee,
            parent_code: None,
        };
        store
            .create_units(&store::audit::AuditActor::system(), &[root])
            .await
            .expect("root unit");
        store.close().await;
    }

    let run = seed;
    let mut all: Vec<Receipt> = Vec::new();
    let mut cut: Vec<Attempt> = Vec::new();
    // Tips on disk after the last crash, and how many of them no client had heard of.
    let mut tips_before: Option<i64> = None;
    let mut unacknowledged = 0usize;
    for cycle in 0..=CYCLES {
        let log = tmp.path().join(format!("server-{cycle}.log"));
        let mut server = start(&data, &log);
        if let Some(tips) = tips_before {
            // The start-up sweep removed the folders of tips that never committed: one folder per tip is left.
            assert_eq!(
                attachment_dirs(&data) as i64,
                tips,
                "cycle {cycle}: half-written attachment folders survived the restart"
            );
        }
        if !cut.is_empty() {
            let (got, replayed) = retry(&server.base, &cut).await;
            assert_eq!(
                replayed, unacknowledged,
                "cycle {cycle}: every report committed before the kill but never acknowledged answers its retry with the original receipt, and only those"
            );
            eprintln!(
                "cycle {cycle}: {} cut-off clients retried: {replayed} got their original receipt, {} were taken now",
                cut.len(),
                got.len() - replayed
            );
            all.extend(got);
            cut.clear();
        }
        lookup_all(&server.base, &all).await;
        if cycle == CYCLES {
            server.crash();
            let tips = verify_offline(&data, &all).await;
            assert_eq!(
                tips,
                all.len() as i64,
                "one tip per idempotency key: every tip is one a client holds a receipt for"
            );
            eprintln!(
                "after {CYCLES} crashes all {} receipts open their reports; {:?} in all",
                all.len(),
                started.elapsed()
            );
            break;
        }

        let kill_after = rng.range(1, 200) as usize;
        let extra_ms = rng.range(0, 400);
        let t = Instant::now();
        let (received, cut_now) =
            flood_and_crash(&mut server, run, cycle, kill_after, extra_ms).await;
        eprintln!(
            "cycle {cycle}: killed after {} ms with {} receipts out (aimed at {kill_after} + {extra_ms} ms); {} submissions cut off",
            t.elapsed().as_millis(),
            received.len(),
            cut_now.len()
        );
        assert!(
            !received.is_empty(),
            "cycle {cycle}: no submission was acknowledged before the kill"
        );
        assert!(
            !cut_now.is_empty(),
            "cycle {cycle}: the kill landed when nothing was in flight; the test proved nothing"
        );
        all.extend(received);
        cut = cut_now;

        let tips = verify_offline(&data, &all).await;
        let dirs = attachment_dirs(&data) as i64;
        assert!(
            tips >= all.len() as i64,
            "fewer tips ({tips}) than receipts handed out ({})",
            all.len()
        );
        assert!(
            dirs >= tips,
            "cycle {cycle}: {tips} tips but only {dirs} attachment folders"
        );
        unacknowledged = (tips - all.len() as i64) as usize;
        eprintln!(
            "cycle {cycle}: {tips} tips committed ({unacknowledged} never acknowledged), {} unfinished attachment folders before restart",
            dirs - tips
        );
        tips_before = Some(tips);
    }
}
