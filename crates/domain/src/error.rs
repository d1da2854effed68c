//! The one error type of the domain: what the user did wrong, said in Chinese, optionally tied to
//! the form field that caused it so the page can show the message next to that field.

/// A rule was broken by the input. `message` is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{message}")]
pub struct DomainError {
    /// The form field (English identifier) the message belongs to, if any.
    pub field: Option<&'static str>,
    /// Chinese, complete, ready to show.
    pub message: String,
}

impl DomainError {
    pub fn new(msg: impl Into<String>) -> Self {
        DomainError {
            field: None,
            message: msg.into(),
        }
    }

    pub fn field(field: &'static str, msg: impl Into<String>) -> Self {
        DomainError {
            field: Some(field),
            message: msg.into(),
        }
    }

    /// The same error, attached to `field`.
    pub fn at(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// "无法识别的角色：“xyz”": the input is echoed, shortened and without control characters,
    /// so a pasted megabyte or a terminal escape never ends up on the page.
    pub(crate) fn unknown(what: &str, input: &str) -> Self {
        const SHOWN: usize = 20;
        let mut shown: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(SHOWN)
            .collect();
        if input.trim().chars().count() > SHOWN {
            shown.push('…');
        }
        DomainError::new(format!("无法识别的{what}：“{shown}”"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message() {
        let e = DomainError::field("description", "举报内容不能少于10个字");
        assert_eq!(e.to_string(), "举报内容不能少于10个字");
        assert_eq!(e.field, Some("description"));
        assert_eq!(DomainError::new("x").field, None);
    }

    #[test]
    fn unknown_echo_is_short_and_clean() {
        let long = "a".repeat(1000);
        let e = DomainError::unknown("角色", &long);
        assert!(e.message.chars().count() < 40);
        let e = DomainError::unknown("角色", "ab\u{1b}[31mc");
        assert!(!e.message.contains('\u{1b}'));
    }
}
