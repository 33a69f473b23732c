//! `kaohe serve` over HTTP: a real server on a free loopback port, spoken
//! to over a plain TCP socket so that every header (Host, Origin, a body
//! bigger than allowed) is the test's own.

use kaohe::campaign::Loaded;
use kaohe::points::Pts;
use kaohe::workbook::ingest::{Entry, Filled};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    pub(crate) dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_at(dir: &Path, listen: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["serve", "--demo", "--listen", listen, "--dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim();
    assert!(
        url.starts_with("http://"),
        "first line is the URL: {line:?}"
    );
    let addr: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    Server {
        child,
        addr,
        dir: dir.to_path_buf(),
    }
}

pub(crate) fn start(dir: &Path) -> Server {
    start_at(dir, "127.0.0.1:0")
}

pub(crate) fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("kaohe-serve-")
        .tempdir()
        .unwrap()
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request with exactly these headers (and Content-Length).
fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    // The server may answer (413) and close before the whole body is sent:
    // the answer is read while the body is still being written.
    let mut r = s.try_clone().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 65536];
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        buf
    });
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    parse(&reader.join().unwrap())
}

fn parse(buf: &[u8]) -> Resp {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = &rest[nl + 2 + n + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body,
    }
}

impl Server {
    fn host(&self) -> String {
        self.addr.to_string()
    }
    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn get(&self, path: &str) -> Resp {
        raw(self.addr, "GET", path, &[("Host", self.host())], b"")
    }
    fn get_with(&self, path: &str, extra: &[(&str, String)]) -> Resp {
        let mut h = vec![("Host", self.host())];
        h.extend(extra.iter().cloned());
        raw(self.addr, "GET", path, &h, b"")
    }
    fn post_form(&self, path: &str, form: &str, extra: &[(&str, String)]) -> Resp {
        let mut h = vec![
            ("Host", self.host()),
            ("Origin", self.origin()),
            ("Content-Type", "application/x-www-form-urlencoded".into()),
        ];
        h.extend(extra.iter().cloned());
        raw(self.addr, "POST", path, &h, form.as_bytes())
    }
    fn upload(&self, path: &str, files: &[(&str, &[u8])]) -> Resp {
        let (ct, body) = multipart(files);
        raw(
            self.addr,
            "POST",
            path,
            &[
                ("Host", self.host()),
                ("Origin", self.origin()),
                ("Content-Type", ct),
            ],
            &body,
        )
    }
}

fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let b = "----kaohetestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

pub(crate) fn loaded(dir: &Path) -> Loaded {
    kaohe::campaign::load(Some(&dir.join("kaohe.toml"))).unwrap()
}

/// Every unit's sample form, as the demo makes them.
pub(crate) fn good_forms(l: &Loaded) -> Vec<(String, Vec<u8>)> {
    kaohe::cmd::demo::sample_forms(l)
        .iter()
        .map(|f| (f.unit.clone(), workbook(l, f)))
        .collect()
}

fn workbook(l: &Loaded, f: &Filled) -> Vec<u8> {
    let unit = l.unit(&f.unit).unwrap();
    kaohe::workbook::blank::filled_workbook(l, unit, Some(f)).unwrap()
}

/// A form of unit `i` with one deduction over the rule's points.
pub(crate) fn bad_form(l: &Loaded, i: usize) -> Vec<u8> {
    let mut f = kaohe::cmd::demo::sample_forms(l).remove(i);
    let r = l.rubric(&f.rubric);
    let (item, rule) = r.rules().find(|(i, _)| i.kind.is_scored()).unwrap();
    f.entries.insert(
        kaohe::rubric::Rubric::code(item, rule),
        Entry {
            amount: Pts::from_int(99),
            veto: false,
            reason: "测试：扣分超过分值".into(),
        },
    );
    workbook(l, &f)
}

/// The same unit's form with another reason: a second good version.
fn other_version(l: &Loaded, i: usize) -> Vec<u8> {
    let mut f = kaohe::cmd::demo::sample_forms(l).remove(i);
    let r = l.rubric(&f.rubric);
    let (item, rule) = r.rules().find(|(i, _)| i.kind.is_scored()).unwrap();
    f.entries.insert(
        kaohe::rubric::Rubric::code(item, rule),
        Entry {
            amount: Pts::ZERO,
            veto: false,
            reason: "第二版".into(),
        },
    );
    workbook(l, &f)
}

