// Shared by the Keras HDF5 tests: where the plugins are (the fixtures come
// from support/interop_fixtures.hpp), a temporary directory, and an HDF5
// reader independent of the plugin (so tests compare the plugin against the
// file itself).
#pragma once

#include "mlrun/core/rng.hpp"
#include "mlrun/core/tensor.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "optim/optimizer_yaml.hpp"
#include "support/interop_fixtures.hpp"

#include <boost/test/unit_test.hpp>
#include <hdf5.h>

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace mlrun::testing {

namespace fs = std::filesystem;

inline std::string environment(const char* name)
{
    const char* value = std::getenv(name);
    BOOST_REQUIRE_MESSAGE(value != nullptr, std::string(name) + " is not set; run the tests through ctest");
    return value;
}

// The plugins of this build tree only.
inline plugin_registry build_plugins()
{
    const std::string dir = environment("MLRUN_BINARY_DIR") + "/lib/mlrun/plugins";
    return plugin_registry(std::vector<boost::filesystem::path>{dir});
}

struct temp_dir {
    fs::path dir;
    temp_dir()
    {
        std::string pattern = (fs::temp_directory_path() / "mlrun-hdf5-test-XXXXXX").string();
        BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

// ---- an HDF5 structure listing, independent of the plugin

inline std::string type_text(hid_t type)
{
    std::ostringstream out;
    switch (H5Tget_class(type)) {
    case H5T_STRING:
        out << "string " << (H5Tis_variable_str(type) > 0 ? "vlen" : "fixed[" + std::to_string(H5Tget_size(type)) + "]")
            << (H5Tget_cset(type) == H5T_CSET_UTF8 ? " utf8" : " ascii")
            << (H5Tget_strpad(type) == H5T_STR_NULLTERM ? " nullterm" : " nullpad");
        break;
    case H5T_FLOAT: out << "float" << 8 * H5Tget_size(type) << (H5Tget_order(type) == H5T_ORDER_LE ? " le" : " be"); break;
    case H5T_INTEGER: out << "int" << 8 * H5Tget_size(type) << (H5Tget_order(type) == H5T_ORDER_LE ? " le" : " be"); break;
    default: out << "class " << H5Tget_class(type);
    }
    return out.str();
}

inline std::string space_text(hid_t space)
{
    if (H5Sget_simple_extent_type(space) == H5S_SCALAR) return "scalar";
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    std::string text = "(";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + ")";
}

struct listing {
    hid_t file;
    std::vector<std::string> lines;
};

inline herr_t list_attribute(hid_t object, const char* name, const H5A_info_t*, void* data)
{
    auto* out = static_cast<std::pair<std::string, std::vector<std::string>*>*>(data);
    const hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    const hid_t type = H5Aget_type(attribute);
    const hid_t space = H5Aget_space(attribute);
    out->second->push_back(out->first + " @" + name + ": " + type_text(type) + " " + space_text(space));
    H5Sclose(space);
    H5Tclose(type);
    H5Aclose(attribute);
    return 0;
}

inline void list_object(hid_t object, const std::string& path, std::vector<std::string>& lines)
{
    if (H5Iget_type(object) == H5I_DATASET) {
        const hid_t type = H5Dget_type(object);
        const hid_t space = H5Dget_space(object);
        const hid_t plist = H5Dget_create_plist(object);
        lines.push_back(path + " dataset " + type_text(type) + " " + space_text(space) +
                        (H5Pget_layout(plist) == H5D_CONTIGUOUS ? " contiguous" : " not contiguous") +
                        " filters " + std::to_string(H5Pget_nfilters(plist)));
        H5Pclose(plist);
        H5Sclose(space);
        H5Tclose(type);
    } else {
        lines.push_back(path + " group");
    }
    std::pair<std::string, std::vector<std::string>*> data{path, &lines};
    hsize_t index = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, list_attribute, &data);
}

inline herr_t visit_link(hid_t, const char* name, const H5L_info_t*, void* data)
{
    auto* l = static_cast<listing*>(data);
    const hid_t object = H5Oopen(l->file, name, H5P_DEFAULT);
    list_object(object, std::string("/") + name, l->lines);
    H5Oclose(object);
    return 0;
}

// Every group and dataset with its type, shape and storage, and every
// attribute with its HDF5 type and dataspace; sorted.
inline std::vector<std::string> structure(const std::string& path)
{
    listing l{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), {}};
    BOOST_REQUIRE_MESSAGE(l.file >= 0, "cannot open " + path);
    const hid_t root = H5Gopen2(l.file, "/", H5P_DEFAULT);
    list_object(root, "/", l.lines);
    H5Gclose(root);
    H5Lvisit(l.file, H5_INDEX_NAME, H5_ITER_INC, visit_link, &l);
    unsigned superblock = 0;
    const hid_t create = H5Fget_create_plist(l.file);
    H5Pget_version(create, &superblock, nullptr, nullptr, nullptr);
    l.lines.push_back("superblock version " + std::to_string(superblock));
    H5Pclose(create);
    H5Fclose(l.file);
    std::sort(l.lines.begin(), l.lines.end());
    return l.lines;
}

inline std::string bytes_of(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_file(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Opens `file` for writing with the HDF5 C library and runs `edit` on it,
// with HDF5's own error printing off (some edits probe for what is not there).
// Returns what closing the file returned.
template <class Edit>
herr_t edit_h5_file(const std::string& file, Edit edit)
{
    H5E_auto2_t function = nullptr;
    void* data = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &function, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    BOOST_REQUIRE(f >= 0);
    edit(f);
    const herr_t closed = H5Fclose(f);
    H5Eset_auto2(H5E_DEFAULT, function, data);
    return closed;
}

// Zeroes the 512-byte checksum block mlrun writes at the start of its HDF5
// files: the file then reads as one from elsewhere (HDF5 skips the block).
inline void clear_checksum_block(const std::string& file)
{
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    BOOST_REQUIRE_MESSAGE(f.good(), "cannot open " + file);
    std::string magic(16, '\0');
    f.read(magic.data(), static_cast<std::streamsize>(magic.size()));
    BOOST_REQUIRE_MESSAGE(magic == "mlrun-h5-crc32c\n", file + " has no checksum block");
    f.seekp(0);
    const std::string zeros(512, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    BOOST_REQUIRE(f.good());
}

// Reads a float dataset straight from a file with the HDF5 C library.
inline std::vector<float> read_h5_floats(const std::string& file, const std::string& dataset,
                                         std::vector<hsize_t>* dims = nullptr)
{
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    BOOST_REQUIRE_MESSAGE(f >= 0, "cannot open " + file);
    const hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
    BOOST_REQUIRE_MESSAGE(d >= 0, "no dataset " + dataset + " in " + file);
    const hid_t space = H5Dget_space(d);
    const hssize_t count = H5Sget_simple_extent_npoints(space);
    if (dims != nullptr) {
        dims->assign(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)), 0);
        H5Sget_simple_extent_dims(space, dims->data(), nullptr);
    }
    std::vector<float> values(static_cast<std::size_t>(count));
    BOOST_REQUIRE(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
    return values;
}

inline std::vector<float> values_of(const tensor& t)
{
    return std::vector<float>(t.f32(), t.f32() + t.size());
}

inline std::unique_ptr<model> model_from(const std::string& layers, std::uint64_t seed = 5)
{
    auto m = build_model(YAML::Load(layers), "<test>", std::nullopt);
    rng init(seed);
    m->build(init);
    return m;
}

// tf.keras2.10.0-iris's model: Input(4) -> Dense(8, relu) -> Dense(3, softmax), Adam(0.01).
struct iris_like {
    std::unique_ptr<model> net = model_from(
        "[{Dense: {units: 8, activation: relu, input_shape: [4]}}, {Dense: {units: 3, activation: softmax}}]");
    std::unique_ptr<optimizer> opt = make_optimizer(YAML::Load("{adam: {learning_rate: 0.01}}"), "<test>");
    iris_like()
    {
        opt->attach(net->trainable_parameters());
        opt->set_iterations(750);
        rng gen(9);
        for (auto& slots : opt->slots()) {
            for (tensor& s : slots) {
                for (std::int64_t i = 0; i < s.size(); ++i) s.f32()[i] = gen.uniform();
            }
        }
    }
    void save(const std::string& path, const plugin_registry& plugins, bool weights_only = false) const
    {
        save_request request;
        request.opt = opt.get();
        request.loss = "categorical_crossentropy";
        request.metrics = {"accuracy"};
        request.weights_only = weights_only;
        save_model(path, *net, request, plugins);
    }
};

}  // namespace mlrun::testing
