//! Enforcement supervision (执法司法监督): the case register with who decided each stage, inquiry records
//! (逢问必录), case review (案件评查) with trace-back, guiding cases, and the data checks that find what
//! nobody reported.

pub mod cases;
pub mod checks;
pub mod guiding;
pub mod inquiries;
pub mod review;
