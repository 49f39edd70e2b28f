//! Text decoding: every parser reads UTF-8, whatever the file was written in.
//!
//! The encoding is decided once, from the head of the file (the first
//! [`HEAD_LEN`] bytes), in this order:
//!
//! 1. a byte-order mark (UTF-8, UTF-16 LE, UTF-16 BE; UTF-32 is refused);
//! 2. UTF-16 without a mark, when every other byte of the head is zero;
//! 3. a NUL byte anywhere in the head: binary data, refused at once (a
//!    gigabyte of garbage is rejected after reading 64 KiB);
//! 4. an XML declaration naming another encoding (`ISO-8859-1`,
//!    `windows-1252`, ...);
//! 5. valid UTF-8;
//! 6. otherwise, text with few control bytes is read as windows-1252 (a
//!    superset of Latin-1) with a warning naming the first byte that is not
//!    UTF-8; anything else is refused (see ADR 0031).
//!
//! Decoding is streaming ([`DecodeReader`]): memory stays flat however large
//! the file. Byte sequences that are invalid in the chosen encoding but only
//! appear after the head are replaced by U+FFFD and reported once per file.

use std::cell::RefCell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use encoding_rs::{DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use vigia_model::{Diagnostic, Location, Severity};

use crate::{Error, Result};

/// How many bytes of a file are read to decide its encoding and format.
pub(crate) const HEAD_LEN: usize = 64 * 1024;

/// At most this share of control bytes (per mille) in a head that is not
/// UTF-8 still counts as text in a single-byte encoding. Latin-1 text has
/// none; random bytes have about 12 %.
const MAX_CONTROL_PER_MILLE: usize = 5;

/// The encoding of a file, as its head tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// UTF-8; `bom` bytes of byte-order mark to skip.
    Utf8 {
        /// Length of the byte-order mark (0 or 3).
        bom: usize,
    },
    /// UTF-16 little-endian.
    Utf16Le {
        /// Length of the byte-order mark (0 or 2).
        bom: usize,
    },
    /// UTF-16 big-endian.
    Utf16Be {
        /// Length of the byte-order mark (0 or 2).
        bom: usize,
    },
    /// A single- or multi-byte encoding named by an XML declaration.
    Declared(&'static Encoding),
    /// Not UTF-8 and nothing declared: read as windows-1252.
    Guessed {
        /// The offset of the first byte that is not valid UTF-8.
        first_bad: u64,
    },
}

impl Charset {
    /// The decoder's encoding.
    pub(crate) fn encoding(self) -> &'static Encoding {
        match self {
            Charset::Utf8 { .. } => UTF_8,
            Charset::Utf16Le { .. } => UTF_16LE,
            Charset::Utf16Be { .. } => UTF_16BE,
            Charset::Declared(encoding) => encoding,
            Charset::Guessed { .. } => WINDOWS_1252,
        }
    }

    /// How many leading bytes (a byte-order mark) are not text.
    pub(crate) fn skip(self) -> usize {
        match self {
            Charset::Utf8 { bom } | Charset::Utf16Le { bom } | Charset::Utf16Be { bom } => bom,
            Charset::Declared(_) | Charset::Guessed { .. } => 0,
        }
    }

    /// The diagnostic an operator should see about the encoding, if any.
    pub(crate) fn notice(self, file: &str) -> Option<Diagnostic> {
        match self {
            Charset::Guessed { first_bad } => Some(Diagnostic {
                file: file.to_owned(),
                location: Location::Byte(first_bad),
                severity: Severity::Warning,
                message: format!(
                    "not valid UTF-8 (first bad byte at offset {first_bad}) and no encoding \
                     declared: read as windows-1252 (Latin-1); check accented names"
                ),
            }),
            _ => None,
        }
    }
}

