// mlrun under mpirun, for the distributed tests: the launcher found on
// PATH, its options for one machine without a network (loopback only, as
// root too), a hard timeout on the whole job, and the ranks' processes.
#pragma once

#include "mlrun_child.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mlrun::e2e {

// The mpirun on PATH; empty when there is none.
inline std::string find_mpirun()
{
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "mpirun";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return "";
}

// Precondition of every case that needs MPI: mpirun, and an mlrun built with it.
inline boost::test_tools::assertion_result mpi_available(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result available(true);
#ifndef MLRUN_TEST_WITH_MPI
    available = false;
    available.message() << "mlrun was built without MPI (install libopenmpi-dev and openmpi-bin: scripts/install_deps.sh)";
#else
    if (find_mpirun().empty()) {
        available = false;
        available.message() << "mpirun is not on PATH (openmpi-bin: scripts/install_deps.sh)";
    }
#endif
    return available;
}

// The launcher's words before the program: N ranks on this machine, over loopback TCP.
inline std::vector<std::string> mpirun_words(int ranks)
{
    return {find_mpirun(), "-np", std::to_string(ranks), "--oversubscribe", "--allow-run-as-root",
            "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo"};
}

inline std::string mlrun_binary() { return env_or_fail("MLRUN_BINARY_DIR") + "/bin/mlrun"; }

// Starts `words` (a launcher and its program) in the scratch directory, in
// a process group of its own, its output in `log`.
inline child start_job(const scratch& s, std::vector<std::string> words, const std::string& log = "run.log")
{
    const std::string log_path = s.path(log);
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        ::setpgid(0, 0);
        if (::chdir(s.dir.c_str()) != 0) ::_exit(120);
        const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) ::_exit(121);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        std::vector<char*> argv;
        for (std::string& w : words) argv.push_back(w.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(122);
    }
    ::setpgid(pid, pid);
    return {pid};
}

// The exit code, or 1000 + the signal that ended it; a job still running
// after `limit` is killed with its whole process group and the test fails.
inline int wait_at_most(const child& c, std::chrono::seconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(c.pid, &status, WNOHANG);
        BOOST_REQUIRE(done >= 0);
        if (done == c.pid) return WIFSIGNALED(status) ? 1000 + WTERMSIG(status) : WEXITSTATUS(status);
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-c.pid, SIGKILL);
            ::waitpid(c.pid, &status, 0);
            BOOST_FAIL("the job was still running after " << limit.count() << " s (killed)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// `mlrun ARGS` on `ranks` ranks, waited for (at most two minutes).
inline int run_ranks(const scratch& s, int ranks, const std::vector<std::string>& args, const std::string& log = "run.log")
{
    std::vector<std::string> words = mpirun_words(ranks);
    words.push_back(mlrun_binary());
    words.insert(words.end(), args.begin(), args.end());
    return wait_at_most(start_job(s, words, log), std::chrono::seconds(120));
}

// The process of rank `rank` among the descendants of `launcher`, found by
// the rank mpirun gives it in its environment.
inline std::optional<pid_t> rank_process(pid_t launcher, int rank)
{
    const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string pid, comm, state;
        pid_t parent = 0;
        if (!(stat >> pid >> comm >> state >> parent)) continue;
        // Children of mpirun, or of its daemon, which is mpirun's child.
        bool ours = parent == launcher;
        if (!ours) {
            std::ifstream parent_stat("/proc/" + std::to_string(parent) + "/stat");
            std::string p2, c2, s2;
            pid_t grandparent = 0;
            ours = static_cast<bool>(parent_stat >> p2 >> c2 >> s2 >> grandparent) && grandparent == launcher;
        }
        if (!ours) continue;
        std::ifstream environ(entry.path() / "environ", std::ios::binary);
        const std::string all((std::istreambuf_iterator<char>(environ)), {});
        std::stringstream vars(all);
        for (std::string var; std::getline(vars, var, '\0');) {
            if (var == wanted) return static_cast<pid_t>(std::stol(name));
        }
    }
    return std::nullopt;
}

}  // namespace mlrun::e2e
