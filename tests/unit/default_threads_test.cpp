// What backend.threads: 0 means (backend/default_threads.hpp): the cores
// from an affinity mask and a cgroup quota, and the waiting it asks of the
// thread runtimes.
#define BOOST_TEST_MODULE default_threads
#include <boost/test/unit_test.hpp>

#include "backend/default_threads.hpp"

#include <sched.h>

#include <cstdlib>
#include <string>

using namespace mlrun;

BOOST_AUTO_TEST_CASE(cgroup_v2_cpu_max)
{
    BOOST_TEST(!cpu_max_quota("max 100000\n").has_value());
    BOOST_TEST(cpu_max_quota("150000 100000\n").value() == 1.5);
    BOOST_TEST(cpu_max_quota("50000 100000").value() == 0.5);
    BOOST_TEST(cpu_max_quota("400000 100000").value() == 4.0);
    // Not a quota: left out rather than guessed at.
    BOOST_TEST(!cpu_max_quota("").has_value());
    BOOST_TEST(!cpu_max_quota("150000").has_value());
    BOOST_TEST(!cpu_max_quota("abc 100000").has_value());
    BOOST_TEST(!cpu_max_quota("150000 0").has_value());
    BOOST_TEST(!cpu_max_quota("150000 100000 7").has_value());
}

BOOST_AUTO_TEST_CASE(cgroup_v1_cfs_quota)
{
    BOOST_TEST(!cfs_quota("-1\n", "100000\n").has_value());
    BOOST_TEST(cfs_quota("200000\n", "100000\n").value() == 2.0);
    BOOST_TEST(cfs_quota("25000", "100000").value() == 0.25);
    BOOST_TEST(!cfs_quota("lots", "100000").has_value());
    BOOST_TEST(!cfs_quota("200000", "").has_value());
}

BOOST_AUTO_TEST_CASE(cgroup_paths_of_v1_and_v2)
{
    const std::string hybrid = "9:name=systemd:/\n4:memory:/jobs/7\n2:cpuacct,cpu:/jobs/7\n0::/user.slice/run-1\n";
    BOOST_TEST(cgroup_path(hybrid, "").value() == "/user.slice/run-1");
    BOOST_TEST(cgroup_path(hybrid, "cpu").value() == "/jobs/7");
    BOOST_TEST(cgroup_path(hybrid, "memory").value() == "/jobs/7");
    // "cpuacct" names a controller of its own; "cpu" must not match it alone.
    BOOST_TEST(!cgroup_path("2:cpuacct:/a\n", "cpu").has_value());
    BOOST_TEST(!cgroup_path("2:cpuacct:/a\n", "").has_value());
    BOOST_TEST(cgroup_path("0::/\n", "").value() == "/");
    BOOST_TEST(!cgroup_path("garbage\n", "").has_value());
}

BOOST_AUTO_TEST_CASE(cores_from_affinity_and_quota)
{
    BOOST_TEST(usable_cores({8, std::nullopt, ""}) == 8);
    BOOST_TEST(usable_cores({8, 4.0, "cpu.max"}) == 4);
    // Rounded down: a 2-thread team would stall on a 1.5-core quota.
    BOOST_TEST(usable_cores({8, 1.5, "cpu.max"}) == 1);
    BOOST_TEST(usable_cores({8, 2.99, "cpu.max"}) == 2);
    // Never below one, whatever the quota or a mask that could not be read.
    BOOST_TEST(usable_cores({8, 0.25, "cpu.max"}) == 1);
    BOOST_TEST(usable_cores({0, std::nullopt, ""}) == 1);
    // A quota above the mask does not add cores.
    BOOST_TEST(usable_cores({2, 16.0, "cpu.max"}) == 2);
}

BOOST_AUTO_TEST_CASE(this_process_follows_its_affinity_mask)
{
    cpu_set_t all;
    BOOST_REQUIRE(sched_getaffinity(0, sizeof all, &all) == 0);
    int first = 0;
    while (!CPU_ISSET(first, &all)) ++first;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    BOOST_REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
    const core_limits limits = current_core_limits();
    const thread_choice choice = default_threads();
    BOOST_REQUIRE(sched_setaffinity(0, sizeof all, &all) == 0);
    BOOST_TEST(limits.affinity == 1);
    BOOST_TEST(choice.threads == 1);
    BOOST_TEST(choice.reason().find("1 thread ") == 0, choice.reason());
    BOOST_TEST(choice.reason().find("1 core in its affinity mask") != std::string::npos, choice.reason());
}

BOOST_AUTO_TEST_CASE(idle_threads_are_asked_to_sleep_unless_the_environment_says_otherwise)
{
    // This test program loads neither OpenMP nor OpenBLAS, so both can still be set.
    ::unsetenv("OMP_WAIT_POLICY");
    ::setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1);
    const thread_choice choice = default_threads();
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    BOOST_TEST((policy != nullptr && std::string(policy) == "PASSIVE"));
    BOOST_TEST(std::string(std::getenv("OPENBLAS_THREAD_TIMEOUT")) == "20");
    BOOST_TEST(choice.reason().find("OMP_WAIT_POLICY=PASSIVE") != std::string::npos, choice.reason());
    BOOST_TEST(choice.reason().find("OPENBLAS_THREAD_TIMEOUT=20 kept from the environment") != std::string::npos,
               choice.reason());
}
