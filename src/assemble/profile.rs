//! debug=1 profiles made of records: count profiles (goroutine, threadcreate,
//! goroutineleak, custom), heap and allocs, block and mutex.
//!
//! Values are scaled the way `go tool pprof` scales these texts, so they
//! agree with it: heap records by the sampling rate (each object of size S
//! was sampled with probability 1-exp(-S/rate)), contention records by the
//! sampling period, their delay from CPU cycles to nanoseconds.

use super::{Assembler, Consumer, Detail, State};
use crate::error::Error;
use crate::input::event::Event;
use crate::input::line::Line;
use crate::model::{Kind, Record, Sample, StackId, Status};

/// The open profile's running sums and parameters.
#[derive(Debug, Default)]
pub(super) struct Profile {
    /// Count profiles: the sum of the records' counts (wide: it cannot overflow).
    counted: u128,
    /// Heap profiles: the header's totals and the records' sums, as printed.
    heap_totals: [u64; 4],
    heap_sums: [u128; 4],
    /// Heap profiles: the sampling rate (half the header's number).
    rate: u64,
    /// Contention profiles: `cycles/second=` and `sampling period=`.
    cycles_per_second: u64,
    period: u64,
    /// Inside the `# runtime.MemStats` trailer.
    trailer: bool,
}

impl Assembler {
    /// Takes a line of a debug=1 profile.
    pub(super) fn on_profile_line(
        &mut self,
        event: Event<'_>,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        match event {
            Event::CountHeader { name, total } => {
                let kind = Kind::from_name(&String::from_utf8_lossy(name));
                self.begin_records(kind, Sample::Count, line, consumer)?;
                self.snap.total = Some(total);
                if total == 0 && line.terminated {
                    return self.emit(Status::Complete, consumer);
                }
                Ok(())
            }
            Event::HeapHeader { totals, rate } => {
                self.begin_records(Kind::Heap, Sample::Heap, line, consumer)?;
                self.profile.heap_totals = totals;
                self.profile.rate = rate / 2;
                Ok(())
            }
            Event::ContentionHeader { kind } => {
                self.begin_records(Kind::from_name(kind), Sample::Contention, line, consumer)
            }
            Event::Parameter { name, value } => self.on_parameter(name, value, line),
            Event::CountRecord { count, addrs } => {
                self.on_record(Sample::Count, count, [count, 0, 0, 0], addrs, line)
            }
            Event::HeapRecord { values, addrs } => {
                let scaled = heap_values(values, self.profile.rate);
                self.on_record(Sample::Heap, scaled[2], scaled, addrs, line)?;
                for (sum, value) in self.profile.heap_sums.iter_mut().zip(values) {
                    *sum += u128::from(value);
                }
                Ok(())
            }
            Event::ContentionRecord {
                cycles,
                count,
                addrs,
            } => {
                let profile = &self.profile;
                let scaled =
                    contention_values(cycles, count, profile.cycles_per_second, profile.period);
                self.on_record(Sample::Contention, scaled[0], scaled, addrs, line)
            }
            Event::Labels(text) => self.on_labels(text, line),
            Event::Frame(text) => self.on_frame(text, line),
            Event::Comment(text) => self.on_comment(text, line),
            _ => self.unknown(line),
        }
    }

    fn begin_records(
        &mut self,
        kind: Kind,
        sample: Sample,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        self.begin_profile(line, consumer)?;
        self.snap.kind = kind;
        self.snap.sample = sample;
        self.state = State::Records;
        Ok(())
    }

    fn on_parameter(&mut self, name: &[u8], value: u64, line: &Line<'_>) -> Result<(), Error> {
        if self.state != State::Records
            || self.snap.sample != Sample::Contention
            || self.record.open
        {
            return self.unknown(line);
        }
        match name {
            b"cycles/second" => self.profile.cycles_per_second = value,
            _ => self.profile.period = value,
        }
        self.keep(line);
        Ok(())
    }

    fn on_record(
        &mut self,
        sample: Sample,
        count: u64,
        values: [u64; 4],
        addrs: &[u8],
        line: &Line<'_>,
    ) -> Result<(), Error> {
        if self.state != State::Records || self.snap.sample != sample || self.profile.trailer {
            return self.unknown(line);
        }
        self.end_record()?;
        self.record
            .begin(count, addrs, self.options.detail == Detail::Stacks);
        self.record.values = values;
        self.profile.counted += u128::from(count);
        self.keep(line);
        Ok(())
    }

    fn on_labels(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        let fits = self.state == State::Records && self.record.open && self.record.frames == 0;
        if !fits || !self.record.labels.is_empty() {
            return self.unknown(line);
        }
        self.record.labels.extend_from_slice(text);
        self.keep(line);
        Ok(())
    }

    fn on_frame(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        if self.state != State::Records || !self.record.open {
            return self.unknown(line);
        }
        self.keep(line);
        if line.terminated {
            // An unterminated frame line was cut: its columns cannot be trusted.
            let keep_text = self.options.detail == Detail::Stacks;
            self.record.push_frame(text, keep_text);
        }
        Ok(())
    }

    /// `# runtime.MemStats` and the `# Name = value` lines after it.
    fn on_comment(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        if self.state != State::Records || self.snap.sample != Sample::Heap {
            return self.unknown(line);
        }
        if text == b"runtime.MemStats" {
            self.end_record()?;
            self.profile.trailer = true;
        } else if let (true, Some(eq)) = (self.profile.trailer, memchr::memmem::find(text, b" = "))
        {
            let name = String::from_utf8_lossy(&text[..eq]).into_owned();
            let value = String::from_utf8_lossy(&text[eq + 3..]).into_owned();
            self.snap.memstats.push((name, value));
        } else {
            return self.unknown(line);
        }
        self.keep(line);
        Ok(())
    }

    /// A blank line ends a record; a count profile whose counts reach its
    /// total is complete right then.
    pub(super) fn profile_blank(
        &mut self,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        self.keep(line);
        if !self.record.open {
            return Ok(());
        }
        self.end_record()?;
        let whole = self.snap.sample == Sample::Count
            && Some(self.profile.counted) == self.snap.total.map(u128::from);
        if whole && !self.cut {
            return self.emit(Status::Complete, consumer);
        }
        Ok(())
    }

    /// The status of a debug=1 profile that ends here.
    pub(super) fn profile_status(&mut self) -> Result<Status, Error> {
        self.end_record()?;
        let whole = match self.snap.sample {
            Sample::Count => Some(self.profile.counted) == self.snap.total.map(u128::from),
            Sample::Heap => self.profile.heap_sums == self.profile.heap_totals.map(u128::from),
            Sample::Contention => true,
        };
        Ok(if whole && !self.cut {
            Status::Complete
        } else {
            Status::Partial
        })
    }

    pub(super) fn end_record(&mut self) -> Result<(), Error> {
        if !self.record.open {
            return Ok(());
        }
        self.record.open = false;
        let mut record = Record::new(self.record.count, StackId::EMPTY);
        record.values = self.record.values;
        if self.options.detail == Detail::Stacks {
            let resolved = self.cache.resolve(self.record.block(), &mut self.interner);
            record.stack = resolved.stack;
            record.truncated = resolved.truncated;
        }
        let labels = std::mem::take(&mut self.record.labels);
        self.snap.push_record(record, &labels);
        self.record.labels = labels;
        Ok(())
    }
}

