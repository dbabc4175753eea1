//! This machine's GPUs as the GPUs page shows them: each GPU's readings against its limits, what
//! is wrong with it, and why there are none to show when NVML cannot be used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Command;

/// Follows this machine's GPUs; their state arrives on the `channel` argument as [`LocalGpus`],
/// now and after each sample.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchLocalGpus {}

impl Command for WatchLocalGpus {
    const NAME: &'static str = "watch_local_gpus";
    type Output = LocalGpusSubscription;
}

/// A subscription to this machine's GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalGpusSubscription {
    /// Its id, for [`StopLocalGpus`].
    pub id: u64,
}

/// Ends a subscription to this machine's GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopLocalGpus {
    /// The subscription.
    pub id: u64,
}

impl Command for StopLocalGpus {
    const NAME: &'static str = "stop_local_gpus";
    type Output = ();
}

/// Writes the report of this machine's GPUs as they are now to the downloads folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportGpuReport {
    /// Markdown or JSON.
    pub format: GpuReportFormat,
}

impl Command for ExportGpuReport {
    const NAME: &'static str = "export_gpu_report";
    type Output = ExportedGpuReport;
}

/// The format of an exported GPU report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpuReportFormat {
    /// Markdown, for a support case or an issue.
    #[default]
    Markdown,
    /// JSON, for a program.
    Json,
}

/// A GPU report written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedGpuReport {
    /// Its file.
    pub path: String,
}

/// This machine's GPUs now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LocalGpus {
    /// NVML cannot be used: why, and what to do.
    Unavailable {
        /// The reason, with what to do.
        reason: String,
    },
    /// The GPUs.
    Ready {
        /// The driver's version.
        driver: Option<String>,
        /// The newest CUDA version the driver supports (`12.4`).
        cuda: Option<String>,
        /// Each GPU.
        gpus: Vec<LocalGpu>,
        /// Whether the readings come from a trace that has ended (they no longer change).
        ended: bool,
    },
}

/// One GPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalGpu {
    /// Its index.
    pub index: u32,
    /// Its product name.
    pub name: Option<String>,
    /// Its UUID.
    pub uuid: Option<String>,
    /// Its PCI bus id.
    pub pci_bus_id: Option<String>,
    /// Its readings, in the order the page shows them.
    pub readings: Vec<GpuReading>,
    /// The processes using it.
    pub processes: Vec<GpuProcess>,
    /// Why its latest sample could not be read, if it could not.
    pub lost: Option<String>,
    /// What is wrong with it, worst first.
    pub findings: Vec<GpuFinding>,
}

/// What a reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpuReadingKind {
    /// How busy its SMs are, %.
    Utilization,
    /// Memory used, bytes (of the total).
    Memory,
    /// Temperature, °C (of the slowdown temperature).
    Temperature,
    /// Power draw, W (of the limit).
    Power,
    /// SM clock, MHz (of its maximum).
    SmClock,
    /// PCIe link generation (of its maximum).
    PcieGeneration,
    /// PCIe link width, lanes (of its maximum).
    PcieWidth,
    /// Uncorrectable ECC errors since the driver loaded.
    EccUncorrected,
}

/// One reading, or why it is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuReading {
    /// What it is.
    pub kind: GpuReadingKind,
    /// Its value.
    pub value: Option<f64>,
    /// What it is measured against (the limit, the maximum), when known.
    pub of: Option<f64>,
    /// Why it is missing, when it is.
    pub missing: Option<GpuMissing>,
}

/// Why a reading is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum GpuMissing {
    /// The GPU does not have it.
    NotSupported,
    /// Reading it needs more privileges.
    NoPermission,
    /// The driver is too old to report it.
    DriverTooOld,
    /// The driver failed to answer.
    Failed {
        /// Its message.
        message: String,
    },
}

/// A process using a GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuProcess {
    /// Its host PID.
    pub pid: u32,
    /// The GPU memory it holds, bytes.
    pub used_bytes: Option<u64>,
    /// Who runs it, when its cgroup says.
    pub owner: Option<GpuProcessOwner>,
}

/// Who runs a process using a GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GpuProcessOwner {
    /// A Kubernetes pod, by UID.
    Pod {
        /// Its UID.
        uid: String,
    },
    /// A container outside Kubernetes.
    Container {
        /// Its ID.
        id: String,
    },
    /// The host.
    Host,
}

/// Something wrong with a GPU, worded by the UI from its check and values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuFinding {
    /// Which check found it (`temperature`, `power_capped`, `slowdown`, `uncorrectable_ecc`,
    /// `page_retirement`, `pcie_link`, `xid`, `persistence`, `outside_pods`, `lost`).
    pub check: String,
    /// `critical`, `warning` or `notice`.
    pub severity: String,
    /// The figures its words take (`gpu`, `temperature`, `slowdown`, …).
    pub values: BTreeMap<String, String>,
}
