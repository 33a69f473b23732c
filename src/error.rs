//! Errors as the user sees them: Chinese text that names the file and place.
//! The kind decides the exit code: configuration and usage errors exit 2,
//! problems in the inputs (filled forms) and failures exit 1.

mod toml_text;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A malformed campaign or rubric file, a bad option: exit code 2.
    #[error("{0}")]
    Config(String),
    /// Filled forms with problems, or a run that could not complete: exit code 1.
    #[error("{0}")]
    Failed(String),
    /// A problem with what to do about it, kept apart: the terminal prints
    /// the remedy on its own `提示：` line, a web page shows it under the
    /// message. The exit code is the inner error's.
    #[error("{0}")]
    Hinted(Box<Error>, String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => 2,
            Error::Failed(_) => 1,
            Error::Hinted(e, _) => e.exit_code(),
        }
    }

    /// The same error with `hint` as its remedy.
    pub fn hint(self, hint: impl Into<String>) -> Error {
        match self {
            Error::Hinted(e, _) => Error::Hinted(e, hint.into()),
            e => Error::Hinted(Box::new(e), hint.into()),
        }
    }

    /// What went wrong, without the remedy.
    pub fn message(&self) -> String {
        match self {
            Error::Config(m) | Error::Failed(m) => m.clone(),
            Error::Hinted(e, _) => e.message(),
        }
    }

    /// What to do about it, when known.
    pub fn remedy(&self) -> Option<&str> {
        match self {
            Error::Hinted(_, h) => Some(h),
            _ => None,
        }
    }
}

/// An operating-system error in words an office clerk reads, never
/// `os error 2`.
pub fn os(e: &std::io::Error) -> String {
    // Windows-only conditions, such as a file held open by Excel, named for
    // what the user can do about them.
    #[cfg(windows)]
    if let Some(code) = e.raw_os_error()
        && let Some(text) = crate::os::windows_text(code)
    {
        return text.to_string();
    }
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "没有这个文件或文件夹".into(),
        K::PermissionDenied => "没有权限（文件或文件夹不可读或不可写）".into(),
        K::AlreadyExists => "已经存在".into(),
        K::IsADirectory => "这是一个文件夹，不是文件".into(),
        K::NotADirectory => "路径中的某一级不是文件夹".into(),
        K::DirectoryNotEmpty => "文件夹不是空的".into(),
        K::ReadOnlyFilesystem => "所在的磁盘只读，不可写".into(),
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => {
            "磁盘空间不足或超过了文件大小限制".into()
        }
        K::InvalidData => "内容无法识别（不是 UTF-8 编码的文本）".into(),
        K::InvalidFilename => "文件名无效或过长".into(),
        K::Interrupted | K::TimedOut => "操作被中断或超时，请重试".into(),
        K::OutOfMemory => "内存不足".into(),
        K::CrossesDevices => "不能跨磁盘移动文件".into(),
        K::WouldBlock | K::ResourceBusy => "文件正被其他程序使用，请关闭后重试".into(),
        K::UnexpectedEof => "文件不完整".into(),
        K::Unsupported => "此系统不支持该操作".into(),
        _ => match e.raw_os_error() {
            Some(n) => format!("操作系统报告错误（代码 {n}）"),
            None => "操作系统报告错误".into(),
        },
    }
}

/// Why an output folder cannot be written, in Chinese.
pub fn os_write(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "输出目录不可写（没有写入权限）".into(),
        _ => os(e),
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
    Error::Config(format!(
        "{file}: {place}: 格式错误：{}",
        toml_text::chinese(e.message())
    ))
}
