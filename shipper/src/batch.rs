//! PutLogEvents limits and the pure batching that respects them.
//!
//! Kept free of I/O so every limit can be unit-tested at its exact boundary.

/// Bytes CloudWatch adds to every event when it checks the batch size.
pub const EVENT_OVERHEAD_BYTES: usize = 26;
/// Most events one PutLogEvents call accepts.
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Most bytes (messages + 26 per event) one PutLogEvents call accepts.
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Longest time between the first and last event of one call (24 h).
pub const MAX_BATCH_SPAN_MS: i64 = 24 * 60 * 60 * 1000;
/// Longest message CloudWatch accepts: 256 KiB including the per-event overhead.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 - EVENT_OVERHEAD_BYTES;

/// One log event as CloudWatch stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputEvent {
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The line, at most [`MAX_MESSAGE_BYTES`] bytes once truncated.
    pub message: String,
}

impl InputEvent {
    /// Builds an event, truncating an over-long message so CloudWatch accepts it.
    pub fn new(timestamp_ms: i64, message: String) -> Self {
        Self {
            timestamp_ms,
            message: truncate_message(message),
        }
    }

    /// Size as CloudWatch counts it against the batch limit.
    pub fn size(&self) -> usize {
        event_size(&self.message)
    }
}

/// Size of a message as CloudWatch counts it (UTF-8 bytes + 26).
pub fn event_size(message: &str) -> usize {
    message.len() + EVENT_OVERHEAD_BYTES
}

/// Cuts `message` to at most [`MAX_MESSAGE_BYTES`] bytes without splitting a character.
pub fn truncate_message(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut end = MAX_MESSAGE_BYTES;
        // A UTF-8 character is at most 4 bytes, so this loop runs at most 3 times.
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
    }
    message
}

