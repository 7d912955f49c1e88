//! debug=2 goroutine dumps, and panic and SIGQUIT tracebacks.
//!
//! Each goroutine's calls and places become a stack (leaf first, arguments
//! ignored); goroutines with the same stack, state and creator become one
//! record whose count is how many there were, keeping the least and most
//! minutes they had waited (none when no goroutine of the group had `, N
//! minutes` in its header). The creator (`created by FUNC [in goroutine N]`,
//! Go 1.19's `created by FUNC`) is not part of the stack, as in debug=1
//! profiles: it is the record's `creator` (its function; its place line is
//! skipped). Frames of ancestors (`[originating from goroutine N]:`) are
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
    /// (stack, state, creator) → the record's index.
    groups: FastMap<(StackId, u32, u32), usize>,
    goroutine: Goroutine,
    /// The dump was cut off (a line without its end), or a call never got
    /// its place line: it is partial.
    pub(super) cut: bool,
}

impl Dump {
    /// Forgets everything, keeping allocations.
    fn clear(&mut self) {
        self.goroutines = 0;
        self.seen.clear();
        self.groups.clear();
        self.goroutine.clear();
        self.goroutine.call.pending = false;
        self.cut = false;
    }
}

/// Where the reading of one goroutine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Step {
    /// No goroutine is being read (before the first header, after a blank line).
    #[default]
    Between,
    /// In the goroutine's stack: calls and their places.
    Stack,
    /// After `created by`: the next place line is the creator's, not a frame.
    Creator,
    /// In an ancestor's stack (`[originating from goroutine N]:`): skipped.
    Ancestors,
}

/// The goroutine being read; its buffers are reused from one to the next.
#[derive(Debug, Default)]
struct Goroutine {
    step: Step,
    state: u32,
    /// The header's `, N minutes`; none when it had none (waited under a minute).
    wait_minutes: Option<u32>,
    /// The interned `created by` function; 0 when none.
    creator: u32,
    frames: Vec<FrameId>,
    call: PendingCall,
    /// Frames were elided.
    truncated: bool,
}

/// The function of a call whose place line has not come yet.
#[derive(Debug, Default)]
struct PendingCall {
    func: Vec<u8>,
    pending: bool,
}

impl PendingCall {
    fn set(&mut self, func: &[u8]) {
        self.func.clear();
        self.func.extend_from_slice(func);
        self.pending = true;
    }

    /// The pending call's function, which is no longer pending.
    fn take(&mut self) -> Option<&[u8]> {
        std::mem::take(&mut self.pending).then_some(&self.func[..])
    }
}

impl Goroutine {
    fn begin(&mut self, header: &Header<'_>, interner: &mut Interner) {
        self.step = Step::Stack;
        self.state = interner.state_bytes(header.state);
        self.wait_minutes = header.wait_minutes;
    }

    /// A call whose place line never came is kept as a frame without a
    /// place; true when there was one (the dump is then cut).
    fn keep_dangling_call(&mut self, interner: &mut Interner) -> bool {
        let Some(func) = self.call.take() else {
            return false;
        };
        let frame = FrameRef {
            func,
            file: b"",
            line: 0,
        };
        self.frames.push(interner.frame(frame));
        true
    }

    /// Takes one line of the stack; false when it does not belong there.
    /// Sets `cut` when a call never got its place.
    #[inline]
    fn take(&mut self, event: Event<'_>, interner: &mut Interner, cut: &mut bool) -> bool {
        match event {
            _ if self.step == Step::Ancestors => {}
            Event::Call(func) => {
                *cut |= self.keep_dangling_call(interner);
                self.call.set(func);
            }
            Event::Place { file, line } if self.step != Step::Creator => {
                let Some(func) = self.call.take() else {
                    return false;
                };
                self.frames
                    .push(interner.frame(FrameRef { func, file, line }));
            }
            Event::Place { .. } => self.step = Step::Stack,
            Event::CreatedBy(func) => {
                self.creator = interner.creator_bytes(func);
                self.step = Step::Creator;
            }
            Event::Elided => self.truncated = true,
            Event::Ancestor => self.step = Step::Ancestors,
            _ => {}
        }
        true
    }

