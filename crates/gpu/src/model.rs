//! What is read of a GPU: once (its identity and limits) and at each sample.

use serde::{Deserialize, Serialize};

/// Why one reading is missing; the others are read regardless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "missing", content = "detail")]
pub enum Missing {
    /// The GPU does not have it (ECC on a consumer board, fans on a passive one).
    #[error("not supported by this GPU")]
    NotSupported,
    /// Reading it needs more privileges.
    #[error("needs more privileges")]
    NoPermission,
    /// The driver's NVML lacks the function.
    #[error("the driver is too old to report it")]
    DriverTooOld,
    /// Anything else the driver said.
    #[error("{0}")]
    Failed(String),
    /// A trace recorded before KubeDesk read it.
    #[error("not in this trace")]
    NotRecorded,
}

/// One reading, or why it is missing.
pub type Reading<T> = Result<T, Missing>;

/// A reading a trace recorded by an older KubeDesk does not have.
fn not_recorded<T>() -> Reading<T> {
    Err(Missing::NotRecorded)
}

/// The driver, as NVML reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    /// The kernel driver's version (`550.54.15`).
    pub driver_version: Reading<String>,
    /// NVML's version.
    pub nvml_version: Reading<String>,
    /// The newest CUDA version the driver supports, as NVML encodes it (12040 for 12.4).
    pub cuda_driver_version: Reading<i32>,
    /// Whether this machine runs a kubelet's pods (their cgroups are here): GPU memory held by
    /// a process of no pod is then hidden from the scheduler.
    #[serde(default)]
    pub kubernetes_node: bool,
    /// The CUDA toolkit installed on this machine (`/usr/local/cuda`), as `12.4.131`.
    #[serde(default)]
    pub cuda_toolkit: Option<String>,
}

/// A GPU's identity and limits, read once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Its NVML index.
    pub index: u32,
    /// Its product name.
    pub name: Reading<String>,
    /// Its UUID (`GPU-…`).
    pub uuid: Reading<String>,
    /// Its PCI bus id.
    pub pci_bus_id: Reading<String>,
    /// Its memory, in bytes.
    pub memory_total_bytes: Reading<u64>,
    /// The temperature at which it slows itself down, °C.
    pub slowdown_celsius: Reading<u32>,
    /// The temperature at which it shuts down, °C.
    pub shutdown_celsius: Reading<u32>,
    /// The power limit in force, mW.
    pub power_limit_milliwatts: Reading<u32>,
    /// Its fastest SM clock, MHz.
    pub max_sm_clock_mhz: Reading<u32>,
    /// Its fastest memory clock, MHz.
    #[serde(default = "not_recorded")]
    pub max_memory_clock_mhz: Reading<u32>,
    /// Its fastest graphics clock, MHz.
    #[serde(default = "not_recorded")]
    pub max_graphics_clock_mhz: Reading<u32>,
    /// The power limit it ships with, mW.
    #[serde(default = "not_recorded")]
    pub default_power_limit_milliwatts: Reading<u32>,
    /// The PCIe generation its link can reach.
    pub max_pcie_generation: Reading<u32>,
    /// The PCIe width its link can reach (lanes).
    pub max_pcie_width: Reading<u32>,
    /// Whether persistence mode is on (the driver stays loaded with no client).
    pub persistence: Reading<bool>,
    /// Whether MIG mode is on.
    pub mig: Reading<bool>,
    /// Which processes may use it.
    #[serde(default = "not_recorded")]
    pub compute_mode: Reading<ComputeMode>,
}

/// Which processes may use a GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputeMode {
    /// Any number of processes.
    Default,
    /// One thread of one process (deprecated by NVIDIA).
    ExclusiveThread,
    /// None.
    Prohibited,
    /// One process.
    ExclusiveProcess,
}

impl Device {
    /// GPU `index`, none of whose readings could be read, for `why`.
    pub fn unreadable(index: u32, why: &Missing) -> Self {
        Self {
            index,
            name: Err(why.clone()),
            uuid: Err(why.clone()),
            pci_bus_id: Err(why.clone()),
            memory_total_bytes: Err(why.clone()),
            slowdown_celsius: Err(why.clone()),
            shutdown_celsius: Err(why.clone()),
            power_limit_milliwatts: Err(why.clone()),
            max_sm_clock_mhz: Err(why.clone()),
            max_pcie_generation: Err(why.clone()),
            max_pcie_width: Err(why.clone()),
            max_memory_clock_mhz: Err(why.clone()),
            max_graphics_clock_mhz: Err(why.clone()),
            default_power_limit_milliwatts: Err(why.clone()),
            persistence: Err(why.clone()),
            mig: Err(why.clone()),
            compute_mode: Err(why.clone()),
        }
    }
}

