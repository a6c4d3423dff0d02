// Hostile HDF5 and .keras files: crafted to make the reader read other
// files, load code, recurse without end or allocate what they claim. Each
// HDF5 file here carries a valid mlrun checksum block (resealed after the
// edit), so the checksum cannot be what refuses it: the reader's own
// checks must.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "file_seal.hpp"
#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"

#include <H5PLpublic.h>
#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

using namespace mlrun;
using namespace mlrun::testing;
namespace kh = mlrun::keras_h5;

namespace {

const char* const kernel = "model_weights/dense/dense/kernel:0";
// The kernel of iris_like's first layer.
const hsize_t kernel_dims[2] = {4, 8};

// What the hostile files try to reach: recognisable values in another file.
std::vector<float> secret_values()
{
    std::vector<float> values(32);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1000.0f + static_cast<float>(i);
    return values;
}

// Runs `edit` on the HDF5 file, then writes a valid checksum block for
// what the file now holds, as mlrun's writer would.
template <class Edit>
void edit_and_reseal(const std::string& file, Edit edit)
{
    BOOST_REQUIRE(edit_h5_file(file, edit) >= 0);
    const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    BOOST_REQUIRE(fd >= 0);
    kh::seal_file(fd, file);
    ::close(fd);
    BOOST_REQUIRE(kh::check_seal(file).sealed);
}

// Replaces the kernel with a float dataset made with `creation`.
void replace_kernel(hid_t f, hid_t creation, const std::vector<float>* values)
{
    BOOST_REQUIRE(H5Ldelete(f, kernel, H5P_DEFAULT) >= 0);
    const hid_t space = H5Screate_simple(2, kernel_dims, nullptr);
    const hid_t d = H5Dcreate2(f, kernel, H5T_IEEE_F32LE, space, H5P_DEFAULT, creation, H5P_DEFAULT);
    BOOST_REQUIRE(d >= 0);
    if (values != nullptr) BOOST_REQUIRE(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values->data()) >= 0);
    H5Dclose(d);
    H5Sclose(space);
}

