// Damaged and unreadable input: a truncated or non-HDF5 file, missing
// groups, attributes and datasets, invalid JSON, classes mlrun cannot
// build, weights that do not fit the architecture. Each gives one error
// naming the file and the object, and never a crash.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"

#include <fstream>
#include <sstream>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

void copy_prefix(const std::string& from, const std::string& to, std::size_t bytes)
{
    std::ifstream in(from, std::ios::binary);
    std::string data(bytes, '\0');
    in.read(data.data(), static_cast<std::streamsize>(bytes));
    std::ofstream(to, std::ios::binary).write(data.data(), in.gcount());
}

// Runs `edit` on `file` (edit_h5_file). The edited file is no longer the
// one mlrun wrote: its checksum block is cleared, so it reads as a Keras
// file from elsewhere (whose defects these tests make).
template <class Edit>
void edit_file(const std::string& file, Edit edit)
{
    edit_h5_file(file, edit);
    clear_checksum_block(file);
}

void set_string_attribute(hid_t f, const std::string& object, const std::string& name, const std::string& value)
{
    const hid_t o = H5Oopen(f, object.c_str(), H5P_DEFAULT);
    if (H5Aexists(o, name.c_str()) > 0) H5Adelete(o, name.c_str());
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(o, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char* p = value.c_str();
    BOOST_REQUIRE(H5Awrite(a, type, &p) >= 0);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    H5Oclose(o);
}

std::string read_model_config(hid_t f)
{
    const hid_t a = H5Aopen(f, "model_config", H5P_DEFAULT);
    const hid_t type = H5Aget_type(a);
    char* text = nullptr;
    H5Aread(a, type, &text);
    std::string result = text;
    H5free_memory(text);
    H5Tclose(type);
    H5Aclose(a);
    return result;
}

void replace_all(std::string& text, const std::string& from, const std::string& to)
{
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

struct saved_iris {
    temp_dir dir;
    plugin_registry plugins = build_plugins();
    std::string path = dir.path("model.h5");
    saved_iris() { iris_like().save(path, plugins); }
};

// The load fails with `kind`, naming the file and every fragment.
template <class Error>
void expect_failure(const std::function<void()>& load, const std::string& file, const std::vector<std::string>& fragments)
{
    try {
        load();
        BOOST_ERROR("no error for " + file);
    } catch (const Error& e) {
        const std::string what = e.what();
        BOOST_TEST_MESSAGE(what);
        BOOST_CHECK_MESSAGE(what.find(file) != std::string::npos, "the message does not name " + file + ": " + what);
        for (const std::string& f : fragments) {
            BOOST_CHECK_MESSAGE(what.find(f) != std::string::npos, "'" + f + "' is not in: " + what);
        }
    }
}

void expect_open_failure(const plugin_registry& plugins, const std::string& file,
                         const std::vector<std::string>& fragments)
{
    expect_failure<io_error>([&] { format_for_path(plugins, file).load(file); }, file, fragments);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_bad_input)

// Truncated Keras files: they carry no checksum block, so libhdf5 finds the damage.
BOOST_AUTO_TEST_CASE(truncated_keras_files, *needs_interop_fixtures())
{
    saved_iris s;
    const std::string truncated = s.dir.path("truncated.h5");
    copy_prefix(fixture("tf.keras2.10.0-iris/iris_model.h5"), truncated, 10000);
    expect_open_failure(s.plugins, truncated, {"truncated"});
    const std::string stub = s.dir.path("stub.h5");
    copy_prefix(fixture("tf.keras2.10.0-iris/iris_model.h5"), stub, 4);
    expect_open_failure(s.plugins, stub, {"not an HDF5 file"});
}

BOOST_AUTO_TEST_CASE(empty_and_foreign_files)
{
    saved_iris s;
    const std::string text = s.dir.path("text.h5");
    std::ofstream(text) << "model: not really\n";
    expect_open_failure(s.plugins, text, {"not an HDF5 file"});
    expect_open_failure(s.plugins, s.dir.path("absent.h5"), {"no such file"});
    const std::string not_zip = s.dir.path("model.keras");
    std::ofstream(not_zip) << "PK? no";
    expect_open_failure(s.plugins, not_zip, {".keras archive"});
    // An HDF5 file that is no Keras file.
    const std::string empty = s.dir.path("empty.h5");
    H5Fclose(H5Fcreate(empty.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    expect_open_failure(s.plugins, empty, {"model_weights", "layer_names"});
}

// read_timeout bounds the isolated first read; a bad value is named.
BOOST_AUTO_TEST_CASE(reading_options_are_checked, *needs_interop_fixtures())
{
    saved_iris s;
    const std::string fixture_file = fixture("tf.keras2.10.0-iris/iris_model.h5");
    const format h5 = format_for_path(s.plugins, fixture_file);
    BOOST_TEST(h5.load(fixture_file, {{"read_timeout", "5"}}).tensors.size() == 13u);
    expect_failure<io_error>([&] { h5.load(fixture_file, {{"read_timeout", "0"}}); }, fixture_file,
                             {"read_timeout", "from 1 to 86400", "'0'"});
    expect_failure<io_error>([&] { h5.load(fixture_file, {{"read_timeout", "2s"}}); }, fixture_file, {"'2s'"});
    expect_failure<io_error>([&] { h5.load(fixture_file, {{"timeout", "2"}}); }, fixture_file,
                             {"unknown reading option 'timeout'", "read_timeout"});
}

BOOST_AUTO_TEST_CASE(missing_groups_attributes_and_datasets)
{
    saved_iris s;
    const std::string no_names = s.dir.path("no_names.h5");
    fs::copy_file(s.path, no_names);
    edit_file(no_names, [](hid_t f) {
        const hid_t g = H5Gopen2(f, "model_weights", H5P_DEFAULT);
        H5Adelete(g, "layer_names");
        H5Gclose(g);
    });
    expect_open_failure(s.plugins, no_names, {"/model_weights", "missing attribute 'layer_names'"});

    const std::string no_group = s.dir.path("no_group.h5");
    fs::copy_file(s.path, no_group);
    edit_file(no_group, [](hid_t f) { H5Ldelete(f, "model_weights/dense_1", H5P_DEFAULT); });
    expect_open_failure(s.plugins, no_group, {"missing group 'dense_1'", "layer_names"});

    const std::string no_kernel = s.dir.path("no_kernel.h5");
    fs::copy_file(s.path, no_kernel);
    edit_file(no_kernel, [](hid_t f) { H5Ldelete(f, "model_weights/dense/dense/kernel:0", H5P_DEFAULT); });
    expect_open_failure(s.plugins, no_kernel, {"/model_weights/dense/dense/kernel:0", "missing dataset"});

    const std::string no_weight_names = s.dir.path("no_weight_names.h5");
    fs::copy_file(s.path, no_weight_names);
    edit_file(no_weight_names, [](hid_t f) {
        const hid_t g = H5Gopen2(f, "model_weights/dense", H5P_DEFAULT);
        H5Adelete(g, "weight_names");
        H5Gclose(g);
    });
    expect_open_failure(s.plugins, no_weight_names, {"/model_weights/dense", "missing attribute 'weight_names'"});

    // Names stored as numbers.
    const std::string numbers = s.dir.path("numbers.h5");
    fs::copy_file(s.path, numbers);
    edit_file(numbers, [](hid_t f) {
        const hid_t g = H5Gopen2(f, "model_weights", H5P_DEFAULT);
        H5Adelete(g, "layer_names");
        const hsize_t two = 2;
        const hid_t space = H5Screate_simple(1, &two, nullptr);
        const hid_t a = H5Acreate2(g, "layer_names", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
        const int values[2] = {1, 2};
        H5Awrite(a, H5T_NATIVE_INT, values);
        H5Aclose(a);
        H5Sclose(space);
        H5Gclose(g);
    });
    expect_open_failure(s.plugins, numbers, {"layer_names", "expected a list of names, found 2 integers"});

    // Optimizer state that does not fit the optimizer.
    const std::string short_state = s.dir.path("short_state.h5");
    fs::copy_file(s.path, short_state);
    edit_file(short_state, [](hid_t f) {
        const hid_t g = H5Gopen2(f, "optimizer_weights", H5P_DEFAULT);
        H5Adelete(g, "weight_names");
        const char* names[] = {"Adam/iter:0", "Adam/dense/kernel/m:0", "Adam/dense/kernel/v:0"};
        const hsize_t three = 3;
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, H5T_VARIABLE);
        const hid_t space = H5Screate_simple(1, &three, nullptr);
        const hid_t a = H5Acreate2(g, "weight_names", type, space, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, type, names);
        H5Aclose(a);
        H5Sclose(space);
        H5Tclose(type);
        H5Gclose(g);
    });
    expect_open_failure(s.plugins, short_state, {"/optimizer_weights", "'m' slots for 4 trainable weights"});
}

BOOST_AUTO_TEST_CASE(configs_that_are_not_json_or_name_what_mlrun_cannot_build)
{
    saved_iris s;
    const std::string not_json = s.dir.path("not_json.h5");
    fs::copy_file(s.path, not_json);
    edit_file(not_json, [](hid_t f) { set_string_attribute(f, "/", "model_config", "{\"class_name\": \"Sequential\", "); });
    expect_open_failure(s.plugins, not_json, {"attribute 'model_config' is not valid JSON"});

    const std::string training = s.dir.path("training_not_json.h5");
    fs::copy_file(s.path, training);
    edit_file(training, [](hid_t f) { set_string_attribute(f, "/", "training_config", "loss: mse"); });
    expect_open_failure(s.plugins, training, {"attribute 'training_config' is not valid JSON"});

    // A Lambda layer is Python code: refused by name, with the classes mlrun builds.
    const std::string lambda = s.dir.path("lambda.h5");
    fs::copy_file(s.path, lambda);
    edit_file(lambda, [](hid_t f) {
        std::string config = read_model_config(f);
        replace_all(config, "{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense_1\"",
                    "{\"class_name\": \"Lambda\", \"config\": {\"function\": [\"4wEAAAAAAAAA\", null, null], \"name\": "
                    "\"dense_1\"");
        set_string_attribute(f, "/", "model_config", config);
    });
    backend be(s.plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    expect_failure<model_error>([&] { load_model(lambda, s.plugins, be); }, lambda,
                                {"'dense_1' (Lambda)", "'Lambda' cannot be rebuilt", "InputLayer, Dense, Dropout, Activation"});
    // The file itself is fine: its weights can still be read (and inspected).
    const checkpoint weights = format_for_path(s.plugins, lambda).load(lambda);
    BOOST_CHECK(weights.find("dense_1/kernel") != nullptr);
    BOOST_CHECK(weights.metadata.count("model_config_error") == 1 && weights.metadata.count("model_config") == 0);

    const std::string subclassed = s.dir.path("subclassed.h5");
    fs::copy_file(s.path, subclassed);
    edit_file(subclassed, [](hid_t f) {
        set_string_attribute(f, "/", "model_config", "{\"class_name\": \"MyModel\", \"config\": {}}");
    });
    expect_failure<model_error>([&] { load_model(subclassed, s.plugins, be); }, subclassed,
                                {"model class 'MyModel'", "Sequential and functional"});

    // Settings mlrun would compute differently are refused, not dropped: a
    // regularizer class it does not have (L1, L2 and L1L2 it reads).
    const std::string regularized = s.dir.path("regularized.h5");
    fs::copy_file(s.path, regularized);
    edit_file(regularized, [](hid_t f) {
        std::string config = read_model_config(f);
        replace_all(config, "\"kernel_regularizer\": null",
                    "\"kernel_regularizer\": {\"class_name\": \"OrthogonalRegularizer\", \"config\": {\"factor\": 0.01}}");
        set_string_attribute(f, "/", "model_config", config);
    });
    expect_failure<model_error>([&] { load_model(regularized, s.plugins, be); }, regularized,
                                {"kernel_regularizer", "is not one mlrun has (L1, L2, L1L2)"});

    // An optimizer mlrun lacks: the model predicts, and says why it cannot train.
    const std::string ftrl = s.dir.path("ftrl.h5");
    fs::copy_file(s.path, ftrl);
    edit_file(ftrl, [](hid_t f) {
        set_string_attribute(f, "/", "training_config",
                             "{\"loss\": \"categorical_crossentropy\", \"metrics\": [\"accuracy\"], \"loss_weights\": null, "
                             "\"optimizer_config\": {\"class_name\": \"Ftrl\", \"config\": {\"learning_rate\": 0.002}}}");
    });
    std::unique_ptr<loaded_model> lm = load_model(ftrl, s.plugins, be);
    BOOST_CHECK(!lm->compiled());
    expect_failure<model_error>([&] { lm->fitter(); }, ftrl,
                                {"optimizer 'Ftrl' is not one mlrun has (Adam, AdamW, SGD, RMSprop, Nadam, Adagrad, "
                                 "Adadelta, Adamax)"});
}

// A model_config whose layer claims an absurd size is refused, naming the
// file, before anything that size is allocated (it was "out of memory").
BOOST_AUTO_TEST_CASE(a_layer_claiming_a_huge_size_names_the_file)
{
    saved_iris s;
    backend be(s.plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    const std::string huge = s.dir.path("huge.h5");
    fs::copy_file(s.path, huge);
    edit_file(huge, [](hid_t f) {
        std::string config = read_model_config(f);
        replace_all(config, "\"units\": 8", "\"units\": 2000000000");
        set_string_attribute(f, "/", "model_config", config);
    });
    expect_failure<model_error>([&] { load_model(huge, s.plugins, be); }, huge + " (model_config)",
                                {"layer 'dense' (Dense), units: 2000000000: kernel of shape (4, 2000000000) would hold "
                                 "8000000000 parameters; a model may hold at most 2147483648 (2^31)"});
}

BOOST_AUTO_TEST_CASE(compressed_chunked_datasets_are_read_too)
{
    // Not what Keras writes, but what an h5py user may: gzip-compressed chunks.
    saved_iris s;
    const std::vector<float> kernel = read_h5_floats(s.path, "/model_weights/dense/dense/kernel:0");
    const std::string packed = s.dir.path("packed.h5");
    fs::copy_file(s.path, packed);
    edit_file(packed, [&](hid_t f) {
        H5Ldelete(f, "model_weights/dense/dense/kernel:0", H5P_DEFAULT);
        const hsize_t dims[2] = {4, 8};
        const hsize_t chunk[2] = {2, 8};
        const hid_t space = H5Screate_simple(2, dims, nullptr);
        const hid_t creation = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(creation, 2, chunk);
        H5Pset_deflate(creation, 6);
        const hid_t d = H5Dcreate2(f, "model_weights/dense/dense/kernel:0", H5T_IEEE_F32LE, space, H5P_DEFAULT, creation,
                                   H5P_DEFAULT);
        BOOST_REQUIRE(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, kernel.data()) >= 0);
        H5Dclose(d);
        H5Pclose(creation);
        H5Sclose(space);
    });
    const checkpoint read = format_for_path(s.plugins, packed).load(packed);
    const tensor* t = read.find("dense/kernel");
    BOOST_REQUIRE(t != nullptr);
    BOOST_TEST(values_of(*t) == kernel, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(weights_that_do_not_fit_the_architecture)
{
    saved_iris s;
    backend be(s.plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    // The config says 9 units; the kernel in the file is (4, 8).
    const std::string wider = s.dir.path("wider.h5");
    fs::copy_file(s.path, wider);
    edit_file(wider, [](hid_t f) {
        std::string config = read_model_config(f);
        replace_all(config, "\"units\": 8", "\"units\": 9");
        set_string_attribute(f, "/", "model_config", config);
    });
    expect_failure<model_error>([&] { load_model(wider, s.plugins, be); }, wider,
                                {"dense/kernel: model expects float32 (4, 9), file has float32 (4, 8)",
                                 "dense/bias: model expects float32 (9,), file has float32 (8,)"});
    // A weights-only file has no architecture to rebuild.
    const std::string weights = s.dir.path("weights.h5");
    save_request request;
    request.weights_only = true;
    save_model(weights, *iris_like().net, request, s.plugins);
    expect_failure<model_error>([&] { load_model(weights, s.plugins, be); }, weights,
                                {"holds no architecture (weights only)"});
    // An unsupported suffix names the formats there are.
    expect_failure<plugin_error>([&] { load_model(s.dir.path("model.pt"), s.plugins, be); }, "model.pt",
                                 {"no format plugin claims", "hdf5: .h5 .hdf5 .keras"});
}

BOOST_AUTO_TEST_SUITE_END()
