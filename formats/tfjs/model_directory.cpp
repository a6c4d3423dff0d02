#include "model_directory.hpp"

#include "mlrun/core/atomic_file.hpp"
#include "mlrun/core/regular_file.hpp"
#include "interop/keras/format_error.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

namespace mlrun::tfjs {

using interop::keras::format_error;

namespace {

// model.json is text of at most this size: a Keras config of a few
// thousand layers; anything larger is not a model description.
constexpr std::uint64_t max_model_json_bytes = 64ull << 20;

std::string directory_of(const std::string& json_path)
{
    const std::size_t slash = json_path.rfind('/');
    return slash == std::string::npos ? "" : json_path.substr(0, slash + 1);
}

bool is_directory(const std::string& path)
{
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// The file's size, or throws format_error naming what it is instead.
std::uint64_t regular_file_size(const std::string& path, const std::string& what)
{
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        throw format_error(what + " " + path + ": cannot be read: " + std::strerror(errno));
    }
    if (const std::string kind = non_regular_kind(path); !kind.empty()) {
        throw format_error(what + " " + non_regular_message(path, kind));
    }
    return static_cast<std::uint64_t>(info.st_size);
}

void read_into(const std::string& path, std::uint64_t size, std::vector<unsigned char>& out, const std::string& what)
{
    std::ifstream in(path, std::ios::binary);
    const std::size_t start = out.size();
    out.resize(start + size);
    if (!in || !in.read(reinterpret_cast<char*>(out.data() + start), static_cast<std::streamsize>(size))) {
        throw format_error(what + " " + path + ": cannot be read");
    }
}

std::string read_text(const std::string& path)
{
    const std::uint64_t size = regular_file_size(path, "model file");
    if (size > max_model_json_bytes) {
        throw format_error(path + ": " + std::to_string(size) + " bytes; a TF.js model.json holds at most 64 MiB of JSON");
    }
    std::vector<unsigned char> bytes;
    read_into(path, size, bytes, "model file");
    return std::string(bytes.begin(), bytes.end());
}

// The weight of `group` whose bytes reach past `available` bytes.
std::string weight_at(const weight_group& group, std::uint64_t available)
{
    std::uint64_t offset = 0;
    for (const manifest_weight& w : group.weights) {
        if (offset + w.stored_bytes() > available) {
            return "weight '" + w.name + "' needs bytes " + std::to_string(offset) + " to " +
                   std::to_string(offset + w.stored_bytes()) + " of the group";
        }
        offset += w.stored_bytes();
    }
    return "";
}

}  // namespace

std::string model_json_path(const std::string& path)
{
    if (!path.empty() && path.back() == '/') return path + "model.json";
    if (is_directory(path)) return path + "/model.json";
    return path;
}

model_files read_model_files(const std::string& json_path)
{
    model_files files;
    files.artifacts = parse_model_json(read_text(json_path), json_path);
    const std::string dir = directory_of(json_path);
    for (std::size_t g = 0; g < files.artifacts.manifest.size(); ++g) {
        const weight_group& group = files.artifacts.manifest[g];
        const std::string where = json_path + ": weightsManifest[" + std::to_string(g) + "]";
        const std::uint64_t needed = group.stored_bytes();
        std::uint64_t found = 0;
        std::vector<std::uint64_t> sizes;
        for (const std::string& shard : group.paths) {
            sizes.push_back(regular_file_size(dir + shard, where + ": shard"));
            found += sizes.back();
        }
        if (found != needed) {
            const std::string detail = found < needed ? "; " + weight_at(group, found) : std::string();
            throw format_error(where + ": the shards (" + std::to_string(group.paths.size()) + " files, " +
                               std::to_string(found) + " bytes) do not hold the " + std::to_string(needed) +
                               " bytes its weights' shapes and dtypes need" + detail);
        }
        std::vector<unsigned char> bytes;
        bytes.reserve(needed);
        for (std::size_t s = 0; s < group.paths.size(); ++s) {
            read_into(dir + group.paths[s], sizes[s], bytes, where + ": shard");
        }
        files.group_bytes.push_back(std::move(bytes));
    }
    return files;
}

std::string foreign_model_problem(const std::string& json_path, const write_options& options)
{
    struct stat info {};
    if (options.overwrite || ::stat(json_path.c_str(), &info) != 0) return "";
    std::string made_by;
    try {
        made_by = parse_model_json(read_text(json_path), json_path).converted_by;
    } catch (const format_error&) {
        made_by = "";  // not a model mlrun can read: not one of mlrun's either
    }
    if (made_by.rfind("mlrun", 0) == 0) return "";
    return json_path + " already holds a model " + (made_by.empty() ? std::string("that mlrun did not write")
                                                                     : "written by '" + made_by + "'") +
           "; refusing to replace it (use the option overwrite=true, or another directory)";
}

void write_model_files(const std::string& json_path, model_artifacts artifacts,
                       const std::vector<std::vector<unsigned char>>& group_bytes, const write_options& options)
{
    if (const std::string problem = foreign_model_problem(json_path, options); !problem.empty()) {
        throw format_error(problem);
    }
    if (options.shard_bytes == 0) throw format_error("option shard_size: must be at least 1 byte");
    const std::string dir = directory_of(json_path);
    // The model's own directory is made when missing (the converter does too);
    // a failed save removes it again if it made it.
    std::error_code ec;
    const bool made_directory = !dir.empty() && std::filesystem::create_directories(dir, ec);
    if (ec) throw format_error(json_path + ": cannot make the directory " + dir + ": " + ec.message());
    struct remove_if_failed {
        std::string dir;
        bool armed;
        ~remove_if_failed()
        {
            std::error_code ignored;
            if (armed) std::filesystem::remove(dir, ignored);  // only if still empty
        }
    } cleanup{dir, made_directory};
    std::set<std::string> old_shards;
    try {
        for (const weight_group& g : parse_model_json(read_text(json_path), json_path).manifest) {
            old_shards.insert(g.paths.begin(), g.paths.end());
        }
    } catch (const format_error&) {
        // no readable model.json: no shards of an old model to remove
    }
    std::vector<std::unique_ptr<atomic_output>> outputs;
    std::set<std::string> new_shards;
    for (std::size_t g = 0; g < artifacts.manifest.size(); ++g) {
        const std::vector<unsigned char>& bytes = group_bytes.at(g);
        const std::size_t shards = bytes.empty() ? 0 : static_cast<std::size_t>((bytes.size() + options.shard_bytes - 1) / options.shard_bytes);
        artifacts.manifest[g].paths.clear();
        for (std::size_t s = 0; s < shards; ++s) {
            const std::string name = shard_name(g + 1, s + 1, shards);
            artifacts.manifest[g].paths.push_back(name);
            new_shards.insert(name);
            const std::uint64_t begin = s * options.shard_bytes;
            const std::uint64_t size = std::min<std::uint64_t>(options.shard_bytes, bytes.size() - begin);
            outputs.push_back(std::make_unique<atomic_output>(dir + name));
            outputs.back()->write(bytes.data() + begin, size);
            outputs.back()->finish();
        }
    }
    outputs.push_back(std::make_unique<atomic_output>(json_path));
    const std::string text = model_json_text(artifacts);
    outputs.back()->write(text.data(), text.size());
    outputs.back()->finish();
    for (const auto& out : outputs) out->commit();  // model.json last: it names the shards before it
    cleanup.armed = false;
    for (const std::string& old : old_shards) {
        if (new_shards.count(old) == 0) std::remove((dir + old).c_str());
    }
}

}  // namespace mlrun::tfjs
