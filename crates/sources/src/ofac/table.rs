//! OFAC's CSV dialect: no header, one record per CRLF line, `-0-` for an
//! empty field, a trailing 0x1A (DOS end-of-file) byte, and quoting that is
//! not always well formed. Records never span lines, so a line is read,
//! decoded and split on its own: a stray quote spoils one field, never the
//! rest of the file.

use std::io::BufRead;

use encoding_rs::WINDOWS_1252;

/// One line of a table, decoded and split into fields.
#[derive(Debug)]
pub(crate) struct Row {
    /// The 1-based physical line number.
    pub(crate) line: u64,
    /// The fields, trimmed, with `-0-` turned into the empty string.
    pub(crate) fields: Vec<String>,
    /// Whether a quoted field was not closed before the end of the line.
    pub(crate) unbalanced: bool,
}

impl Row {
    /// A field by position, empty when the row is shorter.
    pub(crate) fn get(&self, index: usize) -> &str {
        self.fields.get(index).map(String::as_str).unwrap_or("")
    }

    /// The entry number in the first field, if it is one.
    pub(crate) fn number(&self) -> Option<&str> {
        let first = self.get(0);
        (!first.is_empty() && first.len() <= 12 && first.bytes().all(|b| b.is_ascii_digit()))
            .then_some(first)
    }
}

/// What reading a line gave.
#[derive(Debug)]
pub(crate) enum Line {
    /// A row with at least one field.
    Row(Row),
    /// A line holding binary data (NUL bytes): not text.
    Binary(u64),
}

/// Reads rows from a table, skipping blank lines and the end-of-file byte.
pub(crate) struct Rows<R> {
    input: R,
    buffer: Vec<u8>,
    line: u64,
}

impl<R: BufRead> Rows<R> {
    pub(crate) fn new(input: R) -> Rows<R> {
        Rows { input, buffer: Vec::with_capacity(2048), line: 0 }
    }

    /// The next non-blank line, `Ok(None)` at the end of the input.
    ///
    /// # Errors
    /// The underlying reader failed.
    pub(crate) fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            self.buffer.clear();
            if self.input.read_until(b'\n', &mut self.buffer)? == 0 {
                return Ok(None);
            }
            self.line += 1;
            let mut bytes = self.buffer.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            while let [rest @ .., b'\n' | b'\r' | 0x1A] = bytes {
                bytes = rest;
            }
            if bytes.iter().all(|b| b.is_ascii_whitespace() || *b == 0x1A) {
                continue;
            }
            if bytes.contains(&0) {
                return Ok(Some(Line::Binary(self.line)));
            }
            let text = decode(bytes);
            let (fields, unbalanced) = split_fields(&text);
            return Ok(Some(Line::Row(Row { line: self.line, fields, unbalanced })));
        }
    }
}

/// UTF-8 when the bytes are UTF-8; else Windows-1252, which older OFAC
/// files used for accented names and which maps every byte.
pub(crate) fn decode(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// Splits one line into fields. A field that starts with a quote ends at
/// the first quote followed (after spaces) by a comma or the end of the
/// line; doubled quotes inside stand for one; any other quote is kept as
/// written. Returns the fields and whether a quoted field ran to the end of
/// the line unclosed.
pub(crate) fn split_fields(line: &str) -> (Vec<String>, bool) {
    let chars: Vec<char> = line.chars().collect();
    let mut fields = Vec::new();
    let mut unbalanced = false;
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let mut field = String::new();
        if i < chars.len() && chars[i] == '"' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                let c = chars[i];
                if c == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        field.push('"');
                        i += 2;
                        continue;
                    }
                    let mut j = i + 1;
                    while j < chars.len() && chars[j] == ' ' {
                        j += 1;
                    }
                    if j == chars.len() || chars[j] == ',' {
                        i = j;
                        closed = true;
                        break;
                    }
                }
                field.push(c);
                i += 1;
            }
            if !closed {
                unbalanced = true;
            }
        } else {
            while i < chars.len() && chars[i] != ',' {
                field.push(chars[i]);
                i += 1;
            }
        }
        fields.push(clean(&field));
        if i < chars.len() && chars[i] == ',' {
            i += 1;
            continue;
        }
        break;
    }
    (fields, unbalanced)
}

/// Trims a field and turns OFAC's empty marker `-0-` into "".
fn clean(field: &str) -> String {
    let field = field.trim();
    if field == "-0-" { String::new() } else { field.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: &[&str], unbalanced: bool) {
        let (fields, odd) = split_fields(line);
        assert_eq!(fields, expected, "{line:?}");
        assert_eq!(odd, unbalanced, "{line:?}");
    }

    #[test]
    fn splits_ofac_lines() {
        check(
            r#"36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA""#,
            &["36", "AEROCARIBBEAN AIRLINES", "", "CUBA"],
            false,
        );
        check(r#"1,"A ""B"" C",x"#, &["1", r#"A "B" C"#, "x"], false);
        check(r#"1,"SAID "THE" MAN",x"#, &["1", r#"SAID "THE" MAN"#, "x"], false);
        check(r#"1,"CECOEX, S.A." ,x"#, &["1", "CECOEX, S.A.", "x"], false);
        check(r#"1,"unclosed, field"#, &["1", "unclosed, field"], true);
        check("", &[""], false);
        check("a,,b", &["a", "", "b"], false);
    }

    #[test]
    fn reads_rows_skipping_eof_byte() {
        let input = b"\xEF\xBB\xBF1,\"A\"\r\n\r\n2,\"B\xE9\"\r\n\x1A";
        let mut rows = Rows::new(&input[..]);
        let mut got = Vec::new();
        while let Some(line) = rows.next_line().unwrap() {
            if let Line::Row(row) = line {
                got.push((row.line, row.fields));
            }
        }
        assert_eq!(
            got,
            [(1, vec!["1".to_owned(), "A".to_owned()]), (3, vec!["2".to_owned(), "Bé".to_owned()])]
        );
    }
}
