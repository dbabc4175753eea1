//! The GPUs as the NVIDIA driver reports them, through NVML (nvml-wrapper). The library is loaded
//! when the source is opened: a machine without it, or whose driver is not loaded, gets
//! [`Unavailable`] saying which and what to do; the rest of the app is unaffected.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use nvml_wrapper::bitmasks::device::ThrottleReasons;
use nvml_wrapper::bitmasks::event::EventTypes;
use nvml_wrapper::enum_wrappers::device::{
    Clock, ComputeMode as NvmlComputeMode, EccCounter, MemoryError, PcieUtilCounter,
    TemperatureSensor, TemperatureThreshold,
};
use nvml_wrapper::enum_wrappers::nv_link::ErrorCounter;
use nvml_wrapper::enums::device::{SampleValue, UsedGpuMemory};
use nvml_wrapper::enums::event::XidError;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::struct_wrappers::device::FieldValueSample;
use nvml_wrapper::structs::device::FieldId;
use nvml_wrapper::sys_exports::field_id::{
    NVML_FI_DEV_REMAPPED_COR, NVML_FI_DEV_REMAPPED_FAILURE, NVML_FI_DEV_REMAPPED_PENDING,
    NVML_FI_DEV_REMAPPED_UNC,
};
use nvml_wrapper::{Device as NvmlDevice, Nvml};

use crate::model::{
    ComputeMode, Device, Lost, MigInstance, Missing, NvLink, Process, Reading, RemappedRows,
    Sample, Sampled, System, Throttle,
};

/// The most NVLink links a GPU has (NVML's `NVML_NVLINK_MAX_LINKS`).
const MAX_NVLINKS: u32 = 18;
/// How long the Xid listener waits for an event before it looks whether it should stop, ms.
const XID_WAIT_MS: u32 = 250;

/// Why NVML cannot be used on this machine, each with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// `libnvidia-ml.so.1` is not installed (no NVIDIA driver, or a container without it).
    #[error(
        "the NVIDIA driver's NVML library is not installed here ({0}); install the NVIDIA driver, or in a container run it with the NVIDIA container toolkit"
    )]
    LibraryMissing(String),
    /// The library is there, the kernel driver is not loaded.
    #[error(
        "the NVIDIA kernel driver is not loaded; load it (modprobe nvidia) or check `dmesg` for why it failed"
    )]
    DriverNotLoaded,
    /// The library and the kernel module are of different versions.
    #[error(
        "the NVIDIA driver's library and kernel module are of different versions, as after an upgrade without a reboot; reboot, or reload the nvidia kernel modules"
    )]
    VersionMismatch,
    /// NVML answered, with no GPU.
    #[error("the NVIDIA driver is loaded but reports no GPU")]
    NoGpu,
    /// Anything else NVML said.
    #[error("NVML could not be started: {0}")]
    Failed(String),
}

impl Unavailable {
    fn from_init(error: NvmlError) -> Self {
        match error {
            NvmlError::LibloadingError(error) => Self::LibraryMissing(error.to_string()),
            NvmlError::DriverNotLoaded => Self::DriverNotLoaded,
            NvmlError::LibRmVersionMismatch => Self::VersionMismatch,
            other => Self::Failed(other.to_string()),
        }
    }
}

/// The reading for one NVML answer.
fn reading<T>(answer: Result<T, NvmlError>) -> Reading<T> {
    answer.map_err(|error| match error {
        NvmlError::NotSupported => Missing::NotSupported,
        NvmlError::NoPermission => Missing::NoPermission,
        NvmlError::FailedToLoadSymbol(_) => Missing::DriverTooOld,
        other => Missing::Failed(other.to_string()),
    })
}

/// NVML, opened.
pub struct NvmlSource {
    nvml: Nvml,
    system: System,
    devices: Vec<Device>,
    xids: XidListener,
}

