#include "mlrun/checkpoint/checkpoint_options.hpp"

#include "config/experiment.hpp"
#include "mlrun/core/error.hpp"

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

checkpoint_options read_checkpoint_options(const experiment& e)
{
    const YAML::Node c = e.resolved["checkpoint"];
    // "file:line:col: checkpoint.KEY", from the file (or argument) that set it.
    auto at = [&](const std::string& key) {
        return position(e.source.file_for("checkpoint." + key), c[key]) + ": checkpoint." + key;
    };
    checkpoint_options o;
    o.path = c["path"].as<std::string>();
    o.where = at("path");
    o.format = c["format"].as<std::string>();
    if (o.format == "auto") o.format.clear();
    o.format_where = at("format");
    o.save_weights_only = c["save_weights_only"].as<bool>();
    if (const std::string v = c["keras_version"].as<std::string>(); v != "auto") o.keras_version = v;
    o.every = parse_save_frequency(c["every"].as<std::string>(), at("every"));
    o.save_best_only = c["save_best_only"].as<bool>();
    o.monitor = c["monitor"].as<std::string>();
    o.mode = c["mode"].as<std::string>();
    o.verbose = c["verbose"].as<int>();
    o.keep_last = c["keep_last"].as<int>();
    o.keep_best = c["keep_best"].as<int>();
    o.save_at_start = c["save_at_start"].as<bool>();
    o.warn_on_save_error = c["on_save_error"].as<std::string>() == "warn";
    if (o.keep_last < 0) {
        throw config_error(at("keep_last") + ": expected 0 (keep all) or more, found " + std::to_string(o.keep_last));
    }
    if (o.keep_best < 0) {
        throw config_error(at("keep_best") + ": expected 0 (none) or more, found " + std::to_string(o.keep_best));
    }
    return o;
}

std::vector<std::pair<std::string, std::string>> checkpoint_options::format_settings() const
{
    if (keras_version.empty()) return {};
    return {{"keras_version", keras_version}};
}

}  // namespace mlrun
