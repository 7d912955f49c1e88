//! `--tz`: the zone in which to read times that carry no offset.
//!
//! `date` prints a zone name (`IST`) that cannot be resolved on its own
//! (India, Israel or Ireland?), and some loggers print no zone at all. Such
//! times keep their wall clock ([`Zone::Named`], [`Zone::Unspecified`]) and
//! compare only among themselves. `--tz` says what they mean: an offset
//! (`+05:30`, `-0800`, `Z`) or an IANA zone (`Asia/Kolkata`), whose rules
//! (summer time) give each wall-clock time its offset. IANA zones come from the
//! system's time zone database, or the copy built into the binary (jiff).

use std::fmt;
use std::str::FromStr;

use super::timestamp::{Timestamp, Zone};

/// A time zone given with `--tz`.
#[derive(Clone)]
pub struct TimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeZone({})", self.name)
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for TimeZone {
    type Err = String;

    fn from_str(text: &str) -> Result<TimeZone, String> {
        let zone = match parse_offset(text) {
            Some(seconds) => jiff::tz::Offset::from_seconds(seconds)
                .map(jiff::tz::TimeZone::fixed)
                .map_err(|e| e.to_string()),
            None => jiff::tz::TimeZone::get(text).map_err(|_| {
                format!(
                    "{text:?} is not a time zone: use an offset (+05:30, -0800, Z) \
                     or an IANA name (Asia/Kolkata, Europe/Dublin)"
                )
            }),
        }?;
        Ok(TimeZone {
            name: text.to_string(),
            zone,
        })
    }
}

impl TimeZone {
    /// `time` with its offset resolved: a time without an offset (or with a
    /// zone name) is read as a wall-clock time in this zone. A time with an
    /// offset is returned as it is.
    pub fn resolve(&self, time: Timestamp) -> Timestamp {
        if let Zone::Offset(_) = time.zone {
            return time;
        }
        let offset = self.offset_at(time.wall).unwrap_or(0);
        Timestamp {
            zone: Zone::Offset(offset),
            ..time
        }
    }

    /// The offset east of UTC, in seconds, of wall-clock time `wall` here;
    /// a time skipped or repeated by a clock change is read as the clock
    /// before the change shows it (RFC 9557's "compatible").
    fn offset_at(&self, wall: i64) -> Option<i32> {
        let civil = jiff::Timestamp::from_second(wall)
            .ok()?
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .datetime();
        let instant = self.zone.to_ambiguous_timestamp(civil).compatible().ok()?;
        i32::try_from(wall - instant.as_second()).ok()
    }
}

/// `Z`, `UTC`, `+05:30`, `+0530`, `-08`: seconds east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    if matches!(text, "Z" | "z" | "UTC" | "GMT") {
        return Some(0);
    }
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|&c| c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn offsets_and_names() {
        assert_eq!(parse_offset("+05:30"), Some(19_800));
        assert_eq!(parse_offset("-0800"), Some(-28_800));
        assert_eq!(parse_offset("-08"), Some(-28_800));
        assert_eq!(parse_offset("Z"), Some(0));
        assert_eq!(parse_offset("+5"), None);
        assert_eq!(parse_offset("+24:00"), None);
        assert!("Mars/Olympus".parse::<TimeZone>().is_err());
    }

    #[test]
    fn wall_clock_times_get_the_zone_offset() {
        let kolkata: TimeZone = "Asia/Kolkata".parse().unwrap();
        let resolved = kolkata.resolve(at("Fri Nov 27 15:13:27 IST 2026"));
        assert_eq!(resolved.to_string(), "2026-11-27T15:13:27+05:30");
        // Summer time: Dublin is +01:00 in July, +00:00 in November.
        let dublin: TimeZone = "Europe/Dublin".parse().unwrap();
        assert_eq!(
            dublin.resolve(at("2026-07-01T12:00:00")).to_string(),
            "2026-07-01T12:00:00+01:00"
        );
        assert_eq!(
            dublin.resolve(at("2026-11-27 12:00:00")).to_string(),
            "2026-11-27T12:00:00Z"
        );
        // A time with an offset keeps it.
        let given = at("2026-11-27T15:13:27-03:00");
        assert_eq!(kolkata.resolve(given), given);
        let fixed: TimeZone = "+05:30".parse().unwrap();
        assert_eq!(
            fixed.resolve(at("2026-11-27T15:13:27")).to_string(),
            "2026-11-27T15:13:27+05:30"
        );
    }
}