impl std::fmt::Debug for NvmlSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NvmlSource")
            .field("system", &self.system)
            .field("devices", &self.devices)
            .finish_non_exhaustive()
    }
}

impl NvmlSource {
    /// Loads NVML and reads what each GPU is.
    pub fn open() -> Result<Self, Unavailable> {
        let nvml = Nvml::init().map_err(Unavailable::from_init)?;
        let count = nvml
            .device_count()
            .map_err(|error| Unavailable::Failed(error.to_string()))?;
        if count == 0 {
            return Err(Unavailable::NoGpu);
        }
        let system = System {
            driver_version: reading(nvml.sys_driver_version()),
            nvml_version: reading(nvml.sys_nvml_version()),
            cuda_driver_version: reading(nvml.sys_cuda_driver_version()),
            kubernetes_node: kubernetes_node(),
            cuda_toolkit: cuda_toolkit(),
        };
        let devices = (0..count).map(|index| device(&nvml, index)).collect();
        Ok(Self {
            nvml,
            system,
            devices,
            xids: XidListener::start(),
        })
    }
}

/// Xid errors as the driver reports them, as events: a thread with its own NVML handle and event
/// set (which borrows it) waits for them and keeps them, by GPU index, until the next sample.
#[derive(Debug)]
struct XidListener {
    seen: Arc<Mutex<Vec<(u32, u64)>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl XidListener {
    fn start() -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (keeping, stopping) = (seen.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("gpu-xid-events".into())
            .spawn(move || listen_for_xids(&keeping, &stopping))
            .ok();
        Self { seen, stop, thread }
    }

    /// The Xids seen since the last call, by GPU index.
    fn take(&self) -> Vec<(u32, u64)> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Drop for XidListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Registers every GPU that can report Xid errors in one event set and keeps what arrives. A GPU
/// or a driver that cannot report them is skipped: its Xids then appear only in the kernel log.
fn listen_for_xids(seen: &Mutex<Vec<(u32, u64)>>, stop: &AtomicBool) {
    let Ok(nvml) = Nvml::init() else { return };
    let Ok(mut set) = nvml.create_event_set() else {
        return;
    };
    for index in 0..nvml.device_count().unwrap_or(0) {
        let Ok(device) = nvml.device_by_index(index) else {
            continue;
        };
        // A failed registration consumes the set: start a new one for the next GPU.
        set = match device.register_events(EventTypes::CRITICAL_XID_ERROR, set) {
            Ok(set) => set,
            Err(_) => match nvml.create_event_set() {
                Ok(set) => set,
                Err(_) => return,
            },
        };
    }
    while !stop.load(Ordering::Relaxed) {
        match set.wait(XID_WAIT_MS) {
            Ok(event) => {
                if let (Ok(index), Some(XidError::Value(xid))) =
                    (event.device.index(), event.event_data)
                {
                    seen.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((index, xid));
                }
            }
            Err(NvmlError::Timeout) => {}
            // The set cannot be waited on (no GPU registered, or the driver gone): stop.
            Err(_) => return,
        }
    }
}

fn device(nvml: &Nvml, index: u32) -> Device {
    let device = match nvml.device_by_index(index) {
        Ok(device) => device,
        Err(error) => return Device::unreadable(index, &Missing::Failed(error.to_string())),
    };
    Device {
        index,
        name: reading(device.name()),
        uuid: reading(device.uuid()),
        pci_bus_id: reading(device.pci_info()).map(|pci| pci.bus_id),
        memory_total_bytes: reading(device.memory_info()).map(|memory| memory.total),
        slowdown_celsius: reading(device.temperature_threshold(TemperatureThreshold::Slowdown)),
        shutdown_celsius: reading(device.temperature_threshold(TemperatureThreshold::Shutdown)),
        power_limit_milliwatts: reading(device.enforced_power_limit()),
        max_sm_clock_mhz: reading(device.max_clock_info(Clock::SM)),
        max_memory_clock_mhz: reading(device.max_clock_info(Clock::Memory)),
        max_graphics_clock_mhz: reading(device.max_clock_info(Clock::Graphics)),
        default_power_limit_milliwatts: reading(device.power_management_limit_default()),
        max_pcie_generation: reading(device.max_pcie_link_gen()),
        max_pcie_width: reading(device.max_pcie_link_width()),
        persistence: reading(device.is_in_persistent_mode()),
        mig: reading(device.mig_mode()).map(|mode| mode.current == 1),
        compute_mode: reading(device.compute_mode()).map(|mode| match mode {
            NvmlComputeMode::Default => ComputeMode::Default,
            NvmlComputeMode::ExclusiveThread => ComputeMode::ExclusiveThread,
            NvmlComputeMode::Prohibited => ComputeMode::Prohibited,
            NvmlComputeMode::ExclusiveProcess => ComputeMode::ExclusiveProcess,
        }),
    }
}

/// The CUDA toolkit installed in [`crate::health::CUDA_TOOLKIT`]: `version.json`'s `cuda.version` (11.1 and
/// later), else `version.txt`'s `CUDA Version 10.2.89`.
fn cuda_toolkit() -> Option<String> {
    let root = std::path::Path::new(crate::health::CUDA_TOOLKIT);
    if let Ok(text) = std::fs::read_to_string(root.join("version.json")) {
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        return json["cuda"]["version"].as_str().map(str::to_owned);
    }
    let text = std::fs::read_to_string(root.join("version.txt")).ok()?;
    text.trim()
        .strip_prefix("CUDA Version ")
        .map(|version| version.trim().to_owned())
}

/// Where the kubelet keeps each pod's logs, in a folder named `<namespace>_<name>_<uid>`.
const POD_LOGS: &str = "/var/log/pods";

/// The pods of this node by UID, as `namespace/name`, from the kubelet's pod log folders.
fn pod_names(folder: &std::path::Path) -> std::collections::HashMap<String, String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return std::collections::HashMap::new();
    };
    entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let (rest, uid) = name.rsplit_once('_')?;
            let (namespace, pod) = rest.split_once('_')?;
            Some((uid.to_owned(), format!("{namespace}/{pod}")))
        })
        .collect()
}

