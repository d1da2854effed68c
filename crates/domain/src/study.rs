//! Study and education (学习教育): the kinds of activity, study hours, the rotating venue code an
//! officer types in to sign in, the reflection essay's life, questions and their grading, the rules of
//! an online test, and whether an officer has finished the campaign's study requirement (and why).

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::DomainError;
use crate::org::{clean_optional, clean_text};

string_enum! {
    /// The forms of study the speeches name (集中学习, 专题党课, 警示教育, 英模事迹报告会, 座谈交流).
    pub enum ActivityKind ("学习活动类型") {
        Concentrated = ("concentrated", "集中学习"),
        PartyLecture = ("party_lecture", "专题党课"),
        Warning = ("warning", "警示教育"),
        HeroReport = ("hero_report", "英模事迹报告会"),
        Seminar = ("seminar", "座谈交流"),
    }
}

string_enum! {
    /// How an attendance came to be recorded.
    pub enum AttendanceMethod ("签到方式") {
        Import = ("import", "表格导入"),
        Manual = ("manual", "手工登记"),
        Code = ("code", "现场签到码"),
    }
}

// ---------- hours ----------

/// Minutes as hours the way people write them: `2`, `2.5`, `1.25`.
pub fn fmt_hours(minutes: i64) -> String {
    let h = minutes / 60;
    let rest = minutes % 60;
    if rest == 0 {
        return h.to_string();
    }
    let frac = format!("{:.2}", rest as f64 / 60.0);
    let frac = frac.trim_start_matches('0').trim_end_matches('0');
    format!("{h}{frac}")
}

/// Hours typed into a form (`2`, `1.5`, `0.75`, full-width digits refused) to whole minutes, between a
/// quarter of an hour and a day.
pub fn parse_hours(s: &str, field: &'static str) -> Result<u32, DomainError> {
    let t = s.trim();
    let bad = || DomainError::field(field, "学时请填写数字，如 2 或 1.5");
    if t.is_empty() {
        return Err(DomainError::field(field, "请填写学时"));
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 3
        || frac.len() > 2
    {
        return Err(bad());
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let hundredths: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let minutes = whole * 60 + (hundredths * 60 + 50) / 100;
    if !(15..=24 * 60).contains(&minutes) {
        return Err(DomainError::field(field, "学时应在0.25至24小时之间"));
    }
    Ok(minutes)
}

// ---------- activities ----------

/// An activity as the organiser typed it, before checking.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub kind: String,
    pub title: String,
    pub day: String,
    pub hours: String,
    pub venue: String,
    pub cases: String,
}

/// A checked activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityDraft {
    pub kind: ActivityKind,
    pub title: String,
    pub day: NaiveDate,
    pub minutes: u32,
    pub venue: String,
    /// The real cases a warning-education session is built on (警示教育 uses real cases).
    pub cases: Option<String>,
}

impl ActivityInput {
    /// Every field checked; all problems come back at once so the form can mark each.
    pub fn validate(&self) -> Result<ActivityDraft, Vec<DomainError>> {
        let mut errs = Vec::new();
        let kind = ActivityKind::parse(&self.kind)
            .map_err(|_| DomainError::field("kind", "请选择活动类型"))
            .map_err(|e| errs.push(e))
            .ok();
        let title = clean_text(&self.title, "title", "活动名称", 2, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let day = parse_date(&self.day, "day", "活动日期")
            .map_err(|e| errs.push(e))
            .ok();
        let minutes = parse_hours(&self.hours, "hours")
            .map_err(|e| errs.push(e))
            .ok();
        let venue = clean_text(&self.venue, "venue", "地点", 2, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let cases = clean_optional(Some(&self.cases), "cases", "警示案例", 5000)
            .map_err(|e| errs.push(e))
            .ok()
            .flatten();
        if kind == Some(ActivityKind::Warning)
            && cases.as_deref().is_none_or(|c| c.chars().count() < 10)
        {
            errs.push(DomainError::field(
                "cases",
                "警示教育须写明所用的真实案例（不少于10个字）",
            ));
        }
        match (kind, title, day, minutes, venue) {
            (Some(kind), Some(title), Some(day), Some(minutes), Some(venue)) if errs.is_empty() => {
                Ok(ActivityDraft {
                    kind,
                    title,
                    day,
                    minutes,
                    venue,
                    cases,
                })
            }
            _ => Err(errs),
        }
    }
}

/// `YYYY-MM-DD` (also `YYYY/MM/DD` and `YYYY.MM.DD`, as spreadsheets write them).
pub fn parse_date(s: &str, field: &'static str, label: &str) -> Result<NaiveDate, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DomainError::field(field, format!("请填写{label}")));
    }
    let norm = t.replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&norm, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| DomainError::field(field, format!("{label}格式应为 2024-03-01")))
}

