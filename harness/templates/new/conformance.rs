//! `symphony-harness check`'s conformance suite in `cargo test`: on the provider type itself
//! (in-process, no `.so`: quick feedback) and on the built library, loaded as Symphony loads
//! it. A failure prints the same evidence as `symphony-harness check`.

use symphony_harness::testing::Conformance;

use @@crate@@::Provider;

#[test]
fn the_provider_type_passes_every_check_in_process() {
    let device = tempfile::tempdir().expect("a temporary folder for the device");
    Conformance::in_process(|config_json: &str| -> Box<dyn symphony::ITargetProvider> {
        Box::new(Provider::from_config_json(config_json))
    })
    .config("root", device_path(&device))
    .assert_passes();
}

#[test]
fn the_built_library_passes_every_check() {
    let device = tempfile::tempdir().expect("a temporary folder for the device");
    Conformance::this_crate()
        .config("root", device_path(&device))
        .assert_passes();
}

fn device_path(device: &tempfile::TempDir) -> &str {
    device.path().to_str().expect("a UTF-8 temporary path")
}
