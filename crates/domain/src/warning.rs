//! Early warning (队伍风险预警): (being written)
