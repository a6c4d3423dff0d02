// The mlrun command on good and bad input: every failure is one clear
// message naming the file and the key or position, with the documented
// exit code, never a crash.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include "support/run_command.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <sstream>


using namespace mlrun;

namespace {

struct result {
    int exit_code;
    std::string output;  // stdout and stderr together
};

result run_mlrun(const std::string& arguments)
{
    const testing::command_result r = testing::run_command("cd '" + testing::source_dir() + "' && '" +
                                                           testing::binary_dir() + "/bin/mlrun' " + arguments);
    // A crash shows as death by a signal (-1) or as 128+N from the shell.
    BOOST_TEST_REQUIRE(r.exit_code >= 0, "mlrun " << arguments << " died: " << r.output);
    BOOST_TEST(r.exit_code < 128, "mlrun " << arguments << " crashed: " << r.output);
    return {r.exit_code, r.output};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string good_model =
    "model:\n"
    "  - Dense: {units: 16, activation: relu, input_shape: [784]}\n"
    "  - Dense: {units: 10, activation: softmax}\n"
    "compile: {loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n";

std::string mnist_data(const std::string& path = "data/mnist")
{
    return "data: {path: " + path + ", train: {take: 100}, test: {take: 100}, flatten: true}\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(help_version_and_usage)
{
    BOOST_TEST(run_mlrun("--version").exit_code == 0);
    const result help = run_mlrun("--help");
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(contains(help.output, "usage: mlrun"));
    const result none = run_mlrun("");
    BOOST_TEST(none.exit_code == 2);
    BOOST_TEST(contains(none.output, "no experiment given"), none.output);
    BOOST_TEST(run_mlrun("--no-such-option").exit_code == 2);
}

BOOST_AUTO_TEST_CASE(plugins_lists_the_reference_backend)
{
    const result r = run_mlrun("plugins -v");
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "libmlrun_backend_reference.so"), r.output);
    BOOST_TEST(contains(r.output, "kernels: fill axpby gemm"), r.output);
    // mixed_bfloat16's products: the reference emulates them (it defines them), and so, on a CPU
    // without bf16 or a backend without bf16 kernels, is every other.
    BOOST_TEST(contains(r.output, "bf16 (mixed_bfloat16): gemm_bf16 emulated, conv2d_forward_bf16 emulated"),
               r.output);
}

BOOST_AUTO_TEST_CASE(a_small_experiment_trains_and_reports)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data() + good_model + "fit: {epochs: 2, verbose: 2}\n");
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "Total params: 12,730"), r.output);
    BOOST_TEST(contains(r.output, "Epoch 2/2 - 4/4 - "), r.output);
    BOOST_TEST(contains(r.output, "Test (100 samples): loss: "), r.output);
}

// model.dtype_policy from the command line: the run says once that bf16 is
// emulated here, and refuses before training when native bf16 is required.
BOOST_AUTO_TEST_CASE(mixed_bfloat16_from_the_command_line_is_emulated_or_refused)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data() + good_model + "fit: {epochs: 2, verbose: 2}\n");
    const result r = run_mlrun(config + " model.dtype_policy=mixed_bfloat16");
    BOOST_TEST(r.exit_code == 0, r.output);
    const std::string notice = "mixed_bfloat16: backend 'reference' has no native bf16 on this machine";
    BOOST_TEST(contains(r.output, notice), r.output);
    BOOST_TEST(r.output.find(notice) == r.output.rfind(notice), r.output);  // once, not per epoch
    BOOST_TEST(contains(r.output, "Epoch 2/2 - 4/4 - "), r.output);
    const result strict = run_mlrun(config + " model.dtype_policy=mixed_bfloat16 backend.bf16=native_only");
    BOOST_TEST(strict.exit_code == 3, strict.output);
    BOOST_TEST(contains(strict.output, "backend.bf16: native_only, but backend 'reference' has no native bf16"),
               strict.output);
    BOOST_TEST(!contains(strict.output, "Epoch 1/2"), strict.output);
}

BOOST_AUTO_TEST_CASE(evaluate_scores_the_untrained_model)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data() + good_model);
    const result r = run_mlrun("evaluate " + config);
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "Untrained model"), r.output);
    BOOST_TEST(contains(r.output, "accuracy: 0."), r.output);
}

BOOST_AUTO_TEST_CASE(missing_data_files_name_the_file)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data("/nonexistent/mnist") + good_model);
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 4, r.output);
    BOOST_TEST(contains(r.output, "/nonexistent/mnist/train-images-idx3-ubyte.gz: no such file"), r.output);
}

BOOST_AUTO_TEST_CASE(a_malformed_idx_file_is_named)
{
    testing::temp_directory dir;
    dir.write("train-images-idx3-ubyte", "this is not an IDX file");
    dir.write("train-labels-idx1-ubyte", "nor this");
    const std::string config = dir.write("exp.yaml", mnist_data(dir.path.string()) + good_model);
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 4, r.output);
    BOOST_TEST(contains(r.output, "train-images-idx3-ubyte: not an IDX file"), r.output);
}

