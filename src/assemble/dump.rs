//! debug=2 goroutine dumps, and panic and SIGQUIT tracebacks.
//!
//! Each goroutine's calls and places become a stack (leaf first, arguments
//! ignored); goroutines with the same stack and state become one record whose
//! count is how many there were, keeping the least and most minutes they had
//! waited. The creator (`created by`) is not part of the stack, as in debug=1
//! profiles, and frames of ancestors (`[originating from goroutine N]:`) are
//! skipped. A dump has no header total: its total is its number of
//! goroutines, and it is partial when it was cut off.

use super::{Assembler, Consumer, State};
use crate::error::Error;
use crate::input::event::Event;
use crate::input::goroutine::Header;
use crate::input::line::Line;
use crate::model::{FastMap, FrameId, FrameRef, Interner, Kind, Record, Sample, StackId, Status};

/// The open dump: its groups, and the goroutine being read.
#[derive(Debug, Default)]
pub(super) struct Dump {
    goroutines: u64,
    seen: FastMap<u64, ()>,
    groups: FastMap<(StackId, u32), usize>,
    /// A goroutine is being read.
    open: bool,
    state: u32,
    wait_minutes: u32,
    frames: Vec<FrameId>,
    /// The function of a call whose place line has not come yet (in
    /// `call`, reused), when `has_call`.
    call: Vec<u8>,
    has_call: bool,
    /// The next place line is the creator's, not a frame.
    creator: bool,
    /// Inside an ancestor's stack.
    ancestor: bool,
    truncated: bool,
    /// A call never got its place line.
    dangling: bool,
}

impl Dump {
    /// Forgets everything, keeping allocations.
    pub(super) fn clear(&mut self) {
        let mut seen = std::mem::take(&mut self.seen);
        let mut groups = std::mem::take(&mut self.groups);
        let mut frames = std::mem::take(&mut self.frames);
        let mut call = std::mem::take(&mut self.call);
        seen.clear();
        groups.clear();
        frames.clear();
        call.clear();
        *self = Dump {
            seen,
            groups,
            frames,
            call,
            ..Dump::default()
        };
    }
}

impl Dump {
    /// A call whose place line never came is kept as a frame without a
    /// place, and marks the dump as cut.
    fn keep_dangling_call(&mut self, interner: &mut Interner) {
        if self.has_call {
            self.has_call = false;
            self.dangling = true;
            let frame = FrameRef {
                func: &self.call,
                file: b"",
                line: 0,
            };
            self.frames.push(interner.frame(frame));
        }
    }
}

impl Assembler {
    /// Takes a line of a goroutine dump.
    pub(super) fn on_dump_line(
        &mut self,
        event: Event<'_>,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        if let Event::GoroutineHeader(header) = event {
            return self.on_goroutine_header(header, line, consumer);
        }
        if self.state != State::Dump || !self.dump.open {
            return self.unknown(line);
        }
        let dump = &mut self.dump;
        match event {
            _ if dump.ancestor => {}
            Event::Call(func) => {
                dump.keep_dangling_call(&mut self.interner);
                dump.call.clear();
                dump.call.extend_from_slice(func);
                dump.has_call = true;
            }
            Event::Place { file, line: number } if !dump.creator => {
                if !dump.has_call {
                    return self.unknown(line);
                }
                dump.has_call = false;
                let frame = FrameRef {
                    func: &dump.call,
                    file,
                    line: number,
                };
                dump.frames.push(self.interner.frame(frame));
            }
            Event::Place { .. } => dump.creator = false,
            Event::CreatedBy(_) => dump.creator = true,
            Event::Elided => dump.truncated = true,
            Event::Ancestor => dump.ancestor = true,
            _ => {}
        }
        self.keep(line);
        Ok(())
    }

    fn on_goroutine_header(
        &mut self,
        header: Header<'_>,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        match self.state {
            // The same id again: a second dump follows the first.
            State::Dump if self.dump.seen.contains_key(&header.id) => {
                self.start_dump(line, consumer)?
            }
            State::Dump => {
                self.end_goroutine();
                self.keep(line);
            }
            _ => self.start_dump(line, consumer)?,
        }
        let dump = &mut self.dump;
        dump.goroutines += 1;
        dump.seen.insert(header.id, ());
        dump.open = true;
        dump.state = self.interner.state(&String::from_utf8_lossy(header.state));
        dump.wait_minutes = header.wait_minutes.unwrap_or(0);
        Ok(())
    }

    fn start_dump(&mut self, line: &Line<'_>, consumer: &mut impl Consumer) -> Result<(), Error> {
        if self.state == State::Dump {
            self.finish(consumer)?;
        }
        self.begin_profile(line, consumer)?;
        self.snap.kind = Kind::Goroutine;
        self.snap.sample = Sample::Count;
        self.state = State::Dump;
        Ok(())
    }

    /// Ends the goroutine being read: adds it to its group.
    pub(super) fn end_goroutine(&mut self) {
        let dump = &mut self.dump;
        if !dump.open {
            return;
        }
        dump.keep_dangling_call(&mut self.interner);
        let stack = self.interner.stack(&dump.frames);
        let minutes = dump.wait_minutes;
        match dump.groups.get(&(stack, dump.state)) {
            Some(&index) => {
                let record = &mut self.snap.records[index];
                record.count += 1;
                record.values[0] += 1;
                record.truncated |= dump.truncated;
                let (least, most) = record.wait_minutes.unwrap_or((minutes, minutes));
                record.wait_minutes = Some((least.min(minutes), most.max(minutes)));
            }
            None => {
                dump.groups
                    .insert((stack, dump.state), self.snap.records.len());
                let mut record = Record::new(1, stack);
                record.truncated = dump.truncated;
                record.state = dump.state;
                record.wait_minutes = Some((minutes, minutes));
                self.snap.push_record(record, b"");
            }
        }
        dump.open = false;
        dump.frames.clear();
        dump.creator = false;
        dump.ancestor = false;
        dump.truncated = false;
    }

    /// The status of a dump that ends here: partial when it was cut off.
    pub(super) fn dump_status(&mut self) -> Status {
        self.end_goroutine();
        self.snap.total = Some(self.dump.goroutines);
        if self.cut || self.dump.dangling {
            Status::Partial
        } else {
            Status::Complete
        }
    }
}
