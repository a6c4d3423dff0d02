// The mlrun tool as a child process in a scratch directory, its output in
// run.log: started, signalled and waited for by end-to-end tests.
#pragma once

#include "checkpoint_e2e_support.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace mlrun::e2e {

struct child {
    pid_t pid;
};

// Starts `mlrun ARGS...` in the scratch directory, its output in run.log (afresh each run).
inline child start_mlrun(const scratch& s, std::vector<std::string> args)
{
    const std::string binary = env_or_fail("MLRUN_BINARY_DIR") + "/bin/mlrun";
    args.insert(args.begin(), binary);
    const std::string log = s.path("run.log");
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::chdir(s.dir.c_str()) != 0) ::_exit(120);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) ::_exit(121);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(binary.c_str(), argv.data());
        ::_exit(122);
    }
    return {pid};
}

// The exit code, or 1000 + the signal that ended it.
inline int wait_for(const child& c)
{
    int status = 0;
    BOOST_REQUIRE(::waitpid(c.pid, &status, 0) == c.pid);
    if (WIFSIGNALED(status)) return 1000 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

inline int run_to_end(const scratch& s, std::vector<std::string> args)
{
    return wait_for(start_mlrun(s, std::move(args)));
}

inline std::string log_text(const scratch& s) { return file_text(s.path("run.log")); }

}  // namespace mlrun::e2e
