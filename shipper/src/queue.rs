//! Events waiting for the worker, per log stream.
//!
//! `send` appends under a short lock and wakes the worker only when a stream holds a full
//! batch; otherwise the worker collects everything on its flush timer. A channel wakes the
//! worker for every event, which in a server means one more task run per log line on the
//! app's CPU (`send_between_awaits` in `benches/throughput.rs`).

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::batch::{InputEvent, MAX_BATCH_BYTES, MAX_BATCH_EVENTS};

/// Events of one stream, in the order they were sent.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub(crate) events: Vec<InputEvent>,
    /// Their size as CloudWatch counts it (message + 26 per event).
    pub(crate) bytes: usize,
}

impl Pending {
    /// Whether one PutLogEvents call's worth is here, by event count or by bytes.
    fn is_full(&self) -> bool {
        self.events.len() >= MAX_BATCH_EVENTS || self.bytes >= MAX_BATCH_BYTES
    }
}

#[derive(Default)]
pub(crate) struct Queue {
    inner: Mutex<Inner>,
    batch_ready: Notify,
}

#[derive(Default)]
struct Inner {
    /// The stream's events still being filled. A list, not a map: an app has a handful of
    /// streams, and comparing a few short names is cheaper than hashing one.
    filling: Vec<(String, Pending)>,
    /// Full batches waiting for the worker, oldest first.
    full: Vec<(String, Pending)>,
    /// Set when the worker has taken its last events: nothing pushed later would ship.
    closed: bool,
}

impl Queue {
    /// Appends `event` to `stream`, or gives it back if the queue is closed.
    pub(crate) fn push(&self, stream: &str, event: InputEvent) -> Result<(), InputEvent> {
        let mut inner = self.lock();
        let Inner {
            filling,
            full,
            closed,
        } = &mut *inner;
        if *closed {
            return Err(event);
        }
        let index = filling
            .iter()
            .position(|(name, _)| name == stream)
            .unwrap_or_else(|| {
                filling.push((stream.to_owned(), Pending::default()));
                filling.len() - 1
            });
        let pending = &mut filling[index].1;
        pending.bytes += event.size();
        pending.events.push(event);
        if pending.is_full() {
            full.push((stream.to_owned(), std::mem::take(pending)));
            drop(inner);
            // Stored as a permit if the worker is busy, so no full batch is overlooked.
            self.batch_ready.notify_one();
        }
        Ok(())
    }

    /// Waits until a stream has filled a batch since the last call.
    pub(crate) async fn batch_ready(&self) {
        self.batch_ready.notified().await;
    }

    /// The full batches, oldest first.
    pub(crate) fn take_full(&self) -> Vec<(String, Pending)> {
        std::mem::take(&mut self.lock().full)
    }

    /// Everything queued, by stream name; a stream's full batches come before its newer events.
    pub(crate) fn take_all(&self) -> Vec<(String, Pending)> {
        Self::drain(&mut self.lock())
    }

    /// Refuses every later push and returns what was queued, as [`Queue::take_all`], under
    /// one lock so that nothing slips in between.
    pub(crate) fn close(&self) -> Vec<(String, Pending)> {
        let mut inner = self.lock();
        inner.closed = true;
        Self::drain(&mut inner)
    }

    fn drain(inner: &mut Inner) -> Vec<(String, Pending)> {
        let mut taken = std::mem::take(&mut inner.full);
        let filling = std::mem::take(&mut inner.filling);
        taken.extend(filling.into_iter().filter(|(_, p)| !p.events.is_empty()));
        // Stable: each stream keeps its order.
        taken.sort_by(|(a, _), (b, _)| a.cmp(b));
        taken
    }

