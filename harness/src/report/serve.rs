//! The console of `serve`: what `docker compose up` showed, and more. Each request and its
//! answer, each round of each object with every call, what the provider printed (labelled as
//! the provider's, under its call) and the round's verdict.
//!
//! [`ServeConsole`] is the [`ServeSink`] the command line hands to the server. Every line
//! starts with who it is about (`http`, `target my-target`), as compose prefixes each
//! container's lines; a line is written whole under a lock, so the threads of several objects
//! never mix within a line. A round's calls are written by the [`ReconcilePrinter`] that
//! `reconcile` uses, so both commands show a call the same way.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use super::reconcile::ReconcilePrinter;
use super::style::{ERROR, GOOD, HINT, LABEL, WARN};
use crate::engine::events::EventSink;
use crate::engine::reconcile::{FailedBy, RoundReport};
use crate::serve::events::{ObjectRef, Provisioning, ServeEvent, ServeSink, Trigger};
use crate::serve::status::failure_cause;

/// The output every thread writes to.
type Shared = Arc<Mutex<Box<dyn Write + Send>>>;

fn lock(out: &Shared) -> MutexGuard<'_, Box<dyn Write + Send>> {
    out.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes `serve`'s events for people.
pub struct ServeConsole {
    out: Shared,
}

impl std::fmt::Debug for ServeConsole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConsole").finish_non_exhaustive()
    }
}

impl ServeConsole {
    /// A console writing to `out` (failed writes are dropped: a console that went away does
    /// not stop the server).
    pub fn new(out: Box<dyn Write + Send>) -> ServeConsole {
        ServeConsole {
            out: Arc::new(Mutex::new(out)),
        }
    }

    fn lines(&self, who: &str, text: &str) {
        let mut out = lock(&self.out);
        for line in text.lines() {
            let _ = writeln!(out, "{LABEL}{who} |{LABEL:#} {line}");
        }
        let _ = out.flush();
    }
}

/// A writer that prefixes every line with `who |` and writes it whole to the shared output.
struct Prefixed {
    who: String,
    out: Shared,
    partial: Vec<u8>,
}

impl Write for Prefixed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.partial.extend_from_slice(buf);
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]);
            if text.trim().is_empty() {
                continue;
            }
            let mut out = lock(&self.out);
            let _ = writeln!(out, "{LABEL}{} |{LABEL:#} {text}", self.who);
            let _ = out.flush();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `in 30s`, `in 1.5s`.
fn seconds(duration: std::time::Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0}s")
    } else {
        format!("{secs:.1}s")
    }
}

/// The verdict of a round, in one line (and the lines that explain a failure).
fn round_verdict(
    report: &RoundReport,
    status: Provisioning,
    next: Option<std::time::Duration>,
) -> String {
    let kind = if report.remove { "removal" } else { "round" };
    let counts = format!("applied {}, skipped {}", report.applied, report.skipped);
    let next = match next {
        Some(next) => format!("; next round in {} (poll)", seconds(next)),
        None => String::new(),
    };
    let mut text = match (&report.failure, status) {
        (None, Provisioning::Succeeded) => format!(
            "{GOOD}{kind} {} → Succeeded{GOOD:#} ({counts}{}){next}",
            report.round,
            if report.applied == 0 && !report.remove {
                ", converged"
            } else {
                ""
            }
        ),
        (None, _) => format!(
            "{ERROR}{kind} {} → Failed{ERROR:#}: not every assigned component was deployed \
             ({counts}){next}",
            report.round
        ),
        (Some(failure), _) => format!(
            "{ERROR}{kind} {} → Failed{ERROR:#}: {}{next}",
            report.round,
            failure.describe()
        ),
    };
    if let Some(failure) = &report.failure {
        if let Some(cause) = failure_cause(failure) {
            text.push_str(&format!("\n  {WARN}in Symphony:{WARN:#} {cause}"));
        }
        if let FailedBy::Call(outcome) = failure.outcome {
            text.push_str(&format!("\n  {HINT}hint:{HINT:#} {}", outcome.hint()));
        }
    }
    text
}

