//! HTTP-level tests: the real app on port 0 over a fresh database, driven the way people use it.
//! One test binary with a module per area, so the suite links once.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod audit_tamper;
mod auth;
mod bad_input;
mod clue_life;
mod openapi;
mod public;
mod sealed;
