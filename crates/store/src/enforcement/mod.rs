//! Enforcement supervision (执法司法监督): the case register, inquiry records, case review and trace-back,
//! guiding cases and commentary, and the data checks. Each part owns its tables and its migration.

pub mod cases;
pub mod checks;
pub mod guiding;
pub mod inquiries;
pub mod review;
