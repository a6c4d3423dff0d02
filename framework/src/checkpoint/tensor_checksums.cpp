#include "mlrun/checkpoint/tensor_checksums.hpp"

#include "config/bounded_yaml.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/report/crc32c.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <set>

namespace mlrun {
namespace {

std::string checksum_of(const tensor& t)
{
    std::uint32_t crc = 0;
    if (t.type() == dtype::string) {
        for (const std::string& s : t.strings()) {
            const std::uint64_t length = s.size();
            crc = crc32c(&length, sizeof length, crc);
            crc = crc32c(s.data(), s.size(), crc);
        }
    } else {
        crc = crc32c(t.bytes(), t.byte_size(), crc);
    }
    // "crc32c:" keeps it a string through every metadata encoding (a bare
    // 00001234 could come back from JSON as a number).
    char text[32];
    std::snprintf(text, sizeof text, "crc32c:%08x", crc);
    return text;
}

}  // namespace

void add_tensor_checksums(checkpoint& ckpt)
{
    YAML::Node sums(YAML::NodeType::Map);
    for (const auto& [name, value] : ckpt.tensors) sums[name] = checksum_of(value);
    ckpt.metadata[checkpoint_keys::tensor_crc32c] = YAML::Dump(sums);
}

void verify_tensor_checksums(const checkpoint& ckpt, const std::string& path)
{
    const auto entry = ckpt.metadata.find(checkpoint_keys::tensor_crc32c);
    if (entry == ckpt.metadata.end()) return;
    const std::string where = path + ": metadata " + checkpoint_keys::tensor_crc32c;
    YAML::Node sums;
    try {
        sums = load_bounded_yaml(entry->second);
    } catch (const YAML::Exception& e) {
        throw io_error(where + ": expected a mapping of tensor names to checksums, found damaged text: " + e.msg);
    }
    if (!sums.IsMap()) throw io_error(where + ": expected a mapping of tensor names to checksums, found something else");
    std::set<std::string> seen;
    for (const auto& [name, value] : ckpt.tensors) {
        const YAML::Node stored = sums[name];
        if (!stored || !stored.IsScalar()) {
            throw io_error(path + ": tensor '" + name + "' has no checksum in " + checkpoint_keys::tensor_crc32c +
                           "; the file is damaged");
        }
        const std::string computed = checksum_of(value);
        if (stored.Scalar() != computed) {
            throw io_error(path + ": tensor '" + name + "': checksum mismatch: stored crc32c " + stored.Scalar() +
                           ", computed " + computed + "; the file is damaged");
        }
        seen.insert(name);
    }
    for (const auto& item : sums) {
        const std::string name = item.first.as<std::string>();
        if (seen.count(name) == 0) {
            throw io_error(path + ": tensor '" + name + "' is listed in " + checkpoint_keys::tensor_crc32c +
                           " but missing from the file; the file is damaged");
        }
    }
}

}  // namespace mlrun
