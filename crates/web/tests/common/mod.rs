//! The HTTP test fixture: the real router on 127.0.0.1:0 over a fresh database (SQLite in a temporary
//! folder always; a freshly created PostgreSQL database too when `MINGJING_TEST_PG` names a server), a
//! small organisation seeded through the store's own API, and clients that sign in as each role.
#![allow(dead_code)]

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use domain::org::{DataScope, Role, UnitKind, Username};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use store::audit::AuditActor;
use store::org::{NewOfficer, NewUnit, NewUser};
use store::{Actor, Store, StoreConfig};
use web::{AppState, WebConfig};

/// Every seeded account has this password (the policy: ≥ 10 characters with a letter and a digit).
pub const PASSWORD: &str = "Mingjing-test-2026";

/// The organisation every test starts from. Codes are also the `units.code` column.
pub const ROOT: &str = "SZFW";
pub const DISTRICT_A: &str = "JA-GA";
pub const DISTRICT_A_CHILD: &str = "JA-GA-01";
pub const DISTRICT_B: &str = "YB-FY";
pub const DISTRICT_B_CHILD: &str = "YB-FY-01";

/// Badges on the roster; the district A leader is also officer `BADGE_LEADER_A`.
pub const BADGE_LEADER_A: &str = "JA0001";
pub const BADGE_OFFICER_A: &str = "JA1001";
pub const BADGE_B: &str = "YB0001";

/// (username, display name, role, unit, scope, officer badge)
pub type Account = (
    &'static str,
    &'static str,
    Role,
    &'static str,
    DataScope,
    Option<&'static str>,
);

pub const ACCOUNTS: &[Account] = &[
    (
        "admin",
        "系统管理员 钱工",
        Role::Sysadmin,
        ROOT,
        DataScope::All,
        None,
    ),
    (
        "office",
        "整顿办 王主任",
        Role::CampaignOffice,
        ROOT,
        DataScope::All,
        None,
    ),
    (
        "office_a",
        "甲区整顿办 许科长",
        Role::CampaignOffice,
        DISTRICT_A,
        DataScope::Subtree,
        None,
    ),
    (
        "jiwei",
        "纪检监察 李处长",
        Role::DisciplineInspector,
        ROOT,
        DataScope::All,
        None,
    ),
    (
        "jiwei_a",
        "甲区纪检 赵科长",
        Role::DisciplineInspector,
        DISTRICT_A,
        DataScope::Subtree,
        None,
    ),
    (
        "duchazu",
        "督导组 陈组长",
        Role::Inspector,
        ROOT,
        DataScope::All,
        None,
    ),
    (
        "lianluo_b",
        "乙区联络员 周敏",
        Role::UnitLiaison,
        DISTRICT_B,
        DataScope::OwnUnit,
        None,
    ),
    (
        "leader_a",
        "甲区负责人 吴局长",
        Role::UnitLeader,
        DISTRICT_A,
        DataScope::Subtree,
        Some(BADGE_LEADER_A),
    ),
    (
        "ganjing",
        "干警 孙磊",
        Role::Officer,
        DISTRICT_A_CHILD,
        DataScope::OwnUnit,
        Some(BADGE_OFFICER_A),
    ),
    (
        "baoguan",
        "保管员 郑洁",
        Role::Custodian,
        ROOT,
        DataScope::All,
        None,
    ),
    (
        "shenji",
        "审计员 冯静",
        Role::Auditor,
        ROOT,
        DataScope::All,
        None,
    ),
];

/// One account per role (the all-scope one where a role has two), for route × role checks.
pub const ONE_PER_ROLE: &[&str] = &[
    "admin",
    "office",
    "jiwei",
    "duchazu",
    "lianluo_b",
    "leader_a",
    "ganjing",
    "baoguan",
    "shenji",
];

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// A server URL such as `postgres://postgres@127.0.0.1:5432/postgres`; each app gets a new database.
    Postgres(String),
}

/// SQLite always; PostgreSQL as well when `MINGJING_TEST_PG` is set.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("MINGJING_TEST_PG")
        && !url.trim().is_empty()
    {
        v.push(Backend::Postgres(url.trim().to_string()));
    }
    v
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub require_totp: bool,
    /// Seed only these accounts (hashing passwords is the slow part of a fixture); all when `None`.
    pub accounts: Option<Vec<&'static str>>,
}

