//! Storage for Mingjing: the schema and its migrations, one repository per domain module, transactions,
//! the audit chain writer, the job queue and the tip intake writer that groups concurrent commits.
//!
//! Queries are plain SQL written once for both SQLite and PostgreSQL and sent through sea-orm's connection
//! layer (`db::Sql`), which numbers placeholders for PostgreSQL. This crate may depend on `domain`, `crypto`
//! and `search`, never on `web`. Every function that reads rows a person may or may not see takes an
//! [`Actor`] and applies the actor's data scope itself.

pub mod audit;
pub mod backup;
pub mod campaign;
pub mod clues;
mod db;
pub mod enforcement;
pub mod error;
pub mod jobs;
pub mod migrate;
pub mod org;
pub mod progress;
pub mod rectification;
pub mod selfcheck;
pub mod study;
#[path = "gen/mod.rs"]
pub mod synth;
pub mod tips;
pub mod warning;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use tokio::sync::Mutex;

pub use db::Sql;
pub use error::StoreError;
pub use org::Actor;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How to reach the database and where files live.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `sqlite://…` or `postgres://…`; `None` means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    /// SQLite `synchronous` setting; the store refuses to open unless it is `full`.
    pub sqlite_synchronous: String,
    /// SQLite journal mode; the store refuses to open unless it is `wal`.
    pub sqlite_journal_mode: String,
}

impl StoreConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        StoreConfig {
            database_url: None,
            data_dir: data_dir.into(),
            sqlite_synchronous: "full".into(),
            sqlite_journal_mode: "wal".into(),
        }
    }
}

/// The open store: a connection pool, the keyring that seals reporters' data, and the single-writer lock.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    pub(crate) keyring: crypto::Keyring,
    /// Serialises write transactions inside one process: SQLite has one writer anyway, and the audit chain
    /// needs its rows in commit order. Across processes on PostgreSQL the `audit_head` row lock does the same.
    pub(crate) write_lock: Arc<Mutex<()>>,
    pub(crate) data_dir: PathBuf,
    pub(crate) intake: Arc<std::sync::OnceLock<tips::IntakeHandle>>,
    pub(crate) near: Arc<Mutex<tips::NearIndex>>,
    pub(crate) units_cache: Arc<std::sync::RwLock<Option<(i64, Arc<Vec<org::Unit>>)>>>,
}

impl Store {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub async fn open(config: &StoreConfig, keyring: crypto::Keyring) -> Result<Store> {
        std::fs::create_dir_all(&config.data_dir)?;
        std::fs::create_dir_all(config.data_dir.join("attachments"))?;
        let url = match &config.database_url {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                config.data_dir.join("mingjing.db").display()
            ),
        };
        let mut opts = ConnectOptions::new(url.clone());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        if url.starts_with("sqlite:") {
            let sync = config.sqlite_synchronous.to_ascii_lowercase();
            let journal = config.sqlite_journal_mode.to_ascii_lowercase();
            opts.max_connections(8).min_connections(1);
            opts.map_sqlx_sqlite_opts(move |o| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                let sync = match sync.as_str() {
                    "off" => SqliteSynchronous::Off,
                    "normal" => SqliteSynchronous::Normal,
                    "extra" => SqliteSynchronous::Extra,
                    _ => SqliteSynchronous::Full,
                };
                let journal = match journal.as_str() {
                    "delete" => SqliteJournalMode::Delete,
                    "truncate" => SqliteJournalMode::Truncate,
                    "memory" => SqliteJournalMode::Memory,
                    _ => SqliteJournalMode::Wal,
                };
                o.journal_mode(journal)
                    .synchronous(sync)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        } else {
            opts.max_connections(16);
        }
        let db = Database::connect(opts).await?;
        if db.get_database_backend() == DbBackend::Sqlite {
            check_sqlite_durability(&db).await?;
        }
        let store = Store {
            db,
            keyring,
            write_lock: Arc::new(Mutex::new(())),
            data_dir: config.data_dir.clone(),
            intake: Arc::new(std::sync::OnceLock::new()),
            near: Arc::new(Mutex::new(tips::NearIndex::default())),
            units_cache: Arc::new(std::sync::RwLock::new(None)),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend() == DbBackend::Sqlite
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn keyring(&self) -> &crypto::Keyring {
        &self.keyring
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    pub async fn close(self) {
        let _ = self.db.close().await;
    }
}

/// Refuses a SQLite database that would lose acknowledged writes on power loss.
async fn check_sqlite_durability(db: &DatabaseConnection) -> Result<()> {
    let sql = Sql::new(DbBackend::Sqlite);
    let journal: String = sql
        .one(db, "PRAGMA journal_mode", vec![])
        .await?
        .map(|r| db::get::<String>(&r, "journal_mode"))
        .transpose()?
        .unwrap_or_default();
    let sync: i64 = sql
        .one(db, "PRAGMA synchronous", vec![])
        .await?
        .map(|r| db::get::<i64>(&r, "synchronous"))
        .transpose()?
        .unwrap_or(-1);
    if !journal.eq_ignore_ascii_case("wal") || sync != 2 {
        return Err(StoreError::Unsafe(format!(
            "SQLite must run with journal_mode=WAL and synchronous=FULL (found journal_mode={journal}, synchronous={sync})"
        )));
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, UTC: how every time is stored.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
