//! Reruns (issue 15): the render cache, the whole output folder committed in
//! one step, the returned files kept in the archive, and faults as tests
//! (a crash at every step of the commit, a full disk, SIGKILL at random
//! moments). No test asserts a wall-clock time.

use kaohe::archive::{self, Manifest};
use kaohe::campaign;
use kaohe::cmd::demo::{SplitMix64, sample_forms};
use kaohe::workbook::safe_file_name;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{BIN, ROOT};

fn kaohe_cmd<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(BIN);
    c.args(args)
        .arg("--fonts")
        .arg(Path::new(ROOT).join("fonts"))
        .current_dir(ROOT)
        .env_remove("KAOHE_FAILPOINT")
        .stdin(Stdio::null());
    c
}

fn kaohe<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    kaohe_cmd(args).output().expect("kaohe runs")
}

fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    o
}

/// Every file of an output folder by path, without kaohe's private folder
/// (the cache) and the lock.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
            if rel == ".kaohe" || rel == ".kaohe.lock" {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn verify_clean(dir: &Path) {
    let (_, r) = archive::verify(dir).expect("a manifest");
    assert!(r.is_clean(), "{}: {r:?}", dir.display());
}

/// The sibling folders a run stages in; none may outlive a finished run.
fn leftovers(out: &Path) -> Vec<PathBuf> {
    let name = out.file_name().unwrap().to_string_lossy().to_string();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&format!(".{name}.kaohe-"))
        })
        .collect()
}

/// A copy of the built-in campaign (and its rubrics) in `dir`, so that the
/// cache beside it is the test's own; with `units`, only those units.
fn campaign_copy(dir: &Path, units: Option<&[usize]>) -> PathBuf {
    let src =
        std::fs::read_to_string(Path::new(ROOT).join("src/builtin/zhongwei-2018.toml")).unwrap();
    let text = match units {
        None => src,
        Some(keep) => {
            let mut parts = src.split("[[units]]");
            let mut t = parts.next().unwrap().to_string();
            let blocks: Vec<&str> = parts.collect();
            for &i in keep {
                t.push_str("[[units]]");
                t.push_str(blocks[i]);
            }
            t
        }
    };
    let c = dir.join("src/builtin");
    std::fs::create_dir_all(&c).unwrap();
    let r = dir.join("rubrics");
    std::fs::create_dir_all(&r).unwrap();
    for f in ["2018-county.toml", "2018-member.toml"] {
        std::fs::copy(Path::new(ROOT).join("rubrics").join(f), r.join(f)).unwrap();
    }
    let t = dir.join("templates");
    std::fs::create_dir_all(&t).unwrap();
    for f in ["notice.j2", "circular.j2"] {
        std::fs::copy(Path::new(ROOT).join("templates").join(f), t.join(f)).unwrap();
    }
    let file = c.join("kaohe.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// The demo's sample forms for `camp` as returned workbooks in `dir`;
/// `edit` may change them first.
fn returned_forms(
    camp: &Path,
    dir: &Path,
    edit: impl FnOnce(&mut [kaohe::workbook::ingest::Filled]),
) {
    let l = campaign::load(Some(camp)).unwrap();
    let mut forms = sample_forms(&l);
    edit(forms.as_mut_slice());
    std::fs::create_dir_all(dir).unwrap();
    for f in &forms {
        let unit = l.unit(&f.unit).unwrap();
        let bytes = kaohe::workbook::blank::filled_workbook(&l, unit, Some(f)).unwrap();
        std::fs::write(dir.join(format!("{}.xlsx", safe_file_name(&f.unit))), bytes).unwrap();
    }
}

fn os(p: &Path) -> &OsStr {
    p.as_os_str()
}

fn score(camp: &Path, input: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&OsStr> = vec![
        "score".as_ref(),
        os(input),
        "--campaign".as_ref(),
        os(camp),
        "--out".as_ref(),
        os(out),
    ];
    args.extend(extra.iter().map(OsStr::new));
    kaohe(args)
}

/// A correction to one unit's form: a different deduction reason and amount
/// on its first entry.
fn correct_one(forms: &mut [kaohe::workbook::ingest::Filled]) {
    let f = &mut forms[3];
    let (_, e) = f.entries.iter_mut().next().expect("the sample has entries");
    e.reason = "复核后更正：台账资料已补齐一项".into();
}

// ============================================== 1. the cache, byte-identical

/// The entry files of a render cache (`<shard>/<key>.bin`).
fn cache_entries(cache: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for shard in std::fs::read_dir(cache).unwrap().flatten() {
        for e in std::fs::read_dir(shard.path()).unwrap().flatten() {
            v.push(e.path());
        }
    }
    v
}

#[test]
fn rerun_after_one_correction_is_byte_identical_to_a_run_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let camp = campaign_copy(dir.path(), None);
    let (first_in, fixed_in) = (dir.path().join("in1"), dir.path().join("in2"));
    returned_forms(&camp, &first_in, |_| {});
    returned_forms(&camp, &fixed_in, correct_one);
    let out = dir.path().join("out");
    ok(score(&camp, &first_in, &out, &[]));
    let cache = camp.parent().unwrap().join(".kaohe/cache");
    assert!(cache.is_dir(), "the cache lives beside the campaign file");
    // Every document and workbook of the run is in the cache, so a rerun
    // makes only what its correction changed: the rectification lists as
    // well as the PDFs (the circular's DOCX, results.json and the manifest
    // are made from the results each time, and cost little).
    let bodies: std::collections::HashSet<Vec<u8>> = cache_entries(&cache)
        .iter()
        .map(|e| std::fs::read(e).unwrap()[65..].to_vec())
        .collect();
    let uncached: Vec<String> = snapshot(&out)
        .into_iter()
        .filter(|(k, b)| !k.starts_with("inputs/") && !bodies.contains(b))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        uncached,
        ["circular.docx", "manifest.json", "results.json"],
        "outputs not in the cache"
    );
    let o = ok(score(&camp, &fixed_in, &out, &[]));
    let said = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(said.contains("取自缓存"), "{said}");
    let scratch = dir.path().join("scratch");
    let o = ok(score(&camp, &fixed_in, &scratch, &["--no-cache"]));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("取自缓存"));
    let (a, b) = (snapshot(&out), snapshot(&scratch));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(
        differ.is_empty(),
        "differ from a run from scratch: {differ:?}"
    );
    verify_clean(&out);
    // The corrected unit's sheet did change between the two runs.
    assert!(a.keys().any(|k| k.starts_with("filled/")));

    // A damaged cache: every entry has one byte changed. Each is detected
    // by its hash and made again; the output is still the same.
    let mut damaged = 0;
    for e in cache_entries(&cache) {
        let mut raw = std::fs::read(&e).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 0x55;
        std::fs::write(&e, raw).unwrap();
        damaged += 1;
    }
    assert!(damaged > 25, "{damaged} entries");
    let o = ok(score(&camp, &fixed_in, &out, &[]));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("取自缓存"),
        "a damaged entry was used: {}",
        show(&o)
    );
    let c = snapshot(&out);
    let differ: Vec<&String> = c.keys().filter(|k| c.get(*k) != b.get(*k)).collect();
    assert!(differ.is_empty(), "{differ:?}");
    // …and rebuilt: the next run takes them from the cache again.
    let o = ok(score(&camp, &fixed_in, &out, &[]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("取自缓存"));
    assert_eq!(snapshot(&out), c);
}

