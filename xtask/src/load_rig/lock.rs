//! One load test at a time on this machine: two at once would measure each other.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use anyhow::Context;

/// The file every load test of the kit locks (also used by the docs' k6 commands).
pub const LOAD_TEST_LOCK: &str = "taskoverflow-calibrate.lock";

/// Held while a load test runs; released when dropped (or when the process dies).
pub struct LoadTestLock {
    _file: File,
}

/// Waits for the machine-wide load-test lock (an `flock` on a file in the temp directory).
pub fn load_test_lock() -> anyhow::Result<LoadTestLock> {
    let path: PathBuf = std::env::temp_dir().join(LOAD_TEST_LOCK);
    let file = File::create(&path).with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: flock on a descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        eprintln!("another load test holds {}: waiting for it", path.display());
        // SAFETY: as above; this call blocks until the other holder is done.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    Ok(LoadTestLock { _file: file })
}
