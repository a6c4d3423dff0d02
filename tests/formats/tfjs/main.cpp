// The TensorFlow.js format tests: one executable, several files.
#define BOOST_TEST_MODULE tfjs format
#include <boost/test/unit_test.hpp>
