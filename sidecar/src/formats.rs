//! Log formats: detection from the first bytes, and a decoder that turns bytes, fed as they
//! arrive, into entries (flat `key -> value` fields with their line number).
//!
//! | format | detected by | unit |
//! |---|---|---|
//! | TensorBoard event file | a valid TFRecord length checksum in the first 12 bytes | record |
//! | JSON lines (TRL / verl / OpenRLHF callbacks, flat or nested) | first non-blank line is a complete `{...}` | line |
//! | `trainer_state.json` / JSON array of entries | first non-blank line starts a `{` or `[` that is not complete on it | whole document |
//! | CSV (W&B, TensorBoard, verl exports) | first line has a `,` and no `{`, `[` or `:` | line |
//! | text log with printed dicts (TRL stdout, tqdm noise) | anything else | `{...}` inside a line |
//!
//! Line units are decoded as soon as their newline arrives; the bytes after the last newline wait
//! (a line being written). At the end of the input a last line without newline is decoded too,
//! unless it does not parse: then it is a half-written line and is counted as ignored, not an
//! error. Memory: the unconsumed bytes (at most one line, [`MAX_LINE`]) plus the CSV header; a
//! whole-document format holds its document.

use crate::tfevents;
use crate::value::{self, Fields, Scalar};
use std::collections::BTreeMap;

/// Longest line accepted (a bound on the buffer of a line being written).
pub const MAX_LINE: usize = 4 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
    TrainerState,
    TextDicts,
    TfEvents,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
            Format::TrainerState => "trainer-state",
            Format::TextDicts => "text",
            Format::TfEvents => "tfevents",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        [
            Format::Csv,
            Format::JsonLines,
            Format::TrainerState,
            Format::TextDicts,
            Format::TfEvents,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }
}

/// One log entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Line (or TFRecord record, or `log_history` index) number, 1-based.
    pub line: u64,
    pub fields: Fields,
    /// Step printed by a progress bar right before a printed dict (`12/100 [`), if any.
    pub bar_step: Option<f64>,
    /// The entry has no step of its own by nature (printed dicts): count entries instead.
    pub implicit_step: bool,
}

/// A malformed input: where and what (rendered as `source:line: problem`).
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    pub line: u64,
    pub problem: String,
}

pub struct Decoder {
    pub format: Option<Format>,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    start: usize,
    /// Lines (records) consumed so far.
    line: u64,
    header: Option<Vec<String>>,
    /// Ignored units by reason (reported in the summary).
    pub ignored: BTreeMap<&'static str, u64>,
}

impl Decoder {
    pub fn new(format: Option<Format>) -> Self {
        Decoder {
            format,
            buf: Vec::new(),
            start: 0,
            line: 0,
            header: None,
            ignored: BTreeMap::new(),
        }
    }

    /// Forget the position (the file was truncated or replaced): the next bytes are a new
    /// file of the same format (a CSV gets its header again).
    pub fn restart(&mut self) {
        self.buf.clear();
        self.start = 0;
        self.line = 0;
        self.header = None;
    }

    /// Whole-document formats are decoded at the end (or re-read by the follower).
    pub fn is_document(&self) -> bool {
        self.format == Some(Format::TrainerState)
    }

    fn ignore(&mut self, why: &'static str) {
        *self.ignored.entry(why).or_insert(0) += 1;
    }

