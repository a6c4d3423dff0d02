// Fuzzes the `checkpoint` state file parser and what retention decides from
// it: any text either parses or fails with an io_error; what parses is
// written back and reads back the same; and no listed path that names
// anything outside the directory is ever one a template could delete.
#include "expected_errors.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/path_template.hpp"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun;
    const std::string text(reinterpret_cast<const char*>(data), size);
    static const path_template templates[] = {{"ck/cp-{epoch:04d}.ckpt", "fuzz"}, {"w.{epoch:02d}-{val_loss:.2f}.h5", "fuzz"},
                                              {"cp.ckpt", "fuzz"}};
    mlrun::fuzz::expect_clear_errors([&] {
        const checkpoint_state state = parse_checkpoint_state(text, "checkpoint");
        const checkpoint_state again = parse_checkpoint_state(format_checkpoint_state(state), "checkpoint");
        if (again.model_checkpoint_path != state.model_checkpoint_path ||
            again.all_model_checkpoint_paths != state.all_model_checkpoint_paths) {
            std::abort();  // the written file would not say what was read
        }
        for (const std::string& p : state.all_model_checkpoint_paths) {
            const bool leaves = p.find('/') != std::string::npos || p.find("..") != std::string::npos || p.empty();
            for (const path_template& t : templates) {
                if (leaves && t.makes_file_name(p)) std::abort();  // retention would delete outside the directory
            }
        }
    });
    return 0;
}
