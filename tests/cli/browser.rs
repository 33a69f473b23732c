//! The workbench in a real browser: Debian's headless Chromium driven over
//! WebDriver (chromedriver) by fantoccini, against `kaohe serve` on a free
//! loopback port, as a clerk would use it at 1366×768: the overview, a bad
//! form through the file input and its cell in the page, the other forms,
//! 评分, and circular.pdf downloaded. Every page is saved as a screenshot
//! under `target/screenshots/` for people to look at.
//!
//! Without chromium and chromedriver the test fails and says what to
//! install: CI installs both (.ci/run), and a browser test that passes
//! without a browser would prove nothing.

use super::serve::{self, Server};
use super::support::tool;
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A program on PATH, or a failure naming the Debian package.
fn program(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} is not installed: install the Debian package {package} \
                 (the browser tests need chromium and chromium-driver; CI installs them via .ci/run)"
            )
        })
}

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn chromedriver() -> Driver {
    let exe = program("chromedriver", "chromium-driver");
    let port = free_port();
    // Chromium on Linux takes its interface language (the file input's
    // button) from LANGUAGE: Chinese, as on an office computer.
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .env("LANGUAGE", "zh_CN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let mut d = Driver { child, port };
    // Probe the port until chromedriver listens.
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = d.child.try_wait() {
            panic!("chromedriver exited at start: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "chromedriver did not listen on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    d
}

/// Headless Chromium at 1366×768, downloads into `downloads`.
async fn browser(driver: &Driver, profile: &Path, downloads: &Path) -> Client {
    let chromium = program("chromium", "chromium");
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1366,768",
                "--hide-scrollbars",
                "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
                "plugins.always_open_pdf_externally": true,
            },
        },
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with headless Chromium")
}

/// Where the screenshots go: `target/screenshots/`.
fn shots_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The visible page at 1366×768, once its fonts are in, as `name.png`.
async fn shot(c: &Client, name: &str) {
    c.execute("return document.fonts.ready.then(() => true);", vec![])
        .await
        .unwrap();
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Chooses `files` in the upload page's file input and presses 上传; waits
/// for the page that lists what was received.
async fn upload(c: &Client, s: &Server, files: &[PathBuf]) -> String {
    c.goto(&format!("http://{}/upload", s.addr)).await.unwrap();
    let input = c.find(Locator::Css("input#files")).await.unwrap();
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    input.send_keys(&paths.join("\n")).await.unwrap();
    c.find(Locator::Css("#upload button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(300))
        .for_element(Locator::Css("#received"))
        .await
        .unwrap();
    text_of(c, "#received").await
}

fn write_forms(dir: &Path, forms: &[(String, Vec<u8>)]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    forms
        .iter()
        .map(|(unit, bytes)| {
            let p = dir.join(format!("{unit}.xlsx"));
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect()
}

#[test]
fn the_whole_campaign_in_headless_chromium() {
    let driver = chromedriver();
    let d = serve::tmp();
    let s = serve::start(d.path());
    let l = serve::loaded(d.path());
    let scratch = tempfile::Builder::new()
        .prefix("kaohe-browser-")
        .tempdir()
        .unwrap();
    let (profile, downloads) = (scratch.path().join("profile"), scratch.path().join("dl"));
    std::fs::create_dir_all(&downloads).unwrap();

    // The bad form's problems, as `kaohe check` finds them.
    let bad = serve::bad_form(&l, 0);
    let (_, problems) = kaohe::workbook::ingest::read_bytes(&bad, "bad.xlsx", &l);
    let place = problems
        .iter()
        .find_map(|p| Some(format!("{}!{}", p.sheet.as_ref()?, p.cell.as_ref()?)))
        .expect("the bad form has a problem at a cell");
    let unit0 = l.campaign.units[0].name.clone();
    let bad_path = write_forms(&scratch.path().join("bad"), &[(unit0.clone(), bad)]);
    let good = serve::good_forms(&l);
    let good_paths = write_forms(&scratch.path().join("good"), &good);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(&driver, &profile, &downloads).await;
        let base = format!("http://{}", s.addr);

        // The overview: the campaign, every unit 未交.
        c.goto(&format!("{base}/")).await.unwrap();
        let h1 = text_of(&c, "h1").await;
        assert_eq!(h1, l.campaign.name);
        let units = text_of(&c, "#units").await;
        assert!(units.contains(&unit0) && units.contains("未交"), "{units}");
        shot(&c, "01-overview").await;

        // A bad form through the file input: its cell, the unit it is for.
        let got = upload(&c, &s, &bad_path).await;
        assert!(got.contains(&place), "{place} shown: {got}");
        assert!(got.contains("超过本条分值"), "{got}");
        assert!(got.contains(&unit0), "{got}");
        assert!(got.contains("有错误，不计入"), "{got}");
        shot(&c, "02-upload-bad-form").await;

        // Every unit's good form at once.
        let got = upload(&c, &s, &good_paths).await;
        assert_eq!(got.matches("已收取，无错误").count(), good.len(), "{got}");
        shot(&c, "03-upload-all-forms").await;

        c.goto(&format!("{base}/unit/0")).await.unwrap();
        let versions = text_of(&c, "#versions").await;
        assert!(
            versions.contains(&place),
            "the bad version keeps its problems"
        );
        shot(&c, "04-unit").await;

        // 评分, then the circular.
        c.goto(&format!("{base}/score")).await.unwrap();
        c.find(Locator::Css("button#score"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let done = c
            .wait()
            .at_most(Duration::from_secs(600))
            .for_element(Locator::Css("#done, #error"))
            .await
            .unwrap();
        let said = done.text().await.unwrap();
        assert!(said.contains("评分完成"), "{said}");
        let ranking = text_of(&c, "#ranking").await;
        for (unit, _) in &good {
            assert!(ranking.contains(unit.as_str()), "{unit} ranked");
        }
        shot(&c, "05-score").await;
        c.execute(
            "document.getElementById('ranking').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
        shot(&c, "05-score-ranking").await;
        c.find(Locator::Css("a[href='/files/circular.pdf']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let pdf = downloads.join("circular.pdf");
        let start = Instant::now();
        while !pdf.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "circular.pdf was not downloaded: {:?}",
                std::fs::read_dir(&downloads).unwrap().collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        // The other pages, for people to look at.
        for (path, name) in [
            ("/", "06-overview-scored"),
            ("/downloads", "07-downloads"),
            ("/verify", "08-verify"),
            ("/tokens", "09-tokens"),
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            shot(&c, name).await;
        }
        let verify = {
            c.goto(&format!("{base}/verify")).await.unwrap();
            text_of(&c, "#verify").await
        };
        assert!(verify.contains("与清单一致"), "{verify}");
        c.close().await.unwrap();
        // The downloaded circular is the one the workbench wrote.
        assert_eq!(
            std::fs::read(&pdf).unwrap(),
            std::fs::read(d.path().join("output/circular.pdf")).unwrap()
        );
        let o = tool("pdftotext")
            .args(["-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = super::support::squeeze(&String::from_utf8_lossy(&o.stdout));
        assert!(
            text.contains(&super::support::squeeze(&l.campaign.circular.number)),
            "the circular's number in circular.pdf"
        );
        assert!(text.contains(&unit0), "the units in circular.pdf");
    });
}
