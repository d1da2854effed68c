//! The whole flow in a real headless Chromium, driven through Debian's chromedriver: a member of the public
//! reports with an attachment on a phone-sized window and keeps the receipt; the discipline inspector takes
//! the clue through every step; unsealing the reporter's name needs the custodian; the reporter then reads
//! the outcome with the receipt. The binary runs as it would for a visitor (`mingjing demo`).
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (`.ci/run` installs them). Without them the test fails:
//! a skipped browser test would look like a passing one.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "Mingjing2026";
/// How long one page element may take to appear: a debug build on a shared two-core machine is slow.
const WAIT: Duration = Duration::from_secs(30);

/// A child process killed with its whole process group when the test ends, passed or not.
struct Killed {
    child: Child,
    name: &'static str,
}

impl Drop for Killed {
    fn drop(&mut self) {
        // Each child leads its own group, so this also ends the browsers chromedriver started.
        let pid = self.child.id() as i32;
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("stopped {}", self.name);
    }
}

fn spawn_group(cmd: &mut Command, name: &'static str) -> Killed {
    use std::os::unix::process::CommandExt;
    let child = cmd
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    Killed { child, name }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// Starts `mingjing demo` on a free port and waits for its `listening on` line (the demo city is made first).
fn start_server(data: &Path, log: &Path) -> (Killed, String) {
    let stderr = std::fs::File::create(log).expect("server log file");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mingjing"));
    cmd.arg("--data")
        .arg(data)
        .args(["demo", "--listen", "127.0.0.1:0"]);
    for v in [
        "MINGJING_CONFIG",
        "MINGJING_DATA",
        "MINGJING_LISTEN",
        "MINGJING_DATABASE_URL",
        "MINGJING_MASTER_KEY",
        "MINGJING_REQUIRE_TOTP",
    ] {
        cmd.env_remove(v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    let mut server = spawn_group(&mut cmd, "mingjing demo");
    let stdout = server.child.stdout.take().expect("server stdout");
    let (tx, rx) = mpsc::channel();
    // Reads every line to the end so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("listening on ") {
                    return (server, url.trim().to_string());
                }
            }
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                let log = std::fs::read_to_string(log).unwrap_or_default();
                panic!(
                    "mingjing demo did not print `listening on` (exit: {status:?}); its log:\n{}",
                    tail(&log, 40)
                );
            }
        }
    }
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

