// The format plugin "hdf5": Keras HDF5 files behind mlrun_format.h.
//
// Saving stages the tensors and metadata in memory and writes the file on
// commit (to a temporary name, renamed into place); opening reads and
// checks the whole file up front, so later calls cannot fail half-way.
#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/plugin/format_plugin.hpp"

#include <cstdlib>

namespace pa = mlrun::plugin_author;
namespace kh = mlrun::keras_h5;

namespace {

class hdf5_writer : public pa::format_writer {
public:
    hdf5_writer(std::string path, bool weights_only, kh::keras_generation generation, bool dry_run)
        : path_(std::move(path)), weights_only_(weights_only), generation_(generation), dry_run_(dry_run)
    {
    }

    void tensor(const mlrun_tensor_view& view) override
    {
        if (view.dtype == MLRUN_DTYPE_STRING) {
            throw kh::format_error("tensor '" + pa::tensor_name(view) + "': Keras HDF5 files hold numeric tensors only");
        }
        ckpt_.tensors.push_back(pa::numeric_tensor<kh::staged_tensor>(view));
    }

    void metadata(const std::string& key, const std::string& value) override { ckpt_.set_meta(key, value); }

    void commit() override
    {
        kh::h5_quiet quiet;
        if (dry_run_) {
            kh::keras_file_image(path_, ckpt_, weights_only_, generation_);
        } else {
            kh::write_keras_file(path_, ckpt_, weights_only_, generation_);
        }
    }

private:
    std::string path_;
    bool weights_only_;
    kh::keras_generation generation_;
    bool dry_run_;  // build the file in memory to check the model, write nothing
    kh::staged_checkpoint ckpt_;
};

// read_timeout=SECONDS: how long the isolated first read of a file without
// mlrun's checksum block may take (default 20 s + 1 s per 16 MiB).
unsigned parse_read_timeout(const pa::option_list& options)
{
    unsigned seconds = 0;
    for (const auto& [key, value] : options) {
        if (key != "read_timeout") {
            throw kh::format_error("unknown reading option '" + key + "' (the hdf5 format reads with: read_timeout)");
        }
        char* end = nullptr;
        const unsigned long parsed = std::strtoul(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || parsed < 1 || parsed > 86400) {
            throw kh::format_error("option read_timeout: expected whole seconds from 1 to 86400, found '" + value + "'");
        }
        seconds = static_cast<unsigned>(parsed);
    }
    return seconds;
}

struct hdf5_format {
    static std::unique_ptr<pa::format_writer> save_begin(const std::string& path, const pa::option_list& options)
    {
        bool weights_only = false;
        bool dry_run = false;
        kh::keras_generation generation = kh::default_generation(path);
        for (const auto& [key, value] : options) {
            if (key == "keras_version") {
                generation = kh::parse_keras_version(value);
            } else if (key == "weights_only") {
                weights_only = pa::parse_flag(key, value);
            } else if (key == "dry_run") {
                dry_run = pa::parse_flag(key, value);
            } else if (key == "source") {
                continue;  // Keras files have no place for it
            } else {
                throw kh::format_error("unknown option '" + key + "'; the hdf5 format knows: weights_only, keras_version, dry_run");
            }
        }
        kh::check_keras_save_path(path, generation, weights_only);
        return std::make_unique<hdf5_writer>(path, weights_only, generation, dry_run);
    }

    static void check_save_path(const std::string& path) { kh::check_keras_save_path(path); }

    static std::unique_ptr<pa::format_reader> open(const std::string& path, const pa::option_list& options)
    {
        const unsigned read_timeout = parse_read_timeout(options);
        kh::h5_quiet quiet;
        kh::staged_checkpoint ckpt = kh::read_keras_file(path, read_timeout);
        return std::make_unique<pa::memory_reader<kh::staged_tensor>>(std::move(ckpt.tensors),
                                                                      std::move(ckpt.metadata));
    }
};

}  // namespace

MLRUN_FORMAT_PLUGIN(hdf5_format, "hdf5", "1.0.0", "Keras HDF5 whole models and weights (.h5, .hdf5) and Keras 3 .keras and .weights.h5", ".h5;.hdf5;.keras", MLRUN_FORMAT_CHECKS_MODEL)
