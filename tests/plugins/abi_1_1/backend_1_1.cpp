// A backend built against ABI 1.1's table, which ends at create_reporting.
// It provides one kernel, fill, that writes 3 * value so a test can tell
// its code from the reference's. Past its table lie entries shaped like
// ABI 1.2's first kernel that fail loudly: a host that read beyond
// struct_size would call them instead of running the reference.
#include "mlrun_tables_1_1.h"

#include "mlrun/plugin/plugin_author.hpp"

#include <cstddef>
#include <cstring>

// Every 1.1 field sits where the current table has it: tables only grow.
static_assert(offsetof(mlrun_backend_table_1_1, table_1_0) == 0);
static_assert(offsetof(mlrun_backend_table_1_1, create_reporting) ==
              offsetof(mlrun_backend_table, create_reporting));
static_assert(sizeof(mlrun_backend_table_1_1) == offsetof(mlrun_backend_table, create_reporting) +
                                                     sizeof(mlrun_backend_table::create_reporting));
static_assert(sizeof(mlrun_backend_table_1_1) < sizeof(mlrun_backend_table));

namespace {

char handle;

mlrun_status create(const mlrun_option*, size_t, mlrun_backend** out)
{
    *out = reinterpret_cast<mlrun_backend*>(&handle);
    return MLRUN_STATUS_OK;
}

mlrun_status create_reporting(const mlrun_option*, size_t, mlrun_backend** out, char*, size_t)
{
    *out = reinterpret_cast<mlrun_backend*>(&handle);
    return MLRUN_STATUS_OK;
}

void destroy(mlrun_backend*) {}

const char* last_error(mlrun_backend*) { return "the host called an entry past the 1.1 table's struct_size"; }

mlrun_status fill(mlrun_backend*, int64_t n, float value, float* y)
{
    for (int64_t i = 0; i < n; ++i) y[i] = 3.0f * value;
    return MLRUN_STATUS_OK;
}

mlrun_status read_past_table(mlrun_backend*, const mlrun_conv2d_shape*, const float*, const float*, float*)
{
    return MLRUN_STATUS_INTERNAL;
}

// The 1.1 table, and after it what a 1.2 host must not take for its entries.
struct table_and_beyond {
    mlrun_backend_table_1_1 table;
    decltype(&read_past_table) beyond[4];
};

const table_and_beyond tables = [] {
    table_and_beyond t{};
    t.table.table_1_0.struct_size = sizeof(mlrun_backend_table_1_1);
    t.table.table_1_0.create = create;
    t.table.table_1_0.destroy = destroy;
    t.table.table_1_0.last_error = last_error;
    t.table.table_1_0.fill = fill;
    t.table.create_reporting = create_reporting;
    for (auto& entry : t.beyond) entry = read_past_table;
    return t;
}();

const mlrun_plugin_descriptor descriptor = {
    sizeof(mlrun_plugin_descriptor), 1, 1, MLRUN_PLUGIN_BACKEND, "backend_1_1", "1.0.0", "built for ABI 1.1",
    &tables.table,
};

const mlrun_plugin_descriptor* entry(const mlrun_host_info* host)
{
    return host != nullptr && host->abi_major == 1 ? &descriptor : nullptr;
}

}  // namespace

MLRUN_PLUGIN_EXPORT(entry)

// The record as a 1.1 build wrote it.
__attribute__((used, section(MLRUN_PLUGIN_FACTS_SECTION))) static const mlrun_plugin_facts facts = {
    MLRUN_PLUGIN_FACTS_MAGIC, sizeof(mlrun_plugin_facts), MLRUN_PLUGIN_FACTS_VERSION, 1, 1, 0,
    MLRUN_PLUGIN_BACKEND, 0, "backend_1_1", "1.0.0", "built for ABI 1.1", "", ""};
