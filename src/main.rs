//! kaohe 考核: the command line. One function per command in `cmd/`.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use kaohe::cmd::{self, Ctx};
use std::path::PathBuf;
use std::process::ExitCode;

/// Typst allocates and frees many small objects from several threads;
/// mimalloc does that faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kaohe",
    version,
    about = "安全生产工作考核：下发通知和评分表，收回评分表并评分，印发考核结果通报（GB/T 9704-2012 红头文件）"
)]
struct Cli {
    /// 考核方案文件（默认：当前文件夹或上级文件夹中的 kaohe.toml）
    #[arg(long, global = true, value_name = "FILE")]
    campaign: Option<PathBuf>,
    /// 输出目录（默认：考核文件夹中的 output/；用 --campaign 时为当前文件夹的 output/）
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<PathBuf>,
    /// 增加或替换字体的目录（另有环境变量 KAOHE_FONTS 和考核方案目录的 fonts/；其余用内置字体）
    #[arg(long, global = true, value_name = "DIR")]
    fonts: Option<PathBuf>,
    /// 不显示进度
    #[arg(long, short, global = true)]
    quiet: bool,
    /// 所有 PDF 都按 PDF/A-2b 存档格式输出（评分表存档始终是）
    #[arg(long, global = true)]
    pdfa: bool,
    /// 结束时列出各阶段用时
    #[arg(long, global = true)]
    timings: bool,
    /// 不使用缓存，所有文件重新生成
    #[arg(long, global = true)]
    no_cache: bool,
    /// 通知、结果通报和评分表存档另存一份 OFD（GB/T 33190 版式文档）
    #[arg(long, global = true)]
    ofd: bool,
    /// 在 DOCX 中也放入印章图片（默认不放，由办公室在 WPS/Word 中加盖）
    #[arg(long, global = true)]
    seal_in_docx: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 创建一个考核文件夹：考核方案 kaohe.toml、考核细则、正文模板和说明
    Init {
        /// 新建的考核文件夹
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// 以这个考核方案（及其考核细则和正文模板）为底本，而不是内置示例
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// 完整运行内置示例：空白评分表、通知、时间安排、模拟填报、评分和结果通报
    Demo {
        /// 生成 N 个虚拟单位的考核（用于测速）
        #[arg(long, value_name = "N")]
        units: Option<usize>,
    },
    /// 为每个被考核单位生成空白评分表（XLSX）和空白考核细则表（PDF）
    Blank,
    /// 生成考核通知及附件（PDF）
    Notice,
    /// 生成考核时间安排表（PDF、XLSX、ICS）
    Schedule,
    /// 检查填报的评分表，列出每个问题（有错误时退出码为 1）
    Check {
        /// 评分表文件（.xlsx/.xls/.ods）
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// 考核细则在评分表下发后被修改时，按新细则读取并列出改动
        #[arg(long)]
        accept_changed_rubric: bool,
    },
    /// 收回各单位的自评表，为每个单位生成带自评的考核组评分表（assess/）和自评汇总表
    #[command(name = "self")]
    SelfAssessment {
        /// 单位交回的自评表文件或目录
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        /// 考核细则在评分表下发后被修改时，按新细则读取并列出改动
        #[arg(long)]
        accept_changed_rubric: bool,
    },
    /// 收回评分表、评分，生成评分表存档、结果和考核结果通报
    Score {
        /// 评分表文件或目录
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        /// 只对已交回评分表的单位评分和排名，其余列为“未报送”，不印发结果通报
        #[arg(long)]
        partial: bool,
        /// 考核细则在评分表下发后被修改时，按新细则评分并在结果中列出改动
        #[arg(long)]
        accept_changed_rubric: bool,
    },
    /// 核对输出目录中的文件与 manifest.json 是否一致（有缺失、改动或多出时退出码为 1）
    Verify {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// 列出可用的字体、来源及其在公文中的用途
    Fonts,
    /// 生成《使用说明》PDF（办公室使用 kaohe 的步骤）
    Manual {
        /// 写入的文件（默认：当前文件夹的 使用说明.pdf）
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// 在浏览器中使用考核工作台：下发文件、收取评分表、评分，所有上传都保存在数据库中
    Serve {
        /// 考核目录（含 kaohe.toml；默认：当前目录）
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// 监听地址；默认只允许本机访问，局域网用 0.0.0.0:端口（需先设置密码）
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8377")]
        listen: String,
        /// 启动后用默认浏览器打开
        #[arg(long)]
        open: bool,
        /// 目录中没有 kaohe.toml 时写入内置示例
        #[arg(long)]
        demo: bool,
        /// 设置工作台密码（从标准输入读取），然后退出
        #[arg(long)]
        set_password: bool,
    },
    /// 在受内存和时间限制的子进程中试读一份评分表（kaohe 内部使用）
    #[command(name = "__ingest", hide = true)]
    Ingest { limits: String, file: PathBuf },
    /// 考核细则
    Rubric {
        #[command(subcommand)]
        action: RubricCmd,
    },
}

#[derive(Subcommand)]
enum RubricCmd {
    /// 显示解析后的考核细则
    Show {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
}

/// Prints an error's message, then its remedy on its own `提示：` line.
fn report(message: &str, hint: Option<&str>) {
    eprintln!("kaohe: {message}");
    if let Some(h) = hint {
        eprintln!("提示：{h}");
    }
}

/// The subcommand typed on the command line, for a usage error's remedy.
fn typed_command(cmd: &clap::Command) -> Option<String> {
    let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    std::env::args()
        .skip(1)
        .find(|a| names.contains(&a.as_str()))
}

fn main() -> ExitCode {
    kaohe::os::init_console();
    kaohe::os::no_huge_pages();
    if std::env::args_os().len() <= 1 {
        return match kaohe::os::without_arguments() {
            kaohe::os::NoArguments::Explain => {
                kaohe::os::explain_no_arguments();
                ExitCode::SUCCESS
            }
            kaohe::os::NoArguments::Workbench(dir) => match cmd::serve::double_clicked(dir) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    report(&e.message(), e.remedy());
                    kaohe::os::pause_before_closing();
                    ExitCode::from(e.exit_code() as u8)
                }
            },
        };
    }
    let mut command = kaohe::cli::localize(Cli::command());
    let parsed = command
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let (text, hint, code) = kaohe::cli::explain(&e, typed_command(&command).as_deref());
            if code == 0 {
                print!("{text}");
            } else {
                report(&text, hint.as_deref());
            }
            return ExitCode::from(code);
        }
    };
    // Only demo (the built-in example), init, rubric show, verify and the
    // internal reader run without a campaign folder.
    let needs_campaign = !matches!(
        cli.command,
        Command::Demo { .. }
            | Command::Init { .. }
            | Command::Verify { .. }
            | Command::Ingest { .. }
            | Command::Rubric { .. }
            | Command::Serve { .. }
            | Command::Manual { .. }
    );
    let located = match kaohe::project::locate(cli.campaign, cli.out, needs_campaign) {
        Ok(l) => l,
        Err(e) => {
            report(&e.message(), e.remedy());
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let accept_changed_rubric = matches!(
        cli.command,
        Command::Check {
            accept_changed_rubric: true,
            ..
        } | Command::Score {
            accept_changed_rubric: true,
            ..
        } | Command::SelfAssessment {
            accept_changed_rubric: true,
            ..
        }
    );
    let ctx = Ctx {
        accept_changed_rubric,
        campaign: located.campaign,
        out: located.out,
        fonts: cli.fonts,
        quiet: cli.quiet,
        timings: cli.timings,
        pdfa: cli.pdfa,
        seal_in_docx: cli.seal_in_docx,
        ofd: cli.ofd,
        no_cache: cli.no_cache,
        ..Default::default()
    };
    if cli.timings {
        kaohe::timing::enable();
    }
    let result = match cli.command {
        Command::Init { dir, from } => cmd::init::run(&ctx, &dir, from.as_deref()),
        Command::Demo { units } => cmd::demo::run(&ctx, units),
        Command::Blank => cmd::blank::run(&ctx),
        Command::Notice => cmd::notice::run(&ctx),
        Command::Schedule => cmd::schedule::run(&ctx),
        Command::Check { files, .. } => cmd::check::run(&ctx, &files),
        Command::Score {
            inputs, partial, ..
        } => cmd::score::run(&ctx, &inputs, partial),
        Command::SelfAssessment { inputs, .. } => cmd::self_round::run(&ctx, &inputs),
        Command::Verify { dir } => cmd::verify::run(&dir),
        Command::Fonts => cmd::fonts::run(&ctx),
        Command::Manual { file } => cmd::manual::run(file, ctx.quiet),
        Command::Serve {
            dir,
            listen,
            open,
            demo,
            set_password,
        } => cmd::serve::run(&ctx, dir, listen, open, demo, set_password),
        Command::Ingest { limits, file } => cmd::check::ingest_child(&limits, &file),
        Command::Rubric {
            action: RubricCmd::Show { file, json },
        } => cmd::rubric::show(&file, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e.message(), e.remedy());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
