//! A lenient reader of one JSON value or Python literal, flattened into numeric fields.
//!
//! Trainers write their logs with Python: `json.dumps` emits `NaN`, `Infinity` and `-Infinity`
//! (not JSON, but what `trainer_state.json` holds after a diverged step), and `print(logs)`
//! emits a Python dict (`{'loss': 0.0, 'reward': 0.53, 'flag': True, 'x': None, 'y': nan}`).
//! One grammar covers both: JSON plus single-quoted strings, `True`/`False`/`None`, `NaN`,
//! `nan`, `Infinity`, `inf` (either sign) and a trailing comma.
//!
//! Objects are flattened into a list of `(key, Scalar)` fields: the members of a nested object
//! are lifted under their own names (`{"step": 3, "data": {"critic/score/mean": 0.4}}` gives
//! `step` and `critic/score/mean`), under `parent/name` when that name is already taken. Arrays
//! are skipped (no log keeps a per-step reward in one). Cost: O(length of the text).

/// A leaf of a log entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// A number (may be NaN or infinite: `NaN`, `Infinity`, `nan`, `inf` tokens).
    Num(f64),
    /// A string (a CSV cell that is not a number, a run name, ...).
    Str(String),
    /// `null`, `None`, a boolean or an array: present but not a number.
    Other,
}

/// A top-level object: its flattened fields in document order.
pub type Fields = Vec<(String, Scalar)>;

/// Where a parse stopped: byte offset and problem.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub offset: usize,
    pub problem: String,
}

/// Parses one object starting at `text[0]` (after optional blanks). Returns the fields and the
/// number of bytes consumed (the object's end); trailing text is the caller's business.
pub fn parse_object(text: &str) -> Result<(Fields, usize), SyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.blank();
    if p.peek() != Some(b'{') {
        return Err(p.error("expected an object ('{')"));
    }
    let mut fields = Fields::new();
    p.object(&mut fields, "")?;
    Ok((fields, p.i))
}