/// A sign-in time from an attendance sheet: a full date and time, or a time of day on the activity's
/// day. Empty means the sheet does not say; a time on another day is refused.
pub fn parse_signin_time(s: &str, day: NaiveDate) -> Result<Option<NaiveDateTime>, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let norm = t.replace(['/', '.'], "-").replace('T', " ");
    let dt = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&norm, f).ok())
        .or_else(|| {
            ["%H:%M:%S", "%H:%M"]
                .iter()
                .find_map(|f| NaiveTime::parse_from_str(&norm, f).ok())
                .map(|tm| day.and_time(tm))
        })
        .ok_or_else(|| {
            DomainError::field("signed_at", "签到时间格式应为 2024-03-01 09:00 或 09:00")
        })?;
    if dt.date() != day {
        return Err(DomainError::field(
            "signed_at",
            format!(
                "签到时间不在活动当天（活动日期为{}）",
                day.format("%Y-%m-%d")
            ),
        ));
    }
    Ok(Some(dt))
}

// ---------- venue code ----------

/// The venue code changes every minute.
pub const CODE_WINDOW_MS: i64 = 60_000;
pub const CODE_DIGITS: usize = 6;

/// The window a moment falls in.
pub fn code_window(now_ms: i64) -> i64 {
    now_ms.div_euclid(CODE_WINDOW_MS)
}

/// Seconds until the code on screen changes (1 to 60).
pub fn code_seconds_left(now_ms: i64) -> i64 {
    let into = now_ms.rem_euclid(CODE_WINDOW_MS);
    (CODE_WINDOW_MS - into + 999) / 1000
}

/// What is MACed for a window: the activity and the window number, length-prefixed so that no two
/// pairs give the same bytes.
pub fn code_message(activity_id: &str, window: i64) -> Vec<u8> {
    let mut m = Vec::with_capacity(activity_id.len() + 16);
    m.extend_from_slice(&(activity_id.len() as u64).to_be_bytes());
    m.extend_from_slice(activity_id.as_bytes());
    m.extend_from_slice(&window.to_be_bytes());
    m
}

/// Six digits from a MAC by dynamic truncation (as RFC 4226 does for HOTP), so every digit is uniform.
pub fn code_from_mac(mac: &[u8; 32]) -> String {
    let offset = usize::from(mac[31] & 0x0f);
    let v = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    format!(
        "{:0width$}",
        v % 10u32.pow(CODE_DIGITS as u32),
        width = CODE_DIGITS
    )
}

/// Which window an accepted code belonged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMatch {
    Current,
    /// The code that was on screen until less than a minute ago: typing it takes time.
    Previous,
}

/// Checks a typed code against the current and the previous window. `mac_for(window)` gives the
/// activity's MAC for a window (the caller holds the key). Spaces are ignored; anything but six
/// digits is refused with a message. Both windows are always computed and compared without early
/// exit, so the time taken does not say which one matched.
pub fn check_venue_code(
    typed: &str,
    now_ms: i64,
    mac_for: impl Fn(i64) -> [u8; 32],
) -> Result<CodeMatch, DomainError> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != CODE_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::field("code", "请输入现场显示的6位数字签到码"));
    }
    let now = code_window(now_ms);
    let current = same(&code_from_mac(&mac_for(now)), &code);
    let previous = same(&code_from_mac(&mac_for(now - 1)), &code);
    if current {
        Ok(CodeMatch::Current)
    } else if previous {
        Ok(CodeMatch::Previous)
    } else {
        Err(DomainError::field(
            "code",
            "签到码不正确或已过期，请输入现场屏幕上当前显示的签到码",
        ))
    }
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

// ---------- essays ----------