#[test]
fn cache_inside_the_output_folder_survives_the_swap() {
    // Without --campaign the cache is in the output folder's .kaohe/, which
    // is carried into each new folder and is not part of the archive.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [OsStr::new("demo"), "--out".as_ref(), os(&out)];
    ok(kaohe(args));
    assert!(out.join(".kaohe/cache").is_dir());
    let first = snapshot(&out);
    let o = ok(kaohe(args));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("个取自缓存"),
        "{}",
        show(&o)
    );
    assert_eq!(snapshot(&out), first);
    verify_clean(&out);
    assert!(leftovers(&out).is_empty());
}

// ======================================================= 5. originals kept

#[test]
fn every_scored_file_is_kept_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let camp = campaign_copy(dir.path(), Some(&[0, 1, 5]));
    let input = dir.path().join("in");
    returned_forms(&camp, &input, |_| {});
    let out = dir.path().join("out");
    ok(score(&camp, &input, &out, &[]));
    let m = Manifest::read(&out).unwrap();
    assert_eq!(m.inputs.len(), 3);
    for i in &m.inputs {
        let original = std::fs::read(&i.file).unwrap();
        let sha = archive::sha256_hex(&original);
        assert_eq!(sha, i.sha256);
        let name = Path::new(&i.file).file_name().unwrap().to_string_lossy();
        let unit = name.trim_end_matches(".xlsx");
        let a = i.archived.as_deref().expect("an archived copy");
        assert_eq!(a, format!("inputs/{unit}/{}-{name}", &sha[..12]));
        assert_eq!(
            std::fs::read(out.join(a)).unwrap(),
            original,
            "byte for byte"
        );
        assert!(m.files.iter().any(|f| f.path == a && f.sha256 == sha));
    }
    verify_clean(&out);

    // The archive alone proves what was scored: a changed copy fails verify.
    let a = m.inputs[0].archived.clone().unwrap();
    let keep = std::fs::read(out.join(&a)).unwrap();
    std::fs::write(out.join(&a), b"PK not the form").unwrap();
    let o = kaohe([OsStr::new("verify"), os(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("已改动：{a}")));
    std::fs::write(out.join(&a), keep).unwrap();
    verify_clean(&out);

    // A second scoring run with one form corrected: the archive holds the
    // copies of what that run scored, and none of the earlier run.
    std::fs::remove_dir_all(&input).unwrap();
    returned_forms(&camp, &input, |f| {
        let (_, e) = f[1].entries.iter_mut().next().unwrap();
        e.reason = "更正".into();
    });
    ok(score(&camp, &input, &out, &[]));
    let m2 = Manifest::read(&out).unwrap();
    let copies: Vec<String> = snapshot(&out)
        .into_keys()
        .filter(|k| k.starts_with("inputs/"))
        .collect();
    let mut expected: Vec<String> = m2
        .inputs
        .iter()
        .map(|i| i.archived.clone().unwrap())
        .collect();
    expected.sort();
    assert_eq!(copies, expected);
    let renamed = m
        .inputs
        .iter()
        .zip(&m2.inputs)
        .filter(|(a, b)| a.archived != b.archived)
        .count();
    assert_eq!(renamed, 1, "only the corrected form's copy is new");
    verify_clean(&out);
}

