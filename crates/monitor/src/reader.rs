//! Streaming transaction readers: AMLworld CSV, AMLSim CSV and Vigia JSONL.
//!
//! A reader wraps any `impl BufRead` (a file, standard input), detects the
//! format from the first line unless told, and fills a caller-owned
//! [`Record`] row by row, reusing its strings, so reading allocates nothing
//! per row in the common case. A row that cannot be read is reported as a
//! [`BadRow`] (1-based data row number and reason); whether to skip it or
//! stop is the caller's policy. Label columns are returned in
//! [`Record::labels`], beside the transaction, never inside it: detectors
//! cannot read them.
//!
//! - **AMLworld** (`Timestamp,From Bank,Account,To Bank,Account,Amount
//!   Received,Receiving Currency,Amount Paid,Payment Currency,Payment
//!   Format[,Is Laundering]`): accounts are `BANK:ACCOUNT`; the amount is
//!   the amount paid, in the payment currency (the originator's side);
//!   the bank ids become the parties' institutions; timestamps
//!   (`YYYY/MM/DD HH:MM`) are UTC; the id is the data row number.
//! - **AMLSim** (`sourceNodeId,targetNodeId,value,time`): node ids are the
//!   accounts as they are; `time` is a simulation step, one day each:
//!   step `s` is `origin + s days` (origin 2017-01-01T00:00:00Z, AMLSim's
//!   default start date, configurable); amounts are USD wires.
//! - **Vigia JSONL**: one transaction per line as in DESIGN.md; `timestamp`
//!   is RFC 3339 or epoch milliseconds; `currency` defaults to USD; a
//!   `labels` object, if present, is returned as labels.
//!
//! [`TransactionReader::read_batch`] fills a reusable [`Batch`] of rows in
//! input order, so that reading can run on a thread of its own ahead of the
//! engine (ADR 0143). A batch never waits for input while it holds rows: it
//! ends where the input read so far ends, so a live stream on standard
//! input reaches the engine row by row as before.

use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;
use vigia_model::{Channel, Party, Place, Transaction};

use crate::error::{BadRow, Error, Result};

/// The transaction formats Vigia reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// IBM AMLworld CSV.
    AmlWorld,
    /// IBM AMLSim CSV.
    AmlSim,
    /// Vigia JSON lines.
    Jsonl,
}

impl Format {
    /// Parses a format name: `amlworld`, `amlsim`, `jsonl` (or `vigia`).
    pub fn parse(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "amlworld" | "aml-world" | "ibm-amlworld" => Some(Format::AmlWorld),
            "amlsim" => Some(Format::AmlSim),
            "jsonl" | "vigia" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Format::AmlWorld => "amlworld",
            Format::AmlSim => "amlsim",
            Format::Jsonl => "jsonl",
        }
    }
}

/// Ground truth carried by an input row (for backtesting only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    /// Whether the transaction is part of laundering.
    pub laundering: bool,
    /// The laundering typology, when the source says (`fan_in`, `cycle`,
    /// a scenario id...).
    pub typology: Option<String>,
    /// The pattern (laundering attempt) the transaction belongs to.
    pub pattern: Option<String>,
    /// The scenario id the pattern was injected for (`vigia simulate`).
    pub scenario: Option<String>,
}

/// One row as read: the transaction and, separately, its labels.
#[derive(Debug, Clone)]
pub struct Record {
    /// The transaction (what detectors see).
    pub transaction: Transaction,
    /// Labels from the row, if the input has any.
    pub labels: Option<Labels>,
    /// 1-based data row number.
    pub row: u64,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            transaction: Transaction {
                id: String::new(),
                timestamp: 0,
                amount: 0.0,
                currency: String::new(),
                channel: Channel::Other,
                originator: Party::default(),
                beneficiary: Party::default(),
                place: None,
                conductor: None,
                text: None,
                intermediaries: Vec::new(),
            },
            labels: None,
            row: 0,
        }
    }
}

/// What one call to [`TransactionReader::read`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The record was filled.
    Record,
    /// The row was bad (the record is unspecified).
    Bad(BadRow),
    /// The input is exhausted.
    End,
}

/// Rows read in input order, for a thread that reads ahead of the engine.
///
/// The records are reused from batch to batch (their strings keep their
/// capacity), so a batch that goes back and forth between a reading and a
/// processing thread allocates nothing per row once warm. Bad rows keep
/// their place among the records.
#[derive(Debug)]
pub struct Batch {
    records: Vec<Record>,
    /// Records in use; `records[len..]` are spare slots.
    len: usize,
    /// Each bad row with the number of records that precede it.
    bad: Vec<(usize, BadRow)>,
    capacity: usize,
}

/// One row of a [`Batch`].
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// A row read into a record.
    Record(&'a Record),
    /// A row that could not be read.
    Bad(&'a BadRow),
}

impl Batch {
    /// An empty batch that holds up to `capacity` rows (at least one).
    pub fn new(capacity: usize) -> Batch {
        Batch { records: Vec::new(), len: 0, bad: Vec::new(), capacity: capacity.max(1) }
    }

    /// Rows held, good and bad.
    pub fn len(&self) -> usize {
        self.len + self.bad.len()
    }

    /// Whether the batch holds no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the rows, keeping the records for reuse.
    pub fn clear(&mut self) {
        self.len = 0;
        self.bad.clear();
    }

    /// The rows as runs of consecutive records, each with the bad row that
    /// ends it (the last run has none): the records of a run can be handed
    /// to the engine together.
    pub fn runs(&self) -> impl Iterator<Item = (&[Record], Option<&BadRow>)> {
        let mut start = 0;
        let mut bad = self.bad.iter();
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            match bad.next() {
                Some((at, row)) => {
                    let run = &self.records[start..*at];
                    start = *at;
                    Some((run, Some(row)))
                }
                None => {
                    done = true;
                    Some((&self.records[start..self.len], None))
                }
            }
        })
    }

    /// The rows in input order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        let mut bad = self.bad.iter().peekable();
        let mut records = self.records[..self.len].iter().enumerate().peekable();
        std::iter::from_fn(move || {
            let next_record = records.peek().map_or(usize::MAX, |(i, _)| *i);
            match bad.peek() {
                Some((at, _)) if *at <= next_record => bad.next().map(|(_, b)| Row::Bad(b)),
                _ => records.next().map(|(_, r)| Row::Record(r)),
            }
        })
    }
}

