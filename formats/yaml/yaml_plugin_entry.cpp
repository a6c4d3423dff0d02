// The format plugin "yaml": checkpoints and architectures as YAML behind
// mlrun_format.h.
//
// Saving stages the tensors and metadata in memory and writes the file on
// commit (to a temporary name, renamed into place); opening reads and
// checks the whole file up front, so later calls cannot fail half-way.
#include "yaml_file.hpp"

#include "mlrun/plugin/format_plugin.hpp"

namespace pa = mlrun::plugin_author;
namespace yf = mlrun::yaml_format;

namespace {

class yaml_writer : public pa::format_writer {
public:
    explicit yaml_writer(std::string path) : path_(std::move(path)) {}

    void tensor(const mlrun_tensor_view& view) override
    {
        yf::staged_tensor t;
        t.name = pa::tensor_name(view);
        t.dtype = static_cast<mlrun_dtype>(view.dtype);
        t.dims = pa::tensor_dims(view);
        if (t.dtype == MLRUN_DTYPE_STRING) {
            for (const std::string_view s : pa::string_elements(view)) t.strings.emplace_back(s);
        } else {
            t.bytes = pa::numeric_bytes(view);
        }
        file_.tensors.push_back(std::move(t));
    }

    void metadata(const std::string& key, const std::string& value) override { file_.set_meta(key, value); }

    void commit() override { yf::write_file(path_, file_); }

private:
    std::string path_;
    yf::staged_file file_;
};

struct yaml_format {
    static std::unique_ptr<pa::format_writer> save_begin(const std::string& path, const pa::option_list& options)
    {
        for (const auto& [key, value] : options) {
            // weights_only: what the host passes already says it; only the value is checked.
            if (key != "weights_only") {
                throw yf::format_error("unknown option '" + key + "'; the yaml format knows: weights_only");
            }
            pa::parse_flag(key, value);
        }
        return std::make_unique<yaml_writer>(path);
    }

    static std::unique_ptr<pa::format_reader> open(const std::string& path, const pa::option_list& options)
    {
        if (!options.empty()) throw yf::format_error("the yaml format takes no options for reading");
        yf::staged_file file = yf::read_file(path);
        return std::make_unique<pa::memory_reader<yf::staged_tensor>>(std::move(file.tensors),
                                                                      std::move(file.metadata));
    }
};

}  // namespace

MLRUN_FORMAT_PLUGIN(yaml_format, "yaml", "1.0.0", "architecture, compile settings and tensors as YAML (.yaml, .yml); values round-trip exactly", ".yaml;.yml", 0u)
