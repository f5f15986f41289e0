//! The query string of `GET /api/v1/todos`.

use chrono::{NaiveDateTime, TimeDelta, Utc};

use crate::error::ApiError;

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct ListFilter {
    /// `?completed=true|false`
    pub completed: Option<bool>,
    /// `?window=N`: keep todos due at most this long from now (past deadlines included).
    pub due_before: Option<NaiveDateTime>,
}

impl ListFilter {
    /// Unknown parameters are ignored; when one is repeated, the last value wins.
    pub fn from_pairs(pairs: &[(String, String)], now: NaiveDateTime) -> Result<Self, ApiError> {
        let mut filter = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "completed" => filter.completed = Some(parse_completed(value)?),
                "window" => filter.due_before = Some(window_end(value, now)?),
                _ => {}
            }
        }
        Ok(filter)
    }

    pub fn from_pairs_now(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        Self::from_pairs(pairs, Utc::now().naive_utc())
    }
}

fn parse_completed(value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::bad_request("completed must be true or false")),
    }
}

fn window_end(value: &str, now: NaiveDateTime) -> Result<NaiveDateTime, ApiError> {
    let invalid = || ApiError::bad_request("window must be a whole number of days, 0 or more");
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid());
    }
    // A window too large to represent means "any deadline at all".
    let days = value.parse::<i64>().unwrap_or(i64::MAX);
    Ok(TimeDelta::try_days(days)
        .and_then(|window| now.checked_add_signed(window))
        .unwrap_or(NaiveDateTime::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2023, 12, 4)
            .and_then(|d| d.and_hms_opt(14, 0, 0))
            .expect("valid date")
    }

    #[test]
    fn completed_accepts_only_true_and_false() {
        let f = ListFilter::from_pairs(&pairs(&[("completed", "false")]), now()).expect("ok");
        assert_eq!(f.completed, Some(false));
        for bad in ["1", "True", "", "yes"] {
            assert!(ListFilter::from_pairs(&pairs(&[("completed", bad)]), now()).is_err());
        }
    }

    #[test]
    fn window_is_whole_days_from_now() {
        let f = ListFilter::from_pairs(&pairs(&[("window", "2")]), now()).expect("ok");
        assert_eq!(f.due_before, now().checked_add_signed(TimeDelta::days(2)));
        for bad in ["-1", "1.5", "", "two", " 1"] {
            assert!(
                ListFilter::from_pairs(&pairs(&[("window", bad)]), now()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_enormous_window_means_no_upper_bound() {
        let f = ListFilter::from_pairs(&pairs(&[("window", "99999999999999999999999")]), now())
            .expect("ok");
        assert_eq!(f.due_before, Some(NaiveDateTime::MAX));
    }
}
