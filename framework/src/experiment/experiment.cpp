#include "experiment/experiment.hpp"

#include "callbacks/callbacks_yaml.hpp"
#include "config/bounded_yaml.hpp"
#include "config/compose.hpp"
#include "mlrun/core/error.hpp"
#include "losses/loss_yaml.hpp"
#include "metrics/metric_yaml.hpp"
#include "optim/optimizer_yaml.hpp"

#include <boost/filesystem/operations.hpp>

#include <limits>
#include <sstream>

namespace mlrun {
namespace {

const key_spec* find_key(const std::vector<key_spec>& keys, const std::string& name)
{
    for (const key_spec& k : keys) {
        if (k.name == name) return &k;
    }
    return nullptr;
}

std::vector<std::string> split_path(const std::string& dotted)
{
    std::vector<std::string> parts;
    std::stringstream in(dotted);
    std::string part;
    while (std::getline(in, part, '.')) parts.push_back(part);
    return parts;
}

int parse_verbose(const std::string& text) { return text == "auto" ? -1 : std::stoi(text); }

// The resolved value at dotted `key` ("fit.epochs"), with its file position.
YAML::Node resolved_at(const YAML::Node& resolved, const std::string& key)
{
    YAML::Node node;
    node.reset(resolved);
    for (const std::string& part : split_path(key)) {
        const YAML::Node next = static_cast<const YAML::Node&>(node)[part];  // const: looking creates nothing
        node.reset(next);
    }
    return node;
}

std::string where_is(const experiment& e, const std::string& key)
{
    return position(e.source.file_for(key), resolved_at(e.resolved, key)) + ": " + key;
}

// An integer key within [lowest, highest]; config_error with file, line:column, the range and the value.
long long integer_in(const experiment& e, const std::string& key, long long lowest, long long highest)
{
    const YAML::Node node = resolved_at(e.resolved, key);
    long long value = 0;
    if (!YAML::convert<long long>::decode(node, value) || value < lowest || value > highest) {
        throw config_error(where_is(e, key) + ": expected an integer from " + std::to_string(lowest) + " to " +
                           std::to_string(highest) + ", found '" + node.Scalar() + "'");
    }
    return value;
}

std::uint64_t unsigned_integer(const experiment& e, const std::string& key)
{
    const YAML::Node node = resolved_at(e.resolved, key);
    std::uint64_t value = 0;
    if (node.Scalar().rfind('-', 0) == 0 || !YAML::convert<std::uint64_t>::decode(node, value)) {
        throw config_error(where_is(e, key) + ": expected an integer from 0 to " +
                           std::to_string(std::numeric_limits<std::uint64_t>::max()) + ", found '" + node.Scalar() + "'");
    }
    return value;
}

}  // namespace

void apply_override(YAML::Node& root, const std::string& assignment)
{
    const std::string where = command_line_origin(assignment);
    const std::size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw config_error(where + ": expected section.key=value, e.g. fit.epochs=3");
    }
    const std::vector<std::string> path = split_path(assignment.substr(0, eq));
    const std::string text = assignment.substr(eq + 1);

