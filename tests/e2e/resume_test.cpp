// Crash-safe checkpoints and exact resume, with the mlrun tool run as a
// child process: SIGKILL at random points then --resume ends with the
// same bytes as a run never stopped; SIGTERM saves and exits 143; damaged
// latest checkpoints, a changed model, a failing save, mlrun verify.
#define BOOST_TEST_MODULE resume
#include <boost/test/unit_test.hpp>

#include "checkpoint_e2e_support.hpp"
#include "mlrun_child.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <regex>
#include <thread>

using namespace mlrun;
using namespace mlrun::e2e;

namespace {

// 64 samples in batches of 16: 4 steps an epoch; saves every 5 steps land
// inside epochs, and the last one (step 160) is the end of training.
const char* const checkpoint_section =
    "checkpoint: {path: 'ck/cp-{step}.ckpt', every: 5 steps, keep_last: 3, save_weights_only: false}\n"
    "callbacks:\n"
    "  early_stopping: {monitor: val_loss, patience: 100}\n"
    "  reduce_lr_on_plateau: {monitor: val_loss, patience: 1, factor: 0.5, min_delta: 0.02}\n";
constexpr int epochs = 40;
constexpr int units = 256;  // big enough that a step takes a while, so kills land anywhere

// Runs mlrun to its end and checks its exit code, showing its output when wrong.
void check_exit(const scratch& s, std::vector<std::string> args, int expected)
{
    const int code = run_to_end(s, std::move(args));
    BOOST_TEST(code == expected, "exit " << code << ": " << log_text(s));
}

void require_exit(const scratch& s, std::vector<std::string> args, int expected)
{
    const int code = run_to_end(s, std::move(args));
    BOOST_REQUIRE_MESSAGE(code == expected, "exit " << code << ": " << log_text(s));
}

plugin_registry& plugins()
{
    static plugin_registry registry({boost::filesystem::path(plugin_dir())});
    return registry;
}

// The latest checkpoint of `dir`, loaded whole.
checkpoint latest_of(const std::string& dir, const std::string& format_name = "tf_checkpoint")
{
    const std::optional<std::string> path = latest_checkpoint(dir);
    BOOST_REQUIRE(path.has_value());
    return format(plugins().find(MLRUN_PLUGIN_FORMAT, format_name)).load(*path);
}

// Same tensors, byte for byte, and the same training state.
void require_identical(const checkpoint& expected, const checkpoint& found)
{
    BOOST_REQUIRE_EQUAL(expected.tensors.size(), found.tensors.size());
    for (std::size_t i = 0; i < expected.tensors.size(); ++i) {
        const auto& [name, value] = expected.tensors[i];
        BOOST_TEST_CONTEXT(name)
        {
            BOOST_REQUIRE_EQUAL(name, found.tensors[i].first);
            BOOST_REQUIRE_EQUAL(value.byte_size(), found.tensors[i].second.byte_size());
            BOOST_TEST(std::memcmp(value.bytes(), found.tensors[i].second.bytes(), value.byte_size()) == 0);
        }
    }
    BOOST_TEST(expected.metadata.at("training_state") == found.metadata.at("training_state"));
}

// The checkpoint format `overrides` ask for.
std::string format_of(const std::vector<std::string>& overrides)
{
    for (const std::string& o : overrides) {
        if (o.rfind("checkpoint.format=", 0) == 0) return o.substr(18);
    }
    return "tf_checkpoint";
}

// An uninterrupted run's final checkpoint, in its own scratch directory.
checkpoint reference_run(const std::vector<std::string>& overrides = {})
{
    scratch s;
    s.experiment("exp.yaml", epochs, checkpoint_section, units);
    std::vector<std::string> args = {"exp.yaml"};
    args.insert(args.end(), overrides.begin(), overrides.end());
    require_exit(s, args, 0);
    return latest_of(s.path("ck"), format_of(overrides));
}

std::string latest_data_file(const scratch& s)
{
    const std::optional<std::string> path = latest_checkpoint(s.path("ck"));
    BOOST_REQUIRE(path.has_value());
    return *path + ".data-00000-of-00001";
}

void flip_byte(const std::string& path, std::size_t offset)
{
    std::string bytes = file_text(path);
    BOOST_REQUIRE(offset < bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x10);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

// Kills seven runs at random points, resumes to the end and compares with a
// run never stopped: `overrides` pick the backend and the format.
void kill_and_resume(const std::vector<std::string>& overrides)
{
    const auto started = std::chrono::steady_clock::now();
    const checkpoint expected = reference_run(overrides);
    const auto full_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    const long per_save_us = full_us / 32;  // 32 saves in a run; start-up makes this an overestimate
    BOOST_TEST_MESSAGE("an uninterrupted run takes " << full_us / 1000 << " ms");

    scratch s;
    s.experiment("exp.yaml", epochs, checkpoint_section, units);
    std::mt19937 gen(12345);  // fixed, so a failure replays; the points still spread over steps and saves
    std::uniform_int_distribution<long> delay(0, per_save_us);
    const std::string state_file = s.path("ck/checkpoint");
    auto state_text = [&] { return fs::exists(state_file) ? file_text(state_file) : std::string(); };
    int killed = 0;
    for (int attempt = 0; attempt < 7; ++attempt) {
        // Each run is killed a random time after its first new checkpoint,
        // so every run makes progress and the kill lands anywhere in the
        // steps and saves that follow.
        const std::string before = state_text();
        std::vector<std::string> args = {"exp.yaml", "--resume"};
        args.insert(args.end(), overrides.begin(), overrides.end());
        const child c = start_mlrun(s, args);
        int status = 0;
        pid_t done = 0;
        for (int polls = 0; polls < 100000 && done == 0 && state_text() == before; ++polls) {
            done = ::waitpid(c.pid, &status, WNOHANG);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        if (done == 0) {
            std::this_thread::sleep_for(std::chrono::microseconds(delay(gen)));
            ::kill(c.pid, SIGKILL);
            BOOST_REQUIRE(::waitpid(c.pid, &status, 0) == c.pid);
        }
        const bool was_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        killed += was_killed ? 1 : 0;
        BOOST_REQUIRE_MESSAGE(was_killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0), log_text(s));
    }
    BOOST_TEST_MESSAGE("killed " << killed << " of 7 runs");
    BOOST_TEST(killed >= 4);  // 7 runs of one or two saves each seldom finish 32 saves, even on a busy machine
    std::vector<std::string> args = {"exp.yaml", "--resume"};
    args.insert(args.end(), overrides.begin(), overrides.end());
    require_exit(s, args, 0);
    BOOST_TEST(contains(log_text(s), "Resuming from ck/cp-"));
    require_identical(expected, latest_of(s.path("ck"), format_of(overrides)));
    // The killed saves' temporaries went when the next run began.
    for (fs::directory_iterator it(s.path("ck")), end; it != end; ++it) {
        BOOST_TEST(!contains(it->path().filename().string(), ".tmp-"), it->path());
    }
}

BOOST_AUTO_TEST_CASE(sigkill_at_random_points_then_resume_gives_the_same_bytes)
{
    kill_and_resume({"backend.name=reference", "backend.threads=1"});
}

BOOST_AUTO_TEST_CASE(the_same_with_hdf5_checkpoints)
{
    kill_and_resume({"backend.name=reference", "checkpoint.format=hdf5", "checkpoint.path=ck/cp-{step}.h5"});
}

// The optimised backends are deterministic at a fixed thread count: each
// thread's share of a product, and the order it sums in, depend only on
// the shapes and the count. Two threads, so a split reduction is covered.
BOOST_AUTO_TEST_CASE(the_same_on_openblas_at_two_threads)
{
    kill_and_resume({"backend.name=openblas", "backend.threads=2"});
}

BOOST_AUTO_TEST_CASE(the_same_on_onednn_at_two_threads)
{
    kill_and_resume({"backend.name=onednn", "backend.threads=2"});
}

// The tutorial's first part saves every epoch under one prefix: its new
// files are renamed over the old ones one by one. Killed at each instant
// of such a save (the third), the state file still names a complete
// checkpoint, and resuming from it ends with the same bytes.
BOOST_AUTO_TEST_CASE(killed_inside_a_save_over_the_same_prefix)
{
    const std::string same_prefix =
        "checkpoint: {path: 'ck/cp.ckpt', every: 5 steps, save_weights_only: false}\n";
    scratch uninterrupted;
    uninterrupted.experiment("exp.yaml", 6, same_prefix, units);
    require_exit(uninterrupted, {"exp.yaml"}, 0);
    const checkpoint expected = latest_of(uninterrupted.path("ck"));
    for (const char* instant :
         {"tf_checkpoint.between_renames", "checkpoint.previous_linked", "checkpoint.state_names_previous"}) {
        BOOST_TEST_CONTEXT(instant)
        {
            scratch s;
            s.experiment("exp.yaml", 6, same_prefix, units);
            ::setenv("MLRUN_FAILPOINT", (std::string(instant) + "@3").c_str(), 1);
            const int code = run_to_end(s, {"exp.yaml"});
            ::unsetenv("MLRUN_FAILPOINT");
            BOOST_REQUIRE_MESSAGE(code == 1000 + SIGKILL, "exit " << code << ": " << log_text(s));
            check_exit(s, {"verify", "ck"}, 0);
            check_exit(s, {"exp.yaml", "--resume"}, 0);
            require_identical(expected, latest_of(s.path("ck")));
            BOOST_TEST(!fs::exists(s.path("ck/cp.ckpt.previous.index")), "the second names stay after the resumed run");
        }
    }
}

BOOST_AUTO_TEST_CASE(sigterm_saves_at_the_next_step_and_exits_143)
{
    const checkpoint expected = reference_run();
    scratch s;
    s.experiment("exp.yaml", epochs, checkpoint_section, units);
    const child c = start_mlrun(s, {"exp.yaml"});
    // Once the first checkpoint is there training is under way.
    for (int i = 0; i < 2000 && !latest_checkpoint(s.path("ck")); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // Off the save just made, so the signal's step is a new one.
    std::this_thread::sleep_for(std::chrono::microseconds(1500));
    ::kill(c.pid, SIGTERM);
    const int code = wait_for(c);
    const std::string log = log_text(s);
    if (code == 0) {
        BOOST_TEST_MESSAGE("training ended before the signal came; nothing to check");
        return;
    }
    BOOST_REQUIRE_MESSAGE(code == 143, "exit " << code << ": " << log);
    // The signal's step is the latest checkpoint, wherever in the epoch it came.
    std::smatch m;
    BOOST_REQUIRE_MESSAGE(std::regex_search(log, m, std::regex("stopping on a signal at step ([0-9]+)")), log);
    BOOST_TEST(latest_checkpoint(s.path("ck")).value_or("none") == s.path("ck/cp-" + m[1].str() + ".ckpt"));
    require_exit(s, {"exp.yaml", "--resume"}, 0);
    require_identical(expected, latest_of(s.path("ck")));
}

BOOST_AUTO_TEST_CASE(sigint_with_on_signal_exit_saves_nothing_and_exits_130)
{
    scratch s;
    s.experiment("exp.yaml", epochs, std::string(checkpoint_section), units);
    const child c = start_mlrun(s, {"exp.yaml", "fit.on_signal=exit", "checkpoint.every=1000 steps"});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(c.pid, SIGINT);
    const int code = wait_for(c);
    if (code == 0) return;  // finished first
    BOOST_TEST(code == 130, log_text(s));
    BOOST_TEST(!latest_checkpoint(s.path("ck")).has_value());
}

BOOST_AUTO_TEST_CASE(damaged_latest_is_named_and_fallback_only_when_asked)
{
    const checkpoint expected = reference_run();
    scratch s;
    s.experiment("exp.yaml", epochs, checkpoint_section, units);
    // Stop after 12 epochs (48 steps: the latest is cp-45), damage it.
    require_exit(s, {"exp.yaml", "fit.epochs=12"}, 0);
    const std::string data = latest_data_file(s);
    flip_byte(data, 100);

    check_exit(s, {"exp.yaml", "--resume"}, 7);
    std::string log = log_text(s);
    BOOST_TEST(contains(log, "cp-45.ckpt"), log);
    BOOST_TEST(contains(log, "--resume=fallback"), log);

    check_exit(s, {"exp.yaml", "--resume=fallback"}, 0);
    log = log_text(s);
    BOOST_TEST(contains(log, "warning: skipping damaged checkpoint ck/cp-45.ckpt"), log);
    BOOST_TEST(contains(log, "Resuming from ck/cp-40.ckpt"), log);
    require_identical(expected, latest_of(s.path("ck")));
}

// The same with HDF5 checkpoints, damaged in HDF5's own structures (the
// root group's B-tree area) where libhdf5 would read first: the file's
// checksum block names the damage before libhdf5 opens the file.
BOOST_AUTO_TEST_CASE(a_damaged_hdf5_latest_is_named_and_fallback_only_when_asked)
{
    const std::vector<std::string> hdf5 = {"checkpoint.format=hdf5", "checkpoint.path=ck/cp-{step}.h5"};
    const checkpoint expected = reference_run(hdf5);
    scratch s;
    s.experiment("exp.yaml", epochs, checkpoint_section, units);
    require_exit(s, {"exp.yaml", "fit.epochs=12", hdf5[0], hdf5[1]}, 0);
    const std::optional<std::string> latest = latest_checkpoint(s.path("ck"));
    BOOST_REQUIRE(latest.has_value());
    flip_byte(*latest, 1000);

    check_exit(s, {"exp.yaml", "--resume", hdf5[0], hdf5[1]}, 7);
    std::string log = log_text(s);
    BOOST_TEST(contains(log, "cp-45.h5: cannot open as hdf5: file changed after it was written"), log);
    BOOST_TEST(contains(log, "--resume=fallback"), log);

    check_exit(s, {"exp.yaml", "--resume=fallback", hdf5[0], hdf5[1]}, 0);
    log = log_text(s);
    BOOST_TEST(contains(log, "warning: skipping damaged checkpoint ck/cp-45.h5"), log);
    BOOST_TEST(contains(log, "Resuming from ck/cp-40.h5"), log);
    require_identical(expected, latest_of(s.path("ck"), "hdf5"));

    check_exit(s, {"verify", "ck"}, 0);
    log = log_text(s);
    BOOST_TEST(contains(log, ".h5: file checksum: crc32c 0x"), log);
    BOOST_TEST(contains(log, "bytes after the checksum block: matches"), log);
}

BOOST_AUTO_TEST_CASE(resume_refuses_a_changed_model_or_optimizer)
{
    scratch s;
    s.experiment("exp.yaml", 2, checkpoint_section, units);
    require_exit(s, {"exp.yaml"}, 0);
    s.experiment("wider.yaml", 3, checkpoint_section, units * 2);
    check_exit(s, {"wider.yaml", "--resume"}, 3);
    BOOST_TEST(contains(log_text(s), "cannot resume: the model of wider.yaml differs"), log_text(s));
    check_exit(s, {"exp.yaml", "--resume", "compile.optimizer=sgd"}, 3);
    BOOST_TEST(contains(log_text(s), "cannot resume: compile.optimizer of exp.yaml differs"), log_text(s));
    // More epochs is an allowed change.
    check_exit(s, {"exp.yaml", "--resume", "fit.epochs=3"}, 0);
}

BOOST_AUTO_TEST_CASE(a_failed_save_stops_or_warns_and_keeps_the_previous_checkpoint)
{
    scratch s;
    s.experiment("exp.yaml", 4, checkpoint_section, units);
    // A directory where the step-10 checkpoint's index must go: renaming
    // the finished file into place fails, as on a read-only directory
    // (which root, running these tests in CI, could still write).
    fs::create_directories(s.path("ck/cp-10.ckpt.index/blocker"));
    check_exit(s, {"exp.yaml"}, 7);
    std::string log = log_text(s);
    BOOST_TEST(contains(log, "cp-10.ckpt"), log);
    BOOST_REQUIRE(latest_checkpoint(s.path("ck")).value_or("none") == s.path("ck") + "/cp-5.ckpt");
    check_exit(s, {"verify", "ck/cp-5.ckpt"}, 0);

    check_exit(s, {"exp.yaml", "checkpoint.on_save_error=warn"}, 0);
    log = log_text(s);
    BOOST_TEST(contains(log, "warning: saving ck/cp-10.ckpt failed, training goes on"), log);
    BOOST_TEST(latest_checkpoint(s.path("ck")).value_or("none") == s.path("ck") + "/cp-15.ckpt");
}

BOOST_AUTO_TEST_CASE(verify_checks_every_checkpoint_and_names_the_damage)
{
    scratch s;
    s.experiment("exp.yaml", 4, checkpoint_section, units);
    require_exit(s, {"exp.yaml"}, 0);
    check_exit(s, {"verify", "ck"}, 0);
    BOOST_TEST(contains(log_text(s), "ck/cp-15.ckpt: ok (tf_checkpoint"));
    flip_byte(latest_data_file(s), 64);
    check_exit(s, {"verify", "ck"}, 7);
    const std::string log = log_text(s);
    BOOST_TEST(contains(log, "ck/cp-15.ckpt: DAMAGED"), log);
    BOOST_TEST(contains(log, "ck/cp-10.ckpt: ok"), log);
}
