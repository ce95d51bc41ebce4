// Whether a firmware measures into the RTMRs of a TD. edk2's OvmfPkgX64 only
// does when built with CC_MEASUREMENT_ENABLE, which adds TdTcg2Dxe (and
// TdTcg2Pei from edk2-stable202502 on); without TdTcg2Dxe no RTMR is extended
// and an RTMR prediction can never match a quote. FILE_GUIDs are those of the
// modules' .inf files in tianocore/edk2 (OvmfPkg/Tcg/TdTcg2Dxe/TdTcg2Dxe.inf,
// OvmfPkg/Tcg/TdTcg2Pei/TdTcg2Pei.inf, OvmfPkg/TdxDxe/TdxDxe.inf); the UI
// name is matched too, for builds that give a module a new GUID.
#include "ovmf/firmware_volume.h"

namespace tdx::ovmf {
namespace {

bool has_module(const FirmwareInventory& inv, const char* guid_text, const std::string& ui_name) {
    const Guid guid = Guid::parse(guid_text);
    for (const FfsFile& f : inv.files)
        if (f.usable() && (f.name == guid || f.ui_name == ui_name)) return true;
    return false;
}

}  // namespace

TdMeasurementDrivers td_measurement_drivers(const FirmwareInventory& inventory) {
    TdMeasurementDrivers d;
    d.td_tcg2_dxe = has_module(inventory, "f062221e-c607-44c2-b0b4-c3886331d351", "TdTcg2Dxe");
    d.td_tcg2_pei = has_module(inventory, "fcb3a3d6-6274-411c-a548-bd0e717d533a", "TdTcg2Pei");
    d.tdx_dxe = has_module(inventory, "e750224e-7bce-40af-b5bb-47e3611eb5c2", "TdxDxe");
    return d;
}

std::vector<std::string> firmware_warnings(const FirmwareInventory& inventory, const std::string& file_name) {
    std::vector<std::string> out;
    bool ffs = false;
    for (const FirmwareVolume& v : inventory.volumes) ffs = ffs || v.is_ffs();
    if (!ffs) {
        out.push_back(file_name +
                      ": no firmware volume with FFS files found; cannot tell whether this firmware "
                      "extends the RTMRs of a TD");
        return out;
    }
    if (td_measurement_drivers(inventory).td_tcg2_dxe) return out;
    std::string w = file_name + ": no TdTcg2Dxe among its " + std::to_string(inventory.files.size()) +
                    " modules: this firmware extends no RTMR in a TD; predicted RTMR values would never be seen";
    if (std::size_t n = inventory.undecoded_sections())
        w += " (" + std::to_string(n) + " section" + (n == 1 ? " was" : "s were") + " not decoded and may hold it)";
    out.push_back(w);
    return out;
}

}  // namespace tdx::ovmf
