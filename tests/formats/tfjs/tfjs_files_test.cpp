// The tfjs format's files without TensorFlow.js: what an export writes
// (model.json keys, shards split at the size asked for, quantization and
// its reported error), the one path rule for directories, and damaged or
// hostile input, each a clear error naming the file and the weight.
#include "tfjs_test_support.hpp"
#include "weight_codec.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace mlrun;
using testing::run_mlrun;
namespace fs = std::filesystem;

namespace {

fs::path root(const testing::temp_directory& dir) { return dir.path.string(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

nlohmann::json read_json(const fs::path& file)
{
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

void write_json(const fs::path& file, const nlohmann::json& value) { std::ofstream(file) << value.dump(); }

// The tutorial model exported to DIR/web (its two shards: 4 MiB and the rest).
struct exported_tutorial {
    testing::temp_directory dir;
    std::string h5 = testing::train_tutorial_model(dir);
    fs::path web = root(dir) / "web";
    exported_tutorial()
    {
        const auto converted = run_mlrun("convert '" + h5 + "' '" + web.string() + "/'");
        BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tfjs_files)

BOOST_AUTO_TEST_CASE(export_writes_a_layers_model_with_shards_of_at_most_4_mib)
{
    exported_tutorial t;
    const nlohmann::json model = read_json(t.web / "model.json");
    BOOST_TEST(model["format"] == "layers-model");
    BOOST_TEST(model["modelTopology"]["class_name"] == "Sequential");
    BOOST_TEST(model["trainingConfig"]["optimizer_config"]["class_name"] == "Adam");
    const nlohmann::json& group = model["weightsManifest"][0];
    // 407,050 weights and Adam's two slots of each: 4.9 MB in float32.
    BOOST_TEST(group["paths"].size() == 2u);
    BOOST_TEST(fs::file_size(t.web / "group1-shard1of2.bin") == 4u * 1024 * 1024);
    BOOST_TEST(fs::file_size(t.web / "group1-shard1of2.bin") + fs::file_size(t.web / "group1-shard2of2.bin") ==
               (3u * 407050 + 1) * 4);
    BOOST_TEST(group["weights"][0]["name"] == "dense/kernel");
    BOOST_TEST(group["weights"][4]["name"] == "iter");
    BOOST_TEST(group["weights"][4]["group"] == "optimizer");
    BOOST_TEST(group["weights"][5]["name"] == "dense/kernel/m");

    // Read back, every tensor is the .h5's, byte for byte.
    const auto back = run_mlrun("convert '" + t.web.string() + "' '" + root(t.dir).string() + "/back.yaml'");
    BOOST_TEST_REQUIRE(back.exit_code == 0, back.output);
    const auto original = run_mlrun("convert '" + t.h5 + "' '" + root(t.dir).string() + "/original.yaml'");
    BOOST_TEST_REQUIRE(original.exit_code == 0, original.output);
    const auto a = run_mlrun("inspect --values '" + root(t.dir).string() + "/back.yaml'");
    const auto b = run_mlrun("inspect --values '" + root(t.dir).string() + "/original.yaml'");
    auto tensors = [](const std::string& listing) { return listing.substr(0, listing.find("metadata ")); };
    BOOST_TEST(tensors(a.output) == tensors(b.output));
}

BOOST_AUTO_TEST_CASE(shard_size_is_a_format_option)
{
    exported_tutorial t;
    const fs::path small = root(t.dir) / "small";
    const auto converted = run_mlrun("convert '" + t.h5 + "' '" + small.string() + "/' --format-option shard_size=1000000");
    BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
    BOOST_TEST(read_json(small / "model.json")["weightsManifest"][0]["paths"].size() == 5u);  // 4,884,604 bytes
    BOOST_TEST(fs::file_size(small / "group1-shard5of5.bin") == 884604u);
    // Exported again with the default size, the old model's five shards give way to two.
    const auto again = run_mlrun("convert '" + t.h5 + "' '" + small.string() + "/'");
    BOOST_TEST_REQUIRE(again.exit_code == 0, again.output);
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(small)) files += entry.path().extension() == ".bin";
    BOOST_TEST(files == 2u);
    const auto bad = run_mlrun("convert '" + t.h5 + "' '" + small.string() + "/' --format-option shard_size=-3");
    BOOST_TEST(bad.exit_code == 7);
    BOOST_TEST(contains(bad.output, "option shard_size: expected a number of bytes above 0"), bad.output);
}

BOOST_AUTO_TEST_CASE(quantized_weights_are_dequantized_and_inspect_reports_the_error)
{
    exported_tutorial t;
    for (const std::string kind : {"uint8", "float16"}) {
        const fs::path q = root(t.dir) / kind;
        const auto converted = run_mlrun("convert '" + t.h5 + "' '" + q.string() + "/' --format-option quantize=" + kind);
        BOOST_TEST_REQUIRE(converted.exit_code == 0, converted.output);
        const nlohmann::json kernel = read_json(q / "model.json")["weightsManifest"][0]["weights"][0];
        BOOST_TEST(kernel["quantization"]["dtype"] == kind);
        BOOST_TEST(kernel["quantization"]["original_dtype"] == "float32");
        const auto inspected = run_mlrun("inspect '" + q.string() + "'");
        BOOST_TEST_REQUIRE(inspected.exit_code == 0, inspected.output);
        BOOST_TEST(contains(inspected.output, "metadata tfjs_quantization:"), inspected.output);
        BOOST_TEST(contains(inspected.output, "dense/kernel: " + kind), inspected.output);
        // The quantized model still classifies as the original does.
        const auto evaluated = run_mlrun("evaluate --model '" + q.string() + "' --config configs/mnist.yaml data.test.take=100");
        BOOST_TEST(evaluated.exit_code == 0, evaluated.output);
    }
}

BOOST_AUTO_TEST_CASE(dequantized_values_stay_within_the_reported_bound)
{
    std::vector<float> values = {-0.31f, -0.1f, 0.0f, 0.002f, 0.25f, 0.49f};
    interop::keras::staged_tensor t;
    t.name = "dense/kernel";
    t.dims = {static_cast<std::int64_t>(values.size())};
    t.bytes.resize(values.size() * 4);
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    for (const tfjs::quantization q : {tfjs::quantization::uint8, tfjs::quantization::float16}) {
        std::vector<unsigned char> stored;
        const tfjs::manifest_weight w = tfjs::encode_weight(t, t.name, q, stored);
        BOOST_TEST(stored.size() == w.stored_bytes());
        const interop::keras::staged_tensor back = tfjs::decode_weight(w, stored.data(), t.name, "test");
        const auto* read = reinterpret_cast<const float*>(back.bytes.data());
        for (std::size_t i = 0; i < values.size(); ++i) {
            // Half a step for uint8; float16 keeps 11 significant bits.
            const double bound = q == tfjs::quantization::uint8 ? w.scale / 2 + 1e-7 : std::fabs(values[i]) * std::ldexp(1.0, -11);
            BOOST_TEST(std::fabs(read[i] - values[i]) <= bound, "value " << values[i] << " read back as " << read[i]);
        }
        BOOST_TEST(read[2] == 0.0f);  // zero stays exact (the converter's nudged range)
    }
    BOOST_TEST(tfjs::half_to_float(tfjs::float_to_half(65504.0f)) == 65504.0f);
    BOOST_TEST(std::isinf(tfjs::half_to_float(tfjs::float_to_half(1e6f))));
    BOOST_TEST(tfjs::half_to_float(tfjs::float_to_half(5.96046448e-8f)) == 5.96046448e-8f);  // the smallest subnormal
}

BOOST_AUTO_TEST_CASE(training_saves_to_a_tfjs_directory_and_checkpoints_to_model_json)
{
    testing::temp_directory dir;
    const std::string web = (root(dir) / "web_model").string() + "/";
    const std::string ckpt = (root(dir) / "ck" / "model.json").string();
    const auto trained = run_mlrun("configs/mnist.yaml fit.epochs=1 data.train.take=200 data.test.take=100 fit.verbose=0 "
                                   "save.path='" + web + "' checkpoint.path='" + ckpt + "' checkpoint.save_weights_only=false");
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    BOOST_TEST(contains(trained.output, "(tfjs format, after epoch 1)"), trained.output);
    BOOST_TEST(fs::exists(web + "model.json"));
    // A checkpoint directory means its latest checkpoint, model.json; a plain one is read as a whole.
    const auto latest = run_mlrun("inspect '" + (root(dir) / "ck").string() + "'");
    BOOST_TEST(latest.exit_code == 0, latest.output);
    BOOST_TEST(contains(latest.output, "dense/kernel (float32) [784,512]"), latest.output);
    for (const std::string& model : {ckpt, web}) {
        const auto evaluated = run_mlrun("evaluate --model '" + model + "' --config configs/mnist.yaml data.test.take=100");
        BOOST_TEST(evaluated.exit_code == 0, evaluated.output);
        BOOST_TEST(contains(evaluated.output, "1 epochs"), evaluated.output);
    }
    const auto named = run_mlrun("configs/mnist.yaml fit.epochs=1 data.train.take=100 fit.verbose=0 checkpoint.path= "
                                 "save.path='" + (root(dir) / "named").string() + "' save.format=tfjs");
    BOOST_TEST(named.exit_code == 3, named.output);
    BOOST_TEST(contains(named.output, "a TF.js model is a directory (web_model/) or its model.json"), named.output);
}

BOOST_AUTO_TEST_CASE(a_layer_tfjs_lacks_is_refused_before_training)
{
    testing::temp_directory dir;
    const std::string plugins = testing::binary_dir() + "/tests/onnx_layer_plugins";
    const std::string config = dir.write(
        "exp.yaml", "mlrun: 1\nseed: 3\ndata: {dataset: mnist, train: {take: 64}, test: {take: 32}, flatten: true}\n"
                    "model:\n  - Dense: {units: 8, input_shape: [784]}\n  - LeakyRectifier: {alpha: 0.1}\n"
                    "  - Dense: {units: 10, activation: softmax}\n"
                    "compile: {optimizer: adam, loss: sparse_categorical_crossentropy}\nfit: {epochs: 1, verbose: 0}\n");
    const auto run = run_mlrun("--plugin-dir '" + plugins + "' '" + config + "' data.path=data/mnist save.path='" +
                               (root(dir) / "web").string() + "/'");
    BOOST_TEST(run.exit_code == 3, run.output);
    BOOST_TEST(contains(run.output, "LeakyRectifier"), run.output);
    BOOST_TEST(!contains(run.output, "Epoch 1/1"), run.output);
    BOOST_TEST(!fs::exists(root(dir) / "web"));
}

BOOST_AUTO_TEST_CASE(another_programs_model_is_replaced_only_when_asked)
{
    exported_tutorial t;
    nlohmann::json model = read_json(t.web / "model.json");
    model["convertedBy"] = nullptr;
    model["generatedBy"] = "TensorFlow.js tfjs-layers v4.22.0";
    write_json(t.web / "model.json", model);
    const std::string before = read_json(t.web / "model.json").dump();
    const auto refused = run_mlrun("convert '" + t.h5 + "' '" + t.web.string() + "/'");
    BOOST_TEST(refused.exit_code == 7, refused.output);
    BOOST_TEST(contains(refused.output, "already holds a model that mlrun did not write"), refused.output);
    BOOST_TEST(read_json(t.web / "model.json").dump() == before);
    const auto replaced = run_mlrun("convert '" + t.h5 + "' '" + t.web.string() + "/' --format-option overwrite=true");
    BOOST_TEST(replaced.exit_code == 0, replaced.output);
    BOOST_TEST(contains(read_json(t.web / "model.json")["convertedBy"].get<std::string>(), "mlrun"));
}

BOOST_AUTO_TEST_CASE(a_failed_export_leaves_the_previous_model_as_it_was)
{
    exported_tutorial t;
    const std::string before = read_json(t.web / "model.json").dump();
    const auto size = fs::file_size(t.web / "group1-shard2of2.bin");
    const auto failing = run_mlrun("convert '" + t.h5 + "' '" + t.web.string() + "/' --format-option quantize=bogus");
    BOOST_TEST(failing.exit_code == 7, failing.output);
    BOOST_TEST(contains(failing.output, "option quantize: expected none, float16 or uint8, found 'bogus'"), failing.output);
    fs::create_directory(t.web / "group1-shard1of1.bin");  // the one shard of a uint8 export cannot be renamed over this
    const auto blocked = run_mlrun("convert '" + t.h5 + "' '" + t.web.string() + "/' --format-option quantize=uint8");
    BOOST_TEST(blocked.exit_code == 7, blocked.output);
    BOOST_TEST(read_json(t.web / "model.json").dump() == before);
    BOOST_TEST(fs::file_size(t.web / "group1-shard2of2.bin") == size);
    for (const auto& entry : fs::directory_iterator(t.web)) {
        BOOST_TEST(!contains(entry.path().filename().string(), ".tmp-"), "temporary left: " << entry.path());
    }
    const auto still = run_mlrun("evaluate --model '" + t.web.string() + "' --config configs/mnist.yaml data.test.take=50");
    BOOST_TEST(still.exit_code == 0, still.output);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tfjs_bad_input)

// Each damage to an exported model, and the words its error must contain.
struct damage {
    const char* what;
    std::function<void(const fs::path& web, nlohmann::json& model)> apply;
    std::vector<std::string> message;
};

BOOST_AUTO_TEST_CASE(damaged_models_are_clear_errors_naming_the_file_and_weight)
{
    exported_tutorial t;
    const std::vector<damage> cases = {
        {"missing shard", [](const fs::path& web, nlohmann::json&) { fs::remove(web / "group1-shard2of2.bin"); },
         {"group1-shard2of2.bin: cannot be read"}},
        {"short shard", [](const fs::path& web, nlohmann::json&) { fs::resize_file(web / "group1-shard2of2.bin", 1000); },
         {"(2 files, 4195304 bytes) do not hold the 4884604 bytes", "weight 'dense/kernel/v' needs bytes 3256404 to 4862036"}},
        {"shape disagrees", [](const fs::path&, nlohmann::json& m) { m["weightsManifest"][0]["weights"][1]["shape"] = {513}; },
         {"4884608 bytes its weights' shapes and dtypes need"}},
        {"unknown dtype", [](const fs::path&, nlohmann::json& m) { m["weightsManifest"][0]["weights"][1]["dtype"] = "float64"; },
         {"weight 'dense/bias': dtype 'float64' is not a TF.js dtype"}},
        {"dtype mlrun lacks", [](const fs::path&, nlohmann::json& m) { m["weightsManifest"][0]["weights"][1]["dtype"] = "bool"; },
         {"weight 'dense/bias': dtype 'bool' is one TF.js has but mlrun's weights do not"}},
        {"shard outside", [](const fs::path&, nlohmann::json& m) { m["weightsManifest"][0]["paths"][0] = "../../etc/passwd"; },
         {"shard path '../../etc/passwd' is not a file name beside model.json"}},
        {"negative size", [](const fs::path&, nlohmann::json& m) { m["weightsManifest"][0]["weights"][0]["shape"] = {-784, 512}; },
         {"weight 'dense/kernel': expected a shape of sizes >= 0"}},
        {"graph model", [](const fs::path&, nlohmann::json& m) { m["format"] = "graph-model"; },
         {"mlrun reads TF.js Layers models"}},
        {"no manifest", [](const fs::path&, nlohmann::json& m) { m.erase("weightsManifest"); }, {"no 'weightsManifest' list"}},
        {"quantization without scale", [](const fs::path&, nlohmann::json& m) {
             m["weightsManifest"][0]["weights"][0]["quantization"] = {{"dtype", "uint8"}, {"min", 0.0}};
         }, {"weight 'dense/kernel': quantization needs a finite number 'scale'"}},
    };
    for (const damage& d : cases) {
        BOOST_TEST_CONTEXT(d.what)
        {
            const fs::path copy = root(t.dir) / "damaged";
            fs::remove_all(copy);
            fs::copy(t.web, copy);
            nlohmann::json model = read_json(copy / "model.json");
            d.apply(copy, model);
            write_json(copy / "model.json", model);
            const auto r = run_mlrun("inspect '" + copy.string() + "'");
            BOOST_TEST(r.exit_code == 7, r.output);
            BOOST_TEST(contains(r.output, (copy / "model.json").string()), r.output);
            for (const std::string& part : d.message) BOOST_TEST(contains(r.output, part), r.output);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_unknown_layer_class_is_named_when_the_model_is_used)
{
    exported_tutorial t;
    nlohmann::json model = read_json(t.web / "model.json");
    model["modelTopology"]["config"]["layers"][2]["class_name"] = "Dropsy";
    write_json(t.web / "model.json", model);
    testing::write_test_digits(t.dir, 5);
    const auto r = run_mlrun("predict --model '" + t.web.string() + "' --input '" + (root(t.dir) / "x.npy").string() +
                             "' --output '" + (root(t.dir) / "y.npy").string() + "'");
    BOOST_TEST(r.exit_code == 6, r.output);
    BOOST_TEST(contains(r.output, "model.json: modelTopology"), r.output);
    BOOST_TEST(contains(r.output, "Dropsy"), r.output);
}

BOOST_AUTO_TEST_SUITE_END()
