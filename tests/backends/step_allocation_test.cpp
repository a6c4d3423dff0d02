// No heap allocation inside a training step once its batch shape has been
// seen, on every backend and under both dtype policies (mixed_bfloat16: the
// reference's bf16 kernels, and the host's emulation on the accelerated
// backends, which have no native bf16 here): the tutorial MLP and the
// Fashion-MNIST convnet each train for two epochs (the last batch of each
// is shorter) while every allocation between on_batch_begin and
// on_batch_end is counted, in every step but the first of each batch size
// (the first full batch, and the first shorter one, for which oneDNN's
// convolution and pooling primitives are made once and kept).
//
// The count covers the whole process: malloc, calloc, realloc and the
// aligned variants are replaced in this executable (operator new goes
// through malloc), or, in sanitizer builds, observed through the
// sanitizer's allocation hook. Each allocation's call stack says whose it
// is. mlrun's own code (framework, plugins) must allocate nothing. oneDNN
// and OpenBLAS allocate inside some calls (oneDNN's gemm packs into a fresh
// 74 KB buffer per call, and for some small shapes such as the 5-sample
// last batch builds its kernel per call; OpenBLAS's threaded gemm allocates
// its job list), which their public APIs offer no way to avoid; those are
// counted apart and reported.
#define BOOST_TEST_MODULE step_allocation
#include "backend_test_support.hpp"

#include "mlrun/core/rng.hpp"
#include "mlrun/train/callback.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <dlfcn.h>
#include <execinfo.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <sstream>

#if defined(__SANITIZE_ADDRESS__)
// The sanitizer runtime's allocation hook (declared in its
// sanitizer/allocator_interface.h, which GCC does not install).
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*on_malloc)(const volatile void*, size_t),
                                                         void (*on_free)(const volatile void*));
#endif

namespace {

constexpr int max_frames = 48;
constexpr int kept_stacks = 3;

struct allocation_log {
    std::atomic<bool> active{false};
    std::atomic<long> own{0};
    std::atomic<long> library{0};
    // Call stacks of the first own allocations, for the failure message.
    void* stacks[kept_stacks][max_frames] = {};
    int depths[kept_stacks] = {};
};

allocation_log the_log;
thread_local bool inside_hook = false;

// Libraries whose internal allocations are theirs, not mlrun's.
bool is_compute_library(const void* address)
{
    Dl_info info;
    if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return false;
    const char* slash = std::strrchr(info.dli_fname, '/');
    const char* base = slash != nullptr ? slash + 1 : info.dli_fname;
    for (const char* prefix : {"libdnnl", "libopenblas", "libgomp"}) {
        if (std::strncmp(base, prefix, std::strlen(prefix)) == 0) return true;
    }
    return false;
}

void note_allocation()
{
    if (!the_log.active.load(std::memory_order_relaxed) || inside_hook) return;
    inside_hook = true;
    void* frames[max_frames];
    const int depth = backtrace(frames, max_frames);
    bool library = false;
    for (int i = 0; i < depth && !library; ++i) library = is_compute_library(frames[i]);
    if (library) {
        ++the_log.library;
    } else {
        const long index = the_log.own++;
        if (index < kept_stacks) {
            std::memcpy(the_log.stacks[index], frames, sizeof(void*) * static_cast<std::size_t>(depth));
            the_log.depths[index] = depth;
        }
    }
    inside_hook = false;
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
namespace {
void on_sanitizer_malloc(const volatile void*, size_t) { note_allocation(); }
void on_sanitizer_free(const volatile void*) {}
const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_sanitizer_malloc, on_sanitizer_free);
}  // namespace
#else
// glibc's allocator under its exported internal names: every replacement
// below forwards to it, so memory from either side may be freed by the other.
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void* __libc_valloc(size_t size);
void* __libc_pvalloc(size_t size);
void __libc_free(void* p);

void* malloc(size_t size)
{
    note_allocation();
    return __libc_malloc(size);
}
void* calloc(size_t count, size_t size)
{
    note_allocation();
    return __libc_calloc(count, size);
}
void* realloc(void* p, size_t size)
{
    note_allocation();
    return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size)
{
    note_allocation();
    return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size)
{
    note_allocation();
    return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size)
{
    note_allocation();
    void* p = __libc_memalign(alignment, size);
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
}
void* valloc(size_t size)
{
    note_allocation();
    return __libc_valloc(size);
}
void* pvalloc(size_t size)
{
    note_allocation();
    return __libc_pvalloc(size);
}
void free(void* p) { __libc_free(p); }
}
#endif

namespace bdata = boost::unit_test::data;
using namespace mlrun;
using namespace mlrun::test;

