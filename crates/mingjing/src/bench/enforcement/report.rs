//! The enforcement phase's lines of the report: its bars, its HTTP phases and the details behind them.

use std::fmt::Write as _;

use super::super::{mb, phase_row, yes};
use super::{BAR_DOCS, Bar, ChildRun, Enforcement, INDEX_BAR, PageRun, SEARCH_BAR_MS, SERVER_MB};

fn secs(v: f64) -> String {
    format!("{v:.1} s")
}

fn clean(s: &str) -> String {
    s.replace('|', "/").replace('\n', " ").replace('`', "'")
}

fn hwm_mb(r: &ChildRun) -> Option<f64> {
    r.hwm_after_kb.map(|k| k as f64 / 1024.0)
}

impl Enforcement {
    fn at_bar(&self) -> bool {
        self.guiding.docs >= BAR_DOCS as i64
    }

    /// "met"/"NOT met" over 100,000 documents or more; no verdict for a trial with fewer.
    fn search_verdict(&self, ok: bool) -> String {
        if self.at_bar() {
            yes(ok).to_string()
        } else {
            format!(
                "no verdict ({} documents, the bar is for {BAR_DOCS})",
                self.guiding.docs
            )
        }
    }

    fn not_measured(&self, s: &mut String, what: &str, bar: &str) {
        let _ = writeln!(
            s,
            "| {what} | not measured{} | — | — | {bar} | {} |",
            self.skipped
                .as_deref()
                .map(|w| format!(": {}", clean(w)))
                .unwrap_or_default(),
            yes(false)
        );
    }

    /// Rows of the bars table.
    pub fn bar_rows(&self, s: &mut String) {
        let memory = |s: &mut String, what: &str, r: &Option<ChildRun>| match r {
            Some(r) if r.error.is_none() => {
                let _ = writeln!(
                    s,
                    "| {what}: peak RSS (VmHWM of its own process; {} at start) | {} | — | — | ≤ {SERVER_MB:.0} MB (the server's bar: it runs inside the server) | {} |",
                    mb(r.hwm_before_kb),
                    mb(r.hwm_after_kb),
                    yes(hwm_mb(r).is_some_and(|m| m <= SERVER_MB))
                );
            }
            Some(r) => {
                let _ = writeln!(
                    s,
                    "| {what} | failed after {}: {} | — | — | ≤ {SERVER_MB:.0} MB | {} |",
                    secs(r.secs),
                    clean(r.error.as_deref().unwrap_or("")),
                    yes(false)
                );
            }
            None => self.not_measured(s, what, &format!("≤ {SERVER_MB:.0} MB")),
        };
        memory(
            s,
            "nightly run of every data check (`Store::run_all_checks`)",
            &self.all_checks,
        );
        memory(
            s,
            "warning score recompute (`Store::recompute_warnings`)",
            &self.warnings,
        );
        // A server rebuilds the index itself when it finds none (first start, after a restore).
        memory(
            s,
            &format!(
                "full-text index built from nothing ({} documents)",
                self.guiding.docs
            ),
            &self.guiding.index,
        );

        let g = &self.guiding;
        match (&g.index, g.jieba) {
            (Some(ix), Some((jc, js))) if ix.error.is_none() => {
                let rate = g.chars as f64 / ix.secs.max(1e-9);
                let base = jc as f64 / js.max(1e-9);
                let ratio = rate / base.max(1e-9);
                let _ = writeln!(
                    s,
                    "| full-text indexing of {} guiding documents ({} characters): chars/s | {rate:.0}/s | jieba `cut_for_search` on one core: {base:.0}/s | {:.0}% | ≥ 70% | {} |",
                    ix.count,
                    g.chars,
                    ratio * 100.0,
                    self.search_verdict(ratio >= INDEX_BAR)
                );
            }
            (Some(ix), _) if ix.error.is_some() => {
                let _ = writeln!(
                    s,
                    "| full-text indexing of the guiding documents | failed: {} | — | — | ≥ 70% | {} |",
                    clean(ix.error.as_deref().unwrap_or("")),
                    yes(false)
                );
            }
            _ => self.not_measured(s, "full-text indexing of the guiding documents", "≥ 70%"),
        }

        if self.pages.is_empty() {
            self.not_measured(s, "GET /warnings and GET /guiding?q=…", "—");
        }
        for p in &self.pages {
            let (_, l) = match &p.outcome {
                Ok(x) => x,
                Err(why) => {
                    let bar = match p.bar {
                        Bar::VsHello => "≥ 20% req/s, p99 ≤ 3×",
                        Bar::Search => "p99 ≤ 10 ms",
                    };
                    let _ = writeln!(
                        s,
                        "| {} | {} | — | — | {bar} | {} |",
                        p.name,
                        clean(why),
                        yes(false)
                    );
                    continue;
                }
            };
            match p.bar {
                Bar::VsHello => match &self.hello {
                    Some(h) => {
                        let r = l.rps() / h.rps().max(1e-9);
                        let q = l.pct(99.0) / h.pct(99.0).max(1e-9);
                        let _ = writeln!(
                            s,
                            "| {}, {} clients: req/s | {:.0}/s | B: {:.0}/s | {:.1}% | ≥ 20% | {} |",
                            p.name,
                            l.clients,
                            l.rps(),
                            h.rps(),
                            r * 100.0,
                            yes(r >= 0.2)
                        );
                        let _ = writeln!(
                            s,
                            "| {}: p99 | {:.2} ms | B: {:.2} ms | {q:.1}× | ≤ 3× | {} |",
                            p.name,
                            l.pct(99.0),
                            h.pct(99.0),
                            yes(q <= 3.0)
                        );
                    }
                    None => {
                        let _ = writeln!(
                            s,
                            "| {}: p99 | {:.2} ms | no hello-world figure at {} clients | — | ≤ 3× | {} |",
                            p.name,
                            l.pct(99.0),
                            self.clients,
                            yes(false)
                        );
                    }
                },
                Bar::Search => {
                    let vs = self
                        .hello
                        .as_ref()
                        .map(|h| {
                            (
                                format!("B: {:.2} ms (for information)", h.pct(99.0)),
                                format!("{:.1}×", l.pct(99.0) / h.pct(99.0).max(1e-9)),
                            )
                        })
                        .unwrap_or_else(|| ("—".into(), "—".into()));
                    let _ = writeln!(
                        s,
                        "| {} over {} documents, {} clients: p99 | {:.2} ms | {} | {} | ≤ 10 ms | {} |",
                        p.name,
                        self.guiding.docs,
                        l.clients,
                        l.pct(99.0),
                        vs.0,
                        vs.1,
                        self.search_verdict(l.pct(99.0) <= SEARCH_BAR_MS)
                    );
                }
            }
            let _ = writeln!(
                s,
                "| {}: errors | {} of {} | — | — | 0 | {} |",
                p.name,
                l.errors,
                l.ok + l.errors,
                yes(l.errors == 0)
            );
        }
    }

