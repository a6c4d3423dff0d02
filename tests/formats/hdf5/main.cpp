// The Keras HDF5 format tests: one executable, several files.
#define BOOST_TEST_MODULE hdf5 format
#include <boost/test/unit_test.hpp>
