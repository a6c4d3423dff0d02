#include "mlrun/config/config_source.hpp"

#include <algorithm>

namespace mlrun {

void config_source::set_origin(const std::string& path, const std::string& file)
{
    for (auto& [p, f] : origins_) {
        if (p == path) {
            f = file;
            return;
        }
    }
    origins_.emplace_back(path, file);
}

const std::string& config_source::file_for(const std::string& path) const
{
    const std::string* best = &file_;
    std::size_t best_length = 0;
    for (const auto& [p, f] : origins_) {
        const bool contains = path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 &&
                                            (path[p.size()] == '.' || path[p.size()] == '['));
        if (contains && p.size() >= best_length) {
            best = &f;
            best_length = p.size();
        }
    }
    return *best;
}

std::vector<std::string> config_source::files() const
{
    std::vector<std::string> result = {file_};
    for (const auto& [p, f] : origins_) {
        if (std::find(result.begin(), result.end(), f) == result.end()) result.push_back(f);
    }
    return result;
}

}  // namespace mlrun
