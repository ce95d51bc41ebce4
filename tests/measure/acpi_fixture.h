// A miniature of QEMU's three ACPI fw_cfg blobs for tests: etc/acpi/tables
// holding FACS, DSDT, FACP, APIC (one enabled Local APIC per vCPU plus one
// disabled, as QEMU lists possible CPUs) and RSDT; etc/acpi/rsdp pointing at
// the RSDT by offset; etc/table-loader allocating both. Header-only: .cc
// files under tests/ are compiled only when they are tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "measure/acpi_loader.h"
#include "tests/support/test_env.h"

namespace tdx::test {

struct AcpiFixture {
    std::vector<std::uint8_t> loader, rsdp, tables;

    static void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    static std::vector<std::uint8_t> table(const char* sig, std::size_t length) {
        std::vector<std::uint8_t> t(length, 0);
        std::memcpy(t.data(), sig, 4);
        put32(t, 4, static_cast<std::uint32_t>(length));
        return t;
    }

    explicit AcpiFixture(unsigned cpus, bool with_tpm_log = false) {
        std::vector<std::uint32_t> offsets;
        auto append = [&](std::vector<std::uint8_t> t) {
            offsets.push_back(static_cast<std::uint32_t>(tables.size()));
            tables.insert(tables.end(), t.begin(), t.end());
        };
        append(table("FACS", 64));
        append(table("DSDT", 36 + 16));
        append(table("FACP", 116));
        std::vector<std::uint8_t> madt = table("APIC", 44 + 8 * (cpus + 1));
        for (unsigned i = 0; i <= cpus; ++i) {
            const std::size_t e = 44 + 8 * i;
            madt[e] = 0;  // Processor Local APIC
            madt[e + 1] = 8;
            madt[e + 2] = static_cast<std::uint8_t>(i);
            madt[e + 3] = static_cast<std::uint8_t>(i);
            put32(madt, e + 4, i < cpus ? 1 : 0);
        }
        append(madt);
        std::vector<std::uint8_t> rsdt = table("RSDT", 36 + 4 * 2);
        put32(rsdt, 36, offsets[2]);  // FACP
        put32(rsdt, 40, offsets[3]);  // APIC
        const std::uint32_t rsdt_at = static_cast<std::uint32_t>(tables.size());
        tables.insert(tables.end(), rsdt.begin(), rsdt.end());
        tables.resize(0x20000, 0);

        rsdp.assign(20, 0);
        std::memcpy(rsdp.data(), "RSD PTR ", 8);
        std::memcpy(rsdp.data() + 9, "BOCHS ", 6);
        put32(rsdp, 16, rsdt_at);

        auto command = [&](std::uint32_t type, const std::string& a, const std::string& b) {
            std::vector<std::uint8_t> c(kAcpiLoaderCommandSize, 0);
            put32(c, 0, type);
            std::memcpy(c.data() + 4, a.data(), a.size());
            if (!b.empty()) std::memcpy(c.data() + 60, b.data(), b.size());
            if (type == 1) put32(c, 60, 64);
            loader.insert(loader.end(), c.begin(), c.end());
        };
        command(1, "etc/acpi/rsdp", "");
        if (with_tpm_log) command(1, "etc/tpm/log", "");
        command(1, "etc/acpi/tables", "");
        command(2, "etc/acpi/rsdp", "etc/acpi/tables");
        loader.resize(4096, 0);
        tpm_log = with_tpm_log;
    }
    bool tpm_log = false;

    // Writes the blobs under dir in the fw_cfg layout; with `sysfs`, each blob
    // is a directory holding `raw`, as in /sys/firmware/qemu_fw_cfg/by_name.
    void write(const std::filesystem::path& dir, bool sysfs = false) const {
        auto put = [&](const std::string& name, const std::vector<std::uint8_t>& bytes) {
            std::filesystem::path p = dir / name;
            if (sysfs) p /= "raw";
            std::filesystem::create_directories(p.parent_path());
            write_bytes(p, bytes);
        };
        put("etc/table-loader", loader);
        put("etc/acpi/rsdp", rsdp);
        put("etc/acpi/tables", tables);
        if (tpm_log) put("etc/tpm/log", std::vector<std::uint8_t>(0x10000, 0));
    }
};

}  // namespace tdx::test