    const std::vector<key_spec>* keys = &experiment_schema();
    const key_spec* spec = nullptr;
    std::string walked;
    for (std::size_t i = 0; i < path.size(); ++i) {
        spec = find_key(*keys, path[i]);
        if (spec == nullptr) {
            std::vector<std::string> names;
            for (const key_spec& k : *keys) names.push_back(k.name);
            const std::string hint = did_you_mean(path[i], names);
            throw config_error(where + ": unknown key '" + walked + path[i] + "'" +
                               (hint.empty() ? "" : " (did you mean '" + walked + hint + "'?)"));
        }
        walked += path[i] + ".";
        if (i + 1 < path.size()) keys = &spec->children;
    }
    // A section given a scalar sets its shorthand key (backend=onednn).
    std::vector<std::string> target = path;
    if (!spec->scalar_shorthand.empty()) {
        target.push_back(spec->scalar_shorthand);
        spec = find_key(spec->children, spec->scalar_shorthand);
    }
    if (spec->kind == value_kind::mapping && !spec->children.empty()) {
        throw config_error(where + ": '" + assignment.substr(0, eq) + "' is a section; set one of its keys");
    }
    YAML::Node value;
    try {
        // An empty string value (checkpoint.path=) is the empty string, as '' in a file.
        value = text.empty() && spec->kind == value_kind::string ? YAML::Node(std::string()) : load_bounded_yaml(text);
    } catch (const YAML::Exception& e) {
        throw config_error(where + ": the value is not valid YAML: " + e.msg);
    }
    check_value(YAML::Node(YAML::Clone(value)), *spec, config_source(where), assignment.substr(0, eq));
    // Walk down, creating sections as needed. YAML::Node::reset rebinds a
    // handle; plain assignment would overwrite the node it refers to.
    const std::vector<key_spec>* level = &experiment_schema();
    YAML::Node node;
    node.reset(root);
    for (std::size_t i = 0; i + 1 < target.size(); ++i) {
        const key_spec* section = find_key(*level, target[i]);
        YAML::Node child = node[target[i]];
        if (child.IsScalar() && section != nullptr && !section->scalar_shorthand.empty()) {
            YAML::Node expanded(YAML::NodeType::Map);
            expanded[section->scalar_shorthand] = YAML::Clone(child);
            node[target[i]] = expanded;
        } else if (child.IsSequence() && section != nullptr && !section->list_shorthand.empty()) {
            YAML::Node expanded(YAML::NodeType::Map);  // model=[...] as model.layers, then model.dtype_policy
            expanded[section->list_shorthand] = YAML::Clone(child);
            node[target[i]] = expanded;
        } else if (!child.IsMap()) {
            node[target[i]] = YAML::Node(YAML::NodeType::Map);
        }
        YAML::Node next = node[target[i]];
        node.reset(next);
        if (section != nullptr) level = &section->children;
    }
    node[target.back()] = value;
}

