//! What the kit's load tests (bench, calibrate, profile, pictures) run on: containers with an
//! ECS task's limits, the app started with its output in a file and pinned to a CPU, and the
//! machine-wide lock they take turns with. The grader never uses it, so it lives here and not in
//! `testkit`, which every student's build compiles.

mod containers;
mod lock;
mod logged_app;

pub use containers::{absolute, image_exists, Container, ContainerSpec, PostgresContainer};
pub use lock::{load_test_lock, LoadTestLock, LOAD_TEST_LOCK};
pub use logged_app::LoggedApp;

/// The PostgreSQL image the rig starts, built here, and each program on `PATH`; otherwise
/// what to build or install (each program with its install command).
pub fn require(image: &str, programs: &[(&str, &str)]) -> anyhow::Result<()> {
    if !image_exists(image) {
        anyhow::bail!(
            "image {image} is missing (or Docker is not running): build it with \
             scripts/build-postgres-image.sh"
        );
    }
    for (program, install) in programs {
        if checks::tools::find(program).is_err() {
            anyhow::bail!("{program} is missing: {install}");
        }
    }
    Ok(())
}

/// Pins the thread `tid` (0: the calling one; its children inherit it) to one CPU.
pub fn pin_to_cpu(tid: libc::pid_t, cpu: usize) -> std::io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it.
    unsafe {
        let mut set = std::mem::zeroed::<libc::cpu_set_t>();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
