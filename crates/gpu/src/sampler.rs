//! The sampler: one thread that reads a source at an interval (1 Hz by default) into a bounded
//! history per GPU, the oldest samples dropped first, for the page's readings and charts.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::model::{Device, Sample, Sampled, System};

/// The interval between samples unless another is asked for.
pub const EVERY: Duration = Duration::from_secs(1);
/// An hour of samples at [`EVERY`].
pub const KEEP: usize = 3600;

/// One GPU's samples, oldest first, at most as many as the sampler keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    samples: VecDeque<Sample>,
    /// Why its latest sample could not be read, if it could not (its earlier samples stay).
    pub lost: Option<String>,
}

impl History {
    /// The samples, oldest first.
    pub fn samples(&self) -> &VecDeque<Sample> {
        &self.samples
    }

    /// The latest sample read.
    pub fn latest(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// The latest sample, with every Xid error of the whole history: they are events, and an
    /// Xid an hour ago still matters.
    pub fn latest_with_events(&self) -> Option<Sample> {
        let mut latest = self.latest()?.clone();
        latest.xids = self
            .samples
            .iter()
            .flat_map(|sample| sample.xids.iter().copied())
            .collect();
        Some(latest)
    }

    fn push(&mut self, sample: Sampled, keep: usize) {
        match sample {
            Ok(sample) => {
                if self.samples.len() == keep {
                    self.samples.pop_front();
                }
                self.samples.push_back(sample);
                self.lost = None;
            }
            Err(why) => self.lost = Some(why.0),
        }
    }
}

/// What the sampler has read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The driver.
    pub system: System,
    /// The GPUs.
    pub devices: Vec<Device>,
    /// Each GPU's history, in the order of `devices`.
    pub histories: Vec<History>,
    /// How many samples were taken.
    pub taken: u64,
    /// Whether the source has ended (a trace replayed to its end).
    pub ended: bool,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// A running sampler; dropping it stops its thread.
#[derive(Debug)]
pub struct Sampler {
    shared: Arc<Shared>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    /// Samples `source` every `every`, keeping the latest `keep` samples of each GPU.
    pub fn start(
        mut source: Box<dyn crate::GpuSource + Send>,
        every: Duration,
        keep: usize,
    ) -> Self {
        let keep = keep.max(1);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                system: source.system().clone(),
                devices: source.devices().to_vec(),
                histories: vec![History::default(); source.devices().len()],
                taken: 0,
                ended: false,
            }),
            changed: Condvar::new(),
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let sampling = shared.clone();
        let thread = std::thread::Builder::new()
            .name("gpu-sampler".into())
            .spawn(move || {
                loop {
                    let sampled = source.sample();
                    let ended = sampled.is_none();
                    {
                        let mut state = sampling
                            .state
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner);
                        for (history, sample) in state
                            .histories
                            .iter_mut()
                            .zip(sampled.into_iter().flatten())
                        {
                            history.push(sample, keep);
                        }
                        state.taken += u64::from(!ended);
                        state.ended = ended;
                    }
                    sampling.changed.notify_all();
                    // Stopped (or the sampler dropped) ends the thread; a timeout samples again.
                    if ended
                        || !matches!(
                            stopped.recv_timeout(every),
                            Err(mpsc::RecvTimeoutError::Timeout)
                        )
                    {
                        return;
                    }
                }
            })
            .ok();
        Self {
            shared,
            stop: Some(stop),
            thread,
        }
    }

    /// Reads what the sampler has now.
    pub fn read<R>(&self, read: impl FnOnce(&State) -> R) -> R {
        read(
            &self
                .shared
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Waits until `until` holds of what the sampler has, for `limit` at most; answers whether
    /// it held.
    pub fn wait_until(&self, until: impl Fn(&State) -> bool, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !until(&state) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
