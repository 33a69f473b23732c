//! kaohe 考核: the command line. One function per command in `cmd/`.

use clap::{Parser, Subcommand};
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
    /// 考核方案文件（默认：内置的2018年度中卫市示例）
    #[arg(long, global = true, value_name = "FILE")]
    campaign: Option<PathBuf>,
    /// 输出目录
    #[arg(long, global = true, value_name = "DIR", default_value = "output")]
    out: PathBuf,
    /// 字体目录（默认：环境变量 KAOHE_FONTS，或 ./fonts，或 kaohe 项目的 fonts/）
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
    /// 在 DOCX 中也放入印章图片（默认不放，由办公室在 WPS/Word 中加盖）
    #[arg(long, global = true)]
    seal_in_docx: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    },
    /// 收回评分表、评分，生成评分表存档、结果和考核结果通报
    Score {
        /// 评分表文件或目录
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
    },
    /// 核对输出目录中的文件与 manifest.json 是否一致（有缺失、改动或多出时退出码为 1）
    Verify {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx {
        campaign: cli.campaign,
        out: cli.out,
        fonts: cli.fonts,
        quiet: cli.quiet,
        timings: cli.timings,
        pdfa: cli.pdfa,
        seal_in_docx: cli.seal_in_docx,
    };
    if cli.timings {
        kaohe::timing::enable();
    }
    let result = match cli.command {
        Command::Demo { units } => cmd::demo::run(&ctx, units),
        Command::Blank => cmd::blank::run(&ctx),
        Command::Notice => cmd::notice::run(&ctx),
        Command::Schedule => cmd::schedule::run(&ctx),
        Command::Check { files } => cmd::check::run(&ctx, &files),
        Command::Score { inputs } => cmd::score::run(&ctx, &inputs),
        Command::Verify { dir } => cmd::verify::run(&dir),
        Command::Ingest { limits, file } => cmd::check::ingest_child(&limits, &file),
        Command::Rubric {
            action: RubricCmd::Show { file, json },
        } => cmd::rubric::show(&file, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kaohe: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
