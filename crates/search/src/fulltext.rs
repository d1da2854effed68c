//! Chinese full-text search over documents the caller hands in (guiding cases, commentary sessions): a
//! tantivy index with two ways into every text. Words: jieba search-mode tokens, so "醉酒驾驶" finds the
//! words wherever they stand. Character bigrams with positions: a phrase query over them is an exact
//! substring match, so a phrase that starts or ends inside a jieba word (across word boundaries) is still
//! found. Queries are built from the words of what the user typed, never parsed as tantivy syntax, so quotes,
//! colons, brackets or HTML in a query are just text.
//!
//! This module knows nothing of the database: the caller adds, deletes and commits documents, and keeps
//! in the commit marker whatever tells it how far the index has caught up with its own source of truth.

use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::{JIEBA, STOP_WORDS};

/// Characters of a query that are looked at; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 100;
/// Separate pieces of a query (split at spaces and punctuation) that must all match.
pub const MAX_QUERY_PARTS: usize = 8;
/// Characters around a match that a snippet shows.
pub const SNIPPET_CHARS: usize = 120;
/// How far into a long text the highlighter looks for a match to show.
const SNIPPET_SCAN_CHARS: usize = 30_000;

const WORDS: &str = "mj_words";
const GRAMS: &str = "mj_grams";

/// What went wrong inside the index (I/O, a corrupt segment); the caller logs it and rebuilds or reports.
#[derive(Debug)]
pub struct SearchError(String);

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "full-text index: {}", self.0)
    }
}

impl std::error::Error for SearchError {}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError(e.to_string())
    }
}

impl From<std::io::Error> for SearchError {
    fn from(e: std::io::Error) -> Self {
        SearchError(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// One text to index. `tags` are exact terms a search may require one of (the caller's access scopes).
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub tags: &'a [String],
}

/// Which documents a search may return.
#[derive(Debug, Clone)]
pub enum Scope {
    Everything,
    /// Only documents carrying at least one of these tags.
    AnyTag(Vec<String>),
}

/// One result: title and snippet are HTML, escaped, with `<mark>` around the matched words.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub kind: String,
    pub score: f32,
    pub title_html: String,
    pub snippet_html: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// Every matching document in scope, not only those on this page.
    pub total: usize,
    /// Whether the hits hold the query's pieces as written (or, failing any such, only their words).
    pub exact: bool,
    pub hits: Vec<Hit>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    tag: Field,
    title: Field,
    body: Field,
    gram: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let grams = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(GRAMS)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        tag: b.add_text_field("tag", STRING),
        title: b.add_text_field("title", words.clone()),
        body: b.add_text_field("body", words),
        gram: b.add_text_field("gram", grams),
    };
    (b.build(), f)
}

/// The index, its one reader (reloaded after each commit) and its writer (made on the first write: an
/// index only searched holds no indexing memory).
pub struct FullText {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    f: Fields,
}

impl fmt::Debug for FullText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FullText").finish_non_exhaustive()
    }
}