    /// Rows of the table of every HTTP phase.
    pub fn phase_rows(&self, s: &mut String) {
        for p in &self.pages {
            if let Ok((_, l)) = &p.outcome {
                phase_row(s, &format!("{} (on the copy)", p.name), l);
            }
        }
    }

    /// The section after the phase tables.
    pub fn details(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "\n#### Enforcement supervision and early warning (issue #4), on a scratch copy of the data set\n"
        );
        if let Some((t, b)) = self.copy {
            let _ = writeln!(
                s,
                "- Copy of the database (`VACUUM INTO`, same disk): {:.1} MiB in {}.",
                b as f64 / 1_048_576.0,
                secs(t)
            );
        }
        if !self.counts.is_empty() {
            let _ = writeln!(
                s,
                "\n| rows of the data set | table | rows | issue #4's minimum (province) | |\n|---|---|---|---|---|"
            );
            for (what, table, n, min) in &self.counts {
                let shown = n.map(|n| n.to_string()).unwrap_or_else(|| "n/a".into());
                let (min_s, ok) = match (min, n) {
                    (Some(m), Some(n)) => (
                        m.to_string(),
                        if n >= m {
                            "enough"
                        } else {
                            "**fewer than asked**"
                        },
                    ),
                    (Some(m), None) => (m.to_string(), "**table missing**"),
                    (None, _) => ("—".into(), ""),
                };
                let _ = writeln!(s, "| {what} | `{table}` | {shown} | {min_s} | {ok} |");
            }
        }

        if self.all_checks.is_some() || !self.rules.is_empty() {
            let _ = writeln!(
                s,
                "\nData checks, each run in a child process on the copy. The nightly run went first, after the copy's {} findings were removed: the first night, every match a new finding. Each rule alone then ran as the office (`Store::run_checks_as`), its matches already known, as on every later night.\n\n| run | matched | new findings | no longer matched | seconds | peak RSS (VmHWM) | CPU | |\n|---|---|---|---|---|---|---|---|",
                self.findings_removed
            );
            let line = |s: &mut String, what: &str, r: &ChildRun| {
                let _ = writeln!(
                    s,
                    "| {what} | {} | {} | {} | {:.2} | {} (at start {}) | {} | {} |",
                    r.matched,
                    r.new_findings,
                    r.no_longer,
                    r.secs,
                    mb(r.hwm_after_kb),
                    mb(r.hwm_before_kb),
                    r.cpu
                        .map(|v| format!("{v:.0}%"))
                        .unwrap_or_else(|| "n/a".into()),
                    r.error
                        .as_deref()
                        .map(|e| format!("**error**: {}", clean(e)))
                        .or_else(|| r
                            .rules
                            .iter()
                            .any(|c| c.skipped)
                            .then(|| "switched off in the settings: not run".to_string()))
                        .unwrap_or_default()
                );
            };
            if let Some(r) = &self.all_checks {
                line(
                    s,
                    "**every rule, the nightly run** (`Store::run_all_checks`)",
                    r,
                );
                for c in &r.rules {
                    let _ = writeln!(
                        s,
                        "| — of which `{}` | {} | {} | {} | | | | {} |",
                        c.rule,
                        c.matched,
                        c.new_findings,
                        c.no_longer,
                        if c.skipped { "switched off" } else { "" }
                    );
                }
            }
            for (rule, r) in &self.rules {
                line(
                    s,
                    &format!("`{}` alone ({})", rule.as_str(), rule.label()),
                    r,
                );
            }
            if !self.rules.is_empty() {
                let total: f64 = self.rules.iter().map(|(_, r)| r.secs).sum();
                let _ = writeln!(
                    s,
                    "| the rules alone, summed | | | | {total:.2} | | | each in its own process |"
                );
            }
        }

