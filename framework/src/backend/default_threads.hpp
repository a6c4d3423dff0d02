// The thread count a backend gets when the experiment says
// backend.threads: 0, and how its idle threads wait.
//
// Why this and nothing cleverer: the machines mlrun runs on are shared
// (builds, other runs), and what makes a busy core expensive is threads
// that spin while they wait. A spinning OpenMP or OpenBLAS worker never
// sleeps, so the scheduler treats it like any other CPU hog: sharing a core
// with another process, it is descheduled for whole time slices while the
// rest of its team waits at the next barrier (measured: a run 10x slower
// on two threads than on one). A worker that sleeps when idle is woken
// ahead of such a process and finishes its share promptly, for the price
// of a wake-up (tens of microseconds) per parallel region on a quiet
// machine. Measuring the load at start goes stale within seconds, and
// timing thread counts during a run makes runs differ from each other; the
// waiting policy holds whatever the load does. So the default is one thread
// per core this process may use (its affinity mask, capped by a cgroup CPU
// quota), with idle threads that sleep.
#pragma once

#include <optional>
#include <string>

namespace mlrun {

// The cores this process may run on, as the system reports them.
struct core_limits {
    int affinity = 0;             // cores in the affinity mask; 0: unknown
    std::optional<double> quota;  // a cgroup CPU quota, in cores; none: no limit
    std::string quota_source;     // the file the quota came from, for messages
};

// The quota in a cgroup v2 cpu.max ("150000 100000": 1.5 cores), or none
// for "max ..." (no limit) and for text that is not a quota.
std::optional<double> cpu_max_quota(const std::string& text);

// The quota of a cgroup v1 pair (cpu.cfs_quota_us, cpu.cfs_period_us): none
// for a quota of -1 (no limit) and for text that is not a quota.
std::optional<double> cfs_quota(const std::string& quota_us, const std::string& period_us);

// The cgroup path that /proc/self/cgroup's `text` gives for `controller`
// ("cpu", a cgroup v1 controller), or for the v2 hierarchy when it is
// empty; none when no line names it.
std::optional<std::string> cgroup_path(const std::string& text, const std::string& controller);

// Threads for `limits`: the affinity's cores, no more than the quota's
// whole cores, at least 1. A quota is rounded down: a team wider than it
// uses the quota up early in each period and then stalls for the rest of
// it (100 ms by default), every thread at once.
int usable_cores(const core_limits& limits);

// This process's limits: sched_getaffinity, then the lowest quota of its
// cgroup and each cgroup above it (cpu.max in v2, cpu.cfs_quota_us in v1).
core_limits current_core_limits();

struct thread_choice {
    int threads = 1;
    std::string why;  // "one per core this process may use, ...; idle threads sleep ..."
    // "2 threads (backend.threads: 0): " + why, for the run's first line and `mlrun plugins -v`.
    std::string reason() const;
};

// What backend.threads: 0 means in this process. First asks the thread
// runtimes (OpenMP, OpenBLAS) to let idle threads sleep, through the
// variables they read when they start; a variable the environment already
// sets is left alone, and a runtime already started in this process keeps
// what it has (the reason says so). Call before the backend's plugin loads.
thread_choice default_threads();

// "1 thread", "2 threads".
std::string threads_text(int n);

}  // namespace mlrun