/// The input as the parsers see it: it hands over whole lines whenever the
/// source has them. When the parser has consumed everything handed over,
/// every line read so far is parsed and the next read may wait for the
/// source; [`TransactionReader::read_batch`] ends its batch there rather
/// than hold rows while waiting.
struct WholeLines<R> {
    inner: R,
}

impl<R: BufRead> Read for WholeLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.inner.fill_buf()?;
        let n = available.len().min(buf.len());
        // Up to the last line end; a line longer than `buf` goes in parts.
        let n = available[..n].iter().rposition(|b| *b == b'\n').map_or(n, |i| i + 1);
        buf[..n].copy_from_slice(&available[..n]);
        self.inner.consume(n);
        Ok(n)
    }
}

/// The CSV rows of an AMLworld or AMLSim file, split into text fields.
///
/// A row without a quote and without a carriage return (every row these
/// files hold) is split at its commas in place, and its text is checked as
/// UTF-8 once for all its fields; any other row goes through `csv_core`,
/// the parser the `csv` crate runs, so quoted fields, embedded line ends
/// and `\r` terminators read as they always have (ADR 0160). Fields with
/// invalid UTF-8 hold replacement characters, as their lossy reading did.
struct CsvRows<R> {
    input: WholeLines<R>,
    /// Input read and not yet parsed: `buffer[start..end]`, whole lines
    /// whenever the source has them.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    at_end: bool,
    /// For the rows the split in place does not read.
    core: csv_core::Reader,
    /// `core` stopped inside a line (after a `\r`), or has read nothing
    /// yet: it reads on from there.
    core_inside_line: bool,
    core_output: Vec<u8>,
    core_ends: Vec<usize>,
    /// The current row: its text and each field's byte range in it.
    text: String,
    fields: Vec<(usize, usize)>,
    /// The current row had invalid UTF-8.
    lossy: bool,
}

impl<R: BufRead> CsvRows<R> {
    fn new(input: WholeLines<R>) -> CsvRows<R> {
        CsvRows {
            input,
            buffer: vec![0; 1 << 16],
            start: 0,
            end: 0,
            at_end: false,
            core: csv_core::Reader::new(),
            // The first row (the header) goes through `csv_core`, which
            // drops a byte-order mark before it.
            core_inside_line: true,
            core_output: vec![0; 1 << 10],
            core_ends: vec![0; 64],
            text: String::new(),
            fields: Vec::new(),
            lossy: false,
        }
    }

    /// Fields of the current row.
    fn len(&self) -> usize {
        self.fields.len()
    }

    /// Field `i` of the current row.
    fn field(&self, i: usize) -> &str {
        let (from, to) = self.fields[i];
        &self.text[from..to]
    }

    /// Whether every byte the source has delivered is parsed.
    fn drained(&self) -> bool {
        self.start == self.end
    }

    /// Reads more input after what is left unparsed; false at the end of
    /// the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.at_end {
            return Ok(false);
        }
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        let n = self.input.read(&mut self.buffer[self.end..])?;
        self.end += n;
        self.at_end = n == 0;
        Ok(n > 0)
    }

    /// Reads the next row; false at the end of the input.
    fn next_row(&mut self) -> std::io::Result<bool> {
        loop {
            if !self.core_inside_line {
                let pending = &self.buffer[self.start..self.end];
                let line_end = memchr::memchr(b'\n', pending);
                if line_end.is_none() && !self.at_end {
                    if !self.fill()? && self.start == self.end {
                        return Ok(false);
                    }
                    continue;
                }
                if line_end.is_none() && pending.is_empty() {
                    return Ok(false);
                }
                let line = &pending[..line_end.unwrap_or(pending.len())];
                if line.is_empty() {
                    // An empty line is no row, as in `csv_core`.
                    self.start += 1;
                    continue;
                }
                if memchr::memchr2(b'"', b'\r', line).is_none() {
                    self.text.clear();
                    match std::str::from_utf8(line) {
                        Ok(text) => {
                            self.text.push_str(text);
                            self.lossy = false;
                        }
                        // Commas are ASCII: the lossy line split at its
                        // commas is each field read lossily.
                        Err(_) => {
                            self.text.push_str(&String::from_utf8_lossy(line));
                            self.lossy = true;
                        }
                    }
                    self.fields.clear();
                    let mut from = 0;
                    for comma in memchr::memchr_iter(b',', self.text.as_bytes()) {
                        self.fields.push((from, comma));
                        from = comma + 1;
                    }
                    self.fields.push((from, self.text.len()));
                    self.start += line_end.map_or(line.len(), |i| i + 1);
                    return Ok(true);
                }
            }
            return self.core_row();
        }
    }

    /// Reads the next row with `csv_core`.
    fn core_row(&mut self) -> std::io::Result<bool> {
        use csv_core::ReadRecordResult;
        let (mut written, mut ended) = (0, 0);
        loop {
            // An empty input tells `csv_core` that the input has ended.
            if self.start == self.end && !self.at_end {
                self.fill()?;
                continue;
            }
            let input = &self.buffer[self.start..self.end];
            let (result, read, out, ends) = self.core.read_record(
                input,
                &mut self.core_output[written..],
                &mut self.core_ends[ended..],
            );
            self.start += read;
            written += out;
            ended += ends;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let size = self.core_output.len() * 2;
                    self.core_output.resize(size, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let size = self.core_ends.len() * 2;
                    self.core_ends.resize(size, 0);
                }
                ReadRecordResult::Record => {
                    self.core_inside_line = self.start == 0 || self.buffer[self.start - 1] != b'\n';
                    self.text.clear();
                    self.fields.clear();
                    let mut from = 0;
                    self.lossy = std::str::from_utf8(&self.core_output[..written]).is_err();
                    for &to in &self.core_ends[..ended] {
                        let at = self.text.len();
                        push_text(&mut self.text, &self.core_output[from..to]);
                        self.fields.push((at, self.text.len()));
                        from = to;
                    }
                    return Ok(true);
                }
                ReadRecordResult::End => {
                    self.core_inside_line = false;
                    return Ok(false);
                }
            }
        }
    }
}

/// Reader settings.
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
    /// Event time of AMLSim step 0 (ms).
    pub amlsim_origin: i64,
    /// Length of one AMLSim step (ms).
    pub amlsim_step: i64,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        // 2017-01-01T00:00:00Z
        ReaderOptions { format: None, amlsim_origin: 1_483_228_800_000, amlsim_step: 86_400_000 }
    }
}

