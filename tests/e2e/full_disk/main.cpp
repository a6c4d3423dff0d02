// Full disks, end to end: the mlrun tool writing to a small tmpfs.
#define BOOST_TEST_MODULE full_disk
#include <boost/test/unit_test.hpp>
