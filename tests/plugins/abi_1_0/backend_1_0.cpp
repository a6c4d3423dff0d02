// A backend built against ABI 1.0's table, which ends at rmsprop_update.
// It provides one kernel, fill, that writes 2 * value so a test can tell
// its code from the reference's. Past its table lie entries that fail
// loudly: a host that read beyond struct_size would call them.
#include "mlrun_tables_1_0.h"

#include "mlrun/plugin/plugin_author.hpp"

#include <cstddef>
#include <cstring>
#include <string>

// Every 1.0 field sits where the current table has it: tables only grow.
static_assert(offsetof(mlrun_backend_table_1_0, create) == offsetof(mlrun_backend_table, create));
static_assert(offsetof(mlrun_backend_table_1_0, fill) == offsetof(mlrun_backend_table, fill));
static_assert(offsetof(mlrun_backend_table_1_0, rmsprop_update) == offsetof(mlrun_backend_table, rmsprop_update));
static_assert(sizeof(mlrun_backend_table_1_0) < sizeof(mlrun_backend_table));

namespace {

char handle;
thread_local std::string create_message;

// ABI 1.0's way to fail a create: the message of last_error(NULL).
mlrun_status create(const mlrun_option* options, size_t count, mlrun_backend** out)
{
    for (size_t i = 0; i < count; ++i) {
        if (std::strcmp(options[i].key, "fail") == 0) {
            create_message = "the 1.0 backend was asked to fail";
            *out = nullptr;
            return MLRUN_STATUS_INVALID_ARGUMENT;
        }
    }
    *out = reinterpret_cast<mlrun_backend*>(&handle);
    return MLRUN_STATUS_OK;
}

void destroy(mlrun_backend*) {}

const char* last_error(mlrun_backend* self) { return self == nullptr ? create_message.c_str() : ""; }

mlrun_status fill(mlrun_backend*, int64_t n, float value, float* y)
{
    for (int64_t i = 0; i < n; ++i) y[i] = 2.0f * value;
    return MLRUN_STATUS_OK;
}

mlrun_status read_past_table(const mlrun_option*, size_t, mlrun_backend** out, char* error, size_t error_size)
{
    *out = nullptr;
    mlrun::plugin_author::copy_message("the host called an entry past the 1.0 table's struct_size", error, error_size);
    return MLRUN_STATUS_INTERNAL;
}

// The 1.0 table, and after it what a 1.1 host must not take for its entries.
struct table_and_beyond {
    mlrun_backend_table_1_0 table;
    decltype(&read_past_table) beyond[4];
};

const table_and_beyond tables = [] {
    table_and_beyond t{};
    t.table.struct_size = sizeof(mlrun_backend_table_1_0);
    t.table.create = create;
    t.table.destroy = destroy;
    t.table.last_error = last_error;
    t.table.fill = fill;
    for (auto& entry : t.beyond) entry = read_past_table;
    return t;
}();

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor), 1, 0, MLRUN_PLUGIN_BACKEND, "backend_1_0", "1.0.0", "built for ABI 1.0",
    &tables.table,
};

const mlrun_plugin_descriptor* entry(const mlrun_host_info* host)
{
    return host != nullptr && host->abi_major == 1 ? &descriptor : nullptr;
}

}  // namespace

MLRUN_PLUGIN_EXPORT(entry)

// The record as a 1.0 build wrote it (ABI 1.0, not this header's version).
__attribute__((used, section(MLRUN_PLUGIN_FACTS_SECTION))) static const mlrun_plugin_facts facts = {
    MLRUN_PLUGIN_FACTS_MAGIC, sizeof(mlrun_plugin_facts), MLRUN_PLUGIN_FACTS_VERSION, 1, 0, 0,
    MLRUN_PLUGIN_BACKEND, 0, "backend_1_0", "1.0.0", "built for ABI 1.0", "", ""};