string_enum! {
    /// The life of a reflection essay (撰写体会文章).
    pub enum EssayState ("体会文章状态") {
        Submitted = ("submitted", "待审核"),
        Returned = ("returned", "退回修改"),
        Approved = ("approved", "已通过"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EssayAction {
    Approve,
    /// Back to the author for rework; the reason is checked by [`return_reason`].
    Return,
    Resubmit,
}

impl EssayAction {
    pub fn label(self) -> &'static str {
        match self {
            EssayAction::Approve => "审核通过",
            EssayAction::Return => "退回修改",
            EssayAction::Resubmit => "重新提交",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            EssayAction::Approve => "approve",
            EssayAction::Return => "return",
            EssayAction::Resubmit => "resubmit",
        }
    }
}

/// Every legal move of an essay; an approved essay is final.
pub fn essay_next(state: EssayState, action: EssayAction) -> Result<EssayState, DomainError> {
    use EssayAction as A;
    use EssayState as S;
    match (state, action) {
        (S::Submitted, A::Approve) => Ok(S::Approved),
        (S::Submitted, A::Return) => Ok(S::Returned),
        (S::Returned, A::Resubmit) => Ok(S::Submitted),
        _ => Err(DomainError::new(format!(
            "体会文章当前状态为{}，不能{}",
            state.label(),
            action.label()
        ))),
    }
}

/// A return for rework says what to fix.
pub fn return_reason(s: &str) -> Result<String, DomainError> {
    clean_text(s, "note", "退回理由", 5, 1000)
}

/// Title and body of an essay.
pub fn essay_text(title: &str, body: &str) -> Result<(String, String), Vec<DomainError>> {
    let t = clean_text(title, "title", "标题", 2, 100);
    let b = clean_text(body, "body", "正文", 200, 20_000);
    match (t, b) {
        (Ok(t), Ok(b)) => Ok((t, b)),
        (t, b) => Err([t.err(), b.err()].into_iter().flatten().collect()),
    }
}

// ---------- questions ----------

string_enum! {
    pub enum QuestionKind ("题型") {
        Single = ("single", "单选题"),
        Multiple = ("multiple", "多选题"),
        TrueFalse = ("true_false", "判断题"),
    }
}

impl QuestionKind {
    /// As a spreadsheet may write it: the identifier, the label, or the label without 题.
    pub fn parse_label(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        for k in Self::all() {
            if t == k.as_str() || t == k.label() || t == k.label().trim_end_matches('题') {
                return Ok(*k);
            }
        }
        Err(DomainError::field("kind", "题型应为单选题、多选题或判断题"))
    }
}

/// A set of option letters A–D as a bit mask (A = bit 0). True/false questions use A = 正确, B = 错误.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AnswerSet(u8);

impl AnswerSet {
    pub const LETTERS: [char; 4] = ['A', 'B', 'C', 'D'];

    pub fn empty() -> Self {
        AnswerSet(0)
    }

    pub fn from_bits(bits: u8) -> Self {
        AnswerSet(bits & 0x0f)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn with(self, index: usize) -> Self {
        if index < 4 {
            AnswerSet(self.0 | 1 << index)
        } else {
            self
        }
    }

    pub fn contains(self, index: usize) -> bool {
        index < 4 && self.0 & (1 << index) != 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Letters in order, e.g. `AC`.
    pub fn letters(self) -> String {
        Self::LETTERS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.contains(*i))
            .map(|(_, c)| *c)
            .collect()
    }

    /// Letters as typed (`AC`, `a,c`, `A、C`, full-width letters too); each at most once.
    pub fn parse_letters(s: &str) -> Option<Self> {
        let mut set = AnswerSet::empty();
        for c in s.chars() {
            let c = match c {
                'Ａ'..='Ｄ' => char::from_u32(c as u32 - 'Ａ' as u32 + 'A' as u32)?,
                'ａ'..='ｄ' => char::from_u32(c as u32 - 'ａ' as u32 + 'A' as u32)?,
                c => c.to_ascii_uppercase(),
            };
            match c {
                'A'..='D' => {
                    let i = (c as u8 - b'A') as usize;
                    if set.contains(i) {
                        return None;
                    }
                    set = set.with(i);
                }
                ',' | '，' | '、' | ' ' | ';' | '；' => {}
                _ => return None,
            }
        }
        Some(set)
    }
}

impl fmt::Display for AnswerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.letters())
    }
}

/// A checked question, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDraft {
    pub kind: QuestionKind,
    pub stem: String,
    /// A–D; a true/false question has 正确 and 错误 as A and B.
    pub options: [Option<String>; 4],
    pub answer: AnswerSet,
    pub points: u32,
}

pub const TRUE_FALSE_OPTIONS: [&str; 2] = ["正确", "错误"];

/// Checks one question as it comes from the bank's spreadsheet. Errors name the column (`field` is the
/// English identifier: kind, stem, option_a…option_d, answer, points).
pub fn validate_question(
    kind: &str,
    stem: &str,
    options: [&str; 4],
    answer: &str,
    points: &str,
) -> Result<QuestionDraft, Vec<DomainError>> {
    const OPTION_FIELDS: [&str; 4] = ["option_a", "option_b", "option_c", "option_d"];
    let mut errs = Vec::new();
    let kind = QuestionKind::parse_label(kind)
        .map_err(|e| errs.push(e))
        .ok();
    let stem = clean_text(stem, "stem", "题干", 2, 1000)
        .map_err(|e| errs.push(e))
        .ok();
    let points = match points.trim() {
        "" => Some(1),
        p => p
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .or_else(|| {
                errs.push(DomainError::field("points", "分值应为1至100的整数"));
                None
            }),
    };
    let mut opts: [Option<String>; 4] = Default::default();
    for (i, o) in options.iter().enumerate() {
        match clean_optional(
            Some(o),
            OPTION_FIELDS[i],
            &format!("选项{}", AnswerSet::LETTERS[i]),
            500,
        ) {
            Ok(v) => opts[i] = v,
            Err(e) => errs.push(e),
        }
    }
    let mut answer_set = None;
    if let Some(kind) = kind {
        match kind {
            QuestionKind::TrueFalse => {
                answer_set = match answer.trim() {
                    "对" | "正确" | "√" | "✓" | "是" | "T" | "t" | "TRUE" | "true" | "A" | "a" => {
                        Some(AnswerSet::empty().with(0))
                    }
                    "错" | "错误" | "×" | "✗" | "否" | "F" | "f" | "FALSE" | "false" | "B"
                    | "b" => Some(AnswerSet::empty().with(1)),
                    _ => {
                        errs.push(DomainError::field("answer", "判断题的答案应为“对”或“错”"));
                        None
                    }
                };
                opts = [
                    Some(TRUE_FALSE_OPTIONS[0].into()),
                    Some(TRUE_FALSE_OPTIONS[1].into()),
                    None,
                    None,
                ];
            }
            QuestionKind::Single | QuestionKind::Multiple => {
                let present = opts.iter().take_while(|o| o.is_some()).count();
                if opts.iter().skip(present).any(Option::is_some) {
                    errs.push(DomainError::field(
                        "option_a",
                        "选项须从A起依次填写，中间不能空缺",
                    ));
                } else if present < 2 {
                    errs.push(DomainError::field("option_b", "选择题至少需要A、B两个选项"));
                }
                match AnswerSet::parse_letters(answer) {
                    None => errs.push(DomainError::field(
                        "answer",
                        "答案应为选项字母，如 A 或 ABD",
                    )),
                    Some(a) if a.is_empty() => {
                        errs.push(DomainError::field("answer", "请填写答案"))
                    }
                    Some(a) if (0..4).any(|i| a.contains(i) && opts[i].is_none()) => {
                        errs.push(DomainError::field(
                            "answer",
                            format!("答案{}中有未填写的选项", a.letters()),
                        ))
                    }
                    Some(a) if kind == QuestionKind::Single && a.len() != 1 => {
                        errs.push(DomainError::field("answer", "单选题只能有一个答案"))
                    }
                    Some(a) if kind == QuestionKind::Multiple && a.len() < 2 => {
                        errs.push(DomainError::field("answer", "多选题至少有两个正确选项"))
                    }
                    Some(a) => answer_set = Some(a),
                }
            }
        }
    }
    match (kind, stem, points, answer_set) {
        (Some(kind), Some(stem), Some(points), Some(answer)) if errs.is_empty() => {
            Ok(QuestionDraft {
                kind,
                stem,
                options: opts,
                answer,
                points,
            })
        }
        _ => Err(errs),
    }
}

