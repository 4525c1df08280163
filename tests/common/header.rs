//! The functions the C header declares, shared by `tests/capi_fuzz_coverage.rs` and
//! `examples/capi_adversarial.rs` (included there with `#[path]`).

/// Every function of `header` (exports and the header's inline accessors): on each line that is
/// not a comment or a macro, the identifier right before the first `(` when it starts with
/// `grpo_` (a return type may name a `grpo_` struct). Sorted, without repeats.
pub fn header_functions(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in header.lines() {
        let l = line.trim_start();
        if l.starts_with('*') || l.starts_with("/*") || l.starts_with('#') || l.starts_with("//") {
            continue;
        }
        if let Some(open) = l.find('(') {
            let head = &l[..open];
            let start = head
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            if head[start..].starts_with("grpo_") {
                names.push(head[start..].to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}
