// One run at a time per checkpoint directory: two runs saving into one
// directory would overwrite each other's checkpoints and state file.
// The lock is an flock on DIRECTORY/.mlrun.lock, which holds the PID of
// the run that has it. The kernel drops an flock when its process ends,
// however it ends (SIGKILL included), so a lock file left behind by a dead
// run blocks nothing.
#pragma once

#include <string>

namespace mlrun {

inline constexpr const char* directory_lock_file = ".mlrun.lock";

class directory_lock {
public:
    // Creates the directory if need be and locks it. Throws io_error naming
    // the directory, the lock file and the holder's PID when another
    // process holds it. A directory that cannot be made or written is not
    // locked: the first save reports why.
    explicit directory_lock(const std::string& directory);
    ~directory_lock();
    directory_lock(const directory_lock&) = delete;
    directory_lock& operator=(const directory_lock&) = delete;

    // Whether this process holds the lock (false when it could not be taken).
    bool held() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

}  // namespace mlrun
