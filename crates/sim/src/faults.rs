//! Fault injection for tests and demos: added latency, an error rate per verb, and, through
//! [`crate::store::Store`], dropped watches and forced 410s. Set by flags or at run time through the
//! admin endpoint `/_kubedesk/faults`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Fault settings that make no sense, with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaultError(pub String);

/// The faults in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultConfig {
    /// Added to every API request before it is answered.
    #[serde(default)]
    pub latency_ms: u64,
    /// The share of requests of a verb (`get`, `list`, `watch`, `create`, `update`, `patch`,
    /// `delete`) answered with 500 InternalError, from 0 to 1.
    #[serde(default)]
    pub error_rate: BTreeMap<String, f64>,
}

impl FaultConfig {
    /// Checks the rates are shares and the verbs exist.
    pub fn validate(&self) -> Result<(), FaultError> {
        const VERBS: [&str; 7] = [
            "get", "list", "watch", "create", "update", "patch", "delete",
        ];
        for (verb, rate) in &self.error_rate {
            if !VERBS.contains(&verb.as_str()) {
                return Err(FaultError(format!(
                    "errorRate names the verb {verb:?}; use one of {VERBS:?}"
                )));
            }
            if !(0.0..=1.0).contains(rate) {
                return Err(FaultError(format!(
                    "errorRate for {verb} is {rate}; use a share from 0 to 1"
                )));
            }
        }
        Ok(())
    }
}

/// The faults of one cluster, and the dice that decide which requests fail.
#[derive(Debug, Default)]
pub struct Faults {
    config: Mutex<FaultConfig>,
    dice: AtomicU64,
}

impl Faults {
    /// The faults in force.
    pub fn config(&self) -> FaultConfig {
        self.config
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the faults in force.
    pub fn set(&self, config: FaultConfig) {
        *self
            .config
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = config;
    }

    /// The latency to add to a request.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.config().latency_ms)
    }

    /// Whether this request of `verb` fails. The dice are a counter through a mixing function, so a
    /// rate of 0.5 fails every other request on average and 1 fails them all.
    pub fn fails(&self, verb: &str) -> bool {
        let rate = self.config().error_rate.get(verb).copied().unwrap_or(0.0);
        if rate <= 0.0 {
            return false;
        }
        let mut roll = self
            .dice
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        roll = (roll ^ (roll >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        roll = (roll ^ (roll >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        roll ^= roll >> 31;
        // The top 53 bits as a share of 1.
        #[allow(clippy::cast_precision_loss, reason = "53 bits fit a double exactly")]
        let share = (roll >> 11) as f64 / (1u64 << 53) as f64;
        share < rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_rates_fail_about_that_share_of_requests() {
        let faults = Faults::default();
        faults.set(FaultConfig {
            latency_ms: 0,
            error_rate: [("list".to_owned(), 0.25)].into(),
        });
        let failed = (0..10_000).filter(|_| faults.fails("list")).count();
        assert!((2_000..3_000).contains(&failed), "{failed} of 10000");
        assert!(!faults.fails("get"));
        faults.set(FaultConfig {
            latency_ms: 0,
            error_rate: [("get".to_owned(), 1.0)].into(),
        });
        assert!((0..100).all(|_| faults.fails("get")));
    }

    #[test]
    fn nonsense_fault_settings_are_refused_with_the_reason() {
        let config = FaultConfig {
            latency_ms: 0,
            error_rate: [("explode".to_owned(), 0.5)].into(),
        };
        assert!(config.validate().unwrap_err().0.contains("explode"));
        let config = FaultConfig {
            latency_ms: 0,
            error_rate: [("get".to_owned(), 2.0)].into(),
        };
        assert!(config.validate().unwrap_err().0.contains("from 0 to 1"));
    }
}