/// Why the clocks are held below their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Throttle {
    /// Nothing runs.
    Idle,
    /// The application clocks are set lower.
    ApplicationsClocks,
    /// Held under the power limit by software.
    SwPowerCap,
    /// The hardware slows down (temperature, power brake or a failing supply).
    HwSlowdown,
    /// The hardware slows down for temperature.
    HwThermalSlowdown,
    /// The hardware's power brake (an external signal) slows it down.
    HwPowerBrakeSlowdown,
    /// The driver slows down for temperature.
    SwThermalSlowdown,
    /// Held with other GPUs (sync boost).
    SyncBoost,
    /// Held for the display's clock.
    DisplayClock,
}

/// A process using the GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// Its PID on the host.
    pub pid: u32,
    /// The GPU memory it holds, bytes, when the driver says.
    pub used_bytes: Option<u64>,
    /// Its cgroup (`/proc/PID/cgroup`'s path), when it could be read.
    #[serde(default)]
    pub cgroup: Option<String>,
    /// Its pod as `namespace/name`, when it runs in a pod of this node and the kubelet's pod log
    /// folders (`/var/log/pods/<namespace>_<name>_<uid>`) name it.
    #[serde(default)]
    pub pod: Option<String>,
    /// The CUDA version its container image declares (`CUDA_VERSION` in its environment, as
    /// NVIDIA's CUDA images set it), when it could be read.
    #[serde(default)]
    pub cuda_version: Option<String>,
}

/// Rows of a GPU's memory remapped to spare rows after errors (Ampere and later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemappedRows {
    /// Rows remapped after correctable errors.
    pub correctable: u64,
    /// Rows remapped after uncorrectable errors.
    pub uncorrectable: u64,
    /// Whether a remapping waits for the GPU's next reset.
    pub pending: bool,
    /// Whether a remapping failed (no spare row was left).
    pub failed: bool,
}

/// One NVLink link of a GPU, with its error counters since the driver loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvLink {
    /// Its number on the GPU.
    pub link: u32,
    /// Whether it is up.
    pub active: bool,
    /// Transmissions replayed after an error.
    pub replay_errors: Reading<u64>,
    /// Times the link had to be recovered (retrained).
    pub recovery_errors: Reading<u64>,
    /// Flits and data packets received with a CRC error.
    pub crc_errors: Reading<u64>,
}

/// A MIG instance of a GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigInstance {
    /// Its index on the GPU.
    pub index: u32,
    /// Its UUID (`MIG-…`).
    pub uuid: Reading<String>,
    /// Its profile's name (`NVIDIA A100-SXM4-80GB MIG 3g.40gb`).
    pub name: Reading<String>,
    /// Its memory in use, bytes.
    pub memory_used_bytes: Reading<u64>,
    /// Its memory, bytes.
    pub memory_total_bytes: Reading<u64>,
}

/// Why a GPU could not be read at all at one sample (it fell off the bus); its other samples and
/// the other GPUs go on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{0}")]
pub struct Lost(pub String);

/// One GPU's sample, or why it could not be read.
pub type Sampled = Result<Sample, Lost>;

/// Who runs a process, from its cgroup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Owner {
    /// A Kubernetes pod (its UID), and its container when the cgroup names it.
    Pod {
        /// The pod's UID.
        uid: String,
        /// The container's ID.
        container: Option<String>,
    },
    /// A container outside Kubernetes (Docker, Podman).
    Container {
        /// The container's ID.
        id: String,
    },
    /// Neither: a process of the host.
    Host,
}

impl Process {
    /// Who runs it, when its cgroup is known.
    pub fn owner(&self) -> Option<Owner> {
        self.cgroup.as_deref().map(owner)
    }
}

/// Who runs a process whose cgroup path is `cgroup`: the kubelet's layouts (cgroup v1
/// `/kubepods/burstable/pod<UID>/<container>`, the systemd driver's
/// `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<UID with _>.slice/cri-containerd-<ID>.scope`),
/// Docker's and Podman's (`/docker/<ID>`, `docker-<ID>.scope`, `libpod-<ID>.scope`), else the host.
pub fn owner(cgroup: &str) -> Owner {
    let parts: Vec<&str> = cgroup.split('/').filter(|part| !part.is_empty()).collect();
    // A container's ID: the last part, without a runtime's prefix and the `.scope` suffix.
    let container_id = |part: &str| {
        let id = part.trim_end_matches(".scope");
        let id = id.rsplit_once('-').map_or(id, |(_, id)| id);
        (id.len() >= 12 && id.chars().all(|c| c.is_ascii_hexdigit())).then(|| id.to_owned())
    };
    if parts.iter().any(|part| part.starts_with("kubepods")) {
        let uid = parts.iter().find_map(|part| {
            let part = part.trim_end_matches(".slice");
            let at = part.rfind("pod")?;
            let uid = &part[at + 3..];
            (uid.len() >= 32).then(|| uid.replace('_', "-"))
        });
        if let Some(uid) = uid {
            let container = parts
                .last()
                .filter(|last| !last.contains("pod"))
                .and_then(|last| container_id(last));
            return Owner::Pod { uid, container };
        }
    }
    let runtime = parts.iter().any(|part| {
        *part == "docker" || part.starts_with("docker-") || part.starts_with("libpod-")
    });
    match parts.last().and_then(|last| container_id(last)) {
        Some(id) if runtime => Owner::Container { id },
        _ => Owner::Host,
    }
}