impl FullText {
    /// Opens the index in `dir`, creating it when missing. An index that cannot be opened (a crash left
    /// it unreadable, or an older layout) is removed and made anew, empty: its marker is then `None`
    /// and the caller rebuilds it from its source.
    pub fn open(dir: &Path) -> Result<FullText> {
        std::fs::create_dir_all(dir)?;
        let (schema, f) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(i) if i.schema() == schema => i,
            Ok(_) | Err(_) if dir.join("meta.json").exists() => {
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema)?
            }
            _ => Index::create_in_dir(dir, schema)?,
        };
        FullText::with_index(index, f)
    }

    /// An index in memory only (tests, tools).
    pub fn in_memory() -> Result<FullText> {
        let (schema, f) = schema();
        FullText::with_index(Index::create_in_ram(schema), f)
    }

    fn with_index(index: Index, f: Fields) -> Result<FullText> {
        index.tokenizers().register(WORDS, WordTokenizer);
        index.tokenizers().register(GRAMS, BigramTokenizer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(FullText {
            index,
            reader,
            writer: Mutex::new(None),
            f,
        })
    }

    fn new_writer(&self) -> Result<IndexWriter> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 2);
        Ok(self
            .index
            .writer_with_num_threads(threads, threads * 24_000_000)?)
    }

    fn with_writer<T>(&self, op: impl FnOnce(&mut IndexWriter) -> Result<T>) -> Result<T> {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| SearchError("writer lock poisoned".into()))?;
        let w = match guard.take() {
            Some(w) => guard.insert(w),
            None => guard.insert(self.new_writer()?),
        };
        op(w)
    }

    /// Adds a document, replacing any earlier one with the same id. Seen by searches after `commit`.
    pub fn add(&self, d: &Document<'_>) -> Result<()> {
        let f = self.f;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, d.id);
        doc.add_text(f.kind, d.kind);
        for t in d.tags {
            doc.add_text(f.tag, t);
        }
        doc.add_text(f.title, d.title);
        doc.add_text(f.body, d.body);
        // One value, so that the gap at the line break keeps phrases from running on between the two.
        doc.add_text(f.gram, format!("{}\n{}", d.title, d.body));
        self.with_writer(|w| {
            w.delete_term(Term::from_field_text(f.id, d.id));
            w.add_document(doc)?;
            Ok(())
        })
    }

    /// Removes the document with this id (nothing happens if there is none). Seen after `commit`.
    pub fn delete(&self, id: &str) -> Result<()> {
        let field = self.f.id;
        self.with_writer(|w| {
            w.delete_term(Term::from_field_text(field, id));
            Ok(())
        })
    }

    /// Removes every document (before a rebuild). Seen after `commit`.
    pub fn clear(&self) -> Result<()> {
        self.with_writer(|w| {
            w.delete_all_documents()?;
            Ok(())
        })
    }

    /// Makes the changes durable and visible, recording `marker` with them (read back by [`marker`]).
    /// The writer is then let go, once its merges are done: writes are rare, and an index that is only
    /// searched should hold no indexing threads or memory.
    ///
    /// [`marker`]: FullText::marker
    pub fn commit(&self, marker: &str) -> Result<()> {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| SearchError("writer lock poisoned".into()))?;
        let mut w = match guard.take() {
            Some(w) => w,
            None => self.new_writer()?,
        };
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(marker);
        prepared.commit()?;
        // Still under the lock, so no document is added to a writer on its way out.
        w.wait_merging_threads()?;
        drop(guard);
        self.reader.reload()?;
        Ok(())
    }

    /// The marker of the last commit; `None` for an index never committed.
    pub fn marker(&self) -> Option<String> {
        self.index.load_metas().ok().and_then(|m| m.payload)
    }

    /// Documents visible to searches now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Searches titles and bodies. The query is split at spaces and punctuation; every piece must occur
    /// as written (a substring: it may start or end inside a word). When no document has them all, the
    /// search falls back to documents holding every word of every piece, anywhere (`Results::exact` is
    /// then false). `kind` keeps one kind of document; titles rank above bodies.
    pub fn search(
        &self,
        text: &str,
        scope: &Scope,
        kind: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Results> {
        let parts = query_parts(text);
        if parts.is_empty() {
            return Ok(Results::default());
        }
        let f = self.f;
        let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(k) = kind {
            filters.push((Occur::Must, term(f.kind, k, IndexRecordOption::Basic)));
        }
        if let Scope::AnyTag(tags) = scope {
            if tags.is_empty() {
                return Ok(Results::default());
            }
            let any = tags
                .iter()
                .map(|t| (Occur::Should, term(f.tag, t, IndexRecordOption::Basic)))
                .collect();
            filters.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        let words: Vec<Vec<String>> = parts
            .iter()
            .map(|p| word_tokens(&p.iter().collect::<String>()))
            .collect();
        let in_title = |w: &String| -> (Occur, Box<dyn Query>) {
            (
                Occur::Should,
                Box::new(BoostQuery::new(
                    term(f.title, w, IndexRecordOption::WithFreqs),
                    3.0,
                )),
            )
        };
        let in_either = |w: &String| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(vec![
                (
                    Occur::Should,
                    term(f.title, w, IndexRecordOption::WithFreqs),
                ),
                (Occur::Should, term(f.body, w, IndexRecordOption::WithFreqs)),
            ]))
        };
        // Every piece as written; the words of the pieces found in a title raise the score.
        let mut exact: Vec<(Occur, Box<dyn Query>)> =
            filters.iter().map(|(o, q)| (*o, q.box_clone())).collect();
        for (part, ws) in parts.iter().zip(&words) {
            let q = match part.len() {
                1 => in_either(&part[0].to_string()),
                _ => grams_query(f.gram, part),
            };
            exact.push((Occur::Must, q));
            exact.extend(ws.iter().map(in_title));
        }
        let needles: Vec<Vec<char>> = parts.clone();
        let found = self.run(&BooleanQuery::new(exact), offset, limit, &needles, true)?;
        if found.total > 0 || words.iter().all(Vec::is_empty) {
            return Ok(found);
        }
        // Nothing has the pieces as written: every word of every piece, anywhere.
        let mut loose: Vec<(Occur, Box<dyn Query>)> = filters;
        let mut needles = parts.clone();
        for (part, ws) in parts.iter().zip(&words) {
            if ws.is_empty() {
                continue;
            }
            let all: Vec<(Occur, Box<dyn Query>)> =
                ws.iter().map(|w| (Occur::Must, in_either(w))).collect();
            loose.push((Occur::Must, Box::new(BooleanQuery::new(all))));
            loose.extend(ws.iter().map(in_title));
            needles.extend(
                ws.iter()
                    .map(|w| w.chars().collect::<Vec<char>>())
                    .filter(|w| w.len() >= 2 || part.len() == 1),
            );
        }
        self.run(&BooleanQuery::new(loose), offset, limit, &needles, false)
    }

    fn run(
        &self,
        query: &dyn Query,
        offset: usize,
        limit: usize,
        needles: &[Vec<char>],
        exact: bool,
    ) -> Result<Results> {
        let f = self.f;
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(
            query,
            &(
                TopDocs::with_limit(limit.clamp(1, 200))
                    .and_offset(offset.min(10_000))
                    .order_by_score(),
                Count,
            ),
        )?;
        let mut needles = needles.to_vec();
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles.dedup();
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text_of = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            hits.push(Hit {
                id: text_of(f.id),
                kind: text_of(f.kind),
                score,
                title_html: highlight(&text_of(f.title), &needles, None),
                snippet_html: highlight(&text_of(f.body), &needles, Some(SNIPPET_CHARS)),
            });
        }
        Ok(Results { total, exact, hits })
    }
}

