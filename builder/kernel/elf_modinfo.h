// What a Linux kernel module (an ELF64 little-endian relocatable object, a
// .ko after decompression) says about itself: its ".modinfo" section, which
// holds NUL-separated "key=value" strings written by modpost and the
// MODULE_* macros ("name=tdx_guest", "depends=tsm", "vermagic=6.12... SMP
// preempt mod_unload modversions ", "alias=...", "softdep=pre: ..."). Keys
// repeat (alias, depends on old kernels, parm...). Alignment padding shows up
// as empty strings between entries; they are dropped. And its symbols: what
// it imports and exports, which is how depmod links modules.
//
// Sections are found through the section header table (by name via the
// section name table, or by type), so a module with a signature appended
// ("~Module signature appended~") parses like any other.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"

namespace tdx::builder {

// The non-empty strings of `.modinfo`, in file order. `name` (the module's
// path) prefixes every error: not ELF, not 64-bit little-endian, not a
// relocatable object, truncated headers or sections, no .modinfo section.
std::vector<std::string> read_modinfo(Bytes ko, const std::string& name);

// What a module imports and exports: its undefined .symtab symbols in
// symbol table order (depmod orders dependencies by first import), and the
// names it exports (EXPORT_SYMBOL), from "__ksymtab_<name>" and "__crc_<name>"
// symbols and the __ksymtab_strings section, each name once.
struct ModuleSymbols {
    std::vector<std::string> undefined;
    std::vector<std::string> exported;
};
ModuleSymbols read_module_symbols(Bytes ko, const std::string& name);

// Every value of `key` ("depends" -> {"tsm"}), in file order. An entry without
// '=' has no value and is never returned.
std::vector<std::string> modinfo_values(const std::vector<std::string>& modinfo, std::string_view key);

}  // namespace tdx::builder
