//! The Job and CronJob controllers. A Job runs pods, `parallelism` at a time, until `completions`
//! of them succeed (Complete) or more than `backoffLimit` fail (Failed); its pods run to
//! completion in the simulated kubelet. A CronJob creates a Job when its schedule comes round,
//! honours its concurrency policy, and keeps the history limits.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use serde_json::{Value, json};

use super::{create_pod, owned, replace};
use crate::Cluster;
use crate::admission;
use crate::events::{self, Type};
use crate::objects::{field, timestamp};

/// Where Jobs are stored.
pub const JOBS: &str = "batch/jobs";
const CRON_JOBS: &str = "batch/cronjobs";
const PODS: &str = "/pods";

fn finished(job: &Value) -> Option<&'static str> {
    let conditions = job
        .pointer("/status/conditions")
        .and_then(Value::as_array)?;
    ["Complete", "Failed"].into_iter().find(|kind| {
        conditions
            .iter()
            .any(|condition| condition["type"] == *kind && condition["status"] == "True")
    })
}

fn or_default(job: &Value, pointer: &str, default: i64) -> i64 {
    job.pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// One pass over one Job.
pub fn job_pass(cluster: &Cluster, job: &Value) {
    if job.pointer("/metadata/deletionTimestamp").is_some() || finished(job).is_some() {
        return;
    }
    let completions = or_default(job, "/spec/completions", 1);
    let parallelism = or_default(job, "/spec/parallelism", 1);
    let backoff_limit = or_default(job, "/spec/backoffLimit", 6);
    let pods = owned(cluster, PODS, job);
    let phase_count = |phase: &str| {
        i64::try_from(
            pods.iter()
                .filter(|pod| field(pod, "/status/phase") == phase)
                .count(),
        )
        .unwrap_or(0)
    };
    let succeeded = phase_count("Succeeded");
    let failed = phase_count("Failed");
    let active = i64::try_from(pods.len()).unwrap_or(0) - succeeded - failed;
    let now = timestamp(Utc::now());
    let mut status = json!({
        "active": active, "succeeded": succeeded, "failed": failed, "terminating": 0,
        "ready": i64::try_from(pods.iter().filter(|pod| super::ready(pod)).count()).unwrap_or(0),
        "startTime": job.pointer("/status/startTime").cloned().unwrap_or_else(|| json!(now)),
        "uncountedTerminatedPods": {},
    });
    let suspended = job.pointer("/spec/suspend") == Some(&Value::Bool(true));
    if succeeded >= completions {
        let message = "Reached expected number of succeeded pods";
        status["completionTime"] = json!(now);
        status["conditions"] = json!([
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": message, "lastProbeTime": now, "lastTransitionTime": now},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": message, "lastProbeTime": now, "lastTransitionTime": now},
        ]);
        events::record(
            cluster,
            job,
            Type::Normal,
            "Completed",
            "Job completed",
            "job-controller",
        );
    } else if failed > backoff_limit {
        let message = "Job has reached the specified backoff limit";
        status["conditions"] = json!([
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": message, "lastProbeTime": now, "lastTransitionTime": now},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": message, "lastProbeTime": now, "lastTransitionTime": now},
        ]);
        events::record(
            cluster,
            job,
            Type::Warning,
            "BackoffLimitExceeded",
            message,
            "job-controller",
        );
    } else if !suspended {
        let wanted = parallelism.min(completions - succeeded) - active;
        let template = job.pointer("/spec/template").cloned().unwrap_or_default();
        for _ in 0..wanted {
            let pod = json!({
                "metadata": {
                    "generateName": format!("{}-", field(job, "/metadata/name")),
                    "labels": template.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({})),
                    "annotations": template.pointer("/metadata/annotations").cloned().unwrap_or_else(|| json!({})),
                    "ownerReferences": super::owner_reference(job),
                },
                "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
            });
            if create_pod(cluster, job, pod, "job-controller").is_none() {
                break;
            }
        }
    }
    // The start time stays what it was; only a change of the counts or conditions is written.
    let mut unchanged = status.clone();
    unchanged["startTime"] = job
        .pointer("/status/startTime")
        .cloned()
        .unwrap_or(Value::Null);
    if job.get("status") != Some(&unchanged) {
        let mut next = job.clone();
        next["status"] = status;
        replace(cluster, JOBS, job, next);
    }
}

