// The format plugin "tfjs": TensorFlow.js Layers models (model.json and its
// binary weight shards in one directory), written and read behind
// mlrun_format.h (docs/tfjs.md).
//
// Saving stages the checkpoint in memory; commit translates it and writes
// the directory's files as one transaction.
#include "model_directory.hpp"
#include "tfjs_model.hpp"

#include "interop/keras/format_error.hpp"
#include "mlrun/plugin/format_plugin.hpp"

namespace pa = mlrun::plugin_author;
namespace tfjs = mlrun::tfjs;
using mlrun::interop::keras::format_error;

namespace {

std::uint64_t parse_size(const std::string& key, const std::string& value)
{
    std::size_t used = 0;
    unsigned long long bytes = 0;
    try {
        bytes = std::stoull(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size() || bytes == 0 || value[0] == '-') {
        throw format_error("option " + key + ": expected a number of bytes above 0 (4194304 for 4 MiB), found '" +
                           value + "'");
    }
    return bytes;
}

class tfjs_writer : public pa::format_writer {
public:
    tfjs_writer(std::string path, bool dry_run, tfjs::export_options exporting, tfjs::write_options writing)
        : path_(std::move(path)), dry_run_(dry_run), exporting_(exporting), writing_(std::move(writing))
    {
    }

    void tensor(const mlrun_tensor_view& view) override
    {
        if (view.dtype == MLRUN_DTYPE_STRING) {
            throw format_error("tensor '" + pa::tensor_name(view) + "': TF.js weights hold no strings");
        }
        model_.tensors.push_back(pa::numeric_tensor<tfjs::staged_tensor>(view));
    }

    void metadata(const std::string& key, const std::string& value) override { model_.set_meta(key, value); }

    void commit() override
    {
        tfjs::exported_model exported = tfjs::export_model(model_, exporting_);
        const std::string* version = model_.meta("mlrun_version");
        writing_.writer = "mlrun" + (version != nullptr ? " " + *version : std::string());
        if (dry_run_) {
            if (const std::string problem = tfjs::foreign_model_problem(path_, writing_); !problem.empty()) {
                throw format_error(problem);
            }
            return;
        }
        tfjs::write_model_files(path_, std::move(exported.artifacts), exported.group_bytes, writing_);
    }

private:
    std::string path_;
    bool dry_run_;  // translate and check the model, write nothing
    tfjs::export_options exporting_;
    tfjs::write_options writing_;
    tfjs::staged_checkpoint model_;
};

struct tfjs_format {
    static std::unique_ptr<pa::format_writer> save_begin(const std::string& path, const pa::option_list& options)
    {
        bool dry_run = false;
        tfjs::export_options exporting;
        tfjs::write_options writing;
        for (const auto& [key, value] : options) {
            if (key == "dry_run") dry_run = pa::parse_flag(key, value);
            else if (key == "weights_only") exporting.weights_only = pa::parse_flag(key, value);
            else if (key == "quantize") exporting.quantize = tfjs::parse_quantization(value);
            else if (key == "shard_size") writing.shard_bytes = parse_size(key, value);
            else if (key == "overwrite") writing.overwrite = pa::parse_flag(key, value);
            else if (key == "source") continue;  // TF.js has no place for it
            else throw format_error("unknown option '" + key + "'; the tfjs format knows: quantize, shard_size, overwrite, weights_only, dry_run");
        }
        return std::make_unique<tfjs_writer>(tfjs::model_json_path(path), dry_run, exporting, std::move(writing));
    }

    static void check_save_path(const std::string& path)
    {
        const bool directory = !path.empty() && path.back() == '/';
        const bool json = path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
        if (!directory && !json) {
            throw std::invalid_argument("a TF.js model is a directory (web_model/) or its model.json");
        }
    }

    static std::unique_ptr<pa::format_reader> open(const std::string& path, const pa::option_list& options)
    {
        if (!options.empty()) throw format_error("the tfjs format takes no options for reading");
        const std::string json_path = tfjs::model_json_path(path);
        tfjs::staged_checkpoint contents = tfjs::import_model(tfjs::read_model_files(json_path), json_path);
        return std::make_unique<pa::memory_reader<tfjs::staged_tensor>>(std::move(contents.tensors),
                                                                        std::move(contents.metadata));
    }
};

}  // namespace

MLRUN_FORMAT_PLUGIN(tfjs_format, "tfjs", "1.0.0", "TensorFlow.js Layers models: a directory of model.json and weight shards (web_model/)", ".json", MLRUN_FORMAT_DIRECTORY_PATHS | MLRUN_FORMAT_CHECKS_MODEL)
