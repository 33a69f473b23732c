//! Everything that differs between Windows and Linux, in one place: the
//! console, what happens when kaohe.exe is double-clicked, file names
//! Windows refuses, and system error texts in Chinese. Output bytes never
//! depend on the platform: the rules below apply on both.

use std::io;
use std::path::{Path, PathBuf};

/// Prepares the console: on Windows, UTF-8 code pages for input and output,
/// so that Chinese typed or piped through `cmd.exe` arrives intact (Rust
/// itself writes to a console as UTF-16, which needs no code page).
pub fn init_console() {
    #[cfg(windows)]
    win::init_console();
}

/// No transparent huge pages for this process (Linux). mimalloc asks for
/// them on its big regions, and the kernel then zeroes 2 MiB at the first
/// touch of each, however little of it is used: measured on `kaohe demo
/// --no-cache`, a third of the run's CPU went to zeroing pages, and
/// turning them off cut the system time from about 1.2 s to 0.4 s and the
/// wall time by about a fifth. Set before the heavy allocations start;
/// pages already mapped keep what they have.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes no pointers; it only sets a flag of
    // this process (inherited by its children, as the ingest child).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// True when this process owns its console window alone: kaohe.exe was
/// double-clicked in Explorer rather than started from a command prompt, and
/// the window closes as soon as kaohe exits. Always false elsewhere.
pub fn own_console_window() -> bool {
    #[cfg(windows)]
    let own = win::own_console_window();
    #[cfg(not(windows))]
    let own = false;
    own
}

/// What a start without arguments does.
#[derive(Debug, PartialEq, Eq)]
pub enum NoArguments {
    /// From a terminal (or a script): explain how to use kaohe.
    Explain,
    /// Double-clicked: start the workbench on this folder and open the browser.
    Workbench(PathBuf),
}

/// Decides what a start without arguments does: the workbench when kaohe.exe
/// has a console window of its own (double-clicked in Explorer), an
/// explanation otherwise. On Linux a file manager starts programs without a
/// terminal but so do scripts, which must never be left with a server
/// running; there it always explains.
pub fn without_arguments() -> NoArguments {
    if !own_console_window() {
        return NoArguments::Explain;
    }
    match std::env::current_exe() {
        Ok(exe) => match exe.parent() {
            Some(dir) => NoArguments::Workbench(workbench_folder(dir)),
            None => NoArguments::Explain,
        },
        Err(_) => NoArguments::Explain,
    }
}

/// The folder a double-clicked kaohe works in, given the folder the program
/// sits in: the campaign folder the program is in (the nearest `kaohe.toml`
/// from there upwards, as every command finds it), otherwise a folder named
/// `考核` beside the program, made with the built-in example on first start.
/// Never the program's own folder bare: that is often the desktop or the
/// downloads folder, which should not fill with rubrics, output and a
/// database.
pub fn workbench_folder(exe_dir: &Path) -> PathBuf {
    match crate::project::find(exe_dir) {
        Some(file) => file.parent().unwrap_or(exe_dir).to_path_buf(),
        None => exe_dir.join(WORKBENCH_FOLDER),
    }
}

/// The folder made beside a double-clicked kaohe.exe (see [`workbench_folder`]).
pub const WORKBENCH_FOLDER: &str = "考核";

/// What kaohe says when started with no arguments from a terminal.
pub const NO_ARGUMENTS: &str = "\
kaohe 考核：安全生产工作考核的通知、评分表、评分和结果通报（GB/T 9704-2012 红头文件）。

双击 kaohe.exe 会打开浏览器中的考核工作台（考核文件放在程序旁边的“考核”文件夹中）。
在命令提示符窗口中这样使用：
  kaohe demo                  运行内置的示例，结果写入 output 文件夹
  kaohe init 考核2024         新建考核文件夹，然后进入该文件夹修改考核方案
  kaohe notice                生成考核通知
  kaohe blank                 生成各单位的空白评分表
  kaohe check 交回            检查交回的评分表（“交回”是放评分表的文件夹）
  kaohe score 交回            评分并生成结果通报
  kaohe serve --open          在浏览器中打开考核工作台
  kaohe fonts                 列出可用的字体及其用途
  kaohe manual                生成《使用说明》使用说明.pdf
  kaohe --help                查看全部命令
详细步骤见随程序提供的《使用说明》（使用说明.pdf）。";

/// Prints [`NO_ARGUMENTS`].
pub fn explain_no_arguments() {
    println!("{NO_ARGUMENTS}");
}

/// In a console window of its own (double-clicked), waits for Enter so that
/// the last message can be read before the window closes.
pub fn pause_before_closing() {
    if own_console_window() {
        println!("\n按回车键关闭此窗口。");
        let mut line = String::new();
        let _ = io::stdin().read_line(&mut line);
    }
}

/// Limits this process (the child that test-reads a returned workbook) to
/// `memory` bytes and `cpu_seconds` of CPU time, so that a hostile file
/// ends the child and not the machine: `setrlimit` on Linux, a job object
/// on Windows (which ends the process when it passes either limit).
pub fn limit_this_process(memory: u64, cpu_seconds: u64) {
    #[cfg(unix)]
    // SAFETY: setrlimit only reads the struct passed to it.
    unsafe {
        let mem = memory as libc::rlim_t;
        libc::setrlimit(
            libc::RLIMIT_AS,
            &libc::rlimit {
                rlim_cur: mem,
                rlim_max: mem,
            },
        );
        let cpu = cpu_seconds as libc::rlim_t;
        libc::setrlimit(
            libc::RLIMIT_CPU,
            &libc::rlimit {
                rlim_cur: cpu,
                rlim_max: cpu,
            },
        );
    }
    #[cfg(windows)]
    win::limit_this_process(memory, cpu_seconds);
}

