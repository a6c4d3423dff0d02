#include "mlrun/checkpoint/checkpoint_options.hpp"

#include <boost/filesystem/path.hpp>

namespace mlrun {

std::string checkpoint_options::directory() const
{
    boost::filesystem::path d = boost::filesystem::path(path).parent_path();
    while (d.string().find('{') != std::string::npos) d = d.parent_path();
    return d.empty() ? "." : d.string();
}

bool checkpoint_options::larger_is_better() const
{
    const bool accuracy_like = monitor.find("acc") != std::string::npos || monitor.rfind("fmeasure", 0) == 0;
    return mode == "max" || (mode == "auto" && accuracy_like);
}

std::vector<std::pair<std::string, std::string>> checkpoint_options::format_settings() const
{
    if (keras_version.empty()) return {};
    return {{"keras_version", keras_version}};
}

}  // namespace mlrun