/// Sorts events by timestamp (stable, so equal timestamps keep their order) and splits
/// them into batches that each satisfy every PutLogEvents limit.
pub fn split_into_batches(mut events: Vec<InputEvent>) -> Vec<Vec<InputEvent>> {
    events.sort_by_key(|e| e.timestamp_ms);
    let mut batches = Vec::new();
    let mut current: Vec<InputEvent> = Vec::new();
    let mut current_bytes = 0usize;
    for event in events {
        let size = event.size();
        if let Some(first) = current.first() {
            let full = current.len() >= MAX_BATCH_EVENTS
                || current_bytes + size > MAX_BATCH_BYTES
                || event.timestamp_ms - first.timestamp_ms > MAX_BATCH_SPAN_MS;
            if full {
                batches.push(std::mem::take(&mut current));
                current_bytes = 0;
            }
        }
        current_bytes += size;
        current.push(event);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts: i64, msg: &str) -> InputEvent {
        InputEvent::new(ts, msg.to_owned())
    }

    fn batch_bytes(batch: &[InputEvent]) -> usize {
        batch.iter().map(InputEvent::size).sum()
    }

    #[test]
    fn empty_input_gives_no_batches() {
        assert!(split_into_batches(Vec::new()).is_empty());
    }

    #[test]
    fn event_count_limit_is_exactly_10000() {
        let events: Vec<_> = (0..MAX_BATCH_EVENTS as i64 * 2 + 1)
            .map(|i| ev(i, "x"))
            .collect();
        let batches = split_into_batches(events);
        let sizes: Vec<_> = batches.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10_000, 10_000, 1]);
    }

    #[test]
    fn exactly_10000_events_fit_one_batch() {
        let events: Vec<_> = (0..MAX_BATCH_EVENTS as i64).map(|i| ev(i, "x")).collect();
        assert_eq!(split_into_batches(events).len(), 1);
    }

    #[test]
    fn byte_limit_counts_26_bytes_per_event_at_the_exact_boundary() {
        // Eight events whose messages sum to exactly MAX_BATCH_BYTES - 8 * 26 fill one batch
        // to the byte; one byte more must spill the last event into a second batch.
        let msg_len = (MAX_BATCH_BYTES - 8 * EVENT_OVERHEAD_BYTES) / 8;
        assert_eq!(msg_len * 8 + 8 * EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES);
        let big = "a".repeat(msg_len);
        let exact: Vec<_> = (0..8).map(|i| ev(i, &big)).collect();
        let batches = split_into_batches(exact);
        assert_eq!(batches.len(), 1);
        assert_eq!(batch_bytes(&batches[0]), MAX_BATCH_BYTES);

        let mut over: Vec<_> = (0..7).map(|i| ev(i, &big)).collect();
        over.push(ev(7, &"a".repeat(msg_len + 1)));
        let batches = split_into_batches(over);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![7, 1]);
    }

    #[test]
    fn overhead_is_what_splits_messages_that_alone_would_fit() {
        // 5 x 209,715 message bytes = 1,048,575 fits; with 26 bytes each it does not.
        let msg = "m".repeat(209_715);
        let events: Vec<_> = (0..5).map(|i| ev(i, &msg)).collect();
        let batches = split_into_batches(events);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 1]);
    }

    #[test]
    fn byte_limit_uses_utf8_bytes_not_chars() {
        // "é" is two bytes: counting chars, 10 of these would fit; counting bytes only 9 do.
        let msg = "é".repeat(58_240);
        assert_eq!(event_size(&msg), 116_506);
        let events: Vec<_> = (0..9).map(|i| ev(i, &msg)).collect();
        let batches = split_into_batches(events);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![9]);
        let events: Vec<_> = (0..10).map(|i| ev(i, &msg)).collect();
        let batches = split_into_batches(events);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![9, 1]);
    }

    #[test]
    fn span_of_exactly_24h_fits_but_one_ms_more_splits() {
        let batches = split_into_batches(vec![ev(0, "a"), ev(MAX_BATCH_SPAN_MS, "b")]);
        assert_eq!(batches.len(), 1);
        let batches = split_into_batches(vec![ev(0, "a"), ev(MAX_BATCH_SPAN_MS + 1, "b")]);
        assert_eq!(batches.len(), 2);
    }

    #[test]
    fn span_is_measured_from_each_batch_start() {
        let h = 60 * 60 * 1000;
        let events = vec![
            ev(0, "a"),
            ev(20 * h, "b"),
            ev(25 * h, "c"),
            ev(44 * h, "d"),
        ];
        let batches = split_into_batches(events);
        let msgs: Vec<Vec<&str>> = batches
            .iter()
            .map(|b| b.iter().map(|e| e.message.as_str()).collect())
            .collect();
        assert_eq!(msgs, vec![vec!["a", "b"], vec!["c", "d"]]);
    }

    #[test]
    fn unsorted_input_is_sorted_stably_by_timestamp() {
        let events = vec![
            ev(30, "c"),
            ev(10, "a1"),
            ev(20, "b"),
            ev(10, "a2"),
            ev(5, "z"),
        ];
        let batches = split_into_batches(events);
        assert_eq!(batches.len(), 1);
        let msgs: Vec<_> = batches[0].iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs, vec!["z", "a1", "a2", "b", "c"]);
    }

    #[test]
    fn long_messages_are_truncated_at_a_char_boundary() {
        let short = "ok".to_owned();
        assert_eq!(truncate_message(short.clone()), short);
        let exact = "a".repeat(MAX_MESSAGE_BYTES);
        assert_eq!(truncate_message(exact.clone()), exact);
        let ascii = truncate_message("a".repeat(MAX_MESSAGE_BYTES + 10));
        assert_eq!(ascii.len(), MAX_MESSAGE_BYTES);
        // 262,118 is not a multiple of 4, so a run of 4-byte chars must be cut below it.
        let emoji = truncate_message("🦀".repeat(MAX_MESSAGE_BYTES / 4 + 10));
        assert_eq!(emoji.len(), MAX_MESSAGE_BYTES / 4 * 4);
        assert!(emoji.chars().all(|c| c == '🦀'));
        assert_eq!(InputEvent::new(0, "b".repeat(300_000)).size(), 256 * 1024);
    }
}
