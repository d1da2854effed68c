//! Configuration: defaults, then an optional TOML file, then `MINGJING_*` environment variables, then flags.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub master_key: Option<String>,
    pub crypto_suite: Option<String>,
    pub require_totp: Option<bool>,
    pub behind_tls: Option<bool>,
    pub trust_proxy: Option<bool>,
    pub sqlite_synchronous: Option<String>,
    pub sqlite_journal_mode: Option<String>,
    pub receipt_limit_burst: Option<u32>,
    pub receipt_limit_per_minute: Option<u32>,
    pub receipt_limit_global_burst: Option<u32>,
    pub receipt_limit_global_per_minute: Option<u32>,
    pub submit_limit_burst: Option<u32>,
    pub submit_limit_per_minute: Option<u32>,
    pub submit_limit_global_burst: Option<u32>,
    pub submit_limit_global_per_minute: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data: PathBuf,
    pub listen: String,
    pub database_url: Option<String>,
    pub master_key: Option<String>,
    pub crypto_suite: String,
    pub require_totp: Option<bool>,
    pub behind_tls: bool,
    pub trust_proxy: bool,
    pub sqlite_synchronous: String,
    pub sqlite_journal_mode: String,
    /// Rate limits of the public portal (receipt lookups, tip submissions).
    pub limits: web::PublicLimits,
}

fn env(name: &str) -> Option<String> {
    std::env::var(format!("MINGJING_{name}"))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

fn env_u32(name: &str) -> Result<Option<u32>> {
    match env(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("MINGJING_{name} must be a whole number, not {v:?}")),
    }
}

fn env_bool(name: &str) -> Result<Option<bool>> {
    match env(name) {
        None => Ok(None),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" => Ok(Some(false)),
            other => bail!("MINGJING_{name} must be true or false, not {other:?}"),
        },
    }
}

impl Config {
    pub fn load(
        file: Option<&Path>,
        data_flag: Option<PathBuf>,
        listen_flag: Option<String>,
    ) -> Result<Config> {
        let file = match file
            .map(Path::to_path_buf)
            .or_else(|| env("CONFIG").map(PathBuf::from))
        {
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("invalid config file {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let limit = |env_name: &str, file_value: Option<u32>, default: u32| -> Result<u32> {
            Ok(env_u32(env_name)?.or(file_value).unwrap_or(default))
        };
        let (r, sb) = (web::RateLimit::RECEIPT, web::RateLimit::SUBMIT);
        let limits = web::PublicLimits {
            receipt: web::RateLimit {
                burst: limit("RECEIPT_LIMIT_BURST", file.receipt_limit_burst, r.burst)?,
                per_minute: limit(
                    "RECEIPT_LIMIT_PER_MINUTE",
                    file.receipt_limit_per_minute,
                    r.per_minute,
                )?,
                global_burst: limit(
                    "RECEIPT_LIMIT_GLOBAL_BURST",
                    file.receipt_limit_global_burst,
                    r.global_burst,
                )?,
                global_per_minute: limit(
                    "RECEIPT_LIMIT_GLOBAL_PER_MINUTE",
                    file.receipt_limit_global_per_minute,
                    r.global_per_minute,
                )?,
            },
            submit: web::RateLimit {
                burst: limit("SUBMIT_LIMIT_BURST", file.submit_limit_burst, sb.burst)?,
                per_minute: limit(
                    "SUBMIT_LIMIT_PER_MINUTE",
                    file.submit_limit_per_minute,
                    sb.per_minute,
                )?,
                global_burst: limit(
                    "SUBMIT_LIMIT_GLOBAL_BURST",
                    file.submit_limit_global_burst,
                    sb.global_burst,
                )?,
                global_per_minute: limit(
                    "SUBMIT_LIMIT_GLOBAL_PER_MINUTE",
                    file.submit_limit_global_per_minute,
                    sb.global_per_minute,
                )?,
            },
        };
        Ok(Config {
            data: data_flag
                .or_else(|| env("DATA").map(PathBuf::from))
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from("mingjing-data")),
            listen: listen_flag
                .or_else(|| env("LISTEN"))
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url: env("DATABASE_URL").or(file.database_url),
            master_key: env("MASTER_KEY").or(file.master_key),
            crypto_suite: env("CRYPTO_SUITE")
                .or(file.crypto_suite)
                .unwrap_or_else(|| "sm4-gcm".into()),
            require_totp: env_bool("REQUIRE_TOTP")?.or(file.require_totp),
            behind_tls: env_bool("BEHIND_TLS")?.or(file.behind_tls).unwrap_or(false),
            trust_proxy: env_bool("TRUST_PROXY")?
                .or(file.trust_proxy)
                .unwrap_or(false),
            sqlite_synchronous: env("SQLITE_SYNCHRONOUS")
                .or(file.sqlite_synchronous)
                .unwrap_or_else(|| "full".into()),
            sqlite_journal_mode: env("SQLITE_JOURNAL_MODE")
                .or(file.sqlite_journal_mode)
                .unwrap_or_else(|| "wal".into()),
            limits,
        })
    }

    /// The master key: from the config, or else the key file in the data folder (made on first start).
    pub fn keyring(&self) -> Result<crypto::Keyring> {
        let suite: crypto::Suite = self
            .crypto_suite
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let master = match &self.master_key {
            Some(hex) => crypto::MasterKey::from_hex(hex.trim())
                .map_err(|e| anyhow::anyhow!("MINGJING_MASTER_KEY: {e}"))?,
            None => {
                std::fs::create_dir_all(&self.data)?;
                let path = self.data.join("master.key");
                if path.exists() {
                    crypto::MasterKey::from_hex(std::fs::read_to_string(&path)?.trim())
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
                } else {
                    let k = crypto::MasterKey::generate();
                    write_private(&path, k.to_hex().as_bytes())?;
                    k
                }
            }
        };
        Ok(crypto::Keyring::new(master, suite))
    }

    pub fn store_config(&self) -> store::StoreConfig {
        store::StoreConfig {
            database_url: self.database_url.clone(),
            data_dir: self.data.clone(),
            sqlite_synchronous: self.sqlite_synchronous.clone(),
            sqlite_journal_mode: self.sqlite_journal_mode.clone(),
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    let mut f = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?
    };
    #[cfg(not(unix))]
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