/// Deepest nesting accepted (a bound on the recursion, so hostile input cannot overflow the
/// stack).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, problem: &str) -> SyntaxError {
        let found = match self.peek() {
            None => "end of input".to_string(),
            Some(b) if b.is_ascii_graphic() => format!("'{}'", b as char),
            Some(b) => format!("byte 0x{b:02x}"),
        };
        SyntaxError {
            offset: self.i,
            problem: format!("{problem}, found {found}"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn blank(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(())
    }

    /// `{ key: value, ... }` at `self.i`, members appended to `out` (nested ones lifted).
    fn object(&mut self, out: &mut Fields, parent: &str) -> Result<(), SyntaxError> {
        self.enter()?;
        self.i += 1; // '{'
        loop {
            self.blank();
            if self.eat(b'}') {
                break;
            }
            let key = match self.peek() {
                Some(q @ (b'"' | b'\'')) => self.string(q)?,
                _ => return Err(self.error("expected a quoted key or '}'")),
            };
            self.blank();
            if !self.eat(b':') {
                return Err(self.error("expected ':' after a key"));
            }
            self.blank();
            let name = if !parent.is_empty() && out.iter().any(|(k, _)| *k == key) {
                format!("{parent}/{key}")
            } else {
                key
            };
            if self.peek() == Some(b'{') {
                self.object(out, &name)?;
            } else {
                let v = self.value()?;
                out.push((name, v));
            }
            self.blank();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                break;
            }
            return Err(self.error("expected ',' or '}'"));
        }
        self.depth -= 1;
        Ok(())
    }

    /// A non-object value.
    fn value(&mut self) -> Result<Scalar, SyntaxError> {
        match self.peek() {
            Some(q @ (b'"' | b'\'')) => Ok(Scalar::Str(self.string(q)?)),
            Some(b'[') => {
                self.array()?;
                Ok(Scalar::Other)
            }
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => self.number(),
            Some(b'a'..=b'z' | b'A'..=b'Z') => {
                let start = self.i;
                while let Some(b'a'..=b'z' | b'A'..=b'Z') = self.peek() {
                    self.i += 1;
                }
                match &self.s[start..self.i] {
                    b"true" | b"false" | b"null" | b"True" | b"False" | b"None" => {
                        Ok(Scalar::Other)
                    }
                    b"NaN" | b"nan" => Ok(Scalar::Num(f64::NAN)),
                    b"Infinity" | b"inf" => Ok(Scalar::Num(f64::INFINITY)),
                    _ => {
                        self.i = start;
                        Err(self.error("expected a value"))
                    }
                }
            }
            _ => Err(self.error("expected a value")),
        }
    }

    /// `[ ... ]`, skipped (values checked for syntax only).
    fn array(&mut self) -> Result<(), SyntaxError> {
        self.enter()?;
        self.i += 1;
        loop {
            self.blank();
            if self.eat(b']') {
                break;
            }
            if self.peek() == Some(b'{') {
                let mut sink = Fields::new();
                self.object(&mut sink, "")?;
            } else {
                self.value()?;
            }
            self.blank();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                break;
            }
            return Err(self.error("expected ',' or ']'"));
        }
        self.depth -= 1;
        Ok(())
    }

    fn number(&mut self) -> Result<Scalar, SyntaxError> {
        let start = self.i;
        let mut sign = 1.0;
        if self.eat(b'-') {
            sign = -1.0;
        } else {
            self.eat(b'+');
        }
        for word in [&b"Infinity"[..], b"inf", b"NaN", b"nan"] {
            if self.s[self.i..].starts_with(word) {
                self.i += word.len();
                let v = if word[0] == b'N' || word[0] == b'n' {
                    f64::NAN
                } else {
                    sign * f64::INFINITY
                };
                return Ok(Scalar::Num(v));
            }
        }
        while let Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'-' | b'+') = self.peek() {
            self.i += 1;
        }
        // the bytes are ASCII by construction
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        match text.parse::<f64>() {
            Ok(v) => Ok(Scalar::Num(v)),
            Err(_) => {
                self.i = start;
                Err(self.error(&format!("malformed number {text:?}")))
            }
        }
    }

    /// A string quoted by `q` (JSON escapes; Python's `\'` too).
    fn string(&mut self, q: u8) -> Result<String, SyntaxError> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b) if b == q => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4).unwrap_or(b"");
                            let code = std::str::from_utf8(hex)
                                .ok()
                                .and_then(|h| u32::from_str_radix(h, 16).ok());
                            let Some(code) = code else {
                                return Err(self.error("malformed \\u escape"));
                            };
                            self.i += 4;
                            let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                Some(b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.error("string is not UTF-8"))
    }
}

/// The entries of a whole-document log: a `trainer_state.json` (the objects of its
/// `log_history` array) or a top-level array of objects (e.g. a saved list of step logs).
pub fn parse_document(text: &str) -> Result<Vec<Fields>, SyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.blank();
    let mut entries = Vec::new();
    match p.peek() {
        Some(b'[') => p.entry_array(&mut entries)?,
        Some(b'{') => {
            p.enter()?;
            p.i += 1;
            let mut found = false;
            loop {
                p.blank();
                if p.eat(b'}') {
                    break;
                }
                let key = match p.peek() {
                    Some(q @ (b'"' | b'\'')) => p.string(q)?,
                    _ => return Err(p.error("expected a quoted key or '}'")),
                };
                p.blank();
                if !p.eat(b':') {
                    return Err(p.error("expected ':' after a key"));
                }
                p.blank();
                if key == "log_history" && p.peek() == Some(b'[') {
                    p.entry_array(&mut entries)?;
                    found = true;
                } else if p.peek() == Some(b'{') {
                    p.object(&mut Fields::new(), "")?;
                } else {
                    p.value()?;
                }
                p.blank();
                if p.eat(b',') {
                    continue;
                }
                if p.eat(b'}') {
                    break;
                }
                return Err(p.error("expected ',' or '}'"));
            }
            if !found {
                return Err(SyntaxError {
                    offset: 0,
                    problem:
                        "a JSON document without a 'log_history' array (not a trainer_state.json)"
                            .into(),
                });
            }
        }
        _ => return Err(p.error("expected '{' or '['")),
    }
    p.blank();
    if p.i < p.s.len() {
        return Err(p.error("text after the end of the document"));
    }
    Ok(entries)
}

