// The corruption suite: a training checkpoint (weights, optimizer slots,
// metadata and the tensor checksums ModelCheckpoint adds) in each format,
// truncated at many offsets and with bits flipped across every file. Each
// damaged copy must load with a clear error (an mlrun error naming the
// file) or, where the damage hits bytes nothing reads, load the very same
// values. A crash or a hang fails the run; a wrong load fails the check.
#define BOOST_TEST_MODULE checkpoint_corruption
#include <boost/test/unit_test.hpp>

#include "tf_test_support.hpp"

#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/checkpoint/tensor_checksums.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "optim/optimizer_yaml.hpp"
#include "support/test_models.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace mlrun;
using namespace mlrun::tf_testing;

namespace {

// A small trained-looking checkpoint: Dense 6->5->3 with Adam's slots.
checkpoint sample_checkpoint()
{
    auto m = mlrun::testing::model_from_yaml(
        "[{Dense: {units: 5, activation: relu, input_shape: [6]}}, {Dense: {units: 3, activation: softmax}}]");
    const auto opt = make_optimizer(YAML::Load("adam"), "<test>");
    opt->attach(m->trainable_parameters());
    rng gen(7);
    for (auto& slots : opt->slots()) {
        for (tensor& t : slots) t = mlrun::testing::random_tensor(t.dims(), gen);
    }
    checkpoint ckpt = capture_state(*m, opt.get());
    ckpt.metadata[checkpoint_keys::training_state] = "epoch: 2\nstep: 20\n";
    add_tensor_checksums(ckpt);
    return ckpt;
}

// What the hdf5 format says about the file's checksum block: not part of
// the values (a flip in the block's magic leaves a file whose contents are
// intact, read as one from elsewhere).
const std::string file_checksum = "file_checksum";

bool same_values(const checkpoint& a, const checkpoint& b)
{
    if (a.tensors.size() != b.tensors.size()) return false;
    for (std::size_t i = 0; i < a.tensors.size(); ++i) {
        const tensor& x = a.tensors[i].second;
        const tensor& y = b.tensors[i].second;
        if (a.tensors[i].first != b.tensors[i].first || x.type() != y.type() || x.dims() != y.dims()) return false;
        if (x.type() == dtype::string ? x.strings() != y.strings() : std::memcmp(x.bytes(), y.bytes(), x.byte_size()) != 0) {
            return false;
        }
    }
    for (const auto& [key, value] : a.metadata) {
        if (key == file_checksum) continue;
        const auto it = b.metadata.find(key);
        if (it == b.metadata.end() || it->second != value) return false;
    }
    return true;
}

// What differs, for the failure message.
std::string difference(const checkpoint& a, const checkpoint& b)
{
    std::string text;
    for (std::size_t i = 0; i < a.tensors.size() && i < b.tensors.size(); ++i) {
        if (a.tensors[i].first != b.tensors[i].first) text += "; tensor name " + a.tensors[i].first + " vs " + b.tensors[i].first;
    }
    for (const auto& [key, value] : a.metadata) {
        if (key == file_checksum) continue;
        const auto it = b.metadata.find(key);
        if (it == b.metadata.end()) text += "; metadata " + key + " missing";
        else if (it->second != value) text += "; metadata " + key + ": [" + value + "] vs [" + it->second + "]";
    }
    return text;
}

struct tally {
    int errors = 0;
    int harmless = 0;
};

// Loads the damaged checkpoint at `path`: a clear error, or the original values.
void load_damaged(const format& fmt, const std::string& path, const checkpoint& original, const std::string& damage,
                  tally& t)
{
    if (std::getenv("MLRUN_CORRUPTION_TRACE") != nullptr) std::fprintf(stderr, "%s\n", damage.c_str());
    try {
        const checkpoint loaded = fmt.load(path);
        BOOST_TEST(same_values(original, loaded), damage << ": loaded without an error but with other values" << difference(original, loaded));
        ++t.harmless;
    } catch (const mlrun::error& e) {
        BOOST_TEST(std::string(e.what()).find(path) != std::string::npos, damage << ": the error does not name the file: " << e.what());
        ++t.errors;
    } catch (const std::exception& e) {
        BOOST_TEST(false, damage << ": not an mlrun error: " << e.what());
    }
}

// Truncations at `cuts` offsets and single-bit flips at `flips` offsets,
// both spread evenly over `file` (and the first and last bytes), each on a
// fresh copy of the saved checkpoint.
tally damage_file(const format& fmt, const std::string& checkpoint_path, const std::string& file, const checkpoint& original,
                  int cuts, int flips)
{
    const std::string pristine = file_bytes(file);
    const std::size_t size = pristine.size();
    tally t;
    for (int i = 0; i <= cuts; ++i) {
        const std::size_t length = size * static_cast<std::size_t>(i) / static_cast<std::size_t>(cuts + 1);
        write_bytes(file, pristine.substr(0, length));
        load_damaged(fmt, checkpoint_path, original, file + " cut to " + std::to_string(length) + " bytes", t);
    }
    for (int i = 0; i < flips; ++i) {
        const std::size_t offset = i + 1 == flips ? size - 1 : size * static_cast<std::size_t>(i) / static_cast<std::size_t>(flips);
        std::string bytes = pristine;
        bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << (i % 8)));
        write_bytes(file, bytes);
        load_damaged(fmt, checkpoint_path, original, file + " bit " + std::to_string(i % 8) + " of byte " + std::to_string(offset) + " flipped", t);
    }
    write_bytes(file, pristine);
    BOOST_TEST_MESSAGE(fs::path(file).filename().string() << " (" << size << " bytes): " << t.errors << " clear errors, "
                       << t.harmless << " damages in unread bytes with identical values");
    return t;
}

