// A format built against ABI 1.0's table, which ends at check_save_path:
// files ".v10" of text lines, "t NAME DTYPE RANK DIMS... HEX" per tensor
// and "m KEY HEX" per metadata entry. It leaves read_strings out, so a
// string tensor it wrote cannot be read back ("not supported"), and has no
// inspect (ABI 1.1). Past its table lie entries that fail loudly.
#include "mlrun_tables_1_0.h"

#include "mlrun/plugin/plugin_author.hpp"

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static_assert(offsetof(mlrun_format_table_1_0, save_begin) == offsetof(mlrun_format_table, save_begin));
static_assert(offsetof(mlrun_format_table_1_0, reader_error) == offsetof(mlrun_format_table, reader_error));
static_assert(offsetof(mlrun_format_table_1_0, check_save_path) == offsetof(mlrun_format_table, check_save_path));
static_assert(sizeof(mlrun_format_table_1_0) < sizeof(mlrun_format_table));

using mlrun::plugin_author::copy_message;

namespace {

struct stored_tensor {
    std::string name;
    int32_t dtype = 0;
    std::vector<int64_t> dims;
    std::string bytes;  // a string tensor: its one element
};

struct writer {
    std::string path;
    std::ostringstream text;
    std::string error;
};

struct reader {
    std::vector<stored_tensor> tensors;
    std::vector<std::pair<std::string, std::string>> metadata;
    std::string error;
};

writer& as_writer(mlrun_format_writer* w) { return *reinterpret_cast<writer*>(w); }
reader& as_reader(mlrun_format_reader* r) { return *reinterpret_cast<reader*>(r); }

std::string hex(const char* bytes, size_t size)
{
    std::string out = "x";  // never empty, so a line always has the field
    char digits[3];
    for (size_t i = 0; i < size; ++i) {
        std::snprintf(digits, sizeof digits, "%02x", static_cast<unsigned char>(bytes[i]));
        out += digits;
    }
    return out;
}

std::string unhex(const std::string& text)
{
    std::string out;
    for (size_t i = 1; i + 1 < text.size(); i += 2) out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
    return out;
}

mlrun_status save_begin(const char* path, const mlrun_option*, size_t, mlrun_format_writer** out, char*, size_t)
{
    *out = reinterpret_cast<mlrun_format_writer*>(new writer{path, {}, {}});
    return MLRUN_STATUS_OK;
}

mlrun_status save_tensor(mlrun_format_writer* w, const mlrun_tensor_view* t)
{
    writer& self = as_writer(w);
    self.text << "t " << t->name << " " << t->dtype << " " << t->rank;
    for (int32_t i = 0; i < t->rank; ++i) self.text << " " << t->dims[i];
    if (t->dtype == MLRUN_DTYPE_STRING) {
        if (t->rank != 0) {
            self.error = "only scalar string tensors";
            return MLRUN_STATUS_INVALID_ARGUMENT;
        }
        self.text << " " << hex(static_cast<const char* const*>(t->data)[0], t->string_lengths[0]) << "\n";
    } else {
        self.text << " " << hex(static_cast<const char*>(t->data), t->byte_size) << "\n";
    }
    return MLRUN_STATUS_OK;
}

mlrun_status save_metadata(mlrun_format_writer* w, const char* key, const char* value)
{
    as_writer(w).text << "m " << key << " " << hex(value, std::string(value).size()) << "\n";
    return MLRUN_STATUS_OK;
}

mlrun_status save_commit(mlrun_format_writer* w, char* error, size_t error_size)
{
    writer* self = &as_writer(w);
    std::ofstream(self->path) << self->text.str();
    const bool written = std::ifstream(self->path).good();
    if (!written) copy_message("cannot write " + self->path, error, error_size);
    delete self;
    return written ? MLRUN_STATUS_OK : MLRUN_STATUS_IO_ERROR;
}

void save_abort(mlrun_format_writer* w) { delete &as_writer(w); }
const char* writer_error(mlrun_format_writer* w) { return as_writer(w).error.c_str(); }

mlrun_status open(const char* path, const mlrun_option*, size_t, mlrun_format_reader** out, char* error,
                  size_t error_size)
{
    std::ifstream in(path);
    if (!in) {
        copy_message(std::string("cannot open ") + path, error, error_size);
        return MLRUN_STATUS_IO_ERROR;
    }
    auto* self = new reader;
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string kind, name, data;
        fields >> kind >> name;
        if (kind == "m") {
            fields >> data;
            self->metadata.emplace_back(name, unhex(data));
            continue;
        }
        stored_tensor t;
        t.name = name;
        int32_t rank = 0;
        fields >> t.dtype >> rank;
        t.dims.resize(static_cast<size_t>(rank));
        for (int64_t& d : t.dims) fields >> d;
        fields >> data;
        t.bytes = unhex(data);
        self->tensors.push_back(std::move(t));
    }
    *out = reinterpret_cast<mlrun_format_reader*>(self);
    return MLRUN_STATUS_OK;
}

