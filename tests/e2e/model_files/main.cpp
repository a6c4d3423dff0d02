// End to end with model files: going on training after load_model, and the
// model-file commands of the mlrun tool.
#define BOOST_TEST_MODULE model files
#include <boost/test/unit_test.hpp>