// A checkpoint saved as the one file `file_name` in `format_name`, damaged.
// Metadata goes through the format's own encoding (JSON attributes, YAML
// text): the sound file's load is what every damaged load must equal.
tally damage_one_file_checkpoint(const char* format_name, const std::string& file_name, int cuts, int flips)
{
    temp_dir d;
    const checkpoint original = sample_checkpoint();
    const format fmt(registry().find(MLRUN_PLUGIN_FORMAT, format_name));
    const std::string path = d.path(file_name);
    fmt.save(path, original);
    const checkpoint sound = fmt.load(path);
    BOOST_REQUIRE(sound.tensors.size() == original.tensors.size());
    BOOST_REQUIRE(sound.metadata.count(checkpoint_keys::tensor_crc32c) == 1u);
    return damage_file(fmt, path, path, sound, cuts, flips);
}

}  // namespace

BOOST_AUTO_TEST_CASE(tensorflow_checkpoint_index_and_data)
{
    temp_dir d;
    const checkpoint original = sample_checkpoint();
    const std::string prefix = d.path("cp.ckpt");
    tf_format().save(prefix, original);
    BOOST_REQUIRE(same_values(original, tf_format().load(prefix)));
    const tally index = damage_file(tf_format(), prefix, prefix + ".index", original, 60, 400);
    const tally data = damage_file(tf_format(), prefix, prefix + ".data-00000-of-00001", original, 60, 400);
    BOOST_TEST(index.errors > 0);
    BOOST_TEST(data.errors > 0);
}

// Every file mlrun writes carries a CRC32C of all its bytes in a block
// HDF5 skips (formats/hdf5/file_seal.hpp), checked before libhdf5 opens the
// file: damage anywhere is an error naming the file, never a crash inside
// libhdf5 (which 1.10 does on some damaged metadata, free(): invalid
// pointer in H5HG_read), nor an attribute silently gone.
BOOST_AUTO_TEST_CASE(hdf5_checkpoint_truncated_and_flipped)
{
    const tally t = damage_one_file_checkpoint("hdf5", "cp.h5", 200, 600);
    BOOST_TEST(t.errors > 0);
}

// What HDF5 itself does not check: a flipped bit inside a weight's values.
// The file's checksum block catches it first; with that block gone too
// (its magic cleared, as a second damage would), the tensor checksums
// still catch it, naming the tensor.
BOOST_AUTO_TEST_CASE(hdf5_flipped_weight_values_are_named)
{
    temp_dir d;
    const checkpoint original = sample_checkpoint();
    const format h5(registry().find(MLRUN_PLUGIN_FORMAT, "hdf5"));
    const std::string path = d.path("cp.h5");
    h5.save(path, original);
    const std::string pristine = file_bytes(path);
    BOOST_REQUIRE(pristine.compare(0, 16, "mlrun-h5-crc32c\n") == 0);
    std::string unsealed = pristine;
    unsealed.replace(0, 16, 16, '\0');
    int checked = 0;
    int by_file_checksum = 0;
    int by_tensor_checksum = 0;
    auto load_error = [&](const std::string& bytes) {
        write_bytes(path, bytes);
        try {
            h5.load(path);
            return std::string();
        } catch (const io_error& e) {
            const std::string message = e.what();
            BOOST_TEST(message.find(path) != std::string::npos, message);
            return message;
        }
    };
    for (const auto& [name, value] : original.tensors) {
        if (value.type() != dtype::float32 || value.byte_size() < 8) continue;
        const std::string raw(reinterpret_cast<const char*>(value.bytes()), value.byte_size());
        const std::size_t at = pristine.find(raw);
        // Zero biases match any run of zeros: only values found exactly once are flipped.
        if (at == std::string::npos || pristine.find(raw, at + 1) != std::string::npos) continue;
        const std::size_t offset = at + raw.size() / 2;
        std::string sealed_flip = pristine;
        sealed_flip[offset] = static_cast<char>(sealed_flip[offset] ^ 0x01);
        const std::string sealed_error = load_error(sealed_flip);
        BOOST_TEST(!sealed_error.empty(), name << ": a flipped value loaded without an error");
        if (sealed_error.find("file changed after it was written") != std::string::npos) ++by_file_checksum;
        std::string unsealed_flip = unsealed;
        unsealed_flip[offset] = static_cast<char>(unsealed_flip[offset] ^ 0x01);
        const std::string unsealed_error = load_error(unsealed_flip);
        BOOST_TEST(!unsealed_error.empty(), name << ": a flipped value loaded without an error (no checksum block)");
        // Small datasets live inside their object header, which HDF5 checks itself.
        if (unsealed_error.find("tensor '" + name + "': checksum mismatch") != std::string::npos) ++by_tensor_checksum;
        ++checked;
    }
    write_bytes(path, pristine);
    BOOST_TEST_MESSAGE(checked << " tensors flipped: " << by_file_checksum << " caught by the file checksum, "
                       << by_tensor_checksum << " by tensor_crc32c once the file checksum is gone");
    BOOST_TEST(checked >= 6);               // two kernels and the Adam slots
    BOOST_TEST(by_file_checksum == checked);
    BOOST_TEST(by_tensor_checksum >= 1);    // values HDF5 stores without any check of its own
}

// The YAML format: text, so most flips still parse; the checksum line
// catches them (and a cut anywhere after it).
BOOST_AUTO_TEST_CASE(yaml_checkpoint_truncated_and_flipped)
{
    const tally t = damage_one_file_checkpoint("yaml", "cp.yaml", 100, 400);
    BOOST_TEST(t.errors > 0);
}