/// Decides the encoding of a file from its head. `complete` says whether the
/// head is the whole file (then a truncated UTF-8 sequence at its end is an
/// error, not a sequence cut by the head's length).
///
/// # Errors
/// [`Error::Encoding`] when the head is binary data or UTF-32.
pub(crate) fn sniff_charset(file: &str, head: &[u8], complete: bool) -> Result<Charset> {
    let refuse = |offset: usize, reason: &str| Error::Encoding {
        file: file.to_owned(),
        offset: offset as u64,
        reason: reason.to_owned(),
    };
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) || head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(refuse(0, "UTF-32 byte-order mark; save the file as UTF-8 or UTF-16"));
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok(Charset::Utf8 { bom: 3 });
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Charset::Utf16Le { bom: 2 });
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Charset::Utf16Be { bom: 2 });
    }
    if let Some(charset) = utf16_without_bom(head) {
        return Ok(charset);
    }
    if let Some(offset) = memchr_nul(head) {
        return Err(refuse(offset, "binary data (a NUL byte); list files are text"));
    }
    if let Some(encoding) = declared_encoding(head) {
        return Ok(Charset::Declared(encoding));
    }
    match std::str::from_utf8(head) {
        Ok(_) => Ok(Charset::Utf8 { bom: 0 }),
        // A multi-byte character cut by the head's length.
        Err(e) if e.error_len().is_none() && !complete => Ok(Charset::Utf8 { bom: 0 }),
        Err(e) => {
            let first_bad = e.valid_up_to();
            let controls = head
                .iter()
                .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F)
                .count();
            if controls * 1000 > head.len() * MAX_CONTROL_PER_MILLE {
                Err(refuse(
                    first_bad,
                    "neither UTF-8 nor text in a single-byte encoding (too many control bytes)",
                ))
            } else {
                Ok(Charset::Guessed { first_bad: first_bad as u64 })
            }
        }
    }
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}

/// UTF-16 without a byte-order mark: ASCII-range text leaves every other
/// byte zero. Requires a clear pattern over the first 512 bytes, so that a
/// file of zeros (both sides zero) is not taken for text.
fn utf16_without_bom(head: &[u8]) -> Option<Charset> {
    let sample = &head[..head.len().min(512) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even_zeros = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_zeros = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let clear = |zeros: usize, other: usize| zeros * 4 >= pairs * 3 && other * 20 <= pairs;
    if clear(odd_zeros, even_zeros) {
        Some(Charset::Utf16Le { bom: 0 })
    } else if clear(even_zeros, odd_zeros) {
        Some(Charset::Utf16Be { bom: 0 })
    } else {
        None
    }
}

/// The encoding an XML declaration at the very start names, when it is not
/// UTF-8 (a UTF-16 label without a byte-order mark is ignored: the bytes are
/// evidently ASCII-compatible).
fn declared_encoding(head: &[u8]) -> Option<&'static Encoding> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = &head[start..];
    if !decl.starts_with(b"<?xml") {
        return None;
    }
    let end = decl.windows(2).take(512).position(|w| w == b"?>")?;
    let decl = &decl[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = &decl[at + 8..];
    let rest = &rest[rest.iter().position(|b| *b == b'=')? + 1..];
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let label = &rest[1..];
    let label = &label[..label.iter().position(|b| *b == quote)?];
    let encoding = Encoding::for_label_no_replacement(label)?;
    (encoding != UTF_8 && encoding != UTF_16LE && encoding != UTF_16BE).then_some(encoding)
}

/// Rewrites the encoding named in a leading XML declaration to `UTF-8`, so
/// that XML parsers downstream agree with the text they are given.
pub(crate) fn relabel_xml_declaration(text: &mut String) {
    let start = text.len() - text.trim_start().len();
    if !text[start..].starts_with("<?xml") {
        return;
    }
    let Some(end) = text[start..].find("?>").map(|e| e + start) else { return };
    let Some(at) = text[start..end].find("encoding").map(|a| a + start) else { return };
    let after = &text[at + 8..end];
    let Some(eq) = after.find('=') else { return };
    let value_start = at + 8 + eq + 1;
    let rest = &text[value_start..end];
    let offset = rest.len() - rest.trim_start().len();
    let open = value_start + offset;
    let Some(quote) = text[open..end].chars().next().filter(|q| *q == '"' || *q == '\'') else {
        return;
    };
    let Some(close) = text[open + 1..end].find(quote).map(|c| c + open + 1) else { return };
    text.replace_range(open + 1..close, "UTF-8");
}

/// A whole in-memory file decoded to UTF-8.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    /// The text.
    pub(crate) text: std::borrow::Cow<'a, str>,
    /// About the encoding, reported before what the text holds (a guessed
    /// encoding).
    pub(crate) before: Option<Diagnostic>,
    /// About the decoding, reported after (invalid sequences replaced).
    pub(crate) after: Option<Diagnostic>,
}