fn term(field: Field, text: &str, option: IndexRecordOption) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), option))
}

/// A piece of two or more characters as a run of bigrams: every other bigram is enough (they are
/// adjacent by position), plus the last one for an odd length, so longer pieces read fewer postings.
fn grams_query(field: Field, part: &[char]) -> Box<dyn Query> {
    let n = part.len();
    let gram =
        |at: usize| Term::from_field_text(field, &part[at..at + 2].iter().collect::<String>());
    if n == 2 {
        return Box::new(TermQuery::new(gram(0), IndexRecordOption::WithFreqs));
    }
    let mut at: Vec<usize> = (0..n - 1).step_by(2).collect();
    if at.last() != Some(&(n - 2)) {
        at.push(n - 2);
    }
    Box::new(PhraseQuery::new_with_offset(
        at.into_iter().map(|o| (o, gram(o))).collect(),
    ))
}

// ---------- normalising and tokenising ----------

/// One character as it is compared: full-width forms as ASCII, letters in lower case. Always one
/// character for one, so positions in the normalised text are positions in the original.
fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn folded(text: &str) -> String {
    text.chars().map(fold).collect()
}

/// The pieces of a query: runs of letters and digits (CJK included) of the normalised text.
fn query_parts(text: &str) -> Vec<Vec<char>> {
    let mut parts: Vec<Vec<char>> = Vec::new();
    let mut cur: Vec<char> = Vec::new();
    for c in text.chars().take(MAX_QUERY_CHARS).map(fold) {
        if c.is_alphanumeric() {
            cur.push(c);
        } else if !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts.dedup();
    parts.truncate(MAX_QUERY_PARTS);
    parts
}

/// jieba search-mode words of already normalised text, without punctuation and stop words.
fn word_tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = JIEBA
        .cut_for_search(text, true)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| w.chars().any(char::is_alphanumeric) && !STOP_WORDS.contains(w))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A token stream over tokens made in advance.
