//! Timestamp lines: what `date` prints between profiles in a gathering log.
//!
//! Recognised (whole line, surrounding spaces ignored):
//! - `date` in the C locale: `Wed Dec 31 13:49:53 IST 2025`, any zone name or
//!   none, a numeric zone (`+0530`, `-03`), single-digit days padded with a space;
//! - RFC 3339 / `date -Iseconds` / `date --rfc-3339`: `2026-11-27T15:14:40+05:30`,
//!   `T` or a space, an optional fraction (`.` or `,`), `Z` or `±HH:MM`, `±HHMM`, `±HH`,
//!   or no offset; `date -I` (a date alone) means midnight;
//! - RFC 2822 / `date -R`: `Fri, 27 Nov 2026 15:13:27 +0530`;
//! - `date +%s`: 9 to 11 digits, optionally with a fraction (`date +%s.%N`).
//!
//! Zone names are not resolved (`IST` is India, Israel or Ireland): such a time
//! keeps its wall clock and has no offset. `UTC`, `GMT`, `UT` and `Z` mean offset 0.
//! No allocation, no locale, no dependency.

use std::cmp::Ordering;
use std::fmt;

/// What a timestamp said about its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A known offset from UTC, in seconds east.
    Offset(i32),
    /// A zone name that is not resolved (`IST`, `CET`): wall clock only.
    Named,
    /// No zone at all: wall clock only.
    Unspecified,
}

/// A parsed timestamp line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// The wall-clock reading as seconds since 1970-01-01T00:00:00 of that clock.
    pub wall: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// The zone, if the line gave one.
    pub zone: Zone,
}

impl Timestamp {
    /// Parses a whole line as a timestamp; `None` when it is not one.
    pub fn parse(line: &[u8]) -> Option<Timestamp> {
        let line = line.trim_ascii();
        match line.first()? {
            b'0'..=b'9' => parse_rfc3339(line).or_else(|| parse_epoch(line)),
            b'A'..=b'Z' => parse_ctime(line).or_else(|| parse_rfc2822(line)),
            _ => None,
        }
    }

    /// Where a timestamp starts that was glued to the end of a cut-off line
    /// (`\t/usr/local/go/src/net/http/serFri Nov 27 15:14:19 IST 2026`: the
    /// profile was cut without a newline, and `date` wrote right after it).
    /// Only `date` and RFC 3339 forms are looked for: digits glued to digits
    /// cannot be told apart. A cheap test of the line's last bytes comes first.
    #[inline]
    pub fn find_glued(line: &[u8]) -> Option<usize> {
        // Called for every line: decide from the last bytes first, inline.
        let n = line.len();
        if n < 21 {
            return None;
        }
        let ctime = line[n - 5] == b' ' && line[n - 4..].iter().all(u8::is_ascii_digit);
        let rfc3339 = (line[n - 1] == b'Z' && line[n - 4] == b':' && line[n - 7] == b':')
            || (line[n - 3] == b':' && matches!(line[n - 6], b'+' | b'-') && line[n - 9] == b':');
        if !ctime && !rfc3339 {
            return None;
        }
        Timestamp::find_glued_at(line, ctime)
    }

    fn find_glued_at(line: &[u8], ctime: bool) -> Option<usize> {
        let n = line.len();
        // Only spaces before it: an indented timestamp line, not a glued one.
        let from = n
            .saturating_sub(36)
            .max(line.iter().position(|b| !b.is_ascii_whitespace())? + 1);
        (from..n - 9).find(|&at| {
            let starts = if ctime {
                line[at].is_ascii_uppercase()
            } else {
                line[at].is_ascii_digit()
            };
            // A date starts with a letter: any byte may come before it. Digits
            // glued to digits cannot be told apart.
            let apart = ctime || !line[at - 1].is_ascii_digit();
            starts && apart && Timestamp::parse(&line[at..]).is_some()
        })
    }

