//! debug=1 profiles made of records: count profiles (goroutine, threadcreate,
//! goroutineleak, custom), heap and allocs, block and mutex.
//!
//! The profile's state ([`Profile`]) lives in `State::Records`: its sums by
//! sample, where in the profile the reading is, and the record being read.
//!
//! Values are scaled the way `go tool pprof` scales these texts, so they
//! agree with it: heap records by the sampling rate (each object of size S
//! was sampled with probability 1-exp(-S/rate)), contention records by the
//! sampling period, their delay from CPU cycles to nanoseconds.

use super::record::RecordBuilder;
use super::{Assembler, Consumer, Detail, State};
use crate::error::Error;
use crate::input::event::Event;
use crate::input::line::Line;
use crate::model::{Kind, Record, Sample, StackId, Status};

/// The open debug=1 profile: its running sums and parameters, where its
/// reading is, and the record being read.
pub(super) struct Profile {
    sums: Sums,
    place: Place,
    record: RecordBuilder,
    /// The profile was cut off (a line without its end).
    pub(super) cut: bool,
}

/// What a profile adds up and is scaled by, by its sample.
enum Sums {
    /// The sum of the records' counts (wide: it cannot overflow).
    Count { counted: u128 },
    /// The header's totals and the records' sums, as printed, and the
    /// sampling rate (half the header's number).
    Heap {
        totals: [u64; 4],
        sums: [u128; 4],
        rate: u64,
    },
    /// `cycles/second=` and `sampling period=`.
    Contention { cycles_per_second: u64, period: u64 },
}

/// Where in its profile the reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// After the header or a record's end.
    Between,
    /// Inside a record: after its `@` line.
    Record,
    /// Inside the `# runtime.MemStats` trailer of a heap profile.
    Trailer,
}

impl Profile {
    /// A profile of `sample` values that has no records yet, reusing `record`'s buffers.
    fn new(sample: Sample, record: RecordBuilder) -> Profile {
        let sums = match sample {
            // CPU and custom profiles are protobuf only; counted like a count profile.
            Sample::Count | Sample::Cpu | Sample::Custom { .. } => Sums::Count { counted: 0 },
            Sample::Heap => Sums::Heap {
                totals: [0; 4],
                sums: [0; 4],
                rate: 0,
            },
            Sample::Contention => Sums::Contention {
                cycles_per_second: 0,
                period: 0,
            },
        };
        Profile {
            sums,
            place: Place::Between,
            record,
            cut: false,
        }
    }

    /// True inside a record, where frame lines belong.
    #[inline]
    pub(super) fn in_record(&self) -> bool {
        self.place == Place::Record
    }

    /// Adds a frame line's text (after `#`) to the record being read.
    #[inline]
    pub(super) fn push_frame(&mut self, text: &[u8], keep_text: bool) {
        self.record.push_frame(text, keep_text);
    }

    /// The record's buffers, for the next profile.
    pub(super) fn into_record(self) -> RecordBuilder {
        self.record
    }

