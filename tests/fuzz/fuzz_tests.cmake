# The fuzz targets as ctest tests of the main build (docs/fuzzing.md). They
# need clang, so they build in a second configuration of this tree:
# fuzz_build configures and builds build/fuzz, then fuzz_<target> runs each
# target for MLRUN_FUZZ_SECONDS from seeds made at test time.
set(MLRUN_FUZZ_SECONDS 45 CACHE STRING "How long ctest runs each fuzz target, in seconds")
set(fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(fuzz_build_dir ${PROJECT_BINARY_DIR}/fuzz)

add_test(NAME fuzz_build COMMAND bash ${fuzz_dir}/build_fuzzers.sh ${PROJECT_SOURCE_DIR} ${fuzz_build_dir})
# The build runs -j 2: it takes both of ctest's slots while it runs.
set_tests_properties(fuzz_build PROPERTIES
  LABELS fuzz FIXTURES_SETUP mlrun_fuzzers PROCESSORS 2 TIMEOUT 1200)

foreach(target tf_checkpoint hdf5 idx experiment)
  add_test(NAME fuzz_${target}
    COMMAND bash ${fuzz_dir}/run_fuzzer.sh ${target}_fuzzer ${fuzz_build_dir} ${MLRUN_FUZZ_SECONDS})
  math(EXPR limit "${MLRUN_FUZZ_SECONDS} + 120")
  set_tests_properties(fuzz_${target} PROPERTIES
    LABELS fuzz FIXTURES_REQUIRED mlrun_fuzzers TIMEOUT ${limit}
    ENVIRONMENT "MLRUN_SOURCE_DIR=${PROJECT_SOURCE_DIR};MLRUN_BINARY_DIR=${PROJECT_BINARY_DIR}")
endforeach()