/// Every CronJob whose schedule came round since it last ran gets its Job; active lists and
/// history limits are kept.
pub fn cron_pass(cluster: &Cluster, now: DateTime<Utc>) {
    let (_, cron_jobs) = cluster.store.list(CRON_JOBS, None);
    for cron_job in &cron_jobs {
        if cron_job.pointer("/metadata/deletionTimestamp").is_some() {
            continue;
        }
        cron_job_pass(cluster, cron_job, now);
    }
}

fn cron_job_pass(cluster: &Cluster, cron_job: &Value, now: DateTime<Utc>) {
    let namespace = field(cron_job, "/metadata/namespace");
    let name = field(cron_job, "/metadata/name");
    let mut jobs = owned(cluster, JOBS, cron_job);
    jobs.sort_by(|a, b| {
        field(a, "/metadata/creationTimestamp").cmp(field(b, "/metadata/creationTimestamp"))
    });
    let mut status = cron_job.get("status").cloned().unwrap_or_else(|| json!({}));
    let last = ["/status/lastScheduleTime", "/metadata/creationTimestamp"]
        .iter()
        .find_map(|pointer| cron_job.pointer(pointer).and_then(Value::as_str))
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc));
    let schedule = Schedule::parse(field(cron_job, "/spec/schedule"));
    let suspended = cron_job.pointer("/spec/suspend") == Some(&Value::Bool(true));
    if let (Some(last), Some(schedule), false) = (last, schedule, suspended)
        && let Some(due) = schedule.latest_between(last, now)
    {
        let active: Vec<&Value> = jobs.iter().filter(|job| finished(job).is_none()).collect();
        let policy = field(cron_job, "/spec/concurrencyPolicy");
        if policy == "Forbid" && !active.is_empty() {
            events::record_first(
                cluster,
                cron_job,
                Type::Normal,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
                "cronjob-controller",
            );
        } else {
            if policy == "Replace" {
                for job in &active {
                    delete_job(cluster, job);
                }
            }
            let job_name = format!("{name}-{}", due.timestamp() / 60);
            let template = cron_job
                .pointer("/spec/jobTemplate")
                .cloned()
                .unwrap_or_default();
            let mut annotations = template
                .pointer("/metadata/annotations")
                .cloned()
                .unwrap_or_else(|| json!({}));
            annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] = json!(timestamp(due));
            let job = json!({
                "metadata": {"name": job_name, "labels": template.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({})),
                             "annotations": annotations, "ownerReferences": super::owner_reference(cron_job)},
                "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
            });
            match admission::create(cluster, "batch", "jobs", namespace, job) {
                Ok(_) => events::record(
                    cluster,
                    cron_job,
                    Type::Normal,
                    "SuccessfulCreate",
                    &format!("Created job {job_name}"),
                    "cronjob-controller",
                ),
                Err(status) => events::record_first(
                    cluster,
                    cron_job,
                    Type::Warning,
                    "FailedCreate",
                    &format!("Error creating job: {}", field(&status, "/message")),
                    "cronjob-controller",
                ),
            }
        }
        status["lastScheduleTime"] = json!(timestamp(due));
        jobs = owned(cluster, JOBS, cron_job);
    }
    // History: the newest successful and failed Jobs are kept, up to their limits.
    for (kind, limit) in [
        (
            "Complete",
            or_default(cron_job, "/spec/successfulJobsHistoryLimit", 3),
        ),
        (
            "Failed",
            or_default(cron_job, "/spec/failedJobsHistoryLimit", 1),
        ),
    ] {
        let done: Vec<&Value> = jobs
            .iter()
            .filter(|job| finished(job) == Some(kind))
            .collect();
        let extra = done
            .len()
            .saturating_sub(usize::try_from(limit).unwrap_or(0));
        for job in done.iter().take(extra) {
            delete_job(cluster, job);
        }
    }
    let active: Vec<Value> = jobs
        .iter()
        .filter(|job| finished(job).is_none())
        .map(|job| json!({"kind": "Job", "namespace": namespace, "name": field(job, "/metadata/name"), "uid": field(job, "/metadata/uid"), "apiVersion": "batch/v1", "resourceVersion": field(job, "/metadata/resourceVersion")}))
        .collect();
    if active.is_empty() {
        if let Some(map) = status.as_object_mut() {
            map.remove("active");
        }
    } else {
        status["active"] = json!(active);
    }
    if let Some(latest) = jobs
        .iter()
        .rev()
        .find(|job| finished(job) == Some("Complete"))
    {
        status["lastSuccessfulTime"] = latest
            .pointer("/status/completionTime")
            .cloned()
            .unwrap_or(Value::Null);
    }
    if cron_job.get("status") != Some(&status) && status != json!({}) {
        let mut next = cron_job.clone();
        next["status"] = status;
        replace(cluster, CRON_JOBS, cron_job, next);
    }
}

