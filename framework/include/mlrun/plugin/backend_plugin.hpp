// Helpers for writing a backend plugin: its table filled from C++.
//
// Header-only and free of host symbols, like plugin_author.hpp.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

#include <type_traits>

namespace mlrun::plugin_author {
namespace kernel_detection {

// has_<kernel><K>: whether K has a member named like that kernel.
#define MLRUN_KERNEL_DETECTOR(name, parameters)                                 \
    template <class K, class = void> struct has_##name : std::false_type {};    \
    template <class K> struct has_##name<K, std::void_t<decltype(&K::name)>> : std::true_type {};
MLRUN_BACKEND_KERNELS(MLRUN_KERNEL_DETECTOR)
#undef MLRUN_KERNEL_DETECTOR

}  // namespace kernel_detection

// Points each kernel entry of `table` at the static function of `Kernels`
// with the kernel's name, for every kernel `Kernels` has; the others keep
// their value (NULL: the host runs the reference kernel).
template <class Kernels> void add_kernels(mlrun_backend_table& table)
{
#define MLRUN_ADD_KERNEL(name, parameters) \
    if constexpr (kernel_detection::has_##name<Kernels>::value) table.name = &Kernels::name;
    MLRUN_BACKEND_KERNELS(MLRUN_ADD_KERNEL)
#undef MLRUN_ADD_KERNEL
}

}  // namespace mlrun::plugin_author