struct Tokens {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// jieba search-mode words (with the parts of long words), for the word fields.
#[derive(Clone)]
struct WordTokenizer;

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = Tokens;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let norm = folded(text);
        let tokens = JIEBA
            .cut_for_search(&norm, true)
            .into_iter()
            .filter(|t| t.word.chars().any(char::is_alphanumeric) && !STOP_WORDS.contains(&t.word))
            .enumerate()
            .map(|(i, t)| Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position: i,
                text: t.word.to_string(),
                position_length: 1,
            })
            .collect();
        Tokens { tokens, next: 0 }
    }
}

/// Overlapping character pairs inside each run of letters and digits, at consecutive positions, for the
/// phrase field; a run of one character gives that character.
#[derive(Clone)]
struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = Tokens;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let mut tokens = Vec::with_capacity(text.len() / 3);
        let mut run: Vec<(usize, char)> = Vec::new();
        let mut position = 0usize;
        let mut flush = |run: &mut Vec<(usize, char)>, end: usize, position: &mut usize| {
            match run.len() {
                0 => return,
                1 => {
                    tokens.push(Token {
                        offset_from: run[0].0,
                        offset_to: end,
                        position: *position,
                        text: run[0].1.to_string(),
                        position_length: 1,
                    });
                    *position += 1;
                }
                n => {
                    for i in 0..n - 1 {
                        let to = if i + 2 < n { run[i + 2].0 } else { end };
                        let mut t = String::with_capacity(8);
                        t.push(run[i].1);
                        t.push(run[i + 1].1);
                        tokens.push(Token {
                            offset_from: run[i].0,
                            offset_to: to,
                            position: *position,
                            text: t,
                            position_length: 1,
                        });
                        *position += 1;
                    }
                }
            }
            // A gap wider than any query, so that no phrase (whose bigrams may stand two apart) runs on
            // across punctuation.
            *position += MAX_QUERY_CHARS + 1;
            run.clear();
        };
        for (at, c) in text.char_indices() {
            let c = fold(c);
            if c.is_alphanumeric() {
                run.push((at, c));
            } else {
                flush(&mut run, at, &mut position);
            }
        }
        flush(&mut run, text.len(), &mut position);
        Tokens { tokens, next: 0 }
    }
}

// ---------- highlighting ----------

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        '\n' | '\r' | '\t' => out.push(' '),
        c if c.is_control() => {}
        c => out.push(c),
    }
}

/// Where the needles (normalised, longest first) occur in `norm`, leftmost-longest, without overlaps;
/// touching matches are joined.
fn matches(norm: &[char], needles: &[Vec<char>]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < norm.len() {
        let found = needles
            .iter()
            .find(|n| !n.is_empty() && norm[i..].starts_with(n));
        match found {
            Some(n) => {
                match out.last_mut() {
                    Some(last) if last.1 == i => last.1 = i + n.len(),
                    _ => out.push((i, i + n.len())),
                }
                i += n.len();
            }
            None => i += 1,
        }
    }
    out
}

