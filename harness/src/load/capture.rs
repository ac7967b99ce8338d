//! What a library prints during one call into it, in this process: its stdout and stderr,
//! captured apart.
//!
//! Owns pointing file descriptors 1 and 2 at two memory files (`memfd`) for exactly the span
//! of one call, and restoring them after, so that a provider's `println!` never lands in the
//! harness's own output (a `--format json` document stays valid JSON). Does not decide where
//! the output is shown (`report` does).
//!
//! Main function: [`around`]. A worker process captures its own way (its stdout is a memory
//! file for good, its stderr the pipe its supervisor reads, where a dying provider's panic
//! message must arrive), and turns this off with [`disable`].
//!
//! What cannot be captured: output the provider's own copy of `std` buffers and writes after
//! the call returns (a `print!` without a newline), and whatever a provider's own threads
//! print between calls. Descriptors 1 and 2 belong to the whole process: whatever another
//! thread of the harness writes during the call (a `tracing` line) is captured with it.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::engine::CallOutput;

/// How much of one stream is kept per call; the rest is counted, not kept.
pub const KEEP_BYTES: u64 = 1024 * 1024;

/// Off in a worker process, which captures for itself.
static ENABLED: AtomicBool = AtomicBool::new(true);

/// The two memory files, made on first use and reused; the lock also keeps two threads
/// from redirecting the descriptors at once.
static FILES: Mutex<Option<Files>> = Mutex::new(None);

/// The memory files, and descriptors 1 and 2 as they were when the first capture began
/// (duplicated once: a capture then costs four `dup2`s and two `lseek`s, not eight calls
/// more; the harness never re-points its own streams).
struct Files {
    stdout: File,
    stderr: File,
    saved: Saved,
}

impl Files {
    fn new() -> io::Result<Files> {
        let make = |name: &str| -> io::Result<File> {
            let fd = rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::CLOEXEC)?;
            Ok(File::from(fd))
        };
        Ok(Files {
            stdout: make("symphony-harness-provider-stdout")?,
            stderr: make("symphony-harness-provider-stderr")?,
            saved: Saved {
                stdout: io::stdout().as_fd().try_clone_to_owned()?,
                stderr: io::stderr().as_fd().try_clone_to_owned()?,
            },
        })
    }
}

/// Duplicates of descriptors 1 and 2 as the harness uses them.
struct Saved {
    stdout: OwnedFd,
    stderr: OwnedFd,
}

/// Turns capturing off for this process (a worker captures for itself).
pub fn disable() {
    ENABLED.store(false, Ordering::SeqCst);
}

/// Descriptors 1 and 2 pointed at the memory files; put back on drop, even if the call
/// unwinds.
struct Redirected<'s> {
    saved: &'s Saved,
}

impl<'s> Redirected<'s> {
    fn to(stdout: &File, stderr: &File, saved: &'s Saved) -> io::Result<Redirected<'s>> {
        rustix::stdio::dup2_stdout(stdout)?;
        let redirected = Redirected { saved };
        // If this fails, dropping `redirected` puts stdout back.
        rustix::stdio::dup2_stderr(stderr)?;
        Ok(redirected)
    }
}

impl Drop for Redirected<'_> {
    fn drop(&mut self) {
        // Whatever the harness itself buffered meanwhile belongs to the capture.
        let _ = io::stdout().flush();
        if let Err(err) = rustix::stdio::dup2_stdout(&self.saved.stdout) {
            tracing::error!("cannot restore stdout after a provider call: {err}");
        }
        if let Err(err) = rustix::stdio::dup2_stderr(&self.saved.stderr) {
            tracing::error!("cannot restore stderr after a provider call: {err}");
        }
    }
}

