//! The responsibility matrix (责任体系): the four levels and the check on who holds one.

use crate::error::DomainError;
use crate::org::{clean_optional, clean_text};

string_enum! {
    /// The four levels of responsibility the first speech names (强化责任落实).
    pub enum ResponsibilityLevel ("责任层级") {
        Principal = ("principal", "主体责任"),
        FirstResponsible = ("first", "第一责任人"),
        Direct = ("direct", "直接责任"),
        Supervisory = ("supervisory", "监督责任"),
    }
}

impl ResponsibilityLevel {
    /// Who usually holds it, as a hint beside the field.
    pub fn holder_hint(self) -> &'static str {
        match self {
            ResponsibilityLevel::Principal => "本级党委（党组）",
            ResponsibilityLevel::FirstResponsible => "党委（党组）书记",
            ResponsibilityLevel::Direct => "党委政法委、政法单位党组（党委）",
            ResponsibilityLevel::Supervisory => "纪委监委（派驻纪检监察组）",
        }
    }
}

/// One holder as typed: a name (of a person or a body) and an optional position.
pub fn check_holder(name: &str, position: &str) -> Result<(String, String), DomainError> {
    let name = clean_text(name, "name", "责任主体或责任人", 2, 100)?;
    let position = clean_optional(Some(position), "position", "职务", 100)?.unwrap_or_default();
    Ok((name, position))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders() {
        assert_eq!(
            check_holder("中共甲区公安分局委员会", "").unwrap(),
            ("中共甲区公安分局委员会".to_string(), String::new())
        );
        assert_eq!(
            check_holder("吴建国", " 党委书记、局长 ").unwrap().1,
            "党委书记、局长"
        );
        assert_eq!(check_holder("吴", "").unwrap_err().field, Some("name"));
        assert_eq!(ResponsibilityLevel::all().len(), 4);
        assert_eq!(ResponsibilityLevel::FirstResponsible.label(), "第一责任人");
    }
}