/// The `CUDA_VERSION` that host process `pid`'s environment declares, as NVIDIA's CUDA container
/// images set it.
fn cuda_version(pid: u32) -> Option<String> {
    let environment = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    environment.split(|byte| *byte == 0).find_map(|entry| {
        let value = entry.strip_prefix(b"CUDA_VERSION=")?;
        Some(String::from_utf8_lossy(value).into_owned())
    })
}

/// Whether this machine runs a kubelet's pods: their cgroup is there (cgroup v2 with the systemd
/// or the cgroupfs driver, or v1).
fn kubernetes_node() -> bool {
    [
        "/sys/fs/cgroup/kubepods.slice",
        "/sys/fs/cgroup/kubepods",
        "/sys/fs/cgroup/memory/kubepods",
        "/sys/fs/cgroup/memory/kubepods.slice",
    ]
    .iter()
    .any(|path| std::path::Path::new(path).is_dir())
}

/// The cgroup of host process `pid`: cgroup v2's one path, else v1's memory controller's.
fn cgroup(pid: u32) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    let path = |controller: &str| {
        text.lines().find_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            controllers
                .split(',')
                .any(|name| name == controller)
                .then(|| path.to_owned())
        })
    };
    path("").or_else(|| path("memory"))
}

fn throttles(reasons: ThrottleReasons) -> Vec<Throttle> {
    [
        (ThrottleReasons::GPU_IDLE, Throttle::Idle),
        (
            ThrottleReasons::APPLICATIONS_CLOCKS_SETTING,
            Throttle::ApplicationsClocks,
        ),
        (ThrottleReasons::SW_POWER_CAP, Throttle::SwPowerCap),
        (ThrottleReasons::HW_SLOWDOWN, Throttle::HwSlowdown),
        (
            ThrottleReasons::HW_THERMAL_SLOWDOWN,
            Throttle::HwThermalSlowdown,
        ),
        (
            ThrottleReasons::HW_POWER_BRAKE_SLOWDOWN,
            Throttle::HwPowerBrakeSlowdown,
        ),
        (
            ThrottleReasons::SW_THERMAL_SLOWDOWN,
            Throttle::SwThermalSlowdown,
        ),
        (ThrottleReasons::SYNC_BOOST, Throttle::SyncBoost),
        (
            ThrottleReasons::DISPLAY_CLOCK_SETTING,
            Throttle::DisplayClock,
        ),
    ]
    .into_iter()
    .filter(|(bit, _)| reasons.contains(*bit))
    .map(|(_, throttle)| throttle)
    .collect()
}

