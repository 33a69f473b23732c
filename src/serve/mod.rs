//! `kaohe serve`: the office's workbench in the browser. Every upload is
//! kept in the campaign folder's database (`store`), checked with the same
//! steps as `kaohe check` and mirrored into `交回/` (`work`); the pages are
//! server-side templates embedded in the binary (`pages`), served by axum
//! (`routes`) with the access rules of `guard`.

pub mod guard;
pub mod pages;
pub mod routes;
pub mod scoring;
pub mod store;
pub mod uploads;
pub mod work;

use crate::campaign::{self, Loaded};
use crate::error::Result;
use crate::{config_err, failed};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// What `kaohe serve` was asked for.
pub struct Options {
    pub dir: PathBuf,
    pub listen: String,
    pub open: bool,
    pub demo: bool,
    pub fonts: Option<PathBuf>,
}

/// The workbench: the campaign, its folder, its database.
pub struct App {
    pub dir: PathBuf,
    pub campaign_file: PathBuf,
    pub out: PathBuf,
    pub fonts: Option<PathBuf>,
    pub loaded: Loaded,
    store: Mutex<store::Store>,
    /// Held while `交回/` is written or a snapshot of the counted versions
    /// is taken.
    pub files: Mutex<()>,
    /// One scoring or generating run at a time.
    pub scoring: Mutex<()>,
    /// Serving beyond this computer: staff pages need the password.
    pub lan: bool,
    pub addr: SocketAddr,
    /// When `交回/` was last looked at (its modification time).
    pub scanned: Mutex<Option<std::time::SystemTime>>,
}

impl App {
    pub fn store(&self) -> MutexGuard<'_, store::Store> {
        // A panic while holding the store leaves SQLite consistent (every
        // change is one statement or one transaction): go on with it.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The campaign file of `dir`: `DIR/kaohe.toml`. With `--demo` and no
/// campaign file yet, the built-in example is written there first.
pub fn campaign_file(dir: &Path, demo: bool) -> Result<PathBuf> {
    let file = dir.join("kaohe.toml");
    if !file.exists() && demo {
        // The built-in example as `kaohe init` writes it.
        crate::project::init(dir, None)?;
    }
    if !file.exists() {
        return Err(config_err!(
            "{}: 没有考核方案文件 kaohe.toml；请先在该目录运行 kaohe init，或加 --demo 使用内置示例",
            dir.display()
        ));
    }
    Ok(file)
}

/// `kaohe serve --set-password`: reads the new password from standard input
/// and keeps its Argon2 hash in the database.
pub fn set_password(dir: &Path, demo: bool) -> Result<()> {
    campaign_file(dir, demo)?;
    eprintln!("请输入工作台密码（至少 8 个字符），按回车结束：");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| failed!("无法读取密码：{e}"))?;
    let pw = line.trim_end_matches(['\r', '\n']);
    if pw.chars().count() < 8 {
        return Err(config_err!("密码太短：至少需要 8 个字符"));
    }
    let hash = guard::hash_password(pw)?;
    store::Store::open(dir)?.set_setting(guard::PASSWORD_KEY, &hash)?;
    eprintln!("已设置密码（数据库中只保存其 Argon2 摘要）");
    Ok(())
}

/// Loads the campaign folder and serves it until the process is stopped.
pub fn run(o: Options) -> Result<()> {
    let campaign_file = campaign_file(&o.dir, o.demo)?;
    let loaded = campaign::load(Some(&campaign_file))?;
    let store = store::Store::open(&o.dir)?;
    let want: SocketAddr = o.listen.parse().map_err(|_| {
        config_err!(
            "--listen {}: 地址格式应为 IP:端口，如 127.0.0.1:8377",
            o.listen
        )
    })?;
    let lan = !want.ip().is_loopback();
    if lan && store.setting(guard::PASSWORD_KEY)?.is_none() {
        return Err(config_err!(
            "在局域网上提供工作台（--listen {}）需要先设置密码：kaohe serve --dir {} --set-password",
            o.listen,
            o.dir.display()
        ));
    }
    for u in &loaded.campaign.units {
        store.token(&u.name)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| failed!("无法启动服务：{e}"))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(want).await.map_err(|e| {
            failed!("无法监听 {want}：{e}（端口可能已被占用，可用 --listen 换一个端口）")
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| failed!("无法监听 {want}：{e}"))?;
        let app = std::sync::Arc::new(App {
            out: o.dir.join("output"),
            dir: o.dir.clone(),
            campaign_file,
            fonts: o.fonts.clone(),
            loaded,
            store: Mutex::new(store),
            files: Mutex::new(()),
            scoring: Mutex::new(()),
            lan,
            addr,
            scanned: Mutex::new(None),
        });
        {
            let app = app.clone();
            tokio::task::spawn_blocking(move || work::scan_returned(&app))
                .await
                .map_err(|e| failed!("{e}"))??;
        }
        let shown = if addr.ip().is_unspecified() {
            SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
        } else {
            addr
        };
        let url = format!("http://{shown}/");
        {
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "{url}");
            let _ = out.flush();
        }
        eprintln!(
            "kaohe 工作台：{}（{}），按 Ctrl+C 停止",
            o.dir.display(),
            if lan {
                "局域网，员工页面需要密码"
            } else {
                "仅本机"
            }
        );
        if o.open {
            open_browser(&url);
        }
        axum::serve(
            listener,
            routes::router(app).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .map_err(|e| failed!("服务出错：{e}"))
    })
}

/// Opens `url` in the default browser; says so when it cannot.
fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let ok = std::process::Command::new(cmd.0)
        .args(&cmd.1)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok();
    if !ok {
        eprintln!("无法自动打开浏览器，请手动打开 {url}");
    }
}
