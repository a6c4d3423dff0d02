// Fuzzes the JSON a Keras HDF5 file keeps in its root attributes: the
// input is one attribute's text, parsed and translated as model_config
// (the architecture, then the YAML the framework gets) and as
// training_config (the compile settings), as read_legacy_h5 does.
#include "h5_io.hpp"
#include "keras_files.hpp"
#include "interop/keras/json.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    namespace kh = mlrun::keras_h5;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const kh::json config = kh::parse_json(text, "/ attribute 'model_config'");
        kh::staged_checkpoint out;
        kh::translate_architecture([&] { return kh::model_from_keras(config, "/ attribute 'model_config'"); }, out);
        kh::translate_compile([&] { return kh::compile_from_keras(config, "optimizer_config", "/ attribute 'training_config'"); },
                              out);
    } catch (const kh::format_error&) {
        // the expected outcome for damaged input
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: an exception that is not a format error escaped: %s\n", e.what());
        std::abort();
    }
    return 0;
}