// ---------- tests and grading ----------

/// One drawn question with the correct answer and what the officer chose (`None`: left blank).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeItem {
    pub kind: QuestionKind,
    pub correct: AnswerSet,
    pub points: u32,
    pub given: Option<AnswerSet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub score: u32,
    pub max_score: u32,
    /// Whole percent, rounded down.
    pub percent: u32,
    pub passed: bool,
    /// Whether each item was answered correctly, in order.
    pub right: Vec<bool>,
    pub because: Vec<String>,
}

/// Grades an attempt. A question scores its points only when the chosen set is exactly the correct
/// set: a multiple-choice answer missing one correct option, or with one wrong option added, scores
/// nothing (the usual rule of 应知应会 tests). Passed means the percentage reaches `pass_percent`.
pub fn grade(items: &[GradeItem], pass_percent: u32) -> Grade {
    let mut score = 0;
    let mut max_score = 0;
    let mut right = Vec::with_capacity(items.len());
    let (mut blank, mut partial) = (0, 0);
    for it in items {
        max_score += it.points;
        let ok = it.given == Some(it.correct);
        if ok {
            score += it.points;
        }
        match it.given {
            None => blank += 1,
            Some(g)
                if !ok
                    && it.kind == QuestionKind::Multiple
                    && g.bits() & it.correct.bits() != 0 =>
            {
                partial += 1
            }
            _ => {}
        }
        right.push(ok);
    }
    let percent = (score * 100).checked_div(max_score).unwrap_or(0);
    let passed = max_score > 0 && percent >= pass_percent;
    let correct = right.iter().filter(|r| **r).count();
    let mut because = vec![format!(
        "共{}题，答对{}题，得{}分（满分{}分，折合{}%）",
        items.len(),
        correct,
        score,
        max_score,
        percent
    )];
    if blank > 0 {
        because.push(format!("{blank}题未作答，不得分"));
    }
    if partial > 0 {
        because.push(format!("{partial}道多选题选项不完全正确，按规则不得分"));
    }
    because.push(if passed {
        format!("达到及格线{pass_percent}%，测试通过")
    } else {
        format!("未达到及格线{pass_percent}%，测试未通过")
    });
    Grade {
        score,
        max_score,
        percent,
        passed,
        right,
        because,
    }
}

/// Submissions arriving this long after the deadline still count: the time the request took in transit.
pub const SUBMIT_GRACE_MS: i64 = 15_000;

/// The server's clock decides whether time is up.
pub fn check_submit_time(now_ms: i64, deadline_ms: i64) -> Result<(), DomainError> {
    if now_ms > deadline_ms + SUBMIT_GRACE_MS {
        return Err(DomainError::new(
            "已超过本次测试的作答时限，答卷未被接受，本次作答记为0分",
        ));
    }
    Ok(())
}

/// Whether another attempt may begin: within the limit of attempts, and not while one is open.
pub fn check_start(
    attempts_used: u32,
    max_attempts: u32,
    open_attempt: bool,
) -> Result<(), DomainError> {
    if open_attempt {
        return Err(DomainError::new("您有一次尚未交卷的作答，请先完成"));
    }
    if attempts_used >= max_attempts {
        return Err(DomainError::new(format!(
            "本测试最多可作答{max_attempts}次，您已用完"
        )));
    }
    Ok(())
}