namespace {

data_options read_data_section(const YAML::Node& d, const std::string& file)
{
    data_options data;
    data.kind = d["dataset"].as<std::string>();
    data.path = d["path"].as<std::string>();
    if (data.path.empty()) {
        if (data.kind == "idx") throw config_error(position(file, d) + ": data: dataset 'idx' needs data.path");
        data.path = data.kind == "mnist" ? "data/mnist" : "/usr/share/datasets/fashion-mnist";
    }
    data.train_take = d["train"]["take"].as<std::int64_t>();
    data.test_take = d["test"]["take"].as<std::int64_t>();
    data.train_images = d["train"]["images"].as<std::string>();
    data.train_labels = d["train"]["labels"].as<std::string>();
    data.test_images = d["test"]["images"].as<std::string>();
    data.test_labels = d["test"]["labels"].as<std::string>();
    // Absent from data sections recorded before sample weights existed.
    data.train_sample_weight = d["train"]["sample_weight"].as<std::string>("");
    data.test_sample_weight = d["test"]["sample_weight"].as<std::string>("");
    data.scale = d["scale"].as<float>();
    data.flatten = d["flatten"].as<bool>();
    if (data.scale == 0.0f) throw config_error(file + ": data.scale must not be 0");
    return data;
}

// "file:line:col: SECTION.KEY", from the file (or argument) that set it.
std::string key_where(const experiment& e, const std::string& section, const std::string& key)
{
    return position(e.source.file_for(section + "." + key), e.resolved[section][key]) + ": " + section + "." + key;
}

checkpoint_options read_checkpoint_section(const experiment& e)
{
    const YAML::Node c = e.resolved["checkpoint"];
    auto at = [&](const std::string& key) { return key_where(e, "checkpoint", key); };
    checkpoint_options o;
    o.path = c["path"].as<std::string>();
    o.where = at("path");
    o.format = c["format"].as<std::string>();
    if (o.format == "auto") o.format.clear();
    o.format_where = at("format");
    o.save_weights_only = c["save_weights_only"].as<bool>();
    if (const std::string v = c["keras_version"].as<std::string>(); v != "auto") o.keras_version = v;
    o.keras_version_where = at("keras_version");
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

save_options read_save_section(const experiment& e)
{
    const YAML::Node s = e.resolved["save"];
    save_options o;
    o.path = s["path"].as<std::string>();
    o.include_optimizer = s["include_optimizer"].as<bool>();
    o.weights_only = s["weights_only"].as<bool>();
    o.format = s["format"].as<std::string>();
    if (o.format == "auto") o.format.clear();
    o.format_where = key_where(e, "save", "format");
    o.keras_version = s["keras_version"].as<std::string>();
    if (o.keras_version == "auto") o.keras_version.clear();
    o.keras_version_where = key_where(e, "save", "keras_version");
    return o;
}

YAML::Node parse_text(const std::string& text, const std::string& where)
{
    try {
        return load_bounded_yaml(text);
    } catch (const YAML::Exception& error) {
        throw config_error(where + ": not valid YAML: " + error.msg);
    }
}

}  // namespace

std::string data_section_text(const data_options& data)
{
    YAML::Node d(YAML::NodeType::Map);
    d["dataset"] = data.kind;
    d["path"] = data.path;
    d["train"]["images"] = data.train_images;
    d["train"]["labels"] = data.train_labels;
    d["train"]["take"] = data.train_take;
    d["train"]["sample_weight"] = data.train_sample_weight;
    d["test"]["images"] = data.test_images;
    d["test"]["labels"] = data.test_labels;
    d["test"]["take"] = data.test_take;
    d["test"]["sample_weight"] = data.test_sample_weight;
    d["scale"] = data.scale;
    d["flatten"] = data.flatten;
    return YAML::Dump(d);
}

data_options read_data_text(const std::string& text, const std::string& where)
{
    const YAML::Node d = parse_text(text, where);
    try {
        return read_data_section(d, where);
    } catch (const YAML::Exception& error) {
        throw config_error(where + ": expected a data section with every key (dataset, path, train, test, scale, "
                                   "flatten): " + error.msg);
    }
}

recorded_data read_recorded_data(const std::string& resolved_text, const std::string& where)
{
    const YAML::Node resolved = parse_text(resolved_text, where);
    recorded_data recorded;
    try {
        recorded.data = read_data_section(resolved["data"], where + " (experiment.data)");
        recorded.batch_size = resolved["fit"]["batch_size"].as<std::int64_t>(32);
        if (const YAML::Node loss = resolved["compile"]["loss"]; loss.IsDefined() && !loss.IsNull()) {
            recorded.loss = parse_loss_spec(loss, where + " (experiment.compile.loss)");
        }
        if (const YAML::Node metrics = resolved["compile"]["metrics"]; metrics.IsSequence()) {
            recorded.metrics = parse_metric_specs(metrics, where);
        }
        if (const YAML::Node weighted = resolved["compile"]["weighted_metrics"]; weighted.IsSequence()) {
            recorded.weighted_metrics = parse_metric_specs(weighted, where, "compile.weighted_metrics");
        }
    } catch (const YAML::Exception& error) {
        throw config_error(where + ": experiment.data: expected a data section with every key: " + error.msg);
    }
    if (recorded.batch_size < 1) {
        throw config_error(where + ": experiment.fit.batch_size: expected 1 or more, found " +
                           std::to_string(recorded.batch_size));
    }
    return recorded;
}

namespace {

// A relative plugins.search_paths entry is relative to the directory of the
// file that sets it, as `extends` paths are, so an experiment finds its
// plugins from any current directory; one from an override is relative to
// the current directory, where the command line was typed.
std::vector<std::string> plugin_search_paths(const YAML::Node& paths, const std::string& origin)
{
    std::vector<std::string> result = paths.as<std::vector<std::string>>();
    if (is_command_line_origin(origin)) return result;
    const boost::filesystem::path directory = boost::filesystem::path(origin).parent_path();
    for (std::string& p : result) {
        if (!p.empty() && boost::filesystem::path(p).is_relative()) p = (directory / p).string();
    }
    return result;
}

// fit.class_weight: {class index: weight}.
std::map<std::int32_t, float> read_class_weight(const YAML::Node& node, const std::string& where)
{
    std::map<std::int32_t, float> weights;
    for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        std::int32_t id = 0;
        float weight = 0.0f;
        if (!YAML::convert<std::int32_t>::decode(kv.first, id)) {
            throw config_error(where + ": fit.class_weight: expected class indices (0, 1, ...) as keys, found '" + key + "'");
        }
        if (!kv.second.IsScalar() || !YAML::convert<float>::decode(kv.second, weight)) {
            throw config_error(where + ": fit.class_weight." + key + ": expected a number");
        }
        if (!weights.emplace(id, weight).second) {
            throw config_error(where + ": fit.class_weight: class " + key + " appears twice");
        }
    }
    return weights;
}

}  // namespace