// ========================================================== 3. hand files

#[test]
fn files_put_in_by_hand_are_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let camp = campaign_copy(dir.path(), Some(&[0, 1, 5]));
    let out = dir.path().join("out");
    let run = |cmd: &str| {
        kaohe([
            OsStr::new(cmd),
            "--campaign".as_ref(),
            os(&camp),
            "--out".as_ref(),
            os(&out),
        ])
    };
    ok(run("schedule"));
    std::fs::write(out.join("备注.txt"), "手工放入").unwrap();
    std::fs::create_dir_all(out.join("草稿")).unwrap();
    std::fs::write(out.join("草稿/a.txt"), "a").unwrap();
    std::fs::write(out.join("schedule.ics"), "改过的日历").unwrap();
    let o = ok(run("schedule"));
    // Files kaohe does not write are carried into the new folder.
    assert_eq!(
        std::fs::read_to_string(out.join("备注.txt")).unwrap(),
        "手工放入"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("草稿/a.txt")).unwrap(),
        "a"
    );
    // A kaohe file changed by hand is written anew, and the changed one kept.
    assert_eq!(
        std::fs::read_to_string(out.join("schedule.手工修改.ics")).unwrap(),
        "改过的日历"
    );
    assert!(
        std::fs::read_to_string(out.join("schedule.ics"))
            .unwrap()
            .starts_with("BEGIN:VCALENDAR")
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("schedule.手工修改.ics"),
        "{}",
        show(&o)
    );
    // verify names them as not kaohe's, and finds kaohe's own intact.
    let (_, r) = archive::verify(&out).unwrap();
    assert!(r.missing.is_empty() && r.changed.is_empty(), "{r:?}");
    assert_eq!(r.extra, ["schedule.手工修改.ics", "备注.txt", "草稿/a.txt"]);
    // A rerun that is told nothing new keeps them again, unchanged.
    ok(run("notice"));
    assert_eq!(
        std::fs::read_to_string(out.join("草稿/a.txt")).unwrap(),
        "a"
    );
    assert!(!out.join("schedule.手工修改2.ics").exists());
    assert!(leftovers(&out).is_empty());
}

// ===================================================== 4. faults as tests

fn small_run(camp: &Path, out: &Path, cmd: &str) -> Command {
    kaohe_cmd([
        OsStr::new(cmd),
        "--quiet".as_ref(),
        "--campaign".as_ref(),
        os(camp),
        "--out".as_ref(),
        os(out),
    ])
}

