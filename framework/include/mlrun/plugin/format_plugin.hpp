// A format plugin written as C++ classes, behind mlrun_format.h's table.
//
// The plugin describes its format with a class of static members:
//
//     struct npz_format {
//         static std::unique_ptr<format_writer> save_begin(const std::string& path, const option_list& options);
//         static std::unique_ptr<format_reader> open(const std::string& path, const option_list& options);
//         // Optional: static std::unique_ptr<format_reader> inspect(path, options);
//         // Optional: static void check_save_path(const std::string& path);
//     };
//     MLRUN_FORMAT_PLUGIN(npz_format, "npz", "1.0.0", "NumPy archives", ".npz", 0u)
//
// The last line defines the table, the descriptor, the exported entry and
// the facts record, all from the same name, suffixes and MLRUN_FORMAT_*
// flags, so they cannot disagree.
// and reports every failure by throwing. This header writes the C table
// once for every format: exceptions become statuses (guarded() in
// plugin_author.hpp; other exceptions are IO_ERROR), messages go where
// mlrun_abi.h's convention puts them, and the writer and reader objects
// live in handles the host holds. Header-only and free of host symbols.
#pragma once

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/plugin/plugin_author.hpp"

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mlrun::plugin_author {

using option_list = std::vector<std::pair<std::string, std::string>>;
using metadata_list = std::vector<std::pair<std::string, std::string>>;

// One save. The host calls tensor() and metadata() in its order, then
// commit(), which makes the checkpoint visible at its path at once.
// Destroying a writer that has not committed (an abort, or a failed
// commit) must leave nothing it wrote behind.
class format_writer {
public:
    virtual ~format_writer() = default;
    virtual void tensor(const mlrun_tensor_view& tensor) = 0;
    virtual void metadata(const std::string& key, const std::string& value) = 0;
    virtual void commit() = 0;
};

// Called with each element of a string tensor being read.
using string_sink = std::function<void(std::int64_t element, std::string_view bytes)>;

// An open file. tensor_info's pointers must stay valid as long as the reader.
class format_reader {
public:
    virtual ~format_reader() = default;
    virtual std::size_t tensor_count() const = 0;
    // Name, dtype, rank, dims and byte_size of tensor `index` (data NULL);
    // index < tensor_count().
    virtual mlrun_tensor_view tensor_info(std::size_t index) const = 0;
    // Copies numeric tensor `index` into dst, exactly `size` bytes.
    virtual void read_tensor(std::size_t index, void* dst, std::uint64_t size) = 0;
    virtual void read_strings(std::size_t index, const string_sink&)
    {
        throw unsupported_error("tensor #" + std::to_string(index) + ": this format holds no string tensors");
    }
    virtual const metadata_list& metadata() const = 0;
};

// ---- what formats check and copy when the host hands them a tensor

inline std::string tensor_name(const mlrun_tensor_view& view) { return view.name != nullptr ? view.name : ""; }

// The tensor's shape; throws naming the tensor when its rank or a size is bad.
inline std::vector<std::int64_t> tensor_dims(const mlrun_tensor_view& view)
{
    if (view.rank < 0 || (view.rank > 0 && view.dims == nullptr)) {
        throw std::invalid_argument("tensor '" + tensor_name(view) + "': bad rank " + std::to_string(view.rank));
    }
    std::vector<std::int64_t> dims(view.dims, view.dims + view.rank);
    for (const std::int64_t d : dims) {
        if (d < 0) throw std::invalid_argument("tensor '" + tensor_name(view) + "': negative size in its shape");
    }
    return dims;
}

inline std::uint64_t element_count(const std::vector<std::int64_t>& dims)
{
    std::uint64_t count = 1;
    for (const std::int64_t d : dims) count *= static_cast<std::uint64_t>(d);
    return count;
}

// A numeric tensor's bytes, checked against its dtype and shape.
inline std::vector<unsigned char> numeric_bytes(const mlrun_tensor_view& view)
{
    const std::size_t size = element_size(view.dtype);
    if (size == 0) {
        throw std::invalid_argument("tensor '" + tensor_name(view) + "': dtype " + std::to_string(view.dtype) +
                                    " is not a numeric type");
    }
    if (element_count(tensor_dims(view)) * size != view.byte_size) {
        throw std::invalid_argument("tensor '" + tensor_name(view) + "': " + std::to_string(view.byte_size) +
                                    " bytes do not match its shape");
    }
    const auto* bytes = static_cast<const unsigned char*>(view.data);
    return std::vector<unsigned char>(bytes, bytes + view.byte_size);
}

// A plugin's own copy of a numeric tensor (any type with name, dtype, dims
// and bytes), checked as numeric_bytes checks it.
template <class Tensor> Tensor numeric_tensor(const mlrun_tensor_view& view)
{
    Tensor t;
    t.name = tensor_name(view);
    t.dtype = static_cast<mlrun_dtype>(view.dtype);
    t.dims = tensor_dims(view);
    t.bytes = numeric_bytes(view);
    return t;
}

// A string tensor's elements, borrowed from the view.
inline std::vector<std::string_view> string_elements(const mlrun_tensor_view& view)
{
    const std::uint64_t count = element_count(tensor_dims(view));
    const auto* pointers = static_cast<const char* const*>(view.data);
    if (count > 0 && (pointers == nullptr || view.string_lengths == nullptr)) {
        throw std::invalid_argument("string tensor '" + tensor_name(view) + "' has no elements");
    }
    std::vector<std::string_view> elements;
    for (std::uint64_t i = 0; i < count; ++i) elements.emplace_back(pointers[i], view.string_lengths[i]);
    return elements;
}

// The entry at `index` of a list the host indexes (tensors, metadata).
template <class List> const auto& entry_at(const List& list, std::size_t index, const char* what)
{
    if (index >= list.size()) {
        throw std::out_of_range("no " + std::string(what) + " #" + std::to_string(index) + " (there are " +
                                std::to_string(list.size()) + ")");
    }
    return list[index];
}

// ---- a reader over tensors held in memory

namespace detail {
template <class T, class = void> struct has_strings : std::false_type {};
template <class T> struct has_strings<T, std::void_t<decltype(std::declval<T&>().strings)>> : std::true_type {};
}  // namespace detail

// A file read whole when it was opened: `Tensor` has name, dtype, dims and
// bytes (numeric data), and `strings` where the format holds string tensors.
template <class Tensor> class memory_reader : public format_reader {
public:
    memory_reader(std::vector<Tensor> tensors, metadata_list metadata)
        : tensors_(std::move(tensors)), metadata_(std::move(metadata))
    {
    }

    std::size_t tensor_count() const override { return tensors_.size(); }

    mlrun_tensor_view tensor_info(std::size_t index) const override
    {
        const Tensor& t = entry_at(tensors_, index, "tensor");
        return mlrun_tensor_view{t.name.c_str(), t.dtype,        static_cast<std::int32_t>(t.dims.size()),
                                 t.dims.data(),  nullptr,        t.bytes.size(),
                                 nullptr};
    }

    void read_tensor(std::size_t index, void* dst, std::uint64_t size) override
    {
        const Tensor& t = entry_at(tensors_, index, "tensor");
        if (t.dtype == MLRUN_DTYPE_STRING) throw std::invalid_argument("tensor '" + t.name + "' holds strings");
        if (size != t.bytes.size()) {
            throw std::invalid_argument("tensor '" + t.name + "' has " + std::to_string(t.bytes.size()) +
                                        " bytes, the caller offers " + std::to_string(size));
        }
        if (!t.bytes.empty()) std::memcpy(dst, t.bytes.data(), t.bytes.size());
    }

    void read_strings(std::size_t index, const string_sink& sink) override
    {
        if constexpr (detail::has_strings<Tensor>::value) {
            const Tensor& t = entry_at(tensors_, index, "tensor");
            if (t.dtype != MLRUN_DTYPE_STRING) throw std::invalid_argument("tensor '" + t.name + "' is numeric");
            for (std::size_t i = 0; i < t.strings.size(); ++i) sink(static_cast<std::int64_t>(i), t.strings[i]);
        } else {
            format_reader::read_strings(index, sink);
        }
    }

    const metadata_list& metadata() const override { return metadata_; }

private:
    std::vector<Tensor> tensors_;
    metadata_list metadata_;
};

// ---- the C table

namespace detail {

// What the host holds for a writer or reader: the object and its message.
struct writer_handle {
    std::unique_ptr<format_writer> writer;
    std::string error;
};
struct reader_handle {
    std::unique_ptr<format_reader> reader;
    std::string error;
};

inline writer_handle& handle_of(mlrun_format_writer* w) { return *reinterpret_cast<writer_handle*>(w); }
inline reader_handle& handle_of(mlrun_format_reader* r) { return *reinterpret_cast<reader_handle*>(r); }

// Runs `body` and turns what it throws into a status and `message`: a
// format's failures are about its files, so plain exceptions are IO_ERROR.
template <class Body> mlrun_status format_call(std::string& message, Body&& body) noexcept
{
    return guarded(
        message,
        [&] {
            body();
            return MLRUN_STATUS_OK;
        },
        MLRUN_STATUS_IO_ERROR);
}

// format_call for entries without a handle: the message goes to the caller's buffer.
template <class Body> mlrun_status reporting_call(char* error, std::size_t error_size, Body&& body) noexcept
{
    std::string message;
    const mlrun_status status = format_call(message, body);
    if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
    return status;
}

inline option_list options_of(const mlrun_option* options, std::size_t count)
{
    option_list list;
    for (std::size_t i = 0; i < count; ++i) {
        list.emplace_back(options[i].key != nullptr ? options[i].key : "",
                          options[i].value != nullptr ? options[i].value : "");
    }
    return list;
}

template <class T, class = void> struct has_inspect : std::false_type {};
template <class T> struct has_inspect<T, std::void_t<decltype(&T::inspect)>> : std::true_type {};
template <class T, class = void> struct has_check_save_path : std::false_type {};
template <class T> struct has_check_save_path<T, std::void_t<decltype(&T::check_save_path)>> : std::true_type {};

// Opens a reader with `open_file` (the format's open or inspect) into a handle.
template <class Open>
mlrun_status open_reader(Open&& open_file, const char* path, const mlrun_option* options, std::size_t option_count,
                         mlrun_format_reader** out, char* error, std::size_t error_size) noexcept
{
    return reporting_call(error, error_size, [&] {
        if (path == nullptr || *path == '\0') throw std::invalid_argument("no path given");
        auto handle = std::make_unique<reader_handle>();
        handle->reader = open_file(std::string(path), options_of(options, option_count));
        *out = reinterpret_cast<mlrun_format_reader*>(handle.release());
    });
}

template <class Format> struct format_entries {
    static mlrun_status save_begin(const char* path, const mlrun_option* options, std::size_t option_count,
                                   mlrun_format_writer** out, char* error, std::size_t error_size)
    {
        return reporting_call(error, error_size, [&] {
            if (path == nullptr || *path == '\0') throw std::invalid_argument("no path given");
            auto handle = std::make_unique<writer_handle>();
            handle->writer = Format::save_begin(std::string(path), options_of(options, option_count));
            *out = reinterpret_cast<mlrun_format_writer*>(handle.release());
        });
    }

    static mlrun_status save_tensor(mlrun_format_writer* w, const mlrun_tensor_view* tensor)
    {
        return format_call(handle_of(w).error, [&] {
            if (tensor == nullptr) throw std::invalid_argument("no tensor given");
            handle_of(w).writer->tensor(*tensor);
        });
    }

    static mlrun_status save_metadata(mlrun_format_writer* w, const char* key, const char* value)
    {
        return format_call(handle_of(w).error, [&] {
            if (key == nullptr || *key == '\0' || value == nullptr) {
                throw std::invalid_argument("metadata without a key or value");
            }
            handle_of(w).writer->metadata(key, value);
        });
    }

    // Frees the writer either way; one that failed removes what it wrote.
    static mlrun_status save_commit(mlrun_format_writer* w, char* error, std::size_t error_size)
    {
        const std::unique_ptr<writer_handle> owned(&handle_of(w));
        return reporting_call(error, error_size, [&] { owned->writer->commit(); });
    }

    static void save_abort(mlrun_format_writer* w) { delete &handle_of(w); }
    static const char* writer_error(mlrun_format_writer* w) { return handle_of(w).error.c_str(); }

    static mlrun_status open(const char* path, const mlrun_option* options, std::size_t option_count,
                             mlrun_format_reader** out, char* error, std::size_t error_size)
    {
        return open_reader(Format::open, path, options, option_count, out, error, error_size);
    }

    static mlrun_status inspect(const char* path, const mlrun_option* options, std::size_t option_count,
                                mlrun_format_reader** out, char* error, std::size_t error_size)
    {
        return open_reader(Format::inspect, path, options, option_count, out, error, error_size);
    }

    static std::int64_t tensor_count(mlrun_format_reader* r)
    {
        return static_cast<std::int64_t>(handle_of(r).reader->tensor_count());
    }

    static mlrun_status tensor_info(mlrun_format_reader* r, std::int64_t index, mlrun_tensor_view* out)
    {
        return format_call(handle_of(r).error, [&] { *out = handle_of(r).reader->tensor_info(checked(r, index)); });
    }

    static mlrun_status read_tensor(mlrun_format_reader* r, std::int64_t index, void* dst, std::uint64_t dst_size)
    {
        return format_call(handle_of(r).error,
                           [&] { handle_of(r).reader->read_tensor(checked(r, index), dst, dst_size); });
    }

    static mlrun_status read_strings(mlrun_format_reader* r, std::int64_t index, mlrun_string_sink sink,
                                     void* context)
    {
        return format_call(handle_of(r).error, [&] {
            handle_of(r).reader->read_strings(checked(r, index), [&](std::int64_t element, std::string_view bytes) {
                sink(context, element, bytes.data(), bytes.size());
            });
        });
    }

    static std::int64_t metadata_count(mlrun_format_reader* r)
    {
        return static_cast<std::int64_t>(handle_of(r).reader->metadata().size());
    }

    static mlrun_status metadata_entry(mlrun_format_reader* r, std::int64_t index, const char** key,
                                       const char** value)
    {
        return format_call(handle_of(r).error, [&] {
            if (index < 0) throw std::out_of_range("no metadata entry #" + std::to_string(index));
            const auto& entry = entry_at(handle_of(r).reader->metadata(), static_cast<std::size_t>(index),
                                         "metadata entry");
            *key = entry.first.c_str();
            *value = entry.second.c_str();
        });
    }

    static void close(mlrun_format_reader* r) { delete &handle_of(r); }
    static const char* reader_error(mlrun_format_reader* r) { return handle_of(r).error.c_str(); }

    static mlrun_status check_save_path(const char* path, char* error, std::size_t error_size)
    {
        return reporting_call(error, error_size, [&] { Format::check_save_path(std::string(path != nullptr ? path : "")); });
    }

    // A tensor index the reader has, or out_of_range naming it.
    static std::size_t checked(mlrun_format_reader* r, std::int64_t index)
    {
        const std::size_t count = handle_of(r).reader->tensor_count();
        if (index < 0 || static_cast<std::size_t>(index) >= count) {
            throw std::out_of_range("no tensor #" + std::to_string(index) + " (there are " + std::to_string(count) +
                                    ")");
        }
        return static_cast<std::size_t>(index);
    }
};

}  // namespace detail

// The C table of `Format` (see the top of this file).
template <class Format> mlrun_format_table format_table(const char* suffixes, std::uint32_t flags)
{
    using e = detail::format_entries<Format>;
    mlrun_format_table t{};
    t.struct_size = sizeof(mlrun_format_table);
    t.suffixes = suffixes;
    t.save_begin = e::save_begin;
    t.save_tensor = e::save_tensor;
    t.save_metadata = e::save_metadata;
    t.save_commit = e::save_commit;
    t.save_abort = e::save_abort;
    t.writer_error = e::writer_error;
    t.open = e::open;
    t.tensor_count = e::tensor_count;
    t.tensor_info = e::tensor_info;
    t.read_tensor = e::read_tensor;
    t.read_strings = e::read_strings;
    t.metadata_count = e::metadata_count;
    t.metadata_entry = e::metadata_entry;
    t.close = e::close;
    t.reader_error = e::reader_error;
    t.flags = flags;
    if constexpr (detail::has_check_save_path<Format>::value) t.check_save_path = e::check_save_path;
    if constexpr (detail::has_inspect<Format>::value) t.inspect = e::inspect;
    return t;
}

}  // namespace mlrun::plugin_author

// Defines the plugin of format class `Format` (see the top of this file):
// one line at the end of a format plugin's source, outside any namespace.
#define MLRUN_FORMAT_PLUGIN(Format, name, version, description, suffixes, flags)                                 \
    namespace {                                                                                                    \
    namespace mlrun_format_plugin {                                                                                \
    const mlrun_format_table table = ::mlrun::plugin_author::format_table<Format>(suffixes, flags);                \
    }                                                                                                              \
    }                                                                                                              \
    MLRUN_PLUGIN_DESCRIPTOR(mlrun_format_plugin, MLRUN_PLUGIN_FORMAT, table, name, version, description)           \
    MLRUN_FORMAT_FACTS(name, version, description, suffixes, flags)
