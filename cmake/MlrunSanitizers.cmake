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
