//! Where a binding's `libFile` is found on this machine.
//!
//! Symphony runs in a container and the tutorial mounts providers at [`EXTENSIONS_MOUNT`]; a
//! Target written for it names `/extensions/libmy_provider.so`. Outside the container that
//! path does not exist, so commands map it into a folder of this machine.

use std::path::{Path, PathBuf};

use super::LibFileResolver;

/// Where Symphony's container finds provider libraries in the tutorial's setup.
pub const EXTENSIONS_MOUNT: &str = "/extensions/";

/// Takes every `libFile` as a path on this machine.
pub fn as_given() -> LibFileResolver {
    Box::new(|lib_file: &str| PathBuf::from(lib_file))
}

/// Maps a `libFile` under [`EXTENSIONS_MOUNT`] into `dir`; other paths are taken as given.
pub fn extensions_into(dir: &Path) -> LibFileResolver {
    let dir = dir.to_path_buf();
    Box::new(
        move |lib_file: &str| match lib_file.strip_prefix(EXTENSIONS_MOUNT) {
            Some(rest) => dir.join(rest),
            None => PathBuf::from(lib_file),
        },
    )
}

/// The `libFile` a binding should name for a library file called `file_name`, mounted as the
/// tutorial does.
pub fn mounted_lib_file(file_name: &str) -> String {
    format!("{EXTENSIONS_MOUNT}{file_name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_paths_map_into_the_folder_and_others_stay() {
        let mut resolve = extensions_into(Path::new("target/release"));
        assert_eq!(
            resolve("/extensions/libp.so"),
            PathBuf::from("target/release/libp.so")
        );
        assert_eq!(resolve("/opt/libp.so"), PathBuf::from("/opt/libp.so"));
        assert_eq!(resolve("libp.so"), PathBuf::from("libp.so"));
    }

    #[test]
    fn a_mounted_lib_file_is_found_again_by_the_resolver() {
        let lib_file = mounted_lib_file("libp.so");
        assert_eq!(lib_file, "/extensions/libp.so");
        assert_eq!(
            extensions_into(Path::new("d"))(&lib_file),
            PathBuf::from("d/libp.so")
        );
    }
}
