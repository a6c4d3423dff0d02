// Fuzzes the ONNX reader behind `mlrun inspect model.onnx`: the input is a
// whole .onnx file, loaded through format::load and the onnx plugin's
// table, as `mlrun` loads it.
#include "expected_errors.hpp"
#include "linked_format.hpp"
#include "scratch_dir.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    scratch().write("model.onnx", data, size);
    expect_clear_errors([] { linked_format().load(scratch().path("model.onnx")); });
    return 0;
}
