//! The API's time format: ISO 8601 in UTC without an offset, e.g. `2023-12-04T14:00:00`.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Serializer;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Written by hand: chrono's `format(FORMAT)` re-parses the format string for every value, which
/// was a third of the app's CPU for a 400-todo list.
pub fn serialize<S: Serializer>(value: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    use chrono::{Datelike, Timelike};
    let Ok(year) = u32::try_from(value.year()) else {
        return serializer.collect_str(&value.format(FORMAT));
    };
    if year > 9999 {
        return serializer.collect_str(&value.format(FORMAT));
    }
    let mut text = *b"0000-00-00T00:00:00";
    let mut put = |at: usize, digits: usize, mut number: u32| {
        for i in (at..at + digits).rev() {
            text[i] = b'0' + (number % 10) as u8;
            number /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, value.month());
    put(8, 2, value.day());
    put(11, 2, value.hour());
    put(14, 2, value.minute());
    put(17, 2, value.second());
    // Only ASCII digits and separators were written.
    serializer.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
}

pub fn serialize_option<S: Serializer>(
    value: &Option<NaiveDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serialize(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// Accepts what clients commonly send: `2023-12-04T14:00:00` (UTC assumed), with fractional
/// seconds, a space instead of `T`, minutes only, an offset or `Z` (converted to UTC), or a
/// bare date (midnight). Years outside 1..=9999 are refused so the database never sees them.
pub fn parse(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|moment| moment.naive_utc())
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })?;
    use chrono::Datelike;
    (1..=9999).contains(&parsed.year()).then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        parse(text)
            .map(|moment| moment.format(FORMAT).to_string())
            .unwrap_or_else(|| "invalid".into())
    }

    #[test]
    fn accepts_common_iso_8601_forms() {
        assert_eq!(at("2023-12-04T14:00:00"), "2023-12-04T14:00:00");
        assert_eq!(at("2023-12-04T14:00:00.123456"), "2023-12-04T14:00:00");
        assert_eq!(at("2023-12-04 14:00:00"), "2023-12-04T14:00:00");
        assert_eq!(at("2023-12-04T14:00"), "2023-12-04T14:00:00");
        assert_eq!(at("2023-12-04"), "2023-12-04T00:00:00");
    }

    #[test]
    fn serializes_like_the_format_string() {
        for text in [
            "2023-12-04T14:00:00",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59",
        ] {
            let moment = parse(text).unwrap_or_default();
            let mut out = serde_json::Serializer::new(Vec::new());
            assert!(serialize(&moment, &mut out).is_ok());
            assert_eq!(
                out.into_inner(),
                format!("\"{}\"", moment.format(FORMAT)).into_bytes()
            );
        }
    }

    #[test]
    fn converts_offsets_to_utc() {
        assert_eq!(at("2023-12-04T14:00:00Z"), "2023-12-04T14:00:00");
        assert_eq!(at("2023-12-05T00:00:00+10:00"), "2023-12-04T14:00:00");
    }

    #[test]
    fn refuses_nonsense_and_out_of_range_years() {
        for bad in [
            "",
            "tomorrow",
            "2023-13-01T00:00:00",
            "2023-02-30",
            "+12345-01-01T00:00:00Z",
        ] {
            assert_eq!(at(bad), "invalid", "{bad:?} should be refused");
        }
    }
}
