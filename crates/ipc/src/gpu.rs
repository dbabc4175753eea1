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
    /// Why its clocks are held (`idle`, `sw_power_cap`, `hw_slowdown`, …), when they are.
    pub throttle: Vec<String>,
    /// Its performance state, 0 (fastest) to 15.
    pub pstate: Option<u32>,
    /// Its fans' speeds, % (none on a passively cooled GPU).
    pub fans: Vec<u32>,
    /// Which processes may use it (`default`, `exclusive_process`, `prohibited`).
    pub compute_mode: Option<String>,
    /// Its NVLink links (none without NVLink).
    pub nvlinks: Vec<GpuNvLink>,
    /// Its MIG instances, when MIG mode is on.
    pub mig_instances: Vec<GpuMigInstance>,
    /// The processes using it.
    pub processes: Vec<GpuProcess>,
    /// Why its latest sample could not be read, if it could not.
    pub lost: Option<String>,
    /// What is wrong with it, worst first.
    pub findings: Vec<GpuFinding>,
    /// Its samples since the previous update, for its charts.
    pub history: GpuHistory,
}

/// Samples of a GPU for its history charts, oldest first: every series has one value per time,
/// `None` where it could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuHistory {
    /// Whether these samples follow the ones sent before; `false` when they replace them (a
    /// subscription's first update carries the whole history).
    pub continues: bool,
    /// How many samples a chart keeps, the oldest dropped first.
    pub keep: u32,
    /// When each sample was taken, ms since the epoch.
    pub at_ms: Vec<i64>,
    /// How busy its SMs were, %.
    pub utilization: Vec<Option<f64>>,
    /// How busy its memory was, %.
    pub memory_activity: Vec<Option<f64>>,
    /// Memory used, bytes.
    pub memory_used: Vec<Option<f64>>,
    /// Temperature, °C.
    pub temperature: Vec<Option<f64>>,
    /// Power draw, W.
    pub power: Vec<Option<f64>>,
    /// SM clock, MHz.
    pub sm_clock: Vec<Option<f64>>,
    /// Memory clock, MHz.
    pub memory_clock: Vec<Option<f64>>,
}

/// An NVLink link of a GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuNvLink {
    /// Its number.
    pub link: u32,
    /// Whether it is up.
    pub active: bool,
    /// CRC and replay errors since the driver loaded.
    pub errors: u64,
    /// Recoveries since the driver loaded.
    pub recoveries: u64,
}

/// A MIG instance of a GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuMigInstance {
    /// Its index on the GPU.
    pub index: u32,
    /// Its profile (`NVIDIA A100-SXM4-80GB MIG 3g.40gb`).
    pub name: Option<String>,
    /// Its UUID.
    pub uuid: Option<String>,
    /// Memory used, bytes.
    pub memory_used_bytes: Option<u64>,
    /// Its memory, bytes.
    pub memory_total_bytes: Option<u64>,
}

/// What a reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpuReadingKind {
    /// How busy its SMs are, %.
    Utilization,
    /// How busy its memory is, %.
    MemoryActivity,
    /// How busy its video encoder is, %.
    Encoder,
    /// How busy its video decoder is, %.
    Decoder,
    /// Memory used, bytes (of the total).
    Memory,
    /// Memory the driver reserves, bytes.
    MemoryReserved,
    /// Temperature, °C (of the slowdown temperature).
    Temperature,
    /// Power draw, W (of the limit).
    Power,
    /// Energy used since the driver loaded, Wh.
    Energy,
    /// SM clock, MHz (of its maximum).
    SmClock,
    /// Memory clock, MHz (of its maximum).
    MemoryClock,
    /// Graphics clock, MHz (of its maximum).
    GraphicsClock,
    /// PCIe link generation (of its maximum).
    PcieGeneration,
    /// PCIe link width, lanes (of its maximum).
    PcieWidth,
    /// Sent over PCIe, KB/s.
    PcieTx,
    /// Received over PCIe, KB/s.
    PcieRx,
    /// PCIe transmissions replayed since the driver loaded.
    PcieReplays,
    /// Uncorrectable ECC errors since the driver loaded.
    EccUncorrected,
    /// Corrected ECC errors since the driver loaded.
    EccCorrected,
    /// Uncorrectable ECC errors over the GPU's life.
    EccLifetime,
    /// Memory rows remapped after errors.
    RemappedRows,
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
    /// The trace was recorded before KubeDesk read it.
    NotRecorded,
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
    /// A Kubernetes pod.
    Pod {
        /// Its UID.
        uid: String,
        /// `namespace/name`, when this node's kubelet names it.
        name: Option<String>,
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
