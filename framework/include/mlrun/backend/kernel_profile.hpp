// Where a run's compute time goes, kernel by kernel (`mlrun CONFIG
// --profile`): calls and wall time of each kernel, gemm apart per shape,
// and whether the backend or the reference fallback ran it. For backend
// authors: it shows which kernel to write next.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

namespace mlrun {

class kernel_profile {
public:
    struct entry {
        std::int64_t calls = 0;
        double seconds = 0.0;
    };
    // Kernel label ("gemm NT 32x512x784") and who ran it ("onednn", "reference").
    using key = std::pair<std::string, std::string>;

    void add(const std::string& label, const std::string& provider, double seconds);
    const std::map<key, entry>& entries() const { return entries_; }
    double total_seconds() const;

    // The table, largest total first, with each kernel's share of `wall_seconds`
    // (the run's time) and what the kernels leave of it: mlrun's own work,
    // data handling and printing.
    void print(std::ostream& out, const std::string& backend_name, double wall_seconds) const;

private:
    std::map<key, entry> entries_;
};

}  // namespace mlrun