async fn start_chromedriver(dir: &Path) -> (Killed, String) {
    assert!(
        Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
        "the browser test needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); \
         install them with `apt-get install chromium chromium-driver` (.ci/run does)"
    );
    let port = free_port();
    let mut cmd = Command::new(CHROMEDRIVER);
    cmd.arg(format!("--port={port}")).arg(format!(
        "--log-path={}",
        dir.join("chromedriver.log").display()
    ));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let driver = spawn_group(&mut cmd, "chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client
            .get(format!("{url}/status"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (driver, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {url} within 30 s");
}

/// A headless Chromium session of its own (own profile, so its cookies are its own) on the server `base`.
async fn open_browser(driver_url: &str, base: &str, profile: &Path) -> Browser {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).expect("binary");
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=zh-CN",
        &format!("--user-data-dir={}", profile.display()),
    ] {
        caps.add_arg(arg).expect("chromium argument");
    }
    let driver = WebDriver::new(driver_url, caps)
        .await
        .expect("a Chromium session through chromedriver");
    driver
        .set_page_load_timeout(Duration::from_secs(60))
        .await
        .expect("page load timeout");
    Browser {
        driver,
        base: base.to_string(),
    }
}

/// The browser, with the helpers a test step needs: explicit waits that explain what they waited for.
struct Browser {
    driver: WebDriver,
    base: String,
}

impl Browser {
    async fn goto(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// Stops the test with where the browser was, what it showed and a screenshot for the CI log.
    async fn fail(&self, what: &str) -> ! {
        let url = self
            .driver
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let text = match self.driver.find(By::Tag("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-failure.png");
        let _ = self.driver.screenshot(&shot).await;
        panic!(
            "{what}\n  at {url}\n  screenshot: {}\n  page text:\n{}",
            shot.display(),
            text.chars().take(3000).collect::<String>()
        );
    }

    async fn wait(&self, by: By, what: &str) -> WebElement {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(e) = self.driver.find(by.clone()).await {
                return e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {WAIT:?} for {what}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element with this id reads `expected`; a form error on the page ends the wait early.
    async fn wait_text(&self, id: &str, expected: &str) {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            if let Ok(e) = self.driver.find(By::Id(id)).await
                && let Ok(t) = e.text().await
            {
                if t.trim() == expected {
                    return;
                }
                last = t;
            }
            for err in [
                "action-error",
                "login-error",
                "unseal-error",
                "lookup-error",
            ] {
                if let Ok(e) = self.driver.find(By::Id(err)).await {
                    let msg = e.text().await.unwrap_or_default();
                    self.fail(&format!(
                        "waiting for #{id} = {expected:?}, the page shows an error: {msg}"
                    ))
                    .await;
                }
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "waited {WAIT:?} for #{id} to read {expected:?}; it read {last:?}"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's URL path is `path` (after a redirect).
    async fn wait_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if self
                .driver
                .current_url()
                .await
                .is_ok_and(|u| u.path() == path)
            {
                return;
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {WAIT:?} to arrive at {path}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn type_into(&self, scope: &WebElement, css: &str, text: &str) {
        let e = scope
            .find(By::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no field {css}: {e}"));
        e.clear().await.ok();
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    async fn select(&self, scope: &WebElement, css: &str, value: &str) {
        let e = scope
            .find(By::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no select {css}: {e}"));
        SelectElement::new(&e)
            .await
            .expect("select element")
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("no option {value} in {css}: {e}"));
    }

    async fn submit(&self, scope: &WebElement) {
        let b = scope
            .find(By::Css("button[type=submit]"))
            .await
            .expect("a submit button in the form");
        b.scroll_into_view().await.ok();
        b.click().await.expect("click submit");
    }

    async fn login(&self, username: &str) {
        self.goto("/login").await;
        let form = self
            .wait(By::Css("form[action='/login']"), "the login form")
            .await;
        self.type_into(&form, "input[name=username]", username)
            .await;
        self.type_into(&form, "input[name=password]", PASSWORD)
            .await;
        self.driver
            .find(By::Id("login-submit"))
            .await
            .expect("login button")
            .click()
            .await
            .expect("click login");
        // Signed in: the staff header with its logout form appears (TOTP is off in the demo).
        let deadline = Instant::now() + WAIT;
        loop {
            if self
                .driver
                .find(By::Css("form[action='/logout']"))
                .await
                .is_ok()
            {
                return;
            }
            if let Ok(e) = self.driver.find(By::Id("login-error")).await {
                let msg = e.text().await.unwrap_or_default();
                self.fail(&format!("{username} could not sign in: {msg}"))
                    .await;
            }
            if Instant::now() > deadline {
                self.fail(&format!(
                    "{username} did not reach a staff page after signing in"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn logout(&self) {
        let b = self
            .wait(
                By::Css("form[action='/logout'] button"),
                "the logout button",
            )
            .await;
        b.click().await.expect("click logout");
        self.wait_path("/login").await;
        self.wait(By::Id("login-submit"), "the login page after logout")
            .await;
    }

    /// One step of the clue's life through its form on the detail page, then the state it must reach.
    async fn step(
        &self,
        form_id: &str,
        fill: impl AsyncFnOnce(&Browser, &WebElement),
        state: &str,
    ) {
        let form = self
            .wait(By::Id(form_id), &format!("the form #{form_id}"))
            .await;
        fill(self, &form).await;
        self.submit(&form).await;
        self.wait_text("clue-state", state).await;
    }

    async fn page_source(&self) -> String {
        self.driver.source().await.expect("page source")
    }
}

/// A 1×1 PNG: the portal checks uploads by content, so the evidence must really be an image.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_report_is_handled_to_the_end_in_a_real_browser() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let server_log = tmp.path().join("server.log");
    let (_chromedriver, driver_url) = start_chromedriver(tmp.path()).await;
    let (_server, base) = start_server(&data, &server_log);
    eprintln!("server ready at {base} after {:?}", started.elapsed());

    let b = open_browser(&driver_url, &base, &tmp.path().join("chromium-profile")).await;

    // Canaries: unique values that must reach the right people and nobody else.
    let nonce = format!(
        "{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let accused = format!("被举报人{nonce}");
    let reporter_name = format!("实名举报人{nonce}");
    let reporter_contact = format!("canary-{nonce}@example.invalid");
    let description = format!(
        "{accused}在办理一起合同纠纷案件期间，多次接受当事人宴请并收受购物卡，案件编号与时间地点附后。编号{nonce}"
    );
    let feedback =
        format!("经核查，反映的问题属实，已给予当事人党内警告处分。感谢您的监督。{nonce}");
    let evidence = tmp.path().join("证据截图.png");
    std::fs::write(&evidence, PNG).expect("evidence file");

    // ---- the public, on a phone ----
    b.driver
        .set_window_rect(0, 0, 390, 844)
        .await
        .expect("phone-sized window");
    b.goto("/").await;
    let form = b.wait(By::Id("tip-form"), "the report form").await;
    let overflow: i64 = b
        .driver
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .expect("measure the page")
        .convert()
        .expect("a number");
    assert!(
        overflow <= 0,
        "the report form is wider than a phone screen by {overflow}px"
    );
    b.select(&form, "select[name=category]", "judicial_corruption")
        .await;
    b.type_into(&form, "textarea[name=description]", &description)
        .await;
    b.type_into(&form, "input[name=accused_name]", &accused)
        .await;
    b.type_into(&form, "input[name=accused_unit]", "江州市中级人民法院")
        .await;
    b.type_into(&form, "input[name=reporter_name]", &reporter_name)
        .await;
    b.type_into(&form, "input[name=reporter_contact]", &reporter_contact)
        .await;
    let file = form
        .find(By::Css("input[type=file]"))
        .await
        .expect("the attachment input");
    file.send_keys(evidence.to_str().expect("utf-8 path"))
        .await
        .expect("attach the evidence");
    b.driver
        .find(By::Id("tip-submit"))
        .await
        .expect("submit button")
        .click()
        .await
        .expect("submit the report");
    let receipt = b
        .wait(By::Id("receipt-code"), "the receipt after submitting")
        .await
        .text()
        .await
        .expect("receipt text");
    let tip_number = b
        .driver
        .find(By::Id("tip-number"))
        .await
        .expect("tip number")
        .text()
        .await
        .expect("tip number text");
    let digits: String = receipt.chars().filter(char::is_ascii_digit).collect();
    assert!(
        digits.len() >= 20,
        "the receipt {receipt:?} must carry at least 20 digits"
    );
    assert!(
        tip_number.starts_with("JB-"),
        "a report number like JB-2026-000123, got {tip_number:?}"
    );
    eprintln!("report {tip_number} filed after {:?}", started.elapsed());

    b.goto("/lookup").await;
    let form = b
        .wait(By::Css("form[action='/lookup']"), "the lookup form")
        .await;
    b.type_into(&form, "input[name=receipt]", &receipt).await;
    b.driver
        .find(By::Id("lookup-submit"))
        .await
        .expect("lookup button")
        .click()
        .await
        .expect("look up");
    b.wait_text("tip-status", "已受理").await;

    // ---- the discipline inspector ----
    b.driver
        .set_window_rect(0, 0, 1280, 900)
        .await
        .expect("desktop window");
    b.login("jiwei").await;
    b.goto(&format!("/clues?q={accused}")).await;
    b.wait(By::Id("clue-table"), "the clue list").await;
    let links = b
        .driver
        .find_all(By::Css("#clue-table tbody a[href^='/clues/']"))
        .await
        .expect("clue rows");
    assert_eq!(links.len(), 1, "exactly one clue about {accused}");
    let clue_path = links[0]
        .attr("href")
        .await
        .expect("href")
        .expect("a link to the clue");
    assert!(
        !b.page_source().await.contains(&reporter_name),
        "the clue list must not show the sealed reporter name"
    );
    b.goto(&clue_path).await;
    b.wait_text("clue-state", "已登记").await;
    let heading = b
        .driver
        .find(By::Tag("h1"))
        .await
        .expect("heading")
        .text()
        .await
        .expect("heading text");
    let clue_number = heading
        .split_whitespace()
        .nth(1)
        .expect("线索 NUMBER in the heading")
        .to_string();
    let shown = b
        .wait(By::Id("tip-description"), "the report text on the clue")
        .await
        .text()
        .await
        .expect("description");
    assert_eq!(
        shown.trim(),
        description,
        "the inspector reads what the reporter wrote"
    );
    let att = b
        .wait(By::Css("a[href*='/attachments/']"), "the attachment link")
        .await;
    assert_eq!(
        att.text().await.expect("attachment name").trim(),
        "证据截图.png"
    );
    let att_href = att
        .attr("href")
        .await
        .expect("href")
        .expect("attachment href");
    let src = b.page_source().await;
    assert!(
        src.contains(&tip_number),
        "the clue shows its report number {tip_number}"
    );
    assert!(
        !src.contains(&reporter_name) && !src.contains(&reporter_contact),
        "the sealed identity must not be on the clue page"
    );

    // The attachment comes back byte for byte with the inspector's session (the browser would download it).
    let sid = b
        .driver
        .get_named_cookie("mj_sid")
        .await
        .expect("session cookie")
        .value;
    let res = reqwest::Client::new()
        .get(format!("{base}{att_href}"))
        .header("cookie", format!("mj_sid={sid}"))
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        disposition.starts_with("attachment"),
        "served as a download, got {disposition:?}"
    );
    assert_eq!(
        res.bytes().await.expect("attachment bytes").as_ref(),
        PNG,
        "the attachment decrypts to what was uploaded"
    );

    let mut unit_label = String::new();
    b.step(
        "form-assign",
        async |b: &Browser, f: &WebElement| {
            let sel = f
                .find(By::Css("select[name=unit_id]"))
                .await
                .expect("unit select");
            let opt = sel
                .find(By::Css("option:nth-child(2)"))
                .await
                .expect("a unit below the root");
            unit_label = opt
                .text()
                .await
                .expect("unit name")
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
                .to_string();
            opt.click().await.expect("choose the unit");
            b.type_into(f, "input[name=note]", "请承办单位依规核查")
                .await;
        },
        "已分办",
    )
    .await;
    assert!(
        b.page_source().await.contains(&unit_label),
        "the clue names its new unit {unit_label}"
    );
    b.step(
        "form-dispose",
        async |b: &Browser, f: &WebElement| {
            b.select(f, "select[name=method]", "preliminary_check")
                .await
        },
        "处置中",
    )
    .await;
    b.step(
        "form-verify",
        async |b: &Browser, f: &WebElement| {
            b.type_into(
                f,
                "textarea[name=note]",
                "经调取银行流水、询问当事人，反映问题基本查实。",
            )
            .await
        },
        "已核查",
    )
    .await;
    b.step(
        "form-conclude",
        async |b: &Browser, f: &WebElement| b.select(f, "select[name=conclusion]", "true").await,
        "已认定",
    )
    .await;
    b.step(
        "form-handle",
        async |b: &Browser, f: &WebElement| {
            b.select(f, "select[name=outcome]", "party_warning").await
        },
        "已处理",
    )
    .await;
    b.step(
        "form-close",
        async |b: &Browser, f: &WebElement| {
            b.type_into(f, "textarea[name=feedback]", &feedback).await;
            b.type_into(f, "input[name=note]", "办结归档").await;
        },
        "已办结",
    )
    .await;
    let steps = b
        .driver
        .find_all(By::Css("#timeline li"))
        .await
        .expect("timeline")
        .len();
    assert!(
        steps >= 7,
        "the timeline shows registration and six steps, found {steps} entries"
    );
    assert!(
        b.driver
            .find(By::Css("form.step[id^='form-'][action$='/step']"))
            .await
            .is_err(),
        "a closed clue offers no further step"
    );
    eprintln!("clue closed after {:?}", started.elapsed());

    let form = b
        .wait(
            By::Css("form[action^='/unseal/request/']"),
            "the unseal request form",
        )
        .await;
    b.type_into(
        &form,
        "textarea[name=reason]",
        "需当面向举报人核实收受购物卡的时间和经手人，申请启封身份。",
    )
    .await;
    b.driver
        .find(By::Id("unseal-request"))
        .await
        .expect("unseal button")
        .click()
        .await
        .expect("request unsealing");
    b.wait(
        By::XPath("//p[contains(., '待保管员审批')]"),
        "the pending unseal request on the clue",
    )
    .await;
    assert!(
        b.driver.find(By::Id("view-identity")).await.is_err(),
        "no identity before the custodian approves"
    );
    b.logout().await;

    // ---- the custodian ----
    b.login("baoguan").await;
    b.goto("/unseal").await;
    let pending = b
        .wait(
            By::XPath(format!(
                "//div[starts-with(@id, 'pending-')][contains(., '{clue_number}')]"
            )),
            "the pending request for the clue",
        )
        .await;
    let request_id = pending
        .id()
        .await
        .expect("id")
        .expect("pending-… id")
        .trim_start_matches("pending-")
        .to_string();
    assert!(
        !b.page_source().await.contains(&reporter_name),
        "the custodian approves without seeing the identity"
    );
    pending
        .find(By::Css("button.unseal-approve"))
        .await
        .expect("approve button")
        .click()
        .await
        .expect("approve");
    b.wait(
        By::XPath(format!(
            "//table[@id='unseal-history']//tr[contains(., '{clue_number}')][contains(., '已批准')]"
        )),
        "the approved request in the history",
    )
    .await;
    // Approving is not seeing: the identity page is the requester's alone.
    b.goto(&format!("/unseal/{request_id}/identity")).await;
    b.wait(By::Tag("body"), "any page").await;
    assert!(
        !b.page_source().await.contains(&reporter_name),
        "the custodian must not see the reporter's identity"
    );
    b.goto("/unseal").await;
    b.logout().await;

    // ---- the inspector again ----
    b.login("jiwei").await;
    b.goto(&clue_path).await;
    b.wait(By::Id("view-identity"), "the link to the unsealed identity")
        .await
        .click()
        .await
        .expect("open the identity");
    b.wait_text("reporter-name", &reporter_name).await;
    b.wait_text("reporter-contact", &reporter_contact).await;
    b.logout().await;

    // ---- the public again, with the receipt ----
    b.driver
        .set_window_rect(0, 0, 390, 844)
        .await
        .expect("phone-sized window");
    b.goto("/lookup").await;
    let form = b
        .wait(By::Css("form[action='/lookup']"), "the lookup form")
        .await;
    b.type_into(&form, "input[name=receipt]", &digits).await;
    b.driver
        .find(By::Id("lookup-submit"))
        .await
        .expect("lookup button")
        .click()
        .await
        .expect("look up");
    b.wait_text("tip-status", "已办结").await;
    b.wait_text("tip-feedback", &feedback).await;
    assert!(
        b.driver.find(By::Id("reply-submit")).await.is_err(),
        "a closed report takes no more replies"
    );

    b.driver.quit().await.expect("end the browser session");

    // The identity went only where it was allowed: not into the log, and nowhere on disk in plain text.
    let log = std::fs::read(&server_log).expect("server log");
    for canary in [&reporter_name, &reporter_contact] {
        assert!(
            !contains(&log, canary.as_bytes()),
            "the server log must not contain {canary}"
        );
        for f in files_under(&data) {
            let bytes = std::fs::read(&f).unwrap_or_default();
            assert!(
                !contains(&bytes, canary.as_bytes()),
                "{} holds {canary} in plain text",
                f.display()
            );
        }
    }
    eprintln!("browser flow done in {:?}", started.elapsed());
}

impl Browser {
    /// The text of the element found by `by`, once it appears.
    async fn text(&self, by: By, what: &str) -> String {
        self.wait(by, what)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("cannot read {what}: {e}"))
            .trim()
            .to_string()
    }

    /// Waits for `by`; a form error (`.field-err`, `#form-error`) on the page ends the wait early.
    async fn wait_ok(&self, by: By, what: &str) -> WebElement {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(e) = self.driver.find(by.clone()).await {
                return e;
            }
            for err in [By::Css(".field-err"), By::Id("form-error")] {
                if let Ok(e) = self.driver.find(err).await {
                    let msg = e.text().await.unwrap_or_default();
                    self.fail(&format!(
                        "waiting for {what}, the page shows an error: {msg}"
                    ))
                    .await;
                }
            }
            if Instant::now() > deadline {
                self.fail(&format!("waited {WAIT:?} for {what}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks like a person: scrolled into view first.
    async fn click(&self, e: &WebElement, what: &str) {
        e.scroll_into_view().await.ok();
        e.click()
            .await
            .unwrap_or_else(|err| panic!("cannot click {what}: {err}"));
    }

    /// How far the page is wider than the window (0 or less: it fits).
    async fn overflow(&self) -> i64 {
        self.driver
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .expect("measure the page")
            .convert()
            .expect("a number")
    }

    /// The rows of the phase board (#board) on the current page: (unit id, unit name, phase, status).
    async fn board_rows(&self) -> Vec<(String, String, String, String)> {
        self.wait(By::Id("board"), "the phase board").await;
        let mut out = Vec::new();
        for row in self
            .driver
            .find_all(By::Css("#board tbody tr"))
            .await
            .expect("board rows")
        {
            let id = row
                .id()
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
                .trim_start_matches("board-")
                .to_string();
            let cells = row.find_all(By::Tag("td")).await.expect("cells");
            let mut text = Vec::new();
            for c in cells.iter().take(4) {
                text.push(c.text().await.unwrap_or_default().trim().to_string());
            }
            if text.len() == 4 {
                out.push((
                    id,
                    text[0].trim_start_matches('　').to_string(),
                    text[1].clone(),
                    text[3].clone(),
                ));
            }
        }
        out
    }
}

/// The number right after `label` in `text` ("已签到 12 人" → 12).
fn number_after(text: &str, label: &str) -> i64 {
    let rest = text
        .split_once(label)
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("{label} not in {text:?}"));
    rest.trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label} in {text:?}"))
}

/// The demo's campaign in progress, on a phone and at the office: the officer signs in to today's
/// meeting with the code the office puts on the screen and files the self-report on a phone-sized
/// window; the office finds a unit whose exit checklist fails (advancing it is refused, with the failing
/// criteria shown) and one whose checklist holds, and moves that one on; then the officer takes the open
/// test, answering six questions right by the office's bank, and the grade must say exactly that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_studies_and_reports_on_a_phone_and_the_office_moves_a_unit_on() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let server_log = tmp.path().join("server.log");
    let (_chromedriver, driver_url) = start_chromedriver(tmp.path()).await;
    let (_server, base) = start_server(&data, &server_log);
    eprintln!("server ready at {base} after {:?}", started.elapsed());
    // Two people at once: the office at a desk, the officer on a phone.
    let desk = open_browser(&driver_url, &base, &tmp.path().join("desk-profile")).await;
    let phone = open_browser(&driver_url, &base, &tmp.path().join("phone-profile")).await;
    desk.driver
        .set_window_rect(0, 0, 1280, 900)
        .await
        .expect("desktop window");
    phone
        .driver
        .set_window_rect(0, 0, 390, 844)
        .await
        .expect("phone-sized window");

    // ---- the officer finds today's meeting ----
    phone.login("ganjing").await;
    phone.goto("/study/signin").await;
    let form = phone.wait(By::Id("signin-form"), "the sign-in form").await;
    assert!(
        phone.driver.find(By::Id("no-activity")).await.is_err(),
        "the officer has a meeting to sign in to today"
    );
    let activity_id = form
        .find(By::Css("input[name=activity_id]"))
        .await
        .expect("today's one meeting, chosen for the officer")
        .attr("value")
        .await
        .expect("value")
        .expect("the meeting's id");
    let overflow = phone.overflow().await;
    assert!(
        overflow <= 0,
        "the sign-in page is wider than a phone by {overflow}px"
    );

    // ---- the office puts the venue code on the screen ----
    desk.login("office").await;
    let code_page = format!("/study/activities/{activity_id}/code");
    desk.goto(&code_page).await;
    let code = desk.text(By::Id("venue-code"), "the venue code").await;
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "a six-digit code, got {code:?}"
    );
    let title = desk
        .text(By::Css("p.venue-title"), "the meeting's title")
        .await;
    let before = number_after(
        &desk
            .text(By::Css("p.venue-meta"), "the attendance line")
            .await,
        "已签到",
    );
    assert!(before > 0, "colleagues signed in before the officer");

    // ---- the officer signs in with it ----
    let form = phone.wait(By::Id("signin-form"), "the sign-in form").await;
    phone.type_into(&form, "input[name=code]", &code).await;
    phone.submit(&form).await;
    let ok = phone
        .wait_ok(By::Id("signin-ok"), "the sign-in confirmation")
        .await
        .text()
        .await
        .expect("confirmation");
    assert!(
        ok.contains("签到成功") && ok.contains(&title),
        "signed in to {title}: {ok:?}"
    );
    desk.goto(&code_page).await;
    let after = number_after(
        &desk
            .text(By::Css("p.venue-meta"), "the attendance line")
            .await,
        "已签到",
    );
    assert_eq!(after, before + 1, "the venue screen counts the officer");
    phone.goto("/study/me").await;
    let mine = phone
        .text(By::Id("my-activities"), "the officer's attended meetings")
        .await;
    assert!(
        mine.contains(&title),
        "the meeting is counted in 我的学习: {mine}"
    );
    eprintln!("signed in after {:?}", started.elapsed());

    // ---- the officer files the self-report: 无 everywhere but one ----
    phone.goto("/selfcheck").await;
    let report = phone
        .wait(By::Id("self-report"), "the self-report form")
        .await;
    assert!(
        phone
            .text(By::Id("versions"), "the versions")
            .await
            .is_empty(),
        "nothing filed yet"
    );
    let problem = "本人于今年3月在工作时间外出办理个人私事约两小时，未履行请假手续。";
    let sections = report
        .find_all(By::Css("fieldset.section"))
        .await
        .expect("sections");
    assert_eq!(sections.len(), 11, "one section per problem category");
    for sec in &sections {
        let id = sec.id().await.ok().flatten().unwrap_or_default();
        if id == "sec-conduct" {
            let yes = sec.find(By::Css("input[value=text]")).await.expect("有");
            phone.click(&yes, "有").await;
            phone.type_into(sec, "textarea", problem).await;
        } else {
            let nil = sec.find(By::Css("input[value=nil]")).await.expect("无");
            phone.click(&nil, "无").await;
        }
    }
    let overflow = phone.overflow().await;
    assert!(
        overflow <= 0,
        "the self-report is wider than a phone by {overflow}px"
    );
    let button = phone
        .wait(By::Id("submit-report"), "the submit button")
        .await;
    phone.click(&button, "submit the report").await;
    let filed = phone
        .wait_ok(By::Id("filed-ok"), "the filing confirmation")
        .await
        .text()
        .await
        .expect("confirmation");
    assert!(filed.contains("已提交"), "{filed}");
    let versions = phone.text(By::Id("versions"), "the versions").await;
    assert!(
        versions.contains("第1版") && versions.contains(problem) && !versions.contains("第2版"),
        "saved as version 1 with the problem: {versions}"
    );
    eprintln!("self-report filed after {:?}", started.elapsed());

    // ---- the office at the phase board ----
    desk.goto("/campaigns").await;
    let link = desk
        .wait(
            By::Css("#campaign-table a[href^='/campaigns/']"),
            "the campaign in progress",
        )
        .await;
    let campaign_path = link.attr("href").await.expect("href").expect("a link");
    // Units in 查纠整改, page by page, until one that can move on and one that cannot are both found.
    let mut ready = None;
    let mut blocked = None;
    let mut page = 1;
    while ready.is_none() || blocked.is_none() {
        desk.goto(&format!("{campaign_path}?phase=1&page={page}"))
            .await;
        let rows = desk.board_rows().await;
        assert!(!rows.is_empty(), "no more units in 查纠整改 on page {page}");
        for r in rows {
            assert_eq!(r.2, "查纠整改", "the filter shows 查纠整改 only: {r:?}");
            if r.3 == "条件已满足" && ready.is_none() {
                ready = Some(r);
            } else if r.3 == "未满足退出条件" && blocked.is_none() {
                blocked = Some(r);
            }
        }
        page += 1;
    }
    let (ready_id, ready_name, _, _) = ready.expect("a ready unit");
    let (blocked_id, blocked_name, _, _) = blocked.expect("a blocked unit");
    eprintln!("ready: {ready_name}; blocked: {blocked_name}");

    // A unit whose checklist fails: no advance button, and a forced request is refused with the reasons.
    desk.goto(&format!("{campaign_path}/units/{blocked_id}"))
        .await;
    let checklist = desk.text(By::Id("checklist"), "the checklist").await;
    assert!(checklist.contains("✗ 未满足"), "{checklist}");
    let form = desk.wait(By::Id("form-advance"), "the advance form").await;
    assert!(
        form.find(By::Css("button")).await.is_err(),
        "no advance button while the checklist fails"
    );
    desk.driver
        .execute("document.getElementById('form-advance').submit();", vec![])
        .await
        .expect("send the advance request anyway");
    let refusal = desk
        .text(
            By::Css("p.err[data-field=advance]"),
            "the refusal beside the advance form",
        )
        .await;
    assert!(
        refusal.contains("退出条件未满足"),
        "the refusal names the failing criteria: {refusal}"
    );
    let failing = desk
        .driver
        .find_all(By::Css("#checklist tr.overdue td:nth-child(3)"))
        .await
        .expect("failing facts");
    assert!(!failing.is_empty(), "the failing criteria are listed");
    for fact in failing {
        let fact = fact.text().await.unwrap_or_default();
        assert!(
            refusal.contains(fact.trim()),
            "the refusal gives the fact {fact:?}: {refusal}"
        );
    }
    assert!(
        desk.text(By::Id("unit-phase"), "the unit's phase")
            .await
            .contains("查纠整改"),
        "{blocked_name} stays in 查纠整改"
    );

    // A unit whose checklist holds moves on, and the board shows it in the next phase.
    desk.goto(&format!("{campaign_path}/units/{ready_id}"))
        .await;
    let form = desk.wait(By::Id("form-advance"), "the advance form").await;
    let button = form
        .find(By::Css("button[type=submit]"))
        .await
        .expect("the advance button of a unit whose checklist holds");
    desk.click(&button, "推进至下一阶段").await;
    let moved = desk.text(By::Id("move-ok"), "the confirmation").await;
    assert!(moved.contains("已推进"), "{moved}");
    assert!(
        desk.text(By::Id("unit-phase"), "the unit's phase")
            .await
            .contains("总结提升"),
        "{ready_name} is in 总结提升"
    );
    let history = desk.text(By::Id("history"), "the phase history").await;
    assert!(
        history.contains("推进") && history.contains("进入「总结提升」"),
        "{history}"
    );
    desk.goto(&format!("{campaign_path}?phase=2")).await;
    let rows = desk.board_rows().await;
    assert!(
        rows.iter().any(|r| r.0 == ready_id && r.2 == "总结提升"),
        "the board shows {ready_name} in 总结提升: {rows:?}"
    );
    desk.goto(&format!("{campaign_path}?phase=1")).await;
    let rows = desk.board_rows().await;
    assert!(
        rows.iter().all(|r| r.0 != ready_id),
        "{ready_name} has left 查纠整改 on the board"
    );

    // ---- the office's question bank, so the grade can be checked to the point ----
    let mut bank: Vec<(String, String)> = Vec::new();
    desk.goto("/study/questions").await;
    loop {
        desk.wait(By::Id("question-table"), "the question bank")
            .await;
        for row in desk
            .driver
            .find_all(By::Css("#question-table tbody tr"))
            .await
            .expect("bank rows")
        {
            let cells = row.find_all(By::Tag("td")).await.expect("cells");
            let stem = cells[1].text().await.expect("stem").trim().to_string();
            let answer = cells[3].text().await.expect("answer").trim().to_string();
            bank.push((stem, answer));
        }
        let Ok(next) = desk.driver.find(By::Id("next-page")).await else {
            break;
        };
        let href = next.attr("href").await.expect("href").expect("next page");
        desk.goto(&href).await;
    }
    assert!(bank.len() >= 40, "the bank holds {} questions", bank.len());

    // ---- the officer takes the open test: six answers right, the rest wrong ----
    phone.goto("/study/tests").await;
    let test_link = phone
        .wait(By::Css("main a[href^='/study/tests/']"), "the open test")
        .await;
    phone.click(&test_link, "the open test").await;
    let start = phone.wait(By::Id("start-form"), "the start button").await;
    let pass_line = number_after(
        &phone.text(By::Tag("main"), "the test's rules").await,
        "及格线",
    );
    phone.submit(&start).await;
    let quiz = phone.wait(By::Id("attempt-form"), "the questions").await;
    let questions = quiz
        .find_all(By::Css("fieldset.question"))
        .await
        .expect("questions");
    assert!(questions.len() >= 10, "{} questions", questions.len());
    // Each question's choices form one group of their own, named after the question.
    for (i, q) in questions.iter().enumerate() {
        for input in q.find_all(By::Css("input")).await.expect("choices") {
            let name = input.attr("name").await.expect("name").unwrap_or_default();
            assert_eq!(
                name,
                format!("q{i}"),
                "question {} offers a choice named {name:?}: the attempt form must name every choice of question i `q{{i}}`, or choosing in one question unchecks another",
                i + 1
            );
        }
    }
    let (mut right, mut score, mut max) = (0, 0, 0);
    for (i, q) in questions.iter().enumerate() {
        let legend = q
            .find(By::Tag("legend"))
            .await
            .expect("legend")
            .text()
            .await
            .expect("legend text");
        // The stem may hold "（　）" itself; the points come last: "（2分）".
        let (_, tail) = legend.rsplit_once('（').expect("the points");
        let points = number_after(&format!("（{tail}"), "（");
        let (_, answer) = bank
            .iter()
            .find(|(stem, _)| legend.contains(stem.as_str()))
            .unwrap_or_else(|| panic!("question {legend:?} is not in the bank"));
        let mut letters = Vec::new();
        for input in q.find_all(By::Css("input")).await.expect("choices") {
            letters.push(input.attr("value").await.expect("value").expect("a letter"));
        }
        let pick: Vec<&String> = if i < 6 {
            right += 1;
            score += points;
            letters
                .iter()
                .filter(|l| answer.contains(l.as_str()))
                .collect()
        } else {
            // One option that is not the answer, or part of an all-options answer: wrong either way.
            let wrong: Vec<&String> = letters
                .iter()
                .filter(|l| !answer.contains(l.as_str()))
                .take(1)
                .collect();
            if wrong.is_empty() {
                letters.iter().take(1).collect()
            } else {
                wrong
            }
        };
        max += points;
        for l in pick {
            let input = q
                .find(By::Css(&format!("input[value='{l}']")))
                .await
                .unwrap_or_else(|e| panic!("no option {l} in {legend:?}: {e}"));
            phone.click(&input, "an answer").await;
        }
    }
    let overflow = phone.overflow().await;
    assert!(
        overflow <= 0,
        "the test is wider than a phone by {overflow}px"
    );
    phone.submit(&quiz).await;
    let result = phone
        .wait_ok(By::Id("attempt-result"), "the graded result")
        .await
        .text()
        .await
        .expect("result");
    let percent = score * 100 / max;
    let expected = format!(
        "共{}题，答对{right}题，得{score}分（满分{max}分，折合{percent}%）",
        questions.len()
    );
    assert!(
        result.contains(&expected),
        "expected {expected:?} in {result}"
    );
    assert!(
        !result.contains("未作答"),
        "every question was answered: {result}"
    );
    let mut marked = 0;
    for tag in phone
        .driver
        .find_all(By::Css("div.question span.tag"))
        .await
        .expect("marks")
    {
        if tag.text().await.unwrap_or_default().trim() == "正确" {
            marked += 1;
        }
    }
    assert_eq!(
        marked, right,
        "the questions marked right add up to the grade"
    );
    let passed = percent >= pass_line;
    assert_eq!(
        phone.driver.find(By::Id("passed")).await.is_ok(),
        passed,
        "{percent}% against the pass line {pass_line}%: {result}"
    );
    assert_eq!(
        phone.driver.find(By::Id("not-passed")).await.is_ok(),
        !passed
    );
    eprintln!(
        "test graded ({right} right, {percent}%) after {:?}",
        started.elapsed()
    );
    phone.driver.quit().await.expect("end the phone session");
    desk.driver.quit().await.expect("end the desk session");
    eprintln!("campaign flow done in {:?}", started.elapsed());
}

/// Enforcement supervision in the demo city, by three people in turn: the officer records that a
/// deputy director phoned about a case he handles (flagged as interference); the court's liaison files
/// last quarter's nil report; the discipline inspector runs the revolving-door check, turns one of its
/// findings into a clue in one step and finds that clue at the top of the clue list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inquiry_a_nil_report_and_a_revolving_door_clue() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let server_log = tmp.path().join("server.log");
    let (_chromedriver, driver_url) = start_chromedriver(tmp.path()).await;
    let (_server, base) = start_server(&data, &server_log);
    eprintln!("server ready at {base} after {:?}", started.elapsed());
    let b = open_browser(&driver_url, &base, &tmp.path().join("profile")).await;
    b.driver
        .set_window_rect(0, 0, 1280, 900)
        .await
        .expect("desktop window");

    // ---- 逢问必录: the officer records an inquiry about his own case ----
    b.login("ganjing").await;
    b.goto("/inquiries/new").await;
    let form = b.wait(By::Id("inquiry-form"), "the inquiry form").await;
    let case_number = b
        .wait(By::Css("#my-cases option"), "the officer's own cases")
        .await
        .attr("value")
        .await
        .expect("value")
        .expect("a case number");
    b.type_into(&form, "input[name=case]", &case_number).await;
    b.type_into(&form, "input[name=asker_name]", "刘建国").await;
    b.type_into(&form, "input[name=asker_position]", "副局长")
        .await;
    b.type_into(&form, "input[name=asker_unit]", "江州市住房和城乡建设局")
        .await;
    b.select(&form, "select[name=channel]", "phone").await;
    b.type_into(
        &form,
        "textarea[name=content]",
        "打电话询问案件办理进展，称当事人是其亲戚，希望从轻处理。",
    )
    .await;
    b.type_into(
        &form,
        "textarea[name=handling]",
        "告知案件正在依法办理，拒绝其请托，已如实登记并报告。",
    )
    .await;
    b.submit(&form).await;
    b.wait_ok(
        By::Id("interference-flag"),
        "the record, flagged as interference",
    )
    .await;
    let heading = b.text(By::Tag("h1"), "the record's heading").await;
    assert!(heading.contains("GW-"), "a numbered record: {heading}");
    let body = b.text(By::Tag("main"), "the record").await;
    assert!(
        body.contains(&case_number) && body.contains("刘建国"),
        "the record names the case and who asked: {body}"
    );
    let reason = b.text(By::Id("reason"), "why it was flagged").await;
    assert!(
        reason.contains("副局长") && reason.contains("干预司法"),
        "{reason}"
    );
    b.logout().await;
    eprintln!("inquiry recorded after {:?}", started.elapsed());

    // ---- the court's liaison files last quarter's nil report ----
    b.login("lianluo").await;
    b.goto("/inquiries/reports").await;
    assert_eq!(
        b.text(By::Id("missing-count"), "units that owe a report")
            .await,
        "1",
        "the liaison's unit has not filed last quarter's report"
    );
    let form = b.wait(By::Id("report-form"), "the report form").await;
    let nil = form
        .find(By::Css("input[name=kind][value=nil]"))
        .await
        .expect("the nil-report choice");
    b.click(&nil, "零报告").await;
    b.submit(&form).await;
    b.wait_ok(By::Id("report-ok"), "the confirmation").await;
    assert_eq!(b.text(By::Id("missing-count"), "still owing").await, "0");
    assert_eq!(b.text(By::Id("filed-count"), "filed").await, "1");
    let table = b.text(By::Id("report-table"), "the units' reports").await;
    assert!(table.contains("零报告"), "{table}");
    b.logout().await;
    eprintln!("nil report filed after {:?}", started.elapsed());

    // ---- the inspector runs the revolving-door check and opens a clue from a finding ----
    b.login("jiwei").await;
    b.goto("/checks/rules").await;
    let run = b
        .wait(
            By::Id("run-revolving_window"),
            "the revolving-door rule's run button",
        )
        .await;
    b.click(&run, "立即运行本规则").await;
    let result = b
        .wait_ok(By::Id("run-result"), "the run's result")
        .await
        .text()
        .await
        .expect("result text");
    assert!(result.contains("比对完成"), "{result}");
    let matched = number_after(&result, "离任后限制期内担任代理人、辩护人：命中");
    assert!(
        matched > 0,
        "the demo city has a departed judge acting as a lawyer: {result}"
    );
    b.goto("/checks?rule=revolving_window&clue=no").await;
    let link = b
        .wait(
            By::Css("#finding-table tbody a[href^='/checks/findings/']"),
            "a revolving-door finding without a clue",
        )
        .await;
    let finding_number = link.text().await.expect("finding number");
    b.click(&link, "the finding").await;
    let because = b.text(By::Id("because"), "why it matched").await;
    assert!(because.contains("离任"), "{because}");
    let form = b.wait(By::Id("open-clue"), "the one-step clue form").await;
    b.submit(&form).await;
    let clue_number = b
        .wait_ok(By::Css("#clue-link a"), "the link to the new clue")
        .await
        .text()
        .await
        .expect("clue number")
        .trim()
        .to_string();
    assert!(clue_number.starts_with("XS-"), "{clue_number}");
    b.goto("/clues").await;
    let first = b
        .text(By::Css("#clue-table tbody tr"), "the newest clue")
        .await;
    assert!(
        first.contains(&clue_number) && first.contains("数据比对"),
        "the clue from {finding_number} heads the list: {first}"
    );
    b.goto(&format!("/checks?rule=revolving_window&q={finding_number}"))
        .await;
    let row = b
        .text(By::Css("#finding-table tbody tr"), "the finding's row")
        .await;
    assert!(
        row.contains(&format!("线索 {clue_number}")),
        "the finding links its clue: {row}"
    );
    b.driver.quit().await.expect("end the session");
    eprintln!("enforcement flow done in {:?}", started.elapsed());
}