/// The remapped rows, through NVML's field values (nvml-wrapper does not wrap
/// `nvmlDeviceGetRemappedRows`).
fn remapped_rows(device: &NvmlDevice) -> Reading<RemappedRows> {
    let fields = [
        NVML_FI_DEV_REMAPPED_COR,
        NVML_FI_DEV_REMAPPED_UNC,
        NVML_FI_DEV_REMAPPED_PENDING,
        NVML_FI_DEV_REMAPPED_FAILURE,
    ]
    .map(FieldId);
    let values = reading(device.field_values_for(&fields))?;
    let value = |at: usize| -> Reading<u64> {
        let sample: &Result<FieldValueSample, NvmlError> = values
            .get(at)
            .ok_or_else(|| Missing::Failed("NVML returned fewer field values".into()))?;
        let sample = sample.as_ref().map_err(|error| match error {
            NvmlError::NotSupported => Missing::NotSupported,
            other => Missing::Failed(other.to_string()),
        })?;
        match &sample.value {
            Ok(SampleValue::U32(value)) => Ok(u64::from(*value)),
            Ok(SampleValue::U64(value)) => Ok(*value),
            Ok(SampleValue::I64(value)) => Ok(u64::try_from(*value).unwrap_or(0)),
            Ok(SampleValue::F64(value)) => Ok(value.max(0.0) as u64),
            Err(NvmlError::NotSupported) => Err(Missing::NotSupported),
            Err(other) => Err(Missing::Failed(other.to_string())),
        }
    };
    Ok(RemappedRows {
        correctable: value(0)?,
        uncorrectable: value(1)?,
        pending: value(2)? != 0,
        failed: value(3)? != 0,
    })
}

/// The GPU's NVLink links: those NVML knows of (a GPU without NVLink has none).
fn nvlinks(device: &NvmlDevice) -> Reading<Vec<NvLink>> {
    let mut links = Vec::new();
    for number in 0..MAX_NVLINKS {
        let link = device.link_wrapper_for(number);
        let active = match link.is_active() {
            Ok(active) => active,
            // Past its last link (or none at all).
            Err(NvmlError::NotSupported | NvmlError::InvalidArg) => continue,
            Err(error) => return reading(Err(error)),
        };
        let crc = reading(link.error_counter(ErrorCounter::DlCrcFlit)).and_then(|flits| {
            reading(link.error_counter(ErrorCounter::DlCrcData)).map(|data| flits + data)
        });
        links.push(NvLink {
            link: number,
            active,
            replay_errors: reading(link.error_counter(ErrorCounter::DlReplay)),
            recovery_errors: reading(link.error_counter(ErrorCounter::DlRecovery)),
            crc_errors: crc,
        });
    }
    Ok(links)
}