    /// Feed bytes; complete units are decoded into `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Entry>) -> Result<(), Malformed> {
        self.buf.extend_from_slice(bytes);
        self.drain(out, false)
    }

    /// End of input: decode what is left.
    pub fn finish(&mut self, out: &mut Vec<Entry>) -> Result<(), Malformed> {
        if self.format.is_none() && self.start < self.buf.len() {
            self.detect(true);
        }
        self.drain(out, true)?;
        if self.format == Some(Format::TfEvents) && self.start < self.buf.len() {
            self.ignore("partial last record");
            self.start = self.buf.len();
        }
        if self.is_document() {
            let text = std::mem::take(&mut self.buf);
            self.start = 0;
            self.document(&text, out)?;
        }
        Ok(())
    }

    /// Decodes a whole document (trainer_state.json or an array of entries).
    pub fn document(&mut self, text: &[u8], out: &mut Vec<Entry>) -> Result<(), Malformed> {
        let text = std::str::from_utf8(text).map_err(|e| Malformed {
            line: line_of(text, e.valid_up_to()),
            problem: "not UTF-8 text".into(),
        })?;
        let entries = value::parse_document(text).map_err(|e| Malformed {
            line: line_of(text.as_bytes(), e.offset),
            problem: e.problem,
        })?;
        for (i, fields) in entries.into_iter().enumerate() {
            out.push(Entry {
                line: i as u64 + 1,
                fields,
                bar_step: None,
                implicit_step: false,
            });
        }
        Ok(())
    }

    fn detect(&mut self, at_end: bool) -> bool {
        let b = &self.buf[self.start..];
        if tfevents::looks_like_tfrecord(b) {
            self.format = Some(Format::TfEvents);
            return true;
        }
        let skip = b
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(b.len());
        let rest = &b[skip..];
        let Some(end) = rest
            .iter()
            .position(|&c| c == b'\n')
            .or(at_end.then_some(rest.len()))
        else {
            if b.len() >= MAX_LINE {
                self.format = Some(Format::TextDicts);
                return true;
            }
            return false;
        };
        let first = String::from_utf8_lossy(&rest[..end]);
        let first = first.trim();
        self.format = Some(if first.starts_with('{') {
            match value::parse_object(first) {
                Ok(_) => Format::JsonLines,
                Err(_) => Format::TrainerState,
            }
        } else if first
            .strip_prefix('[')
            .is_some_and(|r| r.trim().is_empty() || r.trim_start().starts_with('{'))
        {
            Format::TrainerState
        } else if first.contains(',') && !first.contains(['{', '[', ':']) {
            Format::Csv
        } else {
            Format::TextDicts
        });
        true
    }

    fn drain(&mut self, out: &mut Vec<Entry>, at_end: bool) -> Result<(), Malformed> {
        if self.format.is_none() && !self.detect(at_end) {
            return Ok(());
        }
        match self.format {
            Some(Format::TrainerState) | None => Ok(()),
            Some(Format::TfEvents) => self.drain_records(out),
            Some(_) => self.drain_lines(out, at_end),
        }
        .map(|()| {
            // keep the buffer small: drop consumed bytes once they dominate
            if self.start > 0 && self.start * 2 >= self.buf.len() {
                self.buf.drain(..self.start);
                self.start = 0;
            }
        })
    }

    fn drain_records(&mut self, out: &mut Vec<Entry>) -> Result<(), Malformed> {
        loop {
            let b = &self.buf[self.start..];
            let at = self.line + 1;
            let fail = |problem: String| Malformed { line: at, problem };
            match tfevents::frame(b).map_err(|e| fail(format!("record {at}: {e}")))? {
                tfevents::Frame::Partial => return Ok(()),
                tfevents::Frame::Record { len, total } => {
                    let data = &b[tfevents::HEADER..tfevents::HEADER + len];
                    let decoded = tfevents::decode_event(data)
                        .map_err(|e| fail(format!("record {at}: {e}")))?;
                    self.start += total;
                    self.line += 1;
                    match decoded {
                        Some((step, scalars)) => {
                            let mut fields = Vec::with_capacity(scalars.len() + 1);
                            fields.push(("step".to_string(), Scalar::Num(step as f64)));
                            fields.extend(scalars.into_iter().map(|(k, v)| (k, Scalar::Num(v))));
                            out.push(Entry {
                                line: self.line,
                                fields,
                                bar_step: None,
                                implicit_step: false,
                            });
                        }
                        None => self.ignore("events without scalars"),
                    }
                }
            }
        }
    }

    fn drain_lines(&mut self, out: &mut Vec<Entry>, at_end: bool) -> Result<(), Malformed> {
        loop {
            let b = &self.buf[self.start..];
            let (end, next, complete) = match b.iter().position(|&c| c == b'\n') {
                Some(i) => (i, i + 1, true),
                None if at_end && !b.is_empty() => (b.len(), b.len(), false),
                None => {
                    if b.len() > MAX_LINE {
                        return Err(Malformed {
                            line: self.line + 1,
                            problem: format!("line longer than {MAX_LINE} bytes"),
                        });
                    }
                    return Ok(());
                }
            };
            self.line += 1;
            let raw = b[..end].to_vec();
            self.start += next;
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\r', '\n']);
            match self.decode_line(line, out) {
                Ok(()) => {}
                // a half-written last line (no newline yet at the end of the input) is not an
                // error: the writer was interrupted or is still writing
                Err(_) if !complete => self.ignore("partial last line"),
                Err(e) => return Err(e),
            }
            if !complete {
                return Ok(());
            }
        }
    }

    fn decode_line(&mut self, line: &str, out: &mut Vec<Entry>) -> Result<(), Malformed> {
        let at = self.line;
        if line.trim().is_empty() {
            return Ok(());
        }
        match self.format {
            Some(Format::JsonLines) => {
                let t = line.trim();
                let (fields, n) = value::parse_object(t).map_err(|e| Malformed {
                    line: at,
                    problem: format!("not a JSON object: {} (column {})", e.problem, e.offset + 1),
                })?;
                if !t[n..].trim().is_empty() {
                    return Err(Malformed {
                        line: at,
                        problem: format!("text after the JSON object (column {})", n + 1),
                    });
                }
                out.push(Entry {
                    line: at,
                    fields,
                    bar_step: None,
                    implicit_step: false,
                });
            }
            Some(Format::Csv) => {
                let cells = split_csv(line).map_err(|problem| Malformed { line: at, problem })?;
                let Some(header) = &self.header else {
                    self.header = Some(cells);
                    return Ok(());
                };
                if cells.len() != header.len() {
                    return Err(Malformed {
                        line: at,
                        problem: format!("{} cells, the header has {}", cells.len(), header.len()),
                    });
                }
                let fields = header
                    .iter()
                    .zip(cells)
                    .filter(|(_, c)| !c.trim().is_empty())
                    .map(|(h, c)| {
                        let v = match parse_cell(&c) {
                            Some(x) => Scalar::Num(x),
                            None => Scalar::Str(c),
                        };
                        (h.clone(), v)
                    })
                    .collect();
                out.push(Entry {
                    line: at,
                    fields,
                    bar_step: None,
                    implicit_step: false,
                });
            }
            Some(Format::TextDicts) => {
                let mut found = false;
                let mut from = 0;
                while let Some(k) = line[from..].find('{') {
                    let i = from + k;
                    match value::parse_object(&line[i..]) {
                        Ok((fields, n)) if !fields.is_empty() => {
                            out.push(Entry {
                                line: at,
                                fields,
                                bar_step: progress_bar_step(&line[..i]),
                                implicit_step: true,
                            });
                            found = true;
                            from = i + n;
                        }
                        _ => from = i + 1,
                    }
                }
                if !found {
                    self.ignore("text lines without a dict");
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// 1-based line number of byte `offset`.
fn line_of(text: &[u8], offset: usize) -> u64 {
    1 + text[..offset.min(text.len())]
        .iter()
        .filter(|&&c| c == b'\n')
        .count() as u64
}

/// A CSV number: decimal, or Python/pandas spellings of non-finite values.
pub fn parse_cell(c: &str) -> Option<f64> {
    let t = c.trim();
    match t {
        "nan" | "NaN" | "NAN" => Some(f64::NAN),
        "inf" | "Infinity" | "+inf" => Some(f64::INFINITY),
        "-inf" | "-Infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    }
}

/// Splits one CSV line (RFC 4180 quoting within the line: `"a,b"`, `""` for a quote).
pub fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut col = 0usize;
    while let Some(c) = chars.next() {
        col += 1;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && cur.trim().is_empty() {
            cur.clear();
            quoted = true;
        } else if c == ',' {
            cells.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if quoted {
        return Err(format!("unterminated quoted cell (column {col})"));
    }
    cells.push(cur);
    Ok(cells)
}

/// The step of a tqdm bar printed right before a dict: the last `N/M [` in `text`.
fn progress_bar_step(text: &str) -> Option<f64> {
    let i = text.rfind(" [")?;
    let head = text[..i].trim_end();
    let slash = head.rfind('/')?;
    let total = &head[slash + 1..];
    let done_start = head[..slash]
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(0, |(j, c)| j + c.len_utf8());
    let done = &head[done_start..slash];
    if done.is_empty() || total.is_empty() || !total.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    done.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &[u8], chunk: usize) -> (Result<Vec<Entry>, Malformed>, Decoder) {
        let mut d = Decoder::new(None);
        let mut out = Vec::new();
        for c in text.chunks(chunk.max(1)) {
            if let Err(e) = d.feed(c, &mut out) {
                return (Err(e), d);
            }
        }
        let r = d.finish(&mut out).map(|()| out);
        (r, d)
    }

    #[test]
    fn detection() {
        for (t, f) in [
            ("{\"step\": 1, \"reward\": 0.5}\n", Format::JsonLines),
            ("{\n  \"log_history\": []\n}\n", Format::TrainerState),
            ("[{\"step\": 1}]", Format::TrainerState),
            ("Step,Value\n1,2\n", Format::Csv),
            ("\"Wall time\",\"Step\",\"Value\"\n", Format::Csv),
            (
                "INFO 05-06 07:59:41 config.py:542] x, y\n",
                Format::TextDicts,
            ),
            ("[gating] base = x\n", Format::TextDicts),
        ] {
            let (_, d) = decode(t.as_bytes(), 3);
            assert_eq!(d.format, Some(f), "{t}");
        }
    }

    #[test]
    fn lines_split_across_chunks_and_partial_last_line() {
        let t =
            b"{\"step\": 1, \"reward\": 0.5}\n{\"step\": 2, \"reward\": 0.6}\n{\"step\": 3, \"rew";
        for chunk in [1, 2, 7, 100] {
            let (r, d) = decode(t, chunk);
            let r = r.unwrap();
            assert_eq!(r.len(), 2, "chunk {chunk}");
            assert_eq!(d.ignored.get("partial last line"), Some(&1));
        }
        // a complete but malformed line is an error with its line number
        let (r, _) = decode(b"{\"step\": 1}\n{\"step\": 2,,}\n", 5);
        let e = r.unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.problem.contains("not a JSON object"), "{e:?}");
    }

    #[test]
    fn csv_quotes_and_cells() {
        assert_eq!(
            split_csv("\"a,b\",c,\"d\"\"e\"").unwrap(),
            vec!["a,b", "c", "d\"e"]
        );
        assert!(split_csv("\"a,b").is_err());
        let (r, _) = decode(b"step,reward\n1,2\n3\n", 4);
        let e = r.unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.problem.contains("1 cells, the header has 2"));
    }

    /// Arbitrary bytes (and mutations of every format's real shape) never panic the decoder:
    /// each ends in entries or a `Malformed`.
    #[test]
    fn arbitrary_bytes_never_panic() {
        let seeds: [&[u8]; 6] = [
            b"{\"step\": 1, \"reward\": 0.5, \"d\": {\"x\": [1, {\"y\": NaN}]}}\n",
            b"\"Step\",\"r - train/reward\"\n1,\"0.5\"\n",
            b"{\n \"log_history\": [{\"step\": 1, \"reward\": -Infinity}]\n}",
            "\u{258c} 5/100 [00:01<00:02, 1.0s/it]{'reward': 0.5, 'x': None}\n".as_bytes(),
            b"[{\"step\": 2}]",
            b"",
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut tf = crate::tfevents::tests::record(&[0x10, 0x01, 0x2a, 0x02, 0x0a, 0x00]);
        tf.extend_from_slice(&tf.clone());
        for round in 0..3000 {
            let mut b: Vec<u8> = match round % 7 {
                6 => tf.clone(),
                k => seeds[k].to_vec(),
            };
            if round % 3 == 0 {
                b = (0..next() % 64).map(|_| next() as u8).collect();
            }
            for _ in 0..next() % 4 {
                if !b.is_empty() {
                    let i = (next() as usize) % b.len();
                    b[i] = next() as u8;
                }
            }
            let _ = decode(&b, 1 + (next() % 5) as usize);
        }
    }

    #[test]
    fn printed_dicts_with_progress_bars() {
        let t = "  4%|4  | 4/100 [21:02<8:25:13, 315.76s/it]  5%|5  | 5/100 [26:14<8:17:55, 314.48s/it]     {'loss': 0.0, 'reward': 0.46, 'epoch': 0.01}\nINFO {'generate', 'embed'} x\n";
        let (r, d) = decode(t.as_bytes(), 9);
        let r = r.unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].bar_step, Some(5.0));
        assert_eq!(progress_bar_step("\u{258c}12/100 ["), Some(12.0));
        assert_eq!(d.ignored.get("text lines without a dict"), Some(&1));
    }
}
