//! TensorBoard event files (`events.out.tfevents.*`): a TFRecord stream of `Event` protos.
//!
//! TFRecord framing (little endian): `u64 length`, `u32 masked_crc32c(length bytes)`,
//! `length` bytes of data, `u32 masked_crc32c(data)`, with
//! `masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8`. Both checksums are verified.
//!
//! Of the protos only what a scalar needs is decoded (protobuf wire format by hand: varint tags,
//! wire types 0/1/2/5):
//!
//! ```text
//! Event   { double wall_time = 1; int64 step = 2; Summary summary = 5; ... }
//! Summary { repeated Value value = 1; }
//! Value   { string tag = 1; float simple_value = 2; TensorProto tensor = 8; ... }
//! TensorProto { int32 dtype = 1; bytes tensor_content = 4; repeated float float_val = 5;
//!               repeated double double_val = 6; ... }      (scalars: one element)
//! ```
//!
//! PyTorch's `SummaryWriter` (what TRL uses) writes `simple_value`; TF2's `tf.summary.scalar`
//! writes a scalar tensor. Each event with scalars becomes one entry `{step, tag: value, ...}`.
//! Cost: O(record length) per record, no allocation beyond the entry.

/// Largest record accepted (the biggest real records are text summaries of a few KiB).
pub const MAX_RECORD: u64 = 64 << 20;

/// Framing header and trailer bytes around the data.
pub const HEADER: usize = 12;
pub const TRAILER: usize = 4;

/// CRC-32C (Castagnoli), bitwise-reflected table.
fn crc32c(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
            }
            *e = c;
        }
        t
    });
    let mut c = !0u32;
    for &b in data {
        c = t[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

fn masked_crc(data: &[u8]) -> u32 {
    let c = crc32c(data);
    (c.rotate_right(15)).wrapping_add(0xa282_ead8)
}

/// What the start of `buf` holds.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A whole record: its data is `buf[HEADER..HEADER + len]`, `total` bytes in all.
    Record { len: usize, total: usize },
    /// Not enough bytes yet (a record being written).
    Partial,
}

/// Checks the framing at the start of `buf`.
pub fn frame(buf: &[u8]) -> Result<Frame, String> {
    if buf.len() < HEADER {
        return Ok(Frame::Partial);
    }
    let len = u64::from_le_bytes(buf[..8].try_into().unwrap_or([0; 8]));
    let crc = u32::from_le_bytes(buf[8..12].try_into().unwrap_or([0; 4]));
    if masked_crc(&buf[..8]) != crc {
        return Err("not a TFRecord (length checksum mismatch)".into());
    }
    if len > MAX_RECORD {
        return Err(format!("record of {len} bytes (limit {MAX_RECORD})"));
    }
    let len = len as usize;
    let total = HEADER + len + TRAILER;
    if buf.len() < total {
        return Ok(Frame::Partial);
    }
    let data = &buf[HEADER..HEADER + len];
    let crc = u32::from_le_bytes(buf[HEADER + len..total].try_into().unwrap_or([0; 4]));
    if masked_crc(data) != crc {
        return Err("record data checksum mismatch (corrupt file)".into());
    }
    Ok(Frame::Record { len, total })
}

/// `true` when `buf` starts with a valid TFRecord length header (format detection).
pub fn looks_like_tfrecord(buf: &[u8]) -> bool {
    buf.len() >= HEADER
        && masked_crc(&buf[..8]) == u32::from_le_bytes(buf[8..12].try_into().unwrap_or([0; 4]))
}

/// One protobuf field: number and payload.
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

struct Proto<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Proto<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.i).ok_or("truncated varint")?;
            self.i += 1;
            v |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint longer than 10 bytes".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.i.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or("field runs past the end of its message")?;
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }

    fn next(&mut self) -> Result<Option<(u64, Wire<'a>)>, String> {
        if self.i >= self.b.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let w = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => Wire::Fixed64(u64::from_le_bytes(
                self.take(8)?.try_into().unwrap_or([0; 8]),
            )),
            2 => {
                let n = self.varint()? as usize;
                Wire::Bytes(self.take(n)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(
                self.take(4)?.try_into().unwrap_or([0; 4]),
            )),
            t => return Err(format!("unsupported protobuf wire type {t}")),
        };
        Ok(Some((key >> 3, w)))
    }
}

/// The scalars of one `Event` record: `(step, [(tag, value)])`; `None` for events without a
/// scalar summary (file version, text summaries, graphs).
pub type Scalars = (i64, Vec<(String, f64)>);