/// The GPU's MIG instances (none when MIG mode is off).
fn mig_instances(device: &NvmlDevice) -> Reading<Vec<MigInstance>> {
    let count = match device.mig_device_count() {
        Ok(count) => count,
        Err(NvmlError::NotSupported) => return Ok(Vec::new()),
        Err(error) => return reading(Err(error)),
    };
    Ok((0..count)
        .filter_map(|index| {
            let instance = device.mig_device_by_index(index).ok()?;
            let memory = reading(instance.memory_info());
            Some(MigInstance {
                index,
                uuid: reading(instance.uuid()),
                name: reading(instance.name()),
                memory_used_bytes: memory.clone().map(|memory| memory.used),
                memory_total_bytes: memory.map(|memory| memory.total),
            })
        })
        .collect())
}

fn fans(device: &NvmlDevice) -> Reading<Vec<u32>> {
    let count = reading(device.num_fans())?;
    (0..count)
        .map(|fan| reading(device.fan_speed(fan)))
        .collect()
}

fn sample(nvml: &Nvml, index: u32, at_ms: i64) -> Sampled {
    // A GPU that cannot even be found, or has fallen off the bus, fails as a whole.
    let device = nvml
        .device_by_index(index)
        .map_err(|error| Lost(error.to_string()))?;
    if let Err(NvmlError::GpuLost) = device.utilization_rates() {
        return Err(Lost(
            "the GPU has fallen off the bus (GPU lost, Xid 79)".to_owned(),
        ));
    }
    let utilization = reading(device.utilization_rates());
    let memory = reading(device.memory_info());
    Ok(Sample {
        at_ms,
        gpu_percent: utilization.clone().map(|rates| rates.gpu),
        memory_percent: utilization.map(|rates| rates.memory),
        encoder_percent: reading(device.encoder_utilization()).map(|info| info.utilization),
        decoder_percent: reading(device.decoder_utilization()).map(|info| info.utilization),
        memory_used_bytes: memory.clone().map(|memory| memory.used),
        memory_free_bytes: memory.clone().map(|memory| memory.free),
        memory_reserved_bytes: memory.map(|memory| memory.reserved),
        temperature_celsius: reading(device.temperature(TemperatureSensor::Gpu)),
        power_milliwatts: reading(device.power_usage()),
        energy_millijoules: reading(device.total_energy_consumption()),
        sm_clock_mhz: reading(device.clock_info(Clock::SM)),
        memory_clock_mhz: reading(device.clock_info(Clock::Memory)),
        graphics_clock_mhz: reading(device.clock_info(Clock::Graphics)),
        // NVML's "unknown" P-state (32) is no P-state.
        pstate: reading(device.performance_state())
            .map(|state| state.as_c())
            .and_then(|state| (state <= 15).then_some(state).ok_or(Missing::NotSupported)),
        fans_percent: fans(&device),
        throttle: reading(device.current_throttle_reasons()).map(throttles),
        ecc_uncorrected_volatile: reading(
            device.total_ecc_errors(MemoryError::Uncorrected, EccCounter::Volatile),
        ),
        ecc_corrected_volatile: reading(
            device.total_ecc_errors(MemoryError::Corrected, EccCounter::Volatile),
        ),
        ecc_uncorrected_aggregate: reading(
            device.total_ecc_errors(MemoryError::Uncorrected, EccCounter::Aggregate),
        ),
        pages_pending_retirement: reading(device.are_pages_pending_retired()),
        remapped_rows: remapped_rows(&device),
        pcie_generation: reading(device.current_pcie_link_gen()),
        pcie_width: reading(device.current_pcie_link_width()),
        pcie_tx_kilobytes_per_second: reading(device.pcie_throughput(PcieUtilCounter::Send)),
        pcie_rx_kilobytes_per_second: reading(device.pcie_throughput(PcieUtilCounter::Receive)),
        pcie_replays: reading(device.pcie_replay_counter()).map(u64::from),
        nvlinks: nvlinks(&device),
        mig_instances: mig_instances(&device),
        processes: reading(device.running_compute_processes()).map(|processes| {
            let mut pods = None;
            processes
                .into_iter()
                .map(|process| {
                    let cgroup = cgroup(process.pid);
                    // The kubelet's folders are read once a sample, when a pod's process is seen.
                    let pod = match cgroup.as_deref().map(crate::owner) {
                        Some(crate::Owner::Pod { uid, .. }) => pods
                            .get_or_insert_with(|| pod_names(std::path::Path::new(POD_LOGS)))
                            .get(&uid)
                            .cloned(),
                        _ => None,
                    };
                    Process {
                        pod,
                        cgroup,
                        cuda_version: cuda_version(process.pid),
                        pid: process.pid,
                        used_bytes: match process.used_gpu_memory {
                            UsedGpuMemory::Used(bytes) => Some(bytes),
                            UsedGpuMemory::Unavailable => None,
                        },
                    }
                })
                .collect()
        }),
        xids: Vec::new(),
    })
}

