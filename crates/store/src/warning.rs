//! Early warning (队伍风险预警): (being written)

pub(crate) const MIGRATION_SQL: &str = "";
