//! The header of a directory-store device: one fixed-width line at the start of its lock file.
//!
//! It holds what changes on every call, so that a call rewrites a few bytes in place instead of
//! the device's state: the call counter, the state document's version and length, a state
//! document waiting to be copied in (`pending`), and how much of the journal is committed. It
//! is text, so `cat <device>.lock` shows it:
//!
//! ```text
//! symphony-sim-store/1 calls=00000000000000000003 version=00000000000000000002 state=00000000000000000512 pending=00000000000000000000 journal=00000000000000000231 entries=00000000000000000003
//! ```
//!
//! Every number has 20 digits, so the line keeps its length and one `pwrite` replaces it
//! whole: writing the header is the commit point of a transaction ([`super::dir`]).

/// The line's first word: the header format.
const MAGIC: &str = "symphony-sim-store/1";

/// The names of the numbers, in order.
const FIELDS: [&str; 6] = ["calls", "version", "state", "pending", "journal", "entries"];

/// The header line's length in bytes: the magic, then ` name=` and 20 digits per field, then
/// a newline.
pub(super) const LENGTH: usize = MAGIC.len() + FIELD_LENGTHS + 1;

const FIELD_LENGTHS: usize = (1 + 1 + 20) * FIELDS.len() + NAME_LENGTHS;
const NAME_LENGTHS: usize = 5 + 7 + 5 + 7 + 7 + 7;

/// A device's committed counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Header {
    /// How many `get`/`apply` calls reached the device.
    pub calls: u64,
    /// Bumped whenever the state document (components, faults) changes: a process may keep
    /// the document it read for as long as the version stays.
    pub version: u64,
    /// The length of the state document at the start of `<device>.json`; the rest of the
    /// file, if any, is spaces.
    pub state: u64,
    /// The length of a committed state document in `.<device>.next` not yet copied into
    /// `<device>.json` (0: none): a transaction died between its commit and the copy.
    pub pending: u64,
    /// How many bytes of `<device>.journal` are committed.
    pub journal: u64,
    /// How many entries (lines) those bytes hold.
    pub entries: u64,
}

impl Header {
    fn values(&self) -> [u64; 6] {
        [
            self.calls,
            self.version,
            self.state,
            self.pending,
            self.journal,
            self.entries,
        ]
    }

    /// The header line.
    pub fn render(&self) -> Vec<u8> {
        let mut line = Vec::with_capacity(LENGTH);
        line.extend_from_slice(MAGIC.as_bytes());
        for (name, value) in FIELDS.iter().zip(self.values()) {
            line.push(b' ');
            line.extend_from_slice(name.as_bytes());
            line.push(b'=');
            // 20 digits, zero-padded (written by hand: this runs on every call).
            let mut digits = [b'0'; 20];
            let mut rest = value;
            for digit in digits.iter_mut().rev() {
                *digit = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            line.extend_from_slice(&digits);
        }
        line.push(b'\n');
        line
    }

    /// Reads a header line; `Ok(None)` for an empty file (a device without a header yet).
    pub fn parse(bytes: &[u8]) -> Result<Option<Header>, String> {
        if bytes.is_empty() {
            return Ok(None);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| "the header is not text".to_string())?;
        let line = text.strip_suffix('\n').unwrap_or(text);
        let mut words = line.split(' ');
        if words.next() != Some(MAGIC) {
            return Err(format!("the header does not start with `{MAGIC}`"));
        }
        let mut values = [0u64; 6];
        for (slot, name) in values.iter_mut().zip(FIELDS) {
            let word = words.next().unwrap_or_default();
            let number = word
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .and_then(|digits| digits.parse().ok())
                .ok_or_else(|| format!("the header's `{name}` is missing or not a number"))?;
            *slot = number;
        }
        let [calls, version, state, pending, journal, entries] = values;
        Ok(Some(Header {
            calls,
            version,
            state,
            pending,
            journal,
            entries,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_renders_at_its_fixed_length_and_reads_back() {
        let header = Header {
            calls: 3,
            version: u64::MAX,
            state: 512,
            pending: 0,
            journal: 231,
            entries: 7,
        };
        let line = header.render();
        assert_eq!(line.len(), LENGTH);
        assert_eq!(Header::default().render().len(), LENGTH);
        assert!(line.starts_with(b"symphony-sim-store/1 calls=00000000000000000003 "));
        assert!(line.ends_with(b" entries=00000000000000000007\n"));
        assert_eq!(Header::parse(&line), Ok(Some(header)));
    }

    #[test]
    fn an_empty_file_has_no_header_and_a_damaged_one_is_an_error() {
        assert_eq!(Header::parse(b""), Ok(None));
        let err = Header::parse(b"something else\n").unwrap_err();
        assert!(err.contains("symphony-sim-store/1"), "{err}");
        let mut line = Header::default().render();
        line[30..32].copy_from_slice(b"xx");
        let err = Header::parse(&line).unwrap_err();
        assert!(err.contains("`calls`"), "{err}");
    }
}
