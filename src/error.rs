//! Errors as the user sees them: Chinese text that names the file and place.
//! The kind decides the exit code: configuration and usage errors exit 2,
//! problems in the inputs (filled forms) and failures exit 1.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A malformed campaign or rubric file, a bad option: exit code 2.
    #[error("{0}")]
    Config(String),
    /// Filled forms with problems, or a run that could not complete: exit code 1.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => 2,
            Error::Failed(_) => 1,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// `Error::Config` with `format!` arguments.
#[macro_export]
macro_rules! config_err {
    ($($t:tt)*) => { $crate::error::Error::Config(format!($($t)*)) };
}

/// `Error::Failed` with `format!` arguments.
#[macro_export]
macro_rules! failed {
    ($($t:tt)*) => { $crate::error::Error::Failed(format!($($t)*)) };
}

/// `s` with each control character (ESC, BEL, CR, newline…) written as
/// `\u{1b}`, so that text from a file or a campaign cannot drive the
/// terminal a message is printed on.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// The 1-based line of byte offset `pos` in `src`.
pub fn line_of(src: &str, pos: usize) -> usize {
    src.as_bytes()[..pos.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A TOML parse error as one Chinese line naming the file, line and column.
pub fn toml_error(file: &str, src: &str, e: &toml::de::Error) -> Error {
    let place = match e.span() {
        Some(span) => {
            let line = line_of(src, span.start);
            let col = src[..span.start.min(src.len())]
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count() + 1)
                .unwrap_or(1);
            format!("第{line}行第{col}列")
        }
        None => String::new(),
    };
    Error::Config(format!("{file}: {place}: 格式错误：{}", e.message()))
}
