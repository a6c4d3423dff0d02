#include "backend/default_threads.hpp"

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace mlrun {
namespace {

// A whole number with nothing after it but white space.
std::optional<long long> whole_number(const std::string& text)
{
    const char* begin = text.c_str();
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(begin, &end, 10);
    if (errno != 0 || end == begin) return std::nullopt;
    while (*end == ' ' || *end == '\n' || *end == '\t') ++end;
    if (*end != '\0') return std::nullopt;
    return value;
}

std::optional<double> quota_of(long long quota, long long period)
{
    if (quota <= 0 || period <= 0) return std::nullopt;
    return static_cast<double>(quota) / static_cast<double>(period);
}

// The first line of a small system file; none when it cannot be read.
std::optional<std::string> first_line(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    return line;
}

std::optional<std::string> whole_file(const std::string& path)
{
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// "/a/b", "/a", "/": a cgroup and those above it, each of which may cap it.
std::vector<std::string> self_and_ancestors(std::string path)
{
    std::vector<std::string> result;
    while (!path.empty() && path != "/") {
        result.push_back(path);
        path.erase(path.find_last_of('/'));
    }
    result.push_back("");
    return result;
}

void keep_lowest(core_limits& limits, std::optional<double> quota, const std::string& source)
{
    if (quota && (!limits.quota || *quota < *limits.quota)) {
        limits.quota = quota;
        limits.quota_source = source;
    }
}

int affinity_cores()
{
    // A mask as wide as the kernel's: it refuses one too small with EINVAL.
    for (int cpus = 1024; cpus <= (1 << 20); cpus *= 2) {
        cpu_set_t* set = CPU_ALLOC(cpus);
        if (set == nullptr) return 0;
        const std::size_t size = CPU_ALLOC_SIZE(cpus);
        const bool ok = sched_getaffinity(0, size, set) == 0;
        const int count = ok ? CPU_COUNT_S(size, set) : 0;
        CPU_FREE(set);
        if (ok) return count;
        if (errno != EINVAL) return 0;
    }
    return 0;
}

// One thread runtime's setting for sleeping idle threads.
struct wait_setting {
    const char* runtime;    // for the reason
    const char* variable;   // read once, when the runtime starts
    const char* value;
    const char* libraries[2];  // loaded already: too late to set it
};

// OpenMP: passive waiting, idle threads sleep at once (both libgomp and
// LLVM's runtime read it). OpenBLAS: its workers spin about 2^28 cycles
// before sleeping; 4 is its shortest setting (2^4 cycles).
constexpr wait_setting wait_settings[] = {
    {"OpenMP", "OMP_WAIT_POLICY", "PASSIVE", {"libgomp.so.1", "libomp.so.5"}},
    {"OpenBLAS", "OPENBLAS_THREAD_TIMEOUT", "4", {"libopenblas.so.0", nullptr}},
};

bool already_loaded(const wait_setting& s)
{
    for (const char* library : s.libraries) {
        if (library == nullptr) continue;
        if (void* handle = ::dlopen(library, RTLD_LAZY | RTLD_NOLOAD)) {
            ::dlclose(handle);
            return true;
        }
    }
    return false;
}

// Sets what is unset and says what each runtime does.
std::string ask_idle_threads_to_sleep()
{
    std::string set, kept, late;
    auto add = [](std::string& list, const std::string& item) { list += (list.empty() ? "" : ", ") + item; };
    for (const wait_setting& s : wait_settings) {
        if (const char* value = std::getenv(s.variable)) {
            add(kept, std::string(s.variable) + "=" + value);
        } else if (already_loaded(s)) {
            add(late, s.runtime);
        } else {
            ::setenv(s.variable, s.value, 0);
            add(set, std::string(s.variable) + "=" + s.value);
        }
    }
    std::string text;
    if (!set.empty()) text += "; idle threads sleep (" + set + "), so a core another process keeps busy costs little";
    if (!kept.empty()) text += "; " + kept + " kept from the environment";
    if (!late.empty()) text += "; " + late + " already running in this process, its waiting unchanged";
    return text;
}

std::string cores_text(int n) { return std::to_string(n) + (n == 1 ? " core" : " cores"); }

}  // namespace

std::string threads_text(int n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); }

std::string thread_choice::reason() const { return threads_text(threads) + " (backend.threads: 0): " + why; }

std::optional<double> cpu_max_quota(const std::string& text)
{
    std::istringstream in(text);
    std::string quota, period, rest;
    if (!(in >> quota >> period) || (in >> rest) || quota == "max") return std::nullopt;
    const std::optional<long long> q = whole_number(quota);
    const std::optional<long long> p = whole_number(period);
    if (!q || !p) return std::nullopt;
    return quota_of(*q, *p);
}

std::optional<double> cfs_quota(const std::string& quota_us, const std::string& period_us)
{
    const std::optional<long long> q = whole_number(quota_us);
    const std::optional<long long> p = whole_number(period_us);
    if (!q || !p) return std::nullopt;
    return quota_of(*q, *p);
}

std::optional<std::string> cgroup_path(const std::string& text, const std::string& controller)
{
    // Each line: hierarchy-id:controller,controller:path ("0::/path" for v2).
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const std::size_t first = line.find(':');
        const std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        const std::string id = line.substr(0, first);
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        if (controller.empty()) {
            if (id == "0" && controllers.empty()) return path;
            continue;
        }
        std::istringstream names(controllers);
        for (std::string name; std::getline(names, name, ',');) {
            if (name == controller) return path;
        }
    }
    return std::nullopt;
}