// Another HDF5 file holding the secret at /data.
std::string secret_h5(const temp_dir& dir)
{
    const std::string path = dir.path("secret.h5");
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t space = H5Screate_simple(2, kernel_dims, nullptr);
    const hid_t d = H5Dcreate2(f, "data", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const std::vector<float> values = secret_values();
    BOOST_REQUIRE(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(f);
    return path;
}

void set_root_string(hid_t f, const char* name, const std::string& value)
{
    if (H5Aexists(f, name) > 0) H5Adelete(f, name);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char* p = value.c_str();
    BOOST_REQUIRE(H5Awrite(a, type, &p) >= 0);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
}

struct sealed_iris {
    temp_dir dir;
    plugin_registry plugins = build_plugins();
    std::string path = dir.path("model.h5");
    sealed_iris() { iris_like().save(path, plugins); }
};

// The load fails with an io_error naming the file and every fragment.
void expect_refused(const plugin_registry& plugins, const std::string& file, const std::vector<std::string>& fragments)
{
    try {
        const checkpoint read = format_for_path(plugins, file).load(file);
        const tensor* t = read.find("dense/kernel");
        BOOST_ERROR("no error for " + file + (t != nullptr && t->size() > 0 && t->f32()[0] == 1000.0f
                                                  ? " (and the other file's values were read as the kernel)"
                                                  : ""));
    } catch (const io_error& e) {
        const std::string what = e.what();
        BOOST_TEST_MESSAGE(what);
        BOOST_CHECK_MESSAGE(what.find(file) != std::string::npos, "the message does not name " + file + ": " + what);
        for (const std::string& f : fragments) {
            BOOST_CHECK_MESSAGE(what.find(f) != std::string::npos, "'" + f + "' is not in: " + what);
        }
    }
}

// An identity filter registered only while the test writes the file.
size_t pass_through(unsigned, size_t, const unsigned[], size_t nbytes, size_t*, void**) { return nbytes; }
constexpr H5Z_filter_t unknown_filter = 32123;

// Overwrites the 32-bit little-endian field at `offset`.
void put_u32(std::string& bytes, std::size_t offset, std::uint32_t value)
{
    for (int i = 0; i < 4; ++i) bytes[offset + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
}

// A .keras archive of `members` (name, contents), deflated.
void write_archive(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members)
{
    int code = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    BOOST_REQUIRE(archive != nullptr);
    for (const auto& [name, contents] : members) {
        zip_source_t* source = zip_source_buffer(archive, contents.data(), contents.size(), 0);
        const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE);
        BOOST_REQUIRE(index >= 0);
        zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 9);
    }
    BOOST_REQUIRE(zip_close(archive) == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_hostile_files)

// Contiguous data kept in another file (H5Pset_external): the kernel
// would be /etc/shadow's bytes, or any file the user can read.
BOOST_AUTO_TEST_CASE(external_storage_is_refused)
{
    sealed_iris s;
    const std::string secret = s.dir.path("secret.bin");
    const std::vector<float> values = secret_values();
    write_file(secret, std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    edit_and_reseal(s.path, [&](hid_t f) {
        const hid_t creation = H5Pcreate(H5P_DATASET_CREATE);
        BOOST_REQUIRE(H5Pset_external(creation, secret.c_str(), 0, values.size() * sizeof(float)) >= 0);
        replace_kernel(f, creation, nullptr);
        H5Pclose(creation);
    });
    expect_refused(s.plugins, s.path, {std::string("/") + kernel, "external storage"});
}

BOOST_AUTO_TEST_CASE(external_links_are_refused)
{
    sealed_iris s;
    const std::string secret = secret_h5(s.dir);
    edit_and_reseal(s.path, [&](hid_t f) {
        BOOST_REQUIRE(H5Ldelete(f, kernel, H5P_DEFAULT) >= 0);
        BOOST_REQUIRE(H5Lcreate_external(secret.c_str(), "/data", f, kernel, H5P_DEFAULT, H5P_DEFAULT) >= 0);
    });
    expect_refused(s.plugins, s.path, {"kernel:0", "external link"});
    // A whole group behind a link.
    sealed_iris g;
    edit_and_reseal(g.path, [&](hid_t f) {
        BOOST_REQUIRE(H5Ldelete(f, "model_weights/dense", H5P_DEFAULT) >= 0);
        BOOST_REQUIRE(H5Lcreate_external(secret.c_str(), "/", f, "model_weights/dense", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    });
    expect_refused(g.plugins, g.path, {"model_weights/dense", "external link"});
}

BOOST_AUTO_TEST_CASE(virtual_datasets_are_refused)
{
    sealed_iris s;
    const std::string secret = secret_h5(s.dir);
    edit_and_reseal(s.path, [&](hid_t f) {
        const hid_t creation = H5Pcreate(H5P_DATASET_CREATE);
        const hid_t space = H5Screate_simple(2, kernel_dims, nullptr);
        BOOST_REQUIRE(H5Pset_virtual(creation, space, secret.c_str(), "/data", space) >= 0);
        replace_kernel(f, creation, nullptr);
        H5Sclose(space);
        H5Pclose(creation);
    });
    expect_refused(s.plugins, s.path, {std::string("/") + kernel, "virtual dataset"});
}

// A filter libhdf5 does not have makes it look for a plugin library to
// load (HDF5_PLUGIN_PATH, else /usr/local/hdf5/lib/plugin): refused by id
// before any data is read, and plugin loading is off.
BOOST_AUTO_TEST_CASE(unknown_filters_are_refused_and_no_filter_plugin_is_loaded)
{
    sealed_iris s;
    const H5Z_class2_t filter{H5Z_CLASS_T_VERS, unknown_filter, 1, 1, "mystery", nullptr, nullptr, pass_through};
    BOOST_REQUIRE(H5Zregister(&filter) >= 0);
    const std::vector<float> values = secret_values();
    edit_and_reseal(s.path, [&](hid_t f) {
        const hid_t creation = H5Pcreate(H5P_DATASET_CREATE);
        BOOST_REQUIRE(H5Pset_chunk(creation, 2, kernel_dims) >= 0);
        BOOST_REQUIRE(H5Pset_filter(creation, unknown_filter, H5Z_FLAG_MANDATORY, 0, nullptr) >= 0);
        replace_kernel(f, creation, &values);
        H5Pclose(creation);
    });
    BOOST_REQUIRE(H5Zunregister(unknown_filter) >= 0);
    expect_refused(s.plugins, s.path, {std::string("/") + kernel, "filter 32123", "deflate, shuffle, fletcher32"});
    // The plugin turned libhdf5's plugin loading off in this process.
    unsigned int mask = 1;
    BOOST_REQUIRE(H5PLget_loading_state(&mask) >= 0);
    BOOST_CHECK_EQUAL(mask, 0u);
}

// 100,000 nested brackets overflowed the stack in the JSON code.
BOOST_AUTO_TEST_CASE(deeply_nested_json_is_refused)
{
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    for (const char* attribute : {"model_config", "training_config"}) {
        sealed_iris s;
        edit_and_reseal(s.path, [&](hid_t f) { set_root_string(f, attribute, deep); });
        expect_refused(s.plugins, s.path, {std::string("attribute '") + attribute + "'", "nested deeper than"});
    }
}

// Found by keras_json_fuzzer: a number too large for a double escaped the
// JSON parser as a library exception, not a format error.
BOOST_AUTO_TEST_CASE(json_numbers_that_overflow_are_format_errors)
{
    BOOST_CHECK_THROW(kh::parse_json("{\"lr\": 0.99900001e28746033}", "/ attribute 'training_config'"), kh::format_error);
}

// A chunked dataset that claims 1 GiB and stores nothing: refused before
// the reader allocates what it claims.
BOOST_AUTO_TEST_CASE(datasets_claiming_more_than_they_store_are_refused)
{
    sealed_iris s;
    edit_and_reseal(s.path, [&](hid_t f) {
        BOOST_REQUIRE(H5Ldelete(f, kernel, H5P_DEFAULT) >= 0);
        const hsize_t dims[2] = {16384, 16384};
        const hsize_t chunk[2] = {1024, 1024};
        const hid_t creation = H5Pcreate(H5P_DATASET_CREATE);
        BOOST_REQUIRE(H5Pset_chunk(creation, 2, chunk) >= 0);
        BOOST_REQUIRE(H5Pset_deflate(creation, 9) >= 0);
        const hid_t space = H5Screate_simple(2, dims, nullptr);
        const hid_t d = H5Dcreate2(f, kernel, H5T_IEEE_F32LE, space, H5P_DEFAULT, creation, H5P_DEFAULT);
        BOOST_REQUIRE(d >= 0);
        H5Dclose(d);
        H5Sclose(space);
        H5Pclose(creation);
    });
    expect_refused(s.plugins, s.path, {std::string("/") + kernel, "declares 1073741824 bytes"});
}

// A .keras whose config.json claims 1.5 GB (the sizes in its zip headers
// say so; its data is a few bytes): refused by the claim, before the
// reader allocates it. And one that really inflates past the cap.
BOOST_AUTO_TEST_CASE(archive_members_over_the_size_cap_are_refused)
{
    temp_dir dir;
    const plugin_registry plugins = build_plugins();
    const std::string claimed = dir.path("claimed.keras");
    const std::string config = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": []}}";
    write_archive(claimed, {{"config.json", config}, {"model.weights.h5", "x"}});
    // Patch the uncompressed size in the local header (offset 22) and in
    // the central directory entry (offset 24 of its "PK\1\2" record).
    std::string bytes = bytes_of(claimed);
    const std::uint32_t huge = 1500000000u;
    BOOST_REQUIRE(bytes.compare(0, 4, "PK\3\4") == 0);
    put_u32(bytes, 22, huge);
    const std::size_t central = bytes.find("PK\1\2");
    BOOST_REQUIRE(central != std::string::npos);
    put_u32(bytes, central + 24, huge);
    write_file(claimed, bytes);
    expect_refused(plugins, claimed, {"config.json", "1500000000 bytes", "cap"});

    const std::string bomb = dir.path("bomb.keras");
    write_archive(bomb, {{"config.json", std::string(80u << 20, ' ') + config}, {"model.weights.h5", "x"}});
    BOOST_REQUIRE(bytes_of(bomb).size() < (1u << 20));
    expect_refused(plugins, bomb, {"config.json", std::to_string((80u << 20) + config.size()) + " bytes", "cap"});
}

// The checksum check, the isolated first read and the read proper used to
// open the path one after another: a file swapped in between reached
// libhdf5 unchecked. Now the file is read once and every step uses those
// bytes; a pipe, which can be read only once, shows it.
BOOST_AUTO_TEST_CASE(the_file_is_read_once_from_check_to_use, *needs_interop_fixtures())
{
    temp_dir dir;
    const std::string pipe = dir.path("model.h5");
    BOOST_REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
    const std::string bytes = bytes_of(fixture("tf.keras2.10.0-iris/iris_model.h5"));
    // A reader that gives up early must not kill this process by SIGPIPE.
    const auto previous = std::signal(SIGPIPE, SIG_IGN);
    std::thread writer([&] {
        const int fd = ::open(pipe.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return;
        for (std::size_t sent = 0; sent < bytes.size();) {
            const ssize_t n = ::write(fd, bytes.data() + sent, bytes.size() - sent);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        ::close(fd);
    });
    try {
        kh::h5_quiet quiet;
        const kh::staged_checkpoint read = kh::read_keras_file(pipe, 3);
        BOOST_CHECK(read.find("dense/kernel") != nullptr);
        BOOST_CHECK(read.meta("file_checksum") != nullptr &&
                    read.meta("file_checksum")->find("separate process") != std::string::npos);
    } catch (const kh::format_error& e) {
        BOOST_ERROR(std::string("the file was opened more than once: ") + e.what());
    }
    writer.join();
    std::signal(SIGPIPE, previous);
}

BOOST_AUTO_TEST_SUITE_END()