    /// Seconds and nanoseconds since the Unix epoch; a time without an offset
    /// is taken as UTC, so such times compare correctly only among themselves.
    pub fn instant(&self) -> (i64, u32) {
        match self.zone {
            Zone::Offset(offset) => (self.wall - i64::from(offset), self.nanos),
            Zone::Named | Zone::Unspecified => (self.wall, self.nanos),
        }
    }

    /// Seconds from `earlier` to `self`, as a float.
    pub fn seconds_since(&self, earlier: &Timestamp) -> f64 {
        let (s1, n1) = self.instant();
        let (s0, n0) = earlier.instant();
        (s1 - s0) as f64 + (f64::from(n1) - f64::from(n0)) / 1e9
    }

    /// Orders by instant (see [`instant`](Self::instant)).
    pub fn cmp_instant(&self, other: &Timestamp) -> Ordering {
        self.instant().cmp(&other.instant())
    }
}

impl fmt::Display for Timestamp {
    /// ISO 8601: `2026-11-27T15:13:27`, a fraction if non-zero, then `Z` or
    /// `+05:30` when the offset is known, nothing when it is not.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.wall.div_euclid(86_400);
        let secs = self.wall.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if self.nanos != 0 {
            let digits = format!("{:09}", self.nanos);
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        match self.zone {
            Zone::Offset(0) => f.write_str("Z"),
            Zone::Offset(o) => {
                let sign = if o < 0 { '-' } else { '+' };
                let o = o.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", o / 3600, o / 60 % 60)
            }
            Zone::Named | Zone::Unspecified => Ok(()),
        }
    }
}

const WEEKDAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `Wed Dec 31 13:49:53 IST 2025`, `Thu Jan  1 00:00:00 1970`.
fn parse_ctime(line: &[u8]) -> Option<Timestamp> {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    if !WEEKDAYS.contains(&words.next()?) {
        return None;
    }
    let month = month_number(words.next()?)?;
    let day = number(words.next()?, 1, 2)?;
    let (h, m, s, nanos) = clock(words.next()?)?;
    let mut next = words.next()?;
    let mut zone = Zone::Unspecified;
    if !(next.len() == 4 && next.iter().all(u8::is_ascii_digit)) {
        zone = zone_word(next)?;
        next = words.next()?;
    }
    let year = number(next, 4, 4)?;
    if words.next().is_some() {
        return None;
    }
    build(year, month, day, (h, m, s), nanos, zone)
}

/// `Fri, 27 Nov 2026 15:13:27 +0530`.
fn parse_rfc2822(line: &[u8]) -> Option<Timestamp> {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let weekday = words.next()?.strip_suffix(b",")?;
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }
    let day = number(words.next()?, 1, 2)?;
    let month = month_number(words.next()?)?;
    let year = number(words.next()?, 4, 4)?;
    let (h, m, s, nanos) = clock(words.next()?)?;
    let zone = zone_word(words.next()?)?;
    if words.next().is_some() {
        return None;
    }
    build(year, month, day, (h, m, s), nanos, zone)
}

/// `2026-11-27T15:14:40+05:30`, `2026-11-27 15:14:40.5Z`, `2026-11-27`.
fn parse_rfc3339(line: &[u8]) -> Option<Timestamp> {
    if line.len() < 10 || line[4] != b'-' || line[7] != b'-' {
        return None;
    }
    let year = number(&line[..4], 4, 4)?;
    let month = number(&line[5..7], 2, 2)?;
    let day = number(&line[8..10], 2, 2)?;
    let rest = &line[10..];
    if rest.is_empty() {
        return build(year, month, day, (0, 0, 0), 0, Zone::Unspecified);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return None;
    }
    let rest = &rest[1..];
    let split = rest
        .iter()
        .position(|&b| matches!(b, b'Z' | b'z' | b'+' | b'-'))
        .unwrap_or(rest.len());
    let (h, m, s, nanos) = clock(&rest[..split])?;
    let zone = match &rest[split..] {
        b"" => Zone::Unspecified,
        offset => zone_word(offset)?,
    };
    build(year, month, day, (h, m, s), nanos, zone)
}

