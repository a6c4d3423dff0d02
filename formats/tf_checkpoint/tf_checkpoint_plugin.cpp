// The tf_checkpoint format plugin: mlrun checkpoints as TensorFlow tensor
// bundles, and TensorFlow's own bundles read into mlrun. This file is the
// ABI glue; checkpoint_writer and checkpoint_view do the work.
//
// Options (all optional):
//   names = mlrun | tensorflow   mlrun (default): tensors carry mlrun names
//                                and are stored under tf.keras object names
//                                with an object graph; tensorflow: keys are
//                                stored and read exactly as given.
//   layer_names = a,b,...        reading: the model's weighted layers in
//                                order, so layer_with_weights-k maps onto
//                                the k-th of them.
//   require_data = true | false  reading: false opens a bundle whose data
//                                shards are missing (names only).
//
// mlrun metadata travels as scalar string tensors under
// `_MLRUN_METADATA/<key>`, which no TensorFlow object refers to.
#include "bundle_reader.hpp"
#include "checkpoint_view.hpp"
#include "checkpoint_writer.hpp"
#include "tf_options.hpp"
#include "tf_types.hpp"

#include "mlrun/plugin/format_plugin.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pa = mlrun::plugin_author;
namespace tf = mlrun::tf;

namespace {

class tf_writer : public pa::format_writer {
public:
    tf_writer(const std::string& path, const pa::option_list& options)
        : checkpoint_(path, tf::parse_tf_options(options, false))
    {
    }

    void tensor(const mlrun_tensor_view& t) override
    {
        const std::string name = pa::tensor_name(t);
        if (name.empty()) throw std::invalid_argument("a tensor has no name");
        const std::vector<std::int64_t> dims = pa::tensor_dims(t);
        const int tf_dtype = tf::tf_dtype_of(static_cast<mlrun_dtype>(t.dtype));
        if (tf_dtype == 0) throw std::invalid_argument("tensor '" + name + "' has unknown dtype code " + std::to_string(t.dtype));
        if (t.dtype != MLRUN_DTYPE_STRING) {
            checkpoint_.add_numeric(name, tf_dtype, dims, t.data, t.byte_size);
        } else {
            checkpoint_.add_strings(name, dims, pa::string_elements(t));
        }
    }

    void metadata(const std::string& key, const std::string& value) override { checkpoint_.add_metadata(key, value); }

    // An uncommitted bundle removes its temporaries when destroyed.
    void commit() override { checkpoint_.commit(); }

private:
    tf::checkpoint_writer checkpoint_;
};

class tf_reader : public pa::format_reader {
public:
    tf_reader(const std::string& path, const pa::option_list& options)
    {
        const tf::tf_options parsed = tf::parse_tf_options(options, true);
        bundle_ = std::make_unique<tf::bundle_reader>(path, parsed.require_data);
        view_ = tf::view_checkpoint(*bundle_, parsed);
    }

    std::size_t tensor_count() const override { return view_.tensors.size(); }

    mlrun_tensor_view tensor_info(std::size_t index) const override
    {
        const tf::viewed_tensor& t = view_.tensors.at(index);
        mlrun_tensor_view out{};
        out.name = t.name.c_str();
        out.dtype = t.dtype;
        out.rank = static_cast<int32_t>(t.entry->dims.size());
        out.dims = t.entry->dims.data();
        out.byte_size = t.dtype == MLRUN_DTYPE_STRING ? 0 : t.entry->size;
        return out;
    }

    void read_tensor(std::size_t index, void* dst, std::uint64_t size) override
    {
        const tf::viewed_tensor& t = view_.tensors.at(index);
        if (t.dtype == MLRUN_DTYPE_STRING) throw std::invalid_argument("tensor '" + t.name + "' holds strings");
        if (size != t.entry->size) {
            throw std::invalid_argument("tensor '" + t.name + "' has " + std::to_string(t.entry->size) +
                                        " bytes, the destination " + std::to_string(size));
        }
        bundle_->read_numeric(*t.entry, dst);
    }

    void read_strings(std::size_t index, const pa::string_sink& sink) override
    {
        const std::vector<std::string> elements = bundle_->read_strings(*view_.tensors.at(index).entry);
        for (std::size_t i = 0; i < elements.size(); ++i) sink(static_cast<std::int64_t>(i), elements[i]);
    }

    const pa::metadata_list& metadata() const override { return view_.metadata; }

private:
    std::unique_ptr<tf::bundle_reader> bundle_;
    tf::checkpoint_view view_;
};

struct tf_checkpoint_format {
    static std::unique_ptr<pa::format_writer> save_begin(const std::string& path, const pa::option_list& options)
    {
        return std::make_unique<tf_writer>(path, options);
    }

    static std::unique_ptr<pa::format_reader> open(const std::string& path, const pa::option_list& options)
    {
        return std::make_unique<tf_reader>(path, options);
    }
};

}  // namespace

MLRUN_FORMAT_PLUGIN(tf_checkpoint_format, "tf_checkpoint", "1.0.0", "TensorFlow checkpoints: PREFIX.index + PREFIX.data-00000-of-00001, tf.keras object names", "", MLRUN_FORMAT_PREFIX_PATHS)
