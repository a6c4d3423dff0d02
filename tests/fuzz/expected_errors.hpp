// What a fuzz target lets through: mlrun's own errors (they name the file,
// the key or tensor, what was expected and what was found). Anything else
// escaping the reader -- a bare library exception, bad_alloc from a size
// taken on trust -- is a finding, so it aborts and libFuzzer keeps the input.
#pragma once

#include "mlrun/core/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace mlrun::fuzz {

template <class Body>
void expect_clear_errors(Body&& body)
{
    try {
        body();
    } catch (const mlrun::error&) {
        // the expected outcome for damaged input
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: an exception that is not an mlrun error escaped: %s\n", e.what());
        std::abort();
    }
}

}  // namespace mlrun::fuzz
