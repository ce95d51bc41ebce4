# The layering of the source tree, enforced by the compiler.
#
# Each folder is one static library (tdx_layer below) that names the folders
# it may use. Its sources are compiled with one include root of their own,
# ${CMAKE_BINARY_DIR}/layers/<folder>/, which holds symbolic links to the
# folder itself and to every folder it may use, directly or through another
# allowed folder, and to nothing else. An include of a folder that is not
# allowed (an upward include: ovmf/ reaching into measure/, a parser reaching
# into the pipeline) names a file the compiler cannot find, so the build
# fails at that line. docs/architecture.md draws the resulting layers.
#
# No library exports the source root as an include directory: a consumer
# sees a dependency's headers only through its own root, so allowing a folder
# is always an explicit, reviewable line here or in a folder's CMakeLists.txt.

# tdx_layer(FOLDER [USES folder...] [LINKS target...])
#   FOLDER  the folder relative to the source root (base, builder/apt, ...);
#           its *.cc files (not those of subfolders) make the library
#           tdx_<FOLDER with / replaced by _>.
#   USES    folders whose headers this one includes; they must be declared
#           before it (a layer can only use what lies below it).
#   LINKS   external libraries (PUBLIC: their headers appear in ours).
#   EXCLUDE files of the folder that are not part of the library (a main()).
function(tdx_layer folder)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "USES;LINKS;EXCLUDE")
  string(REPLACE "/" "_" name "${folder}")
  set(target tdx_${name})

  # The folders visible from this one: itself plus the closure of USES.
  set(visible ${folder})
  foreach(used IN LISTS arg_USES)
    get_property(declared GLOBAL PROPERTY TDX_LAYER_VISIBLE_${used} SET)
    if(NOT declared)
      message(FATAL_ERROR "tdx_layer(${folder}): it uses ${used}, which is not declared before it; "
        "a folder may only use folders below it")
    endif()
    get_property(closure GLOBAL PROPERTY TDX_LAYER_VISIBLE_${used})
    list(APPEND visible ${closure})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  list(SORT visible)
  set_property(GLOBAL PROPERTY TDX_LAYER_VISIBLE_${folder} ${visible})

  # The include root: a link per visible folder. A folder inside another
  # visible folder is reached through the outer link already.
  set(root ${CMAKE_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${root})
  foreach(dir IN LISTS visible)
    set(covered FALSE)
    foreach(outer IN LISTS visible)
      string(FIND "${dir}" "${outer}/" at)
      if(at EQUAL 0)
        set(covered TRUE)
      endif()
    endforeach()
    if(NOT covered)
      get_filename_component(parent ${root}/${dir} DIRECTORY)
      file(MAKE_DIRECTORY ${parent})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dir} ${root}/${dir} SYMBOLIC)
    endif()
  endforeach()

  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.cc)
  foreach(excluded IN LISTS arg_EXCLUDE)
    list(REMOVE_ITEM sources ${PROJECT_SOURCE_DIR}/${folder}/${excluded})
  endforeach()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PRIVATE ${root})
  set(used_targets)
  foreach(used IN LISTS arg_USES)
    string(REPLACE "/" "_" used_name "${used}")
    list(APPEND used_targets tdx_${used_name})
  endforeach()
  target_link_libraries(${target} PUBLIC ${used_targets} ${arg_LINKS} PRIVATE tdximage_warnings)
  set_property(TARGET ${target} PROPERTY TDX_LAYER_ROOT ${root})
endfunction()

# tdx_layer_program(TARGET FOLDER): a program built from a layer's folder
# (cli/main.cc) compiles against that layer's include root.
function(tdx_layer_program target folder)
  string(REPLACE "/" "_" name "${folder}")
  target_include_directories(${target} PRIVATE ${CMAKE_BINARY_DIR}/layers/${name})
endfunction()