int usable_cores(const core_limits& limits)
{
    int cores = std::max(limits.affinity, 1);
    if (limits.quota) cores = std::min(cores, std::max(1, static_cast<int>(std::floor(*limits.quota))));
    return cores;
}

core_limits current_core_limits()
{
    core_limits limits;
    limits.affinity = affinity_cores();
    if (limits.affinity == 0) limits.affinity = static_cast<int>(std::thread::hardware_concurrency());
    const std::optional<std::string> cgroups = whole_file("/proc/self/cgroup");
    if (!cgroups) return limits;
    if (const std::optional<std::string> v2 = cgroup_path(*cgroups, "")) {
        // Mounted alone, or beside v1 hierarchies under unified/.
        for (const char* mount : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
            for (const std::string& group : self_and_ancestors(*v2)) {
                const std::string file = mount + group + "/cpu.max";
                if (const std::optional<std::string> line = first_line(file)) keep_lowest(limits, cpu_max_quota(*line), file);
            }
        }
    }
    if (const std::optional<std::string> v1 = cgroup_path(*cgroups, "cpu")) {
        for (const char* mount : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"}) {
            for (const std::string& group : self_and_ancestors(*v1)) {
                const std::string dir = mount + group;
                const std::optional<std::string> quota = first_line(dir + "/cpu.cfs_quota_us");
                const std::optional<std::string> period = first_line(dir + "/cpu.cfs_period_us");
                if (quota && period) keep_lowest(limits, cfs_quota(*quota, *period), dir + "/cpu.cfs_quota_us");
            }
        }
    }
    return limits;
}

thread_choice default_threads()
{
    const core_limits limits = current_core_limits();
    thread_choice choice;
    choice.threads = usable_cores(limits);
    choice.why = "one per core this process may use, " + cores_text(limits.affinity) + " in its affinity mask";
    if (limits.quota) {
        char quota[32];
        std::snprintf(quota, sizeof quota, "%.2f", *limits.quota);
        choice.why += ", a CPU quota of " + std::string(quota) + " cores (" + limits.quota_source + ")";
    }
    choice.why += ask_idle_threads_to_sleep();
    return choice;
}

}  // namespace mlrun
