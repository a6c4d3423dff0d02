// One file open through a format plugin's reading entries: the handle, the
// entries it needs, and the same error for every way reading can fail.
// Internal to libmlrun: format::load and list_tensors read through it.
#pragma once

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/checkpoint/format.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace mlrun {

class format_reader {
public:
    // Opens `path`. listing_only: the caller reads names and shapes only, so
    // the table's inspect (ABI 1.1) is used where it has one. Throws
    // io_error naming the file and the format when it cannot be opened or
    // the format does not read.
    format_reader(const mlrun_format_table& table, const std::string& format_name, const std::string& path,
                  const format_options& options, bool listing_only);
    ~format_reader();
    format_reader(const format_reader&) = delete;
    format_reader& operator=(const format_reader&) = delete;

    std::int64_t tensor_count();
    // Name, dtype and shape of tensor `index`, checked (data is not read).
    struct tensor_info {
        std::string name;
        dtype type;
        shape dims;
    };
    tensor_info info(std::int64_t index);
    // Tensor `index`'s values.
    tensor read(std::int64_t index, const tensor_info& info);
    std::map<std::string, std::string> metadata();

private:
    [[noreturn]] void fail(mlrun_status status, const std::string& what) const;

    const mlrun_format_table& table_;
    std::string format_name_;
    std::string path_;
    mlrun_format_reader* reader_ = nullptr;
};

}  // namespace mlrun
