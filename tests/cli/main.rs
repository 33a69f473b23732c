//! kaohe's integration tests: one binary (linked once), one module per area,
//! helpers shared through `support`.

mod browser;
mod campaign;
mod cycle;
mod documents;
mod docx;
mod feedback;
mod gbt;
mod hostile;
mod libreoffice;
mod ofd;
mod paperwork;
mod printed;
mod rerun;
mod serve;
mod support;
mod tables;
mod windows;
mod workbooks;
