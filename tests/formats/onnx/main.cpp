// The ONNX export tests: one executable, several files.
#define BOOST_TEST_MODULE onnx format
#include <boost/test/unit_test.hpp>
