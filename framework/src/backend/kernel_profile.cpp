#include "mlrun/backend/kernel_profile.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace mlrun {

void kernel_profile::add(const std::string& label, const std::string& provider, double seconds)
{
    entry& e = entries_[{label, provider}];
    ++e.calls;
    e.seconds += seconds;
}

double kernel_profile::total_seconds() const
{
    double total = 0.0;
    for (const auto& [k, e] : entries_) total += e.seconds;
    return total;
}

void kernel_profile::print(std::ostream& out, const std::string& backend_name, double wall_seconds) const
{
    std::vector<std::pair<key, entry>> rows(entries_.begin(), entries_.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
    const double kernels = total_seconds();
    const double share_base = wall_seconds > 0.0 ? wall_seconds : kernels;
    char line[256];
    out << "\nKernel profile (backend " << backend_name << "):\n";
    std::snprintf(line, sizeof line, "%-30s %-10s %9s %11s %10s %7s\n", "kernel", "ran on", "calls", "total ms",
                  "us/call", "share");
    out << line;
    for (const auto& [k, e] : rows) {
        std::snprintf(line, sizeof line, "%-30s %-10s %9lld %11.1f %10.2f %6.1f%%\n", k.first.c_str(), k.second.c_str(),
                      static_cast<long long>(e.calls), 1e3 * e.seconds, 1e6 * e.seconds / static_cast<double>(e.calls),
                      100.0 * e.seconds / share_base);
        out << line;
    }
    std::snprintf(line, sizeof line, "%-30s %-10s %9s %11.1f %10s %6.1f%%\n", "all kernels", "", "", 1e3 * kernels, "",
                  100.0 * kernels / share_base);
    out << line;
    if (wall_seconds > 0.0) {
        std::snprintf(line, sizeof line, "%-30s %-10s %9s %11.1f %10s %6.1f%%\n", "outside kernels", "", "",
                      1e3 * std::max(0.0, wall_seconds - kernels), "",
                      100.0 * std::max(0.0, wall_seconds - kernels) / wall_seconds);
        out << line;
    }
}

}  // namespace mlrun
