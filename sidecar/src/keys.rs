//! Which log key carries which quantity: accepted names, their priority, the `--*-key`
//! overrides, and the choice, made once per run.
//!
//! Names are compared after normalisation: a W&B export prefix `"<run> - "` is dropped, letters
//! are lower-cased, and `/`, `.`, `-` and spaces become `_` (so verl's `critic/score/mean`, its
//! CSV export `critic_score_mean` and a W&B column `run-7 - critic/score/mean` are one name).
//! An accepted name may end in `*` (any suffix). For each quantity the first accepted name (in
//! the order below) found in an entry wins, and that key is kept for the rest of the run, so one
//! run never mixes two reward definitions.

use crate::value::{Fields, Scalar};
use std::collections::BTreeSet;

/// The quantities read from a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Step,
    Reward,
    Eval,
    Entropy,
    ZeroStd,
    RewardStd,
}

pub const FIELDS: [Field; 6] = [
    Field::Step,
    Field::Reward,
    Field::Eval,
    Field::Entropy,
    Field::ZeroStd,
    Field::RewardStd,
];

impl Field {
    /// Name in messages and in the summary.
    pub fn name(self) -> &'static str {
        match self {
            Field::Step => "step",
            Field::Reward => "reward",
            Field::Eval => "eval_reward",
            Field::Entropy => "entropy",
            Field::ZeroStd => "frac_reward_zero_std",
            Field::RewardStd => "reward_std",
        }
    }

    /// The command-line flag that overrides the detection (none for the two std fields).
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Field::Step => Some("--step-key"),
            Field::Reward => Some("--reward-key"),
            Field::Eval => Some("--eval-key"),
            Field::Entropy => Some("--entropy-key"),
            Field::ZeroStd => Some("--zero-std-key"),
            Field::RewardStd => None,
        }
    }

    /// Accepted names (normalised), in priority order.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            // TRL / HF: step, global_step (W&B: train/global_step, _step); verl CSV exports also
            // carry training_global_step
            Field::Step => &[
                "step",
                "global_step",
                "train_global_step",
                "trainer_global_step",
                "_step",
                "training_global_step",
            ],
            // TRL: reward (train/reward in W&B, TensorBoard); verl: critic/score/mean (the
            // verifier score) before critic/rewards/mean (score minus in-reward KL);
            // OpenRLHF: reward / train/reward; custom: reward_mean, rewards/mean;
            // TensorBoard CSV export: Value
            Field::Reward => &[
                "reward",
                "train_reward",
                "rewards_mean",
                "reward_mean",
                "train_reward_mean",
                "critic_score_mean",
                "critic_rewards_mean",
                "value",
            ],
            // TRL eval entries: eval_reward; HF: eval_accuracy; verl validation:
            // val/test_score/<source>, val-core/<source>/reward/mean@1
            Field::Eval => &[
                "eval_reward",
                "eval_rewards_mean",
                "eval_reward_mean",
                "eval_accuracy",
                "val_test_score_*",
                "val_core_*reward_mean*",
                "val_reward",
            ],
            // TRL: entropy; verl: actor/entropy (older verl: actor/entropy_loss, which holds the
            // mean token entropy); OpenRLHF: policy_entropy
            Field::Entropy => &[
                "entropy",
                "train_entropy",
                "entropy_mean",
                "actor_entropy",
                "policy_entropy",
                "train_policy_entropy",
                "actor_entropy_loss",
            ],
            Field::ZeroStd => &["frac_reward_zero_std", "train_frac_reward_zero_std"],
            Field::RewardStd => &[
                "reward_std",
                "train_reward_std",
                "rewards_std",
                "critic_score_std",
            ],
        }
    }
}