    /// True when the counts reach what the header announced.
    fn whole(&self, total: Option<u64>) -> bool {
        match &self.sums {
            Sums::Count { counted } => Some(*counted) == total.map(u128::from),
            // The in-use columns only: a legacy header counts every
            // allocation in its alloc columns, far above the sampled records.
            Sums::Heap { totals, sums, .. } => {
                sums[..2] == [u128::from(totals[0]), u128::from(totals[1])]
            }
            Sums::Contention { .. } => true,
        }
    }
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
                if let State::Records(Profile {
                    sums:
                        Sums::Heap {
                            totals: header,
                            rate: half,
                            ..
                        },
                    ..
                }) = &mut self.state
                {
                    *header = totals;
                    *half = rate / 2;
                }
                Ok(())
            }
            Event::ContentionHeader { kind } => {
                self.begin_records(Kind::from_name(kind), Sample::Contention, line, consumer)
            }
            Event::Parameter { name, value } => self.on_parameter(name, value, line),
            Event::CountRecord { count, addrs } => {
                self.on_record(Sample::Count, count, [count, 0, 0, 0], addrs, line)
            }
            Event::HeapRecord { values, addrs } => self.on_heap_record(values, addrs, line),
            Event::ContentionRecord {
                cycles,
                count,
                addrs,
            } => {
                let scaled = match &self.state {
                    State::Records(Profile {
                        sums:
                            Sums::Contention {
                                cycles_per_second,
                                period,
                            },
                        ..
                    }) => contention_values(cycles, count, *cycles_per_second, *period),
                    _ => [0; 4],
                };
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
        let record = std::mem::take(&mut self.spare_record);
        self.state = State::Records(Profile::new(sample, record));
        Ok(())
    }

    fn on_parameter(&mut self, name: &[u8], value: u64, line: &Line<'_>) -> Result<(), Error> {
        let State::Records(Profile {
            sums:
                Sums::Contention {
                    cycles_per_second,
                    period,
                },
            place: Place::Between | Place::Trailer,
            ..
        }) = &mut self.state
        else {
            return self.unknown(line);
        };
        match name {
            b"cycles/second" => *cycles_per_second = value,
            _ => *period = value,
        }
        self.keep(line);
        Ok(())
    }

    fn on_heap_record(
        &mut self,
        values: [u64; 4],
        addrs: &[u8],
        line: &Line<'_>,
    ) -> Result<(), Error> {
        let rate = match &self.state {
            State::Records(Profile {
                sums: Sums::Heap { rate, .. },
                ..
            }) => *rate,
            _ => 0,
        };
        let scaled = heap_values(values, rate);
        self.on_record(Sample::Heap, scaled[2], scaled, addrs, line)?;
        if let State::Records(Profile {
            sums: Sums::Heap { sums, .. },
            ..
        }) = &mut self.state
        {
            for (sum, value) in sums.iter_mut().zip(values) {
                *sum += u128::from(value);
            }
        }
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
        let fits = matches!(&self.state, State::Records(p) if p.place != Place::Trailer);
        if !fits || self.snap.sample != sample {
            return self.unknown(line);
        }
        self.end_record();
        let keep_text = self.options.detail == Detail::Stacks;
        if let State::Records(profile) = &mut self.state {
            profile.place = Place::Record;
            profile.record.begin(count, addrs, keep_text);
            profile.record.values = values;
            if let Sums::Count { counted } = &mut profile.sums {
                *counted += u128::from(count);
            }
        }
        self.keep(line);
        Ok(())
    }

    fn on_labels(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        let State::Records(profile) = &mut self.state else {
            return self.unknown(line);
        };
        let in_record = profile.in_record();
        let record = &mut profile.record;
        if !in_record || record.frames != 0 || !record.labels.is_empty() {
            return self.unknown(line);
        }
        record.labels.extend_from_slice(text);
        self.keep(line);
        Ok(())
    }

    fn on_frame(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        let State::Records(profile) = &mut self.state else {
            return self.unknown(line);
        };
        if !profile.in_record() {
            return self.unknown(line);
        }
        if line.terminated {
            // An unterminated frame line was cut: its columns cannot be trusted.
            profile.push_frame(text, self.options.detail == Detail::Stacks);
        }
        self.keep(line);
        Ok(())
    }

    /// `# runtime.MemStats` and the `# Name = value` lines after it.
    fn on_comment(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        let place = match &self.state {
            State::Records(
                p @ Profile {
                    sums: Sums::Heap { .. },
                    ..
                },
            ) => p.place,
            _ => return self.unknown(line),
        };
        if text == b"runtime.MemStats" {
            self.end_record();
            if let State::Records(profile) = &mut self.state {
                profile.place = Place::Trailer;
            }
        } else if let (Place::Trailer, Some(eq)) = (place, memchr::memmem::find(text, b" = ")) {
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
        if !self.end_record() {
            return Ok(());
        }
        let State::Records(profile) = &self.state else {
            return Ok(());
        };
        let counted = matches!(profile.sums, Sums::Count { .. });
        if counted && profile.whole(self.snap.total) && !profile.cut {
            return self.emit(Status::Complete, consumer);
        }
        Ok(())
    }

    /// The status of a debug=1 profile that ends here.
    pub(super) fn profile_status(&mut self) -> Status {
        self.end_record();
        match &self.state {
            State::Records(profile) if profile.whole(self.snap.total) && !profile.cut => {
                Status::Complete
            }
            _ => Status::Partial,
        }
    }

    /// Ends the record being read, if any: adds it to the snapshot. False
    /// when no record was open.
    fn end_record(&mut self) -> bool {
        let State::Records(profile) = &mut self.state else {
            return false;
        };
        if profile.place != Place::Record {
            return false;
        }
        profile.place = Place::Between;
        let builder = &profile.record;
        let mut record = Record::new(builder.count, StackId::EMPTY);
        record.values = builder.values;
        if self.options.detail == Detail::Stacks {
            let resolved = self.cache.resolve(builder.block(), &mut self.interner);
            record.stack = resolved.stack;
            record.truncated = resolved.truncated;
        }
        self.snap.push_record(record, &builder.labels);
        true
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