impl crate::GpuSource for NvmlSource {
    fn system(&self) -> &System {
        &self.system
    }

    fn devices(&self) -> &[Device] {
        &self.devices
    }

    fn sample(&mut self) -> Option<Vec<Sampled>> {
        let at_ms = crate::trace::now_ms();
        let xids = self.xids.take();
        Some(
            self.devices
                .iter()
                .map(|device| {
                    let mut sampled = sample(&self.nvml, device.index, at_ms);
                    if let Ok(sample) = &mut sampled {
                        sample.xids = xids
                            .iter()
                            .filter(|(gpu, _)| *gpu == device.index)
                            .map(|(_, xid)| *xid)
                            .collect();
                    }
                    sampled
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_are_named_from_the_kubelet_s_log_folders() {
        let folder = tempfile::tempdir().unwrap();
        for name in [
            "gpu-jobs_train-7f9c_2c1f6f7e-4b1a-4c55-9a3e-0f3c2d1b9a77",
            "kube-system_nvidia-device-plugin-x2x_0b1c",
            "not-a-pod-folder",
        ] {
            std::fs::create_dir(folder.path().join(name)).unwrap();
        }
        let pods = pod_names(folder.path());
        assert_eq!(
            pods.get("2c1f6f7e-4b1a-4c55-9a3e-0f3c2d1b9a77")
                .map(String::as_str),
            Some("gpu-jobs/train-7f9c")
        );
        assert_eq!(
            pods.get("0b1c").map(String::as_str),
            Some("kube-system/nvidia-device-plugin-x2x")
        );
        assert_eq!(pods.len(), 2);
        assert!(pod_names(&folder.path().join("missing")).is_empty());
    }

    #[test]
    fn each_way_nvml_cannot_start_is_said_with_what_to_do() {
        let said = |error| Unavailable::from_init(error).to_string();
        assert!(
            said(NvmlError::DriverNotLoaded)
                .starts_with("the NVIDIA kernel driver is not loaded; load it (modprobe nvidia)")
        );
        assert!(
            said(NvmlError::LibRmVersionMismatch)
                .contains("library and kernel module are of different versions")
        );
        assert!(said(NvmlError::LibRmVersionMismatch).contains("reboot"));
        assert_eq!(
            said(NvmlError::Unknown),
            "NVML could not be started: an internal driver error occurred"
        );
    }

    #[test]
    fn a_reading_the_driver_cannot_give_is_missing_alone() {
        assert_eq!(
            reading::<u32>(Err(NvmlError::NotSupported)),
            Err(Missing::NotSupported)
        );
        assert_eq!(
            reading::<u32>(Err(NvmlError::NoPermission)),
            Err(Missing::NoPermission)
        );
        assert_eq!(
            reading::<u32>(Err(NvmlError::FailedToLoadSymbol(
                "nvmlDeviceGetMemoryInfo_v2".into()
            ))),
            Err(Missing::DriverTooOld)
        );
        assert_eq!(reading(Ok(7_u32)), Ok(7));
    }
}
