# -DMLRUN_SANITIZE=ON builds everything with ASan and UBSan; any report
# fails the run (halt_on_error via -fno-sanitize-recover).
if(MLRUN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # GCC 12's flow analysis under ASan reports <regex>'s own std::function
  # moves as maybe-uninitialized; the sanitizers check that at run time.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()

# -DMLRUN_FUZZERS=ON (clang): every library gets libFuzzer's coverage
# instrumentation besides ASan and UBSan; the fuzz targets link libFuzzer.
if(MLRUN_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MLRUN_FUZZERS needs clang++ (found ${CMAKE_CXX_COMPILER_ID}); configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