/// Decodes a whole in-memory file to UTF-8, with the diagnostics an
/// operator should see about its encoding.
pub(crate) fn decode_bytes<'a>(file: &str, bytes: &'a [u8]) -> Result<Decoded<'a>> {
    use std::borrow::Cow;
    let head = &bytes[..bytes.len().min(HEAD_LEN)];
    let charset = sniff_charset(file, head, bytes.len() <= HEAD_LEN)?;
    let before = charset.notice(file);
    let body = &bytes[charset.skip()..];
    if let Charset::Utf8 { .. } = charset
        && let Ok(text) = std::str::from_utf8(body)
    {
        return Ok(Decoded { text: Cow::Borrowed(text), before, after: None });
    }
    let mut reader = DecodeReader::new(body, charset.encoding(), charset.skip() as u64);
    let report = reader.report();
    let mut text = String::with_capacity(body.len());
    reader
        .read_to_string(&mut text)
        .map_err(|source| Error::Io { file: file.to_owned(), source })?;
    if let Charset::Declared(_) = charset {
        relabel_xml_declaration(&mut text);
    }
    let after = report.borrow().notice(file, charset.encoding());
    Ok(Decoded { text: Cow::Owned(text), before, after })
}

/// What a [`DecodeReader`] met on its way: invalid sequences replaced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct DecodeReport {
    /// Byte offset (in the file) of the first invalid sequence.
    pub(crate) first_malformed: Option<u64>,
    /// How many invalid sequences were replaced by U+FFFD.
    pub(crate) malformed: u64,
}

impl DecodeReport {
    /// The warning about replaced sequences, if there were any.
    pub(crate) fn notice(&self, file: &str, encoding: &'static Encoding) -> Option<Diagnostic> {
        let first = self.first_malformed?;
        Some(Diagnostic {
            file: file.to_owned(),
            location: Location::Byte(first),
            severity: Severity::Warning,
            message: format!(
                "{} byte sequence(s) invalid in {} replaced by U+FFFD (first at byte {first})",
                self.malformed,
                encoding.name()
            ),
        })
    }
}

/// Output chunk size of a [`DecodeReader`].
const CHUNK: usize = 64 * 1024;

/// A streaming decoder: reads bytes in some encoding, yields UTF-8.
///
/// Invalid sequences become U+FFFD and are counted in a shared
/// [`DecodeReport`] (the reader itself is moved into a parser; the report
/// stays with whoever opened the file).
pub(crate) struct DecodeReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    in_eof: bool,
    output: Box<[u8]>,
    out_start: usize,
    out_end: usize,
    finished: bool,
    pending_replacement: bool,
    /// Bytes handed to the decoder so far, plus the skipped byte-order mark.
    consumed: u64,
    report: Rc<RefCell<DecodeReport>>,
}