    // A panic elsewhere while the lock was held leaves the lists whole (every change to them
    // is a single push or take), so a poisoned lock is still safe to use.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_messages(taken: &[(String, Pending)]) -> Vec<(&str, Vec<&str>)> {
        taken
            .iter()
            .map(|(name, p)| {
                let messages = p.events.iter().map(|e| e.message.as_str()).collect();
                (name.as_str(), messages)
            })
            .collect()
    }

    fn push(queue: &Queue, stream: &str, message: &str) {
        let pushed = queue.push(stream, InputEvent::new(0, message.to_owned()));
        assert!(pushed.is_ok(), "{stream}: {message} was refused");
    }

    #[test]
    fn events_are_kept_per_stream_in_order_and_taken_by_name() {
        let queue = Queue::default();
        push(&queue, "sql", "s1");
        push(&queue, "app", "a1");
        push(&queue, "sql", "s2");
        let taken = queue.take_all();
        assert_eq!(
            names_and_messages(&taken),
            vec![("app", vec!["a1"]), ("sql", vec!["s1", "s2"])]
        );
        assert_eq!(taken[0].1.bytes, 2 + 26);
        assert!(queue.take_all().is_empty());
    }

    #[test]
    fn a_full_batch_is_set_aside_at_the_exact_count_and_the_stream_starts_again() {
        let queue = Queue::default();
        for i in 0..MAX_BATCH_EVENTS - 1 {
            push(&queue, "app", &i.to_string());
        }
        assert!(queue.take_full().is_empty());
        push(&queue, "app", "last of the batch");
        push(&queue, "app", "first of the next");
        let full = queue.take_full();
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].1.events.len(), MAX_BATCH_EVENTS);
        let rest = queue.take_all();
        assert_eq!(
            names_and_messages(&rest),
            vec![("app", vec!["first of the next"])]
        );
    }

    #[test]
    fn a_batch_is_full_at_the_exact_byte_limit() {
        // Four of the longest messages CloudWatch takes fill a batch to the byte.
        let queue = Queue::default();
        let longest = "x".repeat(MAX_BATCH_BYTES / 4 - 26);
        for _ in 0..3 {
            push(&queue, "app", &longest);
        }
        push(&queue, "app", &longest[1..]);
        assert!(queue.take_full().is_empty());
        push(&queue, "app", "x");
        let full = queue.take_full();
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].1.bytes, MAX_BATCH_BYTES + 26);

        let queue = Queue::default();
        for _ in 0..4 {
            push(&queue, "app", &longest);
        }
        let full = queue.take_full();
        assert_eq!(
            full.iter().map(|(_, p)| p.bytes).sum::<usize>(),
            MAX_BATCH_BYTES
        );
    }

    #[test]
    fn take_all_puts_a_streams_full_batches_before_its_newer_events() {
        let queue = Queue::default();
        for _ in 0..MAX_BATCH_EVENTS {
            push(&queue, "b", "old");
        }
        push(&queue, "b", "new");
        push(&queue, "a", "other");
        let taken = queue.take_all();
        let order: Vec<(&str, usize)> = taken
            .iter()
            .map(|(name, p)| (name.as_str(), p.events.len()))
            .collect();
        assert_eq!(order, vec![("a", 1), ("b", MAX_BATCH_EVENTS), ("b", 1)]);
    }

    #[tokio::test]
    async fn the_worker_is_woken_once_a_batch_is_full_even_if_it_was_not_yet_waiting() {
        let queue = Queue::default();
        for _ in 0..MAX_BATCH_EVENTS {
            push(&queue, "app", "x");
        }
        let woken = tokio::time::timeout(std::time::Duration::from_secs(5), queue.batch_ready());
        assert!(
            woken.await.is_ok(),
            "the full batch did not wake the worker"
        );
    }

    #[test]
    fn a_closed_queue_refuses_events_and_hands_over_what_it_held() {
        let queue = Queue::default();
        push(&queue, "app", "in time");
        let last = queue.close();
        assert_eq!(names_and_messages(&last), vec![("app", vec!["in time"])]);
        let refused = queue.push("app", InputEvent::new(0, "too late".to_owned()));
        assert_eq!(refused.map_err(|e| e.message), Err("too late".to_owned()));
        assert!(queue.take_all().is_empty());
    }
}
