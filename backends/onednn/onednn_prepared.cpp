#include "onednn_prepared.hpp"

#include <stdexcept>

namespace mlrun::onednn {

engine::engine()
{
    if (dnnl_engine_create(&engine_, dnnl_cpu, 0) != dnnl_success) {
        throw std::runtime_error("oneDNN could not create a CPU engine");
    }
    if (dnnl_stream_create(&stream_, engine_, dnnl_stream_default_flags) != dnnl_success) {
        dnnl_engine_destroy(engine_);
        throw std::runtime_error("oneDNN could not create a CPU stream");
    }
}

engine::~engine()
{
    dnnl_stream_destroy(stream_);
    dnnl_engine_destroy(engine_);
}

prepared::~prepared()
{
    for (const step& s : steps_) dnnl_primitive_destroy(s.primitive);
    for (dnnl_memory_t m : memories_) dnnl_memory_destroy(m);
}

dnnl_memory_t prepared::allocate(const dnnl_memory_desc_t& desc, void* handle)
{
    dnnl_memory_t m = nullptr;
    if (dnnl_memory_create(&m, &desc, engine_.get(), handle) != dnnl_success) return nullptr;
    memories_.push_back(m);
    return m;
}

dnnl_memory_t prepared::user(const dnnl_memory_desc_t& desc)
{
    dnnl_memory_t m = allocate(desc, DNNL_MEMORY_NONE);
    if (m != nullptr) users_.push_back(m);
    return m;
}

dnnl_memory_t prepared::owned(const dnnl_memory_desc_t& desc)
{
    dnnl_memory_t m = allocate(desc, DNNL_MEMORY_ALLOCATE);
    if (m != nullptr) owned_.push_back(m);
    return m;
}

void* prepared::owned_data(std::size_t i) const
{
    void* data = nullptr;
    dnnl_memory_get_data_handle(owned_.at(i), &data);
    return data;
}

bool prepared::add(const_dnnl_primitive_desc_t pd, std::vector<dnnl_exec_arg_t> args)
{
    const dnnl_memory_desc_t* scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (scratch != nullptr && dnnl_memory_desc_get_size(scratch) > 0) {
        dnnl_memory_t memory = allocate(*scratch, DNNL_MEMORY_ALLOCATE);
        if (memory == nullptr) return false;
        args.push_back({DNNL_ARG_SCRATCHPAD, memory});
    }
    dnnl_primitive_t primitive = nullptr;
    if (dnnl_primitive_create(&primitive, pd) != dnnl_success) return false;
    steps_.push_back({primitive, std::move(args)});
    return true;
}

bool prepared::add_reorder(dnnl_memory_t from, dnnl_memory_t to)
{
    const dnnl_memory_desc_t *from_desc = nullptr, *to_desc = nullptr;
    if (dnnl_memory_get_memory_desc(from, &from_desc) != dnnl_success ||
        dnnl_memory_get_memory_desc(to, &to_desc) != dnnl_success) {
        return false;
    }
    const user_scratchpad attr;
    primitive_desc reorder;
    if (dnnl_reorder_primitive_desc_create(&reorder.pd, from_desc, engine_.get(), to_desc, engine_.get(),
                                           attr.get()) != dnnl_success) {
        return false;
    }
    return add(reorder.pd, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

dnnl_memory_t prepared::layout_for(const_dnnl_primitive_desc_t pd, dnnl_query_t query, dnnl_memory_t user)
{
    const dnnl_memory_desc_t* wanted = dnnl_primitive_desc_query_md(pd, query, 0);
    const dnnl_memory_desc_t* given = nullptr;
    if (wanted == nullptr || dnnl_memory_get_memory_desc(user, &given) != dnnl_success) return nullptr;
    if (dnnl_memory_desc_equal(wanted, given)) return user;
    return owned(*wanted);
}

dnnl_memory_t prepared::input_for(const_dnnl_primitive_desc_t pd, dnnl_query_t query, dnnl_memory_t user)
{
    dnnl_memory_t memory = layout_for(pd, query, user);
    if (memory != nullptr && memory != user && !add_reorder(user, memory)) return nullptr;
    return memory;
}

bool prepared::bind(std::initializer_list<const void*> data) const
{
    if (data.size() != users_.size()) return false;
    auto memory = users_.begin();
    for (const void* d : data) {
        // oneDNN only reads the inputs, but its handles are not const.
        if (dnnl_memory_set_data_handle(*memory++, const_cast<void*>(d)) != dnnl_success) return false;
    }
    return true;
}

bool prepared::run() const
{
    for (const step& s : steps_) {
        if (dnnl_primitive_execute(s.primitive, engine_.stream(), static_cast<int>(s.args.size()), s.args.data()) !=
            dnnl_success) {
            return false;
        }
    }
    return dnnl_stream_wait(engine_.stream()) == dnnl_success;
}

user_scratchpad::user_scratchpad()
{
    // Without the attribute oneDNN keeps the scratchpad itself: slower to
    // start, still correct.
    if (dnnl_primitive_attr_create(&attr_) == dnnl_success) {
        dnnl_primitive_attr_set_scratchpad_mode(attr_, dnnl_scratchpad_mode_user);
    }
}

user_scratchpad::~user_scratchpad() { dnnl_primitive_attr_destroy(attr_); }

product_attributes::product_attributes(float alpha, float beta)
{
    if (attr_ == nullptr) return;
    if (alpha != 1.0f) dnnl_primitive_attr_set_output_scales(attr_, 1, 0, &alpha);
    if (beta != 0.0f) {
        dnnl_post_ops_t sum = nullptr;
        if (dnnl_post_ops_create(&sum) != dnnl_success) return;
        dnnl_post_ops_append_sum(sum, beta);
        dnnl_primitive_attr_set_post_ops(attr_, sum);  // copies it
        dnnl_post_ops_destroy(sum);
    }
}

bool primitive_desc::create(const void* op_desc, const engine& e, const_dnnl_primitive_desc_t hint,
                            const_dnnl_primitive_attr_t attr)
{
    const user_scratchpad scratchpad;
    return dnnl_primitive_desc_create(&pd, static_cast<const_dnnl_op_desc_t>(op_desc),
                                      attr != nullptr ? attr : scratchpad.get(), e.get(), hint) == dnnl_success;
}

dnnl_memory_desc_t tagged(std::vector<std::int64_t> dims, dnnl_format_tag_t tag, dnnl_data_type_t type)
{
    dnnl_memory_desc_t desc{};
    dnnl_dims_t d{};
    for (std::size_t i = 0; i < dims.size(); ++i) d[i] = dims[i];
    dnnl_memory_desc_init_by_tag(&desc, static_cast<int>(dims.size()), d, type, tag);
    return desc;
}

dnnl_memory_desc_t any_layout(std::vector<std::int64_t> dims, dnnl_data_type_t type)
{
    return tagged(std::move(dims), dnnl_format_tag_any, type);
}

}  // namespace mlrun::onednn