int64_t tensor_count(mlrun_format_reader* r) { return static_cast<int64_t>(as_reader(r).tensors.size()); }

mlrun_status tensor_info(mlrun_format_reader* r, int64_t index, mlrun_tensor_view* out)
{
    const stored_tensor& t = as_reader(r).tensors.at(static_cast<size_t>(index));
    *out = {t.name.c_str(), t.dtype, static_cast<int32_t>(t.dims.size()), t.dims.data(), nullptr, t.bytes.size(),
            nullptr};
    return MLRUN_STATUS_OK;
}

mlrun_status read_tensor(mlrun_format_reader* r, int64_t index, void* dst, uint64_t dst_size)
{
    const stored_tensor& t = as_reader(r).tensors.at(static_cast<size_t>(index));
    if (dst_size != t.bytes.size()) {
        as_reader(r).error = "size mismatch";
        return MLRUN_STATUS_INVALID_ARGUMENT;
    }
    t.bytes.copy(static_cast<char*>(dst), t.bytes.size());
    return MLRUN_STATUS_OK;
}

int64_t metadata_count(mlrun_format_reader* r) { return static_cast<int64_t>(as_reader(r).metadata.size()); }

mlrun_status metadata_entry(mlrun_format_reader* r, int64_t index, const char** key, const char** value)
{
    const auto& entry = as_reader(r).metadata.at(static_cast<size_t>(index));
    *key = entry.first.c_str();
    *value = entry.second.c_str();
    return MLRUN_STATUS_OK;
}

void close(mlrun_format_reader* r) { delete &as_reader(r); }
const char* reader_error(mlrun_format_reader* r) { return as_reader(r).error.c_str(); }

mlrun_status read_past_table(const char*, const mlrun_option*, size_t, mlrun_format_reader** out, char* error,
                             size_t error_size)
{
    *out = nullptr;
    copy_message("the host called an entry past the 1.0 table's struct_size", error, error_size);
    return MLRUN_STATUS_INTERNAL;
}

struct table_and_beyond {
    mlrun_format_table_1_0 table;
    decltype(&read_past_table) beyond[4];
};

const table_and_beyond tables = [] {
    table_and_beyond t{};
    t.table = {sizeof(mlrun_format_table_1_0), ".v10", save_begin, save_tensor, save_metadata, save_commit,
               save_abort, writer_error, open, tensor_count, tensor_info, read_tensor,
               nullptr /* read_strings */, metadata_count, metadata_entry, close, reader_error, 0,
               nullptr /* check_save_path: any path */};
    for (auto& entry : t.beyond) entry = read_past_table;
    return t;
}();

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor), 1, 0, MLRUN_PLUGIN_FORMAT, "format_1_0", "1.0.0", "built for ABI 1.0",
    &tables.table,
};

const mlrun_plugin_descriptor* entry(const mlrun_host_info* host)
{
    return host != nullptr && host->abi_major == 1 ? &descriptor : nullptr;
}

}  // namespace

MLRUN_PLUGIN_EXPORT(entry)

__attribute__((used, section(MLRUN_PLUGIN_FACTS_SECTION))) static const mlrun_plugin_facts facts = {
    MLRUN_PLUGIN_FACTS_MAGIC, sizeof(mlrun_plugin_facts), MLRUN_PLUGIN_FACTS_VERSION, 1, 0, 0,
    MLRUN_PLUGIN_FORMAT, 0, "format_1_0", "1.0.0", "built for ABI 1.0", ".v10", ""};
