//! The rules of the education-and-rectification campaign (教育整顿), as pure Rust: validated newtypes
//! that are parsed once at the boundary, the enums of DOMAIN.md with their Chinese labels, the clue
//! state machine, working-day deadline arithmetic and a rate limiter that is told the time.
//!
//! This crate must stay pure: no I/O, no async, no database, no clock (every "now" is an argument),
//! no randomness, and no crate of ours. Its only dependencies are chrono, serde and thiserror, so that
//! every other crate can depend on it and every rule can be tested in microseconds.

/// Declares an enum whose variants have a stable identifier (`as_str`, also the serde form) and a
/// Chinese label, with `parse`, `all` and `FromStr`. One list per enum keeps the three in step.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = ($id:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in the order users see them.
            pub fn all() -> &'static [$name] {
                &[$($name::$variant),+]
            }

            /// The stable identifier used in the database, URLs and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $id),+
                }
            }

            /// What the user reads.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// Parses the identifier (surrounding whitespace ignored).
            pub fn parse(s: &str) -> Result<Self, $crate::error::DomainError> {
                let t = s.trim();
                $(
                    if t == $id {
                        return Ok($name::$variant);
                    }
                )+
                Err($crate::error::DomainError::unknown($what, s))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod access;
pub mod calendar;
pub mod campaign;
pub mod clues;
pub mod enforcement;
pub mod error;
pub mod limiter;
pub mod org;
pub mod rectification;
pub mod selfcheck;
pub mod study;
pub mod tips;
pub mod warning;

pub use calendar::*;
pub use clues::*;
pub use error::*;
pub use limiter::*;
pub use org::*;
pub use tips::*;