pub fn decode_event(data: &[u8]) -> Result<Option<Scalars>, String> {
    let mut p = Proto { b: data, i: 0 };
    let mut step = 0i64;
    let mut out = Vec::new();
    while let Some((field, w)) = p.next()? {
        match (field, w) {
            (2, Wire::Varint(s)) => step = s as i64,
            (5, Wire::Bytes(summary)) => decode_summary(summary, &mut out)?,
            _ => {}
        }
    }
    Ok((!out.is_empty()).then_some((step, out)))
}

fn decode_summary(b: &[u8], out: &mut Vec<(String, f64)>) -> Result<(), String> {
    let mut p = Proto { b, i: 0 };
    while let Some((field, w)) = p.next()? {
        if let (1, Wire::Bytes(value)) = (field, w) {
            let mut q = Proto { b: value, i: 0 };
            let mut tag = None;
            let mut v = None;
            while let Some((f, w)) = q.next()? {
                match (f, w) {
                    (1, Wire::Bytes(t)) => tag = Some(String::from_utf8_lossy(t).into_owned()),
                    (2, Wire::Fixed32(x)) => v = Some(f32::from_bits(x) as f64),
                    (8, Wire::Bytes(t)) => v = v.or(decode_scalar_tensor(t)?),
                    _ => {}
                }
            }
            if let (Some(tag), Some(v)) = (tag, v) {
                out.push((tag, v));
            }
        }
    }
    Ok(())
}

/// A one-element float/double tensor, or None.
fn decode_scalar_tensor(b: &[u8]) -> Result<Option<f64>, String> {
    let mut p = Proto { b, i: 0 };
    let (mut dtype, mut vals, mut content) = (0u64, Vec::new(), None);
    while let Some((f, w)) = p.next()? {
        match (f, w) {
            (1, Wire::Varint(d)) => dtype = d,
            (4, Wire::Bytes(c)) => content = Some(c),
            (5, Wire::Fixed32(x)) => vals.push(f32::from_bits(x) as f64),
            (5, Wire::Bytes(packed)) => vals.extend(
                packed
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64),
            ),
            (6, Wire::Fixed64(x)) => vals.push(f64::from_bits(x)),
            (6, Wire::Bytes(packed)) => vals.extend(
                packed
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))),
            ),
            _ => {}
        }
    }
    // DT_FLOAT = 1, DT_DOUBLE = 2
    Ok(match (vals.as_slice(), content, dtype) {
        ([v], _, _) => Some(*v),
        ([], Some(c), 1) if c.len() == 4 => {
            Some(f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
        }
        ([], Some(c), 2) if c.len() == 8 => {
            Some(f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        }
        _ => None,
    })
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Frames `data` as a TFRecord (used by the tests to build event files).
    pub fn record(data: &[u8]) -> Vec<u8> {
        let mut r = (data.len() as u64).to_le_bytes().to_vec();
        let c = masked_crc(&r);
        r.extend_from_slice(&c.to_le_bytes());
        r.extend_from_slice(data);
        r.extend_from_slice(&masked_crc(data).to_le_bytes());
        r
    }

    #[test]
    fn crc32c_check_value() {
        // the standard check value of CRC-32C
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn tensor_scalar_and_simple_value() {
        // Value { tag: "r", tensor { dtype: DT_FLOAT, float_val: 0.5 } }
        let tensor = [0x08, 0x01, 0x2d, 0, 0, 0, 0x3f];
        let mut value = vec![0x0a, 0x01, b'r', 0x42, tensor.len() as u8];
        value.extend_from_slice(&tensor);
        let mut summary = vec![0x0a, value.len() as u8];
        summary.extend_from_slice(&value);
        let mut event = vec![0x10, 0x07, 0x2a, summary.len() as u8];
        event.extend_from_slice(&summary);
        let (step, s) = decode_event(&event).unwrap().unwrap();
        assert_eq!(step, 7);
        assert_eq!(s, vec![("r".to_string(), 0.5)]);
        let rec = record(&event);
        assert_eq!(
            frame(&rec).unwrap(),
            Frame::Record {
                len: event.len(),
                total: rec.len()
            }
        );
        assert_eq!(frame(&rec[..rec.len() - 1]).unwrap(), Frame::Partial);
        let mut bad = rec.clone();
        bad[HEADER] ^= 1;
        assert!(frame(&bad).unwrap_err().contains("checksum"));
        assert!(decode_event(&[0x10]).is_err());
    }
}
