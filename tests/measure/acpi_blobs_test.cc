#include "measure/acpi_blobs.h"

#include <sys/stat.h>

#include <algorithm>

#include "base/error.h"
#include "tests/measure/acpi_fixture.h"
#include "tests/support/catch.h"

using namespace tdx;

TEST_CASE("ACPI directory: blobs in loader order, table list and enabled vCPUs") {
    test::TempDir dir;
    test::AcpiFixture(3, true).write(dir.path());
    const AcpiBlobs b = load_acpi_dir(dir.path());
    CHECK(b.loader.bytes.size() == 4096);
    REQUIRE(b.allocated.size() == 3);
    CHECK(b.allocated[0].name == "etc/acpi/rsdp");
    CHECK(b.allocated[1].name == "etc/tpm/log");
    CHECK(b.allocated[2].name == "etc/acpi/tables");
    CHECK(b.table_signatures == std::vector<std::string>{"FACP", "APIC"});
    CHECK(b.enabled_cpus == std::optional<unsigned>(3));
}

TEST_CASE("ACPI directory copied from sysfs (NAME/raw) reads the same") {
    test::TempDir flat, sysfs;
    test::AcpiFixture fx(2);
    fx.write(flat.path());
    fx.write(sysfs.path(), true);
    const AcpiBlobs a = load_acpi_dir(flat.path());
    const AcpiBlobs b = load_acpi_dir(sysfs.path());
    CHECK(a.allocated[1].bytes == b.allocated[1].bytes);
    CHECK(b.enabled_cpus == std::optional<unsigned>(2));
}

TEST_CASE("ACPI directory errors name the directory and the blob") {
    test::TempDir dir;
    SECTION("not a directory") { CHECK_THROWS_WITH(load_acpi_dir(dir / "nope"), TDX_CONTAINS("not a directory")); }
    SECTION("no loader") { CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("no \"etc/table-loader\"")); }
    SECTION("a blob the loader allocates is missing") {
        test::AcpiFixture(1, true).write(dir.path());
        std::filesystem::remove(dir / "etc/tpm/log");
        CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("no \"etc/tpm/log\""));
    }
    SECTION("RSDP pointing outside the tables") {
        test::AcpiFixture fx(1);
        fx.put32(fx.rsdp, 16, 0x7fffffff);
        fx.write(dir.path());
        CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("etc/acpi/tables"));
    }
    SECTION("garbage RSDP") {
        test::AcpiFixture fx(1);
        fx.rsdp[0] = 'X';
        fx.write(dir.path());
        CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("RSD PTR"));
    }
}

TEST_CASE("MADT: Local APIC and x2APIC entries, enabled bit only") {
    std::vector<std::uint8_t> madt = test::AcpiFixture::table("APIC", 44 + 8 + 16 + 8);
    madt[44] = 0;
    madt[45] = 8;
    madt[48] = 1;  // enabled local APIC
    madt[52] = 9;
    madt[53] = 16;
    madt[60] = 1;  // enabled x2APIC
    madt[68] = 0;
    madt[69] = 8;
    madt[72] = 0;  // disabled
    CHECK(madt_enabled_cpus(madt, "APIC") == 2);
    madt[53] = 0;  // a zero-length entry would loop forever
    CHECK_THROWS_WITH(madt_enabled_cpus(madt, "APIC"), TDX_CONTAINS("has length 0"));
}

TEST_CASE("ACPI directory: names from the loader script never leave the directory, blobs are regular files") {
    test::TempDir dir;
    test::AcpiFixture fx(1, true);
    // The second ALLOCATE (etc/tpm/log, which no pointer names) renamed.
    auto rename_tpm_log = [&](const std::string& name) {
        std::fill(fx.loader.begin() + 132, fx.loader.begin() + 188, std::uint8_t{0});
        std::copy(name.begin(), name.end(), fx.loader.begin() + 132);
        fx.write(dir.path());
    };
    SECTION("a name with '..' is refused before anything is read") {
        rename_tpm_log("../../../../etc/shadow");
        CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("names the blob \"../../../../etc/shadow\", which is not a fw_cfg file name"));
    }
    SECTION("an absolute name is refused") {
        rename_tpm_log("/etc/passwd");
        CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("not a fw_cfg file name"));
    }
    SECTION("a blob that is a link out of the directory is refused") {
        fx.write(dir.path());
        std::filesystem::remove(dir / "etc/tpm/log");
        std::filesystem::create_symlink("/etc/passwd", dir / "etc/tpm/log");
        CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("outside"));
    }
    SECTION("a link inside the directory is followed") {
        fx.write(dir.path());
        std::filesystem::rename(dir / "etc/tpm/log", dir / "etc/tpm/log.real");
        std::filesystem::create_symlink("log.real", dir / "etc/tpm/log");
        CHECK(load_acpi_dir(dir.path()).allocated.size() == 3);
    }
    SECTION("a FIFO or a device is refused, not read") {
        fx.write(dir.path());
        std::filesystem::remove(dir / "etc/tpm/log");
        REQUIRE(::mkfifo((dir / "etc/tpm/log").c_str(), 0600) == 0);
        CHECK_THROWS_WITH(load_acpi_dir(dir.path()), TDX_CONTAINS("etc/tpm/log: not a regular file"));
        std::filesystem::remove(dir / "etc/tpm/log");
        std::filesystem::create_symlink("/dev/zero", dir / "etc/tpm/log");
        CHECK_THROWS_AS(load_acpi_dir(dir.path()), Error);
    }
}