fn delete_job(cluster: &Cluster, job: &Value) {
    super::delete_object(cluster, "batch", "jobs", job);
}

/// A cron schedule: minute, hour, day of month, month, day of week, each the set of values it
/// allows; the macros (`@hourly`, `@daily`, …) stand for their five fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    /// Both day fields restricted: either may match, as cron has it.
    either_day: bool,
}

impl Schedule {
    /// Parses a schedule as the CronJob controller accepts it (a `TZ=` prefix is read as UTC).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = match text.split_once(' ') {
            Some((zone, rest)) if zone.starts_with("TZ=") || zone.starts_with("CRON_TZ=") => {
                rest.trim()
            }
            _ => text,
        };
        let expanded = match text {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields.as_slice() else {
            return None;
        };
        const MONTHS: [&str; 12] = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        let mut weekdays = set(weekday, 0, 7, &DAYS, 0)?;
        // 7 is Sunday too.
        if weekdays[7] {
            weekdays[0] = true;
        }
        weekdays.truncate(7);
        let restricted = |field: &str| !matches!(field, "*" | "?");
        Some(Self {
            minutes: set(minute, 0, 59, &[], 0)?,
            hours: set(hour, 0, 23, &[], 0)?,
            days: set(day, 1, 31, &[], 0)?,
            months: set(month, 1, 12, &MONTHS, 1)?,
            weekdays,
            either_day: restricted(day) && restricted(weekday),
        })
    }

    fn matches_day(&self, time: &DateTime<Utc>) -> bool {
        let day = self.days[time.day() as usize];
        let weekday = self.weekdays[time.weekday().num_days_from_sunday() as usize];
        if self.either_day {
            day || weekday
        } else {
            day && weekday
        }
    }

    /// The first time after `after` (to the minute) that the schedule names.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let mut time = start;
        // Jumps a month, a day or an hour at a time where those do not match; five years at most.
        while time < start + Duration::days(5 * 366) {
            if !self.months[time.month() as usize] {
                let (year, month) = if time.month() == 12 {
                    (time.year() + 1, 1)
                } else {
                    (time.year(), time.month() + 1)
                };
                time = Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single()?;
            } else if !self.matches_day(&time) {
                time = (time + Duration::days(1)).with_hour(0)?.with_minute(0)?;
            } else if !self.hours[time.hour() as usize] {
                time = (time + Duration::hours(1)).with_minute(0)?;
            } else if !self.minutes[time.minute() as usize] {
                time += Duration::minutes(1);
            } else {
                return Some(time);
            }
        }
        None
    }

    /// The latest scheduled time after `after` and no later than `now`: the run that is due.
    pub fn latest_between(
        &self,
        after: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut due = None;
        let mut cursor = after;
        // Missed runs are not made up one by one: the latest one runs, as upstream does.
        for _ in 0..100 {
            match self.next_after(cursor) {
                Some(next) if next <= now => {
                    due = Some(next);
                    cursor = next;
                }
                _ => break,
            }
        }
        due
    }
}

