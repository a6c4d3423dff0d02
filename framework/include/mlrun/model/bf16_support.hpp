// Whether a model's bf16 products (layers under mixed_bfloat16) run natively
// on a backend, checked once before training.
#pragma once

#include "mlrun/layers/dtype_policy.hpp"

#include <iosfwd>
#include <string>

namespace mlrun {

class backend;
class model;

// The line said once when `m` has layers under mixed_bfloat16 and `be` has
// no native bf16; empty otherwise.
std::string bf16_emulation_notice(const model& m, const backend& be);

// With mode native_only, throws config_error (naming `where`, e.g.
// "backend.bf16") when `m` would emulate bf16 on `be`; with emulate, writes
// bf16_emulation_notice (when there is one) to `out`, one line.
void check_bf16_support(const model& m, const backend& be, bf16_mode mode, const std::string& where,
                        std::ostream& out);

}  // namespace mlrun
