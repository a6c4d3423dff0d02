// oneDNN primitives made once per shape and reused, for convolution,
// pooling and normalization (onednn_matmul.hpp does the same for gemm).
//
// A `prepared` holds, for one shape, the primitives a kernel runs in order
// (a weights reorder, then the convolution, say) with every memory object
// they use: "user" memories are pointed at the caller's buffers on each
// call, "owned" ones (weights in the primitive's preferred layout, a max
// pooling workspace, the scratchpad) are allocated when it is made. Every
// primitive is made with a user scratchpad, so executing one allocates no
// buffer; a call then only sets data handles and executes.
#pragma once

#include <dnnl.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace mlrun::onednn {

// The type a product primitive reads its inputs in: float32, or bf16
// (mixed_bfloat16), converted from the caller's float32 inside the call.
// Outputs are float32 in both.
enum class precision { float32, bf16 };

inline dnnl_data_type_t type_of(precision p) { return p == precision::bf16 ? dnnl_bf16 : dnnl_f32; }

// A float's bits, for cache keys of integers.
inline std::int64_t bits_of(float f)
{
    std::uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof bits);
    return bits;
}

// A CPU engine and its stream, shared by a backend's prepared primitives.
class engine {
public:
    engine();  // throws std::runtime_error when oneDNN has no CPU engine
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    dnnl_engine_t get() const { return engine_; }
    dnnl_stream_t stream() const { return stream_; }

private:
    dnnl_engine_t engine_ = nullptr;
    dnnl_stream_t stream_ = nullptr;
};

class prepared {
public:
    explicit prepared(const engine& e) : engine_(e) {}
    ~prepared();
    prepared(const prepared&) = delete;
    prepared& operator=(const prepared&) = delete;

    // A memory for a caller's buffer, pointed at it by bind() before each run.
    dnnl_memory_t user(const dnnl_memory_desc_t& desc);
    // A memory allocated now and kept (nullptr when oneDNN refuses).
    dnnl_memory_t owned(const dnnl_memory_desc_t& desc);
    // The i-th owned memory's buffer, in the order owned() made them.
    void* owned_data(std::size_t i) const;
    // Appends the primitive of `pd` (which the caller still destroys) with
    // its arguments, plus a scratchpad of the size `pd` asks for.
    bool add(const_dnnl_primitive_desc_t pd, std::vector<dnnl_exec_arg_t> args);
    // Appends a reorder from one memory's layout to another's.
    bool add_reorder(dnnl_memory_t from, dnnl_memory_t to);
    // The memory the primitive of `pd` uses for the argument `query`
    // (dnnl_query_src_md, dnnl_query_diff_weights_md, ...) given as `user`:
    // that one where the primitive takes it as it is, else an owned one in
    // the type and layout the primitive wants. nullptr when oneDNN refuses.
    dnnl_memory_t layout_for(const_dnnl_primitive_desc_t pd, dnnl_query_t query, dnnl_memory_t user);
    // layout_for an input: an owned copy is filled by a reorder appended
    // now, so it runs before the primitive.
    dnnl_memory_t input_for(const_dnnl_primitive_desc_t pd, dnnl_query_t query, dnnl_memory_t user);

    // Points the user memories, in the order user() made them, at `data`.
    bool bind(std::initializer_list<const void*> data) const;
    // Runs every primitive in order and waits for them.
    bool run() const;

private:
    struct step {
        dnnl_primitive_t primitive;
        std::vector<dnnl_exec_arg_t> args;
    };
    dnnl_memory_t allocate(const dnnl_memory_desc_t& desc, void* handle);
    const engine& engine_;
    std::vector<dnnl_memory_t> memories_;  // all of them, destroyed with this
    std::vector<dnnl_memory_t> users_, owned_;
    std::vector<step> steps_;
};

// An attribute asking for a user scratchpad, destroyed with its scope.
class user_scratchpad {
public:
    user_scratchpad();
    ~user_scratchpad();
    user_scratchpad(const user_scratchpad&) = delete;
    user_scratchpad& operator=(const user_scratchpad&) = delete;
    const_dnnl_primitive_attr_t get() const { return attr_; }

protected:
    dnnl_primitive_attr_t attr_ = nullptr;
};

// A user scratchpad, and gemm's alpha and beta for a product primitive:
// dst = alpha (src x weights) + beta dst, as an output scale and a sum.
class product_attributes : public user_scratchpad {
public:
    product_attributes(float alpha, float beta);
};

// A primitive descriptor destroyed with its scope.
struct primitive_desc {
    dnnl_primitive_desc_t pd = nullptr;
    primitive_desc() = default;
    ~primitive_desc() { dnnl_primitive_desc_destroy(pd); }
    primitive_desc(const primitive_desc&) = delete;
    primitive_desc& operator=(const primitive_desc&) = delete;
    // Creates it from an op descriptor, with a user scratchpad unless
    // `attr` says otherwise; false when oneDNN has no implementation.
    bool create(const void* op_desc, const engine& e, const_dnnl_primitive_desc_t hint,
                const_dnnl_primitive_attr_t attr = nullptr);
};

// A dense f32 (or other type) memory descriptor of `dims` with a format tag.
dnnl_memory_desc_t tagged(std::vector<std::int64_t> dims, dnnl_format_tag_t tag, dnnl_data_type_t type = dnnl_f32);
// The same dims in whatever layout the primitive prefers.
dnnl_memory_desc_t any_layout(std::vector<std::int64_t> dims, dnnl_data_type_t type = dnnl_f32);

// Prepared primitives by shape: each kernel keeps one cache with its own
// key (the shape's sizes and its options, as integers). A shape oneDNN
// refused is remembered too, so it is not tried again on every call.
// The table is reserved up front; it holds `capacity` shapes, past which
// kernels fall back to the reference.
template <std::size_t N> class prepared_cache {
public:
    using key = std::array<std::int64_t, N>;
    prepared_cache() { entries_.reserve(capacity); }

    // The prepared primitives for `k`, made by make(prepared&) -> bool on
    // first use; nullptr when oneDNN refused the shape or the table is full.
    template <class Make> prepared* find_or_make(const key& k, const engine& e, Make&& make)
    {
        for (entry& existing : entries_) {
            if (existing.k == k) return existing.p.get();
        }
        if (entries_.size() == capacity) return nullptr;
        auto made = std::make_unique<prepared>(e);
        if (!make(*made)) made.reset();
        entries_.push_back({k, std::move(made)});
        return entries_.back().p.get();
    }

private:
    struct entry {
        key k;
        std::unique_ptr<prepared> p;
    };
    static constexpr std::size_t capacity = 64;
    std::vector<entry> entries_;
};

}  // namespace mlrun::onednn
