#include "config/bounded_yaml.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <unordered_map>
#include <vector>

namespace mlrun {
namespace {

// Counts, without building anything, how deep the document nests and how
// many nodes its aliases stand for.
class limit_checker : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor); }
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, const std::string&) override
    {
        leaf(anchor);
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override
    {
        const auto it = sizes_.find(anchor);
        const std::size_t size = it == sizes_.end() ? 1 : it->second;
        if (size > yaml_max_alias_nodes - alias_nodes_) {
            throw yaml_limit_error(mark, "aliases expand to more than " + std::to_string(yaml_max_alias_nodes) +
                                             " nodes, mlrun's limit for YAML (docs/formats.md)");
        }
        alias_nodes_ += size;
        add(size);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override
    {
        open(mark, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override
    {
        open(mark, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    struct open_node {
        YAML::anchor_t anchor;
        std::size_t size;  // nodes so far, aliases expanded; bounded by the limit
    };

    void leaf(YAML::anchor_t anchor)
    {
        if (anchor != YAML::NullAnchor) sizes_[anchor] = 1;
        add(1);
    }
    void open(const YAML::Mark& mark, YAML::anchor_t anchor)
    {
        if (open_.size() >= yaml_max_depth) {
            throw yaml_limit_error(mark, "nested deeper than " + std::to_string(yaml_max_depth) +
                                             " levels, mlrun's limit for YAML (docs/formats.md)");
        }
        open_.push_back({anchor, 1});
    }
    void close()
    {
        const open_node done = open_.back();
        open_.pop_back();
        if (done.anchor != YAML::NullAnchor) sizes_[done.anchor] = done.size;
        add(done.size);
    }
    void add(std::size_t size)
    {
        // Sizes cannot overflow: every alias's size was admitted under the
        // limit, so a node holds at most the text's nodes plus the limit.
        if (!open_.empty()) open_.back().size += size;
    }

    std::vector<open_node> open_;
    std::unordered_map<YAML::anchor_t, std::size_t> sizes_;
    std::size_t alias_nodes_ = 0;
};

}  // namespace

YAML::Node load_bounded_yaml(const std::string& text)
{
    {
        std::istringstream in(text);
        YAML::Parser parser(in);
        limit_checker checker;
        parser.HandleNextDocument(checker);
    }
    return YAML::Load(text);
}

YAML::Node load_bounded_yaml(std::istream& in)
{
    std::ostringstream text;
    text << in.rdbuf();
    return load_bounded_yaml(text.str());
}

}  // namespace mlrun
