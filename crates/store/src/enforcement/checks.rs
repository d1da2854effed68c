//! (being written)

pub(crate) const MIGRATION_SQL: &str = "";
