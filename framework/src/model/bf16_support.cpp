#include "mlrun/model/bf16_support.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/model/model.hpp"

#include <ostream>

namespace mlrun {
namespace {

// How many layers compute their products in bf16.
std::size_t bf16_layer_count(const model& m)
{
    std::size_t count = 0;
    for (const model::node& n : m.nodes()) count += n.op->bf16_products() ? 1 : 0;
    return count;
}

}  // namespace

std::string bf16_emulation_notice(const model& m, const backend& be)
{
    const std::size_t layers = bf16_layer_count(m);
    if (layers == 0 || be.bf16_native()) return {};
    return "mixed_bfloat16: backend '" + be.name() + "' has no native bf16 on this machine; the bf16 products of " +
           std::to_string(layers) + (layers == 1 ? " layer are" : " layers are") +
           " emulated (inputs rounded to bf16, float32 kernels): the same numbers, not faster";
}

void check_bf16_support(const model& m, const backend& be, bf16_mode mode, const std::string& where,
                        std::ostream& out)
{
    const std::string notice = bf16_emulation_notice(m, be);
    if (notice.empty()) return;
    if (mode == bf16_mode::native_only) {
        throw config_error(where + ": native_only, but backend '" + be.name() +
                           "' has no native bf16 on this machine (it needs a CPU with AVX512_BF16 or AMX and a "
                           "backend that uses it, such as onednn); use emulate, or model.dtype_policy: float32");
    }
    out << notice << "\n";
}

}  // namespace mlrun