/// A heap record's values as pprof reports them: alloc_objects, alloc_space,
/// inuse_objects, inuse_space, each pair unsampled at `rate`.
fn heap_values(
    [inuse_objects, inuse_bytes, alloc_objects, alloc_bytes]: [u64; 4],
    rate: u64,
) -> [u64; 4] {
    let (ao, ab) = unsample(alloc_objects, alloc_bytes, rate);
    let (io, ib) = unsample(inuse_objects, inuse_bytes, rate);
    [ao, ab, io, ib]
}

/// pprof's `scaleHeapSample`: divides by the probability 1-exp(-avg/rate)
/// that an object of the average size was sampled.
fn unsample(count: u64, size: u64, rate: u64) -> (u64, u64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let average = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-average / rate as f64).exp());
    ((count as f64 * scale) as u64, (size as f64 * scale) as u64)
}

/// A contention record's values as pprof reports them: contentions, and the
/// delay in nanoseconds, both times the sampling period (1 when not given).
fn contention_values(cycles: u64, count: u64, cycles_per_second: u64, period: u64) -> [u64; 4] {
    let period = period.max(1);
    let delay = if cycles_per_second > 0 {
        let gigahertz = cycles_per_second as f64 / 1e9;
        (cycles as f64 * period as f64 / gigahertz) as u64
    } else {
        cycles.saturating_mul(period)
    };
    [count.saturating_mul(period), delay, 0, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_agrees_with_pprof() {
        // From go tool pprof -raw on the fixtures' Go 1.27 heap and block profiles.
        assert_eq!(heap_values([0, 0, 1, 176], 524288), [2979, 524376, 0, 0]);
        assert_eq!(heap_values([0, 0, 1, 16], 524288), [32768, 524296, 0, 0]);
        assert_eq!(heap_values([3, 1280, 3, 1280], 1), [3, 1280, 3, 1280]);
        assert_eq!(
            contention_values(950993052523, 31940, 2596122118, 0),
            [31940, 366312911834, 0, 0]
        );
        assert_eq!(contention_values(10, 2, 0, 5), [10, 50, 0, 0]);
    }
}
