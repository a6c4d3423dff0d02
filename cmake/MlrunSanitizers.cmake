# -DMLRUN_SANITIZE=ON builds everything with ASan and UBSan; any report
# fails the run (halt_on_error via -fno-sanitize-recover).
if(MLRUN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