fn status_of(page: &str, unit: &str) -> String {
    let at = page.find(&format!(">{unit}</a>")).expect("unit listed");
    let rest = &page[at..];
    let s = rest.find("class=\"st st-").unwrap();
    let from = s + rest[s..].find('>').unwrap() + 1;
    let to = from + rest[from..].find('<').unwrap();
    rest[from..to].to_string()
}

fn sha(b: &[u8]) -> String {
    kaohe::archive::sha256_hex(b)
}

#[test]
fn every_page_uploads_versions_and_the_returned_folder() {
    let d = tmp();
    let s = start(d.path());
    let l = loaded(d.path());
    let units: Vec<String> = l.campaign.units.iter().map(|u| u.name.clone()).collect();

    let home = s.get("/");
    assert_eq!(home.status, 200);
    let page = home.text();
    assert!(page.contains(&l.campaign.name), "campaign name");
    assert!(page.contains(&l.campaign.notice.number), "document number");
    for u in &units {
        assert_eq!(status_of(&page, u), "未交", "{u}");
    }
    for p in [
        "/downloads",
        "/upload",
        "/score",
        "/verify",
        "/tokens",
        "/unit/0",
    ] {
        let r = s.get(p);
        assert_eq!(r.status, 200, "{p}");
        assert!(r.text().contains("考核工作台"), "{p}");
    }
    assert_eq!(s.get("/unit/9999").status, 404);
    let blank = s.get("/blank/0");
    assert_eq!(blank.status, 200);
    assert!(blank.body.starts_with(b"PK"));
    let zip = s.get("/forms.zip");
    assert!(zip.body.starts_with(b"PK"));
    assert_eq!(
        zip.body.windows(4).filter(|w| *w == b"PK\x03\x04").count(),
        units.len(),
        "one form per unit in the ZIP"
    );

    // A bad form: received, its cell named, the unit has an error.
    let bad = bad_form(&l, 0);
    let r = s.upload("/upload", &[("bad.xlsx", &bad)]);
    assert_eq!(r.status, 200);
    let t = r.text();
    assert!(t.contains("评分表!"), "{t}");
    assert!(t.contains("超过本条分值"), "{t}");
    assert!(t.contains(&units[0]), "the unit it was taken for");
    assert_eq!(status_of(&s.get("/").text(), &units[0]), "有错误");
    let mirror = d.path().join("交回").join(format!("{}.xlsx", units[0]));
    assert!(!mirror.exists(), "a form with errors does not count");

    // Two good versions: the newest counts; the staff may choose the older.
    let forms = good_forms(&l);
    let v2 = &forms[0].1;
    let v3 = other_version(&l, 0);
    assert_eq!(s.upload("/upload", &[("a.xlsx", v2)]).status, 200);
    assert_eq!(s.upload("/upload", &[("b.xlsx", &v3)]).status, 200);
    assert_eq!(status_of(&s.get("/").text(), &units[0]), "已交");
    assert_eq!(sha(&std::fs::read(&mirror).unwrap()), sha(&v3));
    let unit = s.get("/unit/0").text();
    assert_eq!(unit.matches("/version/").count(), 3, "every version listed");
    assert!(unit.contains("第 3 版"), "{unit}");
    let id_v2 = {
        let at = unit.find("name=\"upload\" value=\"").unwrap() + 21;
        unit[at..at + unit[at..].find('"').unwrap()].to_string()
    };
    let r = s.post_form("/unit/0/choose", &format!("upload={id_v2}"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        sha(&std::fs::read(&mirror).unwrap()),
        sha(v2),
        "the chosen version is mirrored"
    );
    assert!(s.get("/unit/0").text().contains("工作人员指定"));
    let v = s.get(&format!("/version/{id_v2}"));
    assert_eq!(
        sha(&v.body),
        sha(v2),
        "every version can be downloaded as sent"
    );

    // A file name is data: never a path.
    let r = s.upload("/upload", &[("../../逃逸.xlsx", &forms[1].1)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("逃逸.xlsx"));
    assert!(!d.path().parent().unwrap().join("逃逸.xlsx").exists());
    assert!(
        d.path()
            .join("交回")
            .join(format!("{}.xlsx", units[1]))
            .exists()
    );

    // Not a workbook at all: refused with a reason, nothing counts.
    let r = s.upload("/upload", &[("x.xlsx", b"not a workbook")]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("无法确定"), "{}", r.text());

    // Only files the output manifest lists are served.
    assert_eq!(s.get("/files/../kaohe.sqlite").status, 404);
    assert_eq!(s.get("/files/kaohe.toml").status, 404);
}

/// Writes `bytes` to `path` with a modification time a minute ago (the
/// workbench waits for files still being written).
fn drop_file(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

/// The forms in `交回/` (what `kaohe score 交回` reads).
fn returned(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("交回"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    v.sort();
    v
}

#[test]
fn forms_dropped_into_the_folder_become_versions_and_stay_in_place() {
    let d = tmp();
    let l = {
        let s = start(d.path());
        drop(s);
        loaded(d.path())
    };
    let forms = good_forms(&l);
    let unit = &forms[2].0;
    let dropped = d.path().join("交回").join("随便起的名字.xlsx");
    drop_file(&dropped, &forms[2].1);
    let s = start(d.path());
    let page = s.get("/").text();
    assert_eq!(status_of(&page, unit), "已交");
    assert!(!page.contains("id=\"strays\""), "the dropped form counts");
    assert_eq!(
        std::fs::read(&dropped).unwrap(),
        forms[2].1,
        "a person's file stays where it was put, byte for byte"
    );
    assert_eq!(
        returned(d.path()),
        ["随便起的名字.xlsx"],
        "the counted version is in 交回/ once: the dropped file itself"
    );
    assert!(s.get("/unit/2").text().contains("随便起的名字.xlsx"));

    // A second form for the unit, with errors, dropped by hand: kept in
    // place, picked up, listed as not counting.
    let bad = d.path().join("交回").join(format!("{unit}（修改）.xlsx"));
    drop_file(&bad, &bad_form(&l, 2));
    let page = s.get("/").text();
    assert_eq!(status_of(&page, unit), "已交");
    assert!(bad.exists() && dropped.exists());
    let strays = &page[page.find("id=\"strays\"").expect("strays listed")..];
    assert!(strays.contains(&format!("{unit}（修改）.xlsx")), "{strays}");
    assert!(strays.contains("有错误"));
    assert_eq!(s.get("/unit/2").text().matches("/version/").count(), 2);

    // A newer good version uploaded: it counts and is written under the
    // unit's name; the earlier dropped file stays, listed as not counting.
    let newer = other_version(&l, 2);
    assert_eq!(s.upload("/upload", &[("新.xlsx", &newer)]).status, 200);
    let canonical = d.path().join("交回").join(format!("{unit}.xlsx"));
    assert_eq!(sha(&std::fs::read(&canonical).unwrap()), sha(&newer));
    assert_eq!(std::fs::read(&dropped).unwrap(), forms[2].1);
    let page = s.get("/").text();
    let strays = &page[page.find("id=\"strays\"").expect("strays listed")..];
    assert!(strays.contains("随便起的名字.xlsx"), "{strays}");
    assert!(strays.contains("不是计入的版本"), "{strays}");

    // Back to the dropped version: the workbench's own copy goes, the
    // dropped file is the counted one again; nothing of the person's moved.
    let unit_page = s.get("/unit/2").text();
    let at = unit_page.find("name=\"upload\" value=\"").unwrap() + 21;
    let id = &unit_page[at..at + unit_page[at..].find('"').unwrap()];
    let r = s.post_form("/unit/2/choose", &format!("upload={id}"), &[]);
    assert_eq!(r.status, 303);
    assert!(!canonical.exists(), "the workbench's copy is removed");
    assert!(dropped.exists() && bad.exists());
    let mut want = vec![
        "随便起的名字.xlsx".to_string(),
        format!("{unit}（修改）.xlsx"),
    ];
    want.sort();
    assert_eq!(returned(d.path()), want);
}

#[test]
fn partial_scoring_ranks_the_units_that_are_in() {
    let d = tmp();
    let s = start(d.path());
    let l = loaded(d.path());
    let forms = good_forms(&l);
    // Nothing in yet: nothing to score.
    let r = s.post_form("/score", "mode=partial", &[]);
    assert_eq!(r.status, 422);
    assert!(r.text().contains("还没有任何单位"), "{}", r.text());
    for (_, b) in forms.iter().take(3) {
        assert_eq!(s.upload("/upload", &[("f.xlsx", b)]).status, 200);
    }
    assert_eq!(
        s.upload("/upload", &[("bad.xlsx", &bad_form(&l, 3))])
            .status,
        200
    );
    let page = s.get("/score").text();
    assert!(page.contains("暂定评分"), "the button is there");
    let r = s.post_form("/score", "mode=partial", &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    let missing = l.campaign.units.len() - 3;
    assert!(
        t.contains(&format!("3 个单位已评分和排名；{missing} 个单位未报送")),
        "{t}"
    );
    assert!(t.contains("/files/results.xlsx"));
    assert!(t.contains("/files/filled"), "the filled sheets listed");
    assert!(
        !t.contains("/files/circular.pdf"),
        "no circular from a partial run"
    );
    assert!(t.contains("排名（暂定）"));
    let home = s.get("/").text();
    for (i, u) in l.campaign.units.iter().enumerate() {
        let want = match i {
            0..3 => "已评分",
            3 => "有错误",
            _ => "未交",
        };
        assert_eq!(status_of(&home, &u.name), want, "{}", u.name);
    }
    // The same as `kaohe score 交回 --partial` on the mirrored folder.
    let out = d.path().join("cli-out");
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .arg("score")
        .arg(d.path().join("交回"))
        .arg("--partial")
        .arg("--campaign")
        .arg(d.path().join("kaohe.toml"))
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("results.json")).unwrap(),
        std::fs::read(d.path().join("output/results.json")).unwrap()
    );
}

#[test]
fn everything_survives_kill_9() {
    let d = tmp();
    let mut s = start(d.path());
    let l = loaded(d.path());
    let forms = good_forms(&l);
    for (_, bytes) in forms.iter().take(3) {
        assert_eq!(s.upload("/upload", &[("f.xlsx", bytes)]).status, 200);
    }
    assert_eq!(
        s.upload("/upload", &[("bad.xlsx", &bad_form(&l, 3))])
            .status,
        200
    );
    let before = s.get("/").text();
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    let s2 = start(&s.dir);
    let after = s2.get("/").text();
    for u in &l.campaign.units {
        assert_eq!(
            status_of(&before, &u.name),
            status_of(&after, &u.name),
            "{}",
            u.name
        );
    }
    assert_eq!(status_of(&after, &forms[0].0), "已交");
    assert_eq!(status_of(&after, &forms[3].0), "有错误");
    assert_eq!(s2.get("/unit/3").text().matches("/version/").count(), 1);
}

#[test]
fn scoring_in_the_browser_equals_kaohe_score_on_the_folder() {
    let d = tmp();
    let s = start(d.path());
    let l = loaded(d.path());
    let forms = good_forms(&l);
    // Scoring with units missing says which.
    let r = s.post_form("/score", "", &[]);
    assert_eq!(r.status, 422);
    let missing = format!("还有 {} 个单位", l.campaign.units.len());
    assert!(r.text().contains(&missing), "{}", r.text());
    let files: Vec<(&str, &[u8])> = forms.iter().map(|(_, b)| ("form.xlsx", &b[..])).collect();
    let r = s.upload("/upload", &files);
    assert_eq!(r.status, 200);
    assert_eq!(r.text().matches("已收取，无错误").count(), forms.len());
    let r = s.post_form("/score", "mode=full", &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(t.contains("评分完成"));
    assert!(t.contains("/files/circular.pdf"));
    assert!(t.contains("/files/results.xlsx"));
    assert!(t.contains("id=\"ranking\""));
    let pdf = s.get("/files/circular.pdf");
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF"));
    let home = s.get("/").text();
    for u in &l.campaign.units {
        assert_eq!(status_of(&home, &u.name), "已评分", "{}", u.name);
    }
    assert!(s.get("/unit/0").text().contains("id=\"score\""));
    assert!(s.get("/verify").text().contains("与清单一致"));

    // The command line on the mirrored folder gives the same results.
    let out = d.path().join("cli-out");
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .arg("score")
        .arg(d.path().join("交回"))
        .arg("--campaign")
        .arg(d.path().join("kaohe.toml"))
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("results.json")).unwrap(),
        std::fs::read(d.path().join("output/results.json")).unwrap()
    );
}

#[test]
fn foreign_origin_host_and_oversize_are_refused() {
    let d = tmp();
    let s = start(d.path());
    let l = loaded(d.path());
    let (ct, body) = multipart(&[("a.xlsx", &good_forms(&l)[0].1)]);
    let post = |extra: Vec<(&str, String)>| {
        let mut h = vec![("Content-Type", ct.clone())];
        h.extend(extra);
        raw(s.addr, "POST", "/upload", &h, &body)
    };
    let r = post(vec![
        ("Host", s.host()),
        ("Origin", "http://evil.example".into()),
    ]);
    assert_eq!(r.status, 403);
    let r = post(vec![("Host", s.host())]);
    assert_eq!(r.status, 403, "no Origin, no Referer");
    let r = post(vec![
        ("Host", s.host()),
        ("Referer", format!("{}/upload", s.origin())),
    ]);
    assert_eq!(r.status, 200, "a Referer of this server will do");
    // DNS rebinding: a foreign name for this address.
    let r = s.get_with("/", &[]);
    assert_eq!(r.status, 200);
    let r = raw(
        s.addr,
        "GET",
        "/",
        &[("Host", format!("evil.example:{}", s.addr.port()))],
        b"",
    );
    assert!((400..500).contains(&r.status), "{}", r.status);
    let r = raw(s.addr, "GET", "/", &[("Host", "127.0.0.1:1".into())], b"");
    assert!((400..500).contains(&r.status));
    let r = raw(s.addr, "GET", "/", &[], b"");
    assert!((400..500).contains(&r.status), "no Host: {}", r.status);
    // Declared too big: 413 without the body.
    let r = raw(
        s.addr,
        "POST",
        "/upload",
        &[
            ("Host", s.host()),
            ("Origin", s.origin()),
            ("Content-Type", ct.clone()),
            ("Content-Length", (1u64 << 40).to_string()),
        ],
        b"",
    );
    assert_eq!(r.status, 413);
    // One file over the limit inside an allowed request: 413 at the limit.
    let big = vec![b'x'; (20 << 20) + 10];
    let r = s.upload("/upload", &[("big.xlsx", &big)]);
    assert_eq!(r.status, 413);
    assert!(r.text().contains("文件太大"));
    // Nothing of it was kept.
    assert!(!s.get("/upload").text().contains("big.xlsx"));
}

fn tokens(s: &Server) -> Vec<String> {
    let page = s.get("/tokens").text();
    page.match_indices("/u/")
        .map(|(i, _)| page[i + 3..i + 35].to_string())
        .collect()
}

#[test]
fn a_unit_link_takes_only_that_units_form() {
    let d = tmp();
    let s = start(d.path());
    let l = loaded(d.path());
    let forms = good_forms(&l);
    let t = tokens(&s);
    assert_eq!(t.len(), forms.len());
    let own = s.get(&format!("/u/{}", t[0]));
    assert_eq!(own.status, 200);
    let page = own.text();
    assert!(page.contains(&forms[0].0));
    assert!(!page.contains(&forms[1].0), "no other unit is shown");
    assert!(!page.contains("/score"), "no scores, no staff menu");
    // Unit A's link, unit B's form: refused, B still has nothing.
    let r = s.upload(&format!("/u/{}", t[0]), &[("b.xlsx", &forms[1].1)]);
    assert_eq!(r.status, 403);
    assert!(r.text().contains("只能提交"));
    assert_eq!(status_of(&s.get("/").text(), &forms[1].0), "未交");
    assert_eq!(status_of(&s.get("/").text(), &forms[0].0), "有错误");
    // A's own form through A's link counts.
    let r = s.upload(&format!("/u/{}", t[0]), &[("a.xlsx", &forms[0].1)]);
    assert_eq!(r.status, 200);
    assert_eq!(status_of(&s.get("/").text(), &forms[0].0), "已交");
    assert_eq!(s.get("/u/0123456789abcdef0123456789abcdef").status, 404);
}

#[test]
fn the_lan_needs_a_password() {
    let d = tmp();
    // No password yet: refuses to serve the LAN.
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["serve", "--demo", "--listen", "0.0.0.0:0", "--dir"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--set-password"));
    let mut p = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["serve", "--demo", "--set-password", "--dir"])
        .arg(d.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    p.stdin
        .take()
        .unwrap()
        .write_all("安全生产2018\n".as_bytes())
        .unwrap();
    assert!(p.wait().unwrap().success());
    let db = std::fs::read(d.path().join("kaohe.sqlite")).unwrap();
    let pw = "安全生产2018".as_bytes();
    assert!(
        !db.windows(pw.len()).any(|w| w == pw),
        "only the hash is kept"
    );

    let s = start_at(d.path(), "0.0.0.0:0");
    assert_eq!(s.get("/").status, 401);
    assert_eq!(s.get("/score").status, 401);
    assert_eq!(s.post_form("/score", "", &[]).status, 401);
    let r = s.post_form("/login", "password=wrong-password", &[]);
    assert_eq!(r.status, 401);
    let r = s.post_form(
        "/login",
        "password=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A72018",
        &[],
    );
    assert_eq!(r.status, 303);
    let cookie = r.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    assert_eq!(s.get_with("/", &[("Cookie", session.clone())]).status, 200);
    // Units need no password for their own link.
    let page = s.get_with("/tokens", &[("Cookie", session)]).text();
    let at = page.find("/u/").unwrap();
    assert_eq!(s.get(&page[at..at + 35]).status, 200);
}