/// A test's settings as typed.
#[derive(Debug, Clone, Default)]
pub struct TestInput {
    pub title: String,
    pub question_count: String,
    pub time_limit_minutes: String,
    pub pass_percent: String,
    pub max_attempts: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestDraft {
    pub title: String,
    pub question_count: u32,
    pub time_limit_minutes: u32,
    pub pass_percent: u32,
    pub max_attempts: u32,
}

impl TestInput {
    pub fn validate(&self) -> Result<TestDraft, Vec<DomainError>> {
        let mut errs = Vec::new();
        let title = clean_text(&self.title, "title", "测试名称", 2, 100)
            .map_err(|e| errs.push(e))
            .ok();
        let mut num = |s: &str, field: &'static str, label: &str, lo: u32, hi: u32| {
            s.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .or_else(|| {
                    errs.push(DomainError::field(
                        field,
                        format!("{label}应为{lo}至{hi}的整数"),
                    ));
                    None
                })
        };
        let q = num(&self.question_count, "question_count", "题目数量", 1, 200);
        let t = num(
            &self.time_limit_minutes,
            "time_limit_minutes",
            "作答时限（分钟）",
            1,
            300,
        );
        let p = num(&self.pass_percent, "pass_percent", "及格线（%）", 1, 100);
        let m = num(&self.max_attempts, "max_attempts", "可作答次数", 1, 10);
        match (title, q, t, p, m) {
            (
                Some(title),
                Some(question_count),
                Some(time_limit_minutes),
                Some(pass_percent),
                Some(max_attempts),
            ) => Ok(TestDraft {
                title,
                question_count,
                time_limit_minutes,
                pass_percent,
                max_attempts,
            }),
            _ => Err(errs),
        }
    }
}

// ---------- completion ----------

/// What a campaign asks of every officer (set by the campaign office).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudyRequirement {
    pub required_minutes: u32,
    pub require_test: bool,
    pub required_essays: u32,
}

impl Default for StudyRequirement {
    /// Until the office sets hours, passing the test is what finishing means.
    fn default() -> Self {
        StudyRequirement {
            required_minutes: 0,
            require_test: true,
            required_essays: 0,
        }
    }
}

impl StudyRequirement {
    pub fn parse(hours: &str, require_test: bool, essays: &str) -> Result<Self, Vec<DomainError>> {
        let mut errs = Vec::new();
        let required_minutes = if hours.trim().is_empty() || hours.trim() == "0" {
            Some(0)
        } else {
            parse_hours_total(hours).map_err(|e| errs.push(e)).ok()
        };
        let required_essays = essays
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 10)
            .or_else(|| {
                errs.push(DomainError::field(
                    "required_essays",
                    "体会文章篇数应为0至10的整数",
                ));
                None
            });
        match (required_minutes, required_essays) {
            (Some(required_minutes), Some(required_essays)) => Ok(StudyRequirement {
                required_minutes,
                require_test,
                required_essays,
            }),
            _ => Err(errs),
        }
    }
}

/// Total hours of a requirement, up to 500.
fn parse_hours_total(s: &str) -> Result<u32, DomainError> {
    let t = s.trim();
    let bad = || {
        DomainError::field(
            "required_hours",
            "要求学时应为0至500之间的数字，如 40 或 12.5",
        )
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || whole.len() > 3
        || frac.len() > 2
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let minutes = whole.parse::<u32>().map_err(|_| bad())? * 60
        + (format!("{frac:0<2}").parse::<u32>().map_err(|_| bad())? * 60 + 50) / 100;
    if minutes > 500 * 60 {
        return Err(bad());
    }
    Ok(minutes)
}

/// Where an officer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StudyProgress {
    pub minutes: i64,
    pub passed_test: bool,
    /// Best percentage over every attempt of the campaign's tests, if any.
    pub best_percent: Option<u32>,
    pub approved_essays: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub done: bool,
    /// One line per condition, saying whether it holds and by how much.
    pub because: Vec<String>,
}

/// Has the officer finished the study requirement? Each condition explains itself.
pub fn completion(req: &StudyRequirement, p: &StudyProgress) -> Completion {
    let mut because = Vec::new();
    let hours_ok = p.minutes >= i64::from(req.required_minutes);
    because.push(if req.required_minutes == 0 {
        format!("学时：已累计{}小时（未设学时要求）", fmt_hours(p.minutes))
    } else if hours_ok {
        format!(
            "学时：已累计{}小时，达到要求的{}小时",
            fmt_hours(p.minutes),
            fmt_hours(req.required_minutes.into())
        )
    } else {
        format!(
            "学时：已累计{}小时，未达到要求的{}小时（还差{}小时）",
            fmt_hours(p.minutes),
            fmt_hours(req.required_minutes.into()),
            fmt_hours(i64::from(req.required_minutes) - p.minutes)
        )
    });
    let test_ok = !req.require_test || p.passed_test;
    because.push(match (req.require_test, p.passed_test, p.best_percent) {
        (_, true, Some(b)) => format!("应知应会测试：已通过（最好成绩{b}%）"),
        (_, true, None) => "应知应会测试：已通过".to_string(),
        (true, false, Some(b)) => format!("应知应会测试：尚未通过（最好成绩{b}%）"),
        (true, false, None) => "应知应会测试：尚未参加".to_string(),
        (false, false, _) => "应知应会测试：本次未作要求".to_string(),
    });
    let essays_ok = p.approved_essays >= i64::from(req.required_essays);
    if req.required_essays > 0 {
        because.push(if essays_ok {
            format!(
                "体会文章：已通过审核{}篇，达到要求的{}篇",
                p.approved_essays, req.required_essays
            )
        } else {
            format!(
                "体会文章：已通过审核{}篇，未达到要求的{}篇",
                p.approved_essays, req.required_essays
            )
        });
    }
    Completion {
        done: hours_ok && test_ok && essays_ok,
        because,
    }
}