    /// Forgets the goroutine, keeping the buffers.
    fn clear(&mut self) {
        self.step = Step::Between;
        self.frames.clear();
        self.creator = 0;
        self.truncated = false;
    }
}

/// A group's (least, most) minutes waited with one more goroutine's (the
/// group already has one goroutine). None while no goroutine of the group had
/// a wait; once one had, a goroutine without one counts as 0 minutes (the
/// runtime writes `, N minutes` only from the first minute on).
fn join_waits(group: Option<(u32, u32)>, goroutine: Option<u32>) -> Option<(u32, u32)> {
    match (group, goroutine) {
        (None, None) => None,
        (Some((_, most)), None) => Some((0, most)),
        (None, Some(m)) => Some((0, m)),
        (Some((least, most)), Some(m)) => Some((least.min(m), most.max(m))),
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
        let State::Dump(dump) = &mut self.state else {
            return self.unknown(line);
        };
        let goroutine = &mut dump.goroutine;
        if goroutine.step == Step::Between {
            return self.unknown(line);
        }
        if !goroutine.take(event, &mut self.interner, &mut dump.cut) {
            return self.unknown(line);
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
        match &self.state {
            // The same id again: a second dump follows the first.
            State::Dump(dump) if !dump.seen.contains_key(&header.id) => {
                self.end_goroutine();
                self.keep(line);
            }
            _ => self.start_dump(line, consumer)?,
        }
        if let State::Dump(dump) = &mut self.state {
            dump.goroutines += 1;
            dump.seen.insert(header.id, ());
            dump.goroutine.begin(&header, &mut self.interner);
        }
        Ok(())
    }

    fn start_dump(&mut self, line: &Line<'_>, consumer: &mut impl Consumer) -> Result<(), Error> {
        if matches!(self.state, State::Dump(_)) {
            self.finish(consumer)?;
        }
        self.begin_profile(line, consumer)?;
        self.snap.kind = Kind::Goroutine;
        self.snap.sample = Sample::Count;
        let mut dump = std::mem::take(&mut self.spare_dump);
        dump.clear();
        self.state = State::Dump(dump);
        Ok(())
    }

    /// Ends the goroutine being read: adds it to its group.
    pub(super) fn end_goroutine(&mut self) {
        let State::Dump(dump) = &mut self.state else {
            return;
        };
        let goroutine = &mut dump.goroutine;
        if goroutine.step == Step::Between {
            return;
        }
        dump.cut |= goroutine.keep_dangling_call(&mut self.interner);
        let stack = self.interner.stack(&goroutine.frames);
        let minutes = goroutine.wait_minutes;
        let key = (stack, goroutine.state, goroutine.creator);
        match dump.groups.get(&key) {
            Some(&index) => {
                let record = &mut self.snap.records[index];
                record.count += 1;
                record.values[0] += 1;
                record.truncated |= goroutine.truncated;
                record.wait_minutes = join_waits(record.wait_minutes, minutes);
                record.waited += u32::from(minutes.is_some());
            }
            None => {
                dump.groups.insert(key, self.snap.records.len());
                let mut record = Record::new(1, stack);
                record.truncated = goroutine.truncated;
                record.state = goroutine.state;
                record.creator = goroutine.creator;
                record.wait_minutes = minutes.map(|m| (m, m));
                record.waited = u32::from(minutes.is_some());
                self.snap.push_record(record, b"");
            }
        }
        goroutine.clear();
    }

    /// The status of a dump that ends here: partial when it was cut off.
    pub(super) fn dump_status(&mut self) -> Status {
        self.end_goroutine();
        let State::Dump(dump) = &self.state else {
            return Status::Partial;
        };
        self.snap.total = Some(dump.goroutines);
        if dump.cut {
            Status::Partial
        } else {
            Status::Complete
        }
    }
}
