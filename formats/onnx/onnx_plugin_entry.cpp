// The format plugin "onnx": exports a model (architecture and weights) as
// an ONNX model for ONNX runtimes, behind mlrun_format.h. Export-only:
// reading a file serves `mlrun inspect`, never loading a model back.
//
// Saving stages tensors and metadata in memory; commit builds the graph,
// checks it and writes the file (docs/onnx.md).
#include "model_export.hpp"
#include "onnx_error.hpp"
#include "onnx_file.hpp"
#include "onnx_inspect.hpp"
#include "staged_export.hpp"

#include "mlrun/plugin/format_plugin.hpp"

namespace pa = mlrun::plugin_author;
namespace of = mlrun::onnx_format;

namespace {

class onnx_writer : public pa::format_writer {
public:
    onnx_writer(std::string path, bool dry_run, std::string source) : path_(std::move(path)), dry_run_(dry_run)
    {
        model_.source = std::move(source);
    }

    void tensor(const mlrun_tensor_view& view) override
    {
        // Optimizer state and string tensors have no place in an inference graph.
        if (view.dtype == MLRUN_DTYPE_STRING || pa::tensor_name(view).rfind("optimizer/", 0) == 0) return;
        model_.tensors.push_back(pa::numeric_tensor<of::staged_tensor>(view));
    }

    void metadata(const std::string& key, const std::string& value) override
    {
        model_.metadata.emplace_back(key, value);
    }

    void commit() override
    {
        const onnx::ModelProto model = of::export_model(model_);
        if (!dry_run_) of::write_model_file(path_, model);
    }

private:
    std::string path_;
    bool dry_run_;  // build and check the model, write nothing
    of::staged_export model_;
};

struct onnx_format {
    static std::unique_ptr<pa::format_writer> save_begin(const std::string& path, const pa::option_list& options)
    {
        std::string source;
        bool dry_run = false;
        for (const auto& [key, value] : options) {
            if (key == "source") {
                source = value;
            } else if (key == "dry_run") {
                dry_run = pa::parse_flag(key, value);
            } else if (key == "weights_only") {
                pa::parse_flag(key, value);  // the graph needs the architecture and weights either way
            } else {
                throw of::format_error("unknown option '" + key + "'; the onnx format knows: source, dry_run, weights_only");
            }
        }
        return std::make_unique<onnx_writer>(path, dry_run, source);
    }

    static std::unique_ptr<pa::format_reader> open(const std::string& path, const pa::option_list& options)
    {
        if (!options.empty()) throw of::format_error("the onnx format takes no options for reading");
        of::inspected_model contents = of::inspect_model(of::read_model_file(path), path);
        return std::make_unique<pa::memory_reader<of::staged_tensor>>(std::move(contents.initializers),
                                                                      std::move(contents.metadata));
    }
};

}  // namespace

MLRUN_FORMAT_PLUGIN(onnx_format, "onnx", "1.0.0", "exports models as ONNX (.onnx, opset 17) for ONNX runtimes; export-only, inspect reads the graph", ".onnx", MLRUN_FORMAT_EXPORT_ONLY)
