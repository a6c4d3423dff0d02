// The mlrun command line around checkpoints: train with a checkpoint
// section, latest, inspect, evaluate --weights (strict and partial), and
// the exit codes and messages for damaged files.
#include <boost/test/unit_test.hpp>

#include "checkpoint_e2e_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

using namespace mlrun::e2e;

namespace {

struct result {
    int code;
    std::string out;
    std::string err;
};

// Runs `mlrun ARGS` in `dir`, capturing its output.
result run_mlrun(const scratch& s, const std::string& args)
{
    const std::string binary = env_or_fail("MLRUN_BINARY_DIR") + "/bin/mlrun";
    const std::string command = "cd '" + s.dir.string() + "' && '" + binary + "' " + args + " > cli.out 2> cli.err";
    const int status = std::system(command.c_str());
    BOOST_REQUIRE(WIFEXITED(status));
    return {WEXITSTATUS(status), file_text(s.path("cli.out")), file_text(s.path("cli.err"))};
}

std::string accuracy_in(const std::string& text, const std::string& pattern)
{
    std::smatch m;
    BOOST_REQUIRE(std::regex_search(text, m, std::regex(pattern)));
    return m[1];
}

void flip_byte(const std::string& path, std::size_t offset)
{
    std::string bytes = file_text(path);
    BOOST_REQUIRE(offset < bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x20);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint_command_line)

BOOST_AUTO_TEST_CASE(train_then_restore_into_a_fresh_model)
{
    scratch s;
    s.experiment("exp.yaml", 3, "checkpoint: {path: training_1/cp.ckpt, verbose: 1}\n");
    const result train = run_mlrun(s, "exp.yaml");
    BOOST_TEST_MESSAGE(train.out << train.err);
    BOOST_REQUIRE(train.code == 0);
    BOOST_TEST(contains(train.out, "Epoch 3: saving model to training_1/cp.ckpt\n"));
    const std::string trained = accuracy_in(train.out, R"(Test \(32 samples\): .*\(([0-9.]+)%\))");

    const result latest = run_mlrun(s, "latest training_1");
    BOOST_TEST(latest.code == 0);
    BOOST_TEST(latest.out == "training_1/cp.ckpt\n");

    const result untrained = run_mlrun(s, "evaluate exp.yaml");
    BOOST_TEST(untrained.code == 0);
    BOOST_TEST(contains(untrained.out, "Untrained model"));

    for (const char* weights : {"training_1", "training_1/cp.ckpt", "training_1/cp.ckpt.index"}) {
        const result restored = run_mlrun(s, std::string("evaluate exp.yaml --weights ") + weights);
        BOOST_TEST_CONTEXT(weights)
        {
            BOOST_TEST(restored.code == 0);
            BOOST_TEST(contains(restored.out, "Loaded weights from training_1/cp.ckpt (tf_checkpoint)"));
            // The same weights evaluate to the same accuracy, to the digit.
            BOOST_TEST(accuracy_in(restored.out, R"(Restored model, accuracy: ([0-9.]+)%)") == trained);
        }
    }
}

BOOST_AUTO_TEST_CASE(inspect_lists_tensors_like_tensorflows_inspect_checkpoint)
{
    scratch s;
    s.experiment("exp.yaml", 1, "checkpoint: training_1/cp.ckpt\n");
    BOOST_REQUIRE(run_mlrun(s, "exp.yaml").code == 0);
    const result names = run_mlrun(s, "inspect training_1");
    BOOST_TEST(names.code == 0);
    BOOST_TEST(contains(names.out, "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE (float32) [8,16]\n"));
    BOOST_TEST(contains(names.out, "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE (int64) []\n"));
    const result values = run_mlrun(s, "inspect training_1/cp.ckpt --values");
    BOOST_TEST(values.code == 0);
    BOOST_TEST(contains(values.out, "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE (int64) []\n  [4]\n"));
    BOOST_TEST(contains(values.out, "optimizer/beta_1/.ATTRIBUTES/VARIABLE_VALUE (float32) []\n  [0.899999976]\n"));
    BOOST_TEST(contains(values.out, "(128 values; min "));
}

BOOST_AUTO_TEST_CASE(strict_loading_reports_every_mismatch_and_partial_loading_lists_them)
{
    scratch s;
    s.experiment("small.yaml", 1, "checkpoint: training_1/cp.ckpt\n", 16);
    s.experiment("wide.yaml", 1, "", 24);
    BOOST_REQUIRE(run_mlrun(s, "small.yaml").code == 0);
    const result strict = run_mlrun(s, "evaluate wide.yaml --weights training_1");
    BOOST_TEST(strict.code == 6);
    BOOST_TEST(contains(strict.err, "training_1/cp.ckpt: the checkpoint does not match the model (3 problem(s)):"));
    BOOST_TEST(contains(strict.err, "dense/kernel: model expects float32 (8, 24), file has float32 (8, 16)"));
    BOOST_TEST(contains(strict.err, "dense_1/kernel: model expects float32 (24, 3), file has float32 (16, 3)"));
    BOOST_TEST(contains(strict.err, "nothing was loaded"));
    const result partial = run_mlrun(s, "evaluate wide.yaml --weights training_1 --allow-partial");
    BOOST_TEST(partial.code == 0);
    BOOST_TEST(contains(partial.out, "Skipped 3 mismatch(es) (--allow-partial):"));
    BOOST_TEST(contains(partial.out, "dense/bias: model expects float32 (24,), file has float32 (16,)"));
}

BOOST_AUTO_TEST_CASE(damaged_checkpoints_fail_with_clear_messages_and_exit_codes)
{
    scratch s;
    s.experiment("exp.yaml", 1, "checkpoint: training_1/cp.ckpt\n");
    BOOST_REQUIRE(run_mlrun(s, "exp.yaml").code == 0);
    const std::string data = s.path("training_1/cp.ckpt.data-00000-of-00001");
    const std::string index = s.path("training_1/cp.ckpt.index");
    const std::string good_data = file_text(data);
    const std::string good_index = file_text(index);

    flip_byte(data, 100);  // inside the first kernel
    const result flipped = run_mlrun(s, "evaluate exp.yaml --weights training_1");
    BOOST_TEST(flipped.code == 7);
    BOOST_TEST(contains(flipped.err, "cannot read tensor 'dense/kernel'"));
    BOOST_TEST(contains(flipped.err, "tensor 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE' (bytes [0, 512)): checksum mismatch"));
    std::ofstream(data, std::ios::binary | std::ios::trunc) << good_data;

    std::ofstream(index, std::ios::binary | std::ios::trunc) << good_index.substr(0, good_index.size() / 2);
    const result truncated = run_mlrun(s, "inspect training_1");
    BOOST_TEST(truncated.code == 7);
    BOOST_TEST(contains(truncated.err, "cp.ckpt.index: not a readable bundle index"));
    std::ofstream(index, std::ios::binary | std::ios::trunc) << good_index;

    fs::remove(data);
    const result missing = run_mlrun(s, "evaluate exp.yaml --weights training_1/cp.ckpt");
    BOOST_TEST(missing.code == 7);
    BOOST_TEST(contains(missing.err, "cp.ckpt.data-00000-of-00001: missing data shard 0 of 1"));

    fs::remove(index);
    const result gone = run_mlrun(s, "latest training_1");
    BOOST_TEST(gone.code == 7);
    BOOST_TEST(contains(gone.err, "training_1/checkpoint: names cp.ckpt but neither"));
}

BOOST_AUTO_TEST_CASE(usage_and_config_errors_have_their_exit_codes)
{
    scratch s;
    BOOST_TEST(run_mlrun(s, "inspect").code == 2);
    BOOST_TEST(run_mlrun(s, "latest a b").code == 2);
    BOOST_TEST(run_mlrun(s, "train x.yaml --weights y").code == 2);
    BOOST_TEST(run_mlrun(s, "evaluate x.yaml --values").code == 2);
    const result empty = run_mlrun(s, "latest .");
    BOOST_TEST(empty.code == 7);
    BOOST_TEST(contains(empty.err, "no checkpoint in this directory"));
    s.experiment("bad.yaml", 1, "checkpoint: {path: cp.ckpt, every: 5 fortnights}\n");
    const result bad = run_mlrun(s, "bad.yaml");
    BOOST_TEST(bad.code == 3);
    BOOST_TEST(contains(bad.err, "bad.yaml:11:36: checkpoint.every: '5 fortnights': unknown unit 'fortnights'"));
}

// Two runs into one checkpoint directory would overwrite each other's
// checkpoints: the second stops before training, naming the holder.
BOOST_AUTO_TEST_CASE(a_second_run_into_a_locked_directory_stops_before_training)
{
    scratch s;
    s.experiment("exp.yaml", 2, "checkpoint: {path: 'training_1/cp-{epoch}.ckpt', verbose: 1}\n");
    fs::create_directories(s.path("training_1"));
    const std::string lock_file = s.path("training_1/.mlrun.lock");
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
    const std::string pid = std::to_string(::getpid());
    BOOST_REQUIRE(::write(fd, (pid + "\n").data(), pid.size() + 1) == static_cast<ssize_t>(pid.size() + 1));
    const result second = run_mlrun(s, "exp.yaml");
    ::close(fd);
    BOOST_TEST(second.code == 7);
    BOOST_TEST(contains(second.err, "training_1: the checkpoint directory is in use by another run (PID " + pid + ", lock "),
               second.err);
    BOOST_TEST(!contains(second.out, "Epoch 1"), second.out);
    BOOST_TEST(!fs::exists(s.path("training_1/cp-1.ckpt.index")));
    BOOST_TEST(!fs::exists(s.path("training_1/experiment.yaml")));

    // The holder is gone (the kernel dropped its flock); its file blocks nothing.
    const result after = run_mlrun(s, "exp.yaml");
    BOOST_TEST(after.code == 0, after.err);
    BOOST_TEST(fs::exists(s.path("training_1/cp-2.ckpt.index")));
    BOOST_TEST(file_text(lock_file) != pid + "\n");  // the new holder's PID
}

BOOST_AUTO_TEST_SUITE_END()