experiment load_experiment(const std::string& path, const std::vector<std::string>& overrides)
{
    boost::system::error_code ec;
    if (boost::filesystem::is_directory(path, ec)) {
        throw config_error(path + ": expected an experiment file (YAML), found a directory");
    }
    composed_config composed = compose_experiment(path);
    YAML::Node& root = composed.root;
    for (const std::string& o : overrides) {
        apply_override(root, o);
        composed.source.set_origin(o.substr(0, o.find('=')), command_line_origin(o));
    }

    experiment e;
    e.file = path;
    e.source = composed.source;
    e.resolved = check_keys(root, experiment_schema(), e.source, "");
    const YAML::Node& r = e.resolved;
    if (r["mlrun"].as<int>() != 1) {
        throw config_error(position(e.source.file_for("mlrun"), root["mlrun"]) + ": mlrun: this version reads experiment format 1, found " +
                           r["mlrun"].Scalar());
    }
    constexpr long long int_max = std::numeric_limits<int>::max();
    e.seed = unsigned_integer(e, "seed");
    e.backend = r["backend"]["name"].as<std::string>();
    e.threads = static_cast<int>(integer_in(e, "backend.threads", 0, int_max));
    e.bf16 = r["backend"]["bf16"].as<std::string>() == "native_only" ? bf16_mode::native_only : bf16_mode::emulate;
    e.bf16_where = position(e.source.file_for("backend.bf16"), r["backend"]["bf16"]) + ": backend.bf16";
    e.plugin_search_paths = plugin_search_paths(r["plugins"]["search_paths"], e.source.file_for("plugins.search_paths"));
    const YAML::Node& d = r["distributed"];
    const std::string ranks = d["backend"].as<std::string>();
    e.distributed.kind = ranks == "mpi" ? distributed_kind::mpi : ranks == "none" ? distributed_kind::none : distributed_kind::automatic;
    e.distributed.bucket_bytes = 1024 * integer_in(e, "distributed.bucket_kib", 1, 1 << 20);
    e.distributed.overlap = d["overlap"].as<bool>();
    e.distributed.check_weights = d["check_weights"].as<bool>();

    e.data = read_data_section(r["data"], e.source.file_for("data"));

    e.model = r["model"]["layers"];
    e.policy = *parse_dtype_policy(r["model"]["dtype_policy"].as<std::string>());  // one of the schema's choices
    e.optimizer = parse_optimizer_spec(r["compile"]["optimizer"], e.source.file_for("compile.optimizer"));
    e.loss = parse_loss_spec(r["compile"]["loss"], e.source.file_for("compile.loss"));
    e.loss_where = position(e.source.file_for("compile.loss"), r["compile"]["loss"]);
    for (const std::string key : {"metrics", "weighted_metrics"}) {
        const std::string full_key = "compile." + key;
        const YAML::Node list = r["compile"][key];
        const std::string file = e.source.file_for(full_key);
        const bool weighted = key == "weighted_metrics";
        (weighted ? e.weighted_metrics : e.metrics) = parse_metric_specs(list, file, full_key);
        for (const YAML::Node& m : list) {
            (weighted ? e.weighted_metrics_where : e.metrics_where).push_back(position(file, m) + ": " + full_key);
        }
    }

    const YAML::Node& f = r["fit"];
    e.epochs = static_cast<int>(integer_in(e, "fit.epochs", 0, int_max));
    e.batch_size = integer_in(e, "fit.batch_size", 1, std::numeric_limits<std::int64_t>::max());
    e.shuffle = f["shuffle"].as<bool>();
    e.validate_on_test = f["validation"].as<std::string>() == "test";
    e.validation_split = f["validation_split"].as<double>();
    e.class_weight = read_class_weight(f["class_weight"], position(e.source.file_for("fit.class_weight"), f["class_weight"]));
    e.verbose = parse_verbose(f["verbose"].as<std::string>());
    e.initial_epoch = static_cast<int>(integer_in(e, "fit.initial_epoch", 0, int_max));
    e.terminate_on_nan = f["terminate_on_nan"].as<bool>();
    e.resume_fallback = f["resume_fallback"].as<bool>();
    e.resume = f["resume"].as<std::string>() == "never" ? resume_mode::never
               : e.resume_fallback                      ? resume_mode::fallback
                                                        : resume_mode::latest;
    e.save_on_signal = f["on_signal"].as<std::string>() == "save_and_exit";

    e.checkpoint = read_checkpoint_section(e);
    const experiment_callback_specs callbacks = parse_callbacks(e, r["callbacks"]);
    e.callbacks = callbacks.specs;
    e.callbacks_where = callbacks.where;
    e.save = read_save_section(e);
    return e;
}

}  // namespace mlrun