/// `text` as HTML with `<mark>` around each occurrence of a needle. With `window`, only that many
/// characters are shown, placed to hold the most matches, with "…" where text was cut.
pub fn highlight(text: &str, needles: &[Vec<char>], window: Option<usize>) -> String {
    let scan = window.map_or(usize::MAX, |_| SNIPPET_SCAN_CHARS);
    let chars: Vec<char> = text.chars().take(scan).collect();
    let norm: Vec<char> = chars.iter().map(|c| fold(*c)).collect();
    let marks = matches(&norm, needles);
    let (start, end) = match window {
        None => (0, chars.len()),
        Some(w) => {
            let lead = w / 4;
            let mut best = (0usize, 0usize);
            for m in marks.iter().take(200) {
                let s = m.0.saturating_sub(lead);
                let inside = marks.iter().filter(|x| x.0 >= s && x.1 <= s + w).count();
                if inside > best.1 {
                    best = (s, inside);
                }
            }
            // A window running past the end moves back, so short texts show whole.
            let s = best.0.min(chars.len().saturating_sub(w));
            (s, (s + w).min(chars.len()))
        }
    };
    let mut out = String::with_capacity((end - start) * 4 + 32);
    if start > 0 {
        out.push('…');
    }
    let mut k = marks.iter().peekable();
    let mut i = start;
    while i < end {
        while k.peek().is_some_and(|m| m.1 <= i) {
            k.next();
        }
        match k.peek() {
            Some(m) if m.0 <= i => {
                let stop = m.1.min(end);
                out.push_str("<mark>");
                for c in &chars[i..stop] {
                    push_escaped(&mut out, *c);
                }
                out.push_str("</mark>");
                i = stop;
            }
            _ => {
                push_escaped(&mut out, chars[i]);
                i += 1;
            }
        }
    }
    if window.is_some() && (end < chars.len() || text.chars().nth(end).is_some()) {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(words: &[&str]) -> Vec<Vec<char>> {
        words.iter().map(|w| w.chars().collect()).collect()
    }

    #[test]
    fn bigrams_stay_inside_runs() {
        let mut t = BigramTokenizer;
        let mut s = t.token_stream("醉酒驾驶，A车");
        let mut seen = Vec::new();
        while let Some(tok) = s.next() {
            seen.push((tok.text.clone(), tok.position));
        }
        let texts: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["醉酒", "酒驾", "驾驶", "a车"]);
        assert_eq!(
            seen[2].1 + 2 + MAX_QUERY_CHARS,
            seen[3].1,
            "a gap after punctuation"
        );
    }

    #[test]
    fn query_parts_drop_syntax() {
        let p = query_parts("title:\"醉酒\" AND (驾驶)^2 <b>");
        let s: Vec<String> = p.iter().map(|c| c.iter().collect()).collect();
        assert_eq!(s, ["title", "醉酒", "and", "驾驶", "2", "b"]);
        assert!(query_parts("\"'<>:()[]{}^~*?\\/!").is_empty());
    }

    #[test]
    fn highlight_escapes_and_marks() {
        let h = highlight("<b>醉酒</b>驾驶 & 醉酒", &needles(&["醉酒"]), None);
        assert_eq!(
            h,
            "&lt;b&gt;<mark>醉酒</mark>&lt;/b&gt;驾驶 &amp; <mark>醉酒</mark>"
        );
        let h = highlight("ＡＢＣ公司", &needles(&["abc"]), None);
        assert_eq!(h, "<mark>ＡＢＣ</mark>公司");
    }

    #[test]
    fn snippet_is_cut_around_the_match() {
        let text = format!("{}危险驾驶{}", "甲".repeat(300), "乙".repeat(300));
        let h = highlight(&text, &needles(&["危险驾驶"]), Some(40));
        assert!(h.starts_with('…') && h.ends_with('…'), "{h}");
        assert!(h.contains("<mark>危险驾驶</mark>"), "{h}");
        assert!(h.chars().count() < 40 + 20);
    }
}
