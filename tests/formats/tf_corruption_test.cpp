// Damaged bundles give clear errors that name the file and the tensor; a
// failed save leaves the previous checkpoint as it was. Nothing crashes.
#include <boost/test/unit_test.hpp>

#include "tf_test_support.hpp"

#include "index_table.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/checkpoint/training_state.hpp"
#include "proto/tensor_bundle.pb.h"

using namespace mlrun;
using namespace mlrun::tf_testing;

namespace {

const format_options raw_names = {{"names", "tensorflow"}};

// A small mlrun checkpoint: two weights of a Dense layer, plus its config.
checkpoint small_checkpoint(float fill)
{
    checkpoint c;
    tensor kernel(shape{3, 2});
    tensor bias(shape{2});
    for (std::int64_t i = 0; i < kernel.size(); ++i) kernel.f32()[i] = fill + static_cast<float>(i);
    c.tensors.emplace_back("dense/kernel", kernel);
    c.tensors.emplace_back("dense/bias", bias);
    c.metadata["model_config"] = "- Dense: {name: dense, units: 2}\n";
    return c;
}

void copy_fixture(const std::string& relative, const temp_dir& dir, const std::string& name)
{
    const std::string from = fixture(relative);
    write_bytes(dir.path(name + ".index"), file_bytes(from + ".index"));
    write_bytes(dir.path(name + ".data-00000-of-00001"), file_bytes(from + ".data-00000-of-00001"));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string load_error(const std::string& prefix, const format_options& options = {})
{
    return error_of([&] { tf_format().load(prefix, options); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(damaged_bundles)

BOOST_AUTO_TEST_CASE(a_flipped_data_byte_is_a_checksum_error_naming_the_tensor)
{
    temp_dir dir;
    tf_format().save(dir.path("cp.ckpt"), small_checkpoint(1.0f));
    std::string data = file_bytes(dir.path("cp.ckpt.data-00000-of-00001"));
    data[5] = static_cast<char>(data[5] ^ 0x01);  // inside the kernel, the first tensor
    write_bytes(dir.path("cp.ckpt.data-00000-of-00001"), data);
    const std::string message = load_error(dir.path("cp.ckpt"));
    BOOST_TEST_MESSAGE(message);
    BOOST_TEST(contains(message, "cannot read tensor 'dense/kernel'"));
    BOOST_TEST(contains(message, "cp.ckpt.data-00000-of-00001: tensor 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE'"));
    BOOST_TEST(contains(message, "checksum mismatch"));
}

BOOST_AUTO_TEST_CASE(every_flipped_data_byte_of_a_tensorflow_file_is_caught, *needs_interop_fixtures())
{
    temp_dir dir;
    copy_fixture("tf1-saver-tiny-mlp/model.ckpt", dir, "model.ckpt");
    const std::string original = file_bytes(dir.path("model.ckpt.data-00000-of-00001"));
    for (std::size_t i = 0; i < original.size(); ++i) {
        std::string damaged = original;
        damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
        write_bytes(dir.path("model.ckpt.data-00000-of-00001"), damaged);
        BOOST_TEST_CONTEXT("byte " << i)
        {
            BOOST_TEST(contains(load_error(dir.path("model.ckpt"), raw_names), "checksum mismatch"));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_damaged_string_tensor_is_caught, *needs_interop_fixtures())
{
    temp_dir dir;
    copy_fixture("tf2-save-weights-unbuilt/easy_checkpoint", dir, "easy");
    std::string data = file_bytes(dir.path("easy.data-00000-of-00001"));
    data[data.size() - 1] = static_cast<char>(data[data.size() - 1] ^ 0x01);  // in the graph's bytes
    write_bytes(dir.path("easy.data-00000-of-00001"), data);
    const std::string message = load_error(dir.path("easy"), raw_names);
    BOOST_TEST(contains(message, "tensor '_CHECKPOINTABLE_OBJECT_GRAPH'"));
    BOOST_TEST(contains(message, "checksum mismatch"));
}

BOOST_AUTO_TEST_CASE(a_truncated_index_is_a_clear_error, *needs_interop_fixtures())
{
    temp_dir dir;
    copy_fixture("tf1-saver-tiny-mlp/model.ckpt", dir, "model.ckpt");
    const std::string index = file_bytes(dir.path("model.ckpt.index"));
    for (std::size_t length : {std::size_t{0}, std::size_t{10}, index.size() / 2, index.size() - 1}) {
        write_bytes(dir.path("model.ckpt.index"), index.substr(0, length));
        const std::string message = load_error(dir.path("model.ckpt"));
        BOOST_TEST_CONTEXT("length " << length)
        {
            BOOST_TEST(contains(message, "model.ckpt.index: not a readable bundle index (" + std::to_string(length) + " bytes)"));
        }
    }
}

BOOST_AUTO_TEST_CASE(any_flipped_index_byte_is_caught_or_harmless_never_a_crash, *needs_interop_fixtures())
{
    temp_dir dir;
    copy_fixture("tf1-saver-tiny-mlp/model.ckpt", dir, "model.ckpt");
    const std::string index = file_bytes(dir.path("model.ckpt.index"));
    const checkpoint good = tf_format().load(dir.path("model.ckpt"), raw_names);
    int caught = 0;
    std::string unnoticed;
    for (std::size_t i = 0; i < index.size(); ++i) {
        std::string damaged = index;
        damaged[i] = static_cast<char>(damaged[i] ^ 0x40);
        write_bytes(dir.path("model.ckpt.index"), damaged);
        try {
            const checkpoint c = tf_format().load(dir.path("model.ckpt"), raw_names);
            // Only bytes no checksum covers -- the footer's padding and the
            // handle of the unused metaindex block -- may change unnoticed,
            // and then they change nothing that is read.
            BOOST_TEST_CONTEXT("byte " << i) { BOOST_TEST(c.tensors.size() == good.tensors.size()); }
            unnoticed += " " + std::to_string(i);
        } catch (const mlrun::error&) {
            ++caught;
        }
    }
    BOOST_TEST_MESSAGE("unnoticed flips at bytes" << unnoticed);
    // The 13 bytes of the empty metaindex block (read only with a filter
    // policy) and the 48-byte footer's padding and metaindex handle are the
    // only bytes no check covers (spec §2.7: metaindex at 123, footer at 155).
    BOOST_TEST(caught >= static_cast<int>(index.size()) - 48 - 13);
}

BOOST_AUTO_TEST_CASE(a_missing_shard_is_named)
{
    temp_dir dir;
    tf_format().save(dir.path("cp.ckpt"), small_checkpoint(1.0f));
    fs::remove(dir.path("cp.ckpt.data-00000-of-00001"));
    const std::string message = load_error(dir.path("cp.ckpt"));
    BOOST_TEST(contains(message, "cp.ckpt.data-00000-of-00001: missing data shard 0 of 1"));
}

// About 600 bytes of nested aliases (nine per level, ten levels: 9^10
// nodes) as _MLRUN_METADATA/training_state: the string comes back as
// written, and reading it for --resume is refused by the alias limit.
BOOST_AUTO_TEST_CASE(an_alias_bomb_in_the_training_state_is_refused_on_resume)
{
    temp_dir dir;
    std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i <= 10; ++i) {
        const std::string previous = "*a" + std::to_string(i - 1);
        bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + previous;
        for (int j = 1; j < 9; ++j) bomb += ", " + previous;
        bomb += "]\n";
    }
    bomb += "resume: {epoch: 1}\ncallbacks: *a10\n";
    checkpoint hostile = small_checkpoint(1.0f);
    hostile.metadata["training_state"] = bomb;
    tf_format().save(dir.path("cp.ckpt"), hostile);
    const checkpoint read = tf_format().load(dir.path("cp.ckpt"));
    BOOST_REQUIRE(read.metadata.count("training_state") == 1);
    BOOST_TEST(read.metadata.at("training_state") == bomb);
    const std::string message =
        error_of([&] { parse_training_state(read.metadata.at("training_state"), dir.path("cp.ckpt")); });
    BOOST_TEST(contains(message, "cp.ckpt: training_state: not YAML: aliases expand to more than 100000 nodes"),
               message);
}

BOOST_AUTO_TEST_CASE(a_truncated_data_file_is_named)
{
    temp_dir dir;
    tf_format().save(dir.path("cp.ckpt"), small_checkpoint(1.0f));
    const std::string data = file_bytes(dir.path("cp.ckpt.data-00000-of-00001"));
    write_bytes(dir.path("cp.ckpt.data-00000-of-00001"), data.substr(0, 20));
    const std::string message = load_error(dir.path("cp.ckpt"));
    BOOST_TEST(contains(message, "cp.ckpt.data-00000-of-00001: tensor '"));
    BOOST_TEST(contains(message, "but the file has 20 bytes (truncated?)"));
}

BOOST_AUTO_TEST_CASE(bad_headers_are_named, *needs_interop_fixtures())
{
    temp_dir dir;
    copy_fixture("tf1-saver-tiny-mlp/model.ckpt", dir, "model.ckpt");
    tf::index_entries entries = tf::read_index_table(file_bytes(dir.path("model.ckpt.index")), "original");
    BOOST_REQUIRE(entries.front().first.empty());
    auto with_header = [&](const std::string& header) {
        tf::index_entries changed = entries;
        changed.front().second = header;
        write_bytes(dir.path("model.ckpt.index"), tf::build_index_table(changed));
        return load_error(dir.path("model.ckpt"));
    };
    tf::BundleHeaderProto header;
    header.set_num_shards(1);
    header.mutable_version()->set_producer(1);
    header.mutable_version()->set_min_consumer(7);
    BOOST_TEST(contains(with_header(header.SerializeAsString()), "bad header: bundle version producer 1, min_consumer 7"));
    header.mutable_version()->set_min_consumer(0);
    header.set_num_shards(0);
    BOOST_TEST(contains(with_header(header.SerializeAsString()), "bad header: num_shards is 0"));
    header.set_num_shards(1);
    header.set_endianness(tf::BundleHeaderProto::BIG);
    BOOST_TEST(contains(with_header(header.SerializeAsString()), "bad header: big-endian"));
    BOOST_TEST(contains(with_header("\xff\xff\xff"), "bad header: the value of the empty key is not a BundleHeaderProto"));

    tf::index_entries headless(entries.begin() + 1, entries.end());
    write_bytes(dir.path("model.ckpt.index"), tf::build_index_table(headless));
    BOOST_TEST(contains(load_error(dir.path("model.ckpt")), "no bundle header"));
}

BOOST_AUTO_TEST_CASE(an_entry_whose_size_contradicts_its_shape_is_named, *needs_interop_fixtures())
{
    temp_dir dir;
    copy_fixture("tf1-saver-tiny-mlp/model.ckpt", dir, "model.ckpt");
    tf::index_entries entries = tf::read_index_table(file_bytes(dir.path("model.ckpt.index")), "original");
    tf::BundleEntryProto entry;
    BOOST_REQUIRE(entry.ParseFromString(entries[1].second));  // Bias1, float [2]
    entry.mutable_shape()->mutable_dim(0)->set_size(3);
    entries[1].second = entry.SerializeAsString();
    write_bytes(dir.path("model.ckpt.index"), tf::build_index_table(entries));
    BOOST_TEST(contains(load_error(dir.path("model.ckpt")),
                        "tensor 'Bias1' is DT_FLOAT [3], which takes 12 bytes, but its entry says 8"));
}

BOOST_AUTO_TEST_CASE(no_such_checkpoint_is_named)
{
    temp_dir dir;
    BOOST_TEST(contains(load_error(dir.path("nothing")), "nothing.index: no such file"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failed_saves)

BOOST_AUTO_TEST_CASE(a_failed_save_leaves_the_previous_checkpoint_untouched)
{
    temp_dir dir;
    const std::string prefix = dir.path("cp.ckpt");
    tf_format().save(prefix, small_checkpoint(1.0f));
    const std::string index_before = file_bytes(prefix + ".index");
    const std::string data_before = file_bytes(prefix + ".data-00000-of-00001");

    checkpoint broken = small_checkpoint(100.0f);
    broken.tensors.emplace_back("dense/kernel", tensor(shape{1}));  // a second tensor with the same name
    const std::string message = error_of([&] { tf_format().save(prefix, broken); });
    BOOST_TEST(contains(message, "two tensors are named"));

    BOOST_TEST(file_bytes(prefix + ".index") == index_before);
    BOOST_TEST(file_bytes(prefix + ".data-00000-of-00001") == data_before);
    const checkpoint reread = tf_format().load(prefix);
    BOOST_TEST(reread.find("dense/kernel")->f32()[0] == 1.0f);
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir.dir)) files.push_back(entry.path().filename().string());
    std::sort(files.begin(), files.end());
    BOOST_TEST(files == (std::vector<std::string>{"cp.ckpt.data-00000-of-00001", "cp.ckpt.index"}),
               boost::test_tools::per_element());  // no temporaries left behind
}

BOOST_AUTO_TEST_CASE(a_save_below_a_file_is_a_clear_error)
{
    temp_dir dir;
    write_bytes(dir.path("plain"), "x");
    const std::string message = error_of([&] { tf_format().save(dir.path("plain/cp.ckpt"), small_checkpoint(1.0f)); });
    BOOST_TEST(contains(message, "plain: exists and is not a directory"));
}

BOOST_AUTO_TEST_CASE(saving_creates_missing_directories_as_tensorflow_does)
{
    temp_dir dir;
    tf_format().save(dir.path("training_1/nested/cp.ckpt"), small_checkpoint(2.0f));
    BOOST_TEST(tf_format().load(dir.path("training_1/nested/cp.ckpt")).find("dense/kernel")->f32()[0] == 2.0f);
}

BOOST_AUTO_TEST_SUITE_END()
