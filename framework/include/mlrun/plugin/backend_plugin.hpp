// Helpers for writing a backend plugin: its table filled from C++.
//
// A backend's state is a class `State` made by State(options, count),
// which throws when an option is bad, with a member `std::string error`
// that keeps the message of its last failed kernel call:
//
//     mlrun_backend_table make_table()
//     {
//         mlrun_backend_table t = mlrun::plugin_author::backend_table<my_backend>();
//         t.gemm = my_gemm;                                       // kernels one by one,
//         mlrun::plugin_author::add_kernels<my_element_wise>(t);  // or from a class
//         t.threads = mlrun::plugin_author::threads_of<my_backend>;  // its `int threads`
//         return t;
//     }
//     MLRUN_BACKEND_PLUGIN(make_table, "mine", "1.0.0", "my backend")
//
// backend_table writes the lifetime entries (create, create_reporting,
// destroy, last_error) once for every backend, with guarded()'s exception
// mapping. Header-only and free of host symbols, like plugin_author.hpp.
#pragma once

#include "mlrun/abi/mlrun_backend.h"
#include "mlrun/plugin/plugin_author.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
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

// The State behind a handle that backend_table's create made.
template <class State> State& backend_state(mlrun_backend* self) { return *reinterpret_cast<State*>(self); }

namespace detail {

// The message of the last failed ABI 1.0 create() on this thread (its last_error(NULL)).
inline thread_local std::string create_message;

template <class State> struct backend_lifetime {
    static mlrun_status create_reporting(const mlrun_option* options, std::size_t count, mlrun_backend** out,
                                         char* error, std::size_t error_size)
    {
        *out = nullptr;
        std::string message;
        const mlrun_status status = guarded(message, [&] {
            *out = reinterpret_cast<mlrun_backend*>(new State(options, count));
            return MLRUN_STATUS_OK;
        });
        if (status != MLRUN_STATUS_OK) copy_message(message, error, error_size);
        return status;
    }

    // For hosts of ABI 1.0, which call create and read a failure from last_error(NULL).
    static mlrun_status create(const mlrun_option* options, std::size_t count, mlrun_backend** out)
    {
        *out = nullptr;
        return guarded(create_message, [&] {
            *out = reinterpret_cast<mlrun_backend*>(new State(options, count));
            return MLRUN_STATUS_OK;
        });
    }

    static void destroy(mlrun_backend* self) { delete &backend_state<State>(self); }

    static const char* last_error(mlrun_backend* self)
    {
        return self == nullptr ? create_message.c_str() : backend_state<State>(self).error.c_str();
    }
};

}  // namespace detail

// The threads entry of a backend whose State keeps its count in `int threads`.
template <class State> std::int32_t threads_of(mlrun_backend* self) { return backend_state<State>(self).threads; }

// A table with State's lifetime entries and no kernels yet (a kernel left
// NULL runs the reference's).
template <class State> mlrun_backend_table backend_table()
{
    using e = detail::backend_lifetime<State>;
    mlrun_backend_table t{};
    t.struct_size = sizeof(mlrun_backend_table);
    t.create = e::create;
    t.create_reporting = e::create_reporting;
    t.destroy = e::destroy;
    t.last_error = e::last_error;
    return t;
}

}  // namespace mlrun::plugin_author

// Defines a backend plugin whose table `make_table()` returns: the table,
// the descriptor, the exported entry and the facts record, from one name,
// version and description. One line at the end of the source, outside any
// namespace.
#define MLRUN_BACKEND_PLUGIN(make_table, name, version, description)                                             \
    namespace {                                                                                                    \
    namespace mlrun_backend_plugin {                                                                               \
    const mlrun_backend_table table = make_table();                                                                \
    }                                                                                                              \
    }                                                                                                              \
    MLRUN_PLUGIN_DESCRIPTOR(mlrun_backend_plugin, MLRUN_PLUGIN_BACKEND, table, name, version, description)         \
    MLRUN_BACKEND_FACTS(name, version, description)
