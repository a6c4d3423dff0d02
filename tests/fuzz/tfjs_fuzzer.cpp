// Fuzzes the TF.js reader behind `mlrun inspect DIR`: the input is
// model.json, then a NUL byte, then the bytes of its one shard
// (group1-shard1of1.bin, the name mlrun's exports use); loaded through
// format::load and the tfjs plugin's table, as `mlrun` loads it.
#include "expected_errors.hpp"
#include "linked_format.hpp"
#include "scratch_dir.hpp"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    const std::uint8_t* split = std::find(data, data + size, std::uint8_t{0});
    const std::size_t json_size = static_cast<std::size_t>(split - data);
    scratch().write("model.json", data, json_size);
    const std::size_t shard_size = json_size < size ? size - json_size - 1 : 0;
    scratch().write("group1-shard1of1.bin", json_size < size ? split + 1 : data, shard_size);
    expect_clear_errors([] { linked_format().load(scratch().path("model.json")); });
    return 0;
}
