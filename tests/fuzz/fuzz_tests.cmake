# The fuzz targets as ctest tests of the main build (docs/fuzzing.md). They
# need clang, so they build in a second configuration of this tree:
# fuzz_build configures and builds build/fuzz, then fuzz_<target> runs each
# target for MLRUN_FUZZ_SECONDS from seeds made at test time.
set(MLRUN_FUZZ_SECONDS 20 CACHE STRING "How long ctest runs each fuzz target, in seconds")
set(fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(fuzz_build_dir ${PROJECT_BINARY_DIR}/fuzz)

add_test(NAME fuzz_build COMMAND bash ${fuzz_dir}/build_fuzzers.sh ${PROJECT_SOURCE_DIR} ${fuzz_build_dir})
# The build runs -j 2: it takes both of ctest's slots while it runs.
set_tests_properties(fuzz_build PROPERTIES
  LABELS fuzz FIXTURES_SETUP mlrun_fuzzers PROCESSORS 2 TIMEOUT 1200)

# libhdf5's huge allocations on damaged files happen in the reader's child
# process, which turns them into a clear error; the allocation limit would
# have the child write a reproducer first. The parent's memory stays capped
# by -rss_limit_mb.
set(fuzz_hdf5_options -malloc_limit_mb=1048576)
set(fuzz_keras_archive_options -malloc_limit_mb=1048576)
foreach(target tf_checkpoint hdf5 keras_archive keras_json onnx tfjs idx npy experiment checkpoint_state)
  add_test(NAME fuzz_${target}
    COMMAND bash ${fuzz_dir}/run_fuzzer.sh ${target}_fuzzer ${fuzz_build_dir} ${MLRUN_FUZZ_SECONDS}
      ${fuzz_${target}_options})
  math(EXPR limit "${MLRUN_FUZZ_SECONDS} + 120")
  set_tests_properties(fuzz_${target} PROPERTIES
    LABELS fuzz FIXTURES_REQUIRED mlrun_fuzzers TIMEOUT ${limit}
    ENVIRONMENT "MLRUN_SOURCE_DIR=${PROJECT_SOURCE_DIR};MLRUN_BINARY_DIR=${PROJECT_BINARY_DIR}")
endforeach()
