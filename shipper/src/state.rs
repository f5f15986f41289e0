//! Counters shared by the handles and the worker, kept lock-free on the send path.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::FlushReport;

pub(crate) struct Shared {
    max_buffer_bytes: usize,
    /// Bytes (message + 26) accepted by `send` and not yet settled by the worker.
    buffered_bytes: AtomicUsize,
    /// Events accepted and not yet settled: what a missed deadline loses.
    buffered_events: AtomicU64,
    sent: AtomicU64,
    dropped: AtomicU64,
    /// Cleared by `shutdown`: later events are dropped.
    accepting: AtomicBool,
    /// Set when there are no credentials: events are dropped without queueing.
    discarding: AtomicBool,
    /// Set once a missed deadline has written off everything still buffered; from then
    /// on late settlements from the worker are ignored so nothing is counted twice.
    finalised: Mutex<bool>,
}

impl Shared {
    pub(crate) fn new(max_buffer_bytes: usize) -> Self {
        Self {
            max_buffer_bytes,
            buffered_bytes: AtomicUsize::new(0),
            buffered_events: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            accepting: AtomicBool::new(true),
            discarding: AtomicBool::new(false),
            finalised: Mutex::new(false),
        }
    }

    pub(crate) fn is_accepting(&self) -> bool {
        self.accepting.load(Ordering::SeqCst) && !self.discarding.load(Ordering::SeqCst)
    }

    pub(crate) fn stop_accepting(&self) {
        self.accepting.store(false, Ordering::SeqCst);
    }

    pub(crate) fn start_discarding(&self) {
        self.discarding.store(true, Ordering::SeqCst);
    }

    /// Reserves room for one event of `bytes`, or returns false if the buffer would overflow.
    pub(crate) fn try_reserve(&self, bytes: usize) -> bool {
        let max = self.max_buffer_bytes;
        let reserved = self
            .buffered_bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                current.checked_add(bytes).filter(|total| *total <= max)
            })
            .is_ok();
        if reserved {
            self.buffered_events.fetch_add(1, Ordering::AcqRel);
        }
        reserved
    }

    /// Gives back a reservation whose event never reached the worker, counting it dropped.
    pub(crate) fn unreserve(&self, bytes: usize) {
        sub_usize(&self.buffered_bytes, bytes);
        sub_u64(&self.buffered_events, 1);
        self.count_dropped(1);
    }

    pub(crate) fn count_dropped(&self, events: u64) {
        self.dropped.fetch_add(events, Ordering::AcqRel);
    }

    /// The worker is done with `events` of `bytes` in total: delivered or given up.
    pub(crate) fn settle(&self, events: u64, bytes: usize, delivered: bool) {
        let finalised = self.finalised.lock().unwrap_or_else(|p| p.into_inner());
        if *finalised {
            return;
        }
        sub_usize(&self.buffered_bytes, bytes);
        sub_u64(&self.buffered_events, events);
        if delivered {
            self.sent.fetch_add(events, Ordering::AcqRel);
        } else {
            self.dropped.fetch_add(events, Ordering::AcqRel);
        }
    }

    /// After a missed deadline: everything still buffered is lost, so count it dropped.
    pub(crate) fn finalise(&self) {
        let mut finalised = self.finalised.lock().unwrap_or_else(|p| p.into_inner());
        if *finalised {
            return;
        }
        *finalised = true;
        let lost = self.buffered_events.swap(0, Ordering::AcqRel);
        self.buffered_bytes.store(0, Ordering::Release);
        self.dropped.fetch_add(lost, Ordering::AcqRel);
    }

    pub(crate) fn buffered_bytes(&self) -> usize {
        self.buffered_bytes.load(Ordering::Acquire)
    }

    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(Ordering::Acquire)
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Acquire)
    }

    pub(crate) fn report(&self, timed_out: bool) -> FlushReport {
        FlushReport {
            sent: self.sent(),
            dropped: self.dropped(),
            timed_out,
        }
    }
}

fn sub_usize(counter: &AtomicUsize, n: usize) {
    // Saturating, so a settlement racing a finalise can never wrap around.
    let _ = counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
        Some(v.saturating_sub(n))
    });
}

fn sub_u64(counter: &AtomicU64, n: u64) {
    let _ = counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
        Some(v.saturating_sub(n))
    });
}