/// A GPU's readings at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// When, in ms since the epoch.
    pub at_ms: i64,
    /// How busy its SMs were, %.
    pub gpu_percent: Reading<u32>,
    /// How busy its memory was, %.
    pub memory_percent: Reading<u32>,
    /// How busy its video encoder was, %.
    #[serde(default = "not_recorded")]
    pub encoder_percent: Reading<u32>,
    /// How busy its video decoder was, %.
    #[serde(default = "not_recorded")]
    pub decoder_percent: Reading<u32>,
    /// Memory in use, bytes.
    pub memory_used_bytes: Reading<u64>,
    /// Memory free, bytes.
    #[serde(default = "not_recorded")]
    pub memory_free_bytes: Reading<u64>,
    /// Memory the driver reserves, bytes.
    #[serde(default = "not_recorded")]
    pub memory_reserved_bytes: Reading<u64>,
    /// Its temperature, °C.
    pub temperature_celsius: Reading<u32>,
    /// Its power draw, mW.
    pub power_milliwatts: Reading<u32>,
    /// The energy it used since the driver loaded, mJ.
    #[serde(default = "not_recorded")]
    pub energy_millijoules: Reading<u64>,
    /// Its SM clock, MHz.
    pub sm_clock_mhz: Reading<u32>,
    /// Its memory clock, MHz.
    #[serde(default = "not_recorded")]
    pub memory_clock_mhz: Reading<u32>,
    /// Its graphics clock, MHz.
    #[serde(default = "not_recorded")]
    pub graphics_clock_mhz: Reading<u32>,
    /// Its performance state, 0 (fastest) to 15 (slowest).
    #[serde(default = "not_recorded")]
    pub pstate: Reading<u32>,
    /// The speed of each of its fans, % of its maximum.
    #[serde(default = "not_recorded")]
    pub fans_percent: Reading<Vec<u32>>,
    /// Why its clocks are held, if they are.
    pub throttle: Reading<Vec<Throttle>>,
    /// Uncorrectable ECC errors since the driver loaded.
    pub ecc_uncorrected_volatile: Reading<u64>,
    /// Corrected ECC errors since the driver loaded.
    #[serde(default = "not_recorded")]
    pub ecc_corrected_volatile: Reading<u64>,
    /// Uncorrectable ECC errors over the GPU's life.
    #[serde(default = "not_recorded")]
    pub ecc_uncorrected_aggregate: Reading<u64>,
    /// Whether memory pages wait to be retired at the next reset.
    pub pages_pending_retirement: Reading<bool>,
    /// Its memory rows remapped (Ampere and later, instead of retired pages).
    #[serde(default = "not_recorded")]
    pub remapped_rows: Reading<RemappedRows>,
    /// Its PCIe link's generation now.
    pub pcie_generation: Reading<u32>,
    /// Its PCIe link's width now (lanes).
    pub pcie_width: Reading<u32>,
    /// What it sends over PCIe, KB/s.
    #[serde(default = "not_recorded")]
    pub pcie_tx_kilobytes_per_second: Reading<u32>,
    /// What it receives over PCIe, KB/s.
    #[serde(default = "not_recorded")]
    pub pcie_rx_kilobytes_per_second: Reading<u32>,
    /// PCIe transmissions replayed after an error, since the driver loaded.
    #[serde(default = "not_recorded")]
    pub pcie_replays: Reading<u64>,
    /// Its NVLink links (none on a GPU without NVLink).
    #[serde(default = "not_recorded")]
    pub nvlinks: Reading<Vec<NvLink>>,
    /// Its MIG instances, when MIG mode is on.
    #[serde(default = "not_recorded")]
    pub mig_instances: Reading<Vec<MigInstance>>,
    /// The processes using it.
    pub processes: Reading<Vec<Process>>,
    /// The Xid errors it reported since the previous sample.
    #[serde(default)]
    pub xids: Vec<u64>,
}