/// A running app and what a test needs to talk to it and to look underneath.
#[derive(Clone)]
pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub data_dir: PathBuf,
    pub backend: &'static str,
    /// Unit code → id.
    pub units: Arc<Vec<(String, String)>>,
    _dir: Arc<tempfile::TempDir>,
}

/// What `on_each_backend` undoes after a test: the server task and, on PostgreSQL, the database.
struct Teardown {
    server: tokio::task::JoinHandle<()>,
    pg: Option<(String, String)>,
}

impl Teardown {
    async fn run(self) {
        self.server.abort();
        let _ = self.server.await;
        if let Some((server_url, name)) = self.pg
            && let Ok(db) = sea_orm::Database::connect(server_url.as_str()).await
        {
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = db.close().await;
        }
    }
}

/// Runs `test` once per backend, each time on a fresh app.
pub async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    on_each_backend_with(Options::default(), test).await
}

pub async fn on_each_backend_with<F, Fut>(opts: Options, test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for b in backends() {
        let (app, teardown) = start(&b, &opts).await;
        test(app).await;
        teardown.run().await;
    }
}

/// The app on SQLite with every account (the server lives until the test's runtime ends).
pub async fn spawn_app() -> TestApp {
    start(&Backend::Sqlite, &Options::default()).await.0
}

pub async fn spawn_app_on(backend: &Backend, opts: &Options) -> TestApp {
    start(backend, opts).await.0
}

async fn start(backend: &Backend, opts: &Options) -> (TestApp, Teardown) {
    init_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = StoreConfig::new(dir.path());
    let mut pg = None;
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(server) => {
            let db_name = format!(
                "mj_test_{}",
                crypto::random_token()
                    .to_ascii_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(16)
                    .collect::<String>()
            );
            let admin = sea_orm::Database::connect(server.as_str())
                .await
                .expect("connect to MINGJING_TEST_PG");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {db_name}"))
                .await
                .expect("create test database");
            admin.close().await.expect("close admin connection");
            config.database_url = Some(with_database(server, &db_name));
            pg = Some((server.clone(), db_name));
            "postgres"
        }
    };
    let keyring = crypto::Keyring::new(crypto::MasterKey::generate(), crypto::Suite::Sm4Gcm);
    let store = Store::open(&config, keyring).await.expect("open store");
    let units = seed(&store, opts).await;
    let state = AppState::new(
        store.clone(),
        WebConfig {
            require_totp: opts.require_totp,
            behind_tls: false,
            trust_proxy: false,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = web::serve(listener, state).await;
    });
    let app = TestApp {
        base: format!("http://{addr}"),
        store,
        data_dir: dir.path().to_path_buf(),
        backend: name,
        units: Arc::new(units),
        _dir: Arc::new(dir),
    };
    (app, Teardown { server, pg })
}