/// A streaming reader of transactions.
pub struct TransactionReader<R: BufRead> {
    format: Format,
    options: ReaderOptions,
    csv: Option<CsvRows<R>>,
    lines: Option<BufReader<WholeLines<R>>>,
    line: String,
    row: u64,
    label_column: Option<usize>,
    /// The last CSV channel field and its parse: a file holds a handful of
    /// channels, so most rows reuse it.
    channel: (Vec<u8>, Channel),
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    b.iter().try_fold(0i64, |acc, c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

/// Parses AMLworld's `YYYY/MM/DD HH:MM` (seconds optional) as UTC ms.
fn parse_amlworld_time(b: &[u8]) -> Option<i64> {
    // The layout of every AMLworld file, read in place; anything else
    // (dashes, one-digit fields, spaces around) goes the general way.
    if let [y0, y1, y2, y3, b'/', m0, m1, b'/', d0, d1, b' ', h0, h1, b':', n0, n1, rest @ ..] = b
        && (rest.is_empty() || matches!(rest, [b':', _, _]))
    {
        let two = |a: u8, b: u8| digits(&[a, b]);
        let (y, m, day) = (digits(&[*y0, *y1, *y2, *y3])?, two(*m0, *m1)?, two(*d0, *d1)?);
        let (h, min) = (two(*h0, *h1)?, two(*n0, *n1)?);
        let s = match rest {
            [b':', s0, s1] => two(*s0, *s1)?,
            _ => 0,
        };
        return civil_ms(y, m, day, h, min, s);
    }
    let text = std::str::from_utf8(b).ok()?.trim();
    let (date, time) = text.split_once(' ')?;
    let mut d = date.split(['/', '-']);
    let (y, m, day) = (
        digits(d.next()?.as_bytes())?,
        digits(d.next()?.as_bytes())?,
        digits(d.next()?.as_bytes())?,
    );
    let mut t = time.split(':');
    let (h, min) = (digits(t.next()?.as_bytes())?, digits(t.next()?.as_bytes())?);
    let s = match t.next() {
        Some(s) => digits(s.as_bytes())?,
        None => 0,
    };
    civil_ms(y, m, day, h, min, s)
}

/// UTC milliseconds of a checked civil date and time.
fn civil_ms(y: i64, m: i64, day: i64, h: i64, min: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || s > 60 {
        return None;
    }
    Some((days_from_civil(y, m, day) * 86_400 + h * 3_600 + min * 60 + s) * 1_000)
}

/// AMLworld currency names to ISO 4217 codes.
fn amlworld_currency(name: &str) -> Option<&'static str> {
    Some(match name.trim() {
        "US Dollar" => "USD",
        "Euro" => "EUR",
        "Yuan" => "CNY",
        "Yen" => "JPY",
        "UK Pound" => "GBP",
        "Rupee" => "INR",
        "Ruble" => "RUB",
        "Mexican Peso" => "MXN",
        "Canadian Dollar" => "CAD",
        "Australian Dollar" => "AUD",
        "Swiss Franc" => "CHF",
        "Brazil Real" => "BRL",
        "Saudi Riyal" => "SAR",
        "Shekel" => "ILS",
        "Bitcoin" => "BTC",
        _ => return None,
    })
}

/// The fields of the current CSV row, as bytes (`r[i]`) or text.
struct Fields<'a, R>(&'a CsvRows<R>);

impl<R: BufRead> Fields<'_, R> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, i: usize) -> Option<&[u8]> {
        (i < self.len()).then(|| self.0.field(i).as_bytes())
    }

    fn text(&self, i: usize) -> &str {
        self.0.field(i)
    }
}

impl<R: BufRead> std::ops::Index<usize> for Fields<'_, R> {
    type Output = [u8];

    fn index(&self, i: usize) -> &[u8] {
        self.0.field(i).as_bytes()
    }
}

/// Appends `n` in decimal (what `write!(dst, "{n}")` writes, without the
/// formatting machinery, once per row).
fn push_decimal(dst: &mut String, n: u64) {
    dst.push_str(itoa::Buffer::new().format(n));
}

fn set(dst: &mut String, src: &str) {
    if dst != src {
        dst.clear();
        dst.push_str(src);
    }
}

/// Appends `src` as text: valid UTF-8 as is (no lossy scan), else with
/// replacement characters.
fn push_text(dst: &mut String, src: &[u8]) {
    match std::str::from_utf8(src) {
        Ok(text) => dst.push_str(text),
        Err(_) => dst.push_str(&String::from_utf8_lossy(src)),
    }
}

