// Fuzzes the TensorFlow checkpoint reader: the input is a bundle's two
// files (a little-endian u32 length, the .index bytes, then the
// .data-00000-of-00001 bytes), loaded whole through format::load and the
// tf_checkpoint plugin's table, as `mlrun` loads a checkpoint.
#include "expected_errors.hpp"
#include "linked_format.hpp"
#include "scratch_dir.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    two_parts parts{};
    if (!split_two(data, size, parts)) return 0;
    scratch().write("ckpt.index", parts.first, parts.first_size);
    scratch().write("ckpt.data-00000-of-00001", parts.second, parts.second_size);
    expect_clear_errors([] { linked_format().load(scratch().path("ckpt")); });
    return 0;
}
