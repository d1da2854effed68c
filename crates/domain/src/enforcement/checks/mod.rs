//! Data checks (数据比对): rules with settable parameters that compare the case register and imported
//! records (sentence changes, departures, lawyers' appearances, business registrations, officers' close
//! relatives) and explain every match. People are matched by the keyed hash of their ID number only,
//! never by name; the evidence names the hash and the masked number, never the number itself.
//!
//! `records` names the imported records and `parse` checks their rows; `rules` holds the rules, their
//! parameters and the evidence type; `suppression`, `commutation`, `revolving` and `business` are the
//! pure functions that decide a match and say why, one file per stubborn problem.

mod business;
mod commutation;
mod parse;
mod records;
mod revolving;
mod rules;
mod suppression;

pub use business::*;
pub use commutation::*;
pub use parse::*;
pub use records::*;
pub use revolving::*;
pub use rules::*;
pub use suppression::*;
