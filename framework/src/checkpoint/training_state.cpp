#include "mlrun/checkpoint/training_state.hpp"

#include "config/bounded_yaml.hpp"
#include "mlrun/core/error.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mlrun {
namespace {

// "f64:" and the IEEE-754 bits in hex: exact, and a plain string to every
// format's metadata encoding (YAML, JSON), infinities included.
std::string hex_double(double value)
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    char text[32];
    std::snprintf(text, sizeof text, "f64:%016llx", static_cast<unsigned long long>(bits));
    return text;
}

double parse_hex_double(const YAML::Node& node, const std::string& where)
{
    const std::string text = node.IsScalar() ? node.Scalar() : std::string("(not a scalar)");
    char* end = nullptr;
    const unsigned long long bits = text.rfind("f64:", 0) == 0 ? std::strtoull(text.c_str() + 4, &end, 16) : 0;
    if (text.size() != 20 || end != text.c_str() + text.size()) {
        throw io_error(where + ": expected f64: and 16 hex digits, found '" + text + "'");
    }
    double value = 0.0;
    const std::uint64_t b = bits;
    std::memcpy(&value, &b, sizeof value);
    return value;
}

void read_resume_point(const YAML::Node& resume, const std::string& where, training_state& state)
{
    try {
        state.epoch = resume["epoch"].as<int>();
        state.steps_done = resume["steps_done"].as<std::int64_t>();
        state.loss_sum = parse_hex_double(resume["loss_sum"], where + ".loss_sum");
        for (const YAML::Node& values : resume["metric_counts"]) {
            std::vector<double> metric_state;
            for (const YAML::Node& v : values) {
                // Counts are written as integers, other values bit for bit.
                const bool exact = v.IsScalar() && v.Scalar().rfind("f64:", 0) == 0;
                metric_state.push_back(exact ? parse_hex_double(v, where + ".metric_counts") : v.as<double>());
            }
            state.metric_counts.push_back(std::move(metric_state));
        }
        state.learning_rate = static_cast<float>(parse_hex_double(resume["learning_rate"], where + ".learning_rate"));
        state.best = parse_hex_double(resume["best"], where + ".best");
        if (resume["monitored"]) state.monitored = parse_hex_double(resume["monitored"], where + ".monitored");
    } catch (const YAML::Exception& e) {
        throw io_error(where + ": expected epoch, steps_done, loss_sum, metric_counts, learning_rate and best: " + e.msg);
    }
    if (state.epoch < 0 || state.steps_done < 0) {
        throw io_error(where + ": expected a non-negative epoch and steps_done, found " + std::to_string(state.epoch) +
                       " and " + std::to_string(state.steps_done));
    }
    state.resumable = true;
}

}  // namespace

std::string format_training_state(const training_state& state)
{
    YAML::Node root;
    root["epoch"] = state.epochs_done;
    root["step"] = state.step;
    root["seed"] = state.seed;
    root["batch_size"] = state.batch_size;
    root["shuffle"] = state.shuffle;
    if (!state.data.empty()) root["data"] = load_bounded_yaml(state.data);
    if (!state.resumable) return YAML::Dump(root);
    YAML::Node resume;
    resume["epoch"] = state.epoch;
    resume["steps_done"] = state.steps_done;
    resume["loss_sum"] = hex_double(state.loss_sum);
    YAML::Node counts(YAML::NodeType::Sequence);
    for (const std::vector<double>& metric_state : state.metric_counts) {
        YAML::Node values(YAML::NodeType::Sequence);
        for (const double v : metric_state) {
            const bool count = v >= 0.0 && v < 9.0e15 && v == std::floor(v);
            if (count) {
                values.push_back(static_cast<std::int64_t>(v));
            } else {
                values.push_back(hex_double(v));
            }
        }
        counts.push_back(values);
    }
    resume["metric_counts"] = counts;
    resume["learning_rate"] = hex_double(static_cast<double>(state.learning_rate));
    resume["best"] = hex_double(state.best);
    if (!std::isnan(state.monitored)) resume["monitored"] = hex_double(state.monitored);
    root["resume"] = resume;
    const YAML::Node callbacks = state.callbacks.empty() ? YAML::Node() : load_bounded_yaml(state.callbacks);
    root["callbacks"] = callbacks.IsMap() ? callbacks : YAML::Node(YAML::NodeType::Map);
    return YAML::Dump(root) + "\n";
}

training_state parse_training_state(const std::string& text, const std::string& source)
{
    const std::string where = source + ": training_state";
    YAML::Node root;
    try {
        root = load_bounded_yaml(text);
    } catch (const YAML::Exception& e) {
        throw io_error(where + ": not YAML: " + e.msg);
    }
    training_state state;
    try {
        state.epochs_done = root["epoch"].as<int>();
        state.step = root["step"].as<std::int64_t>(0);
        state.seed = root["seed"].as<std::uint64_t>();
        state.batch_size = root["batch_size"].as<std::int64_t>();
        state.shuffle = root["shuffle"].as<bool>();
        if (const YAML::Node data = root["data"]; data && data.IsMap()) state.data = YAML::Dump(data);
    } catch (const YAML::Exception& e) {
        throw io_error(where + ": expected epoch, seed, batch_size and shuffle: " + e.msg);
    }
    if (state.epochs_done < 0 || state.batch_size < 1) {
        throw io_error(where + ": expected a non-negative epoch and a batch_size of 1 or more, found epoch " +
                       std::to_string(state.epochs_done) + " and batch_size " + std::to_string(state.batch_size));
    }
    if (const YAML::Node resume = root["resume"]) {
        if (!resume.IsMap()) throw io_error(where + ".resume: expected a mapping, found something else");
        read_resume_point(resume, where + ".resume", state);
        if (const YAML::Node callbacks = root["callbacks"]; callbacks && callbacks.IsMap()) {
            state.callbacks = YAML::Dump(callbacks);
        }
    }
    return state;
}

}  // namespace mlrun
