// A small tmpfs to fill up: the one way the tests make a disk run out of
// space. Mounting needs root (or CAP_SYS_ADMIN); where it fails, `reason`
// says why and the test skips with it.
#pragma once

#include <stdlib.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace mlrun::testing {

class small_disk {
public:
    // A tmpfs of `bytes` (whole pages) at a new directory.
    explicit small_disk(std::size_t bytes)
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "mlrun-small-disk-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            reason = std::string("cannot create a mount point: ") + std::strerror(errno);
            return;
        }
        root_ = pattern;
        const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
        if (::mount("tmpfs", root_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
            reason = std::string("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ") + std::strerror(errno);
        }
    }
    ~small_disk()
    {
        if (root_.empty()) return;
        if (reason.empty()) ::umount2(root_.c_str(), MNT_DETACH);
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    small_disk(const small_disk&) = delete;
    small_disk& operator=(const small_disk&) = delete;

    // Empty when mounted; else why not, for the test's skip message.
    std::string reason;

    bool mounted() const { return reason.empty(); }
    const std::filesystem::path& root() const { return root_; }
    std::string path(const std::string& name) const { return (root_ / name).string(); }

    std::size_t free_bytes() const
    {
        struct statvfs info {};
        if (::statvfs(root_.c_str(), &info) != 0) return 0;
        return static_cast<std::size_t>(info.f_bavail) * info.f_frsize;
    }

    // Grows or shrinks a filler file until at most `bytes` (rounded down
    // to whole pages) are free; returns how many are.
    std::size_t leave_free(std::size_t bytes)
    {
        const std::string filler = path(filler_name);
        std::filesystem::remove(filler);
        const std::size_t available = free_bytes();
        if (available > bytes) {
            std::ofstream(filler, std::ios::binary) << std::string(available - bytes, 'x');
        }
        return free_bytes();
    }

    // Removes the filler: the disk's whole space is free again.
    void free_all() { std::filesystem::remove(path(filler_name)); }

    // Files under the disk whose name holds `part` (".tmp" for the
    // temporaries a failed save must not leave behind).
    std::vector<std::string> files_named(const std::string& part) const
    {
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root_)) {
            if (entry.path().filename().string().find(part) != std::string::npos) found.push_back(entry.path().string());
        }
        return found;
    }

    // Prints and returns true when the disk could not be mounted, so a
    // test reads: if (disk.skipped("suite")) return;
    bool skipped(const std::string& suite) const
    {
        if (mounted()) return false;
        std::cout << suite << ": SKIPPED: " << reason << std::endl;
        return true;
    }

private:
    static constexpr const char* filler_name = "filler";
    std::filesystem::path root_;
};

}  // namespace mlrun::testing