/// Normalised form of a key (see the module docs).
pub fn normalize(key: &str) -> String {
    let key = match key.rfind(" - ") {
        Some(i) => &key[i + 3..],
        None => key,
    };
    key.trim()
        .chars()
        .map(|c| match c {
            '/' | '.' | '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Glob match with `*` standing for any run of characters.
pub fn glob(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    if parts.is_empty() {
        return rest.is_empty();
    }
    for (i, p) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(p);
        }
        match rest.find(p) {
            Some(j) => rest = &rest[j + p.len()..],
            None => return false,
        }
    }
    true
}

/// Most distinct key names remembered for the "keys seen" message (memory bound).
const MAX_SEEN: usize = 200;

/// The per-run choice of keys.
#[derive(Debug, Default)]
pub struct KeyMap {
    /// `--*-key` overrides (raw or normalised names).
    overrides: [Option<String>; 6],
    /// Locked raw key per field.
    chosen: [Option<String>; 6],
    /// Key list of the previous entry and its resolved indices (logs repeat the same keys).
    last_keys: Vec<String>,
    last_idx: [Option<usize>; 6],
    /// Numeric keys seen so far (at most `MAX_SEEN`).
    seen: BTreeSet<String>,
}

impl KeyMap {
    pub fn new(overrides: [Option<String>; 6]) -> Self {
        KeyMap {
            overrides,
            ..KeyMap::default()
        }
    }

    /// The key chosen for `f`, if any.
    pub fn chosen(&self, f: Field) -> Option<&str> {
        self.chosen[f as usize].as_deref()
    }

    /// Indices into `fields` of each quantity (None: not in this entry).
    pub fn resolve(&mut self, fields: &Fields) -> [Option<usize>; 6] {
        let same = self.last_keys.len() == fields.len()
            && self
                .last_keys
                .iter()
                .zip(fields.iter())
                .all(|(a, (b, _))| a == b);
        if same {
            return self.last_idx;
        }
        if self.seen.len() < MAX_SEEN {
            for (k, v) in fields {
                if matches!(v, Scalar::Num(_)) && self.seen.len() < MAX_SEEN {
                    self.seen.insert(k.clone());
                }
            }
        }
        let normalized: Vec<String> = fields.iter().map(|(k, _)| normalize(k)).collect();
        let mut idx = [None; 6];
        for f in FIELDS {
            let i = f as usize;
            idx[i] = if let Some(key) = &self.chosen[i] {
                fields.iter().position(|(k, _)| k == key)
            } else if let Some(want) = &self.overrides[i] {
                let wn = normalize(want);
                fields
                    .iter()
                    .zip(&normalized)
                    .position(|((k, _), n)| k == want || *n == wn)
            } else {
                f.aliases().iter().find_map(|a| {
                    // a key another quantity already took is not a candidate
                    normalized
                        .iter()
                        .enumerate()
                        .position(|(j, n)| glob(a, n) && !self.taken_by_other(f, &fields[j].0))
                })
            };
            if let (Some(j), None) = (idx[i], &self.chosen[i]) {
                self.chosen[i] = Some(fields[j].0.clone());
            }
        }
        self.last_keys = fields.iter().map(|(k, _)| k.clone()).collect();
        self.last_idx = idx;
        idx
    }

    fn taken_by_other(&self, f: Field, key: &str) -> bool {
        FIELDS
            .iter()
            .any(|&g| g != f && self.chosen[g as usize].as_deref() == Some(key))
    }

    /// "keys seen: a, b, ...; accepted for reward: ..." (one line).
    pub fn explain(&self, f: Field) -> String {
        let seen: Vec<&str> = self.seen.iter().map(String::as_str).collect();
        let more = if self.seen.len() >= MAX_SEEN {
            ", ..."
        } else {
            ""
        };
        let flag = f
            .flag()
            .map(|fl| format!(" (or name it with {fl})"))
            .unwrap_or_default();
        format!(
            "numeric keys seen: [{}{more}]; accepted for {}: [{}]{flag}",
            seen.join(", "),
            f.name(),
            f.aliases().join(", "),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_and_globs() {
        assert_eq!(normalize("critic/score/mean"), "critic_score_mean");
        assert_eq!(normalize("my-run 3 - train/reward"), "train_reward");
        assert_eq!(normalize("Step"), "step");
        assert!(glob("val_test_score_*", "val_test_score_game24"));
        assert!(!glob("val_test_score_*", "val_test_scor"));
        assert!(glob(
            "val_core_*reward_mean*",
            "val_core_gsm8k_reward_mean@1"
        ));
        assert!(glob("reward", "reward") && !glob("reward", "rewards"));
    }

    #[test]
    fn first_alias_wins_and_is_kept() {
        let f = |ks: &[&str]| -> Fields {
            ks.iter()
                .map(|k| (k.to_string(), Scalar::Num(1.0)))
                .collect()
        };
        let mut m = KeyMap::new(Default::default());
        let e = f(&[
            "critic/rewards/mean",
            "critic/score/mean",
            "step",
            "actor/entropy",
        ]);
        let idx = m.resolve(&e);
        assert_eq!(idx[Field::Reward as usize], Some(1));
        assert_eq!(idx[Field::Step as usize], Some(2));
        assert_eq!(idx[Field::Entropy as usize], Some(3));
        // a later entry without the chosen key has no reward (no switch to another alias)
        let idx = m.resolve(&f(&["step", "critic/rewards/mean"]));
        assert_eq!(idx[Field::Reward as usize], None);
        let mut m = KeyMap::new([None, Some("my_score".into()), None, None, None, None]);
        let idx = m.resolve(&f(&["reward", "My_Score", "step"]));
        assert_eq!(idx[Field::Reward as usize], Some(1));
        assert!(m.explain(Field::Reward).contains("My_Score"));
    }
}