/// The server URL with its database name replaced.
fn with_database(server: &str, db: &str) -> String {
    let (head, query) = match server.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (server, None),
    };
    let after_scheme = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[after_scheme..].find('/') {
        Some(i) => &head[..after_scheme + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

async fn seed(store: &Store, opts: &Options) -> Vec<(String, String)> {
    let sys = AuditActor::system();
    let unit = |code: &str, name: &str, kind: UnitKind, parent: Option<&str>| NewUnit {
        code: code.into(),
        name: name.into(),
        kind,
        parent_code: parent.map(str::to_string),
    };
    store
        .create_units(
            &sys,
            &[
                unit(ROOT, "江州市委政法委", UnitKind::Committee, None),
                unit(DISTRICT_A, "甲区公安分局", UnitKind::Police, Some(ROOT)),
                unit(
                    DISTRICT_A_CHILD,
                    "甲区公安分局城关派出所",
                    UnitKind::Police,
                    Some(DISTRICT_A),
                ),
                unit(DISTRICT_B, "乙区人民法院", UnitKind::Court, Some(ROOT)),
                unit(
                    DISTRICT_B_CHILD,
                    "乙区人民法院城南法庭",
                    UnitKind::Court,
                    Some(DISTRICT_B),
                ),
            ],
        )
        .await
        .expect("units");
    let officer = |name: &str, badge: &str, unit: &str, position: &str| NewOfficer {
        name: name.into(),
        badge: badge.into(),
        unit_code: unit.into(),
        position: position.into(),
        id_number: None,
    };
    store
        .add_officers(
            &sys,
            &[
                officer("吴建国", BADGE_LEADER_A, DISTRICT_A, "局长"),
                officer("孙磊", BADGE_OFFICER_A, DISTRICT_A_CHILD, "民警"),
                officer("王芳", BADGE_B, DISTRICT_B, "审判员"),
            ],
        )
        .await
        .expect("officers");
    // Argon2 dominates the fixture's time: hash the accounts side by side (the store allows two at once).
    let mut set = tokio::task::JoinSet::new();
    for (username, display, role, unit, scope, badge) in ACCOUNTS {
        if opts
            .accounts
            .as_ref()
            .is_some_and(|only| !only.contains(username))
        {
            continue;
        }
        let store = store.clone();
        let u = NewUser {
            username: Username::parse(username).expect("username"),
            display_name: display.to_string(),
            role: *role,
            unit_code: unit.to_string(),
            scope: *scope,
            password: PASSWORD.to_string(),
            officer_badge: badge.map(str::to_string),
        };
        set.spawn(async move {
            store
                .create_user(&AuditActor::system(), &u)
                .await
                .expect("user")
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("user task");
    }
    store
        .units()
        .await
        .expect("units")
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect()
}

// ---------- captured logs ----------

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything the app logged in this process at debug level and above (trace for our own crates).
fn init_logs() {
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let w = buf.clone();
        let filter = tracing_subscriber::EnvFilter::new(
            "debug,web=trace,store=trace,hyper=info,hyper_util=info,h2=info,reqwest=info",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(move || LogWriter(w.clone()))
            .try_init();
        buf
    });
}

pub fn captured_logs() -> Vec<u8> {
    LOGS.get()
        .and_then(|b| b.lock().ok().map(|v| v.clone()))
        .unwrap_or_default()
}

// ---------- clients ----------

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn unit_id(&self, code: &str) -> String {
        self.units
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| panic!("no unit {code}"))
    }

    /// A client for the public portal: no cookies, redirects are shown, not followed.
    pub fn public(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    /// A fresh client with its own cookie jar, not yet signed in.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(Policy::none())
            .cookie_store(true)
            .build()
            .expect("client")
    }

    /// Signs in through the login form (GET /login for the hidden `pre` token and its cookie, then POST).
    pub async fn login(&self, username: &str) -> reqwest::Client {
        let c = self.browser();
        let res = self.login_with(&c, username, PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "login as {username} did not redirect"
        );
        assert_eq!(location(&res), "/home", "login as {username}");
        c
    }

    /// Posts the login form; returns the raw response (a redirect on success, the form again otherwise).
    pub async fn login_with(
        &self,
        c: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = c
            .get(self.url("/login"))
            .send()
            .await
            .expect("GET /login")
            .text()
            .await
            .expect("body");
        let pre = hidden(&page, "pre").expect("login form has a pre token");
        c.post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("pre", pre.as_str()),
            ])
            .send()
            .await
            .expect("POST /login")
    }

    /// The CSRF token of the signed-in client's session, scraped from a page's hidden input.
    pub async fn csrf(&self, c: &reqwest::Client, path: &str) -> String {
        let res = c.get(self.url(path)).send().await.expect("GET page");
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "GET {path} for its csrf token"
        );
        let page = res.text().await.expect("body");
        hidden(&page, "csrf").unwrap_or_else(|| panic!("no csrf input on {path}"))
    }

    /// A bearer token from POST /api/v1/auth/token.
    pub async fn api_token(&self, username: &str) -> String {
        let res = self
            .public()
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("token");
        assert_eq!(res.status(), StatusCode::OK, "token for {username}");
        let v: Value = res.json().await.expect("json");
        v["token"].as_str().expect("token").to_string()
    }

    /// The store's view of a person (for direct checks), through a session of their own.
    pub async fn actor(&self, username: &str) -> Actor {
        let users = self.store.users().await.expect("users");
        let u = users
            .iter()
            .find(|u| u.username == username)
            .unwrap_or_else(|| panic!("no user {username}"));
        let token = self
            .store
            .create_session(&u.id, "web", true)
            .await
            .expect("session");
        self.store
            .session(&token)
            .await
            .expect("session")
            .expect("live session")
            .actor
    }

    /// Submits a tip as JSON through the public API; returns (receipt, number).
    pub async fn submit_tip(&self, tip: &Value) -> (String, String) {
        let res = self
            .public()
            .post(self.url("/api/v1/public/tips"))
            .json(tip)
            .send()
            .await
            .expect("submit");
        assert_eq!(res.status(), StatusCode::CREATED, "tip submission");
        let v: Value = res.json().await.expect("json");
        (
            v["receipt"].as_str().expect("receipt").to_string(),
            v["number"].as_str().expect("number").to_string(),
        )
    }

    /// The id and number of the clue a tip became.
    pub async fn clue_of_tip(&self, tip_number: &str) -> (String, String) {
        let actor = self.actor("jiwei").await;
        let (clues, _) = self
            .store
            .clues(&actor, &store::clues::ClueFilter::default(), 0, 1000)
            .await
            .expect("clues");
        let c = clues
            .iter()
            .find(|c| c.summary == format!("群众举报 {tip_number}"))
            .unwrap_or_else(|| panic!("no clue for {tip_number}"));
        (c.id.clone(), c.number.clone())
    }

    /// Registers a clue as the office (root unit) and assigns it to `unit_code`; returns (id, number).
    pub async fn clue_in(
        &self,
        unit_code: &str,
        accused_badge: Option<&str>,
        summary: &str,
    ) -> (String, String) {
        let office = self.actor("office").await;
        let n = store::clues::NewClue {
            source: domain::clues::ClueSource::Inspection,
            category: domain::tips::ProblemCategory::Conduct,
            accused_name: Some("被反映人".into()),
            accused_unit: None,
            accused_position: None,
            accused_badge: accused_badge.map(str::to_string),
            summary: summary.into(),
        };
        let (id, number) = self
            .store
            .register_clue(&office, &n)
            .await
            .expect("register");
        self.assign(&id, unit_code).await;
        (id, number)
    }

    /// Assigns a clue to a unit as the office, through the store.
    pub async fn assign(&self, clue_id: &str, unit_code: &str) {
        let office = self.actor("office").await;
        self.store
            .clue_step(
                &office,
                clue_id,
                &store::clues::StepInput::Assign {
                    unit_id: self.unit_id(unit_code),
                },
                "",
            )
            .await
            .expect("assign");
    }

    /// Every file under the data folder (the database, its WAL, attachments), read raw.
    pub fn data_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        walk(&self.data_dir, &mut out);
        out
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend == "sqlite"
    }

    /// Runs raw SQL written with `?` placeholders on the app's database.
    pub async fn exec(&self, sql: &str, values: Vec<sea_orm::Value>) -> u64 {
        let conn = self.store.connection();
        store::Sql::of(conn)
            .exec(conn, sql, values)
            .await
            .expect("raw statement")
    }
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p, bytes));
        }
    }
}

