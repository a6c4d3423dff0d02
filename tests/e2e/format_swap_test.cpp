// Swapping formats: the same experiment checkpointed as a TensorFlow
// checkpoint, HDF5 and YAML restores to identical evaluations; convert
// moves checkpoints between formats without changing a byte of any
// tensor; an architecture file plus weights of any format is a whole
// model; every checkpoint says how it was made.
#define BOOST_TEST_MODULE format_swap
#include <boost/test/unit_test.hpp>

#include "checkpoint_e2e_support.hpp"

#include "mlrun/checkpoint/checkpoint_locator.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <regex>

using namespace mlrun::e2e;

namespace {

struct result {
    int code;
    std::string out;
    std::string err;
};

result run_mlrun(const scratch& s, const std::string& args)
{
    const std::string binary = env_or_fail("MLRUN_BINARY_DIR") + "/bin/mlrun";
    const std::string command = "cd '" + s.dir.string() + "' && '" + binary + "' " + args + " > cli.out 2> cli.err";
    const int status = std::system(command.c_str());
    BOOST_REQUIRE(WIFEXITED(status));
    return {WEXITSTATUS(status), file_text(s.path("cli.out")), file_text(s.path("cli.err"))};
}

// "Test (32 samples): loss: 0.61 - accuracy: 0.84" of an evaluation.
std::string test_line(const std::string& out)
{
    std::smatch m;
    BOOST_REQUIRE(std::regex_search(out, m, std::regex(R"(Test \(32 samples\): loss: [0-9.]+ - accuracy: [0-9.]+)")));
    return m[0];
}

mlrun::checkpoint load(const scratch& s, const std::string& name)
{
    const mlrun::plugin_registry plugins({plugin_dir()});
    const std::string path = s.path(name);
    return mlrun::format(mlrun::format_for_reading(plugins, path)).load(path);
}

// Every tensor of `a` is in `b` with the same dtype, shape and bytes.
void same_tensors(const mlrun::checkpoint& a, const mlrun::checkpoint& b, const std::string& what)
{
    BOOST_TEST_CONTEXT(what)
    {
        BOOST_TEST(a.tensors.size() == b.tensors.size());
        for (const auto& [name, t] : a.tensors) {
            const mlrun::tensor* other = b.find(name);
            BOOST_TEST_REQUIRE(other != nullptr, name << " is missing");
            BOOST_TEST((other->type() == t.type()));
            BOOST_TEST((other->dims() == t.dims()));
            BOOST_TEST(other->byte_size() == t.byte_size());
            BOOST_TEST(std::memcmp(other->bytes(), t.bytes(), t.byte_size()) == 0, name << ": bytes differ");
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_weights_format_restores_the_same_evaluation)
{
    scratch s;
    // The path's suffix picks the format, or checkpoint.format names it.
    const std::vector<std::pair<std::string, std::string>> runs = {
        {"tf", "checkpoint: {path: tf/cp.ckpt}\n"},
        {"h5", "checkpoint: {path: h5/cp.h5}\n"},
        {"yaml", "checkpoint: {path: yaml/cp.yaml}\n"},
        {"named", "checkpoint: {path: named/cp.yml, format: yaml}\n"},
    };
    std::string trained;
    for (const auto& [name, section] : runs) {
        s.experiment(name + ".yaml", 3, section);
        const result train = run_mlrun(s, name + ".yaml");
        BOOST_TEST_MESSAGE(train.out << train.err);
        BOOST_REQUIRE(train.code == 0);
        // Same seed, same data: every run trains the same model.
        if (trained.empty()) trained = test_line(train.out);
        BOOST_TEST(test_line(train.out) == trained);
        const std::string file = name == "tf" ? "tf/cp.ckpt" : name == "h5" ? "h5/cp.h5" : name == "yaml" ? "yaml/cp.yaml" : "named/cp.yml";
        const result restored = run_mlrun(s, "evaluate " + name + ".yaml --weights " + file);
        BOOST_TEST_MESSAGE(restored.out << restored.err);
        BOOST_REQUIRE(restored.code == 0);
        BOOST_TEST(test_line(restored.out) == trained, name);
        // Provenance: the resolved experiment beside the checkpoints.
        BOOST_TEST(contains(file_text(s.path(name + "/experiment.yaml")), "checkpoint:"), name);
    }
    same_tensors(load(s, "tf/cp.ckpt"), load(s, "yaml/cp.yaml"), "tf and yaml runs");
    same_tensors(load(s, "h5/cp.h5"), load(s, "named/cp.yml"), "h5 and named yaml runs");
    // The checkpoint itself says how it was made.
    const result inspect = run_mlrun(s, "inspect yaml/cp.yaml");
    BOOST_TEST(contains(inspect.out, "metadata experiment:\n"));
    BOOST_TEST(contains(inspect.out, "    path: yaml/cp.yaml\n"));
    BOOST_TEST(contains(load(s, "tf/cp.ckpt").metadata.at("experiment"), "path: tf/cp.ckpt"));
}

BOOST_AUTO_TEST_CASE(unknown_or_contradicting_formats_are_errors_listing_the_known_ones)
{
    scratch s;
    s.experiment("unknown.yaml", 1, "checkpoint: {path: c/cp.ckpt, format: protobuf}\n");
    const result unknown = run_mlrun(s, "unknown.yaml");
    BOOST_TEST(unknown.code == 3);  // config
    BOOST_TEST(contains(unknown.err, "unknown.yaml:11:39: checkpoint.format: unknown format 'protobuf'; known formats:"));
    BOOST_TEST(contains(unknown.err, "  hdf5: .h5 .hdf5 .keras\n"));
    BOOST_TEST(contains(unknown.err, "  yaml: .yaml .yml\n"));
    BOOST_TEST(contains(unknown.err, "  tf_checkpoint: (a path prefix"));
    s.experiment("clash.yaml", 1, "checkpoint: {path: c/cp.yaml, format: hdf5}\n");
    const result clash = run_mlrun(s, "clash.yaml");
    BOOST_TEST_MESSAGE(clash.err);
    BOOST_TEST(clash.code == 3);
    BOOST_TEST(contains(clash.err, "format 'hdf5' does not match 'c/cp.yaml', whose suffix the yaml format claims"));
    BOOST_TEST(!fs::exists(s.path("c")));  // refused before training
    s.experiment("bin.yaml", 1, "checkpoint: {path: 'c/cp-{epoch}.bin'}\n");
    const result bin = run_mlrun(s, "bin.yaml");
    BOOST_TEST(bin.code == 3);
    BOOST_TEST(contains(bin.err, "'c/cp-{epoch}.bin': no format claims the suffix '.bin'"), bin.err);
    BOOST_TEST(contains(bin.err, "  yaml: .yaml .yml\n"));
    // A name without a suffix, or ending in .ckpt, is a TensorFlow prefix; converting to one works too.
    s.experiment("prefix.yaml", 1, "checkpoint: {path: 'p/ckpt-{epoch}'}\n");
    BOOST_TEST(run_mlrun(s, "prefix.yaml").code == 0);
    BOOST_TEST(fs::exists(s.path("p/ckpt-1.index")));
}

BOOST_AUTO_TEST_CASE(convert_round_trips_are_lossless_with_optimizer_state)
{
    scratch s;
    s.experiment("exp.yaml", 2, "checkpoint: {path: run/cp.ckpt, save_weights_only: false}\n");
    BOOST_REQUIRE(run_mlrun(s, "exp.yaml").code == 0);
    const mlrun::checkpoint original = load(s, "run/cp.ckpt");
    BOOST_REQUIRE(original.find("optimizer/iterations") != nullptr);
    BOOST_REQUIRE(original.find("optimizer/dense/kernel/m") != nullptr);
    // TF -> H5 -> TF -> YAML -> H5 -> YAML -> TF
    const std::vector<std::string> chain = {"run/cp.ckpt", "a.h5", "b/cp", "c.yaml", "d.h5", "e.yml", "f/cp"};
    for (std::size_t i = 1; i < chain.size(); ++i) {
        const result converted = run_mlrun(s, "convert " + chain[i - 1] + " " + chain[i]);
        BOOST_TEST_MESSAGE(converted.out << converted.err);
        BOOST_REQUIRE(converted.code == 0);
        same_tensors(original, load(s, chain[i]), chain[i - 1] + " -> " + chain[i]);
    }
    // Compile settings and where training stopped travel too.
    const mlrun::checkpoint last = load(s, "f/cp");
    for (const char* key : {"loss", "optimizer_config", "training_state", "experiment"}) {
        BOOST_TEST(last.metadata.count(key) == 1, key);
    }
    // A converted checkpoint evaluates as the original.
    const std::string before = test_line(run_mlrun(s, "evaluate exp.yaml --weights run/cp.ckpt").out);
    BOOST_TEST(test_line(run_mlrun(s, "evaluate exp.yaml --weights e.yml").out) == before);
    const result to_directory = run_mlrun(s, "convert e.yml run/");
    BOOST_TEST(to_directory.code == 2);  // usage
    BOOST_TEST(contains(to_directory.err, "DST 'run/' is a directory"));
    const result missing = run_mlrun(s, "convert nothing/here x.h5");
    BOOST_TEST(missing.code != 0);
    BOOST_TEST(contains(missing.err, "nothing/here"));
}

BOOST_AUTO_TEST_CASE(architecture_file_plus_weights_of_any_format_is_the_whole_model)
{
    scratch s;
    s.experiment("exp.yaml", 2, "checkpoint: {path: run/cp.ckpt}\n");
    const result train = run_mlrun(s, "exp.yaml");
    BOOST_REQUIRE(train.code == 0);
    const result exported = run_mlrun(s, "export-architecture exp.yaml arch.yaml");
    BOOST_TEST_MESSAGE(exported.out << exported.err);
    BOOST_REQUIRE(exported.code == 0);
    const std::string arch = file_text(s.path("arch.yaml"));
    // A Sequential model is written as one: a plain list, input_shape on its first layer.
    BOOST_TEST(contains(arch, "model:\n- Dense:\n"));
    BOOST_TEST(contains(arch, "input_shape:"));
    BOOST_TEST(contains(arch, "compile:\n  loss: sparse_categorical_crossentropy\n"));
    BOOST_TEST(contains(arch, "tensors: []\n"));
    BOOST_REQUIRE(run_mlrun(s, "convert run/cp.ckpt w.h5").code == 0);
    BOOST_REQUIRE(run_mlrun(s, "convert run/cp.ckpt w.yaml").code == 0);
    const std::string expected = test_line(run_mlrun(s, "evaluate exp.yaml --weights run").out);
    for (const std::string weights : {"run", "run/cp.ckpt", "w.h5", "w.yaml"}) {
        const result r = run_mlrun(s, "evaluate --architecture arch.yaml --weights " + weights);
        BOOST_TEST_MESSAGE(r.out << r.err);
        BOOST_REQUIRE(r.code == 0);
        BOOST_TEST(test_line(r.out) == expected, weights);
    }
    // An architecture naming a class mlrun does not know: refused at its line.
    std::string bad = arch;
    bad.replace(bad.find("- Dropout:"), 10, "- Dropsy: ");
    std::ofstream(s.path("bad_arch.yaml")) << bad;
    const result refused = run_mlrun(s, "evaluate --architecture bad_arch.yaml --weights run");
    BOOST_TEST(refused.code != 0);
    BOOST_TEST_MESSAGE(refused.err);
    const std::size_t line = static_cast<std::size_t>(std::count(bad.begin(), bad.begin() + static_cast<long>(bad.find("- Dropsy")), '\n')) + 1;
    BOOST_TEST(contains(refused.err, ":" + std::to_string(line) + ":3"), refused.err);
    BOOST_TEST(contains(refused.err, "Dropsy"));
}
