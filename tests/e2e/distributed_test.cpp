// Data-parallel training under mpirun (docs/distributed.md): two ranks
// train as one process does, save one TensorFlow shard each that a single
// process loads, resume on another number of ranks or byte for byte on the
// same, refuse what cannot work before training, and end within seconds
// when a rank dies. Each case needs mpirun and an mlrun built with MPI and
// reports itself skipped, naming what is missing, without them. The data
// are the tiny scratch set (64 training samples): the suite stays fast.
#define BOOST_TEST_MODULE distributed_test
#include <boost/test/unit_test.hpp>

#include "mpi_child.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/data/idx.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

using namespace mlrun;
using namespace mlrun::e2e;
namespace utf = boost::unit_test;

namespace {

// Global batch 16 of 64 samples: 4 steps an epoch, 8 samples per rank
// with two. SGD, so a step moves the weights by exactly lr times the
// gradient (no per-element normalisation that could magnify a rounding
// difference of a near-zero gradient); no dropout, whose masks are drawn
// per rank.
std::string write_experiment(const scratch& s, const std::string& name, int epochs, const std::string& extra)
{
    const std::string file = s.path(name);
    std::ofstream out(file);
    out << "mlrun: 1\nseed: 5\nbackend: {name: reference, threads: 1}\n"
        << "data: {dataset: idx, path: " << s.path("data") << ", scale: 1}\n"
        << "model:\n  - Dense: {units: 16, activation: relu, input_shape: [8]}\n"
        << "  - Dense: {units: 3, activation: softmax}\n"
        << "compile: {optimizer: {sgd: {learning_rate: 0.1, momentum: 0.9}}, loss: sparse_categorical_crossentropy, "
           "metrics: [accuracy]}\n"
        << "fit: {epochs: " << epochs << ", batch_size: 16, verbose: 2}\n"
        << extra;
    return file;
}

const plugin_registry& plugins()
{
    static const plugin_registry registry({boost::filesystem::path(plugin_dir())});
    return registry;
}

checkpoint load(const std::string& path) { return format_for_path(plugins(), path).load(path); }

const tensor& find_tensor(const checkpoint& c, const std::string& name)
{
    for (const auto& [n, t] : c.tensors) {
        if (n == name) return t;
    }
    BOOST_FAIL("no tensor " << name);
    throw std::logic_error("unreachable");
}

// The model's weights (not the optimizer's state), by name.
std::vector<std::pair<std::string, const tensor*>> weights_of(const checkpoint& c)
{
    std::vector<std::pair<std::string, const tensor*>> w;
    for (const auto& [name, t] : c.tensors) {
        if (name.rfind("optimizer/", 0) != 0 && t.type() == dtype::float32) w.emplace_back(name, &t);
    }
    return w;
}

// The exit code of a command just run is 0, or the test stops showing its output.
void require_ok(const scratch& s, int code, const std::string& log = "run.log")
{
    BOOST_TEST_REQUIRE(code == 0, "exit code " << code << ":\n" << file_text(s.path(log)));
}

void check_ok(const scratch& s, int code)
{
    BOOST_TEST(code == 0, "exit code " << code << ":\n" << log_text(s));
}

void require_same_bytes(const checkpoint& a, const checkpoint& b)
{
    const auto wa = weights_of(a);
    BOOST_TEST_REQUIRE(!wa.empty());
    for (const auto& [name, t] : wa) {
        const tensor& other = find_tensor(b, name);
        BOOST_TEST_REQUIRE(t->byte_size() == other.byte_size(), name);
        BOOST_TEST(std::memcmp(t->bytes(), other.bytes(), t->byte_size()) == 0, name << " differs");
    }
}

// Waits (at most a minute) for a file the job is about to write.
void wait_for_file(const scratch& s, const std::string& name)
{
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!fs::exists(s.path(name)) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// Waits for the first checkpoint, then stops rank 1's process (SIGSTOP), so
// that the whole job waits at its next sum however fast the machine: a
// signal sent now lands mid-training. Resume the rank with SIGCONT.
pid_t hold_rank_one_after_a_checkpoint(const scratch& s, const child& job)
{
    wait_for_file(s, "ckpt/checkpoint");
    const std::optional<pid_t> rank = rank_process(job.pid, 1);
    BOOST_TEST_REQUIRE(rank.has_value(), "rank 1's process not found; " << log_text(s));
    BOOST_TEST_REQUIRE(::kill(*rank, SIGSTOP) == 0);
    BOOST_TEST_REQUIRE(!fs::exists(s.path("final.h5")), "the run finished before rank 1 was held; " << log_text(s));
    return *rank;
}

// The value of `column` in the last row of a CSV log.
double csv_value(const std::string& csv, const std::string& column)
{
    std::stringstream lines(csv);
    std::string header, row, last;
    std::getline(lines, header);
    while (std::getline(lines, row)) {
        if (!row.empty()) last = row;
    }
    std::stringstream names(header), values(last);
    for (std::string name, value; std::getline(names, name, ',') && std::getline(values, value, ',');) {
        if (name == column) return std::stod(value);
    }
    BOOST_FAIL("no column " << column << " in\n" << csv);
    return 0.0;
}

}  // namespace

// Without MPI: what each rank's writer does, one after the other in one
// process. Shard 1 first, then shard 0 with the index, as the ranks of a
// save commit; a single process then reads the two-shard bundle whole.
BOOST_AUTO_TEST_CASE(a_bundle_written_shard_by_shard_loads_whole)
{
    scratch s;
    checkpoint c;
    std::uint64_t total = 0;
    for (int i = 0; i < 4; ++i) {
        tensor t(shape{static_cast<std::int64_t>(10 + 30 * i)});
        for (std::int64_t k = 0; k < t.size(); ++k) t.f32()[k] = static_cast<float>(i * 1000 + k);
        total += t.byte_size();
        c.tensors.emplace_back("layer" + std::to_string(i) + "/kernel", std::move(t));
    }
    c.metadata["note"] = "two shards";
    const std::string prefix = s.path("bundle/cp.ckpt");
    const format f = format_for_path(plugins(), prefix);
    for (const char* shard : {"1", "0"}) {
        f.save(prefix, c, {{"names", "tensorflow"}, {"shard", shard}, {"shards", "2"}, {"sharded_bytes", std::to_string(total)}});
    }
    BOOST_TEST(fs::exists(s.path("bundle/cp.ckpt.data-00001-of-00002")));
    // Balanced by bytes: 40 + 160 + 280 bytes in shard 0, 400 in shard 1.
    BOOST_TEST(fs::file_size(s.path("bundle/cp.ckpt.data-00001-of-00002")) == 400u);
    const checkpoint back = f.load(prefix, {{"names", "tensorflow"}});
    for (const auto& [name, t] : c.tensors) {
        const tensor& read = find_tensor(back, name);
        BOOST_TEST_REQUIRE(read.byte_size() == t.byte_size(), name);
        BOOST_TEST(std::memcmp(read.bytes(), t.bytes(), t.byte_size()) == 0, name);
    }
    // A shard outside the count is refused, naming both.
    const format_options outside = {{"shard", "2"}, {"shards", "2"}};
    BOOST_CHECK_EXCEPTION(f.save(prefix, c, outside), io_error,
                          [](const io_error& e) { return contains(e.what(), "shard 2 of 2"); });
}

BOOST_AUTO_TEST_SUITE(distributed, *utf::precondition(mpi_available))

BOOST_AUTO_TEST_CASE(two_ranks_train_as_one_process_does)
{
    scratch s;
    const std::string one = write_experiment(s, "one.yaml", 1, "save: {path: one.h5}\n");
    const std::string two = write_experiment(s, "two.yaml", 1, "save: {path: two.h5}\n");
    require_ok(s, run_to_end(s, {one}));
    require_ok(s, run_ranks(s, 2, {two}, "two.log"), "two.log");
    const std::string log = file_text(s.path("two.log"));
    // Only rank 0 prints: one progress line for the epoch.
    std::size_t lines = 0;
    for (std::size_t at = log.find("Epoch 1/1"); at != std::string::npos; at = log.find("Epoch 1/1", at + 1)) ++lines;
    BOOST_TEST(lines == 1u, log);
    // Each rank averages its 8 samples and scales by 8/16 before the sum:
    // the same terms as one process's mean over 16, added in another order.
    // float32 reassociation of 16 terms moves a gradient by a few ulps
    // (~1e-7 relative, gradients here are below 1), so four SGD steps of
    // lr 0.1 with momentum 0.9 (a step is at most ~3.4 lr g) move weights
    // apart by well under 1e-6; 1e-5 leaves room and would still catch a
    // wrong scaling (half or twice the gradient moves them by ~1e-2).
    const checkpoint a = load(s.path("one.h5"));
    const checkpoint b = load(s.path("two.h5"));
    const auto wa = weights_of(a);
    BOOST_TEST_REQUIRE(wa.size() == 4u);
    for (const auto& [name, t] : wa) {
        const tensor& other = find_tensor(b, name);
        BOOST_TEST_REQUIRE(t->size() == other.size(), name);
        double largest = 0.0;
        for (std::int64_t i = 0; i < t->size(); ++i) {
            largest = std::max(largest, static_cast<double>(std::fabs(t->f32()[i] - other.f32()[i])));
        }
        BOOST_TEST(largest < 1e-5, name << ": largest difference " << largest);
    }
}

BOOST_AUTO_TEST_CASE(a_sharded_checkpoint_loads_in_one_process_and_checks_out)
{
    scratch s;
    const std::string config =
        write_experiment(s, "exp.yaml", 2, "checkpoint: {path: ckpt/cp.ckpt}\nsave: {path: final.h5}\n");
    require_ok(s, run_ranks(s, 2, {config}));
    BOOST_TEST(fs::exists(s.path("ckpt/cp.ckpt.data-00000-of-00002")));
    BOOST_TEST(fs::exists(s.path("ckpt/cp.ckpt.data-00001-of-00002")));
    BOOST_TEST(!fs::exists(s.path("ckpt/cp.ckpt.data-00000-of-00001")));
    // Both shards hold tensors: the variables are split by bytes.
    BOOST_TEST(fs::file_size(s.path("ckpt/cp.ckpt.data-00001-of-00002")) > 0u);
    BOOST_TEST(fs::file_size(s.path("ckpt/cp.ckpt.data-00000-of-00002")) > 0u);
    require_same_bytes(load(s.path("final.h5")), load(s.path("ckpt/cp.ckpt")));
    check_ok(s, run_to_end(s, {"inspect", "ckpt/cp.ckpt"}));
    BOOST_TEST(contains(log_text(s), "kernel"), log_text(s));
    check_ok(s, run_to_end(s, {"verify", "ckpt"}));
    check_ok(s, run_to_end(s, {"convert", "ckpt/cp.ckpt", "converted.h5"}));
    require_same_bytes(load(s.path("converted.h5")), load(s.path("final.h5")));
}

BOOST_AUTO_TEST_CASE(a_run_resumes_on_another_number_of_ranks)
{
    scratch s;
    const std::string config = write_experiment(s, "exp.yaml", 2, "checkpoint: {path: ckpt/cp.ckpt}\n");
    require_ok(s, run_ranks(s, 2, {config}));
    // Two ranks' checkpoint, one process goes on...
    require_ok(s, run_to_end(s, {config, "fit.epochs=3", "--resume"}));
    BOOST_TEST(contains(log_text(s), "Epoch 3/3"), log_text(s));
    BOOST_TEST(fs::exists(s.path("ckpt/cp.ckpt.data-00000-of-00001")));
    // ...and the stale shards of the two-rank save are gone with it.
    BOOST_TEST(!fs::exists(s.path("ckpt/cp.ckpt.data-00001-of-00002")));
    // One process's checkpoint, two ranks go on.
    require_ok(s, run_ranks(s, 2, {config, "fit.epochs=4", "--resume"}));
    BOOST_TEST(contains(log_text(s), "Epoch 4/4"), log_text(s));
    BOOST_TEST(!contains(log_text(s), "Epoch 3/4"), log_text(s));
    BOOST_TEST(fs::exists(s.path("ckpt/cp.ckpt.data-00001-of-00002")));
    check_ok(s, run_to_end(s, {"verify", "ckpt"}));
}

BOOST_AUTO_TEST_CASE(a_killed_rank_ends_the_job_and_the_resumed_run_ends_byte_identical)
{
    scratch s;
    // Checkpoints every 8 steps (two epochs), so the kill lands between saves.
    const std::string extra = "checkpoint: {path: ckpt/cp.ckpt, every: '8 steps'}\nsave: {path: final.h5}\n";
    const std::string config = write_experiment(s, "exp.yaml", 400, extra);
    fs::create_directories(s.dir / "whole");
    const std::string whole = write_experiment(s, "whole.yaml", 400,
                                               "checkpoint: {path: whole/cp.ckpt, every: '8 steps'}\nsave: {path: whole.h5}\n");
    require_ok(s, run_ranks(s, 2, {whole}, "whole.log"), "whole.log");

    std::vector<std::string> words = mpirun_words(2);
    words.push_back(mlrun_binary());
    words.push_back(config);
    const child job = start_job(s, words);
    // Wait for a checkpoint, then kill rank 1 while training goes on.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!fs::exists(s.path("ckpt/checkpoint")) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const std::optional<pid_t> victim = rank_process(job.pid, 1);
    BOOST_TEST_REQUIRE(victim.has_value(), "rank 1's process not found; " << log_text(s));
    BOOST_TEST_REQUIRE(::kill(*victim, SIGKILL) == 0);
    const auto killed = std::chrono::steady_clock::now();
    // Never a hang: the whole job ends within 10 s, naming the rank.
    const int code = wait_at_most(job, std::chrono::seconds(10));
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
    BOOST_TEST_MESSAGE("the job ended " << took << " s after rank 1 was killed");
    BOOST_TEST(code != 0, log_text(s));
    BOOST_TEST(contains(log_text(s), "rank 1"), log_text(s));
    BOOST_TEST_REQUIRE(!fs::exists(s.path("final.h5")), "the run finished before the kill; " << log_text(s));

    require_ok(s, run_ranks(s, 2, {config, "--resume"}));
    BOOST_TEST(contains(log_text(s), "Epoch 400/400"), log_text(s));
    require_same_bytes(load(s.path("whole.h5")), load(s.path("final.h5")));
}

BOOST_AUTO_TEST_CASE(ranks_with_different_experiments_are_refused_naming_the_rank)
{
    scratch s;
    const std::string config = write_experiment(s, "exp.yaml", 1, "");
    std::vector<std::string> words = mpirun_words(1);
    words.insert(words.end(), {mlrun_binary(), config, ":", "-np", "1", mlrun_binary(), config, "fit.epochs=2"});
    const int code = wait_at_most(start_job(s, words), std::chrono::seconds(60));
    BOOST_TEST(code != 0, log_text(s));
    BOOST_TEST(contains(log_text(s), "the resolved experiment of rank 1 differs from rank 0's"), log_text(s));
}

BOOST_AUTO_TEST_CASE(a_global_batch_the_ranks_cannot_share_is_refused_before_training)
{
    scratch s;
    const std::string config = write_experiment(s, "exp.yaml", 1, "checkpoint: {path: ckpt/cp.ckpt}\n");
    const int code = run_ranks(s, 2, {config, "fit.batch_size=15"});
    BOOST_TEST(code != 0, log_text(s));
    BOOST_TEST(contains(log_text(s), "fit.batch_size: 15 is the global batch of 2 ranks"), log_text(s));
    BOOST_TEST(!contains(log_text(s), "Epoch 1/1"), log_text(s));
    BOOST_TEST(!fs::exists(s.path("ckpt/checkpoint")));
}


// Rank 1 runs a backend whose SGD steps 10% further (another build of a
// plugin, as it were): the same averaged gradient moves its weights
// elsewhere, and the check after the first epoch stops the job.
BOOST_AUTO_TEST_CASE(ranks_whose_weights_diverge_are_stopped_after_the_epoch_naming_the_rank)
{
    scratch s;
    const std::string config = write_experiment(s, "exp.yaml", 3, "save: {path: final.h5}\n");
    const int code = run_ranks(s, 2, {"--plugin-dir", env_or_fail("MLRUN_RANK_SKEWED_PLUGIN_DIR"), config,
                                      "backend.name=rank_skewed"});
    const std::string log = log_text(s);
    BOOST_TEST(code == 9, "exit code " << code << ":\n" << log);
    BOOST_TEST(contains(log, "after epoch 1 the weights of rank 1 differ from rank 0's (of 2 ranks)"), log);
    BOOST_TEST(!contains(log, "Epoch 2/3"), log);
    BOOST_TEST(!fs::exists(s.path("final.h5")));
}

// SIGTERM to one rank alone: the stop travels in the next step's sums, so
// both ranks stop at the same step, save the sharded checkpoint together
// and exit 143; resumed on two ranks the run ends byte for byte as one
// never stopped.
BOOST_AUTO_TEST_CASE(a_signalled_rank_stops_every_rank_at_one_step_and_the_resumed_run_ends_byte_identical)
{
    scratch s;
    const std::string config = write_experiment(s, "exp.yaml", 40,
                                                "checkpoint: {path: ckpt/cp.ckpt, every: '8 steps'}\nsave: {path: final.h5}\n");
    fs::create_directories(s.dir / "whole");
    const std::string whole = write_experiment(s, "whole.yaml", 40,
                                               "checkpoint: {path: whole/cp.ckpt, every: '8 steps'}\nsave: {path: whole.h5}\n");
    require_ok(s, run_ranks(s, 2, {whole}, "whole.log"), "whole.log");

    std::vector<std::string> words = mpirun_words(2);
    words.push_back(mlrun_binary());
    words.push_back(config);
    const child job = start_job(s, words);
    const pid_t victim = hold_rank_one_after_a_checkpoint(s, job);
    BOOST_TEST_REQUIRE(::kill(victim, SIGTERM) == 0);  // pending until the rank goes on
    BOOST_TEST_REQUIRE(::kill(victim, SIGCONT) == 0);
    const int code = wait_at_most(job, std::chrono::seconds(30));
    const std::string log = log_text(s);
    BOOST_TEST_REQUIRE(!fs::exists(s.path("final.h5")), "the run finished before the signal; " << log);
    BOOST_TEST(code == 143, "exit code " << code << ":\n" << log);
    std::smatch at;
    BOOST_TEST_REQUIRE(std::regex_search(log, at, std::regex("stopping on a signal at step ([0-9]+), saving model to ckpt/cp.ckpt")),
                       log);
    BOOST_TEST(contains(log, "Stopped by signal 15"), log);
    // Saved at the signal's step, by both ranks.
    const checkpoint saved = load(s.path("ckpt/cp.ckpt"));
    BOOST_TEST(contains(saved.metadata.at(checkpoint_keys::training_state), "\nstep: " + at[1].str() + "\n"),
               saved.metadata.at(checkpoint_keys::training_state));
    BOOST_TEST(fs::exists(s.path("ckpt/cp.ckpt.data-00001-of-00002")));

    require_ok(s, run_ranks(s, 2, {config, "--resume"}));
    BOOST_TEST(contains(log_text(s), "Epoch 40/40"), log_text(s));
    require_same_bytes(load(s.path("whole.h5")), load(s.path("final.h5")));
}

// SIGTERM to mpirun, which passes it on to every rank: each sees it at its
// own step, yet they save together at one step. mpirun itself, signalled,
// exits with 1 (Open MPI 4.1) once the ranks have.
BOOST_AUTO_TEST_CASE(sigterm_to_mpirun_saves_every_rank_at_one_step_and_resumes)
{
    scratch s;
    const std::string config = write_experiment(s, "exp.yaml", 400,
                                                "checkpoint: {path: ckpt/cp.ckpt, every: '8 steps'}\nsave: {path: final.h5}\n");
    // Each rank writes its own log: a signalled mpirun may stop relaying
    // the ranks' output before their last lines (seen once in 13 runs).
    std::vector<std::string> words = mpirun_words(2);
    words.insert(words.end(), {"/bin/sh", "-c", "exec \"$0\" \"$1\" > rank-$OMPI_COMM_WORLD_RANK.log 2>&1",
                               mlrun_binary(), config});
    const child job = start_job(s, words);
    // mpirun passes the signal on from its event loop, in its own time: the
    // run is long enough (seconds) that the signal lands mid-training.
    wait_for_file(s, "ckpt/checkpoint");
    BOOST_TEST_REQUIRE(::kill(job.pid, SIGTERM) == 0);
    const int code = wait_at_most(job, std::chrono::seconds(30));
    const std::string log = file_text(s.path("rank-0.log")) + log_text(s);
    BOOST_TEST_REQUIRE(!fs::exists(s.path("final.h5")), "the run finished before the signal; " << log);
    BOOST_TEST(code != 0, log);
    std::smatch at;
    BOOST_TEST_REQUIRE(std::regex_search(log, at, std::regex("stopping on a signal at step ([0-9]+), saving model to ckpt/cp.ckpt")),
                       log);
    const checkpoint saved = load(s.path("ckpt/cp.ckpt"));
    BOOST_TEST(contains(saved.metadata.at(checkpoint_keys::training_state), "\nstep: " + at[1].str() + "\n"),
               saved.metadata.at(checkpoint_keys::training_state));
    require_ok(s, run_ranks(s, 2, {config, "--resume"}));
    BOOST_TEST(contains(log_text(s), "Epoch 400/400"), log_text(s));
}

// checkpoint.every as a time: rank 0's clock decides and the decision
// rides in the step's sums, so the ranks save together (a rank left out
// would hang the others or leave a shard missing). Rank 1 is held up for
// 1.5 s mid-run, so more than the second has passed on rank 0's clock
// when its next step's sums come, whatever the machine's speed. Every
// checkpoint is whole, and the saves change nothing in training.
BOOST_AUTO_TEST_CASE(timed_checkpoints_are_saved_by_all_ranks_at_rank_zeros_step)
{
    scratch s;
    const std::string config = write_experiment(
        s, "exp.yaml", 500, "checkpoint: {path: 'tm/cp-{step}.ckpt', every: 1 s, keep_last: 0, verbose: 1}\nsave: {path: final.h5}\n");
    const std::string plain = write_experiment(s, "plain.yaml", 500, "save: {path: plain.h5}\n");
    require_ok(s, run_ranks(s, 2, {plain}, "plain.log"), "plain.log");

    std::vector<std::string> words = mpirun_words(2);
    words.push_back(mlrun_binary());
    words.push_back(config);
    const auto started = std::chrono::steady_clock::now();
    const child job = start_job(s, words);
    const auto give_up = started + std::chrono::seconds(60);
    const auto logged = [&](const std::string& text) { return fs::exists(s.path("run.log")) && contains(log_text(s), text); };
    while (!logged("Epoch 2/") && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const std::optional<pid_t> slow = rank_process(job.pid, 1);
    BOOST_TEST_REQUIRE(slow.has_value(), "rank 1's process not found; " << log_text(s));
    BOOST_TEST_REQUIRE(::kill(*slow, SIGSTOP) == 0);
    const bool still_training = !logged("Epoch 500/500");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    BOOST_TEST_REQUIRE(::kill(*slow, SIGCONT) == 0);
    require_ok(s, wait_at_most(job, std::chrono::seconds(120)));
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    BOOST_TEST_REQUIRE(still_training, "the run ended before rank 1 was held up; " << log_text(s));
    const std::optional<checkpoint_state> state = read_checkpoint_state(s.path("tm"));
    BOOST_TEST_REQUIRE(state.has_value(), log_text(s));
    // At least the save after the pause; never more than one a second.
    BOOST_TEST(!state->all_model_checkpoint_paths.empty(), log_text(s));
    BOOST_TEST(state->all_model_checkpoint_paths.size() <= static_cast<std::size_t>(took) + 1, log_text(s));
    for (const std::string& name : state->all_model_checkpoint_paths) {
        BOOST_TEST(fs::exists(s.path("tm/" + name + ".data-00001-of-00002")), name);
    }
    check_ok(s, run_to_end(s, {"verify", "tm"}));
    require_same_bytes(load(s.path("plain.h5")), load(s.path("final.h5")));
}

// Validation shared out: each rank evaluates its half of the 32 test
// samples. Rank 0 runs where the test labels of the second half are
// wrong, rank 1 where they are right, so rank 0 validating the whole set
// would show it; the two halves' sums must give what one process finds
// on the right labels with the same weights.
BOOST_AUTO_TEST_CASE(validation_is_shared_across_ranks_and_sums_to_the_one_process_result)
{
    scratch s;
    // data.path relative: each rank reads the data of its working directory.
    const std::string config = s.path("exp.yaml");
    {
        std::ofstream out(config);
        out << "mlrun: 1\nseed: 5\nbackend: {name: reference, threads: 1}\n"
            << "data: {dataset: idx, path: data, scale: 1}\n"
            << "model:\n  - Dense: {units: 16, activation: relu, input_shape: [8]}\n"
            << "  - Dense: {units: 3, activation: softmax}\n"
            << "compile: {optimizer: {sgd: {learning_rate: 0.1}}, loss: sparse_categorical_crossentropy, "
               "metrics: [accuracy]}\n"
            << "fit: {epochs: 2, batch_size: 16, validation: test, verbose: 2}\n"
            << "callbacks: {csv_logger: {path: log.csv}}\nsave: {path: final.h5}\n";
    }
    for (const char* rank : {"r0", "r1"}) fs::create_directories(s.dir / rank / "data");
    for (const auto& entry : fs::directory_iterator(s.dir / "data")) {
        for (const char* rank : {"r0", "r1"}) fs::copy_file(entry.path(), s.dir / rank / "data" / entry.path().filename());
    }
    const std::string labels = "r0/data/t10k-labels-idx1-ubyte.gz";
    idx_array y = read_idx(s.path(labels));
    BOOST_TEST_REQUIRE(y.dims == std::vector<std::size_t>{32});
    for (std::size_t i = 16; i < 32; ++i) y.data[i] = static_cast<std::byte>((static_cast<int>(y.data[i]) + 1) % 3);
    write_idx(s.path(labels), y);

    std::vector<std::string> words = mpirun_words(1);
    words.insert(words.end(), {"-wdir", s.path("r0"), mlrun_binary(), config, ":", "-np", "1", "-wdir", s.path("r1"),
                               mlrun_binary(), config});
    const int code = wait_at_most(start_job(s, words), std::chrono::seconds(120));
    require_ok(s, code);
    const std::string csv = file_text(s.path("r0/log.csv"));
    const double val_loss = csv_value(csv, "val_loss");
    const double val_accuracy = csv_value(csv, "val_accuracy");

    // One process on the right labels (those in the scratch directory).
    check_ok(s, run_to_end(s, {"evaluate", config, "--weights", "r0/final.h5"}));
    std::smatch m;
    const std::string log = log_text(s);
    BOOST_TEST_REQUIRE(std::regex_search(log, m, std::regex("Test \\(32 samples\\): loss: ([0-9.]+) - accuracy: ([0-9.]+)")),
                       log);
    // Printed to 4 decimals: at most 5e-5 from the value; the sums of two
    // halves differ from one pass by float rounding (~1e-7), far below.
    BOOST_TEST(std::fabs(val_loss - std::stod(m[1].str())) <= 5.1e-5, val_loss << " vs " << m[1].str() << "\n" << csv);
    BOOST_TEST(std::fabs(val_accuracy - std::stod(m[2].str())) <= 5.1e-5, val_accuracy << " vs " << m[2].str());
}

BOOST_AUTO_TEST_SUITE_END()
