//! The command line in Chinese: clap's help and its errors (a mistyped
//! option, a missing argument) are given in Chinese; no English reaches the
//! user. Usage errors exit with code 2.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// Words of clap's help text and their Chinese.
const HELP_WORDS: &[(&str, &str)] = &[
    ("Usage:", "用法："),
    ("Options:", "选项："),
    ("Commands:", "命令："),
    ("Arguments:", "参数："),
    ("[OPTIONS]", "[选项]"),
    ("<COMMAND>", "<命令>"),
    ("Print help", "显示帮助"),
    ("Print version", "显示版本"),
    ("[possible values: ", "[可选值："),
    ("[default: ", "[默认："),
    ("(see more with '--help')", "（用 --help 查看详细说明）"),
    ("(see a summary with '-h')", "（用 -h 查看摘要）"),
];

/// The command line with clap's `help` subcommand turned off (its
/// description is in English); `--help` remains.
pub fn localize(cmd: clap::Command) -> clap::Command {
    cmd.disable_help_subcommand(true)
}

/// clap's help text with its headings and fixed phrases in Chinese.
pub fn help_in_chinese(text: &str) -> String {
    let mut s = text.to_string();
    for (en, zh) in HELP_WORDS {
        s = s.replace(en, zh);
    }
    s
}

fn values(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect(),
        Some(ContextValue::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn first(e: &clap::Error, kind: ContextKind) -> String {
    values(e, kind).into_iter().next().unwrap_or_default()
}

/// What clap stopped on, in Chinese: the text to print, the remedy, and
/// the exit code (0 for `--help` and `--version`, 2 otherwise). `command`
/// is the subcommand typed, if any, for the remedy's `--help` line.
pub fn explain(e: &clap::Error, command: Option<&str>) -> (String, Option<String>, u8) {
    let help = match command {
        Some(c) => format!("kaohe {c} --help"),
        None => "kaohe --help".to_string(),
    };
    let see = format!("运行 {help} 查看用法");
    let suggest = |kind: ContextKind| -> Option<String> {
        let s = values(e, kind);
        (!s.is_empty()).then(|| format!("是否想用 {}？{see}", s.join(" 或 ")))
    };
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            (help_in_chinese(&e.render().to_string()), None, 0)
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => (
            format!(
                "缺少命令\n\n{}",
                help_in_chinese(&e.render().to_string()).trim_end()
            ),
            Some("在 kaohe 后面写上要做的事，如 kaohe init 吴忠2019、kaohe notice".into()),
            2,
        ),
        ErrorKind::UnknownArgument => {
            let arg = first(e, ContextKind::InvalidArg);
            let hint = suggest(ContextKind::SuggestedArg)
                .or_else(|| suggest(ContextKind::SuggestedSubcommand))
                .unwrap_or(see);
            (format!("没有这个选项：{arg}"), Some(hint), 2)
        }
        ErrorKind::InvalidSubcommand => {
            let arg = first(e, ContextKind::InvalidSubcommand);
            let hint = suggest(ContextKind::SuggestedSubcommand)
                .unwrap_or_else(|| "运行 kaohe --help 查看所有命令".into());
            (format!("没有这个命令：{arg}"), Some(hint), 2)
        }
        ErrorKind::MissingRequiredArgument => {
            let args = values(e, ContextKind::InvalidArg);
            (format!("缺少参数：{}", args.join("、")), Some(see), 2)
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::NoEquals => {
            let arg = first(e, ContextKind::InvalidArg);
            let value = first(e, ContextKind::InvalidValue);
            let msg = if value.is_empty() {
                format!("选项 {arg} 后面缺少值")
            } else {
                format!("选项 {arg} 的值“{value}”无效")
            };
            let valid = values(e, ContextKind::ValidValue);
            let hint = if valid.is_empty() {
                see
            } else {
                format!("可用的值：{}", valid.join("、"))
            };
            (msg, Some(hint), 2)
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            let value = first(e, ContextKind::InvalidValue);
            let arg = first(e, ContextKind::InvalidArg);
            let msg = if value.is_empty() {
                format!("选项 {arg} 的值的个数不对")
            } else {
                format!("多余的参数：{value}")
            };
            (msg, Some(see), 2)
        }
        ErrorKind::ArgumentConflict => {
            let arg = first(e, ContextKind::InvalidArg);
            let prior = values(e, ContextKind::PriorArg);
            (
                format!("选项 {arg} 不能与 {} 同时使用", prior.join("、")),
                Some(see),
                2,
            )
        }
        _ => other_kind(e, &see),
    }
}

/// Any other usage error: its argument, if clap names one, and the remedy.
fn other_kind(e: &clap::Error, see: &str) -> (String, Option<String>, u8) {
    let arg = first(e, ContextKind::InvalidArg);
    let msg = if arg.is_empty() {
        "命令行有误".to_string()
    } else {
        format!("命令行有误：{arg}")
    };
    (msg, Some(see.to_string()), 2)
}
