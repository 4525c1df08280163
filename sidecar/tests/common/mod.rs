//! A minimal TensorBoard event-file writer for the tests (TFRecord framing with its own
//! bitwise CRC-32C, protobuf by hand), independent of the reader in `src/tfevents.rs`.
#![allow(dead_code)]

/// CRC-32C, bit by bit (independent of the reader's table).
fn crc32c(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82f6_3b78
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn masked(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

pub fn record(data: &[u8]) -> Vec<u8> {
    let mut r = (data.len() as u64).to_le_bytes().to_vec();
    let c = masked(&r);
    r.extend(c.to_le_bytes());
    r.extend(data);
    r.extend(masked(data).to_le_bytes());
    r
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(field: u64, b: &[u8], out: &mut Vec<u8>) {
    varint(field << 3 | 2, out);
    varint(b.len() as u64, out);
    out.extend(b);
}

/// Event { wall_time = 1 (double), step = 2, summary = 5 { value = 1 { tag = 1, simple_value = 2 } } }
pub fn event(step: i64, scalars: &[(&str, f32)]) -> Vec<u8> {
    let mut e = vec![0x09];
    e.extend(1.7e9f64.to_le_bytes());
    varint(2 << 3, &mut e);
    varint(step as u64, &mut e);
    if scalars.is_empty() {
        bytes_field(3, b"brain.Event:2", &mut e);
        return e;
    }
    let mut summary = Vec::new();
    for (tag, v) in scalars {
        let mut val = Vec::new();
        bytes_field(1, tag.as_bytes(), &mut val);
        val.push(2 << 3 | 5);
        val.extend(v.to_le_bytes());
        bytes_field(1, &val, &mut summary);
    }
    bytes_field(5, &summary, &mut e);
    e
}