/// Runs `call` with descriptors 1 and 2 pointed at memory files, and returns what was
/// written to them. When capturing is off, or the memory files cannot be made or pointed
/// at, the call runs as is and the output is empty (why is logged at debug level).
pub fn around<T>(call: impl FnOnce() -> T) -> (T, CallOutput) {
    if !ENABLED.load(Ordering::SeqCst) {
        return (call(), CallOutput::default());
    }
    let mut guard = FILES.lock().unwrap_or_else(PoisonError::into_inner);
    if guard.is_none() {
        match Files::new() {
            Ok(files) => *guard = Some(files),
            Err(err) => tracing::debug!("provider output not captured: no memfd: {err}"),
        }
    }
    let Some(files) = guard.as_mut() else {
        return (call(), CallOutput::default());
    };
    // What the harness wrote before belongs to the harness's stdout.
    let _ = io::stdout().flush();
    // Declared before `redirected`, so dropped after it, with the descriptors back.
    let mut unwinding = DumpOnUnwind { files, armed: true };
    let files = &*unwinding.files;
    let redirected = match Redirected::to(&files.stdout, &files.stderr, &files.saved) {
        Ok(redirected) => redirected,
        Err(err) => {
            unwinding.armed = false;
            tracing::debug!("provider output not captured: {err}");
            return (call(), CallOutput::default());
        }
    };
    let value = call();
    drop(redirected);
    unwinding.armed = false;
    let files = &mut *unwinding.files;
    let output = CallOutput {
        stdout: take(&mut files.stdout),
        stderr: take(&mut files.stderr),
        host: String::new(),
    };
    (value, output)
}

/// If the call unwinds (a provider's panic, on its way to abort the process), writes what
/// was captured to the harness's own stderr, so the panic message is not lost with it.
struct DumpOnUnwind<'f> {
    files: &'f mut Files,
    armed: bool,
}

impl Drop for DumpOnUnwind<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let stdout = take(&mut self.files.stdout);
        let stderr = take(&mut self.files.stderr);
        let mut err = io::stderr();
        let _ = err.write_all(stdout.as_bytes());
        let _ = err.write_all(stderr.as_bytes());
    }
}

/// The text written to `file` (up to [`KEEP_BYTES`], then a note of how much more), which is
/// then emptied for the next call.
pub fn take(file: &mut File) -> String {
    let written = file.stream_position().unwrap_or(0);
    if written == 0 {
        return String::new();
    }
    let mut bytes = Vec::new();
    let read = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| Read::by_ref(file).take(KEEP_BYTES).read_to_end(&mut bytes));
    let mut text = match read {
        Ok(_) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) => format!("(the output could not be read back: {err})"),
    };
    let more = written.saturating_sub(bytes.len() as u64);
    if more > 0 {
        text.push_str(&format!(
            "\n… ({more} more bytes not kept: the harness keeps {KEEP_BYTES} per call)"
        ));
    }
    // Empty for the next call; descriptor 1 or 2 may share this file's offset.
    if let Err(err) = file.set_len(0).and_then(|()| file.rewind()) {
        tracing::debug!("cannot empty the output capture: {err}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_reads_what_was_written_and_empties_the_file() {
        let fd = rustix::fs::memfd_create("t", rustix::fs::MemfdFlags::CLOEXEC).unwrap();
        let mut file = File::from(fd);
        file.write_all(b"hello\n").unwrap();
        assert_eq!(take(&mut file), "hello\n");
        assert_eq!(take(&mut file), "");
        file.write_all(b"again").unwrap();
        assert_eq!(take(&mut file), "again");
    }

    #[test]
    fn take_keeps_a_bounded_part_and_counts_the_rest() {
        let fd = rustix::fs::memfd_create("t", rustix::fs::MemfdFlags::CLOEXEC).unwrap();
        let mut file = File::from(fd);
        let size = usize::try_from(KEEP_BYTES).unwrap() + 10;
        file.write_all(&vec![b'x'; size]).unwrap();
        let text = take(&mut file);
        assert!(text.ends_with("(10 more bytes not kept: the harness keeps 1048576 per call)"));
    }
}