        if let Some(w) = &self.warnings {
            let _ = writeln!(
                s,
                "\nWarning scores (`Store::recompute_warnings`, child process): {} officers scored from {} facts in {:.2} s; peak RSS {} (at start {}), CPU {}{}.",
                w.count,
                w.items,
                w.secs,
                mb(w.hwm_after_kb),
                mb(w.hwm_before_kb),
                w.cpu
                    .map(|v| format!("{v:.0}%"))
                    .unwrap_or_else(|| "n/a".into()),
                w.error
                    .as_deref()
                    .map(|e| format!("; **error**: {}", clean(e)))
                    .unwrap_or_default()
            );
        }

        let g = &self.guiding;
        if g.docs > 0 || g.index.is_some() {
            let _ = writeln!(
                s,
                "\nGuiding cases: the data set had {} documents (guiding cases and commentary sessions); {} guiding cases were added to reach {}{}, {} documents and {} characters in all.",
                g.before,
                g.added,
                self.target_docs,
                if g.added > 0 {
                    format!(
                        " in {} (multi-row INSERTs of cases written by the bench's generator and checked by `validate_guiding`)",
                        secs(g.insert_s)
                    )
                } else {
                    String::new()
                },
                g.docs,
                g.chars
            );
            if let Some(ix) = &g.index {
                let _ = writeln!(
                    s,
                    "The index was built from nothing by `Store::open_guiding_index` in a child process: {} documents in {:.2} s ({:.0} characters/s), peak RSS {} (at start {}), CPU {}{}.",
                    ix.count,
                    ix.secs,
                    g.chars as f64 / ix.secs.max(1e-9),
                    mb(ix.hwm_after_kb),
                    mb(ix.hwm_before_kb),
                    ix.cpu
                        .map(|v| format!("{v:.0}%"))
                        .unwrap_or_else(|| "n/a".into()),
                    ix.error
                        .as_deref()
                        .map(|e| format!("; **error**: {}", clean(e)))
                        .unwrap_or_default()
                );
            }
            if let Some((c, t)) = g.jieba {
                let _ = writeln!(
                    s,
                    "Baseline: `search::tokens` (jieba `cut_for_search`, then punctuation and stop words dropped) over the first {c} characters of the same texts, one core: {:.2} s, {:.0} characters/s.",
                    t,
                    c as f64 / t.max(1e-9)
                );
            }
        }

        let measured: Vec<&PageRun> = self.pages.iter().filter(|p| p.outcome.is_ok()).collect();
        if !measured.is_empty() {
            let _ = writeln!(
                s,
                "\nHTTP, from a server started on the copy (VmHWM {} idle, {} after the load):",
                mb(self.server_hwm.0),
                mb(self.server_hwm.1)
            );
            for p in &measured {
                if let Ok((cold, _)) = &p.outcome {
                    let _ = writeln!(
                        s,
                        "- first {} before the warm-up (one request, nothing else running): {cold:.1} ms",
                        p.name
                    );
                }
            }
            for p in &measured {
                if let Ok((_, l)) = &p.outcome
                    && let Some(e) = &l.first_error
                {
                    let _ = writeln!(s, "- first error in {}: `{}`", p.name, clean(e));
                }
            }
        }
        for p in &self.pages {
            if let Err(why) = &p.outcome {
                let _ = writeln!(s, "\n{}: {why}", p.name);
            }
        }

        if !self.queries.is_empty() {
            let _ = writeln!(
                s,
                "\nThe queries, in-process as the office (`Store::search_guiding`, page of 20, median of 5):\n\n| query | documents found | as written | median ms |\n|---|---|---|---|"
            );
            for q in &self.queries {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {:.2} |",
                    q.q,
                    q.hits,
                    if q.exact {
                        "yes"
                    } else {
                        "no: its words anywhere"
                    },
                    q.ms
                );
            }
        }
        if !self.profile.is_empty() {
            let _ = writeln!(
                s,
                "\nThe warning list's store calls, in-process (median of 5):\n\n| call | median ms |\n|---|---|"
            );
            for (what, ms) in &self.profile {
                let _ = writeln!(s, "| {what} | {ms:.2} |");
            }
        }
        if let Some(why) = &self.skipped {
            let _ = writeln!(s, "\nThis phase stopped early: {}", clean(why));
        }
    }
}