fn parse_amount(b: &[u8]) -> Option<f64> {
    if let Some(v) = plain_decimal(b) {
        return Some(v);
    }
    let text = std::str::from_utf8(b).ok()?.trim();
    let v: f64 = text.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Powers of ten that are exact in an `f64`.
const EXACT_POWERS_OF_TEN: [f64; 16] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// `digits[.digits]` with at most 15 digits in all, the shape of every
/// amount in the files we read, without the general parser: the digits
/// form an integer below 2^53 and the divisor a power of ten, both exact,
/// so the one division rounds correctly and the value is the one `parse`
/// gives (Clinger's fast path). Anything else returns `None`.
fn plain_decimal(b: &[u8]) -> Option<f64> {
    let (mut mantissa, mut digits, mut scale, mut point) = (0u64, 0usize, 0usize, false);
    for &c in b {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 15 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
                scale += usize::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if digits == 0 || (point && scale == 0) {
        return None;
    }
    Some(mantissa as f64 / EXACT_POWERS_OF_TEN[scale])
}

fn truthy(b: &[u8]) -> Option<bool> {
    match b {
        b"0" => return Some(false),
        b"1" => return Some(true),
        _ => {}
    }
    match std::str::from_utf8(b).ok()?.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "n" | "f" | "" => Some(false),
        _ => None,
    }
}

impl<R: BufRead> TransactionReader<R> {
    /// A reader over `input`; detects the format from the first line unless
    /// `options.format` is set.
    pub fn new(mut input: R, options: ReaderOptions) -> Result<TransactionReader<R>> {
        let format = match options.format {
            Some(f) => f,
            None => {
                let buf = input.fill_buf()?;
                let first = buf
                    .iter()
                    .copied()
                    .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
                match first {
                    None => Format::Jsonl,
                    Some(b'{') => Format::Jsonl,
                    Some(_) => {
                        let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
                        let header = String::from_utf8_lossy(&buf[..end]).to_string();
                        let h = header.trim_start_matches('\u{feff}');
                        if h.starts_with("sourceNodeId") {
                            Format::AmlSim
                        } else if h.starts_with("Timestamp") && h.contains("From Bank") {
                            Format::AmlWorld
                        } else {
                            return Err(Error::Format(format!(
                                "first line {:?} is neither a Vigia JSONL object, an AMLworld header (Timestamp,From Bank,...) nor an AMLSim header (sourceNodeId,...); give --format",
                                h.chars().take(80).collect::<String>()
                            )));
                        }
                    }
                }
            }
        };
        let mut reader = TransactionReader {
            format,
            options,
            csv: None,
            lines: None,
            line: String::new(),
            row: 0,
            label_column: None,
            channel: (Vec::new(), Channel::Other),
        };
        let input = WholeLines { inner: input };
        if format == Format::Jsonl {
            reader.lines = Some(BufReader::with_capacity(1 << 16, input));
        } else {
            let mut csv = CsvRows::new(input);
            if !csv.next_row()? {
                return Err(Error::Format("empty input: no header".into()));
            }
            if csv.lossy {
                return Err(Error::Format("header: invalid UTF-8".into()));
            }
            let names: Vec<String> = (0..csv.len())
                .map(|i| csv.field(i).trim().trim_start_matches('\u{feff}').to_string())
                .collect();
            let expected: &[&str] = match format {
                Format::AmlWorld => &[
                    "Timestamp",
                    "From Bank",
                    "Account",
                    "To Bank",
                    "Account",
                    "Amount Received",
                    "Receiving Currency",
                    "Amount Paid",
                    "Payment Currency",
                    "Payment Format",
                ],
                _ => &["sourceNodeId", "targetNodeId", "value", "time"],
            };
            if names.len() < expected.len() || names.iter().zip(expected).any(|(a, b)| a != b) {
                return Err(Error::Format(format!(
                    "{} header must start with {}; got {}",
                    format.name(),
                    expected.join(","),
                    names.join(",")
                )));
            }
            reader.label_column = names
                .iter()
                .position(|n| n == "Is Laundering" || n == "isFraud" || n == "is_laundering");
            reader.csv = Some(csv);
        }
        Ok(reader)
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the input carries labels (a label column, or JSONL which
    /// may carry a `labels` object per row).
    pub fn has_label_column(&self) -> bool {
        self.label_column.is_some()
    }

    /// Reads the next row into `rec`.
    pub fn read(&mut self, rec: &mut Record) -> Result<Step> {
        match self.format {
            Format::Jsonl => self.read_jsonl(rec),
            _ => self.read_csv(rec),
        }
    }

    /// Reads rows into `batch` (emptied first) until it is full, the input
    /// ends, or the rows read so far are all the input has delivered (so
    /// that the batch does not wait for a slow source while holding rows).
    /// Returns whether more rows may follow: `Ok(true)` with at least one
    /// row, `Ok(false)` at the end of the input. On `Err` the batch holds
    /// the rows read before the failure, which come first.
    pub fn read_batch(&mut self, batch: &mut Batch) -> Result<bool> {
        batch.clear();
        while batch.len() < batch.capacity {
            if batch.len == batch.records.len() {
                batch.records.push(Record::default());
            }
            match self.read(&mut batch.records[batch.len])? {
                Step::Record => batch.len += 1,
                Step::Bad(row) => batch.bad.push((batch.len, row)),
                Step::End => return Ok(false),
            }
            if self.drained() {
                break;
            }
        }
        Ok(true)
    }

    /// Whether every row delivered by the source so far has been read, so
    /// that the next read may wait for input.
    fn drained(&self) -> bool {
        if let Some(csv) = &self.csv {
            csv.drained()
        } else if let Some(lines) = &self.lines {
            lines.buffer().is_empty()
        } else {
            true
        }
    }

    fn read_csv(&mut self, rec: &mut Record) -> Result<Step> {
        let Some(csv) = &mut self.csv else { return Ok(Step::End) };
        loop {
            if !csv.next_row()? {
                return Ok(Step::End);
            }
            // Skip blank lines without counting them as rows.
            if csv.len() == 1 && csv.field(0).bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            break;
        }
        self.row += 1;
        rec.row = self.row;
        let row = self.row;
        let bad = |reason: String| Ok(Step::Bad(BadRow { row, reason }));
        let r = Fields(csv);
        let tx = &mut rec.transaction;
        tx.place = None;
        tx.conductor = None;
        tx.text = None;
        tx.intermediaries.clear();
        for p in [&mut tx.originator, &mut tx.beneficiary] {
            p.customer = None;
            p.name = None;
            p.country = None;
            p.state = None;
            p.zip = None;
            p.address = None;
            p.id_number = None;
            p.phone = None;
            p.device = None;
        }
        tx.id.clear();
        push_decimal(&mut tx.id, row);
        match self.format {
            Format::AmlWorld => {
                if r.len() < 10 {
                    return bad(format!("{} columns, expected at least 10", r.len()));
                }
                let Some(time) = parse_amlworld_time(&r[0]) else {
                    return bad(format!(
                        "bad timestamp {:?} (want YYYY/MM/DD HH:MM)",
                        String::from_utf8_lossy(&r[0])
                    ));
                };
                let Some(amount) = parse_amount(&r[7]) else {
                    return bad(format!("bad Amount Paid {:?}", String::from_utf8_lossy(&r[7])));
                };
                if amount < 0.0 {
                    return bad(format!("negative Amount Paid {amount}"));
                }
                let Some(currency) = amlworld_currency(r.text(8)) else {
                    let currency_name = r.text(8);
                    return bad(format!("unknown Payment Currency {currency_name:?}"));
                };
                tx.timestamp = time;
                tx.amount = amount;
                tx.currency.clear();
                tx.currency.push_str(currency);
                if self.channel.0 != r[9] {
                    self.channel = (r[9].to_vec(), Channel::parse(r.text(9)));
                }
                tx.channel = self.channel.1;
                for (party, bank, account) in [
                    (&mut tx.originator, r.text(1), r.text(2)),
                    (&mut tx.beneficiary, r.text(3), r.text(4)),
                ] {
                    party.account.clear();
                    // An empty Account is a party without one (a walk-in
                    // cash customer), not one account shared by all of them.
                    if !account.bytes().all(|b| b.is_ascii_whitespace()) {
                        party.account.push_str(bank);
                        party.account.push(':');
                        party.account.push_str(account);
                    }
                    set(party.institution.get_or_insert_with(String::new), bank);
                }
            }
            _ => {
                if r.len() < 4 {
                    return bad(format!("{} columns, expected 4", r.len()));
                }
                let Some(amount) = parse_amount(&r[2]) else {
                    return bad(format!("bad value {:?}", String::from_utf8_lossy(&r[2])));
                };
                if amount < 0.0 {
                    return bad(format!("negative value {amount}"));
                }
                let Some(step) =
                    std::str::from_utf8(&r[3]).ok().and_then(|s| s.trim().parse::<i64>().ok())
                else {
                    return bad(format!("bad time step {:?}", String::from_utf8_lossy(&r[3])));
                };
                if r[0].is_empty() || r[1].is_empty() {
                    return bad("empty node id".into());
                }
                tx.timestamp = self.options.amlsim_origin + step * self.options.amlsim_step;
                tx.amount = amount;
                tx.currency.clear();
                tx.currency.push_str("USD");
                tx.channel = Channel::Wire;
                set(&mut tx.originator.account, r.text(0));
                set(&mut tx.beneficiary.account, r.text(1));
                tx.originator.institution = None;
                tx.beneficiary.institution = None;
            }
        }
        rec.labels = match self.label_column {
            None => None,
            Some(c) => match r.get(c).map(truthy) {
                Some(Some(flag)) => Some(Labels { laundering: flag, ..Labels::default() }),
                Some(None) => {
                    return bad(format!("bad label {:?}", String::from_utf8_lossy(&r[c])));
                }
                None => None,
            },
        };
        Ok(Step::Record)
    }

    fn read_jsonl(&mut self, rec: &mut Record) -> Result<Step> {
        let Some(input) = &mut self.lines else { return Ok(Step::End) };
        loop {
            self.line.clear();
            if input.read_line(&mut self.line)? == 0 {
                return Ok(Step::End);
            }
            if !self.line.trim().is_empty() {
                break;
            }
        }
        self.row += 1;
        rec.row = self.row;
        let row = self.row;
        let raw: RawTransaction =
            match serde_json::from_str(self.line.trim_start_matches('\u{feff}')) {
                Ok(raw) => raw,
                Err(e) => return Ok(Step::Bad(BadRow { row, reason: e.to_string() })),
            };
        let timestamp = match raw.timestamp {
            RawTime::Millis(ms) => ms,
            RawTime::Text(text) => match text.parse::<jiff::Timestamp>() {
                Ok(t) => t.as_millisecond(),
                Err(e) => {
                    return Ok(Step::Bad(BadRow {
                        row,
                        reason: format!("bad timestamp {text:?}: {e}"),
                    }));
                }
            },
        };
        if !raw.amount.is_finite() || raw.amount < 0.0 {
            return Ok(Step::Bad(BadRow {
                row,
                reason: format!("amount {} is not a non-negative number", raw.amount),
            }));
        }
        let tx = &mut rec.transaction;
        tx.id = match raw.id {
            Some(RawId::Text(s)) if !s.is_empty() => s,
            Some(RawId::Number(n)) => n.to_string(),
            _ => row.to_string(),
        };
        tx.timestamp = timestamp;
        tx.amount = raw.amount;
        tx.currency =
            raw.currency.map_or_else(|| "USD".to_string(), |c| c.trim().to_ascii_uppercase());
        tx.channel = raw.channel.as_deref().map_or(Channel::Other, Channel::parse);
        tx.originator = raw.originator;
        tx.beneficiary = raw.beneficiary;
        tx.place = raw.place;
        tx.conductor = raw.conductor;
        tx.text = raw.text;
        tx.intermediaries = raw.intermediaries;
        rec.labels = raw.labels.map(|l| l.into_labels());
        Ok(Step::Record)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawId {
    Text(String),
    Number(i64),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawTime {
    Millis(i64),
    Text(String),
}

#[derive(Deserialize)]
struct RawTransaction {
    #[serde(default)]
    id: Option<RawId>,
    timestamp: RawTime,
    amount: f64,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    originator: Party,
    beneficiary: Party,
    #[serde(default)]
    place: Option<Place>,
    #[serde(default)]
    conductor: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    intermediaries: Vec<String>,
    #[serde(default)]
    labels: Option<RawLabels>,
}

/// The `labels` object of Vigia JSONL as `vigia simulate` writes it:
/// `{"typology": "fan_in", "scenario": "G2", "pattern": "G2-17"}` (or
/// `null`); an explicit `"laundering": true|false` (or `is_laundering`,
/// `sar`, 0/1) is read too, and without it a row with a pattern or a
/// typology is a positive.
#[derive(Deserialize, Default)]
struct RawLabels {
    #[serde(
        default,
        alias = "is_laundering",
        alias = "suspicious",
        alias = "sar",
        alias = "is_sar"
    )]
    laundering: Option<RawBool>,
    #[serde(default)]
    typology: Option<String>,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default, alias = "pattern_id", alias = "attempt")]
    pattern: Option<RawId>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawBool {
    Bool(bool),
    Number(i64),
}

impl RawLabels {
    fn into_labels(self) -> Labels {
        let laundering = match self.laundering {
            Some(RawBool::Bool(b)) => b,
            Some(RawBool::Number(n)) => n != 0,
            // A row with a typology or a pattern is part of one.
            None => self.typology.is_some() || self.pattern.is_some(),
        };
        let pattern = self.pattern.map(|p| match p {
            RawId::Text(s) => s,
            RawId::Number(n) => n.to_string(),
        });
        Labels { laundering, typology: self.typology, pattern, scenario: self.scenario }
    }
}

/// Reads account-level labels: AMLSim's `nodes.csv` (`nodeid,isFraud,...`)
/// or any CSV whose first column is the account and which has an
/// `isFraud`, `is_laundering`, `label` or `Is Laundering` column. Returns
/// the positive accounts and the number of accounts read.
pub fn read_account_labels(input: impl BufRead) -> Result<(Vec<String>, usize)> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = csv.headers().map_err(|e| Error::Format(format!("account labels: {e}")))?.clone();
    let Some(col) = headers.iter().position(|h| {
        ["isFraud", "is_laundering", "label", "Is Laundering", "isSAR", "is_sar"]
            .contains(&h.trim())
    }) else {
        return Err(Error::Format(format!(
            "account labels: no isFraud/is_laundering/label column in {:?}",
            headers.iter().collect::<Vec<_>>()
        )));
    };
    let mut positives = Vec::new();
    let mut n = 0;
    for (i, r) in csv.records().enumerate() {
        let r = r.map_err(|e| Error::Row(BadRow { row: i as u64 + 1, reason: e.to_string() }))?;
        n += 1;
        let flag = r.get(col).and_then(|v| truthy(v.as_bytes()));
        match flag {
            Some(true) => positives.push(r.get(0).unwrap_or("").trim().to_string()),
            Some(false) => {}
            None => {
                return Err(Error::Row(BadRow {
                    row: i as u64 + 1,
                    reason: format!("bad label {:?}", r.get(col).unwrap_or("")),
                }));
            }
        }
    }
    Ok((positives, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = std::result::Result<(Transaction, Option<Labels>), BadRow>;

    fn read_all(text: &str, format: Option<Format>) -> Result<Vec<Row>> {
        let mut reader = TransactionReader::new(
            text.as_bytes(),
            ReaderOptions { format, ..ReaderOptions::default() },
        )?;
        let mut out = Vec::new();
        let mut rec = Record::default();
        loop {
            match reader.read(&mut rec)? {
                Step::Record => out.push(Ok((rec.transaction.clone(), rec.labels.clone()))),
                Step::Bad(b) => out.push(Err(b)),
                Step::End => return Ok(out),
            }
        }
    }

    #[test]
    fn amlworld_rows() {
        let text = "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering\n\
2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0\n\
2022/09/01 00:20,03208,8000F4580,001,8000F5340,0.01,Euro,0.01,Euro,Cheque,1\n\
2022/09/01 00:21,03209,8000F4670,001,8000F5350,(null),US Dollar,(null),US Dollar,Cash,0\n\
2022/13/01 00:21,03209,8000F4670,001,8000F5350,1,US Dollar,1,US Dollar,Cash,0\n\
2022/09/01 00:22,03209,8000F4670,001,8000F5350,1,Dinar,1,Dinar,Wire,0\n\
2022/09/01 00:22,03209,8000F4670,001,8000F5350,5,US Dollar,5,US Dollar,ACH,2\n\
2022/09/01 00:22,03209\n\
2022/09/01 00:23,1,A,2,B,-4,US Dollar,-4,US Dollar,Wire,0\n";
        let rows = read_all(text, None).unwrap();
        let (t, l) = rows[0].as_ref().unwrap();
        assert_eq!(t.id, "1");
        assert_eq!(t.originator.account, "010:8000EBD30");
        assert_eq!(t.originator.institution.as_deref(), Some("010"));
        assert_eq!(t.channel, Channel::Internal);
        assert_eq!(
            t.timestamp,
            "2022-09-01T00:20:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond()
        );
        assert_eq!(l.as_ref().map(|l| l.laundering), Some(false));
        let (t, l) = rows[1].as_ref().unwrap();
        assert_eq!((t.currency.as_str(), t.channel), ("EUR", Channel::Cheque));
        assert!(l.as_ref().unwrap().laundering);
        fn check(row: &Row, n: u64, reason: &str) {
            let b = row.as_ref().unwrap_err();
            assert_eq!(b.row, n);
            assert!(b.reason.contains(reason), "{b}");
        }
        check(&rows[2], 3, "bad Amount Paid \"(null)\"");
        check(&rows[3], 4, "bad timestamp");
        check(&rows[4], 5, "unknown Payment Currency \"Dinar\"");
        check(&rows[5], 6, "bad label \"2\"");
        check(&rows[6], 7, "2 columns");
        check(&rows[7], 8, "negative");
    }

    #[test]
    fn amlworld_time_in_place_and_the_general_way_agree() {
        let ms = |t: &str| t.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        for (text, want) in [
            ("2022/09/01 00:20", Some(ms("2022-09-01T00:20:00Z"))),
            ("2022/09/01 00:20:07", Some(ms("2022-09-01T00:20:07Z"))),
            ("2024/02/29 23:59", Some(ms("2024-02-29T23:59:00Z"))),
            (" 2022/09/01 00:20 ", Some(ms("2022-09-01T00:20:00Z"))),
            ("2022-9-1 0:20", Some(ms("2022-09-01T00:20:00Z"))),
            ("2022/13/01 00:20", None),
            ("2022/09/01 24:00", None),
            ("2022/09/01 00:6x", None),
            ("2022/09/01 00:20:", None),
        ] {
            assert_eq!(parse_amlworld_time(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn empty_amlworld_account_is_no_account() {
        let text = "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering\n\
2022/09/01 00:20,0,,001,8000F5340,9000,US Dollar,9000,US Dollar,Cash,0\n";
        let rows = read_all(text, None).unwrap();
        let (t, _) = rows[0].as_ref().unwrap();
        assert_eq!(t.originator.account, "");
        assert_eq!(t.originator.institution.as_deref(), Some("0"));
        assert_eq!(t.beneficiary.account, "001:8000F5340");
    }

    /// The rows as the `csv` crate reads them (flexible, no header), each
    /// field read lossily.
    fn csv_crate_rows(input: &[u8]) -> Vec<Vec<String>> {
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut record = csv::ByteRecord::new();
        let mut rows = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            rows.push(record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect());
        }
        rows
    }

    /// Hands its bytes over a few at a time, as a pipe can.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1 = self.1 % 7 + 1;
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn split_rows(input: impl BufRead) -> Vec<Vec<String>> {
        let mut rows = CsvRows::new(WholeLines { inner: input });
        let mut out = Vec::new();
        while rows.next_row().unwrap() {
            out.push((0..rows.len()).map(|i| rows.field(i).to_string()).collect());
        }
        out
    }

    #[test]
    fn rows_split_in_place_are_the_csv_crates() {
        let long = format!("{},x\n", "a".repeat(200_000));
        let mut cases: Vec<Vec<u8>> = [
            "a,b,c\n1,2,3\n",
            "a,b\n\n\nc,d",
            "a,\"b,c\",d\n\"x\ny\",z\n",
            "\"a\"\"b\",c\r\nd,e\r\n",
            "a,b\rc,d\n\re,f\r\r\ng\n",
            "ab\"c,d\ne,f\n",
            ",,\n,\n \n",
            "\"unterminated,a\nb\n",
            "\u{feff}Timestamp,x\n\u{e9},\u{e9}t\u{e9}\n",
            long.as_str(),
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        cases.push(b"a,\xff\xfe,b\n\xc3,\xa9\n\"\xc3\",\"\xa9\"\n".to_vec());
        // Every short string over the bytes that matter to a CSV parser.
        let alphabet: &[u8] = b"a,\"\r\n\xc3";
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let mut bytes = Vec::with_capacity(len);
            let mut bits = seed;
            for _ in 0..len {
                bytes.push(alphabet[(bits % alphabet.len() as u64) as usize]);
                bits = bits.rotate_right(5) ^ seed;
            }
            cases.push(bytes);
        }
        for case in &cases {
            let want = csv_crate_rows(case);
            assert_eq!(split_rows(case.as_slice()), want, "{:?}", String::from_utf8_lossy(case));
            if case.starts_with(b"\xef\xbb\xbf") {
                // `csv_core` drops a byte-order mark it sees whole only.
                continue;
            }
            let trickled = BufReader::with_capacity(5, Trickle(case, 0));
            assert_eq!(split_rows(trickled), want, "{:?}", String::from_utf8_lossy(case));
        }
    }

    #[test]
    fn row_ids_are_the_row_numbers_in_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 123_456_789, u64::MAX] {
            let mut id = String::from("x");
            push_decimal(&mut id, n);
            assert_eq!(id, format!("x{n}"));
        }
    }

    #[test]
    fn amlsim_rows() {
        let text = "sourceNodeId,targetNodeId,value,time\n216,14730,163.3,1\n\n322,5431,x,1\n78,19972,192.33,step\n1,2,3,0\n";
        let rows = read_all(text, None).unwrap();
        let (t, l) = rows[0].as_ref().unwrap();
        assert_eq!(
            (t.originator.account.as_str(), t.beneficiary.account.as_str(), t.amount),
            ("216", "14730", 163.3)
        );
        assert_eq!(
            t.timestamp,
            "2017-01-02T00:00:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond()
        );
        assert_eq!(l, &None);
        assert_eq!(rows[1].as_ref().unwrap_err().row, 2);
        assert!(rows[2].as_ref().unwrap_err().reason.contains("bad time step"));
        assert_eq!(rows[3].as_ref().unwrap().0.id, "4");
    }

    #[test]
    fn jsonl_rows() {
        let text = r#"{"id": "w1", "timestamp": "2025-07-01T10:00:00Z", "amount": 9500, "currency": "usd", "channel": "cash", "originator": {"account": "", "name": "Ana"}, "beneficiary": {"account": "A1", "state": "TX"}, "place": {"id": "BR1", "zip": "79901"}, "labels": {"laundering": true, "typology": "structuring", "scenario": "A3", "pattern": 7}}
{"timestamp": 1751364000000, "amount": 10, "originator": {"account": "X"}, "beneficiary": {"account": "Y"}}

{"timestamp": "yesterday", "amount": 1, "originator": {"account": "X"}, "beneficiary": {"account": "Y"}}
{"amount": 1}
not json
{"timestamp": 1, "amount": -3, "originator": {"account": "X"}, "beneficiary": {"account": "Y"}}
"#;
        let rows = read_all(text, None).unwrap();
        let (t, l) = rows[0].as_ref().unwrap();
        assert_eq!((t.id.as_str(), t.currency.as_str(), t.channel), ("w1", "USD", Channel::Cash));
        assert_eq!(t.place.as_ref().and_then(|p| p.zip.as_deref()), Some("79901"));
        assert_eq!(
            l,
            &Some(Labels {
                laundering: true,
                typology: Some("structuring".into()),
                pattern: Some("7".into()),
                scenario: Some("A3".into())
            })
        );
        let (t, l) = rows[1].as_ref().unwrap();
        assert_eq!(
            (t.id.as_str(), t.currency.as_str(), t.timestamp),
            ("2", "USD", 1_751_364_000_000)
        );
        assert_eq!(l, &None);
        assert_eq!(rows[2].as_ref().unwrap_err().row, 3);
        assert!(rows[2].as_ref().unwrap_err().reason.contains("bad timestamp"));
        assert!(rows[3].as_ref().unwrap_err().reason.contains("missing field"));
        assert_eq!(rows[4].as_ref().unwrap_err().row, 5);
        assert!(rows[5].as_ref().unwrap_err().reason.contains("non-negative"));
    }

    #[test]
    fn detection_errors() {
        let err = TransactionReader::new("a,b,c\n1,2,3\n".as_bytes(), ReaderOptions::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("give --format"), "{err}");
        let err = TransactionReader::new(
            "x,y\n".as_bytes(),
            ReaderOptions { format: Some(Format::AmlSim), ..ReaderOptions::default() },
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("header must start with"), "{err}");
        assert_eq!(Format::parse("AMLworld"), Some(Format::AmlWorld));
    }

    #[test]
    fn account_labels() {
        let (pos, n) = read_account_labels(
            "nodeid,isFraud,init_balance,fraudStep\n0,0,1,-1\n7,1,2,22\n".as_bytes(),
        )
        .unwrap();
        assert_eq!((pos, n), (vec!["7".to_string()], 2));
        assert!(read_account_labels("a,b\n1,2\n".as_bytes()).is_err());
    }

    /// Rows as `read_batch` hands them out, batch by batch.
    fn read_batches(input: impl BufRead, capacity: usize) -> (Vec<Vec<Row2>>, Result<()>) {
        let mut reader = match TransactionReader::new(input, ReaderOptions::default()) {
            Ok(r) => r,
            Err(e) => return (Vec::new(), Err(e)),
        };
        let mut batch = Batch::new(capacity);
        let mut out = Vec::new();
        loop {
            let outcome = reader.read_batch(&mut batch);
            out.push(
                batch
                    .rows()
                    .map(|r| match r {
                        super::Row::Record(r) => Ok((r.row, r.transaction.clone())),
                        super::Row::Bad(b) => Err(b.clone()),
                    })
                    .collect(),
            );
            match outcome {
                Ok(true) => {}
                Ok(false) => return (out, Ok(())),
                Err(e) => return (out, Err(e)),
            }
        }
    }

    type Row2 = std::result::Result<(u64, Transaction), BadRow>;

    #[test]
    fn batches_hold_the_rows_of_single_reads_in_order() {
        let mut csv = String::from(
            "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format\n",
        );
        for i in 0..50 {
            match i % 7 {
                3 => csv.push_str("2022/09/01 00:20,1,A\n"),
                5 => csv.push_str("2022/09/01 00:20,1,A,2,B,x,US Dollar,x,US Dollar,Wire\n"),
                _ => csv.push_str(&format!(
                    "2022/09/01 00:{:02},1,A{i},2,B,{i}.5,US Dollar,{i}.5,US Dollar,Wire\n",
                    i % 60
                )),
            }
        }
        let mut jsonl = String::new();
        for i in 0..30 {
            if i % 4 == 1 {
                jsonl.push_str("not json\n\n");
            } else {
                jsonl.push_str(&format!(
                    "{{\"timestamp\": {i}, \"amount\": {i}, \"originator\": {{\"account\": \"X{i}\"}}, \"beneficiary\": {{\"account\": \"Y\"}}}}\n"
                ));
            }
        }
        let amlsim = "sourceNodeId,targetNodeId,value,time\n1,2,3,0\n1,2,x,0\n\n2,3,4,1\n3,4,5,2\n";
        for text in [csv.as_str(), jsonl.as_str(), amlsim] {
            let single: Vec<Row2> = read_all(text, None)
                .unwrap()
                .into_iter()
                .enumerate()
                .map(|(i, r)| r.map(|(t, _)| (i as u64 + 1, t)))
                .collect();
            for capacity in [1, 2, 3, 7, 1000] {
                let (batches, outcome) = read_batches(text.as_bytes(), capacity);
                outcome.unwrap();
                assert!(batches.iter().all(|b| b.len() <= capacity));
                assert!(batches[..batches.len() - 1].iter().all(|b| !b.is_empty()));
                let flat: Vec<Row2> = batches.into_iter().flatten().collect();
                assert_eq!(flat, single, "capacity {capacity}");
            }
        }
    }

    /// A source that has `ready` now and would wait for more: a second read
    /// is a failure of the test.
    struct Waiting<'a> {
        ready: &'a [u8],
    }

    impl Read for Waiting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            assert!(!self.ready.is_empty(), "read again while holding rows");
            let n = self.ready.len().min(buf.len());
            buf[..n].copy_from_slice(&self.ready[..n]);
            self.ready = &self.ready[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_batch_does_not_wait_for_input_while_holding_rows() {
        let csv = "sourceNodeId,targetNodeId,value,time\n1,2,3,0\n2,3,4,1\r\n3,4,5,2\n";
        let jsonl = "{\"timestamp\": 1, \"amount\": 1, \"originator\": {\"account\": \"X\"}, \"beneficiary\": {\"account\": \"Y\"}}\n\n{\"timestamp\": 2, \"amount\": 1, \"originator\": {\"account\": \"X\"}, \"beneficiary\": {\"account\": \"Y\"}}\n";
        for (text, rows) in [(csv, 3), (jsonl, 2)] {
            let input = std::io::BufReader::new(Waiting { ready: text.as_bytes() });
            let mut reader = TransactionReader::new(input, ReaderOptions::default()).unwrap();
            let mut batch = Batch::new(100);
            assert!(reader.read_batch(&mut batch).unwrap());
            assert_eq!(batch.len(), rows, "{text}");
        }
    }

    /// A source that fails after `ok`.
    struct Failing<'a> {
        ok: &'a [u8],
    }

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.ok.is_empty() {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = self.ok.len().min(buf.len());
            buf[..n].copy_from_slice(&self.ok[..n]);
            self.ok = &self.ok[n..];
            Ok(n)
        }
    }

    #[test]
    fn runs_hold_the_rows_in_order() {
        // Bad rows first, last, adjacent and alone: the runs, flattened,
        // are the rows.
        let text = "sourceNodeId,targetNodeId,value,time\n\
                    1,2,x,0\n1,2,3,1\n2,3,4,2\n2,3,y,3\n2,3,z,4\n3,4,5,5\n3,4,w,6\n";
        for capacity in [1, 2, 3, 100] {
            let mut reader =
                TransactionReader::new(text.as_bytes(), ReaderOptions::default()).unwrap();
            let mut batch = Batch::new(capacity);
            let mut bad_seen = 0;
            loop {
                let more = reader.read_batch(&mut batch).unwrap();
                let rows: Vec<i64> = batch
                    .rows()
                    .map(|r| match r {
                        super::Row::Record(r) => r.row as i64,
                        super::Row::Bad(b) => -(b.row as i64),
                    })
                    .collect();
                let mut from_runs = Vec::new();
                for (run, bad) in batch.runs() {
                    from_runs.extend(run.iter().map(|r| r.row as i64));
                    from_runs.extend(bad.map(|b| -(b.row as i64)));
                }
                assert_eq!(from_runs, rows, "capacity {capacity}");
                bad_seen += rows.iter().filter(|r| **r < 0).count();
                if !more {
                    break;
                }
            }
            assert_eq!(bad_seen, 4, "capacity {capacity}");
        }
    }

    #[test]
    fn rows_before_a_read_error_come_before_it() {
        let text = "sourceNodeId,targetNodeId,value,time\n1,2,3,0\n2,3,x,1\n3,4,5,2\n";
        let input = std::io::BufReader::new(Failing { ok: text.as_bytes() });
        let (batches, outcome) = read_batches(input, 100);
        assert!(outcome.unwrap_err().to_string().contains("disk gone"));
        let flat: Vec<Row2> = batches.into_iter().flatten().collect();
        assert_eq!(flat.len(), 3);
        assert_eq!(flat[1].as_ref().unwrap_err().row, 2);
        assert_eq!(flat[2].as_ref().unwrap().0, 3);
    }

    #[test]
    fn amounts_read_in_place_are_the_parsed_ones() {
        let mut texts: Vec<String> = [
            "0",
            "0.01",
            "3697.34",
            "12000",
            ".5",
            "1.",
            "007.10",
            "-4",
            " 5",
            "1e3",
            "(null)",
            "",
            ".",
            "1.2.3",
            "999999999999999",
            "9999999999999999",
            "0.000000000000001",
            "123456789012.345",
            "1234567890123456789012",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        // Cents and fractions of every size, as the files hold them.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let whole = x % 10u64.pow((x >> 60) as u32 % 13);
            let places = (x >> 40) as usize % 8;
            let frac = (x >> 8) % 10u64.pow(places as u32);
            texts.push(if places == 0 {
                whole.to_string()
            } else {
                format!("{whole}.{frac:0places$}")
            });
        }
        for text in &texts {
            let general = text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
            assert_eq!(parse_amount(text.as_bytes()), general, "{text:?}");
        }
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(parse_amlworld_time(b"2022/09/01 00:20"), Some(1_661_991_600_000));
    }
}
