//! kaohe 考核: runs a city's annual safety-production assessment end to end.
//!
//! The folders follow the pipeline: `campaign` and `rubric` are the model,
//! `workbook` writes blank forms and reads filled ones, `score` turns filled
//! forms into scores, `render` typesets, `archive` writes outputs safely, and
//! `cmd` wires one command to each step.

pub mod archive;
pub mod assess;
pub mod assets;
pub mod campaign;
pub mod cli;
pub mod cmd;
pub mod dates;
pub mod doc;
pub mod error;
pub mod failpoint;
pub mod findings;
pub mod os;
pub mod points;
pub mod project;
pub mod render;
pub mod rubric;
pub mod score;
pub mod serve;
pub mod swap;
pub mod timing;
pub mod workbook;

pub use error::{Error, Result};
