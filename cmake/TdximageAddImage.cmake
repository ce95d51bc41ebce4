# tdximage_add_image(): build a TD image with `tdximage build` as a step of a
# CMake build (docs/cmake.md). Included by tdximageConfig.cmake after
# find_package(tdximage), or in-tree from the top-level CMakeLists.txt.
#
# The same file runs in script mode (cmake -P) after each image build to
# write the depfile: only the tool knows which files a recipe reads once
# `extends:` is resolved, so the list is taken from `tdximage recipe show
# --json` instead of being guessed from the YAML at configure time.

cmake_minimum_required(VERSION 3.20)

# The depfile writer: runs at build time, after `tdximage build` succeeded.
if(CMAKE_SCRIPT_MODE_FILE AND DEFINED TDXIMAGE_DEPFILE)
  execute_process(COMMAND "${TDXIMAGE_TOOL}" recipe show --json "${TDXIMAGE_RECIPE}"
    OUTPUT_VARIABLE show RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tdximage_add_image(${TDXIMAGE_TARGET}): `tdximage recipe show --json ${TDXIMAGE_RECIPE}` failed: ${err}")
  endif()

  # The OUTPUT list names the initramfs before the recipe is read, so a
  # recipe whose compression differs would leave a declared output missing
  # and the image would be rebuilt on every build: stop with the fix instead.
  string(JSON compression GET "${show}" recipe initramfs compression)
  if(NOT compression STREQUAL TDXIMAGE_COMPRESSION)
    message(FATAL_ERROR "tdximage_add_image(${TDXIMAGE_TARGET}): recipe ${TDXIMAGE_RECIPE} compresses the initramfs "
      "with '${compression}' but the call says COMPRESSION ${TDXIMAGE_COMPRESSION}: pass COMPRESSION ${compression}")
  endif()

  # The recipe and every parent it extends, as absolute paths.
  set(deps "")
  set(dirs "")
  string(JSON n LENGTH "${show}" files)
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON f GET "${show}" files ${i})
    get_filename_component(f "${f}" ABSOLUTE)
    list(APPEND deps "${f}")
    get_filename_component(d "${f}" DIRECTORY)
    list(APPEND dirs "${d}")
  endforeach()

  # Local files (`files:` sources, a kernel or firmware given as `file:`):
  # the canonical recipe writes a relative one relative to the directory of
  # the recipe given, wherever in the chain it was named.
  list(GET dirs 0 base)
  string(JSON nf LENGTH "${show}" recipe files)
  if(nf GREATER 0)
    math(EXPR lastf "${nf} - 1")
    foreach(i RANGE ${lastf})
      string(JSON src GET "${show}" recipe files ${i} src)
      get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${base}")
      list(APPEND deps "${src}")
    endforeach()
  endif()
  foreach(artifact kernel ovmf)
    string(JSON kind GET "${show}" recipe ${artifact} kind)
    if(kind STREQUAL "file")
      string(JSON src GET "${show}" recipe ${artifact} file)
      get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${base}")
      list(APPEND deps "${src}")
    endif()
  endforeach()

  # The lock exists now even when the build just wrote it.
  if(EXISTS "${TDXIMAGE_LOCK}")
    list(APPEND deps "${TDXIMAGE_LOCK}")
  endif()

  # gcc -M syntax: escape what make and ninja would split or expand.
  set(text "")
  foreach(p "${TDXIMAGE_DEPFILE_TARGET}" ${deps})
    string(REPLACE "\\" "\\\\" p "${p}")
    string(REPLACE " " "\\ " p "${p}")
    string(REPLACE "#" "\\#" p "${p}")
    string(REPLACE "$" "$$" p "${p}")
    if(text STREQUAL "")
      set(text "${p}:")
    else()
      string(APPEND text " \\\n  ${p}")
    endif()
  endforeach()
  file(WRITE "${TDXIMAGE_DEPFILE}" "${text}\n")
  return()
endif()

set(TDXIMAGE_EXECUTABLE "" CACHE FILEPATH
  "tdximage program for tdximage_add_image(); empty: the tdximage::tdximage target")

