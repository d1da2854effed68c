//! `mingjing`: the one binary that serves the staff console, the public portal and the API, and runs the
//! operator's commands (migrate, users, audit verification, backup and restore, synthetic data).

mod bench;
mod config;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::Config;
use domain::org::{DataScope, Role, Username};
use store::audit::AuditActor;
use store::org::NewUser;
use store::synth::{Scale, generate};

#[derive(Parser)]
#[command(name = "mingjing", version, about = "明镜：政法队伍教育整顿工作平台")]
struct Cli {
    /// Optional TOML configuration file (also MINGJING_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data folder: the SQLite database, attachments and the master key file (also MINGJING_DATA).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the console, the portal and the API (second factor required for staff by default).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 or 127.0.0.1:0 (also MINGJING_LISTEN).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Fill an empty data folder with a demo city once, print the demo accounts, and serve.
    Demo {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Units of the organisation.
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a backup of every table and attachment to one file.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into an empty data folder (same master key).
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Generate deterministic synthetic data into an empty data folder.
    Gen {
        /// city (40+ units, 3,000+ officers, 900 clues) or province (150,000+ officers, 100,000 clues)
        #[arg(long, default_value = "city")]
        scale: String,
        #[arg(long, default_value_t = 2024)]
        seed: u64,
    },
    /// Measure the speed bars of QUALITY.md in one run (generates the province data set into an empty
    /// --data folder first) and print a Markdown report for docs/BENCHMARKS.md.
    Bench(bench::BenchArgs),
}

#[derive(Subcommand)]
enum UnitCommand {
    /// List the unit tree.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// sysadmin, campaign_office, unit_liaison, unit_leader, discipline_inspector, inspector, officer, custodian, auditor
        #[arg(long)]
        role: String,
        /// The unit's code (see `mingjing unit list`).
        #[arg(long)]
        unit: String,
        /// own, subtree or all
        #[arg(long, default_value = "own")]
        scope: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Set a new password (read from standard input) and end the account's sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit chain; exits non-zero and names the first bad row if it was tampered with.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MINGJING_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .json()
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn read_password(flag: bool) -> Result<String> {
    if !flag {
        bail!("pass --password-stdin and write the password to standard input");
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

async fn open(cfg: &Config) -> Result<store::Store> {
    let keyring = cfg.keyring()?;
    store::Store::open(&cfg.store_config(), keyring)
        .await
        .context("cannot open the store")
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let listen_flag = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen } => listen.clone(),
        _ => None,
    };
    let cfg = Config::load(cli.config.as_deref(), cli.data.clone(), listen_flag)?;
    match cli.command {
        Command::Bench(args) => return bench::run(&cfg, cli.config.clone(), args).await,
        Command::Serve { .. } => {
            let store = open(&cfg).await?;
            serve(&cfg, store, cfg.require_totp.unwrap_or(true)).await?;
        }
        Command::Demo { .. } => {
            let store = open(&cfg).await?;
            if store.count_units().await? == 0 {
                println!("正在生成演示数据（江州市，约1分钟）……");
                let s = generate(&store, Scale::City, 2024).await?;
                println!(
                    "已生成：{} 个单位，{} 名干警，{} 条线索（其中群众举报 {} 条）",
                    s.units, s.officers, s.clues, s.tips
                );
                let c = &s.campaign;
                println!(
                    "教育整顿进行中：{} 场学习活动（签到 {} 人次），{} 份自查报告，{} 个查实问题，{} 项整改事项，{} 项工作任务",
                    c.activities, c.attendance, c.self_reports, c.findings, c.ledger_rows, c.tasks
                );
                let e = &s.enforcement;
                println!(
                    "执法司法监督：{} 件案件（超期 {} 件，涉黑恶 {} 件），{} 条过问登记，{} 条离任、{} 条律师代理、{} 条工商登记记录待比对",
                    e.cases,
                    e.overdue_cases,
                    e.gang_cases,
                    e.inquiries,
                    e.departures,
                    e.lawyer_appearances,
                    e.business_roles
                );
                println!("演示查询码（举报编号 → 查询码）：");
                for (n, r) in &s.sample_receipts {
                    println!("  {n} → {r}");
                }
            }
            println!("演示账号（密码均为 {}）：", store::synth::DEMO_PASSWORD);
            for u in store.users().await? {
                println!(
                    "  {:<10} {}（{}）",
                    u.username,
                    u.display_name,
                    Role::parse(&u.role).map(|r| r.label()).unwrap_or("")
                );
            }
            serve(&cfg, store, cfg.require_totp.unwrap_or(false)).await?;
        }
        Command::Migrate => {
            let store = open(&cfg).await?;
            println!("schema is at version {}", store::migrate::latest_version());
            store.close().await;
        }
        Command::Unit {
            command: UnitCommand::List,
        } => {
            let store = open(&cfg).await?;
            for u in store.units().await? {
                println!(
                    "{}{}  {}  ({})",
                    "  ".repeat(u.depth),
                    u.code,
                    u.name,
                    u.kind
                );
            }
        }
        Command::User { command } => {
            let store = open(&cfg).await?;
            let who = AuditActor("cli".into());
            match command {
                UserCommand::Add {
                    username,
                    role,
                    unit,
                    scope,
                    display_name,
                    password_stdin,
                } => {
                    let password = read_password(password_stdin)?;
                    let username = Username::parse(&username)?;
                    let u = NewUser {
                        display_name: display_name.unwrap_or_else(|| username.as_str().to_string()),
                        username,
                        role: Role::parse(&role)?,
                        unit_code: unit,
                        scope: DataScope::parse(&scope)?,
                        password,
                        officer_badge: None,
                    };
                    store.create_user(&who, &u).await?;
                    println!("user {} added", u.username.as_str());
                }
                UserCommand::Disable { username } => {
                    store.set_user_disabled(&who, &username, true).await?;
                    println!("user {username} disabled; its sessions ended");
                }
                UserCommand::Enable { username } => {
                    store.set_user_disabled(&who, &username, false).await?;
                    println!("user {username} enabled");
                }
                UserCommand::ResetPassword {
                    username,
                    password_stdin,
                } => {
                    let password = read_password(password_stdin)?;
                    store.set_password(&who, &username, &password, None).await?;
                    println!("password of {username} reset; its sessions ended");
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = open(&cfg).await?;
            let r = store.audit_verify().await?;
            match r.first_bad {
                None => println!("audit chain verifies: {} rows", r.rows),
                Some((seq, why)) => {
                    println!("audit chain BROKEN at row {seq}: {why}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Backup { out } => {
            let store = open(&cfg).await?;
            let s = store.backup(&out).await?;
            for t in &s.tables {
                println!("{:<16} {:>9} rows  {}", t.table, t.rows, &t.digest[..16]);
            }
            println!("{} attachment files; written to {}", s.files, out.display());
        }
        Command::Restore { from } => {
            let store = open(&cfg).await?;
            let s = store.restore(&from).await?;
            println!(
                "restored {} tables and {} attachment files",
                s.tables.len(),
                s.files
            );
            let v = store.audit_verify().await?;
            if let Some((seq, why)) = v.first_bad {
                println!("audit chain BROKEN at row {seq}: {why}");
                return Ok(ExitCode::from(2));
            }
            println!("audit chain verifies: {} rows", v.rows);
        }
        Command::Gen { scale, seed } => {
            let scale = Scale::parse(&scale).context("--scale must be city or province")?;
            let store = open(&cfg).await?;
            let t = std::time::Instant::now();
            let s = generate(&store, scale, seed).await?;
            let c = &s.campaign;
            println!(
                "generated {} units, {} officers, {} users, {} clues ({} public tips); a campaign with {} activities, {} attendances, {} self-reports, {} findings, {} ledger rows, {} tasks; {} cases, {} inquiries, {} departures, {} lawyer appearances, {} business rows; in {:.1}s",
                s.units,
                s.officers,
                s.users.len(),
                s.clues,
                s.tips,
                c.activities,
                c.attendance,
                c.self_reports,
                c.findings,
                c.ledger_rows,
                c.tasks,
                s.enforcement.cases,
                s.enforcement.inquiries,
                s.enforcement.departures,
                s.enforcement.lawyer_appearances,
                s.enforcement.business_roles,
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(cfg: &Config, store: store::Store, require_totp: bool) -> Result<()> {
    let removed = store.sweep_orphan_attachments(0).await?;
    if removed > 0 {
        tracing::warn!(
            removed,
            "removed attachment folders of tips that never committed"
        );
    }
    store.warm_near_index().await?;
    // Catches the guiding-case index up with its table (or rebuilds it) before the first search.
    let indexed = store.open_guiding_index().await?;
    tracing::info!(indexed, "guiding-case index ready");
    store::jobs::spawn_runner(store.clone(), std::time::Duration::from_secs(60));
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let state = web::AppState::with_limits(
        store,
        web::WebConfig {
            require_totp,
            behind_tls: cfg.behind_tls,
            trust_proxy: cfg.trust_proxy,
        },
        cfg.limits,
    );
    web::serve(listener, state).await?;
    Ok(())
}