namespace {

// Counts allocations inside every step whose batch size came before.
class counting_callback : public callback {
public:
    counting_callback(std::int64_t samples, std::int64_t batch_size) : samples_(samples), batch_size_(batch_size) {}
    void on_batch_begin(trainer&, std::int64_t batch) override
    {
        size_ = std::min(batch_size_, samples_ - batch * batch_size_);
        if (seen_.count(size_) != 0) {
            ++counted_;
            the_log.active = true;
        }
    }
    void on_batch_end(trainer&, std::int64_t, const metric_logs&) override
    {
        the_log.active = false;
        seen_.insert(size_);
        ++batches_;
    }
    long batches() const { return batches_; }
    long counted() const { return counted_; }

private:
    std::int64_t samples_, batch_size_, size_ = 0;
    std::set<std::int64_t> seen_;
    long batches_ = 0, counted_ = 0;
};

std::string describe_stacks()
{
    std::ostringstream out;
    const long shown = std::min<long>(the_log.own, kept_stacks);
    for (long s = 0; s < shown; ++s) {
        out << "\nallocation " << s + 1 << ":";
        for (int i = 0; i < the_log.depths[s]; ++i) {
            Dl_info info;
            if (dladdr(the_log.stacks[s][i], &info) != 0) {
                out << "\n    " << (info.dli_sname != nullptr ? info.dli_sname : "?") << " in "
                    << (info.dli_fname != nullptr ? info.dli_fname : "?");
            }
        }
    }
    return out.str();
}

// Random pixels in [0, 1] of the given sample shape, and labels 0-9.
dataset synthetic_data(std::int64_t samples, const shape& sample)
{
    dataset d;
    d.name = "synthetic";
    d.x = tensor(sample.with_batch(samples));
    d.y = tensor(dtype::int32, shape{samples});
    rng gen(3);
    for (std::int64_t i = 0; i < d.x.size(); ++i) d.x.f32()[i] = static_cast<float>(gen.below(256)) / 255.0f;
    std::int32_t* labels = d.y.data<std::int32_t>();
    for (std::int64_t i = 0; i < d.y.size(); ++i) labels[i] = static_cast<std::int32_t>(gen.below(10));
    return d;
}

// A backend and the policy of the model trained on it.
struct step_setting {
    backend_choice backend;
    dtype_policy policy;
};

std::ostream& operator<<(std::ostream& out, const step_setting& s)
{
    return out << s.backend << " " << dtype_policy_name(s.policy);
}

std::vector<step_setting> every_setting()
{
    std::vector<backend_choice> backends = {{"reference", 1}};
    for (const backend_choice& c : accelerated_backends()) backends.push_back(c);
    std::vector<step_setting> settings;
    for (const dtype_policy policy : {dtype_policy::float32, dtype_policy::mixed_bfloat16}) {
        for (const backend_choice& c : backends) settings.push_back({c, policy});
    }
    return settings;
}

// Trains `m` for two epochs at batch 32 and checks the steps after the first.
void check_steps_allocate_nothing(const step_setting& setting, model& m, const dataset& data)
{
    // Warm the unwinder: its first use loads libgcc_s, which allocates.
    void* warm[4];
    backtrace(warm, 4);

    // The policy reached the products (else the bf16 path went untested).
    const bool bf16 = setting.policy == dtype_policy::mixed_bfloat16;
    for (const model::node& n : m.nodes()) {
        const std::string kind = n.op->class_name();
        if (kind == "Dense" || kind == "Conv2D") BOOST_TEST_REQUIRE(n.op->bf16_products() == bf16, n.op->name());
    }

    const backend_choice& choice = setting.backend;
    const std::unique_ptr<backend> be = make_backend(choice);
    const std::unique_ptr<trainer> t = tutorial_trainer(m, *be);
    fit_options options;
    options.epochs = 2;
    options.batch_size = 32;
    counting_callback counter(data.size(), options.batch_size);
    the_log.own = 0;
    the_log.library = 0;
    t->fit(data, options, {&counter});

    // Two epochs of full batches and a shorter last one; the first of each size is not counted.
    const long batches_per_epoch = (data.size() + 31) / 32;
    const long counted = 2 * batches_per_epoch - 2;
    BOOST_TEST_REQUIRE(counter.batches() == 2 * batches_per_epoch);
    BOOST_TEST_REQUIRE(counter.counted() == counted);
    BOOST_TEST(the_log.own == 0, setting << ": mlrun code allocated " << the_log.own << " times in " << counted
                                         << " training steps" << describe_stacks());
    BOOST_TEST_MESSAGE(setting << ": " << the_log.own << " allocations by mlrun, " << the_log.library
                               << " inside oneDNN/OpenBLAS/OpenMP in " << counted << " steps");
    if (choice.name == "reference") BOOST_TEST(the_log.library == 0);
}

}  // namespace

// 197 samples: six full batches of 32 and a last one of 5.
BOOST_DATA_TEST_CASE(training_step_allocates_nothing_after_the_first_batch, bdata::make(every_setting()), setting)
{
    const std::unique_ptr<model> m = tutorial_model(7, setting.policy);
    check_steps_allocate_nothing(setting, *m, synthetic_data(197, shape{784}));
}

// The convolutions, pooling and flatten of a convnet step: 69 images, two
// full batches of 32 and a last one of 5.
BOOST_DATA_TEST_CASE(convnet_step_allocates_nothing_after_the_first_batch, bdata::make(every_setting()), setting)
{
    const std::unique_ptr<model> m = convnet_model(7, setting.policy);
    check_steps_allocate_nothing(setting, *m, synthetic_data(69, shape{28, 28, 1}));
}