impl ServeSink for ServeConsole {
    fn event(&self, event: &ServeEvent<'_>) {
        match event {
            ServeEvent::Listening {
                address,
                release,
                extensions,
                poll,
            } => {
                let poll = match poll {
                    Some(poll) => format!(
                        "rounds when an object is written, then every {} after a failure and {} \
                         after a success (Symphony's poll)",
                        seconds(*poll),
                        seconds(*poll * 2)
                    ),
                    None => "rounds only when an object is written or deleted (`--poll off`)"
                        .to_string(),
                };
                self.lines(
                    "serve",
                    &format!(
                        "listening on http://{address} (Symphony {release} API; the page: \
                         http://{address}/)\n`/extensions/` is `{}`; {poll}\nCtrl-C stops it \
                         (every provider worker with it)",
                        extensions.display()
                    ),
                );
            }
            ServeEvent::Answered {
                method,
                path,
                status,
                note,
            } => {
                let style = if *status < 400 { GOOD } else { ERROR };
                let note = note.map_or(String::new(), |n| format!(": {n}"));
                self.lines(
                    "http",
                    &format!("{method} {path} → {style}{status}{style:#}{note}"),
                );
            }
            ServeEvent::RoundStarted { object, trigger } => {
                let job = match trigger {
                    Trigger::Post => "job published by the POST: reconcile",
                    Trigger::Poll => "job published by the poll: reconcile",
                    Trigger::Delete => "job published by the DELETE: removal",
                };
                self.lines(&object.to_string(), job);
            }
            ServeEvent::JobFailed {
                object,
                trigger,
                message,
            } => self.lines(
                &object.to_string(),
                &format!(
                    "{ERROR}job ({}) failed{ERROR:#}: {message}\nSymphony's job fails the same \
                     way on every poll until the objects change",
                    trigger.as_str()
                ),
            ),
            ServeEvent::RoundFinished {
                object,
                report,
                status,
                next,
                ..
            } => self.lines(&object.to_string(), &round_verdict(report, *status, *next)),
            ServeEvent::Deleted { object } => self.lines(
                &object.to_string(),
                "deleted after its removal: `GET` now answers 404",
            ),
            ServeEvent::Stopped { reason } => self.lines(
                "serve",
                &format!("stopped ({reason}): no request is answered, no provider worker is left"),
            ),
            ServeEvent::Warning { object, message } => {
                let who = object.map_or_else(|| "serve".to_string(), ToString::to_string);
                self.lines(&who, &format!("{WARN}warning:{WARN:#} {message}"));
            }
        }
    }

    fn rounds_of(&self, object: &ObjectRef) -> Box<dyn EventSink> {
        Box::new(ReconcilePrinter::new(Prefixed {
            who: object.to_string(),
            out: Arc::clone(&self.out),
            partial: Vec::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::events::ObjectKind;

    /// A shared buffer the console writes into.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn text(buffer: &Buffer) -> String {
        let bytes = buffer.0.lock().unwrap().clone();
        let raw = String::from_utf8(bytes).unwrap();
        // Styles are dropped as anstream drops them off a terminal.
        String::from_utf8(anstream::adapter::strip_bytes(raw.as_bytes()).into_vec()).unwrap()
    }

    #[test]
    fn every_line_names_who_it_is_about() {
        let buffer = Buffer::default();
        let console = ServeConsole::new(Box::new(buffer.clone()));
        console.event(&ServeEvent::Answered {
            method: "POST",
            path: "/v1alpha2/targets/registry/t",
            status: 200,
            note: Some("stored"),
        });
        let object = ObjectRef {
            kind: ObjectKind::Target,
            namespace: "default".into(),
            name: "t".into(),
        };
        console.event(&ServeEvent::RoundStarted {
            object: &object,
            trigger: Trigger::Post,
        });
        let mut calls = console.rounds_of(&object);
        calls.event(&crate::engine::events::Event::Waited {
            round: 1,
            seconds: 5,
            why: "a\nb".into(),
        });
        let printed = text(&buffer);
        assert!(
            printed.contains("http | POST /v1alpha2/targets/registry/t → 200: stored"),
            "{printed}"
        );
        assert!(
            printed.contains("target t | job published by the POST: reconcile"),
            "{printed}"
        );
        for line in printed.lines() {
            assert!(
                line.starts_with("http |") || line.starts_with("target t |"),
                "{line}"
            );
        }
    }
}