/// Finished officers as a percentage of all, one decimal, for a unit's rate.
pub fn rate_percent(done: i64, total: i64) -> f64 {
    if total <= 0 {
        0.0
    } else {
        (done as f64 * 1000.0 / total as f64).round() / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_and_print() {
        assert_eq!(parse_hours("2", "h"), Ok(120));
        assert_eq!(parse_hours(" 1.5 ", "h"), Ok(90));
        assert_eq!(parse_hours("0.25", "h"), Ok(15));
        assert_eq!(parse_hours(".5", "h"), Ok(30));
        assert_eq!(parse_hours("24", "h"), Ok(1440));
        for bad in [
            "", "0", "0.1", "25", "abc", "1.234", "-1", "１", "1.5.5", ".",
        ] {
            let e = parse_hours(bad, "hours").unwrap_err();
            assert_eq!(e.field, Some("hours"), "{bad}");
        }
        assert_eq!(fmt_hours(120), "2");
        assert_eq!(fmt_hours(90), "1.5");
        assert_eq!(fmt_hours(15), "0.25");
        assert_eq!(fmt_hours(0), "0");
        assert_eq!(fmt_hours(20), "0.33");
    }

    #[test]
    fn activity_checks_every_field_and_warning_cases() {
        let ok = ActivityInput {
            kind: "concentrated".into(),
            title: "集中学习法治思想".into(),
            day: "2024-03-01".into(),
            hours: "2".into(),
            venue: "三楼会议室".into(),
            cases: String::new(),
        };
        let d = ok.validate().unwrap();
        assert_eq!(d.kind, ActivityKind::Concentrated);
        assert_eq!(d.minutes, 120);
        assert_eq!(d.cases, None);

        let warning = ActivityInput {
            kind: "warning".into(),
            ..ok.clone()
        };
        let errs = warning.validate().unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, Some("cases"));
        let warning = ActivityInput {
            cases: "某区法院原副院长收受当事人财物、违规干预案件一案".into(),
            ..warning
        };
        assert!(warning.validate().is_ok());

        let bad = ActivityInput {
            kind: "party".into(),
            title: "a".into(),
            day: "2024-02-30".into(),
            hours: "x".into(),
            venue: String::new(),
            cases: String::new(),
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .iter()
            .map(|e| e.field.unwrap())
            .collect();
        assert_eq!(fields, ["kind", "title", "day", "hours", "venue"]);
    }

    #[test]
    fn signin_times_on_the_day_only() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(parse_signin_time("", day), Ok(None));
        let t = parse_signin_time("2024-03-01 09:05", day).unwrap().unwrap();
        assert_eq!(t.format("%H:%M").to_string(), "09:05");
        assert!(
            parse_signin_time("2024/03/01 09:05:30", day)
                .unwrap()
                .is_some()
        );
        assert_eq!(
            parse_signin_time("08:30", day).unwrap().unwrap().date(),
            day
        );
        let e = parse_signin_time("2024-03-02 09:00", day).unwrap_err();
        assert!(e.message.contains("不在活动当天"), "{e}");
        assert!(parse_signin_time("昨天上午", day).is_err());
        assert!(parse_signin_time("25:00", day).is_err());
    }

    fn fake_mac(window: i64) -> [u8; 32] {
        // A stand-in for HMAC-SM3: deterministic, different per window.
        let mut m = [0u8; 32];
        for (i, b) in m.iter_mut().enumerate() {
            *b = (window
                .wrapping_mul(2_654_435_761)
                .wrapping_add(i as i64 * 97)
                >> 3) as u8;
        }
        m
    }

    #[test]
    fn code_windows_rotate_every_minute() {
        assert_eq!(code_window(0), 0);
        assert_eq!(code_window(59_999), 0);
        assert_eq!(code_window(60_000), 1);
        assert_eq!(code_window(-1), -1);
        assert_eq!(code_seconds_left(0), 60);
        assert_eq!(code_seconds_left(59_001), 1);
        assert_eq!(code_seconds_left(30_000), 30);
        assert_ne!(code_message("a", 1), code_message("a", 2));
        assert_ne!(code_message("ab", 1), code_message("a", 1));
    }

    #[test]
    fn code_is_six_uniform_digits() {
        let c = code_from_mac(&[0u8; 32]);
        assert_eq!(c, "000000");
        let c = code_from_mac(&fake_mac(5));
        assert_eq!(c.len(), 6);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn current_and_previous_window_accepted_older_refused() {
        let now = 1_700_000_030_000i64;
        let w = code_window(now);
        let current = code_from_mac(&fake_mac(w));
        let previous = code_from_mac(&fake_mac(w - 1));
        let expired = code_from_mac(&fake_mac(w - 2));
        let next = code_from_mac(&fake_mac(w + 1));
        assert_eq!(
            check_venue_code(&current, now, fake_mac),
            Ok(CodeMatch::Current)
        );
        assert_eq!(
            check_venue_code(&previous, now, fake_mac),
            Ok(CodeMatch::Previous)
        );
        // A code two minutes old, or one not yet shown, is refused.
        for c in [&expired, &next] {
            if c != &current && c != &previous {
                assert_eq!(
                    check_venue_code(c, now, fake_mac).unwrap_err().field,
                    Some("code")
                );
            }
        }
        // Spaces are ignored; anything but six digits is a form error.
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert_eq!(
            check_venue_code(&spaced, now, fake_mac),
            Ok(CodeMatch::Current)
        );
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            let e = check_venue_code(bad, now, fake_mac).unwrap_err();
            assert!(e.message.contains("6位数字"), "{bad}: {e}");
        }
    }

    #[test]
    fn essay_life() {
        use EssayAction::*;
        use EssayState::*;
        assert_eq!(essay_next(Submitted, Approve), Ok(Approved));
        assert_eq!(essay_next(Submitted, Return), Ok(Returned));
        assert_eq!(essay_next(Returned, Resubmit), Ok(Submitted));
        for (s, a) in [
            (Approved, Return),
            (Approved, Resubmit),
            (Approved, Approve),
            (Returned, Approve),
            (Returned, Return),
            (Submitted, Resubmit),
        ] {
            let e = essay_next(s, a).unwrap_err();
            assert!(
                e.message.contains(s.label()) && e.message.contains(a.label()),
                "{e}"
            );
        }
        assert!(return_reason("不行").is_err());
        assert!(return_reason("请结合本职工作谈体会").is_ok());
        let errs = essay_text("", "太短").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(essay_text("学习体会", &"字".repeat(200)).is_ok());
    }

    #[test]
    fn answer_letters() {
        let a = AnswerSet::parse_letters("a, c").unwrap();
        assert_eq!(a.letters(), "AC");
        assert_eq!(AnswerSet::parse_letters("ＡＢ").unwrap().letters(), "AB");
        assert_eq!(AnswerSet::parse_letters("C、A").unwrap().letters(), "AC");
        assert!(AnswerSet::parse_letters("AA").is_none());
        assert!(AnswerSet::parse_letters("E").is_none());
        assert!(AnswerSet::parse_letters("").unwrap().is_empty());
        assert_eq!(AnswerSet::from_bits(0xff).bits(), 0x0f);
    }

    #[test]
    fn questions_are_checked_per_kind() {
        let q = validate_question(
            "单选",
            "政法队伍教育整顿的三个环节不包括？",
            ["学习教育", "查纠整改", "总结提升", "评先评优"],
            "D",
            "2",
        )
        .unwrap();
        assert_eq!(q.kind, QuestionKind::Single);
        assert_eq!(q.answer.letters(), "D");
        assert_eq!(q.points, 2);
        let q = validate_question(
            "多选题",
            "六大顽瘴痼疾包括？",
            ["违规经商办企业", "违规参股借贷", "酒驾", ""],
            "ab",
            "",
        )
        .unwrap();
        assert_eq!(q.answer.letters(), "AB");
        assert_eq!(q.points, 1);
        assert_eq!(q.options[3], None);
        let q =
            validate_question("判断", "自查从宽、被查从严。", ["", "", "", ""], "对", "1").unwrap();
        assert_eq!(q.answer.letters(), "A");
        assert_eq!(q.options[1].as_deref(), Some("错误"));

        let field = |r: Result<QuestionDraft, Vec<DomainError>>| {
            r.unwrap_err()
                .iter()
                .map(|e| e.field.unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            field(validate_question(
                "填空",
                "题干题干",
                ["a", "b", "", ""],
                "A",
                "1"
            )),
            ["kind"]
        );
        assert_eq!(
            field(validate_question(
                "单选",
                "题干题干",
                ["a", "b", "", ""],
                "AB",
                "1"
            )),
            ["answer"]
        );
        assert_eq!(
            field(validate_question(
                "多选",
                "题干题干",
                ["a", "b", "c", ""],
                "A",
                "1"
            )),
            ["answer"]
        );
        assert_eq!(
            field(validate_question(
                "单选",
                "题干题干",
                ["a", "b", "", ""],
                "C",
                "1"
            )),
            ["answer"]
        );
        assert_eq!(
            field(validate_question(
                "单选",
                "题干题干",
                ["a", "", "c", ""],
                "A",
                "1"
            )),
            ["option_a"]
        );
        assert_eq!(
            field(validate_question(
                "单选",
                "题干题干",
                ["a", "", "", ""],
                "A",
                "1"
            )),
            ["option_b"]
        );
        assert_eq!(
            field(validate_question(
                "判断",
                "题干题干",
                ["", "", "", ""],
                "也许",
                "1"
            )),
            ["answer"]
        );
        assert_eq!(
            field(validate_question(
                "单选",
                "题干题干",
                ["a", "b", "", ""],
                "A",
                "两分"
            )),
            ["points"]
        );
        assert_eq!(
            field(validate_question("单选", "", ["a", "b", "", ""], "A", "0")),
            ["stem", "points"]
        );
    }

    fn item(kind: QuestionKind, correct: &str, given: Option<&str>, points: u32) -> GradeItem {
        GradeItem {
            kind,
            correct: AnswerSet::parse_letters(correct).unwrap(),
            points,
            given: given.map(|g| AnswerSet::parse_letters(g).unwrap()),
        }
    }

    #[test]
    fn grading_needs_the_exact_set() {
        use QuestionKind::*;
        let items = [
            item(Single, "B", Some("B"), 2),
            item(Multiple, "ACD", Some("ACD"), 4),
            item(TrueFalse, "A", Some("B"), 1),
            item(Multiple, "AB", Some("A"), 3),
            item(Multiple, "AB", Some("ABC"), 3),
            item(Single, "C", None, 2),
        ];
        let g = grade(&items, 60);
        assert_eq!(g.score, 6);
        assert_eq!(g.max_score, 15);
        assert_eq!(g.percent, 40);
        assert!(!g.passed);
        assert_eq!(g.right, [true, true, false, false, false, false]);
        assert!(
            g.because.iter().any(|b| b.contains("1题未作答")),
            "{:?}",
            g.because
        );
        assert!(
            g.because.iter().any(|b| b.contains("2道多选题")),
            "{:?}",
            g.because
        );
        assert!(g.because.last().unwrap().contains("未通过"));

        let g = grade(&items[..2], 60);
        assert_eq!(
            (g.score, g.max_score, g.percent, g.passed),
            (6, 6, 100, true)
        );
        // Exactly at the pass mark passes; an empty test never does.
        let g = grade(
            &[
                item(Single, "A", Some("A"), 3),
                item(Single, "A", Some("B"), 2),
            ],
            60,
        );
        assert_eq!((g.percent, g.passed), (60, true));
        assert!(!grade(&[], 0).passed);
    }

    #[test]
    fn time_limit_and_attempts() {
        assert!(check_submit_time(1000, 1000).is_ok());
        assert!(check_submit_time(1000 + SUBMIT_GRACE_MS, 1000).is_ok());
        let e = check_submit_time(1001 + SUBMIT_GRACE_MS, 1000).unwrap_err();
        assert!(e.message.contains("作答时限"));
        assert!(check_start(0, 2, false).is_ok());
        assert!(check_start(1, 2, false).is_ok());
        assert!(
            check_start(2, 2, false)
                .unwrap_err()
                .message
                .contains("最多可作答2次")
        );
        assert!(
            check_start(0, 2, true)
                .unwrap_err()
                .message
                .contains("尚未交卷")
        );
    }

    #[test]
    fn test_settings() {
        let t = TestInput {
            title: "应知应会测试".into(),
            question_count: "20".into(),
            time_limit_minutes: "30".into(),
            pass_percent: "60".into(),
            max_attempts: "3".into(),
        };
        assert_eq!(t.validate().unwrap().question_count, 20);
        let bad = TestInput {
            title: "应知应会测试".into(),
            question_count: "0".into(),
            time_limit_minutes: "x".into(),
            pass_percent: "101".into(),
            max_attempts: "3".into(),
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .iter()
            .map(|e| e.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            ["question_count", "time_limit_minutes", "pass_percent"]
        );
    }

    #[test]
    fn completion_explains_each_condition() {
        let req = StudyRequirement {
            required_minutes: 20 * 60,
            require_test: true,
            required_essays: 1,
        };
        let p = StudyProgress {
            minutes: 18 * 60,
            passed_test: true,
            best_percent: Some(85),
            approved_essays: 1,
        };
        let c = completion(&req, &p);
        assert!(!c.done);
        assert!(
            c.because[0].contains("未达到要求的20小时（还差2小时）"),
            "{:?}",
            c.because
        );
        assert!(c.because[1].contains("已通过（最好成绩85%）"));
        assert!(c.because[2].contains("达到要求的1篇"));

        let p = StudyProgress {
            minutes: 20 * 60,
            ..p
        };
        assert!(completion(&req, &p).done);
        let p = StudyProgress {
            passed_test: false,
            best_percent: Some(40),
            ..p
        };
        let c = completion(&req, &p);
        assert!(!c.done);
        assert!(c.because[1].contains("尚未通过（最好成绩40%）"));
        let c = completion(
            &StudyRequirement {
                require_test: false,
                ..req
            },
            &p,
        );
        assert!(c.done);
        assert!(c.because[1].contains("未作要求"));
        let c = completion(
            &req,
            &StudyProgress {
                minutes: 1200,
                passed_test: true,
                best_percent: None,
                approved_essays: 0,
            },
        );
        assert!(!c.done);
        assert!(c.because[2].contains("未达到要求的1篇"));
        // The default asks for the test only, and has no essay line.
        let c = completion(&StudyRequirement::default(), &StudyProgress::default());
        assert!(!c.done);
        assert_eq!(c.because.len(), 2);
        assert!(c.because[1].contains("尚未参加"));
    }

    #[test]
    fn requirement_form() {
        let r = StudyRequirement::parse("12.5", true, "1").unwrap();
        assert_eq!(
            (r.required_minutes, r.require_test, r.required_essays),
            (750, true, 1)
        );
        assert_eq!(
            StudyRequirement::parse("", false, "0")
                .unwrap()
                .required_minutes,
            0
        );
        let fields: Vec<_> = StudyRequirement::parse("1000", true, "x")
            .unwrap_err()
            .iter()
            .map(|e| e.field.unwrap())
            .collect();
        assert_eq!(fields, ["required_hours", "required_essays"]);
        assert_eq!(rate_percent(1, 3), 33.3);
        assert_eq!(rate_percent(0, 0), 0.0);
    }
}
