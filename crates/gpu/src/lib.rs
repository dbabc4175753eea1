//! This machine's GPUs: what they are and how they are doing, read through NVML or replayed from
//! a recorded trace, checked for what is wrong with an explanation and an action each, and put in
//! a report that reads the same in the window and headless (`kubedesk gpu report`).
//!
//! [`GpuSource`] is the one way in: [`nvml::NvmlSource`] reads the driver (nvml-wrapper, the
//! library loaded when it is opened, so a machine without it gets [`nvml::Unavailable`] with the
//! reason), and [`trace::TraceSource`] replays a file [`trace::Recorder`] wrote. The
//! [`sampler::Sampler`] reads a source at 1 Hz into a bounded history per GPU. A reading the
//! driver cannot give (not supported, no permission, too old a driver) is a [`Missing`] for that
//! reading alone; a GPU that fails as a whole between samples is reported lost while the others go
//! on.

pub mod health;
mod model;
pub mod nvml;
pub mod report;
pub mod sampler;
pub mod trace;

pub use model::{
    ComputeMode, Device, Lost, MigInstance, Missing, NvLink, Owner, Process, Reading, RemappedRows,
    Sample, Sampled, System, Throttle, owner,
};

/// Where GPU readings come from.
pub trait GpuSource {
    /// The driver's versions.
    fn system(&self) -> &System;
    /// The GPUs, by index.
    fn devices(&self) -> &[Device];
    /// One sample of every GPU, in the order of [`GpuSource::devices`]: each its readings, or why
    /// it could not be read at all (it fell off the bus). `None` once a trace has ended.
    fn sample(&mut self) -> Option<Vec<Sampled>>;
}

/// Why no GPU source could be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The trace asked for cannot be replayed.
    #[error(transparent)]
    Trace(#[from] trace::TraceError),
    /// NVML cannot be used on this machine.
    #[error(transparent)]
    Nvml(#[from] nvml::Unavailable),
}

/// A source opened.
pub struct Opened {
    /// The source.
    pub source: Box<dyn GpuSource + Send>,
    /// The line a trace was cut short at, if it was.
    pub cut_short_at: Option<usize>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("devices", &self.source.devices().len())
            .field("cut_short_at", &self.cut_short_at)
            .finish_non_exhaustive()
    }
}

/// The trace at `trace` when one is given, else this machine's GPUs through NVML.
pub fn open(trace: Option<&std::path::Path>) -> Result<Opened, OpenError> {
    Ok(match trace {
        Some(path) => {
            let trace = trace::TraceSource::open(path)?;
            Opened {
                cut_short_at: trace.cut_short_at(),
                source: Box::new(trace),
            }
        }
        None => Opened {
            source: Box::new(nvml::NvmlSource::open()?),
            cut_short_at: None,
        },
    })
}
