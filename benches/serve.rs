//! The workbench under load, against a real `kaohe serve` on loopback:
//! - baseline: a static GET of the login page redirect (the floor of one
//!   request through the same stack);
//! - one form uploaded, checked, recorded and the result page shown;
//! - the overview of a 1000-unit campaign, every unit with a form.
//!
//! The ratios to the baseline are printed at the end, with a last check
//! that 25 uploads at once all succeed. `cargo bench --bench serve`.

use criterion::{Criterion, criterion_group};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Server {
    let exe = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/kaohe");
    let mut child = Command::new(&exe)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("target/release/kaohe (cargo build --release first)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    Server { child, addr }
}

fn request(addr: SocketAddr, method: &str, path: &str, ct: Option<&str>, body: &[u8]) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = ct {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[9..12]).parse().unwrap()
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let b = "----kaohebench";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

/// A campaign folder of `n` units (the built-in example's text, its units
/// replaced), with the rubrics beside it.
fn campaign_of(dir: &Path, n: usize) {
    // `serve --demo` writes the example; then its units are replaced.
    drop(start(dir));
    let file = dir.join("kaohe.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut text = text[..text.find("[[units]]").unwrap()].to_string();
    for i in 0..n {
        let (rubric, kind) = if i % 5 == 0 {
            ("county-2018", "虚拟县区")
        } else {
            ("member-2018", "虚拟部门")
        };
        text.push_str(&format!(
            "[[units]]\nname = \"{kind}{:05}\"\nrubric = \"{rubric}\"\ndate = \"2018-11-{}\"\ntime = \"08:30-10:20\"\n\n",
            i + 1,
            14 + i % 9
        ));
    }
    std::fs::write(&file, text).unwrap();
}

fn forms(dir: &Path) -> Vec<Vec<u8>> {
    let l = kaohe::campaign::load(Some(&dir.join("kaohe.toml"))).unwrap();
    kaohe::cmd::demo::sample_forms(&l)
        .iter()
        .map(|f| {
            let unit = l.unit(&f.unit).unwrap();
            kaohe::workbook::blank::filled_workbook(&l, unit, Some(f)).unwrap()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let small = tempfile::tempdir().unwrap();
    let s = start(small.path());
    let form = forms(small.path()).remove(0);
    let (ct, body) = multipart("form.xlsx", &form);
    let mut g = c.benchmark_group("serve");
    g.sample_size(30).measurement_time(Duration::from_secs(8));
    g.bench_function("baseline_get_login", |b| {
        b.iter(|| assert_eq!(request(s.addr, "GET", "/login", None, b""), 303))
    });
    g.bench_function("upload_one_form", |b| {
        b.iter(|| assert_eq!(request(s.addr, "POST", "/upload", Some(&ct), &body), 200))
    });

    let big = tempfile::tempdir().unwrap();
    campaign_of(big.path(), 1000);
    let all = forms(big.path());
    let s2 = start(big.path());
    std::thread::scope(|scope| {
        for part in all.chunks(all.len().div_ceil(4)) {
            let addr = s2.addr;
            scope.spawn(move || {
                for f in part {
                    let (ct, body) = multipart("f.xlsx", f);
                    assert_eq!(request(addr, "POST", "/upload", Some(&ct), &body), 200);
                }
            });
        }
    });
    g.bench_function("overview_1000_units", |b| {
        b.iter(|| assert_eq!(request(s2.addr, "GET", "/", None, b""), 200))
    });
    g.finish();

    // 25 uploads at once: every one succeeds.
    let start = Instant::now();
    let codes: Vec<u16> = std::thread::scope(|scope| {
        let hs: Vec<_> = (0..25)
            .map(|i| {
                let f = &all[i];
                let addr = s2.addr;
                scope.spawn(move || {
                    let (ct, body) = multipart("f.xlsx", f);
                    request(addr, "POST", "/upload", Some(&ct), &body)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = codes.iter().filter(|c| **c == 200).count();
    println!(
        "25 uploads at once: {ok}/25 answered 200 in {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(ok, 25);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Ratios against the baseline measured in this same run.
    let read = |name: &str| -> Option<f64> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/criterion/serve")
            .join(name)
            .join("new/estimates.json");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
        v["mean"]["point_estimate"].as_f64()
    };
    let base = read("baseline_get_login");
    for name in ["upload_one_form", "overview_1000_units"] {
        if let (Some(b), Some(t)) = (base, read(name)) {
            println!(
                "{name}: {:.2} ms = {:.1} x baseline ({:.3} ms)",
                t / 1e6,
                t / b,
                b / 1e6
            );
        }
    }
}
