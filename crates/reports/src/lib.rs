//! Spreadsheets in and out of Mingjing. Every list an office keeps leaves as an Excel file and rosters,
//! attendance sheets and ledgers come back the same way, so this crate does both ends: a streaming
//! export that holds a million rows in constant memory and neutralises formula-looking text, download
//! templates with Chinese instructions, and an import that refuses anything that is not a bounded,
//! well-formed xlsx before a parser sees it. It knows nothing of the campaign's domain and depends on
//! no crate of ours; callers turn their rows into [`Cell`]s and the imported [`Sheet`] into their types.

pub mod docx;
mod export;
mod import;

pub use docx::{Block, Briefing, briefing_bytes, write_briefing};
pub use export::{Cell, ReportError, neutralize, template_xlsx, write_xlsx};
pub use import::{ImportError, RowError, Sheet, errors_report, read_xlsx};
