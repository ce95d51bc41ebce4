#include "measure/cfv.h"

namespace tdx {

std::optional<Digest384> cfv_digest(Bytes firmware, const ovmf::TdvfImage& image) {
    if (!image.descriptor) return std::nullopt;
    for (const ovmf::TdvfSection& s : image.descriptor->sections) {
        if (s.type != static_cast<std::uint32_t>(ovmf::SectionType::Cfv)) continue;
        if (static_cast<std::uint64_t>(s.data_offset) + s.raw_data_size > firmware.size()) return std::nullopt;
        return sha384(firmware.subspan(s.data_offset, s.raw_data_size));
    }
    return std::nullopt;
}

}  // namespace tdx
