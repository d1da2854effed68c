//! A rate limiter for the public portal (tip submission, receipt look-ups): a token bucket per key
//! (e.g. client address) and one global bucket. Pure: the caller passes the time in milliseconds,
//! and wraps it in a mutex if it is shared.

use std::collections::HashMap;

/// Keys remembered at most, unless set otherwise; about 10 MB with short keys.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Spec {
    burst: f64,
    per_ms: f64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last_ms: i64,
}

impl Spec {
    fn new(burst: u32, per_minute: u32) -> Self {
        Spec {
            burst: f64::from(burst),
            per_ms: f64::from(per_minute) / 60_000.0,
        }
    }

    fn full(&self, now_ms: i64) -> Bucket {
        Bucket {
            tokens: self.burst,
            last_ms: now_ms,
        }
    }

    /// Tokens the bucket holds at `now_ms`. A clock that steps back adds nothing.
    fn level(&self, b: &Bucket, now_ms: i64) -> f64 {
        let elapsed = now_ms.saturating_sub(b.last_ms).max(0) as f64;
        (b.tokens + elapsed * self.per_ms).min(self.burst)
    }

    fn refill(&self, b: &mut Bucket, now_ms: i64) {
        b.tokens = self.level(b, now_ms);
        b.last_ms = b.last_ms.max(now_ms);
    }
}

#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_key: Spec,
    global_spec: Spec,
    global: Option<Bucket>,
    keys: HashMap<String, Bucket>,
    max_keys: usize,
}

impl RateLimiter {
    /// Each key may make `per_key_burst` requests at once and `per_key_per_minute` on average;
    /// all keys together `global_burst` and `global_per_minute`.
    pub fn new(
        per_key_burst: u32,
        per_key_per_minute: u32,
        global_burst: u32,
        global_per_minute: u32,
    ) -> Self {
        RateLimiter {
            per_key: Spec::new(per_key_burst, per_key_per_minute),
            global_spec: Spec::new(global_burst, global_per_minute),
            global: None,
            keys: HashMap::new(),
            max_keys: DEFAULT_MAX_KEYS,
        }
    }

    /// Caps the number of keys remembered (at least 1).
    pub fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    /// Number of keys currently remembered.
    pub fn tracked_keys(&self) -> usize {
        self.keys.len()
    }

    /// Takes one token from the key's bucket and one from the global bucket, or neither: `false`
    /// when either is empty, so a refused request costs the key nothing.
    pub fn check(&mut self, key: &str, now_ms: i64) -> bool {
        let global = self
            .global
            .get_or_insert_with(|| self.global_spec.full(now_ms));
        self.global_spec.refill(global, now_ms);
        let global_ok = global.tokens >= 1.0;

        let mut bucket = match self.keys.get(key) {
            Some(b) => *b,
            // An unknown key starts full, which is also why forgetting a full bucket loses nothing.
            None => self.per_key.full(now_ms),
        };
        self.per_key.refill(&mut bucket, now_ms);
        if !global_ok || bucket.tokens < 1.0 {
            if let Some(b) = self.keys.get_mut(key) {
                *b = bucket;
            }
            return false;
        }

        bucket.tokens -= 1.0;
        if let Some(g) = self.global.as_mut() {
            g.tokens -= 1.0;
        }
        if !self.keys.contains_key(key) && self.keys.len() >= self.max_keys {
            self.forget_idle(now_ms);
        }
        self.keys.insert(key.to_string(), bucket);
        true
    }

    /// Frees room in the key map. Keys whose bucket has refilled are dropped first (no loss).
    /// If that is not enough, the least recently seen keys go until the map is 90% full: they
    /// restart with a full bucket, a small leniency that only happens under a flood of distinct
    /// keys, which the global bucket is there to stop anyway. Running at most once per 10% of the
    /// cap keeps the cost per request constant on average.
    fn forget_idle(&mut self, now_ms: i64) {
        let spec = self.per_key;
        self.keys.retain(|_, b| spec.level(b, now_ms) < spec.burst);
        let target = self.max_keys - self.max_keys / 10;
        if self.keys.len() > target {
            let mut by_age: Vec<(i64, String)> = self
                .keys
                .iter()
                .map(|(k, b)| (b.last_ms, k.clone()))
                .collect();
            by_age.sort_unstable();
            let excess = self.keys.len() - target;
            for (_, k) in by_age.into_iter().take(excess) {
                self.keys.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        // 3 at once, then one per second
        let mut rl = RateLimiter::new(3, 60, 1000, 60_000);
        assert!(rl.check("a", 0));
        assert!(rl.check("a", 0));
        assert!(rl.check("a", 0));
        assert!(!rl.check("a", 0));
        assert!(!rl.check("a", 999));
        assert!(rl.check("a", 1000));
        assert!(!rl.check("a", 1000));
        // other keys are unaffected
        assert!(rl.check("b", 1000));
        // after a long pause the bucket is full again, but not fuller
        for _ in 0..3 {
            assert!(rl.check("a", 100_000));
        }
        assert!(!rl.check("a", 100_000));
    }

    #[test]
    fn global_bucket_limits_all_keys() {
        let mut rl = RateLimiter::new(10, 600, 5, 60);
        for i in 0..5 {
            assert!(rl.check(&format!("k{i}"), 0));
        }
        assert!(!rl.check("k99", 0));
        assert!(!rl.check("k0", 0));
        // one global token per second
        assert!(rl.check("k99", 1000));
        assert!(!rl.check("k98", 1000));
    }

    #[test]
    fn refusal_by_global_costs_the_key_nothing() {
        let mut rl = RateLimiter::new(2, 0, 1, 60);
        assert!(rl.check("a", 0));
        assert!(!rl.check("a", 10));
        assert!(!rl.check("a", 20));
        // global refilled; the key still has its second token
        assert!(rl.check("a", 1000));
        assert!(!rl.check("a", 5000));
    }

    #[test]
    fn clock_stepping_back_mints_nothing() {
        let mut rl = RateLimiter::new(1, 60, 100, 6000);
        assert!(rl.check("a", 10_000));
        assert!(!rl.check("a", 0));
        assert!(!rl.check("a", 10_500));
        assert!(rl.check("a", 11_000));
    }

    #[test]
    fn memory_stays_bounded() {
        let mut rl = RateLimiter::new(5, 60, u32::MAX, u32::MAX).with_max_keys(100);
        for i in 0..10_000 {
            assert!(rl.check(&format!("10.0.{}.{}", i / 256, i % 256), i));
            assert!(rl.tracked_keys() <= 100);
        }
    }

    #[test]
    fn idle_keys_are_forgotten_first() {
        let mut rl = RateLimiter::new(2, 60, u32::MAX, u32::MAX).with_max_keys(10);
        // "busy" drains its bucket late; nine others come early and refill while idle
        for i in 0..9 {
            assert!(rl.check(&format!("idle{i}"), 0));
        }
        assert!(rl.check("busy", 60_000));
        assert!(rl.check("busy", 60_000));
        assert!(!rl.check("busy", 60_000));
        assert!(rl.check("new", 60_000));
        assert!(rl.tracked_keys() <= 10);
        // the drained key was kept and is still limited
        assert!(!rl.check("busy", 60_000));
    }

    #[test]
    fn zero_burst_refuses() {
        let mut rl = RateLimiter::new(0, 60, 10, 60);
        assert!(!rl.check("a", 0));
        assert_eq!(rl.tracked_keys(), 0);
    }
}
