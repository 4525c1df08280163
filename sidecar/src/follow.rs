//! `--follow`: reads a file as it grows, or standard input as a stream.
//!
//! A file is polled every `--poll` seconds: new bytes are decoded as they come (a line being
//! written waits for its newline); a file that shrank was truncated (read again from its
//! start); a path that now names another file was rotated (the old file is read to its end,
//! then the new one from its start). After truncation or rotation a first step not above the
//! last one starts a new run (a `{"event": "restart"}` line). A whole-document format
//! (`trainer_state.json`) is read again whenever it changes, and only its new steps are fed.
//! Standard input (and a path that is not a regular file: a FIFO, `<(...)`) is read by a thread
//! that hands chunks over a channel. The loop ends, with the
//! summary, on SIGINT or SIGTERM, at the end of standard input, or after `--idle-exit` seconds
//! without new data.

use crate::args::Args;
use crate::formats::Decoder;
use crate::run::Run;
use crate::{feed, Failure, Out, Source};
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    m.ino() ^ (m.dev() << 32)
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> u64 {
    0
}

pub fn follow(
    path: &str,
    a: &Args,
    run: &mut Run,
    dec: &mut Decoder,
    src: &Source,
    out: &mut Out,
) -> Result<(), Failure> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| format!("cannot install a signal handler: {e}"))?;
    }
    let poll = Duration::from_secs_f64(a.poll);
    let idle = a.idle_exit.map(Duration::from_secs_f64);
    // standard input, and a path that is not a regular file (a FIFO, `<(...)`), are streams: read
    // until they end; a regular file is polled
    let stream: Option<Box<dyn Read + Send>> = if path == "-" {
        Some(Box::new(std::io::stdin()))
    } else {
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => Some(Box::new(
                std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?,
            )),
            _ => None,
        }
    };
    if let Some(reader) = stream {
        stream_reader(reader, run, dec, src, out, &stop, poll, idle)?;
    } else {
        poll_file(path, run, dec, src, out, &stop, poll, idle)?;
    }
    let mut entries = Vec::new();
    if !dec.is_document() {
        dec.finish(&mut entries)
            .map_err(|m| src.malformed(dec, m))?;
        feed(run, dec, src, &mut entries, out)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn stream_reader(
    mut reader: Box<dyn Read + Send>,
    run: &mut Run,
    dec: &mut Decoder,
    src: &Source,
    out: &mut Out,
    stop: &AtomicBool,
    poll: Duration,
    idle: Option<Duration>,
) -> Result<(), Failure> {
    let (tx, rx) = mpsc::channel::<std::io::Result<Vec<u8>>>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return,
                Ok(k) => {
                    if tx.send(Ok(buf[..k].to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    });
    let mut last_data = Instant::now();
    let mut entries = Vec::new();
    let mut doc = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match rx.recv_timeout(poll) {
            Ok(Ok(bytes)) => {
                last_data = Instant::now();
                dec.feed(&bytes, &mut entries)
                    .map_err(|m| src.malformed(dec, m))?;
                if dec.is_document() {
                    // a document on standard input is read at its end
                    doc.extend_from_slice(&bytes);
                }
                feed(run, dec, src, &mut entries, out)?;
                run.settle()?;
                out.lines(&mut run.out)?;
            }
            Ok(Err(e)) => return Err(Failure::Bad(format!("{}: {e}", src.name))),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if idle.is_some_and(|d| last_data.elapsed() >= d) {
                    break;
                }
            }
        }
    }
    if dec.is_document() {
        let mut entries = Vec::new();
        dec.finish(&mut entries)
            .map_err(|m| src.malformed(dec, m))?;
        feed(run, dec, src, &mut entries, out)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn poll_file(
    path: &str,
    run: &mut Run,
    dec: &mut Decoder,
    src: &Source,
    out: &mut Out,
    stop: &AtomicBool,
    poll: Duration,
    idle: Option<Duration>,
) -> Result<(), Failure> {
    let open = |p: &str| -> Result<Option<(std::fs::File, u64)>, Failure> {
        match std::fs::File::open(p) {
            Ok(f) => {
                let id = f
                    .metadata()
                    .map(|m| file_id(&m))
                    .map_err(|e| format!("{p}: {e}"))?;
                Ok(Some((f, id)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Failure::Bad(format!("{p}: {e}"))),
        }
    };
    // a file that does not exist yet is waited for; one that cannot be read is an error
    let mut file = open(path)?;
    let mut offset = 0u64;
    let mut last_data = Instant::now();
    let mut doc_state: Option<(u64, std::time::SystemTime)> = None;
    let mut entries = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while !stop.load(Ordering::Relaxed) {
        let mut got = false;
        if let Some((f, id)) = &mut file {
            if dec.is_document() {
                // whole-document format: read again when it changed
                let m = f.metadata().map_err(|e| format!("{path}: {e}"))?;
                let state = (m.len(), m.modified().unwrap_or(std::time::UNIX_EPOCH));
                if doc_state != Some(state) {
                    doc_state = Some(state);
                    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
                    let mut fresh = Decoder::new(dec.format);
                    // a document caught half-written is read at its next change
                    if fresh.document(&text, &mut entries).is_ok() {
                        run.skip_through = run.last_seen_step();
                        feed(run, dec, src, &mut entries, out)?;
                        run.skip_through = None;
                        got = true;
                    }
                    entries.clear();
                }
            } else {
                loop {
                    let k = match f.read(&mut buf) {
                        Ok(k) => k,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(Failure::Bad(format!("{path}: {e}"))),
                    };
                    if k == 0 {
                        // caught up with the writer
                        run.settle()?;
                        out.lines(&mut run.out)?;
                        break;
                    }
                    got = true;
                    offset += k as u64;
                    dec.feed(&buf[..k], &mut entries)
                        .map_err(|m| src.malformed(dec, m))?;
                    feed(run, dec, src, &mut entries, out)?;
                    if dec.is_document() {
                        // detected as a document: switch to whole reads
                        break;
                    }
                }
            }
            // truncation or rotation
            match std::fs::metadata(path) {
                Ok(m) if file_id(&m) != *id => {
                    // rotated: the old file was read to its end above
                    file = open(path)?;
                    offset = 0;
                    doc_state = None;
                    dec.restart();
                    run.fresh = true;
                    continue;
                }
                Ok(m) if m.len() < offset => {
                    f.seek(SeekFrom::Start(0))
                        .map_err(|e| format!("{path}: {e}"))?;
                    offset = 0;
                    dec.restart();
                    run.fresh = true;
                    continue;
                }
                _ => {}
            }
        } else {
            file = open(path)?;
            if file.is_some() {
                continue;
            }
        }
        if got {
            last_data = Instant::now();
        } else if idle.is_some_and(|d| last_data.elapsed() >= d) {
            break;
        }
        std::thread::sleep(poll);
    }
    Ok(())
}