#[test]
fn a_crash_at_every_step_of_the_commit_leaves_a_verified_folder() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let camp = campaign_copy(dir.path(), Some(&[0, 1, 5]));
    let out = dir.path().join("out");
    ok(small_run(&camp, &out, "blank").output().unwrap());
    ok(small_run(&camp, &out, "notice").output().unwrap());
    let old = snapshot(&out);
    // What a complete `schedule` run makes of it, in a copy.
    let reference = dir.path().join("reference");
    std::fs::create_dir_all(&reference).unwrap();
    for (rel, bytes) in &old {
        let p = reference.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    ok(small_run(&camp, &reference, "schedule").output().unwrap());
    let new = snapshot(&reference);
    assert_ne!(old, new);
    let mut k = 1;
    loop {
        let o = small_run(&camp, &out, "schedule")
            .env("KAOHE_FAILPOINT", k.to_string())
            .output()
            .unwrap();
        let killed = o.status.signal() == Some(libc::SIGKILL);
        assert!(killed || o.status.success(), "k={k}: {}", show(&o));
        if k == 1 {
            assert!(
                killed,
                "the failpoint did not fire: built without the failpoints feature?"
            );
        }
        verify_clean(&out);
        let now = snapshot(&out);
        assert!(
            now == old || now == new,
            "k={k}: a folder that is neither the old nor the new one"
        );
        if !killed {
            assert_eq!(now, new);
            break;
        }
        // The crash left either: put the old folder back for the next k.
        if now == new {
            for rel in new.keys().filter(|r| !old.contains_key(*r)) {
                std::fs::remove_file(out.join(rel)).unwrap();
            }
            for (rel, bytes) in &old {
                std::fs::write(out.join(rel), bytes).unwrap();
            }
        }
        k += 1;
        assert!(k < 500, "the commit never finished");
    }
    // The steps: each file written (3) and carried over (the old folder's
    // files but its manifest), the lock, the manifest, the fsyncs, the
    // cache, the swap, the parent's fsync, the removal of the old folder.
    assert_eq!(k - 1, 3 + (old.len() - 1) + 7, "steps of the commit");
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

#[test]
fn a_full_disk_leaves_the_old_output_and_says_so_in_chinese() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let camp = campaign_copy(dir.path(), Some(&[0, 1, 5]));
    let out = dir.path().join("out");
    ok(small_run(&camp, &out, "schedule").output().unwrap());
    let old = snapshot(&out);
    let mut c = small_run(&camp, &out, "notice");
    c.arg("--no-cache");
    // SAFETY: setrlimit only, between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 16 * 1024,
                rlim_max: 16 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("notice.pdf"), "{err}");
    assert!(err.contains("磁盘空间不足或超过了文件大小限制"), "{err}");
    assert!(err.contains("输出目录保持原样"), "{err}");
    assert!(
        !err.contains("too large") && !err.contains("os error"),
        "{err}"
    );
    assert_eq!(snapshot(&out), old);
    verify_clean(&out);
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_folder_that_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let camp = campaign_copy(dir.path(), Some(&[0, 1, 5]));
    let out = dir.path().join("out");
    ok(small_run(&camp, &out, "blank").output().unwrap());
    // How long a run takes here (not asserted): the kills fall within it.
    let t = Instant::now();
    ok(small_run(&camp, &out, "schedule").output().unwrap());
    let span = t.elapsed().as_micros().max(1000) as u64;
    let mut rng = SplitMix64(15);
    let commands = ["blank", "notice", "schedule"];
    let mut finished = 0;
    for i in 0..50 {
        let cmd = *rng.pick(&commands);
        let mut c = small_run(&camp, &out, cmd);
        if rng.below(3) == 0 {
            c.arg("--no-cache");
        }
        let mut child = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(span * 12 / 10)));
        if child.try_wait().unwrap().is_some() {
            finished += 1;
        } else {
            child.kill().unwrap(); // SIGKILL
        }
        child.wait().unwrap();
        let (_, r) = archive::verify(&out).unwrap_or_else(|e| panic!("run {i} ({cmd}): {e}"));
        assert!(r.is_clean(), "run {i} ({cmd}): {r:?}");
    }
    println!("50 runs, {finished} finished before their kill");
    // The next run cleans up whatever the killed ones left.
    ok(small_run(&camp, &out, "schedule").output().unwrap());
    verify_clean(&out);
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

#[test]
fn a_second_run_waits_for_the_lock() {
    // The lock file is the same file in the old and the new folder, so a
    // run holding it still holds it after its swap.
    let dir = tempfile::tempdir().unwrap();
    let camp = campaign_copy(dir.path(), Some(&[0, 1, 5]));
    let out = dir.path().join("out");
    let run = || small_run(&camp, &out, "schedule").output().unwrap();
    ok(run());
    let lock = archive::lock(&out).unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("另一个 kaohe 正在写入"));
    drop(lock);
    ok(run());
    // After the swap, the lock file in the folder is the one a run locks.
    let lock = archive::lock(&out).unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    drop(lock);
}

/// A machine (or container, or virtual machine) with one core: the run
/// finishes. The typesetting used to wait inside a rayon thread for
/// workers whose Typst needed that same thread, and a one-core run waited
/// for ever. `taskset -c 0` gives the run one core; 300 s is a hang guard,
/// not a time limit (the run takes a few seconds).
#[cfg(target_os = "linux")]
#[test]
fn a_run_on_one_core_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new("taskset")
        .args(["-c", "0", BIN, "demo", "--no-cache", "-q", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("taskset (util-linux)");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(300) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("kaohe demo on one core still running after 300 s: it hangs");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    verify_clean(&out);
    assert!(out.join("circular.pdf").is_file() && out.join("notice.pdf").is_file());
}