impl<R: Read> DecodeReader<R> {
    /// A reader decoding `inner` from `encoding`; `offset` is where `inner`
    /// starts in the file (after a byte-order mark), for reported offsets.
    pub(crate) fn new(inner: R, encoding: &'static Encoding, offset: u64) -> DecodeReader<R> {
        DecodeReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; CHUNK].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            in_eof: false,
            output: vec![0; CHUNK].into_boxed_slice(),
            out_start: 0,
            out_end: 0,
            finished: false,
            pending_replacement: false,
            consumed: offset,
            report: Rc::new(RefCell::new(DecodeReport::default())),
        }
    }

    /// A handle on what the reader met, readable after it is consumed.
    pub(crate) fn report(&self) -> Rc<RefCell<DecodeReport>> {
        Rc::clone(&self.report)
    }

    /// Decodes the next chunk of output. Returns without output only at the
    /// end of the input.
    fn refill(&mut self) -> io::Result<()> {
        const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();
        self.out_start = 0;
        self.out_end = 0;
        while self.out_end == 0 && !self.finished {
            if self.pending_replacement {
                self.output[..REPLACEMENT.len()].copy_from_slice(REPLACEMENT);
                self.out_end = REPLACEMENT.len();
                self.pending_replacement = false;
            }
            if self.in_start == self.in_end && !self.in_eof {
                self.in_start = 0;
                self.in_end = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                self.in_eof = self.in_end == 0;
            }
            // Fill the output chunk; stop early if little room is left, so
            // that a replacement character always fits.
            loop {
                let room = self.output.len() - self.out_end;
                if room < 16 {
                    return Ok(());
                }
                let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                    &self.input[self.in_start..self.in_end],
                    &mut self.output[self.out_end..],
                    self.in_eof,
                );
                self.in_start += read;
                self.consumed += read as u64;
                self.out_end += written;
                match result {
                    DecoderResult::InputEmpty => {
                        if self.in_eof {
                            self.finished = true;
                        }
                        break;
                    }
                    DecoderResult::OutputFull => return Ok(()),
                    DecoderResult::Malformed(bad, extra) => {
                        let at = self.consumed - u64::from(bad) - u64::from(extra);
                        let mut report = self.report.borrow_mut();
                        report.first_malformed.get_or_insert(at);
                        report.malformed += 1;
                        drop(report);
                        if self.output.len() - self.out_end >= REPLACEMENT.len() {
                            self.output[self.out_end..self.out_end + REPLACEMENT.len()]
                                .copy_from_slice(REPLACEMENT);
                            self.out_end += REPLACEMENT.len();
                        } else {
                            self.pending_replacement = true;
                            return Ok(());
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for DecodeReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.out_start == self.out_end {
            self.refill()?;
        }
        Ok(&self.output[self.out_start..self.out_end])
    }

    fn consume(&mut self, amount: usize) {
        self.out_start = (self.out_start + amount).min(self.out_end);
    }
}

impl<R> std::fmt::Debug for DecodeReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodeReader").field("encoding", &self.decoder.encoding().name()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], expected: std::result::Result<&str, &str>) {
        let got = decode_bytes("f", bytes).map(|d| d.text.into_owned()).map_err(|e| e.to_string());
        match (got, expected) {
            (Ok(text), Ok(want)) => assert_eq!(text, want, "{bytes:?}"),
            (Err(err), Err(want)) => assert!(err.contains(want), "{err} should contain {want}"),
            (got, want) => panic!("{bytes:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn encodings() {
        check(b"abc", Ok("abc"));
        check(b"\xEF\xBB\xBFabc", Ok("abc"));
        check(b"\xFF\xFEa\0\xE9\0", Ok("aé"));
        check(b"\xFE\xFF\0a\0\xE9", Ok("aé"));
        check(b"a\0b\0c\0d\0", Ok("abcd"));
        check(b"caf\xE9 cr\xE8me", Ok("café crème"));
        check(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>",
            Ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>é</a>"),
        );
        check(
            b"<?xml version='1.0' encoding='windows-1252'?><a>\x92</a>",
            Ok("<?xml version='1.0' encoding='UTF-8'?><a>\u{2019}</a>"),
        );
        check(b"", Ok(""));
        check(b"ab\0cd", Err("at byte 2: not text (binary data"));
        check(b"\xFF\xFE\0\0", Err("UTF-32"));
        check(b"\x01\x02\x03\x81\x82", Err("too many control bytes"));
    }

    #[test]
    fn streaming_matches_whole() {
        // A long UTF-16 text decoded in chunks gives the same as in one go.
        let text: String = (0..20_000).map(|i| format!("línea {i} ñ\n")).collect();
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let mut reader = DecodeReader::new(&bytes[2..], UTF_16LE, 2);
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn malformed_sequences_are_reported_with_offsets() {
        let mut bytes = vec![b'a'; 100_000];
        bytes[70_000] = 0xFF;
        bytes[90_000] = 0xC3;
        let mut reader = DecodeReader::new(&bytes[..], UTF_8, 0);
        let report = reader.report();
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out.chars().filter(|c| *c == '\u{FFFD}').count(), 2);
        assert_eq!(*report.borrow(), DecodeReport { first_malformed: Some(70_000), malformed: 2 });
    }
}
