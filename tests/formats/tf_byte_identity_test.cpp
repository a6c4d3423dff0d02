// Writing back what was read from an uncompressed TensorFlow bundle gives
// the same bytes: the index (LevelDB table, header, entries) and the data
// file (tensor order, string layout, checksums).
#include <boost/test/unit_test.hpp>

#include "tf_test_support.hpp"

using namespace mlrun;
using namespace mlrun::tf_testing;

namespace {

const format_options raw_names = {{"names", "tensorflow"}};

// Every fixture bundle written by TensorFlow without compression whose data
// is all of a type mlrun carries. Left out: the two snappy-compressed ones
// (TensorFlow itself has written uncompressed indexes since 1.2, and so
// does mlrun) and tf2-checkpoint-manager-adam, whose tf.data iterator
// state (DT_VARIANT) mlrun does not carry.
const char* const uncompressed_bundles[] = {
    "tf1-half-plus-three/variables",
    "tf1-saver-tiny-mlp/model.ckpt",
    "tf1-saver-adam-mlp/model.ckpt",
    "tf2.0a-keras-save-weights-mlp/cp-0000.ckpt",
    "tf2-keras-savedmodel-variables-mnist/variables",
    "tf2-save-weights-unbuilt/easy_checkpoint",
    "tf2.11-keras-checkpoint-manager/ckpt-17",
    "tf2.11-keras-checkpoint-manager/ckpt-18",
    "tf2.11-keras-checkpoint-manager/ckpt-19",
    "tf2-keras-subclassed-save-weights/my_checkpoint",
    "tf2.11-keras-save-weights-sequential/my_checkpoint",
    "tf2.11-keras-savedmodel-variables-dqn/variables",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(byte_identity, *needs_interop_fixtures())

BOOST_AUTO_TEST_CASE(rewriting_tensorflow_bundles_reproduces_their_bytes)
{
    for (const char* bundle : uncompressed_bundles) {
        BOOST_TEST_CONTEXT(bundle)
        {
            const std::string original = fixture(bundle);
            const checkpoint ckpt = tf_format().load(original, raw_names);
            BOOST_REQUIRE(ckpt.metadata.empty());  // nothing was left behind
            temp_dir dir;
            const std::string copy = dir.path("copy");
            tf_format().save(copy, ckpt, raw_names);
            const std::string original_index = file_bytes(original + ".index");
            const std::string original_data = file_bytes(original + ".data-00000-of-00001");
            BOOST_TEST(file_bytes(copy + ".index") == original_index);
            BOOST_TEST(file_bytes(copy + ".data-00000-of-00001") == original_data);
            BOOST_TEST(original_index.size() > 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(snappy_bundles_are_rewritten_uncompressed_with_the_same_data)
{
    for (const char* bundle : {"tf1-half-plus-two-snappy/variables", "tf2-half-plus-two-object/variables"}) {
        BOOST_TEST_CONTEXT(bundle)
        {
            const std::string original = fixture(bundle);
            const checkpoint ckpt = tf_format().load(original, raw_names);
            temp_dir dir;
            tf_format().save(dir.path("copy"), ckpt, raw_names);
            BOOST_TEST(file_bytes(dir.path("copy.data-00000-of-00001")) ==
                       file_bytes(original + ".data-00000-of-00001"));
            const std::string index = file_bytes(dir.path("copy.index"));
            BOOST_TEST(index != file_bytes(original + ".index"));
            const checkpoint again = tf_format().load(dir.path("copy"), raw_names);
            BOOST_REQUIRE(again.tensors.size() == ckpt.tensors.size());
            for (std::size_t i = 0; i < ckpt.tensors.size(); ++i) {
                BOOST_TEST(again.tensors[i].first == ckpt.tensors[i].first);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
