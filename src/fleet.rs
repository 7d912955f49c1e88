//! Many sources at once: one log per pod or host, read on all cores.
//!
//! Every input is a *source*, named by its file name without `.log`, `.txt`
//! or `.gz` (`pods/a/prof.log.gz` is `prof`), or as the user says
//! (`--source NAME=FILE`, `--source-from-dir DIR` for `DIR/NAME/...`). With
//! more than one source, each is read as a run of its own, on a thread of a
//! pool of `-j N`, into an output of its own that waits in a [`Spill`]
//! (memory up to [`SPILL_MEMORY`], then an anonymous temporary file); the
//! outputs are then written in the order the sources were given. So the
//! output is the same bytes whatever `-j` is, and memory grows with the
//! number of sources being read, not with their size.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use crate::error::{Error, io_message};
use crate::input::Source;

/// How much of one source's output is held in memory before it goes to a
/// temporary file.
pub const SPILL_MEMORY: usize = 1 << 20;

/// An input with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSource {
    /// What rows, lines and pages call it: `pod-a`.
    pub name: String,
    /// Where its bytes come from.
    pub source: Source,
}

impl NamedSource {
    /// `FILE` named by its file name without `.gz`, then `.log` or `.txt`;
    /// standard input is `stdin`.
    pub fn from_source(source: Source) -> NamedSource {
        let name = match &source {
            Source::Stdin => "stdin".to_string(),
            Source::File(path) => name_of(path),
        };
        NamedSource { name, source }
    }

    /// `NAME=FILE`, as `--source` takes it.
    pub fn parse(text: &str) -> Result<NamedSource, String> {
        match text.split_once('=') {
            Some((name, file)) if !name.is_empty() && !file.is_empty() => Ok(NamedSource {
                name: name.to_string(),
                source: Source::from_args(&[PathBuf::from(file)]).remove(0),
            }),
            _ => Err(format!("{text:?} is not NAME=FILE")),
        }
    }

    /// Every file in each directory below `dir`, named by that directory:
    /// `DIR/pod-a/prof.log` is `pod-a`. Sorted by name, then file, so the
    /// order does not depend on the file system.
    pub fn from_dir(dir: &Path) -> Result<Vec<NamedSource>, Error> {
        let listing = |path: &Path| -> Result<Vec<PathBuf>, Error> {
            let entries = std::fs::read_dir(path)
                .map_err(|e| Error::input(path.display().to_string(), io_message(&e)))?;
            let mut paths = Vec::new();
            for entry in entries {
                let entry =
                    entry.map_err(|e| Error::input(path.display().to_string(), io_message(&e)))?;
                paths.push(entry.path());
            }
            paths.sort();
            Ok(paths)
        };
        let mut sources = Vec::new();
        for sub in listing(dir)?.into_iter().filter(|p| p.is_dir()) {
            let name = sub
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            for file in listing(&sub)?.into_iter().filter(|p| p.is_file()) {
                sources.push(NamedSource {
                    name: name.clone(),
                    source: Source::File(file),
                });
            }
        }
        Ok(sources)
    }
}

/// Gathers the sources of one source name into one entry each, in the order
/// their names first appear: a pod's rotated logs (`a/prof.log.1.gz`,
/// `a/prof.log`) are one source. Two different names for the same file are
/// two sources.
pub fn group(sources: Vec<NamedSource>) -> Vec<(String, Vec<Source>)> {
    let mut groups: Vec<(String, Vec<Source>)> = Vec::new();
    for NamedSource { name, source } in sources {
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(source),
            None => groups.push((name, vec![source])),
        }
    }
    groups
}

fn name_of(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let file = file.strip_suffix(".gz").unwrap_or(&file);
    let file = file
        .strip_suffix(".log")
        .or_else(|| file.strip_suffix(".txt"))
        .unwrap_or(file);
    file.to_string()
}

/// One source's output while it waits for its turn: in memory up to
/// [`SPILL_MEMORY`], then in an anonymous temporary file (gone when dropped).
#[derive(Default)]
pub struct Spill {
    memory: Vec<u8>,
    file: Option<File>,
}