/// The names Windows reserves for devices, with or without an extension.
const DEVICES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "COM¹", "COM²",
    "COM³", "LPT¹", "LPT²", "LPT³", "CONIN$", "CONOUT$",
];

/// `name` (a file name without folder, already free of `\ / : * ? " < > |`)
/// made usable on Windows: a device name such as `CON` or `nul.pdf` gets a
/// `_` after its stem (`CON_`, `nul_.pdf`). Applied on every platform, so
/// the same campaign gives the same file names on Linux and Windows.
pub fn not_a_device(name: &str) -> String {
    let (stem, rest) = match name.find('.') {
        Some(i) => name.split_at(i),
        None => (name, ""),
    };
    let bare = stem.trim_end_matches(' ');
    if DEVICES.iter().any(|d| d.eq_ignore_ascii_case(bare)) {
        format!("{stem}_{rest}")
    } else {
        name.to_string()
    }
}

/// Chinese texts for the Windows error codes an office meets that have no
/// Linux counterpart (the others, such as "not found", read the same on
/// both through their kind).
#[cfg(any(windows, test))]
pub fn windows_text(code: i32) -> Option<&'static str> {
    Some(match code {
        19 => "磁盘有写保护",
        21 => "设备未就绪（例如 U 盘已拔出）",
        32 => "文件正被其他程序打开（例如 Excel 或 WPS），请关闭该文件后重试",
        33 => "文件的一部分被其他程序锁定，请关闭正在使用它的程序后重试",
        53 | 67 => "找不到网络路径，请检查网络和共享文件夹",
        1224 => "文件正被其他程序使用，请关闭后重试",
        1392 => "文件或目录已损坏，无法读取",
        _ => return None,
    })
}

/// The Win32 calls, each checked by the Windows build.
#[cfg(windows)]
mod win {
    pub fn init_console() {
        use windows_sys::Win32::System::Console::{SetConsoleCP, SetConsoleOutputCP};
        const CP_UTF8: u32 = 65001;
        // SAFETY: plain Win32 calls without pointers; failure (no console) is harmless.
        unsafe {
            SetConsoleOutputCP(CP_UTF8);
            SetConsoleCP(CP_UTF8);
        }
    }

    pub fn own_console_window() -> bool {
        let mut ids = [0u32; 2];
        // SAFETY: the buffer holds 2 process ids, as its length says.
        let n = unsafe {
            windows_sys::Win32::System::Console::GetConsoleProcessList(ids.as_mut_ptr(), 2)
        };
        n == 1
    }

    pub fn limit_this_process(memory: u64, cpu_seconds: u64) {
        // SAFETY: the job handle is checked; the limit struct lives across the
        // call that reads it, with its true size. The job stays open until the
        // process ends, which is what keeps the limits in force.
        unsafe {
            use windows_sys::Win32::System::JobObjects::{
                AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_PROCESS_MEMORY,
                JOB_OBJECT_LIMIT_PROCESS_TIME, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
                JobObjectExtendedLimitInformation, SetInformationJobObject,
            };
            use windows_sys::Win32::System::Threading::GetCurrentProcess;
            let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
            if job.is_null() {
                return;
            }
            let mut info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
            info.BasicLimitInformation.LimitFlags =
                JOB_OBJECT_LIMIT_PROCESS_MEMORY | JOB_OBJECT_LIMIT_PROCESS_TIME;
            // In units of 100 ns.
            info.BasicLimitInformation.PerProcessUserTimeLimit =
                (cpu_seconds as i64).saturating_mul(10_000_000);
            info.ProcessMemoryLimit = usize::try_from(memory).unwrap_or(usize::MAX);
            SetInformationJobObject(
                job,
                JobObjectExtendedLimitInformation,
                (&raw const info).cast(),
                std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
            );
            AssignProcessToJobObject(job, GetCurrentProcess());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_get_an_underscore() {
        assert_eq!(not_a_device("CON"), "CON_");
        assert_eq!(not_a_device("nul.pdf"), "nul_.pdf");
        assert_eq!(not_a_device("Com1.xlsx"), "Com1_.xlsx");
        assert_eq!(not_a_device("LPT9"), "LPT9_");
        assert_eq!(not_a_device("AUX .tar.gz"), "AUX _.tar.gz");
        assert_eq!(not_a_device("CONSOLE"), "CONSOLE");
        assert_eq!(not_a_device("COM10"), "COM10");
        assert_eq!(not_a_device("市公安局"), "市公安局");
    }

    #[test]
    fn a_double_clicked_kaohe_works_in_its_campaign_or_a_folder_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let bare = dir.path().join("U盘");
        std::fs::create_dir(&bare).unwrap();
        // A program alone in a folder: a 考核 folder beside it.
        assert_eq!(workbench_folder(&bare), bare.join("考核"));
        // A program inside a campaign folder (or one of its subfolders): that campaign.
        let campaign = dir.path().join("考核2024");
        std::fs::create_dir_all(campaign.join("程序")).unwrap();
        std::fs::write(campaign.join("kaohe.toml"), "").unwrap();
        assert_eq!(workbench_folder(&campaign), campaign);
        assert_eq!(workbench_folder(&campaign.join("程序")), campaign);
        // Not double-clicked here (tests run without a console window of their own).
        assert_eq!(without_arguments(), NoArguments::Explain);
    }

    #[test]
    fn errors_read_in_chinese() {
        let e = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(crate::error::os(&e), "没有这个文件或文件夹");
        let e = std::fs::read("/nonexistent/kaohe/file").unwrap_err();
        assert!(!crate::error::os(&e).is_ascii());
        assert!(windows_text(32).unwrap().contains("Excel"));
        assert_eq!(windows_text(9999), None);
    }
}