/// `1795772723`, `1795772723.123456789`.
fn parse_epoch(line: &[u8]) -> Option<Timestamp> {
    let (secs, frac) = match line.iter().position(|&b| b == b'.' || b == b',') {
        Some(i) => (&line[..i], Some(&line[i + 1..])),
        None => (line, None),
    };
    let wall = i64::from(number(secs, 9, 11)?);
    let nanos = match frac {
        Some(frac) => fraction(frac)?,
        None => 0,
    };
    Some(Timestamp {
        wall,
        nanos,
        zone: Zone::Offset(0),
    })
}

/// `HH:MM:SS`, `HH:MM:SS.fff`, `HH:MM`.
fn clock(text: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let (hms, frac) = match text.iter().position(|&b| b == b'.' || b == b',') {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut parts = hms.split(|&b| b == b':');
    let h = number(parts.next()?, 2, 2)?;
    let m = number(parts.next()?, 2, 2)?;
    let s = match parts.next() {
        Some(s) => number(s, 2, 2)?,
        None if frac.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let nanos = match frac {
        Some(frac) => fraction(frac)?,
        None => 0,
    };
    Some((h, m, s, nanos))
}

/// A zone word: a name of letters, `Z`/`UTC`/`GMT`/`UT`, or `±HH[:]MM` / `±HH`.
fn zone_word(word: &[u8]) -> Option<Zone> {
    match word {
        b"Z" | b"z" | b"UTC" | b"GMT" | b"UT" => return Some(Zone::Offset(0)),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [a, b] => (number(&[*a, *b], 2, 2)?, 0),
                [a, b, c, d] | [a, b, b':', c, d] => {
                    (number(&[*a, *b], 2, 2)?, number(&[*c, *d], 2, 2)?)
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let offset = (h * 3600 + m * 60) as i32;
            return Some(Zone::Offset(if *sign == b'-' { -offset } else { offset }));
        }
        _ => {}
    }
    let name_ok = (2..=6).contains(&word.len()) && word.iter().all(u8::is_ascii_alphabetic);
    name_ok.then_some(Zone::Named)
}

fn month_number(word: &[u8]) -> Option<u32> {
    MONTHS.iter().position(|&m| m == word).map(|i| i as u32 + 1)
}

/// Parses `min..=max` ASCII digits.
fn number(text: &[u8], min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    text.iter().try_fold(0u32, |n, &b| {
        n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

/// 1 to 9 fraction digits as nanoseconds.
fn fraction(digits: &[u8]) -> Option<u32> {
    let value = number(digits, 1, 9)?;
    Some(value * 10u32.pow(9 - digits.len() as u32))
}

fn build(
    year: u32,
    month: u32,
    day: u32,
    (h, m, s): (u32, u32, u32),
    nanos: u32,
    zone: Zone,
) -> Option<Timestamp> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let wall = days * 86_400 + i64::from(h * 3600 + m * 60 + s);
    Some(Timestamp { wall, nanos, zone })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_format() {
        let cases: &[(&str, &str)] = &[
            ("Fri Nov 27 15:13:27 IST 2026", "2026-11-27T15:13:27"),
            ("Wed Dec 31 13:49:53 IST 2025", "2025-12-31T13:49:53"),
            ("Thu Jan  1 00:00:00 UTC 1970", "1970-01-01T00:00:00Z"),
            (
                "Thu Jan  1 05:30:00 +0530 1970",
                "1970-01-01T05:30:00+05:30",
            ),
            ("Sat Feb 29 23:59:59 2020", "2020-02-29T23:59:59"),
            ("Fri Nov 27 15:13:27 GMT 2026", "2026-11-27T15:13:27Z"),
            ("2026-11-27T15:14:40+05:30", "2026-11-27T15:14:40+05:30"),
            ("2026-11-27T15:14:40Z", "2026-11-27T15:14:40Z"),
            ("2026-11-27 15:14:40-03:00", "2026-11-27T15:14:40-03:00"),
            (
                "2026-11-27T15:14:40,250000000+0530",
                "2026-11-27T15:14:40.25+05:30",
            ),
            ("2026-11-27T15:14:40", "2026-11-27T15:14:40"),
            ("2026-11-27T15:14+05", "2026-11-27T15:14:00+05:00"),
            ("2026-11-27", "2026-11-27T00:00:00"),
            (
                "Fri, 27 Nov 2026 15:13:27 +0530",
                "2026-11-27T15:13:27+05:30",
            ),
            ("Fri, 27 Nov 2026 15:13:27 GMT", "2026-11-27T15:13:27Z"),
            ("1795772723", "2026-11-27T09:45:23Z"),
            ("1795772723.5", "2026-11-27T09:45:23.5Z"),
            ("  1795772723  ", "2026-11-27T09:45:23Z"),
        ];
        for (line, iso) in cases {
            let ts = Timestamp::parse(line.as_bytes()).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(ts.to_string(), *iso, "{line}");
        }
    }

    #[test]
    fn rejects_lookalikes() {
        let cases = [
            "",
            "goroutine profile: total 55",
            "10 @ 0x48c9ea 0x418c9c",
            "Unknown profile",
            "Fri Nov 32 15:13:27 IST 2026",
            "Fri Feb 29 15:13:27 IST 2026",
            "Fri Nov 27 24:13:27 IST 2026",
            "Fri Nov 27 15:13:27 IST 2026 extra",
            "Fri Nov 27 15:13:27 I$T 2026",
            "Foo Nov 27 15:13:27 IST 2026",
            "2026-13-01T00:00:00Z",
            "2026-11-27T15:14:40+25:00",
            "2026-11-27T15:14:40+05:3",
            "12345678",
            "123456789012",
            "1795772723.",
            "seconds and debug params are incompatible",
        ];
        for line in cases {
            assert_eq!(Timestamp::parse(line.as_bytes()), None, "{line:?}");
        }
    }

    #[test]
    fn finds_timestamps_glued_to_cut_lines() {
        let cases: &[(&str, Option<usize>)] = &[
            (
                "\t/usr/local/go/src/net/http/serFri Nov 27 15:14:19 IST 2026",
                Some(31),
            ),
            (
                "#\t0x6b9d7b\tmain.(*Category).indexDepthFri Nov 27 15:14:19 IST 2026",
                Some(38),
            ),
            ("10 @ 0x48c9ea 0x4182026-11-27T15:14:40+05:30", None),
            ("10 @ 0x48c9ea 0x418cx2026-11-27T15:14:40+05:30", Some(21)),
            ("main.f(0x1)2026-11-27T09:14:40Z", Some(11)),
            ("Fri Nov 27 15:14:19 IST 2026", None),
            ("goroutine 4Fri Nov 27 15:14:19 IST 2026", Some(11)),
            (" Fri Nov 27 15:14:19 IST 2026", None),
            ("\r\tFri Nov 27 15:14:19 IST 2026", None),
            (
                "#\t0x6bc0f6\tmain.(*Server).quote+0x96\t/home/dev/shop/server.go:75",
                None,
            ),
            ("\t/usr/local/go/src/runtime/proc.go:1985", None),
            ("# MaxRSS = 15769600 2026", None),
        ];
        for (line, expected) in cases {
            assert_eq!(
                Timestamp::find_glued(line.as_bytes()),
                *expected,
                "{line:?}"
            );
        }
    }

    #[test]
    fn seconds_since_uses_offsets() {
        let a = Timestamp::parse(b"2026-11-27T15:00:00+05:30").unwrap();
        let b = Timestamp::parse(b"2026-11-27T09:31:00Z").unwrap();
        assert_eq!(b.seconds_since(&a), 60.0);
        let c = Timestamp::parse(b"Fri Nov 27 15:13:27 IST 2026").unwrap();
        let d = Timestamp::parse(b"Fri Nov 27 15:13:29 IST 2026").unwrap();
        assert_eq!(d.seconds_since(&c), 2.0);
        assert_eq!(c.cmp_instant(&d), Ordering::Less);
    }

    #[test]
    fn civil_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