impl Parser<'_> {
    /// `[ {..}, {..} ]`: each object one entry.
    fn entry_array(&mut self, out: &mut Vec<Fields>) -> Result<(), SyntaxError> {
        self.enter()?;
        self.i += 1;
        loop {
            self.blank();
            if self.eat(b']') {
                break;
            }
            if self.peek() != Some(b'{') {
                return Err(self.error("expected an object (one log entry)"));
            }
            let mut f = Fields::new();
            self.object(&mut f, "")?;
            out.push(f);
            self.blank();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                break;
            }
            return Err(self.error("expected ',' or ']'"));
        }
        self.depth -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(f: &Fields, k: &str) -> Option<f64> {
        f.iter().find(|(n, _)| n == k).and_then(|(_, v)| match v {
            Scalar::Num(x) => Some(*x),
            _ => None,
        })
    }

    #[test]
    fn json_python_and_special_numbers() {
        let (f, n) = parse_object(
            r#"{"step": 3, "reward": -1.5e-1, "x": NaN, "y": -Infinity, "s": "a\"b", "l": [1, {"q": 2}], "n": null}tail"#,
        )
        .unwrap();
        assert_eq!(
            &r#"{"step": 3, "reward": -1.5e-1, "x": NaN, "y": -Infinity, "s": "a\"b", "l": [1, {"q": 2}], "n": null}tail"#
                [n..],
            "tail"
        );
        assert_eq!(num(&f, "step"), Some(3.0));
        assert_eq!(num(&f, "reward"), Some(-0.15));
        assert!(num(&f, "x").unwrap().is_nan());
        assert_eq!(num(&f, "y"), Some(f64::NEG_INFINITY));
        assert_eq!(
            f.iter().find(|(k, _)| k == "s").unwrap().1,
            Scalar::Str("a\"b".into())
        );
        let (f, _) = parse_object(
            "{'loss': 0.0, 'reward': 0.53, 'ok': True, 'z': None, 'w': nan, 'v': -inf,}",
        )
        .unwrap();
        assert_eq!(num(&f, "reward"), Some(0.53));
        assert!(num(&f, "w").unwrap().is_nan());
        assert_eq!(num(&f, "v"), Some(f64::NEG_INFINITY));
    }

    #[test]
    fn nested_members_are_lifted() {
        let (f, _) =
            parse_object(r#"{"step": 2, "data": {"critic/score/mean": 0.4, "step": 9}}"#).unwrap();
        assert_eq!(num(&f, "critic/score/mean"), Some(0.4));
        assert_eq!(num(&f, "step"), Some(2.0));
        assert_eq!(num(&f, "data/step"), Some(9.0));
    }

    #[test]
    fn syntax_errors_name_the_column() {
        for (t, needle) in [
            ("{\"a\": 1", "expected ',' or '}'"),
            ("{\"a\" 1}", "expected ':'"),
            ("{a: 1}", "expected a quoted key"),
            ("{\"a\": tru}", "expected a value"),
            ("{\"a\": \"x", "unterminated string"),
            ("{\"a\": 1.2.3}", "malformed number"),
            ("[1]", "expected an object"),
        ] {
            let e = parse_object(t).unwrap_err();
            assert!(e.problem.contains(needle), "{t}: {}", e.problem);
        }
        let deep = "{\"a\":".repeat(100) + "1" + &"}".repeat(100);
        assert!(parse_object(&deep).unwrap_err().problem.contains("nesting"));
    }
}
