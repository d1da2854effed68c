//! Aggregates that are expensive to read and fine to show a few seconds old (dashboards): each key is
//! computed once, then served while at most one background refresh runs after the value grows stale.
//! Lists, details and notices are never cached.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Error;

/// Different keys kept at most; beyond that the map starts over.
const MAX_KEYS: usize = 1000;

pub struct Cache<V> {
    ttl: Duration,
    slots: Mutex<HashMap<String, Arc<Slot<V>>>>,
}

struct Slot<V> {
    value: Mutex<Option<(Arc<V>, Instant)>>,
    refreshing: AtomicBool,
    /// Held while the first value is computed, so a burst of first views makes one computation.
    first: tokio::sync::Mutex<()>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot {
            value: Mutex::new(None),
            refreshing: AtomicBool::new(false),
            first: tokio::sync::Mutex::new(()),
        }
    }
}

impl<V> Slot<V> {
    fn current(&self) -> Option<(Arc<V>, Instant)> {
        self.value.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, v: Arc<V>) {
        *self.value.lock().unwrap_or_else(|e| e.into_inner()) = Some((v, Instant::now()));
    }
}

/// Clears the refresh flag however the refresh ends, panics included.
struct Refreshing<V>(Arc<Slot<V>>);

impl<V> Drop for Refreshing<V> {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

impl<V: Send + Sync + 'static> Cache<V> {
    pub fn new(ttl: Duration) -> Self {
        Cache {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, key: &str) -> Arc<Slot<V>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.len() >= MAX_KEYS && !slots.contains_key(key) {
            slots.clear();
        }
        slots.entry(key.to_string()).or_default().clone()
    }

    /// The value of `key`; `compute` runs when there is none yet (callers wait for it) or, in the
    /// background, when the one there is older than the time to live (callers get the older one).
    pub async fn get<F, Fut>(&self, key: &str, compute: F) -> Result<Arc<V>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, Error>> + Send + 'static,
    {
        let slot = self.slot(key);
        if let Some((v, at)) = slot.current() {
            if at.elapsed() >= self.ttl && !slot.refreshing.swap(true, Ordering::AcqRel) {
                let guard = Refreshing(slot.clone());
                let fut = compute();
                tokio::spawn(async move {
                    match fut.await {
                        Ok(v) => guard.0.set(Arc::new(v)),
                        Err(e) => {
                            tracing::warn!(error = ?e, "cache refresh failed; serving the older value")
                        }
                    }
                    drop(guard);
                });
            }
            return Ok(v);
        }
        let _first = slot.first.lock().await;
        if let Some((v, _)) = slot.current() {
            return Ok(v);
        }
        let v = Arc::new(compute().await?);
        slot.set(v.clone());
        Ok(v)
    }

    /// Drops every value (after a change the viewer expects to see at once).
    pub fn clear(&self) {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn computes_once_then_refreshes_in_the_background() {
        let cache: Cache<usize> = Cache::new(Duration::from_millis(30));
        let calls = Arc::new(AtomicUsize::new(0));
        let next = |calls: Arc<AtomicUsize>| async move {
            Ok::<usize, Error>(calls.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let a = cache.get("k", || next(calls.clone())).await.unwrap();
        let b = cache.get("k", || next(calls.clone())).await.unwrap();
        assert_eq!((*a, *b), (1, 1));
        tokio::time::sleep(Duration::from_millis(40)).await;
        // Stale: the caller still gets the old value while the refresh runs.
        let c = cache.get("k", || next(calls.clone())).await.unwrap();
        assert_eq!(*c, 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let d = cache.get("k", || next(calls.clone())).await.unwrap();
        assert_eq!(*d, 2);
        let other = cache.get("other", || next(calls.clone())).await.unwrap();
        assert_eq!(*other, 3);
    }
}
