//! Test-only fault injection. Built with the cargo feature `failpoints`
//! (the tests enable it), `KAOHE_FAILPOINT=k` kills the process with
//! SIGKILL at the k-th step of writing the output folder (each file
//! written, each file carried over, the fsyncs, the swap, the removal of
//! the old folder), so that a test can crash a run at every step in turn.
//! Without the feature, [`step`] does nothing and no variable is read.

#[cfg(feature = "failpoints")]
static STEPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One step of the commit; `what` names it for the failpoint's message.
#[cfg(feature = "failpoints")]
pub fn step(what: &str) {
    use std::sync::atomic::Ordering;
    let Some(k) = std::env::var("KAOHE_FAILPOINT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    let n = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    if n == k {
        eprintln!("kaohe: failpoint {k} ({what})");
        // SAFETY: sending SIGKILL to this very process; nothing runs after.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn step(_what: &str) {}
