//! The API's time format: ISO 8601 in UTC without an offset, e.g. `2023-12-04T14:00:00`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta};
use serde::Serializer;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueFormat, PgValueRef};
use sqlx::{Decode, Postgres, Type};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Written by hand: chrono's `format(FORMAT)` re-parses the format string for every value, which
/// was a third of the app's CPU for a 400-todo list.
pub fn serialize<S: Serializer>(value: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    match digits(value) {
        // Only ASCII digits and separators were written.
        Some(text) => serializer.serialize_str(std::str::from_utf8(&text).unwrap_or_default()),
        None => serializer.collect_str(&value.format(FORMAT)),
    }
}

/// The moment in the API's format, for years 0 to 9999 (every year the API accepts); `None`
/// for the others, which only [`format`] writes.
pub fn digits(value: &NaiveDateTime) -> Option<[u8; 19]> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(value.year())
        .ok()
        .filter(|year| *year <= 9999)?;
    Some(write_digits(
        [year, value.month(), value.day()],
        [value.hour(), value.minute(), value.second()],
    ))
}

fn write_digits([year, month, day]: [u32; 3], [hour, minute, second]: [u32; 3]) -> [u8; 19] {
    // "00" to "99": two digits per lookup instead of a division per digit.
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut text = *b"0000-00-00T00:00:00";
    for (at, number) in [
        (0, year / 100 % 100),
        (2, year % 100),
        (5, month),
        (8, day),
        (11, hour),
        (14, minute),
        (17, second),
    ] {
        let pair = 2 * (number as usize % 100);
        text[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    text
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

/// Any moment in the API's format, through chrono's formatter.
pub fn format(value: &NaiveDateTime) -> String {
    value.format(FORMAT).to_string()
}

/// A `timestamp` column as PostgreSQL sends it: microseconds since 2000-01-01 00:00:00.
///
/// The list decodes its timestamps as this rather than as `NaiveDateTime`, and writes them with
/// [`PgTimestamp::digits`]: chrono's calendar arithmetic, once to decode and again for each of
/// year, month and day when writing, was a tenth of a 400-todo list's CPU. Always within
/// chrono's range (decoding refuses the rest), so [`PgTimestamp::to_naive`] cannot fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgTimestamp {
    micros: i64,
}

const MICROS_PER_DAY: u64 = 86_400_000_000;

/// 2000-01-01, PostgreSQL's epoch, in days from 1970-01-01.
const POSTGRES_EPOCH_DAY: i64 = 10_957;

/// PostgreSQL's epoch in microseconds from -0400-03-01: 730,425 days from 0000-03-01, and one
/// era of 146,097 days before that.
const MICROS_FROM_ERA_START: i64 = (730_425 + 146_097) * 86_400_000_000;

/// `NaiveDateTime::MIN` and `MAX` in microseconds from PostgreSQL's epoch (a test checks them).
const CHRONO_MIN_MICROS: i64 = -8_335_547_913_600_000_000;
const CHRONO_MAX_MICROS: i64 = 8_209_320_191_999_999_999;

impl PgTimestamp {
    fn postgres_epoch() -> NaiveDateTime {
        DateTime::UNIX_EPOCH.naive_utc() + TimeDelta::days(POSTGRES_EPOCH_DAY)
    }

    /// `None` outside chrono's range (PostgreSQL's `infinity`, for one).
    pub fn from_micros(micros: i64) -> Option<Self> {
        (CHRONO_MIN_MICROS..=CHRONO_MAX_MICROS)
            .contains(&micros)
            .then_some(Self { micros })
    }

    pub fn from_naive(moment: &NaiveDateTime) -> Option<Self> {
        (*moment - Self::postgres_epoch())
            .num_microseconds()
            .and_then(Self::from_micros)
    }

    pub fn to_naive(self) -> NaiveDateTime {
        Self::postgres_epoch()
            .checked_add_signed(TimeDelta::microseconds(self.micros))
            .unwrap_or_default()
    }

    /// The moment in the API's format, as [`digits`] writes it, straight from the microseconds.
    pub fn digits(self) -> Option<[u8; 19]> {
        // Counted from -0400-03-01, the start of an era before year 0, so that every year from
        // -400 on is a non-negative count of days and the arithmetic below is on small unsigned
        // numbers.
        let micros = u64::try_from(self.micros.checked_add(MICROS_FROM_ERA_START)?).ok()?;
        let days = u32::try_from(micros / MICROS_PER_DAY).ok()?;
        let second_of_day = u32::try_from(micros % MICROS_PER_DAY / 1_000_000).ok()?;
        let (years_from_era_start, month, day) = civil_from_days(days);
        let year = years_from_era_start.checked_sub(400)?;
        (year <= 9999).then(|| {
            write_digits(
                [year, month, day],
                [
                    second_of_day / 3600,
                    second_of_day / 60 % 60,
                    second_of_day % 60,
                ],
            )
        })
    }
}

/// The proleptic Gregorian date `days` after -0400-03-01, its year counted from -400: Howard
/// Hinnant's `civil_from_days`
/// (<https://howardhinnant.github.io/date_algorithms.html>), which counts in 400-year eras of
/// 146,097 days with years starting on 1 March, so that February's length falls last.
fn civil_from_days(days: u32) -> (u32, u32, u32) {
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // 0 = March .. 11 = February
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u32::from(month <= 2);
    (year, month, day)
}

impl Type<Postgres> for PgTimestamp {
    fn type_info() -> PgTypeInfo {
        <NaiveDateTime as Type<Postgres>>::type_info()
    }
}

impl<'r> Decode<'r, Postgres> for PgTimestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let parsed = match value.format() {
            PgValueFormat::Binary => {
                let bytes = <[u8; 8]>::try_from(value.as_bytes()?)
                    .map_err(|_| "a binary timestamp is 8 bytes")?;
                Self::from_micros(i64::from_be_bytes(bytes))
            }
            PgValueFormat::Text => {
                Self::from_naive(&<NaiveDateTime as Decode<Postgres>>::decode(value)?)
            }
        };
        Ok(parsed.ok_or("a timestamp outside the range the API can write")?)
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
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_range_is_chronos() {
        let chrono_can_hold = |micros: i64| {
            PgTimestamp::postgres_epoch()
                .checked_add_signed(TimeDelta::microseconds(micros))
                .is_some()
        };
        for micros in [CHRONO_MIN_MICROS, CHRONO_MAX_MICROS] {
            assert!(chrono_can_hold(micros));
            assert!(PgTimestamp::from_micros(micros).is_some());
        }
        for micros in [CHRONO_MIN_MICROS - 1, CHRONO_MAX_MICROS + 1] {
            assert!(!chrono_can_hold(micros));
            assert!(PgTimestamp::from_micros(micros).is_none());
        }
    }

    #[test]
    fn the_edges_of_the_years_written_directly_are_written_as_chrono_writes_them() {
        let at = |year: i32, month: u32, day: u32, [hour, minute, second, micro]: [u32; 4]| {
            let moment = NaiveDate::from_ymd_opt(year, month, day)
                .and_then(|date| date.and_hms_micro_opt(hour, minute, second, micro))
                .expect("a valid moment");
            PgTimestamp::from_naive(&moment).expect("in chrono's range")
        };
        let last = [23, 59, 59, 999_999];
        for moment in [
            at(0, 1, 1, [0; 4]),
            at(0, 2, 29, last),
            at(0, 3, 1, [0; 4]),
            at(1, 1, 1, [0; 4]),
            at(1999, 12, 31, last),
            at(2000, 1, 1, [0; 4]),
            at(2000, 2, 29, [12, 0, 0, 0]),
            at(9999, 12, 31, last),
        ] {
            assert!(moment.digits().is_some(), "{moment:?}");
            assert_eq!(moment.digits(), digits(&moment.to_naive()), "{moment:?}");
        }
        for moment in [at(-1, 12, 31, last), at(10_000, 1, 1, [0; 4])] {
            assert_eq!(moment.digits(), None, "{moment:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        /// Every microsecond count chrono can hold, PostgreSQL's whole range
        /// (4713 BC to 294276 AD) included.
        #[test]
        fn microseconds_are_written_as_chrono_writes_them(micros in any::<i64>()) {
            if let Some(moment) = PgTimestamp::from_micros(micros) {
                let naive = moment.to_naive();
                prop_assert_eq!(moment.digits(), digits(&naive));
                prop_assert_eq!(PgTimestamp::from_naive(&naive), Some(moment));
            }
        }

        #[test]
        fn the_years_the_api_accepts_are_written_as_the_format_string(micros in -63_113_904_000_000_000..=252_455_615_999_999_999i64) {
            let moment = PgTimestamp::from_micros(micros).expect("in chrono's range");
            let text = moment.digits().map(|digits| String::from_utf8_lossy(&digits).into_owned());
            prop_assert_eq!(text, Some(format(&moment.to_naive())));
        }
    }

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