// ---------- small helpers ----------

/// The value of `<input type="hidden" name="NAME" value="...">` on a page.
pub fn hidden(page: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let start = page.find(&key)? + key.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_string())
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The uncompressed text of every part of an .xlsx (it is a ZIP of XML files).
pub fn unzip_all(xlsx: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an .xlsx is a zip");
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("zip entry");
        std::io::copy(&mut f, &mut out).expect("unzip");
    }
    out
}

/// A valid 2×2 RGB PNG made here: signature, IHDR, an IDAT holding a stored (uncompressed) zlib
/// stream, IEND, each chunk with its CRC.
pub fn tiny_png() -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in data {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let (w, h) = (2u32, 2u32);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend_from_slice(&[(x * 200) as u8, (y * 200) as u8, 120]);
        }
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    z.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    z.extend_from_slice(&raw);
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A tip with ordinary content; override fields with `obj["field"] = ...`.
pub fn tip(description: &str) -> Value {
    json!({
        "accused_name": "张某",
        "accused_unit": "甲区公安分局",
        "accused_position": "民警",
        "category": "interference",
        "description": description,
    })
}

/// Twenty digits in five groups of four.
pub fn is_grouped_receipt(r: &str) -> bool {
    let groups: Vec<&str> = r.split(' ').collect();
    groups.len() == 5
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A short random suffix so canaries and keys are unique per run.
pub fn random_suffix() -> String {
    crypto::random_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect()
}

/// Fails a test on any 5xx, with the body, before asserting on the 4xx wanted.
pub async fn expect_status(res: reqwest::Response, want: StatusCode, what: &str) -> String {
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    assert!(
        !status.is_server_error(),
        "{what}: server error {status}: {body}"
    );
    assert_eq!(status, want, "{what}: {body}");
    body
}

/// A zip that claims to be a workbook and inflates 30 MB of zeros from a few kilobytes.
pub fn zip_bomb() -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("xl/workbook.xml", opts).unwrap();
        z.write_all(b"<workbook/>").unwrap();
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..30 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}