BOOST_AUTO_TEST_CASE(unknown_layer_names_the_position)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data() +
                                                         "model:\n  - Dense: {units: 10, input_shape: [784]}\n"
                                                         "  - Conv9D: {filters: 3}\n"
                                                         "compile: {loss: mse}\n");
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, config + ":4:5: unknown layer class 'Conv9D'"), r.output);
}

BOOST_AUTO_TEST_CASE(unknown_key_and_bad_override)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data() + good_model + "fit: {epochs: 1, bacth_size: 8}\n");
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, config + ":6:18: unknown key 'fit.bacth_size' (did you mean 'fit.batch_size'?)"),
               r.output);
    const std::string good = dir.write("good.yaml", mnist_data() + good_model);
    const result o = run_mlrun(good + " fit.epochs=many");
    BOOST_TEST(o.exit_code == 3, o.output);
    BOOST_TEST(contains(o.output, "fit.epochs: expected an integer, found 'many'"), o.output);
}

BOOST_AUTO_TEST_CASE(wrong_input_shape_is_explained)
{
    testing::temp_directory dir;
    const std::string config =
        dir.write("exp.yaml", mnist_data() + "model:\n  - Dense: {units: 10, activation: softmax, input_shape: [100]}\n"
                                             "compile: {loss: sparse_categorical_crossentropy}\n");
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 6, r.output);
    BOOST_TEST(contains(r.output, "the model takes inputs of shape (100,) but data/mnist holds samples of shape (784,)"),
               r.output);
}

// Sizes are held to docs/experiments.md's limits before anything is
// allocated: not "out of memory" naming neither file nor layer.
BOOST_AUTO_TEST_CASE(an_absurd_layer_size_names_the_file_the_layer_and_the_limit)
{
    testing::temp_directory dir;
    const std::string config =
        dir.write("exp.yaml", mnist_data() + "model:\n  - Dense: {units: 2000000000, input_shape: [784]}\n"
                                             "  - Dense: {units: 10, activation: softmax}\n"
                                             "compile: {loss: sparse_categorical_crossentropy}\n");
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 6, r.output);
    BOOST_TEST(contains(r.output, config + ":3:5: model[0]: layer 'dense' (Dense), units: 2000000000: kernel of shape "
                                           "(784, 2000000000) would hold 1568000000000 parameters; a model may hold "
                                           "at most 2147483648 (2^31)"),
               r.output);
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_has_a_position)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", "fit: {epochs: 1\nmodel: [\n");
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 3, r.output);
    BOOST_TEST(contains(r.output, config + ":"), r.output);
    BOOST_TEST(contains(r.output, "YAML syntax error"), r.output);
}

BOOST_AUTO_TEST_CASE(unknown_backend_lists_the_available_ones)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data() + good_model + "backend: cuda9\n");
    const result r = run_mlrun(config);
    BOOST_TEST(r.exit_code == 5, r.output);
    BOOST_TEST(contains(r.output, "unknown backend 'cuda9'; available: reference"), r.output);
}

// --profile counts every kernel call: 100 samples in batches of 32 are
// steps of 32, 32, 32 and 4, twice, then the same four batches evaluated.
BOOST_AUTO_TEST_CASE(profile_counts_every_kernel_call_and_names_who_ran_it)
{
    testing::temp_directory dir;
    const std::string config = dir.write("exp.yaml", mnist_data() + good_model + "fit: {epochs: 2, verbose: 2}\n");
    const result r = run_mlrun(config + " backend=openblas --profile");
    BOOST_TEST(r.exit_code == 0, r.output);
    BOOST_TEST(contains(r.output, "Kernel profile (backend openblas):"), r.output);
    auto calls = [&](const std::string& kernel, const std::string& ran_on) {
        const std::size_t at = r.output.find("\n" + kernel + " ");
        if (at == std::string::npos) return -1L;
        std::istringstream row(r.output.substr(at + 1 + kernel.size()));
        std::string who;
        long count = -1;
        row >> who >> count;
        return who == ran_on ? count : -2L;
    };
    BOOST_TEST(calls("gemm NN 32x16x784", "openblas") == 9);  // 6 training steps, 3 evaluated batches
    BOOST_TEST(calls("gemm NN 4x16x784", "openblas") == 3);
    BOOST_TEST(calls("gemm TN 784x16x32", "openblas") == 6);  // the first layer's weight gradient
    BOOST_TEST(calls("softmax_forward", "reference") == 12);  // a kernel openblas leaves to the reference
    BOOST_TEST(contains(r.output, "outside kernels"), r.output);
    BOOST_TEST(run_mlrun("verify " + config + " --profile").exit_code == 2);
}
