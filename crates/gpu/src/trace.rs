//! Recorded traces: a file of what a source said, replayed as a source. JSON Lines: a header
//! (`{"kubedesk_gpu_trace": 1, "system": …, "devices": […]}`), then one line per sample of every
//! GPU (`{"samples": [{"Ok": …} | {"Err": "why the GPU could not be read"}]}`). A file cut short
//! replays up to its last whole line and says so; a foreign, empty or newer file is refused with
//! its name.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Device, Sampled, System};

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The current time in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

#[derive(Serialize, Deserialize)]
struct Header {
    kubedesk_gpu_trace: u32,
    system: System,
    devices: Vec<Device>,
}

#[derive(Serialize, Deserialize)]
struct Line {
    samples: Vec<Sampled>,
}

/// Why a trace cannot be replayed, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// It cannot be read.
    #[error("the GPU trace {path} cannot be read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It is empty.
    #[error("the GPU trace {path} is empty; record one with `kubedesk gpu record FILE`")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// It is not a KubeDesk GPU trace.
    #[error(
        "{path} is not a KubeDesk GPU trace (its first line is not a trace header); record one with `kubedesk gpu record FILE`"
    )]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// A newer KubeDesk wrote it.
    #[error(
        "the GPU trace {path} is of format {found}, newer than this KubeDesk reads ({VERSION}); update KubeDesk"
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u32,
    },
    /// A line in the middle is damaged.
    #[error("the GPU trace {path} is damaged at line {line}: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        detail: String,
    },
}

/// A trace, read and replayed one sample at a time.
#[derive(Debug)]
pub struct TraceSource {
    system: System,
    devices: Vec<Device>,
    samples: std::vec::IntoIter<Vec<Sampled>>,
    cut_short_at: Option<usize>,
}

impl TraceSource {
    /// Reads the trace at `path`.
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let io = |source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut lines = std::io::BufReader::new(file).lines();
        let first = lines
            .next()
            .transpose()
            .map_err(io)?
            .ok_or_else(|| TraceError::Empty {
                path: path.to_path_buf(),
            })?;
        let version = serde_json::from_str::<serde_json::Value>(&first)
            .ok()
            .and_then(|header| header["kubedesk_gpu_trace"].as_u64())
            .ok_or_else(|| TraceError::Foreign {
                path: path.to_path_buf(),
            })?;
        let version = u32::try_from(version).unwrap_or(u32::MAX);
        if version > VERSION {
            return Err(TraceError::Newer {
                path: path.to_path_buf(),
                found: version,
            });
        }
        let header: Header = serde_json::from_str(&first).map_err(|error| TraceError::Damaged {
            path: path.to_path_buf(),
            line: 1,
            detail: error.to_string(),
        })?;
        let lines: Vec<String> = lines.collect::<Result<_, _>>().map_err(io)?;
        let mut samples = Vec::with_capacity(lines.len());
        let mut cut_short_at = None;
        for (index, text) in lines.iter().enumerate() {
            let number = index + 2;
            match serde_json::from_str::<Line>(text) {
                Ok(line) => samples.push(line.samples),
                // The last line of a recording killed mid-write: replay what came before.
                Err(error) if index + 1 == lines.len() && error.is_eof() => {
                    cut_short_at = Some(number);
                }
                Err(error) => {
                    return Err(TraceError::Damaged {
                        path: path.to_path_buf(),
                        line: number,
                        detail: error.to_string(),
                    });
                }
            }
        }
        Ok(Self {
            system: header.system,
            devices: header.devices,
            samples: samples.into_iter(),
            cut_short_at,
        })
    }

    /// The line at which the file was cut short, if it was (its samples end before it).
    pub fn cut_short_at(&self) -> Option<usize> {
        self.cut_short_at
    }
}

impl crate::GpuSource for TraceSource {
    fn system(&self) -> &System {
        &self.system
    }

    fn devices(&self) -> &[Device] {
        &self.devices
    }

    fn sample(&mut self) -> Option<Vec<Sampled>> {
        self.samples.next()
    }
}

/// Writes what a source says to a trace file.
#[derive(Debug)]
pub struct Recorder {
    file: std::io::BufWriter<std::fs::File>,
}

impl Recorder {
    /// Starts a trace at `path` (a new file) with `source`'s system and GPUs.
    pub fn create(path: &Path, source: &dyn crate::GpuSource) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        let mut recorder = Self {
            file: std::io::BufWriter::new(file),
        };
        recorder.line(&Header {
            kubedesk_gpu_trace: VERSION,
            system: source.system().clone(),
            devices: source.devices().to_vec(),
        })?;
        Ok(recorder)
    }

    /// Adds one sample of every GPU.
    pub fn record(&mut self, samples: &[Sampled]) -> std::io::Result<()> {
        self.line(&Line {
            samples: samples.to_vec(),
        })
    }

    fn line(&mut self, line: &impl Serialize) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.file, line)?;
        self.file.write_all(b"\n")?;
        // Each line whole on disk: a recording stopped at any moment replays up to there.
        self.file.flush()
    }
}