function(tdximage_add_image target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "LOCKED;OFFLINE"
    "RECIPE;AGENT;LOCK;OUT;CACHE_DIR;COMPRESSION" "AGENT_ARGS;DEPENDS")
  if(arg_UNPARSED_ARGUMENTS)
    list(FIND arg_UNPARSED_ARGUMENTS PROFILE has_profile)
    if(NOT has_profile EQUAL -1)
      message(FATAL_ERROR "tdximage_add_image(${target}): there is no PROFILE argument: the profile is part "
        "of the recipe and of its lock; write a recipe that `extends:` yours and sets `profile:` (docs/cmake.md)")
    endif()
    message(FATAL_ERROR "tdximage_add_image(${target}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  foreach(required RECIPE AGENT)
    if(NOT arg_${required})
      message(FATAL_ERROR "tdximage_add_image(${target}): ${required} is required")
    endif()
  endforeach()

  if(TDXIMAGE_EXECUTABLE)
    set(tool "${TDXIMAGE_EXECUTABLE}")
    set(tool_deps "${TDXIMAGE_EXECUTABLE}")
  elseif(TARGET tdximage::tdximage)
    set(tool "$<TARGET_FILE:tdximage::tdximage>")
    set(tool_deps "$<TARGET_FILE:tdximage::tdximage>")
    get_target_property(tool_target tdximage::tdximage ALIASED_TARGET)
    if(tool_target)
      # In-tree: DEPENDS on the real target orders the tool's build first.
      list(APPEND tool_deps ${tool_target})
    endif()
  else()
    message(FATAL_ERROR "tdximage_add_image(${target}): no tdximage: call find_package(tdximage) "
      "or set TDXIMAGE_EXECUTABLE")
  endif()

  # RECIPE is a file (relative to this directory), or the name of a recipe
  # shipped with tdximage ("debian-13", no '/' and no such file here), which
  # the tool finds itself; the depfile then names the file it read. A shipped
  # recipe's lock defaults to NAME.yaml.lock in this directory, beside the
  # CMakeLists.txt that names it, as a file recipe's sits beside the recipe.
  if(NOT arg_RECIPE MATCHES "/" AND NOT EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${arg_RECIPE}")
    set(recipe "${arg_RECIPE}")
    set(recipe_dep "")
    string(REGEX REPLACE "\\.yaml$" "" recipe_name "${arg_RECIPE}")
    set(default_lock "${CMAKE_CURRENT_SOURCE_DIR}/${recipe_name}.yaml.lock")
  else()
    get_filename_component(recipe "${arg_RECIPE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(recipe_dep "${recipe}")
    set(default_lock "${recipe}.lock")
  endif()
  if(arg_LOCK)
    get_filename_component(lock "${arg_LOCK}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  else()
    set(lock "${default_lock}")
  endif()
  if(arg_OUT)
    get_filename_component(out "${arg_OUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  endif()
  if(NOT arg_COMPRESSION)
    set(arg_COMPRESSION gzip)
  endif()
  if(arg_COMPRESSION STREQUAL "gzip")
    set(initramfs "${out}/initramfs.cpio.gz")
  elseif(arg_COMPRESSION STREQUAL "zstd")
    set(initramfs "${out}/initramfs.cpio.zst")
  elseif(arg_COMPRESSION STREQUAL "xz")
    set(initramfs "${out}/initramfs.cpio.xz")
  elseif(arg_COMPRESSION STREQUAL "none")
    set(initramfs "${out}/initramfs.cpio")
  else()
    message(FATAL_ERROR "tdximage_add_image(${target}): COMPRESSION must be gzip, zstd, xz or none, not '${arg_COMPRESSION}'")
  endif()

  if(TARGET ${arg_AGENT})
    set(agent "$<TARGET_FILE:${arg_AGENT}>")
    set(agent_deps ${arg_AGENT})
  else()
    get_filename_component(agent "${arg_AGENT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(agent_deps "${agent}")
  endif()

  set(build_args build "${recipe}" --agent "${agent}" --out "${out}" --lock "${lock}" --quiet)
  foreach(a IN LISTS arg_AGENT_ARGS)
    list(APPEND build_args "--agent-arg=${a}")
  endforeach()
  if(arg_CACHE_DIR)
    get_filename_component(cache "${arg_CACHE_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    list(APPEND build_args --cache-dir "${cache}")
  endif()
  if(arg_LOCKED)
    list(APPEND build_args --locked)
  endif()
  if(arg_OFFLINE)
    list(APPEND build_args --offline)
  endif()

  # A lock the build may write itself cannot be a DEPENDS (Ninja refuses a
  # missing input without a rule); the depfile names it once it exists.
  set(lock_dep "")
  if(arg_LOCKED)
    set(lock_dep "${lock}")
  endif()

  set(outputs "${out}/mr_td.hex" "${out}/rtmr1.hex" "${out}/rtmr2.hex" "${out}/measurements.json"
    "${out}/manifest.json" "${out}/sbom.spdx.json" "${out}/launch-qemu.sh" "${out}/vmlinuz"
    "${initramfs}" "${out}/OVMF.fd")
  set(depfile "${CMAKE_CURRENT_BINARY_DIR}/${target}.tdximage.d")
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${tool} ${build_args}
    COMMAND "${CMAKE_COMMAND}" "-DTDXIMAGE_DEPFILE=${depfile}" "-DTDXIMAGE_DEPFILE_TARGET=${out}/mr_td.hex"
            "-DTDXIMAGE_TOOL=${tool}" "-DTDXIMAGE_RECIPE=${recipe}" "-DTDXIMAGE_LOCK=${lock}"
            "-DTDXIMAGE_COMPRESSION=${arg_COMPRESSION}" "-DTDXIMAGE_TARGET=${target}"
            -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
    DEPENDS ${recipe_dep} ${lock_dep} ${agent_deps} ${tool_deps} ${arg_DEPENDS}
    DEPFILE "${depfile}"
    COMMENT "tdximage: building image ${target} from ${arg_RECIPE}"
    USES_TERMINAL VERBATIM)
  add_custom_target(${target} ALL DEPENDS ${outputs})
  set_target_properties(${target} PROPERTIES
    TDXIMAGE_OUT_DIR "${out}"
    TDXIMAGE_MRTD_FILE "${out}/mr_td.hex"
    TDXIMAGE_KERNEL "${out}/vmlinuz"
    TDXIMAGE_INITRAMFS "${initramfs}"
    TDXIMAGE_FIRMWARE "${out}/OVMF.fd"
    TDXIMAGE_MANIFEST "${out}/manifest.json"
    TDXIMAGE_MEASUREMENTS "${out}/measurements.json"
    TDXIMAGE_LAUNCH_SCRIPT "${out}/launch-qemu.sh")
endfunction()