/// The values one cron field allows, as flags indexed by value (`0..=max`): `*`, `*/n`, `a`,
/// `a-b`, `a-b/n`, lists of those, and names (`MON`, `JAN`).
fn set(field: &str, min: u32, max: u32, names: &[&str], first_name: u32) -> Option<Vec<bool>> {
    let mut allowed = vec![false; max as usize + 1];
    let value = |text: &str| -> Option<u32> {
        text.parse().ok().or_else(|| {
            names
                .iter()
                .position(|name| name.eq_ignore_ascii_case(text))
                .and_then(|index| u32::try_from(index).ok())
                .map(|index| index + first_name)
        })
    };
    // Day of week accepts 7 for Sunday.
    let top = if names.len() == 7 { 7 } else { max };
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, step.parse::<u32>().ok().filter(|step| *step > 0)?),
            None => (part, 1),
        };
        let (low, high) = match range {
            "*" | "?" => (min, top.min(max)),
            _ => match range.split_once('-') {
                Some((low, high)) => (value(low)?, value(high)?),
                None if part.contains('/') => (value(range)?, top),
                None => {
                    let single = value(range)?;
                    (single, single)
                }
            },
        };
        if low < min || high > top || low > high {
            return None;
        }
        for allowed_value in (low..=high).step_by(step as usize) {
            *allowed.get_mut(allowed_value as usize)? = true;
        }
    }
    Some(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn schedules_name_the_times_cron_names() {
        let nightly = Schedule::parse("0 3 * * *").unwrap();
        assert_eq!(
            nightly.next_after(at("2026-11-26T03:00:00Z")),
            Some(at("2026-11-27T03:00:00Z"))
        );
        let every_five = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(
            every_five.next_after(at("2026-11-26T10:02:30Z")),
            Some(at("2026-11-26T10:05:00Z"))
        );
        let weekdays = Schedule::parse("30 9 * * MON-FRI").unwrap();
        // 2026-11-28 is a Saturday.
        assert_eq!(
            weekdays.next_after(at("2026-11-27T10:00:00Z")),
            Some(at("2026-11-30T09:30:00Z"))
        );
        let yearly = Schedule::parse("@yearly").unwrap();
        assert_eq!(
            yearly.next_after(at("2026-11-26T00:00:00Z")),
            Some(at("2027-01-01T00:00:00Z"))
        );
        let either = Schedule::parse("0 0 13 * 5").unwrap();
        // The 13th or any Friday: 2026-11-27 is a Friday.
        assert_eq!(
            either.next_after(at("2026-11-26T00:00:00Z")),
            Some(at("2026-11-27T00:00:00Z"))
        );
        assert_eq!(
            Schedule::parse("TZ=Europe/Paris 0 6 * * *")
                .unwrap()
                .next_after(at("2026-11-26T07:00:00Z")),
            Some(at("2026-11-27T06:00:00Z"))
        );
    }

    #[test]
    fn only_the_latest_missed_run_is_due() {
        let hourly = Schedule::parse("@hourly").unwrap();
        assert_eq!(
            hourly.latest_between(at("2026-11-26T01:00:00Z"), at("2026-11-26T05:30:00Z")),
            Some(at("2026-11-26T05:00:00Z"))
        );
        assert_eq!(
            hourly.latest_between(at("2026-11-26T05:00:00Z"), at("2026-11-26T05:30:00Z")),
            None
        );
    }

    #[test]
    fn malformed_schedules_are_refused() {
        for bad in [
            "",
            "* * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "@often",
            "* * * FOO *",
        ] {
            assert_eq!(Schedule::parse(bad), None, "{bad}");
        }
    }
}
