//! Throughput and peak memory of `grpo-sidecar` on a long log (issue 16: a 10^6-line log streams
//! through in constant memory at >= 1 million lines per minute).
//!
//! ```text
//! cargo bench -p grpo-sidecar --bench throughput            # 10^6 lines, JSON lines and CSV
//! cargo bench -p grpo-sidecar --bench throughput -- 200000  # another length
//! ```
//!
//! Writes a TRL-shaped log (11 keys a line: step, reward, reward_std, entropy,
//! frac_reward_zero_std, loss, grad_norm, learning_rate, kl, completion length, epoch; a noisy
//! saturating reward) to a temporary file, runs the release binary on it with its default
//! cadence and prints lines per minute (wall clock, including process start) and the peak
//! resident memory (`/usr/bin/time -f %M` when present). Not a test: nothing is asserted.
use std::io::Write;
use std::process::Command;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let bin = env!("CARGO_BIN_EXE_grpo-sidecar");
    let dir = std::env::temp_dir();
    for shape in ["jsonl", "csv"] {
        let path = dir.join(format!("grpo-sidecar-bench-{}.{shape}", std::process::id()));
        {
            let f = std::fs::File::create(&path).expect("temp file");
            let mut w = std::io::BufWriter::new(f);
            if shape == "csv" {
                writeln!(w, "step,reward,reward_std,entropy,frac_reward_zero_std,loss,grad_norm,learning_rate,kl,completion_length,epoch").unwrap();
            }
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            for k in 1..=n {
                // xorshift noise in [-0.5, 0.5)
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let u = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                let t = k as f64;
                let r = 0.85 - 0.6 * (-t / (n as f64 / 5.0)).exp() + 0.05 * u;
                let (e, z) = (1.2 - 0.4 * t / n as f64, 0.1 + 0.05 * u);
                if shape == "csv" {
                    writeln!(
                        w,
                        "{k},{r},0.3,{e},{z},0.01,0.5,1e-6,0.02,312.5,{}",
                        t / n as f64
                    )
                    .unwrap();
                } else {
                    writeln!(w, "{{\"step\": {k}, \"reward\": {r}, \"reward_std\": 0.3, \"entropy\": {e}, \"frac_reward_zero_std\": {z}, \"loss\": 0.01, \"grad_norm\": 0.5, \"learning_rate\": 1e-06, \"kl\": 0.02, \"completions/mean_length\": 312.5, \"epoch\": {}}}", t / n as f64).unwrap();
                }
            }
        }
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let time = std::path::Path::new("/usr/bin/time").exists();
        let mut cmd = if time {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M"]).arg(bin);
            c
        } else {
            Command::new(bin)
        };
        let start = Instant::now();
        let out = cmd.arg(&path).output().expect("runs");
        let secs = start.elapsed().as_secs_f64();
        let _ = std::fs::remove_file(&path);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rss = if time {
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<f64>().ok())
                .map_or("n/a".into(), |k| format!("{:.1} MiB", k / 1024.0))
        } else {
            "n/a (no /usr/bin/time)".into()
        };
        let lines = String::from_utf8_lossy(&out.stdout).lines().count();
        println!(
            "{shape}: {n} lines ({:.0} MiB) in {secs:.2} s = {:.2} million lines/min; peak RSS {rss}; {lines} output lines",
            bytes as f64 / (1 << 20) as f64,
            n as f64 / secs * 60.0 / 1e6
        );
    }
}