impl Spill {
    /// Copies everything written to `out`.
    pub fn copy_to(mut self, out: &mut impl Write) -> io::Result<()> {
        match &mut self.file {
            None => out.write_all(&self.memory),
            Some(file) => {
                file.write_all(&self.memory)?;
                file.seek(SeekFrom::Start(0))?;
                io::copy(file, out).map(drop)
            }
        }
    }

    /// A reader of everything written.
    pub fn into_reader(self) -> io::Result<Box<dyn Read>> {
        let Spill { memory, file } = self;
        match file {
            None => Ok(Box::new(io::Cursor::new(memory))),
            Some(mut file) => {
                file.write_all(&memory)?;
                file.seek(SeekFrom::Start(0))?;
                Ok(Box::new(io::BufReader::new(file)))
            }
        }
    }

    /// Everything written, read back (for tests and small outputs).
    pub fn into_bytes(mut self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.file
            .take()
            .map(|mut f| {
                f.seek(SeekFrom::Start(0))?;
                f.read_to_end(&mut bytes)
            })
            .transpose()?;
        bytes.extend_from_slice(&self.memory);
        Ok(bytes)
    }
}

impl Write for Spill {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.memory.len() + buf.len() > SPILL_MEMORY {
            let file = match &mut self.file {
                Some(file) => file,
                None => self.file.insert(tempfile::tempfile()?),
            };
            file.write_all(&self.memory)?;
            self.memory.clear();
            if buf.len() > SPILL_MEMORY {
                return file.write_all(buf);
            }
        }
        self.memory.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `work` on every item on a pool of `jobs` threads (at least one),
/// and hands the results to `done` in the items' order, each as soon as it
/// and all before it are there. A result waits, finished, until its turn.
pub fn run_in_order<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(R) -> Result<(), Error>,
) -> Result<(), Error> {
    // A panic in `work` is carried to this thread, where it is raised again
    // in its turn, rather than leaving the wait below without an end.
    let results: Vec<Mutex<Option<std::thread::Result<R>>>> =
        items.iter().map(|_| Mutex::new(None)).collect();
    let ready = Condvar::new();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = panic::catch_unwind(AssertUnwindSafe(|| work(item)));
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                    ready.notify_all();
                }
            });
        }
        let mut outcome = Ok(());
        for slot in &results {
            let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
            let result = loop {
                match guard.take() {
                    Some(result) => break result,
                    None => guard = ready.wait(guard).unwrap_or_else(|e| e.into_inner()),
                }
            };
            drop(guard);
            let result = result.unwrap_or_else(|payload| panic::resume_unwind(payload));
            if outcome.is_ok() {
                outcome = done(result);
            }
        }
        outcome
    })
}

/// The number of threads `-j` defaults to: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_log_txt_and_gz() {
        let name = |p: &str| NamedSource::from_source(Source::File(p.into())).name;
        assert_eq!(name("pods/a/prof.log"), "prof");
        assert_eq!(name("pod-a.log.gz"), "pod-a");
        assert_eq!(name("b.txt"), "b");
        assert_eq!(name("c.pb.gz"), "c.pb");
        assert_eq!(NamedSource::from_source(Source::Stdin).name, "stdin");
        let named = NamedSource::parse("api=logs/x.log").unwrap();
        assert_eq!(named.name, "api");
        assert_eq!(named.source, Source::File("logs/x.log".into()));
        assert!(NamedSource::parse("x.log").is_err());
    }

    #[test]
    fn results_come_in_order_whatever_the_threads() {
        let items: Vec<u64> = (0..50).collect();
        for jobs in [1, 2, 7] {
            let mut seen = Vec::new();
            run_in_order(
                &items,
                jobs,
                |&i| {
                    // Later items finish first.
                    std::thread::sleep(std::time::Duration::from_micros(50 - i));
                    i * 2
                },
                |r| {
                    seen.push(r);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_spill_goes_to_a_file_past_its_memory() {
        let mut spill = Spill::default();
        let chunk = vec![b'x'; SPILL_MEMORY / 3 + 1];
        for _ in 0..4 {
            spill.write_all(&chunk).unwrap();
        }
        spill.write_all(b"end").unwrap();
        assert!(spill.file.is_some());
        let bytes = spill.into_bytes().unwrap();
        assert_eq!(bytes.len(), 4 * chunk.len() + 3);
        assert!(bytes.ends_with(b"xend"));
    }
}
