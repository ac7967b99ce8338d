//! The scenario files under `tests/scenarios/`, played against the built `cdylib`, each
//! transcript equal to its snapshot under `tests/snapshots/` (`cargo insta review` accepts a
//! change). Each scenario gets a components file of its own.

use symphony_harness::testing::Scenarios;

#[test]
fn every_scenario_meets_its_expectations_and_matches_its_snapshot() {
    Scenarios::in_dir("tests/scenarios")
        .library_of_this_crate()
        .config_temp_dir("root")
        .snapshots("tests/snapshots")
        .assert_pass();
}
