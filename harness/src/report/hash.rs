//! `sha256sum`'s line format, byte for byte, so `symphony-harness hash` output can be checked
//! with `sha256sum -c`.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// One `sha256sum` line for `path`: `<hex>  <name>\n`. As GNU coreutils does, a name holding a
/// backslash, a newline or a carriage return is escaped (`\\`, `\n`, `\r`) and the line starts
/// with a backslash; any other byte is written as it is.
pub fn sha256sum_line(hex: &str, path: &Path) -> Vec<u8> {
    let name = path.as_os_str().as_bytes();
    let escape = name.iter().any(|b| matches!(b, b'\\' | b'\n' | b'\r'));
    let mut line = Vec::with_capacity(hex.len() + name.len() + 4);
    if escape {
        line.push(b'\\');
    }
    line.extend_from_slice(hex.as_bytes());
    line.extend_from_slice(b"  ");
    for &byte in name {
        match byte {
            b'\\' if escape => line.extend_from_slice(b"\\\\"),
            b'\n' => line.extend_from_slice(b"\\n"),
            b'\r' => line.extend_from_slice(b"\\r"),
            other => line.push(other),
        }
    }
    line.push(b'\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_written_as_they_are() {
        assert_eq!(
            sha256sum_line("ab", Path::new("lib x.so")),
            b"ab  lib x.so\n"
        );
    }

    #[test]
    fn special_names_are_escaped_and_the_line_marked() {
        assert_eq!(sha256sum_line("ab", Path::new("a\nb")), b"\\ab  a\\nb\n");
        assert_eq!(sha256sum_line("ab", Path::new("a\\b")), b"\\ab  a\\\\b\n");
        assert_eq!(sha256sum_line("ab", Path::new("a\rb")), b"\\ab  a\\rb\n");
    }
}
